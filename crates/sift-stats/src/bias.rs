//! Small-study effects: Egger's regression test of funnel-plot asymmetry (Egger et al. 1997),
//! as metafor's `regtest(model = "lm")` computes it: the weighted regression of the effects on
//! their standard errors (weights 1/v), whose slope is Egger's intercept (the standard normal
//! deviate regressed on precision) and whose intercept is the effect a study of infinite size
//! would show.

use serde::Serialize;

use crate::linalg::{crossprod, crossprod_y};
use crate::{Result, StatsError, dist};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Egger {
    /// Egger's intercept (the bias coefficient) with its SE and t test.
    pub bias: f64,
    pub bias_se: f64,
    pub t: f64,
    pub df: usize,
    pub p_value: f64,
    /// The effect extrapolated to a standard error of 0.
    pub limit_estimate: f64,
    pub k: usize,
}

/// Egger's test; needs at least 3 studies (the Cochrane Handbook advises at least 10 for the
/// test to have power enough to mean much).
pub fn egger(yi: &[f64], vi: &[f64]) -> Result<Egger> {
    let k = yi.len();
    if k < 3 {
        return Err(StatsError::Model(format!("Egger's test needs at least 3 studies, not {k}")));
    }
    for (i, v) in vi.iter().enumerate() {
        if !v.is_finite() || *v <= 0.0 || !yi[i].is_finite() {
            return Err(StatsError::Study {
                study: i + 1,
                what: "needs an effect and a variance above 0".into(),
            });
        }
    }
    let x: Vec<Vec<f64>> = vi.iter().map(|v| vec![1.0, v.sqrt()]).collect();
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
    let cov = crossprod(&x, &w)
        .inverse_spd()
        .ok_or_else(|| StatsError::Model("Egger's test needs studies of different sizes".into()))?;
    let b = cov.mul_vec(&crossprod_y(&x, &w, yi));
    let rss: f64 =
        x.iter().zip(yi).zip(&w).map(|((row, y), wi)| wi * (y - b[0] - b[1] * row[1]).powi(2)).sum();
    let df = k - 2;
    let sigma2 = rss / df as f64;
    let bias_se = (sigma2 * cov.get(1, 1)).sqrt();
    let t = b[1] / bias_se;
    Ok(Egger {
        bias: b[1],
        bias_se,
        t,
        df,
        p_value: dist::t_two_sided_p(t, df as f64),
        limit_estimate: b[0],
        k,
    })
}
