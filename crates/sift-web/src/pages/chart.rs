//! Data charting: the citations to chart per form with my state and each charter's progress
//! (counts only), the chart page (a form rendered as typed inputs, saved for the logged-in
//! charter alone, blinded), and compare-and-settle for those who may resolve.
//!
//! Inputs are named after the field keys (`f.KEY`; a pair as `f.KEY.i`, `f.KEY.c`, `f.KEY.t`;
//! a group's cells as `f.GROUP[N].SUB`), turned into the `key = text` assignments
//! `Service::chart` takes; saved values are turned back into the same names to fill the page,
//! so a refused save redraws exactly what was typed.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_domain::charting::{Field, FieldKind, Form as ChartForm, Value, Values};
use sift_domain::screening::Stage;
use sift_service::{Actor, Permission, Service, ServiceError};

use super::{Nav, render, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::WebResult;
use crate::state::AppState;

/// Posted or saved values by input name.
type Raw = HashMap<String, Vec<String>>;

/// One field as drawn on the chart page.
pub struct FieldView {
    /// The field's key (a group's, for its row count and "add row").
    pub key: String,
    pub name: String,
    pub id: String,
    pub label: String,
    /// text, long_text, integer, number, pair, single, multiple, ynu, date, group.
    pub kind: &'static str,
    pub required: bool,
    pub help: String,
    pub value: String,
    /// Intervention, control, total.
    pub pair: [String; 3],
    /// (option, chosen).
    pub options: Vec<(String, bool)>,
    pub any_chosen: bool,
    pub error: String,
    /// The ids of the help and error texts, for `aria-describedby`.
    pub described: String,
    /// A group's sub-field labels (label, required).
    pub columns: Vec<(String, bool)>,
    pub rows: Vec<Vec<FieldView>>,
}

fn html_id(name: &str) -> String {
    let mut id = String::from("f");
    for c in name.chars().skip(1) {
        id.push(if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' });
    }
    id
}

fn kind_tag(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::LongText => "long_text",
        FieldKind::Integer => "integer",
        FieldKind::Number => "number",
        FieldKind::IntegerPair => "pair",
        FieldKind::SingleChoice { .. } => "single",
        FieldKind::MultipleChoice { .. } => "multiple",
        FieldKind::YesNoUnclear => "ynu",
        FieldKind::Date => "date",
        FieldKind::Group { .. } => "group",
    }
}

fn first(raw: &Raw, name: &str) -> String {
    raw.get(name).and_then(|v| v.first()).cloned().unwrap_or_default()
}

/// Saved values as input names and texts.
fn values_to_raw(form: &ChartForm, values: &Values) -> Raw {
    fn put(raw: &mut Raw, name: String, value: &Value) {
        match value {
            Value::Pair { intervention, control, total } => {
                let text = |n: &Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
                raw.insert(format!("{name}.i"), vec![text(intervention)]);
                raw.insert(format!("{name}.c"), vec![text(control)]);
                raw.insert(format!("{name}.t"), vec![text(total)]);
            }
            Value::Choices(c) => {
                raw.insert(name, c.clone());
            }
            Value::Rows(rows) => {
                raw.insert(format!("rows.{}", name.trim_start_matches("f.")), vec![rows.len().to_string()]);
                for (i, row) in rows.iter().enumerate() {
                    for (sub, v) in row {
                        put(raw, format!("{name}[{}].{sub}", i + 1), v);
                    }
                }
            }
            other => {
                raw.insert(name, vec![other.display()]);
            }
        }
    }
    let mut raw = Raw::new();
    for field in &form.fields {
        if let Some(v) = values.get(&field.key) {
            put(&mut raw, format!("f.{}", field.key), v);
        }
    }
    raw
}

/// The text typed for a (non-group) field, as `Form::assign` takes it.
fn field_text(field: &Field, raw: &Raw, name: &str) -> String {
    match &field.kind {
        FieldKind::IntegerPair => {
            let (i, c) = (first(raw, &format!("{name}.i")), first(raw, &format!("{name}.c")));
            if i.trim().is_empty() && c.trim().is_empty() {
                first(raw, &format!("{name}.t"))
            } else {
                format!("{}/{}", i.trim(), c.trim())
            }
        }
        FieldKind::MultipleChoice { .. } => raw.get(name).map(|v| v.join("; ")).unwrap_or_default(),
        _ => first(raw, name),
    }
}

/// How many rows a group shows: what was posted or saved, at least one.
fn row_count(raw: &Raw, key: &str) -> usize {
    let declared = first(raw, &format!("rows.{key}")).parse::<usize>().unwrap_or(0);
    let prefix = format!("f.{key}[");
    let seen = raw
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix)?.split_once(']')?.0.parse::<usize>().ok())
        .max()
        .unwrap_or(0);
    declared.max(seen).clamp(1, 1000)
}

