//! Sift's nouns and the pure rules over them.
//!
//! Nothing here does IO, knows SQL or HTTP, or depends on another Sift crate: the engines
//! (`sift-formats`, and later dedup, rank, report) and the service layer all speak these types.

pub mod agreement;
pub mod appraisal;
pub mod biblio;
pub mod charting;
pub mod ids;
pub mod prisma;
pub mod review;
pub mod screening;

pub use biblio::{Author, Reference, WorkType};
pub use ids::{CitationId, ImportFileId, MemberId, PairId, RecordId, ReviewId, SearchId, StreamId, StudyId};
pub use review::{ParseEnumError, Review, ReviewType, Search, SearchKind, Stream, check_iso_date};
