//! Data charting: extraction forms with typed fields, the values charted into them, and their
//! validation, so a wrong value is refused naming the field.
//!
//! A form is data (TOML or JSON, see `docs/forms.md`): fields of kinds short and long text,
//! integer, number, integer pair (intervention/control), single and multiple choice,
//! yes/no/unclear, date, and repeating groups of sub-fields (one row per arm or outcome).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// An extraction form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Form {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    pub fields: Vec<Field>,
}

/// One field of a form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    /// Stable key, used in tables and exports: letters, digits and `_`.
    pub key: String,
    /// What charters see.
    pub label: String,
    #[serde(flatten)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub help: Option<String>,
}

/// What a field holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    LongText,
    Integer,
    Number,
    /// Two integers, intervention and control ("31/32"); one alone is a total.
    IntegerPair,
    SingleChoice {
        options: Vec<String>,
    },
    MultipleChoice {
        options: Vec<String>,
    },
    YesNoUnclear,
    Date,
    /// Repeating rows of sub-fields (one per arm, outcome or timepoint).
    Group {
        fields: Vec<Field>,
    },
}

/// A charted value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Number(f64),
    Pair { intervention: Option<i64>, control: Option<i64>, total: Option<i64> },
    Choices(Vec<String>),
    Rows(Vec<BTreeMap<String, Value>>),
}

/// A value that does not fit its field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValueError {
    pub field: String,
    pub message: String,
}