/// The page's inputs as `key = text` assignments: every field (an empty one clears it), a
/// group cleared and then set row by row, its empty rows dropped.
fn assignments(form: &ChartForm, raw: &Raw) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for field in &form.fields {
        let name = format!("f.{}", field.key);
        if let FieldKind::Group { fields } = &field.kind {
            out.push((field.key.clone(), String::new()));
            let mut n = 0;
            for row in 1..=row_count(raw, &field.key) {
                let cells: Vec<(String, String)> = fields
                    .iter()
                    .map(|sub| (sub.key.clone(), field_text(sub, raw, &format!("{name}[{row}].{}", sub.key))))
                    .collect();
                if cells.iter().all(|(_, t)| t.trim().is_empty() || t.trim() == "/") {
                    continue;
                }
                n += 1;
                for (sub, text) in cells {
                    out.push((format!("{}[{n}].{sub}", field.key), text));
                }
            }
        } else {
            out.push((field.key.clone(), field_text(field, raw, &name)));
        }
    }
    out
}

fn view(
    field: &Field,
    raw: &Raw,
    name: String,
    errors: &HashMap<String, String>,
    extra_row: bool,
) -> FieldView {
    let chosen = raw.get(&name).cloned().unwrap_or_default();
    let options = |opts: &[String], ci: bool| {
        opts.iter()
            .map(|o| {
                let on = chosen.iter().any(|c| if ci { c.eq_ignore_ascii_case(o) } else { c == o });
                (o.clone(), on)
            })
            .collect::<Vec<_>>()
    };
    let mut v = FieldView {
        id: html_id(&name),
        label: field.label.clone(),
        kind: kind_tag(&field.kind),
        required: field.required,
        help: field.help.clone().unwrap_or_default(),
        value: first(raw, &name),
        pair: [
            first(raw, &format!("{name}.i")),
            first(raw, &format!("{name}.c")),
            first(raw, &format!("{name}.t")),
        ],
        options: Vec::new(),
        any_chosen: false,
        described: String::new(),
        key: field.key.clone(),
        error: errors.get(&name).cloned().unwrap_or_default(),
        columns: Vec::new(),
        rows: Vec::new(),
        name,
    };
    match &field.kind {
        FieldKind::SingleChoice { options: o } | FieldKind::MultipleChoice { options: o } => {
            v.options = options(o, false)
        }
        FieldKind::YesNoUnclear => v.options = options(&["yes".into(), "no".into(), "unclear".into()], true),
        FieldKind::Group { fields } => {
            v.columns = fields.iter().map(|f| (f.label.clone(), f.required)).collect();
            let n = row_count(raw, &field.key) + usize::from(extra_row);
            v.rows = (1..=n)
                .map(|row| {
                    fields
                        .iter()
                        .map(|sub| {
                            let mut cell =
                                view(sub, raw, format!("{}[{row}].{}", v.name, sub.key), errors, false);
                            cell.label = format!("{}, row {row}", sub.label);
                            cell
                        })
                        .collect()
                })
                .collect();
        }
        _ => {}
    }
    v.any_chosen = v.options.iter().any(|o| o.1);
    let mut described = Vec::new();
    if !v.help.is_empty() {
        described.push(format!("{}-help", v.id));
    }
    if !v.error.is_empty() {
        described.push(format!("{}-err", v.id));
    }
    v.described = described.join(" ");
    v
}

/// The fields drawn from `raw`, with an error by input name and an extra empty row for one group.
fn views(
    form: &ChartForm,
    raw: &Raw,
    errors: &HashMap<String, String>,
    add_row: Option<&str>,
) -> Vec<FieldView> {
    form.fields
        .iter()
        .map(|f| view(f, raw, format!("f.{}", f.key), errors, add_row == Some(f.key.as_str())))
        .collect()
}

/// The input a service error names (`arms[2].n` is the group `arms`), and its message.
fn error_at(form: &ChartForm, field: &str, message: &str) -> (String, String) {
    let top = field.split('[').next().unwrap_or(field);
    if form.field(top).is_some() {
        let text = if top == field { message.to_string() } else { format!("{field}: {message}") };
        (format!("f.{top}"), text)
    } else {
        (String::new(), format!("{field}: {message}"))
    }
}

