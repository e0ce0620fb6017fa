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
    #[arg(long)]
    pub to: ExportFormat,
    /// Write here instead of standard output.
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub filter: FilterArgs,
}

pub async fn run(args: Args, context: &Context) -> Result<()> {
    let filter = args.filter.to_filter()?;
    let service = Service::open(&context.locator(&args.review)?).await?;
    let result = match &args.out {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
            let mut out = BufWriter::new(file);
            let summary = service.export(args.filter.stream.as_deref(), &filter, args.to, &mut out).await;
            out.flush().with_context(|| format!("writing {}", path.display()))?;
            summary
        }
        None => {
            let mut out = BufWriter::new(std::io::stdout().lock());
            let summary = service.export(args.filter.stream.as_deref(), &filter, args.to, &mut out).await;
            out.flush()?;
            summary
        }
    };
    service.close().await;
    let summary = result?;
    if let Some(path) = &args.out {
        eprintln!("wrote {} records to {} ({})", summary.n_records, path.display(), args.to.as_str());
    }
    Ok(())
}
