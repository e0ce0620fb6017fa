//! The screening order at title/abstract: per stream and reviewer, a model ranks the
//! citations still to screen by predicted relevance, once that reviewer knows at least one
//! include and one exclude.
//!
//! What the model may learn from is what the reviewer may see: resolved decisions, and the
//! reviewer's own votes. Never another reviewer's vote on an unresolved citation - the order
//! would leak it (a colleague's include would pull similar records up).
//!
//! Training never sits in the path of a vote. `vote` only starts a refresh in the background
//! (a tokio task; the work itself on a blocking thread) and returns. `screen_next` uses the
//! latest ranking there is - possibly one decision behind - and falls back to import order
//! when there is none yet; when the ranking is out of date it starts a refresh too. One-shot
//! callers (the CLI) can wait for a fresh ranking with `Service::refresh_ranking` first.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use sift_domain::screening::{Decision, Stage, Viewer};
use sift_domain::{CitationId, MemberId, StreamId};
use sift_rank::{Balance, Classifier, Document, FeatureOptions, Matrix};
use sift_store::screening as store;

use crate::screening::Board;
use crate::{Actor, Service, ServiceError, ServiceResult};

/// The model used in the workflow: ASReview's default setting (see docs/ranking.md).
const CLASSIFIER: Classifier = Classifier::SVM;
const SEED: u64 = 20_201_207;

/// Cached features per stream and rankings per (stream, reviewer).
#[derive(Debug, Default)]
pub(crate) struct Ranker {
    features: Mutex<HashMap<StreamId, Arc<StreamFeatures>>>,
    rankings: Mutex<HashMap<(StreamId, MemberId), Arc<Ranking>>>,
    in_flight: Mutex<HashSet<(StreamId, MemberId)>>,
    /// Each stream's title/abstract citation list, with the fingerprint it was read at.
    citations: Mutex<HashMap<StreamId, CachedCitations>>,
    /// Training waits while a [`RankingPause`] holds this.
    gate: Arc<tokio::sync::RwLock<()>>,
}

/// While held, rankings are not retrained (votes and `screen_next` go on as usual, with the
/// rankings there are). For bulk work, and for tests that must see a vote return while
/// training waits.
#[derive(Debug)]
pub struct RankingPause {
    _guard: tokio::sync::OwnedRwLockWriteGuard<()>,
}

/// A stream's citation list and the fingerprint it was read at.
type CachedCitations = ([i64; 5], Arc<Vec<store::ScreeningCitation>>);

/// TF-IDF rows of a stream's citations; rebuilt when the citations change.
#[derive(Debug)]
struct StreamFeatures {
    citations: Vec<CitationId>,
    x: Matrix,
}

/// One reviewer's order of a stream's citations, and what it was trained on.
#[derive(Debug)]
struct Ranking {
    /// Position of each citation not labelled for this reviewer in the order, most likely
    /// relevant first (0).
    position: HashMap<CitationId, usize>,
    trained_on: Vec<(CitationId, bool)>,
}

/// What a reviewer's ranking is based on, for progress displays and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RankingStatus {
    /// Labels (resolved decisions and own votes) the current ranking was trained on; `None`
    /// when there is no ranking yet.
    pub trained_on: Option<usize>,
    /// Labels known to the reviewer now.
    pub known: usize,
    /// A refresh is running.
    pub refreshing: bool,
}

/// The labels `viewer` may train on: resolved decisions at title/abstract, and the viewer's own
/// current include/exclude votes on unresolved citations. Other reviewers' votes are never read.
pub(crate) fn known_labels(board: &Board, viewer: &Viewer) -> Vec<(CitationId, bool)> {
    let mut out = Vec::new();
    for c in &board.citations {
        if let Some(r) = board.resolutions.get(&c.id) {
            out.push((c.id, r.decision == Decision::Include));
            continue;
        }
        let own = board.current(c.id).into_iter().find(|v| v.reviewer == viewer.member);
        match own.map(|v| v.decision) {
            Some(Decision::Include) => out.push((c.id, true)),
            Some(Decision::Exclude) => out.push((c.id, false)),
            _ => {}
        }
    }
    out
}

