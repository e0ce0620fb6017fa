//! Appraisal of one study: choose a tool (built in or the review's own), judge each domain
//! (answering its signalling questions where the tool has them), give the overall judgement
//! and notes; and grade the Oxford CEBM 2011 level of evidence. A member sees and edits their
//! own appraisal; owners and resolvers also see the others' (`Service::visible_appraisals`).

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::appraisal::Appraisal;
use sift_domain::charting::CEBM_2011_TREATMENT;
use sift_service::{Permission, ServiceError};

use super::{Nav, render, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::WebResult;
use crate::state::AppState;

pub struct QuestionView {
    pub key: String,
    pub id: String,
    pub text: String,
    pub answers: Vec<(String, bool)>,
}

pub struct DomainView {
    pub key: String,
    pub id: String,
    pub label: String,
    pub judgements: Vec<(String, bool)>,
    pub questions: Vec<QuestionView>,
}

pub struct OtherAppraisal {
    pub tool: String,
    pub by: String,
    pub overall: String,
}

#[derive(Template)]
#[template(path = "appraise.html")]
struct AppraisePage {
    nav: Nav,
    citation: i64,
    title: String,
    meta: String,
    tools: Vec<(String, String, bool)>,
    tool_key: String,
    tool_name: String,
    domains: Vec<DomainView>,
    overall: Vec<(String, bool)>,
    notes: String,
    levels: Vec<(&'static str, &'static str, bool)>,
    level_set: bool,
    others: Vec<OtherAppraisal>,
    message: String,
    error: String,
}

#[derive(Deserialize)]
pub struct AppraiseQuery {
    tool: Option<String>,
    msg: Option<String>,
}

fn dom_id(prefix: &str, key: &str) -> String {
    let safe: String = key.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    format!("{prefix}-{safe}")
}

#[allow(clippy::too_many_arguments)]
async fn draw(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    citation: i64,
    tool: Option<String>,
    posted: Option<Appraisal>,
    message: String,
    error: String,
) -> WebResult<String> {
    let (service, actor, viewer) = authorized(state, auth, slug, Permission::Vote).await?;
    let view = service.citation_view(&actor, citation, sift_domain::screening::Stage::TitleAbstract).await?;
    let r = &view.record.reference;
    let tools = service.appraisal_tools().await?;
    let visible = service.visible_appraisals(&actor).await?;
    let here: Vec<_> = visible.into_iter().filter(|(c, _, _, _)| c.0 == citation).collect();
    let mine: Vec<_> = here.iter().filter(|(_, _, by, _)| *by == actor.name).collect();
    let tool_key = tool
        .filter(|t| tools.iter().any(|x| &x.key == t))
        .or_else(|| mine.first().map(|(_, t, _, _)| t.clone()))
        .unwrap_or_else(|| tools[0].key.clone());
    let chosen = tools.iter().find(|t| t.key == tool_key).unwrap_or(&tools[0]);
    let current = posted
        .or_else(|| mine.iter().find(|(_, t, _, _)| *t == chosen.key).map(|(_, _, _, a)| a.clone()))
        .unwrap_or_default();
    let pick = |options: &[String], value: Option<&String>| {
        options.iter().map(|o| (o.clone(), value == Some(o))).collect::<Vec<_>>()
    };
    let domains = chosen
        .domains
        .iter()
        .map(|d| DomainView {
            id: dom_id("d", &d.key),
            key: d.key.clone(),
            label: d.label.clone(),
            judgements: pick(&chosen.judgements, current.judgements.get(&d.key)),
            questions: d
                .questions
                .iter()
                .map(|(q, text)| QuestionView {
                    id: dom_id("q", q),
                    key: q.clone(),
                    text: text.clone(),
                    answers: pick(&chosen.answers, current.answers.get(q)),
                })
                .collect(),
        })
        .collect();
    let levels = service.levels().await?;
    let level = levels.get(&sift_domain::CitationId(citation));
    let mut meta = r.author_strings().join("; ");
    if let Some(y) = r.year {
        meta.push_str(&format!(" · {y}"));
    }
    let page = AppraisePage {
        nav: Nav::review(auth, &service, &viewer, "charting"),
        citation,
        title: r.title.clone().unwrap_or_else(|| "(no title)".into()),
        meta,
        tools: tools.iter().map(|t| (t.key.clone(), t.name.clone(), t.key == chosen.key)).collect(),
        tool_key: chosen.key.clone(),
        tool_name: chosen.name.clone(),
        domains,
        overall: pick(chosen.overall_judgements(), current.overall.as_ref()),
        notes: current.notes.clone().unwrap_or_default(),
        levels: CEBM_2011_TREATMENT
            .iter()
            .map(|(l, d)| (*l, *d, level.is_some_and(|(_, lv)| lv == l)))
            .collect(),
        level_set: level.is_some(),
        others: here
            .iter()
            .filter(|(_, _, by, _)| *by != actor.name)
            .map(|(_, t, by, a)| OtherAppraisal {
                tool: t.clone(),
                by: by.clone(),
                overall: a.overall.clone().unwrap_or_else(|| "not judged".into()),
            })
            .collect(),
        message,
        error,
    };
    Ok(render(&page)?.0)
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    Query(q): Query<AppraiseQuery>,
) -> WebResult<Response> {
    let body =
        draw(&state, &auth, &slug, citation, q.tool, None, q.msg.unwrap_or_default(), String::new()).await?;
    Ok(Html(body).into_response())
}

pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let raw: HashMap<String, String> = pairs.into_iter().collect();
    auth.check_csrf(raw.get("csrf").map(String::as_str))?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let tool = raw.get("tool").cloned().unwrap_or_default();
    let nonempty = |v: &String| !v.trim().is_empty();
    let appraisal = Appraisal {
        judgements: raw
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("d.")?.to_string(), v.clone())))
            .filter(|(_, v)| nonempty(v))
            .collect(),
        answers: raw
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("q.")?.to_string(), v.clone())))
            .filter(|(_, v)| nonempty(v))
            .collect(),
        overall: raw.get("overall").filter(|v| nonempty(v)).cloned(),
        notes: raw.get("notes").filter(|v| nonempty(v)).cloned(),
    };
    match service.appraise(&actor, citation, &tool, &appraisal).await {
        Ok(()) => Ok(Redirect::to(&format!(
            "/r/{slug}/appraise/{citation}?tool={}&msg={}",
            url_encode(&tool),
            url_encode("Appraisal saved.")
        ))
        .into_response()),
        Err(ServiceError::Invalid { message, .. }) => {
            let body =
                draw(&state, &auth, &slug, citation, Some(tool), Some(appraisal), String::new(), message)
                    .await?;
            Ok((StatusCode::BAD_REQUEST, Html(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct LevelForm {
    csrf: Option<String>,
    level: String,
    tool: Option<String>,
}

pub async fn level(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, citation)): Path<(String, i64)>,
    Form(form): Form<LevelForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    service.set_level(&actor, citation, &form.level).await?;
    Ok(Redirect::to(&format!(
        "/r/{slug}/appraise/{citation}?tool={}&msg={}",
        url_encode(form.tool.as_deref().unwrap_or_default()),
        url_encode(&format!("Level of evidence {} saved.", form.level.trim()))
    ))
    .into_response())
}
