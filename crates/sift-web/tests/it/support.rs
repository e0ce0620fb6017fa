//! The test fixture: a data directory with two reviews ("alpha" screened by a team, "beta"
//! of another team), their accounts, and helpers to send requests as one of them.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use sift_domain::ReviewType;
use sift_domain::screening::Role;
use sift_service::{
    Account, Actor, DedupPolicy, InputFile, Locator, NewReviewSpec, SearchSpec, Service, SessionKind,
};
use sift_web::AppState;
use tower::ServiceExt;

pub const PASSWORD: &str = "a long test password";

pub fn test_data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test_data/formats").join(path)
}

/// A logged-in member: cookie session (with its CSRF token) and an API token.
#[derive(Clone, Debug)]
pub struct User {
    pub name: String,
    pub cookie: String,
    pub csrf: String,
    pub bearer: String,
}

pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub state: AppState,
    pub app: Router,
    pub root: User,
    /// alpha: reviewers, not resolvers.
    pub ellen: User,
    pub agon: User,
    /// alpha: a reviewer named resolver.
    pub katrin: User,
    /// alpha: a viewer.
    pub guest: User,
    /// beta: a reviewer.
    pub mallory: User,
}

async fn review(dir: &Path, slug: &str, title: &str, owner: &str) -> Service {
    let spec = NewReviewSpec { title: title.into(), review_type: ReviewType::Systematic, question: None };
    let owner = Actor::new(owner);
    let service =
        Service::create(&Locator::File(dir.join(format!("{slug}.sift"))), &spec, &owner).await.unwrap();
    service
        .add_search(
            &owner,
            &SearchSpec { source: "Embase".into(), ..SearchSpec::default() },
            &[InputFile::new(test_data("asreview/embase.ris"))],
        )
        .await
        .unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    service.add_criterion(&owner, "wrong population", Some("not adults in pain")).await.unwrap();
    service.set_keywords(&owner, &["cyst*".into()], &["rat".into()]).await.unwrap();
    service.close().await;
    Service::open(&Locator::File(dir.join(format!("{slug}.sift")))).await.unwrap()
}

async fn user(state: &AppState, name: &str) -> User {
    let browser = state.accounts.login(name, PASSWORD, "127.0.0.1", SessionKind::Browser).await.unwrap();
    let api = state.accounts.login(name, PASSWORD, "127.0.0.1", SessionKind::Api).await.unwrap();
    User {
        name: name.into(),
        cookie: format!("sift_session={}", browser.token),
        csrf: browser.session.csrf_token,
        bearer: api.token,
    }
}

async fn invite(state: &AppState, root: &Account, slug: &str, name: &str, role: Role, resolver: bool) {
    let service = state.reviews.get(slug).unwrap();
    let invitation = state.accounts.invite(root, &service, name, role, resolver).await.unwrap();
    if let Some(link) = invitation.link_token {
        let all = state.reviews.all();
        let reviews: Vec<&Service> = all.iter().collect();
        state.accounts.accept_invite(&link, PASSWORD, &reviews).await.unwrap();
    }
}

pub async fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    review(&dir, "alpha", "Alpha review of exercise", "lise").await.close().await;
    review(&dir, "beta", "Beta review of secret things", "bob").await.close().await;
    let state = AppState::for_data_dir(&dir).await.unwrap();
    let all = state.reviews.all();
    let reviews: Vec<&Service> = all.iter().collect();
    let root = state.accounts.create_owner("root", PASSWORD, &reviews).await.unwrap();
    invite(&state, &root, "alpha", "ellen", Role::Reviewer, false).await;
    invite(&state, &root, "alpha", "agon", Role::Reviewer, false).await;
    invite(&state, &root, "alpha", "katrin", Role::Reviewer, true).await;
    invite(&state, &root, "alpha", "guest", Role::Viewer, false).await;
    invite(&state, &root, "beta", "mallory", Role::Reviewer, false).await;
    Fixture {
        app: sift_web::router(state.clone()),
        root: user(&state, "root").await,
        ellen: user(&state, "ellen").await,
        agon: user(&state, "agon").await,
        katrin: user(&state, "katrin").await,
        guest: user(&state, "guest").await,
        mallory: user(&state, "mallory").await,
        state,
        _dir: tmp,
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

/// How a request authenticates.
#[derive(Clone, Copy, Debug)]
pub enum As<'a> {
    Nobody,
    /// The session cookie and the CSRF token in the `X-CSRF-Token` header.
    Cookie(&'a User),
    /// The session cookie without any CSRF token.
    CookieNoCsrf(&'a User),
    Bearer(&'a User),
}

pub async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    who: As<'_>,
    body: Option<(&str, String)>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    match who {
        As::Nobody => {}
        As::Cookie(u) => request = request.header("cookie", &u.cookie).header("x-csrf-token", &u.csrf),
        As::CookieNoCsrf(u) => request = request.header("cookie", &u.cookie),
        As::Bearer(u) => request = request.header("authorization", format!("Bearer {}", u.bearer)),
    }
    let body = match body {
        Some((content_type, text)) => {
            request = request.header("content-type", content_type);
            Body::from(text)
        }
        None => Body::empty(),
    };
    let response = app.clone().oneshot(request.body(body).unwrap()).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

pub async fn get(app: &Router, uri: &str, who: As<'_>) -> Reply {
    send(app, Method::GET, uri, who, None).await
}

pub async fn post_form(app: &Router, uri: &str, who: As<'_>, form: &str) -> Reply {
    send(app, Method::POST, uri, who, Some(("application/x-www-form-urlencoded", form.to_string()))).await
}

pub async fn post_json(app: &Router, uri: &str, who: As<'_>, json: serde_json::Value) -> Reply {
    send(app, Method::POST, uri, who, Some(("application/json", json.to_string()))).await
}