impl Ranker {
    /// The first of `waiting` in the reviewer's current ranking, if there is a ranking; and
    /// whether that ranking is stale (trained on other labels than `known`).
    pub(crate) fn first_waiting(
        &self,
        stream: StreamId,
        member: MemberId,
        waiting: &[CitationId],
        known: &[(CitationId, bool)],
    ) -> (Option<CitationId>, bool) {
        let ranking = self.rankings.lock().expect("ranking cache").get(&(stream, member)).cloned();
        let Some(ranking) = ranking else { return (None, true) };
        let stale = ranking.trained_on != known;
        // Waiting citations the ranking has never seen (new imports) come after ranked ones.
        let first = waiting.iter().min_by_key(|c| ranking.position.get(c).copied().unwrap_or(usize::MAX));
        (first.copied(), stale)
    }

    /// The stream's citations from the cache when `fingerprint` still matches.
    pub(crate) fn cached_citations(
        &self,
        stream: StreamId,
        fingerprint: [i64; 5],
    ) -> Option<Arc<Vec<store::ScreeningCitation>>> {
        let cache = self.citations.lock().expect("citation cache");
        cache.get(&stream).filter(|(f, _)| *f == fingerprint).map(|(_, c)| c.clone())
    }

    pub(crate) fn keep_citations(
        &self,
        stream: StreamId,
        fingerprint: [i64; 5],
        citations: Arc<Vec<store::ScreeningCitation>>,
    ) {
        self.citations.lock().expect("citation cache").insert(stream, (fingerprint, citations));
    }

    fn start(&self, key: (StreamId, MemberId)) -> bool {
        self.in_flight.lock().expect("in-flight set").insert(key)
    }

    fn finish(&self, key: (StreamId, MemberId)) {
        self.in_flight.lock().expect("in-flight set").remove(&key);
    }
}

impl Service {
    /// Starts a background refresh of `member`'s ranking of `stream` unless one is running.
    pub(crate) fn spawn_ranking_refresh(&self, stream: StreamId, viewer: Viewer) {
        let key = (stream, viewer.member);
        if !self.ranker.start(key) {
            return;
        }
        let service = self.clone();
        tokio::spawn(async move {
            // A failure only leaves the previous order in place; the next vote tries again.
            let _ = service.rebuild_ranking(stream, viewer).await;
            service.ranker.finish(key);
        });
    }

