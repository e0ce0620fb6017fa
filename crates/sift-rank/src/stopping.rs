//! When may screening stop? The hypergeometric stopping rule of Callaghan & Müller-Hansen
//! (2020, "Statistical stopping criteria for automated screening in systematic reviews",
//! Systematic Reviews 9:273).
//!
//! The rule treats the records screened most recently as if they were a random sample from
//! the records that were still unscreened when that sample began. Under the null hypothesis
//! "recall is below the target", at least `floor(found / target) + 1` relevant records exist,
//! so at least that many minus those found before the sample were in the pool the sample was
//! drawn from. If finding as few relevant records as the sample holds is improbable under that
//! hypothesis (hypergeometric probability below 1 - confidence), the hypothesis is rejected
//! and screening may stop. Every sample length ending at the latest record is tested and the
//! smallest p-value is used, as in the authors' implementation.
//!
//! The assumption that makes it honest: a model-ranked sample finds relevant records at least
//! as often as a random sample would, so treating it as random can only make the test more
//! cautious. It fails if screening order is adversarial (for example, all records of a topic
//! the model has never seen sorted last) - which is what the confidence cannot protect against.

/// What the stopping rule says after the records screened so far.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StopEstimate {
    pub n_total: usize,
    pub n_screened: usize,
    pub n_relevant_found: usize,
    /// The recall the rule tests for, e.g. 0.95.
    pub target_recall: f64,
    /// e.g. 0.95.
    pub confidence: f64,
    /// Smallest p-value of "recall < target" over the tested samples (1 when untestable).
    pub p_value: f64,
    /// With `confidence`, no more than this many relevant records are still unscreened.
    pub max_relevant_remaining: usize,
    /// `found / (found + max_relevant_remaining)`: recall is at least this, with `confidence`.
    pub recall_lower_bound: f64,
    /// True when `p_value < 1 - confidence`: recall is at least the target with `confidence`.
    pub safe_to_stop: bool,
}

impl StopEstimate {
    pub fn n_remaining(&self) -> usize {
        self.n_total - self.n_screened
    }
}

