//! Counts typed in for a review screened elsewhere (the PRISMA2020 Shiny app's use case): a TOML
//! file, or a two-column CSV `box,count` with the same keys, read into [`PrismaCounts`] and
//! checked with [`flow::check`](crate::flow::check) before anything is drawn.
//!
//! Keys (each a whole number, or "NR" for not reported; the box each fills in brackets):
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
//! An unknown key, a key given twice or a value that is neither a whole number nor "NR" is an
//! error naming the key and its line. A manual diagram is a finished one: it has no pending work.
//!
//! # Not reported
//!
//! A published review often reports only some boxes. Any count may be given as `"NR"` (any
//! case; TOML `records_screened = "NR"`, CSV `records_screened,NR`): the box then says
//! "(n = NR)" and the checks that involve it are skipped (see [`flow::check`]). A required key
//! must still be there, as a number or as NR, so that leaving a box out is a decision; a key
//! with a default that is left out takes its default, 0 for most. What is derived from an NR
//! count is NR too: `records_from_databases` from an NR source or register, `reports_excluded`
//! from an NR reason, and the reports included per column (assessed minus excluded). The NR
//! counts are listed in [`ManualCounts::not_reported`].

use std::collections::{BTreeMap, BTreeSet};

use sift_domain::prisma::{Named, PrismaCounts, Retrieval};

use crate::flow::{self, Count, FlowError, FlowOptions, Template};
use crate::labels::line_of;

/// Counts read from a file, with the previous version's when the review is an update.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManualCounts {
    pub counts: PrismaCounts,
    /// `(studies, reports)` included in the previous version of the review.
    pub previous: Option<(i64, i64)>,
    /// The counts the file gives as "NR", and those derived from one. Their numbers in
    /// `counts` and `previous` are placeholders, 0, which neither check nor diagram reads.
    pub not_reported: BTreeSet<Count>,
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

    /// The options to draw the counts with: the file's template and its counts not reported.
    /// Wording, title and the rest are left to the caller.
    pub fn flow_options(&self) -> FlowOptions {
        FlowOptions {
            template: self.template(),
            not_reported: self.not_reported.clone(),
            ..FlowOptions::default()
        }
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
        let message = match bare_not_reported(text, line) {
            // The parser would say "invalid float, expected `nan`".
            Some(key) => format!("write not reported in quotes: `{key} = \"NR\"`"),
            None => e.message().to_owned(),
        };
        ManualError::Line { line, message }
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
                    raw.set(&dotted, toml_value(&dotted, value.get_ref(), line)?, line)?;
                }
            }
            _ if !SCALARS.contains(&key.as_ref()) => return Err(unknown(key, line)),
            value => raw.set(key, toml_value(key, value, line)?, line)?,
        }
    }
    raw.finish()
}

/// Writes counts as the TOML [`from_toml`] reads: every box, one line per source and
/// reason, and the previous version's counts when given. A starting point for typing counts
/// in: the derived counts written out, to be changed where the records cannot tell.
pub fn to_toml(counts: &PrismaCounts, previous: Option<(i64, i64)>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let mut line = |key: &str, n: i64| {
        let _ = writeln!(out, "{key} = {n}");
    };
    line("records_from_databases", counts.records_from_databases);
    line("records_from_registers", counts.records_from_registers);
    line("duplicates_removed", counts.duplicates_removed);
    line("marked_ineligible_by_automation", counts.marked_ineligible_by_automation);
    line("removed_for_other_reasons", counts.removed_for_other_reasons);
    line("records_screened", counts.records_screened);
    line("records_excluded", counts.records_excluded);
    let d = &counts.databases;
    line("reports_sought", d.reports_sought);
    line("reports_not_retrieved", d.reports_not_retrieved);
    line("reports_assessed", d.reports_assessed);
    line("reports_excluded", d.reports_excluded);
    let o = &counts.other_methods;
    line("other_reports_sought", o.reports_sought);
    line("other_reports_not_retrieved", o.reports_not_retrieved);
    line("other_reports_assessed", o.reports_assessed);
    line("other_reports_excluded", o.reports_excluded);
    line("studies_included", counts.studies_included);
    line("reports_included", counts.reports_included);
    if let Some((studies, reports)) = previous {
        line("previous_studies", studies);
        line("previous_reports", reports);
    }
    for (table, named) in [
        ("source", &counts.records_identified_by_source),
        ("reason", &d.reports_excluded_by_reason),
        ("other_source", &counts.other_methods_identified_by_source),
        ("other_reason", &o.reports_excluded_by_reason),
    ] {
        if named.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n[{table}]");
        for n in named {
            let _ = writeln!(out, "{} = {}", toml_key(&n.name), n.count);
        }
    }
    out
}

