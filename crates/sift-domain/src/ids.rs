//! Typed row ids, so a `SearchId` can never be passed where a `RecordId` is meant.

use std::fmt;

macro_rules! define_id {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

define_id! {
    /// A review inside a store (a `.sift` file usually holds one; a server holds many).
    ReviewId,
    /// A screening stream inside a review.
    StreamId,
    /// One recorded database search.
    SearchId,
    /// One file imported for a search.
    ImportFileId,
    /// One imported reference, never edited or deleted.
    RecordId,
    /// The unit screened: a cluster of duplicate records with one canonical record.
    CitationId,
    /// A possible duplicate pair waiting for (or given) a person's decision.
    PairId,
    /// A member of a review's team.
    MemberId,
    /// A study: the included reports (citations) of one piece of research.
    StudyId,
}
