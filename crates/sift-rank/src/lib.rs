//! Screening order by predicted relevance, and when it is safe to stop.
//!
//! [`features`] turns titles, abstracts and keywords into sparse TF-IDF rows; [`model`]
//! trains linear classifiers (SVM, logistic regression, naive Bayes) with class balancing;
//! [`query`] picks the next record; [`stopping`] says, with a stated confidence, whether
//! recall has reached a target; [`simulate`] replays a labelled set and [`metrics`] scores the
//! order exactly as asreview-insights does.
//!
//! Pure computation: no IO, no async, no threads; the same input and seed give the same
//! output on every platform.

pub mod features;
pub mod metrics;
pub mod model;
pub mod plot;
pub mod query;
pub mod rng;
pub mod simulate;
pub mod stopping;

pub use features::{Document, FeatureOptions, Matrix, tfidf};
pub use metrics::{Metrics, MetricsError, metrics};
pub use model::{Balance, Classifier, LinearModel, Trainer};
pub use query::{Query, ranking};
pub use rng::Rng;
pub use simulate::{Settings, Simulation, SimulationError, StopPoint, random_priors, simulate};
pub use stopping::{StopEstimate, hypergeometric_stop, may_stop};

/// Ranks `candidates` (row indices of `x`) by a model trained on `labelled` (row, included):
/// the most likely relevant first. `None` until `labelled` holds an include and an exclude.
pub fn rank(
    x: &Matrix,
    labelled: &[(usize, bool)],
    candidates: &[usize],
    classifier: Classifier,
    balance: Balance,
    seed: u64,
) -> Option<Vec<usize>> {
    let both = labelled.iter().any(|(_, y)| *y) && labelled.iter().any(|(_, y)| !*y);
    if !both {
        return None;
    }
    let model = Trainer::new(classifier, balance, x).fit(x, labelled, &mut Rng::new(seed));
    let mut scores = vec![0.0; x.n_rows()];
    for &i in candidates {
        scores[i] = model.score(x, i);
    }
    Some(ranking(candidates, &scores))
}
