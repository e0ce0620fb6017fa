//! The HTML pages: one route table here, one file per page. Pages are askama templates
//! (`templates/`), compile-checked; htmx swaps fragments where a page updates in place.

mod account;
mod appraise;
mod builder;
mod chart;
mod conflicts;
mod dashboard;
mod dedup;
mod forms;
mod records;
pub(crate) mod reports;
mod screen;
pub(crate) mod searches;
pub(crate) mod settings;
mod studies;
mod table_builder;

use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{get, post};
use sift_domain::screening::{Role, Stage, Viewer};
use sift_service::Service;

use crate::auth::Auth;
use crate::error::WebError;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::reviews))
        .route("/reviews/new", get(dashboard::new_review).post(dashboard::create_review))
        .route("/login", get(account::login_page).post(account::login))
        .route("/logout", post(account::logout))
        .route("/setup/{token}", get(account::setup_page).post(account::setup))
        .route("/invite/{token}", get(account::invite_page).post(account::accept_invite))
        .route("/account/password", get(account::password_page).post(account::change_password))
        .route("/r/{slug}", get(dashboard::dashboard))
        .route("/r/{slug}/screen", get(screen::page))
        .route("/r/{slug}/screen/record", get(screen::fragment))
        .route("/r/{slug}/screen/vote", post(screen::vote))
        .route("/r/{slug}/fulltext/{citation}/pdf", get(screen::pdf))
        .route("/r/{slug}/fulltext/{citation}/upload", post(screen::upload_pdf))
        .route("/r/{slug}/fulltext/{citation}/missing", post(screen::not_retrieved))
        .route("/r/{slug}/conflicts", get(conflicts::page))
        .route("/r/{slug}/conflicts/{citation}/resolve", post(conflicts::resolve))
        .route("/r/{slug}/studies", get(studies::page))
        .route("/r/{slug}/studies/link", post(studies::link))
        .route("/r/{slug}/studies/unlink", post(studies::unlink))
        .route("/r/{slug}/reports", get(reports::page))
        .route("/r/{slug}/reports/file/{*path}", get(reports::file))
        .route("/r/{slug}/reports/analyses", post(reports::add_analyses))
        .route("/r/{slug}/reports/analyses/remove", post(reports::remove_analysis))
        .route("/r/{slug}/reports/analyses/build", post(builder::build))
        .route("/r/{slug}/reports/flow", post(reports::flow_counts))
        .route("/r/{slug}/reports/tables", post(reports::add_tables))
        .route("/r/{slug}/reports/tables/remove", post(reports::remove_table))
        .route("/r/{slug}/reports/tables/build", post(table_builder::build))
        .route("/r/{slug}/searches", get(searches::page).post(searches::add))
        .route("/r/{slug}/records", get(records::page))
        .route("/r/{slug}/dedup", get(dedup::page))
        .route("/r/{slug}/dedup/undo", post(dedup::undo))
        .route("/r/{slug}/dedup/run", post(dedup::run))
        .route("/r/{slug}/dedup/merged", get(dedup::merged))
        .route("/r/{slug}/dedup/split", post(dedup::split))
        .route("/r/{slug}/dedup/merge", post(dedup::merge))
        .route("/r/{slug}/dedup/{pair}", post(dedup::decide))
        .route("/r/{slug}/forms", get(forms::page).post(forms::add_form))
        .route("/r/{slug}/forms/tools", post(forms::add_tool))
        .route("/r/{slug}/chart", get(chart::list))
        .route("/r/{slug}/chart/{form}/{citation}", get(chart::page).post(chart::save))
        .route("/r/{slug}/chart/{form}/{citation}/compare", get(chart::compare).post(chart::settle))
        .route("/r/{slug}/appraise/{citation}", get(appraise::page).post(appraise::save))
        .route("/r/{slug}/appraise/{citation}/level", post(appraise::level))
        .route("/r/{slug}/settings", get(settings::page))
        .route("/r/{slug}/settings/stage", post(settings::stage))
        .route("/r/{slug}/settings/criteria", post(settings::criterion))
        .route("/r/{slug}/settings/streams", post(settings::stream))
        .route("/r/{slug}/settings/protocol", post(settings::protocol))
        .route("/r/{slug}/settings/decisions", post(settings::decisions))
        .route("/r/{slug}/settings/keywords", post(settings::keywords))
        .route("/r/{slug}/settings/members", post(settings::invite))
        .route("/r/{slug}/settings/members/remove", post(settings::remove_member))
        .route("/r/{slug}/settings/archive", get(settings::archive))
}

/// The page header's context: who is logged in, the form token, and the review in view.
#[derive(Clone, Debug, Default)]
pub struct Nav {
    pub user: Option<String>,
    pub csrf: String,
    pub slug: String,
    pub review_title: String,
    /// Which entry of the review menu is the current page.
    pub current: &'static str,
    pub may_vote: bool,
    pub may_resolve: bool,
    pub is_owner: bool,
}

impl Nav {
    pub fn plain(auth: Option<&Auth>) -> Nav {
        Nav {
            user: auth.map(|a| a.username().to_string()),
            csrf: auth.map(|a| a.csrf().to_string()).unwrap_or_default(),
            ..Nav::default()
        }
    }

    pub fn review(auth: &Auth, service: &Service, viewer: &Viewer, current: &'static str) -> Nav {
        Nav {
            slug: service.review().slug.clone(),
            review_title: service.review().title.clone(),
            current,
            may_vote: viewer.may_vote(),
            may_resolve: viewer.may_resolve(),
            is_owner: viewer.role == Role::Owner,
            ..Nav::plain(Some(auth))
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    nav: Nav,
    status: u16,
    reason: &'a str,
    message: &'a str,
}

/// A small page explaining an error.
pub fn error_page(status: StatusCode, message: &str) -> Html<String> {
    let page = ErrorPage {
        nav: Nav::default(),
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("Error"),
        message,
    };
    Html(page.render().unwrap_or_else(|_| format!("<!doctype html><title>Error</title><p>{status}</p>")))
}

/// Percent-encodes a value for a query string.
pub fn url_encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A stage from a query or form value; title/abstract when absent.
pub fn parse_stage(value: Option<&str>) -> Result<Stage, WebError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(Stage::TitleAbstract),
        Some(v) => v.parse().map_err(|e| WebError::BadRequest(format!("{e}"))),
    }
}

/// How a stage is named on pages.
pub fn stage_label(stage: Stage) -> &'static str {
    match stage {
        Stage::TitleAbstract => "Title and abstract",
        Stage::FullText => "Full text",
    }
}

/// Renders a template into an HTML response.
pub fn render(template: &impl Template) -> Result<Html<String>, WebError> {
    Ok(Html(template.render()?))
}
