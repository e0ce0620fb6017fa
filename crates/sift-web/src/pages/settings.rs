//! Review settings (owners): stages (reviewers per citation, blinding, automatic
//! resolution), eligibility criteria, highlight keywords, and members with invitations (and
//! removal of one who has not taken part).

use askama::Template;
use axum::Form;
use axum::extract::Multipart;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::ReviewType;
use sift_domain::screening::{Role, StageSettings};
use sift_service::{DecisionImportSpec, Permission, ProtocolChange, ServiceError};

use super::{Nav, parse_stage, render, stage_label, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

pub struct StageLine {
    pub stage: &'static str,
    pub label: &'static str,
    pub reviewers: u8,
    pub blinded: bool,
    pub auto_resolve: bool,
}

pub struct MemberLine {
    pub name: String,
    pub role: String,
    pub resolver: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    nav: Nav,
    title: String,
    review_type: &'static str,
    types: Vec<&'static str>,
    question: String,
    /// Name, description, and whether it is the default stream.
    streams: Vec<(String, String, bool)>,
    stages: Vec<StageLine>,
    criteria: Vec<(String, String)>,
    include_words: String,
    exclude_words: String,
    members: Vec<MemberLine>,
    message: String,
    error: String,
    invite_link: String,
}

#[derive(Deserialize)]
pub struct SettingsQuery {
    msg: Option<String>,
    err: Option<String>,
    invite: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
    Query(q): Query<SettingsQuery>,
) -> WebResult<Response> {
    // The invitation link in full, as the owner reached this server.
    let scheme = if crate::auth::secure(&state, &headers) { "https" } else { "http" };
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let (service, _, viewer) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let stages = service
        .stages()
        .await?
        .into_iter()
        .map(|s| StageLine {
            stage: s.stage.as_str(),
            label: stage_label(s.stage),
            reviewers: s.reviewers_required,
            blinded: s.blinded,
            auto_resolve: s.auto_resolve_agreement,
        })
        .collect();
    let (include, exclude) = service.keywords().await?;
    let streams = service
        .streams()
        .await?
        .into_iter()
        .map(|s| (s.name, s.description.unwrap_or_default(), s.is_default))
        .collect();
    let review = service.review();
    let page = SettingsPage {
        nav: Nav::review(&auth, &service, &viewer, "settings"),
        title: review.title.clone(),
        review_type: review.review_type.as_str(),
        types: ReviewType::ALL.iter().map(|t| t.as_str()).collect(),
        question: review.question.clone().unwrap_or_default(),
        streams,
        stages,
        criteria: service
            .criteria()
            .await?
            .into_iter()
            .map(|c| (c.label, c.description.unwrap_or_default()))
            .collect(),
        include_words: include.join("\n"),
        exclude_words: exclude.join("\n"),
        members: service
            .members()
            .await?
            .into_iter()
            .map(|m| MemberLine { name: m.name, role: m.role.to_string(), resolver: m.resolver })
            .collect(),
        message: q.msg.unwrap_or_default(),
        error: q.err.unwrap_or_default(),
        invite_link: q
            .invite
            .filter(|t| t.chars().all(|c| c.is_ascii_hexdigit()))
            .map(|t| {
                if host.is_empty() { format!("/invite/{t}") } else { format!("{scheme}://{host}/invite/{t}") }
            })
            .unwrap_or_default(),
    };
    Ok(render(&page)?.into_response())
}

fn back(slug: &str, message: &str) -> Response {
    Redirect::to(&format!("/r/{slug}/settings?msg={}", url_encode(message))).into_response()
}

/// Back to the Settings page with what was wrong shown at its top.
fn back_with_error(slug: &str, message: &str) -> Response {
    Redirect::to(&format!("/r/{slug}/settings?err={}", url_encode(message))).into_response()
}

#[derive(Deserialize)]
pub struct StageForm {
    csrf: Option<String>,
    stage: String,
    reviewers: u8,
    blinded: Option<String>,
    auto_resolve: Option<String>,
}

pub async fn stage(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<StageForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let stage = parse_stage(Some(&form.stage))?;
    let settings = StageSettings {
        stage,
        reviewers_required: form.reviewers,
        blinded: form.blinded.is_some(),
        auto_resolve_agreement: form.auto_resolve.is_some(),
    };
    service.set_stage(&actor, &settings).await?;
    Ok(back(&slug, &format!("{} settings saved.", stage_label(stage))))
}

#[derive(Deserialize)]
pub struct CriterionForm {
    csrf: Option<String>,
    label: String,
    description: Option<String>,
}

pub async fn criterion(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<CriterionForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    service.add_criterion(&actor, &form.label, form.description.as_deref()).await?;
    Ok(back(&slug, &format!("Criterion {:?} added.", form.label.trim())))
}

#[derive(Deserialize)]
pub struct ProtocolForm {
    csrf: Option<String>,
    title: String,
    review_type: String,
    question: String,
}

/// Changes the review's title, type and question.
pub async fn protocol(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<ProtocolForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let review_type: ReviewType =
        form.review_type.parse().map_err(|e| WebError::BadRequest(format!("{e}")))?;
    let change = ProtocolChange {
        title: Some(form.title),
        review_type: Some(review_type),
        question: Some(form.question),
    };
    match service.set_protocol(&actor, &change).await {
        Ok(updated) => {
            state.reviews.refresh(updated);
            Ok(back(&slug, "Review details saved."))
        }
        Err(ServiceError::Invalid { message, .. }) => Ok(back_with_error(&slug, &message)),
        Err(e) => Err(e.into()),
    }
}

/// Imports screening decisions made elsewhere (Rayyan, Covidence, ASReview, a spreadsheet):
/// a team moving to Sift mid-review keeps its votes and resolutions.
pub async fn decisions(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let (csrf, spec, upload) = read_decisions_form(&mut multipart).await?;
    auth.check_csrf(csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let Some((file_name, bytes)) = upload else {
        return Ok(back_with_error(&slug, "choose the exported decisions file"));
    };
    match service.import_decision_bytes(&actor, &bytes, &file_name, &spec).await {
        Ok(r) => {
            let mut message = format!("{}.", r.summary(&file_name));
            if !r.new_members.is_empty() {
                message.push_str(&format!(" New reviewers: {}.", r.new_members.join(", ")));
            }
            if let Some((line, what)) = r.unmatched.first() {
                message.push_str(&format!(" First unmatched: line {line} ({what})."));
            }
            Ok(back(&slug, &message))
        }
        Err(e) if e.is_user_error() => Ok(back_with_error(&slug, &crate::error::for_people(&e))),
        Err(e) => Err(e.into()),
    }
}

/// An uploaded decisions file (its name and bytes) and how to apply it.
pub(crate) type DecisionsForm = (Option<String>, DecisionImportSpec, Option<(String, Vec<u8>)>);

/// Reads the decisions form (page and API): the CSRF token, the import settings, the file.
pub(crate) async fn read_decisions_form(multipart: &mut Multipart) -> WebResult<DecisionsForm> {
    let mut csrf = None;
    let mut spec = DecisionImportSpec::default();
    let mut upload: Option<(String, Vec<u8>)> = None;
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadRequest(e.to_string());
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(bad)?;
            if !bytes.is_empty() {
                upload = Some((file_name, bytes.to_vec()));
            }
            continue;
        }
        let value = field.text().await.map_err(bad)?.trim().to_string();
        match name.as_str() {
            "csrf" => csrf = Some(value),
            "source" if !value.is_empty() => {
                spec.source = Some(value.parse().map_err(|e: String| WebError::BadRequest(e))?)
            }
            "decision" if !value.is_empty() => {
                spec.default_decision = Some(value.parse().map_err(|e| WebError::BadRequest(format!("{e}")))?)
            }
            "stage" if !value.is_empty() => spec.stage = Some(parse_stage(Some(&value))?),
            "stream" if !value.is_empty() => spec.stream = Some(value),
            "as_resolutions" => spec.as_resolutions = true,
            _ => {}
        }
    }
    Ok((csrf, spec, upload))
}

