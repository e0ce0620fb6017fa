//! Forms and appraisal tools: every member reads the review's extraction forms (fields,
//! types, required, help) and its appraisal tools; owners add a form or a tool by pasting its
//! TOML or JSON definition (`docs/forms.md`), and a refused definition comes back with the
//! service's message, naming the field, and the text kept.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::charting::{Field, FieldKind};
use sift_service::{Permission, ServiceError};

use super::{Nav, render, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// An example form definition, shown as the textarea's placeholder.
pub const FORM_EXAMPLE: &str = r#"name = "characteristics"
description = "Study characteristics (Table 1)"

[[fields]]
key = "design"
label = "Design"
type = "text"
required = true
help = "RCT (blinded/open, crossover) or cohort"

[[fields]]
key = "patients"
label = "Patients (intervention/control)"
type = "integer_pair"

[[fields]]
key = "effect"
label = "Effect"
type = "single_choice"
options = ["Yes", "No", "Inconclusive"]

[[fields]]
key = "arms"
label = "Arms"
type = "group"
fields = [
  { key = "name", label = "Arm", type = "text" },
  { key = "n", label = "Randomized", type = "integer" },
]"#;

/// An example appraisal tool definition, shown as the textarea's placeholder.
pub const TOOL_EXAMPLE: &str = r#"key = "mmat-qual"
name = "MMAT 2018, qualitative studies"
judgements = ["Yes", "Can't tell", "No"]
overall = ["High", "Moderate", "Low"]

[[domains]]
key = "1.1"
label = "Is the qualitative approach appropriate?"

[[domains]]
key = "1.2"
label = "Are the data collection methods adequate?""#;

pub struct FieldLine {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    pub help: String,
}

pub struct FormLine {
    pub name: String,
    pub description: String,
    pub fields: Vec<FieldLine>,
}

pub struct ToolLine {
    pub key: String,
    pub name: String,
    pub domains: usize,
    pub judgements: String,
    pub builtin: bool,
}

#[derive(Template)]
#[template(path = "forms.html")]
struct FormsPage {
    nav: Nav,
    forms: Vec<FormLine>,
    tools: Vec<ToolLine>,
    message: String,
    form_text: String,
    form_error: String,
    tool_text: String,
    tool_error: String,
    form_example: &'static str,
    tool_example: &'static str,
}

/// How a field's type reads on a page.
pub fn kind_label(kind: &FieldKind) -> String {
    match kind {
        FieldKind::Text => "short text".into(),
        FieldKind::LongText => "long text".into(),
        FieldKind::Integer => "whole number".into(),
        FieldKind::Number => "number".into(),
        FieldKind::IntegerPair => "intervention / control counts, or a total".into(),
        FieldKind::SingleChoice { options } => format!("one of: {}", options.join(", ")),
        FieldKind::MultipleChoice { options } => format!("any of: {}", options.join(", ")),
        FieldKind::YesNoUnclear => "yes / no / unclear".into(),
        FieldKind::Date => "date (YYYY, YYYY-MM or YYYY-MM-DD)".into(),
        FieldKind::Group { fields } => format!(
            "rows of: {}",
            fields
                .iter()
                .map(|f| format!("{} ({})", f.label, kind_label(&f.kind)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

fn field_line(f: &Field) -> FieldLine {
    FieldLine {
        key: f.key.clone(),
        label: f.label.clone(),
        kind: kind_label(&f.kind),
        required: f.required,
        help: f.help.clone().unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct FormsQuery {
    msg: Option<String>,
}

#[derive(Default)]
struct Pasted {
    form_text: String,
    form_error: String,
    tool_text: String,
    tool_error: String,
}

async fn show(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    message: String,
    pasted: Pasted,
) -> WebResult<String> {
    let (service, _, viewer) = authorized(state, auth, slug, Permission::Read).await?;
    let forms = service
        .forms()
        .await?
        .into_iter()
        .map(|f| FormLine {
            name: f.name,
            description: f.description.unwrap_or_default(),
            fields: f.fields.iter().map(field_line).collect(),
        })
        .collect();
    let builtin: Vec<String> = sift_domain::appraisal::builtin_tools().into_iter().map(|t| t.key).collect();
    let tools = service
        .appraisal_tools()
        .await?
        .into_iter()
        .map(|t| ToolLine {
            builtin: builtin.contains(&t.key),
            domains: t.domains.len(),
            judgements: t.judgements.join(" / "),
            key: t.key,
            name: t.name,
        })
        .collect();
    let page = FormsPage {
        nav: Nav::review(auth, &service, &viewer, "charting"),
        forms,
        tools,
        message,
        form_text: pasted.form_text,
        form_error: pasted.form_error,
        tool_text: pasted.tool_text,
        tool_error: pasted.tool_error,
        form_example: FORM_EXAMPLE,
        tool_example: TOOL_EXAMPLE,
    };
    Ok(render(&page)?.0)
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<FormsQuery>,
) -> WebResult<Response> {
    Ok(axum::response::Html(show(&state, &auth, &slug, q.msg.unwrap_or_default(), Pasted::default()).await?)
        .into_response())
}

#[derive(Deserialize)]
pub struct DefinitionForm {
    csrf: Option<String>,
    definition: String,
}

/// A refused definition: the message as the user should read it, or the error itself when it
/// is not about the definition.
fn refusal(error: ServiceError) -> Result<String, WebError> {
    match error {
        ServiceError::Invalid { field, message } => Ok(match field.split_once(' ') {
            Some((_, rest)) => format!("{rest}: {message}"),
            None => message,
        }),
        ServiceError::Conflict(message) => Ok(message),
        other => Err(other.into()),
    }
}

pub async fn add_form(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<DefinitionForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    match service.add_form(&actor, &form.definition).await {
        Ok(added) => Ok(Redirect::to(&format!(
            "/r/{slug}/forms?msg={}",
            url_encode(&format!("Form {:?} added with {} fields.", added.name, added.fields.len()))
        ))
        .into_response()),
        Err(e) => {
            let pasted = Pasted { form_error: refusal(e)?, form_text: form.definition, ..Pasted::default() };
            let body = show(&state, &auth, &slug, String::new(), pasted).await?;
            Ok((StatusCode::BAD_REQUEST, axum::response::Html(body)).into_response())
        }
    }
}

pub async fn add_tool(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<DefinitionForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    match service.add_appraisal_tool(&actor, &form.definition).await {
        Ok(tool) => Ok(Redirect::to(&format!(
            "/r/{slug}/forms?msg={}",
            url_encode(&format!("Appraisal tool {:?} ({}) added.", tool.key, tool.name))
        ))
        .into_response()),
        Err(e) => {
            let pasted = Pasted { tool_error: refusal(e)?, tool_text: form.definition, ..Pasted::default() };
            let body = show(&state, &auth, &slug, String::new(), pasted).await?;
            Ok((StatusCode::BAD_REQUEST, axum::response::Html(body)).into_response())
        }
    }
}
