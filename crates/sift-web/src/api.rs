//! The JSON API under `/api/v1`: the pages' use cases for scripts, through the same service
//! calls and the same [`authorized`] check. Log in with `POST /api/v1/login` for a bearer
//! token (`Authorization: Bearer ...`); a browser session cookie also works, with the
//! `X-CSRF-Token` header on changes. Described by the OpenAPI 3 document at
//! `/api/v1/openapi.json` ([`openapi`]); a test keeps it and the route table in step.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};

mod charting;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};
use sift_domain::screening::{Decision, Method, Status};
use sift_service::{CitationView, DedupPolicy, Permission, ProtocolChange, ServiceError, SessionKind};

use crate::auth::{Auth, Remote, authorized};
use crate::error::WebError;
use crate::pages::parse_stage;
use crate::state::{AppState, NewReview};

pub(crate) type ApiResult = Result<Response, WebError>;

/// Marks an error as the API's, so it answers in JSON.
pub(crate) fn api(error: impl Into<WebError>) -> WebError {
    WebError::Api(Box::new(error.into()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/reviews", get(reviews).post(create_review))
        .route("/reviews/{slug}/progress", get(progress))
        .route("/reviews/{slug}/next", get(next))
        .route("/reviews/{slug}/citations/{citation}", get(citation))
        .route("/reviews/{slug}/votes", post(vote))
        .route("/reviews/{slug}/conflicts", get(conflicts))
        .route("/reviews/{slug}/resolutions", post(resolve))
        .route("/reviews/{slug}/flow", get(flow).put(set_flow))
        .route("/reviews/{slug}/searches", get(searches).post(add_search))
        .route("/reviews/{slug}/streams", get(streams).post(add_stream))
        .route("/reviews/{slug}/decisions", post(import_decisions))
        .route("/reviews/{slug}/protocol", get(protocol).put(set_protocol))
        .route("/reviews/{slug}/duplicates", get(duplicates))
        .route("/reviews/{slug}/dedup", post(run_dedup))
        .route("/reviews/{slug}/duplicates/{pair}", post(decide_duplicate))
        .route("/reviews/{slug}/fulltexts/{citation}/not-retrieved", post(not_retrieved))
        .route("/reviews/{slug}/members", get(members).post(invite))
        .route("/reviews/{slug}/keywords", get(keywords).post(set_keywords))
        .route("/reviews/{slug}/stages", get(stages).post(set_stage))
        .route("/reviews/{slug}/criteria", get(criteria).post(add_criterion))
        .route("/reviews/{slug}/fulltexts/{citation}/pdf", put(upload_pdf))
        .route("/reviews/{slug}/report", get(report_files))
        .route("/reviews/{slug}/report/{*path}", get(report_file))
        .route("/reviews/{slug}/records", get(find_records))
        .route("/reviews/{slug}/archive", get(archive))
        .route("/reviews/{slug}/studies", get(studies).post(link_study))
        .route("/reviews/{slug}/studies/reports/{citation}", delete(unlink_study))
        .route("/reviews/{slug}/tables", get(tables).post(add_tables))
        .route("/reviews/{slug}/tables/{name}", get(table).delete(remove_table))
        .route("/reviews/{slug}/analyses", get(analyses).post(add_analyses))
        .route("/reviews/{slug}/analyses/{name}", get(analysis).delete(remove_analysis))
        .route("/reviews/{slug}/forms", get(charting::forms).post(charting::add_form))
        .route("/reviews/{slug}/forms/{form}/progress", get(charting::progress))
        .route("/reviews/{slug}/chart/{form}/{citation}", get(charting::my_chart).put(charting::chart))
        .route("/reviews/{slug}/chart/{form}/{citation}/compare", get(charting::compare))
        .route("/reviews/{slug}/chart/{form}/{citation}/consensus", post(charting::settle))
        .route("/reviews/{slug}/appraisal-tools", get(charting::tools).post(charting::add_tool))
        .route("/reviews/{slug}/appraisals", get(charting::appraisals).post(charting::appraise))
        .route("/reviews/{slug}/levels", get(charting::levels).post(charting::set_level))
}

#[derive(Deserialize)]
pub struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    Remote(remote): Remote,
    Json(body): Json<LoginBody>,
) -> ApiResult {
    let new =
        state.accounts.login(&body.username, &body.password, &remote, SessionKind::Api).await.map_err(api)?;
    Ok(Json(json!({
        "token": new.token,
        "username": new.session.account.username,
        "expires_in_seconds": sift_service::API_TOKEN_SECONDS,
    }))
    .into_response())
}

async fn logout(State(state): State<AppState>, auth: Auth) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    state.accounts.logout(&auth.token).await.map_err(api)?;
    Ok(Json(json!({ "logged_out": true })).into_response())
}

async fn reviews(State(state): State<AppState>, auth: Auth) -> ApiResult {
    state.discover_reviews().await;
    let mut out = Vec::new();
    for service in state.reviews.all() {
        if let Ok((_, viewer)) =
            state.accounts.authorize(&auth.session.account, &service, Permission::Read).await
        {
            let r = service.review();
            out.push(json!({
                "slug": r.slug, "title": r.title, "type": r.review_type.as_str(),
                "role": viewer.role.as_str(), "resolver": viewer.resolver,
            }));
        }
    }
    Ok(Json(json!({ "reviews": out })).into_response())
}

#[derive(Deserialize)]
pub struct NewReviewBody {
    title: String,
    slug: String,
    #[serde(rename = "type", default = "systematic")]
    review_type: String,
    #[serde(default)]
    question: String,
}

fn systematic() -> String {
    "systematic".into()
}

