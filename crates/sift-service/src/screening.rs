//! Screening use cases: the team and its roles, stage settings and criteria, the next citation
//! for a reviewer, votes, conflicts and their resolution, progress, full texts and studies.
//!
//! Every read that returns votes or statuses goes through `sift_domain::screening`'s
//! `visible_votes` / `visible_status`, so a blinded reviewer can learn nothing of a colleague's
//! vote from any of these methods.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::json;
use sha2::{Digest, Sha256};
use sift_domain::screening::{
    self, Decision, Method, Resolution, Role, Stage, StageSettings, Status, Viewer, Vote,
};
use sift_domain::{CitationId, MemberId, SearchId, StreamId};
use sift_store::records::{self, StoredRecord};
use sift_store::screening::{self as store, FullText, MemberRow, ScreeningCitation};
use sift_store::{Conn, reviews};

use crate::{Actor, Service, ServiceError, ServiceResult, clock};

/// What a member may do, checked by every use case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// Read progress, lists and reports.
    Read,
    /// Cast votes.
    Vote,
    /// Resolve conflicts.
    Resolve,
    /// Change the protocol: members, stages, criteria, streams, searches.
    Manage,
}

/// A citation waiting for a reviewer.
#[derive(Clone, Debug)]
pub struct NextCitation {
    pub citation: CitationId,
    pub stage: Stage,
    pub record: StoredRecord,
    /// How many citations this reviewer has voted on at this stage.
    pub done: usize,
    /// How many still wait for this reviewer (this one included).
    pub remaining: usize,
}

/// A vote as a viewer may see it, with the reviewer's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VisibleVote {
    pub reviewer: String,
    pub decision: Decision,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

/// One citation at one stage, as the viewer may see it.
#[derive(Clone, Debug)]
pub struct CitationView {
    pub citation: CitationId,
    pub stage: Stage,
    pub record: StoredRecord,
    /// `None` while blinded: "not resolved yet" is all the viewer may know.
    pub status: Option<Status>,
    pub votes: Vec<VisibleVote>,
    pub resolution: Option<Resolution>,
    pub fulltext: Option<FullText>,
}

/// Progress at one stage: per reviewer how many they have done, never what they decided.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress {
    pub stage: Stage,
    pub settings: StageSettings,
    pub n_citations: usize,
    pub n_resolved: usize,
    pub n_included: usize,
    pub n_excluded: usize,
    /// Shown only to those who may resolve (or on unblinded stages).
    pub n_conflicts: Option<usize>,
    pub per_reviewer: Vec<(String, usize)>,
    /// Median seconds between a reviewer's consecutive votes at this stage, counting only gaps
    /// under ten minutes (breaks are not screening time); `None` with fewer than two votes.
    pub seconds_per_vote: Vec<(String, Option<f64>)>,
    /// Resolved citations by how they were resolved.
    pub by_method: Vec<(Method, usize)>,
    /// The stopping aid (title/abstract only, once something is resolved): the hypergeometric
    /// rule over resolved decisions in the order they were made, for recall >= 95 % with 95 %
    /// confidence. See docs/ranking.md for what it assumes.
    pub stopping: Option<sift_rank::StopEstimate>,
}

/// Agreement between two reviewers over the resolved citations both voted on.
#[derive(Clone, Debug, PartialEq)]
pub struct PairAgreement {
    pub a: String,
    pub b: String,
    pub n: usize,
    pub proportion_agreed: f64,
    /// `None` when kappa is undefined (every vote in one category).
    pub kappa: Option<sift_domain::agreement::Kappa>,
}

/// Agreement at one stage.
#[derive(Clone, Debug, PartialEq)]
pub struct Agreement {
    pub stage: Stage,
    /// Resolved citations with at least two votes.
    pub n_citations: usize,
    pub pairs: Vec<PairAgreement>,
    /// Share of those citations on which all votes agreed.
    pub all_agreed: Option<f64>,
    /// Fleiss' kappa over citations with exactly `fleiss_raters` votes (stages with 3+).
    pub fleiss: Option<sift_domain::agreement::Kappa>,
    pub fleiss_raters: usize,
}

/// A resolved citation in a screening set.
#[derive(Clone, Debug)]
pub struct Screened {
    pub citation: CitationId,
    pub record: StoredRecord,
    pub reason: Option<String>,
    pub method: Method,
}

/// The outcome of a vote, as the voter may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoteOutcome {
    pub citation: CitationId,
    pub stage: Stage,
    pub status: Option<Status>,
    pub resolved: Option<(Decision, Method)>,
}

impl Service {
    pub async fn members(&self) -> ServiceResult<Vec<MemberRow>> {
        let mut conn = self.store.read().await?;
        Ok(store::members(&mut conn, self.review.id).await?)
    }

