//! Building a meta-analysis on the Reports page without writing its spec: choose a charting
//! form and a measure, then the form's column for each number the measure needs, the model and
//! the options. The choices become the same spec `sift analysis add` reads (`docs/meta.md`),
//! stored through the same checks; a refusal comes back with the choices kept.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{Map, Value, json};
use sift_domain::charting::Form as ChartingForm;
use sift_service::meta::{Measure, Reported, column_names, median_columns, needed_columns};
use sift_service::{Permission, Service};

use crate::auth::{Auth, authorized};
use crate::error::{WebError, WebResult};
use crate::state::AppState;

/// What the builder shows: the first step's choices, and the second step once a form and a
/// measure are chosen.
pub struct Builder {
    pub forms: Vec<String>,
    /// (code, name) of every measure.
    pub measures: Vec<(&'static str, &'static str)>,
    pub chosen: Option<Chosen>,
}

/// The second step: the chosen form's columns and what was entered so far.
pub struct Chosen {
    pub form: String,
    pub measure: &'static str,
    pub measure_name: &'static str,
    pub binary: bool,
    /// A ratio or a difference the studies report themselves (then `reported` applies).
    pub reported_by_studies: bool,
    /// How they report it: `ci`, `se` or `variance`.
    pub reported: &'static str,
    /// (needed column, the form column chosen for it).
    pub needs: Vec<(&'static str, String)>,
    /// For a continuous outcome, the columns a group reported by its median gives instead of
    /// its mean and SD: (column, the form column chosen for it, possibly none).
    pub medians: Vec<(&'static str, String)>,
    pub columns: Vec<String>,
    pub streams: Vec<String>,
    /// The values sent, when the page comes back refused.
    pub sent: Vec<(String, String)>,
    pub error: String,
}

impl Chosen {
    /// A text field's value as sent.
    pub fn value(&self, key: &str) -> &str {
        self.sent.iter().find(|(k, _)| k == key).map_or("", |(_, v)| v.as_str())
    }

    /// Whether a select's option or a checkbox was sent.
    pub fn is(&self, key: &str, value: &str) -> bool {
        self.sent.iter().any(|(k, v)| k == key && v == value)
    }
}

pub const METHODS: &[(&str, &str)] = &[
    ("REML", "Random effects, REML (default)"),
    ("DL", "Random effects, DerSimonian-Laird"),
    ("PM", "Random effects, Paule-Mandel"),
    ("ML", "Random effects, maximum likelihood"),
    ("HE", "Random effects, Hedges"),
    ("FE", "Common (fixed) effect"),
];

/// The `reported` choice's values.
fn reported_of(value: Option<&str>) -> (Reported, &'static str) {
    match value {
        Some("se") => (Reported::StandardError, "se"),
        Some("variance") => (Reported::Variance, "variance"),
        _ => (Reported::Interval, "ci"),
    }
}

/// The builder for the Reports page: the review's `forms` and the measures, and when `form`
/// and `measure` name them, the second step (`reported`: how the studies give a ratio or
/// difference).
pub async fn builder(
    service: &Service,
    forms: &[ChartingForm],
    form: Option<&str>,
    measure: Option<&str>,
    reported: Option<&str>,
    sent: Vec<(String, String)>,
    error: String,
) -> WebResult<Builder> {
    let forms: Vec<String> = forms.iter().map(|f| f.name.clone()).collect();
    let measures = Measure::ALL.iter().map(|m| (m.code(), m.name())).collect();
    let chosen = match (form.filter(|f| !f.is_empty()), measure) {
        (Some(form), Some(measure)) => {
            let measure: Measure = measure.parse().map_err(WebError::BadRequest)?;
            let columns = service.form_table_columns(form).await?;
            let (reported, reported_code) = reported_of(reported);
            let chosen = |need: &'static str| {
                let sent = sent.iter().find(|(k, _)| *k == format!("col.{need}")).map(|(_, v)| v.clone());
                // A column the reader would take anyway: the same name, or another it reads.
                let names = column_names(need);
                let same = columns.iter().find(|c| names.iter().any(|n| c.eq_ignore_ascii_case(n))).cloned();
                (need, sent.or(same).unwrap_or_default())
            };
            let needs = needed_columns(measure, reported).into_iter().map(chosen).collect();
            let medians = median_columns(measure).into_iter().map(chosen).collect();
            Some(Chosen {
                form: form.to_string(),
                measure: measure.code(),
                measure_name: measure.name(),
                binary: measure.is_binary(),
                reported_by_studies: !measure.is_binary() && !measure.is_continuous(),
                reported: reported_code,
                needs,
                medians,
                columns,
                streams: service.streams().await?.into_iter().map(|s| s.name).collect(),
                sent,
                error,
            })
        }
        _ => None,
    };
    Ok(Builder { forms, measures, chosen })
}

/// The spec the builder's choices make, as `{"analyses": [...]}`.
fn spec_of(pairs: &[(String, String)]) -> Value {
    let value =
        |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).filter(|v| !v.is_empty());
    let mut spec = Map::new();
    for key in ["name", "title", "form", "measure", "stream", "method", "test", "pooling", "subgroup"] {
        if let Some(v) = value(key) {
            spec.insert(key.into(), json!(v));
        }
    }
    let moderators: Vec<&str> =
        pairs.iter().filter(|(k, v)| k == "moderator" && !v.is_empty()).map(|(_, v)| v.as_str()).collect();
    if !moderators.is_empty() {
        spec.insert("moderators".into(), json!(moderators));
    }
    // A needed column read from a form column of another name is a rename.
    let columns: Map<String, Value> = pairs
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("col.")?, v.trim())))
        .filter(|(need, chosen)| !chosen.is_empty() && !chosen.eq_ignore_ascii_case(need))
        .map(|(need, chosen)| (need.to_string(), json!(chosen)))
        .collect();
    if !columns.is_empty() {
        spec.insert("columns".into(), Value::Object(columns));
    }
    if let Some(estimator) = value("trim_and_fill") {
        spec.insert("trim_and_fill".into(), json!(estimator));
    }
    if value("influence").is_some() {
        spec.insert("influence".into(), json!(true));
    }
    if value("leave_one_out").is_some() {
        spec.insert("leave_one_out".into(), json!(true));
    }
    match value("cumulative") {
        Some("listed") => {
            spec.insert("cumulative".into(), json!(true));
        }
        Some(column) => {
            spec.insert("cumulative_by".into(), json!(column));
        }
        None => {}
    }
    json!({ "analyses": [Value::Object(spec)] })
}

