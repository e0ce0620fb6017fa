//! PRISMA 2020 and PRISMA-ScR flow diagrams: counts in, an SVG out, laid out like the published
//! templates (Page et al., BMJ 2021;372:n71) with text kept as text in DejaVu Sans.
//!
//! The diagram is built in two steps. [`layout`] turns counts into a [`Layout`] - every box,
//! text line and arrow with its coordinates, measured with the embedded font's real advance
//! widths - and [`Layout::to_svg`] writes it out. The tests prove the layout from the model
//! itself: every line inside its box, no boxes overlapping, no arrow crossing a box.
//!
//! Columns, left to right: the phase bars (Identification, Screening, Included), "Previous
//! studies" (updated reviews), databases and registers with their side boxes, and other
//! methods with theirs. Boxes of a row are centred on the row's middle, so every arrow runs
//! straight down a column or straight right along a row; the other-methods column and the
//! previous studies join the included boxes with one bend.
//!
//! A count may be marked not reported ([`FlowOptions::not_reported`]), for redrawing a
//! published review that left boxes out. Check and layout read the counts only through one
//! view that turns such a count into "unknown": the rules that involve it are skipped, sums
//! over it are unknown too, and its box says "(n = NR)".

use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeSet, VecDeque};
use std::fmt::{self, Write as _};

use sift_domain::prisma::{Named, PrismaCounts, Retrieval};
use sift_domain::review::ReviewType;

use crate::fonts;
pub use crate::labels::Labels;
use crate::labels::{Fill, box_name, format_count};

/// Which PRISMA 2020 template to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    /// New review, databases and registers only.
    New,
    /// New review with a second column for other methods (websites, organisations, citation
    /// searching), even when it holds only zeros.
    NewWithOtherMethods,
    /// Updated review: the previous version's studies and reports in a column on the left,
    /// the counts given are the new ones, and the total adds both. The other-methods column is
    /// drawn when the counts have any other-methods records, as with the automatic choice.
    Updated { previous_studies: i64, previous_reports: i64 },
}

/// How to draw a flow diagram.
#[derive(Clone, Debug, Default)]
pub struct FlowOptions {
    /// `None` chooses by the counts: the other-methods column when they have any other-methods
    /// source or report, else databases and registers only.
    pub template: Option<Template>,
    /// PRISMA-ScR wording ("sources of evidence") when `labels` is `None`.
    pub scoping: bool,
    /// List the records of each database and register in the identification box (as the
    /// template's footnote asks) instead of the two totals.
    pub per_database: bool,
    /// Every text of the diagram; `None` takes [`Labels::default`] or, with `scoping`,
    /// [`Labels::scoping`]. Labels given are used as they are.
    pub labels: Option<Labels>,
    /// A title above the diagram.
    pub title: Option<String>,
    /// Counts the source did not report (a published review redrawn from its text). Their
    /// numbers in the counts are not read - give them as 0 - and their boxes say "(n = NR)",
    /// with a footnote. [`check`] skips every rule that involves one of them, and a total
    /// over one of them (the records identified, removed, or included in an updated review)
    /// is not reported either.
    pub not_reported: BTreeSet<Count>,
}

/// One count of a flow diagram, to say that it was not reported. [`Count::key`] is its key in
/// a manual counts file ([`crate::manual`]); the order follows the diagram.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Count {
    RecordsFromDatabases,
    RecordsFromRegisters,
    /// One database or register of `records_identified_by_source`, by name.
    Source(String),
    DuplicatesRemoved,
    MarkedIneligibleByAutomation,
    RemovedForOtherReasons,
    RecordsScreened,
    RecordsExcluded,
    ReportsSought,
    ReportsNotRetrieved,
    ReportsAssessed,
    ReportsExcluded,
    /// One exclusion reason of the databases-and-registers column, by name.
    Reason(String),
    /// `databases.reports_included`, which no box shows; a manual file derives it from
    /// reports assessed minus excluded.
    ReportsIncludedFromDatabases,
    /// One other method of `other_methods_identified_by_source`, by name.
    OtherSource(String),
    OtherReportsSought,
    OtherReportsNotRetrieved,
    OtherReportsAssessed,
    OtherReportsExcluded,
    /// One exclusion reason of the other-methods column, by name.
    OtherReason(String),
    /// `other_methods.reports_included`, which no box shows (see above).
    ReportsIncludedFromOtherMethods,
    StudiesIncluded,
    ReportsIncluded,
    /// The first count of [`Template::Updated`].
    PreviousStudies,
    /// The second count of [`Template::Updated`].
    PreviousReports,
}

impl Count {
    /// The key of the count in a manual counts file, e.g. `records_screened` or
    /// `reason.Wrong population`. The two per-column reports included, which a file does not
    /// give, are named by their place in `PrismaCounts`: `databases.reports_included` and
    /// `other_methods.reports_included`.
    pub fn key(&self) -> String {
        let key = match self {
            Count::RecordsFromDatabases => "records_from_databases",
            Count::RecordsFromRegisters => "records_from_registers",
            Count::Source(name) => return format!("source.{name}"),
            Count::DuplicatesRemoved => "duplicates_removed",
            Count::MarkedIneligibleByAutomation => "marked_ineligible_by_automation",
            Count::RemovedForOtherReasons => "removed_for_other_reasons",
            Count::RecordsScreened => "records_screened",
            Count::RecordsExcluded => "records_excluded",
            Count::ReportsSought => "reports_sought",
            Count::ReportsNotRetrieved => "reports_not_retrieved",
            Count::ReportsAssessed => "reports_assessed",
            Count::ReportsExcluded => "reports_excluded",
            Count::Reason(name) => return format!("reason.{name}"),
            Count::ReportsIncludedFromDatabases => "databases.reports_included",
            Count::OtherSource(name) => return format!("other_source.{name}"),
            Count::OtherReportsSought => "other_reports_sought",
            Count::OtherReportsNotRetrieved => "other_reports_not_retrieved",
            Count::OtherReportsAssessed => "other_reports_assessed",
            Count::OtherReportsExcluded => "other_reports_excluded",
            Count::OtherReason(name) => return format!("other_reason.{name}"),
            Count::ReportsIncludedFromOtherMethods => "other_methods.reports_included",
            Count::StudiesIncluded => "studies_included",
            Count::ReportsIncluded => "reports_included",
            Count::PreviousStudies => "previous_studies",
            Count::PreviousReports => "previous_reports",
        };
        key.to_owned()
    }

    /// Whether the count belongs to the other-methods column, which it then draws.
    fn is_other_methods(&self) -> bool {
        matches!(
            self,
            Count::OtherSource(_)
                | Count::OtherReportsSought
                | Count::OtherReportsNotRetrieved
                | Count::OtherReportsAssessed
                | Count::OtherReportsExcluded
                | Count::OtherReason(_)
                | Count::ReportsIncludedFromOtherMethods
        )
    }
}

impl FlowOptions {
    /// The defaults for a kind of review: PRISMA-ScR wording for a scoping review.
    pub fn for_review(review_type: ReviewType) -> FlowOptions {
        FlowOptions { scoping: review_type == ReviewType::Scoping, ..FlowOptions::default() }
    }

    fn labels(&self) -> Cow<'_, Labels> {
        match &self.labels {
            Some(labels) => Cow::Borrowed(labels),
            None if self.scoping => Cow::Owned(Labels::scoping()),
            None => Cow::Owned(Labels::default()),
        }
    }
}

/// Why a diagram could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// Counts no review can have; each problem names its box.
    #[error("impossible counts: {}", Problems(.0))]
    Impossible(Vec<Problem>),
    /// A labels file that does not parse or names an unknown key or placeholder.
    #[error("labels: {0}")]
    Labels(String),
    /// An SVG the renderer could not read, or an image it could not encode.
    #[error("rendering: {0}")]
    Render(String),
}

/// One impossible count: the box it is in and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The box as its label names it, e.g. "Records screened" or "Reports not retrieved
    /// (other methods)".
    pub box_name: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\": {}", self.box_name, self.message)
    }
}

struct Problems<'a>(&'a [Problem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// Refuses counts no review can have, naming the box of each problem.
///
/// The rules, for the databases-and-registers column:
/// - no count is negative;
/// - records listed per source add up to databases + registers;
/// - records removed before screening are no more than those identified, and records screened
///   are exactly those identified minus those removed (minus records not yet deduplicated);
/// - records excluded are no more than those screened, and reports sought are exactly records
///   screened minus records excluded (minus records awaiting screening). PRISMA 2020 has no
///   box for records lost between screening and retrieval, so a difference could not be shown;
/// - reports not retrieved are no more than those sought, and reports assessed are exactly
///   those sought minus those not retrieved;
/// - reports excluded are no more than those assessed, and the reasons add up to them;
/// - reports included are no more than those assessed minus those excluded.
///
/// For the other-methods column the same from "reports sought" on, where reports sought are
/// no more than the records identified (other methods have no screening box, so records may
/// fall away unshown). Then for the review: reports included are those of both columns, and
/// together exactly the reports assessed minus excluded (minus reports awaiting full-text
/// assessment); every study has at least one report, so studies are no more than reports and
/// at least one when there are any. The other-methods column must be drawn when the counts
/// have other-methods records, and an updated review's previous studies follow the same rule
/// as the new ones.
///
/// A rule that involves a count in [`FlowOptions::not_reported`] is skipped, and only such a
/// rule: a sum is checked only when every count in it is known, and "no more than" only when
/// both sides are. A wrong sum among known counts is still refused.
pub fn check(counts: &PrismaCounts, options: &FlowOptions) -> Result<(), FlowError> {
    let labels = options.labels();
    let problems = problems(counts, options, &labels);
    if problems.is_empty() { Ok(()) } else { Err(FlowError::Impossible(problems)) }
}

/// The diagram as an SVG document, after [`check`].
pub fn flow_svg(counts: &PrismaCounts, options: &FlowOptions) -> Result<String, FlowError> {
    Ok(layout(counts, options)?.to_svg())
}

/// The diagram as a model, after [`check`]: what [`flow_svg`] draws.
pub fn layout(counts: &PrismaCounts, options: &FlowOptions) -> Result<Layout, FlowError> {
    check(counts, options)?;
    let labels = options.labels();
    Ok(build(counts, options, &labels))
}

// ---------------------------------------------------------------------------------------------
// Checking

/// Which columns a diagram has.
struct Shape {
    previous: Option<(i64, i64)>,
    other: bool,
}

fn has_other_methods(counts: &PrismaCounts, options: &FlowOptions) -> bool {
    !counts.other_methods_identified_by_source.is_empty()
        || counts.other_methods != Retrieval::default()
        || options.not_reported.iter().any(Count::is_other_methods)
}

fn shape(counts: &PrismaCounts, options: &FlowOptions) -> Shape {
    match options.template {
        Some(Template::New) => Shape { previous: None, other: false },
        Some(Template::NewWithOtherMethods) => Shape { previous: None, other: true },
        Some(Template::Updated { previous_studies, previous_reports }) => Shape {
            previous: Some((previous_studies, previous_reports)),
            other: has_other_methods(counts, options),
        },
        None => Shape { previous: None, other: has_other_methods(counts, options) },
    }
}

/// A list of named counts as known: `None` for one not reported.
type KnownNamed<'a> = Vec<(&'a str, Option<i64>)>;

/// The counts as [`check`] and [`build`] read them, `None` where not reported. Nothing else
/// reads the numbers of `PrismaCounts`, so a not-reported count's placeholder can reach no
/// rule and no sum. (The pending work is Sift's own, always known, and read directly.)
struct Known<'a> {
    by_source: KnownNamed<'a>,
    databases: Option<i64>,
    registers: Option<i64>,
    duplicates: Option<i64>,
    automation: Option<i64>,
    removed_other: Option<i64>,
    screened: Option<i64>,
    records_excluded: Option<i64>,
    db: KnownRetrieval<'a>,
    other_by_source: KnownNamed<'a>,
    other: KnownRetrieval<'a>,
    studies: Option<i64>,
    reports: Option<i64>,
    /// `(studies, reports)` of the previous version, with the updated-review template.
    previous: Option<(Option<i64>, Option<i64>)>,
}

