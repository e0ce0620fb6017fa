//! Login, logout, first-start setup, accepting an invitation, changing a password.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::screening::Role;
use sift_service::{ServiceError, SessionKind};

use super::{Nav, render};
use crate::auth::{self, Auth, Remote};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Nav,
    error: Option<String>,
    next: String,
    username: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> WebResult<Response> {
    if state.accounts.needs_setup().await? {
        return Ok(error_needs_setup());
    }
    let page =
        LoginPage { nav: Nav::plain(None), error: None, next: safe_next(q.next), username: String::new() };
    Ok(render(&page)?.into_response())
}

fn error_needs_setup() -> Response {
    let message = "This server has no accounts yet. Open the one-time setup link that `sift serve` printed when it started.";
    (StatusCode::SERVICE_UNAVAILABLE, super::error_page(StatusCode::SERVICE_UNAVAILABLE, message))
        .into_response()
}

/// Only same-site paths are followed after login (no open redirects).
fn safe_next(next: Option<String>) -> String {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .unwrap_or_else(|| "/".into())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    Remote(remote): Remote,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> WebResult<Response> {
    let next = safe_next(form.next);
    match state.accounts.login(&form.username, &form.password, &remote, SessionKind::Browser).await {
        Ok(new) => {
            let cookie = auth::session_cookie(&new.token, auth::secure(&state, &headers));
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(e @ (ServiceError::BadCredentials | ServiceError::TooManyAttempts { .. })) => {
            let status = WebError::Service(ServiceError::BadCredentials).status();
            let status = if matches!(e, ServiceError::TooManyAttempts { .. }) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                status
            };
            let page = LoginPage {
                nav: Nav::plain(None),
                error: Some(e.to_string()),
                next,
                username: form.username,
            };
            Ok((status, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn logout(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    state.accounts.logout(&auth.token).await?;
    let cookie = auth::clear_cookie(auth::secure(&state, &headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    nav: Nav,
    setup: bool,
    username: String,
    invited_by: String,
    owners: String,
    error: Option<String>,
}

/// The owners' member names, suggested as the setup account's name.
async fn owners_of(state: &AppState) -> WebResult<String> {
    let mut names = Vec::new();
    for service in state.reviews.all() {
        for m in service.members().await? {
            if m.role == Role::Owner && !names.contains(&m.name) {
                names.push(m.name);
            }
        }
    }
    Ok(names.join(", "))
}

pub async fn setup_page(State(state): State<AppState>, Path(token): Path<String>) -> WebResult<Response> {
    let all = state.reviews.all();
    let reviews: Vec<&sift_service::Service> = all.iter().collect();
    let info = state.accounts.link_info(&token, &reviews).await?;
    if !info.setup {
        return Err(WebError::BadRequest("this is an invitation link; open /invite/... instead".into()));
    }
    let owners = owners_of(&state).await?;
    let username = owners.split(", ").next().unwrap_or_default().to_string();
    let page = SetupPage {
        nav: Nav::plain(None),
        setup: true,
        username,
        invited_by: String::new(),
        owners,
        error: None,
    };
    Ok(render(&page)?.into_response())
}

#[derive(Deserialize)]
pub struct SetupForm {
    username: Option<String>,
    password: String,
}

pub async fn setup(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Remote(remote): Remote,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> WebResult<Response> {
    let username = form.username.unwrap_or_default();
    let all = state.reviews.all();
    let reviews: Vec<&sift_service::Service> = all.iter().collect();
    match state.accounts.complete_setup(&token, &username, &form.password, &reviews).await {
        Ok(account) => log_in_after(&state, &account.username, &form.password, &remote, &headers).await,
        Err(ServiceError::Invalid { message, .. }) => {
            let owners = owners_of(&state).await?;
            let page = SetupPage {
                nav: Nav::plain(None),
                setup: true,
                username,
                invited_by: String::new(),
                owners,
                error: Some(message),
            };
            Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn log_in_after(
    state: &AppState,
    username: &str,
    password: &str,
    remote: &str,
    headers: &HeaderMap,
) -> WebResult<Response> {
    let new = state.accounts.login(username, password, remote, SessionKind::Browser).await?;
    let cookie = auth::session_cookie(&new.token, auth::secure(state, headers));
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/")).into_response())
}

pub async fn invite_page(State(state): State<AppState>, Path(token): Path<String>) -> WebResult<Response> {
    let all = state.reviews.all();
    let reviews: Vec<&sift_service::Service> = all.iter().collect();
    let info = state.accounts.link_info(&token, &reviews).await?;
    if info.setup {
        return Err(WebError::BadRequest("this is the setup link; open /setup/... instead".into()));
    }
    let page = SetupPage {
        nav: Nav::plain(None),
        setup: false,
        username: info.username.unwrap_or_default(),
        invited_by: info.invited_by,
        owners: String::new(),
        error: None,
    };
    Ok(render(&page)?.into_response())
}

pub async fn accept_invite(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Remote(remote): Remote,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> WebResult<Response> {
    let all = state.reviews.all();
    let reviews: Vec<&sift_service::Service> = all.iter().collect();
    match state.accounts.accept_invite(&token, &form.password, &reviews).await {
        Ok(account) => log_in_after(&state, &account.username, &form.password, &remote, &headers).await,
        Err(ServiceError::Invalid { message, .. }) => {
            let info = state.accounts.link_info(&token, &reviews).await?;
            let page = SetupPage {
                nav: Nav::plain(None),
                setup: false,
                username: info.username.unwrap_or_default(),
                invited_by: info.invited_by,
                owners: String::new(),
                error: Some(message),
            };
            Ok((StatusCode::BAD_REQUEST, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage {
    nav: Nav,
    error: Option<String>,
    done: bool,
}

pub async fn password_page(auth: Auth) -> WebResult<Response> {
    Ok(render(&PasswordPage { nav: Nav::plain(Some(&auth)), error: None, done: false })?.into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    csrf: Option<String>,
    current: String,
    new: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    auth: Auth,
    Form(form): Form<PasswordForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let nav = Nav::plain(Some(&auth));
    match state.accounts.change_password(&auth.token, &form.current, &form.new).await {
        Ok(()) => Ok(render(&PasswordPage { nav, error: None, done: true })?.into_response()),
        Err(ServiceError::Invalid { message, .. }) => {
            Ok((StatusCode::BAD_REQUEST, render(&PasswordPage { nav, error: Some(message), done: false })?)
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
