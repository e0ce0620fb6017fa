//! A plain table model (title, columns, rows with group headings, footnotes) and its writers:
//! GitHub-flavoured Markdown, RFC 4180 CSV and accessible HTML here, DOCX and XLSX in
//! `docx.rs` and `xlsx.rs`.
//!
//! Every writer takes the table as it is: a row with fewer cells than there are columns is
//! padded with empty cells, a row with more cells widens the table with unnamed columns, so no
//! cell is ever dropped.

use std::fmt::Write as _;

pub use crate::docx::to_docx;
pub use crate::xlsx::to_xlsx;

/// A table ready to be written in any of the formats below.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// Shown as a caption above the table (Markdown: a bold line, HTML: `<caption>`, DOCX: a
    /// caption paragraph). CSV and XLSX leave it out: the file or sheet name carries it.
    pub title: Option<String>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// Notes printed below the table, one paragraph each. CSV leaves them out.
    pub footnotes: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    pub align: Align,
    /// The width the column should get, in characters of body text. Without it, widths follow
    /// the content.
    pub width_hint: Option<f32>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Align {
    #[default]
    Left,
    /// For counts and other numbers.
    Right,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Row {
    Cells(Vec<String>),
    /// A heading that spans all columns and groups the rows below it, e.g. "Pharmacological".
    Group(String),
}

/// Why a DOCX or XLSX file could not be written. The text writers cannot fail.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("could not write the DOCX file: {0}")]
    Docx(String),
    #[error("could not write the XLSX file: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
}

impl Table {
    pub fn new(columns: Vec<Column>) -> Table {
        Table { columns, ..Table::default() }
    }

    pub fn with_title(mut self, title: impl Into<String>) -> Table {
        self.title = Some(title.into());
        self
    }

    pub fn push_cells<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(Row::Cells(cells.into_iter().map(Into::into).collect()));
    }

    pub fn push_group(&mut self, name: impl Into<String>) {
        self.rows.push(Row::Group(name.into()));
    }

    /// The number of columns every writer emits: the declared columns, widened by any row
    /// that has more cells.
    pub fn n_columns(&self) -> usize {
        let widest_row = self
            .rows
            .iter()
            .map(|row| match row {
                Row::Cells(cells) => cells.len(),
                Row::Group(_) => 0,
            })
            .max()
            .unwrap_or(0);
        self.columns.len().max(widest_row)
    }

    /// The column at `column_idx`, or an unnamed left-aligned one past the declared columns.
    pub(crate) fn column(&self, column_idx: usize) -> Column {
        self.columns.get(column_idx).cloned().unwrap_or_else(|| Column::left(""))
    }

    /// The cells of a row, padded with empty cells to `n_columns`.
    pub(crate) fn padded<'a>(&self, cells: &'a [String]) -> Vec<&'a str> {
        let mut padded: Vec<&str> = cells.iter().map(String::as_str).collect();
        padded.resize(self.n_columns(), "");
        padded
    }
}

impl Column {
    pub fn left(name: impl Into<String>) -> Column {
        Column { name: name.into(), align: Align::Left, width_hint: None }
    }

    pub fn right(name: impl Into<String>) -> Column {
        Column { name: name.into(), align: Align::Right, width_hint: None }
    }

    pub fn width(mut self, characters: f32) -> Column {
        self.width_hint = Some(characters);
        self
    }
}

/// A GitHub-flavoured Markdown pipe table, with the title as a bold line above it and each
/// footnote as a paragraph below. Markdown punctuation in the text is escaped so that it shows
/// as typed; line breaks inside a cell become `<br>`. A group row is a row whose first cell
/// holds the bold group name (pipe tables cannot span columns).
pub fn to_markdown(table: &Table) -> String {
    let mut out = String::new();
    if let Some(title) = &table.title {
        let _ = writeln!(out, "**{}**\n", escape_markdown(title));
    }
    let n_columns = table.n_columns();
    if n_columns > 0 {
        let header: Vec<String> = (0..n_columns).map(|idx| markdown_cell(&table.column(idx).name)).collect();
        push_markdown_row(&mut out, &header);
        let rule: Vec<String> = (0..n_columns)
            .map(|idx| match table.column(idx).align {
                Align::Left => ":---".to_owned(),
                Align::Right => "---:".to_owned(),
            })
            .collect();
        push_markdown_row(&mut out, &rule);
        for row in &table.rows {
            let cells: Vec<String> = match row {
                Row::Cells(cells) => table.padded(cells).into_iter().map(markdown_cell).collect(),
                Row::Group(name) => {
                    let mut cells = vec![String::new(); n_columns];
                    let name = markdown_cell(name);
                    if !name.is_empty() {
                        cells[0] = format!("**{name}**");
                    }
                    cells
                }
            };
            push_markdown_row(&mut out, &cells);
        }
    }
    for footnote in &table.footnotes {
        let _ = write!(out, "\n{}\n", escape_markdown(footnote));
    }
    out
}

