//! Searches: every search of a stream with its files, records and warnings; adding one with
//! its exported files uploaded (all or nothing, as `sift search add`).

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::SearchKind;
use sift_service::{InputFile, Permission, SearchSpec, ServiceError};

use super::{Nav, render, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

pub struct SearchLine {
    pub id: i64,
    pub source: String,
    pub kind: String,
    pub run_date: String,
    pub hits: String,
    pub records: i64,
    pub files: String,
    /// The earlier search this one re-runs, if any.
    pub updates: Option<i64>,
    pub warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "searches.html")]
struct SearchesPage {
    nav: Nav,
    stream: String,
    streams: Vec<String>,
    searches: Vec<SearchLine>,
    message: String,
    error: String,
}

#[derive(Deserialize)]
pub struct SearchesQuery {
    stream: Option<String>,
    msg: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<SearchesQuery>,
) -> WebResult<Response> {
    let (service, _, viewer) = authorized(&state, &auth, &slug, Permission::Read).await?;
    let stream = service.stream(q.stream.as_deref()).await?.name;
    let page = SearchesPage {
        nav: Nav::review(&auth, &service, &viewer, "searches"),
        searches: lines(&service, &stream).await?,
        streams: service.streams().await?.into_iter().map(|s| s.name).collect(),
        stream,
        message: q.msg.unwrap_or_default(),
        error: String::new(),
    };
    Ok(render(&page)?.into_response())
}

async fn lines(service: &sift_service::Service, stream: &str) -> WebResult<Vec<SearchLine>> {
    Ok(service
        .searches(Some(stream))
        .await?
        .into_iter()
        .map(|s| SearchLine {
            id: s.search.id.0,
            source: s.search.source.clone(),
            kind: format!("{:?}", s.search.kind).to_lowercase(),
            run_date: s.search.run_date.clone().unwrap_or_default(),
            hits: s.search.hits_reported.map(|h| h.to_string()).unwrap_or_default(),
            records: s.n_records,
            files: s.files.iter().map(|f| f.file_name.clone()).collect::<Vec<_>>().join(", "),
            updates: s.search.updates.map(|u| u.0),
            warnings: s.diagnostics.iter().map(|(file, d)| format!("{file}: {d}")).collect(),
        })
        .collect())
}

pub async fn add(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> WebResult<Response> {
    let dir = tempfile::tempdir()
        .map_err(|source| ServiceError::Io { path: "a temporary directory".into(), source })?;
    let (csrf, mut spec, files) = read_search_form(&mut multipart, dir.path()).await?;
    auth.check_csrf(csrf.as_deref())?;
    let (service, actor, viewer) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    if files.is_empty() {
        spec.without_export = true;
    }
    let stream = spec.stream.clone();
    let result = service.add_search(&actor, &spec, &files).await;
    let stream = service.stream(stream.as_deref()).await?.name;
    match result {
        Ok(report) => {
            let n: i64 = report.files.iter().map(|f| f.n_records).sum();
            let warnings: usize = report.files.iter().map(|f| f.diagnostics.len()).sum();
            let message = format!(
                "Search {} ({}) recorded: {n} records from {} file(s), {warnings} warning(s). Next, find duplicates (the Duplicates page): the records then become citations to screen.",
                report.search.id.0,
                report.search.source,
                report.files.len()
            );
            if headers.contains_key("hx-request") {
                let page = SearchesPage {
                    nav: Nav::review(&auth, &service, &viewer, "searches"),
                    searches: lines(&service, &stream).await?,
                    streams: service.streams().await?.into_iter().map(|s| s.name).collect(),
                    stream,
                    message,
                    error: String::new(),
                };
                return Ok(render(&page)?.into_response());
            }
            Ok(Redirect::to(&format!(
                "/r/{slug}/searches?stream={}&msg={}",
                url_encode(&stream),
                url_encode(&message)
            ))
            .into_response())
        }
        Err(e) if e.is_user_error() => {
            let page = SearchesPage {
                nav: Nav::review(&auth, &service, &viewer, "searches"),
                searches: lines(&service, &stream).await?,
                streams: service.streams().await?.into_iter().map(|s| s.name).collect(),
                stream,
                message: String::new(),
                error: format!("Nothing was imported: {}", crate::error::for_people(&e)),
            };
            Ok((axum::http::StatusCode::BAD_REQUEST, render(&page)?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Reads a search form (multipart: `stream`, `source`, `kind`, `platform`, `query`,
/// `run_date`, `limits`, `hits`, and `files`), writing the files into `dir` under their own
/// names. Returns the form's CSRF token (if any), the search, and the files. The JSON API
/// takes the same form.
pub(crate) async fn read_search_form(
    multipart: &mut Multipart,
    dir: &std::path::Path,
) -> WebResult<(Option<String>, SearchSpec, Vec<InputFile>)> {
    let mut csrf = None;
    let mut spec = SearchSpec::default();
    let mut files = Vec::new();
    let bad = |e: axum::extract::multipart::MultipartError| WebError::BadRequest(e.to_string());
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "files" {
            let Some(file_name) = field.file_name().map(String::from) else { continue };
            let bytes = field.bytes().await.map_err(bad)?;
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            // Each file gets its own directory so it keeps its name (the service records it).
            let sub = dir.join(format!("f{}", files.len()));
            std::fs::create_dir(&sub)
                .map_err(|source| ServiceError::Io { path: sub.display().to_string(), source })?;
            let safe: String = file_name
                .chars()
                .map(|c| if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') { c } else { '_' })
                .collect();
            let path = sub.join(if safe.trim().is_empty() { "export".to_string() } else { safe });
            std::fs::write(&path, &bytes)
                .map_err(|source| ServiceError::Io { path: path.display().to_string(), source })?;
            files.push(InputFile::new(path));
            continue;
        }
        let value = field.text().await.map_err(bad)?;
        let value = value.trim().to_string();
        let some = |v: String| (!v.is_empty()).then_some(v);
        match name.as_str() {
            "csrf" => csrf = Some(value),
            "stream" => spec.stream = some(value),
            "source" => spec.source = value,
            "kind" => {
                spec.kind = Some(match value.as_str() {
                    "register" => SearchKind::Register,
                    "other" => SearchKind::Other,
                    _ => SearchKind::Database,
                })
            }
            "platform" => spec.platform = some(value),
            "query" => spec.query = some(value),
            "run_date" => spec.run_date = some(value),
            "limits" => spec.limits = some(value),
            "hits" if !value.is_empty() => spec.hits_reported = Some(whole_number("hits", &value)?),
            "updates" if !value.is_empty() => spec.updates = Some(whole_number("updates", &value)?),
            "found_in" if !value.is_empty() => spec.found_in = Some(whole_number("found_in", &value)?),
            _ => {}
        }
    }
    Ok((csrf, spec, files))
}

fn whole_number(field: &str, value: &str) -> WebResult<i64> {
    value.parse().map_err(|_| {
        WebError::Service(ServiceError::invalid(field, format!("{value:?} is not a whole number")))
    })
}