/// Stores the analysis the builder's choices make (owners); a refusal re-shows the builder with
/// the message and the choices kept.
pub async fn build(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    auth.check_csrf(value("csrf").as_deref())?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let stored = service.set_report_analyses(&actor, &spec_of(&pairs).to_string()).await;
    let done = stored.map(|names| format!("Analysis stored: {}.", names.join(", ")));
    super::reports::built_or_refused(&state, &auth, &slug, done, pairs).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_become_a_spec() {
        let pairs: Vec<(String, String)> = [
            ("csrf", "x"),
            ("name", "tb"),
            ("title", ""),
            ("form", "outcomes"),
            ("measure", "RR"),
            ("method", "DL"),
            ("col.events1", "events1"),
            ("col.total1", "randomised1"),
            ("moderator", "latitude"),
            ("moderator", "dose"),
            ("cumulative", "year"),
            ("leave_one_out", "on"),
            ("trim_and_fill", "R0"),
            ("influence", "on"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(
            spec_of(&pairs),
            json!({ "analyses": [{
                "name": "tb", "form": "outcomes", "measure": "RR", "method": "DL",
                "moderators": ["latitude", "dose"], "columns": { "total1": "randomised1" },
                "leave_one_out": true, "cumulative_by": "year", "trim_and_fill": "R0",
                "influence": true
            }] })
        );
    }
}
