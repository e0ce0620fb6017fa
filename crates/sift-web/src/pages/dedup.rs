//! The dedup queue: the possible duplicate pair at the head of the queue side by side, the
//! fields that differ marked, and same / different, with undo of the last decision. And the
//! merged citations, to audit what was merged (automatically or by a person) and take a
//! record out again.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_service::{DedupPolicy, DedupReport, Permission, StoredRecord};

use super::{Nav, render, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

pub struct FieldRow {
    pub name: &'static str,
    pub a: String,
    pub b: String,
    pub differs: bool,
}

pub struct PairView {
    pub id: i64,
    pub score: String,
    pub rule: String,
    pub record_a: i64,
    pub record_b: i64,
    pub rows: Vec<FieldRow>,
}

#[derive(Template)]
#[template(path = "dedup.html")]
struct DedupPage {
    nav: Nav,
    stream: String,
    waiting: usize,
    pair: Option<PairView>,
    message: String,
    undo: Option<(i64, i64, String)>,
}

#[derive(Deserialize)]
pub struct DedupQuery {
    stream: Option<String>,
    msg: Option<String>,
    undo_a: Option<i64>,
    undo_b: Option<i64>,
    was: Option<String>,
}

fn fields(r: &StoredRecord, source: &str) -> Vec<(&'static str, String)> {
    let x = &r.reference;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        ("Title", o(&x.title)),
        ("Authors", x.author_strings().join("; ")),
        ("Year", x.year.map(|y| y.to_string()).unwrap_or_default()),
        ("Journal", o(&x.journal)),
        ("Volume", o(&x.volume)),
        ("Issue", o(&x.issue)),
        ("Pages", o(&x.pages)),
        ("DOI", o(&x.doi)),
        ("PMID", o(&x.pmid)),
        ("Source", source.to_string()),
        ("Record", format!("{} (line {})", r.file_name, r.file_line)),
    ]
}

