//! Meta-analysis of a table of study results: read the studies from a CSV file, compute
//! their effect sizes, pool them, and draw the forest and funnel plots.
//!
//! The numbers come from `sift-stats`; the plots from `sift-report::forest`. This module reads
//! the file (every problem names the file, the line and the column) and joins the two.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;
use sift_report::forest::{
    ForestGroup, ForestPlot, ForestRow, ForestSummary, FunnelPlot, FunnelPoint, Scale,
};
use sift_stats::effect::{self, Effect};
use sift_stats::mh::Table;
pub use sift_stats::{
    Egger, Estimator, Fit, Influence, Measure, Method, PooledTable, SubgroupAnalysis, Test, TrimFill,
};
use sift_store::reports::SpecKind;

use crate::{ServiceError, ServiceResult};

/// How the studies are pooled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Pooling {
    /// Inverse-variance weights, with the chosen tau² method.
    InverseVariance,
    /// Mantel-Haenszel (2x2 tables; common effect).
    MantelHaenszel,
    /// Peto's odds ratio (2x2 tables; common effect).
    Peto,
}

impl std::str::FromStr for Pooling {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "iv" | "inverse-variance" => Ok(Pooling::InverseVariance),
            "mh" | "mantel-haenszel" => Ok(Pooling::MantelHaenszel),
            "peto" => Ok(Pooling::Peto),
            _ => Err(format!("unknown pooling {s:?}: expected iv, mh or peto")),
        }
    }
}

/// What to compute.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetaSpec {
    pub measure: Measure,
    pub method: Method,
    pub test: Test,
    pub pooling: Pooling,
    /// Confidence level of every interval Sift computes (0.95).
    pub level: f64,
    /// Confidence level of the intervals in the file (`lower`, `upper` columns).
    pub input_level: f64,
    /// A column whose values name each study's subgroup.
    pub subgroup: Option<String>,
    /// Numeric columns to regress the effects on.
    pub moderators: Vec<String>,
    /// Pool again without each study in turn (a sensitivity analysis).
    pub leave_one_out: bool,
    /// Pool the studies one more at a time, in the order listed or by `cumulative_by`.
    pub cumulative: bool,
    /// A numeric column (a year) that orders the cumulative analysis; ties keep the listed order.
    pub cumulative_by: Option<String>,
    /// Trim and fill with this estimator of the number of missing studies.
    pub trim_and_fill: Option<Estimator>,
    /// Each study's influence on the pooled model (metafor's `influence`).
    pub influence: bool,
}

impl MetaSpec {
    pub fn new(measure: Measure) -> MetaSpec {
        MetaSpec {
            measure,
            method: Method::Reml,
            test: Test::Z,
            pooling: Pooling::InverseVariance,
            level: 0.95,
            input_level: 0.95,
            subgroup: None,
            moderators: Vec::new(),
            leave_one_out: false,
            cumulative: false,
            cumulative_by: None,
            trim_and_fill: None,
            influence: false,
        }
    }

    /// Whether the parts of the spec fit together (before any file is read).
    pub fn check(&self) -> ServiceResult<()> {
        if self.pooling != Pooling::InverseVariance {
            if !self.measure.is_binary() {
                return Err(invalid("--pooling", "Mantel-Haenszel and Peto pool 2x2 tables (RR, OR or RD)"));
            }
            if self.pooling == Pooling::Peto && self.measure != Measure::OddsRatio {
                return Err(invalid("--pooling", "Peto's method gives an odds ratio: use --measure OR"));
            }
            if self.subgroup.is_some() || !self.moderators.is_empty() {
                return Err(invalid(
                    "--pooling",
                    "subgroups and moderators are analysed with inverse-variance pooling (iv)",
                ));
            }
        }
        // (asked, flag, what it is, its verb)
        for (asked, flag, what, s) in [
            (self.trim_and_fill.is_some(), "--trim-and-fill", "trim and fill", "s"),
            (self.influence, "--influence", "influence diagnostics", ""),
        ] {
            if !asked {
                continue;
            }
            if self.pooling != Pooling::InverseVariance {
                return Err(invalid(
                    flag,
                    format!("{what} refit{s} the inverse-variance model: use --pooling iv"),
                ));
            }
            if !self.moderators.is_empty() {
                return Err(invalid(flag, format!("{what} work{s} on a model without moderators")));
            }
        }
        for (name, level) in [("--level", self.level), ("--input-level", self.input_level)] {
            if !(level > 0.5 && level < 1.0) {
                return Err(invalid(name, format!("{level} is not a confidence level between 0.5 and 1")));
            }
        }
        Ok(())
    }

    fn options(&self) -> sift_stats::Options {
        sift_stats::Options { method: self.method, test: self.test, level: self.level }
    }
}

/// One row of the file.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetaStudy {
    pub label: String,
    /// The line of the file it came from.
    pub line: u64,
    /// `None` when the study cannot be estimated (the reason is in `not_estimable`).
    pub effect: Option<Effect>,
    pub not_estimable: Option<String>,
    /// The 2x2 table, for the binary measures.
    pub table: Option<Table>,
    pub subgroup: Option<String>,
    pub moderators: Vec<f64>,
    /// Its value in the `cumulative_by` column.
    pub order: Option<f64>,
    /// Groups whose mean and SD were estimated from a median: "group 1 from median and IQR".
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub estimated: Vec<String>,
}

/// The whole analysis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MetaAnalysis {
    pub source: String,
    pub spec: MetaSpec,
    pub studies: Vec<MetaStudy>,
    /// The inverse-variance model over the estimable studies (always computed: with MH or Peto
    /// pooling it gives the heterogeneity statistics' context and the funnel's centre).
    pub fit: Fit,
    /// Mantel-Haenszel or Peto, when asked for.
    pub pooled_table: Option<PooledTable>,
    pub subgroups: Option<SubgroupAnalysis>,
    /// Meta-regression on the moderators.
    pub regression: Option<Fit>,
    /// Egger's test, or why it was not run (in JSON: the test, or `{"not_run": why}`).
    #[serde(serialize_with = "egger_json")]
    pub egger: Result<Egger, String>,
    /// The model pooled without each estimable study in turn, when asked for.
    pub leave_one_out: Vec<LeftOut>,
    /// The model pooled on the first 1, 2, ... estimable studies, when asked for.
    pub cumulative: Vec<Cumulated>,
    /// Trim and fill, when asked for, or why it could not be run (in JSON: the result, or
    /// `{"not_run": why}`; absent when not asked for).
    #[serde(serialize_with = "not_run_json", skip_serializing_if = "Option::is_none")]
    pub trim_and_fill: Option<Result<TrimFill, String>>,
    /// Each estimable study's influence on the pooled model, when asked for (in JSON as
    /// `trim_and_fill`).
    #[serde(serialize_with = "not_run_json", skip_serializing_if = "Option::is_none")]
    pub influence: Option<Result<Vec<Influenced>, String>>,
}

/// One study's influence on the pooled model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Influenced {
    pub study: String,
    #[serde(flatten)]
    pub influence: Influence,
}

/// The pooled effect once one more study is added (a cumulative meta-analysis).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cumulated {
    pub added: String,
    /// Its value in the `cumulative_by` column.
    pub order: Option<f64>,
    pub k: usize,
    #[serde(flatten)]
    pub pooled: Pooled,
}

/// The pooled effect without one study.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LeftOut {
    pub omitted: String,
    #[serde(flatten)]
    pub pooled: Pooled,
}

/// A re-analysis's pooled effect (leave-one-out, cumulative): the estimate, its interval and
/// p, and the model's tau² and I².
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pooled {
    pub estimate: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    pub p_value: f64,
    pub tau2: f64,
    pub i2: Option<f64>,
}

impl Pooled {
    fn of(fit: &Fit) -> Pooled {
        let b = fit.pooled();
        Pooled {
            estimate: b.estimate,
            ci_lower: b.ci_lower,
            ci_upper: b.ci_upper,
            p_value: b.p_value,
            tau2: fit.tau2,
            i2: fit.heterogeneity.i2,
        }
    }
}

/// What was asked for beyond the pooled model: the result, or `{"not_run": why}`.
fn not_run_json<S: serde::Serializer, T: Serialize>(
    asked: &Option<Result<T, String>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match asked {
        Some(Ok(t)) => t.serialize(serializer),
        Some(Err(why)) => serde_json::json!({ "not_run": why }).serialize(serializer),
        None => serializer.serialize_none(),
    }
}

fn egger_json<S: serde::Serializer>(egger: &Result<Egger, String>, serializer: S) -> Result<S::Ok, S::Error> {
    match egger {
        Ok(test) => test.serialize(serializer),
        Err(why) => {
            use serde::ser::SerializeMap;
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry("not_run", why)?;
            map.end()
        }
    }
}

fn invalid(at: impl Into<String>, message: impl Into<String>) -> ServiceError {
    ServiceError::invalid(at, message)
}

