//! Trim and fill (Duval & Tweedie 2000): how many studies an asymmetric funnel plot suggests
//! are missing on one side, and the pooled effect once their mirror images are filled in.
//!
//! As metafor's `trimfill` computes it: the side is the one Egger-type regression of the
//! effects on their standard errors (with the model's own tau² method) points away from; the
//! studies are sorted, the `k0` most extreme on the other side trimmed, the model refitted on the
//! rest, and `k0` re-estimated from the signed ranks of the centred effects (L0, R0 or Q0)
//! until it no longer changes. The filled studies mirror the trimmed ones around the trimmed
//! estimate; the whole set, observed and filled, is then pooled with the same model.
//!
//! It is a sensitivity analysis under one particular mechanism of selection (the most extreme
//! results on one side suppressed), not a corrected estimate.

use serde::Serialize;

use crate::model::{Moderators, Options, fit};
use crate::{Fit, Result, StatsError};

/// The estimator of the number of missing studies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub enum Estimator {
    /// From the sum of the positive ranks (Wilcoxon); the default, as in metafor.
    #[default]
    L0,
    /// From the run of the largest ranks on one side.
    R0,
    /// The quadratic variant of L0.
    Q0,
}

impl Estimator {
    pub fn code(self) -> &'static str {
        match self {
            Estimator::L0 => "L0",
            Estimator::R0 => "R0",
            Estimator::Q0 => "Q0",
        }
    }
}

impl std::str::FromStr for Estimator {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_uppercase().as_str() {
            "L0" => Ok(Estimator::L0),
            "R0" => Ok(Estimator::R0),
            "Q0" => Ok(Estimator::Q0),
            _ => Err(format!("unknown trim-and-fill estimator {s:?}: expected L0, R0 or Q0")),
        }
    }
}

/// The side of the funnel plot where studies are taken to be missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Left,
    Right,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }
}

/// A study filled in: the mirror image of an observed one.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Filled {
    pub yi: f64,
    pub vi: f64,
    /// The observed study it mirrors (0-based position in the input).
    pub mirrors: usize,
}

/// The outcome of trim and fill.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrimFill {
    pub estimator: Estimator,
    pub side: Side,
    /// Estimated number of missing studies.
    pub k0: usize,
    /// Its standard error (L0 and Q0 from the variance of the rank sum; R0 `sqrt(2 k0 + 2)`);
    /// NaN where that variance comes out negative.
    pub se_k0: f64,
    pub iterations: usize,
    pub filled: Vec<Filled>,
    /// The model on the observed and filled studies (the observed studies' model when none is
    /// filled).
    pub fit: Fit,
}

/// metafor gives up after this many rounds.
const MAX_ITERATIONS: usize = 100;

/// Trim and fill on a model without moderators. `side` is where studies are missing; when
/// `None` it is chosen from the sign of the slope of the effects on their standard errors.
pub fn trim_and_fill(
    yi: &[f64],
    vi: &[f64],
    options: Options,
    estimator: Estimator,
    side: Option<Side>,
) -> Result<TrimFill> {
    let k = yi.len();
    if k < 3 {
        return Err(StatsError::Model(format!("trim and fill needs at least 3 studies, not {k}")));
    }
    let observed = fit(yi, vi, None, options)?;
    let side = match side {
        Some(side) => side,
        None => {
            let se = Moderators {
                names: vec!["sei".into()],
                columns: vec![vi.iter().map(|v| v.sqrt()).collect()],
            };
            let regression = fit(yi, vi, Some(&se), Options { test: crate::Test::Z, ..options })?;
            if regression.coefficients[1].estimate < 0.0 { Side::Right } else { Side::Left }
        }
    };
    // Missing on the right is missing on the left of the effects turned round.
    let sign = if side == Side::Right { -1.0 } else { 1.0 };
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| (sign * yi[a]).total_cmp(&(sign * yi[b])));
    let y: Vec<f64> = order.iter().map(|&i| sign * yi[i]).collect();
    let v: Vec<f64> = order.iter().map(|&i| vi[i]).collect();

    let kf = k as f64;
    let (mut k0, mut previous, mut iterations) = (0usize, None, 0usize);
    let (mut se_k0, mut beta) = (0.0, 0.0);
    while previous != Some(k0) {
        previous = Some(k0);
        iterations += 1;
        if iterations > MAX_ITERATIONS {
            return Err(StatsError::Model(format!(
                "trim and fill did not settle on a number of missing studies in {MAX_ITERATIONS} rounds"
            )));
        }
        if k0 >= k - 1 {
            return Err(StatsError::Model(format!(
                "trim and fill would trim {k0} of {k} studies; too few are left to pool"
            )));
        }
        let trimmed = fit(&y[..k - k0], &v[..k - k0], None, options)?;
        beta = trimmed.pooled().estimate;
        let centred: Vec<f64> = y.iter().map(|y| y - beta).collect();
        let signed_ranks = signed_ranks(&centred);
        let (estimate, se) = match estimator {
            Estimator::R0 => {
                let Some(largest_negative) =
                    signed_ranks.iter().filter(|r| **r < 0.0).map(|r| -r).reduce(f64::max)
                else {
                    return Err(StatsError::Model(
                        "trim and fill (R0): every study lies on one side of the trimmed estimate".into(),
                    ));
                };
                let k0 = kf - largest_negative - 1.0;
                (k0, (2.0 * k0.max(0.0) + 2.0).sqrt())
            }
            Estimator::L0 | Estimator::Q0 => {
                let sr: f64 = signed_ranks.iter().filter(|r| **r > 0.0).sum();
                let k0 = if estimator == Estimator::L0 {
                    (4.0 * sr - kf * (kf + 1.0)) / (2.0 * kf - 1.0)
                } else {
                    kf - 0.5 - (2.0 * kf * kf - 4.0 * sr + 0.25).sqrt()
                };
                let var_sr =
                    (kf * (kf + 1.0) * (2.0 * kf + 1.0) + 10.0 * k0.powi(3) + 27.0 * k0 * k0 + 17.0 * k0
                        - 18.0 * kf * k0 * k0
                        - 18.0 * kf * k0
                        + 6.0 * kf * kf * k0)
                        / 24.0;
                let se = if estimator == Estimator::L0 {
                    4.0 * var_sr.sqrt() / (2.0 * kf - 1.0)
                } else {
                    2.0 * var_sr.sqrt() / ((kf - 0.5).powi(2) - k0 * (2.0 * kf - k0 - 1.0)).sqrt()
                };
                (k0, se)
            }
        };
        if !estimate.is_finite() {
            return Err(StatsError::Model(format!(
                "trim and fill ({}): the number of missing studies cannot be estimated here",
                estimator.code()
            )));
        }
        // R rounds half to even.
        k0 = estimate.round_ties_even().max(0.0) as usize;
        // The rank-sum variance can come out negative for an extreme k0: then the SE is NaN, as
        // in metafor (f64::max would turn it into 0).
        se_k0 = if se.is_nan() { f64::NAN } else { se.max(0.0) };
    }
    if k0 == 0 {
        return Ok(TrimFill { estimator, side, k0, se_k0, iterations, filled: Vec::new(), fit: observed });
    }
    // The k0 most extreme studies on the observed side, mirrored around the trimmed estimate.
    let filled: Vec<Filled> =
        (k - k0..k).map(|j| Filled { yi: sign * (2.0 * beta - y[j]), vi: v[j], mirrors: order[j] }).collect();
    let all_y: Vec<f64> = yi.iter().copied().chain(filled.iter().map(|f| f.yi)).collect();
    let all_v: Vec<f64> = vi.iter().copied().chain(filled.iter().map(|f| f.vi)).collect();
    let fit = fit(&all_y, &all_v, None, options)?;
    Ok(TrimFill { estimator, side, k0, se_k0, iterations, filled, fit })
}

