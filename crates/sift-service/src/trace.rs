//! What became of a record: for the question every peer reviewer of a review asks ("was this
//! paper found, and why was it left out?"). A record is followed from its search to the
//! citation it belongs to (alone or merged with duplicates), then through the resolved
//! decisions at each stage and the study it reports. Only resolved decisions are shown, never
//! a reviewer's vote, so the answer is the same for every member while screening is blinded.

use std::collections::HashMap;

use sift_domain::screening::{Decision, Stage};
use sift_domain::{CitationId, RecordId, StreamId};
use sift_store::records::{self, RecordFilter, StoredRecord};
use sift_store::screening as store;

use crate::{Actor, Permission, Service, ServiceResult};

/// Records one query finds at most.
pub const TRACE_LIMIT: i64 = 50;

/// One record and what became of it.
#[derive(Clone, Debug)]
pub struct RecordTrace {
    pub record: StoredRecord,
    /// The search's source, and its stream.
    pub source: String,
    pub stream: String,
    /// `None` until deduplication has run on the record's stream.
    pub citation: Option<CitationId>,
    /// The other records merged into the same citation (its duplicates).
    pub merged_with: Vec<RecordId>,
    /// Resolved decisions with their reasons, at title/abstract and at full text.
    pub title_abstract: Option<(Decision, Option<String>)>,
    pub full_text: Option<(Decision, Option<String>)>,
    /// The reason recorded when the full text could not be obtained.
    pub not_retrieved: Option<String>,
    /// The study an included report is linked to.
    pub study: Option<String>,
}

impl RecordTrace {
    /// The record's fate in a few words, as a reader of a flow diagram would put it.
    pub fn outcome(&self) -> String {
        let reason = |r: &Option<String>| r.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
        match (&self.citation, &self.title_abstract, &self.full_text, &self.not_retrieved) {
            (None, ..) => "not deduplicated yet (not screened)".into(),
            (_, _, Some((Decision::Include, _)), _) => match &self.study {
                Some(study) => format!("included (study {study})"),
                None => "included".into(),
            },
            (_, _, Some((_, r)), _) => format!("excluded at full text{}", reason(r)),
            (_, _, None, Some(why)) => format!("full text not retrieved ({why})"),
            (_, Some((Decision::Exclude, r)), None, None) => {
                format!("excluded at title/abstract{}", reason(r))
            }
            (_, Some((Decision::Include, _)), None, None) => "waiting for full-text screening".into(),
            _ => "waiting for title/abstract screening".into(),
        }
    }
}

impl Service {
    /// Finds records by a DOI (`10.` ...), a PMID (digits), or words of the title or abstract
    /// or an author's name (those matching by title or abstract first), and says what became
    /// of each: [`TRACE_LIMIT`] records from the `offset`-th match, and how many match in all.
    pub async fn trace_records(
        &self,
        actor: &Actor,
        query: &str,
        offset: i64,
    ) -> ServiceResult<(Vec<RecordTrace>, i64)> {
        let query = query.trim();
        let mut conn = self.store.read().await?;
        self.require(&mut conn, actor, Permission::Read).await?;
        if query.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let filter = match sift_domain::biblio::normalize::doi(query) {
            Some(doi) => RecordFilter { doi: Some(doi), ..RecordFilter::default() },
            None if query.bytes().all(|b| b.is_ascii_digit()) => {
                RecordFilter { pmid: Some(query.to_string()), ..RecordFilter::default() }
            }
            None => RecordFilter { text_or_author: Some(query.to_string()), ..RecordFilter::default() },
        };
        let total = records::count_records(&mut conn, self.review.id, &filter).await?;
        let page = RecordFilter { limit: Some(TRACE_LIMIT), offset: Some(offset.max(0)), ..filter };
        let found = records::list_records(&mut conn, self.review.id, &page).await?;
        let searches = sift_store::searches::list_searches(&mut conn, self.review.id, None).await?;
        let streams: HashMap<StreamId, String> = sift_store::reviews::list_streams(&mut conn, self.review.id)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        // Each stream's citations, decisions and studies, read once.
        let mut per_stream: HashMap<StreamId, StreamFacts> = HashMap::new();
        let mut out = Vec::with_capacity(found.len());
        for record in found {
            let Some(search) = searches.iter().find(|s| s.id == record.search) else { continue };
            let facts = match per_stream.entry(search.stream_id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(StreamFacts::read(&mut conn, search.stream_id).await?)
                }
            };
            let citation = facts.citation_of.get(&record.id).copied();
            let at = |stage: Stage| citation.and_then(|c| facts.resolved.get(&(c, stage)).cloned());
            out.push(RecordTrace {
                source: search.source.clone(),
                stream: streams.get(&search.stream_id).cloned().unwrap_or_default(),
                merged_with: citation
                    .and_then(|c| facts.records_of.get(&c))
                    .map(|all| all.iter().copied().filter(|r| *r != record.id).collect())
                    .unwrap_or_default(),
                title_abstract: at(Stage::TitleAbstract),
                full_text: at(Stage::FullText),
                not_retrieved: citation.and_then(|c| facts.not_retrieved.get(&c).cloned()),
                study: citation.and_then(|c| facts.study_of.get(&c).cloned()),
                citation,
                record,
            });
        }
        Ok((out, total))
    }
}

/// What a stream knows about its citations.
struct StreamFacts {
    citation_of: HashMap<RecordId, CitationId>,
    records_of: HashMap<CitationId, Vec<RecordId>>,
    resolved: HashMap<(CitationId, Stage), (Decision, Option<String>)>,
    not_retrieved: HashMap<CitationId, String>,
    study_of: HashMap<CitationId, String>,
}

impl StreamFacts {
    async fn read(conn: &mut sift_store::Conn, stream: StreamId) -> ServiceResult<StreamFacts> {
        let membership = sift_store::dedup::membership(conn, stream).await?;
        let mut records_of: HashMap<CitationId, Vec<RecordId>> = HashMap::new();
        for (record, citation) in &membership {
            records_of.entry(*citation).or_default().push(*record);
        }
        let resolved = store::resolutions(conn, stream, None)
            .await?
            .into_iter()
            .map(|r| ((r.citation, r.stage), (r.decision, r.reason)))
            .collect();
        let not_retrieved = store::fulltexts(conn, stream)
            .await?
            .into_iter()
            .filter(|f| f.status == "not_retrieved")
            .map(|f| (f.citation, f.reason.unwrap_or_default()))
            .collect();
        let study_of = store::studies(conn, stream)
            .await?
            .into_iter()
            .flat_map(|(_, label, reports)| reports.into_iter().map(move |c| (c, label.clone())))
            .collect();
        Ok(StreamFacts {
            citation_of: membership.into_iter().collect(),
            records_of,
            resolved,
            not_retrieved,
            study_of,
        })
    }
}
