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
        .with_state(state)
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
