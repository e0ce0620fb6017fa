//! Forest and funnel plots of a meta-analysis, drawn as RevMan, metafor and meta draw them: an
//! SVG with text kept as text in DejaVu Sans, laid out from the fonts' real widths.
//!
//! The plots take their own plain values (labels, estimates, bounds, weights), never the
//! statistics crate's types: whoever computes a meta-analysis fills these in. Estimates on a
//! ratio scale are given as natural logarithms ([`Scale::Log`]) and drawn on a log axis labelled
//! with the ratios themselves.
//!
//! Nothing a caller passes makes a plot panic or write `NaN`: a study without a finite estimate
//! is listed as "not estimable", a bound at infinity (or far past the others) is cut at the edge
//! of the axis and marked with an arrowhead.

use std::f64::consts::LN_10;
use std::fmt::{self, Write as _};

use crate::flow::escape;
use crate::fonts;

/// How estimates are given and drawn. `Log`: every estimate and bound is on the natural-log scale
/// (log risk ratio, log odds ratio); the axis is drawn in log space but labelled with exp(x)
/// (0.1, 0.2, 0.5, 1, 2, 5, 10 ...), and the numbers in the text column are exp(x).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Linear,
    Log,
}

/// One study's line of a forest plot.
#[derive(Clone, Debug, PartialEq)]
pub struct ForestRow {
    /// "Aronson 1948"
    pub label: String,
    pub estimate: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    /// Percent of the pooled weight (drawn as the square's area and printed in a column).
    pub weight_percent: Option<f64>,
}

/// A pooled estimate, drawn as a diamond.
#[derive(Clone, Debug, PartialEq)]
pub struct ForestSummary {
    /// "Random effects (REML)"
    pub label: String,
    pub estimate: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    /// Prediction interval, drawn as a thin line (or bar) through the diamond.
    pub prediction: Option<(f64, f64)>,
    /// One line under the diamond, e.g. "Heterogeneity: τ² = 0.31; I² = 92%; Q = 152.23, df = 12, p < 0.001".
    pub note: Option<String>,
}

/// The studies of one subgroup (or all of them, for an analysis without subgroups).
#[derive(Clone, Debug, PartialEq)]
pub struct ForestGroup {
    /// A subgroup's heading ("random"); None for an analysis without subgroups.
    pub heading: Option<String>,
    pub rows: Vec<ForestRow>,
    /// The subgroup's own pooled estimate (None when only the overall is drawn).
    pub summary: Option<ForestSummary>,
}

/// Everything a forest plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct ForestPlot {
    pub title: Option<String>,
    /// The measure as a reader knows it: "Risk ratio", "Mean difference".
    pub measure: String,
    pub scale: Scale,
    pub groups: Vec<ForestGroup>,
    pub overall: Option<ForestSummary>,
    /// One line at the very bottom, e.g. "Test for subgroup differences: Q = 1.23, df = 2, p = 0.54".
    pub footnote: Option<String>,
    /// Labels under the axis on either side of the line of no effect: ("Favours vaccine", "Favours control").
    pub favours: Option<(String, String)>,
    /// The line of no effect on the analysis scale (0 for both log ratios and differences); None draws none.
    pub null_line: Option<f64>,
    /// Decimal places of the numbers in the text column (2 is usual).
    pub decimals: usize,
}

/// One study of a funnel plot.
#[derive(Clone, Debug, PartialEq)]
pub struct FunnelPoint {
    pub label: String,
    pub estimate: f64,
    pub se: f64,
}

/// Everything a funnel plot shows.
#[derive(Clone, Debug, PartialEq)]
pub struct FunnelPlot {
    pub title: Option<String>,
    pub measure: String,
    pub scale: Scale,
    pub points: Vec<FunnelPoint>,
    /// The pooled (usually fixed-effect) estimate the funnel is centred on.
    pub center: f64,
    /// Studies trim and fill added, drawn as open circles.
    pub filled: Vec<FunnelPoint>,
    /// e.g. "Egger's test: intercept 1.23 (95% CI ...), t = 2.1, df = 11, p = 0.06".
    pub note: Option<String>,
}

const FONT: f32 = 12.0;
const SMALL: f32 = 11.0;
const TITLE: f32 = 15.0;
const PAD: f32 = 16.0;
const ROW: f32 = 20.0;
const NOTE_ROW: f32 = 16.0;
const GROUP_GAP: f32 = 10.0;
const COLUMN_GAP: f32 = 20.0;
const PLOT_WIDTH: f32 = 300.0;
/// The side of the square of the heaviest study.
const MAX_SIDE: f32 = 14.0;
/// The side of the square of the lightest study, so that it still shows.
const MIN_SIDE: f32 = 3.5;
const DIAMOND_HALF_HEIGHT: f32 = 6.5;
const ARROW_LENGTH: f32 = 6.0;
const ARROW_HALF_WIDTH: f32 = 3.5;
const TICK: f32 = 5.0;
const FUNNEL_WIDTH: f32 = 380.0;
const FUNNEL_HEIGHT: f32 = 280.0;
const POINT_RADIUS: f32 = 3.5;

const INK: &str = "#1a1a1a";
const SQUARE_FILL: &str = "#2c4f7c";
const DIAMOND_FILL: &str = "#1a1a1a";
const MUTED: &str = "#555555";
const GUIDE: &str = "#8c8c8c";
const REGION: &str = "#ececec";

/// How far a study's bound may lie past the ordinary ones, as a share of their span, before the
/// axis stops following it and cuts it with an arrow instead.
const REACH: f64 = 0.5;
/// An estimate this many median absolute deviations from the median does not set the axis by
/// itself.
const OUTLYING: f64 = 10.0;
/// A study whose interval is this many times wider than the median interval does not set the
/// axis by itself.
const WIDE: f64 = 4.0;

/// A coordinate or size written with two decimals; anything not finite is written as 0 (it is
/// never drawn that way on purpose: values are checked before they get here).
struct P(f32);

impl fmt::Display for P {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.0.is_finite() { self.0 } else { 0.0 };
        let s = format!("{v:.2}");
        f.write_str(if s == "-0.00" { "0.00" } else { &s })
    }
}

/// The baseline that centres a line of text of size `size` on `cy`.
fn baseline(cy: f32, size: f32) -> f32 {
    cy + (fonts::ascent(size) - fonts::descent(size)) / 2.0
}

/// Values past this magnitude (on the analysis scale) are treated as off every axis: beyond
/// them a linear axis's arithmetic loses meaning and exp() of a log value overflows.
fn usable(v: f64, scale: Scale) -> bool {
    let limit = match scale {
        Scale::Linear => 1e12,
        Scale::Log => 230.0,
    };
    v.is_finite() && v.abs() <= limit
}

/// A number for the text column: fixed decimals, a real minus sign, no "−0.00", and words
/// rather than `NaN`/`inf` ("NA", "∞").
fn number(v: f64, decimals: usize) -> String {
    if v.is_nan() {
        return "NA".to_owned();
    }
    if v.is_infinite() {
        return if v > 0.0 { "\u{221e}".to_owned() } else { "\u{2212}\u{221e}".to_owned() };
    }
    // Past ten million, a number is written in powers of ten rather than a row of digits.
    let s = if v.abs() >= 1e7 { format!("{v:.2e}") } else { format!("{v:.decimals$}") };
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_owned(),
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// A value as the reader sees it: exp() of a log ratio, the value itself otherwise.
fn shown(v: f64, scale: Scale) -> f64 {
    match scale {
        Scale::Linear => v,
        Scale::Log => v.exp(),
    }
}

/// The three right-aligned fields of the text column, ["0.41", "[0.13,", "1.26]"], or None when
/// there is no estimate.
fn estimate_fields(
    estimate: f64,
    lower: f64,
    upper: f64,
    scale: Scale,
    decimals: usize,
) -> Option<[String; 3]> {
    if !estimate.is_finite() {
        return None;
    }
    Some([
        number(shown(estimate, scale), decimals),
        format!("[{},", number(shown(lower, scale), decimals)),
        format!("{}]", number(shown(upper, scale), decimals)),
    ])
}

/// "0.41 [0.13, 1.26]", or "not estimable" when there is no estimate.
fn estimate_text(estimate: f64, lower: f64, upper: f64, scale: Scale, decimals: usize) -> String {
    match estimate_fields(estimate, lower, upper, scale, decimals) {
        Some([e, l, u]) => format!("{e} {l} {u}"),
        None => NOT_ESTIMABLE.to_owned(),
    }
}

const NOT_ESTIMABLE: &str = "not estimable";

fn weight_text(weight: Option<f64>) -> String {
    match weight {
        Some(w) if w.is_finite() => format!("{}%", number(w, 1)),
        _ => String::new(),
    }
}

/// One labelled tick, at `value` on the analysis scale.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tick {
    pub(crate) value: f64,
    pub(crate) label: String,
}

/// An axis from `lo` to `hi` (analysis scale; the first and last tick).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Axis {
    pub(crate) lo: f64,
    pub(crate) hi: f64,
    pub(crate) ticks: Vec<Tick>,
}

impl Axis {
    /// Where `v` falls, 0 at `lo` and 1 at `hi`, held to the axis.
    fn fraction(&self, v: f64) -> f64 {
        let f = (v - self.lo) / (self.hi - self.lo);
        if f.is_nan() { 0.0 } else { f.clamp(0.0, 1.0) }
    }

    fn slack(&self) -> f64 {
        (self.hi - self.lo) * 1e-9
    }

    fn below(&self, v: f64) -> bool {
        v < self.lo - self.slack()
    }

    fn above(&self, v: f64) -> bool {
        v > self.hi + self.slack()
    }
}

