//! Building a study-characteristics table on the Reports page without writing its spec:
//! choose a charting form, then tick the columns (its fields and the built-in values), name
//! their headers and order, and choose the stream, the row order, the grouping and the
//! footnotes. The choices become the same spec `sift table add` reads (`docs/tables.md`),
//! stored through the same checks; a refusal comes back with the choices kept. A stored table
//! opens in the builder with its own columns ticked, so it can be changed the same way; what
//! the builder does not show of a column (footnote marks, digit grouping) is carried through.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sift_domain::charting::Form as ChartingForm;
use sift_report::characteristics::{ColumnSpec, MarkSpec, TableSpec, TableSpecs};
use sift_service::{Permission, Service, ServiceError};

use crate::auth::{Auth, authorized};
use crate::error::WebResult;
use crate::state::AppState;

/// The built-in values a column may show, with the header offered and what the builder says.
const BUILT_INS: [(&str, &str, &str); 8] = [
    ("study", "Study", "the study's label (from Studies; else Author et al., year)"),
    ("author_year", "Author, year", "first author and year of the study's record"),
    ("title", "Title", "the record's title"),
    ("journal", "Journal", "the record's journal"),
    ("year", "Year", "the record's publication year"),
    ("doi", "DOI", "the record's DOI"),
    ("pmid", "PMID", "the record's PubMed id"),
    ("level", "Level of evidence", "the CEBM level graded for the study"),
];

/// What the table builder shows: the forms to start from, and once one is chosen (or a stored
/// table opened) the second step.
pub struct TableBuilder {
    pub forms: Vec<String>,
    pub chosen: Option<TableDraft>,
}

/// The second step: every column the form offers, ticked or not, and the table's settings.
pub struct TableDraft {
    pub form: String,
    /// The stored table this draft started from.
    pub editing: Option<String>,
    pub name: String,
    pub title: String,
    pub stream: String,
    pub sort: String,
    pub group_by: String,
    /// One footnote per line.
    pub footnotes: String,
    pub rows: Vec<ColumnRow>,
    pub streams: Vec<String>,
    /// (key, label) of the form's fields, for the row order, grouping and note choices.
    pub fields: Vec<(String, String)>,
    pub error: String,
}

/// One column the builder offers.
pub struct ColumnRow {
    /// `field:KEY` or `value:BUILT-IN`.
    pub source: String,
    /// What it shows, for people.
    pub what: String,
    pub on: bool,
    pub header: String,
    pub order: String,
    /// A field shown in parentheses after the value.
    pub note: String,
    pub right: bool,
    /// What the builder does not show of the column (marks, digit grouping), as JSON.
    pub keep: String,
}

/// The parts of a column the builder carries through without showing them.
#[derive(Default, Serialize, Deserialize)]
struct Kept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    marks: Vec<MarkSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    thousands: Option<String>,
}

impl Kept {
    fn of(column: &ColumnSpec) -> String {
        let kept = Kept { marks: column.marks.clone(), thousands: column.thousands.clone() };
        if kept.marks.is_empty() && kept.thousands.is_none() {
            String::new()
        } else {
            serde_json::to_string(&kept).unwrap_or_default()
        }
    }
}

/// Where the builder starts: a form chosen (`form`), a stored table opened (`table`), or what
/// was sent and refused (`sent`, with the message).
pub enum Start {
    Nothing,
    Form(String),
    Table(String),
    Refused(Vec<(String, String)>, String),
}

