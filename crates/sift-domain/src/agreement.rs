//! Inter-rater agreement for screening, as review teams report it under PRISMA: Cohen's kappa
//! for two reviewers, Fleiss' kappa for more, and plain percent agreement.
//!
//! Every function takes the ratings as values and returns numbers; nothing here knows where
//! the votes came from. Categories are whatever the caller passes: for screening, the
//! [`Decision`](crate::screening::Decision) values, with `Maybe` a category of its own.
//!
//! Undefined statistics are `None`, never NaN: an empty table, and the degenerate table in
//! which every rating falls in one category. There the chance agreement is 1 and kappa is
//! 0/0. statsmodels reports NaN; some texts report 1.0 because the observed agreement is also
//! perfect. We return `None` because any number would be a convention the reader of a PRISMA
//! report cannot see, and because "both reviewers excluded all 40 records" says nothing about
//! how well they would agree on a record worth including. The report should print percent
//! agreement (which is 1 there) and say kappa is undefined.
//!
//! References: Cohen (1960) for kappa; Fleiss, Cohen & Everitt (1969) for the large-sample
//! standard error of Cohen's kappa; Fleiss (1971) for the many-rater kappa; Fleiss, Nee &
//! Landis (1979) for its large-sample variance.

use std::collections::HashMap;
use std::hash::Hash;

use serde::{Deserialize, Serialize};

/// A kappa statistic with its standard error and a 95 % confidence interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kappa {
    /// Chance-corrected agreement: `(observed - expected) / (1 - expected)`.
    pub kappa: f64,
    /// Large-sample standard error. For [`cohen_kappa`] it is the non-null standard error of
    /// Fleiss, Cohen & Everitt (1969), statsmodels' `std_kappa`; for [`fleiss_kappa`] it comes
    /// from the variance of Fleiss, Nee & Landis (1979), derived under kappa = 0 (see there).
    pub standard_error: f64,
    /// `kappa - 1.96 * standard_error`, clipped to [-1, 1].
    pub ci_low: f64,
    /// `kappa + 1.96 * standard_error`, clipped to [-1, 1].
    pub ci_high: f64,
    /// Observed agreement as a proportion: for two raters the share of subjects rated alike,
    /// for many the mean share of agreeing rater pairs per subject (Fleiss' P-bar).
    pub observed_agreement: f64,
    /// Agreement expected by chance from the marginal distribution of the ratings.
    pub expected_agreement: f64,
    /// Number of subjects (citations) rated.
    pub n: usize,
}

/// The 0.975 quantile of the standard normal distribution, Φ⁻¹(0.975), to double precision
/// (the value of `scipy.stats.norm.isf(0.025)`).
pub const Z_95: f64 = 1.959_963_984_540_054;

