//! Writers (temporary interface until the full writers land).

use std::io::{self, Write};

use sift_domain::Reference;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Ris,
    Csv,
    Bibtex,
    Jsonl,
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ris" => Ok(ExportFormat::Ris),
            "csv" => Ok(ExportFormat::Csv),
            "bibtex" | "bib" => Ok(ExportFormat::Bibtex),
            "jsonl" => Ok(ExportFormat::Jsonl),
            _ => Err(format!("unknown export format {s:?}")),
        }
    }
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Ris => "ris",
            ExportFormat::Csv => "csv",
            ExportFormat::Bibtex => "bibtex",
            ExportFormat::Jsonl => "jsonl",
        }
    }
}

pub struct ExportRecord<'a> {
    pub reference: &'a Reference,
    pub id: Option<&'a str>,
    pub source_file: Option<&'a str>,
    pub source_line: Option<u32>,
}

pub struct RecordWriter<W: Write> {
    out: W,
}

impl<W: Write> RecordWriter<W> {
    pub fn new(out: W, _format: ExportFormat) -> Self {
        RecordWriter { out }
    }
    pub fn write(&mut self, record: &ExportRecord<'_>) -> io::Result<()> {
        writeln!(self.out, "{}", serde_json::json!({"id": record.id, "title": record.reference.title}))
    }
    pub fn finish(self) -> io::Result<W> {
        Ok(self.out)
    }
}
