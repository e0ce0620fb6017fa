//! Sift's web app: an axum router of server-rendered pages (askama templates, htmx embedded
//! in the binary) and a JSON API under `/api/v1`, both thin layers over `sift-service`.
//!
//! Every handler that touches a review first resolves the logged-in [`auth::Auth`] and asks
//! [`sift_service::Accounts::authorize`] for the permission it needs; what a page shows of
//! votes comes only from service calls that apply the blinding rule. This crate knows HTTP
//! and HTML and nothing of SQL.
//!
//! [`router`] builds the app for in-process tests (`tower::ServiceExt::oneshot`); [`serve`]
//! runs it on a listener until the shutdown future completes.

// The OpenAPI document is one `json!` literal, deeper than the default macro recursion limit.
#![recursion_limit = "512"]

pub mod api;
mod assets;
pub mod auth;
mod error;
mod highlight;
mod pages;
pub mod state;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;

pub use error::WebError;
pub use state::{AppState, Reviews};

/// The largest upload accepted (search exports, full-text PDFs).
pub const MAX_UPLOAD_BYTES: usize = 200 * 1024 * 1024;

/// The whole app: pages, assets and the JSON API.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(pages::routes())
        .merge(assets::routes())
        .nest("/api/v1", api::routes())
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(state)
}

/// Headers every response carries: no framing by other sites, no MIME sniffing, no
/// referrer to other sites, and a content security policy that allows only Sift's own
/// scripts (no inline script; inline styles for widths and htmx's indicator style).
async fn security_headers(mut response: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    response
}

/// Serves the app on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
