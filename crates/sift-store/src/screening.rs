//! The team, stage settings, criteria, votes, resolutions, full texts, provenance of
//! other-methods searches, and studies.

use sift_domain::screening::{Decision, Method, Resolution, Role, Stage, StageSettings, Vote};
use sift_domain::{CitationId, MemberId, RecordId, ReviewId, SearchId, StreamId, StudyId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::sql::flag;
use crate::{Conn, Result, StoreError};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

/// A member of the team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRow {
    pub id: MemberId,
    pub name: String,
    pub role: Role,
    pub resolver: bool,
}

pub async fn insert_member(
    conn: &mut Conn,
    review: ReviewId,
    name: &str,
    role: Role,
    resolver: bool,
    at: &str,
) -> Result<MemberId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO members (review_id, name, role, resolver, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(review.0)
    .bind(name)
    .bind(role.as_str())
    .bind(flag(resolver))
    .bind(at)
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::on_unique(e, || format!("the review already has a member named {name:?}")))?;
    Ok(MemberId(id))
}

pub async fn update_member(conn: &mut Conn, id: MemberId, role: Role, resolver: bool) -> Result<()> {
    sqlx::query("UPDATE members SET role = $1, resolver = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(flag(resolver))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many decisions a member has made that the record keeps: votes, resolutions, charted
/// forms and appraisals.
pub async fn member_activity(conn: &mut Conn, review: ReviewId, member: MemberId, name: &str) -> Result<i64> {
    let n: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM votes WHERE reviewer_id = $1) \
              + (SELECT COUNT(*) FROM resolutions WHERE resolved_by = $1) \
              + (SELECT COUNT(*) FROM extractions WHERE charter_id = $1) \
              + (SELECT COUNT(*) FROM appraisals WHERE review_id = $2 AND appraiser = $3)",
    )
    .bind(member.0)
    .bind(review.0)
    .bind(name)
    .fetch_one(conn)
    .await?;
    Ok(n)
}

pub async fn delete_member(conn: &mut Conn, id: MemberId) -> Result<()> {
    sqlx::query("DELETE FROM members WHERE id = $1").bind(id.0).execute(conn).await?;
    Ok(())
}

pub async fn members(conn: &mut Conn, review: ReviewId) -> Result<Vec<MemberRow>> {
    let rows = sqlx::query("SELECT id, name, role, resolver FROM members WHERE review_id = $1 ORDER BY id")
        .bind(review.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let role: String = r.try_get("role")?;
            let resolver: i64 = r.try_get("resolver")?;
            Ok(MemberRow {
                id: MemberId(r.try_get("id")?),
                name: r.try_get("name")?,
                role: role.parse().map_err(|e| corrupt("members.role", e))?,
                resolver: resolver != 0,
            })
        })
        .collect()
}

/// Stored stage settings (stages never configured are absent).
pub async fn stage_settings(conn: &mut Conn, review: ReviewId) -> Result<Vec<StageSettings>> {
    let rows = sqlx::query(
        "SELECT stage, reviewers_required, blinded, auto_resolve FROM stage_settings WHERE review_id = $1 ORDER BY stage",
    )
    .bind(review.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let stage: String = r.try_get("stage")?;
            let required: i64 = r.try_get("reviewers_required")?;
            let blinded: i64 = r.try_get("blinded")?;
            let auto: i64 = r.try_get("auto_resolve")?;
            Ok(StageSettings {
                stage: stage.parse().map_err(|e| corrupt("stage_settings.stage", e))?,
                reviewers_required: u8::try_from(required)
                    .map_err(|e| corrupt("stage_settings.reviewers_required", e))?,
                blinded: blinded != 0,
                auto_resolve_agreement: auto != 0,
            })
        })
        .collect()
}

