//! Study-characteristics tables built from charted values: which columns, in which order,
//! grouped how, with which footnotes, is a table spec (TOML or JSON, see `docs/tables.md`).
//!
//! A spec names a form and, optionally, a stream; each column is a form field (with an
//! optional note field shown in parentheses, and footnote marks chosen by a field's values)
//! or a built-in (`study`, `author_year`, `title`, `journal`, `year`, `doi`, `pmid`, `level`,
//! `appraisal:TOOL`). The service gathers one [`StudyRow`] per study; [`build`] lays them out
//! as a [`Table`] the writers in [`crate::tables`] turn into Markdown, CSV, HTML, DOCX, XLSX.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sift_domain::Reference;
use sift_domain::charting::{Field, FieldKind, Form, Value, Values};

use crate::tables::{Column, Table};

/// A file of table specs: `[[tables]]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpecs {
    pub tables: Vec<TableSpec>,
}

/// One table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableSpec {
    /// Stable name, used for file names: letters, digits, `-` and `_`.
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    /// The form whose consensus values fill the table.
    pub form: String,
    /// Only the studies of this stream; all streams when absent.
    #[serde(default)]
    pub stream: Option<String>,
    /// Row order: `record` (the order the studies' records entered the review), `study` (by
    /// label), or a field key (then by label).
    #[serde(default = "default_sort")]
    pub sort: String,
    /// Rows grouped under a heading row per distinct value of this field.
    #[serde(default)]
    pub group_by: Option<String>,
    pub columns: Vec<ColumnSpec>,
    #[serde(default)]
    pub footnotes: Vec<String>,
}

fn default_sort() -> String {
    "record".into()
}

/// One column: a field of the form, or a built-in value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnSpec {
    pub header: String,
    /// A field key of the form.
    #[serde(default)]
    pub field: Option<String>,
    /// A built-in value: `study`, `author_year`, `title`, `journal`, `year`, `doi`, `pmid`,
    /// `level`, `appraisal:TOOL`.
    #[serde(default)]
    pub value: Option<String>,
    /// A field whose value, when present, follows in parentheses: "743 (both I and C)".
    #[serde(default)]
    pub note: Option<String>,
    /// Footnote marks appended when a field holds an option: `*` for "also in the guideline".
    #[serde(default)]
    pub marks: Vec<MarkSpec>,
    /// Digit grouping for numbers of 1,000 and more, e.g. ",".
    #[serde(default)]
    pub thousands: Option<String>,
    /// `left` (default) or `right`.
    #[serde(default)]
    pub align: Option<String>,
}

/// A footnote mark chosen by a field's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkSpec {
    pub field: String,
    /// The option (or text) that earns the mark.
    pub option: String,
    pub mark: String,
}

/// A spec that cannot be used, naming where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct SpecError {
    pub place: String,
    pub message: String,
}

fn spec_error(place: impl Into<String>, message: impl Into<String>) -> SpecError {
    SpecError { place: place.into(), message: message.into() }
}

/// One study as the table sees it.
#[derive(Clone, Debug, Default)]
pub struct StudyRow {
    /// The study's label ("Caraceni et al., 2004").
    pub label: String,
    /// The main report's bibliographic data.
    pub reference: Option<Reference>,
    /// Consensus values on the spec's form.
    pub values: Values,
    /// The CEBM level, when graded.
    pub level: Option<String>,
    /// Overall judgement per appraisal tool.
    pub appraisals: BTreeMap<String, String>,
    /// Position of the study's first record in the review (import order).
    pub position: i64,
}

const BUILT_INS: [&str; 8] = ["study", "author_year", "title", "journal", "year", "doi", "pmid", "level"];

