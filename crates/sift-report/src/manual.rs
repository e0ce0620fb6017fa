//! Counts typed in for a review screened elsewhere (the PRISMA2020 Shiny app's use case): a TOML
//! file, or a two-column CSV `box,count` with the same keys, read into [`PrismaCounts`] and
//! checked with [`flow::check`](crate::flow::check) before anything is drawn.
//!
//! Keys (all whole numbers; the box each fills in brackets):
//!
//! | key | box | if left out |
//! |---|---|---|
//! | `records_from_databases` | Records identified from: Databases | sum of `source.*` minus registers |
//! | `records_from_registers` | Records identified from: Registers | 0 |
//! | `source.<name>` | one line per database or register (drawn with `per_database`) | none |
//! | `duplicates_removed` | Duplicate records removed | 0 |
//! | `marked_ineligible_by_automation` | Records marked as ineligible by automation tools | 0 |
//! | `removed_for_other_reasons` | Records removed for other reasons | 0 |
//! | `records_screened` | Records screened | required |
//! | `records_excluded` | Records excluded | required |
//! | `reports_sought` | Reports sought for retrieval | required |
//! | `reports_not_retrieved` | Reports not retrieved | 0 |
//! | `reports_assessed` | Reports assessed for eligibility | required |
//! | `reports_excluded` | Reports excluded | sum of `reason.*`, else required |
//! | `reason.<name>` | one exclusion reason | none |
//! | `other_source.<name>` | Records identified from (other methods): one line per method | none |
//! | `other_reports_sought` | Reports sought for retrieval (other methods) | 0 |
//! | `other_reports_not_retrieved` | Reports not retrieved (other methods) | 0 |
//! | `other_reports_assessed` | Reports assessed for eligibility (other methods) | 0 |
//! | `other_reports_excluded` | Reports excluded (other methods) | sum of `other_reason.*`, else 0 |
//! | `other_reason.<name>` | one exclusion reason (other methods) | none |
//! | `studies_included` | Studies included in review | required |
//! | `reports_included` | Reports of included studies | required |
//! | `previous_studies` | Studies included in previous version of review (updated review) | none |
//! | `previous_reports` | Reports of studies included in previous version of review | none |
//!
//! In TOML a named key is written `source.PubMed = 1234` or under a `[source]` table (quote
//! names with spaces or dots: `reason."Wrong population" = 12`); in CSV `source.PubMed,1234`,
//! the name being everything after the first dot. Sources are listed by name and reasons most
//! frequent first, as Sift lists its own. Any other-methods key draws the other-methods
//! column; `previous_studies` and `previous_reports` together draw the updated-review template.
//! An unknown key, a key given twice or a value that is not a whole number is an error naming
//! the key and its line. A manual diagram is a finished one: it has no pending work.

use std::collections::BTreeMap;

use sift_domain::prisma::{Named, PrismaCounts, Retrieval};

use crate::flow::{self, FlowError, FlowOptions, Template};
use crate::labels::line_of;

/// Counts read from a file, with the previous version's when the review is an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualCounts {
    pub counts: PrismaCounts,
    /// `(studies, reports)` included in the previous version of the review.
    pub previous: Option<(i64, i64)>,
}

impl ManualCounts {
    /// The template the file asks for: the updated-review one when it has previous counts,
    /// else chosen by the counts.
    pub fn template(&self) -> Option<Template> {
        self.previous.map(|(previous_studies, previous_reports)| Template::Updated {
            previous_studies,
            previous_reports,
        })
    }
}

/// Why a counts file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ManualError {
    /// A syntax error, unknown or repeated key, or bad value, at a line.
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    /// A key the diagram cannot do without.
    #[error("missing `{key}` ({what})")]
    Missing { key: &'static str, what: &'static str },
    /// Counts that are readable but impossible.
    #[error(transparent)]
    Counts(#[from] FlowError),
}

/// Reads and checks a counts TOML.
pub fn from_toml(text: &str) -> Result<ManualCounts, ManualError> {
    let doc = toml::de::DeTable::parse(text).map_err(|e| {
        let line = e.span().map_or(1, |span| line_of(text, span.start));
        ManualError::Line { line, message: e.message().to_owned() }
    })?;
    let mut raw = Raw::default();
    for (key, value) in doc.get_ref() {
        let line = line_of(text, key.span().start);
        let key = key.get_ref();
        match value.get_ref() {
            toml::de::DeValue::Table(table) if NAMED.contains(&key.as_ref()) => {
                for (name, value) in table {
                    let line = line_of(text, name.span().start);
                    let dotted = format!("{key}.{}", name.get_ref());
                    raw.set(&dotted, toml_integer(&dotted, value.get_ref(), line)?, line)?;
                }
            }
            _ if !SCALARS.contains(&key.as_ref()) => return Err(unknown(key, line)),
            value => raw.set(key, toml_integer(key, value, line)?, line)?,
        }
    }
    raw.finish()
}

