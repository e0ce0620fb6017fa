//! Simulation metrics, defined exactly as asreview-insights 1.6 defines them (its
//! `algorithms.py` and `metrics.py`), over the labels in screening order with the prior
//! records left out and records never screened counted as not relevant at the end.

/// The metrics of one screening order.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    pub n_records: usize,
    pub n_relevant: usize,
    /// Share of relevant records found after screening 10 % of the records.
    pub recall_at_10: f64,
    /// Work saved over sampling at 95 % recall, as a share of all records.
    pub wss_at_95: f64,
    /// Extra relevant records found over random screening at 10 %, as a share of relevant.
    pub erf_at_10: f64,
    /// Average time to discovery: mean position (1-based) at which relevant records are found.
    pub atd: f64,
    /// Normalised loss: 0 for the perfect order, 1 for the worst.
    pub loss: f64,
}

/// Why metrics cannot be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MetricsError {
    #[error("no records after the prior records")]
    Empty,
    #[error(
        "the records after the priors need both relevant and irrelevant ones (found {n_relevant} relevant of {n_records})"
    )]
    OneClass { n_relevant: usize, n_records: usize },
}

/// All metrics of `labels` (true = relevant), in screening order, priors excluded.
pub fn metrics(labels: &[bool]) -> Result<Metrics, MetricsError> {
    let n_records = labels.len();
    let n_relevant = labels.iter().filter(|&&l| l).count();
    if n_records == 0 {
        return Err(MetricsError::Empty);
    }
    if n_relevant == 0 || n_relevant == n_records {
        return Err(MetricsError::OneClass { n_relevant, n_records });
    }
    Ok(Metrics {
        n_records,
        n_relevant,
        recall_at_10: recall_at(labels, 0.10),
        wss_at_95: wss_at(labels, 0.95),
        erf_at_10: erf_at(labels, 0.10),
        atd: average_time_to_discovery(labels),
        loss: loss(labels),
    })
}

/// Index `i - 1` where `i` is the first `x` greater than `at` (numpy `searchsorted(side=
/// "right")`), as asreview-insights' `_slice_metric`.
fn slice_index(x: impl Iterator<Item = f64>, at: f64) -> usize {
    x.take_while(|&v| v <= at).count()
}

/// Recall after screening the share `at` of the records: the value at the last position whose
/// share is at most `at` (0 before the first record).
pub fn recall_at(labels: &[bool], at: f64) -> f64 {
    let n = labels.len();
    let n_relevant = labels.iter().filter(|&&l| l).count() as f64;
    let i = slice_index((1..=n).map(|k| k as f64 / n as f64), at);
    if i == 0 {
        return 0.0;
    }
    labels[..i].iter().filter(|&&l| l).count() as f64 / n_relevant
}

/// numpy's `round(linspace(0, n_relevant, n))`: the relevant records random screening has
/// found after each record (round half to even).
fn random_found(n: usize, n_relevant: usize) -> Vec<f64> {
    (0..n)
        .map(|k| {
            let v = if n == 1 { 0.0 } else { n_relevant as f64 * k as f64 / (n - 1) as f64 };
            v.round_ties_even()
        })
        .collect()
}

/// First index where a non-decreasing `found` reaches `target` (numpy `searchsorted` left).
fn first_reaching(found: &[f64], target: f64) -> usize {
    found.partition_point(|&v| v < target)
}

/// Work saved over sampling at recall `at`.
pub fn wss_at(labels: &[bool], at: f64) -> f64 {
    let n = labels.len();
    let n_relevant = labels.iter().filter(|&&l| l).count();
    let found = cumulative(labels);
    let random = random_found(n, n_relevant);
    let x = (1..=n_relevant).map(|k| k as f64 / n_relevant as f64);
    let i = slice_index(x, at);
    // asreview-insights indexes y[i - 1], which wraps to the last element when i = 0.
    let k = if i == 0 { n_relevant } else { i };
    let earlier = first_reaching(&random, k as f64) as f64 - first_reaching(&found, k as f64) as f64;
    earlier / n as f64
}

/// Extra relevant records found at share `at`, over random screening, as a share of relevant.
pub fn erf_at(labels: &[bool], at: f64) -> f64 {
    let n = labels.len();
    let n_relevant = labels.iter().filter(|&&l| l).count();
    let found = cumulative(labels);
    let random = random_found(n, n_relevant);
    let i = slice_index((1..=n).map(|k| k as f64 / n as f64), at);
    // y[i - 1] with numpy's wrap-around for i = 0.
    let at_index = if i == 0 { n - 1 } else { i - 1 };
    (found[at_index] - random[at_index]) / n_relevant as f64
}