pub struct CitationHead {
    pub citation: i64,
    pub title: String,
    pub authors: String,
    pub year: String,
    pub journal: String,
}

async fn head(service: &Service, actor: &Actor, citation: i64) -> WebResult<CitationHead> {
    let view = service.citation_view(actor, citation, Stage::TitleAbstract).await?;
    let r = &view.record.reference;
    Ok(CitationHead {
        citation,
        title: r.title.clone().unwrap_or_else(|| "(no title)".into()),
        authors: r.author_strings().join("; "),
        year: r.year.map(|y| y.to_string()).unwrap_or_default(),
        journal: r.journal.clone().unwrap_or_default(),
    })
}

async fn form_named(service: &Service, name: &str) -> WebResult<ChartForm> {
    let forms = service.forms().await?;
    let names: Vec<String> = forms.iter().map(|f| f.name.clone()).collect();
    forms.into_iter().find(|f| f.name == name).ok_or_else(|| {
        ServiceError::NotFound {
            what: "form",
            key: name.to_string(),
            hint: format!("; the review's forms are: {}", names.join(", ")),
        }
        .into()
    })
}

// ---- the list of citations to chart ----

pub struct ChartLine {
    pub citation: i64,
    pub title: String,
    pub meta: String,
    pub state: &'static str,
    pub settled: bool,
}

pub struct FormBoard {
    pub name: String,
    pub path: String,
    pub lines: Vec<ChartLine>,
    pub per_charter: Vec<(String, usize)>,
    pub settled: usize,
}

#[derive(Template)]
#[template(path = "chart_list.html")]
struct ChartListPage {
    nav: Nav,
    boards: Vec<FormBoard>,
    n_citations: usize,
}

pub async fn list(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
) -> WebResult<Response> {
    let (service, actor, viewer) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let citations = service.to_chart(&actor).await?;
    let mut boards = Vec::new();
    for form in service.forms().await? {
        let mine = service.my_chart_states(&actor, &form.name).await?;
        let progress = service.chart_progress(&form.name).await?;
        let (_, consensus) = service.chart_consensus(&form.name).await?;
        let lines = citations
            .iter()
            .map(|c| {
                let r = &c.record.reference;
                let mut meta = r.author_strings().first().cloned().unwrap_or_default();
                if let Some(y) = r.year {
                    meta.push_str(&format!(" ({y})"));
                }
                ChartLine {
                    settled: consensus.contains_key(&c.citation),
                    citation: c.citation.0,
                    title: r.title.clone().unwrap_or_else(|| "(no title)".into()),
                    meta,
                    state: match mine.get(&c.citation) {
                        None => "not started",
                        Some(false) => "draft",
                        Some(true) => "complete",
                    },
                }
            })
            .collect();
        boards.push(FormBoard {
            path: url_encode(&form.name),
            name: form.name,
            lines,
            per_charter: progress.per_charter,
            settled: progress.n_consensus,
        });
    }
    let page = ChartListPage {
        nav: Nav::review(&auth, &service, &viewer, "charting"),
        boards,
        n_citations: citations.len(),
    };
    Ok(render(&page)?.into_response())
}

// ---- the chart page ----

#[derive(Template)]
#[template(path = "chart.html")]
struct ChartPage {
    nav: Nav,
    form: String,
    form_path: String,
    head: CitationHead,
    fields: Vec<FieldView>,
    complete: bool,
    saved_state: &'static str,
    message: String,
    errors: Vec<(String, String)>,
    may_compare: bool,
}

