//! Keyboard-first screening: one record at a time with the criteria beside it, keywords
//! highlighted, position and how many remain; a vote swaps in the next record as an htmx
//! fragment. At the full-text stage the same page attaches a PDF, shows it inline, or records
//! the full text as not retrieved.

use askama::Template;
use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::screening::{Decision, Stage};
use sift_service::{Actor, Permission, Service, ServiceError};

use super::{Nav, parse_stage, render, stage_label, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::highlight::highlight;
use crate::state::AppState;

/// A vote as the screener may see it.
pub struct VoteLine {
    pub reviewer: String,
    pub decision: String,
    pub reason: String,
    pub note: String,
}

/// The record panel: the part of the page a vote replaces.
pub struct Panel {
    pub slug: String,
    pub csrf: String,
    pub stage: &'static str,
    pub stage_label: &'static str,
    pub stream: String,
    pub full_text_stage: bool,
    /// `None` when nothing waits for this screener.
    pub citation: Option<i64>,
    pub title_html: String,
    pub abstract_html: String,
    pub authors: String,
    pub journal: String,
    pub year: String,
    pub keywords_html: String,
    pub doi: String,
    pub position: usize,
    pub done: usize,
    pub remaining: usize,
    /// No citation has reached this stage (nothing deduplicated yet, or nothing included).
    pub empty_stage: bool,
    /// The citation voted on just before, for "back" (U).
    pub last: Option<i64>,
    pub revisiting: bool,
    /// The screener's own current vote on this citation, as text ("" when none).
    pub own_vote: String,
    /// The stage's final decision, when the citation is resolved ("" otherwise).
    pub resolved: String,
    pub votes: Vec<VoteLine>,
    pub reasons: Vec<String>,
    pub fulltext_status: String,
    pub has_pdf: bool,
    pub message: Option<String>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "screen.html")]
struct ScreenPage {
    nav: Nav,
    panel: Panel,
    criteria: Vec<(String, String)>,
    include_words: String,
    exclude_words: String,
}

#[derive(Template)]
#[template(path = "screen_record.html")]
struct RecordFragment {
    panel: Panel,
}

#[derive(Deserialize)]
pub struct ScreenQuery {
    stage: Option<String>,
    stream: Option<String>,
    citation: Option<i64>,
    last: Option<i64>,
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<ScreenQuery>,
) -> WebResult<Response> {
    let (service, actor, viewer) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let stage = parse_stage(q.stage.as_deref())?;
    let stream = service.stream(q.stream.as_deref()).await?.name;
    let panel = load_panel(auth.csrf(), &service, &actor, stage, &stream, q.citation, q.last).await?;
    let (include, exclude) = service.keywords().await?;
    let criteria =
        service.criteria().await?.into_iter().map(|c| (c.label, c.description.unwrap_or_default())).collect();
    let current = if stage == Stage::FullText { "fulltext" } else { "screen" };
    let page = ScreenPage {
        nav: Nav::review(&auth, &service, &viewer, current),
        panel,
        criteria,
        include_words: include.join(", "),
        exclude_words: exclude.join(", "),
    };
    Ok(render(&page)?.into_response())
}

/// The record panel alone (htmx), for the next record or one to revisit.
pub async fn fragment(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<ScreenQuery>,
) -> WebResult<Response> {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let stage = parse_stage(q.stage.as_deref())?;
    let stream = service.stream(q.stream.as_deref()).await?.name;
    let panel = load_panel(auth.csrf(), &service, &actor, stage, &stream, q.citation, q.last).await?;
    Ok(render(&RecordFragment { panel })?.into_response())
}

#[derive(Deserialize)]
pub struct VoteForm {
    csrf: Option<String>,
    citation: i64,
    stage: Option<String>,
    stream: Option<String>,
    decision: String,
    reason: Option<String>,
    note: Option<String>,
}

