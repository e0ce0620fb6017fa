//! Find a record: by DOI, PMID or words of its title or abstract, with what became of it -
//! its search, its duplicates, the resolved decision at each stage and the study it reports.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sift_service::{Permission, TRACE_LIMIT};

use super::{Nav, render};
use crate::auth::{Auth, authorized};
use crate::error::WebResult;
use crate::state::AppState;

pub struct TraceLine {
    pub record: i64,
    pub title: String,
    pub meta: String,
    pub doi: String,
    pub source: String,
    pub place: String,
    pub stream: String,
    pub citation: String,
    pub merged_with: String,
    pub outcome: String,
    pub included: bool,
}

#[derive(Template)]
#[template(path = "records.html")]
struct RecordsPage {
    nav: Nav,
    query: String,
    lines: Vec<TraceLine>,
    limit: i64,
    /// Where this page starts among the matches (0-based), and how many match in all.
    from: i64,
    total: i64,
    previous: i64,
    query_encoded: String,
    message: String,
}

#[derive(Deserialize)]
pub struct RecordsQuery {
    q: Option<String>,
    msg: Option<String>,
    /// The first match to show (0-based), a page at a time.
    from: Option<i64>,
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<RecordsQuery>,
) -> WebResult<Response> {
    let (service, actor, viewer) = authorized(&state, &auth, &slug, Permission::Read).await?;
    let query = q.q.unwrap_or_default();
    let mut from = q.from.unwrap_or(0).max(0);
    let (mut traces, total) = service.trace_records(&actor, &query, from).await?;
    if traces.is_empty() && from > 0 && total > 0 {
        // Past the last match (fewer match now, or a link edited): the last page instead.
        from = (total - 1) / TRACE_LIMIT * TRACE_LIMIT;
        traces = service.trace_records(&actor, &query, from).await?.0;
    }
    let lines = traces
        .into_iter()
        .map(|t| {
            let r = &t.record.reference;
            let mut meta = r.author_strings().first().cloned().unwrap_or_default();
            for part in [r.year.map(|y| y.to_string()), r.journal.clone()].into_iter().flatten() {
                meta.push_str(if meta.is_empty() { "" } else { " · " });
                meta.push_str(&part);
            }
            let merged: Vec<String> = t.merged_with.iter().map(|m| m.0.to_string()).collect();
            TraceLine {
                record: t.record.id.0,
                title: r.title.clone().unwrap_or_else(|| "(no title)".into()),
                meta,
                doi: r.doi.clone().unwrap_or_default(),
                source: t.source.clone(),
                place: format!("{} line {}", t.record.file_name, t.record.file_line),
                stream: t.stream.clone(),
                citation: t.citation.map(|c| c.0.to_string()).unwrap_or_default(),
                merged_with: merged.join(", "),
                outcome: t.outcome(),
                included: t
                    .full_text
                    .as_ref()
                    .is_some_and(|(d, _)| *d == sift_domain::screening::Decision::Include),
            }
        })
        .collect();
    let query_encoded = super::url_encode(&query);
    let page = RecordsPage {
        nav: Nav::review(&auth, &service, &viewer, "searches"),
        query,
        lines,
        limit: TRACE_LIMIT,
        from,
        total,
        previous: (from - TRACE_LIMIT).max(0),
        query_encoded,

        message: q.msg.unwrap_or_default(),
    };
    Ok(render(&page)?.into_response())
}