    /// Adds a member, or changes an existing member's role and resolver flag.
    pub async fn set_member(
        &self,
        actor: &Actor,
        name: &str,
        role: Role,
        resolver: bool,
    ) -> ServiceResult<MemberRow> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(ServiceError::invalid("NAME", "a member needs a name of 1 to 100 characters"));
        }
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        let existing = store::members(tx.conn(), self.review.id).await?;
        match existing.iter().find(|m| m.name == name) {
            Some(m) => {
                if role != Role::Owner && only_owner(&existing, m) {
                    return Err(ServiceError::invalid(
                        "--role",
                        format!("{name} is the review's only owner; add another owner first"),
                    ));
                }
                store::update_member(tx.conn(), m.id, role, resolver).await?;
            }
            None => {
                store::insert_member(tx.conn(), self.review.id, name, role, resolver, &now).await?;
            }
        }
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "member.set",
            Some(name),
            &json!({ "role": role.as_str(), "resolver": resolver }),
        )
        .await?;
        tx.commit().await?;
        let members = self.members().await?;
        Ok(members.into_iter().find(|m| m.name == name).expect("the member just written"))
    }

    /// The settings of every stage (defaults for stages never configured).
    pub async fn stages(&self) -> ServiceResult<Vec<StageSettings>> {
        let mut conn = self.store.read().await?;
        stage_settings(&mut conn, self).await
    }

    pub async fn set_stage(&self, actor: &Actor, settings: &StageSettings) -> ServiceResult<()> {
        settings.check().map_err(|m| ServiceError::invalid("--reviewers", m))?;
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        store::set_stage_settings(tx.conn(), self.review.id, settings).await?;
        reviews::append_event(tx.conn(), self.review.id, &now, &actor.name, "stage.set", Some(settings.stage.as_str()), &json!({
            "reviewers": settings.reviewers_required, "blinded": settings.blinded, "auto_resolve": settings.auto_resolve_agreement,
        }))
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn criteria(&self) -> ServiceResult<Vec<store::Criterion>> {
        let mut conn = self.store.read().await?;
        Ok(store::criteria(&mut conn, self.review.id).await?)
    }

    /// Adds an eligibility criterion; its label becomes an exclusion reason, in order.
    pub async fn add_criterion(
        &self,
        actor: &Actor,
        label: &str,
        description: Option<&str>,
    ) -> ServiceResult<()> {
        let label = label.trim();
        if label.is_empty() {
            return Err(ServiceError::invalid(
                "LABEL",
                "a criterion needs a label, e.g. \"wrong population\"",
            ));
        }
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        store::insert_criterion(
            tx.conn(),
            self.review.id,
            label,
            description.map(str::trim).filter(|d| !d.is_empty()),
        )
        .await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "criterion.added",
            Some(label),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a member who has not taken part (a mistyped invitation, someone who never
    /// started). A member with votes, resolutions, charted forms or appraisals stays, since
    /// those decisions are part of the review's record: make them a viewer instead.
    pub async fn remove_member(&self, actor: &Actor, name: &str) -> ServiceResult<()> {
        let name = name.trim();
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Manage).await?;
        let existing = store::members(tx.conn(), self.review.id).await?;
        let Some(member) = existing.iter().find(|m| m.name == name) else {
            return Err(ServiceError::NotFound {
                what: "member",
                key: name.to_string(),
                hint: "; `sift member list` shows the team".into(),
            });
        };
        if only_owner(&existing, member) {
            return Err(ServiceError::invalid(
                "NAME",
                format!("{name} is the review's only owner; add another owner first"),
            ));
        }
        let activity = store::member_activity(tx.conn(), self.review.id, member.id, name).await?;
        if activity > 0 {
            return Err(ServiceError::Conflict(format!(
                "{name} has made {activity} decision(s) (votes, resolutions, charted forms or appraisals) that \
                 stay in the review's record, so {name} stays a member; make them a viewer instead."
            )));
        }
        store::delete_member(tx.conn(), member.id).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "member.removed",
            Some(name),
            &json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The next citation `actor` should screen at `stage`: at title/abstract, the most likely
    /// relevant by `actor`'s latest ranking once they know an include and an exclude (see
    /// `ranking.rs`); otherwise, and at full text, in import order.
    pub async fn screen_next(
        &self,
        actor: &Actor,
        stream: Option<&str>,
        stage: Stage,
    ) -> ServiceResult<Option<NextCitation>> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        let viewer = self.viewer(&mut conn, actor).await?;
        if !viewer.may_vote() {
            return Err(ServiceError::Forbidden(format!("{} is a viewer and does not screen", actor.name)));
        }
        let board = Board::load(&mut conn, self, stream.id, stage).await?;
        let mut done = 0;
        let mut waiting = Vec::new();
        for c in &board.citations {
            let votes = board.current(c.id);
            if votes.iter().any(|v| v.reviewer == viewer.member) {
                done += 1;
                continue;
            }
            let resolved = board.resolutions.contains_key(&c.id);
            if !resolved && votes.len() < usize::from(board.settings.reviewers_required) {
                waiting.push(c.id);
            }
        }
        let Some(&import_first) = waiting.first() else { return Ok(None) };
        let mut first = import_first;
        if stage == Stage::TitleAbstract {
            let known = crate::ranking::known_labels(&board, &viewer);
            let has_both = known.iter().any(|(_, y)| *y) && known.iter().any(|(_, y)| !*y);
            if has_both {
                let (ranked, stale) = self.ranker.first_waiting(stream.id, viewer.member, &waiting, &known);
                if stale {
                    self.spawn_ranking_refresh(stream.id, viewer);
                }
                first = ranked.unwrap_or(import_first);
            }
        }
        let canonical = board
            .citations
            .iter()
            .find(|c| c.id == first)
            .map(|c| c.canonical_record)
            .expect("a listed citation");
        let record = records::record_by_id(&mut conn, self.review.id, canonical).await?;
        Ok(Some(NextCitation { citation: first, stage, record, done, remaining: waiting.len() }))
    }

    /// Casts (or changes) a vote. A vote can change until the citation is resolved.
    #[allow(clippy::too_many_arguments)]
    pub async fn vote(
        &self,
        actor: &Actor,
        citation: i64,
        stage: Stage,
        decision: Decision,
        reason: Option<&str>,
        custom_reason: bool,
        note: Option<&str>,
    ) -> ServiceResult<VoteOutcome> {
        let citation = CitationId(citation);
        let now = clock::now();
        let mut tx = self.store.write().await?;
        let viewer = self.viewer(tx.conn(), actor).await?;
        if !viewer.may_vote() {
            return Err(ServiceError::Forbidden(format!("{} is a viewer and may not vote", actor.name)));
        }
        let stream = self.stream_of_citation(tx.conn(), citation).await?;
        let board = Board::load(tx.conn(), self, stream, stage).await?;
        board.require_eligible(citation)?;
        if board.resolutions.contains_key(&citation) {
            return Err(ServiceError::Conflict(format!(
                "citation {citation} is resolved at {stage}; votes can no longer change"
            )));
        }
        let reason = self.check_reason(tx.conn(), stage, decision, reason, custom_reason).await?;
        let vote = Vote {
            citation,
            stage,
            reviewer: viewer.member,
            decision,
            reason,
            note: note.map(str::trim).filter(|n| !n.is_empty()).map(String::from),
            at: now.clone(),
        };
        store::insert_vote(tx.conn(), self.review.id, &vote).await?;
        let votes = store::votes_of(tx.conn(), citation).await?;
        let at_stage: Vec<Vote> = votes.into_iter().filter(|v| v.stage == stage).collect();
        let current = screening::current_votes(&at_stage);
        let status = screening::status(&board.settings, &current, None);
        let automatic = screening::automatic_resolution(&board.settings, &status);
        if let Some((decision, method)) = automatic {
            let reason = if decision == Decision::Exclude { common_reason(&current) } else { None };
            let resolution =
                Resolution { citation, stage, decision, reason, method, resolved_by: None, at: now.clone() };
            store::insert_resolution(tx.conn(), self.review.id, &resolution).await?;
        }
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "vote",
            Some(&citation.to_string()),
            &json!({
                "stage": stage.as_str(),
                "decision": decision.as_str(),
            }),
        )
        .await?;
        tx.commit().await?;
        if stage == Stage::TitleAbstract {
            // In the background: the vote is already committed and returns now.
            self.spawn_ranking_refresh(stream, viewer);
        }
        let status = match automatic {
            Some((d, _)) => Status::Resolved(d),
            None => status,
        };
        Ok(VoteOutcome {
            citation,
            stage,
            status: screening::visible_status(&viewer, &board.settings, &status),
            resolved: automatic,
        })
    }

    /// Citations in conflict (or agreed and waiting for confirmation), for those who resolve.
    pub async fn conflicts(
        &self,
        actor: &Actor,
        stream: Option<&str>,
        stage: Stage,
    ) -> ServiceResult<Vec<CitationView>> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        let viewer = self.viewer(&mut conn, actor).await?;
        if !viewer.may_resolve() {
            return Err(ServiceError::Forbidden(format!(
                "{} may not resolve conflicts; the owner names resolvers with `sift member add NAME --resolver`",
                actor.name
            )));
        }
        let board = Board::load(&mut conn, self, stream.id, stage).await?;
        let names = member_names(&mut conn, self).await?;
        let mut out = Vec::new();
        for c in &board.citations {
            let status = board.status(c.id);
            if matches!(status, Status::Conflict | Status::Agreed(_)) {
                let record = records::record_by_id(&mut conn, self.review.id, c.canonical_record).await?;
                out.push(board.view(&viewer, c.id, record, &names, None));
            }
        }
        Ok(out)
    }

    /// Sets a stage's final decision on a citation (a resolver's call, or a recorded consensus).
    pub async fn resolve(
        &self,
        actor: &Actor,
        citation: i64,
        stage: Stage,
        decision: Decision,
        reason: Option<&str>,
        method: Method,
    ) -> ServiceResult<Resolution> {
        let citation = CitationId(citation);
        if decision == Decision::Maybe {
            return Err(ServiceError::invalid("DECISION", "a resolution includes or excludes"));
        }
        if !matches!(method, Method::ThirdReviewer | Method::Consensus) {
            return Err(ServiceError::invalid(
                "--method",
                "a person resolves by third-reviewer or consensus",
            ));
        }
        let now = clock::now();
        let mut tx = self.store.write().await?;
        let viewer = self.viewer(tx.conn(), actor).await?;
        if !viewer.may_resolve() {
            return Err(ServiceError::Forbidden(format!("{} may not resolve conflicts", actor.name)));
        }
        let stream = self.stream_of_citation(tx.conn(), citation).await?;
        let board = Board::load(tx.conn(), self, stream, stage).await?;
        board.require_eligible(citation)?;
        if board.resolutions.contains_key(&citation) {
            return Err(ServiceError::Conflict(format!(
                "citation {citation} is already resolved at {stage}"
            )));
        }
        if matches!(board.status(citation), Status::Open { .. }) && method == Method::ThirdReviewer {
            return Err(ServiceError::Conflict(format!(
                "citation {citation} still waits for votes at {stage}; resolve once the required votes are in (or record a consensus)"
            )));
        }
        let reason =
            self.check_reason(tx.conn(), stage, decision, reason, false).await.or_else(|e| {
                match (reason, e) {
                    (Some(r), ServiceError::Invalid { .. }) => Ok(Some(r.trim().to_string())),
                    (_, e) => Err(e),
                }
            })?;
        let resolution = Resolution {
            citation,
            stage,
            decision,
            reason,
            method,
            resolved_by: Some(viewer.member),
            at: now.clone(),
        };
        store::insert_resolution(tx.conn(), self.review.id, &resolution).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "resolve",
            Some(&citation.to_string()),
            &json!({
                "stage": stage.as_str(), "decision": decision.as_str(), "method": method.as_str(),
            }),
        )
        .await?;
        tx.commit().await?;
        Ok(resolution)
    }

    /// How far a stage has come, per reviewer (counts only; never decisions).
    pub async fn progress(
        &self,
        actor: &Actor,
        stream: Option<&str>,
        stage: Stage,
    ) -> ServiceResult<Progress> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        let viewer = self.viewer(&mut conn, actor).await?;
        let board = Board::load(&mut conn, self, stream.id, stage).await?;
        let names = member_names(&mut conn, self).await?;
        let mut per_reviewer: BTreeMap<MemberId, usize> = BTreeMap::new();
        let mut n_conflicts = 0;
        for c in &board.citations {
            for v in board.current(c.id) {
                *per_reviewer.entry(v.reviewer).or_default() += 1;
            }
            if matches!(board.status(c.id), Status::Conflict | Status::Agreed(_)) {
                n_conflicts += 1;
            }
        }
        let see_conflicts = !board.settings.blinded || viewer.may_resolve();
        let mut times: BTreeMap<MemberId, Vec<i64>> = BTreeMap::new();
        for votes in board.votes.values() {
            for v in votes {
                if let Ok(t) = v.at.parse::<jiff::Timestamp>() {
                    times.entry(v.reviewer).or_default().push(t.as_second());
                }
            }
        }
        let seconds_per_vote = times
            .into_iter()
            .map(|(m, mut t)| {
                t.sort_unstable();
                let mut gaps: Vec<i64> = t.windows(2).map(|w| w[1] - w[0]).filter(|g| *g < 600).collect();
                gaps.sort_unstable();
                let median = (!gaps.is_empty()).then(|| {
                    let mid = gaps.len() / 2;
                    if gaps.len().is_multiple_of(2) {
                        (gaps[mid - 1] + gaps[mid]) as f64 / 2.0
                    } else {
                        gaps[mid] as f64
                    }
                });
                (names.get(&m).cloned().unwrap_or_default(), median)
            })
            .collect();
        let stopping = (stage == Stage::TitleAbstract && !board.resolutions.is_empty()).then(|| {
            let mut resolved: Vec<&Resolution> = board.resolutions.values().collect();
            resolved.sort_by(|a, b| a.at.cmp(&b.at).then(a.citation.0.cmp(&b.citation.0)));
            let labels: Vec<bool> = resolved.iter().map(|r| r.decision == Decision::Include).collect();
            sift_rank::hypergeometric_stop(&labels, board.citations.len(), 0.95, 0.95)
        });
        let mut by_method: BTreeMap<&'static str, (Method, usize)> = BTreeMap::new();
        for r in board.resolutions.values() {
            by_method.entry(r.method.as_str()).or_insert((r.method, 0)).1 += 1;
        }
        Ok(Progress {
            stage,
            n_citations: board.citations.len(),
            n_resolved: board.resolutions.len(),
            n_included: board.resolutions.values().filter(|r| r.decision == Decision::Include).count(),
            n_excluded: board.resolutions.values().filter(|r| r.decision == Decision::Exclude).count(),
            n_conflicts: see_conflicts.then_some(n_conflicts),
            per_reviewer: per_reviewer
                .into_iter()
                .map(|(m, n)| (names.get(&m).cloned().unwrap_or_default(), n))
                .collect(),
            seconds_per_vote,
            by_method: by_method.into_values().collect(),
            stopping,
            settings: board.settings,
        })
    }

    /// One citation at a stage, as `actor` may see it.
    pub async fn citation_view(
        &self,
        actor: &Actor,
        citation: i64,
        stage: Stage,
    ) -> ServiceResult<CitationView> {
        let citation = CitationId(citation);
        let mut conn = self.store.read().await?;
        let viewer = self.viewer(&mut conn, actor).await?;
        let stream = self.stream_of_citation(&mut conn, citation).await?;
        let board = Board::load(&mut conn, self, stream, stage).await?;
        let c =
            board.citations.iter().find(|c| c.id == citation).ok_or_else(|| not_found_citation(citation))?;
        let record = records::record_by_id(&mut conn, self.review.id, c.canonical_record).await?;
        let names = member_names(&mut conn, self).await?;
        let fulltext =
            store::fulltexts(&mut conn, stream).await?.into_iter().find(|f| f.citation == citation);
        Ok(board.view(&viewer, citation, record, &names, fulltext))
    }

    /// Attaches a full-text PDF to a citation (stored once per content).
    pub async fn fulltext_attach(
        &self,
        actor: &Actor,
        citation: i64,
        path: &std::path::Path,
    ) -> ServiceResult<String> {
        let bytes = std::fs::read(path)
            .map_err(|source| ServiceError::Io { path: path.display().to_string(), source })?;
        if !bytes.starts_with(b"%PDF") {
            return Err(ServiceError::invalid("FILE", format!("{} is not a PDF", path.display())));
        }
        let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let citation = CitationId(citation);
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Vote).await?;
        self.stream_of_citation(tx.conn(), citation).await?;
        store::put_blob(tx.conn(), &sha256, &bytes).await?;
        store::set_fulltext(
            tx.conn(),
            &FullText {
                citation,
                status: "attached".into(),
                sha256: Some(sha256.clone()),
                file_name,
                reason: None,
                decided_by: actor.name.clone(),
                at: now.clone(),
            },
        )
        .await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "fulltext.attached",
            Some(&citation.to_string()),
            &json!({ "sha256": sha256 }),
        )
        .await?;
        tx.commit().await?;
        Ok(sha256)
    }

    /// Records that a citation's full text could not be retrieved, and why.
    pub async fn fulltext_missing(&self, actor: &Actor, citation: i64, reason: &str) -> ServiceResult<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(ServiceError::invalid("--reason", "say why the full text could not be retrieved"));
        }
        let citation = CitationId(citation);
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Vote).await?;
        self.stream_of_citation(tx.conn(), citation).await?;
        store::set_fulltext(
            tx.conn(),
            &FullText {
                citation,
                status: "not_retrieved".into(),
                sha256: None,
                file_name: None,
                reason: Some(reason.to_string()),
                decided_by: actor.name.clone(),
                at: now.clone(),
            },
        )
        .await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "fulltext.missing",
            Some(&citation.to_string()),
            &json!({ "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The PDF attached to a citation.
    pub async fn fulltext_pdf(&self, citation: i64) -> ServiceResult<Vec<u8>> {
        let citation = CitationId(citation);
        let mut conn = self.store.read().await?;
        let stream = self.stream_of_citation(&mut conn, citation).await?;
        let f = store::fulltexts(&mut conn, stream)
            .await?
            .into_iter()
            .find(|f| f.citation == citation && f.sha256.is_some());
        let sha = f.and_then(|f| f.sha256).ok_or_else(|| ServiceError::NotFound {
            what: "full text of citation",
            key: citation.to_string(),
            hint: "; attach one with `sift fulltext attach`".into(),
        })?;
        Ok(store::blob(&mut conn, &sha).await?)
    }

    /// Links included reports (citations) to one study, created on first use. A report
    /// belongs to one study: linking it again moves it, and a study left without reports is
    /// dropped. Only reports included at full text can be linked, all from one stream.
    pub async fn link_study(&self, actor: &Actor, label: &str, citations: &[i64]) -> ServiceResult<()> {
        let label = label.trim();
        if label.is_empty() || citations.is_empty() {
            return Err(ServiceError::invalid("--study", "name the study and at least one citation"));
        }
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Vote).await?;
        let stream = self.stream_of_citation(tx.conn(), CitationId(citations[0])).await?;
        let included: HashSet<CitationId> = store::resolutions(tx.conn(), stream, Some(Stage::FullText))
            .await?
            .into_iter()
            .filter(|r| r.decision == Decision::Include)
            .map(|r| r.citation)
            .collect();
        for &c in citations {
            if self.stream_of_citation(tx.conn(), CitationId(c)).await? != stream {
                return Err(ServiceError::invalid("CITATION", "a study's reports belong to one stream"));
            }
            if !included.contains(&CitationId(c)) {
                return Err(ServiceError::invalid(
                    "CITATION",
                    format!(
                        "citation {c} is not included at full text; only included reports are linked to studies"
                    ),
                ));
            }
        }
        let study = store::study(tx.conn(), self.review.id, stream, label, &now).await?;
        for &c in citations {
            store::link_report(tx.conn(), CitationId(c), study).await?;
        }
        store::drop_empty_studies(tx.conn(), stream).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "study.linked",
            Some(label),
            &json!({ "citations": citations }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes a report out of its study, so that it counts as a study of its own again;
    /// returns the study's label. A study left without reports is dropped.
    pub async fn unlink_study(&self, actor: &Actor, citation: i64) -> ServiceResult<String> {
        let now = clock::now();
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, Permission::Vote).await?;
        let stream = self.stream_of_citation(tx.conn(), CitationId(citation)).await?;
        let label = store::studies(tx.conn(), stream)
            .await?
            .into_iter()
            .find(|(_, _, reports)| reports.contains(&CitationId(citation)))
            .map(|(_, label, _)| label)
            .ok_or_else(|| ServiceError::NotFound {
                what: "study link of citation",
                key: citation.to_string(),
                hint: "; `sift study list` shows the studies and their reports".into(),
            })?;
        store::unlink_report(tx.conn(), CitationId(citation)).await?;
        store::drop_empty_studies(tx.conn(), stream).await?;
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "study.unlinked",
            Some(&label),
            &json!({ "citation": citation }),
        )
        .await?;
        tx.commit().await?;
        Ok(label)
    }

    /// The reports included at full text in a stream, each with the label of the study it is
    /// linked to (`None`: a study of its own), in citation order.
    pub async fn included_reports(
        &self,
        actor: &Actor,
        stream: Option<&str>,
    ) -> ServiceResult<Vec<(Screened, Option<String>)>> {
        let mut reports = self.screened(actor, stream, Stage::FullText, Decision::Include).await?;
        reports.sort_by_key(|r| r.citation);
        let label_of: HashMap<CitationId, String> = self
            .studies(stream)
            .await?
            .into_iter()
            .flat_map(|(label, citations)| citations.into_iter().map(move |c| (c, label.clone())))
            .collect();
        Ok(reports
            .into_iter()
            .map(|r| {
                let label = label_of.get(&r.citation).cloned();
                (r, label)
            })
            .collect())
    }

    /// Inter-rater agreement at a stage over resolved citations (whose votes everyone may
    /// see): Cohen's kappa per reviewer pair, Fleiss' kappa over citations with the required
    /// number of votes.
    pub async fn agreement(
        &self,
        actor: &Actor,
        stream: Option<&str>,
        stage: Stage,
    ) -> ServiceResult<Agreement> {
        use sift_domain::agreement::{cohen_kappa, fleiss_kappa, percent_agreement};
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        self.require(&mut conn, actor, Permission::Read).await?;
        let board = Board::load(&mut conn, self, stream.id, stage).await?;
        let names = member_names(&mut conn, self).await?;
        let resolved: Vec<Vec<&Vote>> = board
            .citations
            .iter()
            .filter(|c| board.resolutions.contains_key(&c.id))
            .map(|c| board.current(c.id))
            .filter(|v| v.len() >= 2)
            .collect();
        let mut reviewers: Vec<MemberId> = resolved.iter().flatten().map(|v| v.reviewer).collect();
        reviewers.sort_unstable();
        reviewers.dedup();
        let mut pairs = Vec::new();
        for (i, &a) in reviewers.iter().enumerate() {
            for &b in &reviewers[i + 1..] {
                let both: Vec<(Decision, Decision)> = resolved
                    .iter()
                    .filter_map(|votes| {
                        let va = votes.iter().find(|v| v.reviewer == a)?;
                        let vb = votes.iter().find(|v| v.reviewer == b)?;
                        Some((va.decision, vb.decision))
                    })
                    .collect();
                if both.is_empty() {
                    continue;
                }
                let agreed = both.iter().filter(|(x, y)| x == y).count();
                pairs.push(PairAgreement {
                    a: names.get(&a).cloned().unwrap_or_default(),
                    b: names.get(&b).cloned().unwrap_or_default(),
                    n: both.len(),
                    proportion_agreed: agreed as f64 / both.len() as f64,
                    kappa: cohen_kappa(&both),
                });
            }
        }
        let k = usize::from(board.settings.reviewers_required).max(2);
        let categories = [Decision::Include, Decision::Exclude, Decision::Maybe];
        let table: Vec<Vec<usize>> = resolved
            .iter()
            .filter(|votes| votes.len() == k)
            .map(|votes| {
                categories.iter().map(|c| votes.iter().filter(|v| v.decision == *c).count()).collect()
            })
            .collect();
        let subjects: Vec<Vec<Decision>> =
            resolved.iter().map(|votes| votes.iter().map(|v| v.decision).collect()).collect();
        Ok(Agreement {
            stage,
            n_citations: resolved.len(),
            pairs,
            all_agreed: percent_agreement(&subjects),
            fleiss: if k > 2 { fleiss_kappa(&table) } else { None },
            fleiss_raters: k,
        })
    }

    /// The citations of a stream resolved with `decision` at `stage`, with their canonical
    /// records and the resolution's reason: the included set, the excluded set with reasons.
    pub async fn screened(
        &self,
        actor: &Actor,
        stream: Option<&str>,
        stage: Stage,
        decision: Decision,
    ) -> ServiceResult<Vec<Screened>> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        self.require(&mut conn, actor, Permission::Read).await?;
        let citations = stream_citations(&mut conn, self, stream.id).await?;
        let resolutions = store::resolutions(&mut conn, stream.id, Some(stage)).await?;
        let canonical: HashMap<CitationId, sift_domain::RecordId> =
            citations.iter().map(|c| (c.id, c.canonical_record)).collect();
        let chosen: Vec<&Resolution> = resolutions.iter().filter(|r| r.decision == decision).collect();
        let ids: Vec<sift_domain::RecordId> =
            chosen.iter().filter_map(|r| canonical.get(&r.citation).copied()).collect();
        let filter = sift_store::records::RecordFilter { ids: Some(ids), ..Default::default() };
        let records = records::list_records(&mut conn, self.review.id, &filter).await?;
        let by_id: HashMap<sift_domain::RecordId, StoredRecord> =
            records.into_iter().map(|r| (r.id, r)).collect();
        Ok(chosen
            .into_iter()
            .filter_map(|r| {
                let record = by_id.get(canonical.get(&r.citation)?)?.clone();
                Some(Screened { citation: r.citation, record, reason: r.reason.clone(), method: r.method })
            })
            .collect())
    }

    /// Every PRISMA 2020 box for a stream, derived from stored data.
    pub async fn prisma(&self, stream: Option<&str>) -> ServiceResult<sift_domain::prisma::PrismaCounts> {
        Ok(self.prisma_inputs(stream).await?.prisma())
    }

    /// A living review's latest round, when the stream has re-run searches (`search add
    /// --updates`): the PRISMA boxes of that round alone, and the studies and reports
    /// included from earlier rounds, for the updated-review diagram. `None` for a stream
    /// searched once.
    ///
    /// An original search is round 0 and a re-run is one round after the search it re-runs.
    /// An other-methods search belongs to the round of the citation whose reference list it
    /// searched (round 0 when it names none). A citation belongs to the earliest round of its
    /// searches: records of a re-run that join a citation screened earlier count as
    /// duplicates removed in the new round, which is what they are.
    pub async fn prisma_update(&self, stream: Option<&str>) -> ServiceResult<Option<UpdateCounts>> {
        let inputs = self.prisma_inputs(stream).await?;
        self.prisma_update_from(&inputs).await
    }

    /// [`Service::prisma_update`] from inputs already read.
    pub(crate) async fn prisma_update_from(
        &self,
        inputs: &PrismaInputs,
    ) -> ServiceResult<Option<UpdateCounts>> {
        use sift_domain::SearchKind;
        let updates: HashMap<SearchId, SearchId> =
            inputs.searches.iter().filter_map(|(s, _)| Some((s.id, s.updates?))).collect();
        if updates.is_empty() {
            return Ok(None);
        }
        // Which searches found each citation: only a living review needs it (a row per record).
        let citation_searches = {
            let mut conn = self.store.read().await?;
            store::citation_searches(&mut conn, inputs.stream).await?
        };
        // Rounds of database and register searches, following `updates` back to an original
        // (at most as many steps as there are searches, so a cycle cannot loop).
        let round_of = |id: SearchId| -> u32 {
            let (mut round, mut at) = (0u32, id);
            while let Some(&earlier) = updates.get(&at) {
                round += 1;
                at = earlier;
                if round as usize > inputs.searches.len() {
                    break;
                }
            }
            round
        };
        let mut rounds: HashMap<SearchId, u32> = inputs
            .searches
            .iter()
            .filter(|(s, _)| s.kind != SearchKind::Other)
            .map(|(s, _)| (s.id, round_of(s.id)))
            .collect();
        let citation_round = |searches: &[SearchId], rounds: &HashMap<SearchId, u32>| {
            searches.iter().filter_map(|s| rounds.get(s)).min().copied()
        };
        let mut searches_of: HashMap<CitationId, Vec<SearchId>> = HashMap::new();
        for (citation, search) in &citation_searches {
            searches_of.entry(*citation).or_default().push(*search);
        }
        for (search, _) in inputs.searches.iter().filter(|(s, _)| s.kind == SearchKind::Other) {
            let found_in = inputs.found_in.get(&search.id);
            let round = found_in
                .and_then(|c| searches_of.get(c))
                .and_then(|searches| citation_round(searches, &rounds))
                .unwrap_or(0);
            rounds.insert(search.id, round);
        }
        let latest = rounds.values().copied().max().unwrap_or(0);
        if latest == 0 {
            return Ok(None);
        }
        let searches: Vec<_> = inputs
            .searches
            .iter()
            .filter(|(s, _)| rounds.get(&s.id) == Some(&latest))
            .map(|(_, count)| count.clone())
            .collect();
        let (mut new, mut previous) = (Vec::new(), Vec::new());
        for (citation, facts) in &inputs.citations {
            let round = searches_of.get(&citation.id).and_then(|s| citation_round(s, &rounds)).unwrap_or(0);
            if round == latest { new.push(facts.clone()) } else { previous.push(facts.clone()) }
        }
        let before = sift_domain::prisma::derive(&[], &previous, 0);
        Ok(Some(UpdateCounts {
            round: latest,
            counts: sift_domain::prisma::derive(&searches, &new, inputs.pending),
            previous_studies: before.studies_included,
            previous_reports: before.reports_included,
        }))
    }

    /// What a stream's PRISMA counts are derived from.
    pub(crate) async fn prisma_inputs(&self, stream: Option<&str>) -> ServiceResult<PrismaInputs> {
        use sift_domain::prisma::{CitationFacts, SearchCount};
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        let searches =
            sift_store::searches::list_searches(&mut conn, self.review.id, Some(stream.id)).await?;
        let counts = sift_store::searches::record_counts(&mut conn, self.review.id).await?;
        let searches: Vec<_> = searches
            .into_iter()
            .map(|s| {
                let count = SearchCount {
                    source: s.source.clone(),
                    kind: s.kind,
                    records: counts.get(&s.id).copied().unwrap_or(0),
                };
                (s, count)
            })
            .collect();
        let citations = stream_citations(&mut conn, self, stream.id).await?;
        let resolutions: HashMap<(CitationId, Stage), Resolution> =
            store::resolutions(&mut conn, stream.id, None)
                .await?
                .into_iter()
                .map(|r| ((r.citation, r.stage), r))
                .collect();
        let not_retrieved: HashSet<CitationId> = store::fulltexts(&mut conn, stream.id)
            .await?
            .into_iter()
            .filter(|f| f.status == "not_retrieved")
            .map(|f| f.citation)
            .collect();
        let mut study_of: HashMap<CitationId, i64> = HashMap::new();
        for (study, _, reports) in store::studies(&mut conn, stream.id).await? {
            for c in reports {
                study_of.insert(c, study.0);
            }
        }
        let citations: Vec<(ScreeningCitation, CitationFacts)> = citations
            .iter()
            .map(|c| {
                let at = |stage: Stage| resolutions.get(&(c.id, stage));
                let facts = CitationFacts {
                    from_database: c.from_database,
                    title_abstract: at(Stage::TitleAbstract).map(|r| r.decision),
                    not_retrieved: not_retrieved.contains(&c.id),
                    full_text: at(Stage::FullText).map(|r| (r.decision, r.reason.clone())),
                    study: study_of.get(&c.id).copied(),
                };
                (c.clone(), facts)
            })
            .collect();
        let found_in = store::search_sources(&mut conn, self.review.id).await?.into_iter().collect();
        let pending = sift_store::dedup::undeduplicated_records(&mut conn, stream.id).await?;
        Ok(PrismaInputs { stream: stream.id, searches, citations, found_in, pending })
    }

    pub async fn studies(&self, stream: Option<&str>) -> ServiceResult<Vec<(String, Vec<CitationId>)>> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        Ok(store::studies(&mut conn, stream.id).await?.into_iter().map(|(_, label, c)| (label, c)).collect())
    }

    /// Checks that `actor` may do `what`; an owner may do everything. A review that has no
    /// members yet (made before members existed) lets anyone act as its owner.
    pub(crate) async fn require(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        what: Permission,
    ) -> ServiceResult<Viewer> {
        let viewer = self.viewer(conn, actor).await?;
        let allowed = match what {
            Permission::Read => true,
            Permission::Vote => viewer.may_vote(),
            Permission::Resolve => viewer.may_resolve(),
            Permission::Manage => viewer.role == Role::Owner,
        };
        if !allowed {
            return Err(ServiceError::Forbidden(format!("{} ({}) may not do this", actor.name, viewer.role)));
        }
        Ok(viewer)
    }

    pub(crate) async fn viewer(&self, conn: &mut Conn, actor: &Actor) -> ServiceResult<Viewer> {
        let members = store::members(conn, self.review.id).await?;
        if members.is_empty() {
            return Ok(Viewer { member: MemberId(0), role: Role::Owner, resolver: true });
        }
        let m = members.iter().find(|m| m.name == actor.name).ok_or_else(|| {
            ServiceError::Forbidden(format!(
                "{} is not a member of this review; act as a member with --as NAME, or ask the owner to add you (`sift member add`)",
                actor.name
            ))
        })?;
        Ok(Viewer { member: m.id, role: m.role, resolver: m.resolver })
    }

    async fn stream_of_citation(&self, conn: &mut Conn, citation: CitationId) -> ServiceResult<StreamId> {
        store::citation_stream(conn, self.review.id, citation)
            .await?
            .ok_or_else(|| not_found_citation(citation))
    }

    async fn check_reason(
        &self,
        conn: &mut Conn,
        stage: Stage,
        decision: Decision,
        reason: Option<&str>,
        custom: bool,
    ) -> ServiceResult<Option<String>> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if decision == Decision::Exclude && stage.exclusion_needs_reason() && reason.is_none() {
            let criteria = store::criteria(conn, self.review.id).await?;
            let labels: Vec<String> = criteria.iter().map(|c| format!("{:?}", c.label)).collect();
            return Err(ServiceError::invalid(
                "--reason",
                format!(
                    "a full-text exclusion needs a reason{}",
                    if labels.is_empty() {
                        String::new()
                    } else {
                        format!(": one of {}, or a custom reason with --custom", labels.join(", "))
                    }
                ),
            ));
        }
        let Some(reason) = reason else { return Ok(None) };
        if custom {
            return Ok(Some(reason.to_string()));
        }
        let criteria = store::criteria(conn, self.review.id).await?;
        if criteria.is_empty() {
            return Ok(Some(reason.to_string()));
        }
        match criteria.iter().find(|c| c.label.eq_ignore_ascii_case(reason)) {
            Some(c) => Ok(Some(c.label.clone())),
            None => {
                let labels: Vec<String> = criteria.iter().map(|c| format!("{:?}", c.label)).collect();
                Err(ServiceError::invalid(
                    "--reason",
                    format!(
                        "{reason:?} is not one of the review's criteria ({}); pass --custom for a reason of your own",
                        labels.join(", ")
                    ),
                ))
            }
        }
    }
}

