//! `sift records list|show|find`.

use anyhow::Result;
use sift_domain::WorkType;
use sift_service::{RecordFilter, Service, StoredRecord};

use crate::Context;
use crate::cmd::UsageError;
use crate::table::{Table, clip};

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// List records, newest import last.
    List {
        review: String,
        #[command(flatten)]
        filter: FilterArgs,
        /// Print JSON Lines instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Show one record: every field, where it came from, and its raw text.
    Show {
        review: String,
        /// The record id (from `sift records list`).
        id: i64,
    },
    /// Find records by a DOI, a PMID, words of the title or abstract or an author's name, and
    /// say what became of each: its search, its duplicates, the resolved decisions, its study.
    Find {
        review: String,
        query: String,
        /// Skip this many matches (they come 50 at a time).
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
}

/// Filters shared by `records list` and `export`.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct FilterArgs {
    /// Only records of this stream.
    #[arg(long)]
    pub stream: Option<String>,
    /// Only records of this search (its id).
    #[arg(long)]
    pub search: Option<i64>,
    /// Only records whose title or abstract contains this text (any case).
    #[arg(long)]
    pub text: Option<String>,
    /// Only records with an author whose family or given name contains this text (any case).
    #[arg(long)]
    pub author: Option<String>,
    #[arg(long)]
    pub year_from: Option<i32>,
    #[arg(long)]
    pub year_to: Option<i32>,
    /// Only records with a DOI.
    #[arg(long, conflicts_with = "no_doi")]
    pub has_doi: bool,
    /// Only records without a DOI.
    #[arg(long)]
    pub no_doi: bool,
    /// Only records without an abstract.
    #[arg(long)]
    pub no_abstract: bool,
    /// Only records of this type (journal_article, book, book_chapter, conference_paper, ...).
    #[arg(long = "type")]
    pub work_type: Option<String>,
    /// Only the record with this DOI.
    #[arg(long)]
    pub doi: Option<String>,
    /// Only the record with this PubMed id.
    #[arg(long)]
    pub pmid: Option<String>,
    #[arg(long)]
    pub limit: Option<i64>,
    #[arg(long)]
    pub offset: Option<i64>,
}

impl FilterArgs {
    pub fn to_filter(&self) -> Result<RecordFilter, UsageError> {
        let work_type = match &self.work_type {
            Some(name) => Some(WorkType::parse(name).ok_or_else(|| {
                let names: Vec<&str> = WorkType::ALL.iter().map(|t| t.as_str()).collect();
                UsageError(format!("--type: unknown type {name:?}; expected one of: {}", names.join(", ")))
            })?),
            None => None,
        };
        Ok(RecordFilter {
            search: self.search.map(sift_domain::SearchId),
            text: self.text.clone(),
            author: self.author.clone(),
            year_from: self.year_from,
            year_to: self.year_to,
            has_doi: if self.has_doi {
                Some(true)
            } else if self.no_doi {
                Some(false)
            } else {
                None
            },
            has_abstract: self.no_abstract.then_some(false),
            work_type,
            doi: self.doi.clone(),
            pmid: self.pmid.clone(),
            limit: self.limit,
            offset: self.offset,
            ..RecordFilter::default()
        })
    }
}