/// A column from "Reports sought for retrieval" on, as known.
struct KnownRetrieval<'a> {
    sought: Option<i64>,
    not_retrieved: Option<i64>,
    assessed: Option<i64>,
    excluded: Option<i64>,
    reasons: KnownNamed<'a>,
    included: Option<i64>,
}

impl<'a> Known<'a> {
    fn new(c: &'a PrismaCounts, options: &FlowOptions, shape: &Shape) -> Known<'a> {
        let nr = &options.not_reported;
        let get = |count: Count, n: i64| (!nr.contains(&count)).then_some(n);
        let list = |list: &'a [Named], count: fn(String) -> Count| -> KnownNamed<'a> {
            list.iter().map(|s| (s.name.as_str(), get(count(s.name.clone()), s.count))).collect()
        };
        let retrieval = |r: &'a Retrieval, column: Column| {
            let [sought, not_retrieved, assessed, excluded, included] = column.counts();
            KnownRetrieval {
                sought: get(sought, r.reports_sought),
                not_retrieved: get(not_retrieved, r.reports_not_retrieved),
                assessed: get(assessed, r.reports_assessed),
                excluded: get(excluded, r.reports_excluded),
                reasons: list(&r.reports_excluded_by_reason, column.reason()),
                included: get(included, r.reports_included),
            }
        };
        Known {
            by_source: list(&c.records_identified_by_source, Count::Source),
            databases: get(Count::RecordsFromDatabases, c.records_from_databases),
            registers: get(Count::RecordsFromRegisters, c.records_from_registers),
            duplicates: get(Count::DuplicatesRemoved, c.duplicates_removed),
            automation: get(Count::MarkedIneligibleByAutomation, c.marked_ineligible_by_automation),
            removed_other: get(Count::RemovedForOtherReasons, c.removed_for_other_reasons),
            screened: get(Count::RecordsScreened, c.records_screened),
            records_excluded: get(Count::RecordsExcluded, c.records_excluded),
            db: retrieval(&c.databases, Column::Databases),
            other_by_source: list(&c.other_methods_identified_by_source, Count::OtherSource),
            other: retrieval(&c.other_methods, Column::Other),
            studies: get(Count::StudiesIncluded, c.studies_included),
            reports: get(Count::ReportsIncluded, c.reports_included),
            previous: shape.previous.map(|(studies, reports)| {
                (get(Count::PreviousStudies, studies), get(Count::PreviousReports, reports))
            }),
        }
    }
}

/// The sum of known counts, or `None` when any of them is not reported. In `i128`, so no sum
/// of `i64`s overflows.
fn sum(counts: impl IntoIterator<Item = Option<i64>>) -> Option<i128> {
    counts.into_iter().map(|n| n.map(i128::from)).sum()
}

/// The sum of named counts (see [`sum`]).
fn sum_named(list: &KnownNamed<'_>) -> Option<i128> {
    sum(list.iter().map(|(_, n)| *n))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Databases,
    Other,
}

impl Column {
    /// The counts of the column's reports: sought, not retrieved, assessed, excluded, included.
    fn counts(self) -> [Count; 5] {
        match self {
            Column::Databases => [
                Count::ReportsSought,
                Count::ReportsNotRetrieved,
                Count::ReportsAssessed,
                Count::ReportsExcluded,
                Count::ReportsIncludedFromDatabases,
            ],
            Column::Other => [
                Count::OtherReportsSought,
                Count::OtherReportsNotRetrieved,
                Count::OtherReportsAssessed,
                Count::OtherReportsExcluded,
                Count::ReportsIncludedFromOtherMethods,
            ],
        }
    }

    fn reason(self) -> fn(String) -> Count {
        match self {
            Column::Databases => Count::Reason,
            Column::Other => Count::OtherReason,
        }
    }
}

struct Checker<'a> {
    labels: &'a Labels,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn add(&mut self, label: &str, column: Column, message: String) {
        let mut box_name = box_name(label);
        if column == Column::Other {
            box_name.push_str(" (other methods)");
        }
        self.problems.push(Problem { box_name, message });
    }

    fn negative(&mut self, label: &str, column: Column, what: &str, value: Option<i64>) {
        if let Some(value) = value
            && value < 0
        {
            self.add(label, column, format!("{what} is {value}; a count cannot be negative"));
        }
    }

    fn retrieval_negatives(&mut self, r: &KnownRetrieval<'_>, column: Column) {
        let l = self.labels;
        self.negative(&l.sought, column, "reports sought", r.sought);
        self.negative(&l.not_retrieved, column, "reports not retrieved", r.not_retrieved);
        self.negative(&l.assessed, column, "reports assessed", r.assessed);
        self.negative(&l.reports_excluded, column, "reports excluded", r.excluded);
        for (name, count) in &r.reasons {
            self.negative(&l.reports_excluded, column, &format!("reason \"{name}\""), *count);
        }
        self.negative(&l.reports, column, "reports included", r.included);
    }

    /// The rules shared by both columns from "Reports sought for retrieval" on.
    fn retrieval(&mut self, r: &KnownRetrieval<'_>, column: Column) {
        let l = self.labels;
        let n = |count: Option<i64>| count.map(i128::from);
        if let (Some(sought), Some(not_retrieved)) = (n(r.sought), n(r.not_retrieved)) {
            if not_retrieved > sought {
                self.add(
                    &l.not_retrieved,
                    column,
                    format!("{not_retrieved} reports not retrieved, more than the {sought} sought"),
                );
            } else if let Some(assessed) = n(r.assessed)
                && assessed != sought - not_retrieved
            {
                self.add(
                    &l.assessed,
                    column,
                    format!(
                        "{assessed} reports assessed, but {sought} sought - {not_retrieved} not retrieved leaves {}",
                        sought - not_retrieved
                    ),
                );
            }
        }
        let excluded_label =
            if r.reasons.is_empty() { &l.reports_excluded_total } else { &l.reports_excluded };
        if let (Some(assessed), Some(excluded)) = (n(r.assessed), n(r.excluded)) {
            if excluded > assessed {
                self.add(
                    excluded_label,
                    column,
                    format!("{excluded} reports excluded, more than the {assessed} assessed"),
                );
            } else if let Some(included) = n(r.included)
                && included > assessed - excluded
            {
                self.add(
                    &l.reports,
                    column,
                    format!(
                        "{included} reports included, more than the {assessed} assessed - {excluded} excluded = {}",
                        assessed - excluded
                    ),
                );
            }
        }
        if !r.reasons.is_empty()
            && let (Some(sum), Some(excluded)) = (sum_named(&r.reasons), n(r.excluded))
            && sum != excluded
        {
            self.add(
                excluded_label,
                column,
                format!("the reasons add up to {sum}, but {excluded} reports are excluded"),
            );
        }
    }
}

fn problems(c: &PrismaCounts, options: &FlowOptions, l: &Labels) -> Vec<Problem> {
    use Column::{Databases as Db, Other};
    let shape = shape(c, options);
    let v = Known::new(c, options, &shape);
    let mut k = Checker { labels: l, problems: Vec::new() };

    k.negative(&l.databases, Db, "records from databases", v.databases);
    k.negative(&l.registers, Db, "records from registers", v.registers);
    for (name, count) in &v.by_source {
        k.negative(&l.identified, Db, &format!("source \"{name}\""), *count);
    }
    k.negative(&l.duplicates, Db, "duplicate records removed", v.duplicates);
    k.negative(&l.automation, Db, "records marked ineligible", v.automation);
    k.negative(&l.removed_other, Db, "records removed for other reasons", v.removed_other);
    k.negative(&l.screened, Db, "records screened", v.screened);
    k.negative(&l.records_excluded, Db, "records excluded", v.records_excluded);
    k.retrieval_negatives(&v.db, Db);
    for (name, count) in &v.other_by_source {
        k.negative(&l.identified_other, Other, &format!("source \"{name}\""), *count);
    }
    k.retrieval_negatives(&v.other, Other);
    k.negative(&l.studies, Db, "studies included", v.studies);
    k.negative(&l.reports, Db, "reports included", v.reports);
    let pending = &c.pending;
    k.negative(&l.identified, Db, "records not yet deduplicated", Some(pending.records_not_deduplicated));
    k.negative(&l.screened, Db, "records awaiting screening", Some(pending.awaiting_title_abstract));
    k.negative(&l.assessed, Db, "reports awaiting full-text assessment", Some(pending.awaiting_full_text));
    if let Some((studies, reports)) = v.previous {
        k.negative(&l.previous_studies, Db, "previous studies", studies);
        k.negative(&l.previous_reports, Db, "previous reports", reports);
    }
    if !k.problems.is_empty() {
        // Sums over negative numbers would only add confusing messages.
        return k.problems;
    }

    let n = |count: Option<i64>| count.map(i128::from);
    let identified = sum([v.databases, v.registers]);
    if !v.by_source.is_empty()
        && let (Some(listed), Some(databases), Some(registers)) =
            (sum_named(&v.by_source), v.databases, v.registers)
        && let identified = i128::from(databases) + i128::from(registers)
        && listed != identified
    {
        k.add(
            &l.identified,
            Db,
            format!(
                "the sources listed add up to {listed} records, but databases ({databases}) and registers \
                 ({registers}) add up to {identified}"
            ),
        );
    }
    let removed = sum([v.duplicates, v.automation, v.removed_other]);
    if let (Some(identified), Some(removed)) = (identified, removed) {
        if removed > identified {
            k.add(
                &l.removed,
                Db,
                format!("{removed} records removed, more than the {identified} identified"),
            );
        } else if let Some(screened) = n(v.screened) {
            let waiting = i128::from(pending.records_not_deduplicated);
            let expected = identified - removed - waiting;
            if screened != expected {
                let waiting =
                    if waiting > 0 { format!(" - {waiting} not yet deduplicated") } else { String::new() };
                k.add(
                    &l.screened,
                    Db,
                    format!(
                        "{screened} records screened, but {identified} identified - {removed} removed before \
                         screening{waiting} leaves {expected}"
                    ),
                );
            }
        }
    }
    if let (Some(screened), Some(excluded)) = (n(v.screened), n(v.records_excluded)) {
        if excluded > screened {
            k.add(
                &l.records_excluded,
                Db,
                format!("{excluded} records excluded, more than the {screened} screened"),
            );
        } else if let Some(sought) = n(v.db.sought) {
            let waiting = i128::from(pending.awaiting_title_abstract);
            let expected = screened - excluded - waiting;
            if sought != expected {
                let waiting =
                    if waiting > 0 { format!(" - {waiting} awaiting screening") } else { String::new() };
                k.add(
                    &l.sought,
                    Db,
                    format!(
                        "{sought} reports sought, but {screened} screened - {excluded} excluded{waiting} leaves \
                         {expected}; every record not excluded at screening is a report sought"
                    ),
                );
            }
        }
    }
    k.retrieval(&v.db, Db);

    if shape.other {
        if let (Some(sought), Some(identified)) = (n(v.other.sought), sum_named(&v.other_by_source))
            && sought > identified
        {
            k.add(
                &l.sought,
                Other,
                format!(
                    "{sought} reports sought, more than the {identified} records identified by other methods"
                ),
            );
        }
        k.retrieval(&v.other, Other);
    } else if has_other_methods(c, options) {
        k.add(
            &l.header_other_methods,
            Db,
            "the counts have records from other methods, which this template has no column for; \
             choose the template with other methods"
                .to_owned(),
        );
    }

    let included = sum([v.db.included, v.other.included]);
    if let (Some(reports), Some(db), Some(other)) = (n(v.reports), n(v.db.included), n(v.other.included))
        && reports != db + other
    {
        k.add(
            &l.reports,
            Db,
            format!(
                "{reports} reports of included studies, but the columns include {db} + {other} = {}",
                db + other
            ),
        );
    }
    let open = sum([v.db.assessed, v.other.assessed]).zip(sum([v.db.excluded, v.other.excluded]));
    let waiting = i128::from(pending.awaiting_full_text);
    if k.problems.is_empty()
        && let (Some(included), Some((assessed, excluded))) = (included, open)
        && let expected = assessed - excluded - waiting
        && included != expected
    {
        let waiting =
            if waiting > 0 { format!(" - {waiting} awaiting full-text assessment") } else { String::new() };
        k.add(
            &l.reports,
            Db,
            format!(
                "{included} reports included, but reports assessed minus reports excluded{waiting} leaves \
                 {expected}; every report assessed is excluded or included"
            ),
        );
    }
    let studies_rule = |k: &mut Checker<'_>, label: &str, studies: Option<i64>, reports: Option<i64>| {
        let (Some(studies), Some(reports)) = (studies, reports) else { return };
        if studies > reports {
            k.add(
                label,
                Db,
                format!("{studies} studies from only {reports} reports; every study has at least one report"),
            );
        } else if reports > 0 && studies == 0 {
            k.add(label, Db, format!("{reports} reports but no study; every report belongs to a study"));
        }
    };
    studies_rule(&mut k, &l.studies, v.studies, v.reports);
    if let Some((studies, reports)) = v.previous {
        studies_rule(&mut k, &l.previous_studies, studies, reports);
    }
    k.problems
}

