//! `sift example neuropathic-pain DIR`: rebuilds a published scoping review (the seed review,
//! Schaldemose et al., Acta Oncologica 2026) from facts in the paper, bundled from
//! `examples/neuropathic-pain/`: its question, team and criteria, seven streams, searches with
//! their reported hits, the included studies from its reference list, their charted values
//! (Tables 1-4), typed-in flow counts, and the report with Tables 1-4 and the flow diagrams.
//!
//! Every step goes through the same service calls as the commands a team would type; the
//! files it builds from are written into `DIR/inputs/` so each step can be repeated by hand.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::Deserialize;
use sift_domain::screening::{Decision, Role, Stage, StageSettings};
use sift_domain::{ReviewType, SearchKind};
use sift_service::{
    Actor, DecisionImportSpec, DecisionSource, DedupPolicy, InputFile, Locator, NewReviewSpec, SearchSpec,
    Service,
};

use crate::Context;
use crate::cmd::UsageError;
use crate::cmd::report::write_bundle;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The example: neuropathic-pain.
    pub name: String,
    /// The folder to write into (default: the example's name).
    pub dir: Option<PathBuf>,
    /// Replace an earlier run's review and report in the folder.
    #[arg(long)]
    pub force: bool,
}

/// The bundled files of the neuropathic-pain example, by path under `inputs/`.
const NEUROPATHIC_PAIN: &[(&str, &str)] = &[
    ("README.md", include_str!("../../../../examples/neuropathic-pain/README.md")),
    ("review.toml", include_str!("../../../../examples/neuropathic-pain/review.toml")),
    (
        "forms/original-study.toml",
        include_str!("../../../../examples/neuropathic-pain/forms/original-study.toml"),
    ),
    (
        "forms/systematic-review.toml",
        include_str!("../../../../examples/neuropathic-pain/forms/systematic-review.toml"),
    ),
    ("studies.toml", include_str!("../../../../examples/neuropathic-pain/studies.toml")),
    ("tables.toml", include_str!("../../../../examples/neuropathic-pain/tables.toml")),
    (
        "records/pharmacological-reviews.ris",
        include_str!("../../../../examples/neuropathic-pain/records/pharmacological-reviews.ris"),
    ),
    (
        "records/pharmacological-original.ris",
        include_str!("../../../../examples/neuropathic-pain/records/pharmacological-original.ris"),
    ),
    (
        "records/psychological-original.ris",
        include_str!("../../../../examples/neuropathic-pain/records/psychological-original.ris"),
    ),
    (
        "records/exercise-original.ris",
        include_str!("../../../../examples/neuropathic-pain/records/exercise-original.ris"),
    ),
    (
        "records/exercise-symptoms-reviews.ris",
        include_str!("../../../../examples/neuropathic-pain/records/exercise-symptoms-reviews.ris"),
    ),
    (
        "flow/pharmacological-reviews.toml",
        include_str!("../../../../examples/neuropathic-pain/flow/pharmacological-reviews.toml"),
    ),
    (
        "flow/pharmacological-original.toml",
        include_str!("../../../../examples/neuropathic-pain/flow/pharmacological-original.toml"),
    ),
    (
        "flow/psychological-reviews.toml",
        include_str!("../../../../examples/neuropathic-pain/flow/psychological-reviews.toml"),
    ),
    (
        "flow/psychological-original.toml",
        include_str!("../../../../examples/neuropathic-pain/flow/psychological-original.toml"),
    ),
    (
        "flow/exercise-reviews.toml",
        include_str!("../../../../examples/neuropathic-pain/flow/exercise-reviews.toml"),
    ),
    (
        "flow/exercise-original.toml",
        include_str!("../../../../examples/neuropathic-pain/flow/exercise-original.toml"),
    ),
    (
        "flow/exercise-symptoms-reviews.toml",
        include_str!("../../../../examples/neuropathic-pain/flow/exercise-symptoms-reviews.toml"),
    ),
    ("published/table-1.tsv", include_str!("../../../../examples/neuropathic-pain/published/table-1.tsv")),
    ("published/table-2.tsv", include_str!("../../../../examples/neuropathic-pain/published/table-2.tsv")),
    ("published/table-3.tsv", include_str!("../../../../examples/neuropathic-pain/published/table-3.tsv")),
    ("published/table-4.tsv", include_str!("../../../../examples/neuropathic-pain/published/table-4.tsv")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewFile {
    title: String,
    #[serde(rename = "type")]
    review_type: String,
    question: Option<String>,
    members: Vec<MemberEntry>,
    criteria: Vec<CriterionEntry>,
    stages: Vec<StageEntry>,
    streams: Vec<StreamEntry>,
    searches: Vec<SearchEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberEntry {
    name: String,
    role: String,
    #[serde(default)]
    resolver: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionEntry {
    label: String,
    description: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StageEntry {
    stage: String,
    reviewers: u8,
    blinded: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StreamEntry {
    name: String,
    description: Option<String>,
    #[serde(default)]
    #[allow(dead_code, reason = "documents who screened; the example has no individual votes")]
    screeners: Vec<String>,
    #[serde(default)]
    charters: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SearchEntry {
    stream: String,
    source: String,
    query: Option<String>,
    run_date: Option<String>,
    limits: Option<String>,
    hits: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StudiesFile {
    studies: Vec<StudyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StudyEntry {
    record: String,
    label: String,
    form: Option<String>,
    #[serde(default)]
    values: toml::Table,
}

pub async fn run(args: Args, _context: &Context) -> Result<()> {
    if args.name != "neuropathic-pain" {
        return Err(UsageError(format!(
            "no example named {:?}; the examples are: neuropathic-pain",
            args.name
        ))
        .into());
    }
    let dir = args.dir.clone().unwrap_or_else(|| PathBuf::from(&args.name));
    let written = neuropathic_pain(&dir, args.force).await?;
    for path in &written {
        println!("  {}", path.display());
    }
    Ok(())
}

/// Rebuilds the neuropathic-pain review in `dir`, prints what was built, and returns the
/// paths worth opening: the review, its inputs, the report's index, Tables 1-4 and a diagram.
pub async fn neuropathic_pain(dir: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let review_path = dir.join("review.sift");
    if review_path.exists() {
        if !force {
            return Err(UsageError(format!(
                "{} exists; pass --force to replace it, or choose another folder",
                review_path.display()
            ))
            .into());
        }
        std::fs::remove_file(&review_path).with_context(|| format!("removing {}", review_path.display()))?;
        let report = dir.join("report");
        if report.exists() {
            std::fs::remove_dir_all(&report).with_context(|| format!("removing {}", report.display()))?;
        }
    }
    let inputs = dir.join("inputs");
    for (path, text) in NEUROPATHIC_PAIN {
        let target = inputs.join(path);
        std::fs::create_dir_all(target.parent().expect("a file under inputs/"))
            .with_context(|| format!("creating {}", target.display()))?;
        std::fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
    }
    let built = build(&inputs, &review_path).await?;
    let service = Service::open(&Locator::File(review_path.clone())).await?;
    let bundle = service.report_bundle(&built.owner).await;
    service.close().await;
    let bundle = bundle?;
    for problem in &bundle.problems {
        eprintln!("warning: {problem}");
    }
    let report_dir = dir.join("report");
    let n = write_bundle(&bundle, &report_dir)?;

    println!("Rebuilt: {}", built.title);
    println!(
        "  {} streams, {} searches ({} hits reported), {} included records, {} charted; \
         the report has {n} files",
        built.n_streams, built.n_searches, built.n_hits, built.n_included, built.n_charted
    );
    let mut written = vec![review_path, inputs.clone(), report_dir.join("index.html")];
    for table in ["table-1", "table-2", "table-3", "table-4"] {
        written.push(report_dir.join("tables").join(format!("{table}.md")));
    }
    written.push(report_dir.join("tables").join("tables.docx"));
    written.push(report_dir.join("flow").join("review.png"));
    written.push(report_dir.join("flow").join("pharmacological-original.png"));
    written.push(inputs.join("published"));
    Ok(written)
}

/// What was built, for the summary.
struct Built {
    title: String,
    owner: Actor,
    n_streams: usize,
    n_searches: usize,
    n_hits: i64,
    n_included: usize,
    n_charted: usize,
}

/// Builds the review at `review_path` from the files in `inputs`.
async fn build(inputs: &Path, review_path: &Path) -> Result<Built> {
    let read = |path: &str| -> Result<String> {
        let path = inputs.join(path);
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let review: ReviewFile = toml::from_str(&read("review.toml")?).context("review.toml")?;
    let studies: StudiesFile = toml::from_str(&read("studies.toml")?).context("studies.toml")?;
    let owner_entry = review.members.iter().find(|m| m.role == "owner").context("review.toml: no owner")?;
    let owner = Actor::new(owner_entry.name.clone());

    let service = Service::create(
        &Locator::File(review_path.to_path_buf()),
        &NewReviewSpec {
            title: review.title.clone(),
            review_type: review.review_type.parse::<ReviewType>()?,
            question: review.question.clone(),
        },
        &owner,
    )
    .await?;
    let result = populate(&service, &review, &studies, &owner, inputs, &read).await;
    service.close().await;
    let (n_included, n_charted) = result?;
    Ok(Built {
        title: review.title.clone(),
        owner,
        n_streams: review.streams.len(),
        n_searches: review.searches.len(),
        n_hits: review.searches.iter().filter_map(|s| s.hits).sum(),
        n_included,
        n_charted,
    })
}

async fn populate(
    service: &Service,
    review: &ReviewFile,
    studies: &StudiesFile,
    owner: &Actor,
    inputs: &Path,
    read: &dyn Fn(&str) -> Result<String>,
) -> Result<(usize, usize)> {
    for m in review.members.iter().filter(|m| m.name != owner.name) {
        let role = m.role.parse::<Role>().with_context(|| format!("review.toml: member {}", m.name))?;
        service.set_member(owner, &m.name, role, m.resolver).await?;
    }
    for c in &review.criteria {
        service.add_criterion(owner, &c.label, c.description.as_deref()).await?;
    }
    for s in &review.stages {
        let stage = s.stage.parse::<Stage>().with_context(|| format!("review.toml: stage {}", s.stage))?;
        service
            .set_stage(
                owner,
                &StageSettings {
                    stage,
                    reviewers_required: s.reviewers,
                    blinded: s.blinded,
                    auto_resolve_agreement: false,
                },
            )
            .await?;
    }
    for s in &review.streams {
        service.add_stream(owner, &s.name, s.description.as_deref()).await?;
    }

    // Searches: with the stream's included records where it has any (the paper publishes
    // those, not the full exports), else recorded alone with their reported hits.
    for s in &review.searches {
        let records = inputs.join("records").join(format!("{}.ris", s.stream));
        let files = if records.exists() { vec![InputFile::new(&records)] } else { Vec::new() };
        let spec = SearchSpec {
            stream: Some(s.stream.clone()),
            source: s.source.clone(),
            kind: Some(SearchKind::Database),
            query: s.query.clone(),
            run_date: s.run_date.clone(),
            limits: s.limits.clone(),
            hits_reported: s.hits,
            without_export: files.is_empty(),
            ..SearchSpec::default()
        };
        service
            .add_search(owner, &spec, &files)
            .await
            .with_context(|| format!("search of stream {}", s.stream))?;
        if !files.is_empty() {
            service.dedup(owner, Some(&s.stream), DedupPolicy::default()).await?;
            // The team's final decisions (as a Covidence export gives them): included at both stages.
            let decisions = inputs.join("records").join(format!("{}-decisions.csv", s.stream));
            write_decisions(&records, &decisions)?;
            service
                .import_decisions(
                    owner,
                    &decisions,
                    &DecisionImportSpec {
                        stream: Some(s.stream.clone()),
                        source: Some(DecisionSource::Csv),
                        as_resolutions: true,
                        ..DecisionImportSpec::default()
                    },
                )
                .await
                .with_context(|| decisions.display().to_string())?;
        }
    }

    // Studies: link each included record as a study, chart it, and settle the consensus.
    for form in ["forms/original-study.toml", "forms/systematic-review.toml"] {
        service.add_form(owner, &read(form)?).await.with_context(|| form.to_string())?;
    }
    let mut citation_of: HashMap<String, (i64, String)> = HashMap::new();
    let mut n_included = 0;
    for s in &review.streams {
        for screened in service.screened(owner, Some(&s.name), Stage::FullText, Decision::Include).await? {
            n_included += 1;
            if let Some(id) = &screened.record.source_id {
                citation_of.insert(id.clone(), (screened.citation.0, s.name.clone()));
            }
        }
    }
    let mut n_charted = 0;
    for study in &studies.studies {
        let (citation, stream) = citation_of
            .get(&study.record)
            .cloned()
            .with_context(|| format!("studies.toml: no included record with ID {}", study.record))?;
        service.link_study(owner, &study.label, &[citation]).await?;
        let Some(form) = &study.form else { continue };
        let charter = review
            .streams
            .iter()
            .find(|s| s.name == stream)
            .and_then(|s| s.charters.first())
            .with_context(|| format!("review.toml: stream {stream} names no charters"))?;
        let assignments = study
            .values
            .iter()
            .map(|(key, value)| {
                Ok((
                    key.clone(),
                    value_text(value).with_context(|| format!("studies.toml: {} {key}", study.record))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        service
            .chart(&Actor::new(charter.clone()), form, citation, &assignments, true)
            .await
            .with_context(|| format!("studies.toml: {}", study.record))?;
        service.settle_chart(owner, form, citation, Some(charter), &[]).await?;
        n_charted += 1;
    }
    service.set_report_tables(owner, &read("tables.toml")?).await.context("tables.toml")?;
    for s in &review.streams {
        let path = format!("flow/{}.toml", s.name);
        service
            .set_flow_counts(owner, Some(&s.name), Some(&read(&path)?))
            .await
            .with_context(|| path.clone())?;
    }
    Ok((n_included, n_charted))
}

/// A value from studies.toml as typed on `sift chart set`: text as is, numbers as digits,
/// a list of rows as JSON.
fn value_text(value: &toml::Value) -> Result<String> {
    Ok(match value {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Float(x) => x.to_string(),
        toml::Value::Array(_) => serde_json::to_string(value)?,
        other => bail!("{other} is not text, a number or a list of rows"),
    })
}

/// Writes the decisions file for a stream's records: every record included at title and
/// abstract, then at full text (the stream's file holds only the included studies).
fn write_decisions(records: &Path, out: &Path) -> Result<()> {
    let text = std::fs::read_to_string(records).with_context(|| format!("reading {}", records.display()))?;
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("ID  - "))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    let mut csv = String::from("record_id,stage,decision\n");
    for stage in ["title-abstract", "full-text"] {
        for id in &ids {
            csv.push_str(&format!("{id},{stage},include\n"));
        }
    }
    std::fs::write(out, csv).with_context(|| format!("writing {}", out.display()))
}
