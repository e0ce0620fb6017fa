//! The distributions the tests need, from statrs.

use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor, Normal, StudentsT};

fn normal() -> Normal {
    Normal::standard()
}

/// The standard normal's quantile function.
pub(crate) fn z_quantile(p: f64) -> f64 {
    normal().inverse_cdf(p)
}

/// Two-sided critical value of the standard normal for confidence `level` (1.959964 at 0.95).
pub(crate) fn z_crit(level: f64) -> f64 {
    normal().inverse_cdf(1.0 - (1.0 - level) / 2.0)
}

pub(crate) fn z_two_sided_p(z: f64) -> f64 {
    2.0 * normal().cdf(-z.abs())
}

/// Two-sided critical value of Student's t with `df` degrees of freedom.
pub(crate) fn t_crit(level: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(1.0 - (1.0 - level) / 2.0))
}

pub(crate) fn t_two_sided_p(t: f64, df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |d| 2.0 * d.cdf(-t.abs()))
}

/// Upper tail of the chi-squared distribution.
pub(crate) fn chi2_upper(x: f64, df: f64) -> f64 {
    ChiSquared::new(df).map_or(f64::NAN, |d| d.sf(x))
}

/// The `p` quantile of the chi-squared distribution.
pub(crate) fn chi2_quantile(p: f64, df: f64) -> f64 {
    ChiSquared::new(df).map_or(f64::NAN, |d| d.inverse_cdf(p))
}

/// Upper tail of the F distribution.
pub(crate) fn f_upper(x: f64, df1: f64, df2: f64) -> f64 {
    FisherSnedecor::new(df1, df2).map_or(f64::NAN, |d| d.sf(x))
}
