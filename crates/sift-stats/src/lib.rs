//! Meta-analysis: the numbers behind a review's forest plot.
//!
//! [`effect`] turns what a study reports (a 2x2 table, means and SDs, an estimate with its
//! confidence interval) into an effect size `yi` with its sampling variance `vi`; [`model`]
//! pools them (common effect, or random effects with the DerSimonian-Laird, Hedges,
//! Paule-Mandel, ML or REML estimate of tau²), with z or Hartung-Knapp-Sidik-Jonkman tests,
//! heterogeneity (Q, I², H², a Q-profile interval for tau²), a prediction interval and
//! meta-regression on moderators; [`subgroup`] pools within groups and tests the difference;
//! [`mh`] gives the Mantel-Haenszel and Peto estimates for 2x2 tables; [`bias`] Egger's test
//! of funnel-plot asymmetry and [`trimfill`] Duval and Tweedie's trim and fill; [`influence`]
//! each study's influence on the pooled model.
//!
//! The conventions are metafor's (`escalc`, `rma.uni`, `rma.mh`, `rma.peto`, `regtest`, `trimfill`, `influence`), and
//! the tests compare every estimator with metafor's own output.
//!
//! Pure computation: no IO, no threads; the same input gives the same output.

pub mod bias;
mod dist;
pub mod effect;
pub mod influence;
mod linalg;
pub mod mh;
pub mod model;
pub mod subgroup;
pub mod summary;
pub mod trimfill;

pub use bias::{Egger, egger};
pub use effect::{Effect, Measure};
pub use influence::{Influence, influence};
pub use mh::{PooledTable, Table, mantel_haenszel, peto};
pub use model::{Coefficient, Fit, Heterogeneity, Method, ModeratorTest, Moderators, Options, Test, fit};
pub use subgroup::{Subgroup, SubgroupAnalysis, subgroups};
pub use summary::{Estimated, FiveNumbers, Scenario, SummaryError, from_five_numbers};
pub use trimfill::{Estimator, Filled, Side, TrimFill, trim_and_fill};

/// The two-sided critical value of the standard normal for confidence `level` (1.959964 at 0.95).
pub fn z_crit(level: f64) -> f64 {
    dist::z_crit(level)
}

/// Why a meta-analysis could not be computed. Messages name the study (by its 1-based
/// position) or the value that is wrong.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("no studies to pool")]
    NoStudies,
    #[error("study {study}: {what}")]
    Study { study: usize, what: String },
    #[error("{0}")]
    Model(String),
}

pub type Result<T> = std::result::Result<T, StatsError>;
