//! Deduplication use cases: run the engine over a stream, keep citations stable across search
//! rounds, queue possible pairs, and let a person decide, split and merge.
//!
//! Every record of a stream belongs to one citation after `dedup`. A run keeps what earlier
//! runs and people decided: records already in one citation stay together, pairs a person
//! called different stay apart, and records of a re-run search that duplicate an existing
//! citation join it rather than becoming new citations to screen. Every change is logged in
//! `dedup_decisions` (automatic with rule and score, or by a person) and can be reversed with
//! a split or a merge.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde_json::json;
use sift_dedup::{Constraints, Policy, Tier};
use sift_domain::{CitationId, PairId, RecordId, Reference, StreamId};
use sift_store::dedup::{self, Decision, QueuedPair};
use sift_store::records::{self, RecordFilter, StoredRecord};
use sift_store::{Tx, reviews};

use crate::{Actor, Service, ServiceError, ServiceResult, clock};

/// What a deduplication run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DedupReport {
    pub stream: String,
    pub n_records: usize,
    /// Records seen by deduplication for the first time in this run.
    pub n_new_records: usize,
    pub n_citations: usize,
    /// Records minus citations: PRISMA's "duplicate records removed".
    pub n_duplicates_removed: usize,
    /// New records that joined a citation from an earlier search round.
    pub n_joined_existing: usize,
    pub n_automatic_merges: usize,
    pub n_newly_queued: usize,
    pub n_pending: usize,
}

/// A queued pair with both records, for a person to compare.
#[derive(Clone, Debug)]
pub struct PendingPair {
    pub pair: QueuedPair,
    pub a: StoredRecord,
    pub b: StoredRecord,
    pub source_a: String,
    pub source_b: String,
}

/// A citation made of several records: what a person checks when auditing merges.
#[derive(Clone, Debug)]
pub struct MergedCitation {
    pub citation: CitationId,
    /// Each record with the source of its search, in record order.
    pub records: Vec<(StoredRecord, String)>,
    /// How the records came together, one line per merge ("same DOI, automatic (score
    /// 1.00)", "judged the same by ellen").
    pub how: Vec<String>,
    /// Whether any of its merges was automatic.
    pub automatic: bool,
}

/// Which sources found which citations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlap {
    pub stream: String,
    pub sources: Vec<String>,
    /// Per source: citations it found, and how many of those no other source found.
    pub found: Vec<(usize, usize)>,
    /// `shared[i][j]`: citations found by both source i and source j.
    pub shared: Vec<Vec<usize>>,
    pub n_citations: usize,
}

impl Service {
    /// Finds duplicates among a stream's records and updates its citations.
    pub async fn dedup(
        &self,
        actor: &Actor,
        stream: Option<&str>,
        policy: Policy,
    ) -> ServiceResult<DedupReport> {
        let stream = self.stream(stream).await?;
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, crate::Permission::Vote).await?;
        let filter = RecordFilter { stream: Some(stream.id), ..RecordFilter::default() };
        let stored = records::list_records(tx.conn(), self.review.id, &filter).await?;
        let membership: HashMap<RecordId, CitationId> =
            dedup::membership(tx.conn(), stream.id).await?.into_iter().collect();
        let decisions = dedup::decisions(tx.conn(), stream.id).await?;
        let index: HashMap<RecordId, usize> = stored.iter().enumerate().map(|(i, r)| (r.id, i)).collect();

        // Keep what is already decided: citations stay whole, people's judgements hold.
        let mut constraints = Constraints::default();
        let mut by_citation: BTreeMap<CitationId, Vec<usize>> = BTreeMap::new();
        for (record, citation) in &membership {
            if let Some(&i) = index.get(record) {
                by_citation.entry(*citation).or_default().push(i);
            }
        }
        for members in by_citation.values_mut() {
            members.sort_unstable();
            for &m in &members[1..] {
                constraints.same.push((members[0], m));
            }
        }
        for ((a, b), same) in person_judgements(&decisions) {
            if let (Some(&ia), Some(&ib)) = (index.get(&a), index.get(&b)) {
                if same {
                    constraints.same.push((ia, ib));
                } else {
                    constraints.different.push((ia, ib));
                }
            }
        }

