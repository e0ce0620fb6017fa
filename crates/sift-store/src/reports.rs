//! What reports need beyond records: study-characteristics table specs (kept as the text the
//! team wrote) and manual flow-diagram counts per stream.

use sift_domain::{ReviewId, StreamId};
use sqlx::Row;

use crate::{Conn, Result, StoreError};

/// A stored table spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportTable {
    pub id: i64,
    pub name: String,
    pub spec: String,
}

/// Adds a table spec, or replaces the spec of the table with the same name.
pub async fn set_table(conn: &mut Conn, review: ReviewId, name: &str, spec: &str, at: &str) -> Result<()> {
    let updated = sqlx::query("UPDATE report_tables SET spec = $1 WHERE review_id = $2 AND name = $3")
        .bind(spec)
        .bind(review.0)
        .bind(name)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if updated == 0 {
        sqlx::query("INSERT INTO report_tables (review_id, name, spec, created_at) VALUES ($1, $2, $3, $4)")
            .bind(review.0)
            .bind(name)
            .bind(spec)
            .bind(at)
            .execute(conn)
            .await
            .map_err(|e| {
                StoreError::on_unique(e, || format!("the review already has a table named {name:?}"))
            })?;
    }
    Ok(())
}

/// Removes a table spec; false when there was none of that name.
pub async fn remove_table(conn: &mut Conn, review: ReviewId, name: &str) -> Result<bool> {
    let n = sqlx::query("DELETE FROM report_tables WHERE review_id = $1 AND name = $2")
        .bind(review.0)
        .bind(name)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// The review's table specs in the order they were first added.
pub async fn tables(conn: &mut Conn, review: ReviewId) -> Result<Vec<ReportTable>> {
    let rows = sqlx::query("SELECT id, name, spec FROM report_tables WHERE review_id = $1 ORDER BY id")
        .bind(review.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| Ok(ReportTable { id: r.try_get(0)?, name: r.try_get(1)?, spec: r.try_get(2)? }))
        .collect()
}

/// Stores (or, with `None`, removes) a stream's manual flow counts, as the text given.
pub async fn set_flow_counts(
    conn: &mut Conn,
    stream: StreamId,
    counts: Option<&str>,
    given_by: &str,
    at: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM flow_counts WHERE stream_id = $1").bind(stream.0).execute(&mut *conn).await?;
    if let Some(counts) = counts {
        sqlx::query("INSERT INTO flow_counts (stream_id, counts, given_by, at) VALUES ($1, $2, $3, $4)")
            .bind(stream.0)
            .bind(counts)
            .bind(given_by)
            .bind(at)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A stream's manual flow counts, when given.
pub async fn flow_counts(conn: &mut Conn, stream: StreamId) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT counts FROM flow_counts WHERE stream_id = $1")
        .bind(stream.0)
        .fetch_optional(conn)
        .await?)
}
