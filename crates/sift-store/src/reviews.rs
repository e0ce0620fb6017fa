//! Reviews, their streams, and the audit log of changes to them.

use sift_domain::{Review, ReviewId, ReviewType, Stream, StreamId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::sql::flag;
use crate::{Conn, Result, StoreError};

/// What a new review needs.
#[derive(Clone, Debug)]
pub struct NewReview<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub review_type: ReviewType,
    pub question: Option<&'a str>,
    pub created_at: &'a str,
}

pub async fn insert_review(conn: &mut Conn, new: &NewReview<'_>) -> Result<ReviewId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO reviews (slug, title, review_type, question, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(new.slug)
    .bind(new.title)
    .bind(new.review_type.as_str())
    .bind(new.question)
    .bind(new.created_at)
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::on_unique(e, || format!("a review named {:?} already exists", new.slug)))?;
    Ok(ReviewId(id))
}

/// Changes a review's title, type and question (its slug stays: addresses and files use it).
pub async fn update_review(
    conn: &mut Conn,
    id: ReviewId,
    title: &str,
    review_type: ReviewType,
    question: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE reviews SET title = $1, review_type = $2, question = $3 WHERE id = $4")
        .bind(title)
        .bind(review_type.as_str())
        .bind(question)
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

const REVIEW_COLUMNS: &str = "id, slug, title, review_type, question, created_at";

fn review_from_row(row: &AnyRow) -> Result<Review> {
    let review_type: String = row.try_get("review_type")?;
    Ok(Review {
        id: ReviewId(row.try_get("id")?),
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        review_type: review_type
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("reviews.review_type: {e}")))?,
        question: row.try_get("question")?,
        created_at: row.try_get("created_at")?,
    })
}

pub async fn list_reviews(conn: &mut Conn) -> Result<Vec<Review>> {
    let rows =
        sqlx::query(&format!("SELECT {REVIEW_COLUMNS} FROM reviews ORDER BY id")).fetch_all(conn).await?;
    rows.iter().map(review_from_row).collect()
}

pub async fn review_by_slug(conn: &mut Conn, slug: &str) -> Result<Review> {
    let row = sqlx::query(&format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "review", key: slug.to_string() })?;
    review_from_row(&row)
}

pub async fn review_by_id(conn: &mut Conn, id: ReviewId) -> Result<Review> {
    let row = sqlx::query(&format!("SELECT {REVIEW_COLUMNS} FROM reviews WHERE id = $1"))
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "review", key: id.to_string() })?;
    review_from_row(&row)
}

pub async fn insert_stream(
    conn: &mut Conn,
    review: ReviewId,
    name: &str,
    description: Option<&str>,
    is_default: bool,
    created_at: &str,
) -> Result<StreamId> {
    let position: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM streams WHERE review_id = $1")
        .bind(review.0)
        .fetch_one(&mut *conn)
        .await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO streams (review_id, name, description, is_default, position, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(review.0)
    .bind(name)
    .bind(description)
    .bind(flag(is_default))
    .bind(position)
    .bind(created_at)
    .fetch_one(conn)
    .await
    .map_err(|e| StoreError::on_unique(e, || format!("the review already has a stream named {name:?}")))?;
    Ok(StreamId(id))
}

fn stream_from_row(row: &AnyRow) -> Result<Stream> {
    let is_default: i64 = row.try_get("is_default")?;
    Ok(Stream {
        id: StreamId(row.try_get("id")?),
        review_id: ReviewId(row.try_get("review_id")?),
        name: row.try_get("name")?,
        description: row.try_get("description")?,
        is_default: is_default != 0,
    })
}

pub async fn list_streams(conn: &mut Conn, review: ReviewId) -> Result<Vec<Stream>> {
    let rows = sqlx::query(
        "SELECT id, review_id, name, description, is_default FROM streams WHERE review_id = $1 ORDER BY position, id",
    )
    .bind(review.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(stream_from_row).collect()
}

/// Appends one entry to the audit log. `detail` is a JSON document.
/// The id of the review's latest event: every change appends one, so while it stands still
/// nothing in the review has changed.
pub async fn latest_event(conn: &mut Conn, review: ReviewId) -> Result<i64> {
    let id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM events WHERE review_id = $1")
        .bind(review.0)
        .fetch_one(conn)
        .await?;
    Ok(id.unwrap_or(0))
}

pub async fn append_event(
    conn: &mut Conn,
    review: ReviewId,
    at: &str,
    actor: &str,
    kind: &str,
    subject: Option<&str>,
    detail: &serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO events (review_id, at, actor, kind, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(review.0)
    .bind(at)
    .bind(actor)
    .bind(kind)
    .bind(subject)
    .bind(detail.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

/// One entry of the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub subject: Option<String>,
    pub detail: serde_json::Value,
}

pub async fn list_events(conn: &mut Conn, review: ReviewId) -> Result<Vec<Event>> {
    let rows =
        sqlx::query("SELECT at, actor, kind, subject, detail FROM events WHERE review_id = $1 ORDER BY id")
            .bind(review.0)
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| {
            let detail: String = row.try_get("detail")?;
            Ok(Event {
                at: row.try_get("at")?,
                actor: row.try_get("actor")?,
                kind: row.try_get("kind")?,
                subject: row.try_get("subject")?,
                detail: serde_json::from_str(&detail)
                    .map_err(|e| StoreError::Corrupt(format!("events.detail: {e}")))?,
            })
        })
        .collect()
}