        let references: Vec<Reference> = stored.iter().map(|r| r.reference.clone()).collect();
        let result =
            tokio::task::spawn_blocking(move || sift_dedup::deduplicate(&references, &policy, &constraints))
                .await
                .map_err(|e| {
                    ServiceError::invalid("dedup", format!("the deduplication engine stopped: {e}"))
                })?;

        let n_new_records = stored.iter().filter(|r| !membership.contains_key(&r.id)).count();
        let mut group_of: Vec<Option<usize>> = vec![None; stored.len()];
        for (g, members) in result.groups.iter().enumerate() {
            for &m in members {
                group_of[m] = Some(g);
            }
        }
        // The evidence behind each join, to log with the merge.
        let mut evidence: HashMap<usize, Vec<&sift_dedup::Match>> = HashMap::new();
        for m in &result.joined {
            evidence.entry(group_of[m.a].unwrap_or(usize::MAX)).or_default().push(m);
        }

        let mut n_joined_existing = 0;
        let mut n_automatic_merges = 0;
        let singletons = (0..stored.len()).filter(|&i| group_of[i].is_none()).map(|i| vec![i]);
        for members in result.groups.iter().cloned().chain(singletons) {
            let existing: BTreeSet<CitationId> =
                members.iter().filter_map(|&m| membership.get(&stored[m].id).copied()).collect();
            let target = match existing.first() {
                Some(&citation) => citation,
                None => {
                    let canonical = canonical_of(&stored, &members);
                    dedup::insert_citation(tx.conn(), self.review.id, stream.id, stored[canonical].id, &now)
                        .await?
                }
            };
            let mut changed = existing.len() > 1;
            // Citations that merge keep what was already decided about them.
            for &gone in existing.iter().skip(1) {
                sift_store::screening::move_screening(tx.conn(), gone, target).await?;
            }
            for &m in &members {
                let record = stored[m].id;
                if membership.get(&record) != Some(&target) {
                    dedup::assign(tx.conn(), record, target).await?;
                    if !existing.is_empty() && !membership.contains_key(&record) {
                        n_joined_existing += 1;
                    }
                    changed = true;
                }
            }
            if members.len() > 1 && changed {
                let canonical = canonical_of(&stored, &members);
                dedup::set_canonical(tx.conn(), target, stored[canonical].id).await?;
                let group = group_of[members[0]].unwrap_or(usize::MAX);
                for m in evidence.get(&group).into_iter().flatten() {
                    let (ra, rb) = (stored[m.a].id, stored[m.b].id);
                    let already_together =
                        matches!((membership.get(&ra), membership.get(&rb)), (Some(x), Some(y)) if x == y);
                    if already_together || m.rule == sift_dedup::Rule::Person {
                        continue;
                    }
                    let decision = Decision {
                        kind: "merge".into(),
                        record_a: ra,
                        record_b: rb,
                        decided_by: "sift".into(),
                        automatic: true,
                        rule: Some(m.rule.as_str().into()),
                        score: Some(m.score),
                        at: now.clone(),
                    };
                    dedup::insert_decision(tx.conn(), self.review.id, stream.id, &decision).await?;
                    n_automatic_merges += 1;
                }
            }
        }