/// The column names each kind of input needs (first name is the one messages use).
const LABEL: &[&str] = &["study", "label", "author", "id"];
const EVENTS1: &[&str] = &["events1", "e1", "event1"];
const TOTAL1: &[&str] = &["total1", "n1"];
const EVENTS2: &[&str] = &["events2", "e2", "event2"];
const TOTAL2: &[&str] = &["total2", "n2"];
const MEAN1: &[&str] = &["mean1", "m1"];
const SD1: &[&str] = &["sd1"];
const N1: &[&str] = &["n1", "total1"];
const MEAN2: &[&str] = &["mean2", "m2"];
const SD2: &[&str] = &["sd2"];
const N2: &[&str] = &["n2", "total2"];
/// What a group reports instead of its mean and SD.
const MEDIAN1: &[&str] = &["median1"];
const Q1_1: &[&str] = &["lq1", "q1_1", "lower_quartile1"];
const Q3_1: &[&str] = &["uq1", "q3_1", "upper_quartile1"];
const MIN1: &[&str] = &["min1"];
const MAX1: &[&str] = &["max1"];
const MEDIAN2: &[&str] = &["median2"];
const Q1_2: &[&str] = &["lq2", "q1_2", "lower_quartile2"];
const Q3_2: &[&str] = &["uq2", "q3_2", "upper_quartile2"];
const MIN2: &[&str] = &["min2"];
const MAX2: &[&str] = &["max2"];
const ESTIMATE: &[&str] = &["estimate", "effect"];
const LOWER: &[&str] = &["lower", "ci_lower", "lcl"];
const UPPER: &[&str] = &["upper", "ci_upper", "ucl"];
const SE: &[&str] = &["se", "std_error"];
const YI: &[&str] = &["yi"];
const VI: &[&str] = &["vi"];

/// Reads the studies of `path` for `spec`: a CSV (comma, semicolon or tab separated) with a
/// header row. Every problem names the file, the line and the column.
pub fn read_meta_csv(path: &Path, spec: &MetaSpec) -> ServiceResult<Vec<MetaStudy>> {
    let (shown, text) = crate::input::read_utf8(path)?;
    read_meta_text(&shown, &text, spec)
}

/// [`read_meta_csv`] of text already read; `shown` names it in messages.
pub fn read_meta_text(shown: &str, text: &str, spec: &MetaSpec) -> ServiceResult<Vec<MetaStudy>> {
    spec.check()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line = text.lines().next().unwrap_or("");
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(false).from_reader(text.as_bytes());
    let csv_error = |e: &csv::Error| crate::input::csv_error(shown, e);
    let headers: Vec<String> =
        reader.headers().map_err(|e| csv_error(&e))?.iter().map(|h| h.trim().to_string()).collect();
    let ColumnPlan { columns, label_col, subgroup_col, moderator_cols, order_col } =
        column_plan(shown, &headers, spec)?;
    let measure = spec.measure;

    let mut studies = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_error(&e))?;
        let line = row.position().map_or(0, |p| p.line());
        if row.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let at = format!("{shown}:{line}");
        let cell = |col: usize| row.get(col).unwrap_or("").trim();
        let number = |col: usize| -> ServiceResult<f64> {
            let raw = cell(col);
            let name = &headers[col];
            if raw.is_empty() {
                return Err(invalid(&at, format!("column `{name}` is empty")));
            }
            // A decimal comma ("3,1") where the file is not comma-separated; in a comma-separated
            // file a quoted "1,234" is ambiguous (thousands or decimals) and is refused.
            let raw_number = if delimiter == b',' { raw.to_string() } else { raw.replacen(',', ".", 1) };
            raw_number
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| invalid(&at, format!("column `{name}`: {raw:?} is not a number")))
        };
        let label = label_col
            .map(|c| cell(c).to_string())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| format!("Study {}", studies.len() + 1));
        if let Some(first) = seen.insert(label.clone(), line) {
            return Err(invalid(
                &at,
                format!("study {label:?} already appears on line {first}; give each row its own label"),
            ));
        }
        let mut table = None;
        let mut estimated = Vec::new();
        let computed: Result<Effect, String> = match &columns {
            Columns::Binary([e1, n1, e2, n2]) => {
                let t = Table {
                    events1: number(*e1)?,
                    total1: number(*n1)?,
                    events2: number(*e2)?,
                    total2: number(*n2)?,
                };
                table = Some(t);
                effect::two_by_two(measure, t.events1, t.total1, t.events2, t.total2)
            }
            Columns::Continuous(arms) => {
                // Each group's mean and SD as reported, or estimated from its median.
                let mut groups = Vec::new();
                for (i, arm) in arms.iter().enumerate() {
                    let n = number(arm.n)?;
                    let given = |col: Option<usize>| col.filter(|c| !cell(*c).is_empty());
                    match (given(arm.mean), given(arm.sd), given(arm.median)) {
                        (Some(m), Some(sd), _) => groups.push(Ok((number(m)?, number(sd)?, n))),
                        (_, _, Some(median)) => {
                            let optional = |col: Option<usize>| given(col).map(number).transpose();
                            let five = sift_stats::FiveNumbers {
                                n,
                                median: number(median)?,
                                q1: optional(arm.q1)?,
                                q3: optional(arm.q3)?,
                                min: optional(arm.min)?,
                                max: optional(arm.max)?,
                            };
                            match sift_stats::from_five_numbers(five) {
                                Ok(e) => {
                                    estimated.push(format!("group {} from {}", i + 1, e.scenario.name()));
                                    groups.push(Ok((e.mean, e.sd, n)));
                                }
                                Err(e @ sift_stats::SummaryError::Skewed { .. }) => {
                                    groups.push(Err(format!("not estimable: group {}: {e}", i + 1)));
                                }
                                Err(e) => return Err(invalid(&at, format!("group {}: {e}", i + 1))),
                            }
                        }
                        _ => {
                            // A cell is empty: its column is named (the plan has mean and SD
                            // columns, or a median column).
                            for col in [arm.mean.or(arm.median), arm.sd.or(arm.median)].into_iter().flatten()
                            {
                                number(col)?;
                            }
                            return Err(invalid(
                                &at,
                                format!(
                                    "group {}: no mean and SD, and no median to estimate them from",
                                    i + 1
                                ),
                            ));
                        }
                    }
                }
                match (groups.remove(0), groups.remove(0)) {
                    (Ok((m1, sd1, n1)), Ok((m2, sd2, n2))) => {
                        effect::means(measure, m1, sd1, n1, m2, sd2, n2)
                    }
                    (Err(why), _) | (_, Err(why)) => Err(why),
                }
            }
            Columns::Interval([e, l, u]) => {
                effect::from_ci(measure.is_ratio(), number(*e)?, number(*l)?, number(*u)?, spec.input_level)
            }
            Columns::Se([e, s]) => effect::from_se(measure.is_ratio(), number(*e)?, number(*s)?),
            Columns::YiVi([y, v]) => {
                let (yi, vi) = (number(*y)?, number(*v)?);
                if vi > 0.0 {
                    Ok(Effect { yi, vi })
                } else {
                    Err(format!("vi must be more than 0, not {vi}"))
                }
            }
        };
        let (effect, not_estimable) = match computed {
            Ok(e) => (Some(e), None),
            // A table without events in either arm is a fact about the study, not an error.
            Err(reason) if reason.starts_with("not estimable") => (None, Some(reason)),
            Err(reason) => return Err(invalid(&at, reason)),
        };
        let subgroup = match subgroup_col {
            Some(c) if cell(c).is_empty() => {
                return Err(invalid(&at, format!("column `{}` (the subgroup) is empty", headers[c])));
            }
            Some(c) => Some(cell(c).to_string()),
            None => None,
        };
        let moderators = moderator_cols.iter().map(|c| number(*c)).collect::<ServiceResult<Vec<_>>>()?;
        let order = order_col.map(number).transpose()?;
        studies.push(MetaStudy {
            label,
            line,
            effect,
            not_estimable,
            table,
            subgroup,
            moderators,
            order,
            estimated,
        });
    }
    if studies.is_empty() {
        return Err(invalid(shown, "no studies after the header"));
    }
    Ok(studies)
}

/// Which column holds what a measure needs.
enum Columns {
    Binary([usize; 4]),
    Continuous(Box<[Arm; 2]>),
    Interval([usize; 3]),
    Se([usize; 2]),
    YiVi([usize; 2]),
}

/// One group's columns for a continuous outcome: its mean and SD, or what to estimate them
/// from (median with quartiles and/or range); its size always.
struct Arm {
    n: usize,
    mean: Option<usize>,
    sd: Option<usize>,
    median: Option<usize>,
    q1: Option<usize>,
    q3: Option<usize>,
    min: Option<usize>,
    max: Option<usize>,
}

struct ColumnPlan {
    columns: Columns,
    label_col: Option<usize>,
    subgroup_col: Option<usize>,
    moderator_cols: Vec<usize>,
    order_col: Option<usize>,
}

