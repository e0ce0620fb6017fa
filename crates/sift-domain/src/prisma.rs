//! PRISMA 2020 flow counts, derived from what a stream holds: searches and their records,
//! citations, resolutions at both stages, full-text retrieval and studies.
//!
//! Nothing here is typed in: every box is a count over stored facts, so the diagram and the
//! review can never disagree.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::review::SearchKind;
use crate::screening::Decision;

/// Records one search contributed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchCount {
    pub source: String,
    pub kind: SearchKind,
    pub records: i64,
}

/// What the counts need to know about one citation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitationFacts {
    /// Found by a database or register search (left column); otherwise other methods only.
    pub from_database: bool,
    pub title_abstract: Option<Decision>,
    /// The full text was sought but could not be retrieved.
    pub not_retrieved: bool,
    pub full_text: Option<(Decision, Option<String>)>,
    /// The study the report belongs to, if linked.
    pub study: Option<i64>,
}

/// A count per named source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Named {
    pub name: String,
    pub count: i64,
}

/// The boxes of one column after identification.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Retrieval {
    pub reports_sought: i64,
    pub reports_not_retrieved: i64,
    pub reports_assessed: i64,
    pub reports_excluded: i64,
    /// Exclusions at full text by reason, most frequent first ("no reason given" when none).
    pub reports_excluded_by_reason: Vec<Named>,
    pub reports_included: i64,
}

/// Every PRISMA 2020 box for one stream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PrismaCounts {
    pub records_identified_by_source: Vec<Named>,
    pub records_from_databases: i64,
    pub records_from_registers: i64,
    pub duplicates_removed: i64,
    pub marked_ineligible_by_automation: i64,
    pub removed_for_other_reasons: i64,
    pub records_screened: i64,
    pub records_excluded: i64,
    pub databases: Retrieval,
    pub other_methods_identified_by_source: Vec<Named>,
    pub other_methods: Retrieval,
    pub studies_included: i64,
    pub reports_included: i64,
    /// Work not finished yet, which the diagram cannot show as a box.
    pub pending: Pending,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Pending {
    /// Records imported but not yet deduplicated.
    pub records_not_deduplicated: i64,
    pub awaiting_title_abstract: i64,
    pub awaiting_full_text: i64,
}

/// Derives the counts. `records_not_deduplicated` are left-column records not yet in a
/// citation (they are counted as identified but in no later box).
pub fn derive(
    searches: &[SearchCount],
    citations: &[CitationFacts],
    records_not_deduplicated: i64,
) -> PrismaCounts {
    let mut by_source: BTreeMap<&str, i64> = BTreeMap::new();
    let mut other_by_source: BTreeMap<&str, i64> = BTreeMap::new();
    let (mut databases, mut registers) = (0, 0);
    for s in searches {
        match s.kind {
            SearchKind::Database => databases += s.records,
            SearchKind::Register => registers += s.records,
            SearchKind::Other => {
                *other_by_source.entry(&s.source).or_default() += s.records;
                continue;
            }
        }
        *by_source.entry(&s.source).or_default() += s.records;
    }
    let left: Vec<&CitationFacts> = citations.iter().filter(|c| c.from_database).collect();
    let right: Vec<&CitationFacts> = citations.iter().filter(|c| !c.from_database).collect();
    let screened = left.len() as i64;
    let excluded = left.iter().filter(|c| c.title_abstract == Some(Decision::Exclude)).count() as i64;
    let sought_left: Vec<&CitationFacts> =
        left.iter().copied().filter(|c| c.title_abstract == Some(Decision::Include)).collect();
    let databases_retrieval = retrieval(&sought_left);
    let other_retrieval = retrieval(&right);
    let included: Vec<&CitationFacts> = sought_left
        .iter()
        .chain(right.iter())
        .copied()
        .filter(|c| matches!(c.full_text, Some((Decision::Include, _))))
        .collect();
    let studies: BTreeSet<i64> = included.iter().filter_map(|c| c.study).collect();
    let unlinked = included.iter().filter(|c| c.study.is_none()).count() as i64;
    PrismaCounts {
        records_identified_by_source: by_source
            .into_iter()
            .map(|(name, count)| Named { name: name.into(), count })
            .collect(),
        records_from_databases: databases,
        records_from_registers: registers,
        duplicates_removed: (databases + registers - records_not_deduplicated - screened).max(0),
        marked_ineligible_by_automation: 0,
        removed_for_other_reasons: 0,
        records_screened: screened,
        records_excluded: excluded,
        databases: databases_retrieval,
        other_methods_identified_by_source: other_by_source
            .into_iter()
            .map(|(name, count)| Named { name: name.into(), count })
            .collect(),
        other_methods: other_retrieval,
        studies_included: studies.len() as i64 + unlinked,
        reports_included: included.len() as i64,
        pending: Pending {
            records_not_deduplicated,
            awaiting_title_abstract: left.iter().filter(|c| c.title_abstract.is_none()).count() as i64,
            awaiting_full_text: sought_left
                .iter()
                .chain(right.iter())
                .filter(|c| !c.not_retrieved && c.full_text.is_none())
                .count() as i64,
        },
    }
}