pub async fn vote(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    headers: HeaderMap,
    Form(form): Form<VoteForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let stage = parse_stage(form.stage.as_deref())?;
    let stream = service.stream(form.stream.as_deref()).await?.name;
    let decision: Decision = form.decision.parse().map_err(|e| WebError::BadRequest(format!("{e}")))?;
    let reason = form.reason.as_deref().filter(|r| !r.trim().is_empty());
    // A reason that is not one of the criteria was typed by the screener: keep it as custom.
    let custom = match reason {
        Some(r) => !service.criteria().await?.iter().any(|c| c.label.eq_ignore_ascii_case(r.trim())),
        None => false,
    };
    let is_htmx = headers.contains_key("hx-request");
    let outcome =
        service.vote(&actor, form.citation, stage, decision, reason, custom, form.note.as_deref()).await;
    let panel = match outcome {
        Ok(_) => {
            if !is_htmx {
                let to = format!(
                    "/r/{slug}/screen?stage={}&stream={}&last={}",
                    stage.as_str(),
                    url_encode(&stream),
                    form.citation
                );
                return Ok(Redirect::to(&to).into_response());
            }
            let mut panel =
                load_panel(auth.csrf(), &service, &actor, stage, &stream, None, Some(form.citation)).await?;
            panel.message = Some(format!("Voted {decision} on citation {}.", form.citation));
            panel
        }
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict(_))) => {
            let mut panel =
                load_panel(auth.csrf(), &service, &actor, stage, &stream, Some(form.citation), None).await?;
            panel.error = Some(e.to_string());
            if !is_htmx {
                return Ok((StatusCode::BAD_REQUEST, render(&RecordFragment { panel })?).into_response());
            }
            panel
        }
        Err(e) => return Err(e.into()),
    };
    Ok(render(&RecordFragment { panel })?.into_response())
}

#[allow(clippy::too_many_arguments)]
async fn load_panel(
    csrf: &str,
    service: &Service,
    actor: &Actor,
    stage: Stage,
    stream: &str,
    citation: Option<i64>,
    last: Option<i64>,
) -> WebResult<Panel> {
    let next = service.screen_next(actor, Some(stream), stage).await?;
    let (include, exclude) = service.keywords().await?;
    let reasons = service.criteria().await?.into_iter().map(|c| c.label).collect();
    let mut panel = Panel {
        slug: service.review().slug.clone(),
        csrf: csrf.to_string(),
        stage: stage.as_str(),
        stage_label: stage_label(stage),
        stream: stream.to_string(),
        full_text_stage: stage == Stage::FullText,
        citation: None,
        title_html: String::new(),
        abstract_html: String::new(),
        authors: String::new(),
        journal: String::new(),
        year: String::new(),
        keywords_html: String::new(),
        doi: String::new(),
        position: 0,
        done: next.as_ref().map_or(0, |n| n.done),
        remaining: next.as_ref().map_or(0, |n| n.remaining),
        empty_stage: false,
        last,
        revisiting: false,
        own_vote: String::new(),
        resolved: String::new(),
        votes: Vec::new(),
        reasons,
        fulltext_status: String::new(),
        has_pdf: false,
        message: None,
        error: None,
    };
    let wanted = citation.or(next.as_ref().map(|n| n.citation.0));
    let Some(wanted) = wanted else {
        // Nothing waits: say how much this screener did, or that nothing reached the stage.
        let progress = service.progress(actor, Some(stream), stage).await?;
        panel.done =
            progress.per_reviewer.iter().find(|(name, _)| *name == actor.name).map_or(0, |(_, n)| *n);
        panel.empty_stage = progress.n_citations == 0;
        return Ok(panel);
    };
    // The full citation view (votes as the blinding rule allows, full-text status) is needed
    // when revisiting a record and at the full-text stage; the next unseen title/abstract
    // record needs only the record, which keeps the fast path fast.
    let record = if citation.is_some() || stage == Stage::FullText {
        let view = service.citation_view(actor, wanted, stage).await?;
        panel.votes = view
            .votes
            .iter()
            .map(|v| VoteLine {
                reviewer: v.reviewer.clone(),
                decision: v.decision.to_string(),
                reason: v.reason.clone().unwrap_or_default(),
                note: v.note.clone().unwrap_or_default(),
            })
            .collect();
        if let Some(own) = view.votes.iter().find(|v| v.reviewer == actor.name) {
            panel.own_vote = match &own.reason {
                Some(r) => format!("{} ({r})", own.decision),
                None => own.decision.to_string(),
            };
        }
        if let Some(r) = &view.resolution {
            panel.resolved = format!("{} ({})", r.decision, r.method);
        }
        if let Some(f) = &view.fulltext {
            panel.has_pdf = f.sha256.is_some();
            panel.fulltext_status = match (f.status.as_str(), &f.reason) {
                ("not_retrieved", Some(r)) => format!("not retrieved: {r}"),
                ("attached", _) => format!("attached: {}", f.file_name.clone().unwrap_or_default()),
                (s, _) => s.to_string(),
            };
        }
        panel.revisiting = citation.is_some() && next.as_ref().is_none_or(|n| n.citation.0 != wanted);
        view.record
    } else {
        next.as_ref().map(|n| n.record.clone()).expect("the next citation")
    };
    let r = &record.reference;
    panel.citation = Some(wanted);
    panel.position = panel.done + 1;
    panel.title_html = highlight(r.title.as_deref().unwrap_or("(no title)"), &include, &exclude);
    panel.abstract_html = highlight(r.abstract_text.as_deref().unwrap_or(""), &include, &exclude);
    panel.authors = r.author_strings().join("; ");
    panel.journal = r.journal.clone().unwrap_or_default();
    panel.year = r.year.map(|y| y.to_string()).unwrap_or_default();
    panel.keywords_html = highlight(&r.keywords.join("; "), &include, &exclude);
    panel.doi = r.doi.clone().unwrap_or_default();
    Ok(panel)
}