/// Finds the columns `spec` needs among `headers` (the first row of `shown`), or says which is
/// missing and what the header has.
fn column_plan(shown: &str, headers: &[String], spec: &MetaSpec) -> ServiceResult<ColumnPlan> {
    let find =
        |names: &[&str]| names.iter().find_map(|n| headers.iter().position(|h| h.eq_ignore_ascii_case(n)));
    let header_list = headers.join(", ");
    let need = |names: &[&str], why: &str| {
        find(names).ok_or_else(|| {
            invalid(
                format!("{shown}:1"),
                format!("no `{}` column, which {why} needs (the header has: {header_list})", names[0]),
            )
        })
    };
    let measure = spec.measure;
    let what = measure.name();
    let columns = if measure.is_binary() {
        Columns::Binary([
            need(EVENTS1, what)?,
            need(TOTAL1, what)?,
            need(EVENTS2, what)?,
            need(TOTAL2, what)?,
        ])
    } else if measure.is_continuous() {
        let arm = |[mean, sd, n, median, q1, q3, min, max]: [&[&str]; 8]| -> ServiceResult<Arm> {
            let arm = Arm {
                n: need(n, what)?,
                mean: find(mean),
                sd: find(sd),
                median: find(median),
                q1: find(q1),
                q3: find(q3),
                min: find(min),
                max: find(max),
            };
            let quartiles = arm.q1.is_some() && arm.q3.is_some();
            let range = arm.min.is_some() && arm.max.is_some();
            if (arm.mean.is_none() || arm.sd.is_none()) && !(arm.median.is_some() && (quartiles || range)) {
                // Means and SDs are what most files have; name them first.
                need(mean, what)?;
                need(sd, what)?;
            }
            Ok(arm)
        };
        Columns::Continuous(Box::new([
            arm([MEAN1, SD1, N1, MEDIAN1, Q1_1, Q3_1, MIN1, MAX1])?,
            arm([MEAN2, SD2, N2, MEDIAN2, Q1_2, Q3_2, MIN2, MAX2])?,
        ]))
    } else if let (Some(y), Some(v)) = (find(YI), find(VI)) {
        Columns::YiVi([y, v])
    } else if let (Some(e), Some(l), Some(u)) = (find(ESTIMATE), find(LOWER), find(UPPER)) {
        Columns::Interval([e, l, u])
    } else if let (Some(e), Some(s)) = (find(ESTIMATE), find(SE)) {
        Columns::Se([e, s])
    } else {
        return Err(invalid(
            format!("{shown}:1"),
            format!(
                "a {} needs columns estimate, lower and upper (its confidence interval), or estimate and se, or yi and vi (the header has: {header_list})",
                what.to_lowercase()
            ),
        ));
    };
    let named = |name: &str, role: &str| {
        find(&[name]).ok_or_else(|| {
            invalid(
                format!("{shown}:1"),
                format!("no `{name}` column for the {role} (the header has: {header_list})"),
            )
        })
    };
    let subgroup_col = spec.subgroup.as_deref().map(|name| named(name, "subgroup")).transpose()?;
    let moderator_cols =
        spec.moderators.iter().map(|name| named(name, "moderator")).collect::<ServiceResult<Vec<_>>>()?;
    let order_col =
        spec.cumulative_by.as_deref().map(|name| named(name, "cumulative analysis's order")).transpose()?;
    Ok(ColumnPlan { columns, label_col: find(LABEL), subgroup_col, moderator_cols, order_col })
}

fn stats_error(source: &str, studies: &[&MetaStudy], e: sift_stats::StatsError) -> ServiceError {
    match e {
        sift_stats::StatsError::Study { study, what } => {
            let s = studies[study - 1];
            invalid(format!("{source}:{}", s.line), format!("{}: {what}", s.label))
        }
        other => invalid(source, other.to_string()),
    }
}

/// Pools `studies` as `spec` says. Studies that are not estimable are listed, not pooled.
pub fn meta_analyse(source: &str, studies: Vec<MetaStudy>, spec: &MetaSpec) -> ServiceResult<MetaAnalysis> {
    spec.check()?;
    let estimable: Vec<&MetaStudy> = studies.iter().filter(|s| s.effect.is_some()).collect();
    if estimable.is_empty() {
        return Err(invalid(source, "no study has an estimable effect"));
    }
    let yi: Vec<f64> = estimable.iter().map(|s| s.effect.map_or(f64::NAN, |e| e.yi)).collect();
    let vi: Vec<f64> = estimable.iter().map(|s| s.effect.map_or(f64::NAN, |e| e.vi)).collect();
    let options = spec.options();
    let fit = sift_stats::fit(&yi, &vi, None, options).map_err(|e| stats_error(source, &estimable, e))?;
    let tables: Vec<Table> = studies.iter().filter_map(|s| s.table).collect();
    let pooled_table = match spec.pooling {
        Pooling::InverseVariance => None,
        Pooling::MantelHaenszel => Some(sift_stats::mantel_haenszel(spec.measure, &tables, spec.level)),
        Pooling::Peto => Some(sift_stats::peto(&tables, spec.level)),
    }
    .transpose()
    .map_err(|e| invalid(source, e.to_string()))?;
    let subgroups = match &spec.subgroup {
        Some(_) => {
            let names: Vec<String> =
                estimable.iter().map(|s| s.subgroup.clone().unwrap_or_default()).collect();
            Some(
                sift_stats::subgroups(&yi, &vi, &names, options)
                    .map_err(|e| stats_error(source, &estimable, e))?,
            )
        }
        None => None,
    };
    let regression = if spec.moderators.is_empty() {
        None
    } else {
        let moderators = sift_stats::Moderators {
            names: spec.moderators.clone(),
            columns: (0..spec.moderators.len())
                .map(|j| estimable.iter().map(|s| s.moderators[j]).collect())
                .collect(),
        };
        Some(
            sift_stats::fit(&yi, &vi, Some(&moderators), options)
                .map_err(|e| stats_error(source, &estimable, e))?,
        )
    };
    let egger = sift_stats::egger(&yi, &vi).map_err(|e| e.to_string());
    let mut leave_one_out = Vec::new();
    if spec.leave_one_out && estimable.len() > 1 {
        for (i, omitted) in estimable.iter().enumerate() {
            let (y, v): (Vec<f64>, Vec<f64>) =
                (0..yi.len()).filter(|&j| j != i).map(|j| (yi[j], vi[j])).unzip();
            let without = sift_stats::fit(&y, &v, None, options)
                .map_err(|e| invalid(source, format!("leave-one-out without {}: {e}", omitted.label)))?;
            leave_one_out.push(LeftOut { omitted: omitted.label.clone(), pooled: Pooled::of(&without) });
        }
    }
    let mut cumulative = Vec::new();
    if spec.cumulative {
        // Stable: studies with the same value keep the order they are listed in.
        let mut order: Vec<usize> = (0..estimable.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| estimable[i].order.unwrap_or(0.0);
            key(a).total_cmp(&key(b))
        });
        // The Hartung-Knapp test needs two studies: then the first row pools the first two.
        let first = if spec.pooling == Pooling::InverseVariance && spec.test != Test::Z { 2 } else { 1 };
        for k in first..=order.len() {
            let added = estimable[order[k - 1]];
            let failed =
                |e: String| invalid(source, format!("cumulative analysis up to {}: {e}", added.label));
            let (y, v): (Vec<f64>, Vec<f64>) = order[..k].iter().map(|&j| (yi[j], vi[j])).unzip();
            // Mantel-Haenszel and Peto pool the same studies' tables; tau² and I² stay the
            // inverse-variance model's (with a z test, which any k allows), as in the main
            // analysis.
            let model_options = match spec.pooling {
                Pooling::InverseVariance => options,
                _ => sift_stats::Options { test: Test::Z, ..options },
            };
            let upto = sift_stats::fit(&y, &v, None, model_options).map_err(|e| failed(e.to_string()))?;
            let tables: Vec<Table> = order[..k].iter().filter_map(|&j| estimable[j].table).collect();
            let pooled = match spec.pooling {
                Pooling::InverseVariance => None,
                Pooling::MantelHaenszel => {
                    Some(sift_stats::mantel_haenszel(spec.measure, &tables, spec.level))
                }
                Pooling::Peto => Some(sift_stats::peto(&tables, spec.level)),
            }
            .transpose()
            .map_err(|e| failed(e.to_string()))?;
            // Mantel-Haenszel's or Peto's effect, with the inverse-variance model's tau² and I².
            let mut at_k = Pooled::of(&upto);
            if let Some(t) = &pooled {
                (at_k.estimate, at_k.ci_lower, at_k.ci_upper, at_k.p_value) =
                    (t.estimate, t.ci_lower, t.ci_upper, t.p_value);
            }
            let label = if k == first && k > 1 {
                order[..k].iter().map(|&j| estimable[j].label.as_str()).collect::<Vec<_>>().join(" + ")
            } else {
                added.label.clone()
            };
            cumulative.push(Cumulated { added: label, order: added.order, k, pooled: at_k });
        }
    }
    // Over all the estimable studies (subgroups aside), as the funnel plot shows them.
    let trim_and_fill = spec.trim_and_fill.map(|estimator| {
        sift_stats::trim_and_fill(&yi, &vi, options, estimator, None).map_err(|e| e.to_string())
    });
    let influence = spec.influence.then(|| {
        let rows = sift_stats::influence(&yi, &vi, options).map_err(|e| match e {
            sift_stats::StatsError::Study { study, what } => {
                format!("{}: {what}", estimable[study - 1].label)
            }
            other => other.to_string(),
        })?;
        Ok(estimable
            .iter()
            .zip(rows)
            .map(|(s, influence)| Influenced { study: s.label.clone(), influence })
            .collect())
    });
    Ok(MetaAnalysis {
        source: source.to_string(),
        spec: spec.clone(),
        studies,
        fit,
        pooled_table,
        subgroups,
        regression,
        egger,
        leave_one_out,
        cumulative,
        trim_and_fill,
        influence,
    })
}

/// "1 study", "3 studies".
fn studies(n: usize) -> String {
    if n == 1 { "1 study".into() } else { format!("{n} studies") }
}

