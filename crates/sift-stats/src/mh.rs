//! Pooled 2x2 tables without a weighting model: the Mantel-Haenszel estimates (risk ratio,
//! odds ratio, risk difference) and Peto's odds ratio, as metafor's `rma.mh` and `rma.peto`
//! compute them. Both are common-effect methods; they suit sparse events better than
//! inverse-variance pooling (Cochrane Handbook 10.4.4).

use serde::Serialize;

use crate::effect::{Measure, two_by_two};
use crate::{Result, StatsError, dist};

/// One study's table: `events1` of `total1` (experimental), `events2` of `total2` (control).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Table {
    pub events1: f64,
    pub total1: f64,
    pub events2: f64,
    pub total2: f64,
}

/// A pooled estimate from tables, on the analysis scale (logs for ratios).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PooledTable {
    pub measure: Measure,
    /// "Mantel-Haenszel" or "Peto".
    pub method: &'static str,
    pub estimate: f64,
    pub se: f64,
    pub z: f64,
    pub p_value: f64,
    pub ci_lower: f64,
    pub ci_upper: f64,
    /// Each study's share of the weight in percent (0 for a study that adds nothing).
    pub weights: Vec<f64>,
    /// Cochran's Q of the studies' own effects around the pooled one (inverse-variance weights;
    /// studies that are not estimable left out), with its df, p-value and I² in percent.
    pub q: f64,
    pub q_df: usize,
    pub q_p_value: Option<f64>,
    pub i2: Option<f64>,
}

fn check(tables: &[Table]) -> Result<()> {
    if tables.is_empty() {
        return Err(StatsError::NoStudies);
    }
    for (i, t) in tables.iter().enumerate() {
        for (name, v) in
            [("events1", t.events1), ("total1", t.total1), ("events2", t.events2), ("total2", t.total2)]
        {
            if !v.is_finite() || v < 0.0 || v.fract() != 0.0 {
                return Err(StatsError::Study {
                    study: i + 1,
                    what: format!("{name} must be a whole number, not {v}"),
                });
            }
        }
        if t.total1 == 0.0 || t.total2 == 0.0 || t.events1 > t.total1 || t.events2 > t.total2 {
            return Err(StatsError::Study {
                study: i + 1,
                what: "events must be at most their group's total, and totals more than 0".into(),
            });
        }
    }
    Ok(())
}

fn finish(
    measure: Measure,
    method: &'static str,
    tables: &[Table],
    estimate: f64,
    variance: f64,
    raw_weights: Vec<f64>,
    level: f64,
) -> Result<PooledTable> {
    if !estimate.is_finite() || !variance.is_finite() || variance <= 0.0 {
        return Err(StatsError::Model(format!(
            "the {method} {} cannot be estimated from these tables (no events, or no non-events, to compare)",
            measure.name().to_lowercase()
        )));
    }
    let se = variance.sqrt();
    let crit = dist::z_crit(level);
    let total: f64 = raw_weights.iter().sum();
    let weights = raw_weights.iter().map(|w| 100.0 * w / total).collect();
    // Heterogeneity of the studies' own effects around the pooled estimate.
    let own: Vec<_> = tables
        .iter()
        .filter_map(|t| two_by_two(measure, t.events1, t.total1, t.events2, t.total2).ok())
        .collect();
    let q: f64 = own.iter().map(|e| (e.yi - estimate).powi(2) / e.vi).sum();
    let q_df = own.len().saturating_sub(1);
    let (q_p_value, i2) = if q_df == 0 {
        (None, None)
    } else {
        (
            Some(dist::chi2_upper(q, q_df as f64)),
            Some(if q > 0.0 { (100.0 * (q - q_df as f64) / q).max(0.0) } else { 0.0 }),
        )
    };
    Ok(PooledTable {
        measure,
        method,
        estimate,
        se,
        z: estimate / se,
        p_value: dist::z_two_sided_p(estimate / se),
        ci_lower: estimate - crit * se,
        ci_upper: estimate + crit * se,
        weights,
        q,
        q_df,
        q_p_value,
        i2,
    })
}

