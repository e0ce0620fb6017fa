//! What reports need beyond records: study-characteristics table specs and meta-analysis
//! specs (kept as the specs the team wrote) and manual flow-diagram counts per stream.

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

/// Where a kind of report spec is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpecKind {
    /// Study-characteristics tables (`report_tables`).
    Table,
    /// Meta-analyses (`report_analyses`).
    Analysis,
}

impl SpecKind {
    /// The table the specs are kept in.
    pub fn table(self) -> &'static str {
        match self {
            SpecKind::Table => "report_tables",
            SpecKind::Analysis => "report_analyses",
        }
    }

    /// One spec of this kind, as a reader names it.
    pub fn noun(self) -> &'static str {
        match self {
            SpecKind::Table => "table",
            SpecKind::Analysis => "analysis",
        }
    }
}

/// Adds a spec of `kind`, or replaces the spec of the same name.
pub async fn set_spec(
    conn: &mut Conn,
    kind: SpecKind,
    review: ReviewId,
    name: &str,
    spec: &str,
    at: &str,
) -> Result<()> {
    let table = kind.table();
    let updated = sqlx::query(&format!("UPDATE {table} SET spec = $1 WHERE review_id = $2 AND name = $3"))
        .bind(spec)
        .bind(review.0)
        .bind(name)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if updated == 0 {
        sqlx::query(&format!(
            "INSERT INTO {table} (review_id, name, spec, created_at) VALUES ($1, $2, $3, $4)"
        ))
        .bind(review.0)
        .bind(name)
        .bind(spec)
        .bind(at)
        .execute(conn)
        .await
        .map_err(|e| {
            StoreError::on_unique(e, || {
                format!(
                    "the review already has {} {} named {name:?}",
                    if kind == SpecKind::Analysis { "an" } else { "a" },
                    kind.noun()
                )
            })
        })?;
    }
    Ok(())
}

/// Removes a spec of `kind`; false when there was none of that name.
pub async fn remove_spec(conn: &mut Conn, kind: SpecKind, review: ReviewId, name: &str) -> Result<bool> {
    let n = sqlx::query(&format!("DELETE FROM {} WHERE review_id = $1 AND name = $2", kind.table()))
        .bind(review.0)
        .bind(name)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(n > 0)
}

/// The review's specs of `kind` in the order they were first added.
pub async fn specs(conn: &mut Conn, kind: SpecKind, review: ReviewId) -> Result<Vec<ReportTable>> {
    let rows =
        sqlx::query(&format!("SELECT id, name, spec FROM {} WHERE review_id = $1 ORDER BY id", kind.table()))
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