/// Mantel-Haenszel's or Peto's heterogeneity line, when there are degrees of freedom.
fn table_heterogeneity_line(t: &PooledTable) -> Option<String> {
    let (i2, p) = (t.i2?, t.q_p_value?);
    Some(format!("Heterogeneity: I² = {i2:.0}%; Q = {:.2}, df = {}, {}", t.q, t.q_df, p_text(p)))
}

/// `p < 0.001` or `p = 0.042`.
fn p_text(p: f64) -> String {
    if p < 0.001 { "p < 0.001".into() } else { format!("p = {p:.3}") }
}

impl MetaAnalysis {
    fn shown(&self, v: f64) -> f64 {
        if self.spec.measure.is_ratio() { v.exp() } else { v }
    }

    /// The pooled estimate the report leads with: Mantel-Haenszel/Peto when asked for, else the model's.
    fn headline(&self) -> (String, f64, f64, f64) {
        match &self.pooled_table {
            Some(t) => (format!("Common effect ({})", t.method), t.estimate, t.ci_lower, t.ci_upper),
            None => {
                let b = self.fit.pooled();
                (self.spec.method.name().to_string(), b.estimate, b.ci_lower, b.ci_upper)
            }
        }
    }

    /// One line of heterogeneity statistics for a fit.
    fn heterogeneity_line(&self, fit: &Fit) -> String {
        let h = &fit.heterogeneity;
        let mut line = String::from("Heterogeneity: ");
        if fit.method.is_random() {
            let _ = write!(line, "τ² = {:.4}", fit.tau2);
            if let Some((l, u)) = fit.tau2_ci {
                let _ = write!(line, " [{l:.4}, {u:.4}]");
            }
            line.push_str("; ");
        }
        match (h.i2, h.p_value) {
            (Some(i2), Some(p)) => {
                let _ = write!(line, "I² = {i2:.0}%");
                if let Some((l, u)) = h.i2_ci {
                    let _ = write!(line, " [{l:.0}%, {u:.0}%]");
                }
                let _ = write!(line, "; Q = {:.2}, df = {}, {}", h.q, h.df, p_text(p));
            }
            _ => line.push_str("not applicable (one study)"),
        }
        line
    }

    /// The analysis as text, for a terminal or a report.
    pub fn summary(&self) -> String {
        let spec = &self.spec;
        let level = (spec.level * 100.0).round();
        let mut out = String::new();
        let n_pooled = self.studies.iter().filter(|s| s.effect.is_some()).count();
        let _ = writeln!(
            out,
            "{}: {} of {} studies pooled; {}; {}{}",
            self.source,
            n_pooled,
            self.studies.len(),
            spec.measure.name(),
            match spec.pooling {
                Pooling::InverseVariance => spec.method.name().to_string(),
                Pooling::MantelHaenszel => "Mantel-Haenszel".into(),
                Pooling::Peto => "Peto".into(),
            },
            if spec.test == Test::Z || spec.pooling != Pooling::InverseVariance {
                String::new()
            } else {
                format!(
                    "; Hartung-Knapp-Sidik-Jonkman{}",
                    if spec.test == Test::HksjAdhoc { " (ad hoc)" } else { "" }
                )
            }
        );
        let width = self.studies.iter().map(|s| s.label.chars().count()).max().unwrap_or(5).max(5);
        let code = spec.measure.code();
        let _ = writeln!(
            out,
            "\n{:width$}  {:>9}  {:>20}  {:>7}",
            "study",
            code,
            format!("{level}% CI"),
            "weight"
        );
        let crit = sift_stats::z_crit(spec.level);
        for (s, weight) in self.studies.iter().zip(self.study_weights()) {
            match s.effect {
                Some(e) => {
                    let half = crit * e.se();
                    let _ = writeln!(
                        out,
                        "{:width$}  {:>9.2}  {:>20}  {:>6.1}%",
                        s.label,
                        self.shown(e.yi),
                        format!("[{:.2}, {:.2}]", self.shown(e.yi - half), self.shown(e.yi + half)),
                        weight.unwrap_or(0.0)
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "{:width$}  {}",
                        s.label,
                        s.not_estimable.as_deref().unwrap_or("not estimable")
                    );
                }
            }
        }
        let estimated: Vec<String> = self
            .studies
            .iter()
            .filter(|s| !s.estimated.is_empty())
            .map(|s| format!("{} ({})", s.label, s.estimated.join("; ")))
            .collect();
        if !estimated.is_empty() {
            let _ = writeln!(
                out,
                "\nMeans and SDs estimated from medians (mean: Luo et al. 2018; SD: Wan et al. 2014, Shi et al. 2020; normal data assumed): {}",
                estimated.join(", ")
            );
        }
        if let Some(sub) = &self.subgroups {
            for g in &sub.groups {
                let b = g.fit.pooled();
                let _ = writeln!(
                    out,
                    "\nSubgroup {} ({}): {code} {:.2} [{:.2}, {:.2}]",
                    g.name,
                    if g.fit.k == 1 { "1 study".to_string() } else { format!("{} studies", g.fit.k) },
                    self.shown(b.estimate),
                    self.shown(b.ci_lower),
                    self.shown(b.ci_upper)
                );
                if g.fit.k > 1 {
                    let _ = writeln!(out, "  {}", self.heterogeneity_line(&g.fit));
                }
            }
            if let Some(p) = sub.p_value {
                let _ = writeln!(
                    out,
                    "Test for subgroup differences: Q = {:.2}, df = {}, {}; I² = {:.0}%",
                    sub.q_between,
                    sub.df,
                    p_text(p),
                    sub.i2.unwrap_or(0.0)
                );
            }
        }
        let (name, est, lo, hi) = self.headline();
        let _ = writeln!(
            out,
            "\n{name}: {code} {:.2} [{:.2}, {:.2}]",
            self.shown(est),
            self.shown(lo),
            self.shown(hi)
        );
        match &self.pooled_table {
            Some(t) => {
                let _ = writeln!(out, "  z = {:.2}, {}", t.z, p_text(t.p_value));
                if let Some(line) = table_heterogeneity_line(t) {
                    let _ = writeln!(out, "  {line}");
                }
            }
            None => {
                let b = self.fit.pooled();
                let stat = if self.fit.df.is_some() { "t" } else { "z" };
                let df = self.fit.df.map_or(String::new(), |d| format!(" (df = {d})"));
                let _ = writeln!(out, "  {stat} = {:.2}{df}, {}", b.statistic, p_text(b.p_value));
                // A prediction interval says little below 3 studies (as on the forest plot).
                if let (Some((l, u)), true) =
                    (self.fit.prediction, self.fit.method.is_random() && self.fit.k > 2)
                {
                    let _ =
                        writeln!(out, "  Prediction interval: [{:.2}, {:.2}]", self.shown(l), self.shown(u));
                }
                let _ = writeln!(out, "  {}", self.heterogeneity_line(&self.fit));
            }
        }
        if let Some(r) = &self.regression {
            let _ = writeln!(
                out,
                "\nMeta-regression on {} ({} studies; τ² by {}){}:",
                spec.moderators.join(", "),
                r.k,
                r.method.code(),
                if spec.measure.is_ratio() { "; coefficients on the log scale" } else { "" }
            );
            let _ = writeln!(
                out,
                "  {:12} {:>10} {:>9} {:>21} {:>10}",
                "coefficient",
                "estimate",
                "se",
                format!("{level}% CI"),
                "p"
            );
            for c in &r.coefficients {
                let _ = writeln!(
                    out,
                    "  {:12} {:>10.4} {:>9.4} {:>21} {:>10}",
                    c.name,
                    c.estimate,
                    c.se,
                    format!("[{:.4}, {:.4}]", c.ci_lower, c.ci_upper),
                    p_text(c.p_value)
                );
            }
            let m = &r.moderator_test;
            let test = match m.df2 {
                Some(df2) => format!("F({}, {df2}) = {:.2}", m.df1, m.statistic),
                None => format!("QM = {:.2}, df = {}", m.statistic, m.df1),
            };
            let _ = writeln!(out, "  Test of moderators: {test}, {}", p_text(m.p_value));
            let line = self.heterogeneity_line(r);
            let _ = writeln!(out, "  Residual heterogeneity: {}", line.trim_start_matches("Heterogeneity: "));
        }
        if !self.leave_one_out.is_empty() {
            let _ = writeln!(out, "\nLeave-one-out ({}):", spec.method.name());
            let rows = self.leave_one_out.iter().map(|l| (l.omitted.clone(), None, &l.pooled));
            self.pooled_rows(&mut out, "omitting", rows.collect());
        }
        if !self.cumulative.is_empty() {
            let by = spec.cumulative_by.as_deref().map(|c| format!(", by {c}")).unwrap_or_default();
            let _ = writeln!(out, "\nCumulative meta-analysis ({}{by}):", self.model_name());
            let rows = self.cumulative.iter().map(|c| (format!("+ {}", c.added), Some(c.k), &c.pooled));
            self.pooled_rows(&mut out, "adding", rows.collect());
        }
        match &self.egger {
            Ok(e) => {
                let _ = writeln!(
                    out,
                    "\nEgger's test: intercept {:.2} (SE {:.2}), t = {:.2}, df = {}, {}{}",
                    e.bias,
                    e.bias_se,
                    e.t,
                    e.df,
                    p_text(e.p_value),
                    if e.k < 10 {
                        " (fewer than 10 studies: little power, Cochrane Handbook 13.3.5.4)"
                    } else {
                        ""
                    }
                );
            }
            Err(why) => {
                let _ = writeln!(out, "\nEgger's test: not run ({why})");
            }
        }
        match &self.trim_and_fill {
            Some(Ok(t)) => {
                let _ = writeln!(out, "\n{}", self.trim_and_fill_line(t));
                if !t.filled.is_empty() {
                    let _ = writeln!(out, "  {}", self.heterogeneity_line(&t.fit));
                }
            }
            Some(Err(why)) => {
                let _ = writeln!(out, "\nTrim and fill: not run ({why})");
            }
            None => {}
        }
        match &self.influence {
            Some(Ok(rows)) => self.influence_rows(&mut out, rows),
            Some(Err(why)) => {
                let _ = writeln!(out, "\nInfluence diagnostics: not run ({why})");
            }
            None => {}
        }
        out
    }