/// Creates a review (the server's administrator, on a data directory or a database server).
async fn create_review(
    State(state): State<AppState>,
    auth: Auth,
    Json(body): Json<NewReviewBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let new = NewReview {
        title: &body.title,
        slug: &body.slug,
        review_type: &body.review_type,
        question: &body.question,
    };
    let service = state.create_review(&auth.session.account, &new).await.map_err(api)?;
    let r = service.review();
    Ok((
        StatusCode::CREATED,
        Json(json!({ "slug": r.slug, "title": r.title, "type": r.review_type.as_str(), "role": "owner", "resolver": true })),
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct StageQuery {
    stage: Option<String>,
    stream: Option<String>,
}

async fn progress(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StageQuery>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let stage = parse_stage(q.stage.as_deref()).map_err(api)?;
    let p = service.progress(&actor, q.stream.as_deref(), stage).await.map_err(api)?;
    Ok(Json(json!({
        "stage": stage.as_str(),
        "citations": p.n_citations,
        "resolved": p.n_resolved,
        "included": p.n_included,
        "excluded": p.n_excluded,
        "conflicts": p.n_conflicts,
        "reviewers_required": p.settings.reviewers_required,
        "blinded": p.settings.blinded,
        "votes_per_reviewer": p.per_reviewer.iter().map(|(n, c)| json!({ "member": n, "votes_cast": c })).collect::<Vec<_>>(),
    }))
    .into_response())
}

fn record_json(record: &sift_service::StoredRecord) -> Value {
    let r = &record.reference;
    json!({
        "title": r.title, "abstract": r.abstract_text, "authors": r.author_strings(), "year": r.year,
        "journal": r.journal, "doi": r.doi, "pmid": r.pmid, "keywords": r.keywords,
    })
}

async fn next(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StageQuery>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let stage = parse_stage(q.stage.as_deref()).map_err(api)?;
    let next = service.screen_next(&actor, q.stream.as_deref(), stage).await.map_err(api)?;
    Ok(Json(match next {
        Some(n) => json!({
            "citation": n.citation.0, "stage": stage.as_str(), "done": n.done, "remaining": n.remaining,
            "record": record_json(&n.record),
        }),
        None => json!({ "citation": null, "stage": stage.as_str() }),
    })
    .into_response())
}

fn status_json(status: &Option<Status>) -> Value {
    match status {
        None => Value::Null,
        Some(Status::Open { votes, required }) => {
            json!({ "state": "open", "votes": votes, "required": required })
        }
        Some(Status::Agreed(d)) => json!({ "state": "agreed", "decision": d.as_str() }),
        Some(Status::Conflict) => json!({ "state": "conflict" }),
        Some(Status::Resolved(d)) => json!({ "state": "resolved", "decision": d.as_str() }),
    }
}

fn view_json(v: &CitationView) -> Value {
    json!({
        "citation": v.citation.0,
        "stage": v.stage.as_str(),
        "record": record_json(&v.record),
        "status": status_json(&v.status),
        "votes": v.votes.iter().map(|v| json!({
            "reviewer": v.reviewer, "decision": v.decision.as_str(), "reason": v.reason, "note": v.note, "at": v.at,
        })).collect::<Vec<_>>(),
        "resolution": v.resolution.as_ref().map(|r| json!({
            "decision": r.decision.as_str(), "reason": r.reason, "method": r.method.as_str(), "at": r.at,
        })),
        "fulltext": v.fulltext.as_ref().map(|f| json!({ "status": f.status, "file_name": f.file_name, "reason": f.reason })),
    })
}

async fn citation(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    Query(q): Query<StageQuery>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let stage = parse_stage(q.stage.as_deref()).map_err(api)?;
    let view = service.citation_view(&actor, citation, stage).await.map_err(api)?;
    Ok(Json(view_json(&view)).into_response())
}

#[derive(Deserialize)]
pub struct VoteBody {
    citation: i64,
    stage: Option<String>,
    decision: String,
    reason: Option<String>,
    #[serde(default)]
    custom_reason: bool,
    note: Option<String>,
}

fn decision(text: &str) -> Result<Decision, WebError> {
    text.parse().map_err(|e| api(WebError::BadRequest(format!("{e}"))))
}

async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<VoteBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let stage = parse_stage(body.stage.as_deref()).map_err(api)?;
    let outcome = service
        .vote(
            &actor,
            body.citation,
            stage,
            decision(&body.decision)?,
            body.reason.as_deref(),
            body.custom_reason,
            body.note.as_deref(),
        )
        .await
        .map_err(api)?;
    Ok(Json(json!({
        "citation": outcome.citation.0,
        "stage": outcome.stage.as_str(),
        "status": status_json(&outcome.status),
        "resolved": outcome.resolved.map(|(d, m)| json!({ "decision": d.as_str(), "method": m.as_str() })),
    }))
    .into_response())
}

async fn conflicts(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StageQuery>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Resolve).await.map_err(api)?;
    let stage = parse_stage(q.stage.as_deref()).map_err(api)?;
    let views = service.conflicts(&actor, q.stream.as_deref(), stage).await.map_err(api)?;
    Ok(Json(json!({ "conflicts": views.iter().map(view_json).collect::<Vec<_>>() })).into_response())
}

#[derive(Deserialize)]
pub struct ResolveBody {
    citation: i64,
    stage: Option<String>,
    decision: String,
    reason: Option<String>,
    /// `third-reviewer` (default) or `consensus`.
    method: Option<String>,
}

async fn resolve(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<ResolveBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Resolve).await.map_err(api)?;
    let stage = parse_stage(body.stage.as_deref()).map_err(api)?;
    let method: Method = match body.method.as_deref() {
        None => Method::ThirdReviewer,
        Some(m) => m.parse().map_err(|e| api(WebError::BadRequest(format!("{e}"))))?,
    };
    let r = service
        .resolve(&actor, body.citation, stage, decision(&body.decision)?, body.reason.as_deref(), method)
        .await
        .map_err(api)?;
    Ok(Json(json!({
        "citation": r.citation.0, "stage": r.stage.as_str(), "decision": r.decision.as_str(),
        "reason": r.reason, "method": r.method.as_str(), "at": r.at,
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct StreamQuery {
    stream: Option<String>,
}

async fn flow(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StreamQuery>,
) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let stream = service.stream(q.stream.as_deref()).await.map_err(api)?;
    let flow = service.stream_flow(Some(&stream.name)).await.map_err(api)?;
    let svg = sift_report::flow::flow_svg(&flow.counts, &flow.options)
        .map_err(|e| api(ServiceError::Conflict(format!("the flow diagram can't be drawn yet: {e}"))))?;
    Ok(Json(json!({
        "stream": stream.name,
        "counts": serde_json::to_value(&flow.counts).unwrap_or(Value::Null),
        "typed_in": matches!(flow.source, sift_service::FlowSource::Manual(_)),
        "svg": svg,
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct FlowBody {
    stream: Option<String>,
    /// The counts as TOML or CSV (`docs/flow.md`); null returns the stream to derived counts.
    counts: Option<String>,
}

/// Types in a stream's flow counts, or returns it to the records' counts (owners).
async fn set_flow(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<FlowBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let stream = service.stream(body.stream.as_deref()).await.map_err(api)?;
    service.set_flow_counts(&actor, Some(&stream.name), body.counts.as_deref()).await.map_err(api)?;
    Ok(Json(json!({ "stream": stream.name, "typed_in": body.counts.is_some() })).into_response())
}

async fn searches(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StreamQuery>,
) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let searches = service.searches(q.stream.as_deref()).await.map_err(api)?;
    let out: Vec<Value> = searches
        .iter()
        .map(|s| {
            json!({
                "id": s.search.id.0, "stream": s.stream, "source": s.search.source,
                "kind": format!("{:?}", s.search.kind).to_lowercase(), "platform": s.search.platform,
                "query": s.search.query, "run_date": s.search.run_date, "limits": s.search.limits,
                "hits_reported": s.search.hits_reported, "records": s.n_records,
                "files": s.files.iter().map(|f| json!({ "name": f.file_name, "format": f.format, "records": f.n_records, "sha256": f.sha256 })).collect::<Vec<_>>(),
                "warnings": s.diagnostics.iter().map(|(file, d)| format!("{file}: {d}")).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "searches": out })).into_response())
}

/// Records a search and imports its files, all or nothing: the search form of the page, as
/// multipart (`source`, optional `stream`, `kind`, `platform`, `query`, `run_date`, `limits`,
/// `hits`, and one `files` part per export file).
async fn add_search(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let dir = tempfile::tempdir()
        .map_err(|source| api(ServiceError::Io { path: "a temporary directory".into(), source }))?;
    let (_, mut spec, files) =
        crate::pages::searches::read_search_form(&mut multipart, dir.path()).await.map_err(api)?;
    if files.is_empty() {
        spec.without_export = true;
    }
    let report = service.add_search(&actor, &spec, &files).await.map_err(api)?;
    let out: Vec<Value> = report
        .files
        .iter()
        .map(|f| {
            json!({
                "name": f.file_name, "format": f.format, "records": f.n_records,
                "warnings": f.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "search": report.search.id.0, "source": report.search.source, "files": out }))
        .into_response())
}

async fn import_decisions(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    mut multipart: axum::extract::Multipart,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let (_, spec, upload) = crate::pages::settings::read_decisions_form(&mut multipart).await.map_err(api)?;
    let Some((file_name, bytes)) = upload else {
        return Err(api(WebError::BadRequest("file: send the exported decisions file".into())));
    };
    let r = service.import_decision_bytes(&actor, &bytes, &file_name, &spec).await.map_err(api)?;
    Ok(Json(json!({
        "source": r.source, "rows": r.n_rows, "votes": r.n_votes, "resolutions": r.n_resolutions,
        "already_resolved": r.n_already_resolved, "new_members": r.new_members,
        "unmatched": r.unmatched.iter().map(|(line, what)| json!({ "line": line, "identifier": what })).collect::<Vec<_>>(),
        "warnings": r.diagnostics.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
    }))
    .into_response())
}

async fn duplicates(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StreamQuery>,
) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let pending = service.dedup_pending(q.stream.as_deref()).await.map_err(api)?;
    let out: Vec<Value> = pending
        .iter()
        .map(|p| {
            json!({
                "pair": p.pair.id.0, "score": p.pair.score, "rule": p.pair.rule,
                "a": { "record": p.a.id.0, "source": p.source_a, "reference": record_json(&p.a) },
                "b": { "record": p.b.id.0, "source": p.source_b, "reference": record_json(&p.b) },
            })
        })
        .collect();
    Ok(Json(json!({ "pairs": out })).into_response())
}

fn protocol_json(r: &sift_domain::Review) -> Value {
    json!({ "slug": r.slug, "title": r.title, "type": r.review_type.as_str(), "question": r.question })
}

async fn protocol(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    Ok(Json(protocol_json(service.review())).into_response())
}

#[derive(Deserialize)]
pub struct ProtocolBody {
    title: Option<String>,
    #[serde(rename = "type")]
    review_type: Option<String>,
    question: Option<String>,
}

async fn set_protocol(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<ProtocolBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let review_type = match body.review_type.as_deref() {
        Some(t) => Some(t.parse().map_err(|e| api(WebError::BadRequest(format!("type: {e}"))))?),
        None => None,
    };
    let change = ProtocolChange { title: body.title, review_type, question: body.question };
    let updated = service.set_protocol(&actor, &change).await.map_err(api)?;
    let out = protocol_json(updated.review());
    state.reviews.refresh(updated);
    Ok(Json(out).into_response())
}

async fn streams(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let streams = service.streams().await.map_err(api)?;
    let out: Vec<Value> = streams
        .into_iter()
        .map(|s| json!({ "name": s.name, "description": s.description, "default": s.is_default }))
        .collect();
    Ok(Json(json!({ "streams": out })).into_response())
}

#[derive(Deserialize)]
pub struct StreamBody {
    name: String,
    description: Option<String>,
}

async fn add_stream(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<StreamBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let stream = service.add_stream(&actor, &body.name, body.description.as_deref()).await.map_err(api)?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "name": stream.name, "description": stream.description, "default": stream.is_default })),
    )
        .into_response())
}

/// The whole review as an archive (owners): JSON Lines, as `sift export --archive` writes it.
async fn archive(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let mut bytes = Vec::new();
    service.export_archive(&actor, &mut bytes).await.map_err(api)?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/jsonl; charset=utf-8")], bytes).into_response())
}

#[derive(Deserialize)]
pub struct FindQuery {
    q: String,
    /// The first match to return (0-based); the response's `total` says how many match.
    #[serde(default)]
    offset: i64,
}

/// Records by DOI, PMID or title words, each with what became of it (resolved decisions only).
async fn find_records(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<FindQuery>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let (traces, total) = service.trace_records(&actor, &q.q, q.offset).await.map_err(api)?;
    let decision = |d: &Option<(sift_domain::screening::Decision, Option<String>)>| {
        d.as_ref().map(|(d, reason)| json!({ "decision": d.to_string(), "reason": reason }))
    };
    let out: Vec<Value> = traces
        .iter()
        .map(|t| {
            json!({
                "record": t.record.id.0,
                "title": t.record.reference.title,
                "doi": t.record.reference.doi,
                "pmid": t.record.reference.pmid,
                "source": t.source,
                "stream": t.stream,
                "citation": t.citation.map(|c| c.0),
                "merged_with": t.merged_with.iter().map(|m| m.0).collect::<Vec<_>>(),
                "title_abstract": decision(&t.title_abstract),
                "full_text": decision(&t.full_text),
                "not_retrieved": t.not_retrieved,
                "study": t.study,
                "outcome": t.outcome(),
            })
        })
        .collect();
    Ok(Json(json!({ "total": total, "offset": q.offset.max(0), "records": out })).into_response())
}

/// A stream's included reports grouped by study; a report linked to no study is one of its own.
async fn studies(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StreamQuery>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let reports = service.included_reports(&actor, q.stream.as_deref()).await.map_err(api)?;
    let out: Vec<Value> = reports
        .into_iter()
        .map(|(r, study)| {
            let x = &r.record.reference;
            json!({
                "citation": r.citation.0,
                "study": study,
                "title": x.title,
                "first_author": x.author_strings().first(),
                "year": x.year,
            })
        })
        .collect();
    Ok(Json(json!({ "reports": out })).into_response())
}

#[derive(Deserialize)]
pub struct StudyBody {
    study: String,
    citations: Vec<i64>,
}

/// Links included reports to one study (reviewers); a report in another study moves.
async fn link_study(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<StudyBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    service.link_study(&actor, &body.study, &body.citations).await.map_err(api)?;
    Ok(Json(json!({ "study": body.study.trim(), "citations": body.citations })).into_response())
}

/// Takes a report out of its study (reviewers).
async fn unlink_study(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let study = service.unlink_study(&actor, citation).await.map_err(api)?;
    Ok(Json(json!({ "citation": citation, "was_in": study })).into_response())
}

async fn tables(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let specs = service.report_tables().await.map_err(api)?;
    Ok(Json(json!({ "tables": specs })).into_response())
}

/// Stores table specs (owners): the body is `{"tables": [...]}`, as `docs/tables.md` writes them.
async fn add_tables(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let stored = service.set_report_tables(&actor, &body.to_string()).await.map_err(api)?;
    Ok((StatusCode::CREATED, Json(json!({ "stored": stored }))).into_response())
}

/// One table built from the form's current consensus values: its spec, columns, rows (a row
/// is a list of cells, or `{"group": heading}`), footnotes, and the table as Markdown.
async fn table(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, name)): Path<(String, String)>,
) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let built = service.characteristics_table(&name).await.map_err(api)?;
    let spec = service.report_tables().await.map_err(api)?.into_iter().find(|t| t.name == name);
    let rows: Vec<Value> = built
        .rows
        .iter()
        .map(|row| match row {
            sift_report::tables::Row::Cells(cells) => json!(cells),
            sift_report::tables::Row::Group(heading) => json!({ "group": heading }),
        })
        .collect();
    Ok(Json(json!({
        "spec": spec,
        "title": built.title,
        "columns": built.columns.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        "rows": rows,
        "footnotes": built.footnotes,
        "markdown": sift_report::tables::to_markdown(&built),
    }))
    .into_response())
}