/// Applies the rule to the labels of the screened records, in the order they were screened
/// (true = relevant), out of `n_total` records.
pub fn hypergeometric_stop(
    screened: &[bool],
    n_total: usize,
    target_recall: f64,
    confidence: f64,
) -> StopEstimate {
    let n_screened = screened.len();
    assert!(n_screened <= n_total, "screened more records ({n_screened}) than there are ({n_total})");
    let found = screened.iter().filter(|&&l| l).count();
    let unscreened = n_total - n_screened;
    let alpha = 1.0 - confidence;
    // The longest sample holding exactly k relevant records, for each k: the p-value falls as a
    // sample grows with k fixed (the unscreened pool is fixed, the sampled part grows), so these
    // are the only samples that can give the minimum.
    let windows = longest_windows(screened);
    let k_target = (found as f64 / target_recall).floor() as usize + 1;
    let mut p_value: f64 = 1.0;
    let mut max_remaining = unscreened;
    for &(n, k) in &windows {
        if n == 0 {
            continue;
        }
        let pool = unscreened + n;
        let before = found - k;
        // H0 needs at least this many relevant records in the pool the sample came from.
        let needed = k_target.saturating_sub(before);
        let p = if needed > pool { 0.0 } else { hypergeometric_cdf(k, pool, needed, n) };
        p_value = p_value.min(p);
        // The most relevant records the pool can hold with P(X <= k) still above alpha.
        let (mut lo, mut hi) = (k, (k + unscreened).min(pool));
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if hypergeometric_cdf(k, pool, mid, n) > alpha {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        max_remaining = max_remaining.min(lo - k);
    }
    if unscreened == 0 {
        max_remaining = 0;
        p_value = 0.0;
    }
    let recall_lower_bound =
        if found + max_remaining == 0 { 0.0 } else { found as f64 / (found + max_remaining) as f64 };
    StopEstimate {
        n_total,
        n_screened,
        n_relevant_found: found,
        target_recall,
        confidence,
        p_value,
        max_relevant_remaining: max_remaining,
        recall_lower_bound,
        safe_to_stop: p_value < alpha,
    }
}

/// Just the decision of [`hypergeometric_stop`], cheaper (no bound is searched for): whether
/// recall is at least `target_recall` with `confidence`.
pub fn may_stop(screened: &[bool], n_total: usize, target_recall: f64, confidence: f64) -> bool {
    let unscreened = n_total - screened.len();
    if unscreened == 0 {
        return true;
    }
    let found = screened.iter().filter(|&&l| l).count();
    let k_target = (found as f64 / target_recall).floor() as usize + 1;
    longest_windows(screened).into_iter().filter(|&(n, _)| n > 0).any(|(n, k)| {
        let pool = unscreened + n;
        let needed = k_target.saturating_sub(found - k);
        needed > pool || hypergeometric_cdf(k, pool, needed, n) < 1.0 - confidence
    })
}

/// `(sample length, relevant in it)` for the longest final sample holding each count.
fn longest_windows(screened: &[bool]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut k = 0;
    for (from_end, &label) in screened.iter().rev().enumerate() {
        if label {
            // The sample of the last `from_end` records holds k relevant ones.
            out.push((from_end, k));
            k += 1;
        }
    }
    out.push((screened.len(), k));
    out
}

/// P(X <= k) for X hypergeometric: `draws` from `population` holding `successes`.
pub fn hypergeometric_cdf(k: usize, population: usize, successes: usize, draws: usize) -> f64 {
    let failures = population - successes;
    let lo = draws.saturating_sub(failures);
    let hi = draws.min(successes);
    if k < lo {
        return 0.0;
    }
    if k >= hi {
        return 1.0;
    }
    // pmf(lo) by log-gamma, then the ratio pmf(i+1)/pmf(i) upward.
    let ln_pmf = ln_choose(successes, lo) + ln_choose(failures, draws - lo) - ln_choose(population, draws);
    let mut pmf = ln_pmf.exp();
    let mut total = pmf;
    for i in lo..k {
        let num = (successes - i) as f64 * (draws - i) as f64;
        let den = (i + 1) as f64 * (failures + i + 1 - draws) as f64;
        pmf *= num / den;
        total += pmf;
    }
    total.min(1.0)
}

fn ln_choose(n: usize, k: usize) -> f64 {
    ln_factorial(n) - ln_factorial(k) - ln_factorial(n - k)
}

/// ln(n!) exactly summed for small n, by Stirling's series beyond (error below 1e-12 there).
fn ln_factorial(n: usize) -> f64 {
    if n < 20 {
        return (2..=n).map(|i| (i as f64).ln()).sum();
    }
    let x = n as f64;
    x * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI * x).ln() + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x.powi(3))
        + 1.0 / (1260.0 * x.powi(5))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_matches_scipy() {
        // scipy.stats.hypergeom.cdf(k, M, n, N) with M population, n successes, N draws.
        // hypergeom.cdf(1, 50, 10, 10) = 0.34871031223252014 (scipy 1.16).
        let p = hypergeometric_cdf(1, 50, 10, 10);
        let exact: f64 =
            (0..=1).map(|i| (ln_choose(10, i) + ln_choose(40, 10 - i) - ln_choose(50, 10)).exp()).sum();
        assert!((p - exact).abs() < 1e-12);
        assert!((p - 0.348_710_312_232_520_14).abs() < 1e-12, "{p}");
        assert_eq!(hypergeometric_cdf(5, 50, 3, 10), 1.0);
        assert_eq!(hypergeometric_cdf(0, 10, 10, 3), 0.0);
        // Stirling from 20 on agrees with the exact sum.
        for n in [20, 21, 50, 300] {
            let exact: f64 = (2..=n).map(|i| (i as f64).ln()).sum();
            assert!((ln_factorial(n) - exact).abs() < 1e-10, "{n}");
        }
    }

    #[test]
    fn a_long_run_of_irrelevant_records_allows_stopping_and_a_short_one_does_not() {
        let mut screened = vec![true; 100];
        screened.extend(vec![false; 30]);
        let early = hypergeometric_stop(&screened, 2080, 0.95, 0.95);
        assert!(!early.safe_to_stop, "{early:?}");
        screened.extend(vec![false; 1500]);
        let late = hypergeometric_stop(&screened, 2080, 0.95, 0.95);
        assert!(late.safe_to_stop, "{late:?}");
        assert!(late.recall_lower_bound >= 0.95 - 1e-9, "{late:?}");
        assert_eq!(late.n_remaining(), 450);
        // 20 found and 1530 irrelevant since: recall 95 % would allow no miss at all, and
        // P(both of 2 missed ones among the 450 left) = (450 / 1980)^2 > 5 %: not yet.
        let mut few = vec![true; 20];
        few.extend(vec![false; 1530]);
        let few = hypergeometric_stop(&few, 2000, 0.95, 0.95);
        assert!(!few.safe_to_stop && (few.p_value - 0.0516).abs() < 1e-3, "{few:?}");
        // Everything screened: recall is certain.
        let all = hypergeometric_stop(&[false; 10], 10, 0.95, 0.95);
        assert!(all.safe_to_stop && all.max_relevant_remaining == 0);
    }

    #[test]
    fn stopping_agrees_with_the_recall_bound() {
        for tail in [0, 50, 100, 200, 400, 800] {
            let mut screened = vec![true; 30];
            screened.extend(vec![false; tail]);
            let e = hypergeometric_stop(&screened, 3000, 0.9, 0.95);
            assert_eq!(e.safe_to_stop, e.recall_lower_bound >= 0.9, "tail {tail}: {e:?}");
            assert_eq!(e.safe_to_stop, may_stop(&screened, 3000, 0.9, 0.95));
        }
    }
}