pub async fn set_stage_settings(conn: &mut Conn, review: ReviewId, s: &StageSettings) -> Result<()> {
    let updated = sqlx::query(
        "UPDATE stage_settings SET reviewers_required = $1, blinded = $2, auto_resolve = $3 WHERE review_id = $4 AND stage = $5",
    )
    .bind(i64::from(s.reviewers_required))
    .bind(flag(s.blinded))
    .bind(flag(s.auto_resolve_agreement))
    .bind(review.0)
    .bind(s.stage.as_str())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        sqlx::query(
            "INSERT INTO stage_settings (review_id, stage, reviewers_required, blinded, auto_resolve) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(review.0)
        .bind(s.stage.as_str())
        .bind(i64::from(s.reviewers_required))
        .bind(flag(s.blinded))
        .bind(flag(s.auto_resolve_agreement))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// An eligibility criterion; its label doubles as an exclusion reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Criterion {
    pub position: i64,
    pub label: String,
    pub description: Option<String>,
}

pub async fn insert_criterion(
    conn: &mut Conn,
    review: ReviewId,
    label: &str,
    description: Option<&str>,
) -> Result<()> {
    let position: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM criteria WHERE review_id = $1")
        .bind(review.0)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO criteria (review_id, position, label, description) VALUES ($1, $2, $3, $4)")
        .bind(review.0)
        .bind(position + 1)
        .bind(label)
        .bind(description)
        .execute(conn)
        .await
        .map_err(|e| StoreError::on_unique(e, || format!("the review already has a criterion {label:?}")))?;
    Ok(())
}

pub async fn criteria(conn: &mut Conn, review: ReviewId) -> Result<Vec<Criterion>> {
    let rows = sqlx::query(
        "SELECT position, label, description FROM criteria WHERE review_id = $1 ORDER BY position",
    )
    .bind(review.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok(Criterion { position: r.try_get(0)?, label: r.try_get(1)?, description: r.try_get(2)? }))
        .collect()
}

/// A citation as screening sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreeningCitation {
    pub id: CitationId,
    pub canonical_record: RecordId,
    /// Found by a database or register search (enters at title/abstract); otherwise found
    /// only by other methods (enters at full text).
    pub from_database: bool,
    /// For other-methods citations: the citation whose reference list (or page) it came from.
    pub found_in: Option<CitationId>,
}

/// The citations of a stream, in the order they were created (import order).
pub async fn screening_citations(conn: &mut Conn, stream: StreamId) -> Result<Vec<ScreeningCitation>> {
    let rows = sqlx::query(
        "SELECT c.id, c.canonical_record_id, \
           (SELECT COUNT(*) FROM citation_records cr JOIN records r ON r.id = cr.record_id JOIN searches s ON s.id = r.search_id \
              WHERE cr.citation_id = c.id AND s.kind <> 'other') AS n_database, \
           (SELECT MIN(ss.found_in_citation_id) FROM citation_records cr JOIN records r ON r.id = cr.record_id \
              JOIN search_sources ss ON ss.search_id = r.search_id WHERE cr.citation_id = c.id) AS found_in \
         FROM citations c WHERE c.stream_id = $1 ORDER BY c.id",
    )
    .bind(stream.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let n_database: i64 = r.try_get("n_database")?;
            let found_in: Option<i64> = r.try_get("found_in")?;
            Ok(ScreeningCitation {
                id: CitationId(r.try_get("id")?),
                canonical_record: RecordId(r.try_get("canonical_record_id")?),
                from_database: n_database > 0,
                found_in: found_in.map(CitationId),
            })
        })
        .collect()
}

/// Which searches each citation of a stream has records from: `(citation, search)`, each pair
/// once, in citation order.
pub async fn citation_searches(conn: &mut Conn, stream: StreamId) -> Result<Vec<(CitationId, SearchId)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT cr.citation_id, r.search_id FROM citation_records cr \
           JOIN citations c ON c.id = cr.citation_id JOIN records r ON r.id = cr.record_id \
         WHERE c.stream_id = $1 ORDER BY cr.citation_id, r.search_id",
    )
    .bind(stream.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((CitationId(r.try_get("citation_id")?), SearchId(r.try_get("search_id")?))))
        .collect()
}

/// The stream a citation of `review` belongs to.
pub async fn citation_stream(
    conn: &mut Conn,
    review: ReviewId,
    citation: CitationId,
) -> Result<Option<StreamId>> {
    let stream: Option<i64> =
        sqlx::query_scalar("SELECT stream_id FROM citations WHERE review_id = $1 AND id = $2")
            .bind(review.0)
            .bind(citation.0)
            .fetch_optional(conn)
            .await?;
    Ok(stream.map(StreamId))
}

