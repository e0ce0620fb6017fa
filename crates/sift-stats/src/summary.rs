//! A group's mean and standard deviation estimated from the median and the quartiles and/or
//! the range, for studies that report those instead (skewed outcomes, small trials): the
//! methods the Cochrane Handbook (section 6.5.2.5) points to and metafor's `conv.fivenum`
//! recommends for normal data - the mean by Luo et al. (2018), the SD by Wan et al. (2014)
//! from the range or the interquartile range and by Shi et al. (2020) from both.
//!
//! They assume a roughly normal outcome. Before estimating, the summary is tested for
//! skewness as `conv.fivenum` does (Shi et al.); a skewed summary is not converted, since its
//! mean and SD would mislead.

use serde::Serialize;

use crate::dist::z_quantile;

/// What a group reports instead of its mean and SD (`q1`, `q3` the quartiles).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct FiveNumbers {
    pub n: f64,
    pub median: f64,
    pub q1: Option<f64>,
    pub q3: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Which parts of the summary the estimate came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Median and range.
    Range,
    /// Median and interquartile range.
    Quartiles,
    /// Median, quartiles and range.
    Both,
}

impl Scenario {
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Range => "median and range",
            Scenario::Quartiles => "median and IQR",
            Scenario::Both => "median, IQR and range",
        }
    }
}

/// An estimated mean and SD.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Estimated {
    pub mean: f64,
    pub sd: f64,
    pub scenario: Scenario,
}

/// Why a summary gives no estimate.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SummaryError {
    /// The numbers cannot be a summary (out of order, a quartile without the other, n < 5).
    #[error("{0}")]
    Invalid(String),
    /// Shi et al.'s test finds the summary skewed: a mean and SD would mislead.
    #[error("the {scenario} suggest a skewed distribution (Shi et al.'s test: {statistic:.3} >= {critical:.3}), so no mean and SD are estimated from them", scenario = .scenario.name())]
    Skewed { scenario: Scenario, statistic: f64, critical: f64 },
}

