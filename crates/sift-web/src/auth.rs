//! Who is asking: the session cookie (browsers) or a bearer token (scripts), the CSRF check
//! for state-changing requests made with a cookie, and [`authorized`], the one door to a
//! review that every handler goes through.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use sift_domain::screening::Viewer;
use sift_service::{Actor, Permission, Service, ServiceError, Session};

use crate::error::WebError;
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "sift_session";
/// The header htmx requests carry the CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A logged-in request.
#[derive(Clone, Debug)]
pub struct Auth {
    pub session: Session,
    pub token: String,
    /// The session came in a cookie, so state-changing requests must prove they came from
    /// one of Sift's own pages (CSRF token). Bearer tokens cannot be sent by another site.
    pub by_cookie: bool,
    headers: HeaderMap,
}

impl Auth {
    pub fn username(&self) -> &str {
        &self.session.account.username
    }

    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }

    /// Checks a state-changing request carries the session's CSRF token, in the form field
    /// `csrf` or the `X-CSRF-Token` header.
    pub fn check_csrf(&self, form_token: Option<&str>) -> Result<(), WebError> {
        if !self.by_cookie {
            return Ok(());
        }
        let header = self.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        let expected = self.session.csrf_token.as_bytes();
        let ok = [header, form_token].into_iter().flatten().any(|t| constant_time_eq(t.as_bytes(), expected));
        if ok { Ok(()) } else { Err(WebError::Csrf) }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The session token a request carries, and whether it came in the cookie.
pub fn request_token(headers: &HeaderMap) -> Option<(String, bool)> {
    if let Some(bearer) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some((bearer.trim().to_string(), false));
    }
    let cookies = headers.get_all(axum::http::header::COOKIE);
    for value in cookies.iter().filter_map(|v| v.to_str().ok()) {
        for pair in value.split(';') {
            if let Some((name, token)) = pair.trim().split_once('=')
                && name == COOKIE
                && !token.is_empty()
            {
                return Some((token.to_string(), true));
            }
        }
    }
    None
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Auth, WebError> {
        // Inside the nested API router the path has lost its `/api/v1` prefix.
        let original = parts.extensions.get::<axum::extract::OriginalUri>().map(|u| u.0.clone());
        let uri = original.unwrap_or_else(|| parts.uri.clone());
        let is_api = uri.path().starts_with("/api/");
        let unauthenticated = || {
            if is_api {
                WebError::Api(Box::new(WebError::Service(ServiceError::Unauthenticated)))
            } else {
                let next = uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default();
                WebError::LoginRequired { next }
            }
        };
        let Some((token, by_cookie)) = request_token(&parts.headers) else { return Err(unauthenticated()) };
        let session = state.accounts.session(&token).await?;
        let Some(session) = session else { return Err(unauthenticated()) };
        Ok(Auth { session, token, by_cookie, headers: parts.headers.clone() })
    }
}

/// The remote address, for login rate limiting ("unknown" in in-process tests).
#[derive(Clone, Debug)]
pub struct Remote(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Remote {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Remote, Self::Rejection> {
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(Remote(addr.unwrap_or_else(|| "unknown".to_string())))
    }
}

/// A review the requester may act on with `what`: the service, the actor to pass to it, and
/// what the member may see. Every handler that touches a review calls this first.
pub async fn authorized(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    what: Permission,
) -> Result<(Service, Actor, Viewer), WebError> {
    let service = match state.reviews.get(slug) {
        Some(service) => service,
        None => {
            // Perhaps created beside the server (`sift init`) since it last looked.
            state.discover_reviews().await;
            state.reviews.get(slug).ok_or_else(|| WebError::NoSuchReview(slug.to_string()))?
        }
    };
    let (actor, viewer) = state.accounts.authorize(&auth.session.account, &service, what).await?;
    Ok((service, actor, viewer))
}

/// Whether cookies must be marked `Secure`: configured, or a proxy reports HTTPS.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    state.secure_cookies
        || headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v == "https")
}

/// The `Set-Cookie` value that stores a session token.
pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        sift_service::SESSION_SECONDS,
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_cookie(secure: bool) -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}", if secure { "; Secure" } else { "" })
}

impl axum::extract::OptionalFromRequestParts<AppState> for Auth {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Auth>, WebError> {
        match <Auth as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(auth) => Ok(Some(auth)),
            Err(WebError::LoginRequired { .. }) => Ok(None),
            Err(WebError::Api(inner))
                if matches!(*inner, WebError::Service(ServiceError::Unauthenticated)) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}
