//! `sift tour`: the README's main job, on real data. Part 1 creates a review, records eight
//! real database searches (exports bundled in the binary from `test_data/`), imports them and
//! exports the result; part 2 rebuilds the published neuropathic-pain review with its tables
//! and flow diagrams (`sift example`); part 3 replays ranked screening on a real labelled set
//! (`sift simulate`). It prints what it does and ends with the paths it wrote.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use sift_domain::{ReviewType, SearchKind};
use sift_service::{ExportFormat, InputFile, NewReviewSpec, RecordFilter, SearchSpec, Service};

use crate::Context;
use crate::cmd::{UsageError, example, simulate};
use crate::table::{Table, clip};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The folder to write the tour's review and exports into.
    #[arg(default_value = "tour-out")]
    pub dir: PathBuf,
    /// Replace the folder's earlier tour review.
    #[arg(long)]
    pub force: bool,
}

/// A labelled title/abstract set (Kitchenham et al. 2010, CC-BY 4.0; `test_data/screening/`)
/// for part 3.
const KITCHENHAM: &[u8] = include_bytes!("../../../../test_data/screening/kitchenham_2010.csv");

/// A real export bundled with the binary, and the search it came from.
struct Export {
    file_name: &'static str,
    bytes: &'static [u8],
    source: &'static str,
    platform: Option<&'static str>,
    stream: &'static str,
}

const EXPORTS: &[Export] = &[
    Export {
        file_name: "pubmed_zotero.ris",
        bytes: include_bytes!("../../../../test_data/formats/asreview/pubmed_zotero.ris"),
        source: "PubMed",
        platform: Some("Zotero export"),
        stream: "default",
    },
    Export {
        file_name: "pubmed_endnote.txt",
        bytes: include_bytes!("../../../../test_data/formats/asreview/pubmed_endnote.txt"),
        source: "PubMed",
        platform: Some("EndNote export"),
        stream: "default",
    },
    Export {
        file_name: "embase.ris",
        bytes: include_bytes!("../../../../test_data/formats/asreview/embase.ris"),
        source: "Embase",
        platform: Some("Elsevier"),
        stream: "default",
    },
    Export {
        file_name: "ovid_psycinfo.ris",
        bytes: include_bytes!("../../../../test_data/formats/asreview/ovid_psycinfo.ris"),
        source: "PsycInfo",
        platform: Some("Ovid"),
        stream: "psychological",
    },
    Export {
        file_name: "scopus.ris",
        bytes: include_bytes!("../../../../test_data/formats/asreview/scopus.ris"),
        source: "Scopus",
        platform: None,
        stream: "psychological",
    },
    Export {
        file_name: "web_of_science.txt",
        bytes: include_bytes!("../../../../test_data/formats/asreview/web_of_science.txt"),
        source: "Web of Science",
        platform: None,
        stream: "psychological",
    },
    Export {
        file_name: "proquest.ris",
        bytes: include_bytes!("../../../../test_data/formats/asreview/proquest.ris"),
        source: "PTSDpubs",
        platform: Some("ProQuest"),
        stream: "psychological",
    },
    Export {
        file_name: "pubmed-29768149.xml",
        bytes: include_bytes!("../../../../test_data/formats/pubmed/pubmed-29768149.xml"),
        source: "PubMed",
        platform: Some("E-utilities XML"),
        stream: "psychological",
    },
];