/// Estimates the mean and SD of a group from its median with the quartiles and/or the range.
pub fn from_five_numbers(s: FiveNumbers) -> Result<Estimated, SummaryError> {
    let invalid = |m: String| Err(SummaryError::Invalid(m));
    let n = s.n;
    if !n.is_finite() || n < 5.0 {
        return invalid(format!(
            "a mean and SD are estimated from a median for groups of at least 5, not {n}"
        ));
    }
    let scenario = match (s.q1.zip(s.q3), s.min.zip(s.max)) {
        (Some(_), Some(_)) => Scenario::Both,
        (Some(_), None) => Scenario::Quartiles,
        (None, Some(_)) => Scenario::Range,
        (None, None) => {
            return invalid(
                "a median needs both quartiles, or the minimum and the maximum, to estimate a mean and SD"
                    .into(),
            );
        }
    };
    if s.q1.is_some() != s.q3.is_some() || s.min.is_some() != s.max.is_some() {
        return invalid("give both quartiles, and both ends of the range".into());
    }
    let ordered = [s.min, s.q1, Some(s.median), s.q3, s.max];
    let known: Vec<f64> = ordered.iter().flatten().copied().collect();
    if known.iter().any(|v| !v.is_finite()) || known.windows(2).any(|w| w[0] > w[1]) {
        return invalid("the summary must run min <= q1 <= median <= q3 <= max".into());
    }
    let m = s.median;
    // Expected range and interquartile range of n standard normal draws (Wan et al. 2014).
    let xi = 2.0 * z_quantile((n - 0.375) / (n + 0.25));
    let eta = 2.0 * z_quantile((0.75 * n - 0.125) / (n + 0.25));
    let spread_of = |lo: f64, hi: f64| if hi > lo { (lo + hi - 2.0 * m).abs() / (hi - lo) } else { 0.0 };
    let (statistic, critical) = match scenario {
        Scenario::Range => {
            let (a, b) = (s.min.unwrap_or(m), s.max.unwrap_or(m));
            (spread_of(a, b), 1.0 / (n + 9.0).ln() + 2.5 / (n + 1.0))
        }
        Scenario::Quartiles => {
            let (q1, q3) = (s.q1.unwrap_or(m), s.q3.unwrap_or(m));
            (spread_of(q1, q3), 2.65 / n.sqrt() - 6.0 / (n * n))
        }
        Scenario::Both => {
            let (a, b, q1, q3) =
                (s.min.unwrap_or(m), s.max.unwrap_or(m), s.q1.unwrap_or(m), s.q3.unwrap_or(m));
            let range = 2.65 * (0.6 * n).ln() / n.sqrt() * spread_of(a, b);
            (range.max(spread_of(q1, q3)), 3.0 / n.sqrt() - 40.0 / n.powi(3))
        }
    };
    if statistic >= critical {
        return Err(SummaryError::Skewed { scenario, statistic, critical });
    }
    let (mean, sd) = match scenario {
        Scenario::Range => {
            let (a, b) = (s.min.unwrap_or(m), s.max.unwrap_or(m));
            let w = 4.0 / (4.0 + n.powf(0.75));
            (w * (a + b) / 2.0 + (1.0 - w) * m, (b - a) / xi)
        }
        Scenario::Quartiles => {
            let (q1, q3) = (s.q1.unwrap_or(m), s.q3.unwrap_or(m));
            let w = 0.7 + 0.39 / n;
            (w * (q1 + q3) / 2.0 + (1.0 - w) * m, (q3 - q1) / eta)
        }
        Scenario::Both => {
            let (a, b, q1, q3) =
                (s.min.unwrap_or(m), s.max.unwrap_or(m), s.q1.unwrap_or(m), s.q3.unwrap_or(m));
            let w1 = 2.2 / (2.2 + n.powf(0.75));
            let w2 = 0.7 - 0.72 / n.powf(0.55);
            let mean = w1 * (a + b) / 2.0 + w2 * (q1 + q3) / 2.0 + (1.0 - w1 - w2) * m;
            let w = 1.0 / (1.0 + 0.07 * n.powf(0.6));
            (mean, w * (b - a) / xi + (1.0 - w) * (q3 - q1) / eta)
        }
    };
    Ok(Estimated { mean, sd, scenario })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(n: f64, q: Option<(f64, f64)>, range: Option<(f64, f64)>, median: f64) -> FiveNumbers {
        FiveNumbers {
            n,
            median,
            q1: q.map(|q| q.0),
            q3: q.map(|q| q.1),
            min: range.map(|r| r.0),
            max: range.map(|r| r.1),
        }
    }

    #[test]
    fn the_formulas_by_hand() {
        // n = 50, median 10, IQR 8-12: Luo's weight 0.7 + 0.39/50 = 0.7078 on the mid-quartile
        // (10), so the mean is 10; Wan's SD 4 / (2 qnorm((37.5 - 0.125) / 50.25)).
        let e = from_five_numbers(summary(50.0, Some((8.0, 12.0)), None, 10.0)).unwrap();
        let eta = 2.0 * z_quantile(37.375 / 50.25);
        assert_eq!(e.scenario, Scenario::Quartiles);
        assert!((e.mean - 10.0).abs() < 1e-12 && (e.sd - 4.0 / eta).abs() < 1e-12, "{e:?}");
        // R: 2 * qnorm(37.375 / 50.25) = 1.310093015; 2 * qnorm(29.625 / 30.25) = 4.080562644.
        assert!((eta - 1.310093015).abs() < 1e-9, "eta(50) {eta}");
        assert!((2.0 * z_quantile(29.625 / 30.25) - 4.080562644).abs() < 1e-9);
        // Slightly asymmetric quartiles move the mean toward the mid-quartile.
        let e = from_five_numbers(summary(50.0, Some((8.0, 12.5)), None, 10.0)).unwrap();
        let w = 0.7 + 0.39 / 50.0;
        assert!((e.mean - (w * 10.25 + (1.0 - w) * 10.0)).abs() < 1e-12, "{e:?}");
        // Range only: n = 30, 2-18 around 10.
        let e = from_five_numbers(summary(30.0, None, Some((2.0, 18.0)), 10.0)).unwrap();
        let xi = 2.0 * z_quantile((30.0 - 0.375) / 30.25);
        assert!((e.mean - 10.0).abs() < 1e-12 && (e.sd - 16.0 / xi).abs() < 1e-12, "{e:?}");
        // All five: Shi's weight between the two SDs.
        let e = from_five_numbers(summary(100.0, Some((8.0, 12.0)), Some((2.0, 18.0)), 10.0)).unwrap();
        let (xi, eta) = (2.0 * z_quantile(99.625 / 100.25), 2.0 * z_quantile(74.875 / 100.25));
        let w = 1.0 / (1.0 + 0.07 * 100f64.powf(0.6));
        assert!((e.sd - (w * 16.0 / xi + (1.0 - w) * 4.0 / eta)).abs() < 1e-12, "{e:?}");
    }

    #[test]
    fn a_skewed_summary_is_not_converted() {
        // Length of stay: median 4 days, IQR 3-9, n 60: far from symmetric.
        let err = from_five_numbers(summary(60.0, Some((3.0, 9.0)), None, 4.0)).unwrap_err();
        assert!(matches!(err, SummaryError::Skewed { scenario: Scenario::Quartiles, .. }), "{err}");
        assert!(err.to_string().starts_with("the median and IQR suggest a skewed distribution"), "{err}");
    }

    #[test]
    fn impossible_summaries_are_refused() {
        for (s, message) in [
            (summary(4.0, Some((8.0, 12.0)), None, 10.0), "at least 5"),
            (summary(50.0, Some((12.0, 8.0)), None, 10.0), "min <= q1"),
            (summary(50.0, None, None, 10.0), "needs both quartiles"),
            (
                FiveNumbers { n: 50.0, median: 10.0, q1: Some(8.0), ..FiveNumbers::default() },
                "needs both quartiles",
            ),
        ] {
            let err = from_five_numbers(s).unwrap_err().to_string();
            assert!(err.contains(message), "{s:?}: {err}");
        }
    }

    /// Normal samples: the estimates from their five-number summaries are close to the
    /// samples' true mean and SD on average (the methods are built for normal data).
    #[test]
    fn normal_samples_are_recovered_on_average() {
        // A small deterministic generator (xorshift) and Box-Muller: no dependency.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut uniform = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for n in [25usize, 101, 401] {
            let runs = 400;
            let mut sums = [[0.0; 2]; 3];
            let mut converted = [0usize; 3];
            for _ in 0..runs {
                let mut x: Vec<f64> = (0..n)
                    .map(|_| {
                        let (u1, u2) = (uniform().max(1e-300), uniform());
                        50.0 + 10.0 * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
                    })
                    .collect();
                x.sort_by(f64::total_cmp);
                // Quantiles of the sorted sample (type 7, as R's quantile).
                let q = |p: f64| {
                    let h = (n - 1) as f64 * p;
                    let (lo, hi) = (h.floor() as usize, h.ceil() as usize);
                    x[lo] + (h - lo as f64) * (x[hi] - x[lo])
                };
                let (q1, med, q3) = (q(0.25), q(0.5), q(0.75));
                let cases = [
                    summary(n as f64, None, Some((x[0], x[n - 1])), med),
                    summary(n as f64, Some((q1, q3)), None, med),
                    summary(n as f64, Some((q1, q3)), Some((x[0], x[n - 1])), med),
                ];
                for (i, s) in cases.into_iter().enumerate() {
                    // A normal sample is now and then called skewed (the test's own error rate).
                    if let Ok(e) = from_five_numbers(s) {
                        sums[i][0] += e.mean;
                        sums[i][1] += e.sd;
                        converted[i] += 1;
                    }
                }
            }
            for (i, scenario) in ["range", "quartiles", "both"].iter().enumerate() {
                assert!(
                    converted[i] > runs * 8 / 10,
                    "n {n} {scenario}: {} of {runs} converted",
                    converted[i]
                );
                let (mean, sd) = (sums[i][0] / converted[i] as f64, sums[i][1] / converted[i] as f64);
                assert!((mean - 50.0).abs() < 0.5, "n {n} {scenario}: mean {mean}");
                assert!((sd - 10.0).abs() < 0.6, "n {n} {scenario}: sd {sd}");
            }
        }
    }
}
