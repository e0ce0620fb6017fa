//! Effect sizes from what studies report, as metafor's `escalc` computes them.
//!
//! Ratios (risk ratio, odds ratio, a reported hazard ratio) are analysed as natural logs; a
//! report shows them back-transformed. A 2x2 table with a zero cell gets 1/2 added to each of
//! its cells (metafor's `add = 1/2, to = "only0"`, for the risk difference too, which keeps
//! its variance above 0); a table with no events in
//! either group (or only events) says nothing about a ratio and is "not estimable" for one, as
//! in RevMan and the Cochrane Handbook (10.4.4.2).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// What is pooled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Measure {
    /// Log risk ratio from events and totals.
    RiskRatio,
    /// Log odds ratio from events and totals.
    OddsRatio,
    /// Risk difference from events and totals.
    RiskDifference,
    /// Raw mean difference from means, SDs and group sizes.
    MeanDifference,
    /// Hedges' g (bias-corrected standardised mean difference).
    StandardizedMeanDifference,
    /// A ratio each study reports with its confidence interval (hazard ratio, adjusted odds
    /// ratio), analysed as its log.
    Ratio,
    /// A difference, or any effect on its own scale, each study reports with a CI or SE.
    Difference,
}

impl Measure {
    pub const ALL: [Measure; 7] = [
        Measure::RiskRatio,
        Measure::OddsRatio,
        Measure::RiskDifference,
        Measure::MeanDifference,
        Measure::StandardizedMeanDifference,
        Measure::Ratio,
        Measure::Difference,
    ];

    /// The short code used on the command line and in files.
    pub fn code(self) -> &'static str {
        match self {
            Measure::RiskRatio => "RR",
            Measure::OddsRatio => "OR",
            Measure::RiskDifference => "RD",
            Measure::MeanDifference => "MD",
            Measure::StandardizedMeanDifference => "SMD",
            Measure::Ratio => "ratio",
            Measure::Difference => "difference",
        }
    }

    /// The name a reader knows.
    pub fn name(self) -> &'static str {
        match self {
            Measure::RiskRatio => "Risk ratio",
            Measure::OddsRatio => "Odds ratio",
            Measure::RiskDifference => "Risk difference",
            Measure::MeanDifference => "Mean difference",
            Measure::StandardizedMeanDifference => "Std. mean difference (Hedges' g)",
            Measure::Ratio => "Ratio",
            Measure::Difference => "Difference",
        }
    }

    /// Whether effects are analysed as logs and shown as exp(yi).
    pub fn is_ratio(self) -> bool {
        matches!(self, Measure::RiskRatio | Measure::OddsRatio | Measure::Ratio)
    }

    /// Whether effects come from a 2x2 table (events and totals).
    pub fn is_binary(self) -> bool {
        matches!(self, Measure::RiskRatio | Measure::OddsRatio | Measure::RiskDifference)
    }

    /// Whether effects come from means, SDs and group sizes.
    pub fn is_continuous(self) -> bool {
        matches!(self, Measure::MeanDifference | Measure::StandardizedMeanDifference)
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Measure {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Measure::ALL
            .into_iter()
            .find(|m| m.code().eq_ignore_ascii_case(&lower))
            .or(match lower.as_str() {
                "hr" | "hazard ratio" | "generic ratio" => Some(Measure::Ratio),
                "g" | "hedges" | "hedges' g" => Some(Measure::StandardizedMeanDifference),
                "generic" | "diff" => Some(Measure::Difference),
                _ => None,
            })
            .ok_or_else(|| {
                format!(
                    "unknown measure {s:?}: expected one of {}",
                    Measure::ALL.map(Measure::code).join(", ")
                )
            })
    }
}

/// One study's effect size and its sampling variance, on the analysis scale (logs for ratios).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Effect {
    pub yi: f64,
    pub vi: f64,
}

impl Effect {
    pub fn se(self) -> f64 {
        self.vi.sqrt()
    }
}

fn count(name: &str, v: f64) -> Result<f64, String> {
    if !v.is_finite() || v < 0.0 || v.fract() != 0.0 {
        return Err(format!("{name} must be a whole number of at least 0, not {v}"));
    }
    Ok(v)
}

