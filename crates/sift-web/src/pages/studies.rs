//! Studies: the reports included at full text, grouped into the studies they report. PRISMA
//! 2020 counts both; a report not linked to any study counts as a study of its own.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_service::{Permission, ServiceError};

use super::{Nav, render, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// One included report.
pub struct ReportLine {
    pub citation: i64,
    pub title: String,
    pub meta: String,
}

/// A study and its reports; `label` is empty for a report that is a study of its own.
pub struct StudyGroup {
    pub label: String,
    pub reports: Vec<ReportLine>,
}

#[derive(Template)]
#[template(path = "studies.html")]
struct StudiesPage {
    nav: Nav,
    stream: String,
    streams: Vec<String>,
    groups: Vec<StudyGroup>,
    labels: Vec<String>,
    n_reports: usize,
    message: String,
    error: String,
}

#[derive(Deserialize)]
pub struct StudiesQuery {
    stream: Option<String>,
    msg: Option<String>,
    error: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<StudiesQuery>,
) -> WebResult<Response> {
    let (service, actor, viewer) = authorized(&state, &auth, &slug, Permission::Read).await?;
    let stream = service.stream(q.stream.as_deref()).await?.name;
    let streams = service.streams().await?.into_iter().map(|s| s.name).collect();
    let reports = service.included_reports(&actor, Some(&stream)).await?;
    let n_reports = reports.len();
    // Linked studies first, in the order of their first report; then the reports on their own.
    let mut groups: Vec<StudyGroup> = Vec::new();
    let mut alone = Vec::new();
    for (report, label) in reports {
        let r = &report.record.reference;
        let mut meta = r.author_strings().first().cloned().unwrap_or_default();
        if let Some(y) = r.year {
            meta.push_str(&format!(" ({y})"));
        }
        if let Some(j) = &r.journal {
            meta.push_str(&format!(" · {j}"));
        }
        let line = ReportLine {
            citation: report.citation.0,
            title: r.title.clone().unwrap_or_else(|| "(no title)".into()),
            meta,
        };
        match label {
            Some(label) => match groups.iter_mut().find(|g| g.label == label) {
                Some(group) => group.reports.push(line),
                None => groups.push(StudyGroup { label, reports: vec![line] }),
            },
            None => alone.push(StudyGroup { label: String::new(), reports: vec![line] }),
        }
    }
    let labels = groups.iter().map(|g| g.label.clone()).collect();
    groups.extend(alone);
    let page = StudiesPage {
        nav: Nav::review(&auth, &service, &viewer, "studies"),
        stream,
        streams,
        groups,
        labels,
        n_reports,
        message: q.msg.unwrap_or_default(),
        error: q.error.unwrap_or_default(),
    };
    Ok(render(&page)?.into_response())
}

/// Links the checked reports to one study (reviewers). A refusal comes back as the page's
/// error line, the page otherwise unchanged.
pub async fn link(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    auth.check_csrf(value("csrf"))?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let stream = value("stream").unwrap_or_default().to_string();
    let study = value("study").unwrap_or_default().trim().to_string();
    let citations = pairs
        .iter()
        .filter(|(k, _)| k == "citation")
        .map(|(_, v)| {
            v.parse::<i64>().map_err(|_| WebError::BadRequest(format!("citation {v:?} is not a number")))
        })
        .collect::<Result<Vec<i64>, WebError>>()?;
    let back = |key: &str, text: String| {
        Redirect::to(&format!("/r/{slug}/studies?stream={}&{key}={}", url_encode(&stream), url_encode(&text)))
            .into_response()
    };
    if citations.is_empty() {
        return Ok(back("error", "Tick the reports that belong to the study first.".into()));
    }
    if study.is_empty() {
        return Ok(back("error", "Name the study (for example \"Smith 2020 trial\").".into()));
    }
    match service.link_study(&actor, &study, &citations).await {
        Ok(()) => {
            let n = citations.len();
            Ok(back("msg", format!("{n} report{} linked to study {study:?}.", if n == 1 { "" } else { "s" })))
        }
        Err(e @ ServiceError::Invalid { .. }) => Ok(back("error", crate::error::for_people(&e))),
        Err(other) => Err(WebError::from(other)),
    }
}

#[derive(Deserialize)]
pub struct UnlinkForm {
    csrf: Option<String>,
    stream: Option<String>,
    citation: i64,
}

/// Takes one report out of its study (reviewers).
pub async fn unlink(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<UnlinkForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let label = service.unlink_study(&actor, form.citation).await?;
    let text =
        format!("Citation {} taken out of study {label:?}; it counts as a study of its own.", form.citation);
    Ok(Redirect::to(&format!(
        "/r/{slug}/studies?stream={}&msg={}",
        url_encode(form.stream.as_deref().unwrap_or_default()),
        url_encode(&text)
    ))
    .into_response())
}