/// Cohen's (1960) kappa for two raters who each rated the same subjects.
///
/// Each pair is (first rater's category, second rater's category) for one subject; swapping
/// the raters changes nothing. Categories need not be known in advance: those seen are the
/// categories.
///
/// The standard error is the large-sample one of Fleiss, Cohen & Everitt (1969), with
/// `p_ij` the share of subjects rated `i` by the first rater and `j` by the second, `p_i.` and
/// `p_.j` the margins, `p_o` and `p_e` observed and expected agreement:
///
/// ```text
/// var = ( Σ_i p_ii (1 - (p_i. + p_.i)(1 - κ))²
///       + (1 - κ)² Σ_{i≠j} p_ij (p_.i + p_j.)²
///       - (κ - p_e (1 - κ))² ) / (n (1 - p_e)²)
/// ```
///
/// This is statsmodels' `cohens_kappa(table).std_kappa` (not `std_kappa0`, the standard error
/// under kappa = 0, which is for testing against zero and not for an interval). A variance
/// that rounds to a hair below zero (perfect agreement) is taken as zero.
///
/// Returns `None` when there are no pairs, or when every rating is the same category (kappa
/// is 0/0 there; see the module documentation).
pub fn cohen_kappa<C: Eq + Hash + Copy>(pairs: &[(C, C)]) -> Option<Kappa> {
    let n_subjects = pairs.len();
    if n_subjects == 0 {
        return None;
    }

    // Category indices in order of first appearance, the diagonal and margins of the
    // contingency table, and its off-diagonal cells sparsely (most are empty when raters
    // mostly agree, and the categories are not bounded in number).
    let mut index: HashMap<C, usize> = HashMap::new();
    let mut category = |c: C| {
        let next = index.len();
        *index.entry(c).or_insert(next)
    };
    let mut diagonal: Vec<usize> = Vec::new();
    let mut first_margin: Vec<usize> = Vec::new();
    let mut second_margin: Vec<usize> = Vec::new();
    let mut off_diagonal: HashMap<(usize, usize), usize> = HashMap::new();
    for &(a, b) in pairs {
        let (i, j) = (category(a), category(b));
        let n_categories = i.max(j) + 1;
        if diagonal.len() < n_categories {
            diagonal.resize(n_categories, 0);
            first_margin.resize(n_categories, 0);
            second_margin.resize(n_categories, 0);
        }
        first_margin[i] += 1;
        second_margin[j] += 1;
        if i == j {
            diagonal[i] += 1;
        } else {
            *off_diagonal.entry((i, j)).or_insert(0) += 1;
        }
    }
    if diagonal.len() < 2 {
        return None;
    }

    let n = n_subjects as f64;
    let row: Vec<f64> = first_margin.iter().map(|&c| c as f64 / n).collect();
    let col: Vec<f64> = second_margin.iter().map(|&c| c as f64 / n).collect();
    let observed = diagonal.iter().sum::<usize>() as f64 / n;
    let expected: f64 = row.iter().zip(&col).map(|(r, c)| r * c).sum();
    // With two or more categories seen, the margins cannot both sit on one category, so
    // expected < 1 and the division is defined.
    let kappa = (observed - expected) / (1.0 - expected);

    let term_a: f64 = diagonal
        .iter()
        .enumerate()
        .map(|(i, &count)| count as f64 / n * (1.0 - (row[i] + col[i]) * (1.0 - kappa)).powi(2))
        .sum();
    // Summed in cell order, not the hash map's (which changes from run to run), so the same
    // ratings give the same bits every time.
    let mut off_diagonal: Vec<((usize, usize), usize)> = off_diagonal.into_iter().collect();
    off_diagonal.sort_unstable();
    let term_b: f64 =
        off_diagonal.iter().map(|&((i, j), count)| count as f64 / n * (col[i] + row[j]).powi(2)).sum::<f64>()
            * (1.0 - kappa).powi(2);
    let term_c = (kappa - expected * (1.0 - kappa)).powi(2);
    let variance = (term_a + term_b - term_c) / (1.0 - expected).powi(2) / n;

    Some(with_interval(kappa, variance, observed, expected, n_subjects))
}