/// Reads and checks a counts CSV: two columns, `box,count`, an optional header row of exactly
/// those words, `#` comment lines. Counts may have thousands separators ("1,234" quoted).
pub fn from_csv(text: &str) -> Result<ManualCounts, ManualError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut raw = Raw::default();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ManualError::Line {
            line: e.position().map_or(0, |p| p.line() as usize),
            message: e.to_string(),
        })?;
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if i == 0
            && record.len() == 2
            && record[0].eq_ignore_ascii_case("box")
            && record[1].eq_ignore_ascii_case("count")
        {
            continue;
        }
        if record.len() != 2 {
            return Err(ManualError::Line {
                line,
                message: format!("expected two columns, box and count, found {}", record.len()),
            });
        }
        let key = &record[0];
        let digits: String = record[1].chars().filter(|c| !matches!(c, ',' | '_' | ' ')).collect();
        let value = digits.parse::<i64>().map_err(|_| ManualError::Line {
            line,
            message: format!("`{key}` must be a whole number, not {:?}", &record[1]),
        })?;
        raw.set(key, value, line)?;
    }
    raw.finish()
}

/// The keys holding one number each.
const SCALARS: &[&str] = &[
    "records_from_databases",
    "records_from_registers",
    "duplicates_removed",
    "marked_ineligible_by_automation",
    "removed_for_other_reasons",
    "records_screened",
    "records_excluded",
    "reports_sought",
    "reports_not_retrieved",
    "reports_assessed",
    "reports_excluded",
    "other_reports_sought",
    "other_reports_not_retrieved",
    "other_reports_assessed",
    "other_reports_excluded",
    "studies_included",
    "reports_included",
    "previous_studies",
    "previous_reports",
];

/// The prefixes of keys holding one number per name.
const NAMED: &[&str] = &["source", "other_source", "reason", "other_reason"];

fn unknown(key: &str, line: usize) -> ManualError {
    ManualError::Line {
        line,
        message: format!("unknown key `{key}` (the keys are listed in sift_report::manual)"),
    }
}

fn toml_integer(key: &str, value: &toml::de::DeValue<'_>, line: usize) -> Result<i64, ManualError> {
    let bad = || ManualError::Line { line, message: format!("`{key}` must be a whole number") };
    let integer = value.as_integer().ok_or_else(bad)?;
    let digits: String = integer.as_str().chars().filter(|&c| c != '_').collect();
    let (negative, digits) = match digits.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, digits.trim_start_matches('+').to_owned()),
    };
    let digits = match integer.radix() {
        10 => digits,
        _ => digits.get(2..).unwrap_or_default().to_owned(),
    };
    let magnitude = i64::from_str_radix(&digits, integer.radix()).map_err(|_| bad())?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// What a file said, before defaults and derivations.
#[derive(Default)]
struct Raw {
    scalars: BTreeMap<&'static str, (i64, usize)>,
    named: BTreeMap<&'static str, BTreeMap<String, (i64, usize)>>,
}

impl Raw {
    fn set(&mut self, key: &str, value: i64, line: usize) -> Result<(), ManualError> {
        let twice = |first: usize| ManualError::Line {
            line,
            message: format!("`{key}` given twice (first on line {first})"),
        };
        if let Some(&scalar) = SCALARS.iter().find(|k| **k == key) {
            if let Some((_, first)) = self.scalars.insert(scalar, (value, line)) {
                return Err(twice(first));
            }
            return Ok(());
        }
        if let Some((prefix, name)) = key.split_once('.')
            && let Some(&prefix) = NAMED.iter().find(|p| **p == prefix)
            && !name.trim().is_empty()
        {
            if let Some((_, first)) =
                self.named.entry(prefix).or_default().insert(name.trim().to_owned(), (value, line))
            {
                return Err(twice(first));
            }
            return Ok(());
        }
        Err(unknown(key, line))
    }

    fn get(&self, key: &'static str) -> Option<i64> {
        self.scalars.get(key).map(|(v, _)| *v)
    }

    fn required(&self, key: &'static str, what: &'static str) -> Result<i64, ManualError> {
        self.get(key).ok_or(ManualError::Missing { key, what })
    }

