//! Static assets embedded in the binary: htmx (vendored from npm `htmx.org` 2.x, licence in
//! `assets/htmx.LICENSE`), the app's stylesheet and its keyboard script. No CDN, no build step.

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;

use crate::state::AppState;

const HTMX: &str = include_str!("../assets/htmx.min.js");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/htmx.min.js", get(|| async { asset("text/javascript", HTMX) }))
        .route("/assets/app.js", get(|| async { asset("text/javascript", APP_JS) }))
        .route("/assets/app.css", get(|| async { asset("text/css", APP_CSS) }))
}

fn asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body)
}