        let mut n_newly_queued = 0;
        let decided: BTreeSet<(RecordId, RecordId)> = person_judgements(&decisions).into_keys().collect();
        // One pair per two groups is enough for a person to decide: the most similar one.
        let group_key = |i: usize| group_of[i].map_or(i, |g| stored.len() + g);
        let mut best: BTreeMap<(usize, usize), &sift_dedup::Match> = BTreeMap::new();
        for m in result.possible.iter().filter(|m| m.tier == Tier::Possible) {
            let key = (group_key(m.a).min(group_key(m.b)), group_key(m.a).max(group_key(m.b)));
            let entry = best.entry(key).or_insert(m);
            if m.score > entry.score {
                *entry = m;
            }
        }
        for m in best.into_values() {
            let (a, b) = ordered(stored[m.a].id, stored[m.b].id);
            if decided.contains(&(a, b)) {
                continue;
            }
            if dedup::queue_pair(tx.conn(), self.review.id, stream.id, (a, b), m.score, m.rule.as_str(), &now)
                .await?
            {
                n_newly_queued += 1;
            }
        }
        dedup::drop_settled_pairs(tx.conn(), stream.id).await?;
        dedup::delete_empty_citations(tx.conn(), stream.id).await?;
        let n_citations = dedup::canonical_records(tx.conn(), stream.id).await?.len();
        let n_pending = dedup::queued_pairs(tx.conn(), stream.id, "pending").await?.len();
        let report = DedupReport {
            stream: stream.name.clone(),
            n_records: stored.len(),
            n_new_records,
            n_citations,
            n_duplicates_removed: stored.len() - n_citations,
            n_joined_existing,
            n_automatic_merges,
            n_newly_queued,
            n_pending,
        };
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "dedup.run",
            Some(&stream.name),
            &json!({
                "records": report.n_records,
                "new_records": report.n_new_records,
                "citations": report.n_citations,
                "automatic_merges": report.n_automatic_merges,
                "queued": report.n_newly_queued,
                "merge_conference_abstracts": policy.merge_conference_abstracts,
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(report)
    }

    /// The possible pairs waiting for a person, best first.
    pub async fn dedup_pending(&self, stream: Option<&str>) -> ServiceResult<Vec<PendingPair>> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        let pairs = dedup::queued_pairs(&mut conn, stream.id, "pending").await?;
        let searches =
            sift_store::searches::list_searches(&mut conn, self.review.id, Some(stream.id)).await?;
        let source = |r: &StoredRecord| {
            searches.iter().find(|s| s.id == r.search).map(|s| s.source.clone()).unwrap_or_default()
        };
        let mut out = Vec::with_capacity(pairs.len());
        for pair in pairs {
            let a = records::record_by_id(&mut conn, self.review.id, pair.record_a).await?;
            let b = records::record_by_id(&mut conn, self.review.id, pair.record_b).await?;
            out.push(PendingPair { source_a: source(&a), source_b: source(&b), pair, a, b });
        }
        Ok(out)
    }

