//! Word documents (DOCX) through docx-rs: `to_docx` for tables, and `DocxWriter`, the small
//! builder the search appendix shares (headings, paragraphs, tables, monospace blocks).
//!
//! The page is A4 with 2 cm margins, Arial 10 pt (Liberation Sans where Arial is missing),
//! tables in 9 pt with column widths estimated from their content. A document turns landscape
//! when one of its tables has many columns.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, LineSpacing, PageMargin, PageOrientationType, Paragraph, Run,
    RunFonts, Shading, ShdType, SpecialIndentType, Style, StyleType, TableBorder, TableBorderPosition,
    TableBorders, TableCell, TableCellBorder, TableCellBorderPosition, TableCellBorders, TableLayoutType,
    TableRow, WidthType,
};

use crate::tables::{Align, ReportError, Row, Table};

/// A Word document holding `tables` in order, under `heading` when one is given: each table
/// with its title as a caption above it, a bold shaded header row, group rows bold and merged
/// across all columns, footnotes below in small text. The page is landscape when a table has
/// more than six columns.
pub fn to_docx(tables: &[Table], heading: Option<&str>) -> Result<Vec<u8>, ReportError> {
    let landscape = tables.iter().any(wants_landscape);
    let mut doc = DocxWriter::new(landscape);
    if let Some(heading) = heading {
        doc = doc.heading(1, heading);
    }
    for table in tables {
        doc = doc.table(table, HeaderRow::Shown);
    }
    doc.finish()
}

/// Whether a table is too wide for a portrait page.
pub(crate) fn wants_landscape(table: &Table) -> bool {
    table.n_columns() > LANDSCAPE_ABOVE_COLUMNS
}

const LANDSCAPE_ABOVE_COLUMNS: usize = 6;

// Sizes in twentieths of a point (twips) and half-points, as WordprocessingML counts them.
const A4_SHORT_SIDE: u32 = 11_906;
const A4_LONG_SIDE: u32 = 16_838;
const MARGIN: i32 = 1_134; // 2 cm
const BODY_SIZE: usize = 20; // 10 pt
const TABLE_SIZE: usize = 18; // 9 pt
const FOOTNOTE_SIZE: usize = 16; // 8 pt
const CODE_SIZE: usize = 17; // 8.5 pt
const CODE_HANGING_INDENT: i32 = 408; // four characters of 8.5 pt Courier New
/// The average advance of a character of 9 pt Arial, in twips, for estimating column widths;
/// bold text is about a tenth wider.
const TABLE_CHAR_WIDTH: f64 = 100.0;
const BOLD_FACE: f64 = 1.1;
/// Word's default left plus right cell margin.
const CELL_PADDING: usize = 216;
const BODY_FONT: &str = "Arial";
const CODE_FONT: &str = "Courier New";
const RULE_COLOR: &str = "000000";
const HAIRLINE_COLOR: &str = "BFBFBF";
const HEADER_FILL: &str = "E7E6E6";
const GROUP_FILL: &str = "F2F2F2";
const CODE_FILL: &str = "F4F4F4";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeaderRow {
    Shown,
    /// For key-value tables: no header row, the first column in bold instead.
    Hidden,
}

/// A document under construction, built by value: `DocxWriter::new(false).heading(1, "..")`.
pub(crate) struct DocxWriter {
    docx: Docx,
    text_width: usize,
}

impl DocxWriter {
    pub(crate) fn new(landscape: bool) -> DocxWriter {
        let (width, height) =
            if landscape { (A4_LONG_SIDE, A4_SHORT_SIDE) } else { (A4_SHORT_SIDE, A4_LONG_SIDE) };
        let margin = PageMargin {
            top: MARGIN,
            left: MARGIN,
            bottom: MARGIN,
            right: MARGIN,
            header: 709,
            footer: 709,
            gutter: 0,
        };
        let mut docx = Docx::new()
            .page_size(width, height)
            .page_margin(margin)
            .default_fonts(fonts(BODY_FONT))
            .default_size(BODY_SIZE)
            .default_line_spacing(LineSpacing::new().after(120).line(264));
        if landscape {
            docx = docx.page_orient(PageOrientationType::Landscape);
        }
        for (level, size) in [(1, 32), (2, 26), (3, 22)] {
            docx = docx.add_style(
                Style::new(format!("Heading{level}"), StyleType::Paragraph)
                    .name(format!("heading {level}"))
                    .based_on("Normal")
                    .next("Normal")
                    .bold()
                    .size(size)
                    .outline_lvl(level - 1)
                    .line_spacing(LineSpacing::new().before(240).after(120)),
            );
        }
        docx = docx.add_style(
            Style::new("Caption", StyleType::Paragraph)
                .name("caption")
                .based_on("Normal")
                .next("Normal")
                .bold()
                .size(BODY_SIZE)
                .line_spacing(LineSpacing::new().before(120).after(80)),
        );
        DocxWriter { docx, text_width: (width as i32 - 2 * MARGIN) as usize }
    }

