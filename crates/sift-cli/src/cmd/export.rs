//! `sift export`: any set of records, as RIS, CSV, BibTeX or JSON Lines.

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
    /// ris, csv, bibtex or jsonl.
    #[arg(long, required_unless_present = "archive")]
    pub to: Option<ExportFormat>,
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
