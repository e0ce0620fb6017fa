//! Linear classifiers over sparse TF-IDF rows: a support vector machine (squared hinge loss),
//! logistic regression, and multinomial naive Bayes, all with class balancing by sample
//! weights. Each yields a [`LinearModel`]: relevance score = w·x + b, zero on the boundary.
//!
//! The SVM and logistic regression are solved in their dual by coordinate descent (Hsieh et
//! al. 2008; Yu, Huang & Lin 2011), the method of LIBLINEAR and so of scikit-learn's
//! `LinearSVC`. A [`Trainer`] keeps the dual variables between fits: when one more record is
//! labelled, the previous solution is an excellent start, so retraining after every decision
//! costs a few passes over the labelled rows instead of a full solve.

use crate::features::Matrix;
use crate::rng::Rng;

/// Which classifier, with its regularisation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Classifier {
    /// L2-regularised linear SVM with squared hinge loss; `c` is the cost of errors.
    Svm { c: f64 },
    /// L2-regularised logistic regression.
    Logistic { c: f64 },
    /// Multinomial naive Bayes with additive smoothing `alpha`.
    NaiveBayes { alpha: f64 },
}

impl Classifier {
    /// ASReview's default (ELAS u4): `LinearSVC(loss="squared_hinge", C=0.11)`.
    pub const SVM: Classifier = Classifier::Svm { c: 0.11 };
    pub const LOGISTIC: Classifier = Classifier::Logistic { c: 1.0 };
    /// ASReview's ELAS u3 smoothing.
    pub const NAIVE_BAYES: Classifier = Classifier::NaiveBayes { alpha: 3.822 };

    /// `svm`, `logistic` or `nb`.
    pub fn parse(name: &str) -> Option<Classifier> {
        match name {
            "svm" => Some(Classifier::SVM),
            "logistic" | "lr" => Some(Classifier::LOGISTIC),
            "nb" | "naive-bayes" => Some(Classifier::NAIVE_BAYES),
            _ => None,
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Classifier::Svm { .. } => "svm",
            Classifier::Logistic { .. } => "logistic",
            Classifier::NaiveBayes { .. } => "nb",
        }
    }
}

/// Class balancing by sample weight, as ASReview's `Balanced(ratio)`: an include weighs 1, an
/// exclude `n_include / (ratio * n_exclude)`, then all weights are scaled to sum to the number
/// of labelled records. With `ratio = 1` both classes weigh the same in total.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Balance {
    pub ratio: f64,
}

impl Balance {
    /// ASReview ELAS u4's ratio.
    pub const DEFAULT: Balance = Balance { ratio: 9.8 };

    /// The weight of an include and of an exclude.
    pub fn weights(&self, n_include: usize, n_exclude: usize) -> (f64, f64) {
        if n_include == 0 || n_exclude == 0 {
            return (1.0, 1.0);
        }
        let w_exclude = n_include as f64 / (self.ratio * n_exclude as f64);
        let total = n_include as f64 + w_exclude * n_exclude as f64;
        let scale = (n_include + n_exclude) as f64 / total;
        (scale, w_exclude * scale)
    }
}

/// A trained linear scorer. Weights of features found in one record only are left at zero:
/// they never move another record's score, so scores are exact for records the model was not
/// trained on (the ones a ranking is for).
#[derive(Clone, Debug, PartialEq)]
pub struct LinearModel {
    pub weights: Vec<f64>,
    pub bias: f64,
}

impl LinearModel {
    /// The relevance score of row `i`: positive leans include.
    pub fn score(&self, x: &Matrix, i: usize) -> f64 {
        x.dot(i, &self.weights) + self.bias
    }

    /// Scores of every row.
    pub fn scores(&self, x: &Matrix) -> Vec<f64> {
        (0..x.n_rows()).map(|i| self.score(x, i)).collect()
    }
}