pub async fn pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
) -> WebResult<Response> {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await?;
    let bytes = service.fulltext_pdf(citation).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"citation-{citation}.pdf\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

pub async fn upload_pdf(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let mut csrf = None;
    let mut file: Option<(String, Vec<u8>)> = None;
    while let Some(field) = multipart.next_field().await.map_err(|e| WebError::BadRequest(e.to_string()))? {
        match field.name() {
            Some("csrf") => csrf = Some(field.text().await.map_err(|e| WebError::BadRequest(e.to_string()))?),
            Some("pdf") => {
                let name = field.file_name().unwrap_or("fulltext.pdf").to_string();
                let bytes = field.bytes().await.map_err(|e| WebError::BadRequest(e.to_string()))?;
                file = Some((name, bytes.to_vec()));
            }
            _ => {}
        }
    }
    auth.check_csrf(csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let (name, bytes) = file
        .filter(|(_, b)| !b.is_empty())
        .ok_or_else(|| WebError::BadRequest("choose a PDF file to upload".into()))?;
    // The service reads attachments from a path (as the CLI does); a private temporary
    // directory keeps the original file name.
    let dir = tempfile::tempdir()
        .map_err(|source| ServiceError::Io { path: "a temporary directory".into(), source })?;
    let safe_name: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let path = dir.path().join(if safe_name.is_empty() { "fulltext.pdf".to_string() } else { safe_name });
    std::fs::write(&path, &bytes)
        .map_err(|source| ServiceError::Io { path: path.display().to_string(), source })?;
    let result = service.fulltext_attach(&actor, citation, &path).await;
    drop(dir);
    result?;
    Ok(Redirect::to(&format!("/r/{slug}/screen?stage=full-text&citation={citation}")).into_response())
}

#[derive(Deserialize)]
pub struct MissingForm {
    csrf: Option<String>,
    reason: String,
}

pub async fn not_retrieved(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    Form(form): Form<MissingForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    service.fulltext_missing(&actor, citation, &form.reason).await?;
    Ok(Redirect::to(&format!("/r/{slug}/screen?stage=full-text&citation={citation}")).into_response())
}