    /// The stream's citations made of more than one record, in citation order, with how their
    /// records were merged: for auditing automatic merges and taking a record out
    /// ([`Service::dedup_split`]).
    pub async fn merged_citations(&self, stream: Option<&str>) -> ServiceResult<Vec<MergedCitation>> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        let mut members: BTreeMap<CitationId, Vec<RecordId>> = BTreeMap::new();
        for (record, citation) in dedup::membership(&mut conn, stream.id).await? {
            members.entry(citation).or_default().push(record);
        }
        members.retain(|_, records| records.len() > 1);
        let ids: Vec<RecordId> = members.values().flatten().copied().collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = RecordFilter { ids: Some(ids), ..RecordFilter::default() };
        let stored: HashMap<RecordId, StoredRecord> =
            records::list_records(&mut conn, self.review.id, &filter)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
        let searches =
            sift_store::searches::list_searches(&mut conn, self.review.id, Some(stream.id)).await?;
        let source = |r: &StoredRecord| {
            searches.iter().find(|s| s.id == r.search).map(|s| s.source.clone()).unwrap_or_default()
        };
        let citation_of: HashMap<RecordId, CitationId> =
            members.iter().flat_map(|(c, records)| records.iter().map(move |r| (*r, *c))).collect();
        let mut how: HashMap<CitationId, (Vec<String>, bool)> = HashMap::new();
        for d in dedup::decisions(&mut conn, stream.id).await? {
            if d.kind != "merge" {
                continue;
            }
            let (Some(a), Some(b)) = (citation_of.get(&d.record_a), citation_of.get(&d.record_b)) else {
                continue;
            };
            if a != b {
                continue;
            }
            let line = if d.automatic {
                let rule = d.rule.as_deref().unwrap_or("automatic rule");
                match d.score {
                    Some(score) => format!("{rule}, automatic (score {score:.2})"),
                    None => format!("{rule}, automatic"),
                }
            } else {
                format!("judged the same by {}", d.decided_by)
            };
            let entry = how.entry(*a).or_default();
            entry.1 |= d.automatic;
            if !entry.0.contains(&line) {
                entry.0.push(line);
            }
        }
        Ok(members
            .into_iter()
            .map(|(citation, ids)| {
                let (how, automatic) = how.remove(&citation).unwrap_or_default();
                let records =
                    ids.iter().filter_map(|id| stored.get(id)).map(|r| (r.clone(), source(r))).collect();
                MergedCitation { citation, records, how, automatic }
            })
            .collect())
    }

    /// Records a person's decision on a queued pair; `same` merges the two citations.
    pub async fn dedup_decide(&self, actor: &Actor, pair: i64, same: bool) -> ServiceResult<QueuedPair> {
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, crate::Permission::Vote).await?;
        let queued =
            dedup::pair_by_id(tx.conn(), self.review.id, PairId(pair)).await.map_err(|e| match e {
                sift_store::StoreError::NotFound { what, key } => ServiceError::NotFound {
                    what,
                    key,
                    hint: "; `sift dedup pending` lists the pairs".into(),
                },
                other => other.into(),
            })?;
        let status = if same { "same" } else { "different" };
        dedup::decide_pair(tx.conn(), queued.id, status, &actor.name, &now).await?;
        self.judge_pair(&mut tx, actor, queued.stream, queued.record_a, queued.record_b, same, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "dedup.decided",
            Some(&pair.to_string()),
            &json!({ "decision": status, "records": [queued.record_a, queued.record_b] }),
        )
        .await?;
        tx.commit().await?;
        Ok(QueuedPair {
            status: status.into(),
            decided_by: Some(actor.name.clone()),
            decided_at: Some(now),
            ..queued
        })
    }

    /// Takes a record out of its citation into a citation of its own, and records that it is
    /// different from the records it leaves (so later runs do not merge it back).
    pub async fn dedup_split(&self, actor: &Actor, record: i64) -> ServiceResult<CitationId> {
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, crate::Permission::Vote).await?;
        let (stream, members) = self.citation_members(&mut tx, RecordId(record)).await?;
        if members.len() < 2 {
            return Err(ServiceError::invalid(
                "RECORD",
                format!("record {record} is not merged with any other record"),
            ));
        }
        let record = RecordId(record);
        let citation = dedup::insert_citation(tx.conn(), self.review.id, stream, record, &now).await?;
        dedup::assign(tx.conn(), record, citation).await?;
        let rest: Vec<RecordId> = members.into_iter().filter(|m| *m != record).collect();
        for &other in &rest {
            self.log_person(&mut tx, actor, stream, "different", record, other, &now).await?;
        }
        let old_citation = dedup::membership(tx.conn(), stream)
            .await?
            .into_iter()
            .find(|(r, _)| *r == rest[0])
            .map(|(_, c)| c);
        if let Some(old) = old_citation {
            let stored = self.stored(&mut tx, &rest).await?;
            let canonical = canonical_of(&stored, &(0..stored.len()).collect::<Vec<_>>());
            dedup::set_canonical(tx.conn(), old, stored[canonical].id).await?;
        }
        self.log_person(&mut tx, actor, stream, "split", record, rest[0], &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "dedup.split",
            Some(&record.to_string()),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(citation)
    }

    /// Merges the citations of two records, recording that a person judged them the same.
    pub async fn dedup_merge(&self, actor: &Actor, a: i64, b: i64) -> ServiceResult<CitationId> {
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, crate::Permission::Vote).await?;
        let (stream_a, _) = self.citation_members(&mut tx, RecordId(a)).await?;
        let (stream_b, _) = self.citation_members(&mut tx, RecordId(b)).await?;
        if stream_a != stream_b {
            return Err(ServiceError::invalid(
                "RECORD",
                "the two records belong to different streams; each stream is deduplicated on its own",
            ));
        }
        let citation =
            self.judge_pair(&mut tx, actor, stream_a, RecordId(a), RecordId(b), true, &now).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "dedup.merged",
            None,
            &json!({ "records": [a, b] }),
        )
        .await?;
        tx.commit().await?;
        Ok(citation)
    }

    /// Which databases found which citations of a stream.
    pub async fn dedup_overlap(&self, stream: Option<&str>) -> ServiceResult<Overlap> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        let rows = dedup::citation_sources(&mut conn, stream.id).await?;
        let sources: Vec<String> =
            rows.iter().map(|(_, s)| s.clone()).collect::<BTreeSet<_>>().into_iter().collect();
        let position: HashMap<&str, usize> =
            sources.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
        let mut by_citation: BTreeMap<CitationId, Vec<usize>> = BTreeMap::new();
        for (citation, source) in &rows {
            by_citation.entry(*citation).or_default().push(position[source.as_str()]);
        }
        let n = sources.len();
        let mut found = vec![(0, 0); n];
        let mut shared = vec![vec![0; n]; n];
        for members in by_citation.values() {
            for &i in members {
                found[i].0 += 1;
                if members.len() == 1 {
                    found[i].1 += 1;
                }
                for &j in members {
                    shared[i][j] += 1;
                }
            }
        }
        Ok(Overlap { stream: stream.name, sources, found, shared, n_citations: by_citation.len() })
    }

    async fn citation_members(
        &self,
        tx: &mut Tx,
        record: RecordId,
    ) -> ServiceResult<(StreamId, Vec<RecordId>)> {
        let stored = records::record_by_id(tx.conn(), self.review.id, record).await.map_err(|e| match e {
            sift_store::StoreError::NotFound { what, key } => {
                ServiceError::NotFound { what, key, hint: String::new() }
            }
            other => other.into(),
        })?;
        let search = sift_store::searches::search_by_id(tx.conn(), self.review.id, stored.search).await?;
        let membership = dedup::membership(tx.conn(), search.stream_id).await?;
        let Some(citation) = membership.iter().find(|(r, _)| *r == record).map(|(_, c)| *c) else {
            return Err(ServiceError::invalid(
                "RECORD",
                format!("record {record} has not been deduplicated yet; run `sift dedup` first"),
            ));
        };
        Ok((
            search.stream_id,
            membership.into_iter().filter(|(_, c)| *c == citation).map(|(r, _)| r).collect(),
        ))
    }

    async fn stored(&self, tx: &mut Tx, ids: &[RecordId]) -> ServiceResult<Vec<StoredRecord>> {
        let filter = RecordFilter { ids: Some(ids.to_vec()), ..RecordFilter::default() };
        Ok(records::list_records(tx.conn(), self.review.id, &filter).await?)
    }

    /// Applies a person's judgement of two records: `same` merges their citations.
    #[allow(clippy::too_many_arguments)]
    async fn judge_pair(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        stream: StreamId,
        a: RecordId,
        b: RecordId,
        same: bool,
        now: &str,
    ) -> ServiceResult<CitationId> {
        self.log_person(tx, actor, stream, if same { "same" } else { "different" }, a, b, now).await?;
        let membership: HashMap<RecordId, CitationId> =
            dedup::membership(tx.conn(), stream).await?.into_iter().collect();
        let (ca, cb) = match (membership.get(&a), membership.get(&b)) {
            (Some(ca), Some(cb)) => (*ca, *cb),
            _ => return Err(ServiceError::invalid("RECORD", "run `sift dedup` before judging pairs")),
        };
        if !same || ca == cb {
            return Ok(ca);
        }
        let (keep, gone) = if ca.0 <= cb.0 { (ca, cb) } else { (cb, ca) };
        sift_store::screening::move_screening(tx.conn(), gone, keep).await?;
        let moved: Vec<RecordId> = membership.iter().filter(|(_, c)| **c == gone).map(|(r, _)| *r).collect();
        for record in &moved {
            dedup::assign(tx.conn(), *record, keep).await?;
        }
        let members: Vec<RecordId> =
            membership.iter().filter(|(_, c)| **c == keep || **c == gone).map(|(r, _)| *r).collect();
        let stored = self.stored(tx, &members).await?;
        let canonical = canonical_of(&stored, &(0..stored.len()).collect::<Vec<_>>());
        dedup::set_canonical(tx.conn(), keep, stored[canonical].id).await?;
        self.log_person(tx, actor, stream, "merge", a, b, now).await?;
        dedup::drop_settled_pairs(tx.conn(), stream).await?;
        dedup::delete_empty_citations(tx.conn(), stream).await?;
        Ok(keep)
    }

    #[allow(clippy::too_many_arguments)]
    async fn log_person(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        stream: StreamId,
        kind: &str,
        a: RecordId,
        b: RecordId,
        now: &str,
    ) -> ServiceResult<()> {
        let (a, b) = ordered(a, b);
        let decision = Decision {
            kind: kind.into(),
            record_a: a,
            record_b: b,
            decided_by: actor.name.clone(),
            automatic: false,
            rule: None,
            score: None,
            at: now.to_string(),
        };
        dedup::insert_decision(tx.conn(), self.review.id, stream, &decision).await?;
        Ok(())
    }
}