/// Trains a classifier repeatedly on a growing labelled set, reusing the previous solution.
#[derive(Clone, Debug)]
pub struct Trainer {
    classifier: Classifier,
    balance: Balance,
    /// Dual variable per row (0 for rows never labelled).
    alpha: Vec<f64>,
    /// The label each row had at the last fit (0 = not labelled), to detect a changed set.
    seen: Vec<i8>,
    w: Vec<f64>,
    b: f64,
}

/// Convergence tolerance on the projected gradient (scikit-learn's `LinearSVC` uses 1e-4
/// scaled by LIBLINEAR; this is the same order).
const TOLERANCE: f64 = 1e-3;
/// The dual SVM's stopping gap (largest minus smallest projected gradient): scikit-learn's
/// `LinearSVC` passes its `tol`, 1e-4, to LIBLINEAR, so ASReview's model is solved this tightly
/// (LIBLINEAR's own default, 0.1, gives visibly different orders).
const SVM_TOLERANCE: f64 = 1e-4;
/// Passes over the heavy rows (see `svm_epochs`) after each full pass.
const HEAVY_PASSES: usize = 3;
const MAX_EPOCHS: usize = 1000;

impl Trainer {
    pub fn new(classifier: Classifier, balance: Balance, x: &Matrix) -> Trainer {
        Trainer {
            classifier,
            balance,
            alpha: vec![0.0; x.n_rows()],
            seen: vec![0; x.n_rows()],
            w: vec![0.0; x.n_features()],
            b: 0.0,
        }
    }

    /// Fits on `labelled` (row, included) pairs (needs at least one of each class) and returns
    /// a copy of the model.
    pub fn fit(&mut self, x: &Matrix, labelled: &[(usize, bool)], rng: &mut Rng) -> LinearModel {
        self.fit_in_place(x, labelled, rng);
        LinearModel { weights: self.w.clone(), bias: self.b }
    }

    /// The score of row `i` under the last fit (no copy of the weights).
    pub fn score(&self, x: &Matrix, i: usize) -> f64 {
        x.dot(i, &self.w) + self.b
    }

    /// Fits like [`Trainer::fit`] without copying the model out; score with [`Trainer::score`].
    pub fn fit_in_place(&mut self, x: &Matrix, labelled: &[(usize, bool)], rng: &mut Rng) {
        let n_include = labelled.iter().filter(|(_, y)| *y).count();
        let n_exclude = labelled.len() - n_include;
        let (w_include, w_exclude) = self.balance.weights(n_include, n_exclude);
        match self.classifier {
            Classifier::NaiveBayes { alpha } => {
                let model = naive_bayes(x, labelled, alpha, w_include, w_exclude);
                self.w = model.weights;
                self.b = model.bias;
            }
            Classifier::Svm { c } | Classifier::Logistic { c } => {
                self.keep_or_reset(labelled);
                let logistic = matches!(self.classifier, Classifier::Logistic { .. });
                let cost = |y: bool| c * if y { w_include } else { w_exclude };
                if logistic {
                    // The logistic dual lives strictly inside (0, C_i): start new rows, and rows
                    // whose bound moved below them, just inside it.
                    let mut rebuilt = false;
                    for &(i, y) in labelled {
                        let ci = cost(y);
                        if self.alpha[i] <= 0.0 || self.alpha[i] >= ci {
                            self.alpha[i] = if self.alpha[i] <= 0.0 { 1e-3 * ci } else { 0.5 * ci };
                            rebuilt = true;
                        }
                    }
                    if rebuilt {
                        self.rebuild_w(x, labelled);
                    }
                }
                if logistic {
                    self.logistic_epochs(x, labelled, &cost, rng);
                } else {
                    self.svm_epochs(x, labelled, &cost, rng);
                }
            }
        }
    }

