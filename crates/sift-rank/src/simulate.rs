//! Replays a labelled set as if a person screened it in the order the model asks for: the
//! prior records first, then after every decision the model is retrained and the next record
//! chosen by the query strategy. The labels are only looked up, one record at a time, as a
//! screener would reveal them.
//!
//! Like `asreview simulate`, the active loop ends once every relevant record is found; the
//! records left follow the last model's ranking (this cannot change any metric: they are all
//! irrelevant). The stopping rule is followed to the point where it would have stopped a real
//! review, which may be later: from then on it sees only irrelevant records, whichever order
//! they come in, so no more training is needed to know where it fires.

use crate::features::Matrix;
use crate::metrics::{Metrics, MetricsError, metrics};
use crate::model::{Balance, Classifier, Trainer};
use crate::query::{Query, ranking};
use crate::rng::Rng;
use crate::stopping::{StopEstimate, hypergeometric_stop, may_stop};

/// Everything that shapes a simulation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    pub classifier: Classifier,
    pub balance: Balance,
    pub query: Query,
    /// Retrain after this many decisions (1: after every one, as ASReview), and always at once
    /// after a relevant record: an include is the rare event that moves the ranking most.
    pub retrain_every: usize,
    pub seed: u64,
    /// The stopping rule's target recall and confidence.
    pub target_recall: f64,
    pub confidence: f64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            classifier: Classifier::SVM,
            balance: Balance::DEFAULT,
            query: Query::Max,
            retrain_every: 1,
            seed: 0,
            target_recall: 0.95,
            confidence: 0.95,
        }
    }
}

/// Where the stopping rule first said "safe to stop".
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StopPoint {
    /// Records screened after the priors when the rule fired.
    pub n_screened: usize,
    /// The recall actually reached then (priors excluded, as in the metrics).
    pub recall: f64,
    pub estimate: StopEstimate,
}

/// The outcome of one simulation.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// Every row, in screening order; the first `n_prior` are the priors.
    pub order: Vec<usize>,
    pub n_prior: usize,
    /// Metrics over the order after the priors.
    pub metrics: Metrics,
    /// `None` when the rule never fired before every record was screened.
    pub stop: Option<StopPoint>,
    /// How many times a model was trained.
    pub n_trainings: usize,
}

/// Why a simulation cannot run.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SimulationError {
    #[error("{n_labels} labels for {n_rows} records")]
    LabelCount { n_labels: usize, n_rows: usize },
    #[error("prior record index {0} is outside the data")]
    PriorOutOfRange(usize),
    #[error("record index {0} is a prior twice")]
    DuplicatePrior(usize),
    #[error("cannot pick {wanted} prior {what} records: the data has {available}")]
    TooFewForPriors { what: &'static str, wanted: usize, available: usize },
    #[error("{0}")]
    Metrics(#[from] MetricsError),
}

/// Picks `n_included` relevant and `n_excluded` irrelevant rows at random for `seed`.
pub fn random_priors(
    labels: &[bool],
    n_included: usize,
    n_excluded: usize,
    seed: u64,
) -> Result<Vec<usize>, SimulationError> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for (want, class, what) in [(n_included, true, "relevant"), (n_excluded, false, "irrelevant")] {
        let mut pool: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        if pool.len() < want {
            return Err(SimulationError::TooFewForPriors { what, wanted: want, available: pool.len() });
        }
        rng.shuffle(&mut pool);
        out.extend_from_slice(&pool[..want]);
    }
    Ok(out)
}