    pub(crate) fn heading(mut self, level: usize, text: &str) -> DocxWriter {
        let level = level.clamp(1, 3);
        let paragraph = Paragraph::new()
            .style(&format!("Heading{level}"))
            .keep_next(true)
            .add_run(Run::new().add_text(clean(text)));
        self.docx = self.docx.add_paragraph(paragraph);
        self
    }

    pub(crate) fn paragraph(mut self, text: &str) -> DocxWriter {
        self.docx = self.docx.add_paragraph(text_paragraph(text, Run::new()));
        self
    }

    /// A paragraph that starts with a bold label, e.g. "Review: " followed by the title.
    pub(crate) fn labelled(mut self, label: &str, text: &str) -> DocxWriter {
        let paragraph = Paragraph::new()
            .keep_next(true)
            .add_run(Run::new().bold().add_text(clean(label)))
            .add_run(Run::new().add_text(clean(text)));
        self.docx = self.docx.add_paragraph(paragraph);
        self
    }

    /// Text in a monospace font on a light background, every line break, tab and space kept.
    /// Each line is its own paragraph with a hanging indent, so a line too long for the page
    /// visibly continues rather than reading as a new line.
    pub(crate) fn code(mut self, text: &str) -> DocxWriter {
        let mut cell = TableCell::new().width(self.text_width, WidthType::Dxa).shading(fill(CODE_FILL));
        for line in clean(text).split('\n') {
            let paragraph = text_paragraph(line, Run::new().fonts(fonts(CODE_FONT)).size(CODE_SIZE))
                .line_spacing(LineSpacing::new().before(0).after(0).line(240))
                .indent(
                    Some(CODE_HANGING_INDENT),
                    Some(SpecialIndentType::Hanging(CODE_HANGING_INDENT)),
                    None,
                    None,
                );
            cell = cell.add_paragraph(paragraph);
        }
        let borders = TableBorders::with_empty()
            .set(border(TableBorderPosition::Top, 4, HAIRLINE_COLOR))
            .set(border(TableBorderPosition::Bottom, 4, HAIRLINE_COLOR))
            .set(border(TableBorderPosition::Left, 4, HAIRLINE_COLOR))
            .set(border(TableBorderPosition::Right, 4, HAIRLINE_COLOR));
        let table = docx_rs::Table::new(vec![TableRow::new(vec![cell])])
            .set_grid(vec![self.text_width])
            .width(self.text_width, WidthType::Dxa)
            .layout(TableLayoutType::Fixed)
            .set_borders(borders);
        self.docx = self.docx.add_table(table).add_paragraph(spacer());
        self
    }

    pub(crate) fn table(mut self, table: &Table, header: HeaderRow) -> DocxWriter {
        if let Some(title) = &table.title {
            let caption =
                Paragraph::new().style("Caption").keep_next(true).add_run(Run::new().add_text(clean(title)));
            self.docx = self.docx.add_paragraph(caption);
        }
        let n_columns = table.n_columns();
        if n_columns > 0 {
            let docx_table = self.docx_table(table, header);
            self.docx = self.docx.add_table(docx_table);
        }
        for footnote in &table.footnotes {
            let paragraph = text_paragraph(footnote, Run::new().size(FOOTNOTE_SIZE))
                .line_spacing(LineSpacing::new().before(0).after(40));
            self.docx = self.docx.add_paragraph(paragraph);
        }
        self.docx = self.docx.add_paragraph(spacer());
        self
    }

    pub(crate) fn finish(self) -> Result<Vec<u8>, ReportError> {
        let mut bytes = Cursor::new(Vec::new());
        self.docx.build().pack(&mut bytes).map_err(|err| ReportError::Docx(err.to_string()))?;
        repeat_header_rows(&bytes.into_inner())
    }