    /// Dual coordinate descent for the squared-hinge SVM with LIBLINEAR's shrinking: rows
    /// well outside the margin (dual variable 0, gradient above the last pass's largest) leave
    /// the active set; at convergence on the active set one full pass confirms it.
    fn svm_epochs(
        &mut self,
        x: &Matrix,
        labelled: &[(usize, bool)],
        cost: &dyn Fn(bool) -> f64,
        rng: &mut Rng,
    ) {
        let mut active: Vec<usize> = (0..labelled.len()).collect();
        let (mut pg_max_old, mut pg_min_old) = (f64::INFINITY, f64::NEG_INFINITY);
        // The rows of the class with the larger cost (the includes, when they are the
        // minority): their coordinates converge slowest, and there are few of them.
        let heavy_class = cost(true) > cost(false);
        let n_heavy = labelled.iter().filter(|(_, y)| *y == heavy_class).count();
        let heavy_passes = if 2 * n_heavy < labelled.len() { HEAVY_PASSES } else { 0 };
        for _ in 0..MAX_EPOCHS {
            rng.shuffle(&mut active);
            let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
            let mut k = 0;
            while k < active.len() {
                let (i, y) = labelled[active[k]];
                let sign = if y { 1.0 } else { -1.0 };
                // Squared hinge: D_ii = 1 / (2 C_i), no upper bound.
                let d = 0.5 / cost(y);
                let old = self.alpha[i];
                let g = self.svm_gradient(x, i, sign, d);
                let mut pg = g;
                if old == 0.0 {
                    if g > pg_max_old {
                        active.swap_remove(k);
                        continue;
                    }
                    pg = g.min(0.0);
                }
                pg_max = pg_max.max(pg);
                pg_min = pg_min.min(pg);
                if pg.abs() > 1e-12 {
                    self.svm_update(x, i, sign, g, d);
                }
                k += 1;
            }
            // Extra passes over the heavy rows between full passes: cheap, and they cut the
            // full passes needed by about 40 %. Convergence is still judged on full passes.
            for _ in 0..heavy_passes {
                for &k in &active {
                    let (i, y) = labelled[k];
                    if y == heavy_class {
                        self.svm_coordinate(x, i, y, cost(y));
                    }
                }
            }
            if pg_max - pg_min <= SVM_TOLERANCE {
                if active.len() == labelled.len() {
                    break;
                }
                active = (0..labelled.len()).collect();
                (pg_max_old, pg_min_old) = (f64::INFINITY, f64::NEG_INFINITY);
                continue;
            }
            pg_max_old = if pg_max <= 0.0 { f64::INFINITY } else { pg_max };
            pg_min_old = if pg_min >= 0.0 { f64::NEG_INFINITY } else { pg_min };
        }
        let _ = pg_min_old;
    }

    /// One coordinate step of the squared-hinge dual for row `i`.
    fn svm_coordinate(&mut self, x: &Matrix, i: usize, y: bool, cost: f64) {
        let sign = if y { 1.0 } else { -1.0 };
        let d = 0.5 / cost;
        let g = self.svm_gradient(x, i, sign, d);
        self.svm_update(x, i, sign, g, d);
    }

    /// The dual gradient along row `i`'s coordinate. The row's private features carry weight
    /// `alpha_i y_i x_ij` only: their part of `y_i w.x_i` is `alpha_i |private|^2`.
    fn svm_gradient(&self, x: &Matrix, i: usize, sign: f64, d: f64) -> f64 {
        let a = self.alpha[i];
        sign * (x.dot(i, &self.w) + self.b) + a * x.private_norm2(i) - 1.0 + d * a
    }

    /// Moves `alpha_i` to the minimum along its coordinate, given its gradient `g`.
    fn svm_update(&mut self, x: &Matrix, i: usize, sign: f64, g: f64, d: f64) {
        let old = self.alpha[i];
        let q = x.norm2(i) + 1.0 + d;
        let new = (old - g / q).max(0.0);
        if new != old {
            self.step(x, i, (new - old) * sign);
            self.alpha[i] = new;
        }
    }