fn not_found_citation(citation: CitationId) -> ServiceError {
    ServiceError::NotFound {
        what: "citation",
        key: citation.to_string(),
        hint: " in this review (run `sift dedup` to make citations)".into(),
    }
}

/// The reason all excluding votes share, if they share one.
fn common_reason(current: &[&Vote]) -> Option<String> {
    let first = current.first()?.reason.clone()?;
    current.iter().all(|v| v.reason.as_deref() == Some(first.as_str())).then_some(first)
}

/// Whether `member` is the review's only owner (who must stay one).
fn only_owner(members: &[store::MemberRow], member: &store::MemberRow) -> bool {
    member.role == Role::Owner && members.iter().filter(|o| o.role == Role::Owner).count() == 1
}

/// The citations of a stream, in import order. Reading 100,000 citations row by row costs
/// seconds (sqlx moves SQLite rows one at a time between threads); the list only changes with
/// imports and dedup, which the fingerprint (computed inside the database) notices, so it is
/// kept in the service between calls.
pub(crate) async fn stream_citations(
    conn: &mut Conn,
    service: &Service,
    stream: StreamId,
) -> ServiceResult<std::sync::Arc<Vec<ScreeningCitation>>> {
    let fingerprint = store::citations_fingerprint(conn, stream).await?;
    if let Some(cached) = service.ranker.cached_citations(stream, fingerprint) {
        return Ok(cached);
    }
    let all = std::sync::Arc::new(store::screening_citations(conn, stream).await?);
    service.ranker.keep_citations(stream, fingerprint, all.clone());
    Ok(all)
}