/// Runs one simulation over the TF-IDF rows `x` with the known `labels`.
pub fn simulate(
    x: &Matrix,
    labels: &[bool],
    priors: &[usize],
    settings: &Settings,
) -> Result<Simulation, SimulationError> {
    let n = x.n_rows();
    if labels.len() != n {
        return Err(SimulationError::LabelCount { n_labels: labels.len(), n_rows: n });
    }
    let mut is_labelled = vec![false; n];
    for &p in priors {
        if p >= n {
            return Err(SimulationError::PriorOutOfRange(p));
        }
        if std::mem::replace(&mut is_labelled[p], true) {
            return Err(SimulationError::DuplicatePrior(p));
        }
    }
    // Fail early, before any training, when the metrics could not be computed anyway.
    let after_priors: Vec<bool> = (0..n).filter(|&i| !is_labelled[i]).map(|i| labels[i]).collect();
    metrics(&after_priors)?;
    let n_relevant_total = labels.iter().filter(|&&l| l).count();
    let n_relevant_after_priors = after_priors.iter().filter(|&&l| l).count();

    let mut rng = Rng::new(settings.seed);
    let mut trainer = Trainer::new(settings.classifier, settings.balance, x);
    let mut labelled: Vec<(usize, bool)> = priors.iter().map(|&p| (p, labels[p])).collect();
    let mut order: Vec<usize> = priors.to_vec();
    let mut screened_labels: Vec<bool> = priors.iter().map(|&p| labels[p]).collect();
    let mut candidates: Vec<usize> = (0..n).filter(|&i| !is_labelled[i]).collect();
    let mut scores = vec![0.0f64; n];
    let mut have_scores = false;
    let mut since_training = usize::MAX;
    let mut n_trainings = 0;
    let mut found = screened_labels.iter().filter(|&&l| l).count();
    let mut stop: Option<StopPoint> = None;

    let stop_point = |screened_labels: &[bool], n_prior: usize| -> Option<StopPoint> {
        if !may_stop(screened_labels, n, settings.target_recall, settings.confidence) {
            return None;
        }
        let estimate = hypergeometric_stop(screened_labels, n, settings.target_recall, settings.confidence);
        estimate.safe_to_stop.then(|| {
            let found_after_priors = screened_labels[n_prior..].iter().filter(|&&l| l).count();
            StopPoint {
                n_screened: screened_labels.len() - n_prior,
                recall: found_after_priors as f64 / n_relevant_after_priors as f64,
                estimate,
            }
        })
    };
    // The active loop, until every relevant record is found.
    while !candidates.is_empty() && found < n_relevant_total {
        let both_classes = labelled.iter().any(|(_, y)| *y) && labelled.iter().any(|(_, y)| !*y);
        let last_was_relevant = screened_labels.last() == Some(&true);
        if both_classes && (since_training >= settings.retrain_every || last_was_relevant) {
            trainer.fit_in_place(x, &labelled, &mut rng);
            for &i in &candidates {
                scores[i] = trainer.score(x, i);
            }
            have_scores = true;
            since_training = 0;
            n_trainings += 1;
        }
        let position = if have_scores {
            let pick = settings.query.pick(&candidates, &scores, &mut rng).expect("candidates left");
            candidates.iter().position(|&c| c == pick).expect("picked from candidates")
        } else {
            // No model yet (the priors lack a class): screen at random, as a person would.
            rng.below(candidates.len())
        };
        let row = candidates.swap_remove(position);
        since_training = since_training.saturating_add(1);
        order.push(row);
        labelled.push((row, labels[row]));
        screened_labels.push(labels[row]);
        found += usize::from(labels[row]);
        if stop.is_none() {
            stop = stop_point(&screened_labels, priors.len());
        }
    }
    // Every relevant record is found, so every record still to come is irrelevant whatever
    // the order: the stopping rule sees the same labels without the model choosing them.
    while stop.is_none() && screened_labels.len() < n {
        screened_labels.push(false);
        stop = stop_point(&screened_labels, priors.len());
    }
    // The rest, all irrelevant, in the last model's order.
    order.extend(ranking(&candidates, &scores));
    let screened: Vec<bool> = order[priors.len()..].iter().map(|&r| labels[r]).collect();
    Ok(Simulation { metrics: metrics(&screened)?, order, n_prior: priors.len(), stop, n_trainings })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{Document, FeatureOptions, tfidf};

    /// 300 records: 15 about "statin trial", the rest about other topics.
    fn corpus() -> (Matrix, Vec<bool>) {
        let topics = ["weather radar", "soil erosion", "bridge design", "bird song", "tax policy", "jazz"];
        let mut docs = Vec::new();
        let mut labels = Vec::new();
        for i in 0..300 {
            let relevant = i % 20 == 7;
            let title = if relevant {
                format!("statin trial cholesterol outcome {i}")
            } else {
                format!("{} study number {i}", topics[i % topics.len()])
            };
            docs.push(Document::new(title, format!("abstract words {} sample", i % 13)));
            labels.push(relevant);
        }
        (tfidf(&docs, &FeatureOptions::default()).0, labels)
    }

    #[test]
    fn an_easy_set_is_ranked_nearly_perfectly_and_deterministically() {
        let (x, labels) = corpus();
        let priors = random_priors(&labels, 1, 1, 42).unwrap();
        for classifier in [Classifier::SVM, Classifier::LOGISTIC, Classifier::NAIVE_BAYES] {
            let settings = Settings { classifier, seed: 3, ..Settings::default() };
            let a = simulate(&x, &labels, &priors, &settings).unwrap();
            assert_eq!(a.order.len(), 300);
            assert_eq!(&a.order[..2], &priors[..]);
            // 14 relevant left among 298: a perfect order finds them in the first 14.
            assert!(a.metrics.loss < 0.05, "{classifier:?}: {:?}", a.metrics);
            assert!(a.metrics.wss_at_95 > 0.8, "{:?}", a.metrics);
            let b = simulate(&x, &labels, &priors, &settings).unwrap();
            assert_eq!(a.order, b.order, "same seed, same order");
            let mut sorted = a.order.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..300).collect::<Vec<_>>(), "every record exactly once");
            let stop = a.stop.expect("the rule fires on an easy set");
            assert!(stop.recall >= 0.95, "{stop:?}");
        }
    }

    #[test]
    fn bad_input_is_an_error() {
        let (x, labels) = corpus();
        assert_eq!(
            simulate(&x, &labels, &[0, 0], &Settings::default()),
            Err(SimulationError::DuplicatePrior(0))
        );
        assert_eq!(
            simulate(&x, &labels, &[999], &Settings::default()),
            Err(SimulationError::PriorOutOfRange(999))
        );
        assert!(simulate(&x, &labels[..10], &[], &Settings::default()).is_err());
        assert!(matches!(random_priors(&labels, 16, 0, 1), Err(SimulationError::TooFewForPriors { .. })));
    }

    #[test]
    fn a_relevant_record_always_triggers_retraining() {
        let (x, labels) = corpus();
        let priors = random_priors(&labels, 1, 1, 5).unwrap();
        // Never retrain on the count: only the first fit and one after each relevant record
        // but the last (the loop ends when it is found).
        let settings = Settings { retrain_every: usize::MAX, ..Settings::default() };
        let s = simulate(&x, &labels, &priors, &settings).unwrap();
        let relevant_after_priors = labels.iter().filter(|&&l| l).count() - 1;
        assert_eq!(s.n_trainings, relevant_after_priors);
        // Retraining after every decision trains once per record screened in the active loop.
        let every = simulate(&x, &labels, &priors, &Settings::default()).unwrap();
        let last_relevant = every.order.iter().rposition(|&r| labels[r]).unwrap();
        assert_eq!(every.n_trainings, last_relevant + 1 - priors.len());
    }

    #[test]
    fn batches_and_other_queries_still_screen_everything() {
        let (x, labels) = corpus();
        for query in [Query::Uncertainty, Query::Mixed { max_share: 0.95 }] {
            let settings = Settings { query, retrain_every: 5, ..Settings::default() };
            let s = simulate(&x, &labels, &[7, 0], &settings).unwrap();
            assert_eq!(s.order.len(), 300);
            assert!(s.n_trainings > 0);
        }
    }
}