/// The table builder for the Reports page, over the review's `forms`.
pub async fn table_builder(
    service: &Service,
    forms: &[ChartingForm],
    start: Start,
) -> WebResult<TableBuilder> {
    let names = forms.iter().map(|f| f.name.clone()).collect();
    let value = |sent: &[(String, String)], key: &str| {
        sent.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
    };
    let (form_name, spec, sent, error) = match start {
        Start::Nothing => return Ok(TableBuilder { forms: names, chosen: None }),
        Start::Form(form) => (form, None, None, String::new()),
        Start::Table(name) => {
            let spec =
                service.report_tables().await?.into_iter().find(|t| t.name == name).ok_or_else(|| {
                    ServiceError::NotFound {
                        what: "table",
                        key: name,
                        hint: "; the Reports page lists the tables".into(),
                    }
                })?;
            (spec.form.clone(), Some(spec), None, String::new())
        }
        Start::Refused(sent, error) => (value(&sent, "form"), None, Some(sent), error),
    };
    let Some(form) = forms.iter().find(|f| f.name == form_name) else {
        return Err(ServiceError::NotFound {
            what: "charting form",
            key: form_name,
            hint: "; the Forms page lists them".into(),
        }
        .into());
    };
    let tools = service.appraisal_tools().await?;
    // Every column the form offers, in the order a table usually has them: the study, the
    // form's fields, then the other built-in values.
    let built_in = |(key, header, what): &(&str, &str, &str)| {
        (format!("value:{key}"), header.to_string(), format!("Built-in: {what}"))
    };
    let mut offered: Vec<(String, String, String)> = BUILT_INS[..1].iter().map(built_in).collect();
    offered.extend(
        form.fields
            .iter()
            .map(|f| (format!("field:{}", f.key), f.label.clone(), format!("{} (field {})", f.label, f.key))),
    );
    offered.extend(BUILT_INS[1..].iter().map(built_in));
    offered.extend(tools.iter().map(|t| {
        (
            format!("value:appraisal:{}", t.key),
            t.name.clone(),
            format!("Built-in: overall judgement, {}", t.name),
        )
    }));
    let what_of = |source: &str| {
        offered.iter().find(|(s, _, _)| s == source).map_or_else(|| source.to_string(), |(_, _, w)| w.clone())
    };
    let mut draft = TableDraft {
        form: form.name.clone(),
        editing: spec.as_ref().map(|s| s.name.clone()),
        name: String::new(),
        title: String::new(),
        stream: String::new(),
        sort: "record".into(),
        group_by: String::new(),
        footnotes: String::new(),
        rows: Vec::new(),
        streams: service.streams().await?.into_iter().map(|s| s.name).collect(),
        fields: form.fields.iter().map(|f| (f.key.clone(), f.label.clone())).collect(),
        error,
    };
    match (spec, sent) {
        (Some(spec), _) => {
            // The stored table's columns first, in its order; then what else the form offers.
            for (i, c) in spec.columns.iter().enumerate() {
                let source = source_of(c);
                draft.rows.push(ColumnRow {
                    what: what_of(&source),
                    source,
                    on: true,
                    header: c.header.clone(),
                    order: (i + 1).to_string(),
                    note: c.note.clone().unwrap_or_default(),
                    right: c.align.as_deref() == Some("right"),
                    keep: Kept::of(c),
                });
            }
            let used: Vec<String> = draft.rows.iter().map(|r| r.source.clone()).collect();
            for (source, header, what) in offered.iter().filter(|(s, _, _)| !used.contains(s)) {
                draft.rows.push(ColumnRow::offered(source, header, what, false, draft.rows.len() + 1));
            }
            draft.name = spec.name;
            draft.title = spec.title.unwrap_or_default();
            draft.stream = spec.stream.unwrap_or_default();
            draft.sort = spec.sort;
            draft.group_by = spec.group_by.unwrap_or_default();
            draft.footnotes = spec.footnotes.join("\n");
        }
        (None, Some(sent)) => {
            for i in 0.. {
                let key = |part: &str| format!("c{i}.{part}");
                let Some(source) = sent.iter().find(|(k, _)| *k == key("source")).map(|(_, v)| v.clone())
                else {
                    break;
                };
                draft.rows.push(ColumnRow {
                    what: what_of(&source),
                    source,
                    on: !value(&sent, &key("on")).is_empty(),
                    header: value(&sent, &key("header")),
                    order: value(&sent, &key("order")),
                    note: value(&sent, &key("note")),
                    right: !value(&sent, &key("right")).is_empty(),
                    keep: value(&sent, &key("keep")),
                });
            }
            draft.editing = Some(value(&sent, "editing")).filter(|e| !e.is_empty());
            draft.name = value(&sent, "name");
            draft.title = value(&sent, "title");
            draft.stream = value(&sent, "stream");
            draft.sort = value(&sent, "sort");
            draft.group_by = value(&sent, "group_by");
            draft.footnotes = value(&sent, "footnotes");
        }
        (None, None) => {
            // A new table: the study's label and every field of the form, in the form's order.
            for (source, header, what) in &offered {
                let on = source == "value:study" || source.starts_with("field:");
                draft.rows.push(ColumnRow::offered(source, header, what, on, draft.rows.len() + 1));
            }
        }
    }
    Ok(TableBuilder { forms: names, chosen: Some(draft) })
}

impl ColumnRow {
    fn offered(source: &str, header: &str, what: &str, on: bool, order: usize) -> ColumnRow {
        ColumnRow {
            source: source.to_string(),
            what: what.to_string(),
            on,
            header: header.to_string(),
            order: order.to_string(),
            note: String::new(),
            right: false,
            keep: String::new(),
        }
    }
}

fn source_of(column: &ColumnSpec) -> String {
    match (&column.field, &column.value) {
        (Some(field), _) => format!("field:{field}"),
        (None, Some(value)) => format!("value:{value}"),
        (None, None) => String::new(),
    }
}