    fn docx_table(&self, table: &Table, header: HeaderRow) -> docx_rs::Table {
        let widths = column_widths(table, self.text_width);
        let total: usize = widths.iter().sum();
        let n_columns = widths.len();
        let mut rows = Vec::new();
        if header == HeaderRow::Shown {
            let cells = (0..n_columns)
                .map(|idx| {
                    let column = table.column(idx);
                    table_cell(&column.name, widths[idx], column.align, true, true)
                        .shading(fill(HEADER_FILL))
                        .set_borders(TableCellBorders::with_empty().set(
                            TableCellBorder::new(TableCellBorderPosition::Bottom).size(6).color(RULE_COLOR),
                        ))
                })
                .collect();
            rows.push(TableRow::new(cells).cant_split());
        }
        for (row_idx, row) in table.rows.iter().enumerate() {
            // A key-value table is small and kept on one page; a group heading stays with its
            // first row.
            let is_last = row_idx + 1 == table.rows.len();
            let keep = header == HeaderRow::Hidden && !is_last;
            let cells = match row {
                Row::Cells(cells) => table
                    .padded(cells)
                    .into_iter()
                    .enumerate()
                    .map(|(idx, text)| {
                        let bold = header == HeaderRow::Hidden && idx == 0;
                        table_cell(text, widths[idx], table.column(idx).align, bold, keep)
                    })
                    .collect(),
                Row::Group(name) => vec![
                    table_cell(name, total, Align::Left, true, !is_last)
                        .grid_span(n_columns)
                        .shading(fill(GROUP_FILL)),
                ],
            };
            rows.push(TableRow::new(cells).cant_split());
        }
        let borders = TableBorders::with_empty()
            .set(border(TableBorderPosition::Top, 8, RULE_COLOR))
            .set(border(TableBorderPosition::Bottom, 8, RULE_COLOR))
            .set(border(TableBorderPosition::InsideH, 2, HAIRLINE_COLOR));
        docx_rs::Table::new(rows)
            .set_grid(widths)
            .width(total, WidthType::Dxa)
            .layout(TableLayoutType::Fixed)
            .set_borders(borders)
    }
}

/// Column widths in twips that add up to `text_width`. A column with a `width_hint` gets that
/// many characters. Each other column wants room for its longest line (at most 60 characters)
/// and needs room for its longest word (at most 15 characters, so numbers and dates never
/// break); when the wants do not fit, the space above the needs is shared in proportion to the
/// wants, and when they do, the columns stretch to fill the width.
pub(crate) fn column_widths(table: &Table, text_width: usize) -> Vec<usize> {
    let n_columns = table.n_columns();
    if n_columns == 0 {
        return Vec::new();
    }
    let mut needs = vec![3.0f64; n_columns];
    let mut wants = vec![3.0f64; n_columns];
    let mut measure = |idx: usize, text: &str, face: f64| {
        let longest_line = text.lines().map(|line| line.chars().count()).max().unwrap_or(0);
        let longest_word = text.split_whitespace().map(|word| word.chars().count()).max().unwrap_or(0);
        needs[idx] = needs[idx].max(longest_word.min(15) as f64 * face);
        wants[idx] = wants[idx].max(longest_line.min(60) as f64 * face);
    };
    for idx in 0..n_columns {
        measure(idx, &table.column(idx).name, BOLD_FACE);
    }
    for row in &table.rows {
        if let Row::Cells(cells) = row {
            for (idx, cell) in table.padded(cells).into_iter().enumerate() {
                measure(idx, cell, 1.0);
            }
        }
    }
    let hints: Vec<Option<f64>> = (0..n_columns)
        .map(|idx| {
            table
                .column(idx)
                .width_hint
                .filter(|hint| hint.is_finite())
                .map(|h| f64::from(h).clamp(1.0, 200.0))
        })
        .collect();
    let text_twips = text_width.saturating_sub(CELL_PADDING * n_columns) as f64;
    let available = text_twips / TABLE_CHAR_WIDTH;
    let hinted: f64 = hints.iter().flatten().sum();
    let free = (available - hinted).max(0.0);
    let (mut sum_needs, mut sum_wants) = (0.0, 0.0);
    for idx in (0..n_columns).filter(|&idx| hints[idx].is_none()) {
        wants[idx] = wants[idx].max(needs[idx]);
        sum_needs += needs[idx];
        sum_wants += wants[idx];
    }
    let chars: Vec<f64> = (0..n_columns)
        .map(|idx| match hints[idx] {
            Some(hint) => hint,
            // Everything fits: stretch to the full width.
            None if sum_wants <= free => wants[idx] * free / sum_wants,
            // Not even the needs fit: shrink, and let long words break.
            None if sum_needs >= free => needs[idx] * free / sum_needs.max(1.0),
            None => needs[idx] + (wants[idx] - needs[idx]) * (free - sum_needs) / (sum_wants - sum_needs),
        })
        .collect();
    // Only hinted columns, or hints wider than the page: scale whatever there is to fit.
    let per_char = text_twips / chars.iter().sum::<f64>().max(1.0);
    let mut widths: Vec<usize> =
        chars.iter().map(|&c| (c * per_char).floor() as usize + CELL_PADDING).collect();
    // Give the rounding loss to the last column so the table is exactly the text width.
    let used: usize = widths.iter().sum();
    if let Some(last) = widths.last_mut() {
        *last += text_width.saturating_sub(used);
    }
    widths
}

