//! Reports: the flow diagrams and meta-analyses inline and every file of the report bundle to
//! download. Owners add study-characteristics tables (`docs/tables.md`) and meta-analyses
//! (`docs/meta.md`) by pasting their specs and remove them, and type in a stream's flow counts (`docs/flow.md`) or return it to the records' counts; a
//! refused spec or count comes back with the service's message and the text kept.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use sift_service::{Permission, ServiceError};

use super::builder::Builder;
use super::settings::RemoveForm;
use super::table_builder::{Start, TableBuilder};
use super::{Nav, render, url_encode};
use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// An example analysis spec, shown as the textarea's placeholder.
pub const ANALYSIS_EXAMPLE: &str = r#"[[analyses]]
name = "tb"
title = "BCG vaccine and tuberculosis"
form = "outcomes"
measure = "RR"
method = "REML"
subgroup = "alloc"
columns = { total1 = "n1", total2 = "n2" }"#;

/// An example table spec, shown as the textarea's placeholder.
pub const TABLE_EXAMPLE: &str = r#"[[tables]]
name = "table-1"
title = "Table 1. Included studies"
form = "characteristics"
[[tables.columns]]
header = "Author, year"
value = "study"
[[tables.columns]]
header = "Design"
field = "design""#;

/// One stored table, drawn from the form's settled values.
pub struct TableCard {
    pub name: String,
    pub form: String,
    pub stream: String,
    /// The table as HTML (escaped by the writer).
    pub html: String,
}

