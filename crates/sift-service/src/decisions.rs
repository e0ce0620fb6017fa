//! Moving to Sift mid-review: screening decisions made in ASReview, Rayyan, Covidence or a
//! spreadsheet become votes (or, for a team's list, resolutions) on the review's citations.
//!
//! Rows are matched to citations by the exporting tool's record id (when the review's records
//! came from that same export), else DOI, else PMID, else the exact normalised title; unmatched
//! rows are reported by line. Everything lands in one transaction, or nothing does.

use std::collections::HashMap;
use std::path::Path;

use serde_json::json;
use sift_domain::screening::{self, Decision, Method, Resolution, Role, Stage, Vote};
use sift_domain::{CitationId, MemberId};
use sift_formats::Diagnostic;
use sift_formats::decisions::{DecisionRow, DecisionSource, read_decisions};
use sift_store::records::{self, RecordFilter};
use sift_store::screening as store;
use sift_store::{dedup, reviews};

use crate::screening::Board;
use crate::{Actor, Permission, Service, ServiceError, ServiceResult, clock};

/// What an import of decisions did.
#[derive(Clone, Debug)]
pub struct DecisionImport {
    pub source: String,
    pub n_rows: usize,
    pub n_votes: usize,
    pub n_resolutions: usize,
    /// Rows matching no citation of the stream, as (line, what identified it).
    pub unmatched: Vec<(u32, String)>,
    /// Rows for citations already resolved at that stage, skipped.
    pub n_already_resolved: usize,
    pub new_members: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl DecisionImport {
    /// The outcome in one line: rows read, votes and resolutions recorded, rows skipped.
    pub fn summary(&self, file_name: &str) -> String {
        format!(
            "{file_name} ({}): {} rows: {} votes, {} resolutions; {} for citations already resolved, {} unmatched",
            self.source,
            self.n_rows,
            self.n_votes,
            self.n_resolutions,
            self.n_already_resolved,
            self.unmatched.len()
        )
    }
}

/// How to read and apply a decisions file.
#[derive(Clone, Debug, Default)]
pub struct DecisionImportSpec {
    pub stream: Option<String>,
    pub source: Option<DecisionSource>,
    /// The decision of every row, for exports that are one list (Covidence's "irrelevant").
    pub default_decision: Option<Decision>,
    /// The stage for rows that do not say.
    pub stage: Option<Stage>,
    /// Rows that name no reviewer are the team's final decisions (resolutions by consensus),
    /// not votes of the importing member.
    pub as_resolutions: bool,
}

impl Service {
    pub async fn import_decisions(
        &self,
        actor: &Actor,
        path: &Path,
        spec: &DecisionImportSpec,
    ) -> ServiceResult<DecisionImport> {
        let bytes = std::fs::read(path)
            .map_err(|source| ServiceError::Io { path: path.display().to_string(), source })?;
        self.import_decision_bytes(actor, &bytes, &path.display().to_string(), spec).await
    }