// ---------------------------------------------------------------------------------------------
// The layout model

/// A rectangle in SVG user units (pixels), y down.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f32,
    pub y: f32,
    pub w: f32,
    pub h: f32,
}

impl Rect {
    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }

    pub fn center_x(&self) -> f32 {
        self.x + self.w / 2.0
    }

    pub fn center_y(&self) -> f32 {
        self.y + self.h / 2.0
    }

    /// Whether `other` lies wholly inside this rectangle.
    pub fn contains(&self, other: &Rect) -> bool {
        other.x >= self.x
            && other.y >= self.y
            && other.right() <= self.right()
            && other.bottom() <= self.bottom()
    }

    /// Whether the two share any area (touching edges do not count).
    pub fn intersects(&self, other: &Rect) -> bool {
        self.x < other.right() && other.x < self.right() && self.y < other.bottom() && other.y < self.bottom()
    }
}

/// How a line of text is anchored at its `x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
}

/// One line of text, already wrapped.
#[derive(Clone, Debug, PartialEq)]
pub struct TextLine {
    pub text: String,
    /// The anchor point: the start or middle of the baseline (for vertical text, its middle).
    pub x: f32,
    pub baseline: f32,
    pub size: f32,
    pub bold: bool,
    pub anchor: Anchor,
    /// Turned a quarter anticlockwise, reading upwards, as on the phase bars; `x` is then the
    /// baseline and `baseline` the middle of the line.
    pub vertical: bool,
    /// The advance width, measured with the embedded font.
    pub width: f32,
}

impl TextLine {
    /// The area the line's glyphs can reach: its advance width by the font's ascent and descent.
    pub fn bounds(&self) -> Rect {
        let (ascent, descent) = (fonts::ascent(self.size), fonts::descent(self.size));
        let start = match self.anchor {
            Anchor::Start => 0.0,
            Anchor::Middle => -self.width / 2.0,
        };
        if self.vertical {
            Rect {
                x: self.x - ascent,
                y: self.baseline - start - self.width,
                w: ascent + descent,
                h: self.width,
            }
        } else {
            Rect { x: self.x + start, y: self.baseline - ascent, w: self.width, h: ascent + descent }
        }
    }
}

/// What a frame is, which decides how it is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// A phase bar down the left-hand side.
    Phase,
    /// The heading of databases and registers (gold).
    MainHeading,
    /// The heading of other methods or previous studies (grey).
    SideHeading,
    /// A box of the databases-and-registers flow (white).
    Box,
    /// A box of other methods or previous studies (light grey).
    GreyBox,
}

/// A rectangle of the diagram with the text inside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// A stable name, e.g. "records_screened" or "other_assessed".
    pub id: &'static str,
    pub kind: FrameKind,
    pub rect: Rect,
    pub lines: Vec<TextLine>,
}

/// An arrow: a line through `points`, with its head at the last point.
#[derive(Clone, Debug, PartialEq)]
pub struct Arrow {
    pub points: Vec<(f32, f32)>,
}

/// A whole diagram, positioned.
#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: f32,
    pub height: f32,
    pub frames: Vec<Frame>,
    pub arrows: Vec<Arrow>,
    /// Text outside the frames: the title and the footnotes.
    pub notes: Vec<TextLine>,
    /// The title for the SVG's `<title>` element.
    pub title: String,
}

// Dimensions in SVG user units (CSS pixels).
const FONT: f32 = 12.0;
const LINE: f32 = 15.0;
const HEADING_FONT: f32 = 12.5;
const TITLE_FONT: f32 = 14.0;
const NOTE_FONT: f32 = 10.0;
const NOTE_LINE: f32 = 13.0;
const BOX_W: f32 = 240.0;
const PAD_X: f32 = 9.0;
const PAD_Y: f32 = 7.0;
const INDENT: f32 = 10.0;
const MIN_BOX_LINES: usize = 2;
const GAP_X: f32 = 44.0;
const GAP_GROUPS: f32 = 44.0;
const GAP_Y: f32 = 30.0;
const MARGIN: f32 = 16.0;
const PHASE_W: f32 = 26.0;
const PHASE_GAP: f32 = 16.0;
const HEADING_GAP: f32 = 18.0;
const ARROW_HEAD: f32 = 8.0;
const ARROW_HALF: f32 = 4.0;
/// Wrapped lines keep this much width in hand for rounding and kerning differences.
const SLACK: f32 = 1.0;

/// The columns of the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Col {
    Previous,
    DbMain,
    DbSide,
    OtherMain,
    OtherSide,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Identification,
    Screening,
    Included,
}

/// A paragraph of a box: its text and whether it is an indented list item.
struct Para {
    text: String,
    indent: bool,
}

/// What goes into a box before it is positioned.
struct Content {
    id: &'static str,
    col: Col,
    paras: Vec<Para>,
}

struct Row {
    phase: Phase,
    cells: Vec<Content>,
}

fn para(text: impl fmt::Display) -> Para {
    Para { text: text.to_string(), indent: false }
}

fn item(text: impl fmt::Display) -> Para {
    Para { text: text.to_string(), indent: true }
}