    /// The influence diagnostics as a table, influential studies marked.
    fn influence_rows(&self, out: &mut String, rows: &[Influenced]) {
        let _ = writeln!(
            out,
            "\nInfluence diagnostics ({}; * influential by one of metafor's cut-offs):",
            self.spec.method.name()
        );
        let width = rows.iter().map(|r| r.study.chars().count()).max().unwrap_or(5).max(5);
        let _ = writeln!(
            out,
            "    {:width$}  {:>8}  {:>7}  {:>7}  {:>6}  {:>9}  {:>8}  {:>5}  {:>6}  {:>7}",
            "study", "rstudent", "dffits", "cook.d", "cov.r", "τ²(-i)", "Q(-i)", "hat", "weight", "dfbetas"
        );
        for r in rows {
            let i = &r.influence;
            let _ = writeln!(
                out,
                "  {} {:width$}  {:>8.2}  {:>7.2}  {:>7.2}  {:>6.2}  {:>9.4}  {:>8.2}  {:>5.2}  {:>5.1}%  {:>7.2}",
                if i.influential { '*' } else { ' ' },
                r.study,
                i.rstudent,
                i.dffits,
                i.cook_d,
                i.cov_r,
                i.tau2_del,
                i.qe_del,
                i.hat,
                i.weight,
                i.dfbetas
            );
        }
    }

    /// What trim and fill found, in two lines: "Trim and fill (L0, Duval & Tweedie): 3 studies
    /// missing on the left (SE 2.1)", then "With them filled in (16 studies): RR 0.52 [0.40,
    /// 0.68], p < 0.001".
    fn trim_and_fill_line(&self, t: &TrimFill) -> String {
        let head = format!("Trim and fill ({}, Duval & Tweedie)", t.estimator.code());
        if t.k0 == 0 {
            return format!("{head}: no study missing on the {} side of the funnel plot", t.side.name());
        }
        let b = t.fit.pooled();
        format!(
            "{head}: {} missing on the {} ({})\n  With {} filled in ({} studies): {} {:.2} [{:.2}, {:.2}], {}",
            studies(t.k0),
            t.side.name(),
            if t.se_k0.is_finite() { format!("SE {:.2}", t.se_k0) } else { "SE not estimable".into() },
            if t.k0 == 1 { "it" } else { "them" },
            t.fit.k,
            self.spec.measure.code(),
            self.shown(b.estimate),
            self.shown(b.ci_lower),
            self.shown(b.ci_upper),
            p_text(b.p_value)
        )
    }

    /// Each study's share of the pooled weight, in the file's order (`None` when not pooled):
    /// Mantel-Haenszel/Peto's over every table, or the model's over the estimable studies.
    pub fn study_weights(&self) -> Vec<Option<f64>> {
        let mut model = self.fit.weights.iter();
        self.studies
            .iter()
            .enumerate()
            .map(|(i, s)| match (&self.pooled_table, s.effect) {
                (Some(t), Some(_)) => t.weights.get(i).copied(),
                (None, Some(_)) => model.next().copied(),
                _ => None,
            })
            .collect()
    }

    fn scale(&self) -> Scale {
        if self.spec.measure.is_ratio() { Scale::Log } else { Scale::Linear }
    }

    fn summary_for(&self, label: String, fit: &Fit) -> ForestSummary {
        let b = fit.pooled();
        ForestSummary {
            label,
            estimate: b.estimate,
            ci_lower: b.ci_lower,
            ci_upper: b.ci_upper,
            prediction: if fit.method.is_random() && fit.k > 2 { fit.prediction } else { None },
            note: (fit.k > 1).then(|| self.heterogeneity_line(fit)),
        }
    }

    /// The forest plot: every study (subgroups in turn when there are any) and the pooled effect.
    pub fn forest(&self, title: Option<String>) -> ForestPlot {
        let crit = sift_stats::z_crit(self.spec.level);
        let row = |s: &MetaStudy, weight: Option<f64>| match s.effect {
            Some(e) => ForestRow {
                label: s.label.clone(),
                estimate: e.yi,
                ci_lower: e.yi - crit * e.se(),
                ci_upper: e.yi + crit * e.se(),
                weight_percent: weight,
            },
            None => ForestRow {
                label: s.label.clone(),
                estimate: f64::NAN,
                ci_lower: f64::NAN,
                ci_upper: f64::NAN,
                weight_percent: None,
            },
        };
        let weight_of = self.study_weights();
        let groups = match &self.subgroups {
            Some(sub) => {
                // The subgroups' studies are numbered among the estimable ones; each row keeps
                // its share of the overall weight, so squares compare across subgroups.
                let estimable: Vec<usize> =
                    (0..self.studies.len()).filter(|&i| self.studies[i].effect.is_some()).collect();
                sub.groups
                    .iter()
                    .map(|g| ForestGroup {
                        heading: Some(g.name.clone()),
                        rows: g
                            .studies
                            .iter()
                            .map(|&i| row(&self.studies[estimable[i]], weight_of[estimable[i]]))
                            .collect(),
                        summary: Some(self.summary_for(format!("Subtotal ({})", g.name), &g.fit)),
                    })
                    .collect()
            }
            None => vec![ForestGroup {
                heading: None,
                rows: self.studies.iter().zip(&weight_of).map(|(s, w)| row(s, *w)).collect(),
                summary: None,
            }],
        };
        let overall = match &self.pooled_table {
            Some(t) => ForestSummary {
                label: format!("Common effect ({})", t.method),
                estimate: t.estimate,
                ci_lower: t.ci_lower,
                ci_upper: t.ci_upper,
                prediction: None,
                note: table_heterogeneity_line(t),
            },
            None => self.summary_for(self.spec.method.name().to_string(), &self.fit),
        };
        let footnote = self.subgroups.as_ref().and_then(|sub| {
            sub.p_value.map(|p| {
                format!(
                    "Test for subgroup differences: Q = {:.2}, df = {}, {}",
                    sub.q_between,
                    sub.df,
                    p_text(p)
                )
            })
        });
        ForestPlot {
            title,
            measure: self.spec.measure.name().to_string(),
            scale: self.scale(),
            groups,
            overall: Some(overall),
            footnote,
            favours: None,
            null_line: Some(0.0),
            decimals: 2,
        }
    }

    /// A table of pooled results, one row per re-analysis (leave-one-out, cumulative): a label,
    /// the number of studies when given, the estimate, its interval, p and I².
    fn pooled_rows(&self, out: &mut String, first: &str, rows: Vec<(String, Option<usize>, &Pooled)>) {
        let code = self.spec.measure.code();
        let level = (self.spec.level * 100.0).round();
        let width = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(5).max(first.len());
        let k = |k: Option<usize>| k.map(|k| format!("  {k:>3}")).unwrap_or_default();
        let k_header =
            if rows.iter().any(|r| r.1.is_some()) { format!("  {:>3}", "k") } else { String::new() };
        let ci = format!("{level}% CI");
        let _ = writeln!(out, "  {first:width$}{k_header}  {code:>9}  {ci:>20}  {:>10}  {:>8}", "p", "I²");
        for (label, n, r) in rows {
            let _ = writeln!(
                out,
                "  {label:width$}{}  {:>9.2}  {:>20}  {:>10}  {:>8}",
                k(n),
                self.shown(r.estimate),
                format!("[{:.2}, {:.2}]", self.shown(r.ci_lower), self.shown(r.ci_upper)),
                p_text(r.p_value),
                r.i2.map_or_else(|| "-".to_string(), |i2| format!("{i2:.0}%"))
            );
        }
    }

    /// The pooling model's name: "Common effect (Mantel-Haenszel)", "Random effects (REML)".
    fn model_name(&self) -> String {
        match &self.pooled_table {
            Some(t) => format!("Common effect ({})", t.method),
            None => self.spec.method.name().to_string(),
        }
    }

    /// The cumulative meta-analysis as a forest plot: one row per study added, each showing
    /// the pooled estimate so far; `None` when it was not asked for.
    pub fn cumulative_forest(&self, title: Option<String>) -> Option<ForestPlot> {
        if self.cumulative.is_empty() {
            return None;
        }
        let rows = self
            .cumulative
            .iter()
            .map(|c| ForestRow {
                label: format!("+ {}", c.added),
                estimate: c.pooled.estimate,
                ci_lower: c.pooled.ci_lower,
                ci_upper: c.pooled.ci_upper,
                weight_percent: None,
            })
            .collect();
        let by =
            self.spec.cumulative_by.as_deref().map(|c| format!(", studies added by {c}")).unwrap_or_default();
        Some(ForestPlot {
            title,
            measure: self.spec.measure.name().to_string(),
            scale: self.scale(),
            groups: vec![ForestGroup { heading: None, rows, summary: None }],
            overall: None,
            footnote: Some(format!(
                "Cumulative meta-analysis ({}{by}): each row pools the studies up to it",
                self.model_name()
            )),
            favours: None,
            null_line: Some(0.0),
            decimals: 2,
        })
    }

