//! Pooling effect sizes: the common-effect model and random-effects models, with or without
//! moderators (meta-regression), as metafor's `rma.uni` fits them.
//!
//! With `k` studies, effects `y`, sampling variances `v`, a design `X` (an intercept and the
//! moderators; `p` columns) and weights `w = 1 / (v + tau²)`, the coefficients are the
//! weighted least-squares fit `b = (X'WX)^-1 X'Wy` with covariance `(X'WX)^-1`. The methods
//! differ in tau²:
//! - common effect: 0;
//! - DerSimonian-Laird: `(QE - (k - p)) / tr(P)`, truncated at 0;
//! - Hedges: from the unweighted residuals, `(RSS - tr(P_ols V)) / (k - p)`, truncated at 0;
//! - Paule-Mandel: the tau² at which the generalised Q statistic equals `k - p`;
//! - ML and REML: Fisher scoring on the (restricted) likelihood, kept at or above 0.
//!
//! The Hartung-Knapp-Sidik-Jonkman test scales the covariance by the weighted residual
//! variance `s² = y'Py / (k - p)` and uses t (or F) with `k - p` degrees of freedom; its ad hoc
//! variant never lets `s²` fall below 1. Heterogeneity (QE, I², H²) and the Q-profile interval
//! of tau² follow metafor (Viechtbauer 2007).

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::dist;
use crate::linalg::{Square, crossprod, crossprod_y, quad};
use crate::{Result, StatsError};

/// How tau² (the between-study variance) is estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Method {
    /// Common (fixed, equal) effect: tau² = 0.
    Common,
    DerSimonianLaird,
    Hedges,
    PauleMandel,
    MaximumLikelihood,
    Reml,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::Common,
        Method::DerSimonianLaird,
        Method::Hedges,
        Method::PauleMandel,
        Method::MaximumLikelihood,
        Method::Reml,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Method::Common => "FE",
            Method::DerSimonianLaird => "DL",
            Method::Hedges => "HE",
            Method::PauleMandel => "PM",
            Method::MaximumLikelihood => "ML",
            Method::Reml => "REML",
        }
    }

    /// How a report names the model.
    pub fn name(self) -> &'static str {
        match self {
            Method::Common => "Common effect (inverse variance)",
            Method::DerSimonianLaird => "Random effects (DerSimonian-Laird)",
            Method::Hedges => "Random effects (Hedges)",
            Method::PauleMandel => "Random effects (Paule-Mandel)",
            Method::MaximumLikelihood => "Random effects (ML)",
            Method::Reml => "Random effects (REML)",
        }
    }

    pub fn is_random(self) -> bool {
        self != Method::Common
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Method {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        match upper.as_str() {
            "FE" | "EE" | "CE" | "COMMON" | "FIXED" => Ok(Method::Common),
            _ => Method::ALL.into_iter().find(|m| m.code() == upper).ok_or_else(|| {
                format!("unknown method {s:?}: expected one of {}", Method::ALL.map(Method::code).join(", "))
            }),
        }
    }
}

/// How coefficients are tested and their intervals built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Test {
    /// Wald z tests and normal intervals.
    Z,
    /// Hartung-Knapp-Sidik-Jonkman: t (F for moderators) with k - p degrees of freedom.
    Hksj,
    /// HKSJ with the ad hoc correction (the scale factor never below 1).
    HksjAdhoc,
}

impl Test {
    pub fn code(self) -> &'static str {
        match self {
            Test::Z => "z",
            Test::Hksj => "hksj",
            Test::HksjAdhoc => "hksj-adhoc",
        }
    }
}

impl FromStr for Test {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "z" => Ok(Test::Z),
            "hksj" | "knha" | "hk" | "t" => Ok(Test::Hksj),
            "hksj-adhoc" | "knha-adhoc" | "adhoc" => Ok(Test::HksjAdhoc),
            _ => Err(format!("unknown test {s:?}: expected z, hksj or hksj-adhoc")),
        }
    }
}

/// What to fit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Options {
    pub method: Method,
    pub test: Test,
    /// Confidence level of every interval (0.95).
    pub level: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options { method: Method::Reml, test: Test::Z, level: 0.95 }
    }
}

/// Study-level covariates for a meta-regression: one column per moderator, one value per study.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Moderators {
    pub names: Vec<String>,
    pub columns: Vec<Vec<f64>>,
}

/// One coefficient of the model (the pooled effect, for a model without moderators).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Coefficient {
    pub name: String,
    pub estimate: f64,
    pub se: f64,
    /// z, or t under HKSJ.
    pub statistic: f64,
    pub p_value: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
}

