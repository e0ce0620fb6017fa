//! Readers and writers for bibliographic exports.
//!
//! Bytes in, records and diagnostics out. A reader never panics and rarely fails: a malformed
//! line, an unknown tag or a truncated record becomes a [`Diagnostic`] naming the line, and the
//! rest of the file is still read. Only a file that cannot be read at all (binary, empty, an
//! unrecognised format, no records) is a [`ReadError`].
//!
//! Line-based formats (RIS, MEDLINE, Web of Science) and XML (PubMed, EndNote) are read as a
//! stream, one record at a time, so memory stays near the size of the largest record. CSV and
//! BibTeX are read whole: BibTeX's `@string` and `crossref` need the whole file anyway.
//!
//! Every record keeps its raw text exactly as it stood in the file (after decoding to UTF-8)
//! and the line where it starts.

mod bibtex;
pub mod decisions;
mod decode;
mod detect;
mod diagnostics;
mod endnote_xml;
mod lines;
mod medline;
mod pubmed_xml;
mod ris;
mod table;
mod tagged;
mod wos;
pub mod write;
mod xml_split;
mod xml_tree;

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use sift_domain::Reference;

pub use decode::Encoding;
pub use diagnostics::{Diagnostic, Severity};

/// A file format Sift reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// RIS in any flavour: PubMed, Ovid, Embase, PsycInfo, ProQuest, Scopus, WoS, EndNote,
    /// Zotero, Mendeley, and files whose records lack `TY`.
    Ris,
    /// PubMed MEDLINE / `.nbib` (`PMID- ` tagged).
    Medline,
    /// Web of Science / Zoological Record tagged (`.ciw`, `.txt`: `PT J` ... `ER`).
    WosTagged,
    /// PubMed XML (`PubmedArticleSet`).
    PubmedXml,
    /// EndNote XML (`<xml><records><record>`), as EndNote, Zotero and Mendeley write it.
    EndnoteXml,
    /// BibTeX and BibLaTeX.
    Bibtex,
    /// Comma-, tab- or semicolon-separated values with a header row.
    Csv,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::Ris,
        Format::Medline,
        Format::WosTagged,
        Format::PubmedXml,
        Format::EndnoteXml,
        Format::Bibtex,
        Format::Csv,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Ris => "ris",
            Format::Medline => "medline",
            Format::WosTagged => "wos",
            Format::PubmedXml => "pubmed-xml",
            Format::EndnoteXml => "endnote-xml",
            Format::Bibtex => "bibtex",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Format, String> {
        let format = match s.trim().to_ascii_lowercase().as_str() {
            "ris" => Format::Ris,
            "medline" | "nbib" | "pubmed" => Format::Medline,
            "wos" | "ciw" | "isi" => Format::WosTagged,
            "pubmed-xml" | "pubmedxml" => Format::PubmedXml,
            "endnote-xml" | "endnote" | "enw-xml" => Format::EndnoteXml,
            "bibtex" | "bib" | "biblatex" => Format::Bibtex,
            "csv" | "tsv" | "tab" => Format::Csv,
            _ => {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.as_str()).collect();
                return Err(format!("unknown format {s:?}; expected one of: {}", names.join(", ")));
            }
        };
        Ok(format)
    }
}

/// How to read one file. Everything is detected when left `None`.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// The file's name, used in diagnostics and as a hint for format detection.
    pub file_name: String,
    pub format: Option<Format>,
    pub encoding: Option<Encoding>,
}

impl ReadOptions {
    pub fn named(file_name: impl Into<String>) -> ReadOptions {
        ReadOptions { file_name: file_name.into(), ..ReadOptions::default() }
    }
}

/// One record as read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedRecord {
    pub reference: Reference,
    /// The record's text exactly as in the file, decoded to UTF-8.
    pub raw: String,
    /// 1-based line where the record starts.
    pub line: u32,
    /// 0-based position of the record in its file.
    pub index: u32,
    /// The id the file gives the record, if any: CSV `ID`/`record_id`, RIS `ID`, BibTeX key,
    /// EndNote `rec-number`.
    pub source_id: Option<String>,
    /// Fields the reader kept but maps to no [`Reference`] field (CSV columns such as
    /// `label_included`, RIS notes), as `(name, value)`.
    pub extra: Vec<(String, String)>,
}

/// A file Sift could not read at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ReadError {
    pub file: String,
    pub line: Option<u32>,
    pub message: String,
}