#[derive(Deserialize)]
pub struct MsgQuery {
    msg: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn draw_chart(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    form_name: &str,
    citation: i64,
    raw: Option<Raw>,
    complete: Option<bool>,
    errors: HashMap<String, String>,
    add_row: Option<&str>,
    message: String,
) -> WebResult<String> {
    let (service, actor, viewer) = authorized(state, auth, slug, Permission::Vote).await?;
    let form = form_named(&service, form_name).await?;
    let (saved, saved_complete) = service.my_chart(&actor, form_name, citation).await?;
    let saved_state = match (saved.is_empty(), saved_complete) {
        (_, true) => "complete",
        (true, false) => "not started",
        (false, false) => "draft",
    };
    let raw = raw.unwrap_or_else(|| values_to_raw(&form, &saved));
    // (text, the id of the message beside its field), for links from the summary.
    let mut summary: Vec<(String, String)> =
        errors.get("").into_iter().map(|e| (e.clone(), String::new())).collect();
    summary.extend(form.fields.iter().filter_map(|f| {
        let name = format!("f.{}", f.key);
        errors.get(&name).map(|e| (format!("{}: {e}", f.label), format!("{}-err", html_id(&name))))
    }));
    let page = ChartPage {
        nav: Nav::review(auth, &service, &viewer, "charting"),
        form_path: url_encode(&form.name),
        form: form.name.clone(),
        head: head(&service, &actor, citation).await?,
        fields: views(&form, &raw, &errors, add_row),
        complete: complete.unwrap_or(saved_complete),
        saved_state,
        message,
        errors: summary,
        may_compare: viewer.may_resolve(),
    };
    Ok(render(&page)?.0)
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form, citation)): Path<(String, String, i64)>,
    Query(q): Query<MsgQuery>,
) -> WebResult<Response> {
    let body = draw_chart(
        &state,
        &auth,
        &slug,
        &form,
        citation,
        None,
        None,
        HashMap::new(),
        None,
        q.msg.unwrap_or_default(),
    )
    .await?;
    Ok(Html(body).into_response())
}

fn posted(pairs: Vec<(String, String)>) -> Raw {
    let mut raw = Raw::new();
    for (k, v) in pairs {
        raw.entry(k).or_default().push(v);
    }
    raw
}