/// One analysis as the report drew it: the forest plot, the results as text, and its other
/// plots (funnel; cumulative and trim and fill when asked for) as (what, SVG).
pub struct AnalysisCard {
    pub name: String,
    pub forest: String,
    pub text: String,
    pub plots: Vec<(&'static str, String)>,
}

/// One stored analysis, as the page lists it.
pub struct AnalysisLine {
    pub name: String,
    pub form: String,
    pub stream: String,
    pub measure: String,
    pub model: String,
    pub title: String,
}

pub struct FileLine {
    pub path: String,
    pub what: String,
    pub size: String,
}

/// One stream's flow diagram, and for owners the counts to type in.
pub struct FlowCard {
    pub stream: String,
    /// The diagram's SVG; empty when the stream has none (no searches, no typed counts).
    pub svg: String,
    /// Whether the counts were typed in rather than derived from the records.
    pub typed: bool,
    /// The counts' text for the owner's form: typed-in, or the derived ones as TOML.
    pub counts_text: String,
    pub counts_error: String,
}

/// What an owner sent and had refused, shown again with the message.
#[derive(Default)]
struct Draft {
    spec_text: String,
    spec_error: String,
    table_text: String,
    table_error: String,
    /// (stream, counts text, message)
    counts: Option<(String, String, String)>,
    /// The analysis builder's form and measure, and what was sent with its refusal.
    build_form: Option<String>,
    build_measure: Option<String>,
    build_reported: Option<String>,
    build_sent: Vec<(String, String)>,
    build_error: String,
    /// Where the table builder starts.
    table_start: Option<Start>,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct ReportsPage {
    nav: Nav,
    flows: Vec<FlowCard>,
    /// Each meta-analysis the bundle drew.
    analyses: Vec<AnalysisCard>,
    specs: Vec<AnalysisLine>,
    tables: Vec<TableCard>,
    table_text: String,
    table_error: String,
    table_example: &'static str,
    files: Vec<FileLine>,
    problems: Vec<String>,
    empty_streams: Vec<String>,
    message: String,
    spec_text: String,
    spec_error: String,
    spec_example: &'static str,
    /// Owners only.
    builder: Option<Builder>,
    /// Owners only.
    table_builder: Option<TableBuilder>,
    methods: &'static [(&'static str, &'static str)],
}

#[derive(Deserialize)]
pub struct ReportsQuery {
    msg: Option<String>,
    /// The analysis builder's first step.
    form: Option<String>,
    measure: Option<String>,
    /// How the studies report a ratio or difference: ci, se or variance.
    reported: Option<String>,
    /// The table builder's form, or the stored table it opens.
    tform: Option<String>,
    table: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Query(q): Query<ReportsQuery>,
) -> WebResult<Response> {
    let table_start = match (q.table.filter(|t| !t.is_empty()), q.tform.filter(|f| !f.is_empty())) {
        (Some(table), _) => Some(Start::Table(table)),
        (None, Some(form)) => Some(Start::Form(form)),
        (None, None) => None,
    };
    let draft = Draft {
        build_form: q.form,
        build_measure: q.measure,
        build_reported: q.reported,
        table_start,
        ..Draft::default()
    };
    let body = show(&state, &auth, &slug, q.msg.unwrap_or_default(), draft).await?;
    Ok(axum::response::Html(body).into_response())
}

/// After the analysis builder stored its choices, or had them refused: then the page again with
/// the builder open, the message and the choices kept.
pub(crate) async fn built_or_refused(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    done: Result<String, ServiceError>,
    sent: Vec<(String, String)>,
) -> WebResult<Response> {
    let value = |key: &str| sent.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let (build_form, build_measure, build_reported) = (value("form"), value("measure"), value("reported"));
    done_or_refused(state, auth, slug, done, |build_error| Draft {
        build_form,
        build_measure,
        build_reported,
        build_sent: sent,
        build_error,
        ..Draft::default()
    })
    .await
}

/// After the table builder stored its choices, or had them refused: then the page again with
/// the builder open, the message and the choices kept.
pub(crate) async fn table_built_or_refused(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    done: Result<String, ServiceError>,
    sent: Vec<(String, String)>,
) -> WebResult<Response> {
    done_or_refused(state, auth, slug, done, |error| Draft {
        table_start: Some(Start::Refused(sent, error)),
        ..Draft::default()
    })
    .await
}

async fn show(state: &AppState, auth: &Auth, slug: &str, message: String, draft: Draft) -> WebResult<String> {
    let (service, actor, viewer) = authorized(state, auth, slug, Permission::Read).await?;
    let bundle = service.report_bundle(&actor).await?;
    let is_owner = viewer.role == sift_domain::screening::Role::Owner;
    // The bundle's own diagrams (a stream whose counts cannot be drawn has none; the page
    // lists why among the problems). Owners also get each stream's counts to type in, even
    // a stream without searches: a review screened elsewhere has only typed counts.
    let mut flows = Vec::new();
    for stream in service.streams().await? {
        let path = format!("flow/{}.svg", stream.name);
        let svg = bundle
            .files
            .iter()
            .find(|f| f.path == path)
            .map(|file| super::dashboard::strip_xml_prolog(&String::from_utf8_lossy(&file.bytes)));
        if svg.is_none() && !is_owner {
            continue;
        }
        // Only owners get the text (the derived counts written out cost a pass over the stream).
        let (mut counts_text, typed) = if is_owner {
            service.flow_counts_text(Some(&stream.name)).await?
        } else {
            (String::new(), service.typed_flow_counts(Some(&stream.name)).await?.is_some())
        };
        let mut counts_error = String::new();
        if let Some((_, text, error)) = draft.counts.as_ref().filter(|(s, _, _)| *s == stream.name) {
            counts_text = text.clone();
            counts_error = error.clone();
        }
        flows.push(FlowCard {
            stream: stream.name,
            svg: svg.unwrap_or_default(),
            typed,
            counts_text,
            counts_error,
        });
    }
    let text_of = |path: &str| {
        bundle.files.iter().find(|f| f.path == path).map(|f| String::from_utf8_lossy(&f.bytes).into_owned())
    };
    let analyses = bundle
        .files
        .iter()
        .filter_map(|f| f.path.strip_prefix("analyses/")?.strip_suffix("-forest.svg"))
        .map(|name| {
            let svg = |suffix: &str| {
                text_of(&format!("analyses/{name}-{suffix}.svg"))
                    .map(|svg| super::dashboard::strip_xml_prolog(&svg))
            };
            let plots = [
                ("Funnel plot", "funnel"),
                ("Cumulative meta-analysis", "cumulative"),
                ("Funnel plot with trim and fill", "trimfill"),
            ]
            .into_iter()
            .filter_map(|(what, suffix)| Some((what, svg(suffix)?)))
            .collect();
            AnalysisCard {
                name: name.to_string(),
                forest: svg("forest").unwrap_or_default(),
                text: text_of(&format!("analyses/{name}.txt")).unwrap_or_default(),
                plots,
            }
        })
        .collect();
    let files = bundle
        .files
        .iter()
        .map(|f| FileLine { path: f.path.clone(), what: f.what.clone(), size: human_size(f.bytes.len()) })
        .collect();
    let specs = service
        .report_analyses()
        .await?
        .into_iter()
        .map(|a| AnalysisLine {
            model: a
                .pooling
                .clone()
                .filter(|p| p != "iv")
                .or(a.method.clone())
                .unwrap_or_else(|| "REML".into()),
            stream: a.stream.clone().unwrap_or_else(|| "(all)".into()),
            name: a.name,
            form: a.form,
            measure: a.measure,
            title: a.title.unwrap_or_default(),
        })
        .collect();
    // The tables as the bundle built them, with each spec's form and stream.
    let table_specs = service.report_tables().await?;
    let tables = bundle
        .tables
        .iter()
        .map(|(name, table)| {
            let spec = table_specs.iter().find(|s| &s.name == name);
            TableCard {
                name: name.clone(),
                form: spec.map(|s| s.form.clone()).unwrap_or_default(),
                stream: spec.and_then(|s| s.stream.clone()).unwrap_or_else(|| "(all)".into()),
                html: sift_report::tables::to_html(table),
            }
        })
        .collect();
    // Owners' two builders, over the forms read once.
    let (builder, table_builder) = if is_owner {
        let forms = service.forms().await?;
        let (form, measure) = (draft.build_form.as_deref(), draft.build_measure.as_deref());
        let reported = draft.build_reported.as_deref();
        let (sent, error) = (draft.build_sent, draft.build_error);
        let start = draft.table_start.unwrap_or(Start::Nothing);
        (
            Some(super::builder::builder(&service, &forms, form, measure, reported, sent, error).await?),
            Some(super::table_builder::table_builder(&service, &forms, start).await?),
        )
    } else {
        (None, None)
    };
    let page = ReportsPage {
        nav: Nav::review(auth, &service, &viewer, "reports"),
        flows,
        analyses,
        specs,
        files,
        problems: bundle.problems,
        empty_streams: bundle.empty_streams,
        message,
        spec_text: draft.spec_text,
        spec_error: draft.spec_error,
        spec_example: ANALYSIS_EXAMPLE,
        tables,
        table_text: draft.table_text,
        table_error: draft.table_error,
        table_example: TABLE_EXAMPLE,
        builder,
        table_builder,
        methods: super::builder::METHODS,
    };
    Ok(render(&page)?.0)
}

#[derive(Deserialize)]
pub struct SpecForm {
    csrf: Option<String>,
    spec: String,
}

/// Stores pasted analysis specs (owners); a refused spec is shown with its message, the text kept.
pub async fn add_analyses(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<SpecForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let stored = service.set_report_analyses(&actor, &form.spec).await;
    let done = stored.map(|names| format!("Analyses stored: {}.", names.join(", ")));
    done_or_refused(&state, &auth, &slug, done, |spec_error| Draft {
        spec_text: form.spec,
        spec_error,
        ..Draft::default()
    })
    .await
}

/// Back to the page saying what was done; or, refused for what was sent, the page again with
/// the message beside it and the input kept (`draft` puts them in place).
async fn done_or_refused(
    state: &AppState,
    auth: &Auth,
    slug: &str,
    done: Result<String, ServiceError>,
    draft: impl FnOnce(String) -> Draft,
) -> WebResult<Response> {
    match done {
        Ok(message) => Ok(back(slug, &message)),
        Err(e @ ServiceError::Invalid { .. }) => {
            let body = show(state, auth, slug, String::new(), draft(crate::error::for_people(&e))).await?;
            Ok((StatusCode::BAD_REQUEST, axum::response::Html(body)).into_response())
        }
        Err(other) => Err(WebError::from(other)),
    }
}

/// The Reports page with a message.
pub(crate) fn back(slug: &str, message: &str) -> Response {
    Redirect::to(&format!("/r/{slug}/reports?msg={}", url_encode(message))).into_response()
}

/// Stores pasted table specs (owners); a refused spec is shown with its message, the text kept.
pub async fn add_tables(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<SpecForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let stored = service.set_report_tables(&actor, &form.spec).await;
    let done = stored.map(|names| format!("Tables stored: {}.", names.join(", ")));
    done_or_refused(&state, &auth, &slug, done, |table_error| Draft {
        table_text: form.spec,
        table_error,
        ..Draft::default()
    })
    .await
}

/// Removes a stored table (owners).
pub async fn remove_table(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<RemoveForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    service.remove_report_table(&actor, &form.name).await?;
    Ok(back(&slug, &format!("Table {:?} removed.", form.name)))
}

#[derive(Deserialize)]
pub struct CountsForm {
    csrf: Option<String>,
    stream: String,
    #[serde(default)]
    counts: String,
    /// "set" stores the counts; "clear" returns the stream to the records' counts.
    action: String,
}

/// Types in a stream's flow counts, or returns it to the records' counts (owners). Refused
/// counts are shown with the message, the text kept.
pub async fn flow_counts(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<CountsForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let (text, done) = match form.action.as_str() {
        "set" => (Some(form.counts.as_str()), "now drawn from the counts typed in"),
        "clear" => (None, "drawn from the records again"),
        other => return Err(WebError::BadRequest(format!("unknown action {other:?}"))),
    };
    let set = service.set_flow_counts(&actor, Some(&form.stream), text).await;
    let done = set.map(|()| format!("The {} flow diagram is {done}.", form.stream));
    done_or_refused(&state, &auth, &slug, done, |error| Draft {
        counts: Some((form.stream, form.counts, error)),
        ..Draft::default()
    })
    .await
}

/// Removes a stored analysis (owners).
pub async fn remove_analysis(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(form): Form<RemoveForm>,
) -> WebResult<Response> {
    auth.check_csrf(form.csrf.as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    service.remove_report_analysis(&actor, &form.name).await?;
    Ok(back(&slug, &format!("Analysis {:?} removed.", form.name)))
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
