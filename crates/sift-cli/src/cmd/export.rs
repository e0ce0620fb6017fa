//! `sift export`: any set of records, as RIS, CSV, BibTeX, JSON Lines or XLSX; a screening set
//! (with its exclusion reasons in CSV and XLSX); or the whole review as an archive.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_service::{ExportFormat, Service};

use crate::Context;
use crate::cmd::records::FilterArgs;

#[derive(clap::Args, Debug)]
pub struct Args {
    pub review: String,
    /// ris, csv, bibtex, jsonl or xlsx (xlsx needs --out).
    #[arg(long, required_unless_present = "archive")]
    pub to: Option<ExportTo>,
    /// Write the whole review as a versioned archive (backup and hand-over; see docs/archive.md).
    #[arg(long, value_name = "FILE", conflicts_with = "to")]
    pub archive: Option<PathBuf>,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Export a screening set instead: the citations resolved with this decision (include or
    /// exclude) at --stage, one record each.
    #[arg(long)]
    pub decision: Option<sift_domain::screening::Decision>,
    #[arg(long, default_value = "title-abstract")]
    pub stage: sift_domain::screening::Stage,
    #[command(flatten)]
    pub filter: FilterArgs,
}

/// What `--to` takes: the record writers' formats, and XLSX.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportTo {
    Ris,
    Csv,
    #[value(alias = "bib")]
    Bibtex,
    Jsonl,
    Xlsx,
}

impl ExportTo {
    fn records_format(self) -> Option<ExportFormat> {
        match self {
            ExportTo::Ris => Some(ExportFormat::Ris),
            ExportTo::Csv => Some(ExportFormat::Csv),
            ExportTo::Bibtex => Some(ExportFormat::Bibtex),
            ExportTo::Jsonl => Some(ExportFormat::Jsonl),
            ExportTo::Xlsx => None,
        }
    }
}

/// Writes `bytes` to `--out` or standard output.
fn emit(out: Option<&PathBuf>, bytes: &[u8]) -> Result<()> {
    match out {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("writing {}", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            Ok(stdout.flush()?)
        }
    }
}

pub async fn run(args: Args, context: &Context) -> Result<()> {
    if let Some(path) = &args.archive {
        let service = Service::open(&context.locator(&args.review)?).await?;
        let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = BufWriter::new(file);
        let summary = service.export_archive(&context.actor, &mut out).await;
        service.close().await;
        let summary = summary?;
        out.flush().with_context(|| format!("writing {}", path.display()))?;
        let rows: usize = summary.rows.iter().map(|(_, n)| n).sum();
        eprintln!(
            "wrote archive {} ({rows} rows of review {:?}, schema {})",
            path.display(),
            summary.review_slug,
            summary.schema_version
        );
        return Ok(());
    }
    let to = args.to.expect("clap requires --to without --archive");
    if to == ExportTo::Xlsx && args.out.is_none() {
        return Err(crate::cmd::UsageError("--to xlsx writes a file: give --out FILE.xlsx".into()).into());
    }
    if let (Some(decision), ExportTo::Csv | ExportTo::Xlsx) = (args.decision, to) {
        // A screening set for people: with each citation's reason and how it was resolved.
        let service = Service::open(&context.locator(&args.review)?).await?;
        let table =
            service.screened_table(&context.actor, args.filter.stream.as_deref(), args.stage, decision).await;
        service.close().await;
        let table = table?;
        let bytes = match to {
            ExportTo::Xlsx => {
                sift_report::tables::to_xlsx(&[(&format!("{decision} {}", args.stage), &table)])?
            }
            _ => sift_report::tables::to_csv(&table).into_bytes(),
        };
        emit(args.out.as_ref(), &bytes)?;
        eprintln!("{} citations resolved {decision} at {}", table.rows.len(), args.stage);
        return Ok(());
    }
    if to == ExportTo::Xlsx {
        let filter = args.filter.to_filter()?;
        let service = Service::open(&context.locator(&args.review)?).await?;
        let table = service.records_table(args.filter.stream.as_deref(), &filter).await;
        service.close().await;
        let table = table?;
        emit(args.out.as_ref(), &sift_report::tables::to_xlsx(&[("records", &table)])?)?;
        eprintln!(
            "wrote {} records to {} (xlsx)",
            table.rows.len(),
            args.out.as_ref().expect("checked").display()
        );
        return Ok(());
    }
    let to = to.records_format().expect("xlsx handled above");
    if let Some(decision) = args.decision {
        let service = Service::open(&context.locator(&args.review)?).await?;
        let stream = args.filter.stream.as_deref();
        let result = match &args.out {
            Some(path) => {
                let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
                let mut out = BufWriter::new(file);
                let r =
                    service.export_screened(&context.actor, stream, args.stage, decision, to, &mut out).await;
                out.flush()?;
                r
            }
            None => {
                let mut out = BufWriter::new(std::io::stdout().lock());
                let r =
                    service.export_screened(&context.actor, stream, args.stage, decision, to, &mut out).await;
                out.flush()?;
                r
            }
        };
        service.close().await;
        let summary = result?;
        eprintln!("{} citations resolved {decision} at {}", summary.n_records, args.stage);
        return Ok(());
    }
    let filter = args.filter.to_filter()?;
    let service = Service::open(&context.locator(&args.review)?).await?;
    let result = match &args.out {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
            let mut out = BufWriter::new(file);
            let summary = service.export(args.filter.stream.as_deref(), &filter, to, &mut out).await;
            out.flush().with_context(|| format!("writing {}", path.display()))?;
            summary
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            let summary = service.export(args.filter.stream.as_deref(), &filter, to, &mut out).await;
            out.flush()?;
            summary
        }
    };
    service.close().await;
    let summary = result?;
    if let Some(path) = &args.out {
        eprintln!("wrote {} records to {} ({})", summary.n_records, path.display(), to.as_str());
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// The archive to restore (written by `sift export --archive`).
    #[arg(long, value_name = "FILE")]
    pub archive: PathBuf,
    /// The new review file to create (with --database: ignored; the archive names the review).
    pub review: String,
}

/// `sift import --archive FILE NEW.sift`: restore a review from its archive.
pub async fn import(args: ImportArgs, context: &Context) -> Result<()> {
    let file = File::open(&args.archive).with_context(|| format!("opening {}", args.archive.display()))?;
    let mut input = std::io::BufReader::new(file);
    let (service, summary) = Service::import_archive(&context.locator(&args.review)?, &mut input).await?;
    let title = service.review().title.clone();
    service.close().await;
    let rows: usize = summary.rows.iter().map(|(_, n)| n).sum();
    println!("restored {title:?} ({rows} rows) into {}", args.review);
    Ok(())
}