    /// [`Service::import_decisions`] of a file's contents (an upload), named `file_name` in
    /// messages.
    pub async fn import_decision_bytes(
        &self,
        actor: &Actor,
        bytes: &[u8],
        file_name: &str,
        spec: &DecisionImportSpec,
    ) -> ServiceResult<DecisionImport> {
        let read = read_decisions(bytes, file_name, spec.source, spec.default_decision)?;
        let stream = self.stream(spec.stream.as_deref()).await?;
        let now = clock::now();
        let mut tx = self.store.write().await?;
        let importer = self.require(tx.conn(), actor, Permission::Manage).await?;

        // Indexes from every identifier to the citation of the record carrying it.
        let membership: HashMap<_, _> = dedup::membership(tx.conn(), stream.id).await?.into_iter().collect();
        if membership.is_empty() {
            return Err(ServiceError::invalid(
                "REVIEW",
                format!(
                    "stream {:?} has no citations yet; import its searches and run `sift dedup` first",
                    stream.name
                ),
            ));
        }
        let stored = records::list_records(
            tx.conn(),
            self.review.id,
            &RecordFilter { stream: Some(stream.id), ..RecordFilter::default() },
        )
        .await?;
        let mut by_id: HashMap<String, CitationId> = HashMap::new();
        let mut by_doi: HashMap<String, CitationId> = HashMap::new();
        let mut by_pmid: HashMap<String, CitationId> = HashMap::new();
        let mut by_title: HashMap<String, Option<CitationId>> = HashMap::new();
        for r in &stored {
            let Some(&citation) = membership.get(&r.id) else { continue };
            if let Some(id) = &r.source_id {
                by_id.insert(id.clone(), citation);
            }
            if let Some(doi) = &r.reference.doi {
                by_doi.insert(doi.clone(), citation);
            }
            if let Some(pmid) = &r.reference.pmid {
                by_pmid.insert(pmid.clone(), citation);
            }
            if let Some(title) = &r.reference.title {
                let key = title_key(title);
                by_title
                    .entry(key)
                    .and_modify(|c| {
                        if *c != Some(citation) {
                            *c = None
                        }
                    })
                    .or_insert(Some(citation));
            }
        }
        let find = |row: &DecisionRow| -> Option<CitationId> {
            row.record_id
                .as_ref()
                .and_then(|id| by_id.get(id).copied())
                .or_else(|| row.doi.as_ref().and_then(|d| by_doi.get(d).copied()))
                .or_else(|| row.pmid.as_ref().and_then(|p| by_pmid.get(p).copied()))
                .or_else(|| row.title.as_ref().and_then(|t| by_title.get(&title_key(t)).copied().flatten()))
        };

        let mut members: HashMap<String, MemberId> =
            store::members(tx.conn(), self.review.id).await?.into_iter().map(|m| (m.name, m.id)).collect();
        let mut new_members = Vec::new();
        let mut boards: HashMap<Stage, Board> = HashMap::new();
        let mut report = DecisionImport {
            source: read.source.as_str().to_string(),
            n_rows: read.rows.len(),
            n_votes: 0,
            n_resolutions: 0,
            unmatched: Vec::new(),
            n_already_resolved: 0,
            new_members: Vec::new(),
            diagnostics: read.diagnostics,
        };
        let mut touched: Vec<(CitationId, Stage)> = Vec::new();
        for row in &read.rows {
            let Some(citation) = find(row) else {
                let what = row
                    .record_id
                    .clone()
                    .or_else(|| row.doi.clone())
                    .or_else(|| row.pmid.clone())
                    .or_else(|| row.title.clone())
                    .unwrap_or_default();
                report.unmatched.push((row.line, what));
                continue;
            };
            let stage = row.stage.or(spec.stage).unwrap_or(Stage::TitleAbstract);
            if let std::collections::hash_map::Entry::Vacant(slot) = boards.entry(stage) {
                slot.insert(Board::load(tx.conn(), self, stream.id, stage).await?);
            }
            let board = &boards[&stage];
            if !board.citations.iter().any(|c| c.id == citation) {
                report.unmatched.push((row.line, format!("citation {citation} is not at the {stage} stage")));
                continue;
            }
            if board.resolutions.contains_key(&citation) {
                report.n_already_resolved += 1;
                continue;
            }
            let reason = if row.decision == Decision::Exclude { row.reason.clone() } else { None };
            match &row.reviewer {
                None if spec.as_resolutions => {
                    if row.decision == Decision::Maybe {
                        report.unmatched.push((row.line, "a team decision must include or exclude".into()));
                        continue;
                    }
                    let resolution = Resolution {
                        citation,
                        stage,
                        decision: row.decision,
                        reason,
                        method: Method::Consensus,
                        resolved_by: Some(importer.member).filter(|m| m.0 != 0),
                        at: now.clone(),
                    };
                    store::insert_resolution(tx.conn(), self.review.id, &resolution).await?;
                    boards.get_mut(&stage).expect("loaded").resolutions.insert(citation, resolution);
                    report.n_resolutions += 1;
                }
                reviewer => {
                    let name = reviewer.clone().unwrap_or_else(|| actor.name.clone());
                    let member = match members.get(&name) {
                        Some(&m) => m,
                        None => {
                            let id = store::insert_member(
                                tx.conn(),
                                self.review.id,
                                &name,
                                Role::Reviewer,
                                false,
                                &now,
                            )
                            .await?;
                            members.insert(name.clone(), id);
                            new_members.push(name.clone());
                            id
                        }
                    };
                    let vote = Vote {
                        citation,
                        stage,
                        reviewer: member,
                        decision: row.decision,
                        reason,
                        note: row.note.clone(),
                        at: now.clone(),
                    };
                    store::insert_vote(tx.conn(), self.review.id, &vote).await?;
                    boards.get_mut(&stage).expect("loaded").votes.entry(citation).or_default().push(vote);
                    touched.push((citation, stage));
                    report.n_votes += 1;
                }
            }
        }
        // Imported votes resolve like cast ones: agreement, or a single-reviewer stage.
        touched.sort_unstable_by_key(|(c, s)| (c.0, *s));
        touched.dedup();
        for (citation, stage) in touched {
            let board = &boards[&stage];
            if board.resolutions.contains_key(&citation) {
                continue;
            }
            let current = board.current(citation);
            let status = screening::status(&board.settings, &current, None);
            if let Some((decision, method)) = screening::automatic_resolution(&board.settings, &status) {
                let reason = if decision == Decision::Exclude {
                    current
                        .first()
                        .and_then(|v| v.reason.clone())
                        .filter(|r| current.iter().all(|v| v.reason.as_deref() == Some(r.as_str())))
                } else {
                    None
                };
                let resolution = Resolution {
                    citation,
                    stage,
                    decision,
                    reason,
                    method,
                    resolved_by: None,
                    at: now.clone(),
                };
                store::insert_resolution(tx.conn(), self.review.id, &resolution).await?;
                report.n_resolutions += 1;
            }
        }
        report.new_members = new_members;
        reviews::append_event(tx.conn(), self.review.id, &now, &actor.name, "decisions.imported", Some(file_name), &json!({
            "source": report.source, "rows": report.n_rows, "votes": report.n_votes, "resolutions": report.n_resolutions,
            "unmatched": report.unmatched.len(), "new_members": report.new_members,
        }))
        .await?;
        tx.commit().await?;
        Ok(report)
    }
}

fn title_key(title: &str) -> String {
    title.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}