/// The spec the builder's choices make: the ticked columns by their order numbers (ties and
/// blanks keep the page's order).
fn spec_of(pairs: &[(String, String)]) -> Result<TableSpecs, String> {
    let value = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim()).unwrap_or("");
    let optional = |key: &str| Some(value(key).to_string()).filter(|v| !v.is_empty());
    let mut columns = Vec::new();
    for i in 0.. {
        let key = |part: &str| format!("c{i}.{part}");
        let Some(source) = pairs.iter().find(|(k, _)| *k == key("source")).map(|(_, v)| v.as_str()) else {
            break;
        };
        if value(&key("on")).is_empty() {
            continue;
        }
        let order = value(&key("order"));
        let order: f64 = if order.is_empty() {
            f64::INFINITY
        } else {
            order.parse().map_err(|_| {
                format!("column {:?}: the order {order:?} is not a number", value(&key("header")))
            })?
        };
        let kept: Kept = match value(&key("keep")) {
            "" => Kept::default(),
            json => serde_json::from_str(json).map_err(|e| format!("column {source}: {e}"))?,
        };
        let (field, built_in) = match source.split_once(':') {
            Some(("field", key)) => (Some(key.to_string()), None),
            Some(("value", key)) => (None, Some(key.to_string())),
            _ => return Err(format!("{source:?} is not a column the builder offers")),
        };
        let header = optional(&key("header"))
            .unwrap_or_else(|| source.split_once(':').map_or("", |s| s.1).to_string());
        let column = ColumnSpec {
            header,
            field,
            value: built_in,
            note: optional(&key("note")),
            marks: kept.marks,
            thousands: kept.thousands,
            align: (!value(&key("right")).is_empty()).then(|| "right".to_string()),
        };
        columns.push((order, i, column));
    }
    columns.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let footnotes =
        value("footnotes").lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
    Ok(TableSpecs {
        tables: vec![TableSpec {
            name: value("name").to_string(),
            title: optional("title"),
            form: value("form").to_string(),
            stream: optional("stream"),
            sort: optional("sort").unwrap_or_else(|| "record".into()),
            group_by: optional("group_by"),
            columns: columns.into_iter().map(|(_, _, c)| c).collect(),
            footnotes,
        }],
    })
}

/// Stores the table the builder's choices make (owners); a refusal re-shows the builder with
/// the message and the choices kept.
pub async fn build(
    State(state): State<AppState>,
    auth: Auth,
    Path(slug): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
    auth.check_csrf(csrf)?;
    let (service, actor, _) = authorized(&state, &auth, &slug, Permission::Manage).await?;
    let stored = match spec_of(&pairs) {
        Ok(specs) => {
            let text = serde_json::to_string(&specs).unwrap_or_default();
            service.set_report_tables(&actor, &text).await
        }
        Err(message) => Err(ServiceError::invalid("table", message)),
    };
    let done = stored.map(|names| format!("Table stored: {}.", names.join(", ")));
    super::reports::table_built_or_refused(&state, &auth, &slug, done, pairs).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn ticked_columns_in_their_order_become_a_spec() {
        let sent = pairs(&[
            ("csrf", "x"),
            ("form", "characteristics"),
            ("name", "table-1"),
            ("title", "Table 1. Included studies"),
            ("stream", ""),
            ("sort", "study"),
            ("group_by", "design"),
            ("footnotes", "RCT: randomised controlled trial.\r\n\r\n* from the guideline\r\n"),
            ("c0.source", "value:study"),
            ("c0.on", "on"),
            ("c0.header", "Author, year"),
            ("c0.order", "1"),
            ("c1.source", "value:doi"),
            ("c1.header", "DOI"),
            ("c1.order", "2"),
            ("c2.source", "field:patients"),
            ("c2.on", "on"),
            ("c2.header", "Patients (I/C)"),
            ("c2.order", "2"),
            ("c2.note", "patients_note"),
            ("c2.right", "on"),
            ("c2.keep", r#"{"thousands":","}"#),
            ("c3.source", "field:design"),
            ("c3.on", "on"),
            ("c3.header", ""),
            ("c3.order", "1.5"),
        ]);
        let spec = spec_of(&sent).unwrap();
        let table = &spec.tables[0];
        assert_eq!(
            (table.sort.as_str(), table.group_by.as_deref(), table.stream.as_deref()),
            ("study", Some("design"), None)
        );
        assert_eq!(table.footnotes, ["RCT: randomised controlled trial.", "* from the guideline"]);
        let headers: Vec<&str> = table.columns.iter().map(|c| c.header.as_str()).collect();
        assert_eq!(
            headers,
            ["Author, year", "design", "Patients (I/C)"],
            "by order; an empty header is the key"
        );
        let patients = &table.columns[2];
        assert_eq!(
            (patients.note.as_deref(), patients.align.as_deref(), patients.thousands.as_deref()),
            (Some("patients_note"), Some("right"), Some(","))
        );
        assert_eq!(table.columns[0].value.as_deref(), Some("study"));
    }

    #[test]
    fn a_wrong_order_or_source_is_refused_by_name() {
        let bad_order =
            pairs(&[("c0.source", "field:x"), ("c0.on", "on"), ("c0.header", "X"), ("c0.order", "first")]);
        assert_eq!(spec_of(&bad_order).unwrap_err(), "column \"X\": the order \"first\" is not a number");
        let bad_source = pairs(&[("c0.source", "nonsense"), ("c0.on", "on")]);
        assert!(spec_of(&bad_source).unwrap_err().contains("not a column the builder offers"));
    }
}