/// A TOML key for any name: bare when it can be, else a quoted string.
fn toml_key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        return name.to_string();
    }
    let mut quoted = String::from('"');
    for c in name.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

/// Reads and checks a counts CSV: two columns, `box,count`, an optional header row of exactly
/// those words, `#` comment lines. Counts may have thousands separators ("1,234" quoted), or
/// be `NR`.
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
        let value = if is_not_reported(&record[1]) {
            None
        } else {
            let digits: String = record[1].chars().filter(|c| !matches!(c, ',' | '_' | ' ')).collect();
            Some(digits.parse::<i64>().map_err(|_| ManualError::Line {
                line,
                message: format!("`{key}` must be a whole number or NR (not reported), not {:?}", &record[1]),
            })?)
        };
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

/// The key of a TOML line `key = NR` (NR without quotes), which does not parse.
fn bare_not_reported(text: &str, line: usize) -> Option<&str> {
    let (key, value) = text.lines().nth(line.checked_sub(1)?)?.split_once('=')?;
    let value = value.split('#').next().unwrap_or_default();
    is_not_reported(value).then(|| key.trim())
}

/// A count as a file gives it: `None` for "NR", not reported.
type Value = Option<i64>;

/// Whether a value is the text "NR", in any case.
fn is_not_reported(text: &str) -> bool {
    text.trim().eq_ignore_ascii_case("NR")
}

fn toml_value(key: &str, value: &toml::de::DeValue<'_>, line: usize) -> Result<Value, ManualError> {
    let bad = || ManualError::Line {
        line,
        message: match value {
            toml::de::DeValue::String(text) => {
                format!("`{key}` must be a whole number or \"NR\" (not reported), not {text:?}")
            }
            _ => format!("`{key}` must be a whole number or \"NR\" (not reported)"),
        },
    };
    if let toml::de::DeValue::String(text) = value
        && is_not_reported(text)
    {
        return Ok(None);
    }
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
    Ok(Some(if negative { -magnitude } else { magnitude }))
}

/// What a file said, before defaults and derivations.
#[derive(Default)]
struct Raw {
    scalars: BTreeMap<&'static str, (Value, usize)>,
    named: BTreeMap<&'static str, BTreeMap<String, (Value, usize)>>,
}

