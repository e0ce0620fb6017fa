//! Reports: the flow diagrams and meta-analyses inline and every file of the report bundle to
//! download.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sift_service::{Permission, ServiceError};

use super::{Nav, render};
use crate::auth::{Auth, authorized};
use crate::error::WebResult;
use crate::state::AppState;

pub struct FileLine {
    pub path: String,
    pub what: String,
    pub size: String,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    nav: Nav,
    diagrams: Vec<(String, String)>,
    /// (name, forest plot SVG, results as text) of each meta-analysis the bundle drew.
    analyses: Vec<(String, String, String)>,
    files: Vec<FileLine>,
    problems: Vec<String>,
    empty_streams: Vec<String>,
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    let (service, actor, viewer) = authorized(&state, &auth, &slug, Permission::Read).await?;
    let bundle = service.report_bundle(&actor).await?;
    // The bundle's own diagrams (a stream whose counts cannot be drawn has none; the page
    // lists why among the problems).
    let mut diagrams = Vec::new();
    for stream in service.streams().await? {
        let path = format!("flow/{}.svg", stream.name);
        if let Some(file) = bundle.files.iter().find(|f| f.path == path) {
            let svg = super::dashboard::strip_xml_prolog(&String::from_utf8_lossy(&file.bytes));
            diagrams.push((stream.name, svg));
        }
    }
    let text_of = |path: &str| {
        bundle.files.iter().find(|f| f.path == path).map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
    };
    let analyses = bundle
        .files
        .iter()
        .filter_map(|f| f.path.strip_prefix("analyses/")?.strip_suffix("-forest.svg"))
        .map(|name| {
            let svg = text_of(&format!("analyses/{name}-forest.svg")).unwrap_or_default();
            let svg = super::dashboard::strip_xml_prolog(&svg);
            (name.to_string(), svg, text_of(&format!("analyses/{name}.txt")).unwrap_or_default())
        })
        .collect();
    let files = bundle
        .files
        .iter()
        .map(|f| FileLine { path: f.path.clone(), what: f.what.clone(), size: human_size(f.bytes.len()) })
        .collect();
    let page = ReportsPage {
        nav: Nav::review(&auth, &service, &viewer, "reports"),
        diagrams,
        analyses,
        files,
        problems: bundle.problems,
        empty_streams: bundle.empty_streams,
    };
    Ok(render(&page)?.into_response())
}

pub async fn file(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, path)): Path<(String, String)>,
) -> WebResult<Response> {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await?;
    let bundle = service.report_bundle(&actor).await?;
    let file = bundle.files.into_iter().find(|f| f.path == path).ok_or_else(|| ServiceError::NotFound {
        what: "report file",
        key: path.clone(),
        hint: "; the reports page lists the files".into(),
    })?;
    let name = path.rsplit('/').next().unwrap_or("report").replace('"', "");
    Ok((
        [
            (header::CONTENT_TYPE, content_type(&path).to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        file.bytes,
    )
        .into_response())
}

pub(crate) fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "pdf" => "application/pdf",
        "html" => "text/html; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "ris" | "txt" => "text/plain; charset=utf-8",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

fn human_size(n: usize) -> String {
    if n >= 1024 * 1024 {
        format!("{:.1} MB", n as f64 / 1024.0 / 1024.0)
    } else if n >= 1024 {
        format!("{:.1} kB", n as f64 / 1024.0)
    } else {
        format!("{n} bytes")
    }
}