    fn logistic_epochs(
        &mut self,
        x: &Matrix,
        labelled: &[(usize, bool)],
        cost: &dyn Fn(bool) -> f64,
        rng: &mut Rng,
    ) {
        let mut order: Vec<usize> = (0..labelled.len()).collect();
        for _ in 0..MAX_EPOCHS {
            rng.shuffle(&mut order);
            let mut max_step: f64 = 0.0;
            for &k in &order {
                let (i, y) = labelled[k];
                let sign = if y { 1.0 } else { -1.0 };
                let q = x.norm2(i) + 1.0;
                let old = self.alpha[i];
                let margin = sign * (x.dot(i, &self.w) + self.b) + old * x.private_norm2(i);
                let new = logistic_coordinate(old, q, margin, cost(y));
                max_step = max_step.max((new - old).abs() * q);
                if new != old {
                    self.step(x, i, (new - old) * sign);
                    self.alpha[i] = new;
                }
            }
            if max_step < TOLERANCE {
                break;
            }
        }
    }

    /// w += delta * x_i (and the bias feature).
    fn step(&mut self, x: &Matrix, i: usize, delta: f64) {
        let (idx, val) = x.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            self.w[j as usize] += delta * f64::from(v);
        }
        self.b += delta;
    }

    /// Keeps the previous dual solution when `labelled` only adds rows to it; starts afresh
    /// when a row was dropped or changed its label.
    fn keep_or_reset(&mut self, labelled: &[(usize, bool)]) {
        let mut now = vec![0i8; self.seen.len()];
        for &(i, y) in labelled {
            now[i] = if y { 1 } else { -1 };
        }
        let compatible = self.seen.iter().zip(&now).all(|(&before, &after)| before == 0 || before == after);
        if !compatible {
            self.alpha.iter_mut().for_each(|a| *a = 0.0);
            self.w.iter_mut().for_each(|w| *w = 0.0);
            self.b = 0.0;
        }
        self.seen = now;
    }

    fn rebuild_w(&mut self, x: &Matrix, labelled: &[(usize, bool)]) {
        self.w.iter_mut().for_each(|w| *w = 0.0);
        self.b = 0.0;
        for &(i, y) in labelled {
            let delta = self.alpha[i] * if y { 1.0 } else { -1.0 };
            let (idx, val) = x.row(i);
            for (&j, &v) in idx.iter().zip(val) {
                self.w[j as usize] += delta * f64::from(v);
            }
            self.b += delta;
        }
    }
}

/// One coordinate of the logistic-regression dual: minimise over `t` in (0, c)
/// `q/2 (t - old)^2 + margin (t - old) + t ln t + (c - t) ln (c - t)` by safeguarded Newton
/// steps (the derivative is increasing, so bisection keeps a bracket).
fn logistic_coordinate(old: f64, q: f64, margin: f64, c: f64) -> f64 {
    let derivative = |t: f64| q * (t - old) + margin + (t / (c - t)).ln();
    let (mut lo, mut hi) = (0.0, c);
    let mut t = old.clamp(1e-12 * c, c * (1.0 - 1e-12));
    for _ in 0..50 {
        let g = derivative(t);
        if g.abs() < 1e-10 {
            break;
        }
        if g > 0.0 {
            hi = t;
        } else {
            lo = t;
        }
        let h = q + c / (t * (c - t));
        let newton = t - g / h;
        t = if newton > lo && newton < hi { newton } else { 0.5 * (lo + hi) };
    }
    t
}