async fn remove_table(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, name)): Path<(String, String)>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    service.remove_report_table(&actor, &name).await.map_err(api)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn analyses(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let specs = service.report_analyses().await.map_err(api)?;
    Ok(Json(json!({ "analyses": specs })).into_response())
}

/// Stores analysis specs (owners): the body is `{"analyses": [...]}`, as `docs/meta.md` writes them.
async fn add_analyses(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let stored = service.set_report_analyses(&actor, &body.to_string()).await.map_err(api)?;
    Ok((StatusCode::CREATED, Json(json!({ "stored": stored }))).into_response())
}

/// Runs one stored analysis on the form's current consensus values: every number.
async fn analysis(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, name)): Path<(String, String)>,
) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let (spec, analysis) = service.run_analysis(&name).await.map_err(api)?;
    Ok(Json(json!({ "spec": spec, "analysis": analysis, "summary": analysis.summary() })).into_response())
}

async fn remove_analysis(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, name)): Path<(String, String)>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    service.remove_report_analysis(&actor, &name).await.map_err(api)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
pub struct DedupBody {
    stream: Option<String>,
    #[serde(default)]
    merge_conference_abstracts: bool,
}

async fn run_dedup(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<DedupBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let policy = DedupPolicy { merge_conference_abstracts: body.merge_conference_abstracts };
    let r = service.dedup(&actor, body.stream.as_deref(), policy).await.map_err(api)?;
    Ok(Json(json!({
        "stream": r.stream, "records": r.n_records, "new_records": r.n_new_records,
        "citations": r.n_citations, "duplicates_removed": r.n_duplicates_removed,
        "joined_existing": r.n_joined_existing, "automatic_merges": r.n_automatic_merges,
        "newly_queued": r.n_newly_queued, "pending": r.n_pending,
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct DuplicateBody {
    /// `same` or `different`.
    decision: String,
}

async fn decide_duplicate(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, pair)): Path<(String, i64)>,
    Json(body): Json<DuplicateBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let same = match body.decision.as_str() {
        "same" => true,
        "different" => false,
        other => {
            return Err(api(WebError::BadRequest(format!(
                "decision: \"same\" or \"different\", not {other:?}"
            ))));
        }
    };
    let decided = service.dedup_decide(&actor, pair, same).await.map_err(api)?;
    Ok(Json(json!({ "pair": decided.id.0, "decision": decided.status, "decided_by": decided.decided_by }))
        .into_response())
}

#[derive(Deserialize)]
pub struct NotRetrievedBody {
    reason: String,
}

async fn not_retrieved(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    Json(body): Json<NotRetrievedBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    service.fulltext_missing(&actor, citation, &body.reason).await.map_err(api)?;
    Ok(Json(json!({ "citation": citation, "status": "not_retrieved", "reason": body.reason.trim() }))
        .into_response())
}

async fn stages(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let stages = service.stages().await.map_err(api)?;
    let out: Vec<Value> = stages.iter().map(stage_json).collect();
    Ok(Json(json!({ "stages": out })).into_response())
}

fn stage_json(s: &sift_domain::screening::StageSettings) -> Value {
    json!({
        "stage": s.stage.as_str(), "reviewers_required": s.reviewers_required,
        "blinded": s.blinded, "auto_resolve_agreement": s.auto_resolve_agreement,
    })
}

#[derive(Deserialize)]
pub struct StageBody {
    stage: String,
    reviewers_required: u8,
    blinded: bool,
    #[serde(default = "yes")]
    auto_resolve_agreement: bool,
}

fn yes() -> bool {
    true
}

async fn set_stage(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<StageBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let settings = sift_domain::screening::StageSettings {
        stage: parse_stage(Some(&body.stage)).map_err(api)?,
        reviewers_required: body.reviewers_required,
        blinded: body.blinded,
        auto_resolve_agreement: body.auto_resolve_agreement,
    };
    service.set_stage(&actor, &settings).await.map_err(api)?;
    Ok(Json(stage_json(&settings)).into_response())
}

async fn criteria(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let criteria = service.criteria().await.map_err(api)?;
    let out: Vec<Value> = criteria
        .iter()
        .map(|c| json!({ "position": c.position, "label": c.label, "description": c.description }))
        .collect();
    Ok(Json(json!({ "criteria": out })).into_response())
}

#[derive(Deserialize)]
pub struct CriterionBody {
    label: String,
    description: Option<String>,
}

async fn add_criterion(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<CriterionBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    service.add_criterion(&actor, &body.label, body.description.as_deref()).await.map_err(api)?;
    Ok(Json(json!({ "label": body.label.trim(), "description": body.description })).into_response())
}

/// A full text as the request body (`Content-Type: application/pdf`).
async fn upload_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    body: axum::body::Bytes,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    if body.is_empty() {
        return Err(api(WebError::BadRequest("send the PDF as the request body".into())));
    }
    // The service reads attachments from a path, as the CLI does.
    let dir = tempfile::tempdir()
        .map_err(|source| api(ServiceError::Io { path: "a temporary directory".into(), source }))?;
    let path = dir.path().join("fulltext.pdf");
    std::fs::write(&path, &body)
        .map_err(|source| api(ServiceError::Io { path: path.display().to_string(), source }))?;
    let result = service.fulltext_attach(&actor, citation, &path).await;
    drop(dir);
    result.map_err(api)?;
    Ok(Json(json!({ "citation": citation, "status": "attached", "bytes": body.len() })).into_response())
}

async fn report_files(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let bundle = service.report_bundle(&actor).await.map_err(api)?;
    let files: Vec<Value> = bundle
        .files
        .iter()
        .map(|f| json!({ "path": f.path, "description": f.what, "bytes": f.bytes.len() }))
        .collect();
    Ok(Json(json!({ "files": files, "problems": bundle.problems })).into_response())
}

async fn report_file(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, path)): Path<(String, String)>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let bundle = service.report_bundle(&actor).await.map_err(api)?;
    let file = bundle.files.into_iter().find(|f| f.path == path).ok_or_else(|| {
        api(ServiceError::NotFound {
            what: "report file",
            key: path.clone(),
            hint: "; GET .../report lists them".into(),
        })
    })?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, crate::pages::reports::content_type(&path).to_string()),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        file.bytes,
    )
        .into_response())
}