/// RFC 4180 CSV: a header row, then one record per row, CRLF line ends, fields quoted when
/// they hold a comma, a quote or a line break. A group row becomes a record with the group
/// name in the first field. The title and footnotes are not data and are left out.
pub fn to_csv(table: &Table) -> String {
    let n_columns = table.n_columns();
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        .from_writer(Vec::new());
    let mut write_all = || -> Result<(), csv::Error> {
        if n_columns == 0 {
            return Ok(());
        }
        writer.write_record((0..n_columns).map(|idx| table.column(idx).name))?;
        for row in &table.rows {
            match row {
                Row::Cells(cells) => writer.write_record(table.padded(cells))?,
                Row::Group(name) => {
                    let mut record = vec![""; n_columns];
                    record[0] = name;
                    writer.write_record(record)?;
                }
            }
        }
        Ok(())
    };
    write_all().expect("writing CSV into memory cannot fail");
    let bytes = writer.into_inner().expect("flushing CSV into memory cannot fail");
    // Every field came from a `String`, so the bytes are UTF-8.
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A self-contained, accessible `<table>`: the title as `<caption>`, column headers as
/// `<th scope="col">`, each group as its own `<tbody>` headed by a `<th scope="rowgroup">`
/// spanning all columns, footnotes in `<tfoot>`. Text is HTML-escaped; line breaks inside a
/// cell become `<br>`. Right-aligned columns carry an inline style so the table needs no
/// stylesheet.
pub fn to_html(table: &Table) -> String {
    let n_columns = table.n_columns();
    let mut out = String::from("<table>\n");
    if let Some(title) = &table.title {
        let _ = writeln!(out, "<caption>{}</caption>", html_text(title));
    }
    if n_columns > 0 {
        out.push_str("<thead>\n<tr>");
        for idx in 0..n_columns {
            let column = table.column(idx);
            let _ = write!(
                out,
                "<th scope=\"col\"{}>{}</th>",
                align_attribute(column.align),
                html_text(&column.name)
            );
        }
        out.push_str("</tr>\n</thead>\n");
    }
    out.push_str("<tbody>\n");
    let mut body_is_empty = true;
    for row in &table.rows {
        match row {
            Row::Cells(cells) => {
                out.push_str("<tr>");
                for (idx, cell) in table.padded(cells).into_iter().enumerate() {
                    let align = align_attribute(table.column(idx).align);
                    let _ = write!(out, "<td{align}>{}</td>", html_text(cell));
                }
                out.push_str("</tr>\n");
            }
            Row::Group(name) => {
                if !body_is_empty {
                    out.push_str("</tbody>\n<tbody>\n");
                }
                let _ = writeln!(
                    out,
                    "<tr><th colspan=\"{}\" scope=\"rowgroup\">{}</th></tr>",
                    n_columns.max(1),
                    html_text(name)
                );
            }
        }
        body_is_empty = false;
    }
    out.push_str("</tbody>\n");
    if !table.footnotes.is_empty() {
        out.push_str("<tfoot>\n");
        for footnote in &table.footnotes {
            let _ =
                writeln!(out, "<tr><td colspan=\"{}\">{}</td></tr>", n_columns.max(1), html_text(footnote));
        }
        out.push_str("</tfoot>\n");
    }
    out.push_str("</table>\n");
    out
}

/// A complete HTML page around `body` (which is inserted as is), with `title` as its title and
/// first heading and a small stylesheet that prints cleanly on A4 or Letter.
pub fn html_page(title: &str, body: &str) -> String {
    let title = html_text(title);
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{PAGE_CSS}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n{body}</body>\n</html>\n"
    )
}

