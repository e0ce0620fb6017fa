//! Conflicts: a resolver sees every vote with its reason and note, and decides.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::screening::{Decision, Method, Status};
use sift_service::Permission;

use super::screen::VoteLine;
use super::{Nav, parse_stage, render, stage_label, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

pub struct ConflictLine {
    pub citation: i64,
    pub title: String,
    pub authors: String,
    pub year: String,
    pub journal: String,
    pub abstract_text: String,
    pub state: String,
    pub votes: Vec<VoteLine>,
}

#[derive(Template)]
#[template(path = "conflicts.html")]
struct ConflictsPage {
    nav: Nav,
    stage: &'static str,
    stage_label: &'static str,
    stream: String,
    conflicts: Vec<ConflictLine>,
    reasons: Vec<String>,
    message: Option<String>,
}

#[derive(Deserialize)]
pub struct ConflictsQuery {
    stage: Option<String>,
    stream: Option<String>,
    resolved: Option<i64>,
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<ConflictsQuery>,
) -> WebResult<Response> {
    let (service, actor, viewer) = authorized(&state, &auth, &slug, Permission::Resolve).await?;
    let stage = parse_stage(q.stage.as_deref())?;
    let stream = service.stream(q.stream.as_deref()).await?.name;
    let views = service.conflicts(&actor, Some(&stream), stage).await?;
    let conflicts = views
        .into_iter()
        .map(|v| {
            let r = &v.record.reference;
            ConflictLine {
                citation: v.citation.0,
                title: r.title.clone().unwrap_or_else(|| "(no title)".into()),
                authors: r.author_strings().join("; "),
                year: r.year.map(|y| y.to_string()).unwrap_or_default(),
                journal: r.journal.clone().unwrap_or_default(),
                abstract_text: r.abstract_text.clone().unwrap_or_default(),
                state: match v.status {
                    Some(Status::Agreed(d)) => format!("all voted {d}; confirm"),
                    _ => "the votes disagree".to_string(),
                },
                votes: v
                    .votes
                    .iter()
                    .map(|v| VoteLine {
                        reviewer: v.reviewer.clone(),
                        decision: v.decision.to_string(),
                        reason: v.reason.clone().unwrap_or_default(),
                        note: v.note.clone().unwrap_or_default(),
                    })
                    .collect(),
            }
        })
        .collect();
    let page = ConflictsPage {
        nav: Nav::review(&auth, &service, &viewer, "conflicts"),
        stage: stage.as_str(),
        stage_label: stage_label(stage),
        stream,
        conflicts,
        reasons: service.criteria().await?.into_iter().map(|c| c.label).collect(),
        message: q.resolved.map(|c| format!("Citation {c} resolved.")),
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct ResolveForm {
    csrf: Option<String>,
    stage: Option<String>,
    stream: Option<String>,
    decision: String,
    reason: Option<String>,
}

pub async fn resolve(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    Form(form): Form<ResolveForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Resolve).await?;
    let stage = parse_stage(form.stage.as_deref())?;
    let decision: Decision = form.decision.parse().map_err(|e| WebError::BadRequest(format!("{e}")))?;
    let reason = form.reason.as_deref().filter(|r| !r.trim().is_empty());
    service.resolve(&actor, citation, stage, decision, reason, Method::ThirdReviewer).await?;
    let stream = form.stream.unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/r/{slug}/conflicts?stage={}&stream={}&resolved={citation}",
        stage.as_str(),
        url_encode(&stream)
    ))
    .into_response())
}