/// Fleiss' (1971) kappa for any number of raters.
///
/// `counts` has one row per subject (citation) and one column per category; a cell is how many
/// raters put that subject in that category. Every row must have the same number of columns
/// and the same total, the number of raters per subject, which must be at least two. The
/// raters need not be the same people for every subject.
///
/// The standard error is from the large-sample variance of Fleiss, Nee & Landis (1979), which
/// corrects the one in Fleiss (1971); with `N` subjects, `m` raters each, `p_j` the share of all
/// ratings in category `j` and `q_j = 1 - p_j`:
///
/// ```text
/// var = 2 / (N m (m - 1)) · ((Σ p_j q_j)² - Σ p_j q_j (q_j - p_j)) / (Σ p_j q_j)²
/// ```
///
/// That variance is derived under the hypothesis kappa = 0. It is the standard error most
/// software reports for Fleiss' kappa (R's `irr::kappam.fleiss` test, DescTools' `KappaM`,
/// Cardillo's MATLAB `fleiss.m`, which also builds its interval from it), and statsmodels'
/// `fleiss_kappa` reports none. The interval is therefore exact in its width only near zero
/// and approximate for the high kappas screening teams hope for; say so where it is shown.
///
/// Returns `None` for no subjects, no categories, rows of different lengths, rows with
/// different totals (unequal raters per subject, which Fleiss' kappa does not cover), fewer
/// than two raters per subject, or every rating in one category (kappa is 0/0 there; see the
/// module documentation).
pub fn fleiss_kappa(counts: &[Vec<usize>]) -> Option<Kappa> {
    let first = counts.first()?;
    let n_categories = first.len();
    let n_raters: usize = first.iter().sum();
    if n_categories == 0 || n_raters < 2 {
        return None;
    }
    if counts.iter().any(|row| row.len() != n_categories || row.iter().sum::<usize>() != n_raters) {
        return None;
    }

    let n_subjects = counts.len();
    let mut category_totals = vec![0usize; n_categories];
    for row in counts {
        for (total, &count) in category_totals.iter_mut().zip(row) {
            *total += count;
        }
    }
    if category_totals.iter().filter(|&&total| total > 0).count() < 2 {
        return None;
    }

    let n = n_subjects as f64;
    let m = n_raters as f64;
    let all_ratings = n * m;
    let shares: Vec<f64> = category_totals.iter().map(|&total| total as f64 / all_ratings).collect();

    // P_i, the share of agreeing rater pairs on subject i, averaged over subjects.
    let observed = counts
        .iter()
        .map(|row| {
            let squares: f64 = row.iter().map(|&count| (count as f64).powi(2)).sum();
            (squares - m) / (m * (m - 1.0))
        })
        .sum::<f64>()
        / n;
    let expected: f64 = shares.iter().map(|p| p * p).sum();
    let kappa = (observed - expected) / (1.0 - expected);

    let spread: f64 = shares.iter().map(|p| p * (1.0 - p)).sum();
    let skew: f64 = shares.iter().map(|p| p * (1.0 - p) * (1.0 - 2.0 * p)).sum();
    let variance = 2.0 / (all_ratings * (m - 1.0)) * (spread * spread - skew) / (spread * spread);

    Some(with_interval(kappa, variance, observed, expected, n_subjects))
}

/// The share of subjects on which every rater gave the same category, for any number of
/// raters: a proportion in [0, 1], not a percentage.
///
/// Each item of `subjects` is one subject's ratings (two for a pair of reviewers, more for a
/// panel; the number may differ between subjects). A subject with fewer than two ratings has no
/// agreement to measure and is left out of both the count and the denominator. Returns `None`
/// when no subject has two ratings.
pub fn percent_agreement<C: Eq, R: AsRef<[C]>>(subjects: &[R]) -> Option<f64> {
    let mut n_rated = 0usize;
    let mut n_agreed = 0usize;
    for subject in subjects {
        let ratings = subject.as_ref();
        if ratings.len() < 2 {
            continue;
        }
        n_rated += 1;
        if ratings.iter().all(|rating| *rating == ratings[0]) {
            n_agreed += 1;
        }
    }
    (n_rated > 0).then(|| n_agreed as f64 / n_rated as f64)
}

