//! Excel workbooks (XLSX) through rust_xlsxwriter: one sheet per table, a bold frozen header
//! row with an autofilter, column widths from the content, numbers stored as numbers.

use std::collections::HashSet;

use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};

use crate::tables::{Align, ReportError, Row, Table};

/// A workbook with one sheet per `(sheet name, table)`. Sheet names are made acceptable to
/// Excel (at most 31 characters, none of `[ ] : * ? / \`, unique ignoring case), so any name
/// works. The header row is bold, frozen and filterable; a cell whose whole text is a plain
/// integer or decimal (no leading zeros, at most 15 digits) is written as a number so it sums
/// and sorts; group rows are bold; footnotes follow the data after a blank row. The table's
/// title is left out: the sheet name carries it.
pub fn to_xlsx(tables: &[(&str, &Table)]) -> Result<Vec<u8>, ReportError> {
    let mut workbook = Workbook::new();
    // A fixed creation date keeps the output a function of the input alone.
    let epoch = ExcelDateTime::from_ymd(2000, 1, 1)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&epoch));
    let mut used_names = HashSet::new();
    for (sheet_idx, (name, table)) in tables.iter().enumerate() {
        let name = sheet_name(name, sheet_idx + 1, &mut used_names);
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_sheet(sheet, table)?;
    }
    if tables.is_empty() {
        workbook.add_worksheet();
    }
    Ok(workbook.save_to_buffer()?)
}

/// Excel keeps at most this many characters in a cell; longer text is cut with a marker.
const MAX_CELL_CHARS: usize = 32_767;
const MAX_COLUMN_WIDTH: f64 = 60.0;
const MIN_COLUMN_WIDTH: f64 = 6.0;
/// The points a line of 11 pt Calibri (the default font) takes, and Excel's tallest row.
const LINE_HEIGHT: f64 = 15.0;
const MAX_ROW_HEIGHT: f64 = 409.0;
/// The column widths (in characters) an A4 portrait page holds at 100%; wider sheets print
/// landscape.
const PORTRAIT_PRINT_WIDTH: f64 = 95.0;

fn write_sheet(sheet: &mut Worksheet, table: &Table) -> Result<(), ReportError> {
    let n_columns = table.n_columns();
    if n_columns == 0 {
        return Ok(());
    }
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top)
        .set_border_bottom(FormatBorder::Thin)
        .set_background_color("E7E6E6");
    let group = Format::new().set_bold().set_background_color("F2F2F2");
    let left = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let right = left.clone().set_align(FormatAlign::Right);
    let footnote = Format::new().set_italic();

    let widths = column_widths(table);
    for (idx, &width) in widths.iter().enumerate() {
        sheet.set_column_width(col(idx), width)?;
    }

    for idx in 0..n_columns {
        let column = table.column(idx);
        let format = match column.align {
            Align::Left => header.clone(),
            Align::Right => header.clone().set_align(FormatAlign::Right),
        };
        sheet.write_string_with_format(0, col(idx), fit(&column.name), &format)?;
    }
    set_height(sheet, 0, (0..n_columns).map(|idx| line_count(&table.column(idx).name, widths[idx] - 3.0)))?;
    let mut row_idx: u32 = 1;
    for row in &table.rows {
        match row {
            Row::Cells(cells) => {
                let cells = table.padded(cells);
                for (idx, &text) in cells.iter().enumerate() {
                    let format = match table.column(idx).align {
                        Align::Left => &left,
                        Align::Right => &right,
                    };
                    if let Some(number) = as_number(text) {
                        // Keep the decimals as typed: "71.0" stays 71.0, not 71.
                        let decimals = text.split_once('.').map_or(0, |(_, fraction)| fraction.len());
                        let format = match decimals {
                            0 => format.clone(),
                            n => format.clone().set_num_format(format!("0.{}", "0".repeat(n))),
                        };
                        sheet.write_number_with_format(row_idx, col(idx), number, &format)?;
                    } else if !text.is_empty() {
                        sheet.write_string_with_format(row_idx, col(idx), fit(text), format)?;
                    }
                }
                set_height(
                    sheet,
                    row_idx,
                    cells.iter().enumerate().map(|(idx, text)| line_count(text, widths[idx])),
                )?;
            }
            Row::Group(name) => {
                sheet.write_string_with_format(row_idx, 0, fit(name), &group)?;
                for idx in 1..n_columns {
                    sheet.write_blank(row_idx, col(idx), &group)?;
                }
            }
        }
        row_idx += 1;
    }
    let last_data_row = row_idx - 1;
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, last_data_row, col(n_columns - 1))?;
    for (footnote_idx, text) in table.footnotes.iter().enumerate() {
        sheet.write_string_with_format(row_idx + 1 + footnote_idx as u32, 0, fit(text), &footnote)?;
    }

    // Printing: A4, the header row on every page, as wide as one page, cells ruled.
    sheet.set_paper_size(9);
    if widths.iter().sum::<f64>() > PORTRAIT_PRINT_WIDTH {
        sheet.set_landscape();
    }
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_gridlines(true);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