pub async fn run(command: Command, context: &Context) -> Result<()> {
    match command {
        Command::List { review, filter, json } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let records = service.records(filter.stream.as_deref(), &filter.to_filter()?).await;
            let total = service.count_records(filter.stream.as_deref(), &filter.to_filter()?).await;
            service.close().await;
            let (records, total) = (records?, total?);
            if json {
                let mut out = std::io::stdout().lock();
                let mut writer = sift_formats::write::RecordWriter::new(
                    &mut out,
                    sift_formats::write::ExportFormat::Jsonl,
                );
                for r in &records {
                    let id = r.id.to_string();
                    writer.write(&sift_formats::write::ExportRecord {
                        reference: &r.reference,
                        id: Some(&id),
                        source_file: Some(&r.file_name),
                        source_line: Some(r.file_line),
                    })?;
                }
                writer.finish()?;
                return Ok(());
            }
            let mut table = Table::new(&[">id", ">search", ">year", "first author", "title", "doi"]);
            for r in &records {
                table.row(vec![
                    r.id.to_string(),
                    r.search.to_string(),
                    r.reference.year.map(|y| y.to_string()).unwrap_or_default(),
                    clip(&r.reference.authors.first().map(|a| a.family.clone()).unwrap_or_default(), 20),
                    clip(r.reference.title.as_deref().unwrap_or("(no title)"), 70),
                    r.reference.doi.clone().unwrap_or_default(),
                ]);
            }
            print!("{}", table.render());
            println!("{} of {} matching records", records.len(), total);
        }
        Command::Find { review, query, offset } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let traces = service.trace_records(&context.actor, &query, offset).await;
            service.close().await;
            let (traces, total) = traces?;
            let mut table =
                Table::new(&["record", "title", "year", "found by", "citation", "what became of it"]);
            for t in &traces {
                let r = &t.record.reference;
                let mut citation = t.citation.map(|c| c.0.to_string()).unwrap_or_else(|| "-".into());
                if !t.merged_with.is_empty() {
                    let others: Vec<String> = t.merged_with.iter().map(|m| m.0.to_string()).collect();
                    citation.push_str(&format!(" (with {})", others.join(", ")));
                }
                table.row(vec![
                    t.record.id.0.to_string(),
                    clip(r.title.as_deref().unwrap_or("(no title)"), 50),
                    r.year.map(|y| y.to_string()).unwrap_or_default(),
                    format!("{} ({})", t.source, t.stream),
                    citation,
                    t.outcome(),
                ]);
            }
            print!("{}", table.render());
            let offset = offset.max(0);
            if (traces.len() as i64) < total {
                let last = offset + traces.len() as i64;
                let next =
                    if last < total { format!("; --offset {last} for the next") } else { String::new() };
                eprintln!("records {} to {last} of {total}{next}", (offset + 1).min(last));
            }
        }
        Command::Show { review, id } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let record = service.record(id).await;
            service.close().await;
            print_record(&record?);
        }
    }
    Ok(())
}

fn print_record(r: &StoredRecord) {
    let f = &r.reference;
    let field = |name: &str, value: Option<&str>| {
        if let Some(v) = value {
            println!("{name:<18}{v}");
        }
    };
    println!(
        "record {} (search {}, {} line {}, record {} of the file)",
        r.id,
        r.search,
        r.file_name,
        r.file_line,
        r.file_index + 1
    );
    field("type", Some(f.work_type.as_str()));
    field("title", f.title.as_deref());
    for (i, a) in f.authors.iter().enumerate() {
        println!("{:<18}{a}", if i == 0 { "authors" } else { "" });
    }
    field("year", f.year.map(|y| y.to_string()).as_deref());
    field("journal", f.journal.as_deref());
    field("journal abbrev.", f.journal_abbrev.as_deref());
    field("volume", f.volume.as_deref());
    field("issue", f.issue.as_deref());
    field("pages", f.pages.as_deref());
    field("doi", f.doi.as_deref());
    field("pmid", f.pmid.as_deref());
    field("pmcid", f.pmcid.as_deref());
    field("issn", f.issn.as_deref());
    field("isbn", f.isbn.as_deref());
    field("publisher", f.publisher.as_deref());
    field("language", f.language.as_deref());
    field("url", f.url.as_deref());
    if !f.publication_types.is_empty() {
        println!("{:<18}{}", "publication types", f.publication_types.join("; "));
    }
    if !f.keywords.is_empty() {
        println!("{:<18}{}", "keywords", f.keywords.join("; "));
    }
    field("id in file", r.source_id.as_deref());
    for (name, value) in &r.extra {
        println!("{:<18}{}", name, value);
    }
    field("abstract", f.abstract_text.as_deref());
    println!("--- raw text ---");
    println!("{}", r.raw);
}