/// Mean 1-based position of the relevant records.
pub fn average_time_to_discovery(labels: &[bool]) -> f64 {
    let positions: Vec<f64> =
        labels.iter().enumerate().filter(|(_, l)| **l).map(|(i, _)| (i + 1) as f64).collect();
    positions.iter().sum::<f64>() / positions.len() as f64
}

/// Normalised loss: (optimal area - actual area) / (optimal area - worst area) under the
/// recall curve in absolute counts.
pub fn loss(labels: &[bool]) -> f64 {
    let nx = labels.len() as f64;
    let ny = labels.iter().filter(|&&l| l).count() as f64;
    let actual: f64 = cumulative(labels).iter().sum();
    (ny * (nx - (ny - 1.0) / 2.0) - actual) / (ny * (nx - ny))
}

fn cumulative(labels: &[bool]) -> Vec<f64> {
    let mut total = 0.0;
    labels
        .iter()
        .map(|&l| {
            total += f64::from(u8::from(l));
            total
        })
        .collect()
}

/// The recall curve: relevant records found after each record screened (absolute counts).
pub fn recall_curve(labels: &[bool]) -> Vec<usize> {
    let mut total = 0;
    labels
        .iter()
        .map(|&l| {
            total += usize::from(l);
            total
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn labels(s: &str) -> Vec<bool> {
        s.chars().map(|c| c == '1').collect()
    }

    /// Values computed with asreview-insights 1.6.1 (`_recall`, `_wss`, `_erf`, `_loss_value`,
    /// `_average_time_to_discovery`) on the same label lists.
    #[test]
    fn small_cases_match_asreview_insights() {
        let l = labels("1101000000");
        let m = metrics(&l).unwrap();
        assert_eq!(m.recall_at_10, 1.0 / 3.0);
        // random = round(linspace(0, 3, 10)) = [0,0,1,1,1,2,2,2,3,3]; 95 % of 3 -> k = 2:
        // found at index 1, random at 5: (5 - 1) / 10.
        assert!((m.wss_at_95 - 0.4).abs() < 1e-12);
        // at 10 %: found 1, random 0 -> 1/3.
        assert!((m.erf_at_10 - 1.0 / 3.0).abs() < 1e-12);
        assert!((m.atd - (1.0 + 2.0 + 4.0) / 3.0).abs() < 1e-12);
        // optimal 3 * (10 - 1) = 27; actual cumsum = 1+2+2+3*7 = 26; worst gap 3 * 7 = 21.
        assert!((m.loss - 1.0 / 21.0).abs() < 1e-12);
    }

    #[test]
    fn insights_development_example() {
        // asreview-insights' docs: 4 records... here [1, 1, 0, 1, 0].
        let l = labels("11010");
        assert_eq!(recall_at(&l, 0.1), 0.0);
        assert_eq!(recall_at(&l, 0.4), 2.0 / 3.0);
        assert!((loss(&l) - (3.0 * (5.0 - 1.0) - (1.0 + 2.0 + 2.0 + 3.0 + 3.0)) / 6.0).abs() < 1e-12);
        assert!(metrics(&labels("000")).is_err());
        assert!(metrics(&[]).is_err());
    }

    proptest! {
        #[test]
        fn metrics_stay_in_range_and_perfect_order_is_best(raw in proptest::collection::vec(any::<bool>(), 2..200)) {
            prop_assume!(raw.iter().any(|&l| l) && raw.iter().any(|&l| !l));
            let m = metrics(&raw).unwrap();
            prop_assert!((0.0..=1.0).contains(&m.recall_at_10));
            prop_assert!((0.0..=1.0 + 1e-12).contains(&m.loss) && m.loss >= -1e-12);
            prop_assert!(m.atd >= 1.0 && m.atd <= raw.len() as f64);
            let mut perfect = raw.clone();
            perfect.sort_by(|a, b| b.cmp(a));
            let best = metrics(&perfect).unwrap();
            prop_assert!(best.loss.abs() < 1e-12);
            prop_assert!(best.wss_at_95 >= m.wss_at_95 - 1e-12);
            prop_assert!(best.recall_at_10 >= m.recall_at_10);
            prop_assert!(best.atd <= m.atd);
            let mut worst = raw.clone();
            worst.sort();
            prop_assert!((metrics(&worst).unwrap().loss - 1.0).abs() < 1e-12);
        }
    }
}
