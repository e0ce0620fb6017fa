//! The reviews list and a review's dashboard: progress per stage and reviewer, conflicts
//! waiting, and the live PRISMA flow diagram.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::ReviewType;
use sift_domain::screening::Stage;
use sift_service::{Permission, Service, ServiceError};

use super::{Nav, render, stage_label};
use crate::auth::{Auth, authorized};
use crate::error::WebResult;
use crate::state::{AppState, NewReview};

pub struct ReviewLine {
    pub slug: String,
    pub title: String,
    pub review_type: String,
    pub role: String,
}

#[derive(Template)]
#[template(path = "reviews.html")]
struct ReviewsPage {
    nav: Nav,
    reviews: Vec<ReviewLine>,
    /// An administrator of a server that can hold more reviews.
    may_create: bool,
}

pub async fn reviews(State(state): State<AppState>, auth: Option<Auth>) -> WebResult<Response> {
    let Some(auth) = auth else {
        if state.accounts.needs_setup().await? {
            return Ok(Redirect::to("/login").into_response());
        }
        return Ok(Redirect::to("/login").into_response());
    };
    state.discover_reviews().await;
    let mut lines = Vec::new();
    for service in state.reviews.all() {
        if let Ok((_, viewer)) =
            state.accounts.authorize(&auth.session.account, &service, Permission::Read).await
        {
            let review = service.review();
            lines.push(ReviewLine {
                slug: review.slug.clone(),
                title: review.title.clone(),
                review_type: review.review_type.as_str().to_string(),
                role: format!("{}{}", viewer.role, if viewer.resolver { ", resolver" } else { "" }),
            });
        }
    }
    let may_create = state.may_create_reviews(&auth.session.account).is_ok();
    Ok(render(&ReviewsPage { nav: Nav::plain(Some(&auth)), reviews: lines, may_create })?.into_response())
}

#[derive(Template)]
#[template(path = "review_new.html")]
struct NewReviewPage {
    nav: Nav,
    form: NewReviewForm,
    types: Vec<&'static str>,
    error: Option<String>,
}

#[derive(Default, Deserialize)]
pub struct NewReviewForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    review_type: String,
    #[serde(default)]
    question: String,
}

fn new_review_page(auth: &Auth, form: NewReviewForm, error: Option<String>) -> WebResult<Html<String>> {
    let types = ReviewType::ALL.iter().map(|t| t.as_str()).collect();
    render(&NewReviewPage { nav: Nav::plain(Some(auth)), form, types, error })
}

/// The form for a new review (administrators of a data directory or a database server).
pub async fn new_review(State(state): State<AppState>, auth: Auth) -> WebResult<Response> {
    state.may_create_reviews(&auth.session.account)?;
    let form = NewReviewForm { review_type: ReviewType::Systematic.as_str().into(), ..Default::default() };
    Ok(new_review_page(&auth, form, None)?.into_response())
}

/// Creates a review, with the administrator as its owner, and serves it at once.
pub async fn create_review(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<NewReviewForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let new = NewReview {
        title: &form.title,
        slug: &form.slug,
        review_type: &form.review_type,
        question: &form.question,
    };
    match state.create_review(&auth.session.account, &new).await {
        Ok(service) => Ok(Redirect::to(&format!("/r/{}/settings", service.review().slug)).into_response()),
        Err(e @ (ServiceError::Invalid { .. } | ServiceError::Conflict(_))) => {
            let page = new_review_page(&auth, form, Some(crate::error::for_people(&e)))?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub struct StageProgress {
    pub stage_key: &'static str,
    pub label: &'static str,
    pub n_citations: usize,
    pub n_resolved: usize,
    pub n_included: usize,
    pub n_excluded: usize,
    pub percent: usize,
    pub conflicts: Option<usize>,
    pub reviewers_required: u8,
    pub blinded: bool,
    pub per_reviewer: Vec<(String, usize)>,
    /// The stopping aid, in words (title/abstract, once something is resolved).
    pub stopping: Option<String>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    nav: Nav,
    question: String,
    streams: Vec<String>,
    stream: String,
    stages: Vec<StageProgress>,
    flow_svg: Option<String>,
    flow_problem: Option<String>,
}

#[derive(Deserialize)]
pub struct StreamQuery {
    stream: Option<String>,
}

pub async fn dashboard(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StreamQuery>,
) -> WebResult<Response> {
    let (service, actor, viewer) = authorized(&state, &auth, &slug, Permission::Read).await?;
    let stream = service.stream(q.stream.as_deref()).await?;
    let mut stages = Vec::new();
    for &stage in Stage::ALL {
        let p = service.progress(&actor, Some(&stream.name), stage).await?;
        stages.push(StageProgress {
            stage_key: stage.as_str(),
            label: stage_label(stage),
            n_citations: p.n_citations,
            n_resolved: p.n_resolved,
            n_included: p.n_included,
            n_excluded: p.n_excluded,
            percent: (p.n_resolved * 100).checked_div(p.n_citations).unwrap_or(0),
            conflicts: p.n_conflicts,
            reviewers_required: p.settings.reviewers_required,
            blinded: p.settings.blinded,
            per_reviewer: p.per_reviewer,
            stopping: p.stopping.as_ref().map(|stop| {
                format!(
                    "{} relevant found; recall at least {:.0} % with {:.0} % confidence; {} records left to check. \
                     Safe to stop at {:.0} % recall: {}.",
                    stop.n_relevant_found,
                    (stop.recall_lower_bound * 100.0).floor(),
                    stop.confidence * 100.0,
                    stop.n_remaining(),
                    stop.target_recall * 100.0,
                    if stop.safe_to_stop { "yes" } else { "not yet" },
                )
            }),
        });
    }
    let (flow_svg, flow_problem) = flow(&service, &stream.name).await;
    let page = DashboardPage {
        nav: Nav::review(&auth, &service, &viewer, "dashboard"),
        question: service.review().question.clone().unwrap_or_default(),
        streams: service.streams().await?.into_iter().map(|s| s.name).collect(),
        stream: stream.name,
        stages,
        flow_svg,
        flow_problem,
    };
    Ok(render(&page)?.into_response())
}

/// The stream's flow diagram as inline SVG, or why it can't be drawn yet.
pub async fn flow(service: &Service, stream: &str) -> (Option<String>, Option<String>) {
    match service.stream_flow(Some(stream)).await {
        Ok(flow) => match sift_report::flow::flow_svg(&flow.counts, &flow.options) {
            Ok(svg) => (Some(strip_xml_prolog(&svg)), None),
            Err(e) => (None, Some(format!("the flow diagram can't be drawn yet: {e}"))),
        },
        Err(e) => (None, Some(e.to_string())),
    }
}

pub(crate) fn strip_xml_prolog(svg: &str) -> String {
    match svg.find("<svg") {
        Some(i) => svg[i..].to_string(),
        None => svg.to_string(),
    }
}