async fn member_names(conn: &mut Conn, service: &Service) -> ServiceResult<HashMap<MemberId, String>> {
    Ok(store::members(conn, service.review.id).await?.into_iter().map(|m| (m.id, m.name)).collect())
}

pub(crate) async fn stage_settings(conn: &mut Conn, service: &Service) -> ServiceResult<Vec<StageSettings>> {
    let stored = store::stage_settings(conn, service.review.id).await?;
    Ok(Stage::ALL
        .iter()
        .map(|&stage| {
            stored
                .iter()
                .find(|s| s.stage == stage)
                .cloned()
                .unwrap_or_else(|| StageSettings::default_for(stage))
        })
        .collect())
}

/// Everything about one stage of one stream, loaded once per use case.
pub(crate) struct Board {
    pub settings: StageSettings,
    /// The citations at this stage, in import order.
    pub citations: Vec<ScreeningCitation>,
    pub votes: HashMap<CitationId, Vec<Vote>>,
    pub resolutions: HashMap<CitationId, Resolution>,
}

impl Board {
    pub(crate) async fn load(
        conn: &mut Conn,
        service: &Service,
        stream: StreamId,
        stage: Stage,
    ) -> ServiceResult<Board> {
        let settings = stage_settings(conn, service)
            .await?
            .into_iter()
            .find(|s| s.stage == stage)
            .expect("every stage has settings");
        let all = stream_citations(conn, service, stream).await?;
        let citations = match stage {
            Stage::TitleAbstract => all.iter().filter(|c| c.from_database).cloned().collect(),
            Stage::FullText => {
                let included: HashSet<CitationId> =
                    store::resolutions(conn, stream, Some(Stage::TitleAbstract))
                        .await?
                        .into_iter()
                        .filter(|r| r.decision == Decision::Include)
                        .map(|r| r.citation)
                        .collect();
                all.iter().filter(|c| !c.from_database || included.contains(&c.id)).cloned().collect()
            }
        };
        let mut votes: HashMap<CitationId, Vec<Vote>> = HashMap::new();
        for v in store::votes(conn, stream, stage).await? {
            votes.entry(v.citation).or_default().push(v);
        }
        let resolutions = store::resolutions(conn, stream, Some(stage))
            .await?
            .into_iter()
            .map(|r| (r.citation, r))
            .collect();
        Ok(Board { settings, citations, votes, resolutions })
    }

