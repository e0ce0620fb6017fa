//! The API's charting and appraisal calls: forms, my own charted values (blinded like the
//! pages: never another charter's), compare and settle for resolvers, appraisal tools,
//! appraisals and levels of evidence.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::IntoResponse;
use serde::Deserialize;
use serde_json::{Value, json};
use sift_domain::appraisal::Appraisal;
use sift_service::Permission;

use super::{ApiResult, api};
use crate::auth::{Auth, authorized};
use crate::state::AppState;

pub async fn forms(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let forms = service.forms().await.map_err(api)?;
    Ok(Json(json!({ "forms": forms })).into_response())
}

#[derive(Deserialize)]
pub struct DefinitionBody {
    /// The TOML or JSON definition as text.
    definition: String,
}

pub async fn add_form(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<DefinitionBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let form = service.add_form(&actor, &body.definition).await.map_err(api)?;
    Ok(Json(json!({ "form": form })).into_response())
}

pub async fn progress(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form)): Path<(String, String)>,
) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let p = service.chart_progress(&form).await.map_err(api)?;
    Ok(Json(json!({
        "form": p.form,
        "settled": p.n_consensus,
        "complete_per_charter": p.per_charter.iter().map(|(n, c)| json!({ "member": n, "complete": c })).collect::<Vec<_>>(),
    }))
    .into_response())
}

pub async fn my_chart(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form, citation)): Path<(String, String, i64)>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let (values, complete) = service.my_chart(&actor, &form, citation).await.map_err(api)?;
    Ok(Json(json!({ "form": form, "citation": citation, "charter": actor.name, "values": values, "complete": complete }))
        .into_response())
}

#[derive(Deserialize)]
pub struct ChartBody {
    /// Field key (or `group[N].sub`) to value: text as typed, a number, or a group's rows as
    /// an array of objects; null or "" clears the field.
    #[serde(default)]
    values: BTreeMap<String, Value>,
    #[serde(default)]
    complete: bool,
}

fn as_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; ")
        }
        other => other.to_string(),
    }
}

pub async fn chart(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form, citation)): Path<(String, String, i64)>,
    Json(body): Json<ChartBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let assignments: Vec<(String, String)> =
        body.values.iter().map(|(k, v)| (k.clone(), as_text(v))).collect();
    let values = service.chart(&actor, &form, citation, &assignments, body.complete).await.map_err(api)?;
    Ok(Json(json!({ "form": form, "citation": citation, "charter": actor.name, "values": values, "complete": body.complete }))
        .into_response())
}

pub async fn compare(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form, citation)): Path<(String, String, i64)>,
) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let fields = service.compare_chart(&actor, &form, citation).await.map_err(api)?;
    Ok(Json(json!({
        "form": form,
        "citation": citation,
        "fields": fields.iter().map(|f| json!({
            "key": f.key, "label": f.label, "agree": f.agree, "consensus": f.consensus,
            "values": f.values.iter().map(|(c, v)| json!({ "charter": c, "value": v })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct SettleBody {
    /// Take this charter's values...
    from: Option<String>,
    /// ...and set these (as in `PUT .../chart/{form}/{citation}`).
    #[serde(default)]
    values: BTreeMap<String, Value>,
}

pub async fn settle(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form, citation)): Path<(String, String, i64)>,
    Json(body): Json<SettleBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let overrides: Vec<(String, String)> = body.values.iter().map(|(k, v)| (k.clone(), as_text(v))).collect();
    let values =
        service.settle_chart(&actor, &form, citation, body.from.as_deref(), &overrides).await.map_err(api)?;
    Ok(Json(json!({ "form": form, "citation": citation, "consensus": values })).into_response())
}

pub async fn tools(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let tools = service.appraisal_tools().await.map_err(api)?;
    Ok(Json(json!({ "tools": tools })).into_response())
}

pub async fn add_tool(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<DefinitionBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await.map_err(api)?;
    let tool = service.add_appraisal_tool(&actor, &body.definition).await.map_err(api)?;
    Ok(Json(json!({ "tool": tool })).into_response())
}

pub async fn appraisals(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let list = service.visible_appraisals(&actor).await.map_err(api)?;
    Ok(Json(json!({
        "appraisals": list.iter().map(|(c, tool, by, a)| json!({
            "citation": c.0, "tool": tool, "appraiser": by, "judgements": a.judgements,
            "answers": a.answers, "overall": a.overall, "notes": a.notes,
        })).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct AppraiseBody {
    citation: i64,
    tool: String,
    #[serde(default)]
    judgements: BTreeMap<String, String>,
    #[serde(default)]
    answers: BTreeMap<String, String>,
    overall: Option<String>,
    notes: Option<String>,
}

pub async fn appraise(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<AppraiseBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    let appraisal = Appraisal {
        judgements: body.judgements,
        answers: body.answers,
        overall: body.overall,
        notes: body.notes,
    };
    service.appraise(&actor, body.citation, &body.tool, &appraisal).await.map_err(api)?;
    Ok(Json(json!({ "citation": body.citation, "tool": body.tool, "appraiser": actor.name, "overall": appraisal.overall }))
        .into_response())
}

pub async fn levels(State(state): State<AppState>, auth: Auth, Path(slug): Path<String>) -> ApiResult {
    let (service, _, _) = authorized(&state, &auth, &slug, Permission::Read).await.map_err(api)?;
    let levels = service.levels().await.map_err(api)?;
    Ok(Json(json!({
        "levels": levels.iter().map(|(c, (system, level))| json!({ "citation": c.0, "system": system, "level": level })).collect::<Vec<_>>(),
    }))
    .into_response())
}

#[derive(Deserialize)]
pub struct LevelBody {
    citation: i64,
    /// Oxford CEBM 2011, "1" to "5".
    level: String,
}

pub async fn set_level(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Json(body): Json<LevelBody>,
) -> ApiResult {
    auth.check_csrf(None).map_err(api)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await.map_err(api)?;
    service.set_level(&actor, body.citation, &body.level).await.map_err(api)?;
    Ok(Json(json!({ "citation": body.citation, "system": "oxford-cebm-2011", "level": body.level.trim() }))
        .into_response())
}
