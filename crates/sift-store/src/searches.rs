//! Searches, the files imported for them, and what the readers said about those files.

use std::collections::HashMap;

use sift_domain::{ImportFileId, ReviewId, Search, SearchId, SearchKind, StreamId};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Conn, Result, StoreError};

/// What a new search needs.
#[derive(Clone, Debug)]
pub struct NewSearch<'a> {
    pub review: ReviewId,
    pub stream: StreamId,
    pub source: &'a str,
    pub kind: SearchKind,
    pub platform: Option<&'a str>,
    pub query: Option<&'a str>,
    pub run_date: Option<&'a str>,
    pub limits: Option<&'a str>,
    pub hits_reported: Option<i64>,
    pub updates: Option<SearchId>,
    pub created_at: &'a str,
    pub created_by: &'a str,
}

pub async fn insert_search(conn: &mut Conn, new: &NewSearch<'_>) -> Result<SearchId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO searches (review_id, stream_id, source, kind, platform, query, run_date, limits, hits_reported, updates_search_id, created_at, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
    )
    .bind(new.review.0)
    .bind(new.stream.0)
    .bind(new.source)
    .bind(new.kind.as_str())
    .bind(new.platform)
    .bind(new.query)
    .bind(new.run_date)
    .bind(new.limits)
    .bind(new.hits_reported)
    .bind(new.updates.map(|s| s.0))
    .bind(new.created_at)
    .bind(new.created_by)
    .fetch_one(conn)
    .await?;
    Ok(SearchId(id))
}

const SEARCH_COLUMNS: &str = "id, review_id, stream_id, source, kind, platform, query, run_date, limits, hits_reported, updates_search_id, created_at";

fn search_from_row(row: &AnyRow) -> Result<Search> {
    let kind: String = row.try_get("kind")?;
    let updates: Option<i64> = row.try_get("updates_search_id")?;
    Ok(Search {
        id: SearchId(row.try_get("id")?),
        review_id: ReviewId(row.try_get("review_id")?),
        stream_id: StreamId(row.try_get("stream_id")?),
        source: row.try_get("source")?,
        kind: kind.parse::<SearchKind>().map_err(|e| StoreError::Corrupt(format!("searches.kind: {e}")))?,
        platform: row.try_get("platform")?,
        query: row.try_get("query")?,
        run_date: row.try_get("run_date")?,
        limits: row.try_get("limits")?,
        hits_reported: row.try_get("hits_reported")?,
        updates: updates.map(SearchId),
        created_at: row.try_get("created_at")?,
    })
}

/// The searches of a review, oldest first; only those of `stream` when given.
pub async fn list_searches(
    conn: &mut Conn,
    review: ReviewId,
    stream: Option<StreamId>,
) -> Result<Vec<Search>> {
    let rows = match stream {
        Some(stream) => {
            sqlx::query(&format!(
                "SELECT {SEARCH_COLUMNS} FROM searches WHERE review_id = $1 AND stream_id = $2 ORDER BY id"
            ))
            .bind(review.0)
            .bind(stream.0)
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query(&format!("SELECT {SEARCH_COLUMNS} FROM searches WHERE review_id = $1 ORDER BY id"))
                .bind(review.0)
                .fetch_all(conn)
                .await?
        }
    };
    rows.iter().map(search_from_row).collect()
}

pub async fn search_by_id(conn: &mut Conn, review: ReviewId, id: SearchId) -> Result<Search> {
    let row = sqlx::query(&format!("SELECT {SEARCH_COLUMNS} FROM searches WHERE review_id = $1 AND id = $2"))
        .bind(review.0)
        .bind(id.0)
        .fetch_optional(conn)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: "search", key: id.to_string() })?;
    search_from_row(&row)
}

/// One file imported for a search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportFile {
    pub id: ImportFileId,
    pub search: SearchId,
    pub file_name: String,
    pub format: String,
    pub encoding: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub n_records: i64,
    pub imported_at: String,
}

pub async fn insert_import_file(conn: &mut Conn, file: &ImportFile) -> Result<ImportFileId> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO import_files (search_id, file_name, format, encoding, sha256, size_bytes, n_records, imported_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(file.search.0)
    .bind(&file.file_name)
    .bind(&file.format)
    .bind(&file.encoding)
    .bind(&file.sha256)
    .bind(file.size_bytes)
    .bind(file.n_records)
    .bind(&file.imported_at)
    .fetch_one(conn)
    .await?;
    Ok(ImportFileId(id))
}

