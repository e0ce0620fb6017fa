//! Every text of a flow diagram - phase labels, column headings, box texts, footnotes - with
//! the PRISMA 2020 wording as default, the PRISMA-ScR wording as an alternative, and a TOML
//! file that rewords or translates any of them (`assets/flow-labels.toml` lists every key).
//!
//! A text may hold placeholders in braces: `{n}` is the box's count with thousands separators,
//! `{name}` a source's or reason's name - or, for a count not reported, the `not_reported` text
//! ("NR"). `\n` in a text starts a new line; longer lines are wrapped to the box.

use std::fmt;

use crate::flow::FlowError;

/// Declares the labels once: the field, its TOML key, the placeholders it may use, its default.
macro_rules! labels {
    ($( $(#[doc = $doc:literal])* $field:ident : $key:literal [$($ph:literal),*] = $default:literal; )*) => {
        /// Every text a flow diagram draws. Build it with [`Labels::default`] (PRISMA 2020),
        /// [`Labels::scoping`] (PRISMA-ScR) or [`Labels::from_toml`].
        #[derive(Clone, Debug, PartialEq, Eq)]
        pub struct Labels {
            $( $(#[doc = $doc])* pub $field: String, )*
        }

        impl Default for Labels {
            fn default() -> Labels {
                Labels { $( $field: $default.to_owned(), )* }
            }
        }

        impl Labels {
            /// Every key with the placeholders it takes.
            pub const KEYS: &'static [(&'static str, &'static [&'static str])] = &[
                $( ($key, &[$($ph),*]), )*
            ];

            fn slot(&mut self, key: &str) -> Option<&mut String> {
                match key {
                    $( $key => Some(&mut self.$field), )*
                    _ => None,
                }
            }

            /// The text under `key`, if there is such a key.
            pub fn get(&self, key: &str) -> Option<&str> {
                match key {
                    $( $key => Some(&self.$field), )*
                    _ => None,
                }
            }
        }
    };
}

labels! {
    /// Digit grouping for counts: "," gives 1,234,567, "" gives 1234567, "\u2009" (a thin
    /// space) gives the SI style.
    thousands_separator: "thousands_separator" [] = ",";
    /// Written for `{n}` in a box whose count the source did not report, as in "(n = NR)".
    not_reported: "not_reported" [] = "NR";

    phase_identification: "phase.identification" [] = "Identification";
    phase_screening: "phase.screening" [] = "Screening";
    phase_included: "phase.included" [] = "Included";

    header_databases: "header.databases" [] = "Identification of studies via databases and registers";
    header_other_methods: "header.other_methods" [] = "Identification of studies via other methods";
    header_previous: "header.previous" [] = "Previous studies";
    header_new_databases: "header.new_databases" [] = "Identification of new studies via databases and registers";
    header_new_other_methods: "header.new_other_methods" [] = "Identification of new studies via other methods";

    identified: "boxes.identified" ["n"] = "Records identified from*:";
    databases: "boxes.databases" ["n"] = "Databases (n = {n})";
    registers: "boxes.registers" ["n"] = "Registers (n = {n})";
    /// One source, when records are listed per database or register, or per other method.
    source: "boxes.source" ["name", "n"] = "{name} (n = {n})";
    identified_other: "boxes.identified_other" ["n"] = "Records identified from:";
    /// The other-methods identification box when no source is listed.
    other_total: "boxes.other_total" ["n"] = "(n = {n})";
    removed: "boxes.removed" ["n"] = "Records removed before screening:";
    duplicates: "boxes.duplicates" ["n"] = "Duplicate records removed (n = {n})";
    automation: "boxes.automation" ["n"] = "Records marked as ineligible by automation tools (n = {n})";
    removed_other: "boxes.removed_other" ["n"] = "Records removed for other reasons (n = {n})";
    screened: "boxes.screened" ["n"] = "Records screened\n(n = {n})";
    records_excluded: "boxes.records_excluded" ["n"] = "Records excluded**\n(n = {n})";
    sought: "boxes.sought" ["n"] = "Reports sought for retrieval\n(n = {n})";
    not_retrieved: "boxes.not_retrieved" ["n"] = "Reports not retrieved\n(n = {n})";
    assessed: "boxes.assessed" ["n"] = "Reports assessed for eligibility\n(n = {n})";
    /// The heading of the exclusion reasons; `{n}` is the total if you want it shown.
    reports_excluded: "boxes.reports_excluded" ["n"] = "Reports excluded:";
    reason: "boxes.reason" ["name", "n"] = "{name} (n = {n})";
    /// The exclusion box when no reasons are recorded.
    reports_excluded_total: "boxes.reports_excluded_total" ["n"] = "Reports excluded\n(n = {n})";
    studies: "boxes.studies" ["n"] = "Studies included in review\n(n = {n})";
    reports: "boxes.reports" ["n"] = "Reports of included studies\n(n = {n})";
    new_studies: "boxes.new_studies" ["n"] = "New studies included in review\n(n = {n})";
    new_reports: "boxes.new_reports" ["n"] = "Reports of new included studies\n(n = {n})";
    previous_studies: "boxes.previous_studies" ["n"] = "Studies included in previous version of review (n = {n})";
    previous_reports: "boxes.previous_reports" ["n"] = "Reports of studies included in previous version of review (n = {n})";
    total_studies: "boxes.total_studies" ["n"] = "Total studies included in review\n(n = {n})";
    total_reports: "boxes.total_reports" ["n"] = "Reports of total included studies\n(n = {n})";

    /// Footnotes are drawn under the diagram; an empty one is left out.
    footnote_identified: "footnotes.identified" [] = "*Consider, if feasible to do so, reporting the number of records identified from each database or register searched (rather than the total number across all databases/registers).";
    footnote_excluded: "footnotes.excluded" [] = "**If automation tools were used, indicate how many records were excluded by a human and how many were excluded by automation tools.";
    footnote_source: "footnotes.source" [] = "From: Page MJ, McKenzie JE, Bossuyt PM, Boutron I, Hoffmann TC, Mulrow CD, et al. The PRISMA 2020 statement: an updated guideline for reporting systematic reviews. BMJ 2021;372:n71. doi: 10.1136/bmj.n71";
    /// Drawn when a box shows a count as not reported.
    footnote_not_reported: "footnotes.not_reported" [] = "NR: not reported in the source.";
    /// Drawn only while work is unfinished, so a draft diagram cannot pass for a final one.
    footnote_pending: "footnotes.pending" ["not_deduplicated", "awaiting_title_abstract", "awaiting_full_text"] = "Not final: {not_deduplicated} records not yet deduplicated, {awaiting_title_abstract} awaiting title and abstract screening, {awaiting_full_text} reports awaiting full-text assessment.";
}

impl Labels {
    /// The PRISMA-ScR wording (Tricco et al., Ann Intern Med 2018;169:467-73): a scoping review
    /// includes "sources of evidence" where a systematic review includes "studies".
    pub fn scoping() -> Labels {
        Labels {
            header_databases: "Identification of sources of evidence via databases and registers".into(),
            header_other_methods: "Identification of sources of evidence via other methods".into(),
            header_previous: "Previous sources of evidence".into(),
            header_new_databases: "Identification of new sources of evidence via databases and registers"
                .into(),
            header_new_other_methods: "Identification of new sources of evidence via other methods".into(),
            studies: "Sources of evidence included in review (n = {n})".into(),
            reports: "Reports of included sources of evidence (n = {n})".into(),
            new_studies: "New sources of evidence included in review (n = {n})".into(),
            new_reports: "Reports of new included sources of evidence (n = {n})".into(),
            previous_studies: "Sources of evidence included in previous version of review (n = {n})".into(),
            previous_reports: "Reports of sources of evidence included in previous version of review (n = {n})"
                .into(),
            total_studies: "Total sources of evidence included in review (n = {n})".into(),
            total_reports: "Reports of total included sources of evidence (n = {n})".into(),
            footnote_source: "Adapted from: Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an \
                updated guideline for reporting systematic reviews. BMJ 2021;372:n71, in the wording of Tricco AC, \
                Lillie E, Zarin W, et al. PRISMA Extension for Scoping Reviews (PRISMA-ScR): Checklist and \
                Explanation. Ann Intern Med 2018;169:467-73. doi: 10.7326/M18-0850"
                .into(),
            ..Labels::default()
        }
    }

    /// The PRISMA 2020 defaults with the texts of a labels TOML laid over them.
    pub fn from_toml(text: &str) -> Result<Labels, FlowError> {
        Labels::default().merge_toml(text)
    }

    /// These labels with the texts of a labels TOML laid over them: keys it does not name keep
    /// their text. An unknown key, a value that is not a string, or a placeholder the key does
    /// not take is an error naming the key and its line.
    pub fn merge_toml(mut self, text: &str) -> Result<Labels, FlowError> {
        let doc = toml::de::DeTable::parse(text).map_err(|e| FlowError::Labels(e.to_string()))?;
        let mut entries = Vec::new();
        flatten(text, "", doc.get_ref(), &mut entries)?;
        for (key, line, value) in entries {
            let Some(value) = value else {
                return Err(FlowError::Labels(format!("line {line}: `{key}` must be a string")));
            };
            let allowed = Labels::KEYS.iter().find(|(k, _)| *k == key).map(|(_, ph)| *ph);
            let (Some(allowed), Some(slot)) = (allowed, self.slot(&key)) else {
                return Err(FlowError::Labels(format!(
                    "line {line}: unknown key `{key}` (assets/flow-labels.toml lists the keys)"
                )));
            };
            if let Some(bad) = placeholders(&value).find(|p| !allowed.contains(p)) {
                let takes = if allowed.is_empty() {
                    "no placeholders".to_owned()
                } else {
                    allowed.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", ")
                };
                return Err(FlowError::Labels(format!(
                    "line {line}: `{key}` has the placeholder {{{bad}}}; it takes {takes}"
                )));
            }
            *slot = value;
        }
        Ok(self)
    }
}