async fn members(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let members = service.members().await.map_err(api)?;
    let out: Vec<Value> = members
        .iter()
        .map(|m| json!({ "name": m.name, "role": m.role.as_str(), "resolver": m.resolver }))
        .collect();
    Ok(Json(json!({ "members": out })).into_response())
}

#[derive(Deserialize)]
pub struct InviteBody {
    name: String,
    role: String,
    #[serde(default)]
    resolver: bool,
}

async fn invite(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<InviteBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let role = body.role.parse().map_err(|e| api(WebError::BadRequest(format!("{e}"))))?;
    let invitation = state
        .accounts
        .invite(&auth.session.account, &service, &body.name, role, body.resolver)
        .await
        .map_err(api)?;
    Ok(Json(json!({
        "name": invitation.member, "role": invitation.role.as_str(), "resolver": invitation.resolver,
        "invite_path": invitation.link_token.map(|t| format!("/invite/{t}")),
    }))
    .into_response())
}

async fn keywords(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let (include, exclude) = service.keywords().await.map_err(api)?;
    Ok(Json(json!({ "include": include, "exclude": exclude })).into_response())
}

#[derive(Deserialize)]
pub struct KeywordsBody {
    #[serde(default)]
    include: Vec<String>,
    #[serde(default)]
    exclude: Vec<String>,
}