fn retrieval(sought: &[&CitationFacts]) -> Retrieval {
    let not_retrieved = sought.iter().filter(|c| c.not_retrieved && c.full_text.is_none()).count() as i64;
    let mut reasons: BTreeMap<String, i64> = BTreeMap::new();
    for c in sought {
        if let Some((Decision::Exclude, reason)) = &c.full_text {
            *reasons.entry(reason.clone().unwrap_or_else(|| "no reason given".into())).or_default() += 1;
        }
    }
    let mut by_reason: Vec<Named> = reasons.into_iter().map(|(name, count)| Named { name, count }).collect();
    by_reason.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
    Retrieval {
        reports_sought: sought.len() as i64,
        reports_not_retrieved: not_retrieved,
        reports_assessed: sought.len() as i64 - not_retrieved,
        reports_excluded: by_reason.iter().map(|r| r.count).sum(),
        reports_excluded_by_reason: by_reason,
        reports_included: sought
            .iter()
            .filter(|c| matches!(c.full_text, Some((Decision::Include, _))))
            .count() as i64,
    }
}

impl PrismaCounts {
    /// The counts of several streams as one review's: every box summed, named sources and
    /// reasons merged by name (reasons most frequent first again).
    pub fn sum<'a>(streams: impl IntoIterator<Item = &'a PrismaCounts>) -> PrismaCounts {
        let mut total = PrismaCounts::default();
        for c in streams {
            merge_named(&mut total.records_identified_by_source, &c.records_identified_by_source);
            total.records_from_databases += c.records_from_databases;
            total.records_from_registers += c.records_from_registers;
            total.duplicates_removed += c.duplicates_removed;
            total.marked_ineligible_by_automation += c.marked_ineligible_by_automation;
            total.removed_for_other_reasons += c.removed_for_other_reasons;
            total.records_screened += c.records_screened;
            total.records_excluded += c.records_excluded;
            total.databases.add(&c.databases);
            merge_named(&mut total.other_methods_identified_by_source, &c.other_methods_identified_by_source);
            total.other_methods.add(&c.other_methods);
            total.studies_included += c.studies_included;
            total.reports_included += c.reports_included;
            total.pending.records_not_deduplicated += c.pending.records_not_deduplicated;
            total.pending.awaiting_title_abstract += c.pending.awaiting_title_abstract;
            total.pending.awaiting_full_text += c.pending.awaiting_full_text;
        }
        total.records_identified_by_source.sort_by(|a, b| a.name.cmp(&b.name));
        total.other_methods_identified_by_source.sort_by(|a, b| a.name.cmp(&b.name));
        for r in [
            &mut total.databases.reports_excluded_by_reason,
            &mut total.other_methods.reports_excluded_by_reason,
        ] {
            r.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        }
        total
    }
}