/// Walks a parsed TOML document into `(dotted key, line, string value)`, a non-string value
/// becoming `None` so the caller can name it.
fn flatten(
    source: &str,
    prefix: &str,
    table: &toml::de::DeTable<'_>,
    out: &mut Vec<(String, usize, Option<String>)>,
) -> Result<(), FlowError> {
    for (key, value) in table {
        let dotted = format!("{prefix}{}", key.get_ref());
        let line = line_of(source, key.span().start);
        match value.get_ref() {
            toml::de::DeValue::Table(inner) => flatten(source, &format!("{dotted}."), inner, out)?,
            toml::de::DeValue::String(s) => out.push((dotted, line, Some(s.to_string()))),
            _ => out.push((dotted, line, None)),
        }
    }
    Ok(())
}

/// The 1-based line of a byte offset.
pub(crate) fn line_of(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The names of the `{placeholders}` in a text.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// Writes a count with the separator between groups of three digits.
pub fn format_count(n: i64, separator: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len() + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(c);
    }
    out
}

/// A label with its placeholders filled in.
pub(crate) struct Fill<'a> {
    pub template: &'a str,
    pub values: &'a [(&'a str, &'a dyn fmt::Display)],
}

impl fmt::Display for Fill<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.template;
        while let Some(open) = rest.find('{') {
            f.write_str(&rest[..open])?;
            let after = &rest[open + 1..];
            match after.split_once('}') {
                Some((name, tail)) if self.values.iter().any(|(k, _)| *k == name) => {
                    let (_, value) = self.values.iter().find(|(k, _)| *k == name).expect("checked above");
                    write!(f, "{value}")?;
                    rest = tail;
                }
                _ => {
                    f.write_str("{")?;
                    rest = after;
                }
            }
        }
        f.write_str(rest)
    }
}