/// Column widths in Excel's units (characters of the default font): the longest line in the
/// column, the header's with room for its bold face and the filter button, between 6 and 60;
/// or the column's `width_hint`.
fn column_widths(table: &Table) -> Vec<f64> {
    let n_columns = table.n_columns();
    let longest_line = |text: &str| text.lines().map(|line| line.chars().count()).max().unwrap_or(0) as f64;
    let mut widths: Vec<f64> =
        (0..n_columns).map(|idx| longest_line(&table.column(idx).name) * 1.1 + 4.0).collect();
    for row in &table.rows {
        if let Row::Cells(cells) = row {
            for (idx, text) in table.padded(cells).into_iter().enumerate() {
                widths[idx] = widths[idx].max(longest_line(text) + 1.0);
            }
        }
    }
    (0..n_columns)
        .map(|idx| match table.column(idx).width_hint.filter(|hint| hint.is_finite()) {
            Some(hint) => f64::from(hint).clamp(1.0, 255.0),
            None => widths[idx].clamp(MIN_COLUMN_WIDTH, MAX_COLUMN_WIDTH),
        })
        .collect()
}

/// Sets a row's height to show `line_counts.max()` lines of text when that is more than one.
/// Excel and LibreOffice do not grow rows for wrapped text on their own when opening a file.
fn set_height(
    sheet: &mut Worksheet,
    row_idx: u32,
    line_counts: impl Iterator<Item = usize>,
) -> Result<(), ReportError> {
    let lines = line_counts.max().unwrap_or(1);
    if lines > 1 {
        let height = (lines as f64 * LINE_HEIGHT + 3.0).min(MAX_ROW_HEIGHT);
        sheet.set_row_height(row_idx, height)?;
    }
    Ok(())
}

/// How many lines `text` takes in a wrapping column `width` characters wide (an estimate:
/// the width unit is the digit zero, and the average letter is about a tenth narrower).
fn line_count(text: &str, width: f64) -> usize {
    let per_line = ((width - 1.0) * 1.1).max(1.0);
    text.lines()
        .map(|line| ((line.chars().count() as f64 / per_line).ceil() as usize).max(1))
        .sum::<usize>()
        .max(1)
}

fn col(idx: usize) -> u16 {
    // Past Excel's 16,384 columns rust_xlsxwriter reports an error; saturate into it.
    u16::try_from(idx).unwrap_or(u16::MAX)
}

/// The number a cell's text spells, when it spells only a number: an optional minus, digits
/// without leading zeros, an optional fraction, at most 15 significant digits (what a double
/// holds exactly). "007", "1e5", "1,000", "12%" and identifiers stay text.
pub(crate) fn as_number(text: &str) -> Option<f64> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || (whole.len() > 1 && whole.starts_with('0')) {
        return None;
    }
    if let Some(fraction) = fraction
        && !all_digits(fraction)
    {
        return None;
    }
    if whole.len() + fraction.map_or(0, str::len) > 15 {
        return None;
    }
    text.parse().ok()
}

fn fit(text: &str) -> String {
    if text.chars().count() <= MAX_CELL_CHARS {
        return text.to_owned();
    }
    let marker = " [truncated]";
    let mut cut: String = text.chars().take(MAX_CELL_CHARS - marker.len()).collect();
    cut.push_str(marker);
    cut
}

