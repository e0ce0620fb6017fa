//! CSV out: one row per record under a fixed header, lists joined with `; `.
//!
//! The columns are the ones Sift's table reader maps back to the same fields. A list of one
//! item that the reader would split (a keyword with a comma, an author written
//! `Smith AB, Jones CD`) gets a trailing `;`, which the reader takes as "one item".

use std::io::{self, Write};

use sift_domain::Reference;
use sift_domain::biblio::normalize;

use super::ExportRecord;
use crate::table::{MISSING, split_authors, split_keywords, split_semicolons};

/// The header row, in order.
pub(crate) const COLUMNS: &[&str] = &[
    "id",
    "type",
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "journal_abbrev",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "pmcid",
    "issn",
    "isbn",
    "publisher",
    "language",
    "publication_types",
    "keywords",
    "url",
    "source_file",
    "source_line",
];

pub(super) struct CsvWriter<W: Write> {
    writer: csv::Writer<W>,
    wrote_header: bool,
}

impl<W: Write> CsvWriter<W> {
    pub(super) fn new(out: W) -> Self {
        CsvWriter { writer: csv::Writer::from_writer(out), wrote_header: false }
    }

    pub(super) fn write(&mut self, record: &ExportRecord<'_>) -> io::Result<()> {
        self.header()?;
        let r: &Reference = record.reference;
        let text = |value: &Option<String>| value.clone().unwrap_or_default();
        let authors = list(&r.author_strings(), one_author);
        let row: [String; 23] = [
            record.id.unwrap_or_default().to_string(),
            r.work_type.as_str().to_string(),
            text(&r.title),
            text(&r.abstract_text),
            authors,
            r.year.map(|y| y.to_string()).unwrap_or_default(),
            text(&r.journal),
            text(&r.journal_abbrev),
            text(&r.volume),
            text(&r.issue),
            text(&r.pages),
            text(&r.doi),
            text(&r.pmid),
            text(&r.pmcid),
            text(&r.issn),
            text(&r.isbn),
            text(&r.publisher),
            text(&r.language),
            list(&r.publication_types, one_publication_type),
            list(&r.keywords, one_keyword),
            text(&r.url),
            record.source_file.unwrap_or_default().to_string(),
            record.source_line.map(|l| l.to_string()).unwrap_or_default(),
        ];
        self.writer.write_record(&row)?;
        Ok(())
    }

    pub(super) fn finish(mut self) -> io::Result<W> {
        self.header()?;
        self.writer.into_inner().map_err(|e| e.into_error())
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.wrote_header {
            self.writer.write_record(COLUMNS)?;
            self.wrote_header = true;
        }
        Ok(())
    }
}

/// Joins a list with `; `. A cell the reader would take for a list literal (`['a', 'b']`) or
/// for R's missing value (an author called `NA`), or a single item it would split or unwrap (`a, b` as keywords, `Smith AB, Jones CD` as
/// authors), ends in `;` so it reads back as written.
fn list(items: &[String], reads_back_as_one: impl Fn(&str) -> bool) -> String {
    let mut cell = items.join("; ");
    let looks_like_literal = cell.trim_start().starts_with('[') && cell.trim_end().ends_with(']');
    let looks_missing = cell.trim() == MISSING;
    if looks_like_literal || looks_missing || (items.len() == 1 && !reads_back_as_one(&cell)) {
        cell.push(';');
    }
    cell
}

fn one_author(cell: &str) -> bool {
    split_authors(cell) == normalize::author(cell).into_iter().collect::<Vec<_>>()
}

fn one_keyword(cell: &str) -> bool {
    split_keywords(cell) == normalize::text(cell).into_iter().collect::<Vec<_>>()
}

fn one_publication_type(cell: &str) -> bool {
    split_semicolons(cell) == normalize::text(cell).into_iter().collect::<Vec<_>>()
}

#[cfg(test)]
mod tests {
    use sift_domain::{Author, Reference};

    use super::*;
    use crate::write::ExportFormat;
    use crate::write::testing::{full_reference, written};
    use crate::{Format, ReadOptions, read_bytes};

    #[test]
    fn header_and_one_row() {
        let out = written(ExportFormat::Csv, &[full_reference()]);
        let mut lines = out.lines();
        assert_eq!(lines.next(), Some(COLUMNS.join(",").as_str()));
        assert_eq!(
            lines.next(),
            Some(
                "rec-1,journal_article,Effects of 50% less sugar & more_salt on {rats},\"Background: line one"
            )
        );
        assert!(
            out.contains(
                ",\"Müller, Jörg A.; WHO Study Group\",2020,Journal of Tests,J Tests,12,3,1297-1306,"
            )
        );
        assert!(
            out.contains(",\"Journal Article; Research Support, Non-U.S. Gov't\",\"Rats; Sugar, dietary\",")
        );
        assert!(out.ends_with(",https://example.org/a_b?x=1,in.ris,1\n"));
    }

    #[test]
    fn an_empty_export_is_a_header() {
        assert_eq!(written(ExportFormat::Csv, &[]), format!("{}\n", COLUMNS.join(",")));
    }

    #[test]
    fn single_items_that_would_split_get_a_trailing_semicolon() {
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(list(&strings(&["Sugar, dietary"]), one_keyword), "Sugar, dietary;");
        assert_eq!(list(&strings(&["Sugar"]), one_keyword), "Sugar");
        assert_eq!(list(&strings(&["['a']"]), one_keyword), "['a'];");
        assert_eq!(list(&strings(&["['a', 'b", "c']"]), one_keyword), "['a', 'b; c'];");
        assert_eq!(list(&strings(&["a, b", "c"]), one_keyword), "a, b; c");
        assert_eq!(list(&strings(&["Smith AB, Jones CD"]), one_author), "Smith AB, Jones CD;");
        assert_eq!(list(&strings(&["Smith, John"]), one_author), "Smith, John");
        assert_eq!(list(&strings(&["NA"]), one_author), "NA;");
        assert_eq!(list(&[], one_keyword), "");
    }

    #[test]
    fn the_table_reader_reads_it_back() {
        let one_author = Reference {
            title: Some("T".into()),
            authors: vec![Author::new("Smith AB", Some("Jones CD".into()))],
            keywords: vec!["Sugar, dietary".into()],
            ..Reference::default()
        };
        let references = [full_reference(), one_author];
        let out = written(ExportFormat::Csv, &references);
        let options = ReadOptions { file_name: "out.csv".into(), format: Some(Format::Csv), encoding: None };
        let parsed = read_bytes(out.as_bytes(), &options).unwrap();
        assert!(parsed.summary.diagnostics.is_empty(), "{:?}", parsed.summary.diagnostics);
        let mut expected = full_reference();
        expected.abstract_text = Some("Background: line one line two.".into());
        assert_eq!(parsed.records[0].reference, expected);
        assert_eq!(parsed.records[0].source_id.as_deref(), Some("rec-1"));
        assert_eq!(
            parsed.records[0].extra,
            vec![
                ("source_file".to_string(), "in.ris".to_string()),
                ("source_line".to_string(), "1".to_string())
            ]
        );
        assert_eq!(parsed.records[1].reference.authors, references[1].authors);
        assert_eq!(parsed.records[1].reference.keywords, references[1].keywords);
    }
}