fn build(c: &PrismaCounts, options: &FlowOptions, l: &Labels) -> Layout {
    let shape = shape(c, options);
    let v = Known::new(c, options, &shape);
    let sep = l.thousands_separator.as_str();
    let count = |n: i64| format_count(n, sep);
    // Set when a box writes a count as not reported, which calls for the footnote.
    let shows_not_reported = Cell::new(false);
    let shown = |template: &str, n: Option<i64>| match n {
        Some(n) => count(n),
        None => {
            if template.contains("{n}") {
                shows_not_reported.set(true);
            }
            l.not_reported.clone()
        }
    };
    let with_n =
        |template: &str, n: Option<i64>| Fill { template, values: &[("n", &shown(template, n))] }.to_string();
    let named = |template: &str, name: &str, n: Option<i64>| {
        Fill { template, values: &[("name", &name), ("n", &shown(template, n))] }.to_string()
    };
    // A total is known when every count in it is; it cannot overflow a box's width.
    let total = |counts: &[Option<i64>]| sum(counts.iter().copied()).map(saturate);
    let total_named = |list: &KnownNamed<'_>| sum_named(list).map(saturate);

    // The contents of every box, row by row.
    let mut id_paras = vec![para(with_n(&l.identified, total(&[v.databases, v.registers])))];
    if options.per_database && !v.by_source.is_empty() {
        id_paras.extend(v.by_source.iter().map(|(name, n)| item(named(&l.source, name, *n))));
    } else {
        id_paras.push(item(with_n(&l.databases, v.databases)));
        id_paras.push(item(with_n(&l.registers, v.registers)));
    }
    let removed_paras = vec![
        para(with_n(&l.removed, total(&[v.duplicates, v.automation, v.removed_other]))),
        item(with_n(&l.duplicates, v.duplicates)),
        item(with_n(&l.automation, v.automation)),
        item(with_n(&l.removed_other, v.removed_other)),
    ];
    let excluded_paras = |r: &KnownRetrieval<'_>| {
        if r.reasons.is_empty() {
            vec![para(with_n(&l.reports_excluded_total, r.excluded))]
        } else {
            let mut paras = vec![para(with_n(&l.reports_excluded, r.excluded))];
            paras.extend(r.reasons.iter().map(|(name, n)| item(named(&l.reason, name, *n))));
            paras
        }
    };

    let mut identification = vec![
        Content { id: "records_identified", col: Col::DbMain, paras: id_paras },
        Content { id: "records_removed", col: Col::DbSide, paras: removed_paras },
    ];
    if let Some((studies, reports)) = v.previous {
        identification.push(Content {
            id: "previous_included",
            col: Col::Previous,
            paras: vec![
                para(with_n(&l.previous_studies, studies)),
                para(with_n(&l.previous_reports, reports)),
            ],
        });
    }
    let mut sought_row = vec![
        Content { id: "reports_sought", col: Col::DbMain, paras: vec![para(with_n(&l.sought, v.db.sought))] },
        Content {
            id: "reports_not_retrieved",
            col: Col::DbSide,
            paras: vec![para(with_n(&l.not_retrieved, v.db.not_retrieved))],
        },
    ];
    let mut assessed_row = vec![
        Content {
            id: "reports_assessed",
            col: Col::DbMain,
            paras: vec![para(with_n(&l.assessed, v.db.assessed))],
        },
        Content { id: "reports_excluded", col: Col::DbSide, paras: excluded_paras(&v.db) },
    ];
    if shape.other {
        let mut paras = vec![para(with_n(&l.identified_other, total_named(&v.other_by_source)))];
        if v.other_by_source.is_empty() {
            paras.push(item(with_n(&l.other_total, Some(0))));
        } else {
            paras.extend(v.other_by_source.iter().map(|(name, n)| item(named(&l.source, name, *n))));
        }
        identification.push(Content { id: "other_identified", col: Col::OtherMain, paras });
        let r = &v.other;
        sought_row.push(Content {
            id: "other_sought",
            col: Col::OtherMain,
            paras: vec![para(with_n(&l.sought, r.sought))],
        });
        sought_row.push(Content {
            id: "other_not_retrieved",
            col: Col::OtherSide,
            paras: vec![para(with_n(&l.not_retrieved, r.not_retrieved))],
        });
        assessed_row.push(Content {
            id: "other_assessed",
            col: Col::OtherMain,
            paras: vec![para(with_n(&l.assessed, r.assessed))],
        });
        assessed_row.push(Content { id: "other_excluded", col: Col::OtherSide, paras: excluded_paras(r) });
    }
    let (studies_label, reports_label) = match shape.previous {
        Some(_) => (&l.new_studies, &l.new_reports),
        None => (&l.studies, &l.reports),
    };
    let mut rows = vec![
        Row { phase: Phase::Identification, cells: identification },
        Row {
            phase: Phase::Screening,
            cells: vec![
                Content {
                    id: "records_screened",
                    col: Col::DbMain,
                    paras: vec![para(with_n(&l.screened, v.screened))],
                },
                Content {
                    id: "records_excluded",
                    col: Col::DbSide,
                    paras: vec![para(with_n(&l.records_excluded, v.records_excluded))],
                },
            ],
        },
        Row { phase: Phase::Screening, cells: sought_row },
        Row { phase: Phase::Screening, cells: assessed_row },
        Row {
            phase: Phase::Included,
            cells: vec![Content {
                id: "included",
                col: Col::DbMain,
                paras: vec![para(with_n(studies_label, v.studies)), para(with_n(reports_label, v.reports))],
            }],
        },
    ];
    if let Some((studies, reports)) = v.previous {
        rows.push(Row {
            phase: Phase::Included,
            cells: vec![Content {
                id: "total_included",
                col: Col::DbMain,
                paras: vec![
                    para(with_n(&l.total_studies, total(&[studies, v.studies]))),
                    para(with_n(&l.total_reports, total(&[reports, v.reports]))),
                ],
            }],
        });
    }

    // Columns, left to right.
    let mut x = MARGIN + PHASE_W + PHASE_GAP;
    let previous_x = x;
    if shape.previous.is_some() {
        x += BOX_W + GAP_X;
    }
    let db_x = x;
    let other_x = db_x + 2.0 * BOX_W + GAP_X + GAP_GROUPS;
    let col_x = |col: Col| match col {
        Col::Previous => previous_x,
        Col::DbMain => db_x,
        Col::DbSide => db_x + BOX_W + GAP_X,
        Col::OtherMain => other_x,
        Col::OtherSide => other_x + BOX_W + GAP_X,
    };
    let right = if shape.other { col_x(Col::OtherSide) } else { col_x(Col::DbSide) } + BOX_W;
    let width = right + MARGIN;
    let inner = width - 2.0 * MARGIN;

    // The title.
    let mut y = MARGIN;
    let mut notes = Vec::new();
    if let Some(title) = options.title.as_deref().filter(|t| !t.trim().is_empty()) {
        for line in wrap(title, inner, TITLE_FONT, true) {
            let width = fonts::text_width(&line, TITLE_FONT, true);
            notes.push(TextLine {
                text: line,
                x: MARGIN,
                baseline: y + fonts::ascent(TITLE_FONT),
                size: TITLE_FONT,
                bold: true,
                anchor: Anchor::Start,
                vertical: false,
                width,
            });
            y += TITLE_FONT * 1.3;
        }
        y += HEADING_GAP;
    }

    // The headings, all as tall as the tallest.
    let new = shape.previous.is_some();
    let mut headings: Vec<(&'static str, FrameKind, f32, f32, &str)> = vec![(
        "heading_databases",
        FrameKind::MainHeading,
        col_x(Col::DbMain),
        col_x(Col::DbSide) + BOX_W,
        if new { &l.header_new_databases } else { &l.header_databases },
    )];
    if shape.other {
        headings.push((
            "heading_other_methods",
            FrameKind::SideHeading,
            col_x(Col::OtherMain),
            col_x(Col::OtherSide) + BOX_W,
            if new { &l.header_new_other_methods } else { &l.header_other_methods },
        ));
    }
    if shape.previous.is_some() {
        headings.push((
            "heading_previous",
            FrameKind::SideHeading,
            col_x(Col::Previous),
            col_x(Col::Previous) + BOX_W,
            &l.header_previous,
        ));
    }
    let wrapped: Vec<Vec<String>> = headings
        .iter()
        .map(|(_, _, left, right, text)| wrap(text, right - left - 2.0 * PAD_X - SLACK, HEADING_FONT, true))
        .collect();
    let heading_lines = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let heading_h = 2.0 * PAD_Y + heading_lines as f32 * LINE;
    let mut frames = Vec::new();
    for ((id, kind, left, right, _), lines) in headings.iter().zip(wrapped) {
        let rect = Rect { x: *left, y, w: right - left, h: heading_h };
        let top = y + (heading_h - lines.len() as f32 * LINE) / 2.0;
        let lines = lines
            .into_iter()
            .enumerate()
            .map(|(i, text)| {
                let width = fonts::text_width(&text, HEADING_FONT, true);
                TextLine {
                    text,
                    x: rect.center_x(),
                    baseline: baseline(top, i, HEADING_FONT),
                    size: HEADING_FONT,
                    bold: true,
                    anchor: Anchor::Middle,
                    vertical: false,
                    width,
                }
            })
            .collect();
        frames.push(Frame { id, kind: *kind, rect, lines });
    }
    y += heading_h + HEADING_GAP;

    // Wrap every box, then size the rows.
    struct Laid {
        id: &'static str,
        col: Col,
        /// Each line with its indent.
        lines: Vec<(String, f32)>,
    }
    let text_w = BOX_W - 2.0 * PAD_X - SLACK;
    let laid_rows: Vec<(Phase, Vec<Laid>)> = rows
        .into_iter()
        .map(|row| {
            let cells = row
                .cells
                .into_iter()
                .map(|content| {
                    let mut lines = Vec::new();
                    for p in content.paras.iter().filter(|p| !p.text.trim().is_empty()) {
                        // A list item hangs: its wrapped lines sit one indent further in.
                        let (first, rest) = if p.indent { (INDENT, 2.0 * INDENT) } else { (0.0, 0.0) };
                        let wrapped = wrap_hanging(&p.text, text_w - first, text_w - rest, FONT, false);
                        lines.extend(
                            wrapped
                                .into_iter()
                                .enumerate()
                                .map(|(i, t)| (t, if i == 0 { first } else { rest })),
                        );
                    }
                    Laid { id: content.id, col: content.col, lines }
                })
                .collect();
            (row.phase, cells)
        })
        .collect();
    let box_h = |n_lines: usize| 2.0 * PAD_Y + n_lines.max(MIN_BOX_LINES) as f32 * LINE;
    let mut row_h: Vec<f32> = laid_rows
        .iter()
        .map(|(_, cells)| cells.iter().map(|c| box_h(c.lines.len())).fold(0.0, f32::max))
        .collect();
    // A phase bar must be long enough for its label: grow the phase's last row if not.
    let phases = [
        (Phase::Identification, &l.phase_identification),
        (Phase::Screening, &l.phase_screening),
        (Phase::Included, &l.phase_included),
    ];
    for (phase, label) in phases {
        let members: Vec<usize> = (0..laid_rows.len()).filter(|&i| laid_rows[i].0 == phase).collect();
        let span: f32 = members.iter().map(|&i| row_h[i]).sum::<f32>() + GAP_Y * (members.len() as f32 - 1.0);
        let need = fonts::text_width(label, HEADING_FONT, true) + 2.0 * PAD_Y + SLACK;
        if let Some(&last) = members.last()
            && need > span
        {
            row_h[last] += need - span;
        }
    }

    // Position the boxes: each centred on its row's middle.
    let mut row_top = Vec::with_capacity(laid_rows.len());
    let mut boxes: Vec<(Col, usize, Rect)> = Vec::new();
    for (i, (_, cells)) in laid_rows.iter().enumerate() {
        row_top.push(y);
        for cell in cells {
            let h = box_h(cell.lines.len());
            let rect = Rect { x: col_x(cell.col), y: y + (row_h[i] - h) / 2.0, w: BOX_W, h };
            let kind = match cell.col {
                Col::Previous | Col::OtherMain | Col::OtherSide => FrameKind::GreyBox,
                Col::DbMain | Col::DbSide => FrameKind::Box,
            };
            let top = rect.y + PAD_Y;
            let lines = cell
                .lines
                .iter()
                .enumerate()
                .map(|(n, (text, indent))| TextLine {
                    text: text.clone(),
                    x: rect.x + PAD_X + indent,
                    baseline: baseline(top, n, FONT),
                    size: FONT,
                    bold: false,
                    anchor: Anchor::Start,
                    vertical: false,
                    width: fonts::text_width(text, FONT, false),
                })
                .collect();
            boxes.push((cell.col, i, rect));
            frames.push(Frame { id: cell.id, kind, rect, lines });
        }
        y += row_h[i] + GAP_Y;
    }
    let body_bottom = y - GAP_Y;

    // Phase bars beside their rows.
    for (phase, label) in phases {
        let members: Vec<usize> = (0..laid_rows.len()).filter(|&i| laid_rows[i].0 == phase).collect();
        let (Some(&first), Some(&last)) = (members.first(), members.last()) else { continue };
        let rect = Rect {
            x: MARGIN,
            y: row_top[first],
            w: PHASE_W,
            h: row_top[last] + row_h[last] - row_top[first],
        };
        let width = fonts::text_width(label, HEADING_FONT, true);
        // Vertical text: `x` is the baseline, placed so the glyphs sit in the middle of the bar.
        let x = rect.center_x() + (fonts::ascent(HEADING_FONT) - fonts::descent(HEADING_FONT)) / 2.0;
        let line = TextLine {
            text: label.clone(),
            x,
            baseline: rect.center_y(),
            size: HEADING_FONT,
            bold: true,
            anchor: Anchor::Middle,
            vertical: true,
            width,
        };
        let id = match phase {
            Phase::Identification => "phase_identification",
            Phase::Screening => "phase_screening",
            Phase::Included => "phase_included",
        };
        frames.push(Frame { id, kind: FrameKind::Phase, rect, lines: vec![line] });
    }

    // Arrows.
    let at = |col: Col, row: usize| {
        boxes.iter().find(|(c, r, _)| *c == col && *r == row).map(|(_, _, rect)| *rect)
    };
    let mut arrows = Vec::new();
    let down = |from: Rect, to: Rect| Arrow {
        points: vec![(from.center_x(), from.bottom()), (from.center_x(), to.y)],
    };
    let across = |from: Rect, to: Rect| {
        let y = from.center_y();
        Arrow { points: vec![(from.right(), y), (to.x, y)] }
    };
    for i in 0..laid_rows.len() {
        if let (Some(from), Some(to)) = (at(Col::DbMain, i), at(Col::DbSide, i)) {
            arrows.push(across(from, to));
        }
        if let (Some(from), Some(to)) = (at(Col::OtherMain, i), at(Col::OtherSide, i)) {
            arrows.push(across(from, to));
        }
        if let (Some(from), Some(to)) = (at(Col::DbMain, i), at(Col::DbMain, i + 1)) {
            arrows.push(down(from, to));
        }
    }
    let (identification_row, sought_row, assessed_row, included_row) = (0, 2, 3, 4);
    if shape.other
        && let (Some(identified), Some(sought), Some(assessed), Some(included)) = (
            at(Col::OtherMain, identification_row),
            at(Col::OtherMain, sought_row),
            at(Col::OtherMain, assessed_row),
            at(Col::DbMain, included_row),
        )
    {
        arrows.push(down(identified, sought));
        arrows.push(down(sought, assessed));
        let y = included.center_y();
        arrows.push(Arrow {
            points: vec![
                (assessed.center_x(), assessed.bottom()),
                (assessed.center_x(), y),
                (included.right(), y),
            ],
        });
    }
    if let (Some(previous), Some(total)) =
        (at(Col::Previous, identification_row), at(Col::DbMain, included_row + 1))
    {
        let y = total.center_y();
        arrows.push(Arrow {
            points: vec![(previous.center_x(), previous.bottom()), (previous.center_x(), y), (total.x, y)],
        });
    }

    // Footnotes under the diagram.
    let mut y = body_bottom + HEADING_GAP;
    let pending = &c.pending;
    let pending_note = if pending.records_not_deduplicated > 0
        || pending.awaiting_title_abstract > 0
        || pending.awaiting_full_text > 0
    {
        Fill {
            template: &l.footnote_pending,
            values: &[
                ("not_deduplicated", &count(pending.records_not_deduplicated)),
                ("awaiting_title_abstract", &count(pending.awaiting_title_abstract)),
                ("awaiting_full_text", &count(pending.awaiting_full_text)),
            ],
        }
        .to_string()
    } else {
        String::new()
    };
    let not_reported_note = if shows_not_reported.get() { l.footnote_not_reported.as_str() } else { "" };
    for note in [
        pending_note.as_str(),
        not_reported_note,
        &l.footnote_identified,
        &l.footnote_excluded,
        &l.footnote_source,
    ] {
        if note.trim().is_empty() {
            continue;
        }
        for text in wrap(note, inner, NOTE_FONT, false) {
            let width = fonts::text_width(&text, NOTE_FONT, false);
            notes.push(TextLine {
                text,
                x: MARGIN,
                baseline: y + fonts::ascent(NOTE_FONT),
                size: NOTE_FONT,
                bold: false,
                anchor: Anchor::Start,
                vertical: false,
                width,
            });
            y += NOTE_LINE;
        }
        y += 3.0;
    }
    let height = (y + MARGIN).ceil();
    let title = options.title.clone().unwrap_or_else(|| {
        if options.scoping && options.labels.is_none() {
            "PRISMA-ScR flow diagram".to_owned()
        } else {
            "PRISMA 2020 flow diagram".to_owned()
        }
    });
    Layout { width: width.ceil(), height, frames, arrows, notes, title }
}