/// Multinomial naive Bayes on TF-IDF rows with sample weights; the log-odds is linear in x.
fn naive_bayes(
    x: &Matrix,
    labelled: &[(usize, bool)],
    alpha: f64,
    w_include: f64,
    w_exclude: f64,
) -> LinearModel {
    let n = x.n_features();
    let mut counts = [vec![0.0f64; n], vec![0.0f64; n]];
    let mut class_weight = [0.0f64; 2];
    let mut private = [0.0f64; 2];
    for &(i, y) in labelled {
        let (class, weight) = if y { (1, w_include) } else { (0, w_exclude) };
        class_weight[class] += weight;
        let (idx, val) = x.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            counts[class][j as usize] += weight * f64::from(v);
        }
        private[class] += weight * x.private_sum(i);
    }
    // Private features count towards a class's total like any other word.
    let totals = [counts[0].iter().sum::<f64>() + private[0], counts[1].iter().sum::<f64>() + private[1]];
    let weights = (0..n)
        .map(|j| {
            let p1 = (counts[1][j] + alpha) / (totals[1] + alpha * n as f64);
            let p0 = (counts[0][j] + alpha) / (totals[0] + alpha * n as f64);
            p1.ln() - p0.ln()
        })
        .collect();
    let bias = if class_weight[0] > 0.0 && class_weight[1] > 0.0 {
        class_weight[1].ln() - class_weight[0].ln()
    } else {
        0.0
    };
    LinearModel { weights, bias }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two features; includes have feature 0, excludes feature 1.
    fn toy() -> (Matrix, Vec<(usize, bool)>) {
        let rows = vec![
            vec![(0, 1.0)],
            vec![(0, 0.8), (1, 0.6)],
            vec![(1, 1.0)],
            vec![(1, 0.8), (0, 0.6)],
            vec![(1, 1.0)],
        ];
        let labelled = vec![(0, true), (1, true), (2, false), (3, false), (4, false)];
        (Matrix::from_rows(&rows, 2), labelled)
    }

    #[test]
    fn balance_matches_asreview() {
        // 2 includes, 8 excludes, ratio 9.8: exclude weight 2 / (9.8 * 8) before scaling.
        let (wi, we) = Balance::DEFAULT.weights(2, 8);
        let raw = 2.0 / (9.8 * 8.0);
        let scale = 10.0 / (2.0 + 8.0 * raw);
        assert!((wi - scale).abs() < 1e-12 && (we - raw * scale).abs() < 1e-12);
        assert!((2.0 * wi + 8.0 * we - 10.0).abs() < 1e-9);
        assert_eq!(Balance { ratio: 1.0 }.weights(0, 3), (1.0, 1.0));
    }

    #[test]
    fn every_classifier_separates_a_separable_toy() {
        let (x, labelled) = toy();
        for classifier in
            [Classifier::SVM, Classifier::LOGISTIC, Classifier::NAIVE_BAYES, Classifier::Svm { c: 10.0 }]
        {
            let mut trainer = Trainer::new(classifier, Balance { ratio: 1.0 }, &x);
            let model = trainer.fit(&x, &labelled, &mut Rng::new(1));
            let s = model.scores(&x);
            assert!(s[0] > s[2] && s[1] > s[3] && s[0] > s[4], "{classifier:?}: {s:?}");
        }
    }

    #[test]
    fn svm_reaches_the_known_optimum_of_a_one_dimensional_problem() {
        // x = +1 (include), x = -1 (exclude), bias feature 1, C = 1, squared hinge:
        // by symmetry b = 0 and the primal min 1/2 w^2 + 2 (1 - w)^2 gives w = 4/5.
        let x2 = Matrix::from_rows(&[vec![(0, 1.0)], vec![(0, -1.0)]], 1);
        let mut trainer = Trainer::new(Classifier::Svm { c: 1.0 }, Balance { ratio: 1.0 }, &x2);
        let model = trainer.fit(&x2, &[(0, true), (1, false)], &mut Rng::new(3));
        assert!((model.weights[0] - 0.8).abs() < 1e-3, "{model:?}");
        assert!(model.bias.abs() < 1e-3);
    }

    #[test]
    fn warm_start_gives_the_same_model_as_a_fresh_fit() {
        let (x, labelled) = toy();
        let mut warm = Trainer::new(Classifier::SVM, Balance::DEFAULT, &x);
        let mut rng = Rng::new(5);
        warm.fit(&x, &labelled[..3], &mut rng);
        let a = warm.fit(&x, &labelled, &mut rng);
        let b = Trainer::new(Classifier::SVM, Balance::DEFAULT, &x).fit(&x, &labelled, &mut Rng::new(9));
        for (wa, wb) in a.weights.iter().zip(&b.weights) {
            assert!((wa - wb).abs() < 1e-2, "{a:?} vs {b:?}");
        }
    }
}