pub async fn insert_vote(conn: &mut Conn, review: ReviewId, v: &Vote) -> Result<()> {
    sqlx::query(
        "INSERT INTO votes (review_id, citation_id, stage, reviewer_id, decision, reason, note, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(review.0)
    .bind(v.citation.0)
    .bind(v.stage.as_str())
    .bind(v.reviewer.0)
    .bind(v.decision.as_str())
    .bind(v.reason.as_deref())
    .bind(v.note.as_deref())
    .bind(&v.at)
    .execute(conn)
    .await?;
    Ok(())
}

fn vote_from_row(r: &AnyRow) -> Result<Vote> {
    let stage: String = r.try_get("stage")?;
    let decision: String = r.try_get("decision")?;
    Ok(Vote {
        citation: CitationId(r.try_get("citation_id")?),
        stage: stage.parse().map_err(|e| corrupt("votes.stage", e))?,
        reviewer: MemberId(r.try_get("reviewer_id")?),
        decision: decision.parse().map_err(|e| corrupt("votes.decision", e))?,
        reason: r.try_get("reason")?,
        note: r.try_get("note")?,
        at: r.try_get("at")?,
    })
}

/// Every vote (history included) cast at `stage` on a stream's citations, oldest first.
pub async fn votes(conn: &mut Conn, stream: StreamId, stage: Stage) -> Result<Vec<Vote>> {
    // CROSS JOIN makes SQLite walk the votes and look each citation up, rather than walk
    // every citation of the stream (100,000 at the start of screening) and look for votes:
    // 10 ms per call at 100,000 citations and few votes. PostgreSQL plans it as a JOIN.
    let rows = sqlx::query(
        "SELECT v.citation_id, v.stage, v.reviewer_id, v.decision, v.reason, v.note, v.at FROM votes v \
         CROSS JOIN citations c WHERE c.id = v.citation_id AND c.stream_id = $1 AND v.stage = $2 ORDER BY v.id",
    )
    .bind(stream.0)
    .bind(stage.as_str())
    .fetch_all(conn)
    .await?;
    rows.iter().map(vote_from_row).collect()
}

/// Every vote on one citation, oldest first.
pub async fn votes_of(conn: &mut Conn, citation: CitationId) -> Result<Vec<Vote>> {
    let rows = sqlx::query(
        "SELECT citation_id, stage, reviewer_id, decision, reason, note, at FROM votes WHERE citation_id = $1 ORDER BY id",
    )
    .bind(citation.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(vote_from_row).collect()
}

pub async fn insert_resolution(conn: &mut Conn, review: ReviewId, r: &Resolution) -> Result<()> {
    sqlx::query(
        "INSERT INTO resolutions (review_id, citation_id, stage, decision, reason, method, resolved_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(review.0)
    .bind(r.citation.0)
    .bind(r.stage.as_str())
    .bind(r.decision.as_str())
    .bind(r.reason.as_deref())
    .bind(r.method.as_str())
    .bind(r.resolved_by.map(|m| m.0))
    .bind(&r.at)
    .execute(conn)
    .await
    .map_err(|e| StoreError::on_unique(e, || format!("citation {} is already resolved at {}", r.citation, r.stage)))?;
    Ok(())
}

/// The resolutions of a stream's citations at `stage` (all stages when `None`).
pub async fn resolutions(conn: &mut Conn, stream: StreamId, stage: Option<Stage>) -> Result<Vec<Resolution>> {
    // CROSS JOIN: walk the resolutions, not every citation of the stream (see `votes`).
    let sql = "SELECT r.citation_id, r.stage, r.decision, r.reason, r.method, r.resolved_by, r.at FROM resolutions r \
               CROSS JOIN citations c WHERE c.id = r.citation_id AND c.stream_id = $1";
    let rows = match stage {
        Some(stage) => {
            sqlx::query(&format!("{sql} AND r.stage = $2 ORDER BY r.id"))
                .bind(stream.0)
                .bind(stage.as_str())
                .fetch_all(conn)
                .await?
        }
        None => sqlx::query(&format!("{sql} ORDER BY r.id")).bind(stream.0).fetch_all(conn).await?,
    };
    rows.iter()
        .map(|r| {
            let stage: String = r.try_get("stage")?;
            let decision: String = r.try_get("decision")?;
            let method: String = r.try_get("method")?;
            let by: Option<i64> = r.try_get("resolved_by")?;
            Ok(Resolution {
                citation: CitationId(r.try_get("citation_id")?),
                stage: stage.parse().map_err(|e| corrupt("resolutions.stage", e))?,
                decision: decision.parse::<Decision>().map_err(|e| corrupt("resolutions.decision", e))?,
                reason: r.try_get("reason")?,
                method: method.parse::<Method>().map_err(|e| corrupt("resolutions.method", e))?,
                resolved_by: by.map(MemberId),
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Stores a blob under its SHA-256 unless it is stored already.
pub async fn put_blob(conn: &mut Conn, sha256: &str, data: &[u8]) -> Result<()> {
    sqlx::query(
        "INSERT INTO blobs (sha256, size_bytes, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(sha256)
    .bind(data.len() as i64)
    .bind(data.to_vec())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn blob(conn: &mut Conn, sha256: &str) -> Result<Vec<u8>> {
    let data: Option<Vec<u8>> = sqlx::query_scalar("SELECT data FROM blobs WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(conn)
        .await?;
    data.ok_or_else(|| StoreError::NotFound { what: "file", key: sha256.to_string() })
}

/// The full-text state of a citation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FullText {
    pub citation: CitationId,
    /// `attached` or `not_retrieved`.
    pub status: String,
    pub sha256: Option<String>,
    pub file_name: Option<String>,
    pub reason: Option<String>,
    pub decided_by: String,
    pub at: String,
}

pub async fn set_fulltext(conn: &mut Conn, f: &FullText) -> Result<()> {
    sqlx::query("DELETE FROM fulltexts WHERE citation_id = $1")
        .bind(f.citation.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO fulltexts (citation_id, status, sha256, file_name, reason, decided_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(f.citation.0)
    .bind(&f.status)
    .bind(f.sha256.as_deref())
    .bind(f.file_name.as_deref())
    .bind(f.reason.as_deref())
    .bind(&f.decided_by)
    .bind(&f.at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn fulltexts(conn: &mut Conn, stream: StreamId) -> Result<Vec<FullText>> {
    let rows = sqlx::query(
        "SELECT f.citation_id, f.status, f.sha256, f.file_name, f.reason, f.decided_by, f.at FROM fulltexts f \
         JOIN citations c ON c.id = f.citation_id WHERE c.stream_id = $1 ORDER BY f.citation_id",
    )
    .bind(stream.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(FullText {
                citation: CitationId(r.try_get("citation_id")?),
                status: r.try_get("status")?,
                sha256: r.try_get("sha256")?,
                file_name: r.try_get("file_name")?,
                reason: r.try_get("reason")?,
                decided_by: r.try_get("decided_by")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// Records that a search (of kind `other`) came from a citation's reference list or page.
pub async fn set_search_source(conn: &mut Conn, search: SearchId, citation: CitationId) -> Result<()> {
    sqlx::query("INSERT INTO search_sources (search_id, found_in_citation_id) VALUES ($1, $2)")
        .bind(search.0)
        .bind(citation.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn search_sources(conn: &mut Conn, review: ReviewId) -> Result<Vec<(SearchId, CitationId)>> {
    let rows = sqlx::query(
        "SELECT ss.search_id, ss.found_in_citation_id FROM search_sources ss JOIN searches s ON s.id = ss.search_id WHERE s.review_id = $1",
    )
    .bind(review.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((SearchId(r.try_get(0)?), CitationId(r.try_get(1)?)))).collect()
}

/// The study a label names in a stream, created if new.
pub async fn study(
    conn: &mut Conn,
    review: ReviewId,
    stream: StreamId,
    label: &str,
    at: &str,
) -> Result<StudyId> {
    let existing: Option<i64> =
        sqlx::query_scalar("SELECT id FROM studies WHERE stream_id = $1 AND label = $2")
            .bind(stream.0)
            .bind(label)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(id) = existing {
        return Ok(StudyId(id));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO studies (review_id, stream_id, label, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(review.0)
    .bind(stream.0)
    .bind(label)
    .bind(at)
    .fetch_one(conn)
    .await?;
    Ok(StudyId(id))
}

pub async fn link_report(conn: &mut Conn, citation: CitationId, study: StudyId) -> Result<()> {
    sqlx::query("DELETE FROM study_reports WHERE citation_id = $1")
        .bind(citation.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO study_reports (citation_id, study_id) VALUES ($1, $2)")
        .bind(citation.0)
        .bind(study.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes a report out of whatever study it is linked to.
pub async fn unlink_report(conn: &mut Conn, citation: CitationId) -> Result<()> {
    sqlx::query("DELETE FROM study_reports WHERE citation_id = $1").bind(citation.0).execute(conn).await?;
    Ok(())
}

/// Drops a stream's studies that have no report left.
pub async fn drop_empty_studies(conn: &mut Conn, stream: StreamId) -> Result<()> {
    sqlx::query(
        "DELETE FROM studies WHERE stream_id = $1 \
         AND NOT EXISTS (SELECT 1 FROM study_reports sr WHERE sr.study_id = studies.id)",
    )
    .bind(stream.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// The studies of a stream with their reports.
pub async fn studies(conn: &mut Conn, stream: StreamId) -> Result<Vec<(StudyId, String, Vec<CitationId>)>> {
    let rows = sqlx::query(
        "SELECT s.id, s.label, sr.citation_id FROM studies s LEFT JOIN study_reports sr ON sr.study_id = s.id \
         WHERE s.stream_id = $1 ORDER BY s.id, sr.citation_id",
    )
    .bind(stream.0)
    .fetch_all(conn)
    .await?;
    let mut out: Vec<(StudyId, String, Vec<CitationId>)> = Vec::new();
    for r in rows {
        let id = StudyId(r.try_get(0)?);
        let citation: Option<i64> = r.try_get(2)?;
        if out.last().is_none_or(|(last, _, _)| *last != id) {
            out.push((id, r.try_get(1)?, Vec::new()));
        }
        if let (Some(c), Some(last)) = (citation, out.last_mut()) {
            last.2.push(CitationId(c));
        }
    }
    Ok(out)
}

/// Before citation `gone` is merged into `keep`: moves its votes, resolutions (unless `keep`
/// has one for the same stage), full text, study link and provenance links to `keep`.
pub async fn move_screening(conn: &mut Conn, gone: CitationId, keep: CitationId) -> Result<()> {
    sqlx::query("UPDATE votes SET citation_id = $1 WHERE citation_id = $2")
        .bind(keep.0)
        .bind(gone.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM resolutions WHERE citation_id = $1 AND stage IN (SELECT stage FROM resolutions WHERE citation_id = $2)",
    )
    .bind(gone.0)
    .bind(keep.0)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE resolutions SET citation_id = $1 WHERE citation_id = $2")
        .bind(keep.0)
        .bind(gone.0)
        .execute(&mut *conn)
        .await?;
    let keep_has_fulltext: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM fulltexts WHERE citation_id = $1")
        .bind(keep.0)
        .fetch_one(&mut *conn)
        .await?;
    if keep_has_fulltext > 0 {
        sqlx::query("DELETE FROM fulltexts WHERE citation_id = $1").bind(gone.0).execute(&mut *conn).await?;
    } else {
        sqlx::query("UPDATE fulltexts SET citation_id = $1 WHERE citation_id = $2")
            .bind(keep.0)
            .bind(gone.0)
            .execute(&mut *conn)
            .await?;
    }
    let keep_in_study: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM study_reports WHERE citation_id = $1")
        .bind(keep.0)
        .fetch_one(&mut *conn)
        .await?;
    if keep_in_study > 0 {
        sqlx::query("DELETE FROM study_reports WHERE citation_id = $1")
            .bind(gone.0)
            .execute(&mut *conn)
            .await?;
    } else {
        sqlx::query("UPDATE study_reports SET citation_id = $1 WHERE citation_id = $2")
            .bind(keep.0)
            .bind(gone.0)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE search_sources SET found_in_citation_id = $1 WHERE found_in_citation_id = $2")
        .bind(keep.0)
        .bind(gone.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// What a ranking model reads of each citation of a stream (its canonical record's title,
/// abstract and keywords), in citation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CitationText {
    pub citation: CitationId,
    pub title: String,
    pub abstract_text: String,
    pub keywords: Vec<String>,
}

pub async fn citation_texts(conn: &mut Conn, stream: StreamId) -> Result<Vec<CitationText>> {
    let rows = sqlx::query(
        "SELECT c.id, r.title, r.abstract, r.keywords FROM citations c \
         JOIN records r ON r.id = c.canonical_record_id WHERE c.stream_id = $1 ORDER BY c.id",
    )
    .bind(stream.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let title: Option<String> = r.try_get("title")?;
            let abstract_text: Option<String> = r.try_get("abstract")?;
            let keywords: Option<String> = r.try_get("keywords")?;
            Ok(CitationText {
                citation: CitationId(r.try_get("id")?),
                title: title.unwrap_or_default(),
                abstract_text: abstract_text.unwrap_or_default(),
                keywords: keywords.and_then(|k| serde_json::from_str(&k).ok()).unwrap_or_default(),
            })
        })
        .collect()
}

/// A cheap summary of a stream's citations and their membership, computed in the database
/// without moving rows: citations of the stream (count, largest id), the largest record id
/// (imports), the latest dedup decision (every merge and split is logged there) and the
/// other-methods provenance. When it is unchanged, so is the list `screening_citations`
/// returns, and a caller may keep using a copy.
pub async fn citations_fingerprint(conn: &mut Conn, stream: StreamId) -> Result<[i64; 5]> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, COALESCE(MAX(c.id), 0) AS max_id, \
           (SELECT COALESCE(MAX(id), 0) FROM records) AS max_record, \
           (SELECT COALESCE(MAX(id), 0) FROM dedup_decisions) AS max_decision, \
           (SELECT COUNT(*) FROM search_sources) AS sources \
         FROM citations c WHERE c.stream_id = $1",
    )
    .bind(stream.0)
    .fetch_one(conn)
    .await?;
    Ok([
        row.try_get("n")?,
        row.try_get("max_id")?,
        row.try_get("max_record")?,
        row.try_get("max_decision")?,
        row.try_get("sources")?,
    ])
}