    /// The funnel plot with the studies trim and fill added (open circles), centred on the
    /// model's estimate with them (as metafor's `funnel` of a `trimfill` result), what was
    /// found under it; `None` unless trim and fill ran.
    pub fn trim_and_fill_funnel(&self, title: Option<String>) -> Option<FunnelPlot> {
        let t = self.trim_and_fill.as_ref()?.as_ref().ok()?;
        let estimable: Vec<&MetaStudy> = self.studies.iter().filter(|s| s.effect.is_some()).collect();
        let mut plot = self.funnel(title);
        plot.filled = t
            .filled
            .iter()
            .enumerate()
            .map(|(i, f)| FunnelPoint {
                label: format!("Filled {} (mirrors {})", i + 1, estimable[f.mirrors].label),
                estimate: f.yi,
                se: f.vi.sqrt(),
            })
            .collect();
        plot.center = t.fit.pooled().estimate;
        let b = t.fit.pooled();
        plot.note = Some(if t.k0 == 0 {
            format!("Trim and fill ({}): no study missing", t.estimator.code())
        } else {
            format!(
                "Open circles: {} trim and fill ({}) adds on the {}; {} {:.2} [{:.2}, {:.2}] with {}",
                studies(t.k0),
                t.estimator.code(),
                t.side.name(),
                self.spec.measure.code(),
                self.shown(b.estimate),
                self.shown(b.ci_lower),
                self.shown(b.ci_upper),
                if t.k0 == 1 { "it" } else { "them" }
            )
        });
        Some(plot)
    }

    /// The funnel plot, centred on the common-effect estimate, with Egger's test under it.
    pub fn funnel(&self, title: Option<String>) -> FunnelPlot {
        let points = self
            .studies
            .iter()
            .filter_map(|s| {
                s.effect.map(|e| FunnelPoint { label: s.label.clone(), estimate: e.yi, se: e.se() })
            })
            .collect::<Vec<_>>();
        let yi: Vec<f64> = points.iter().map(|p| p.estimate).collect();
        let vi: Vec<f64> = points.iter().map(|p| p.se * p.se).collect();
        let common = sift_stats::Options { method: Method::Common, ..self.spec.options() };
        let center = sift_stats::fit(&yi, &vi, None, common)
            .map_or(self.fit.pooled().estimate, |f| f.pooled().estimate);
        FunnelPlot {
            title,
            measure: self.spec.measure.name().to_string(),
            scale: self.scale(),
            points,
            center,
            filled: Vec::new(),
            note: self.egger.as_ref().ok().map(|e| {
                format!(
                    "Egger's test: intercept {:.2} (SE {:.2}), t = {:.2}, df = {}, {}",
                    e.bias,
                    e.bias_se,
                    e.t,
                    e.df,
                    p_text(e.p_value)
                )
            }),
        }
    }
}

/// How a study reports a ratio or a difference it gives itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reported {
    /// The estimate with its confidence interval (`estimate`, `lower`, `upper`).
    Interval,
    /// The estimate and its standard error (`estimate`, `se`).
    StandardError,
    /// The effect on the analysis scale and its variance (`yi`, `vi`).
    Variance,
}

/// The columns a measure needs, by the names `sift meta` reads first; `reported` says which
/// columns a ratio or a difference comes in (the 2x2 and continuous measures ignore it).
pub fn needed_columns(measure: Measure, reported: Reported) -> Vec<&'static str> {
    let first = |names: &[&'static str]| names[0];
    if measure.is_binary() {
        [EVENTS1, TOTAL1, EVENTS2, TOTAL2].map(first).to_vec()
    } else if measure.is_continuous() {
        [MEAN1, SD1, N1, MEAN2, SD2, N2].map(first).to_vec()
    } else {
        match reported {
            Reported::Interval => [ESTIMATE, LOWER, UPPER].map(first).to_vec(),
            Reported::StandardError => [ESTIMATE, SE].map(first).to_vec(),
            Reported::Variance => [YI, VI].map(first).to_vec(),
        }
    }
}

/// The columns a group of a continuous outcome may give instead of its mean and SD (its
/// median with the quartiles and/or the range), for `measure`; none for other measures.
pub fn median_columns(measure: Measure) -> Vec<&'static str> {
    if !measure.is_continuous() {
        return Vec::new();
    }
    [MEDIAN1, Q1_1, Q3_1, MIN1, MAX1, MEDIAN2, Q1_2, Q3_2, MIN2, MAX2].map(|names| names[0]).to_vec()
}

/// Every name `sift meta` reads a needed column under (`needed_columns` and `median_columns`
/// give the first).
pub fn column_names(need: &str) -> &'static [&'static str] {
    [
        EVENTS1, TOTAL1, EVENTS2, TOTAL2, MEAN1, SD1, N1, MEAN2, SD2, N2, ESTIMATE, LOWER, UPPER, SE, YI, VI,
        MEDIAN1, Q1_1, Q3_1, MIN1, MAX1, MEDIAN2, Q1_2, Q3_2, MIN2, MAX2,
    ]
    .into_iter()
    .find(|names| names[0] == need)
    .unwrap_or(&[])
}

/// `study`, then each field's columns under its key (a pair as `KEY1`, `KEY2`; a group none).
fn field_columns(form: &sift_domain::charting::Form) -> Vec<String> {
    use sift_domain::charting::FieldKind;

    let mut columns: Vec<String> = vec!["study".into()];
    for field in &form.fields {
        match field.kind {
            FieldKind::IntegerPair => {
                columns.push(format!("{}1", field.key));
                columns.push(format!("{}2", field.key));
            }
            FieldKind::Group { .. } => {}
            _ => columns.push(field.key.clone()),
        }
    }
    columns
}

/// The column a form's table gets with each report's publication year.
const RECORD_YEAR: &str = "year";

/// The columns [`Service::meta_table`] gives a form: `study`, then each field under its key,
/// an intervention/control pair as `KEY1` and `KEY2`; `renames` (needed column, form column)
/// applied; then `year`, each report's publication year, unless a column has that name.
fn form_columns(
    form: &sift_domain::charting::Form,
    renames: &[(String, String)],
) -> ServiceResult<Vec<String>> {
    let mut columns = field_columns(form);
    for (to, from) in renames {
        let Some(at) = columns.iter().position(|c| c == from) else {
            return Err(invalid(
                "--column",
                format!(
                    "{to}={from}: form {:?} has no column {from:?} (it has: {})",
                    form.name,
                    columns[1..].join(", ")
                ),
            ));
        };
        columns[at] = to.clone();
    }
    // Each report's publication year, for ordering a cumulative analysis, unless the form
    // has a column of that name.
    if !columns.iter().any(|c| c.eq_ignore_ascii_case(RECORD_YEAR)) {
        columns.push(RECORD_YEAR.into());
    }
    Ok(columns)
}

fn require_stream(streams: &[sift_domain::Stream], name: &str) -> ServiceResult<()> {
    if streams.iter().any(|s| s.name == name) {
        Ok(())
    } else {
        Err(invalid("--stream", format!("the review has no stream {name:?}")))
    }
}

/// The studies of a review's charting form as a table `sift meta` reads: one row per citation
/// with consensus values (in `stream`, when named), labelled by its study (or first author and
/// year). Each field is a column under its key; an intervention/control pair (`integer_pair`)
/// is two, `KEY1` and `KEY2` (a field `events` gives `events1` and `events2`). `renames` maps
/// a column the reader needs to the column that holds it (`("total1", "randomised1")`).
#[derive(Clone, Debug, PartialEq)]
pub struct FormTable {
    /// The table as CSV text.
    pub text: String,
    /// Each data row's citation and label, in order (row i is CSV line i + 2).
    pub rows: Vec<(sift_domain::CitationId, String)>,
    pub columns: Vec<String>,
}

fn cell_text(value: &sift_domain::charting::Value) -> String {
    match value {
        sift_domain::charting::Value::Number(n) => n.to_string(),
        other => crate::assignable_text(other),
    }
}

