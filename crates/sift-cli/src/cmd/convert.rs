//! `sift convert`: read any supported file and write its records to standard output, with
//! no review involved. Diagnostics go to standard error.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_formats::write::{ExportFormat, ExportRecord, RecordWriter};
use sift_formats::{Encoding, Format, ReadOptions, Severity};

use crate::cmd::UsageError;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The files to read.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The input format, when detection guesses wrong.
    #[arg(long)]
    pub from: Option<Format>,
    #[arg(long)]
    pub encoding: Option<Encoding>,
    /// jsonl, ris, csv or bibtex.
    #[arg(long)]
    pub to: ExportFormat,
    /// Also print notes, not only warnings.
    #[arg(long, short)]
    pub verbose: bool,
}

pub fn run(args: Args) -> Result<()> {
    let stdout = std::io::stdout().lock();
    let mut writer = RecordWriter::new(BufWriter::new(stdout), args.to);
    let mut failed = Vec::new();
    for path in &args.files {
        let shown = path.display().to_string();
        let file = File::open(path).with_context(|| format!("opening {shown}"))?;
        let options = ReadOptions { file_name: shown.clone(), format: args.from, encoding: args.encoding };
        let mut records = match sift_formats::open(BufReader::new(file), &options) {
            Ok(records) => records,
            Err(e) => {
                eprintln!("sift: error: {e}");
                failed.push(shown);
                continue;
            }
        };
        for record in records.by_ref() {
            writer.write(&ExportRecord {
                reference: &record.reference,
                id: record.source_id.as_deref(),
                source_file: Some(&shown),
                source_line: Some(record.line),
            })?;
        }
        match records.finish() {
            Ok(summary) => {
                for d in
                    summary.diagnostics.iter().filter(|d| args.verbose || d.severity >= Severity::Warning)
                {
                    eprintln!("{}", d.located(&shown));
                }
            }
            Err(e) => {
                eprintln!("sift: error: {e}");
                failed.push(shown);
            }
        }
    }
    writer.finish()?.flush()?;
    if !failed.is_empty() {
        return Err(UsageError(format!("could not read {}", failed.join(", "))).into());
    }
    Ok(())
}