    pub(crate) fn current(&self, citation: CitationId) -> Vec<&Vote> {
        self.votes.get(&citation).map(|v| screening::current_votes(v)).unwrap_or_default()
    }

    pub(crate) fn status(&self, citation: CitationId) -> Status {
        screening::status(&self.settings, &self.current(citation), self.resolutions.get(&citation))
    }

    pub(crate) fn require_eligible(&self, citation: CitationId) -> ServiceResult<()> {
        if self.citations.iter().any(|c| c.id == citation) {
            return Ok(());
        }
        Err(ServiceError::Conflict(format!(
            "citation {citation} is not at the {} stage{}",
            self.settings.stage,
            if self.settings.stage == Stage::FullText {
                " (it must be included at title/abstract first)"
            } else {
                " (it came from other methods and starts at full text)"
            }
        )))
    }

    fn view(
        &self,
        viewer: &Viewer,
        citation: CitationId,
        record: StoredRecord,
        names: &HashMap<MemberId, String>,
        fulltext: Option<FullText>,
    ) -> CitationView {
        let status = self.status(citation);
        let all = self.votes.get(&citation).cloned().unwrap_or_default();
        let current: Vec<Vote> = screening::current_votes(&all).into_iter().cloned().collect();
        let votes = screening::visible_votes(viewer, &self.settings, &status, &current)
            .into_iter()
            .map(|v| VisibleVote {
                reviewer: names.get(&v.reviewer).cloned().unwrap_or_default(),
                decision: v.decision,
                reason: v.reason.clone(),
                note: v.note.clone(),
                at: v.at.clone(),
            })
            .collect();
        CitationView {
            citation,
            stage: self.settings.stage,
            record,
            status: screening::visible_status(viewer, &self.settings, &status),
            votes,
            resolution: self.resolutions.get(&citation).cloned(),
            fulltext,
        }
    }
}

/// The latest round of a living review's stream: see [`Service::prisma_update`].
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateCounts {
    /// 1 for the first re-run, 2 for the second, ...
    pub round: u32,
    /// The boxes of this round alone.
    pub counts: sift_domain::prisma::PrismaCounts,
    /// Included from earlier rounds (the "previous version of the review").
    pub previous_studies: i64,
    pub previous_reports: i64,
}

pub(crate) struct PrismaInputs {
    stream: StreamId,
    searches: Vec<(sift_domain::Search, sift_domain::prisma::SearchCount)>,
    citations: Vec<(ScreeningCitation, sift_domain::prisma::CitationFacts)>,
    found_in: HashMap<SearchId, CitationId>,
    pending: i64,
}

impl PrismaInputs {
    /// The stream's PRISMA counts, every round together.
    pub(crate) fn prisma(&self) -> sift_domain::prisma::PrismaCounts {
        let searches: Vec<_> = self.searches.iter().map(|(_, count)| count.clone()).collect();
        let facts: Vec<_> = self.citations.iter().map(|(_, facts)| facts.clone()).collect();
        sift_domain::prisma::derive(&searches, &facts, self.pending)
    }
}