impl crate::Service {
    /// The consensus values of `form` as a table (see [`FormTable`]).
    pub async fn meta_table(
        &self,
        form: &str,
        stream: Option<&str>,
        renames: &[(String, String)],
    ) -> ServiceResult<FormTable> {
        use sift_domain::charting::{FieldKind, Value};

        let (definition, consensus) = self.chart_consensus(form).await?;
        let mut conn = self.store.read().await?;
        if let Some(name) = stream {
            require_stream(&sift_store::reviews::list_streams(&mut conn, self.review.id).await?, name)?;
        }
        let (canonical, label_of) = self.citation_records_and_studies(&mut conn, stream).await?;
        let columns = form_columns(&definition, renames)?;
        // The fields' own columns, then the record's year when form_columns added it.
        let record_year = columns.len() > field_columns(&definition).len();
        // Every settled citation's record in one read.
        let ids = consensus.keys().filter_map(|c| canonical.get(c).copied()).collect();
        let filter = sift_store::records::RecordFilter { ids: Some(ids), ..Default::default() };
        let references: HashMap<sift_domain::RecordId, sift_domain::Reference> =
            sift_store::records::list_records(&mut conn, self.review.id, &filter)
                .await?
                .into_iter()
                .map(|r| (r.id, r.reference))
                .collect();
        let mut rows = Vec::new();
        for (citation, values) in &consensus {
            let Some(reference) = canonical.get(citation).and_then(|r| references.get(r)) else { continue };
            let label = match label_of.get(citation) {
                Some(label) => label.clone(),
                None => match (reference.authors.first(), reference.year) {
                    (Some(a), Some(y)) => format!("{} {y}", a.family),
                    (Some(a), None) => a.family.clone(),
                    _ => format!("Citation {}", citation.0),
                },
            };
            let mut cells = vec![label.clone()];
            for field in &definition.fields {
                let value = values.get(&field.key);
                match field.kind {
                    FieldKind::IntegerPair => {
                        let (i, c) = match value {
                            Some(Value::Pair { intervention, control, .. }) => (*intervention, *control),
                            _ => (None, None),
                        };
                        cells.push(i.map(|v| v.to_string()).unwrap_or_default());
                        cells.push(c.map(|v| v.to_string()).unwrap_or_default());
                    }
                    FieldKind::Group { .. } => {}
                    _ => cells.push(value.map(cell_text).unwrap_or_default()),
                }
            }
            if record_year {
                cells.push(reference.year.map(|y| y.to_string()).unwrap_or_default());
            }
            rows.push((*citation, label, cells));
        }
        // Alphabetical by study, as RevMan lists them.
        rows.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.0.cmp(&b.0.0)));
        let mut writer = csv::Writer::from_writer(Vec::new());
        let io = |e: csv::Error| invalid(form, e.to_string());
        writer.write_record(&columns).map_err(io)?;
        for (_, _, cells) in &rows {
            writer.write_record(cells).map_err(io)?;
        }
        let text = String::from_utf8(writer.into_inner().map_err(|e| invalid(form, e.to_string()))?)
            .map_err(|e| invalid(form, e.to_string()))?;
        Ok(FormTable { text, rows: rows.into_iter().map(|(c, l, _)| (c, l)).collect(), columns })
    }

    /// The columns of a form's table as an analysis reads them ([`Service::meta_table`]),
    /// `study` left out: to choose from when building an analysis.
    pub async fn form_table_columns(&self, form: &str) -> ServiceResult<Vec<String>> {
        let mut conn = self.store.read().await?;
        let (_, definition) = self.form(&mut conn, form).await?;
        let mut columns = form_columns(&definition, &[])?;
        columns.remove(0);
        Ok(columns)
    }

    /// A meta-analysis of the consensus values of `form` (see [`Service::meta_table`]). A bad
    /// value is reported by citation and study label.
    pub async fn meta_analysis(
        &self,
        form: &str,
        stream: Option<&str>,
        renames: &[(String, String)],
        spec: &MetaSpec,
    ) -> ServiceResult<MetaAnalysis> {
        let table = self.meta_table(form, stream, renames).await?;
        if table.rows.is_empty() {
            return Err(invalid(
                form,
                "no citation has settled (consensus) values on this form yet: settle charting first (`sift chart settle`)",
            ));
        }
        let shown = format!("form {form}");
        let located = |e: ServiceError| match e {
            ServiceError::Invalid { field, message } => {
                let row = field
                    .strip_prefix(&format!("{shown}:"))
                    .and_then(|line| line.parse::<usize>().ok())
                    .and_then(|line| table.rows.get(line.wrapping_sub(2)));
                match row {
                    Some((citation, label)) => {
                        ServiceError::invalid(format!("{shown}, citation {} ({label})", citation.0), message)
                    }
                    None => ServiceError::Invalid { field, message },
                }
            }
            other => other,
        };
        let studies = read_meta_text(&shown, &table.text, spec).map_err(located)?;
        meta_analyse(&shown, studies, spec).map_err(located)
    }
}

/// A meta-analysis kept with the review and drawn by its report: which charting form to read
/// and how to pool it (`docs/meta.md`). Written by the team as TOML (`[[analyses]]`) or JSON.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSpec {
    /// Letters, digits, `-` and `_`; names the report's files.
    pub name: String,
    #[serde(default)]
    pub title: Option<String>,
    pub form: String,
    #[serde(default)]
    pub stream: Option<String>,
    pub measure: String,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub test: Option<String>,
    #[serde(default)]
    pub pooling: Option<String>,
    #[serde(default)]
    pub subgroup: Option<String>,
    #[serde(default)]
    pub moderators: Vec<String>,
    /// Needed column -> the form's column that holds it (`total1 = "randomised1"`).
    #[serde(default)]
    pub columns: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub level: Option<f64>,
    /// Pool again without each study in turn.
    #[serde(default)]
    pub leave_one_out: bool,
    /// Pool the studies one more at a time (in `cumulative_by` order when given).
    #[serde(default)]
    pub cumulative: bool,
    #[serde(default)]
    pub cumulative_by: Option<String>,
    /// Trim and fill: `true` (the L0 estimator) or the estimator, `"L0"`, `"R0"` or `"Q0"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trim_and_fill: Option<TrimAndFillSetting>,
    /// Each study's influence on the pooled model.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub influence: bool,
}

/// `trim_and_fill = true`, or the estimator by name.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum TrimAndFillSetting {
    On(bool),
    Estimator(String),
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct AnalysisSpecs {
    analyses: Vec<AnalysisSpec>,
}

impl AnalysisSpec {
    /// The analysis's settings, each checked; errors name the analysis and the key.
    pub fn meta_spec(&self) -> ServiceResult<MetaSpec> {
        let at = |key: &str| format!("analysis {}: {key}", self.name);
        let mut spec = MetaSpec::new(self.measure.parse().map_err(|e: String| invalid(at("measure"), e))?);
        if let Some(m) = &self.method {
            spec.method = m.parse().map_err(|e: String| invalid(at("method"), e))?;
        }
        if let Some(t) = &self.test {
            spec.test = t.parse().map_err(|e: String| invalid(at("test"), e))?;
        }
        if let Some(p) = &self.pooling {
            spec.pooling = p.parse().map_err(|e: String| invalid(at("pooling"), e))?;
        }
        if let Some(level) = self.level {
            spec.level = level;
        }
        spec.subgroup = self.subgroup.clone();
        spec.moderators = self.moderators.clone();
        spec.leave_one_out = self.leave_one_out;
        spec.cumulative = self.cumulative || self.cumulative_by.is_some();
        spec.cumulative_by = self.cumulative_by.clone();
        spec.trim_and_fill = match &self.trim_and_fill {
            None | Some(TrimAndFillSetting::On(false)) => None,
            Some(TrimAndFillSetting::On(true)) => Some(Estimator::L0),
            Some(TrimAndFillSetting::Estimator(e)) => {
                Some(e.parse().map_err(|e: String| invalid(at("trim_and_fill"), e))?)
            }
        };
        spec.influence = self.influence;
        spec.check().map_err(|e| match e {
            ServiceError::Invalid { field, message } => {
                invalid(at(&field.trim_start_matches("--").replace('-', "_")), message)
            }
            other => other,
        })?;
        Ok(spec)
    }

    fn renames(&self) -> Vec<(String, String)> {
        self.columns.iter().map(|(to, from)| (to.clone(), from.clone())).collect()
    }

    /// Reads `[[analyses]]` from TOML, or `{"analyses": [...]}` from JSON.
    pub fn parse_all(text: &str) -> ServiceResult<Vec<AnalysisSpec>> {
        let specs: AnalysisSpecs = if text.trim_start().starts_with('{') {
            serde_json::from_str(text).map_err(|e| invalid("analyses (JSON)", e.to_string()))?
        } else {
            toml::from_str(text).map_err(|e| invalid("analyses (TOML)", e.to_string()))?
        };
        if specs.analyses.is_empty() {
            return Err(invalid("analyses", "no [[analyses]] in the file"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, a) in specs.analyses.iter().enumerate() {
            let valid = !a.name.is_empty()
                && a.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid {
                return Err(invalid(
                    format!("analysis {}: name", i + 1),
                    format!("{:?} must be letters, digits, '-' or '_' (it names the report's files)", a.name),
                ));
            }
            if !seen.insert(a.name.clone()) {
                return Err(invalid(format!("analysis {}: name", a.name), "two analyses have this name"));
            }
            a.meta_spec()?;
        }
        Ok(specs.analyses)
    }
}

impl crate::Service {
    /// Stores meta-analysis specs (TOML or JSON; an analysis of the same name is replaced),
    /// each checked against the review's forms and streams. Owners only.
    pub async fn set_report_analyses(&self, actor: &crate::Actor, text: &str) -> ServiceResult<Vec<String>> {
        use sift_store::reports::set_spec;

        let specs = AnalysisSpec::parse_all(text)?;
        let now = crate::clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, crate::Permission::Manage).await?;
        let forms = sift_store::charting::forms(tx.conn(), self.review.id).await?;
        let streams = sift_store::reviews::list_streams(tx.conn(), self.review.id).await?;
        // Each spec against the form's columns as `sift meta` reads them, before anything is stored.
        for spec in &specs {
            let at = |key: &str| format!("analysis {}: {key}", spec.name);
            let Some((_, form)) = forms.iter().find(|(_, f)| f.name == spec.form) else {
                let names: Vec<&str> = forms.iter().map(|(_, f)| f.name.as_str()).collect();
                return Err(invalid(
                    at("form"),
                    format!("form {:?} not found; the review's forms are: {}", spec.form, names.join(", ")),
                ));
            };
            let named = |e: ServiceError| match e {
                ServiceError::Invalid { field, message } => {
                    invalid(at(field.trim_start_matches("--")), message)
                }
                other => other,
            };
            if let Some(stream) = &spec.stream {
                require_stream(&streams, stream).map_err(named)?;
            }
            let columns = form_columns(form, &spec.renames()).map_err(named)?;
            // The columns the measure, subgroup and moderators need, named as `sift meta` names them.
            column_plan(&format!("form {}", spec.form), &columns, &spec.meta_spec()?).map_err(
                |e| match e {
                    ServiceError::Invalid { message, .. } => {
                        invalid(format!("analysis {}", spec.name), message)
                    }
                    other => other,
                },
            )?;
        }
        for spec in &specs {
            let stored = serde_json::to_string(spec).map_err(|e| invalid("analysis", e.to_string()))?;
            set_spec(tx.conn(), SpecKind::Analysis, self.review.id, &spec.name, &stored, &now).await?;
        }
        let names: Vec<String> = specs.iter().map(|s| s.name.clone()).collect();
        sift_store::reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "report.analyses_set",
            None,
            &serde_json::json!({ "analyses": names }),
        )
        .await?;
        tx.commit().await?;
        Ok(names)
    }

