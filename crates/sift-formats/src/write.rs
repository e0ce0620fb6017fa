//! Writers: references out as RIS, CSV, BibTeX or JSON Lines.
//!
//! A [`RecordWriter`] writes one [`ExportRecord`] at a time to any `Write`, so an export of
//! 100,000 records never holds them all. Writers write what the [`Reference`] holds and
//! never fail on its content: line breaks inside a value become spaces where the format is
//! line-based, and characters a format reserves are escaped. What Sift writes as RIS or CSV
//! reads back through Sift's own readers to the same normalised reference
//! (`tests/round_trip.rs` checks this on generated references).

mod bibtex;
mod jsonl;
mod ris;
mod table;

use std::fmt;
use std::io::{self, Write};
use std::str::FromStr;

use sift_domain::Reference;

/// A format Sift writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    Ris,
    Csv,
    Bibtex,
    /// One JSON object per line.
    Jsonl,
}

impl ExportFormat {
    pub const ALL: &'static [ExportFormat] =
        &[ExportFormat::Ris, ExportFormat::Csv, ExportFormat::Bibtex, ExportFormat::Jsonl];

    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Ris => "ris",
            ExportFormat::Csv => "csv",
            ExportFormat::Bibtex => "bibtex",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Ris => "ris",
            ExportFormat::Csv => "csv",
            ExportFormat::Bibtex => "bib",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<ExportFormat, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ris" => Ok(ExportFormat::Ris),
            "csv" => Ok(ExportFormat::Csv),
            "bibtex" | "bib" => Ok(ExportFormat::Bibtex),
            "jsonl" | "json-lines" => Ok(ExportFormat::Jsonl),
            _ => Err(format!("unknown export format {s:?}; expected one of: ris, csv, bibtex, jsonl")),
        }
    }
}

/// One record to write: the reference plus where it came from.
#[derive(Clone, Copy, Debug)]
pub struct ExportRecord<'a> {
    pub reference: &'a Reference,
    /// The record's id: Sift's record id in an export, the file's own id in a conversion.
    pub id: Option<&'a str>,
    pub source_file: Option<&'a str>,
    pub source_line: Option<u32>,
}

/// Writes records in one format. Call [`RecordWriter::finish`] at the end: CSV writes its
/// header there when no record came, and buffered output is flushed.
pub struct RecordWriter<W: Write> {
    inner: Inner<W>,
}

enum Inner<W: Write> {
    Ris(W),
    // Boxed: the CSV writer carries its own buffer state, several times the others' size.
    Csv(Box<table::CsvWriter<W>>),
    Bibtex(bibtex::BibtexWriter<W>),
    Jsonl(W),
}

impl<W: Write> RecordWriter<W> {
    pub fn new(out: W, format: ExportFormat) -> Self {
        let inner = match format {
            ExportFormat::Ris => Inner::Ris(out),
            ExportFormat::Csv => Inner::Csv(Box::new(table::CsvWriter::new(out))),
            ExportFormat::Bibtex => Inner::Bibtex(bibtex::BibtexWriter::new(out)),
            ExportFormat::Jsonl => Inner::Jsonl(out),
        };
        RecordWriter { inner }
    }

    pub fn write(&mut self, record: &ExportRecord<'_>) -> io::Result<()> {
        match &mut self.inner {
            Inner::Ris(out) => ris::write_record(out, record),
            Inner::Csv(writer) => writer.write(record),
            Inner::Bibtex(writer) => writer.write(record),
            Inner::Jsonl(out) => jsonl::write_record(out, record),
        }
    }

    /// Ends the output and hands back the writer, flushed.
    pub fn finish(self) -> io::Result<W> {
        let mut out = match self.inner {
            Inner::Ris(out) | Inner::Jsonl(out) => out,
            Inner::Csv(writer) => writer.finish()?,
            Inner::Bibtex(writer) => writer.finish(),
        };
        out.flush()?;
        Ok(out)
    }
}

/// A value on one line: line breaks of any kind become spaces, and the ends are trimmed.
fn one_line(value: &str) -> std::borrow::Cow<'_, str> {
    let is_break =
        |c: char| matches!(c, '\n' | '\r' | '\u{b}' | '\u{c}' | '\u{85}' | '\u{2028}' | '\u{2029}');
    let value = value.trim();
    if value.contains(is_break) { value.replace(is_break, " ").into() } else { value.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_and_print() {
        for format in ExportFormat::ALL {
            assert_eq!(format.as_str().parse::<ExportFormat>(), Ok(*format));
        }
        assert_eq!("bib".parse::<ExportFormat>(), Ok(ExportFormat::Bibtex));
        assert_eq!("JSON-Lines".parse::<ExportFormat>(), Ok(ExportFormat::Jsonl));
        assert!("xml".parse::<ExportFormat>().unwrap_err().contains("ris, csv, bibtex, jsonl"));
    }

    #[test]
    fn values_are_put_on_one_line() {
        assert_eq!(one_line(" a\r\nb\u{2028}c "), "a  b c");
        assert!(matches!(one_line("plain"), std::borrow::Cow::Borrowed("plain")));
    }
}

/// A reference with every field set, and a way to see what a writer makes of records.
#[cfg(test)]
pub(crate) mod testing {
    use sift_domain::{Author, Reference, WorkType};

    use super::{ExportFormat, ExportRecord, RecordWriter};

    pub(crate) fn full_reference() -> Reference {
        Reference {
            work_type: WorkType::JournalArticle,
            title: Some("Effects of 50% less sugar & more_salt on {rats}".into()),
            abstract_text: Some("Background: line one\nline two.".into()),
            authors: vec![
                Author::new("Müller", Some("Jörg A.".into())),
                Author::new("WHO Study Group", None),
            ],
            year: Some(2020),
            journal: Some("Journal of Tests".into()),
            journal_abbrev: Some("J Tests".into()),
            volume: Some("12".into()),
            issue: Some("3".into()),
            pages: Some("1297-1306".into()),
            doi: Some("10.1000/xyz_1".into()),
            pmid: Some("32336025".into()),
            pmcid: Some("PMC7123456".into()),
            issn: Some("1234-567X".into()),
            isbn: Some("9783161484100".into()),
            publisher: Some("Test Press".into()),
            language: Some("English".into()),
            publication_types: vec!["Journal Article".into(), "Research Support, Non-U.S. Gov't".into()],
            keywords: vec!["Rats".into(), "Sugar, dietary".into()],
            url: Some("https://example.org/a_b?x=1".into()),
        }
    }

    /// What `format` writes for `references`, each with id `rec-N` (1-based).
    pub(crate) fn written(format: ExportFormat, references: &[Reference]) -> String {
        let mut writer = RecordWriter::new(Vec::new(), format);
        for (i, reference) in references.iter().enumerate() {
            let id = format!("rec-{}", i + 1);
            let record = ExportRecord {
                reference,
                id: Some(&id),
                source_file: Some("in.ris"),
                source_line: Some(10 * i as u32 + 1),
            };
            writer.write(&record).unwrap();
        }
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }
}