/// Duplicate groups found in files, with no review involved.
#[derive(Clone, Debug)]
pub struct FileDedup {
    /// Each record's id: its file's own id (CSV `ID`/`record_id`, RIS `ID`), else its PMID,
    /// else `file:index`.
    pub ids: Vec<String>,
    /// Groups as indexes into `ids`.
    pub groups: Vec<Vec<usize>>,
    pub n_possible: usize,
    pub n_candidate_pairs: usize,
    /// Time spent deduplicating (not reading).
    pub seconds: f64,
}

/// Reads `paths` and deduplicates their records; with `include_possible`, possible pairs
/// count as duplicates too.
pub fn dedup_files(
    paths: &[std::path::PathBuf],
    policy: Policy,
    include_possible: bool,
) -> ServiceResult<FileDedup> {
    let mut ids = Vec::new();
    let mut references = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| ServiceError::Io { path: shown.clone(), source })?;
        let parsed = sift_formats::read_bytes(&bytes, &sift_formats::ReadOptions::named(shown.clone()))?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(shown);
        for record in parsed.records {
            ids.push(
                record
                    .source_id
                    .clone()
                    .or_else(|| record.reference.pmid.clone())
                    .unwrap_or_else(|| format!("{name}:{}", record.index)),
            );
            references.push(record.reference);
        }
    }
    let start = std::time::Instant::now();
    let mut result = sift_dedup::deduplicate(&references, &policy, &Constraints::default());
    if include_possible {
        let mut constraints = Constraints::default();
        for g in &result.groups {
            constraints.same.extend(g.windows(2).map(|w| (w[0], w[1])));
        }
        constraints.same.extend(result.possible.iter().map(|m| (m.a, m.b)));
        result = sift_dedup::deduplicate(&references, &policy, &constraints);
    }
    Ok(FileDedup {
        ids,
        groups: result.groups,
        n_possible: result.possible.len(),
        n_candidate_pairs: result.n_candidate_pairs,
        seconds: start.elapsed().as_secs_f64(),
    })
}

