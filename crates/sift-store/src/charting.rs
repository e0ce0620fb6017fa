//! Extraction forms, charted values, consensus values, appraisals and levels of evidence.

use std::collections::BTreeMap;

use sift_domain::charting::Form;
use sift_domain::{CitationId, MemberId, ReviewId};
use sqlx::Row;

use crate::{Conn, Result, StoreError};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub use sift_domain::charting::Values;

pub async fn insert_form(conn: &mut Conn, review: ReviewId, form: &Form, at: &str) -> Result<i64> {
    let definition = serde_json::to_string(form).map_err(|e| corrupt("form", e))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO forms (review_id, name, definition, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(review.0)
    .bind(&form.name)
    .bind(definition)
    .bind(at)
    .fetch_one(conn)
    .await
    .map_err(|e| {
        StoreError::on_unique(e, || format!("the review already has a form named {:?}", form.name))
    })?;
    Ok(id)
}

pub async fn forms(conn: &mut Conn, review: ReviewId) -> Result<Vec<(i64, Form)>> {
    let rows = sqlx::query("SELECT id, definition FROM forms WHERE review_id = $1 ORDER BY id")
        .bind(review.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let definition: String = r.try_get(1)?;
            Ok((
                r.try_get(0)?,
                serde_json::from_str(&definition).map_err(|e| corrupt("forms.definition", e))?,
            ))
        })
        .collect()
}

/// Stores a charter's values for one citation (replacing their earlier values).
#[allow(clippy::too_many_arguments)]
pub async fn set_extraction(
    conn: &mut Conn,
    review: ReviewId,
    form: i64,
    citation: CitationId,
    charter: MemberId,
    values: &Values,
    complete: bool,
    at: &str,
) -> Result<()> {
    let json = serde_json::to_string(values).map_err(|e| corrupt("values", e))?;
    sqlx::query("DELETE FROM extractions WHERE form_id = $1 AND citation_id = $2 AND charter_id = $3")
        .bind(form)
        .bind(citation.0)
        .bind(charter.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO extractions (review_id, form_id, citation_id, charter_id, field_values, complete, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(review.0)
    .bind(form)
    .bind(citation.0)
    .bind(charter.0)
    .bind(json)
    .bind(i64::from(complete))
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One charter's values.
#[derive(Clone, Debug, PartialEq)]
pub struct Extraction {
    pub citation: CitationId,
    pub charter: MemberId,
    pub values: Values,
    pub complete: bool,
    pub at: String,
}

pub async fn extractions(conn: &mut Conn, form: i64) -> Result<Vec<Extraction>> {
    let rows = sqlx::query("SELECT citation_id, charter_id, field_values, complete, at FROM extractions WHERE form_id = $1 ORDER BY id")
        .bind(form)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let values: String = r.try_get(2)?;
            let complete: i64 = r.try_get(3)?;
            Ok(Extraction {
                citation: CitationId(r.try_get(0)?),
                charter: MemberId(r.try_get(1)?),
                values: serde_json::from_str(&values).map_err(|e| corrupt("extractions.field_values", e))?,
                complete: complete != 0,
                at: r.try_get(4)?,
            })
        })
        .collect()
}

pub async fn set_consensus(
    conn: &mut Conn,
    form: i64,
    citation: CitationId,
    values: &Values,
    by: &str,
    at: &str,
) -> Result<()> {
    let json = serde_json::to_string(values).map_err(|e| corrupt("values", e))?;
    sqlx::query("DELETE FROM consensus WHERE form_id = $1 AND citation_id = $2")
        .bind(form)
        .bind(citation.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO consensus (form_id, citation_id, field_values, decided_by, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(form)
        .bind(citation.0)
        .bind(json)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn consensus(conn: &mut Conn, form: i64) -> Result<BTreeMap<CitationId, Values>> {
    let rows = sqlx::query("SELECT citation_id, field_values FROM consensus WHERE form_id = $1")
        .bind(form)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let values: String = r.try_get(1)?;
            Ok((
                CitationId(r.try_get(0)?),
                serde_json::from_str(&values).map_err(|e| corrupt("consensus.field_values", e))?,
            ))
        })
        .collect()
}

pub async fn set_appraisal(
    conn: &mut Conn,
    review: ReviewId,
    citation: CitationId,
    tool: &str,
    appraiser: &str,
    appraisal: &sift_domain::appraisal::Appraisal,
    at: &str,
) -> Result<()> {
    let json = serde_json::to_string(appraisal).map_err(|e| corrupt("appraisal", e))?;
    sqlx::query("DELETE FROM appraisals WHERE citation_id = $1 AND tool = $2 AND appraiser = $3")
        .bind(citation.0)
        .bind(tool)
        .bind(appraiser)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO appraisals (review_id, citation_id, tool, appraiser, appraisal, at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(review.0)
        .bind(citation.0)
        .bind(tool)
        .bind(appraiser)
        .bind(json)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds (or replaces) a review's own appraisal tool.
pub async fn set_appraisal_tool(
    conn: &mut Conn,
    review: ReviewId,
    tool: &sift_domain::appraisal::Tool,
    at: &str,
) -> Result<()> {
    let json = serde_json::to_string(tool).map_err(|e| corrupt("appraisal tool", e))?;
    sqlx::query("DELETE FROM appraisal_tools WHERE review_id = $1 AND tool_key = $2")
        .bind(review.0)
        .bind(&tool.key)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO appraisal_tools (review_id, tool_key, definition, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(review.0)
    .bind(&tool.key)
    .bind(json)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A review's own appraisal tools, in the order they were added.
pub async fn appraisal_tools(conn: &mut Conn, review: ReviewId) -> Result<Vec<sift_domain::appraisal::Tool>> {
    let rows = sqlx::query("SELECT definition FROM appraisal_tools WHERE review_id = $1 ORDER BY id")
        .bind(review.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let json: String = r.try_get(0)?;
            serde_json::from_str(&json).map_err(|e| corrupt("appraisal_tools.definition", e))
        })
        .collect()
}

/// Every appraisal of a review: (citation, tool, appraiser, appraisal).
pub async fn appraisals(
    conn: &mut Conn,
    review: ReviewId,
) -> Result<Vec<(CitationId, String, String, sift_domain::appraisal::Appraisal)>> {
    let rows = sqlx::query("SELECT citation_id, tool, appraiser, appraisal FROM appraisals WHERE review_id = $1 ORDER BY citation_id, tool, appraiser")
        .bind(review.0)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|r| {
            let json: String = r.try_get(3)?;
            Ok((
                CitationId(r.try_get(0)?),
                r.try_get(1)?,
                r.try_get(2)?,
                serde_json::from_str(&json).map_err(|e| corrupt("appraisals.appraisal", e))?,
            ))
        })
        .collect()
}

pub async fn set_level(
    conn: &mut Conn,
    citation: CitationId,
    system: &str,
    level: &str,
    by: &str,
    at: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM evidence_levels WHERE citation_id = $1")
        .bind(citation.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO evidence_levels (citation_id, system, level, decided_by, at) VALUES ($1, $2, $3, $4, $5)")
        .bind(citation.0)
        .bind(system)
        .bind(level)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn levels(conn: &mut Conn, review: ReviewId) -> Result<BTreeMap<CitationId, (String, String)>> {
    let rows = sqlx::query(
        "SELECT e.citation_id, e.system, e.level FROM evidence_levels e JOIN citations c ON c.id = e.citation_id WHERE c.review_id = $1",
    )
    .bind(review.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok((CitationId(r.try_get(0)?), (r.try_get(1)?, r.try_get(2)?)))).collect()
}