impl Form {
    /// Checks the form itself: unique keys, non-empty options, no nested groups.
    pub fn check(&self) -> Result<(), ValueError> {
        check_fields(&self.fields, "", true)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    /// Parses a value typed as text ("31/32", "12.5", "yes", "a; b") for field `key`.
    pub fn parse_value(&self, key: &str, text: &str) -> Result<Value, ValueError> {
        let field = self.field(key).ok_or_else(|| ValueError {
            field: key.to_string(),
            message: format!(
                "no such field; the form's fields are: {}",
                self.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(", ")
            ),
        })?;
        parse_field_value(field, text)
    }

    /// Sets one field of `values` from text, as typed on a command line or in a form:
    ///
    /// - `key` a plain field: the text parsed for it (empty text clears it);
    /// - `key` a group field: a JSON array of rows, `[{"type": "Balance", "n_studies": "6"}]`,
    ///   each sub-value typed as text or a number;
    /// - `group[N].sub`: sub-field `sub` of row `N` (from 1) of a group, adding rows up to `N`;
    ///   empty text clears it, and trailing empty rows are dropped.
    pub fn assign(&self, values: &mut Values, key: &str, text: &str) -> Result<(), ValueError> {
        if let Some((group, row, sub)) = split_row_key(key) {
            let field = self.field(group).ok_or_else(|| self.unknown(group))?;
            let FieldKind::Group { fields } = &field.kind else {
                return Err(ValueError {
                    field: key.into(),
                    message: format!("{group} is not a group of rows"),
                });
            };
            let sub_field = fields.iter().find(|f| f.key == sub).ok_or_else(|| ValueError {
                field: key.into(),
                message: format!(
                    "no such field in the group; its fields are: {}",
                    fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(", ")
                ),
            })?;
            if row == 0 || row > 1000 {
                return Err(ValueError {
                    field: key.into(),
                    message: "rows are numbered from 1 (at most 1000)".into(),
                });
            }
            let mut rows = match values.remove(group) {
                Some(Value::Rows(rows)) => rows,
                _ => Vec::new(),
            };
            if rows.len() < row {
                rows.resize_with(row, BTreeMap::new);
            }
            if text.trim().is_empty() {
                rows[row - 1].remove(sub);
            } else {
                let value = parse_field_value(sub_field, text)
                    .map_err(|e| ValueError { field: key.into(), message: e.message })?;
                rows[row - 1].insert(sub.to_string(), value);
            }
            while rows.last().is_some_and(BTreeMap::is_empty) {
                rows.pop();
            }
            if !rows.is_empty() {
                values.insert(group.to_string(), Value::Rows(rows));
            }
            return Ok(());
        }
        let field = self.field(key).ok_or_else(|| self.unknown(key))?;
        if text.trim().is_empty() {
            values.remove(key);
            return Ok(());
        }
        let value = match &field.kind {
            FieldKind::Group { fields } => parse_rows(field, fields, text)?,
            _ => parse_field_value(field, text)?,
        };
        values.insert(key.to_string(), value);
        Ok(())
    }

    fn unknown(&self, key: &str) -> ValueError {
        ValueError {
            field: key.to_string(),
            message: format!(
                "no such field; the form's fields are: {}",
                self.fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>().join(", ")
            ),
        }
    }

    /// Checks a whole set of values: every value fits its field, required fields are present.
    pub fn check_values(&self, values: &BTreeMap<String, Value>, complete: bool) -> Result<(), ValueError> {
        for (key, value) in values {
            let field = self.field(key).ok_or_else(|| ValueError {
                field: key.clone(),
                message: "no such field on this form".into(),
            })?;
            check_value(field, value)?;
        }
        if complete
            && let Some(missing) = self.fields.iter().find(|f| f.required && !values.contains_key(&f.key))
        {
            return Err(ValueError { field: missing.key.clone(), message: "required, and missing".into() });
        }
        Ok(())
    }
}

fn check_fields(fields: &[Field], prefix: &str, top: bool) -> Result<(), ValueError> {
    let mut seen = std::collections::BTreeSet::new();
    for f in fields {
        let name = format!("{prefix}{}", f.key);
        let key_ok = !f.key.is_empty() && f.key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !key_ok {
            return Err(ValueError { field: name, message: "a key is letters, digits and _".into() });
        }
        if !seen.insert(f.key.as_str()) {
            return Err(ValueError { field: name, message: "two fields have this key".into() });
        }
        match &f.kind {
            FieldKind::SingleChoice { options } | FieldKind::MultipleChoice { options }
                if options.is_empty() =>
            {
                return Err(ValueError { field: name, message: "a choice field needs options".into() });
            }
            FieldKind::Group { .. } if !top => {
                return Err(ValueError { field: name, message: "groups cannot hold groups".into() });
            }
            FieldKind::Group { fields } => check_fields(fields, &format!("{name}."), false)?,
            _ => {}
        }
    }
    Ok(())
}

/// Charted values of one citation, by field key.
pub type Values = BTreeMap<String, Value>;

/// `group[N].sub` as (group, N, sub).
fn split_row_key(key: &str) -> Option<(&str, usize, &str)> {
    let (group, rest) = key.split_once('[')?;
    let (row, rest) = rest.split_once(']')?;
    let sub = rest.strip_prefix('.')?;
    Some((group, row.trim().parse().ok()?, sub))
}

/// A group's rows typed as a JSON array of objects.
fn parse_rows(field: &Field, fields: &[Field], text: &str) -> Result<Value, ValueError> {
    let sub = fields.first().map_or("key", |f| f.key.as_str());
    let err = |problem: String| ValueError {
        field: field.key.clone(),
        message: format!(
            "{problem}: a group is typed as a JSON array of rows, e.g. [{{\"{sub}\": \"...\"}}], or row by row as {}[1].{sub}=...",
            field.key
        ),
    };
    let json: serde_json::Value = serde_json::from_str(text.trim()).map_err(|e| err(e.to_string()))?;
    let serde_json::Value::Array(items) = json else {
        return Err(err(format!("{:?} is not a list of rows", text.trim())));
    };
    let mut rows = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let serde_json::Value::Object(cells) = item else {
            return Err(ValueError {
                field: format!("{}[{}]", field.key, i + 1),
                message: "a row is an object of sub-field values".into(),
            });
        };
        let mut row = BTreeMap::new();
        for (key, cell) in cells {
            let name = format!("{}[{}].{key}", field.key, i + 1);
            let sub = fields.iter().find(|f| &f.key == key).ok_or_else(|| ValueError {
                field: name.clone(),
                message: "no such field in the group".into(),
            })?;
            let text = match cell {
                serde_json::Value::String(t) => t.clone(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
                serde_json::Value::Null => continue,
                _ => {
                    return Err(ValueError {
                        field: name,
                        message: "a sub-value is text or a number".into(),
                    });
                }
            };
            let value =
                parse_field_value(sub, &text).map_err(|e| ValueError { field: name, message: e.message })?;
            row.insert(key.clone(), value);
        }
        rows.push(row);
    }
    Ok(Value::Rows(rows))
}

/// Parses text typed for one field.
pub fn parse_field_value(field: &Field, text: &str) -> Result<Value, ValueError> {
    let t = text.trim();
    let err = |message: String| ValueError { field: field.key.clone(), message };
    let value = match &field.kind {
        FieldKind::Text | FieldKind::LongText | FieldKind::Date => Value::Text(t.to_string()),
        FieldKind::Integer => Value::Number(
            t.replace(',', "").parse::<i64>().map_err(|_| err(format!("{t:?} is not a whole number")))?
                as f64,
        ),
        FieldKind::Number => Value::Number(
            t.replace(',', "").parse::<f64>().map_err(|_| err(format!("{t:?} is not a number")))?,
        ),
        FieldKind::IntegerPair => parse_pair(t)
            .ok_or_else(|| err(format!("{t:?} is not a count or an intervention/control pair like 31/32")))?,
        FieldKind::SingleChoice { .. } | FieldKind::YesNoUnclear => Value::Text(t.to_string()),
        FieldKind::MultipleChoice { .. } => {
            Value::Choices(t.split(';').map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect())
        }
        FieldKind::Group { .. } => return Err(err("a group is charted row by row, not as one text".into())),
    };
    check_value(field, &value)?;
    Ok(value)
}

fn parse_pair(t: &str) -> Option<Value> {
    let number = |s: &str| s.trim().replace(',', "").parse::<i64>().ok();
    match t.split_once('/') {
        Some((i, c)) => {
            Some(Value::Pair { intervention: Some(number(i)?), control: Some(number(c)?), total: None })
        }
        None => Some(Value::Pair { intervention: None, control: None, total: Some(number(t)?) }),
    }
}

/// Checks one value against its field.
pub fn check_value(field: &Field, value: &Value) -> Result<(), ValueError> {
    let err = |message: String| Err(ValueError { field: field.key.clone(), message });
    match (&field.kind, value) {
        (FieldKind::Text | FieldKind::LongText, Value::Text(_)) => Ok(()),
        (FieldKind::Date, Value::Text(t)) => {
            let ok = t.len() >= 4 && t[..4].chars().all(|c| c.is_ascii_digit());
            if ok { Ok(()) } else { err(format!("{t:?} is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")) }
        }
        (FieldKind::Integer, Value::Number(n)) if n.fract() == 0.0 => Ok(()),
        (FieldKind::Integer, Value::Number(n)) => err(format!("{n} is not a whole number")),
        (FieldKind::Number, Value::Number(_)) => Ok(()),
        (FieldKind::IntegerPair, Value::Pair { intervention, control, total }) => {
            if [intervention, control, total].iter().any(|v| v.is_some_and(|n| n < 0)) {
                err("counts cannot be negative".into())
            } else {
                Ok(())
            }
        }
        (FieldKind::SingleChoice { options }, Value::Text(t)) => {
            if options.iter().any(|o| o == t) {
                Ok(())
            } else {
                err(format!("{t:?} is not one of: {}", options.join(", ")))
            }
        }
        (FieldKind::YesNoUnclear, Value::Text(t)) => {
            if ["yes", "no", "unclear"].contains(&t.to_ascii_lowercase().as_str()) {
                Ok(())
            } else {
                err(format!("{t:?} is not yes, no or unclear"))
            }
        }
        (FieldKind::MultipleChoice { options }, Value::Choices(chosen)) => {
            match chosen.iter().find(|c| !options.contains(c)) {
                Some(c) => err(format!("{c:?} is not one of: {}", options.join(", "))),
                None => Ok(()),
            }
        }
        (FieldKind::Group { fields }, Value::Rows(rows)) => {
            for (i, row) in rows.iter().enumerate() {
                for (key, v) in row {
                    let sub = fields.iter().find(|f| &f.key == key).ok_or_else(|| ValueError {
                        field: format!("{}[{}].{key}", field.key, i + 1),
                        message: "no such field in the group".into(),
                    })?;
                    check_value(sub, v).map_err(|e| ValueError {
                        field: format!("{}[{}].{}", field.key, i + 1, e.field),
                        message: e.message,
                    })?;
                }
            }
            Ok(())
        }
        (kind, _) => err(format!("this value does not fit a {} field", kind_name(kind))),
    }
}

fn kind_name(kind: &FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::LongText => "long text",
        FieldKind::Integer => "integer",
        FieldKind::Number => "number",
        FieldKind::IntegerPair => "intervention/control count",
        FieldKind::SingleChoice { .. } => "single choice",
        FieldKind::MultipleChoice { .. } => "multiple choice",
        FieldKind::YesNoUnclear => "yes/no/unclear",
        FieldKind::Date => "date",
        FieldKind::Group { .. } => "group",
    }
}