fn ordered(a: RecordId, b: RecordId) -> (RecordId, RecordId) {
    if a.0 <= b.0 { (a, b) } else { (b, a) }
}

/// A person's latest judgement of each pair: `true` for same, `false` for different.
fn person_judgements(decisions: &[Decision]) -> BTreeMap<(RecordId, RecordId), bool> {
    let mut latest = BTreeMap::new();
    for d in decisions.iter().filter(|d| !d.automatic) {
        match d.kind.as_str() {
            "same" => latest.insert(ordered(d.record_a, d.record_b), true),
            "different" => latest.insert(ordered(d.record_a, d.record_b), false),
            _ => None,
        };
    }
    latest
}

/// The member whose record is most complete (DOI, abstract, PMID, authors, journal, pages),
/// the oldest on a tie: what reviewers see of a citation.
fn canonical_of(records: &[StoredRecord], members: &[usize]) -> usize {
    let completeness = |r: &Reference| {
        4 * usize::from(r.doi.is_some())
            + 3 * usize::from(r.abstract_text.is_some())
            + 2 * usize::from(r.pmid.is_some())
            + usize::from(!r.authors.is_empty())
            + usize::from(r.journal.is_some())
            + usize::from(r.pages.is_some())
            + usize::from(r.year.is_some())
            + usize::from(r.title.is_some())
    };
    *members
        .iter()
        .max_by(|&&x, &&y| {
            completeness(&records[x].reference)
                .cmp(&completeness(&records[y].reference))
                .then(records[y].id.0.cmp(&records[x].id.0))
        })
        .unwrap_or(&members[0])
}