/// A 2x2 table's effect: `events1` of `total1` in the experimental group against `events2`
/// of `total2` in the control group. `Err` says why it cannot be estimated.
pub fn two_by_two(
    measure: Measure,
    events1: f64,
    total1: f64,
    events2: f64,
    total2: f64,
) -> Result<Effect, String> {
    let (e1, n1, e2, n2) = (
        count("events1", events1)?,
        count("total1", total1)?,
        count("events2", events2)?,
        count("total2", total2)?,
    );
    for (e, n, group) in [(e1, n1, 1), (e2, n2, 2)] {
        if n == 0.0 {
            return Err(format!("total{group} is 0"));
        }
        if e > n {
            return Err(format!("events{group} ({e}) is more than total{group} ({n})"));
        }
    }
    if !measure.is_binary() {
        return Err(format!("{} is not computed from events and totals", measure.name()));
    }
    let (mut a, mut b, mut c, mut d) = (e1, n1 - e1, e2, n2 - e2);
    if measure != Measure::RiskDifference && ((a == 0.0 && c == 0.0) || (b == 0.0 && d == 0.0)) {
        let which = if a == 0.0 { "no events" } else { "only events" };
        return Err(format!("not estimable: {which} in either group"));
    }
    if a == 0.0 || b == 0.0 || c == 0.0 || d == 0.0 {
        (a, b, c, d) = (a + 0.5, b + 0.5, c + 0.5, d + 0.5);
    }
    let (n1, n2) = (a + b, c + d);
    let effect = match measure {
        Measure::RiskRatio => {
            Effect { yi: (a / n1).ln() - (c / n2).ln(), vi: 1.0 / a - 1.0 / n1 + 1.0 / c - 1.0 / n2 }
        }
        Measure::OddsRatio => {
            Effect { yi: (a * d / (b * c)).ln(), vi: 1.0 / a + 1.0 / b + 1.0 / c + 1.0 / d }
        }
        _ => {
            let (p1, p2) = (a / n1, c / n2);
            Effect { yi: p1 - p2, vi: p1 * (1.0 - p1) / n1 + p2 * (1.0 - p2) / n2 }
        }
    };
    Ok(effect)
}

fn positive(name: &str, v: f64) -> Result<f64, String> {
    if !v.is_finite() || v <= 0.0 {
        return Err(format!("{name} must be more than 0, not {v}"));
    }
    Ok(v)
}

fn finite(name: &str, v: f64) -> Result<f64, String> {
    if !v.is_finite() {
        return Err(format!("{name} must be a number, not {v}"));
    }
    Ok(v)
}

/// Two groups' means, SDs and sizes: the mean difference (group 1 minus group 2, variance
/// sd1²/n1 + sd2²/n2) or Hedges' g (pooled SD, the exact small-sample correction, and
/// metafor's large-sample variance 1/n1 + 1/n2 + g²/(2(n1 + n2))).
pub fn means(
    measure: Measure,
    m1: f64,
    sd1: f64,
    n1: f64,
    m2: f64,
    sd2: f64,
    n2: f64,
) -> Result<Effect, String> {
    let (m1, m2) = (finite("mean1", m1)?, finite("mean2", m2)?);
    let (sd1, sd2) = (positive("sd1", sd1)?, positive("sd2", sd2)?);
    let (n1, n2) = (positive("n1", n1)?, positive("n2", n2)?);
    match measure {
        Measure::MeanDifference => Ok(Effect { yi: m1 - m2, vi: sd1 * sd1 / n1 + sd2 * sd2 / n2 }),
        Measure::StandardizedMeanDifference => {
            let df = n1 + n2 - 2.0;
            if df <= 1.0 {
                return Err(format!("Hedges' g needs more than 3 participants in all, not {}", n1 + n2));
            }
            let sd_pooled = (((n1 - 1.0) * sd1 * sd1 + (n2 - 1.0) * sd2 * sd2) / df).sqrt();
            let g = small_sample_correction(df) * (m1 - m2) / sd_pooled;
            Ok(Effect { yi: g, vi: 1.0 / n1 + 1.0 / n2 + g * g / (2.0 * (n1 + n2)) })
        }
        _ => Err(format!("{} is not computed from means and SDs", measure.name())),
    }
}

/// Hedges' exact correction J(m) = Γ(m/2) / (√(m/2) Γ((m-1)/2)).
pub fn small_sample_correction(m: f64) -> f64 {
    (statrs::function::gamma::ln_gamma(m / 2.0)
        - (m / 2.0).sqrt().ln()
        - statrs::function::gamma::ln_gamma((m - 1.0) / 2.0))
    .exp()
}