    /// Brings `actor`'s ranking of `stream` up to date and waits for it (for one-shot callers
    /// such as the CLI; the web app relies on the background refresh).
    pub async fn refresh_ranking(&self, actor: &Actor, stream: Option<&str>) -> ServiceResult<RankingStatus> {
        let stream = self.stream(stream).await?;
        let viewer = {
            let mut conn = self.store.read().await?;
            self.viewer(&mut conn, actor).await?
        };
        let key = (stream.id, viewer.member);
        // Wait for a refresh already running, then run one (cheap when nothing changed).
        while !self.ranker.start(key) {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let result = self.rebuild_ranking(stream.id, viewer).await;
        self.ranker.finish(key);
        result?;
        self.ranking_status(actor, Some(&stream.name)).await
    }

    /// What `actor`'s ranking of `stream` is based on.
    pub async fn ranking_status(&self, actor: &Actor, stream: Option<&str>) -> ServiceResult<RankingStatus> {
        let stream = self.stream(stream).await?;
        let mut conn = self.store.read().await?;
        let viewer = self.viewer(&mut conn, actor).await?;
        let board = Board::load(&mut conn, self, stream.id, Stage::TitleAbstract).await?;
        let known = known_labels(&board, &viewer).len();
        let key = (stream.id, viewer.member);
        let trained_on =
            self.ranker.rankings.lock().expect("ranking cache").get(&key).map(|r| r.trained_on.len());
        let refreshing = self.ranker.in_flight.lock().expect("in-flight set").contains(&key);
        Ok(RankingStatus { trained_on, known, refreshing })
    }

    /// Holds back all ranking refreshes of this service (and its clones) until dropped.
    pub async fn pause_ranking(&self) -> RankingPause {
        RankingPause { _guard: self.ranker.gate.clone().write_owned().await }
    }

    /// Trains on what `viewer` may know and stores the new order.
    async fn rebuild_ranking(&self, stream: StreamId, viewer: Viewer) -> ServiceResult<()> {
        let _running = self.ranker.gate.read().await;
        let (board, texts_needed) = {
            let mut conn = self.store.read().await?;
            let board = Board::load(&mut conn, self, stream, Stage::TitleAbstract).await?;
            let ids: Vec<CitationId> = board.citations.iter().map(|c| c.id).collect();
            let cached = self.ranker.features.lock().expect("feature cache").get(&stream).cloned();
            let needed = cached.is_none_or(|f| f.citations != ids);
            (board, needed)
        };
        let known = known_labels(&board, &viewer);
        let key = (stream, viewer.member);
        if let Some(current) = self.ranker.rankings.lock().expect("ranking cache").get(&key)
            && current.trained_on == known
            && !texts_needed
        {
            return Ok(());
        }
        if texts_needed {
            let mut conn = self.store.read().await?;
            let on_stage: HashSet<CitationId> = board.citations.iter().map(|c| c.id).collect();
            let texts: Vec<store::CitationText> = store::citation_texts(&mut conn, stream)
                .await?
                .into_iter()
                .filter(|t| on_stage.contains(&t.citation))
                .collect();
            drop(conn);
            let features = tokio::task::spawn_blocking(move || {
                let docs: Vec<Document> = texts
                    .iter()
                    .map(|t| Document {
                        title: t.title.clone(),
                        abstract_text: t.abstract_text.clone(),
                        keywords: t.keywords.clone(),
                    })
                    .collect();
                let (x, _) = sift_rank::tfidf(&docs, &FeatureOptions::default());
                StreamFeatures { citations: texts.iter().map(|t| t.citation).collect(), x }
            })
            .await
            .map_err(|e| ServiceError::Conflict(format!("building features failed: {e}")))?;
            self.ranker.features.lock().expect("feature cache").insert(stream, Arc::new(features));
        }
        let features =
            self.ranker.features.lock().expect("feature cache").get(&stream).cloned().expect("just built");
        let ranking = tokio::task::spawn_blocking(move || rank(&features, known))
            .await
            .map_err(|e| ServiceError::Conflict(format!("ranking failed: {e}")))?;
        if let Some(ranking) = ranking {
            self.ranker.rankings.lock().expect("ranking cache").insert(key, Arc::new(ranking));
        }
        Ok(())
    }
}

/// Trains on `known` and orders the rest; `None` until there is an include and an exclude.
fn rank(features: &StreamFeatures, known: Vec<(CitationId, bool)>) -> Option<Ranking> {
    let row: HashMap<CitationId, usize> =
        features.citations.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    let labelled: Vec<(usize, bool)> = known.iter().filter_map(|(c, y)| Some((*row.get(c)?, *y))).collect();
    let labelled_rows: HashSet<usize> = labelled.iter().map(|(i, _)| *i).collect();
    let candidates: Vec<usize> =
        (0..features.citations.len()).filter(|i| !labelled_rows.contains(i)).collect();
    let order = sift_rank::rank(&features.x, &labelled, &candidates, CLASSIFIER, Balance::DEFAULT, SEED)?;
    let order: Vec<CitationId> = order.into_iter().map(|i| features.citations[i]).collect();
    let position = order.iter().enumerate().map(|(k, &c)| (c, k)).collect();
    Some(Ranking { position, trained_on: known })
}
