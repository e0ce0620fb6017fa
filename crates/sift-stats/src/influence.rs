//! Influence diagnostics of the pooled model (Viechtbauer & Cheung 2010), as metafor's
//! `influence` computes them for a model without moderators: each study's externally
//! studentized residual, DFFITS, Cook's distance, covariance ratio, tau² and Q without it, its
//! leverage (hat value) and weight, DFBETAS, and whether any of metafor's cut-offs calls it
//! influential.

use serde::Serialize;

use crate::model::{Options, fit};
use crate::{Fit, Result, StatsError};

/// One study's influence on the pooled model.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Influence {
    /// Externally studentized residual: the study's distance from the model fitted without it.
    pub rstudent: f64,
    /// How many standard deviations the pooled estimate moves when the study is left out.
    pub dffits: f64,
    /// Cook's distance: the same move, against the whole model's variance.
    pub cook_d: f64,
    /// Covariance ratio: the variance of the pooled estimate without the study over with it
    /// (below 1: the study sharpens the estimate).
    pub cov_r: f64,
    /// tau² and Cochran's Q of the model without the study.
    pub tau2_del: f64,
    pub qe_del: f64,
    /// Leverage: the study's share of the weight (0 to 1).
    pub hat: f64,
    /// Weight in percent.
    pub weight: f64,
    /// The move of the pooled estimate in standard errors.
    pub dfbetas: f64,
    /// Whether metafor would mark it influential: |DFFITS| > 3 sqrt(1 / (k - 1)), Cook's
    /// distance above the median of chi-squared with 1 df, hat > 3 / k, or |DFBETAS| > 1.
    pub influential: bool,
}

/// Influence diagnostics of every study; needs at least 3 studies (each leave-one-out model
/// pools at least 2).
pub fn influence(yi: &[f64], vi: &[f64], options: Options) -> Result<Vec<Influence>> {
    let k = yi.len();
    if k < 3 {
        return Err(StatsError::Model(format!("influence diagnostics need at least 3 studies, not {k}")));
    }
    let full = fit(yi, vi, None, options)?;
    let pooled = full.pooled();
    let vb = pooled.se * pooled.se;
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + full.tau2)).collect();
    let sum_w: f64 = w.iter().sum();
    let kf = k as f64;
    // The median of chi-squared with 1 degree of freedom.
    const CHI2_1_MEDIAN: f64 = 0.454_936_423_119_572_7;
    (0..k)
        .map(|i| {
            let (y, v): (Vec<f64>, Vec<f64>) = (0..k).filter(|&j| j != i).map(|j| (yi[j], vi[j])).unzip();
            let without: Fit = fit(&y, &v, None, options).map_err(|e| StatsError::Study {
                study: i + 1,
                what: format!("the model without it: {e}"),
            })?;
            let b = without.pooled();
            let tau2_del = without.tau2;
            let vb_del_model = b.se * b.se;
            // The Hartung-Knapp scale of the model without the study (1 under a z test).
            let s2w = vb_del_model * v.iter().map(|v| 1.0 / (v + tau2_del)).sum::<f64>();
            let hat = w[i] / sum_w;
            let moved = pooled.estimate - b.estimate;
            let dffits = moved / (s2w * hat * (tau2_del + vi[i])).sqrt();
            // The whole model's variance with the study's tau² plugged in.
            let vb_del = 1.0 / vi.iter().map(|v| 1.0 / (v + tau2_del)).sum::<f64>();
            let dfbetas = moved / (s2w * vb_del).sqrt();
            let cook_d = moved * moved / vb;
            let cov_r = vb_del_model / vb;
            let resid = yi[i] - b.estimate;
            let resid = if resid.abs() < 100.0 * f64::EPSILON { 0.0 } else { resid };
            let rstudent = resid / (vi[i] * s2w + vb_del_model + tau2_del * s2w).sqrt();
            let influential = dffits.abs() > 3.0 * (1.0 / (kf - 1.0)).sqrt()
                || cook_d > CHI2_1_MEDIAN
                || hat > 3.0 / kf
                || dfbetas.abs() > 1.0;
            Ok(Influence {
                rstudent,
                dffits,
                cook_d,
                cov_r,
                tau2_del,
                qe_del: without.heterogeneity.q,
                hat,
                weight: 100.0 * hat,
                dfbetas,
                influential,
            })
        })
        .collect()
}