impl Value {
    /// The value as a table cell: pairs as "31/32", numbers without needless decimals,
    /// choices joined with ", ".
    pub fn display(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Value::Number(n) => format!("{n}"),
            Value::Pair { intervention: Some(i), control: Some(c), .. } => format!("{i}/{c}"),
            Value::Pair { total: Some(t), .. } => t.to_string(),
            Value::Pair { .. } => String::new(),
            Value::Choices(c) => c.join(", "),
            Value::Rows(rows) => rows
                .iter()
                .map(|r| r.values().map(Value::display).collect::<Vec<_>>().join(", "))
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// Oxford CEBM 2011 levels of evidence for treatment benefits ("Does this intervention
/// help?"), the classification the seed review uses.
pub const CEBM_2011_TREATMENT: [(&str, &str); 5] = [
    ("1", "Systematic review of randomized trials or n-of-1 trials"),
    ("2", "Randomized trial or observational study with dramatic effect"),
    ("3", "Non-randomized controlled cohort/follow-up study"),
    ("4", "Case-series, case-control studies, or historically controlled studies"),
    ("5", "Mechanism-based reasoning"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> Form {
        Form {
            name: "Characteristics".into(),
            description: None,
            fields: vec![
                Field {
                    key: "design".into(),
                    label: "Design".into(),
                    kind: FieldKind::Text,
                    required: true,
                    help: None,
                },
                Field {
                    key: "n".into(),
                    label: "Patients (I/C)".into(),
                    kind: FieldKind::IntegerPair,
                    required: false,
                    help: None,
                },
                Field {
                    key: "weeks".into(),
                    label: "Follow-up, weeks".into(),
                    kind: FieldKind::Number,
                    required: false,
                    help: None,
                },
                Field {
                    key: "effect".into(),
                    label: "Effect".into(),
                    kind: FieldKind::SingleChoice { options: vec!["Yes".into(), "No".into()] },
                    required: false,
                    help: None,
                },
                Field {
                    key: "arms".into(),
                    label: "Arms".into(),
                    kind: FieldKind::Group {
                        fields: vec![Field {
                            key: "n".into(),
                            label: "n".into(),
                            kind: FieldKind::Integer,
                            required: false,
                            help: None,
                        }],
                    },
                    required: false,
                    help: None,
                },
            ],
        }
    }

    #[test]
    fn values_parse_and_display() {
        let f = form();
        assert_eq!(f.parse_value("n", "31/32").unwrap().display(), "31/32");
        assert_eq!(f.parse_value("n", "1,116").unwrap().display(), "1116");
        assert_eq!(f.parse_value("weeks", "1.5").unwrap().display(), "1.5");
        assert_eq!(f.parse_value("effect", "Yes").unwrap().display(), "Yes");
    }

    #[test]
    fn wrong_values_name_the_field() {
        let f = form();
        assert_eq!(f.parse_value("n", "many").unwrap_err().field, "n");
        assert!(f.parse_value("effect", "Maybe").unwrap_err().message.contains("not one of: Yes, No"));
        assert!(f.parse_value("colour", "red").unwrap_err().message.contains("design, n, weeks"));
        let mut values = BTreeMap::new();
        values.insert("weeks".to_string(), Value::Number(4.0));
        assert_eq!(f.check_values(&values, true).unwrap_err().field, "design");
        let mut row = BTreeMap::new();
        row.insert("n".to_string(), Value::Text("x".into()));
        values.insert("arms".to_string(), Value::Rows(vec![row]));
        assert_eq!(f.check_values(&values, false).unwrap_err().field, "arms[1].n");
    }

    #[test]
    fn groups_are_assigned_row_by_row_or_as_json() {
        let f = form();
        let mut values = Values::new();
        f.assign(&mut values, "arms[2].n", "40").unwrap();
        f.assign(&mut values, "arms[1].n", "41").unwrap();
        assert_eq!(values["arms"].display(), "41; 40");
        f.assign(&mut values, "arms[2].n", "").unwrap();
        assert_eq!(
            values["arms"],
            Value::Rows(vec![BTreeMap::from([("n".to_string(), Value::Number(41.0))])])
        );
        f.assign(&mut values, "arms[1].n", "").unwrap();
        assert!(!values.contains_key("arms"));

        f.assign(&mut values, "arms", r#"[{"n": 12}, {"n": "13"}]"#).unwrap();
        assert_eq!(values["arms"].display(), "12; 13");
        assert_eq!(f.assign(&mut values, "arms", r#"[{"n": "x"}]"#).unwrap_err().field, "arms[1].n");
        assert_eq!(f.assign(&mut values, "arms", r#"[{"m": 1}]"#).unwrap_err().field, "arms[1].m");
        assert!(f.assign(&mut values, "arms", "12").unwrap_err().message.contains("arms[1].n="));
        assert!(f.assign(&mut values, "arms[0].n", "1").unwrap_err().message.contains("from 1"));
        assert!(f.assign(&mut values, "design[1].n", "1").unwrap_err().message.contains("not a group"));
        assert!(f.assign(&mut values, "arms[1].z", "1").unwrap_err().message.contains("its fields are: n"));
        assert_eq!(values["arms"].display(), "12; 13", "a refused assignment changes nothing");

        f.assign(&mut values, "design", "RCT").unwrap();
        f.assign(&mut values, "design", " ").unwrap();
        assert!(!values.contains_key("design"));
    }

    #[test]
    fn forms_are_checked() {
        let mut f = form();
        assert!(f.check().is_ok());
        f.fields.push(f.fields[0].clone());
        assert!(f.check().unwrap_err().message.contains("two fields"));
    }
}
