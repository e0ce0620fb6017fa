//! Citations (duplicate clusters), deduplication decisions and the queue of possible pairs.

use sift_domain::{CitationId, PairId, RecordId, ReviewId, StreamId};
use sqlx::Row;

use crate::{Conn, Result, StoreError};

/// Which citation each record of a stream belongs to (records not yet deduplicated are absent).
pub async fn membership(conn: &mut Conn, stream: StreamId) -> Result<Vec<(RecordId, CitationId)>> {
    let rows = sqlx::query(
        "SELECT cr.record_id, cr.citation_id FROM citation_records cr JOIN citations c ON c.id = cr.citation_id \
         WHERE c.stream_id = $1 ORDER BY cr.record_id",
    )
    .bind(stream.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((RecordId(r.try_get(0)?), CitationId(r.try_get(1)?)))).collect()
}

/// The canonical record of each citation of a stream.
pub async fn canonical_records(conn: &mut Conn, stream: StreamId) -> Result<Vec<(CitationId, RecordId)>> {
    let rows = sqlx::query("SELECT id, canonical_record_id FROM citations WHERE stream_id = $1 ORDER BY id")
        .bind(stream.0)
        .fetch_all(conn)
        .await?;
    rows.iter().map(|r| Ok((CitationId(r.try_get(0)?), RecordId(r.try_get(1)?)))).collect()
}

pub async fn insert_citation(
    conn: &mut Conn,
    review: ReviewId,
    stream: StreamId,
    canonical: RecordId,
    at: &str,
) -> Result<CitationId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO citations (review_id, stream_id, canonical_record_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(review.0)
    .bind(stream.0)
    .bind(canonical.0)
    .bind(at)
    .fetch_one(conn)
    .await?;
    Ok(CitationId(id))
}