    /// The review's meta-analysis specs, in the order first added.
    pub async fn report_analyses(&self) -> ServiceResult<Vec<AnalysisSpec>> {
        self.stored_specs(SpecKind::Analysis).await
    }

    /// Removes a meta-analysis spec. Owners only.
    pub async fn remove_report_analysis(&self, actor: &crate::Actor, name: &str) -> ServiceResult<()> {
        self.remove_spec(actor, SpecKind::Analysis, name).await
    }

    /// Runs a stored analysis on the form's current consensus values.
    pub async fn run_analysis(&self, name: &str) -> ServiceResult<(AnalysisSpec, MetaAnalysis)> {
        let Some(spec) = self.report_analyses().await?.into_iter().find(|a| a.name == name) else {
            let mut conn = self.store.read().await?;
            return Err(self.unknown_spec(&mut conn, SpecKind::Analysis, name).await);
        };
        let analysis = self.run_spec(&spec).await?;
        Ok((spec, analysis))
    }

    /// Runs an analysis spec on the form's current consensus values.
    pub async fn run_spec(&self, spec: &AnalysisSpec) -> ServiceResult<MetaAnalysis> {
        self.meta_analysis(&spec.form, spec.stream.as_deref(), &spec.renames(), &spec.meta_spec()?).await
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Cells that look like what spreadsheets hold: numbers, blanks, words, odd values.
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            12 => (1u32..500).prop_map(|n| n.to_string()),
            4 => (0.1f64..5.0).prop_map(|x| format!("{x:.3}")),
            1 => Just(String::new()),
            1 => Just("NaN".to_string()),
            1 => Just("inf".to_string()),
            1 => Just("1e308".to_string()),
            2 => Just("0".to_string()),
            1 => "[a-z ]{0,6}",
        ]
    }

    proptest! {
        /// Whatever a table holds, reading and pooling it gives a result or a message, never a
        /// panic, and a result's numbers are finite where a reader sees them.
        #[test]
        fn any_table_gives_a_result_or_a_message(
            rows in proptest::collection::vec((proptest::collection::vec(cell(), 7), "[abc]"), 1..12),
            which in 0usize..5,
        ) {
            let measure = [Measure::RiskRatio, Measure::OddsRatio, Measure::MeanDifference, Measure::StandardizedMeanDifference, Measure::Ratio][which];
            let header = if measure.is_binary() {
                "study,events1,total1,events2,total2,g,x,y"
            } else if measure.is_continuous() {
                "study,mean1,sd1,n1,mean2,sd2,n2,g"
            } else {
                "study,estimate,lower,upper,g,x,y,z"
            };
            let mut text = format!("{header}\n");
            // The subgroup is the last column of each header but the first; labels are words.
            for (i, (row, group)) in rows.iter().enumerate() {
                let mut cells = row.clone();
                cells.insert(header.split(',').position(|h| h == "g").unwrap_or(1) - 1, group.clone());
                cells.truncate(7);
                text.push_str(&format!("s{i},{}\n", cells.join(",")));
            }
            let mut spec = MetaSpec::new(measure);
            spec.subgroup = Some("g".into());
            if let Ok(studies) = read_meta_text("t.csv", &text, &spec)
                && let Ok(analysis) = meta_analyse("t.csv", studies, &spec)
            {
                let summary = analysis.summary();
                prop_assert!(!summary.contains("NaN"), "{summary}");
                let svg = sift_report::forest::forest_svg(&analysis.forest(None));
                prop_assert!(!svg.contains("NaN"));
                let _ = sift_report::forest::funnel_svg(&analysis.funnel(None));
            }
        }
    }

    /// Studies of every kind, valid by construction: each table pools, with every method,
    /// pooling and test, and its text and plots hold no NaN.
    fn study() -> impl Strategy<Value = (u32, u32, u32, u32, f64, f64, f64, f64)> {
        (0u32..40, 2u32..400, 0u32..40, 2u32..400, -3.0f64..3.0, 0.2f64..3.0, 0.05f64..0.95, 0u32..3)
            .prop_map(|(e1, extra1, e2, extra2, m, sd, f, g)| {
                (e1, e1 + extra1, e2, e2 + extra2, m, sd, f, f64::from(g))
            })
    }

    #[test]
    fn every_needed_column_has_the_names_the_reader_takes() {
        for measure in Measure::ALL {
            for reported in [Reported::Interval, Reported::StandardError, Reported::Variance] {
                for need in needed_columns(measure, reported) {
                    assert_eq!(column_names(need).first(), Some(&need), "{measure:?} {need}");
                }
            }
        }
        assert!(column_names("total1").contains(&"n1"));
        for column in median_columns(Measure::MeanDifference) {
            assert_eq!(column_names(column).first(), Some(&column));
        }
        assert!(column_names("lq1").contains(&"q1_1") && median_columns(Measure::RiskRatio).is_empty());
    }

    proptest! {
        #[test]
        fn valid_studies_always_pool(
            studies in proptest::collection::vec(study(), 1..15),
            method in 0usize..6,
            test in 0usize..3,
        ) {
            for measure in [Measure::RiskRatio, Measure::OddsRatio, Measure::RiskDifference, Measure::StandardizedMeanDifference, Measure::Ratio] {
                let mut text = String::from("study,events1,total1,events2,total2,mean1,sd1,n1,mean2,sd2,n2,estimate,lower,upper,g\n");
                for (i, (e1, n1, e2, n2, m, sd, f, g)) in studies.iter().enumerate() {
                    let est = m.exp();
                    text.push_str(&format!(
                        "s{i},{e1},{n1},{e2},{n2},{m},{sd},{n1},0,{sd},{n2},{est},{},{},{g}\n",
                        est * f,
                        est / f
                    ));
                }
                let mut spec = MetaSpec::new(measure);
                spec.method = sift_stats::Method::ALL[method];
                spec.test = [Test::Z, Test::Hksj, Test::HksjAdhoc][test];
                spec.subgroup = Some("g".into());
                spec.trim_and_fill = Some([Estimator::L0, Estimator::R0, Estimator::Q0][test]);
                spec.influence = true;
                spec.cumulative = true;
                spec.cumulative_by = Some("g".into());
                let read = read_meta_text("t.csv", &text, &spec);
                prop_assert!(read.is_ok(), "{:?}", read.err());
                match meta_analyse("t.csv", read.unwrap(), &spec) {
                    Ok(analysis) => {
                        let summary = analysis.summary();
                        prop_assert!(!summary.contains("NaN"), "{summary}");
                        prop_assert!(!sift_report::forest::forest_svg(&analysis.forest(None)).contains("NaN"));
                        prop_assert!(!sift_report::forest::funnel_svg(&analysis.funnel(None)).contains("NaN"));
                        if let Some(plot) = analysis.trim_and_fill_funnel(None) {
                            prop_assert!(!sift_report::forest::funnel_svg(&plot).contains("NaN"));
                        }
                        let cumulative = analysis.cumulative_forest(None).expect("asked for");
                        prop_assert!(!sift_report::forest::forest_svg(&cumulative).contains("NaN"));
                        let last = analysis.cumulative.last().expect("a row per study");
                        prop_assert!((last.pooled.estimate - analysis.fit.pooled().estimate).abs() < 1e-9);
                    }
                    // Refusals are sentences about the data, not failures of the code. ML and
                    // REML can fail to converge on a few very unequal studies: metafor's Fisher
                    // scoring refuses the same data (the saved case in proptest-regressions).
                    Err(e) => {
                        let message = e.to_string();
                        prop_assert!(
                            message.contains("needs more studies")
                                || message.contains("no study has an estimable effect")
                                || message.contains("did not converge"),
                            "{message}"
                        );
                    }
                }
            }
        }
    }
}