/// An `i128` sum as an `i64`, the nearest one when it does not fit.
fn saturate(n: i128) -> i64 {
    i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })
}

/// The baseline of line `i` of a block whose first line box starts at `top`: the glyphs sit in
/// the middle of each line box.
fn baseline(top: f32, i: usize, size: f32) -> f32 {
    let (ascent, descent) = (fonts::ascent(size), fonts::descent(size));
    top + i as f32 * LINE + (LINE - ascent - descent) / 2.0 + ascent
}

/// Wraps text to `max` pixels: at `\n`, then between words. A short parenthesised group such as
/// "(n = 1,234)" is kept whole; a word wider than a line is broken between characters.
pub(crate) fn wrap(text: &str, max: f32, size: f32, bold: bool) -> Vec<String> {
    wrap_hanging(text, max, max, size, bold)
}

/// Wraps like [`wrap`], the first line to `first` pixels and the others to `rest`.
fn wrap_hanging(text: &str, first: f32, rest: f32, size: f32, bold: bool) -> Vec<String> {
    let width = |s: &str| fonts::text_width(s, size, bold);
    let fits = |s: &str, lines: &Vec<String>| width(s) <= if lines.is_empty() { first } else { rest };
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut current = String::new();
        let mut queue: VecDeque<String> = words(paragraph).into();
        while let Some(word) = queue.pop_front() {
            let candidate = if current.is_empty() { word.clone() } else { format!("{current} {word}") };
            if fits(&candidate, &lines) {
                current = candidate;
                continue;
            }
            if word.contains(' ') && width(&word) > rest.min(first) {
                // A glued group wider than a line: back to single words.
                for part in word.split(' ').rev() {
                    queue.push_front(part.to_owned());
                }
                continue;
            }
            if !current.is_empty() {
                lines.push(std::mem::take(&mut current));
            }
            if fits(&word, &lines) {
                current = word;
                continue;
            }
            // A word wider than a line is broken between characters.
            for c in word.chars() {
                current.push(c);
                if !fits(&current, &lines) && current.chars().count() > 1 {
                    current.pop();
                    lines.push(std::mem::replace(&mut current, c.to_string()));
                }
            }
        }
        lines.push(current);
    }
    lines
}