impl Retrieval {
    fn add(&mut self, other: &Retrieval) {
        self.reports_sought += other.reports_sought;
        self.reports_not_retrieved += other.reports_not_retrieved;
        self.reports_assessed += other.reports_assessed;
        self.reports_excluded += other.reports_excluded;
        merge_named(&mut self.reports_excluded_by_reason, &other.reports_excluded_by_reason);
        self.reports_included += other.reports_included;
    }
}

fn merge_named(into: &mut Vec<Named>, from: &[Named]) {
    for n in from {
        match into.iter_mut().find(|m| m.name == n.name) {
            Some(m) => m.count += n.count,
            None => into.push(n.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(
        from_database: bool,
        ta: Option<Decision>,
        ft: Option<(Decision, Option<&str>)>,
    ) -> CitationFacts {
        CitationFacts {
            from_database,
            title_abstract: ta,
            not_retrieved: false,
            full_text: ft.map(|(d, r)| (d, r.map(String::from))),
            study: None,
        }
    }

    #[test]
    fn boxes_add_up() {
        let searches = vec![
            SearchCount { source: "PubMed".into(), kind: SearchKind::Database, records: 6 },
            SearchCount { source: "Embase".into(), kind: SearchKind::Database, records: 4 },
            SearchCount { source: "Citation searching".into(), kind: SearchKind::Other, records: 2 },
        ];
        use Decision::*;
        let mut citations = vec![
            facts(true, Some(Exclude), None),
            facts(true, Some(Exclude), None),
            facts(true, Some(Include), Some((Exclude, Some("wrong population")))),
            facts(true, Some(Include), Some((Include, None))),
            facts(true, Some(Include), None),
            facts(true, None, None),
            facts(false, None, Some((Include, None))),
            facts(false, None, Some((Exclude, None))),
        ];
        citations[4].not_retrieved = true;
        citations[3].study = Some(1);
        let p = derive(&searches, &citations, 1);
        assert_eq!(p.records_from_databases, 10);
        assert_eq!(p.records_screened, 6);
        assert_eq!(p.duplicates_removed, 3, "10 records, 1 not yet deduplicated, 6 citations");
        assert_eq!(p.records_excluded, 2);
        assert_eq!(p.databases.reports_sought, 3);
        assert_eq!(p.databases.reports_not_retrieved, 1);
        assert_eq!(p.databases.reports_assessed, 2);
        assert_eq!(
            p.databases.reports_excluded_by_reason,
            vec![Named { name: "wrong population".into(), count: 1 }]
        );
        assert_eq!(p.other_methods.reports_sought, 2);
        assert_eq!(p.other_methods.reports_excluded, 1);
        assert_eq!(p.reports_included, 2);
        assert_eq!(p.studies_included, 2, "one linked study and one unlinked report");
        assert_eq!(p.pending.awaiting_title_abstract, 1);
        assert_eq!(p.other_methods_identified_by_source[0].count, 2);
    }
    #[test]
    fn streams_sum_box_by_box() {
        let named = |name: &str, count| Named { name: name.into(), count };
        let mut a = PrismaCounts {
            records_from_databases: 10,
            records_screened: 8,
            studies_included: 1,
            ..Default::default()
        };
        a.records_identified_by_source = vec![named("PubMed", 6), named("Embase", 4)];
        a.databases.reports_excluded_by_reason = vec![named("wrong population", 2)];
        let mut b = PrismaCounts {
            records_from_databases: 5,
            records_screened: 5,
            studies_included: 2,
            ..Default::default()
        };
        b.records_identified_by_source = vec![named("PubMed", 5)];
        b.databases.reports_excluded_by_reason = vec![named("wrong design", 3), named("wrong population", 2)];
        let total = PrismaCounts::sum([&a, &b]);
        assert_eq!(total.records_from_databases, 15);
        assert_eq!(total.records_screened, 13);
        assert_eq!(total.studies_included, 3);
        assert_eq!(total.records_identified_by_source, vec![named("Embase", 4), named("PubMed", 11)]);
        assert_eq!(
            total.databases.reports_excluded_by_reason,
            vec![named("wrong population", 4), named("wrong design", 3)]
        );
    }
}