/// What a finished read found besides its records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadSummary {
    pub format: Format,
    pub encoding: Encoding,
    pub n_records: usize,
    pub diagnostics: Vec<Diagnostic>,
}

/// A whole file read into memory.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub records: Vec<ParsedRecord>,
    pub summary: ReadSummary,
}

/// Reads every record of `input`. See [`Records`] for reading one record at a time.
pub fn read<R: Read>(input: R, options: &ReadOptions) -> Result<Parsed, ReadError> {
    let mut records_iter = open(input, options)?;
    let records: Vec<ParsedRecord> = records_iter.by_ref().collect();
    let summary = records_iter.finish()?;
    Ok(Parsed { records, summary })
}

/// Reads every record of an in-memory file.
pub fn read_bytes(bytes: &[u8], options: &ReadOptions) -> Result<Parsed, ReadError> {
    read(bytes, options)
}

/// Starts reading `input`: detects its encoding and format (unless given) and returns an
/// iterator over its records. Call [`Records::finish`] afterwards for the diagnostics.
pub fn open<'a, R: Read + 'a>(input: R, options: &ReadOptions) -> Result<Records<'a>, ReadError> {
    let file = options.file_name.clone();
    let fatal = |message: String| ReadError { file: file.clone(), line: None, message };
    let text = decode::Utf8Input::new(input, options.encoding).map_err(|e| fatal(e.to_string()))?;
    let encoding = text.encoding();
    let format = match options.format {
        Some(format) => format,
        None => detect::detect(text.head(), &options.file_name).map_err(fatal)?,
    };
    let mut diagnostics = diagnostics::Diagnostics::default();
    if let Some(note) = text.encoding_note() {
        diagnostics.note(None, None, note);
    }
    let source: Box<dyn RecordSource + 'a> = match format {
        Format::Ris => Box::new(ris::RisReader::new(text)),
        Format::Medline => Box::new(medline::MedlineReader::new(text)),
        Format::WosTagged => Box::new(wos::WosReader::new(text)),
        Format::PubmedXml => Box::new(pubmed_xml::PubmedXmlReader::new(text)),
        Format::EndnoteXml => Box::new(endnote_xml::EndnoteXmlReader::new(text)),
        Format::Bibtex => Box::new(bibtex::BibtexReader::new(text)),
        Format::Csv => Box::new(table::TableReader::new(text)),
    };
    Ok(Records { file, format, encoding, source, diagnostics, n_records: 0 })
}

/// Parsed records, one at a time.
pub struct Records<'a> {
    file: String,
    format: Format,
    encoding: Encoding,
    source: Box<dyn RecordSource + 'a>,
    diagnostics: diagnostics::Diagnostics,
    n_records: usize,
}

impl Records<'_> {
    pub fn format(&self) -> Format {
        self.format
    }

    /// Ends the read. Fails when the input ended in a way that makes the whole file suspect
    /// (an IO error, or no records at all).
    pub fn finish(mut self) -> Result<ReadSummary, ReadError> {
        // Drain what the caller did not read, so counts and diagnostics are complete.
        while self.next().is_some() {}
        let fatal = self.diagnostics.fatal().cloned();
        let diagnostics = self.diagnostics.into_vec();
        if let Some(error) = fatal {
            return Err(ReadError { file: self.file, line: error.line, message: error.message });
        }
        if self.n_records == 0 {
            return Err(ReadError {
                file: self.file,
                line: None,
                message: format!("no {} records found", self.format),
            });
        }
        Ok(ReadSummary {
            format: self.format,
            encoding: self.encoding,
            n_records: self.n_records,
            diagnostics,
        })
    }
}

impl Iterator for Records<'_> {
    type Item = ParsedRecord;

    fn next(&mut self) -> Option<ParsedRecord> {
        if self.diagnostics.fatal().is_some() {
            return None;
        }
        let mut record = self.source.next_record(&mut self.diagnostics)?;
        record.index = self.n_records as u32;
        self.n_records += 1;
        Some(record)
    }
}

/// The reader side of one format: yields records until the input ends, reporting problems
/// into `diagnostics`. An IO error is reported as a fatal diagnostic and ends the stream.
trait RecordSource {
    fn next_record(&mut self, diagnostics: &mut diagnostics::Diagnostics) -> Option<ParsedRecord>;
}