/// The span an axis must show. `core` is always shown (the pooled estimates and their
/// intervals, the line of no effect, the studies' estimates, the bounds of studies of ordinary
/// width); of `extra` (every bound), what lies within [`REACH`] of the core's span past it.
/// Anything further is cut at the edge with an arrow, so that one absurdly wide interval does
/// not squash every other study into a few pixels.
pub(crate) fn span(core: &[f64], extra: &[f64], scale: Scale) -> Option<(f64, f64)> {
    let core: Vec<f64> = core.iter().copied().filter(|v| usable(*v, scale)).collect();
    let extra: Vec<f64> = extra.iter().copied().filter(|v| usable(*v, scale)).collect();
    let seed = if core.is_empty() { &extra } else { &core };
    let lo = seed.iter().copied().reduce(f64::min)?;
    let hi = seed.iter().copied().reduce(f64::max)?;
    let reach = if hi > lo { (hi - lo) * REACH } else { lo.abs().max(1.0) * REACH };
    let lo = extra.iter().copied().filter(|v| *v >= lo - reach).fold(lo, f64::min);
    let hi = extra.iter().copied().filter(|v| *v <= hi + reach).fold(hi, f64::max);
    Some((lo, hi))
}

/// Which estimates are typical of the set: those within [`OUTLYING`] median absolute deviations
/// of the median (all of them when the deviation is 0). An estimate far from every other one
/// (a typing error, a ratio of a study with no events) is cut with an arrow rather than setting
/// the axis.
fn typical(values: &[f64]) -> impl Fn(f64) -> bool {
    let middle = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let median = middle(values.to_vec());
    let deviation = middle(values.iter().map(|v| (v - median).abs()).collect());
    move |v| deviation <= 0.0 || (v - median).abs() <= OUTLYING * deviation
}

/// Whether adjacent tick labels keep clear of each other along an axis `length` long, a label
/// taking `extent(label)` of it.
fn fits(axis: &Axis, length: f32, extent: &dyn Fn(&str) -> f32) -> bool {
    axis.ticks.windows(2).all(|pair| {
        let gap = (axis.fraction(pair[1].value) - axis.fraction(pair[0].value)) as f32 * length;
        gap >= (extent(&pair[0].label) + extent(&pair[1].label)) / 2.0 + 6.0
    })
}

/// A tick label: no trailing zeros, a real minus sign.
fn tick_label(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.') } else { &s };
    match s.strip_prefix('-') {
        Some("0") => "0".to_owned(),
        Some(rest) => format!("\u{2212}{rest}"),
        None => s.to_owned(),
    }
}

/// A linear axis over `lo..hi` with ticks every 1, 2 or 5 times a power of ten, at most ten
/// intervals, the first and last tick enclosing the data, labels that do not collide.
pub(crate) fn linear_axis(lo: f64, hi: f64, length: f32, extent: &dyn Fn(&str) -> f32) -> Axis {
    let (lo, hi) = if hi - lo > 1e-9 * lo.abs().max(hi.abs()).max(1e-9) {
        (lo, hi)
    } else {
        let pad = lo.abs().max(hi.abs()) * 0.5;
        let pad = if pad > 0.0 { pad } else { 1.0 };
        (lo - pad, hi + pad)
    };
    let span = hi - lo;
    let e0 = (span / 10.0).log10().floor() as i32;
    let mut fallback = None;
    for e in e0..=e0 + 3 {
        for m in [1.0, 2.0, 5.0] {
            let step = m * 10f64.powi(e);
            // A value a rounding error past a tick counts as on it.
            let first = (lo / step + 1e-9).floor();
            let mut last = (hi / step - 1e-9).ceil();
            if last - first > 10.0 {
                continue;
            }
            if last - first < 2.0 {
                last = first + 2.0;
            }
            let decimals = usize::try_from(-e).unwrap_or(0);
            let n = (last - first) as i64;
            let ticks: Vec<Tick> = (0..=n)
                .map(|i| {
                    let value = (first + i as f64) * step;
                    Tick { value, label: tick_label(value, decimals) }
                })
                .collect();
            let axis = Axis { lo: first * step, hi: last * step, ticks };
            if fits(&axis, length, extent) {
                return axis;
            }
            fallback = Some(axis);
        }
    }
    fallback.unwrap_or_else(|| Axis {
        lo: -1.0,
        hi: 1.0,
        ticks: vec![
            Tick { value: -1.0, label: "\u{2212}1".into() },
            Tick { value: 0.0, label: "0".into() },
            Tick { value: 1.0, label: "1".into() },
        ],
    })
}

/// `m` times ten to the `exponent`, written out exactly ("0.05", "1", "200").
fn power_label(m: u8, exponent: i64) -> String {
    let zeros = usize::try_from(exponent.unsigned_abs()).unwrap_or(0);
    if exponent >= 0 {
        format!("{m}{}", "0".repeat(zeros))
    } else {
        format!("0.{}{m}", "0".repeat(zeros - 1))
    }
}

/// A log axis over `lo..hi` (natural logs) with ticks at 1, 2 and 5 times powers of ten
/// (fewer when the labels would collide or there would be more than ten), labelled with the
/// ratios themselves; at least three ticks, the first and last enclosing the data.
pub(crate) fn log_axis(lo: f64, hi: f64, length: f32, extent: &dyn Fn(&str) -> f32) -> Axis {
    let (lo10, hi10) = (lo / LN_10, hi / LN_10);
    let (lo10, hi10) = if lo10 <= hi10 { (lo10, hi10) } else { (hi10, lo10) };
    let sets: [(&[u8], i64); 8] =
        [(&[1, 2, 5], 1), (&[1], 1), (&[1], 2), (&[1], 5), (&[1], 10), (&[1], 20), (&[1], 50), (&[1], 100)];
    let mut fallback = None;
    for (mantissas, every) in sets {
        let k0 = (lo10 / every as f64).floor() as i64 - 1;
        let k1 = (hi10 / every as f64).ceil() as i64 + 1;
        if k1 - k0 > 1000 {
            continue;
        }
        let candidates: Vec<(f64, String)> = (k0..=k1)
            .flat_map(|k| {
                mantissas.iter().map(move |&m| {
                    let exponent = k * every;
                    (exponent as f64 + f64::from(m).log10(), power_label(m, exponent))
                })
            })
            .collect();
        let mut a = candidates.iter().rposition(|c| c.0 <= lo10 + 1e-9).unwrap_or(0);
        let mut b = candidates.iter().position(|c| c.0 >= hi10 - 1e-9).unwrap_or(candidates.len() - 1);
        b = b.max(a);
        while b < a + 2 && (a > 0 || b + 1 < candidates.len()) {
            a = a.saturating_sub(1);
            if b < a + 2 && b + 1 < candidates.len() {
                b += 1;
            }
        }
        if b - a > 10 {
            continue;
        }
        let ticks: Vec<Tick> = candidates[a..=b]
            .iter()
            .map(|(t, label)| Tick { value: t * LN_10, label: label.clone() })
            .collect();
        let axis = Axis { lo: candidates[a].0 * LN_10, hi: candidates[b].0 * LN_10, ticks };
        if fits(&axis, length, extent) {
            return axis;
        }
        fallback = Some(axis);
    }
    fallback.unwrap_or_else(|| Axis {
        lo: -LN_10,
        hi: LN_10,
        ticks: vec![
            Tick { value: -LN_10, label: "0.1".into() },
            Tick { value: 0.0, label: "1".into() },
            Tick { value: LN_10, label: "10".into() },
        ],
    })
}

fn make_axis(scale: Scale, range: Option<(f64, f64)>, length: f32, extent: &dyn Fn(&str) -> f32) -> Axis {
    let (lo, hi) = range.unwrap_or((0.0, 0.0));
    match scale {
        Scale::Linear => linear_axis(lo, hi, length, extent),
        Scale::Log => log_axis(lo, hi, length, extent),
    }
}

/// The side of a study's square: its area in proportion to its weight, the heaviest study
/// [`MAX_SIDE`], none smaller than [`MIN_SIDE`]. Without weights every square is half size.
pub(crate) fn square_side(weight: Option<f64>, max_weight: Option<f64>) -> f32 {
    match (weight, max_weight) {
        (Some(w), Some(max)) if w.is_finite() && max.is_finite() && w > 0.0 && max > 0.0 => {
            (MAX_SIDE * (w / max).min(1.0).sqrt() as f32).max(MIN_SIDE)
        }
        (_, None) => MAX_SIDE / 2.0,
        _ => MIN_SIDE,
    }
}

/// An axis laid along the page: `x` at its start, `length` long.
struct Frame {
    axis: Axis,
    x: f32,
    length: f32,
}

impl Frame {
    fn at(&self, v: f64) -> f32 {
        self.x + self.axis.fraction(v) as f32 * self.length
    }

    fn end(&self) -> f32 {
        self.x + self.length
    }
}

/// A run of text with its baseline at `y`, starting at `x` unless anchored otherwise; built
/// up attribute by attribute and written as one `<text>` element on a line of its own.
#[derive(Clone, Copy)]
struct Text<'a> {
    x: f32,
    y: f32,
    size: f32,
    bold: bool,
    fill: Option<&'a str>,
    anchor: Option<&'static str>,
    upright: bool,
}

impl<'a> Text<'a> {
    fn at(x: f32, y: f32, size: f32) -> Self {
        Text { x, y, size, bold: false, fill: None, anchor: None, upright: false }
    }

    fn bold(self) -> Self {
        Text { bold: true, ..self }
    }

    fn fill(self, fill: &'a str) -> Self {
        Text { fill: Some(fill), ..self }
    }

    /// Ending at `x` (right-aligned).
    fn end(self) -> Self {
        Text { anchor: Some("end"), ..self }
    }

    /// Centred on `x`.
    fn middle(self) -> Self {
        Text { anchor: Some("middle"), ..self }
    }

    /// Turned a quarter turn anticlockwise about (`x`, `y`), to read up the page.
    fn upright(self) -> Self {
        Text { upright: true, ..self }
    }