/// A name Excel accepts for the sheet at `position` (1-based), unique among `used` (which
/// holds the lower-cased names taken so far).
fn sheet_name(wanted: &str, position: usize, used: &mut HashSet<String>) -> String {
    let cleaned: String =
        wanted
            .chars()
            .map(|ch| {
                if matches!(ch, '[' | ']' | ':' | '*' | '?' | '/' | '\\') || ch.is_control() {
                    '-'
                } else {
                    ch
                }
            })
            .collect();
    let cleaned = cleaned.trim().trim_matches('\'').trim();
    let mut base: String = cleaned.chars().take(31).collect();
    if base.is_empty() || base.eq_ignore_ascii_case("history") {
        base = format!("Sheet{position}");
    }
    let mut name = base.clone();
    let mut copy = 2;
    while used.contains(&name.to_lowercase()) {
        let suffix = format!(" ({copy})");
        let room = 31 - suffix.chars().count();
        name = format!("{}{suffix}", base.chars().take(room).collect::<String>().trim_end());
        copy += 1;
    }
    used.insert(name.to_lowercase());
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docx::tests::zip_part;
    use crate::tables::Column;

    fn typical() -> Table {
        let mut table = Table::new(vec![Column::left("Intervention"), Column::right("Studies")])
            .with_title("Interventions");
        table.push_group("Pharmacological");
        table.push_cells(["Beta blockers", "12"]);
        table.push_cells(["ACE <inhibitors>", "7.5"]);
        table.push_cells(["PMID 007", "007"]);
        table.push_cells(["Exercise", "10.50"]);
        table.footnotes.push("Counts are of included studies.".to_owned());
        table
    }

    #[test]
    fn xlsx_is_a_zip_with_strings_and_numbers() {
        let bytes = to_xlsx(&[("Interventions", &typical())]).unwrap();
        assert!(bytes.starts_with(b"PK"));
        let sheet = zip_part(&bytes, "xl/worksheets/sheet1.xml");
        let strings = zip_part(&bytes, "xl/sharedStrings.xml");
        for text in ["Intervention", "Beta blockers", "ACE &lt;inhibitors&gt;", "Pharmacological", "007"] {
            assert!(strings.contains(text), "{text} missing from {strings}");
        }
        assert!(sheet.contains("<v>12</v>"), "{sheet}");
        assert!(sheet.contains("<v>7.5</v>"), "{sheet}");
        // "10.50" keeps its two decimals through a number format.
        assert!(zip_part(&bytes, "xl/styles.xml").contains("formatCode=\"0.00\""));
        assert!(sheet.contains("<pane ySplit=\"1\""), "frozen header: {sheet}");
        assert!(sheet.contains("<autoFilter ref=\"A1:B6\""), "{sheet}");
        assert!(sheet.contains("<col "), "column widths: {sheet}");
        assert!(strings.contains("Counts are of included studies."));
        let workbook = zip_part(&bytes, "xl/workbook.xml");
        assert!(workbook.contains("name=\"Interventions\""), "{workbook}");
    }

    #[test]
    fn one_sheet_per_table_with_acceptable_names() {
        let table = typical();
        let bytes = to_xlsx(&[
            ("Searches: 2024/25 [draft]", &table),
            ("searches- 2024-25 -draft-", &table),
            ("", &table),
            ("A name that is far too long for an Excel sheet tab", &table),
        ])
        .unwrap();
        let workbook = zip_part(&bytes, "xl/workbook.xml");
        assert!(workbook.contains("name=\"Searches- 2024-25 -draft-\""), "{workbook}");
        assert!(workbook.contains("name=\"searches- 2024-25 -draft- (2)\""), "{workbook}");
        assert!(workbook.contains("name=\"Sheet3\""), "{workbook}");
        assert!(workbook.contains("name=\"A name that is far too long for\""), "{workbook}");
        zip_part(&bytes, "xl/worksheets/sheet4.xml");
    }

    #[test]
    fn empty_input_still_makes_a_workbook() {
        let bytes = to_xlsx(&[]).unwrap();
        zip_part(&bytes, "xl/worksheets/sheet1.xml");
        let bytes = to_xlsx(&[("Empty", &Table::default())]).unwrap();
        zip_part(&bytes, "xl/worksheets/sheet1.xml");
        let header_only = Table::new(vec![Column::left("A")]);
        let bytes = to_xlsx(&[("Header", &header_only)]).unwrap();
        assert!(zip_part(&bytes, "xl/worksheets/sheet1.xml").contains("<autoFilter ref=\"A1\""));
    }

    #[test]
    fn the_output_does_not_depend_on_the_clock() {
        let table = typical();
        assert_eq!(to_xlsx(&[("T", &table)]).unwrap(), to_xlsx(&[("T", &table)]).unwrap());
    }

    #[test]
    fn only_plain_numbers_become_numbers() {
        for (text, number) in [("12", 12.0), ("-3", -3.0), ("0", 0.0), ("0.25", 0.25), ("10.50", 10.5)] {
            assert_eq!(as_number(text), Some(number), "{text}");
        }
        for text in [
            "",
            "-",
            "007",
            "1e5",
            "1,000",
            "12%",
            " 12",
            "1.",
            ".5",
            "12345678901234567",
            "NaN",
            "inf",
            "+1",
        ] {
            assert_eq!(as_number(text), None, "{text}");
        }
    }

    #[test]
    fn over_long_cells_are_cut_to_what_excel_holds() {
        let long = "x".repeat(MAX_CELL_CHARS + 10);
        assert_eq!(fit(&long).chars().count(), MAX_CELL_CHARS);
        let mut table = Table::new(vec![Column::left("Query")]);
        table.push_cells([long]);
        assert!(to_xlsx(&[("Q", &table)]).is_ok());
    }
}