pub async fn run(args: Args, context: &Context) -> Result<()> {
    if context.database.is_some() {
        return Err(UsageError("the tour writes a review file; run it without --database".into()).into());
    }
    let dir = &args.dir;
    let review_path = dir.join("tour.sift");
    let example_review = dir.join("neuropathic-pain").join("review.sift");
    if example_review.exists() && !args.force {
        return Err(UsageError(format!(
            "{} already exists; pass --force to replace it or name another folder",
            example_review.display()
        ))
        .into());
    }
    if review_path.exists() {
        if !args.force {
            return Err(UsageError(format!(
                "{} already exists; pass --force to replace it or name another folder",
                review_path.display()
            ))
            .into());
        }
        for suffix in ["", "-wal", "-shm"] {
            let path = PathBuf::from(format!("{}{suffix}", review_path.display()));
            if path.exists() {
                std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
    }
    let exports_dir = dir.join("exports");
    std::fs::create_dir_all(&exports_dir).with_context(|| format!("creating {}", exports_dir.display()))?;
    for export in EXPORTS {
        let path = exports_dir.join(export.file_name);
        std::fs::write(&path, export.bytes).with_context(|| format!("writing {}", path.display()))?;
    }

    println!("== Part 1: real database exports into a new review");
    step(&format!("sift init {} --type scoping", review_path.display()));
    let spec = NewReviewSpec {
        title: "Psychological factors in inflammatory bowel disease (Sift tour)".into(),
        review_type: ReviewType::Scoping,
        question: Some(
            "Which psychological factors are studied in people with inflammatory bowel disease?".into(),
        ),
    };
    let service =
        Service::create(&sift_service::Locator::File(review_path.clone()), &spec, &context.actor).await?;
    let result = tour(&service, context, &exports_dir, dir).await;
    service.close().await;
    let imported = result?;

    println!();
    println!("== Part 2: a published review rebuilt (sift example neuropathic-pain)");
    let example_dir = dir.join("neuropathic-pain");
    step(&format!("sift example neuropathic-pain {}", example_dir.display()));
    let example = example::neuropathic_pain(&example_dir, args.force).await?;

    println!();
    println!("== Part 3: ranked screening replayed on a real labelled set (sift simulate)");
    let screening_dir = dir.join("screening");
    std::fs::create_dir_all(&screening_dir)
        .with_context(|| format!("creating {}", screening_dir.display()))?;
    let dataset = screening_dir.join("kitchenham_2010.csv");
    std::fs::write(&dataset, KITCHENHAM).with_context(|| format!("writing {}", dataset.display()))?;
    let order = screening_dir.join("order.csv");
    let curve = screening_dir.join("recall.svg");
    step(&format!(
        "sift simulate {} --seed 1 --order-out {} --curve-out {}",
        dataset.display(),
        order.display(),
        curve.display()
    ));
    simulate::run(simulate::Args {
        dataset: dataset.clone(),
        prior_ids: Vec::new(),
        n_prior_included: 1,
        n_prior_excluded: 1,
        seed: 1,
        model: "svm".into(),
        query: "max".into(),
        retrain_every: 1,
        stem: false,
        order_out: order.clone(),
        curve_out: Some(curve.clone()),
    })?;

    println!();
    println!("The tour wrote:");
    println!("  {}  (the review; try `sift search list {}`)", review_path.display(), review_path.display());
    for path in imported {
        println!("  {}", path.display());
    }
    for path in example {
        println!("  {}", path.display());
    }
    for path in [dataset, order, curve] {
        println!("  {}", path.display());
    }
    Ok(())
}

async fn tour(service: &Service, context: &Context, exports_dir: &Path, dir: &Path) -> Result<Vec<PathBuf>> {
    step("sift stream add ... psychological");
    service.add_stream(&context.actor, "psychological", Some("Searches of psychology databases")).await?;

    for export in EXPORTS {
        let path = exports_dir.join(export.file_name);
        step(&format!(
            "sift search add ... --stream {} --source {:?} --run-date 2019-11-18 {}",
            export.stream,
            export.source,
            path.display()
        ));
        let report = service
            .add_search(
                &context.actor,
                &SearchSpec {
                    stream: Some(export.stream.into()),
                    source: export.source.into(),
                    kind: Some(SearchKind::Database),
                    platform: export.platform.map(String::from),
                    query: Some("(inflammatory bowel disease OR crohn* OR colitis) AND (stress OR coping OR depression)".into()),
                    run_date: Some("2019-11-18".into()),
                    limits: None,
                    hits_reported: None,
                    updates: None,
                    found_in: None,
                    without_export: false,
                },
                &[InputFile::new(&path)],
            )
            .await?;
        for file in &report.files {
            let n_warnings =
                file.diagnostics.iter().filter(|d| d.severity >= sift_formats::Severity::Warning).count();
            println!(
                "  {} records from {} ({}, {}){}",
                file.n_records,
                file.file_name,
                file.format,
                file.encoding,
                if n_warnings > 0 { format!(", {n_warnings} warnings") } else { String::new() }
            );
        }
    }

    step("sift search list");
    let mut table = Table::new(&[">id", "stream", "source", ">imported", ">warnings"]);
    for s in service.searches(None).await? {
        table.row(vec![
            s.search.id.to_string(),
            s.stream.clone(),
            s.search.source.clone(),
            s.n_records.to_string(),
            s.n_warnings().to_string(),
        ]);
    }
    print!("{}", table.render());

    step("sift records list ... --text stress --has-doi --limit 5");
    let filter = RecordFilter {
        text: Some("stress".into()),
        has_doi: Some(true),
        limit: Some(5),
        ..RecordFilter::default()
    };
    let mut table = Table::new(&[">id", ">year", "title", "doi"]);
    for r in service.records(None, &filter).await? {
        table.row(vec![
            r.id.to_string(),
            r.reference.year.map(|y| y.to_string()).unwrap_or_default(),
            clip(r.reference.title.as_deref().unwrap_or(""), 60),
            r.reference.doi.clone().unwrap_or_default(),
        ]);
    }
    print!("{}", table.render());

    let mut written = Vec::new();
    for (format, name) in
        [(ExportFormat::Ris, "all.ris"), (ExportFormat::Csv, "all.csv"), (ExportFormat::Jsonl, "all.jsonl")]
    {
        let path = dir.join(name);
        step(&format!("sift export ... --to {} --out {}", format.as_str(), path.display()));
        let file = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let summary = service.export(None, &RecordFilter::default(), format, &mut out).await?;
        std::io::Write::flush(&mut out)?;
        println!("  {} records", summary.n_records);
        written.push(path);
    }
    Ok(written)
}

fn step(command: &str) {
    println!();
    println!("$ {command}");
}