const PAGE_CSS: &str = "\
body { font-family: system-ui, -apple-system, \"Segoe UI\", Roboto, Arial, sans-serif; \
font-size: 11pt; line-height: 1.4; color: #111; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 0.75rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 0.5rem; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0 1.5rem; font-size: 10pt; }
caption { caption-side: top; text-align: left; font-weight: 600; padding-bottom: 0.4rem; }
th, td { padding: 0.3rem 0.5rem; vertical-align: top; text-align: left; }
thead th { border-top: 2px solid #111; border-bottom: 1px solid #111; }
tbody tr { border-bottom: 1px solid #ddd; }
tbody th[scope=rowgroup] { background: #f2f2f2; font-weight: 600; }
tbody:last-of-type tr:last-child { border-bottom: 2px solid #111; }
tfoot td { font-size: 9pt; color: #333; border: none; padding-top: 0.2rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f6f6f6; padding: 0.6rem; \
font-size: 9.5pt; border: 1px solid #ddd; }
@page { margin: 2cm; }
@media print { body { margin: 0; max-width: none; } thead { display: table-header-group; } \
tr, pre { break-inside: avoid; } }
";

/// Escapes `text` for HTML element content and attribute values; line breaks become `<br>`.
pub(crate) fn html_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let text = text.replace("\r\n", "\n");
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\r' => out.push_str("<br>"),
            _ => out.push(ch),
        }
    }
    out
}

fn align_attribute(align: Align) -> &'static str {
    match align {
        Align::Left => "",
        Align::Right => " style=\"text-align:right\"",
    }
}

/// Backslash-escapes the ASCII punctuation that Markdown (CommonMark and GFM) could read as
/// markup, so the text shows exactly as typed.
pub(crate) fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if matches!(ch, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~') {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

fn markdown_cell(text: &str) -> String {
    let lines: Vec<String> = text.trim().lines().map(|line| escape_markdown(line.trim())).collect();
    lines.join("<br>")
}

fn push_markdown_row(out: &mut String, cells: &[String]) {
    out.push('|');
    for cell in cells {
        let _ = write!(out, " {cell} |");
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typical() -> Table {
        let mut table = Table::new(vec![Column::left("Intervention"), Column::right("Studies")])
            .with_title("Table 1. Interventions");
        table.push_group("Pharmacological");
        table.push_cells(["Beta blockers", "12"]);
        table.push_cells(["ACE inhibitors", "7"]);
        table.push_group("Non-pharmacological");
        table.push_cells(["Exercise", "4"]);
        table.footnotes.push("Counts are of included studies.".to_owned());
        table
    }

    #[test]
    fn markdown_of_a_typical_table() {
        assert_eq!(
            to_markdown(&typical()),
            "**Table 1. Interventions**\n\n\
             | Intervention | Studies |\n\
             | :--- | ---: |\n\
             | **Pharmacological** |  |\n\
             | Beta blockers | 12 |\n\
             | ACE inhibitors | 7 |\n\
             | **Non-pharmacological** |  |\n\
             | Exercise | 4 |\n\
             \nCounts are of included studies.\n"
        );
    }

    #[test]
    fn markdown_escapes_pipes_markup_and_line_breaks() {
        let mut table = Table::new(vec![Column::left("a|b")]);
        table.push_cells(["x | y *not bold* C:\\dir"]);
        table.push_cells(["line one\nline two"]);
        table.push_group("group | name");
        let markdown = to_markdown(&table);
        assert!(markdown.contains("| a\\|b |"), "{markdown}");
        assert!(markdown.contains("| x \\| y \\*not bold\\* C:\\\\dir |"), "{markdown}");
        assert!(markdown.contains("| line one<br>line two |"), "{markdown}");
        assert!(markdown.contains("| **group \\| name** |"), "{markdown}");
    }

    #[test]
    fn markdown_of_empty_tables() {
        assert_eq!(to_markdown(&Table::default()), "");
        let header_only = Table::new(vec![Column::left("A"), Column::right("B")]);
        assert_eq!(to_markdown(&header_only), "| A | B |\n| :--- | ---: |\n");
    }

    #[test]
    fn ragged_rows_are_padded_and_never_cut() {
        let mut table = Table::new(vec![Column::left("A"), Column::left("B")]);
        table.push_cells(["1"]);
        table.push_cells(["1", "2", "3"]);
        assert_eq!(table.n_columns(), 3);
        assert_eq!(to_markdown(&table), "| A | B |  |\n| :--- | :--- | :--- |\n| 1 |  |  |\n| 1 | 2 | 3 |\n");
        assert_eq!(to_csv(&table), "A,B,\r\n1,,\r\n1,2,3\r\n");
    }

    #[test]
    fn csv_quotes_what_rfc_4180_requires() {
        let mut table = Table::new(vec![Column::left("Title"), Column::right("n")]);
        table.push_cells(["Say \"hello\", world", "1"]);
        table.push_cells(["two\nlines", "2"]);
        table.push_cells(["plain", ""]);
        assert_eq!(
            to_csv(&table),
            "Title,n\r\n\"Say \"\"hello\"\", world\",1\r\n\"two\nlines\",2\r\nplain,\r\n"
        );
    }

    #[test]
    fn csv_group_rows_name_the_group_in_the_first_field() {
        assert_eq!(
            to_csv(&typical()),
            "Intervention,Studies\r\nPharmacological,\r\nBeta blockers,12\r\nACE inhibitors,7\r\n\
             Non-pharmacological,\r\nExercise,4\r\n"
        );
    }

    #[test]
    fn csv_of_empty_tables() {
        assert_eq!(to_csv(&Table::default()), "");
        assert_eq!(to_csv(&Table::new(vec![Column::left("A")])), "A\r\n");
    }

    #[test]
    fn html_of_a_typical_table() {
        assert_eq!(
            to_html(&typical()),
            "<table>\n<caption>Table 1. Interventions</caption>\n\
             <thead>\n<tr><th scope=\"col\">Intervention</th>\
             <th scope=\"col\" style=\"text-align:right\">Studies</th></tr>\n</thead>\n\
             <tbody>\n<tr><th colspan=\"2\" scope=\"rowgroup\">Pharmacological</th></tr>\n\
             <tr><td>Beta blockers</td><td style=\"text-align:right\">12</td></tr>\n\
             <tr><td>ACE inhibitors</td><td style=\"text-align:right\">7</td></tr>\n\
             </tbody>\n<tbody>\n\
             <tr><th colspan=\"2\" scope=\"rowgroup\">Non-pharmacological</th></tr>\n\
             <tr><td>Exercise</td><td style=\"text-align:right\">4</td></tr>\n</tbody>\n\
             <tfoot>\n<tr><td colspan=\"2\">Counts are of included studies.</td></tr>\n</tfoot>\n\
             </table>\n"
        );
    }

    #[test]
    fn html_escapes_text() {
        let mut table = Table::new(vec![Column::left("<b>")]).with_title("A & B");
        table.push_cells(["x < y & \"z\"\nnext"]);
        table.push_group("<script>");
        let html = to_html(&table);
        assert!(html.contains("<caption>A &amp; B</caption>"), "{html}");
        assert!(html.contains("<th scope=\"col\">&lt;b&gt;</th>"), "{html}");
        assert!(html.contains("<td>x &lt; y &amp; &quot;z&quot;<br>next</td>"), "{html}");
        assert!(html.contains("scope=\"rowgroup\">&lt;script&gt;</th>"), "{html}");
        assert!(!html.contains("<script>"));
    }

    #[test]
    fn html_of_empty_tables() {
        assert_eq!(to_html(&Table::default()), "<table>\n<tbody>\n</tbody>\n</table>\n");
        let header_only = Table::new(vec![Column::left("A")]);
        assert_eq!(
            to_html(&header_only),
            "<table>\n<thead>\n<tr><th scope=\"col\">A</th></tr>\n</thead>\n<tbody>\n</tbody>\n</table>\n"
        );
    }

    #[test]
    fn html_page_escapes_its_title_and_keeps_the_body() {
        let page = html_page("Tables & <figures>", "<p>body</p>\n");
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("<title>Tables &amp; &lt;figures&gt;</title>"));
        assert!(page.contains("<h1>Tables &amp; &lt;figures&gt;</h1>\n<p>body</p>\n</body>"));
        assert!(page.contains("@media print"));
    }
}