    /// The named counts under a prefix; sources by name, reasons most frequent first.
    fn named(&self, prefix: &str, by_count: bool) -> Vec<Named> {
        let mut out: Vec<Named> = self
            .named
            .get(prefix)
            .into_iter()
            .flatten()
            .map(|(name, (count, _))| Named { name: name.clone(), count: *count })
            .collect();
        if by_count {
            out.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        }
        out
    }

    fn finish(self) -> Result<ManualCounts, ManualError> {
        let sum = |list: &[Named]| list.iter().fold(0i64, |s, n| s.saturating_add(n.count));
        let sources = self.named("source", false);
        let registers = self.get("records_from_registers").unwrap_or(0);
        let databases = match self.get("records_from_databases") {
            Some(n) => n,
            None if !sources.is_empty() => sum(&sources).saturating_sub(registers),
            None => {
                return Err(ManualError::Missing {
                    key: "records_from_databases",
                    what: "Records identified from: Databases, or one `source.<name>` per database",
                });
            }
        };
        let records_screened = self.required("records_screened", "Records screened")?;
        let records_excluded = self.required("records_excluded", "Records excluded")?;
        let reports_sought = self.required("reports_sought", "Reports sought for retrieval")?;
        let assessed = self.required("reports_assessed", "Reports assessed for eligibility")?;
        let reasons = self.named("reason", true);
        let excluded = match self.get("reports_excluded") {
            Some(n) => n,
            None if !reasons.is_empty() => sum(&reasons),
            None => return Err(ManualError::Missing { key: "reports_excluded", what: "Reports excluded" }),
        };
        let studies_included = self.required("studies_included", "Studies included in review")?;
        let reports_included = self.required("reports_included", "Reports of included studies")?;
        let databases_retrieval = Retrieval {
            reports_sought,
            reports_not_retrieved: self.get("reports_not_retrieved").unwrap_or(0),
            reports_assessed: assessed,
            reports_excluded: excluded,
            reports_excluded_by_reason: reasons,
            reports_included: assessed.saturating_sub(excluded).max(0),
        };
        let other_reasons = self.named("other_reason", true);
        let other_assessed = self.get("other_reports_assessed").unwrap_or(0);
        let other_excluded = self.get("other_reports_excluded").unwrap_or_else(|| sum(&other_reasons));
        let other_retrieval = Retrieval {
            reports_sought: self.get("other_reports_sought").unwrap_or(0),
            reports_not_retrieved: self.get("other_reports_not_retrieved").unwrap_or(0),
            reports_assessed: other_assessed,
            reports_excluded: other_excluded,
            reports_excluded_by_reason: other_reasons,
            reports_included: other_assessed.saturating_sub(other_excluded).max(0),
        };
        let previous = match (self.get("previous_studies"), self.get("previous_reports")) {
            (Some(studies), Some(reports)) => Some((studies, reports)),
            (None, None) => None,
            (Some(_), None) => {
                return Err(ManualError::Missing {
                    key: "previous_reports",
                    what: "Reports of studies included in previous version of review, given with previous_studies",
                });
            }
            (None, Some(_)) => {
                return Err(ManualError::Missing {
                    key: "previous_studies",
                    what: "Studies included in previous version of review, given with previous_reports",
                });
            }
        };
        let counts = PrismaCounts {
            records_identified_by_source: sources,
            records_from_databases: databases,
            records_from_registers: registers,
            duplicates_removed: self.get("duplicates_removed").unwrap_or(0),
            marked_ineligible_by_automation: self.get("marked_ineligible_by_automation").unwrap_or(0),
            removed_for_other_reasons: self.get("removed_for_other_reasons").unwrap_or(0),
            records_screened,
            records_excluded,
            databases: databases_retrieval,
            other_methods_identified_by_source: self.named("other_source", false),
            other_methods: other_retrieval,
            studies_included,
            reports_included,
            pending: Default::default(),
        };
        let manual = ManualCounts { counts, previous };
        let options = FlowOptions { template: manual.template(), ..FlowOptions::default() };
        flow::check(&manual.counts, &options)?;
        Ok(manual)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
records_from_registers = 34
duplicates_removed = 300
records_screened = 934
records_excluded = 800
reports_sought = 134
reports_not_retrieved = 4
reports_assessed = 130
studies_included = 25
reports_included = 32
other_reports_sought = 3
other_reports_assessed = 3
other_reports_excluded = 1

[source]
PubMed = 700
Embase = 500
"ClinicalTrials.gov" = 34

[reason]
"Wrong population" = 60
"Wrong design" = 40

[other_source]
"Citation searching" = 12
"#;

    #[test]
    fn a_toml_fills_every_box() {
        let m = from_toml(TOML).unwrap();
        let c = &m.counts;
        assert_eq!(c.records_from_databases, 1200, "sources minus registers");
        assert_eq!(c.records_identified_by_source[0].name, "ClinicalTrials.gov");
        assert_eq!(c.databases.reports_excluded, 100, "the sum of the reasons");
        assert_eq!(c.databases.reports_excluded_by_reason[0].name, "Wrong population");
        assert_eq!(c.databases.reports_included, 30);
        assert_eq!(c.other_methods.reports_included, 2);
        assert_eq!(c.other_methods_identified_by_source[0].count, 12);
        assert_eq!(m.previous, None);
        assert_eq!(m.template(), None);
    }

    #[test]
    fn a_csv_with_the_same_keys_gives_the_same_counts() {
        let csv = "box,count\n\
            records_from_registers,34\n\
            # removed before screening\n\
            duplicates_removed,300\n\
            records_screened,934\n\
            records_excluded,800\n\
            reports_sought,134\n\
            reports_not_retrieved,4\n\
            reports_assessed,130\n\
            studies_included,25\n\
            reports_included,32\n\
            source.PubMed,700\n\
            source.Embase,500\n\
            source.ClinicalTrials.gov,34\n\
            reason.Wrong population,60\n\
            \"reason.Wrong design, any\",40\n\
            other_source.Citation searching,12\n\
            other_reports_sought,3\n\
            other_reports_assessed,3\n\
            other_reports_excluded,1\n";
        let from_csv = from_csv(csv).unwrap();
        let mut from_toml = from_toml(TOML).unwrap();
        from_toml.counts.databases.reports_excluded_by_reason[1].name = "Wrong design, any".into();
        assert_eq!(from_csv, from_toml);
    }

    #[test]
    fn thousands_separators_are_read_in_csv() {
        let csv = "records_from_databases,\"1,200\"\nrecords_screened,1200\nrecords_excluded,1_200\n\
            reports_sought,0\nreports_assessed,0\nreports_excluded,0\nstudies_included,0\nreports_included,0\n";
        assert_eq!(from_csv(csv).unwrap().counts.records_from_databases, 1200);
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let err = from_toml("records_from_databases = 3\nrecords_screend = 3\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: unknown key `records_screend` (the keys are listed in sift_report::manual)"
        );
        let err = from_toml("[reasons]\nx = 1\n").unwrap_err().to_string();
        assert!(err.starts_with("line 1: unknown key `reasons`"), "{err}");
        let err = from_csv("box,count\nrecords_screened,3\nscreened,4\n").unwrap_err().to_string();
        assert!(err.starts_with("line 3: unknown key `screened`"), "{err}");
        let err = from_csv("records_screened,3\nrecords_screened,4\n").unwrap_err().to_string();
        assert_eq!(err, "line 2: `records_screened` given twice (first on line 1)");
        let err = from_csv("records_screened,three\n").unwrap_err().to_string();
        assert!(err.starts_with("line 1: `records_screened` must be a whole number"), "{err}");
        let err = from_csv("records_screened\n").unwrap_err().to_string();
        assert!(err.contains("two columns"), "{err}");
        let err = from_toml("records_screened = 1.5\n").unwrap_err().to_string();
        assert!(err.starts_with("line 1: `records_screened` must be a whole number"), "{err}");
        let err = from_toml("records_screened = \n").unwrap_err().to_string();
        assert!(err.starts_with("line 1: "), "{err}");
    }

    #[test]
    fn missing_and_impossible_counts_are_refused() {
        let err = from_toml("records_from_databases = 10\n").unwrap_err().to_string();
        assert!(err.starts_with("missing `records_screened`"), "{err}");
        let impossible = TOML.replace("records_screened = 934", "records_screened = 935");
        let err = from_toml(&impossible).unwrap_err();
        assert!(matches!(err, ManualError::Counts(FlowError::Impossible(_))), "{err}");
        assert!(err.to_string().contains("\"Records screened\""), "{err}");
        let err = from_toml(&format!("previous_studies = 3\n{TOML}")).unwrap_err().to_string();
        assert!(err.starts_with("missing `previous_reports`"), "{err}");
    }

    #[test]
    fn previous_counts_ask_for_the_updated_template() {
        let m = from_toml(&format!("previous_studies = 3\nprevious_reports = 4\n{TOML}")).unwrap();
        assert_eq!(m.template(), Some(Template::Updated { previous_studies: 3, previous_reports: 4 }));
        let err = from_toml(&format!("previous_studies = 5\nprevious_reports = 4\n{TOML}")).unwrap_err();
        assert!(err.to_string().contains("previous version"), "{err}");
    }
}