/// The name of a box for messages: its label's first line without the count and the
/// template's asterisks ("Records identified from*:" gives "Records identified from").
pub(crate) fn box_name(template: &str) -> String {
    let first = template.lines().next().unwrap_or_default();
    let cut = first.find(['(', '{']).unwrap_or(first.len());
    first[..cut].trim_end_matches([' ', ':', '*']).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_in_threes() {
        assert_eq!(format_count(0, ","), "0");
        assert_eq!(format_count(7, ","), "7");
        assert_eq!(format_count(999, ","), "999");
        assert_eq!(format_count(1234, ","), "1,234");
        assert_eq!(format_count(12_345, ","), "12,345");
        assert_eq!(format_count(9_999_999, ","), "9,999,999");
        assert_eq!(format_count(1_000_000, "\u{2009}"), "1\u{2009}000\u{2009}000");
        assert_eq!(format_count(-1234, ","), "-1,234");
    }

    #[test]
    fn the_template_lists_every_key_with_its_default() {
        let template = include_str!("../assets/flow-labels.toml");
        assert_eq!(Labels::from_toml(template).unwrap(), Labels::default());
        for (key, _) in Labels::KEYS {
            let leaf = key.rsplit('.').next().unwrap();
            assert!(
                template.lines().any(|l| l.trim_start().starts_with(&format!("{leaf} ="))),
                "assets/flow-labels.toml does not list `{key}`"
            );
        }
    }

    #[test]
    fn a_toml_rewords_only_what_it_names() {
        let labels = Labels::from_toml(
            "thousands_separator = \" \"\n[boxes]\nscreened = \"Registros cribados\\n(n = {n})\"\n",
        )
        .unwrap();
        assert_eq!(labels.screened, "Registros cribados\n(n = {n})");
        assert_eq!(labels.thousands_separator, " ");
        assert_eq!(labels.sought, Labels::default().sought);
        let dotted = Labels::from_toml("phase.included = \"Incluidos\"").unwrap();
        assert_eq!(dotted.phase_included, "Incluidos");
    }

    #[test]
    fn a_toml_with_a_wrong_key_names_it_and_its_line() {
        let err = Labels::from_toml("[boxes]\nscreened = \"x\"\nscreend = \"y\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "labels: line 3: unknown key `boxes.screend` (assets/flow-labels.toml lists the keys)"
        );
        let err = Labels::from_toml("[phase]\nscreening = 3\n").unwrap_err().to_string();
        assert!(err.contains("line 2") && err.contains("must be a string"), "{err}");
        let err = Labels::from_toml("[boxes]\nscreened = \"{count}\"\n").unwrap_err().to_string();
        assert!(err.contains("{count}") && err.contains("takes {n}"), "{err}");
        let err = Labels::from_toml("[boxes\n").unwrap_err().to_string();
        assert!(err.starts_with("labels: "), "{err}");
    }

    #[test]
    fn scoping_speaks_of_sources_of_evidence() {
        let l = Labels::scoping();
        assert!(l.studies.starts_with("Sources of evidence included in review"));
        assert!(l.header_databases.contains("sources of evidence"));
        assert_eq!(l.screened, Labels::default().screened, "records and reports keep their names");
    }

    #[test]
    fn fill_and_box_names() {
        let n = format_count(1234, ",");
        let filled = Fill { template: "{name} (n = {n}) {other}", values: &[("name", &"PubMed"), ("n", &n)] };
        assert_eq!(filled.to_string(), "PubMed (n = 1,234) {other}");
        assert_eq!(box_name("Records identified from*:"), "Records identified from");
        assert_eq!(box_name("Records excluded**\n(n = {n})"), "Records excluded");
        assert_eq!(box_name("Duplicate records removed (n = {n})"), "Duplicate records removed");
    }
}