/// Heterogeneity around the common-effect fit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Heterogeneity {
    /// Cochran's Q (the residual QE with moderators), with the common-effect weights.
    pub q: f64,
    pub df: usize,
    /// `None` with no degrees of freedom (as many studies as coefficients).
    pub p_value: Option<f64>,
    /// I² in percent.
    pub i2: Option<f64>,
    pub h2: Option<f64>,
    /// Intervals of I² (percent) and H², from the Q-profile interval of tau² with the same
    /// typical within-study variance (metafor's `confint`); random-effects models only.
    pub i2_ci: Option<(f64, f64)>,
    pub h2_ci: Option<(f64, f64)>,
}

/// The omnibus test of the moderators (of the intercept, without moderators).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ModeratorTest {
    /// Wald chi-squared, or F under HKSJ.
    pub statistic: f64,
    pub df1: usize,
    /// The F test's denominator degrees of freedom under HKSJ.
    pub df2: Option<usize>,
    pub p_value: f64,
}

/// A fitted model.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Fit {
    pub k: usize,
    pub method: Method,
    pub test: Test,
    pub level: f64,
    /// The intercept (the pooled effect without moderators) first, then one per moderator.
    pub coefficients: Vec<Coefficient>,
    pub tau2: f64,
    /// Q-profile interval of tau² (random-effects models with at least 2 degrees of freedom).
    pub tau2_ci: Option<(f64, f64)>,
    pub heterogeneity: Heterogeneity,
    pub moderator_test: ModeratorTest,
    /// Degrees of freedom of the t and F tests (HKSJ only).
    pub df: Option<usize>,
    /// Each study's share of the total weight, in percent.
    pub weights: Vec<f64>,
    /// Where the effect of a new study is expected to lie (models without moderators):
    /// `b ± crit · sqrt(se² + tau²)`, crit from z, or from t with k - 1 df under HKSJ.
    pub prediction: Option<(f64, f64)>,
}

impl Fit {
    /// The pooled effect (the intercept).
    pub fn pooled(&self) -> &Coefficient {
        &self.coefficients[0]
    }

    pub fn tau(&self) -> f64 {
        self.tau2.sqrt()
    }
}

/// The design: an intercept column plus the moderators, one row per study.
fn design(k: usize, moderators: Option<&Moderators>) -> Result<(Vec<Vec<f64>>, Vec<String>)> {
    let mut names = vec!["intercept".to_string()];
    let mut rows = vec![vec![1.0]; k];
    if let Some(m) = moderators {
        if m.names.len() != m.columns.len() {
            return Err(StatsError::Model("each moderator needs a name".into()));
        }
        for (name, column) in m.names.iter().zip(&m.columns) {
            if column.len() != k {
                return Err(StatsError::Model(format!(
                    "moderator {name:?} has {} values for {k} studies",
                    column.len()
                )));
            }
            for (i, v) in column.iter().enumerate() {
                if !v.is_finite() {
                    return Err(StatsError::Study {
                        study: i + 1,
                        what: format!("moderator {name:?} is not a number"),
                    });
                }
                rows[i].push(*v);
            }
            names.push(name.clone());
        }
    }
    Ok((rows, names))
}

/// The weighted least-squares fit for weights `w`: coefficients, their unscaled covariance,
/// and the weighted residual sum of squares `y'Py`.
struct Wls {
    b: Vec<f64>,
    cov: Square,
    rss: f64,
}

fn wls(x: &[Vec<f64>], y: &[f64], w: &[f64]) -> Result<Wls> {
    let cov = crossprod(x, w).inverse_spd().ok_or_else(|| {
        StatsError::Model(
            "the moderators are collinear (or constant): their coefficients cannot be told apart".into(),
        )
    })?;
    let b = cov.mul_vec(&crossprod_y(x, w, y));
    let rss = residuals(x, y, &b).iter().zip(w).map(|(e, wi)| wi * e * e).sum();
    Ok(Wls { b, cov, rss })
}

fn residuals(x: &[Vec<f64>], y: &[f64], b: &[f64]) -> Vec<f64> {
    x.iter().zip(y).map(|(row, yi)| yi - row.iter().zip(b).map(|(a, c)| a * c).sum::<f64>()).collect()
}

/// `tr(P)` for `P = W - W X (X'WX)^-1 X' W`: `sum(w) - tr((X'WX)^-1 X'W²X)`.
fn trace_p(x: &[Vec<f64>], w: &[f64], cov: &Square) -> f64 {
    let w2: Vec<f64> = w.iter().map(|v| v * v).collect();
    let m = crossprod(x, &w2);
    let tr: f64 = (0..cov.n).map(|i| (0..cov.n).map(|j| cov.get(i, j) * m.get(j, i)).sum::<f64>()).sum();
    w.iter().sum::<f64>() - tr
}

