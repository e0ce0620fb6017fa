//! `sift dedup`: find duplicates in a stream, review possible pairs, split and merge, and see
//! which databases found which citations. `sift dedup-files`: the engine on files, no review.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use sift_service::{DedupPolicy, PendingPair, Service};

use crate::Context;
use crate::cmd::UsageError;
use crate::table::{Table, clip};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The review (runs deduplication on one stream).
    pub review: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(clap::Args, Debug, Default)]
pub struct RunArgs {
    /// The stream to deduplicate (default: the review's default stream).
    #[arg(long)]
    pub stream: Option<String>,
    /// Treat a conference abstract and its full paper as one record (the protocol must say so).
    #[arg(long)]
    pub merge_conference_abstracts: bool,
}

#[derive(clap::Subcommand, Debug)]
pub enum Command {
    /// Show each possible duplicate pair side by side, differing fields marked.
    Pending {
        review: String,
        #[arg(long)]
        stream: Option<String>,
    },
    /// Decide a queued pair: `same` merges the two citations, `different` keeps them apart.
    Decide { review: String, pair: i64, decision: SameOrDifferent },
    /// Take a record out of its citation (undoes a merge).
    Split { review: String, record: i64 },
    /// Merge the citations of two records (undoes a split).
    Merge { review: String, record_a: i64, record_b: i64 },
    /// Which databases found which citations: per source, unique citations and overlaps.
    Overlap {
        review: String,
        #[arg(long)]
        stream: Option<String>,
        /// Print CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
pub enum SameOrDifferent {
    Same,
    Different,
}

pub async fn run(args: Args, context: &Context) -> Result<()> {
    let Some(command) = args.command else {
        let review = args.review.ok_or_else(|| UsageError("name the review: sift dedup REVIEW".into()))?;
        return run_dedup(&review, &args.run, context).await;
    };
    match command {
        Command::Pending { review, stream } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let pending = service.dedup_pending(stream.as_deref()).await;
            service.close().await;
            let pending = pending?;
            if pending.is_empty() {
                println!("no possible duplicates wait for a decision");
            }
            for p in &pending {
                print_pair(p);
            }
            if !pending.is_empty() {
                println!(
                    "{} pairs wait; decide with `sift dedup decide {review} PAIR same|different`",
                    pending.len()
                );
            }
        }
        Command::Decide { review, pair, decision } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let same = matches!(decision, SameOrDifferent::Same);
            let result = service.dedup_decide(&context.actor, pair, same).await;
            service.close().await;
            let decided = result?;
            println!(
                "pair {pair}: {} (records {} and {})",
                decided.status, decided.record_a, decided.record_b
            );
        }
        Command::Split { review, record } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let result = service.dedup_split(&context.actor, record).await;
            service.close().await;
            println!("record {record} is now citation {} of its own", result?);
        }
        Command::Merge { review, record_a, record_b } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let result = service.dedup_merge(&context.actor, record_a, record_b).await;
            service.close().await;
            println!("records {record_a} and {record_b} are now citation {}", result?);
        }
        Command::Overlap { review, stream, csv } => {
            let service = Service::open(&context.locator(&review)?).await?;
            let overlap = service.dedup_overlap(stream.as_deref()).await;
            service.close().await;
            let o = overlap?;
            if csv {
                let mut out = std::io::stdout().lock();
                let header: Vec<String> = ["source", "citations", "unique"]
                    .into_iter()
                    .map(String::from)
                    .chain(o.sources.clone())
                    .collect();
                writeln!(out, "{}", header.iter().map(|h| csv_cell(h)).collect::<Vec<_>>().join(","))?;
                for (i, source) in o.sources.iter().enumerate() {
                    let mut cells =
                        vec![csv_cell(source), o.found[i].0.to_string(), o.found[i].1.to_string()];
                    cells.extend(o.shared[i].iter().map(ToString::to_string));
                    writeln!(out, "{}", cells.join(","))?;
                }
                return Ok(());
            }
            let mut columns =
                vec!["source".to_string(), ">citations".into(), ">unique".into(), ">% unique".into()];
            columns.extend(o.sources.iter().map(|s| format!(">{}", clip(s, 14))));
            let column_refs: Vec<&str> = columns.iter().map(String::as_str).collect();
            let mut table = Table::new(&column_refs);
            for (i, source) in o.sources.iter().enumerate() {
                let (found, unique) = o.found[i];
                let percent = if found == 0 { 0.0 } else { 100.0 * unique as f64 / found as f64 };
                let mut row =
                    vec![source.clone(), found.to_string(), unique.to_string(), format!("{percent:.0}")];
                row.extend(o.shared[i].iter().map(ToString::to_string));
                table.row(row);
            }
            println!("stream {:?}: {} citations from {} sources", o.stream, o.n_citations, o.sources.len());
            print!("{}", table.render());
            println!("(cells: citations found by both the row's and the column's source)");
        }
    }
    Ok(())
}