fn table_cell(text: &str, width: usize, align: Align, bold: bool, keep_with_next: bool) -> TableCell {
    let run = if bold { Run::new().bold() } else { Run::new() }.size(TABLE_SIZE);
    let alignment = match align {
        Align::Left => AlignmentType::Left,
        Align::Right => AlignmentType::Right,
    };
    let paragraph = text_paragraph(text, run)
        .align(alignment)
        .line_spacing(LineSpacing::new().before(20).after(20).line(240))
        .keep_next(keep_with_next);
    TableCell::new().width(width, WidthType::Dxa).add_paragraph(paragraph)
}

/// One paragraph holding `text`, each line in a copy of `style` with line breaks between, tabs
/// as tabs: nothing is reflowed.
fn text_paragraph(text: &str, style: Run) -> Paragraph {
    let text = clean(text);
    let mut paragraph = Paragraph::new();
    for (line_idx, line) in text.split('\n').enumerate() {
        let mut run = style.clone();
        if line_idx > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        for (piece_idx, piece) in line.split('\t').enumerate() {
            if piece_idx > 0 {
                run = run.add_tab();
            }
            if !piece.is_empty() {
                run = run.add_text(piece);
            }
        }
        paragraph = paragraph.add_run(run);
    }
    paragraph
}

/// An empty paragraph to keep consecutive tables apart (Word would merge them).
fn spacer() -> Paragraph {
    Paragraph::new().line_spacing(LineSpacing::new().before(0).after(0)).size(FOOTNOTE_SIZE)
}

/// `text` with Windows line ends made `\n` and the characters XML 1.0 cannot hold removed.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .map(|ch| if ch == '\r' { '\n' } else { ch })
        .filter(|&ch| matches!(ch, '\t' | '\n') || !(ch.is_control() || ch == '\u{FFFE}' || ch == '\u{FFFF}'))
        .collect()
}

fn fonts(name: &str) -> RunFonts {
    RunFonts::new().ascii(name).hi_ansi(name).cs(name).east_asia(name)
}

/// Marks every table's header row (the shaded one) as a header that Word repeats at the top
/// of each page a table runs onto (`<w:tblHeader/>`), which docx-rs cannot write: the package
/// is rewritten with that one change to `word/document.xml`.
fn repeat_header_rows(docx: &[u8]) -> Result<Vec<u8>, ReportError> {
    use std::io::{Read, Write};
    let fail = |err: &dyn std::fmt::Display| ReportError::Docx(format!("marking header rows: {err}"));
    let mut archive = zip::ZipArchive::new(Cursor::new(docx)).map_err(|e| fail(&e))?;
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let header_fill = format!("w:fill=\"{HEADER_FILL}\"");
    for idx in 0..archive.len() {
        let mut part = archive.by_index(idx).map_err(|e| fail(&e))?;
        let name = part.name().to_string();
        let mut content = Vec::new();
        part.read_to_end(&mut content).map_err(|e| fail(&e))?;
        if name == "word/document.xml" {
            let xml = String::from_utf8(content).map_err(|e| fail(&e))?;
            let mut rows = xml.split("<w:tr>");
            let mut marked = rows.next().unwrap_or_default().to_string();
            for row in rows {
                marked.push_str("<w:tr>");
                let row_end = row.find("</w:tr>").unwrap_or(row.len());
                if row[..row_end].contains(&header_fill) && row.starts_with("<w:trPr>") {
                    marked.push_str("<w:trPr><w:tblHeader />");
                    marked.push_str(&row["<w:trPr>".len()..]);
                } else {
                    marked.push_str(row);
                }
            }
            content = marked.into_bytes();
        }
        out.start_file(name, options).map_err(|e| fail(&e))?;
        out.write_all(&content).map_err(|e| fail(&e))?;
    }
    Ok(out.finish().map_err(|e| fail(&e))?.into_inner())
}

fn fill(color: &str) -> Shading {
    Shading::new().shd_type(ShdType::Clear).color("auto").fill(color)
}