/// The full `P` matrix (k x k), for REML's `tr(PP)`.
fn p_matrix(x: &[Vec<f64>], w: &[f64], cov: &Square) -> Vec<f64> {
    let k = x.len();
    let mut p = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            let h = quad(cov, &x[i], &x[j]);
            p[i * k + j] = if i == j { w[i] } else { 0.0 } - w[i] * w[j] * h;
        }
    }
    p
}

/// The generalised Q statistic `y'P(tau²)y`.
fn q_gen(x: &[Vec<f64>], y: &[f64], v: &[f64], tau2: f64) -> Result<f64> {
    let w: Vec<f64> = v.iter().map(|vi| 1.0 / (vi + tau2)).collect();
    Ok(wls(x, y, &w)?.rss)
}

/// The tau² in `[0, ∞)` at which the generalised Q equals `target` (Q falls as tau² grows);
/// 0 when Q is below the target already at 0.
fn q_root(x: &[Vec<f64>], y: &[f64], v: &[f64], target: f64) -> Result<f64> {
    if q_gen(x, y, v, 0.0)? <= target {
        return Ok(0.0);
    }
    let mut hi = v.iter().fold(1.0_f64, |m, vi| m.max(*vi)) * 10.0;
    let mut n = 0;
    while q_gen(x, y, v, hi)? > target {
        hi *= 10.0;
        n += 1;
        if n > 60 {
            return Err(StatsError::Model("the Q-profile did not reach its target".into()));
        }
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if q_gen(x, y, v, mid)? > target {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * hi.max(1e-12) {
            break;
        }
    }
    Ok(0.5 * (lo + hi))
}

fn tau2_estimate(method: Method, x: &[Vec<f64>], y: &[f64], v: &[f64]) -> Result<f64> {
    let k = x.len();
    let p = x[0].len();
    let df = (k - p) as f64;
    if k == p {
        return Ok(0.0);
    }
    match method {
        Method::Common => Ok(0.0),
        Method::DerSimonianLaird => {
            let w: Vec<f64> = v.iter().map(|vi| 1.0 / vi).collect();
            let fe = wls(x, y, &w)?;
            let tr = trace_p(x, &w, &fe.cov);
            Ok(((fe.rss - df) / tr).max(0.0))
        }
        Method::Hedges => {
            let ones = vec![1.0; k];
            let ols = wls(x, y, &ones)?;
            let tr_pv: f64 = x.iter().zip(v).map(|(row, vi)| vi * (1.0 - quad(&ols.cov, row, row))).sum();
            Ok(((ols.rss - tr_pv) / df).max(0.0))
        }
        Method::PauleMandel => q_root(x, y, v, df),
        Method::MaximumLikelihood | Method::Reml => fisher_scoring(method, x, y, v),
    }
}

/// Fisher scoring for the ML or REML tau², started at the Hedges estimate and stepped back
/// (halved) whenever a step would go below 0, until the change is below 1e-10.
fn fisher_scoring(method: Method, x: &[Vec<f64>], y: &[f64], v: &[f64]) -> Result<f64> {
    let mut tau2 = tau2_estimate(Method::Hedges, x, y, v)?;
    for _ in 0..1000 {
        let w: Vec<f64> = v.iter().map(|vi| 1.0 / (vi + tau2)).collect();
        let fit = wls(x, y, &w)?;
        // P y = W (y - X b).
        let py: Vec<f64> = residuals(x, y, &fit.b).iter().zip(&w).map(|(e, wi)| wi * e).collect();
        let ypppy: f64 = py.iter().map(|a| a * a).sum();
        let adj = if method == Method::MaximumLikelihood {
            let sw: f64 = w.iter().sum();
            let sw2: f64 = w.iter().map(|a| a * a).sum();
            (ypppy - sw) / sw2
        } else {
            let p = p_matrix(x, &w, &fit.cov);
            let k = x.len();
            let tr_p: f64 = (0..k).map(|i| p[i * k + i]).sum();
            let tr_pp: f64 = p.iter().map(|a| a * a).sum();
            (ypppy - tr_p) / tr_pp
        };
        if !adj.is_finite() {
            return Err(StatsError::Model("the tau² estimate did not converge".into()));
        }
        let mut step = adj;
        while tau2 + step < 0.0 {
            step /= 2.0;
            if step.abs() < 1e-300 {
                step = -tau2;
                break;
            }
        }
        let before = tau2;
        tau2 = (tau2 + step).max(0.0);
        if (tau2 - before).abs() < 1e-10 {
            // At the boundary the halved steps crawl towards 0: the optimum is 0.
            if tau2 < 1e-8 && adj < 0.0 {
                return Ok(0.0);
            }
            return Ok(tau2);
        }
    }
    Err(StatsError::Model("the tau² estimate did not converge in 1000 iterations".into()))
}

/// Fits the model to effects `yi` with sampling variances `vi`.
pub fn fit(yi: &[f64], vi: &[f64], moderators: Option<&Moderators>, options: Options) -> Result<Fit> {
    let k = yi.len();
    if k == 0 {
        return Err(StatsError::NoStudies);
    }
    if vi.len() != k {
        return Err(StatsError::Model(format!("{k} effects but {} variances", vi.len())));
    }
    for (i, (y, v)) in yi.iter().zip(vi).enumerate() {
        if !y.is_finite() {
            return Err(StatsError::Study { study: i + 1, what: format!("effect {y} is not a number") });
        }
        if !v.is_finite() || *v <= 0.0 {
            return Err(StatsError::Study { study: i + 1, what: format!("variance {v} is not more than 0") });
        }
    }
    if !(options.level > 0.0 && options.level < 1.0) {
        return Err(StatsError::Model(format!("confidence level {} is not between 0 and 1", options.level)));
    }
    let (x, names) = design(k, moderators)?;
    let p = names.len();
    if k < p {
        return Err(StatsError::Model(format!(
            "{k} studies cannot estimate {p} coefficients (the intercept and {} moderator(s))",
            p - 1
        )));
    }
    let df = k - p;
    let hksj = options.test != Test::Z;
    if hksj && df == 0 {
        return Err(StatsError::Model(format!(
            "the Hartung-Knapp-Sidik-Jonkman test needs more studies ({k}) than coefficients ({p})"
        )));
    }

    let tau2 = tau2_estimate(options.method, &x, yi, vi)?;
    let w: Vec<f64> = vi.iter().map(|v| 1.0 / (v + tau2)).collect();
    let model = wls(&x, yi, &w)?;
    let mut cov = model.cov.clone();
    if hksj {
        let mut s2 = model.rss / df as f64;
        if options.test == Test::HksjAdhoc {
            s2 = s2.max(1.0);
        }
        cov.a.iter_mut().for_each(|a| *a *= s2);
    }
    let crit = if hksj { dist::t_crit(options.level, df as f64) } else { dist::z_crit(options.level) };
    let coefficients: Vec<Coefficient> = names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let estimate = model.b[j];
            let se = cov.get(j, j).sqrt();
            let statistic = estimate / se;
            let p_value =
                if hksj { dist::t_two_sided_p(statistic, df as f64) } else { dist::z_two_sided_p(statistic) };
            Coefficient {
                name: name.clone(),
                estimate,
                se,
                statistic,
                p_value,
                ci_lower: estimate - crit * se,
                ci_upper: estimate + crit * se,
            }
        })
        .collect();

    // Heterogeneity, always around the common-effect fit.
    let w0: Vec<f64> = vi.iter().map(|v| 1.0 / v).collect();
    let fe = wls(&x, yi, &w0)?;
    let q = fe.rss;
    // The typical within-study variance, which turns tau² into I² and H² (random effects).
    let typical = (df > 0 && options.method.is_random()).then(|| df as f64 / trace_p(&x, &w0, &fe.cov));
    let i2_of = |t: f64, typical: f64| 100.0 * t / (typical + t);
    let h2_of = |t: f64, typical: f64| (typical + t) / typical;
    let (q_p, i2, h2) = if df == 0 {
        (None, None, None)
    } else if let Some(typical) = typical {
        (Some(dist::chi2_upper(q, df as f64)), Some(i2_of(tau2, typical)), Some(h2_of(tau2, typical)))
    } else {
        let i2 = if q > 0.0 { (100.0 * (q - df as f64) / q).max(0.0) } else { 0.0 };
        (Some(dist::chi2_upper(q, df as f64)), Some(i2), Some(q / df as f64))
    };

    // The omnibus test: the moderators, or the intercept alone.
    let tested: Vec<usize> = if p > 1 { (1..p).collect() } else { vec![0] };
    let sub = cov.select(&tested).inverse_spd();
    let bt: Vec<f64> = tested.iter().map(|&j| model.b[j]).collect();
    let qm = sub.map_or(f64::NAN, |s| quad(&s, &bt, &bt));
    let m = tested.len();
    let moderator_test = if hksj {
        let f = qm / m as f64;
        ModeratorTest { statistic: f, df1: m, df2: Some(df), p_value: dist::f_upper(f, m as f64, df as f64) }
    } else {
        ModeratorTest { statistic: qm, df1: m, df2: None, p_value: dist::chi2_upper(qm, m as f64) }
    };

    let tau2_ci = if options.method.is_random() && df >= 1 {
        let alpha = 1.0 - options.level;
        let lower = q_root(&x, yi, vi, dist::chi2_quantile(1.0 - alpha / 2.0, df as f64))?;
        let upper = q_root(&x, yi, vi, dist::chi2_quantile(alpha / 2.0, df as f64))?;
        Some((lower, upper))
    } else {
        None
    };
    let interval = |of: &dyn Fn(f64, f64) -> f64| match (tau2_ci, typical) {
        (Some((l, u)), Some(typical)) => Some((of(l, typical), of(u, typical))),
        _ => None,
    };
    let heterogeneity =
        Heterogeneity { q, df, p_value: q_p, i2, h2, i2_ci: interval(&i2_of), h2_ci: interval(&h2_of) };

    let total: f64 = w.iter().sum();
    let weights = w.iter().map(|wi| 100.0 * wi / total).collect();
    let prediction = (p == 1).then(|| {
        let b = &coefficients[0];
        let half = crit * (b.se * b.se + tau2).sqrt();
        (b.estimate - half, b.estimate + half)
    });

    Ok(Fit {
        k,
        method: options.method,
        test: options.test,
        level: options.level,
        coefficients,
        tau2,
        tau2_ci,
        heterogeneity,
        moderator_test,
        df: hksj.then_some(df),
        weights,
        prediction,
    })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn studies() -> impl Strategy<Value = Vec<(f64, f64)>> {
        proptest::collection::vec((-3.0..3.0f64, 0.01..2.0f64), 2..30)
    }

    proptest! {
        #[test]
        fn every_method_gives_a_sane_pooled_effect(s in studies()) {
            let (y, v): (Vec<f64>, Vec<f64>) = s.into_iter().unzip();
            let (lo, hi) = y.iter().fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
            for method in Method::ALL {
                for test in [Test::Z, Test::Hksj, Test::HksjAdhoc] {
                    let f = fit(&y, &v, None, Options { method, test, level: 0.95 }).unwrap();
                    let b = f.pooled();
                    prop_assert!(b.estimate >= lo - 1e-9 && b.estimate <= hi + 1e-9);
                    prop_assert!(b.ci_lower <= b.estimate && b.estimate <= b.ci_upper);
                    prop_assert!(f.tau2 >= 0.0);
                    prop_assert!((f.weights.iter().sum::<f64>() - 100.0).abs() < 1e-9);
                    let i2 = f.heterogeneity.i2.unwrap();
                    prop_assert!((0.0..=100.0).contains(&i2));
                    if let Some((l, u)) = f.tau2_ci {
                        prop_assert!(l <= u && l >= 0.0);
                    }
                    if method == Method::PauleMandel && f.tau2 > 0.0 {
                        let q = q_gen(&design(y.len(), None).unwrap().0, &y, &v, f.tau2).unwrap();
                        prop_assert!((q - (y.len() - 1) as f64).abs() < 1e-6, "Q {q}");
                    }
                }
            }
        }
    }

    #[test]
    fn one_study_is_its_own_estimate() {
        let f = fit(&[0.5], &[0.04], None, Options::default()).unwrap();
        assert!((f.pooled().estimate - 0.5).abs() < 1e-12);
        assert!((f.pooled().se - 0.2).abs() < 1e-12);
        assert_eq!(f.tau2, 0.0);
        assert_eq!(f.heterogeneity.i2, None);
        let hksj = Options { test: Test::Hksj, ..Options::default() };
        assert!(fit(&[0.5], &[0.04], None, hksj).unwrap_err().to_string().contains("more studies"));
    }

    #[test]
    fn bad_input_names_the_study() {
        let e = fit(&[0.1, 0.2, f64::NAN], &[0.1, 0.1, 0.1], None, Options::default()).unwrap_err();
        assert_eq!(e.to_string(), "study 3: effect NaN is not a number");
        let e = fit(&[0.1, 0.2], &[0.1, 0.0], None, Options::default()).unwrap_err();
        assert_eq!(e.to_string(), "study 2: variance 0 is not more than 0");
        let constant = Moderators { names: vec!["dose".into()], columns: vec![vec![1.0, 1.0, 1.0]] };
        let e = fit(&[0.1, 0.2, 0.3], &[0.1; 3], Some(&constant), Options::default()).unwrap_err();
        assert!(e.to_string().contains("collinear"), "{e}");
    }
}