async fn set_keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<KeywordsBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    service.set_keywords(&actor, &body.include, &body.exclude).await.map_err(api)?;
    let (include, exclude) = service.keywords().await.map_err(api)?;
    Ok(Json(json!({ "include": include, "exclude": exclude })).into_response())
}

async fn openapi_json(_headers: HeaderMap) -> Json<Value> {
    Json(openapi())
}

/// The OpenAPI 3 document of this API.
pub fn openapi() -> Value {
    let slug = json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string" }, "description": "the review's slug" });
    let stage = json!({ "name": "stage", "in": "query", "schema": { "type": "string", "enum": ["title-abstract", "full-text"], "default": "title-abstract" } });
    let stream = json!({ "name": "stream", "in": "query", "schema": { "type": "string" }, "description": "a stream name; the default stream when absent" });
    let citation =
        json!({ "name": "citation", "in": "path", "required": true, "schema": { "type": "integer" } });
    let form = json!({ "name": "form", "in": "path", "required": true, "schema": { "type": "string" }, "description": "a form's name" });
    let ok = |what: &str| json!({ "200": { "description": what, "content": { "application/json": { "schema": { "type": "object" } } } }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Error" } });
    let body = |props: Value, required: Value| json!({ "required": true, "content": { "application/json": { "schema": { "type": "object", "properties": props, "required": required } } } });
    let definition = body(
        json!({ "definition": { "type": "string", "description": "TOML or JSON, as in docs/forms.md" } }),
        json!(["definition"]),
    );
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Sift API",
            "version": "1",
            "description": "The web app's use cases for scripts. Every call is authorised as the logged-in member; while a stage is blinded no response reveals another reviewer's vote."
        },
        "servers": [{ "url": "/api/v1" }],
        "security": [{ "bearer": [] }, { "cookie": [] }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "description": "a token from POST /login" },
                "cookie": { "type": "apiKey", "in": "cookie", "name": "sift_session", "description": "the browser session; changes need the X-CSRF-Token header" }
            },
            "responses": {
                "Error": { "description": "an error the caller can read", "content": { "application/json": { "schema": { "type": "object", "properties": { "error": { "type": "string" }, "status": { "type": "integer" } } } } } }
            }
        },
        "paths": {
            "/openapi.json": { "get": { "summary": "This document", "security": [], "responses": { "200": { "description": "OpenAPI 3 document" } } } },
            "/login": { "post": {
                "summary": "Log in; returns a bearer token", "security": [],
                "requestBody": body(json!({ "username": { "type": "string" }, "password": { "type": "string" } }), json!(["username", "password"])),
                "responses": { "200": { "description": "token, username, expires_in_seconds" }, "401": { "$ref": "#/components/responses/Error" }, "429": { "$ref": "#/components/responses/Error" } }
            } },
            "/logout": { "post": { "summary": "End this token's session", "responses": ok("logged out") } },
            "/reviews": {
                "get": { "summary": "Reviews you are a member of, with your role", "responses": ok("reviews") },
                "post": {
                    "summary": "Create a review, with you as its owner (the server's administrator; a data directory or a database server)",
                    "requestBody": body(json!({ "title": { "type": "string" }, "slug": { "type": "string", "description": "short name: a letter or digit, then letters, digits, '-', '_' or '.'" }, "type": { "type": "string", "enum": ["systematic", "scoping", "rapid", "umbrella"], "default": "systematic" }, "question": { "type": "string" } }), json!(["title", "slug"])),
                    "responses": { "201": { "description": "the new review" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" }, "409": { "$ref": "#/components/responses/Error" } }
                }
            },
            "/reviews/{slug}/progress": { "get": { "summary": "Progress at a stage: counts per reviewer, never decisions", "parameters": [slug, stage, stream], "responses": ok("progress") } },
            "/reviews/{slug}/next": { "get": { "summary": "The next citation waiting for you", "parameters": [slug, stage, stream], "responses": ok("the next citation, or citation null") } },
            "/reviews/{slug}/citations/{citation}": { "get": { "summary": "One citation with the votes you may see", "parameters": [slug, citation, stage], "responses": ok("citation") } },
            "/reviews/{slug}/votes": { "post": {
                "summary": "Vote on a citation (a new vote replaces yours until the citation is resolved)",
                "parameters": [slug],
                "requestBody": body(json!({ "citation": { "type": "integer" }, "stage": { "type": "string" }, "decision": { "type": "string", "enum": ["include", "exclude", "maybe"] }, "reason": { "type": "string" }, "custom_reason": { "type": "boolean" }, "note": { "type": "string" } }), json!(["citation", "decision"])),
                "responses": ok("the vote's outcome as you may see it")
            } },
            "/reviews/{slug}/conflicts": { "get": { "summary": "Citations waiting for a resolver (resolvers only)", "parameters": [slug, stage, stream], "responses": ok("conflicts with every vote") } },
            "/reviews/{slug}/resolutions": { "post": {
                "summary": "Resolve a citation (resolvers only)",
                "parameters": [slug],
                "requestBody": body(json!({ "citation": { "type": "integer" }, "stage": { "type": "string" }, "decision": { "type": "string", "enum": ["include", "exclude"] }, "reason": { "type": "string" }, "method": { "type": "string", "enum": ["third-reviewer", "consensus"] } }), json!(["citation", "decision"])),
                "responses": ok("the resolution")
            } },
            "/reviews/{slug}/flow": {
                "get": { "summary": "The PRISMA counts and flow diagram (SVG) of a stream, and whether its counts were typed in", "parameters": [slug, stream], "responses": ok("counts, typed_in and svg") },
                "put": {
                    "summary": "Type in a stream's counts (TOML or CSV, docs/flow.md; checked before they are stored), or return it to the records' counts with counts null (owners)",
                    "parameters": [slug],
                    "requestBody": body(json!({ "stream": { "type": "string" }, "counts": { "type": "string", "nullable": true } }), json!(["counts"])),
                    "responses": ok("the stream and whether its counts are typed in")
                }
            },
            "/reviews/{slug}/searches": { "get": { "summary": "A stream's searches with their files, record counts and import warnings", "parameters": [slug, stream], "responses": ok("searches") } },
            "/reviews/{slug}/duplicates": { "get": { "summary": "Possible duplicate pairs waiting for a person, best first (reviewers)", "parameters": [slug, stream], "responses": ok("pairs") } },
            "/reviews/{slug}/protocol": {
                "get": { "summary": "The review's title, type and question", "parameters": [slug], "responses": ok("slug, title, type, question") },
                "put": {
                    "summary": "Change the review's title, type or question (owners); absent fields stay, an empty question is removed",
                    "parameters": [slug],
                    "requestBody": body(json!({ "title": { "type": "string" }, "type": { "type": "string", "enum": ["systematic", "scoping", "rapid", "umbrella"] }, "question": { "type": "string" } }), json!([])),
                    "responses": ok("the review as it now stands")
                }
            },
            "/reviews/{slug}/decisions": { "post": {
                "summary": "Import screening decisions made in Rayyan, Covidence, ASReview or a spreadsheet (owners)",
                "parameters": [slug],
                "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "properties": {
                    "file": { "type": "string", "format": "binary" },
                    "source": { "type": "string", "enum": ["csv", "asreview", "rayyan", "covidence"], "description": "detected when absent" },
                    "stream": { "type": "string" },
                    "stage": { "type": "string", "enum": ["title-abstract", "full-text"], "description": "for rows that do not say" },
                    "decision": { "type": "string", "enum": ["include", "exclude"], "description": "the decision of every row, for a list that is all one" },
                    "as_resolutions": { "type": "string", "description": "present: rows without a reviewer are final decisions" }
                }, "required": ["file"] } } } },
                "responses": ok("rows, votes, resolutions, already_resolved, new_members, unmatched, warnings")
            } },
            "/reviews/{slug}/streams": {
                "get": { "summary": "The review's screening streams", "parameters": [slug], "responses": ok("streams") },
                "post": {
                    "summary": "Add a stream (owners): its own searches, screening and flow diagram",
                    "parameters": [slug],
                    "requestBody": body(json!({ "name": { "type": "string" }, "description": { "type": "string" } }), json!(["name"])),
                    "responses": { "201": { "description": "the new stream" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" }, "409": { "$ref": "#/components/responses/Error" } }
                }
            },
            "/reviews/{slug}/dedup": { "post": {
                "summary": "Find duplicates in a stream's records (reviewers): certain ones merged, uncertain pairs queued; the records become citations",
                "parameters": [slug],
                "requestBody": body(json!({ "stream": { "type": "string" }, "merge_conference_abstracts": { "type": "boolean", "default": false } }), json!([])),
                "responses": ok("counts: records, new_records, citations, duplicates_removed, joined_existing, automatic_merges, newly_queued, pending")
            } },
            "/reviews/{slug}/duplicates/{pair}": { "post": {
                "summary": "Decide a possible duplicate pair (same merges the citations)",
                "parameters": [slug, { "name": "pair", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "requestBody": body(json!({ "decision": { "type": "string", "enum": ["same", "different"] } }), json!(["decision"])),
                "responses": ok("the decided pair")
            } },
            "/reviews/{slug}/fulltexts/{citation}/not-retrieved": { "post": {
                "summary": "Record that a citation's full text could not be retrieved",
                "parameters": [slug, citation],
                "requestBody": body(json!({ "reason": { "type": "string" } }), json!(["reason"])),
                "responses": ok("the full-text status")
            } },
            "/reviews/{slug}/members": {
                "get": { "summary": "The review's members, roles and resolvers", "parameters": [slug], "responses": ok("members") },
                "post": {
                    "summary": "Invite a member or change a member's role (owners); returns a one-time invitation path for a new account",
                    "parameters": [slug],
                    "requestBody": body(json!({ "name": { "type": "string" }, "role": { "type": "string", "enum": ["owner", "reviewer", "viewer"] }, "resolver": { "type": "boolean" } }), json!(["name", "role"])),
                    "responses": ok("the member, and invite_path when a new account is needed")
                }
            },
            "/reviews/{slug}/keywords": {
                "get": { "summary": "The review's highlight keywords", "parameters": [slug], "responses": ok("include and exclude words") },
                "post": {
                    "summary": "Replace the review's highlight keywords (owners); a trailing * matches word starts",
                    "parameters": [slug],
                    "requestBody": body(json!({ "include": { "type": "array", "items": { "type": "string" } }, "exclude": { "type": "array", "items": { "type": "string" } } }), json!([])),
                    "responses": ok("the keywords now")
                }
            },
            "/reviews/{slug}/forms": {
                "get": { "summary": "The review's extraction forms with their fields", "parameters": [slug], "responses": ok("forms") },
                "post": { "summary": "Add a form from its TOML or JSON definition (owners)", "parameters": [slug], "requestBody": definition, "responses": ok("the form added") }
            },
            "/reviews/{slug}/forms/{form}/progress": { "get": { "summary": "Citations charted complete per charter (counts only) and settled", "parameters": [slug, form], "responses": ok("progress") } },
            "/reviews/{slug}/chart/{form}/{citation}": {
                "get": { "summary": "Your own charted values of a citation (never another charter's)", "parameters": [slug, form, citation], "responses": ok("values and complete") },
                "put": {
                    "summary": "Chart values for a citation as yourself, merged into your earlier ones",
                    "parameters": [slug, form, citation],
                    "requestBody": body(json!({ "values": { "type": "object", "description": "field key (or group[N].sub) to a value as typed: \"31/32\" for a pair, a list of choices, a group's rows as an array of objects; null clears", "additionalProperties": true }, "complete": { "type": "boolean" } }), json!(["values"])),
                    "responses": ok("your values")
                }
            },
            "/reviews/{slug}/chart/{form}/{citation}/compare": { "get": { "summary": "The charters' values side by side (resolvers, or anyone when charting is not blinded)", "parameters": [slug, form, citation], "responses": ok("fields with each charter's value") } },
            "/reviews/{slug}/chart/{form}/{citation}/consensus": { "post": {
                "summary": "Settle a citation's consensus values (resolvers)",
                "parameters": [slug, form, citation],
                "requestBody": body(json!({ "from": { "type": "string", "description": "a charter whose values to start from" }, "values": { "type": "object", "additionalProperties": true } }), json!([])),
                "responses": ok("the consensus values")
            } },
            "/reviews/{slug}/appraisal-tools": {
                "get": { "summary": "Appraisal tools: the built-in ones and the review's own", "parameters": [slug], "responses": ok("tools") },
                "post": { "summary": "Add the review's own appraisal tool from its TOML or JSON definition (owners)", "parameters": [slug], "requestBody": definition, "responses": ok("the tool added") }
            },
            "/reviews/{slug}/appraisals": {
                "get": { "summary": "Appraisals: your own; owners and resolvers see everyone's", "parameters": [slug], "responses": ok("appraisals") },
                "post": {
                    "summary": "Record your appraisal of a citation with a tool",
                    "parameters": [slug],
                    "requestBody": body(json!({ "citation": { "type": "integer" }, "tool": { "type": "string" }, "judgements": { "type": "object", "additionalProperties": { "type": "string" } }, "answers": { "type": "object", "additionalProperties": { "type": "string" } }, "overall": { "type": "string" }, "notes": { "type": "string" } }), json!(["citation", "tool"])),
                    "responses": ok("the appraisal recorded")
                }
            },
            "/reviews/{slug}/levels": {
                "get": { "summary": "Levels of evidence per citation", "parameters": [slug], "responses": ok("levels") },
                "post": { "summary": "Grade a citation's Oxford CEBM 2011 level (1-5)", "parameters": [slug], "requestBody": body(json!({ "citation": { "type": "integer" }, "level": { "type": "string", "enum": ["1", "2", "3", "4", "5"] } }), json!(["citation", "level"])), "responses": ok("the level") }
            }
        }
    });
    // Settings, full-text upload and the report: added here to keep the literal above
    // within the macro's depth.
    let paths = &mut doc["paths"];
    paths["/reviews/{slug}/stages"] = json!({
        "get": { "summary": "Each stage's settings: reviewers per citation, blinding, automatic resolution", "parameters": [slug], "responses": ok("stages") },
        "post": {
            "summary": "Change a stage's settings (owners)",
            "parameters": [slug],
            "requestBody": body(json!({ "stage": { "type": "string", "enum": ["title-abstract", "full-text"] }, "reviewers_required": { "type": "integer", "minimum": 1, "maximum": 5 }, "blinded": { "type": "boolean" }, "auto_resolve_agreement": { "type": "boolean", "default": true } }), json!(["stage", "reviewers_required", "blinded"])),
            "responses": ok("the stage's settings now")
        }
    });
    paths["/reviews/{slug}/searches"]["post"] = json!({
        "summary": "Record a search and import its export files, all or nothing (owners)",
        "parameters": [slug],
        "requestBody": { "required": true, "content": { "multipart/form-data": { "schema": { "type": "object", "required": ["source"], "properties": {
            "source": { "type": "string" }, "stream": { "type": "string" },
            "kind": { "type": "string", "enum": ["database", "register", "other"] }, "platform": { "type": "string" },
            "query": { "type": "string" }, "run_date": { "type": "string" }, "limits": { "type": "string" },
            "hits": { "type": "integer" }, "updates": { "type": "integer", "description": "the earlier search this one re-runs (living reviews)" }, "found_in": { "type": "integer", "description": "other methods: the citation whose reference list the records came from" }, "files": { "type": "array", "items": { "type": "string", "format": "binary" } }
        } } } } },
        "responses": ok("the search and each file's records and warnings")
    });
    paths["/reviews/{slug}/criteria"] = json!({
        "get": { "summary": "The eligibility criteria, in order; they are the exclusion reasons", "parameters": [slug], "responses": ok("criteria") },
        "post": {
            "summary": "Add a criterion (owners)",
            "parameters": [slug],
            "requestBody": body(json!({ "label": { "type": "string" }, "description": { "type": "string" } }), json!(["label"])),
            "responses": ok("the criterion added")
        }
    });
    paths["/reviews/{slug}/fulltexts/{citation}/pdf"] = json!({
        "put": {
            "summary": "Attach a citation's full text: the PDF is the request body",
            "parameters": [slug, citation],
            "requestBody": { "required": true, "content": { "application/pdf": { "schema": { "type": "string", "format": "binary" } } } },
            "responses": ok("the full-text status")
        }
    });
    paths["/reviews/{slug}/report"] = json!({
        "get": { "summary": "The files of the review's report (as `sift report` writes them), and problems found drawing it", "parameters": [slug], "responses": ok("files with path, description and size") }
    });
    paths["/reviews/{slug}/archive"] = json!({
        "get": {
            "summary": "The whole review as an archive, JSON Lines (owners; docs/archive.md): restore it with `sift import --archive`",
            "parameters": [slug],
            "responses": { "200": { "description": "the archive", "content": { "application/jsonl": { "schema": { "type": "string" } } } }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" } }
        }
    });
    paths["/reviews/{slug}/records"] = json!({
        "get": {
            "summary": "Records found by a DOI, a PMID, words of the title or abstract or an author's name (50 from `offset`; `total` says how many match), each with its search, duplicates, resolved decisions, study and outcome",
            "parameters": [slug, { "name": "q", "in": "query", "required": true, "schema": { "type": "string" } }, { "name": "offset", "in": "query", "required": false, "schema": { "type": "integer" } }],
            "responses": ok("records")
        }
    });
    paths["/reviews/{slug}/studies"] = json!({
        "get": { "summary": "A stream's reports included at full text, each with the study it is linked to (null: a study of its own)", "parameters": [slug, stream], "responses": ok("reports") },
        "post": {
            "summary": "Link included reports of one stream to one study, made on first use (reviewers); a report in another study moves, and a study left empty is dropped",
            "parameters": [slug],
            "requestBody": body(json!({ "study": { "type": "string" }, "citations": { "type": "array", "items": { "type": "integer" } } }), json!(["study", "citations"])),
            "responses": ok("the study and its linked citations")
        }
    });
    paths["/reviews/{slug}/studies/reports/{citation}"] = json!({
        "delete": { "summary": "Take a report out of its study (reviewers): it counts as a study of its own again", "parameters": [slug, citation], "responses": ok("the citation and the study it was in") }
    });
    let table_name = json!({ "name": "name", "in": "path", "required": true, "schema": { "type": "string" }, "description": "the table's name" });
    paths["/reviews/{slug}/tables"] = json!({
        "get": { "summary": "The review's study-characteristics table specs (docs/tables.md)", "parameters": [slug], "responses": ok("tables") },
        "post": {
            "summary": "Store table specs (owners); one of the same name is replaced; every field, stream and mark is checked against the review",
            "parameters": [slug],
            "requestBody": body(json!({ "tables": { "type": "array", "items": { "type": "object" }, "description": "name, form, columns, and optionally title, stream, sort, group_by, footnotes" } }), json!(["tables"])),
            "responses": { "201": { "description": "the names stored" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" } }
        }
    });
    paths["/reviews/{slug}/tables/{name}"] = json!({
        "get": { "summary": "One table built from the form's current consensus values: spec, title, columns, rows (cells, or {group}), footnotes, and Markdown", "parameters": [slug, table_name.clone()], "responses": ok("the table") },
        "delete": {
            "summary": "Remove a table (owners)",
            "parameters": [slug, table_name],
            "responses": { "204": { "description": "removed" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Error" } }
        }
    });
    let name = json!({ "name": "name", "in": "path", "required": true, "schema": { "type": "string" }, "description": "the analysis's name" });
    paths["/reviews/{slug}/analyses"] = json!({
        "get": { "summary": "The review's meta-analysis specs (docs/meta.md)", "parameters": [slug], "responses": ok("analyses") },
        "post": {
            "summary": "Store meta-analysis specs (owners); one of the same name is replaced; every key is checked against the review",
            "parameters": [slug],
            "requestBody": body(json!({ "analyses": { "type": "array", "items": { "type": "object" }, "description": "name, form, measure, and optionally title, stream, method, test, pooling, subgroup, moderators, columns, level, leave_one_out" } }), json!(["analyses"])),
            "responses": { "201": { "description": "the names stored" }, "400": { "$ref": "#/components/responses/Error" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" } }
        }
    });
    paths["/reviews/{slug}/analyses/{name}"] = json!({
        "get": { "summary": "Run one analysis on the form's current consensus values: its spec, every number, and the results as text", "parameters": [slug, name.clone()], "responses": ok("spec, analysis, summary") },
        "delete": {
            "summary": "Remove an analysis (owners)",
            "parameters": [slug, name],
            "responses": { "204": { "description": "removed" }, "401": { "$ref": "#/components/responses/Error" }, "403": { "$ref": "#/components/responses/Error" }, "404": { "$ref": "#/components/responses/Error" } }
        }
    });
    paths["/reviews/{slug}/report/{path}"] = json!({
        "get": {
            "summary": "One file of the report, by its path (e.g. flow/default.svg)",
            "parameters": [slug, { "name": "path", "in": "path", "required": true, "schema": { "type": "string" } }],
            "responses": { "200": { "description": "the file's bytes, with its content type" }, "404": { "$ref": "#/components/responses/Error" } }
        }
    });
    doc
}
