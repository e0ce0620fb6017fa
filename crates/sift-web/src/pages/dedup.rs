//! The dedup queue: the possible duplicate pair at the head of the queue side by side, the
//! fields that differ marked, and same / different, with undo of the last decision.

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
