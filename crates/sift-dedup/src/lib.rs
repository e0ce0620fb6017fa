//! Duplicate detection across bibliographic databases.
//!
//! [`deduplicate`] takes references (as imported from PubMed, Embase, PsycInfo, ...) and
//! returns groups of records it is *certain* describe the same work, plus *possible* pairs for
//! a person to decide. Precision comes first: a false merge can silently lose a study, a missed
//! duplicate only costs screening time.
//!
//! The pipeline: [`prepare`] normalises each record into match keys; [`blocking`] proposes
//! candidate pairs from shared keys (DOI, PMID, title fragments, author + year + page,
//! journal + volume + page) instead of comparing all pairs; [`compare`] judges each pair with
//! hard vetoes first (different DOIs or PMIDs, an erratum against its article, volume or pages
//! that disagree) and tiered rules after; [`cluster`] joins certain pairs with a union-find
//! that refuses any union that would put conflicting records in one group.
//!
//! Pure computation: no IO, deterministic for a given input, parallel over pairs (rayon).

pub mod blocking;
pub mod cluster;
pub mod compare;
pub mod prepare;

use sift_domain::Reference;

pub use compare::{Rule, Verdict};
pub use prepare::{Notice, Prepared};

/// How the review wants borderline kinds treated.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Treat a conference abstract and the full paper with the same title as one record.
    /// PRISMA counts them as separate reports unless the protocol says otherwise.
    pub merge_conference_abstracts: bool,
}

/// Decisions a person already made, which the engine must respect.
#[derive(Clone, Debug, Default)]
pub struct Constraints {
    /// Pairs (indexes into the input) a person said are the same work.
    pub same: Vec<(usize, usize)>,
    /// Pairs a person said are different works: never in one group.
    pub different: Vec<(usize, usize)>,
}

/// How sure the engine is about a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    /// Queued for a person.
    Possible,
    /// Merged automatically.
    Certain,
}

/// One judged pair of records (indexes into the input, `a < b`).
#[derive(Clone, Debug, PartialEq)]
pub struct Match {
    pub a: usize,
    pub b: usize,
    pub tier: Tier,
    /// Title similarity in [0, 1] (1 when decided on an identifier with no titles to compare).
    pub score: f64,
    pub rule: Rule,
}

/// The outcome of a deduplication run.
#[derive(Clone, Debug, Default)]
pub struct Dedup {
    /// Groups of two or more records that are the same work, each sorted, in order of their
    /// first member.
    pub groups: Vec<Vec<usize>>,
    /// Pairs a person should look at: possible matches, and certain matches the clustering
    /// refused because they would have joined conflicting records. Never two records already
    /// in one group.
    pub possible: Vec<Match>,
    /// The certain matches that joined records into the groups (one fewer than each group's
    /// size): the evidence to log for each automatic merge.
    pub joined: Vec<Match>,
    pub n_candidate_pairs: usize,
}

impl Dedup {
    /// The group each record belongs to (`None` for a record with no duplicate).
    pub fn group_of(&self, n_records: usize) -> Vec<Option<usize>> {
        let mut of = vec![None; n_records];
        for (g, members) in self.groups.iter().enumerate() {
            for &m in members {
                of[m] = Some(g);
            }
        }
        of
    }

    /// Records removed as duplicates: every group keeps one.
    pub fn n_removed(&self) -> usize {
        self.groups.iter().map(|g| g.len() - 1).sum()
    }
}

/// Finds the duplicates among `records`.
pub fn deduplicate(records: &[Reference], policy: &Policy, constraints: &Constraints) -> Dedup {
    let prepared: Vec<Prepared> = records.iter().map(Prepared::new).collect();
    let mut pairs = blocking::candidate_pairs(&prepared);
    for &(a, b) in &constraints.same {
        pairs.push((a.min(b) as u32, a.max(b) as u32));
    }
    pairs.sort_unstable();
    pairs.dedup();
    let n_candidate_pairs = pairs.len();
    let matches = compare::judge_all(&prepared, &pairs, policy);
    let cluster::Clustering { groups, joined, left } = cluster::cluster(&prepared, matches, constraints);
    Dedup { groups, possible: left, joined, n_candidate_pairs }
}