/// Puts a record in a citation (moving it if it was in another).
pub async fn assign(conn: &mut Conn, record: RecordId, citation: CitationId) -> Result<()> {
    let moved = sqlx::query("UPDATE citation_records SET citation_id = $1 WHERE record_id = $2")
        .bind(citation.0)
        .bind(record.0)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if moved == 0 {
        sqlx::query("INSERT INTO citation_records (record_id, citation_id) VALUES ($1, $2)")
            .bind(record.0)
            .bind(citation.0)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn set_canonical(conn: &mut Conn, citation: CitationId, record: RecordId) -> Result<()> {
    sqlx::query("UPDATE citations SET canonical_record_id = $1 WHERE id = $2")
        .bind(record.0)
        .bind(citation.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes citations of a stream that no longer hold any record (after merges).
pub async fn delete_empty_citations(conn: &mut Conn, stream: StreamId) -> Result<u64> {
    let deleted = sqlx::query(
        "DELETE FROM citations WHERE stream_id = $1 AND NOT EXISTS (SELECT 1 FROM citation_records cr WHERE cr.citation_id = citations.id)",
    )
    .bind(stream.0)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(deleted)
}

/// One logged deduplication decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// `merge` and `split` (what happened to citations), or `same` / `different` (a
    /// person's judgement of a pair).
    pub kind: String,
    pub record_a: RecordId,
    pub record_b: RecordId,
    pub decided_by: String,
    pub automatic: bool,
    pub rule: Option<String>,
    pub score: Option<f64>,
    pub at: String,
}

pub async fn insert_decision(
    conn: &mut Conn,
    review: ReviewId,
    stream: StreamId,
    d: &Decision,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO dedup_decisions (review_id, stream_id, kind, record_a, record_b, decided_by, automatic, rule, score, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(review.0)
    .bind(stream.0)
    .bind(&d.kind)
    .bind(d.record_a.0)
    .bind(d.record_b.0)
    .bind(&d.decided_by)
    .bind(i64::from(d.automatic))
    .bind(d.rule.as_deref())
    .bind(d.score)
    .bind(&d.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every decision of a stream, oldest first.
pub async fn decisions(conn: &mut Conn, stream: StreamId) -> Result<Vec<Decision>> {
    let rows = sqlx::query(
        "SELECT kind, record_a, record_b, decided_by, automatic, rule, score, at FROM dedup_decisions WHERE stream_id = $1 ORDER BY id",
    )
    .bind(stream.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            let automatic: i64 = r.try_get("automatic")?;
            Ok(Decision {
                kind: r.try_get("kind")?,
                record_a: RecordId(r.try_get("record_a")?),
                record_b: RecordId(r.try_get("record_b")?),
                decided_by: r.try_get("decided_by")?,
                automatic: automatic != 0,
                rule: r.try_get("rule")?,
                score: r.try_get("score")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
}

/// A possible duplicate pair.
#[derive(Clone, Debug, PartialEq)]
pub struct QueuedPair {
    pub id: PairId,
    pub stream: StreamId,
    pub record_a: RecordId,
    pub record_b: RecordId,
    pub score: f64,
    pub rule: String,
    /// `pending`, `same` or `different`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
}

/// Queues a pair unless it is queued (or was decided) already. Returns whether it is new.
pub async fn queue_pair(
    conn: &mut Conn,
    review: ReviewId,
    stream: StreamId,
    (a, b): (RecordId, RecordId),
    score: f64,
    rule: &str,
    at: &str,
) -> Result<bool> {
    let (a, b) = if a.0 <= b.0 { (a, b) } else { (b, a) };
    let inserted = sqlx::query(
        "INSERT INTO dedup_queue (review_id, stream_id, record_a, record_b, score, rule, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT (stream_id, record_a, record_b) DO NOTHING",
    )
    .bind(review.0)
    .bind(stream.0)
    .bind(a.0)
    .bind(b.0)
    .bind(score)
    .bind(rule)
    .bind(at)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}

const PAIR_COLUMNS: &str = "id, stream_id, record_a, record_b, score, rule, status, decided_by, decided_at";

fn pair_from_row(r: &sqlx::any::AnyRow) -> Result<QueuedPair> {
    Ok(QueuedPair {
        id: PairId(r.try_get("id")?),
        stream: StreamId(r.try_get("stream_id")?),
        record_a: RecordId(r.try_get("record_a")?),
        record_b: RecordId(r.try_get("record_b")?),
        score: r.try_get("score")?,
        rule: r.try_get("rule")?,
        status: r.try_get("status")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
    })
}

/// Queued pairs of a stream with the given status, best score first.
pub async fn queued_pairs(conn: &mut Conn, stream: StreamId, status: &str) -> Result<Vec<QueuedPair>> {
    let rows = sqlx::query(&format!(
        "SELECT {PAIR_COLUMNS} FROM dedup_queue WHERE stream_id = $1 AND status = $2 ORDER BY score DESC, id"
    ))
    .bind(stream.0)
    .bind(status)
    .fetch_all(conn)
    .await?;
    rows.iter().map(pair_from_row).collect()
}

pub async fn pair_by_id(conn: &mut Conn, review: ReviewId, id: PairId) -> Result<QueuedPair> {
    let row =
        sqlx::query(&format!("SELECT {PAIR_COLUMNS} FROM dedup_queue WHERE review_id = $1 AND id = $2"))
            .bind(review.0)
            .bind(id.0)
            .fetch_optional(conn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: "pair", key: id.to_string() })?;
    pair_from_row(&row)
}

pub async fn decide_pair(conn: &mut Conn, id: PairId, status: &str, by: &str, at: &str) -> Result<()> {
    sqlx::query("UPDATE dedup_queue SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4")
        .bind(status)
        .bind(by)
        .bind(at)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Drops pending pairs whose two records now sit in one citation (nothing left to decide).
pub async fn drop_settled_pairs(conn: &mut Conn, stream: StreamId) -> Result<u64> {
    let n = sqlx::query(
        "DELETE FROM dedup_queue WHERE stream_id = $1 AND status = 'pending' AND \
         (SELECT citation_id FROM citation_records WHERE record_id = record_a) = \
         (SELECT citation_id FROM citation_records WHERE record_id = record_b)",
    )
    .bind(stream.0)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n)
}

/// For each citation of a stream, the sources (search `source` names) its records came from.
pub async fn citation_sources(conn: &mut Conn, stream: StreamId) -> Result<Vec<(CitationId, String)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT cr.citation_id, s.source FROM citation_records cr JOIN records r ON r.id = cr.record_id \
         JOIN searches s ON s.id = r.search_id JOIN citations c ON c.id = cr.citation_id WHERE c.stream_id = $1 \
         ORDER BY cr.citation_id, s.source",
    )
    .bind(stream.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((CitationId(r.try_get(0)?), r.try_get(1)?))).collect()
}

/// Records of a stream's database and register searches that are in no citation yet.
pub async fn undeduplicated_records(conn: &mut Conn, stream: StreamId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM records r JOIN searches s ON s.id = r.search_id WHERE s.stream_id = $1 AND s.kind <> 'other' \
         AND NOT EXISTS (SELECT 1 FROM citation_records cr WHERE cr.record_id = r.id)",
    )
    .bind(stream.0)
    .fetch_one(conn)
    .await?)
}