/// An effect reported with its confidence interval (`level`, e.g. 0.95): the SE is the
/// interval's width over 2 z, on the log scale for a ratio.
pub fn from_ci(ratio: bool, estimate: f64, lower: f64, upper: f64, level: f64) -> Result<Effect, String> {
    let (estimate, lower, upper) =
        (finite("estimate", estimate)?, finite("lower", lower)?, finite("upper", upper)?);
    if ratio {
        for (name, v) in [("estimate", estimate), ("lower", lower), ("upper", upper)] {
            if v <= 0.0 {
                return Err(format!("{name} is a ratio and must be more than 0, not {v}"));
            }
        }
    }
    if lower >= upper {
        return Err(format!("lower ({lower}) must be below upper ({upper})"));
    }
    if estimate < lower || estimate > upper {
        return Err(format!("estimate {estimate} lies outside its interval [{lower}, {upper}]"));
    }
    let scale = |v: f64| if ratio { v.ln() } else { v };
    let se = (scale(upper) - scale(lower)) / (2.0 * crate::dist::z_crit(level));
    Ok(Effect { yi: scale(estimate), vi: se * se })
}

/// An effect reported with its standard error (on the log scale for a ratio).
pub fn from_se(ratio: bool, estimate: f64, se: f64) -> Result<Effect, String> {
    let estimate = finite("estimate", estimate)?;
    let se = positive("se", se)?;
    if ratio && estimate <= 0.0 {
        return Err(format!("estimate is a ratio and must be more than 0, not {estimate}"));
    }
    Ok(Effect { yi: if ratio { estimate.ln() } else { estimate }, vi: se * se })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_bcg_trial() {
        // Aronson 1948: 4/123 vaccinated, 11/139 controls (metadat dat.bcg: yi -0.8893, vi 0.3256).
        let e = two_by_two(Measure::RiskRatio, 4.0, 123.0, 11.0, 139.0).unwrap();
        assert!((e.yi - -0.8893).abs() < 5e-5 && (e.vi - 0.3256).abs() < 5e-5, "{e:?}");
    }

    #[test]
    fn zero_cells() {
        // 1/2 added to every cell: log((0.5/11) / (3.5/11)).
        let e = two_by_two(Measure::RiskRatio, 0.0, 10.0, 3.0, 10.0).unwrap();
        assert!((e.yi - ((0.5 / 11.0) / (3.5 / 11.0_f64)).ln()).abs() < 1e-12);
        assert!(two_by_two(Measure::OddsRatio, 0.0, 10.0, 0.0, 12.0).unwrap_err().contains("no events"));
        assert!(two_by_two(Measure::RiskRatio, 10.0, 10.0, 12.0, 12.0).unwrap_err().contains("only events"));
        // A risk difference is estimable without events; the 1/2 is added all the same (metafor).
        let rd = two_by_two(Measure::RiskDifference, 0.0, 10.0, 0.0, 12.0).unwrap();
        assert!((rd.yi - (0.5 / 11.0 - 0.5 / 13.0)).abs() < 1e-12 && rd.vi > 0.0);
        assert!(
            two_by_two(Measure::RiskRatio, 11.0, 10.0, 1.0, 10.0).unwrap_err().contains("more than total1")
        );
        assert!(two_by_two(Measure::RiskRatio, 1.5, 10.0, 1.0, 10.0).unwrap_err().contains("events1"));
    }

    #[test]
    fn a_ratio_from_its_interval() {
        let e = from_ci(true, 0.4894, 0.3441, 0.6962, 0.95).unwrap();
        assert!((e.yi - 0.4894_f64.ln()).abs() < 1e-12);
        assert!((e.se() - 0.1798).abs() < 1e-3, "{}", e.se());
        assert!(from_ci(true, 0.5, 0.0, 1.0, 0.95).is_err());
        assert!(from_ci(false, 2.0, 0.0, 1.0, 0.95).unwrap_err().contains("outside"));
    }

    #[test]
    fn measures_by_code() {
        for m in Measure::ALL {
            assert_eq!(m.code().parse::<Measure>(), Ok(m));
        }
        assert_eq!("hr".parse::<Measure>(), Ok(Measure::Ratio));
        assert!("XX".parse::<Measure>().unwrap_err().contains("RR, OR"));
    }
}