impl Raw {
    fn set(&mut self, key: &str, value: Value, line: usize) -> Result<(), ManualError> {
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

    /// The value of a key, `None` when the file does not give it.
    fn get(&self, key: &'static str) -> Option<Value> {
        self.scalars.get(key).map(|(v, _)| *v)
    }

    /// The value of a key that is 0 when left out.
    fn or_zero(&self, key: &'static str) -> Value {
        self.get(key).unwrap_or(Some(0))
    }

    fn required(&self, key: &'static str, what: &'static str) -> Result<Value, ManualError> {
        self.get(key).ok_or(ManualError::Missing { key, what })
    }

    /// The named counts under a prefix; sources by name, reasons most frequent first and those
    /// not reported last.
    fn named(&self, prefix: &str, by_count: bool) -> Vec<(String, Value)> {
        let mut out: Vec<(String, Value)> = self
            .named
            .get(prefix)
            .into_iter()
            .flatten()
            .map(|(name, (count, _))| (name.clone(), *count))
            .collect();
        if by_count {
            // `None` orders before any number, so most frequent first puts it last.
            out.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        out
    }

    fn finish(self) -> Result<ManualCounts, ManualError> {
        // Derived values are NR when anything they derive from is.
        let sum =
            |list: &[(String, Value)]| list.iter().try_fold(0i64, |s, (_, n)| Some(s.saturating_add((*n)?)));
        let difference = |a: Value, b: Value| Some(a?.saturating_sub(b?));
        let sources = self.named("source", false);
        let registers = self.or_zero("records_from_registers");
        let databases = match self.get("records_from_databases") {
            Some(n) => n,
            None if !sources.is_empty() => difference(sum(&sources), registers),
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
        let other_reasons = self.named("other_reason", true);
        let other_assessed = self.or_zero("other_reports_assessed");
        let other_excluded = self.get("other_reports_excluded").unwrap_or_else(|| sum(&other_reasons));
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

        let mut nr = NotReported::default();
        let included = |assessed: Value, excluded: Value| difference(assessed, excluded).map(|n| n.max(0));
        let databases_retrieval = Retrieval {
            reports_sought: nr.put(Count::ReportsSought, reports_sought),
            reports_not_retrieved: nr.put(Count::ReportsNotRetrieved, self.or_zero("reports_not_retrieved")),
            reports_assessed: nr.put(Count::ReportsAssessed, assessed),
            reports_excluded: nr.put(Count::ReportsExcluded, excluded),
            reports_excluded_by_reason: nr.named(reasons, Count::Reason),
            reports_included: nr.put(Count::ReportsIncludedFromDatabases, included(assessed, excluded)),
        };
        let other_retrieval = Retrieval {
            reports_sought: nr.put(Count::OtherReportsSought, self.or_zero("other_reports_sought")),
            reports_not_retrieved: nr
                .put(Count::OtherReportsNotRetrieved, self.or_zero("other_reports_not_retrieved")),
            reports_assessed: nr.put(Count::OtherReportsAssessed, other_assessed),
            reports_excluded: nr.put(Count::OtherReportsExcluded, other_excluded),
            reports_excluded_by_reason: nr.named(other_reasons, Count::OtherReason),
            reports_included: nr
                .put(Count::ReportsIncludedFromOtherMethods, included(other_assessed, other_excluded)),
        };
        let counts = PrismaCounts {
            records_identified_by_source: nr.named(sources, Count::Source),
            records_from_databases: nr.put(Count::RecordsFromDatabases, databases),
            records_from_registers: nr.put(Count::RecordsFromRegisters, registers),
            duplicates_removed: nr.put(Count::DuplicatesRemoved, self.or_zero("duplicates_removed")),
            marked_ineligible_by_automation: nr
                .put(Count::MarkedIneligibleByAutomation, self.or_zero("marked_ineligible_by_automation")),
            removed_for_other_reasons: nr
                .put(Count::RemovedForOtherReasons, self.or_zero("removed_for_other_reasons")),
            records_screened: nr.put(Count::RecordsScreened, records_screened),
            records_excluded: nr.put(Count::RecordsExcluded, records_excluded),
            databases: databases_retrieval,
            other_methods_identified_by_source: nr
                .named(self.named("other_source", false), Count::OtherSource),
            other_methods: other_retrieval,
            studies_included: nr.put(Count::StudiesIncluded, studies_included),
            reports_included: nr.put(Count::ReportsIncluded, reports_included),
            pending: Default::default(),
        };
        let previous = previous.map(|(studies, reports)| {
            (nr.put(Count::PreviousStudies, studies), nr.put(Count::PreviousReports, reports))
        });
        let manual = ManualCounts { counts, previous, not_reported: nr.0 };
        flow::check(&manual.counts, &manual.flow_options())?;
        Ok(manual)
    }
}

/// Gathers the counts not reported while the counts are filled in, each given the placeholder
/// 0: flow reads no count it is told is not reported.
#[derive(Default)]
struct NotReported(BTreeSet<Count>);

impl NotReported {
    fn put(&mut self, count: Count, value: Value) -> i64 {
        value.unwrap_or_else(|| {
            self.0.insert(count);
            0
        })
    }

    fn named(&mut self, list: Vec<(String, Value)>, count: fn(String) -> Count) -> Vec<Named> {
        list.into_iter()
            .map(|(name, value)| Named { count: self.put(count(name.clone()), value), name })
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A published scoping review (PRISMA-ScR) that reports the records from databases, the
    /// other methods and the included sources, and nothing in between.
    pub(crate) const PUBLISHED_SCOPING_REVIEW: &str = r#"
records_from_databases = 200
records_from_registers = "NR"
duplicates_removed = "NR"
marked_ineligible_by_automation = "NR"
removed_for_other_reasons = "NR"
records_screened = "NR"
records_excluded = "NR"
reports_sought = "NR"
reports_not_retrieved = "NR"
reports_assessed = "NR"
reports_excluded = "NR"
other_reports_sought = "NR"
other_reports_not_retrieved = "NR"
other_reports_assessed = 4
other_reports_excluded = 0
studies_included = 11
reports_included = 11

[other_source]
"Citation searching" = 4
"#;

    /// A published review that reports only the records screened and what it included, as a
    /// CSV written with NR in any case.
    pub(crate) const SCREENED_ONLY_CSV: &str = "box,count\n\
        records_from_databases,NR\n\
        records_from_registers,nr\n\
        duplicates_removed,NR\n\
        marked_ineligible_by_automation, NR \n\
        removed_for_other_reasons,NR\n\
        records_screened,280\n\
        records_excluded,Nr\n\
        reports_sought,NR\n\
        reports_not_retrieved,NR\n\
        reports_assessed,NR\n\
        reports_excluded,NR\n\
        studies_included,6\n\
        reports_included,6\n";

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
    fn written_counts_read_back_the_same() {
        let mut m = from_toml(TOML).unwrap();
        m.counts.other_methods.reports_excluded_by_reason =
            vec![Named { name: "Said \"no\" \\ twice".into(), count: 1 }];
        let text = to_toml(&m.counts, Some((7, 9)));
        let back = from_toml(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back.counts, m.counts, "{text}");
        assert_eq!(back.previous, Some((7, 9)));
        assert!(text.contains("\"ClinicalTrials.gov\" = 34") && text.contains("PubMed = 700"), "{text}");
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

    // --- Not reported ----------------------------------------------------------------------------

    fn keys(m: &ManualCounts) -> Vec<String> {
        m.not_reported.iter().map(Count::key).collect()
    }

    #[test]
    fn nr_in_toml_marks_counts_not_reported() {
        let m = from_toml(PUBLISHED_SCOPING_REVIEW).unwrap();
        assert_eq!(
            keys(&m),
            [
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
                "databases.reports_included",
                "other_reports_sought",
                "other_reports_not_retrieved",
            ],
            "as given, and the column's reports included, derived from two of them"
        );
        let c = &m.counts;
        assert_eq!((c.records_from_databases, c.studies_included, c.reports_included), (200, 11, 11));
        assert_eq!((c.other_methods.reports_assessed, c.other_methods.reports_included), (4, 4));
        assert_eq!((c.records_screened, c.databases.reports_included), (0, 0), "placeholders");
        let options = m.flow_options();
        assert_eq!(options.not_reported, m.not_reported);
        assert_eq!(options.template, None);
    }

    #[test]
    fn nr_in_csv_is_read_in_any_case() {
        let m = from_csv(SCREENED_ONLY_CSV).unwrap();
        assert_eq!(m.counts.records_screened, 280);
        assert!(m.not_reported.contains(&Count::RecordsFromDatabases));
        assert!(m.not_reported.contains(&Count::RecordsExcluded), "Nr");
        assert!(m.not_reported.contains(&Count::MarkedIneligibleByAutomation), "padded");
        let toml: String = SCREENED_ONLY_CSV
            .lines()
            .skip(1)
            .map(|line| {
                let (key, value) = line.split_once(',').unwrap();
                let value = value.trim();
                let value =
                    if value.parse::<i64>().is_ok() { value.to_owned() } else { format!("{value:?}") };
                format!("{key} = {value}\n")
            })
            .collect();
        assert!(toml.contains("records_excluded = \"Nr\""), "{toml}");
        assert_eq!(from_toml(&toml).unwrap(), m);
    }

    #[test]
    fn a_required_key_not_reported_must_still_be_given() {
        let without = PUBLISHED_SCOPING_REVIEW.replace("records_excluded = \"NR\"\n", "");
        let err = from_toml(&without).unwrap_err().to_string();
        assert!(err.starts_with("missing `records_excluded`"), "{err}");
        let without = SCREENED_ONLY_CSV.replace("reports_assessed,NR\n", "");
        let err = from_csv(&without).unwrap_err().to_string();
        assert!(err.starts_with("missing `reports_assessed`"), "{err}");
    }

    #[test]
    fn a_key_with_a_default_left_out_is_zero_not_nr() {
        // Without saying the other methods' reports sought are NR, they are 0, and 4 reports
        // cannot be assessed out of 0 sought.
        let without = PUBLISHED_SCOPING_REVIEW
            .replace("other_reports_sought = \"NR\"\n", "")
            .replace("other_reports_not_retrieved = \"NR\"\n", "");
        let err = from_toml(&without).unwrap_err().to_string();
        assert!(
            err.contains(
                "\"Reports assessed for eligibility (other methods)\": 4 reports assessed, but 0 sought"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_value_neither_number_nor_nr_names_its_key_and_line() {
        let err = from_csv("box,count\nrecords_screened,N/A\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "line 2: `records_screened` must be a whole number or NR (not reported), not \"N/A\""
        );
        let err =
            from_toml("records_from_databases = 3\nrecords_screened = \"N/A\"\n").unwrap_err().to_string();
        assert_eq!(
            err,
            "line 2: `records_screened` must be a whole number or \"NR\" (not reported), not \"N/A\""
        );
        let err = from_toml("[reason]\n\"Wrong population\" = \"NRR\"\n").unwrap_err().to_string();
        assert!(
            err.starts_with("line 2: `reason.Wrong population` must be a whole number or \"NR\""),
            "{err}"
        );
        let err = from_toml("records_from_databases = 3\nrecords_screened = nr # not given\n").unwrap_err();
        assert_eq!(err.to_string(), "line 2: write not reported in quotes: `records_screened = \"NR\"`");
    }

    #[test]
    fn what_is_derived_from_an_nr_count_is_nr() {
        let toml = r#"
records_screened = 10
records_excluded = "NR"
reports_sought = "NR"
reports_assessed = 5
studies_included = 1
reports_included = 1
[source]
PubMed = 6
Embase = "NR"
[reason]
"Wrong design" = "NR"
"Wrong population" = 2
"#;
        let m = from_toml(toml).unwrap();
        assert!(m.not_reported.contains(&Count::RecordsFromDatabases), "the sum of the sources");
        assert!(m.not_reported.contains(&Count::Source("Embase".into())));
        assert!(m.not_reported.contains(&Count::ReportsExcluded), "the sum of the reasons");
        assert!(m.not_reported.contains(&Count::ReportsIncludedFromDatabases));
        let reasons: Vec<&str> =
            m.counts.databases.reports_excluded_by_reason.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(reasons, ["Wrong population", "Wrong design"], "not reported last");
    }

    #[test]
    fn every_key_may_be_nr_and_is_named_by_its_key() {
        let mut toml: String = SCALARS.iter().map(|key| format!("{key} = \"NR\"\n")).collect();
        for prefix in NAMED {
            toml.push_str(&format!("{prefix}.\"A name\" = \"nR\"\n"));
        }
        let m = from_toml(&toml).unwrap();
        let keys = keys(&m);
        let named = NAMED.iter().map(|prefix| format!("{prefix}.A name"));
        for key in SCALARS.iter().map(|key| key.to_string()).chain(named) {
            assert!(keys.contains(&key), "{key} is not in {keys:?}");
        }
        assert_eq!(m.template(), Some(Template::Updated { previous_studies: 0, previous_reports: 0 }));
        let svg = flow::flow_svg(&m.counts, &m.flow_options()).unwrap();
        assert!(!svg.contains("(n = 0)") && svg.contains("(n = NR)"), "{svg}");
    }
}