fn border(position: TableBorderPosition, size: usize, color: &str) -> TableBorder {
    TableBorder::new(position).border_type(BorderType::Single).size(size).color(color)
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Read;

    use super::*;
    use crate::tables::Column;

    /// The text of one part of a zip archive (DOCX and XLSX files are zip archives).
    pub(crate) fn zip_part(bytes: &[u8], name: &str) -> String {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip archive");
        let mut part = archive.by_name(name).unwrap_or_else(|_| panic!("no part {name}"));
        let mut text = String::new();
        part.read_to_string(&mut text).unwrap();
        text
    }

    fn typical() -> Table {
        let mut table = Table::new(vec![Column::left("Intervention"), Column::right("Studies")])
            .with_title("Table 1. Interventions & <comparators>");
        table.push_group("Pharmacological");
        table.push_cells(["Beta blockers", "12"]);
        table.push_cells(["Line one\nLine two", "7"]);
        table.footnotes.push("Counts are of included studies.".to_owned());
        table
    }

    #[test]
    fn docx_is_a_zip_with_the_cell_texts() {
        let bytes = to_docx(&[typical()], Some("Tables")).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let document = zip_part(&bytes, "word/document.xml");
        for text in [
            "Tables",
            "Table 1. Interventions &amp; &lt;comparators&gt;",
            "Intervention",
            "Beta blockers",
            "Pharmacological",
            "Line one",
            "Line two",
            "Counts are of included studies.",
        ] {
            assert!(document.contains(text), "{text} missing from {document}");
        }
        // The header row repeats on every page; only it.
        assert_eq!(document.matches("<w:tblHeader />").count(), 1, "{document}");
        // The group row spans both columns; the page is portrait.
        assert!(document.contains("<w:gridSpan w:val=\"2\" />"), "{document}");
        assert!(!document.contains("landscape"));
        assert!(zip_part(&bytes, "word/styles.xml").contains("Heading1"));
    }

    #[test]
    fn many_columns_turn_the_page() {
        let table = Table::new((0..8).map(|idx| Column::left(format!("C{idx}"))).collect());
        let bytes = to_docx(&[table], None).unwrap();
        let document = zip_part(&bytes, "word/document.xml");
        assert!(document.contains("w:orient=\"landscape\""), "{document}");
        assert!(document.contains("w:w=\"16838\""), "{document}");
    }

    #[test]
    fn empty_input_still_makes_a_document() {
        let bytes = to_docx(&[], None).unwrap();
        assert!(zip_part(&bytes, "word/document.xml").contains("w:body"));
        let bytes = to_docx(&[Table::default()], Some("Nothing")).unwrap();
        assert!(zip_part(&bytes, "word/document.xml").contains("Nothing"));
    }

    #[test]
    fn control_characters_are_dropped_not_written() {
        let mut table = Table::new(vec![Column::left("A")]);
        table.push_cells(["bell\u{7} and nul\u{0}"]);
        let document = zip_part(&to_docx(&[table], None).unwrap(), "word/document.xml");
        assert!(document.contains("bell and nul"), "{document}");
    }

    #[test]
    fn widths_fill_the_text_width_and_follow_the_content() {
        let mut table = Table::new(vec![Column::left("Title"), Column::right("n")]);
        table.push_cells(["A rather long title of a study that needs room", "3"]);
        let widths = column_widths(&table, 9_638);
        assert_eq!(widths.iter().sum::<usize>(), 9_638);
        assert!(widths[0] > 4 * widths[1], "{widths:?}");

        // Too much text for the page: every column still keeps room for its longest word.
        let mut wide = Table::new((0..5).map(|idx| Column::left(format!("C{idx}"))).collect());
        wide.push_cells(vec!["word ".repeat(40); 5]);
        let widths = column_widths(&wide, 9_638);
        assert_eq!(widths.iter().sum::<usize>(), 9_638);
        assert!(widths.iter().all(|&w| w > 1_500), "{widths:?}");
    }

    #[test]
    fn width_hints_are_honoured() {
        // Only hinted columns: scaled to the width, text areas in the hinted proportion.
        let table = Table::new(vec![Column::left("A").width(10.0), Column::left("B").width(30.0)]);
        let widths = column_widths(&table, 8_000);
        assert_eq!(widths.iter().sum::<usize>(), 8_000);
        let ratio = (widths[1] - CELL_PADDING) as f64 / (widths[0] - CELL_PADDING) as f64;
        assert!((ratio - 3.0).abs() < 0.01, "{widths:?}");

        // A hinted column keeps its width; the others share the rest.
        let mut table = Table::new(vec![Column::left("Detail").width(20.0), Column::left("Value")]);
        table.push_cells(["Kind", "Database"]);
        let widths = column_widths(&table, 9_638);
        assert_eq!(widths[0], 20 * TABLE_CHAR_WIDTH as usize + CELL_PADDING);
        assert_eq!(widths.iter().sum::<usize>(), 9_638);
    }
}
