//! Subgroup analysis as RevMan does it: each subgroup pooled on its own (its own tau²), and
//! the test for subgroup differences, Cochran's Q of the subgroups' pooled effects
//! (Cochrane Handbook 10.11.3.1).

use serde::Serialize;

use crate::model::{Fit, Options, Test, fit};
use crate::{Result, StatsError, dist};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Subgroup {
    pub name: String,
    /// Positions of the subgroup's studies in the input.
    pub studies: Vec<usize>,
    pub fit: Fit,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SubgroupAnalysis {
    /// In order of first appearance.
    pub groups: Vec<Subgroup>,
    /// Test for subgroup differences: Q, df (groups - 1), p-value, I² in percent.
    pub q_between: f64,
    pub df: usize,
    pub p_value: Option<f64>,
    pub i2: Option<f64>,
}

/// Pools each subgroup of `group` (one name per study) and tests their difference. A subgroup
/// of one study is that study (its estimate and SE, tested with z).
pub fn subgroups(yi: &[f64], vi: &[f64], group: &[String], options: Options) -> Result<SubgroupAnalysis> {
    if group.len() != yi.len() {
        return Err(StatsError::Model(format!("{} subgroup names for {} studies", group.len(), yi.len())));
    }
    let mut names: Vec<&String> = Vec::new();
    for g in group {
        if !names.contains(&g) {
            names.push(g);
        }
    }
    let mut groups = Vec::new();
    for name in names {
        let studies: Vec<usize> = (0..group.len()).filter(|&i| &group[i] == name).collect();
        let y: Vec<f64> = studies.iter().map(|&i| yi[i]).collect();
        let v: Vec<f64> = studies.iter().map(|&i| vi[i]).collect();
        let options = if studies.len() == 1 { Options { test: Test::Z, ..options } } else { options };
        let fit = fit(&y, &v, None, options).map_err(|e| match e {
            StatsError::Study { study, what } => StatsError::Study { study: studies[study - 1] + 1, what },
            other => StatsError::Model(format!("subgroup {name:?}: {other}")),
        })?;
        groups.push(Subgroup { name: name.clone(), studies, fit });
    }
    let w: Vec<f64> = groups.iter().map(|g| 1.0 / g.fit.pooled().se.powi(2)).collect();
    let b: Vec<f64> = groups.iter().map(|g| g.fit.pooled().estimate).collect();
    let mean = w.iter().zip(&b).map(|(w, b)| w * b).sum::<f64>() / w.iter().sum::<f64>();
    let q_between: f64 = w.iter().zip(&b).map(|(w, b)| w * (b - mean).powi(2)).sum();
    let df = groups.len() - 1;
    let (p_value, i2) = if df == 0 {
        (None, None)
    } else {
        let i2 = if q_between > 0.0 { (100.0 * (q_between - df as f64) / q_between).max(0.0) } else { 0.0 };
        (Some(dist::chi2_upper(q_between, df as f64)), Some(i2))
    };
    Ok(SubgroupAnalysis { groups, q_between, df, p_value, i2 })
}
