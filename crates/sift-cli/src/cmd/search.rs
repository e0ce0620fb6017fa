//! `sift search add|list`: record a database search, import its exports, and compare what
//! the database reported with what was imported.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_domain::SearchKind;
use sift_formats::{Encoding, Format, Severity};
use sift_service::{InputFile, SearchSpec, Service};

use crate::Context;
use crate::table::{Table, clip};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Record a search and import its exported files (all or nothing).
    Add(Box<AddArgs>),
    /// List the searches: hits the database reported vs records imported, and warnings.
    List {
        review: String,
        /// Only this stream's searches.
        #[arg(long)]
        stream: Option<String>,
        /// Also list each file and every import diagnostic.
        #[arg(long, short)]
        verbose: bool,
    },
}

#[derive(clap::Args, Debug)]
pub struct AddArgs {
    pub review: String,
    /// The stream the search belongs to (default: the review's default stream).
    #[arg(long)]
    pub stream: Option<String>,
    /// The database, register or other source, e.g. "PubMed", "Embase", "PsycInfo".
    #[arg(long)]
    pub source: String,
    /// database, register, or other (citation searching, websites, organisations).
    #[arg(long, default_value = "database")]
    pub kind: SearchKind,
    /// The interface searched through, e.g. "Ovid", "EBSCOhost".
    #[arg(long)]
    pub platform: Option<String>,
    /// The query exactly as run.
    #[arg(long, conflicts_with = "query_file")]
    pub query: Option<String>,
    /// Read the query from a file (long, multi-line strategies).
    #[arg(long, value_name = "FILE")]
    pub query_file: Option<PathBuf>,
    /// The day the search was run, YYYY-MM-DD (or the month, YYYY-MM).
    #[arg(long)]
    pub run_date: Option<String>,
    /// Date, language or other limits, e.g. "2004-2026; English, Danish".
    #[arg(long)]
    pub limits: Option<String>,
    /// The number of hits the database reported.
    #[arg(long)]
    pub hits: Option<i64>,
    /// The id of the earlier search this one re-runs (living reviews).
    #[arg(long, value_name = "SEARCH_ID")]
    pub updates: Option<i64>,
    /// With --kind other: the (included) citation whose reference list or page was searched.
    #[arg(long, value_name = "CITATION")]
    pub found_in: Option<i64>,
    /// Record the search without importing an export (its results are kept elsewhere).
    #[arg(long)]
    pub no_export: bool,
    /// The files' format, when detection guesses wrong: ris, medline, wos, pubmed-xml, endnote-xml, bibtex, csv.
    #[arg(long)]
    pub from: Option<Format>,
    /// The files' encoding, when detection guesses wrong: utf-8, utf-16le, utf-16be, windows-1252.
    #[arg(long)]
    pub encoding: Option<Encoding>,
    /// The exported files.
    pub files: Vec<PathBuf>,
}

pub async fn run(command: Command, context: &Context) -> Result<()> {
    match command {
        Command::Add(args) => add(*args, context).await,
        Command::List { review, stream, verbose } => list(&review, stream.as_deref(), verbose, context).await,
    }
}

async fn add(args: AddArgs, context: &Context) -> Result<()> {
    let query = match &args.query_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("reading --query-file {}", path.display()))?,
        ),
        None => args.query.clone(),
    };
    let spec = SearchSpec {
        stream: args.stream.clone(),
        source: args.source.clone(),
        kind: Some(args.kind),
        platform: args.platform.clone(),
        query,
        run_date: args.run_date.clone(),
        limits: args.limits.clone(),
        hits_reported: args.hits,
        updates: args.updates,
        found_in: args.found_in,
        without_export: args.no_export,
    };
    let files: Vec<InputFile> = args
        .files
        .iter()
        .map(|path| InputFile { path: path.clone(), format: args.from, encoding: args.encoding })
        .collect();
    let service = Service::open(&context.locator(&args.review)?).await?;
    let report = service.add_search(&context.actor, &spec, &files).await;
    service.close().await;
    let report = report?;
    let total: i64 = report.files.iter().map(|f| f.n_records).sum();
    println!(
        "search {}: {} ({}), {} records imported",
        report.search.id, report.search.source, report.search.kind, total
    );
    for file in &report.files {
        println!("  {}: {} records, {} ({})", file.file_name, file.n_records, file.format, file.encoding);
        for d in &file.diagnostics {
            println!("    {}", d.located(&file.file_name));
        }
    }
    if let Some(hits) = report.search.hits_reported
        && hits != total
        && !args.no_export
    {
        println!("  note: the database reported {hits} hits; {total} records were imported");
    }
    Ok(())
}

async fn list(review: &str, stream: Option<&str>, verbose: bool, context: &Context) -> Result<()> {
    let service = Service::open(&context.locator(review)?).await?;
    let searches = service.searches(stream).await?;
    service.close().await;
    let mut table = Table::new(&[
        ">id",
        "stream",
        "source",
        "kind",
        "run date",
        ">hits",
        ">imported",
        ">diff",
        ">files",
        ">warnings",
    ]);
    for s in &searches {
        let diff = match s.search.hits_reported {
            Some(hits) if hits != s.n_records => format!("{:+}", s.n_records - hits),
            Some(_) => "0".into(),
            None => String::new(),
        };
        table.row(vec![
            s.search.id.to_string(),
            s.stream.clone(),
            clip(&s.search.source, 30),
            s.search.kind.to_string(),
            s.search.run_date.clone().unwrap_or_default(),
            s.search.hits_reported.map(|h| h.to_string()).unwrap_or_default(),
            s.n_records.to_string(),
            diff,
            s.files.len().to_string(),
            s.n_warnings().to_string(),
        ]);
    }
    if table.is_empty() {
        println!("no searches yet; record one with `sift search add`");
        return Ok(());
    }
    print!("{}", table.render());
    for s in &searches {
        let warnings: Vec<_> =
            s.diagnostics.iter().filter(|(_, d)| verbose || d.severity >= Severity::Warning).collect();
        if !verbose && warnings.is_empty() {
            continue;
        }
        println!();
        println!("search {} ({}):", s.search.id, s.search.source);
        if verbose {
            if let Some(query) = &s.search.query {
                println!("  query: {}", query.trim());
            }
            if let Some(limits) = &s.search.limits {
                println!("  limits: {limits}");
            }
            for f in &s.files {
                println!(
                    "  file {}: {} records, {}, {}, {} bytes, sha256 {}",
                    f.file_name, f.n_records, f.format, f.encoding, f.size_bytes, f.sha256
                );
            }
        }
        for (file, d) in warnings {
            println!("  {}", d.located(file));
        }
    }
    Ok(())
}