fn with_interval(kappa: f64, variance: f64, observed: f64, expected: f64, n: usize) -> Kappa {
    let standard_error = variance.max(0.0).sqrt();
    Kappa {
        kappa,
        standard_error,
        ci_low: (kappa - Z_95 * standard_error).clamp(-1.0, 1.0),
        ci_high: (kappa + Z_95 * standard_error).clamp(-1.0, 1.0),
        observed_agreement: observed,
        expected_agreement: expected,
        n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screening::Decision::{self, Exclude, Include, Maybe};

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!((actual - expected).abs() <= tolerance, "{actual} is not within {tolerance} of {expected}");
    }

    /// Pairs from a contingency table: `table[i][j]` subjects rated `categories[i]` by the
    /// first rater and `categories[j]` by the second.
    fn pairs_from(categories: &[Decision], table: &[&[usize]]) -> Vec<(Decision, Decision)> {
        let mut pairs = Vec::new();
        for (i, row) in table.iter().enumerate() {
            for (j, &count) in row.iter().enumerate() {
                pairs.extend(std::iter::repeat_n((categories[i], categories[j]), count));
            }
        }
        pairs
    }

    #[test]
    fn cohen_classic_two_by_two() {
        // Wikipedia's "Cohen's kappa" example: 50 grant proposals, 20 yes/yes, 5 yes/no,
        // 10 no/yes, 15 no/no. p_o = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
        // By hand with Fleiss, Cohen & Everitt (1969):
        //   A = 0.4 (1 - 1.1*0.6)² + 0.3 (1 - 0.9*0.6)² = 0.10972
        //   B = 0.6² (0.1 (0.6+0.5)² + 0.2 (0.4+0.5)²) = 0.10188
        //   C = (0.4 - 0.5*0.6)² = 0.01
        //   var = (A + B - C) / (0.5² * 50) = 0.016128, SE = 0.1269961
        let kappa = cohen_kappa(&pairs_from(&[Include, Exclude], &[&[20, 5], &[10, 15]])).unwrap();
        close(kappa.kappa, 0.4, 1e-12);
        close(kappa.observed_agreement, 0.7, 1e-12);
        close(kappa.expected_agreement, 0.5, 1e-12);
        close(kappa.standard_error, 0.016128f64.sqrt(), 1e-12);
        close(kappa.ci_low, 0.4 - Z_95 * 0.016128f64.sqrt(), 1e-12);
        close(kappa.ci_high, 0.4 + Z_95 * 0.016128f64.sqrt(), 1e-12);
        assert_eq!(kappa.n, 50);
    }

    #[test]
    fn cohen_is_the_same_with_raters_swapped() {
        let pairs = pairs_from(&[Include, Exclude, Maybe], &[&[12, 3, 4], &[1, 40, 6], &[2, 5, 3]]);
        let swapped: Vec<_> = pairs.iter().map(|&(a, b)| (b, a)).collect();
        let (one, other) = (cohen_kappa(&pairs).unwrap(), cohen_kappa(&swapped).unwrap());
        close(one.kappa, other.kappa, 1e-12);
        close(one.standard_error, other.standard_error, 1e-12);
    }

    #[test]
    fn cohen_matches_statsmodels() {
        // Computed with statsmodels 0.15.0 (Python 3.11): for each table,
        // `r = cohens_kappa(np.array(table))`, then `repr(r.kappa)`, `repr(r.std_kappa)`.
        // bench/agreement_check.py checks many more tables when Python is available.
        let cases: [(&[&[usize]], f64, f64); 4] = [
            (&[&[20, 5], &[10, 15]], 0.3999999999999999, 0.12699606293110033),
            (&[&[12, 3, 4], &[1, 40, 6], &[2, 5, 3]], 0.4859903381642513, 0.08608285774847209),
            (&[&[88, 4, 2], &[3, 0, 1], &[0, 0, 2]], 0.29577464788732416, 0.14841918821714342),
            (&[&[0, 7, 1], &[9, 0, 2], &[1, 3, 0]], -0.617737003058104, 0.07059999851323179),
        ];
        for (table, kappa, standard_error) in cases {
            let result = cohen_kappa(&pairs_from(&[Include, Exclude, Maybe], table)).unwrap();
            close(result.kappa, kappa, 1e-12);
            close(result.standard_error, standard_error, 1e-12);
        }
    }

    #[test]
    fn cohen_perfect_agreement_is_one_with_zero_error() {
        let pairs = pairs_from(&[Include, Exclude, Maybe], &[&[5, 0, 0], &[0, 30, 0], &[0, 0, 2]]);
        let kappa = cohen_kappa(&pairs).unwrap();
        close(kappa.kappa, 1.0, 1e-12);
        close(kappa.standard_error, 0.0, 1e-7);
        assert_eq!((kappa.observed_agreement, kappa.ci_high), (1.0, 1.0));
    }

    #[test]
    fn cohen_total_disagreement_is_minus_one() {
        // Each rater splits evenly and they never agree: p_o = 0, p_e = 0.5, kappa = -1.
        // Variance: A = 0 (empty diagonal), B = (1 - κ)² (0.5 (0.5 + 0.5)² · 2) = 4,
        // C = (-1 - 0.5 · 2)² = 4, so the large-sample variance is 0 at this boundary, as in
        // statsmodels (var_kappa = 0.0 for [[0, 8], [8, 0]]).
        let kappa = cohen_kappa(&pairs_from(&[Include, Exclude], &[&[0, 8], &[8, 0]])).unwrap();
        close(kappa.kappa, -1.0, 1e-12);
        close(kappa.standard_error, 0.0, 1e-7);
        close(kappa.ci_low, -1.0, 1e-7);
    }

    #[test]
    fn cohen_undefined_cases_are_none() {
        assert_eq!(cohen_kappa::<Decision>(&[]), None);
        // One subject: either both raters agree on one category (all ratings one category,
        // kappa 0/0) or they disagree, which gives p_o = 0, p_e = 0, kappa = 0.
        assert_eq!(cohen_kappa(&[(Include, Include)]), None);
        let single = cohen_kappa(&[(Include, Exclude)]).unwrap();
        assert_eq!((single.kappa, single.n), (0.0, 1));
        // Everything excluded by both: chance agreement is 1, kappa undefined.
        assert_eq!(cohen_kappa(&[(Exclude, Exclude); 40]), None);
    }

    #[test]
    fn cohen_takes_any_categories() {
        let pairs = [("a", "a"), ("b", "b"), ("c", "a"), ("a", "a"), ("b", "c"), ("c", "c")];
        let kappa = cohen_kappa(&pairs).unwrap();
        // p_o = 4/6. First rater a,b,c,a,b,c: margins (2,2,2)/6; second a,b,a,a,c,c: (3,1,2)/6.
        // p_e = (6 + 2 + 4)/36 = 1/3, kappa = (2/3 - 1/3)/(2/3) = 0.5.
        close(kappa.kappa, 0.5, 1e-12);
        close(kappa.expected_agreement, 1.0 / 3.0, 1e-12);
    }

    const WIKIPEDIA_FLEISS: [[usize; 5]; 10] = [
        [0, 0, 0, 0, 14],
        [0, 2, 6, 4, 2],
        [0, 0, 3, 5, 6],
        [0, 3, 9, 2, 0],
        [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0],
        [3, 2, 6, 3, 0],
        [2, 5, 3, 2, 2],
        [6, 5, 2, 1, 0],
        [0, 2, 2, 3, 7],
    ];

    fn rows<const K: usize>(table: &[[usize; K]]) -> Vec<Vec<usize>> {
        table.iter().map(|row| row.to_vec()).collect()
    }

    #[test]
    fn fleiss_wikipedia_example() {
        // Wikipedia's "Fleiss' kappa" worked example: 10 subjects, 5 categories, 14 raters.
        // Exactly, P-bar = 172/455 = 0.378, P-bar_e = 417/1960 = 0.213, kappa = 4211/20059
        // = 0.20993. Fleiss, Nee & Landis (1979) variance = 623569/2166572590, SE = 0.016965
        // (Cardillo's MATLAB fleiss.m prints 0.2099 and 0.0170 for the same table).
        let kappa = fleiss_kappa(&rows(&WIKIPEDIA_FLEISS)).unwrap();
        close(kappa.kappa, 4211.0 / 20059.0, 1e-12);
        close(kappa.observed_agreement, 172.0 / 455.0, 1e-12);
        close(kappa.expected_agreement, 417.0 / 1960.0, 1e-12);
        close(kappa.standard_error, (623569.0f64 / 2166572590.0).sqrt(), 1e-12);
        close(kappa.ci_low, 0.1767, 5e-5);
        close(kappa.ci_high, 0.2432, 5e-5);
        assert_eq!(kappa.n, 10);
    }

    #[test]
    fn fleiss_matches_statsmodels() {
        // Computed with statsmodels 0.15.0 (Python 3.11): `repr(fleiss_kappa(table))`.
        let cases: [(&[[usize; 3]], f64); 3] = [
            (
                &[[3, 0, 0], [2, 1, 0], [0, 3, 0], [1, 1, 1], [0, 0, 3], [0, 2, 1], [3, 0, 0], [0, 3, 0]],
                0.5459459459459458,
            ),
            (
                &[
                    [4, 0, 0],
                    [0, 4, 0],
                    [0, 3, 1],
                    [1, 3, 0],
                    [0, 4, 0],
                    [2, 2, 0],
                    [0, 4, 0],
                    [0, 0, 4],
                    [0, 4, 0],
                    [3, 0, 1],
                ],
                0.6096096096096096,
            ),
            (&[[1, 1, 0], [0, 2, 0], [0, 2, 0], [2, 0, 0], [0, 1, 1], [0, 2, 0], [1, 0, 1]], 0.25),
        ];
        for (table, expected) in cases {
            close(fleiss_kappa(&rows(table)).unwrap().kappa, expected, 1e-12);
        }
    }

    #[test]
    fn fleiss_edge_cases() {
        // Perfect agreement on two categories: P-bar = 1, kappa = 1.
        let perfect = fleiss_kappa(&rows(&[[3, 0], [0, 3], [3, 0]])).unwrap();
        close(perfect.kappa, 1.0, 1e-12);
        // Two raters always disagreeing: P-bar = 0, p = (1/2, 1/2), kappa = -1 (the least
        // Fleiss' kappa can be is -1/(m-1)).
        let opposed = fleiss_kappa(&rows(&[[1, 1], [1, 1]])).unwrap();
        close(opposed.kappa, -1.0, 1e-12);
        // One subject: defined as long as two categories were used.
        let single = fleiss_kappa(&rows(&[[2, 1]])).unwrap();
        assert_eq!(single.n, 1);
        close(single.kappa, (1.0 / 3.0 - 5.0 / 9.0) / (4.0 / 9.0), 1e-12);
    }

    #[test]
    fn fleiss_undefined_cases_are_none() {
        assert_eq!(fleiss_kappa(&[]), None);
        assert_eq!(fleiss_kappa(&[vec![]]), None);
        // Unequal raters per subject.
        assert_eq!(fleiss_kappa(&rows(&[[2, 1], [1, 1]])), None);
        // Rows of different lengths.
        assert_eq!(fleiss_kappa(&[vec![2, 1], vec![2, 1, 0]]), None);
        // One rater per subject.
        assert_eq!(fleiss_kappa(&rows(&[[1, 0], [0, 1]])), None);
        // Every rating in one category.
        assert_eq!(fleiss_kappa(&rows(&[[0, 4], [0, 4]])), None);
    }

    #[test]
    fn fleiss_with_two_raters_is_scotts_pi() {
        // Two raters: Fleiss' kappa uses the pooled margins, so it is Scott's pi, not Cohen's
        // kappa. 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: pooled yes = 55/100, pi =
        // (0.7 - (0.55² + 0.45²)) / (1 - 0.505) = 0.195/0.495.
        let mut counts = Vec::new();
        counts.extend(std::iter::repeat_n(vec![2, 0], 20));
        counts.extend(std::iter::repeat_n(vec![1, 1], 15));
        counts.extend(std::iter::repeat_n(vec![0, 2], 15));
        close(fleiss_kappa(&counts).unwrap().kappa, 0.195 / 0.495, 1e-12);
    }

    #[test]
    fn percent_agreement_counts_subjects_where_all_agree() {
        let subjects = [
            vec![Include, Include],
            vec![Include, Exclude],
            vec![Exclude, Exclude, Exclude],
            vec![Maybe, Maybe, Include],
            vec![Maybe],
        ];
        // The single-vote subject is left out: 2 of 4.
        assert_eq!(percent_agreement(&subjects), Some(0.5));
        assert_eq!(percent_agreement(&[[Exclude, Exclude]; 7]), Some(1.0));
        assert_eq!(percent_agreement::<Decision, Vec<Decision>>(&[]), None);
        assert_eq!(percent_agreement(&[[Include]]), None);
    }
}