pub async fn save(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form_name, citation)): Path<(String, String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let raw = posted(pairs);
    auth.check_csrf(Some(&first(&raw, "csrf")))?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let form = form_named(&service, &form_name).await?;
    let complete = raw.contains_key("complete");
    if let Some(group) = raw.get("add_row").and_then(|v| v.first()).cloned() {
        let body = draw_chart(
            &state,
            &auth,
            &slug,
            &form_name,
            citation,
            Some(raw),
            Some(complete),
            HashMap::new(),
            Some(&group),
            "A row was added; nothing is saved until you save.".into(),
        )
        .await?;
        return Ok(Html(body).into_response());
    }
    match service.chart(&actor, &form_name, citation, &assignments(&form, &raw), complete).await {
        Ok(_) => {
            let msg = if complete { "Saved as complete." } else { "Saved as a draft." };
            Ok(Redirect::to(&format!(
                "/r/{slug}/chart/{}/{citation}?msg={}",
                url_encode(&form_name),
                url_encode(msg)
            ))
            .into_response())
        }
        Err(ServiceError::Invalid { field, message }) => {
            let errors = HashMap::from([error_at(&form, &field, &message)]);
            let body = draw_chart(
                &state,
                &auth,
                &slug,
                &form_name,
                citation,
                Some(raw),
                Some(complete),
                errors,
                None,
                String::new(),
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, Html(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---- compare and settle ----

pub struct CompareLine {
    pub key: String,
    pub label: String,
    pub agree: bool,
    /// (index, charter, value shown, value as text, chosen).
    pub values: Vec<(usize, String, String, String, bool)>,
    pub typed: String,
    pub typed_chosen: bool,
    pub consensus: String,
    pub error: String,
    /// How to type a value of this field.
    pub hint: String,
}

#[derive(Template)]
#[template(path = "chart_compare.html")]
struct ComparePage {
    nav: Nav,
    form: String,
    form_path: String,
    head: CitationHead,
    charters: Vec<String>,
    lines: Vec<CompareLine>,
    n_differ: usize,
    has_consensus: bool,
    message: String,
    error: String,
}

#[allow(clippy::too_many_arguments)]
async fn draw_compare(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    form_name: &str,
    citation: i64,
    posted: Option<&Raw>,
    error: Option<(String, String)>,
    message: String,
) -> WebResult<String> {
    let (service, actor, viewer) = authorized(state, auth, slug, Permission::Read).await?;
    let fields = service.compare_chart(&actor, form_name, citation).await?;
    let form = form_named(&service, form_name).await?;
    let charters: Vec<String> =
        fields.first().map(|f| f.values.iter().map(|(c, _)| c.clone()).collect()).unwrap_or_default();
    let (error_key, error_text) = error.unwrap_or_default();
    let mut general_error = String::new();
    if !error_text.is_empty() && !fields.iter().any(|f| f.key == error_key) {
        general_error = error_text.clone();
    }
    let lines: Vec<CompareLine> = fields
        .into_iter()
        .map(|f| {
            let pick = posted.map(|p| first(p, &format!("pick.{}", f.key)));
            let consensus = f.consensus.clone().unwrap_or_default();
            let default_pick = match &f.consensus {
                Some(c) => f
                    .values
                    .iter()
                    .find(|(_, v)| v == c)
                    .map_or("typed".to_string(), |(n, _)| format!("charter:{n}")),
                None => f.values.first().map(|(n, _)| format!("charter:{n}")).unwrap_or_default(),
            };
            let pick = pick.filter(|p| !p.is_empty()).unwrap_or(default_pick);
            let typed = match posted {
                Some(p) => first(p, &format!("typed.{}", f.key)),
                None if pick == "typed" => consensus.clone(),
                None => String::new(),
            };
            CompareLine {
                hint: form.field(&f.key).map(|d| typing_hint(&d.kind)).unwrap_or_default(),
                error: if f.key == error_key { error_text.clone() } else { String::new() },
                values: f
                    .values
                    .iter()
                    .zip(&f.texts)
                    .enumerate()
                    .map(|(i, ((c, shown), text))| {
                        (i, c.clone(), shown.clone(), text.clone(), pick == format!("charter:{c}"))
                    })
                    .collect(),
                typed_chosen: pick == "typed",
                typed,
                key: f.key,
                label: f.label,
                agree: f.agree,
                consensus,
            }
        })
        .collect();
    let page = ComparePage {
        nav: Nav::review(auth, &service, &viewer, "charting"),
        form_path: url_encode(form_name),
        form: form_name.to_string(),
        head: head(&service, &actor, citation).await?,
        n_differ: lines.iter().filter(|l| !l.agree).count(),
        has_consensus: lines.iter().any(|l| !l.consensus.is_empty()),
        charters,
        lines,
        message,
        error: general_error,
    };
    Ok(render(&page)?.0)
}

/// How a value of a field is typed as text, for the compare page's own-value box.
fn typing_hint(kind: &FieldKind) -> String {
    match kind {
        FieldKind::IntegerPair => "31/32, or a total".into(),
        FieldKind::MultipleChoice { options } => {
            format!("choices separated by ; from: {}", options.join(", "))
        }
        FieldKind::SingleChoice { options } => format!("one of: {}", options.join(", ")),
        FieldKind::YesNoUnclear => "yes, no or unclear".into(),
        FieldKind::Date => "YYYY, YYYY-MM or YYYY-MM-DD".into(),
        FieldKind::Group { fields } => {
            let cells: Vec<String> = fields.iter().map(|f| format!("\"{}\": \"…\"", f.key)).collect();
            format!("rows as JSON: [{{{}}}]", cells.join(", "))
        }
        _ => String::new(),
    }
}

pub async fn compare(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form, citation)): Path<(String, String, i64)>,
    Query(q): Query<MsgQuery>,
) -> WebResult<Response> {
    let body =
        draw_compare(&state, &auth, &slug, &form, citation, None, None, q.msg.unwrap_or_default()).await?;
    Ok(Html(body).into_response())
}

pub async fn settle(
    State(state): State<AppState>,
    auth: Auth,
    Path((slug, form_name, citation)): Path<(String, String, i64)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let raw = posted(pairs);
    auth.check_csrf(Some(&first(&raw, "csrf")))?;
    // Settling is a change: viewers never, whatever the stage settings.
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Vote).await?;
    let fields = service.compare_chart(&actor, &form_name, citation).await?;
    let overrides: Vec<(String, String)> = fields
        .iter()
        .map(|f| {
            let pick = first(&raw, &format!("pick.{}", f.key));
            // A charter is picked by name, so a charter who charts meanwhile shifts nothing.
            let charter =
                pick.strip_prefix("charter:").and_then(|n| f.values.iter().position(|(c, _)| c == n));
            let text = match charter {
                Some(i) => f.texts.get(i).cloned().unwrap_or_default(),
                None => first(&raw, &format!("typed.{}", f.key)),
            };
            (f.key.clone(), text)
        })
        .collect();
    match service.settle_chart(&actor, &form_name, citation, None, &overrides).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/r/{slug}/chart/{}/{citation}/compare?msg={}",
            url_encode(&form_name),
            url_encode("Consensus saved.")
        ))
        .into_response()),
        Err(ServiceError::Invalid { field, message }) => {
            let key = field.split('[').next().unwrap_or(&field).to_string();
            let text = if key == field { message } else { format!("{field}: {message}") };
            let body = draw_compare(
                &state,
                &auth,
                &slug,
                &form_name,
                citation,
                Some(&raw),
                Some((key, text)),
                String::new(),
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, Html(body)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
