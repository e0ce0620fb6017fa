//! Sift's use cases, shared by the CLI and the web app.
//!
//! A [`Service`] holds one open store and one review in it. Each method is one use case:
//! it checks its input, runs in one transaction, records what it changed in the audit log,
//! and returns plain values. Front ends format those values; they never touch the store.

mod accounts;
mod archive;
mod charting;
mod clock;
mod decisions;
mod dedup;
mod error;
mod export;
mod import;
mod input;
pub mod meta;
mod ranking;
mod report;
mod reviews;
mod screening;
mod simulation;
mod trace;

pub use reviews::{DEFAULT_STREAM, NewReviewSpec, ProtocolChange, check_slug};

use std::path::{Path, PathBuf};

use sift_domain::Review;
use sift_store::Store;

pub use accounts::{
    API_TOKEN_SECONDS, Account, Accounts, Invitation, LOCKOUT_WINDOW_SECONDS, LinkInfo, MAX_FAILED_LOGINS,
    NewSession, SESSION_SECONDS, Session, SessionKind,
};
pub use charting::{ChartProgress, ComparedField, assignable_text};
pub use decisions::{DecisionImport, DecisionImportSpec};
pub use dedup::{DedupReport, FileDedup, MergedCitation, Overlap, PendingPair, dedup_files};
pub use error::{ServiceError, ServiceResult};
pub use export::ExportSummary;
pub use import::{FileReport, ImportReport, InputFile, SearchSpec, SearchSummary};
pub use ranking::{RankingPause, RankingStatus};
pub use report::{FlowSource, ReportBundle, ReportFile, StreamFlow};
pub use screening::{
    Agreement, CitationView, NextCitation, PairAgreement, Permission, Progress, Screened, UpdateCounts,
    VisibleVote, VoteOutcome,
};
pub use sift_dedup::Policy as DedupPolicy;
pub use sift_formats::decisions::DecisionSource;
pub use sift_formats::write::ExportFormat;
pub use sift_rank::plot::recall_curve_svg;
pub use sift_rank::{Classifier, FeatureOptions, Metrics, Query, StopEstimate, StopPoint};
pub use sift_store::archive::ArchiveSummary;
pub use sift_store::records::{RecordFilter, StoredRecord};
pub use sift_store::screening::{Criterion, FullText, MemberRow};
pub use simulation::{LabelledSet, Priors, SimulationReport, SimulationSpec, read_labelled_csv, simulate};
pub use trace::{RecordTrace, TRACE_LIMIT};

/// Who is acting. Members and roles arrive with screening; until then every actor may do
/// everything, and the name goes into the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub name: String,
}

impl Actor {
    pub fn new(name: impl Into<String>) -> Actor {
        Actor { name: name.into() }
    }
}

/// Where a review lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Locator {
    /// A `.sift` file holding one review.
    File(PathBuf),
    /// A database server (`postgres://...`) and the slug of a review in it; `None` picks
    /// the only review there.
    Database { url: String, review: Option<String> },
}

impl Locator {
    /// Builds a locator from a command line's `REVIEW` argument and `--database` option.
    pub fn new(review: Option<&str>, database: Option<&str>) -> ServiceResult<Locator> {
        match (database, review) {
            (Some(url), review) => {
                Ok(Locator::Database { url: url.to_string(), review: review.map(String::from) })
            }
            (None, Some(path)) => Ok(Locator::File(PathBuf::from(path))),
            (None, None) => {
                Err(ServiceError::invalid("REVIEW", "name a review file (or pass --database URL)"))
            }
        }
    }
}

/// One open review.
#[derive(Clone, Debug)]
pub struct Service {
    store: Store,
    review: Review,
    /// Cached screening orders, shared by clones of this service (see `ranking.rs`).
    ranker: std::sync::Arc<ranking::Ranker>,
    /// The last report bundle built, shared by clones (see `report.rs`).
    report: std::sync::Arc<std::sync::Mutex<Option<report::CachedReport>>>,
}

impl Service {
    pub fn review(&self) -> &Review {
        &self.review
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Closes the store cleanly (on SQLite, folds the write-ahead log into the file).
    pub async fn close(self) {
        self.store.close().await;
    }
}

/// The slug a review file gets: its file stem.
fn slug_for_file(path: &Path) -> String {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if stem.is_empty() { "review".to_string() } else { stem }
}