/// The ranks of `|x|` (ties in the order given, as R's `ties.method = "first"`), signed as `x`.
fn signed_ranks(x: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| x[a].abs().total_cmp(&x[b].abs()));
    let mut ranks = vec![0.0; x.len()];
    for (rank, &i) in order.iter().enumerate() {
        let sign = if x[i] > 0.0 {
            1.0
        } else if x[i] < 0.0 {
            -1.0
        } else {
            0.0
        };
        ranks[i] = sign * (rank + 1) as f64;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_break_ties_in_order_and_carry_the_sign() {
        assert_eq!(signed_ranks(&[0.5, -0.1, 0.1, 0.0, -2.0]), [4.0, -2.0, 3.0, 0.0, -5.0]);
    }

    #[test]
    fn a_symmetric_funnel_needs_nothing_filled() {
        // metafor: no study missing, on the right, with every estimator.
        let yi = [-0.43, -0.21, 0.02, 0.17, 0.38, -0.12, 0.09];
        let vi = [0.041, 0.022, 0.011, 0.019, 0.043, 0.031, 0.028];
        for estimator in [Estimator::L0, Estimator::R0, Estimator::Q0] {
            let tf = trim_and_fill(&yi, &vi, Options::default(), estimator, None).unwrap();
            assert_eq!((tf.side, tf.k0, tf.filled.len(), tf.fit.k), (Side::Right, 0, 0, 7), "{estimator:?}");
        }
    }

    #[test]
    fn filled_studies_mirror_the_most_extreme_around_the_trimmed_estimate() {
        // Small studies with large effects only on the right: studies are missing on the left
        // (metafor: 3 with L0 and R0, trimmed estimate 0.1973128; Q0 cannot be computed).
        let yi = [0.1, 0.15, 0.2, 0.5, 0.7, 0.9, 1.1];
        let vi = [0.01, 0.012, 0.015, 0.05, 0.08, 0.1, 0.15];
        let q0 = trim_and_fill(&yi, &vi, Options::default(), Estimator::Q0, None).unwrap_err();
        assert!(q0.to_string().contains("cannot be estimated"), "{q0}");
        for estimator in [Estimator::L0, Estimator::R0] {
            let tf = trim_and_fill(&yi, &vi, Options::default(), estimator, None).unwrap();
            assert_eq!((tf.side, tf.k0), (Side::Left, 3), "{estimator:?}");
            assert_eq!(tf.fit.k, 7 + tf.k0);
            assert!(
                tf.fit.pooled().estimate < fit(&yi, &vi, None, Options::default()).unwrap().pooled().estimate
            );
            // The most extreme filled first mirrors the least extreme trimmed; each keeps its variance.
            for f in &tf.filled {
                assert_eq!(f.vi, vi[f.mirrors]);
                assert!(f.yi < yi[f.mirrors]);
            }
        }
        let right = trim_and_fill(&yi.map(|y| -y), &vi, Options::default(), Estimator::L0, None).unwrap();
        let left = trim_and_fill(&yi, &vi, Options::default(), Estimator::L0, None).unwrap();
        assert_eq!(right.side, Side::Right);
        assert_eq!(right.k0, left.k0);
        assert!((right.fit.pooled().estimate + left.fit.pooled().estimate).abs() < 1e-9, "mirror images");
    }

    #[test]
    fn too_few_studies_are_refused() {
        let err =
            trim_and_fill(&[0.1, 0.2], &[0.01, 0.02], Options::default(), Estimator::L0, None).unwrap_err();
        assert_eq!(err.to_string(), "trim and fill needs at least 3 studies, not 2");
    }
}