    fn write(self, svg: &mut String, text: &str) {
        let _ = write!(svg, r#"<text x="{}" y="{}" font-size="{}""#, P(self.x), P(self.y), self.size);
        if self.bold {
            svg.push_str(r#" font-weight="bold""#);
        }
        if let Some(fill) = self.fill {
            let _ = write!(svg, r#" fill="{fill}""#);
        }
        if let Some(anchor) = self.anchor {
            let _ = write!(svg, r#" text-anchor="{anchor}""#);
        }
        if self.upright {
            let _ = write!(svg, r#" transform="rotate(-90 {} {})""#, P(self.x), P(self.y));
        }
        let _ = writeln!(svg, ">{}</text>", escape(text));
    }
}

/// How a line is drawn: its colour and width, solid or dashed.
#[derive(Clone, Copy)]
struct Stroke<'a> {
    colour: &'a str,
    width: f32,
    dashed: bool,
}

impl<'a> Stroke<'a> {
    fn solid(colour: &'a str, width: f32) -> Self {
        Stroke { colour, width, dashed: false }
    }

    fn dashed(colour: &'a str, width: f32) -> Self {
        Stroke { colour, width, dashed: true }
    }
}

impl fmt::Display for Stroke<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, r#"stroke="{}" stroke-width="{}""#, self.colour, self.width)?;
        if self.dashed {
            f.write_str(r#" stroke-dasharray="4 3""#)?;
        }
        Ok(())
    }
}

/// A straight line from `a` to `b`, on a line of its own.
fn line(svg: &mut String, a: (f32, f32), b: (f32, f32), stroke: Stroke<'_>) {
    segment(svg, a, b, stroke);
    svg.push('\n');
}

/// The `<line>` element alone, for a tick mark that its label follows on the same line.
fn segment(svg: &mut String, (x1, y1): (f32, f32), (x2, y2): (f32, f32), stroke: Stroke<'_>) {
    let _ = write!(svg, r#"<line x1="{}" y1="{}" x2="{}" y2="{}" {stroke}/>"#, P(x1), P(y1), P(x2), P(y2));
}

/// A filled triangle through three points; the element alone, the caller ends the line.
fn triangle(svg: &mut String, [(xa, ya), (xb, yb), (xc, yc)]: [(f32, f32); 3], fill: &str) {
    let _ = write!(
        svg,
        r#"<polygon points="{},{} {},{} {},{}" fill="{fill}"/>"#,
        P(xa),
        P(ya),
        P(xb),
        P(yb),
        P(xc),
        P(yc)
    );
}

/// An arrowhead whose tip is at (`x`, `cy`), pointing left or right.
fn arrowhead(svg: &mut String, x: f32, cy: f32, right: bool, fill: &str) {
    let back = if right { x - ARROW_LENGTH } else { x + ARROW_LENGTH };
    triangle(svg, [(x, cy), (back, cy - ARROW_HALF_WIDTH), (back, cy + ARROW_HALF_WIDTH)], fill);
    svg.push('\n');
}

/// A horizontal interval at height `cy`, cut at the axis's ends with arrowheads; `caps` draws
/// short end bars where the interval ends on the axis.
fn interval(svg: &mut String, frame: &Frame, (lo, hi): (f64, f64), cy: f32, colour: &str, caps: bool) {
    if lo.is_nan() || hi.is_nan() {
        return;
    }
    let (lo, hi) = if lo <= hi { (lo, hi) } else { (hi, lo) };
    let axis = &frame.axis;
    if axis.above(lo) {
        arrowhead(svg, frame.end(), cy, true, colour);
        return;
    }
    if axis.below(hi) {
        arrowhead(svg, frame.x, cy, false, colour);
        return;
    }
    let stroke = Stroke::solid(colour, 1.2);
    let (xa, xb) = (frame.at(lo), frame.at(hi));
    line(svg, (xa, cy), (xb, cy), stroke);
    for (x, out, right) in [(xa, axis.below(lo), false), (xb, axis.above(hi), true)] {
        if out {
            arrowhead(svg, x, cy, right, colour);
        } else if caps {
            line(svg, (x, cy - 3.5), (x, cy + 3.5), stroke);
        }
    }
}

/// A horizontal axis at `y`: the line, ticks, labels under them (small type).
fn horizontal_axis(svg: &mut String, frame: &Frame, y: f32) {
    let stroke = Stroke::solid(INK, 1.0);
    line(svg, (frame.x, y), (frame.end(), y), stroke);
    for tick in &frame.axis.ticks {
        let x = frame.at(tick.value);
        segment(svg, (x, y), (x, y + TICK), stroke);
        Text::at(x, y + TICK + 3.0 + fonts::ascent(SMALL), SMALL).middle().write(svg, &tick.label);
    }
}

/// The height of a line of small type under the axis (tick labels, titles, notes).
fn small_line() -> f32 {
    fonts::ascent(SMALL) + fonts::descent(SMALL) + 3.0
}

fn svg_head(svg: &mut String, width: f32, height: f32, label: &str) {
    let _ = write!(
        svg,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" font-family="{}" role="img" aria-label="{}">
<rect width="100%" height="100%" fill="#ffffff"/>
"##,
        fonts::SVG_FAMILIES,
        escape(label),
        w = width.ceil(),
        h = height.ceil(),
    );
}

/// One line of the forest plot, top to bottom.
enum Kind<'a> {
    Heading(&'a str),
    Study(&'a ForestRow),
    Summary(&'a ForestSummary),
    Note(&'a str),
    Gap,
}

struct Line<'a> {
    kind: Kind<'a>,
    /// The text column ("0.41 [0.13, 1.26]"), its three fields, and the weight column ("4.2%").
    text: String,
    fields: Option<[String; 3]>,
    weight: String,
    /// The centre of the line and its height.
    cy: f32,
    height: f32,
}

/// The forest plot's axis: pooled estimates, their intervals, the line of no effect and the
/// studies' typical estimates always; the bounds of studies of ordinary width; other bounds
/// and estimates within reach.
pub(crate) fn forest_axis(plot: &ForestPlot) -> Axis {
    let scale = plot.scale;
    let rows = || plot.groups.iter().flat_map(|g| g.rows.iter());
    let summaries = || plot.groups.iter().filter_map(|g| g.summary.as_ref()).chain(plot.overall.as_ref());
    let mut core: Vec<f64> = Vec::new();
    for s in summaries() {
        if s.estimate.is_finite() {
            core.extend([s.estimate, s.ci_lower, s.ci_upper]);
            if let Some((a, b)) = s.prediction {
                core.extend([a, b]);
            }
        }
    }
    core.extend(plot.null_line);
    let finite_rows: Vec<&ForestRow> = rows().filter(|r| usable(r.estimate, scale)).collect();
    let mut widths: Vec<f64> =
        finite_rows.iter().map(|r| (r.ci_upper - r.ci_lower).abs()).filter(|w| w.is_finite()).collect();
    widths.sort_by(f64::total_cmp);
    let median_width = widths.get(widths.len() / 2).copied();
    let estimates: Vec<f64> = finite_rows.iter().map(|r| r.estimate).collect();
    let typical = typical(&estimates);
    let mut extra: Vec<f64> = Vec::new();
    for r in &finite_rows {
        if !typical(r.estimate) {
            extra.extend([r.estimate, r.ci_lower, r.ci_upper]);
            continue;
        }
        core.push(r.estimate);
        let width = (r.ci_upper - r.ci_lower).abs();
        match median_width {
            Some(m) if width.is_finite() && width <= WIDE * m.max(1e-12) => {
                core.extend([r.ci_lower, r.ci_upper]);
            }
            _ => extra.extend([r.ci_lower, r.ci_upper]),
        }
    }
    let extent = |s: &str| fonts::text_width(s, SMALL, false);
    make_axis(scale, span(&core, &extra, scale), PLOT_WIDTH, &extent)
}

/// The forest plot as an SVG document (text as text, DejaVu Sans).
pub fn forest_svg(plot: &ForestPlot) -> String {
    let scale = plot.scale;
    let decimals = plot.decimals.min(6);
    let rows = || plot.groups.iter().flat_map(|g| g.rows.iter());

    // Weights: the heaviest study sets the squares; when the weights add up to 100 % they are
    // shares of the whole, and a subgroup's (or the overall) share is printed by its diamond.
    let weights: Vec<f64> = rows().filter_map(|r| r.weight_percent).filter(|w| w.is_finite()).collect();
    let max_weight = weights.iter().copied().filter(|w| *w > 0.0).reduce(f64::max);
    let has_weights = !weights.is_empty();
    let whole = (weights.iter().sum::<f64>() - 100.0).abs() <= 1.0;
    let share = |rows: &[ForestRow]| {
        let sum: f64 = rows.iter().filter_map(|r| r.weight_percent).filter(|w| w.is_finite()).sum();
        if whole { weight_text(Some(sum)) } else { String::new() }
    };

    let mut lines: Vec<Line<'_>> = Vec::new();
    for (i, group) in plot.groups.iter().enumerate() {
        if i > 0 {
            push(&mut lines, Kind::Gap, String::new(), scale, decimals);
        }
        if let Some(heading) = &group.heading {
            push(&mut lines, Kind::Heading(heading), String::new(), scale, decimals);
        }
        for row in &group.rows {
            push(&mut lines, Kind::Study(row), weight_text(row.weight_percent), scale, decimals);
        }
        if let Some(summary) = &group.summary {
            push(&mut lines, Kind::Summary(summary), share(&group.rows), scale, decimals);
            if let Some(note) = &summary.note {
                push(&mut lines, Kind::Note(note), String::new(), scale, decimals);
            }
        }
    }
    if let Some(overall) = &plot.overall {
        if !lines.is_empty() {
            push(&mut lines, Kind::Gap, String::new(), scale, decimals);
        }
        let all: Vec<ForestRow> = rows().cloned().collect();
        push(&mut lines, Kind::Summary(overall), share(&all), scale, decimals);
        if let Some(note) = &overall.note {
            push(&mut lines, Kind::Note(note), String::new(), scale, decimals);
        }
    }

    let axis = forest_axis(plot);

    // Columns, from measured text.
    let label_width = lines
        .iter()
        .map(|l| match l.kind {
            Kind::Heading(h) => fonts::text_width(h, FONT, true),
            Kind::Study(r) => fonts::text_width(&r.label, FONT, false),
            Kind::Summary(s) => fonts::text_width(&s.label, FONT, true),
            Kind::Note(_) | Kind::Gap => 0.0,
        })
        .fold(fonts::text_width("Study", FONT, true), f32::max);
    let text_title = format!("{} [95% CI]", plot.measure);
    // The text column: estimate, "[lower," and "upper]" each right-aligned in its own field,
    // so that the numbers line up whatever their signs and lengths. Numbers are never bold
    // (bold figures are wider and would break the alignment); a summary's label is.
    let space = fonts::text_width(" ", FONT, false);
    let mut field_widths = [0.0f32; 3];
    let mut other_width = fonts::text_width(&text_title, FONT, true);
    for line in &lines {
        match &line.fields {
            Some(fields) => {
                for (w, f) in field_widths.iter_mut().zip(fields) {
                    *w = w.max(fonts::text_width(f, FONT, false));
                }
            }
            None => other_width = other_width.max(fonts::text_width(&line.text, FONT, false)),
        }
    }
    let fields_width = field_widths.iter().sum::<f32>() + 2.0 * space;
    let text_width = fields_width.max(other_width);
    let weight_width = lines
        .iter()
        .map(|l| fonts::text_width(&l.weight, FONT, false))
        .fold(fonts::text_width("Weight", FONT, true), f32::max);
    let plot_x = PAD + label_width + COLUMN_GAP;
    let frame = Frame { axis, x: plot_x, length: PLOT_WIDTH };
    let text_right = frame.end() + COLUMN_GAP + text_width;
    let weight_right = text_right + COLUMN_GAP + weight_width;
    let upper_right = text_right;
    let lower_right = upper_right - field_widths[2] - space;
    let estimate_right = lower_right - field_widths[1] - space;
    let columns = Columns { fields: [estimate_right, lower_right, upper_right], weight: weight_right };
    let content_right = if has_weights { weight_right } else { text_right };

    let note_widths = lines
        .iter()
        .filter_map(|l| match l.kind {
            Kind::Note(n) => Some(fonts::text_width(n, SMALL, false)),
            _ => None,
        })
        .chain(plot.footnote.as_deref().map(|f| fonts::text_width(f, SMALL, false)))
        .fold(0.0, f32::max);
    let title_width = plot.title.as_deref().map_or(0.0, |t| fonts::text_width(t, TITLE, true));
    let mut width = (content_right + PAD).max(2.0 * PAD + note_widths).max(2.0 * PAD + title_width);

    // Rows, top to bottom.
    let mut y = PAD;
    let title_baseline = y + fonts::ascent(TITLE);
    if plot.title.is_some() {
        y += TITLE + 14.0;
    }
    let header_baseline = y + fonts::ascent(FONT);
    let rule_y = header_baseline + fonts::descent(FONT) + 5.0;
    let top = rule_y + 4.0;
    y = top;
    for line in &mut lines {
        line.cy = y + line.height / 2.0;
        y += line.height;
    }
    let axis_y = y + 6.0;
    let ticks_baseline = axis_y + TICK + 3.0 + fonts::ascent(SMALL);
    let measure_baseline = ticks_baseline + small_line() + 2.0;
    let mut bottom = measure_baseline + fonts::descent(FONT);

    // The favours labels sit either side of the line of no effect (or of the middle).
    let null_x = plot.null_line.filter(|v| v.is_finite()).map(|v| frame.at(v));
    let favours = plot.favours.as_ref().map(|(left, right)| {
        let pivot = null_x.unwrap_or(frame.x + frame.length / 2.0);
        let (lw, rw) = (fonts::text_width(left, SMALL, false), fonts::text_width(right, SMALL, false));
        let left_end = (pivot - 8.0).max(PAD + lw);
        let right_start = pivot + 8.0;
        width = width.max(right_start + rw + PAD);
        let baseline = bottom + 4.0 + fonts::ascent(SMALL);
        bottom = baseline + fonts::descent(SMALL);
        (left.as_str(), right.as_str(), left_end, right_start, baseline)
    });
    let footnote_baseline = bottom + 10.0 + fonts::ascent(SMALL);
    if plot.footnote.is_some() {
        bottom = footnote_baseline + fonts::descent(SMALL);
    }
    let measure_width = fonts::text_width(&plot.measure, FONT, false);
    let measure_x = (frame.x + frame.length / 2.0).max(PAD + measure_width / 2.0);
    width = width.max(measure_x + measure_width / 2.0 + PAD);
    let height = bottom + PAD;

    let studies = rows().count();
    let mut svg = String::new();
    svg_head(&mut svg, width, height, &format!("Forest plot: {}, {studies} studies", plot.measure));
    if let Some(title) = &plot.title {
        Text::at(PAD, title_baseline, TITLE).bold().write(&mut svg, title);
    }
    Text::at(PAD, header_baseline, FONT).bold().write(&mut svg, "Study");
    Text::at(text_right, header_baseline, FONT).bold().end().write(&mut svg, &text_title);
    if has_weights {
        Text::at(weight_right, header_baseline, FONT).bold().end().write(&mut svg, "Weight");
    }
    line(&mut svg, (PAD, rule_y), (content_right, rule_y), Stroke::solid(INK, 0.8));

    // The vertical guides run from the first row to the axis, broken where a note's text
    // would cross them.
    let breaks: Vec<(f32, f32, f32)> = lines
        .iter()
        .filter_map(|l| match l.kind {
            Kind::Note(n) => Some((
                l.cy - l.height / 2.0,
                l.cy + l.height / 2.0,
                PAD + fonts::text_width(n, SMALL, false) + 4.0,
            )),
            _ => None,
        })
        .collect();
    let guide = |svg: &mut String, x: f32, stroke: Stroke<'_>| {
        let mut from = top;
        for &(b0, b1, reach) in &breaks {
            if reach >= x {
                if b0 > from {
                    line(svg, (x, from), (x, b0), stroke);
                }
                from = b1;
            }
        }
        if axis_y > from {
            line(svg, (x, from), (x, axis_y), stroke);
        }
    };
    let on_axis = |v: f64| v.is_finite() && !frame.axis.below(v) && !frame.axis.above(v);
    if let Some(v) = plot.null_line.filter(|v| on_axis(*v)) {
        guide(&mut svg, frame.at(v), Stroke::solid(GUIDE, 1.0));
    }
    if let Some(e) = plot.overall.as_ref().map(|o| o.estimate).filter(|e| on_axis(*e)) {
        guide(&mut svg, frame.at(e), Stroke::dashed(GUIDE, 1.0));
    }

    for line in &lines {
        let cy = line.cy;
        let text_y = baseline(cy, FONT);
        match line.kind {
            Kind::Gap => {}
            Kind::Heading(heading) => Text::at(PAD, text_y, FONT).bold().write(&mut svg, heading),
            Kind::Note(note) => Text::at(PAD, baseline(cy, SMALL), SMALL).fill(MUTED).write(&mut svg, note),
            Kind::Study(row) => {
                Text::at(PAD, text_y, FONT).write(&mut svg, &row.label);
                if usable(row.estimate, scale) {
                    let _ = writeln!(
                        svg,
                        "<g><title>{}</title>",
                        escape(&format!("{}: {}", row.label, line.text))
                    );
                    let lower = if row.ci_lower.is_nan() { row.estimate } else { row.ci_lower };
                    let upper = if row.ci_upper.is_nan() { row.estimate } else { row.ci_upper };
                    interval(&mut svg, &frame, (lower, upper), cy, INK, false);
                    if frame.axis.below(row.estimate) || frame.axis.above(row.estimate) {
                        // Only the arrowhead of the interval shows where it went.
                    } else {
                        let side = square_side(row.weight_percent, max_weight);
                        let cx = frame.at(row.estimate);
                        let _ = writeln!(
                            svg,
                            r#"<rect class="square" x="{}" y="{}" width="{}" height="{}" fill="{SQUARE_FILL}"/>"#,
                            P(cx - side / 2.0),
                            P(cy - side / 2.0),
                            P(side),
                            P(side)
                        );
                    }
                    svg.push_str("</g>\n");
                }
                columns.draw(&mut svg, line, text_y);
            }
            Kind::Summary(summary) => {
                Text::at(PAD, text_y, FONT).bold().write(&mut svg, &summary.label);
                if usable(summary.estimate, scale) {
                    diamond(&mut svg, &frame, summary, cy, &line.text);
                }
                columns.draw(&mut svg, line, text_y);
            }
        }
    }

    horizontal_axis(&mut svg, &frame, axis_y);
    Text::at(measure_x, measure_baseline, FONT).middle().write(&mut svg, &plot.measure);
    if let Some((left, right, left_end, right_start, baseline)) = favours {
        Text::at(left_end, baseline, SMALL).end().write(&mut svg, left);
        Text::at(right_start, baseline, SMALL).write(&mut svg, right);
    }
    if let Some(footnote) = &plot.footnote {
        Text::at(PAD, footnote_baseline, SMALL).fill(MUTED).write(&mut svg, footnote);
    }
    svg.push_str("</svg>\n");
    svg
}

fn push<'a>(lines: &mut Vec<Line<'a>>, kind: Kind<'a>, weight: String, scale: Scale, decimals: usize) {
    let height = match kind {
        Kind::Note(_) => NOTE_ROW,
        Kind::Gap => GROUP_GAP,
        _ => ROW,
    };
    let numbers = match kind {
        Kind::Study(r) => Some((r.estimate, r.ci_lower, r.ci_upper)),
        Kind::Summary(s) => Some((s.estimate, s.ci_lower, s.ci_upper)),
        _ => None,
    };
    let (text, fields) = match numbers {
        Some((e, l, u)) => {
            (estimate_text(e, l, u, scale, decimals), estimate_fields(e, l, u, scale, decimals))
        }
        None => (String::new(), None),
    };
    lines.push(Line { kind, text, fields, weight, cy: 0.0, height });
}

/// Where the text column's fields and the weight column end (all right-aligned).
struct Columns {
    fields: [f32; 3],
    weight: f32,
}

impl Columns {
    fn draw(&self, svg: &mut String, line: &Line<'_>, y: f32) {
        match &line.fields {
            Some(fields) => {
                for (&x, field) in self.fields.iter().zip(fields) {
                    Text::at(x, y, FONT).end().write(svg, field);
                }
            }
            None => Text::at(self.fields[2], y, FONT).fill(MUTED).end().write(svg, &line.text),
        }
        if !line.weight.is_empty() {
            Text::at(self.weight, y, FONT).end().write(svg, &line.weight);
        }
    }
}

/// A pooled estimate: the prediction interval as a thin capped line, the diamond over it.
fn diamond(svg: &mut String, frame: &Frame, summary: &ForestSummary, cy: f32, text: &str) {
    let _ = writeln!(svg, "<g><title>{}</title>", escape(&format!("{}: {text}", summary.label)));
    if let Some((a, b)) = summary.prediction {
        interval(svg, frame, (a, b), cy, MUTED, true);
    }
    let e = summary.estimate;
    let lower = if summary.ci_lower.is_nan() { e } else { summary.ci_lower.min(e) };
    let upper = if summary.ci_upper.is_nan() { e } else { summary.ci_upper.max(e) };
    let (xl, xc, xr) = (frame.at(lower), frame.at(e), frame.at(upper));
    let _ = writeln!(
        svg,
        r#"<polygon class="diamond" points="{},{} {},{} {},{} {},{}" fill="{DIAMOND_FILL}"/>"#,
        P(xl),
        P(cy),
        P(xc),
        P(cy - DIAMOND_HALF_HEIGHT),
        P(xr),
        P(cy),
        P(xc),
        P(cy + DIAMOND_HALF_HEIGHT)
    );
    svg.push_str("</g>\n");
}

/// The funnel plot as an SVG document: estimates across, standard errors down (0 at the top),
/// the pseudo 95 % confidence region around `center` shaded.
pub fn funnel_svg(plot: &FunnelPlot) -> String {
    let scale = plot.scale;
    let drawable =
        |p: &&FunnelPoint| usable(p.estimate, scale) && p.se.is_finite() && p.se >= 0.0 && p.se <= 1e12;
    let points: Vec<&FunnelPoint> = plot.points.iter().filter(drawable).collect();
    // Observed studies, then those filled in (open circles).
    let all: Vec<(&FunnelPoint, bool)> = points
        .iter()
        .map(|p| (*p, false))
        .chain(plot.filled.iter().filter(drawable).map(|p| (p, true)))
        .collect();
    let center = Some(plot.center).filter(|c| usable(*c, scale));

    // Standard errors: the largest ordinary one sets the depth; one far larger than the rest
    // is drawn at the bottom edge with an arrow rather than squashing the funnel.
    let mut ses: Vec<f64> = all.iter().map(|(p, _)| p.se).collect();
    ses.sort_by(f64::total_cmp);
    let median = ses.get(ses.len() / 2).copied().unwrap_or(0.0);
    let ordinary = ses.iter().copied().filter(|s| median <= 0.0 || *s <= WIDE * median).fold(0.0, f64::max);
    let deepest = ses.iter().copied().filter(|s| *s <= ordinary * (1.0 + REACH)).fold(ordinary, f64::max);
    let deepest = if deepest > 0.0 { deepest } else { 1.0 };
    let y_extent = |_: &str| SMALL * 1.2;
    let se_axis = linear_axis(0.0, deepest, FUNNEL_HEIGHT, &y_extent);
    let se_max = se_axis.hi;

    let mut core: Vec<f64> = Vec::new();
    let mut extra: Vec<f64> = Vec::new();
    if let Some(c) = center {
        core.extend([c, c - 1.96 * se_max, c + 1.96 * se_max]);
    }
    let estimates: Vec<f64> = all.iter().map(|(p, _)| p.estimate).collect();
    let typical = typical(&estimates);
    for (p, _) in &all {
        if p.se <= se_max && typical(p.estimate) {
            core.push(p.estimate);
        } else {
            extra.push(p.estimate);
        }
    }
    let extent = |s: &str| fonts::text_width(s, SMALL, false);
    let x_axis = make_axis(scale, span(&core, &extra, scale), FUNNEL_WIDTH, &extent);

    let y_label_width = se_axis.ticks.iter().map(|t| extent(&t.label)).fold(0.0, f32::max);
    let title_width = plot.title.as_deref().map_or(0.0, |t| fonts::text_width(t, TITLE, true));
    let mut y = PAD;
    let title_baseline = y + fonts::ascent(TITLE);
    if plot.title.is_some() {
        y += TITLE + 16.0;
    }
    let plot_top = y + fonts::ascent(SMALL) / 2.0;
    let plot_x = PAD + fonts::ascent(FONT) + fonts::descent(FONT) + 8.0 + y_label_width + TICK + 4.0;
    let frame = Frame { axis: x_axis, x: plot_x, length: FUNNEL_WIDTH };
    let se_frame = Frame { axis: se_axis, x: plot_top, length: FUNNEL_HEIGHT };
    let axis_y = plot_top + FUNNEL_HEIGHT;
    let measure_baseline = axis_y + TICK + 3.0 + fonts::ascent(SMALL) + small_line() + 2.0;
    let mut bottom = measure_baseline + fonts::descent(FONT);
    let note_baseline = bottom + 10.0 + fonts::ascent(SMALL);
    let note_width = plot.note.as_deref().map_or(0.0, |n| fonts::text_width(n, SMALL, false));
    if plot.note.is_some() {
        bottom = note_baseline + fonts::descent(SMALL);
    }
    let width = (frame.end() + PAD + 8.0).max(PAD * 2.0 + title_width).max(PAD * 2.0 + note_width);
    let height = bottom + PAD;

    let mut svg = String::new();
    svg_head(&mut svg, width, height, &format!("Funnel plot: {}, {} studies", plot.measure, points.len()));
    if let Some(title) = &plot.title {
        Text::at(PAD, title_baseline, TITLE).bold().write(&mut svg, title);
    }

    // The pseudo confidence region and the line through the centre.
    if let Some(c) = center {
        let (x0, y0) = (frame.at(c), se_frame.at(0.0));
        let (xl, xr, yb) = (frame.at(c - 1.96 * se_max), frame.at(c + 1.96 * se_max), se_frame.at(se_max));
        triangle(&mut svg, [(x0, y0), (xl, yb), (xr, yb)], REGION);
        svg.push('\n');
        for x in [xl, xr] {
            line(&mut svg, (x0, y0), (x, yb), Stroke::dashed(GUIDE, 1.0));
        }
        line(&mut svg, (x0, y0), (x0, yb), Stroke::solid(MUTED, 1.0));
    }

    // Axes: standard error down the left, the estimate along the bottom.
    let stroke = Stroke::solid(INK, 1.0);
    line(&mut svg, (plot_x, plot_top), (plot_x, axis_y), stroke);
    for tick in &se_frame.axis.ticks {
        let ty = se_frame.at(tick.value);
        segment(&mut svg, (plot_x - TICK, ty), (plot_x, ty), stroke);
        Text::at(plot_x - TICK - 3.0, baseline(ty, SMALL), SMALL).end().write(&mut svg, &tick.label);
    }
    let y_title = Text::at(PAD + fonts::ascent(FONT), plot_top + FUNNEL_HEIGHT / 2.0, FONT);
    y_title.middle().upright().write(&mut svg, "Standard error");
    horizontal_axis(&mut svg, &frame, axis_y);
    Text::at(frame.x + frame.length / 2.0, measure_baseline, FONT).middle().write(&mut svg, &plot.measure);

    // The studies: circles (open for those filled in), or arrowheads at the edge for those
    // past it.
    for (p, filled) in &all {
        let (x, py) = (frame.at(p.estimate), se_frame.at(p.se));
        let title =
            escape(&format!("{}: {} (SE {})", p.label, number(shown(p.estimate, scale), 2), number(p.se, 3)));
        let _ = write!(svg, "<g><title>{title}</title>");
        if frame.axis.below(p.estimate) || frame.axis.above(p.estimate) {
            arrowhead(&mut svg, x, py, frame.axis.above(p.estimate), SQUARE_FILL);
        } else if se_frame.axis.above(p.se) {
            let back = py - ARROW_LENGTH;
            triangle(
                &mut svg,
                [(x, py), (x - ARROW_HALF_WIDTH, back), (x + ARROW_HALF_WIDTH, back)],
                SQUARE_FILL,
            );
        } else {
            let (class, fill, stroke) =
                if *filled { ("filled", "#ffffff", SQUARE_FILL) } else { ("point", SQUARE_FILL, "#ffffff") };
            let width = if *filled { 1.2 } else { 0.6 };
            let _ = write!(
                svg,
                r##"<circle class="{class}" cx="{}" cy="{}" r="{POINT_RADIUS}" fill="{fill}" fill-opacity="0.85" stroke="{stroke}" stroke-width="{width}"/>"##,
                P(x),
                P(py)
            );
        }
        svg.push_str("</g>\n");
    }
    if let Some(note) = &plot.note {
        Text::at(PAD, note_baseline, SMALL).fill(MUTED).write(&mut svg, note);
    }
    svg.push_str("</svg>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The 13 BCG vaccine trials (metafor's dat.bcg): label, log risk ratio, its variance,
    /// allocation.
    const BCG: [(&str, f64, f64, &str); 13] = [
        ("Aronson 1948", -0.8893, 0.3256, "random"),
        ("Ferguson & Simes 1949", -1.5854, 0.1946, "random"),
        ("Rosenthal et al 1960", -1.3481, 0.4154, "random"),
        ("Hart & Sutherland 1977", -1.4416, 0.0200, "random"),
        ("Frimodt-Moller et al 1973", -0.2175, 0.0512, "alternate"),
        ("Stein & Aronson 1953", -0.7861, 0.0069, "alternate"),
        ("Vandiviere et al 1973", -1.6209, 0.2230, "random"),
        ("TPT Madras 1980", 0.0120, 0.0040, "random"),
        ("Coetzee & Berjak 1968", -0.4694, 0.0564, "random"),
        ("Rosenthal et al 1961", -1.3713, 0.0730, "systematic"),
        ("Comstock et al 1974", -0.3394, 0.0124, "systematic"),
        ("Comstock & Webster 1969", 0.4459, 0.5325, "systematic"),
        ("Comstock et al 1976", -0.0173, 0.0714, "systematic"),
    ];
    const TAU2: f64 = 0.3132;
    const Z: f64 = 1.959964;

    fn bcg_rows(allocation: Option<&str>) -> Vec<ForestRow> {
        let total: f64 = BCG.iter().map(|t| 1.0 / (t.2 + TAU2)).sum();
        BCG.iter()
            .filter(|t| allocation.is_none_or(|a| a == t.3))
            .map(|&(label, yi, vi, _)| ForestRow {
                label: label.to_owned(),
                estimate: yi,
                ci_lower: yi - Z * vi.sqrt(),
                ci_upper: yi + Z * vi.sqrt(),
                weight_percent: Some(100.0 / (vi + TAU2) / total),
            })
            .collect()
    }

    fn bcg_overall() -> ForestSummary {
        ForestSummary {
            label: "Random effects (REML)".into(),
            estimate: -0.7145,
            ci_lower: -1.0669,
            ci_upper: -0.3622,
            prediction: Some((0.1546f64.ln(), 1.5490f64.ln())),
            note: Some(
                "Heterogeneity: \u{3c4}\u{b2} = 0.31; I\u{b2} = 92%; Q = 152.23, df = 12, p < 0.001".into(),
            ),
        }
    }

    /// A DerSimonian-Laird pool of a subgroup, for realistic subgroup diamonds.
    fn pooled(allocation: &str) -> (ForestSummary, f64, f64) {
        let trials: Vec<(f64, f64)> = BCG.iter().filter(|t| t.3 == allocation).map(|t| (t.1, t.2)).collect();
        let w: Vec<f64> = trials.iter().map(|t| 1.0 / t.1).collect();
        let sw: f64 = w.iter().sum();
        let fixed: f64 = trials.iter().zip(&w).map(|(t, w)| w * t.0).sum::<f64>() / sw;
        let q: f64 = trials.iter().zip(&w).map(|(t, w)| w * (t.0 - fixed).powi(2)).sum();
        let df = trials.len() as f64 - 1.0;
        let c = sw - w.iter().map(|w| w * w).sum::<f64>() / sw;
        let tau2 = ((q - df) / c).max(0.0);
        let wr: Vec<f64> = trials.iter().map(|t| 1.0 / (t.1 + tau2)).collect();
        let swr: f64 = wr.iter().sum();
        let est = trials.iter().zip(&wr).map(|(t, w)| w * t.0).sum::<f64>() / swr;
        let se = (1.0 / swr).sqrt();
        let i2 = if q > df { 100.0 * (q - df) / q } else { 0.0 };
        let summary = ForestSummary {
            label: "Random effects (DL)".into(),
            estimate: est,
            ci_lower: est - Z * se,
            ci_upper: est + Z * se,
            prediction: None,
            note: Some(format!(
                "Heterogeneity: \u{3c4}\u{b2} = {tau2:.2}; I\u{b2} = {i2:.0}%; Q = {q:.2}, df = {df:.0}"
            )),
        };
        (summary, est, swr)
    }

    fn bcg_plot(subgroups: bool) -> ForestPlot {
        let mut footnote = None;
        let groups = if subgroups {
            let mut groups = Vec::new();
            let mut between = Vec::new();
            for allocation in ["random", "alternate", "systematic"] {
                let (summary, est, w) = pooled(allocation);
                between.push((est, w));
                groups.push(ForestGroup {
                    heading: Some(format!("Allocation: {allocation}")),
                    rows: bcg_rows(Some(allocation)),
                    summary: Some(summary),
                });
            }
            let sw: f64 = between.iter().map(|b| b.1).sum();
            let mean = between.iter().map(|b| b.0 * b.1).sum::<f64>() / sw;
            let q: f64 = between.iter().map(|b| b.1 * (b.0 - mean).powi(2)).sum();
            // Chi-squared with two degrees of freedom: p = exp(-Q/2).
            footnote = Some(format!(
                "Test for subgroup differences: Q = {q:.2}, df = 2, p = {:.2}",
                (-q / 2.0).exp()
            ));
            groups
        } else {
            vec![ForestGroup { heading: None, rows: bcg_rows(None), summary: None }]
        };
        ForestPlot {
            title: Some("BCG vaccine and tuberculosis".into()),
            measure: "Risk ratio".into(),
            scale: Scale::Log,
            groups,
            overall: Some(bcg_overall()),
            footnote,
            favours: Some(("Favours vaccine".into(), "Favours control".into())),
            null_line: Some(0.0),
            decimals: 2,
        }
    }

    fn bcg_funnel() -> FunnelPlot {
        FunnelPlot {
            title: Some("BCG vaccine trials".into()),
            measure: "Risk ratio".into(),
            scale: Scale::Log,
            points: BCG
                .iter()
                .map(|t| FunnelPoint { label: t.0.into(), estimate: t.1, se: t.2.sqrt() })
                .collect(),
            center: -0.4303,
            filled: Vec::new(),
            note: Some("Egger's test: intercept \u{2212}2.34 (95% CI \u{2212}4.65 to 0.01), t = \u{2212}1.72, df = 11, p = 0.11".into()),
        }
    }

    fn row(label: &str, estimate: f64, lower: f64, upper: f64, weight: Option<f64>) -> ForestRow {
        ForestRow { label: label.into(), estimate, ci_lower: lower, ci_upper: upper, weight_percent: weight }
    }

    fn plain(scale: Scale, rows: Vec<ForestRow>, overall: Option<ForestSummary>) -> ForestPlot {
        ForestPlot {
            title: None,
            measure: "Mean difference".into(),
            scale,
            groups: vec![ForestGroup { heading: None, rows, summary: None }],
            overall,
            footnote: None,
            favours: None,
            null_line: Some(0.0),
            decimals: 2,
        }
    }

    /// The SVG parses and renders to a PNG, and writes no `NaN` or `inf` anywhere.
    fn check(svg: &str) {
        assert!(!svg.contains("NaN") && !svg.contains("inf"), "{svg}");
        let png = crate::render::render_png(svg, 1.0).unwrap();
        assert!(png.starts_with(b"\x89PNG") && png.len() > 1000, "{} bytes", png.len());
    }

    /// The text of the plot line by line: every `<text>` at one height, in document order,
    /// joined by spaces.
    fn text_lines(svg: &str) -> Vec<String> {
        let mut lines: Vec<(String, String)> = Vec::new();
        for (i, _) in svg.match_indices("<text ") {
            let end = i + svg[i..].find('>').unwrap();
            let y_at = svg[i..end].find(" y=\"").unwrap() + i + 4;
            let y = svg[y_at..y_at + svg[y_at..].find('"').unwrap()].to_owned();
            let content = &svg[end + 1..end + 1 + svg[end + 1..].find("</text>").unwrap()];
            match lines.iter_mut().find(|l| l.0 == y) {
                Some(line) => {
                    line.1.push(' ');
                    line.1.push_str(content);
                }
                None => lines.push((y, content.to_owned())),
            }
        }
        lines.into_iter().map(|l| l.1).collect()
    }

    /// Whether one line of the plot reads `text`.
    fn shows(svg: &str, text: &str) -> bool {
        text_lines(svg).iter().any(|l| l.contains(text))
    }

    /// The value of `attr` in every element that starts with `tag`.
    fn attrs(svg: &str, tag: &str, attr: &str) -> Vec<f32> {
        let key = format!(" {attr}=\"");
        svg.match_indices(tag)
            .filter_map(|(i, _)| {
                let element = &svg[i..i + svg[i..].find('>').unwrap()];
                let start = element.find(&key)? + key.len();
                let len = element[start..].find('"').unwrap();
                Some(element[start..start + len].parse().unwrap())
            })
            .collect()
    }

    #[test]
    fn a_linear_plot_renders_with_real_minus_signs() {
        let plot = ForestPlot {
            title: Some("Pain at 6 weeks <VAS, 0-100> & more".into()),
            favours: Some(("Favours exercise".into(), "Favours usual care".into())),
            ..plain(
                Scale::Linear,
                vec![
                    row("Smith 2010", -4.2, -9.1, 0.7, Some(30.0)),
                    row("Jones 2012", -1.3, -3.0, 0.4, Some(50.0)),
                    row("Lee 2015", 2.1, -3.5, 7.7, Some(20.0)),
                ],
                Some(ForestSummary {
                    label: "Fixed effect".into(),
                    estimate: -1.52,
                    ci_lower: -3.05,
                    ci_upper: 0.01,
                    prediction: None,
                    note: None,
                }),
            )
        };
        let svg = forest_svg(&plot);
        check(&svg);
        assert!(shows(&svg, "\u{2212}4.20 [\u{2212}9.10, 0.70]"), "{svg}");
        assert!(shows(&svg, "\u{2212}1.52 [\u{2212}3.05, 0.01]"));
        assert!(svg.contains("Pain at 6 weeks &lt;VAS, 0-100&gt; &amp; more"));
        assert!(svg.contains(">Mean difference [95% CI]</text>") && svg.contains(">Weight</text>"));
        assert!(svg.contains(">30.0%</text>") && svg.contains(">100.0%</text>"), "the overall share");
        assert_eq!(svg.matches("class=\"square\"").count(), 3);
        assert_eq!(svg.matches("class=\"diamond\"").count(), 1);
        let axis = forest_axis(&plot);
        let labels: Vec<&str> = axis.ticks.iter().map(|t| t.label.as_str()).collect();
        assert!(labels.contains(&"0") && labels.iter().any(|l| l.starts_with('\u{2212}')), "{labels:?}");
        assert!(axis.lo <= -9.1 && axis.hi >= 7.7, "{axis:?}");
    }

    #[test]
    fn the_bcg_trials_render_on_a_log_axis() {
        let plot = bcg_plot(false);
        let svg = forest_svg(&plot);
        check(&svg);
        assert_eq!(svg.matches("class=\"square\"").count(), 13);
        assert!(svg.contains(">Aronson 1948</text>") && svg.contains(">Ferguson &amp; Simes 1949</text>"));
        // Aronson: exp(-0.8893) = 0.41, CI exp(-0.8893 ± 1.96 √0.3256) = 0.13 to 1.26.
        assert!(shows(&svg, "0.41 [0.13, 1.26]"), "{svg}");
        assert!(svg.contains(">Risk ratio [95% CI]</text>") && svg.contains(">Favours vaccine</text>"));
        assert!(svg.contains("Heterogeneity: \u{3c4}\u{b2} = 0.31"));
        // The null line (solid) and the dashed line at the pooled estimate.
        assert!(svg.contains("stroke-dasharray=\"4 3\""));
    }

    #[test]
    fn a_log_summary_is_shown_as_a_ratio() {
        let summary = ForestSummary {
            label: "Random effects".into(),
            estimate: 0.4894f64.ln(),
            ci_lower: 0.3441f64.ln(),
            ci_upper: 0.6962f64.ln(),
            prediction: None,
            note: None,
        };
        let plot = ForestPlot { overall: Some(summary), ..bcg_plot(false) };
        let svg = forest_svg(&plot);
        assert!(shows(&svg, "0.49 [0.34, 0.70]"), "{svg}");
        assert_eq!(
            estimate_text(0.4894f64.ln(), 0.3441f64.ln(), 0.6962f64.ln(), Scale::Log, 2),
            "0.49 [0.34, 0.70]"
        );
        assert_eq!(estimate_text(-0.5, -1.0, 0.0, Scale::Linear, 2), "\u{2212}0.50 [\u{2212}1.00, 0.00]");
        assert_eq!(estimate_text(-0.001, -1.0, 0.0, Scale::Linear, 2), "0.00 [\u{2212}1.00, 0.00]");
        assert_eq!(estimate_text(1.0, 0.0, f64::INFINITY, Scale::Log, 2), "2.72 [1.00, \u{221e}]");
        assert_eq!(estimate_text(f64::NAN, 0.0, 1.0, Scale::Log, 2), "not estimable");
        assert_eq!(
            estimate_text(700.0, -1e300, 1e300, Scale::Linear, 2),
            "700.00 [\u{2212}1.00e300, 1.00e300]"
        );
    }

    #[test]
    fn log_ticks_are_nice_and_cover_the_trials() {
        let plot = bcg_plot(true);
        let axis = forest_axis(&plot);
        assert!(axis.ticks.len() >= 3, "{axis:?}");
        for tick in &axis.ticks {
            let v: f64 = tick.label.parse().unwrap();
            let exponent = v.log10().floor();
            let mantissa = v / 10f64.powf(exponent);
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9),
                "{} is not 1, 2 or 5 times a power of ten",
                tick.label
            );
            assert!((tick.value - v.ln()).abs() < 1e-9, "{tick:?} sits at ln of its label");
            assert!(!tick.label.ends_with('0') || !tick.label.contains('.'), "{}", tick.label);
        }
        let lowest = bcg_rows(None).iter().map(|r| r.ci_lower).fold(f64::INFINITY, f64::min);
        let highest = bcg_rows(None).iter().map(|r| r.ci_upper).fold(f64::NEG_INFINITY, f64::max);
        assert!(axis.lo <= lowest && axis.hi >= highest, "{axis:?} covers {lowest}..{highest}");
        assert_eq!(axis.lo, axis.ticks[0].value);
        assert_eq!(axis.hi, axis.ticks.last().unwrap().value);
        let labels: Vec<&str> = axis.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0.05", "0.1", "0.2", "0.5", "1", "2", "5", "10"]);
    }

    #[test]
    fn axes_always_have_three_ticks_and_no_trailing_zeros() {
        let extent = |s: &str| fonts::text_width(s, SMALL, false);
        let one = log_axis(0.0, 0.0, PLOT_WIDTH, &extent);
        let labels: Vec<&str> = one.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0.5", "1", "2"]);
        let wide = log_axis((1e-6f64).ln(), (1e6f64).ln(), PLOT_WIDTH, &extent);
        assert!(wide.ticks.len() >= 3 && wide.ticks.len() <= 11, "{wide:?}");
        assert!(fits(&wide, PLOT_WIDTH, &extent));
        let zero = linear_axis(0.0, 0.0, PLOT_WIDTH, &extent);
        assert!(zero.ticks.len() >= 3 && zero.lo < 0.0 && zero.hi > 0.0, "{zero:?}");
        let tenths = linear_axis(-0.73, 0.41, PLOT_WIDTH, &extent);
        let labels: Vec<&str> = tenths.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(
            labels,
            ["\u{2212}0.8", "\u{2212}0.6", "\u{2212}0.4", "\u{2212}0.2", "0", "0.2", "0.4", "0.6"]
        );
        assert!(labels.iter().all(|l| !(l.contains('.') && l.ends_with('0'))), "{labels:?}");
        let huge = linear_axis(1e11, 1e11, PLOT_WIDTH, &extent);
        assert!(huge.hi > huge.lo && fits(&huge, PLOT_WIDTH, &extent), "{huge:?}");
    }

    #[test]
    fn subgroups_render_with_their_own_diamonds() {
        let plot = bcg_plot(true);
        let svg = forest_svg(&plot);
        check(&svg);
        for heading in ["Allocation: random", "Allocation: alternate", "Allocation: systematic"] {
            assert!(svg.contains(&format!(r#"font-weight="bold">{heading}</text>"#)), "{heading}");
        }
        assert_eq!(svg.matches("class=\"diamond\"").count(), 4, "three subgroups and the overall");
        assert_eq!(svg.matches("class=\"square\"").count(), 13);
        assert!(svg.contains(">Test for subgroup differences: Q = "), "{svg}");
        assert!(svg.contains(">100.0%</text>"), "the overall's share of the weight");
    }

    #[test]
    fn squares_have_areas_in_proportion_to_weight() {
        let plot = plain(
            Scale::Linear,
            vec![
                row("A", 0.1, -0.5, 0.7, Some(40.0)),
                row("B", 0.2, -0.4, 0.8, Some(20.0)),
                row("C", 0.3, -0.3, 0.9, Some(10.0)),
                row("D", 0.3, -0.3, 0.9, Some(0.01)),
            ],
            None,
        );
        let svg = forest_svg(&plot);
        check(&svg);
        let widths = attrs(&svg, "<rect class=\"square\"", "width");
        let heights = attrs(&svg, "<rect class=\"square\"", "height");
        assert_eq!(widths, heights, "squares");
        assert_eq!(widths.len(), 4);
        assert!((widths[0] / widths[1] - 2f32.sqrt()).abs() < 0.01, "{widths:?}");
        assert!((widths[1] / widths[2] - 2f32.sqrt()).abs() < 0.01, "{widths:?}");
        assert_eq!(widths[0], MAX_SIDE);
        assert_eq!(widths[3], MIN_SIDE, "a tiny weight still shows");
        // Each square sits on its row's estimate.
        let xs = attrs(&svg, "<rect class=\"square\"", "x");
        let axis = forest_axis(&plot);
        let plot_x = PAD + fonts::text_width("Study", FONT, true) + COLUMN_GAP;
        let centre = |i: usize, est: f64| {
            let expected = plot_x + axis.fraction(est) as f32 * PLOT_WIDTH;
            assert!((xs[i] + widths[i] / 2.0 - expected).abs() < 0.02, "{i}: {} vs {expected}", xs[i]);
        };
        centre(0, 0.1);
        centre(1, 0.2);
        assert_eq!(square_side(Some(20.0), Some(40.0)), MAX_SIDE * 0.5f32.sqrt());
        assert_eq!(square_side(None, None), MAX_SIDE / 2.0);
        assert_eq!(square_side(Some(f64::NAN), Some(40.0)), MIN_SIDE);
    }

    #[test]
    fn missing_and_infinite_values_are_drawn_without_nan() {
        let plot = ForestPlot {
            groups: vec![
                ForestGroup {
                    heading: Some("Estimable or not".into()),
                    rows: vec![
                        row("No events", f64::NAN, f64::NAN, f64::NAN, None),
                        row("Open above", 0.5, -0.2, f64::INFINITY, Some(f64::NAN)),
                        row("Open below", -0.3, f64::NEG_INFINITY, 0.4, Some(30.0)),
                        row("Half known", 0.2, f64::NAN, 0.6, Some(30.0)),
                        row("Far out", 1e300, 1e299, f64::INFINITY, Some(10.0)),
                        row("Ordinary", 0.1, -0.1, 0.3, Some(30.0)),
                    ],
                    summary: Some(ForestSummary {
                        label: "Not pooled".into(),
                        estimate: f64::NAN,
                        ci_lower: f64::NAN,
                        ci_upper: f64::INFINITY,
                        prediction: Some((f64::NAN, f64::INFINITY)),
                        note: Some("nothing to pool".into()),
                    }),
                },
                ForestGroup { heading: None, rows: vec![], summary: None },
            ],
            overall: Some(ForestSummary {
                label: "Overall".into(),
                estimate: 0.15,
                ci_lower: 0.0,
                ci_upper: 0.3,
                prediction: Some((f64::NEG_INFINITY, f64::INFINITY)),
                note: None,
            }),
            null_line: Some(f64::NAN),
            ..plain(Scale::Log, vec![], None)
        };
        let svg = forest_svg(&plot);
        check(&svg);
        assert_eq!(svg.matches(">not estimable</text>").count(), 2, "the row and the subgroup");
        assert!(shows(&svg, "1.65 [0.82, \u{221e}]"), "{svg}");
        assert!(shows(&svg, "0.74 [0.00, 1.49]"), "{svg}");
        assert!(shows(&svg, "1.22 [NA, 1.82]"), "{svg}");
        // Open bounds and the prediction interval end in arrowheads at the axis's edges.
        assert!(svg.matches("<polygon points=").count() >= 4, "{svg}");
        let linear = ForestPlot { scale: Scale::Linear, ..plot.clone() };
        check(&forest_svg(&linear));

        let funnel = FunnelPlot {
            points: vec![
                FunnelPoint { label: "a".into(), estimate: f64::NAN, se: 0.2 },
                FunnelPoint { label: "b".into(), estimate: 0.1, se: f64::INFINITY },
                FunnelPoint { label: "c".into(), estimate: f64::NEG_INFINITY, se: 0.3 },
                FunnelPoint { label: "d".into(), estimate: 0.2, se: -1.0 },
                FunnelPoint { label: "e".into(), estimate: 0.3, se: 0.25 },
            ],
            center: f64::NAN,
            filled: Vec::new(),
            ..bcg_funnel()
        };
        let svg = funnel_svg(&funnel);
        check(&svg);
        assert_eq!(svg.matches("class=\"point\"").count(), 1);
        check(&funnel_svg(&FunnelPlot { points: vec![], ..funnel }));
        check(&forest_svg(&plain(Scale::Log, vec![], None)));
    }

    #[test]
    fn one_absurdly_wide_interval_does_not_squash_the_rest() {
        let mut rows: Vec<ForestRow> = (0..6)
            .map(|i| row(&format!("Study {i}"), -0.2 + 0.1 * i as f64, -0.6, 0.6, Some(15.0)))
            .collect();
        rows.push(row("Tiny trial", 0.1, -600.0, 600.0, Some(10.0)));
        let plot = plain(Scale::Linear, rows, None);
        let axis = forest_axis(&plot);
        assert!(axis.lo >= -2.0 && axis.hi <= 2.0, "{axis:?}");
        let svg = forest_svg(&plot);
        check(&svg);
        assert_eq!(svg.matches("<polygon points=").count(), 2, "an arrowhead at either end");
        assert!(shows(&svg, "0.10 [\u{2212}600.00, 600.00]"));
    }

    #[test]
    fn one_study_and_equal_estimates_render() {
        let one = plain(Scale::Log, vec![row("Only 2001", 0.3, -0.1, 0.7, Some(100.0))], None);
        check(&forest_svg(&one));
        let same: Vec<ForestRow> = (0..4).map(|i| row(&format!("S{i}"), 0.0, 0.0, 0.0, Some(25.0))).collect();
        let plot = plain(Scale::Log, same.clone(), None);
        let svg = forest_svg(&plot);
        check(&svg);
        assert!(forest_axis(&plot).ticks.len() >= 3);
        check(&forest_svg(&plain(Scale::Linear, same, None)));

        let single = FunnelPlot {
            points: vec![FunnelPoint { label: "Only".into(), estimate: 0.3, se: 0.2 }],
            center: 0.3,
            filled: Vec::new(),
            ..bcg_funnel()
        };
        check(&funnel_svg(&single));
        let equal = FunnelPlot {
            points: (0..5).map(|i| FunnelPoint { label: format!("S{i}"), estimate: 0.5, se: 0.0 }).collect(),
            center: 0.5,
            filled: Vec::new(),
            scale: Scale::Linear,
            ..bcg_funnel()
        };
        let svg = funnel_svg(&equal);
        check(&svg);
        assert_eq!(svg.matches("class=\"point\"").count(), 5);
    }

    #[test]
    fn the_funnel_has_standard_error_growing_downward() {
        let plot = bcg_funnel();
        let svg = funnel_svg(&plot);
        check(&svg);
        assert_eq!(svg.matches("class=\"point\"").count(), 13);
        assert!(svg.contains(">Standard error</text>") && svg.contains(">Risk ratio</text>"));
        assert!(svg.contains("Egger&#39;s test") || svg.contains("Egger's test"));
        // TPT Madras (SE 0.063) is drawn higher than Comstock & Webster (SE 0.73).
        let ys = attrs(&svg, "<circle class=\"point\"", "cy");
        assert!(ys[7] < ys[11], "{ys:?}");
        let xs = attrs(&svg, "<circle class=\"point\"", "cx");
        assert!(xs[11] > xs[7] && xs[6] < xs[7], "{xs:?}");
        // One far larger standard error is drawn at the bottom edge as an arrowhead.
        let mut points = plot.points.clone();
        points.push(FunnelPoint { label: "Huge".into(), estimate: -0.2, se: 500.0 });
        let svg = funnel_svg(&FunnelPlot { points, ..plot });
        check(&svg);
        assert_eq!(svg.matches("class=\"point\"").count(), 13);
    }

    #[test]
    fn no_combination_of_odd_values_panics_or_writes_nan() {
        let odd = [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            0.0,
            -0.0,
            1e-300,
            -1e300,
            1e12,
            -3.7,
            0.25,
            700.0,
            f64::MIN_POSITIVE,
        ];
        let pick = |i: usize| odd[(i * 7 + 3) % odd.len()];
        for scale in [Scale::Linear, Scale::Log] {
            for start in 0..odd.len() {
                let rows: Vec<ForestRow> = (0..5)
                    .map(|j| {
                        let i = start + j;
                        row(&format!("S{j}"), pick(i), pick(i + 1), pick(i + 2), Some(pick(i + 3)))
                    })
                    .collect();
                let summary = ForestSummary {
                    label: "Pooled".into(),
                    estimate: pick(start + 5),
                    ci_lower: pick(start + 6),
                    ci_upper: pick(start + 7),
                    prediction: Some((pick(start + 8), pick(start + 9))),
                    note: None,
                };
                let plot = ForestPlot {
                    null_line: Some(pick(start + 10)),
                    decimals: start,
                    ..plain(scale, rows, Some(summary))
                };
                let svg = forest_svg(&plot);
                assert!(!svg.contains("NaN") && !svg.contains("inf"), "{plot:?}\n{svg}");
                let axis = forest_axis(&plot);
                assert!(axis.lo.is_finite() && axis.hi > axis.lo && axis.ticks.len() >= 3, "{axis:?}");
                let funnel = FunnelPlot {
                    points: (0..5)
                        .map(|j| FunnelPoint {
                            label: format!("P{j}"),
                            estimate: pick(start + j),
                            se: pick(start + 2 * j),
                        })
                        .collect(),
                    center: pick(start + 4),
                    filled: Vec::new(),
                    scale,
                    ..bcg_funnel()
                };
                let svg = funnel_svg(&funnel);
                assert!(!svg.contains("NaN") && !svg.contains("inf"), "{funnel:?}\n{svg}");
                if start % 3 == 0 {
                    check(&forest_svg(&plot));
                    check(&svg);
                }
            }
        }
    }

    /// Writes the BCG forest and funnel plots to /tmp to look at:
    /// `cargo test -p sift-report forest::tests::write_pngs -- --ignored`.
    #[test]
    #[ignore]
    fn write_pngs() {
        let forest = forest_svg(&bcg_plot(true));
        std::fs::write("/tmp/forest.svg", &forest).unwrap();
        std::fs::write("/tmp/forest.png", crate::render::render_png(&forest, 2.0).unwrap()).unwrap();
        let whole = forest_svg(&bcg_plot(false));
        std::fs::write("/tmp/forest-plain.png", crate::render::render_png(&whole, 2.0).unwrap()).unwrap();
        let mut rows: Vec<ForestRow> = (0..6)
            .map(|i| {
                row(&format!("Study {i}"), -0.2 + 0.1 * i as f64, -0.6 + 0.05 * i as f64, 0.6, Some(14.0))
            })
            .collect();
        rows.push(row("Tiny trial", 0.1, -600.0, 600.0, Some(4.0)));
        rows.push(row("No events", f64::NAN, f64::NAN, f64::NAN, None));
        rows.push(row("Open above", 0.5, -0.2, f64::INFINITY, Some(3.0)));
        rows.push(row("Half known", 0.2, f64::NAN, 0.6, Some(5.0)));
        let edge = ForestPlot {
            title: Some("Edge cases <linear> & friends".into()),
            favours: Some(("Favours treatment".into(), "Favours control".into())),
            overall: Some(ForestSummary {
                label: "Fixed effect".into(),
                estimate: 0.05,
                ci_lower: -0.1,
                ci_upper: 0.2,
                prediction: Some((-0.9, 1.0)),
                note: Some("A short note".into()),
            }),
            ..plain(Scale::Linear, rows, None)
        };
        let edge = forest_svg(&edge);
        std::fs::write("/tmp/forest-edge.png", crate::render::render_png(&edge, 2.0).unwrap()).unwrap();
        let funnel = funnel_svg(&bcg_funnel());
        std::fs::write("/tmp/funnel.svg", &funnel).unwrap();
        std::fs::write("/tmp/funnel.png", crate::render::render_png(&funnel, 2.0).unwrap()).unwrap();
        let mut points = bcg_funnel().points;
        points.push(FunnelPoint { label: "Huge SE".into(), estimate: -0.2, se: 50.0 });
        points.push(FunnelPoint { label: "Far left".into(), estimate: -40.0, se: 0.3 });
        let edge = FunnelPlot { title: None, note: None, scale: Scale::Linear, points, ..bcg_funnel() };
        let edge = funnel_svg(&edge);
        std::fs::write("/tmp/funnel-edge.png", crate::render::render_png(&edge, 2.0).unwrap()).unwrap();
    }
}