/// The Mantel-Haenszel risk ratio (Greenland-Robins variance), odds ratio
/// (Robins-Breslow-Greenland variance) or risk difference (Sato's variance).
pub fn mantel_haenszel(measure: Measure, tables: &[Table], level: f64) -> Result<PooledTable> {
    check(tables)?;
    let cells = tables
        .iter()
        .map(|t| (t.events1, t.total1 - t.events1, t.events2, t.total2 - t.events2, t.total1, t.total2));
    match measure {
        Measure::RiskRatio => {
            let (mut r, mut s, mut v) = (0.0, 0.0, 0.0);
            let mut weights = Vec::new();
            for (a, _b, c, _d, n1, n2) in cells {
                let n = n1 + n2;
                r += a * n2 / n;
                s += c * n1 / n;
                v += (n1 * n2 * (a + c) - a * c * n) / (n * n);
                weights.push(c * n1 / n);
            }
            finish(measure, "Mantel-Haenszel", tables, (r / s).ln(), v / (r * s), weights, level)
        }
        Measure::OddsRatio => {
            let (mut r, mut s, mut pr, mut ps_qr, mut qs) = (0.0, 0.0, 0.0, 0.0, 0.0);
            let mut weights = Vec::new();
            for (a, b, c, d, n1, n2) in cells {
                let n = n1 + n2;
                let (ri, si) = (a * d / n, b * c / n);
                let (pi, qi) = ((a + d) / n, (b + c) / n);
                r += ri;
                s += si;
                pr += pi * ri;
                ps_qr += pi * si + qi * ri;
                qs += qi * si;
                weights.push(si);
            }
            let variance = pr / (2.0 * r * r) + ps_qr / (2.0 * r * s) + qs / (2.0 * s * s);
            finish(measure, "Mantel-Haenszel", tables, (r / s).ln(), variance, weights, level)
        }
        Measure::RiskDifference => {
            let (mut num, mut den, mut p, mut q) = (0.0, 0.0, 0.0, 0.0);
            let mut weights = Vec::new();
            for (a, _b, c, _d, n1, n2) in cells {
                let n = n1 + n2;
                num += a * n2 / n - c * n1 / n;
                den += n1 * n2 / n;
                p += c * (n1 / n).powi(2) - a * (n2 / n).powi(2) + (n1 / n) * (n2 / n) * (n2 - n1) / 2.0;
                q += (a * (n2 - c) / n + c * (n1 - a) / n) / 2.0;
                weights.push(n1 * n2 / n);
            }
            let estimate = num / den;
            finish(
                measure,
                "Mantel-Haenszel",
                tables,
                estimate,
                (estimate * p + q) / (den * den),
                weights,
                level,
            )
        }
        other => Err(StatsError::Model(format!("Mantel-Haenszel pools RR, OR or RD, not {}", other.name()))),
    }
}

/// Peto's one-step odds ratio: `sum(O - E) / sum(V)` with variance `1 / sum(V)`.
pub fn peto(tables: &[Table], level: f64) -> Result<PooledTable> {
    check(tables)?;
    let (mut o_e, mut v_sum) = (0.0, 0.0);
    let mut weights = Vec::new();
    for t in tables {
        let n = t.total1 + t.total2;
        let events = t.events1 + t.events2;
        let expected = t.total1 * events / n;
        let v = if n > 1.0 { t.total1 * t.total2 * events * (n - events) / (n * n * (n - 1.0)) } else { 0.0 };
        o_e += t.events1 - expected;
        v_sum += v;
        weights.push(v);
    }
    finish(Measure::OddsRatio, "Peto", tables, o_e / v_sum, 1.0 / v_sum, weights, level)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With one table, each Mantel-Haenszel variance is the table's own large-sample variance
    /// (Greenland-Robins for RR, Robins-Breslow-Greenland for OR is Woolf's, Sato's for RD).
    #[test]
    fn one_table_gives_its_own_estimate_and_variance() {
        let t = Table { events1: 10.0, total1: 100.0, events2: 20.0, total2: 120.0 };
        for measure in [Measure::RiskRatio, Measure::OddsRatio, Measure::RiskDifference] {
            let pooled = mantel_haenszel(measure, &[t], 0.95).unwrap();
            let own = two_by_two(measure, t.events1, t.total1, t.events2, t.total2).unwrap();
            assert!((pooled.estimate - own.yi).abs() < 1e-12, "{measure}: {} vs {}", pooled.estimate, own.yi);
            assert!(
                (pooled.se * pooled.se - own.vi).abs() < 1e-12,
                "{measure}: {} vs {}",
                pooled.se.powi(2),
                own.vi
            );
            assert_eq!(pooled.weights, vec![100.0]);
        }
    }

    #[test]
    fn tables_without_events_cannot_be_pooled() {
        let t = Table { events1: 0.0, total1: 10.0, events2: 0.0, total2: 12.0 };
        let err = mantel_haenszel(Measure::OddsRatio, &[t, t], 0.95).unwrap_err();
        assert!(err.to_string().contains("cannot be estimated"), "{err}");
        let err = peto(&[t], 0.95).unwrap_err();
        assert!(err.to_string().contains("cannot be estimated"), "{err}");
        let bad = Table { events1: 11.0, ..t };
        assert!(matches!(peto(&[t, bad], 0.95), Err(StatsError::Study { study: 2, .. })));
    }
}