#[derive(Deserialize)]
pub struct StreamForm {
    csrf: Option<String>,
    name: String,
    description: Option<String>,
}

/// Adds a screening stream (its own searches, screening and flow diagram).
pub async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<StreamForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    match service.add_stream(&actor, &form.name, form.description.as_deref()).await {
        Ok(stream) => Ok(back(
            &slug,
            &format!("Stream {:?} added; add its searches on the Searches page.", stream.name),
        )),
        // The service names the command line's NAME argument; the message says enough here.
        Err(ServiceError::Invalid { message, .. } | ServiceError::Conflict(message)) => {
            Ok(back_with_error(&slug, &message))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct KeywordsForm {
    csrf: Option<String>,
    include: String,
    exclude: String,
}

fn words(text: &str) -> Vec<String> {
    text.split(['\n', ',']).map(|w| w.trim().to_string()).filter(|w| !w.is_empty()).collect()
}

pub async fn keywords(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<KeywordsForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    service.set_keywords(&actor, &words(&form.include), &words(&form.exclude)).await?;
    Ok(back(&slug, "Keywords saved."))
}

#[derive(Deserialize)]
pub struct InviteForm {
    csrf: Option<String>,
    name: String,
    role: String,
    resolver: Option<String>,
}

pub async fn invite(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<InviteForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let role: Role = form.role.parse().map_err(|e| WebError::BadRequest(format!("{e}")))?;
    let invitation = state
        .accounts
        .invite(&auth.session.account, &service, &form.name, role, form.resolver.is_some())
        .await?;
    let message = format!(
        "{} is now a {}{} of this review.",
        invitation.member,
        invitation.role,
        if invitation.resolver { " and resolver" } else { "" }
    );
    let mut to = format!("/r/{slug}/settings?msg={}", url_encode(&message));
    if let Some(token) = invitation.link_token {
        to.push_str(&format!("&invite={token}"));
    }
    Ok(Redirect::to(&to).into_response())
}

/// A form that removes something by name (a member; on the Reports page, an analysis).
#[derive(Deserialize)]
pub struct RemoveForm {
    pub(crate) csrf: Option<String>,
    pub(crate) name: String,
}

/// Removes a member who has not taken part; one who has stays, and the page says why.
pub async fn remove_member(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<RemoveForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    match service.remove_member(&actor, &form.name).await {
        Ok(()) => Ok(back(&slug, &format!("{} is no longer a member of this review.", form.name.trim()))),
        Err(
            e @ (ServiceError::Conflict(_) | ServiceError::Invalid { .. } | ServiceError::NotFound { .. }),
        ) => Ok(back_with_error(&slug, &e.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// The whole review as an archive file (owners): the backup and hand-over format.
pub async fn archive(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let mut bytes = Vec::new();
    service.export_archive(&actor, &mut bytes).await?;
    let name = format!("{}.sift-archive.jsonl", service.review().slug.replace('"', ""));
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "application/jsonl; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