async fn run_dedup(review: &str, run: &RunArgs, context: &Context) -> Result<()> {
    let service = Service::open(&context.locator(review)?).await?;
    let policy = DedupPolicy { merge_conference_abstracts: run.merge_conference_abstracts };
    let report = service.dedup(&context.actor, run.stream.as_deref(), policy).await;
    service.close().await;
    let r = report?;
    println!(
        "stream {:?}: {} records ({} new) -> {} citations",
        r.stream, r.n_records, r.n_new_records, r.n_citations
    );
    println!("  duplicates removed: {}", r.n_duplicates_removed);
    println!("  automatic merges this run: {}", r.n_automatic_merges);
    if r.n_joined_existing > 0 {
        println!("  new records that joined citations of earlier search rounds: {}", r.n_joined_existing);
    }
    println!("  possible duplicates queued this run: {} ({} waiting in all)", r.n_newly_queued, r.n_pending);
    if r.n_pending > 0 {
        println!("  review them with `sift dedup pending {review}`");
    }
    Ok(())
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn print_pair(p: &PendingPair) {
    let (a, b) = (&p.a.reference, &p.b.reference);
    println!();
    println!("pair {}  (score {:.3}, {})", p.pair.id, p.pair.score, p.pair.rule);
    let authors = |r: &sift_domain::Reference| {
        let mut names: Vec<String> = r.authors.iter().take(3).map(ToString::to_string).collect();
        if r.authors.len() > 3 {
            names.push(format!("et al. ({})", r.authors.len()));
        }
        names.join("; ")
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows: Vec<(&str, String, String)> = vec![
        (
            "record",
            format!("{} ({}, {} line {})", p.a.id, p.source_a, p.a.file_name, p.a.file_line),
            format!("{} ({}, {} line {})", p.b.id, p.source_b, p.b.file_name, p.b.file_line),
        ),
        ("type", a.work_type.to_string(), b.work_type.to_string()),
        ("title", opt(&a.title), opt(&b.title)),
        ("authors", authors(a), authors(b)),
        (
            "year",
            a.year.map(|y| y.to_string()).unwrap_or_default(),
            b.year.map(|y| y.to_string()).unwrap_or_default(),
        ),
        ("journal", opt(&a.journal), opt(&b.journal)),
        ("volume", opt(&a.volume), opt(&b.volume)),
        ("issue", opt(&a.issue), opt(&b.issue)),
        ("pages", opt(&a.pages), opt(&b.pages)),
        ("doi", opt(&a.doi), opt(&b.doi)),
        ("pmid", opt(&a.pmid), opt(&b.pmid)),
    ];
    let mut table = Table::new(&["", "field", "A", "B"]);
    for (field, x, y) in rows {
        let differs = field != "record" && x.trim().to_lowercase() != y.trim().to_lowercase();
        let marker = if differs && (x.is_empty() || y.is_empty()) {
            "?"
        } else if differs {
            "≠"
        } else {
            ""
        };
        table.row(vec![marker.to_string(), field.to_string(), clip(&x, 60), clip(&y, 60)]);
    }
    print!("{}", table.render());
    if a.title != b.title {
        println!("  title A: {}", opt(&a.title));
        println!("  title B: {}", opt(&b.title));
    }
}

#[derive(clap::Args, Debug)]
pub struct FilesArgs {
    /// The files to deduplicate (any supported format).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the groups: one per line, ids joined by ';'.
    #[arg(long, value_name = "FILE")]
    pub groups_out: PathBuf,
    /// Also count possible (not only certain) pairs as duplicates.
    #[arg(long)]
    pub include_possible: bool,
    #[arg(long)]
    pub merge_conference_abstracts: bool,
}

/// `sift dedup-files`: deduplicate files without a review, for benchmarks and scripts.
pub fn run_files(args: FilesArgs) -> Result<()> {
    let policy = DedupPolicy { merge_conference_abstracts: args.merge_conference_abstracts };
    let result = sift_service::dedup_files(&args.files, policy, args.include_possible)?;
    let file = std::fs::File::create(&args.groups_out)
        .with_context(|| format!("creating {}", args.groups_out.display()))?;
    let mut out = std::io::BufWriter::new(file);
    writeln!(out, "merged_ids")?;
    for group in &result.groups {
        let members: Vec<&str> = group.iter().map(|&i| result.ids[i].as_str()).collect();
        writeln!(out, "\"{}\"", members.join(";"))?;
    }
    out.flush()?;
    eprintln!(
        "{} records, {} duplicate groups ({} records removed), {} pairs a person would review, {} candidate pairs, {:.2} s",
        result.ids.len(),
        result.groups.len(),
        result.groups.iter().map(|g| g.len() - 1).sum::<usize>(),
        result.n_possible,
        result.n_candidate_pairs,
        result.seconds
    );
    Ok(())
}