/// Case, spacing and punctuation don't make two values different.
fn normal(value: &str) -> String {
    value.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<DedupQuery>,
) -> WebResult<Response> {
    let (service, _, viewer) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let stream = service.stream(q.stream.as_deref()).await?.name;
    let pending = service.dedup_pending(Some(&stream)).await?;
    let pair = pending.first().map(|p| {
        let a = fields(&p.a, &p.source_a);
        let b = fields(&p.b, &p.source_b);
        PairView {
            id: p.pair.id.0,
            score: format!("{:.2}", p.pair.score),
            rule: p.pair.rule.clone(),
            record_a: p.a.id.0,
            record_b: p.b.id.0,
            rows: a
                .into_iter()
                .zip(b)
                .map(|((name, a), (_, b))| FieldRow {
                    name,
                    differs: name != "Record" && name != "Source" && normal(&a) != normal(&b),
                    a,
                    b,
                })
                .collect(),
        }
    });
    let undo = match (q.undo_a, q.undo_b, q.was) {
        (Some(a), Some(b), Some(was)) if was == "same" || was == "different" => Some((a, b, was)),
        _ => None,
    };
    let page = DedupPage {
        nav: Nav::review(&auth, &service, &viewer, "dedup"),
        stream,
        waiting: pending.len(),
        pair,
        message: q.msg.unwrap_or_default(),
        undo,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct DecideForm {
    csrf: Option<String>,
    stream: Option<String>,
    decision: String,
    record_a: i64,
    record_b: i64,
}

pub async fn decide(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, pair)): Path<(String, i64)>,
    Form(form): Form<DecideForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let same = match form.decision.as_str() {
        "same" => true,
        "different" => false,
        other => {
            return Err(WebError::BadRequest(format!("decide \"same\" or \"different\", not {other:?}")));
        }
    };
    service.dedup_decide(&actor, pair, same).await?;
    let message = format!("Pair {pair}: {}.", if same { "the same work, merged" } else { "different works" });
    Ok(Redirect::to(&format!(
        "/r/{slug}/dedup?stream={}&msg={}&undo_a={}&undo_b={}&was={}",
        url_encode(form.stream.as_deref().unwrap_or_default()),
        url_encode(&message),
        form.record_a,
        form.record_b,
        form.decision
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct RunForm {
    csrf: Option<String>,
    stream: Option<String>,
    /// "on" to merge a conference abstract with the article it became.
    conference: Option<String>,
}

/// Runs deduplication on the stream's records: the records not seen before are compared with
/// every other, certain duplicates merged, uncertain pairs queued; the records become the
/// citations screening works on.
pub async fn run(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<RunForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let policy = DedupPolicy { merge_conference_abstracts: form.conference.is_some() };
    let report = service.dedup(&actor, form.stream.as_deref(), policy).await?;
    Ok(Redirect::to(&format!(
        "/r/{slug}/dedup?stream={}&msg={}",
        url_encode(&report.stream),
        url_encode(&run_summary(&report))
    ))
    .into_response())
}

/// A deduplication run in one sentence.
pub fn run_summary(r: &DedupReport) -> String {
    format!(
        "Deduplication: {} record(s), {} new; {} merged automatically, {} duplicate(s) removed in all; {} new pair(s) for a person ({} waiting); {} citation(s) to screen.",
        r.n_records,
        r.n_new_records,
        r.n_automatic_merges,
        r.n_duplicates_removed,
        r.n_newly_queued,
        r.n_pending,
        r.n_citations
    )
}

#[derive(Deserialize)]
pub struct UndoForm {
    csrf: Option<String>,
    stream: Option<String>,
    record_a: i64,
    record_b: i64,
    was: String,
}

/// Undoes a decision: a merge by splitting the second record out again, a "different" by
/// merging the two; both are recorded decisions, as on the command line.
pub async fn undo(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<UndoForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let message = match form.was.as_str() {
        "same" => {
            service.dedup_split(&actor, form.record_b).await?;
            format!("Undone: record {} is on its own again.", form.record_b)
        }
        "different" => {
            service.dedup_merge(&actor, form.record_a, form.record_b).await?;
            format!("Undone: records {} and {} are merged.", form.record_a, form.record_b)
        }
        other => return Err(WebError::BadRequest(format!("nothing to undo for {other:?}"))),
    };
    Ok(Redirect::to(&format!(
        "/r/{slug}/dedup?stream={}&msg={}",
        url_encode(form.stream.as_deref().unwrap_or_default()),
        url_encode(&message)
    ))
    .into_response())
}

/// Merged citations shown per page.
const MERGED_PER_PAGE: usize = 50;

pub struct MergedRecord {
    pub id: i64,
    pub title: String,
    pub meta: String,
    pub doi: String,
    pub source: String,
    pub place: String,
}

pub struct MergedView {
    pub citation: i64,
    pub how: String,
    pub records: Vec<MergedRecord>,
}

#[derive(Template)]
#[template(path = "dedup_merged.html")]
struct MergedPage {
    nav: Nav,
    stream: String,
    only_automatic: bool,
    merged: Vec<MergedView>,
    n_merged: usize,
    page: usize,
    n_pages: usize,
    message: String,
    undo: Option<(i64, i64)>,
}

#[derive(Deserialize)]
pub struct MergedQuery {
    stream: Option<String>,
    page: Option<usize>,
    automatic: Option<String>,
    msg: Option<String>,
    undo_a: Option<i64>,
    undo_b: Option<i64>,
}

/// The stream's merged citations, a page at a time, each with its records and how they were
/// merged; "automatic only" narrows to those a rule merged.
pub async fn merged(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<MergedQuery>,
) -> WebResult<Response> {
    let (service, _, viewer) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let stream = service.stream(q.stream.as_deref()).await?.name;
    let only_automatic = q.automatic.as_deref() == Some("1");
    let all: Vec<_> = service
        .merged_citations(Some(&stream))
        .await?
        .into_iter()
        .filter(|m| !only_automatic || m.automatic)
        .collect();
    let n_pages = all.len().div_ceil(MERGED_PER_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, n_pages);
    let merged = all
        .iter()
        .skip((page - 1) * MERGED_PER_PAGE)
        .take(MERGED_PER_PAGE)
        .map(|m| MergedView {
            citation: m.citation.0,
            how: if m.how.is_empty() { "merged before this log began".into() } else { m.how.join("; ") },
            records: m
                .records
                .iter()
                .map(|(r, source)| {
                    let x = &r.reference;
                    let mut meta = x.author_strings().first().cloned().unwrap_or_default();
                    for part in
                        [x.year.map(|y| y.to_string()), x.journal.clone(), x.volume.clone(), x.pages.clone()]
                            .into_iter()
                            .flatten()
                    {
                        meta.push_str(if meta.is_empty() { "" } else { " · " });
                        meta.push_str(&part);
                    }
                    MergedRecord {
                        id: r.id.0,
                        title: x.title.clone().unwrap_or_else(|| "(no title)".into()),
                        meta,
                        doi: x.doi.clone().unwrap_or_default(),
                        source: source.clone(),
                        place: format!("{} line {}", r.file_name, r.file_line),
                    }
                })
                .collect(),
        })
        .collect();
    let page = MergedPage {
        nav: Nav::review(&auth, &service, &viewer, "dedup"),
        stream,
        only_automatic,
        n_merged: all.len(),
        merged,
        page,
        n_pages,
        message: q.msg.unwrap_or_default(),
        undo: q.undo_a.zip(q.undo_b),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct SplitForm {
    csrf: Option<String>,
    stream: Option<String>,
    /// The record taken out.
    record: i64,
    /// A record it leaves behind, to merge back with on undo.
    other: i64,
}

/// Takes a record out of its citation; the page offers to undo it (merging the two again).
pub async fn split(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<SplitForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let citation = service.dedup_split(&actor, form.record).await?;
    let message = format!(
        "Record {} taken out: it is citation {} of its own now, to be screened.",
        form.record, citation.0
    );
    Ok(Redirect::to(&format!(
        "/r/{slug}/dedup/merged?stream={}&msg={}&undo_a={}&undo_b={}",
        url_encode(form.stream.as_deref().unwrap_or_default()),
        url_encode(&message),
        form.record,
        form.other
    ))
    .into_response())
}

#[derive(Deserialize)]
pub struct MergeForm {
    csrf: Option<String>,
    record_a: i64,
    record_b: i64,
    /// The search to return to on the Find a record page.
    q: Option<String>,
}

/// Merges the citations of two records a person judged the same work, though deduplication
/// did not pair them (reviewers); recorded as a person's decision, and undone by taking a
/// record out on the merged records page.
pub async fn merge(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<MergeForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let citation = service.dedup_merge(&actor, form.record_a, form.record_b).await?;
    let message = format!(
        "Records {} and {} are one citation now ({}); a record can be taken out again on the merged records page.",
        form.record_a, form.record_b, citation.0
    );
    Ok(Redirect::to(&format!(
        "/r/{slug}/records?q={}&msg={}",
        url_encode(form.q.as_deref().unwrap_or_default()),
        url_encode(&message)
    ))
    .into_response())
}