/// The words of a line, with short parenthesised groups glued into one.
fn words(text: &str) -> Vec<String> {
    const GROUP_MAX: usize = 24;
    let mut out: Vec<String> = Vec::new();
    let mut group: Option<String> = None;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        match group.take() {
            Some(mut g) => {
                g.push(' ');
                g.push_str(word);
                if word.contains(')') {
                    out.push(g);
                } else if g.chars().count() > GROUP_MAX {
                    out.extend(g.split(' ').map(str::to_owned));
                } else {
                    group = Some(g);
                }
            }
            None if word.starts_with('(') && !word.contains(')') => group = Some(word.to_owned()),
            None => out.push(word.to_owned()),
        }
    }
    if let Some(g) = group {
        out.extend(g.split(' ').map(str::to_owned));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// SVG

impl Layout {
    /// The SVG document: shapes, then text as `<text>` in "DejaVu Sans", then arrows.
    pub fn to_svg(&self) -> String {
        let mut s = String::new();
        let (w, h) = (num(self.width), num(self.height));
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{}" font-size="{}">"#,
            fonts::SVG_FAMILIES,
            num(FONT)
        );
        let _ = writeln!(s, "<title>{}</title>", escape(&self.title));
        let _ = writeln!(s, r##"<rect width="{w}" height="{h}" fill="#ffffff"/>"##);
        for frame in &self.frames {
            let r = frame.rect;
            let (fill, stroke, radius) = match frame.kind {
                FrameKind::Phase => ("#bdd7ee", "none", 6.0),
                FrameKind::MainHeading => ("#ffc000", "none", 6.0),
                FrameKind::SideHeading => ("#d9d9d9", "none", 6.0),
                FrameKind::Box => ("#ffffff", "#000000", 0.0),
                FrameKind::GreyBox => ("#f2f2f2", "#000000", 0.0),
            };
            let _ = write!(
                s,
                r#"<g id="{}"><rect x="{}" y="{}" width="{}" height="{}" fill="{fill}""#,
                frame.id,
                num(r.x),
                num(r.y),
                num(r.w),
                num(r.h)
            );
            if radius > 0.0 {
                let _ = write!(s, r#" rx="{}""#, num(radius));
            }
            if stroke != "none" {
                let _ = write!(s, r#" stroke="{stroke}" stroke-width="1""#);
            }
            s.push_str("/>\n");
            for line in &frame.lines {
                write_text(&mut s, line);
            }
            s.push_str("</g>\n");
        }
        for line in &self.notes {
            write_text(&mut s, line);
        }
        for arrow in &self.arrows {
            write_arrow(&mut s, arrow);
        }
        s.push_str("</svg>\n");
        s
    }
}

fn write_text(s: &mut String, line: &TextLine) {
    if line.text.trim().is_empty() {
        return;
    }
    let mut attrs = String::new();
    if line.vertical {
        let _ = write!(attrs, r#"transform="translate({} {}) rotate(-90)""#, num(line.x), num(line.baseline));
    } else {
        let _ = write!(attrs, r#"x="{}" y="{}""#, num(line.x), num(line.baseline));
    }
    if line.anchor == Anchor::Middle {
        attrs.push_str(r#" text-anchor="middle""#);
    }
    if line.size != FONT {
        let _ = write!(attrs, r#" font-size="{}""#, num(line.size));
    }
    if line.bold {
        attrs.push_str(r#" font-weight="bold""#);
    }
    let _ = writeln!(s, "<text {attrs}>{}</text>", escape(&line.text));
}

fn write_arrow(s: &mut String, arrow: &Arrow) {
    let [.., (x0, y0), (x1, y1)] = arrow.points[..] else { return };
    let length = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
    if length <= 0.0 {
        return;
    }
    let (ux, uy) = ((x1 - x0) / length, (y1 - y0) / length);
    // The line stops at the head's base so its square end does not poke through the tip.
    let (bx, by) = (x1 - ux * ARROW_HEAD, y1 - uy * ARROW_HEAD);
    let mut d = String::new();
    for (i, (x, y)) in arrow.points[..arrow.points.len() - 1].iter().enumerate() {
        let _ = write!(d, "{}{} {} ", if i == 0 { "M" } else { "L" }, num(*x), num(*y));
    }
    let _ = write!(d, "L{} {}", num(bx), num(by));
    let _ = writeln!(s, r##"<path d="{d}" fill="none" stroke="#000000" stroke-width="1.2"/>"##);
    let (px, py) = (-uy * ARROW_HALF, ux * ARROW_HALF);
    let _ = writeln!(
        s,
        r##"<path d="M{} {} L{} {} L{} {} Z" fill="#000000"/>"##,
        num(x1),
        num(y1),
        num(bx + px),
        num(by + py),
        num(bx - px),
        num(by - py)
    );
}

/// A coordinate with at most two decimals and no trailing zeros, so snapshots stay readable.
fn num(v: f32) -> String {
    let s = format!("{:.2}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".to_owned() } else { s.to_owned() }
}

/// Escapes text for XML content and attribute values; control characters (not allowed in XML 1.0) are dropped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use resvg::tiny_skia;
    use resvg::usvg;
    use sift_domain::prisma::{Named, Pending};

    use super::*;

    fn named(list: &[(&str, i64)]) -> Vec<Named> {
        list.iter().map(|(name, count)| Named { name: (*name).to_owned(), count: *count }).collect()
    }

    /// A new review searching three databases and a register.
    fn typical() -> PrismaCounts {
        PrismaCounts {
            records_identified_by_source: named(&[
                ("CENTRAL", 70),
                ("ClinicalTrials.gov", 24),
                ("Embase", 498),
                ("MEDLINE", 612),
            ]),
            records_from_databases: 1180,
            records_from_registers: 24,
            duplicates_removed: 310,
            marked_ineligible_by_automation: 0,
            removed_for_other_reasons: 12,
            records_screened: 882,
            records_excluded: 760,
            databases: Retrieval {
                reports_sought: 122,
                reports_not_retrieved: 5,
                reports_assessed: 117,
                reports_excluded: 89,
                reports_excluded_by_reason: named(&[
                    ("Wrong population", 41),
                    ("Wrong outcome", 27),
                    ("Wrong study design", 21),
                ]),
                reports_included: 28,
            },
            studies_included: 23,
            reports_included: 28,
            ..PrismaCounts::default()
        }
    }

    /// The typical review with websites and citation searching.
    fn with_other_methods() -> PrismaCounts {
        PrismaCounts {
            other_methods_identified_by_source: named(&[("Citation searching", 37), ("Websites", 14)]),
            other_methods: Retrieval {
                reports_sought: 21,
                reports_not_retrieved: 2,
                reports_assessed: 19,
                reports_excluded: 12,
                reports_excluded_by_reason: named(&[("Wrong population", 8), ("Not peer reviewed", 4)]),
                reports_included: 7,
            },
            studies_included: 29,
            reports_included: 35,
            ..typical()
        }
    }

    /// Every box as wide as a count can be: seven digits.
    fn seven_digits() -> PrismaCounts {
        PrismaCounts {
            records_identified_by_source: Vec::new(),
            records_from_databases: 9_999_999,
            records_from_registers: 9_999_999,
            duplicates_removed: 5_000_000,
            marked_ineligible_by_automation: 3_999_999,
            removed_for_other_reasons: 1_000_000,
            records_screened: 9_999_999,
            records_excluded: 1_000_000,
            databases: Retrieval {
                reports_sought: 8_999_999,
                reports_not_retrieved: 1_000_000,
                reports_assessed: 7_999_999,
                reports_excluded: 5_999_999,
                reports_excluded_by_reason: named(&[
                    ("Wrong population", 2_000_000),
                    ("Wrong outcome", 2_000_000),
                    ("Wrong study design", 1_999_999),
                ]),
                reports_included: 2_000_000,
            },
            other_methods_identified_by_source: named(&[
                ("Citation searching", 9_999_999),
                ("Websites", 9_999_999),
            ]),
            other_methods: Retrieval {
                reports_sought: 9_999_999,
                reports_not_retrieved: 1_000_000,
                reports_assessed: 8_999_999,
                reports_excluded: 4_999_999,
                reports_excluded_by_reason: named(&[("Not peer reviewed", 4_999_999)]),
                reports_included: 4_000_000,
            },
            studies_included: 3_000_000,
            reports_included: 6_000_000,
            pending: Pending::default(),
        }
    }

    /// Fifteen reasons of eighty characters.
    fn long_reasons() -> Vec<String> {
        (1..=15)
            .map(|i| {
                let text = format!(
                    "Reason {i:02}: participants, setting or design outside the protocol's eligibility criteria as registered"
                );
                let reason: String = text.chars().take(80).collect();
                assert_eq!(reason.chars().count(), 80);
                reason
            })
            .collect()
    }

    /// Consistent counts of about `n` in every box, both columns, optionally with fifteen long
    /// reasons in each.
    fn scaled(n: i64, long: bool) -> PrismaCounts {
        let split = |excluded: i64| -> Vec<Named> {
            if long {
                let reasons = long_reasons();
                let each = excluded / 15;
                reasons
                    .into_iter()
                    .enumerate()
                    .map(|(i, name)| Named { name, count: if i == 0 { excluded - 14 * each } else { each } })
                    .collect()
            } else {
                named(&[("Wrong population", excluded - excluded / 3), ("Wrong design", excluded / 3)])
            }
        };
        let sought = n - n / 3;
        let assessed = sought - sought / 5;
        let excluded = assessed / 2 + assessed / 4;
        let other_assessed = n - n / 5;
        let other_excluded = other_assessed / 3;
        let reports = (assessed - excluded) + (other_assessed - other_excluded);
        PrismaCounts {
            records_identified_by_source: Vec::new(),
            records_from_databases: n,
            records_from_registers: n,
            duplicates_removed: n / 2,
            marked_ineligible_by_automation: n / 4,
            removed_for_other_reasons: n - n / 2 - n / 4,
            records_screened: n,
            records_excluded: n / 3,
            databases: Retrieval {
                reports_sought: sought,
                reports_not_retrieved: sought / 5,
                reports_assessed: assessed,
                reports_excluded: excluded,
                reports_excluded_by_reason: split(excluded),
                reports_included: assessed - excluded,
            },
            other_methods_identified_by_source: named(&[("Websites", n), ("Citation searching", n / 2)]),
            other_methods: Retrieval {
                reports_sought: n,
                reports_not_retrieved: n / 5,
                reports_assessed: other_assessed,
                reports_excluded: other_excluded,
                reports_excluded_by_reason: split(other_excluded),
                reports_included: other_assessed - other_excluded,
            },
            studies_included: (reports + 1) / 2,
            reports_included: reports,
            pending: Pending::default(),
        }
    }

    fn svg(counts: &PrismaCounts, options: &FlowOptions) -> String {
        flow_svg(counts, options).unwrap_or_else(|e| panic!("{e}"))
    }

    // --- Snapshots of the SVG --------------------------------------------------------------------

    #[test]
    fn snapshot_typical_new_review() {
        let options = FlowOptions { per_database: true, ..FlowOptions::default() };
        insta::assert_snapshot!("typical_new_review", svg(&typical(), &options));
    }

    #[test]
    fn snapshot_with_other_methods() {
        insta::assert_snapshot!("with_other_methods", svg(&with_other_methods(), &FlowOptions::default()));
    }

    #[test]
    fn snapshot_updated_review() {
        let options = FlowOptions {
            template: Some(Template::Updated { previous_studies: 18, previous_reports: 26 }),
            title: Some("Figure 1. Flow of studies through the update".into()),
            ..FlowOptions::default()
        };
        insta::assert_snapshot!("updated_review", svg(&with_other_methods(), &options));
    }

    #[test]
    fn snapshot_scoping_wording() {
        let options = FlowOptions::for_review(ReviewType::Scoping);
        let out = svg(&with_other_methods(), &options);
        assert!(out.contains(">Sources of evidence included in"), "{out}");
        insta::assert_snapshot!("scoping_wording", out);
    }

    #[test]
    fn snapshot_zero_counts() {
        insta::assert_snapshot!("zero_counts", svg(&PrismaCounts::default(), &FlowOptions::default()));
    }

    #[test]
    fn snapshot_seven_digit_counts() {
        let out = svg(&seven_digits(), &FlowOptions::default());
        assert!(out.contains("(n = 9,999,999)"));
        insta::assert_snapshot!("seven_digit_counts", out);
    }

    #[test]
    fn snapshot_fifteen_long_reasons() {
        insta::assert_snapshot!("fifteen_long_reasons", svg(&scaled(12_345, true), &FlowOptions::default()));
    }

    #[test]
    fn snapshot_custom_labels() {
        let labels = Labels::from_toml(
            r#"
thousands_separator = "."
[phase]
identification = "Identificación"
screening = "Cribado"
included = "Incluidos"
[header]
databases = "Identificación de estudios a través de bases de datos y registros"
[boxes]
identified = "Registros identificados (n = {n}):"
registers = ""
screened = "Registros cribados\n(n = {n})"
reports_excluded = "Informes excluidos (n = {n}):"
[footnotes]
identified = ""
excluded = ""
source = "Adaptado de Page MJ et al. BMJ 2021;372:n71."
"#,
        )
        .unwrap();
        let options = FlowOptions { labels: Some(labels), ..FlowOptions::default() };
        let out = svg(&typical(), &options);
        assert!(out.contains("Registros identificados (n = 1.204):"));
        assert!(!out.contains("Registers"));
        insta::assert_snapshot!("custom_labels", out);
    }

    #[test]
    fn snapshot_partly_reported() {
        let (counts, options) = published_scoping_review();
        insta::assert_snapshot!("partly_reported", svg(&counts, &options));
    }

    // --- The layout holds ------------------------------------------------------------------------

    /// Every line inside its frame, frames apart, notes clear of frames, arrows from edge to
    /// edge without crossing a frame, boxes of a column aligned and equally wide.
    fn assert_sound(layout: &Layout, case: &str) {
        let canvas = Rect { x: 0.0, y: 0.0, w: layout.width, h: layout.height };
        for frame in &layout.frames {
            assert!(canvas.contains(&frame.rect), "{case}: {} leaves the canvas", frame.id);
            let inside = Rect {
                x: frame.rect.x + 1.0,
                y: frame.rect.y + 1.0,
                w: frame.rect.w - 2.0,
                h: frame.rect.h - 2.0,
            };
            for line in &frame.lines {
                assert!(
                    inside.contains(&line.bounds()),
                    "{case}: {:?} ({:?}) is not inside {} ({:?})",
                    line.text,
                    line.bounds(),
                    frame.id,
                    frame.rect
                );
            }
            for pair in frame.lines.windows(2) {
                assert!(
                    !pair[0].bounds().intersects(&pair[1].bounds()),
                    "{case}: lines overlap in {}",
                    frame.id
                );
            }
        }
        for (i, a) in layout.frames.iter().enumerate() {
            for b in &layout.frames[i + 1..] {
                assert!(!a.rect.intersects(&b.rect), "{case}: {} and {} overlap", a.id, b.id);
            }
        }
        for note in &layout.notes {
            assert!(canvas.contains(&note.bounds()), "{case}: {:?} leaves the canvas", note.text);
            for frame in &layout.frames {
                assert!(
                    !note.bounds().intersects(&frame.rect),
                    "{case}: {:?} overlaps {}",
                    note.text,
                    frame.id
                );
            }
        }
        let boxes: Vec<&Frame> =
            layout.frames.iter().filter(|f| matches!(f.kind, FrameKind::Box | FrameKind::GreyBox)).collect();
        for f in &boxes {
            assert_eq!(f.rect.w, BOX_W, "{case}: {} has another width", f.id);
        }
        let on_edge = |(x, y): (f32, f32)| {
            layout.frames.iter().any(|f| {
                let r = f.rect;
                let within_x = x >= r.x - 0.01 && x <= r.right() + 0.01;
                let within_y = y >= r.y - 0.01 && y <= r.bottom() + 0.01;
                (within_x && ((y - r.y).abs() < 0.01 || (y - r.bottom()).abs() < 0.01))
                    || (within_y && ((x - r.x).abs() < 0.01 || (x - r.right()).abs() < 0.01))
            })
        };
        for arrow in &layout.arrows {
            let first = arrow.points[0];
            let last = *arrow.points.last().unwrap();
            assert!(
                on_edge(first) && on_edge(last),
                "{case}: arrow {:?} does not join two boxes",
                arrow.points
            );
            for segment in arrow.points.windows(2) {
                let ((x0, y0), (x1, y1)) = (segment[0], segment[1]);
                assert!(x0 == x1 || y0 == y1, "{case}: arrow segment {segment:?} is not straight");
                let r = Rect { x: x0.min(x1), y: y0.min(y1), w: (x1 - x0).abs(), h: (y1 - y0).abs() };
                let r = Rect { x: r.x - 0.1, y: r.y - 0.1, w: r.w + 0.2, h: r.h + 0.2 };
                for f in &layout.frames {
                    let interior =
                        Rect { x: f.rect.x + 0.5, y: f.rect.y + 0.5, w: f.rect.w - 1.0, h: f.rect.h - 1.0 };
                    assert!(!r.intersects(&interior), "{case}: arrow {:?} crosses {}", arrow.points, f.id);
                }
            }
            let (x0, y0) = arrow.points[arrow.points.len() - 2];
            let length = (last.0 - x0).abs() + (last.1 - y0).abs();
            assert!(
                length >= ARROW_HEAD + 4.0,
                "{case}: the last leg of {:?} is too short for its head",
                arrow.points
            );
        }
    }

    /// What resvg draws agrees with the model: one text node per line, each inside its frame.
    fn assert_rendered_text_fits(layout: &Layout, case: &str) {
        let tree = crate::render::parse(&layout.to_svg()).unwrap();
        let mut rendered = Vec::new();
        collect_texts(tree.root(), &mut rendered);
        let model: Vec<(Option<&Frame>, &TextLine)> = layout
            .frames
            .iter()
            .flat_map(|f| f.lines.iter().map(move |l| (Some(f), l)))
            .chain(layout.notes.iter().map(|l| (None, l)))
            .filter(|(_, l)| !l.text.trim().is_empty())
            .collect();
        assert_eq!(rendered.len(), model.len(), "{case}: one text node per line");
        for (bbox, (frame, line)) in rendered.iter().zip(model) {
            let real = Rect { x: bbox.x(), y: bbox.y(), w: bbox.width(), h: bbox.height() };
            let long_side = if line.vertical { real.h } else { real.w };
            assert!(
                (long_side - line.width).abs() <= 0.02 * line.width + 1.0,
                "{case}: {:?} is {long_side} wide as drawn but {} in the model",
                line.text,
                line.width
            );
            if let Some(frame) = frame {
                assert!(
                    frame.rect.contains(&real),
                    "{case}: {:?} as drawn ({real:?}) leaves {} ({:?})",
                    line.text,
                    frame.id,
                    frame.rect
                );
            }
        }
    }

    fn collect_texts(group: &usvg::Group, out: &mut Vec<usvg::Rect>) {
        for node in group.children() {
            match node {
                usvg::Node::Group(g) => collect_texts(g, out),
                usvg::Node::Text(t) => out.push(t.abs_bounding_box()),
                _ => {}
            }
        }
    }

    /// The PNG has the layout's size, and dark pixels inside every line of text.
    fn assert_png_has_text(layout: &Layout, case: &str) {
        let scale = 1.5;
        let png = crate::render::render_png(&layout.to_svg(), scale).unwrap();
        let pixmap = tiny_skia::Pixmap::decode_png(&png).unwrap();
        assert_eq!(
            (pixmap.width(), pixmap.height()),
            ((layout.width * scale).ceil() as u32, (layout.height * scale).ceil() as u32),
            "{case}"
        );
        let lines = layout.frames.iter().flat_map(|f| f.lines.iter()).chain(layout.notes.iter());
        for line in lines.filter(|l| !l.text.trim().is_empty()) {
            let b = line.bounds();
            let (x0, y0) = ((b.x * scale).ceil() as u32 + 1, (b.y * scale).ceil() as u32 + 1);
            let (x1, y1) = ((b.right() * scale) as u32 - 1, (b.bottom() * scale) as u32 - 1);
            let dark = (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .filter(|&(x, y)| pixmap.pixel(x, y).is_some_and(|p| p.red() < 100 && p.green() < 100))
                .count();
            assert!(dark > 0, "{case}: no text drawn for {:?}", line.text);
        }
    }

    #[test]
    fn layouts_hold_from_zero_to_seven_digits() {
        let updated = Some(Template::Updated { previous_studies: 3, previous_reports: 5 });
        for n in [0, 7, 12_345, 9_999_999] {
            for long in [false, true] {
                for (template, per_database, scoping) in
                    [(None, false, false), (Some(Template::New), true, false), (updated, false, true)]
                {
                    let mut counts = scaled(n, long);
                    if template == Some(Template::New) {
                        counts.reports_included -= counts.other_methods.reports_included;
                        counts.studies_included = (counts.reports_included + 1) / 2;
                        counts.other_methods = Retrieval::default();
                        counts.other_methods_identified_by_source.clear();
                        counts.records_identified_by_source = named(&[("MEDLINE", n), ("A register", n)]);
                    }
                    let options = FlowOptions {
                        template,
                        per_database,
                        scoping,
                        title: Some("A title long enough to wrap: ".repeat(if long { 8 } else { 1 })),
                        ..FlowOptions::default()
                    };
                    let case = format!("n = {n}, long reasons {long}, {template:?}");
                    let layout = layout(&counts, &options).unwrap_or_else(|e| panic!("{case}: {e}"));
                    assert_sound(&layout, &case);
                    assert_rendered_text_fits(&layout, &case);
                    if per_database || long {
                        assert_png_has_text(&layout, &case);
                    }
                }
            }
        }
    }

    #[test]
    fn fixtures_are_sound() {
        for counts in [typical(), with_other_methods(), seven_digits(), PrismaCounts::default()] {
            let layout = layout(&counts, &FlowOptions::default()).unwrap();
            assert_sound(&layout, "fixture");
            assert_png_has_text(&layout, "fixture");
        }
    }

    #[test]
    fn the_columns_follow_the_template() {
        let ids = |counts: &PrismaCounts, template| {
            let options = FlowOptions { template, ..FlowOptions::default() };
            layout(counts, &options).unwrap().frames.iter().map(|f| f.id).collect::<Vec<_>>()
        };
        let new = ids(&typical(), None);
        assert!(!new.contains(&"other_identified") && !new.contains(&"previous_included"));
        assert!(ids(&with_other_methods(), None).contains(&"other_identified"), "auto: other methods");
        assert!(ids(&typical(), Some(Template::NewWithOtherMethods)).contains(&"other_excluded"));
        let updated = ids(&typical(), Some(Template::Updated { previous_studies: 1, previous_reports: 1 }));
        assert!(updated.contains(&"previous_included") && updated.contains(&"total_included"));
        assert!(!updated.contains(&"other_identified"));
    }

    #[test]
    fn arrows_join_the_other_column_and_previous_studies_to_the_included_boxes() {
        let options = FlowOptions {
            template: Some(Template::Updated { previous_studies: 18, previous_reports: 26 }),
            ..FlowOptions::default()
        };
        let layout = layout(&with_other_methods(), &options).unwrap();
        let frame = |id: &str| layout.frames.iter().find(|f| f.id == id).unwrap().rect;
        let ends: Vec<((f32, f32), (f32, f32))> =
            layout.arrows.iter().map(|a| (a.points[0], *a.points.last().unwrap())).collect();
        let joins = |from: Rect, to: Rect, to_point: (f32, f32)| {
            ends.iter().any(|(a, b)| {
                (a.0 - from.center_x()).abs() < 0.01 && (a.1 - from.bottom()).abs() < 0.01 && *b == to_point
            }) && to.center_y() == to_point.1
        };
        let included = frame("included");
        let total = frame("total_included");
        assert!(joins(frame("other_assessed"), included, (included.right(), included.center_y())));
        assert!(joins(frame("previous_included"), total, (total.x, total.center_y())));
        assert!(ends.contains(&((included.center_x(), included.bottom()), (total.center_x(), total.y))));
        assert_eq!(layout.arrows.len(), 5 + 4 + 2 + 3 + 1, "down, across, other column, joins");
    }

    #[test]
    fn text_is_text_in_dejavu_sans() {
        let out = svg(&typical(), &FlowOptions::default());
        assert!(out.contains(r#"font-family="DejaVu Sans, "#));
        assert!(out.contains(">Records screened</text>"));
        assert!(out.matches("<text ").count() > 20, "text is not turned into paths");
    }

    #[test]
    fn a_diagram_converts_to_pdf_with_the_font_embedded() {
        let pdf = crate::render::render_pdf(&svg(&with_other_methods(), &FlowOptions::default())).unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        assert!(pdf.windows(10).any(|w| w == b"DejaVuSans"), "the font is embedded by name");
    }

    #[test]
    fn text_is_escaped() {
        let mut counts = typical();
        counts.databases.reports_excluded_by_reason[0].name = "<script> & \"quotes\"".into();
        let out = svg(&counts, &FlowOptions::default());
        assert!(out.contains("&lt;script&gt; &amp; &quot;quotes&quot;"));
        assert!(crate::render::parse(&out).is_ok());
    }

    #[test]
    fn pending_work_is_footnoted() {
        let mut counts = typical();
        counts.pending.records_not_deduplicated = 10;
        counts.duplicates_removed -= 10;
        counts.pending.awaiting_title_abstract = 6;
        counts.records_excluded -= 6;
        counts.pending.awaiting_full_text = 4;
        counts.databases.reports_excluded -= 4;
        counts.databases.reports_excluded_by_reason[0].count -= 4;
        let out = svg(&counts, &FlowOptions::default());
        assert!(out.contains("Not final: 10 records not yet deduplicated, 6 awaiting"), "{out}");
        assert!(out.contains("4 reports awaiting"), "{out}");
        assert!(!svg(&typical(), &FlowOptions::default()).contains("Not final"));
    }

    #[test]
    fn wrapping_keeps_counts_whole_and_breaks_long_words() {
        let lines =
            wrap("Records marked as ineligible by automation tools (n = 9,999,999)", 200.0, FONT, false);
        assert!(lines.iter().any(|l| l.ends_with("(n = 9,999,999)")), "{lines:?}");
        let long = "x".repeat(100);
        let lines = wrap(&long, 100.0, FONT, false);
        assert!(lines.len() > 1 && lines.iter().all(|l| fonts::text_width(l, FONT, false) <= 100.0));
        assert_eq!(lines.concat(), long);
        assert_eq!(wrap("a\nb", 100.0, FONT, false), ["a", "b"]);
        let group = wrap("(a b c d e f g h i j k l m n o p q r s t u v w x y z)", 60.0, FONT, false);
        assert!(
            group.len() > 1 && group.iter().all(|l| fonts::text_width(l, FONT, false) <= 60.0),
            "{group:?}"
        );
    }

    // --- check -----------------------------------------------------------------------------------

    /// Applies `change` to `counts` and asserts `check` names `box_name` with `words` in its message.
    fn refused(
        counts: PrismaCounts,
        options: &FlowOptions,
        change: impl FnOnce(&mut PrismaCounts),
        box_name: &str,
        words: &str,
    ) {
        let mut counts = counts;
        change(&mut counts);
        let Err(FlowError::Impossible(problems)) = check(&counts, options) else {
            panic!("{box_name}: the change was accepted");
        };
        assert!(
            problems.iter().any(|p| p.box_name == box_name && p.message.contains(words)),
            "expected \"{box_name}\" with {words:?}, got: {}",
            Problems(&problems)
        );
        let text = FlowError::Impossible(problems).to_string();
        assert!(text.contains(&format!("\"{box_name}\": ")), "{text}");
    }

    #[test]
    fn check_accepts_the_fixtures_and_sifts_own_counts() {
        let options = FlowOptions::default();
        for counts in
            [typical(), with_other_methods(), seven_digits(), PrismaCounts::default(), scaled(7, true)]
        {
            check(&counts, &options).unwrap();
        }
        use sift_domain::prisma::{CitationFacts, SearchCount, derive};
        use sift_domain::review::SearchKind;
        use sift_domain::screening::Decision::{Exclude, Include};
        let searches = [
            SearchCount { source: "PubMed".into(), kind: SearchKind::Database, records: 6 },
            SearchCount { source: "Embase".into(), kind: SearchKind::Database, records: 4 },
            SearchCount { source: "Citation searching".into(), kind: SearchKind::Other, records: 2 },
        ];
        let fact = |from_database, title_abstract, full_text: Option<(_, Option<&str>)>, not_retrieved| {
            CitationFacts {
                from_database,
                title_abstract,
                not_retrieved,
                full_text: full_text.map(|(d, r)| (d, r.map(String::from))),
                study: None,
            }
        };
        let citations = [
            fact(true, Some(Exclude), None, false),
            fact(true, Some(Exclude), None, false),
            fact(true, Some(Include), Some((Exclude, Some("wrong population"))), false),
            fact(true, Some(Include), Some((Include, None)), false),
            fact(true, Some(Include), None, true),
            fact(true, None, None, false),
            fact(true, Some(Include), None, false),
            fact(false, None, Some((Include, None)), false),
            fact(false, None, Some((Exclude, None)), false),
        ];
        let derived = derive(&searches, &citations, 1);
        assert_eq!(derived.pending.awaiting_full_text, 1);
        check(&derived, &options).unwrap();
        svg(&derived, &options);
    }

    #[test]
    fn check_refuses_impossible_databases_column() {
        let o = FlowOptions::default();
        refused(typical(), &o, |c| c.duplicates_removed = -1, "Duplicate records removed", "negative");
        refused(
            typical(),
            &o,
            |c| c.databases.reports_excluded_by_reason[1].count = -3,
            "Reports excluded",
            "negative",
        );
        refused(
            typical(),
            &o,
            |c| c.records_identified_by_source[0].count += 1,
            "Records identified from",
            "sources listed",
        );
        refused(
            typical(),
            &o,
            |c| c.duplicates_removed = 5000,
            "Records removed before screening",
            "more than the 1204 identified",
        );
        refused(typical(), &o, |c| c.records_screened += 1, "Records screened", "leaves 882");
        refused(
            typical(),
            &o,
            |c| c.records_excluded = 883,
            "Records excluded",
            "more than the 882 screened",
        );
        refused(
            typical(),
            &o,
            |c| c.databases.reports_sought -= 1,
            "Reports sought for retrieval",
            "leaves 122",
        );
        refused(
            typical(),
            &o,
            |c| c.databases.reports_not_retrieved = 123,
            "Reports not retrieved",
            "more than the 122 sought",
        );
        refused(
            typical(),
            &o,
            |c| c.databases.reports_assessed += 1,
            "Reports assessed for eligibility",
            "leaves 117",
        );
        refused(
            typical(),
            &o,
            |c| c.databases.reports_excluded_by_reason[0].count += 1,
            "Reports excluded",
            "reasons add up to 90",
        );
        refused(
            typical(),
            &o,
            |c| {
                c.databases.reports_excluded = 118;
                c.databases.reports_excluded_by_reason.clear();
            },
            "Reports excluded",
            "more than the 117 assessed",
        );
        refused(
            typical(),
            &o,
            |c| {
                c.databases.reports_included += 1;
                c.reports_included += 1;
            },
            "Reports of included studies",
            "more than the 117 assessed - 89 excluded",
        );
        refused(
            typical(),
            &o,
            |c| c.reports_included -= 1,
            "Reports of included studies",
            "the columns include",
        );
        refused(
            typical(),
            &o,
            |c| {
                c.databases.reports_included -= 1;
                c.reports_included -= 1;
            },
            "Reports of included studies",
            "every report assessed is excluded or included",
        );
        refused(typical(), &o, |c| c.studies_included = 29, "Studies included in review", "only 28 reports");
        refused(typical(), &o, |c| c.studies_included = 0, "Studies included in review", "no study");
        refused(
            typical(),
            &o,
            |c| c.pending.awaiting_full_text = -1,
            "Reports assessed for eligibility",
            "negative",
        );
    }

    #[test]
    fn check_refuses_impossible_other_methods_and_previous_counts() {
        let o = FlowOptions::default();
        let other = with_other_methods;
        refused(
            other(),
            &o,
            |c| c.other_methods_identified_by_source[0].count = 5,
            "Reports sought for retrieval (other methods)",
            "more than the 19 records",
        );
        refused(
            other(),
            &o,
            |c| c.other_methods.reports_not_retrieved = 22,
            "Reports not retrieved (other methods)",
            "more than the 21 sought",
        );
        refused(
            other(),
            &o,
            |c| c.other_methods.reports_assessed = 18,
            "Reports assessed for eligibility (other methods)",
            "leaves 19",
        );
        refused(
            other(),
            &o,
            |c| c.other_methods.reports_excluded_by_reason[1].count = 5,
            "Reports excluded (other methods)",
            "reasons add up to 13",
        );
        refused(
            other(),
            &o,
            |c| c.other_methods_identified_by_source[1].count = -14,
            "Records identified from (other methods)",
            "negative",
        );
        let new = FlowOptions { template: Some(Template::New), ..FlowOptions::default() };
        refused(other(), &new, |_| {}, "Identification of studies via other methods", "no column for");
        let updated = |studies, reports| FlowOptions {
            template: Some(Template::Updated { previous_studies: studies, previous_reports: reports }),
            ..FlowOptions::default()
        };
        check(&other(), &updated(18, 26)).unwrap();
        refused(
            other(),
            &updated(27, 26),
            |_| {},
            "Studies included in previous version of review",
            "only 26 reports",
        );
        refused(
            other(),
            &updated(0, 26),
            |_| {},
            "Studies included in previous version of review",
            "no study",
        );
        refused(
            other(),
            &updated(-1, 26),
            |_| {},
            "Studies included in previous version of review",
            "negative",
        );
        let scoping = FlowOptions { scoping: true, ..FlowOptions::default() };
        refused(
            typical(),
            &scoping,
            |c| c.studies_included = 0,
            "Sources of evidence included in review",
            "no study",
        );
    }

    #[test]
    fn huge_values_are_refused_not_overflowed() {
        let mut counts = typical();
        counts.records_from_databases = i64::MAX;
        counts.records_from_registers = i64::MAX;
        assert!(check(&counts, &FlowOptions::default()).is_err());
    }

    // --- Not reported ----------------------------------------------------------------------------

    /// The published scoping review of [`crate::manual`]'s tests, as read and to be drawn.
    fn published_scoping_review() -> (PrismaCounts, FlowOptions) {
        let m = crate::manual::from_toml(crate::manual::tests::PUBLISHED_SCOPING_REVIEW).unwrap();
        (m.counts.clone(), FlowOptions { scoping: true, ..m.flow_options() })
    }

    /// The names of the boxes `check` refuses, with `not_reported` marked so.
    fn refused_boxes(counts: &PrismaCounts, not_reported: &[Count]) -> Vec<String> {
        let options =
            FlowOptions { not_reported: not_reported.iter().cloned().collect(), ..FlowOptions::default() };
        refused_boxes_with(counts, &options)
    }

    fn refused_boxes_with(counts: &PrismaCounts, options: &FlowOptions) -> Vec<String> {
        match check(counts, options) {
            Ok(()) => Vec::new(),
            Err(FlowError::Impossible(problems)) => problems.into_iter().map(|p| p.box_name).collect(),
            Err(e) => panic!("{e}"),
        }
    }

    /// A frame's text, its lines joined by spaces.
    fn frame_text(layout: &Layout, id: &str) -> String {
        let frame = layout.frames.iter().find(|f| f.id == id).unwrap_or_else(|| panic!("no frame {id}"));
        frame.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>().join(" ")
    }

    fn has_nr_footnote(layout: &Layout) -> bool {
        layout.notes.iter().any(|n| n.text == "NR: not reported in the source.")
    }

    #[test]
    fn check_skips_exactly_the_rules_with_a_count_not_reported() {
        use Count::*;
        let none: Vec<String> = Vec::new();

        // One record screened too many breaks two rules: screened = identified - removed, and
        // sought = screened - excluded.
        let mut c = typical();
        c.records_screened += 1;
        assert_eq!(refused_boxes(&c, &[]), ["Records screened", "Reports sought for retrieval"]);
        assert_eq!(refused_boxes(&c, &[RecordsScreened]), none, "both rules involve it");
        assert_eq!(refused_boxes(&c, &[DuplicatesRemoved]), ["Reports sought for retrieval"]);
        assert_eq!(refused_boxes(&c, &[ReportsSought]), ["Records screened"]);
        assert_eq!(
            refused_boxes(&c, &[StudiesIncluded, ReportsNotRetrieved, Source("CENTRAL".into())]),
            ["Records screened", "Reports sought for retrieval"],
            "counts in neither rule change nothing"
        );

        // One report assessed too many: with reports not retrieved unknown, assessed = sought -
        // not retrieved cannot be checked, but the known counts still do not add up.
        let mut c = typical();
        c.databases.reports_assessed += 1;
        assert_eq!(refused_boxes(&c, &[]), ["Reports assessed for eligibility"]);
        assert_eq!(refused_boxes(&c, &[ReportsNotRetrieved]), ["Reports of included studies"]);
        assert_eq!(refused_boxes(&c, &[ReportsAssessed]), none);

        let mut c = typical();
        c.records_identified_by_source[0].count += 1;
        assert_eq!(refused_boxes(&c, &[]), ["Records identified from"]);
        assert_eq!(refused_boxes(&c, &[Source("Embase".into())]), none, "the sum of every source");
        assert_eq!(refused_boxes(&c, &[RecordsFromRegisters]), none);
        assert_eq!(refused_boxes(&c, &[RecordsScreened]), ["Records identified from"]);

        let mut c = typical();
        c.studies_included = 29;
        assert_eq!(refused_boxes(&c, &[ReportsIncluded]), none);
        assert_eq!(refused_boxes(&c, &[ReportsIncludedFromDatabases]), ["Studies included in review"]);

        let mut c = with_other_methods();
        c.reports_included -= 1;
        c.studies_included -= 1;
        assert_eq!(refused_boxes(&c, &[]), ["Reports of included studies"]);
        assert_eq!(refused_boxes(&c, &[ReportsIncludedFromOtherMethods]), none);
        c.other_methods.reports_excluded_by_reason[0].count += 1;
        assert_eq!(
            refused_boxes(&c, &[ReportsIncludedFromOtherMethods]),
            ["Reports excluded (other methods)"],
            "the reasons still add up wrong"
        );
        assert_eq!(
            refused_boxes(&c, &[ReportsIncludedFromOtherMethods, OtherReason("Wrong population".into())]),
            none
        );

        // The number of a count not reported is never read, not even for its sign.
        let mut c = typical();
        c.records_excluded = -1;
        assert_eq!(refused_boxes(&c, &[]), ["Records excluded"]);
        assert_eq!(refused_boxes(&c, &[RecordsExcluded]), none);
    }

    #[test]
    fn an_other_methods_count_not_reported_draws_the_column() {
        let options = FlowOptions {
            not_reported: [Count::OtherReportsSought, Count::OtherReportsNotRetrieved].into(),
            ..FlowOptions::default()
        };
        let layout = layout(&typical(), &options).unwrap();
        assert_eq!(frame_text(&layout, "other_sought"), "Reports sought for retrieval (n = NR)");
        let new = FlowOptions { template: Some(Template::New), ..options };
        assert_eq!(refused_boxes_with(&typical(), &new), ["Identification of studies via other methods"]);
    }

    #[test]
    fn boxes_not_reported_say_nr() {
        let (counts, options) = published_scoping_review();
        let scoping = layout(&counts, &options).unwrap();
        for id in [
            "records_screened",
            "records_excluded",
            "reports_sought",
            "reports_not_retrieved",
            "reports_assessed",
            "reports_excluded",
            "other_sought",
            "other_not_retrieved",
        ] {
            assert!(frame_text(&scoping, id).ends_with("(n = NR)"), "{id}: {}", frame_text(&scoping, id));
        }
        assert_eq!(
            frame_text(&scoping, "records_identified"),
            "Records identified from*: Databases (n = 200) Registers (n = NR)"
        );
        assert_eq!(
            frame_text(&scoping, "records_removed"),
            "Records removed before screening: Duplicate records removed (n = NR) Records marked as ineligible \
             by automation tools (n = NR) Records removed for other reasons (n = NR)"
        );
        assert_eq!(
            frame_text(&scoping, "other_identified"),
            "Records identified from: Citation searching (n = 4)"
        );
        assert_eq!(frame_text(&scoping, "other_assessed"), "Reports assessed for eligibility (n = 4)");
        assert_eq!(frame_text(&scoping, "other_excluded"), "Reports excluded (n = 0)");
        assert_eq!(
            frame_text(&scoping, "included"),
            "Sources of evidence included in review (n = 11) Reports of included sources of evidence (n = 11)"
        );
        assert!(has_nr_footnote(&scoping));
        assert_sound(&scoping, "published scoping review");
        assert_rendered_text_fits(&scoping, "published scoping review");
        assert_png_has_text(&scoping, "published scoping review");

        let m = crate::manual::from_csv(crate::manual::tests::SCREENED_ONLY_CSV).unwrap();
        let screened_only = layout(&m.counts, &m.flow_options()).unwrap();
        assert_eq!(
            frame_text(&screened_only, "records_identified"),
            "Records identified from*: Databases (n = NR) Registers (n = NR)"
        );
        assert_eq!(frame_text(&screened_only, "records_screened"), "Records screened (n = 280)");
        assert_eq!(frame_text(&screened_only, "records_excluded"), "Records excluded** (n = NR)");
        assert_eq!(frame_text(&screened_only, "reports_excluded"), "Reports excluded (n = NR)");
        assert_eq!(
            frame_text(&screened_only, "included"),
            "Studies included in review (n = 6) Reports of included studies (n = 6)"
        );
        assert!(has_nr_footnote(&screened_only));
        assert_sound(&screened_only, "screened only");
    }

    #[test]
    fn totals_over_a_count_not_reported_are_not_reported() {
        let labels = Labels::from_toml(
            "[boxes]\nidentified = \"Records identified (n = {n}):\"\nremoved = \"Records removed (n = {n}):\"\n\
             identified_other = \"Records identified (n = {n}):\"\n",
        )
        .unwrap();
        let options = FlowOptions {
            template: Some(Template::Updated { previous_studies: 0, previous_reports: 26 }),
            labels: Some(labels),
            not_reported: [
                Count::RecordsFromRegisters,
                Count::DuplicatesRemoved,
                Count::OtherSource("Websites".into()),
                Count::PreviousStudies,
            ]
            .into(),
            ..FlowOptions::default()
        };
        let layout = layout(&with_other_methods(), &options).unwrap();
        let text = |id| frame_text(&layout, id);
        assert!(text("records_identified").starts_with("Records identified (n = NR): Databases (n = 1,180)"));
        assert!(
            text("records_removed")
                .starts_with("Records removed (n = NR): Duplicate records removed (n = NR)")
        );
        assert_eq!(
            text("other_identified"),
            "Records identified (n = NR): Citation searching (n = 37) Websites (n = NR)"
        );
        assert_eq!(
            text("previous_included"),
            "Studies included in previous version of review (n = NR) Reports of studies included in previous \
             version of review (n = 26)"
        );
        assert_eq!(
            text("total_included"),
            "Total studies included in review (n = NR) Reports of total included studies (n = 61)"
        );
        assert_sound(&layout, "totals");
    }

    #[test]
    fn the_nr_footnote_comes_with_a_box_that_says_nr() {
        let with = |not_reported: &[Count], per_database: bool, labels: Option<Labels>| {
            let options = FlowOptions {
                not_reported: not_reported.iter().cloned().collect(),
                per_database,
                labels,
                ..FlowOptions::default()
            };
            layout(&typical(), &options).unwrap()
        };
        assert!(!has_nr_footnote(&with(&[], false, None)));
        assert!(
            !has_nr_footnote(&with(&[Count::ReportsIncludedFromDatabases], false, None)),
            "drawn in no box"
        );
        let embase = [Count::Source("Embase".into())];
        assert!(!has_nr_footnote(&with(&embase, false, None)), "sources not listed");
        let listed = with(&embase, true, None);
        assert!(
            has_nr_footnote(&listed) && frame_text(&listed, "records_identified").contains("Embase (n = NR)")
        );
        let german = Labels::from_toml(
            "not_reported = \"k. A.\"\n[footnotes]\nnot_reported = \"k. A.: keine Angabe in der Quelle.\"\n",
        )
        .unwrap();
        let layout = with(&[Count::RecordsExcluded], false, Some(german));
        assert_eq!(frame_text(&layout, "records_excluded"), "Records excluded** (n = k. A.)");
        assert!(layout.notes.iter().any(|n| n.text == "k. A.: keine Angabe in der Quelle."));
    }
}