/// Records what reading a file found: format, encoding, digest, size and record count.
pub async fn update_import_file(conn: &mut Conn, file: &ImportFile) -> Result<()> {
    sqlx::query(
        "UPDATE import_files SET format = $1, encoding = $2, sha256 = $3, size_bytes = $4, n_records = $5 WHERE id = $6",
    )
    .bind(&file.format)
    .bind(&file.encoding)
    .bind(&file.sha256)
    .bind(file.size_bytes)
    .bind(file.n_records)
    .bind(file.id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// The files of every search of a review, keyed by search.
pub async fn import_files(conn: &mut Conn, review: ReviewId) -> Result<HashMap<SearchId, Vec<ImportFile>>> {
    let rows = sqlx::query(
        "SELECT f.id, f.search_id, f.file_name, f.format, f.encoding, f.sha256, f.size_bytes, f.n_records, f.imported_at \
         FROM import_files f JOIN searches s ON s.id = f.search_id WHERE s.review_id = $1 ORDER BY f.id",
    )
    .bind(review.0)
    .fetch_all(conn)
    .await?;
    let mut by_search: HashMap<SearchId, Vec<ImportFile>> = HashMap::new();
    for row in rows {
        let file = ImportFile {
            id: ImportFileId(row.try_get("id")?),
            search: SearchId(row.try_get("search_id")?),
            file_name: row.try_get("file_name")?,
            format: row.try_get("format")?,
            encoding: row.try_get("encoding")?,
            sha256: row.try_get("sha256")?,
            size_bytes: row.try_get("size_bytes")?,
            n_records: row.try_get("n_records")?,
            imported_at: row.try_get("imported_at")?,
        };
        by_search.entry(file.search).or_default().push(file);
    }
    Ok(by_search)
}

/// A reader's finding about an imported file, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDiagnostic {
    pub file: ImportFileId,
    pub severity: String,
    pub line: Option<i64>,
    pub tag: Option<String>,
    pub message: String,
    pub count: i64,
}

pub async fn insert_diagnostics(conn: &mut Conn, diagnostics: &[StoredDiagnostic]) -> Result<()> {
    for d in diagnostics {
        sqlx::query(
            "INSERT INTO import_diagnostics (import_file_id, severity, line, tag, message, count) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(d.file.0)
        .bind(&d.severity)
        .bind(d.line)
        .bind(d.tag.as_deref())
        .bind(&d.message)
        .bind(d.count)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Every stored diagnostic of a review's imports, in file order.
pub async fn diagnostics(conn: &mut Conn, review: ReviewId) -> Result<Vec<StoredDiagnostic>> {
    let rows = sqlx::query(
        "SELECT d.import_file_id, d.severity, d.line, d.tag, d.message, d.count FROM import_diagnostics d \
         JOIN import_files f ON f.id = d.import_file_id JOIN searches s ON s.id = f.search_id \
         WHERE s.review_id = $1 ORDER BY d.import_file_id, d.id",
    )
    .bind(review.0)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(StoredDiagnostic {
                file: ImportFileId(row.try_get("import_file_id")?),
                severity: row.try_get("severity")?,
                line: row.try_get("line")?,
                tag: row.try_get("tag")?,
                message: row.try_get("message")?,
                count: row.try_get("count")?,
            })
        })
        .collect()
}

/// Records imported per search of a review.
pub async fn record_counts(conn: &mut Conn, review: ReviewId) -> Result<HashMap<SearchId, i64>> {
    let rows =
        sqlx::query("SELECT search_id, COUNT(*) AS n FROM records WHERE review_id = $1 GROUP BY search_id")
            .bind(review.0)
            .fetch_all(conn)
            .await?;
    rows.iter().map(|row| Ok((SearchId(row.try_get("search_id")?), row.try_get("n")?))).collect()
}

/// Per search, its records merged into a citation whose kept (canonical) record is another:
/// the duplicates that search's export added.
pub async fn duplicate_counts(conn: &mut Conn, review: ReviewId) -> Result<HashMap<SearchId, i64>> {
    let rows = sqlx::query(
        "SELECT r.search_id, COUNT(*) AS n FROM records r \
         JOIN citation_records cr ON cr.record_id = r.id \
         JOIN citations c ON c.id = cr.citation_id \
         WHERE r.review_id = $1 AND c.canonical_record_id <> r.id GROUP BY r.search_id",
    )
    .bind(review.0)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|row| Ok((SearchId(row.try_get("search_id")?), row.try_get("n")?))).collect()
}