impl TableSpecs {
    /// Reads specs from TOML, or JSON when the text starts with `{`.
    pub fn parse(text: &str) -> Result<TableSpecs, SpecError> {
        let specs: TableSpecs = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| spec_error(format!("line {}", e.line()), e.to_string()))?
        } else {
            toml::from_str(text).map_err(|e| {
                let place = e.span().map_or("table spec".to_string(), |s| {
                    format!("line {}", text[..s.start.min(text.len())].matches('\n').count() + 1)
                });
                spec_error(place, e.message().to_string())
            })?
        };
        let mut names = std::collections::BTreeSet::new();
        for t in &specs.tables {
            if !names.insert(t.name.as_str()) {
                return Err(spec_error(format!("table {}", t.name), "two tables have this name"));
            }
        }
        Ok(specs)
    }
}

impl TableSpec {
    /// Checks the spec against its form: every field named exists, every column says what it
    /// shows, every mark names an option of its field.
    pub fn check(&self, form: &Form) -> Result<(), SpecError> {
        let here = |what: String| format!("table {}: {what}", self.name);
        let name_ok = !self.name.is_empty()
            && self.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err(spec_error(here("name".into()), "a table name is letters, digits, '-' and '_'"));
        }
        if form.name != self.form {
            return Err(spec_error(here("form".into()), format!("the table is on form {:?}", self.form)));
        }
        let known = |key: &str, place: String| -> Result<&Field, SpecError> {
            form.field(key).ok_or_else(|| {
                spec_error(
                    here(place),
                    format!(
                        "{key:?} is not a field of form {}; its fields are: {}",
                        form.name,
                        form.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                )
            })
        };
        if !["record", "study"].contains(&self.sort.as_str()) {
            known(&self.sort, "sort".into())?;
        }
        if let Some(g) = &self.group_by {
            known(g, "group_by".into())?;
        }
        if self.columns.is_empty() {
            return Err(spec_error(here("columns".into()), "a table needs at least one column"));
        }
        for (i, c) in self.columns.iter().enumerate() {
            let place = |what: &str| format!("column {} ({}){what}", i + 1, c.header);
            match (&c.field, &c.value) {
                (Some(f), None) => {
                    known(f, place(""))?;
                }
                (None, Some(v)) => {
                    let ok = BUILT_INS.contains(&v.as_str())
                        || v.strip_prefix("appraisal:").is_some_and(|t| !t.is_empty());
                    if !ok {
                        return Err(spec_error(
                            here(place("")),
                            format!(
                                "{v:?} is not a built-in value; they are: {}, appraisal:TOOL",
                                BUILT_INS.join(", ")
                            ),
                        ));
                    }
                }
                _ => {
                    return Err(spec_error(
                        here(place("")),
                        "give either field = \"KEY\" or value = \"BUILT-IN\"",
                    ));
                }
            }
            if let Some(n) = &c.note {
                known(n, place(".note"))?;
            }
            if let Some(a) = &c.align
                && !["left", "right"].contains(&a.as_str())
            {
                return Err(spec_error(here(place(".align")), "align is left or right"));
            }
            for m in &c.marks {
                let field = known(&m.field, place(".marks"))?;
                if let FieldKind::SingleChoice { options } | FieldKind::MultipleChoice { options } =
                    &field.kind
                    && !options.contains(&m.option)
                {
                    return Err(spec_error(
                        here(place(".marks")),
                        format!("{:?} is not an option of {}: {}", m.option, m.field, options.join(", ")),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Lays out the studies as the spec says. Call [`TableSpec::check`] first; a field missing
/// from a study's values is an empty cell.
pub fn build(spec: &TableSpec, form: &Form, studies: &[StudyRow]) -> Table {
    let columns = spec
        .columns
        .iter()
        .map(|c| match c.align.as_deref() {
            Some("right") => Column::right(c.header.clone()),
            _ => Column::left(c.header.clone()),
        })
        .collect();
    let mut table = Table::new(columns);
    if let Some(title) = &spec.title {
        table = table.with_title(title.clone());
    }
    table.footnotes = spec.footnotes.clone();

    let mut rows: Vec<&StudyRow> = studies.iter().collect();
    let field_text = |s: &StudyRow, key: &str| s.values.get(key).map(|v| render(form, key, v, None));
    match spec.sort.as_str() {
        "record" => rows.sort_by_key(|s| s.position),
        "study" => rows.sort_by(|a, b| a.label.cmp(&b.label)),
        key => rows.sort_by(|a, b| field_text(a, key).cmp(&field_text(b, key)).then(a.label.cmp(&b.label))),
    }
    if let Some(group) = &spec.group_by {
        // Stable: groups in order of first appearance, rows in sort order within each.
        let mut order: Vec<String> = Vec::new();
        for s in &rows {
            let g = field_text(s, group).unwrap_or_default();
            if !order.contains(&g) {
                order.push(g);
            }
        }
        for g in order {
            table.push_group(if g.is_empty() { "Not charted".to_string() } else { g.clone() });
            for s in rows.iter().filter(|s| field_text(s, group).unwrap_or_default() == g) {
                table.push_cells(spec.columns.iter().map(|c| cell(c, form, s)));
            }
        }
    } else {
        for s in rows {
            table.push_cells(spec.columns.iter().map(|c| cell(c, form, s)));
        }
    }
    table
}

fn cell(column: &ColumnSpec, form: &Form, study: &StudyRow) -> String {
    let mut text = match (&column.field, &column.value) {
        (Some(key), _) => study
            .values
            .get(key)
            .map(|v| render(form, key, v, column.thousands.as_deref()))
            .unwrap_or_default(),
        (None, Some(builtin)) => built_in(builtin, study),
        (None, None) => String::new(),
    };
    if let Some(note) = column.note.as_ref().and_then(|n| study.values.get(n)) {
        let note = render(form, column.note.as_deref().unwrap_or_default(), note, None);
        if !note.is_empty() {
            text = if text.is_empty() { note } else { format!("{text} ({note})") };
        }
    }
    for m in &column.marks {
        let earned = match study.values.get(&m.field) {
            Some(Value::Choices(chosen)) => chosen.contains(&m.option),
            Some(Value::Text(t)) => *t == m.option,
            _ => false,
        };
        if earned {
            text.push_str(&m.mark);
        }
    }
    text
}

fn built_in(name: &str, study: &StudyRow) -> String {
    let r = study.reference.as_ref();
    match name {
        "study" if !study.label.is_empty() => study.label.clone(),
        "study" | "author_year" => r.map(author_year).unwrap_or_default(),
        "title" => r.and_then(|r| r.title.clone()).unwrap_or_default(),
        "journal" => {
            r.and_then(|r| r.journal.clone().or_else(|| r.journal_abbrev.clone())).unwrap_or_default()
        }
        "year" => r.and_then(|r| r.year).map(|y| y.to_string()).unwrap_or_default(),
        "doi" => r.and_then(|r| r.doi.clone()).unwrap_or_default(),
        "pmid" => r.and_then(|r| r.pmid.clone()).unwrap_or_default(),
        "level" => study.level.clone().unwrap_or_default(),
        other => other
            .strip_prefix("appraisal:")
            .and_then(|tool| study.appraisals.get(tool).cloned())
            .unwrap_or_default(),
    }
}

/// "Smith, 2013", "Smith and Jones, 2013" or "Smith et al., 2013", as tables cite studies.
pub fn author_year(r: &Reference) -> String {
    let names = match r.authors.as_slice() {
        [] => r.title.clone().unwrap_or_default(),
        [a] => a.family.clone(),
        [a, b] => format!("{} and {}", a.family, b.family),
        [a, ..] => format!("{} et al.", a.family),
    };
    match r.year {
        Some(y) => format!("{names}, {y}"),
        None => names,
    }
}

/// A value as a cell: group rows one per line with their sub-values in the form's order,
/// long text with its line breaks, numbers grouped when asked.
fn render(form: &Form, key: &str, value: &Value, thousands: Option<&str>) -> String {
    match (form.field(key).map(|f| &f.kind), value) {
        (Some(FieldKind::Group { fields }), Value::Rows(rows)) => rows
            .iter()
            .map(|row| {
                fields
                    .iter()
                    .filter_map(|f| row.get(&f.key))
                    .map(Value::display)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, Value::Number(n)) if n.fract() == 0.0 && n.abs() < 1e15 => group_digits(*n as i64, thousands),
        (_, Value::Pair { intervention: Some(i), control: Some(c), .. }) => {
            format!("{}/{}", group_digits(*i, thousands), group_digits(*c, thousands))
        }
        (_, Value::Pair { total: Some(t), .. }) => group_digits(*t, thousands),
        _ => value.display(),
    }
}

fn group_digits(n: i64, separator: Option<&str>) -> String {
    let digits = n.unsigned_abs().to_string();
    let Some(sep) = separator.filter(|_| digits.len() > 3) else {
        return n.to_string();
    };
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(d);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{Row, to_markdown};
    use sift_domain::Author;

    const FORM: &str = r#"
name = "sr"
[[fields]]
key = "design"
label = "Design"
type = "single_choice"
options = ["Systematic review", "Meta-analysis"]
[[fields]]
key = "patients"
label = "Patients"
type = "integer_pair"
[[fields]]
key = "patients_note"
label = "Note"
type = "text"
[[fields]]
key = "also_in"
label = "Also in"
type = "multiple_choice"
options = ["guideline", "review"]
[[fields]]
key = "interventions"
label = "Interventions"
type = "group"
fields = [
  { key = "type", label = "Type", type = "text" },
  { key = "n", label = "n", type = "text" },
]
"#;

    fn form() -> Form {
        toml::from_str(FORM).unwrap()
    }

    fn study(label: &str, position: i64, assignments: &[(&str, &str)]) -> StudyRow {
        let form = form();
        let mut values = Values::new();
        for (k, v) in assignments {
            form.assign(&mut values, k, v).unwrap();
        }
        StudyRow { label: label.into(), values, position, ..StudyRow::default() }
    }

    fn spec(extra: &str) -> TableSpec {
        let text = format!(
            r#"
[[tables]]
name = "t4"
title = "Table 4."
form = "sr"
footnotes = ["NR: not reported."]
{extra}
[[tables.columns]]
header = "Author, year"
value = "study"
marks = [{{ field = "also_in", option = "guideline", mark = "*" }}, {{ field = "also_in", option = "review", mark = "^" }}]
[[tables.columns]]
header = "Patients (I/C)"
field = "patients"
note = "patients_note"
thousands = ","
[[tables.columns]]
header = "Interventions, n"
field = "interventions"
"#
        );
        TableSpecs::parse(&text).unwrap().tables.remove(0)
    }

    #[test]
    fn cells_come_from_values_notes_marks_and_groups() {
        let studies = vec![
            study(
                "Wang et al., 2025",
                2,
                &[("patients", "1,116"), ("interventions[1].type", "Yoga"), ("interventions[1].n", "3")],
            ),
            study(
                "Tanay et al., 2023",
                1,
                &[
                    ("patients", "743"),
                    ("patients_note", "both I and C"),
                    ("also_in", "guideline; review"),
                    ("interventions", r#"[{"type": "Balance", "n": "7"}, {"type": "Strength", "n": "NR"}]"#),
                ],
            ),
        ];
        let spec = spec("");
        spec.check(&form()).unwrap();
        let table = build(&spec, &form(), &studies);
        let Row::Cells(first) = &table.rows[0] else { panic!() };
        assert_eq!(first, &["Tanay et al., 2023*^", "743 (both I and C)", "Balance, 7\nStrength, NR"]);
        let Row::Cells(second) = &table.rows[1] else { panic!() };
        assert_eq!(second, &["Wang et al., 2025", "1,116", "Yoga, 3"]);
        assert_eq!(table.footnotes, vec!["NR: not reported."]);
        assert!(
            to_markdown(&table)
                .contains("| Tanay et al., 2023\\*^ | 743 (both I and C) | Balance, 7<br>Strength, NR |")
        );
    }

    #[test]
    fn rows_sort_and_group() {
        let studies = vec![
            study("B", 1, &[("design", "Meta-analysis")]),
            study("A", 2, &[("design", "Systematic review")]),
            study("C", 3, &[("design", "Meta-analysis")]),
        ];
        let labels = |t: &Table| {
            t.rows
                .iter()
                .map(|r| match r {
                    Row::Cells(c) => c[0].clone(),
                    Row::Group(g) => format!("[{g}]"),
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(labels(&build(&spec(""), &form(), &studies)), ["B", "A", "C"]);
        assert_eq!(labels(&build(&spec("sort = \"study\""), &form(), &studies)), ["A", "B", "C"]);
        assert_eq!(labels(&build(&spec("sort = \"design\""), &form(), &studies)), ["B", "C", "A"]);
        assert_eq!(
            labels(&build(&spec("group_by = \"design\""), &form(), &studies)),
            ["[Meta-analysis]", "B", "C", "[Systematic review]", "A"]
        );
    }

    #[test]
    fn author_year_follows_the_number_of_authors() {
        let author = |f: &str| Author::new(f, None);
        let mut r = Reference { year: Some(2013), ..Reference::default() };
        r.authors = vec![author("Smith")];
        assert_eq!(author_year(&r), "Smith, 2013");
        r.authors.push(author("Pang"));
        assert_eq!(author_year(&r), "Smith and Pang, 2013");
        r.authors.push(author("Cirrincione"));
        assert_eq!(author_year(&r), "Smith et al., 2013");
        let s = StudyRow { reference: Some(r), ..StudyRow::default() };
        assert_eq!(
            built_in("study", &s),
            "Smith et al., 2013",
            "a study without a label is named by its report"
        );
    }

    #[test]
    fn bad_specs_name_the_place() {
        let err = |extra: &str, column: &str| {
            let text = format!(
                "[[tables]]\nname = \"t\"\nform = \"sr\"\n{extra}\n[[tables.columns]]\nheader = \"H\"\n{column}\n"
            );
            let spec = TableSpecs::parse(&text)?.tables.remove(0);
            spec.check(&form()).map(|_| ())
        };
        assert!(err("", "field = \"design\"").is_ok());
        let e = err("", "field = \"desing\"").unwrap_err();
        assert_eq!(e.place, "table t: column 1 (H)");
        assert!(e.message.contains("its fields are: design, patients"));
        assert!(err("", "value = \"colour\"").unwrap_err().message.contains("not a built-in"));
        assert!(err("", "value = \"appraisal:rob2\"").is_ok());
        assert!(err("", "").unwrap_err().message.contains("either field"));
        assert!(err("sort = \"nope\"", "field = \"design\"").unwrap_err().place.ends_with("sort"));
        assert!(
            err("", "field = \"design\"\nmarks = [{ field = \"also_in\", option = \"x\", mark = \"*\" }]")
                .unwrap_err()
                .message
                .contains("not an option of also_in")
        );
        let e = TableSpecs::parse("[[tables]]\nname = \"t\"\nform = \"sr\"\ncolour = 1\ncolumns = []\n")
            .unwrap_err();
        assert_eq!(e.place, "line 4");
        assert!(e.message.contains("unknown field"));
    }

    #[test]
    fn digits_are_grouped_only_when_asked() {
        assert_eq!(group_digits(1116, Some(",")), "1,116");
        assert_eq!(group_digits(1234567, Some(" ")), "1 234 567");
        assert_eq!(group_digits(-1000, Some(",")), "-1,000");
        assert_eq!(group_digits(999, Some(",")), "999");
        assert_eq!(group_digits(2016, None), "2016");
    }
}
