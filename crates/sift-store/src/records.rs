//! Imported records: written once in bulk, never edited, read back with filters.

use sift_domain::{Author, ImportFileId, RecordId, Reference, ReviewId, SearchId, StreamId, WorkType};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::sql::{Arg, Conditions, bind_all, bind_all_scalar};
use crate::{Conn, Result, StoreError};

/// One record to store.
#[derive(Clone, Copy, Debug)]
pub struct NewRecord<'a> {
    pub reference: &'a Reference,
    pub raw: &'a str,
    pub file_index: u32,
    pub file_line: u32,
    pub source_id: Option<&'a str>,
    pub extra: &'a [(String, String)],
}

/// A stored record with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRecord {
    pub id: RecordId,
    pub review: ReviewId,
    pub search: SearchId,
    pub import_file: ImportFileId,
    pub file_name: String,
    pub file_index: u32,
    pub file_line: u32,
    pub source_id: Option<String>,
    pub reference: Reference,
    pub extra: Vec<(String, String)>,
    /// Empty unless asked for: raw text can be large.
    pub raw: String,
}

const INSERT_COLUMNS: &str = "review_id, search_id, import_file_id, file_index, file_line, source_id, work_type, title, abstract, authors, year, journal, journal_abbrev, volume, issue, pages, doi, pmid, pmcid, issn, isbn, publisher, language, publication_types, keywords, url, extra, raw";
const N_INSERT_COLUMNS: usize = 28;
/// Rows per INSERT statement. Every statement is a round trip to sqlx's SQLite worker thread
/// (two context switches), which makes one row per statement twice as slow; but SQLite binds
/// `$N` parameters by name in time that grows with their square, which makes hundreds of rows
/// per statement slow too. 16 rows (448 parameters) is the measured sweet spot (`bench/`).
/// PostgreSQL pays a network round trip per statement, so it gets more.
fn rows_per_insert(conn: &Conn) -> usize {
    if conn.backend_name() == "PostgreSQL" { 64 } else { 16 }
}

/// Stores records of one imported file, in multi-row statements.
pub async fn insert_records(
    conn: &mut Conn,
    review: ReviewId,
    search: SearchId,
    file: ImportFileId,
    records: &[NewRecord<'_>],
) -> Result<()> {
    let rows = rows_per_insert(conn);
    for chunk in records.chunks(rows) {
        let mut sql = format!("INSERT INTO records ({INSERT_COLUMNS}) VALUES ");
        for row in 0..chunk.len() {
            if row > 0 {
                sql.push(',');
            }
            sql.push('(');
            for column in 0..N_INSERT_COLUMNS {
                if column > 0 {
                    sql.push(',');
                }
                sql.push('$');
                sql.push_str(&(row * N_INSERT_COLUMNS + column + 1).to_string());
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for record in chunk {
            let r = record.reference;
            query = query
                .bind(review.0)
                .bind(search.0)
                .bind(file.0)
                .bind(i64::from(record.file_index))
                .bind(i64::from(record.file_line))
                .bind(record.source_id.map(clean))
                .bind(r.work_type.as_str())
                .bind(r.title.as_deref().map(clean))
                .bind(r.abstract_text.as_deref().map(clean))
                .bind(authors_json(&r.authors))
                .bind(r.year.map(i64::from))
                .bind(r.journal.as_deref().map(clean))
                .bind(r.journal_abbrev.as_deref().map(clean))
                .bind(r.volume.as_deref().map(clean))
                .bind(r.issue.as_deref().map(clean))
                .bind(r.pages.as_deref().map(clean))
                .bind(r.doi.as_deref().map(clean))
                .bind(r.pmid.as_deref().map(clean))
                .bind(r.pmcid.as_deref().map(clean))
                .bind(r.issn.as_deref().map(clean))
                .bind(r.isbn.as_deref().map(clean))
                .bind(r.publisher.as_deref().map(clean))
                .bind(r.language.as_deref().map(clean))
                .bind(strings_json(&r.publication_types))
                .bind(strings_json(&r.keywords))
                .bind(r.url.as_deref().map(clean))
                .bind(pairs_json(record.extra))
                .bind(clean(record.raw));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// PostgreSQL text cannot hold NUL; a stray one in an export becomes U+FFFD on both backends.
fn clean(text: &str) -> String {
    if text.contains('\0') { text.replace('\0', "\u{fffd}") } else { text.to_string() }
}

fn authors_json(authors: &[Author]) -> String {
    let pairs: Vec<(&str, Option<&str>)> =
        authors.iter().map(|a| (a.family.as_str(), a.given.as_deref())).collect();
    clean(&serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".into()))
}

fn strings_json(items: &[String]) -> String {
    clean(&serde_json::to_string(items).unwrap_or_else(|_| "[]".into()))
}

fn pairs_json(items: &[(String, String)]) -> String {
    clean(&serde_json::to_string(items).unwrap_or_else(|_| "[]".into()))
}

/// Which records to read.
#[derive(Clone, Debug, Default)]
pub struct RecordFilter {
    pub stream: Option<StreamId>,
    pub search: Option<SearchId>,
    pub ids: Option<Vec<RecordId>>,
    /// Case-insensitive substring of title or abstract.
    pub text: Option<String>,
    /// Case-insensitive substring of an author's family or given name.
    pub author: Option<String>,
    /// Case-insensitive substring of the title, the abstract or an author's name; records
    /// matching by title or abstract come first.
    pub text_or_author: Option<String>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub has_doi: Option<bool>,
    pub has_abstract: Option<bool>,
    pub work_type: Option<WorkType>,
    pub doi: Option<String>,
    pub pmid: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub with_raw: bool,
}

/// The `WHERE` clause of `filter`, and the order of the records it selects.
fn conditions(review: ReviewId, filter: &RecordFilter) -> (Conditions, String) {
    let mut c = Conditions::default();
    let mut order = "r.id".to_string();
    let p = c.arg(Arg::I64(review.0));
    c.push(format!("r.review_id = {p}"));
    if let Some(stream) = filter.stream {
        let p = c.arg(Arg::I64(stream.0));
        c.push(format!("s.stream_id = {p}"));
    }
    if let Some(search) = filter.search {
        let p = c.arg(Arg::I64(search.0));
        c.push(format!("r.search_id = {p}"));
    }
    if let Some(ids) = &filter.ids {
        if ids.is_empty() {
            c.push("1 = 0".into());
        } else {
            let list: Vec<String> = ids.iter().map(|id| id.0.to_string()).collect();
            c.push(format!("r.id IN ({})", list.join(",")));
        }
    }
    let like = |text: &str| {
        format!("%{}%", text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"))
    };
    if let Some(text) = &filter.text {
        let p = c.arg(Arg::Text(like(text)));
        c.push(format!(
            "(LOWER(COALESCE(r.title, '')) LIKE {p} ESCAPE '\\' OR LOWER(COALESCE(r.abstract, '')) LIKE {p} ESCAPE '\\')"
        ));
    }
    if let Some(author) = &filter.author {
        let p = c.arg(Arg::Text(like(author)));
        c.push(format!("LOWER(COALESCE(r.authors, '')) LIKE {p} ESCAPE '\\'"));
    }
    if let Some(words) = &filter.text_or_author {
        let p = c.arg(Arg::Text(like(words)));
        let in_text = format!(
            "(LOWER(COALESCE(r.title, '')) LIKE {p} ESCAPE '\\' OR LOWER(COALESCE(r.abstract, '')) LIKE {p} ESCAPE '\\')"
        );
        c.push(format!("({in_text} OR LOWER(COALESCE(r.authors, '')) LIKE {p} ESCAPE '\\')"));
        order = format!("CASE WHEN {in_text} THEN 0 ELSE 1 END, r.id");
    }
    if let Some(year) = filter.year_from {
        let p = c.arg(Arg::I64(year.into()));
        c.push(format!("r.year >= {p}"));
    }
    if let Some(year) = filter.year_to {
        let p = c.arg(Arg::I64(year.into()));
        c.push(format!("r.year <= {p}"));
    }
    match filter.has_doi {
        Some(true) => c.push("r.doi IS NOT NULL".into()),
        Some(false) => c.push("r.doi IS NULL".into()),
        None => {}
    }
    match filter.has_abstract {
        Some(true) => c.push("r.abstract IS NOT NULL".into()),
        Some(false) => c.push("r.abstract IS NULL".into()),
        None => {}
    }
    if let Some(work_type) = filter.work_type {
        let p = c.arg(Arg::Text(work_type.as_str().into()));
        c.push(format!("r.work_type = {p}"));
    }
    if let Some(doi) = &filter.doi {
        let p = c.arg(Arg::Text(doi.to_lowercase()));
        c.push(format!("r.doi = {p}"));
    }
    if let Some(pmid) = &filter.pmid {
        let p = c.arg(Arg::Text(pmid.clone()));
        c.push(format!("r.pmid = {p}"));
    }
    (c, order)
}

const FROM: &str =
    "FROM records r JOIN searches s ON s.id = r.search_id JOIN import_files f ON f.id = r.import_file_id";

/// Records of a review matching `filter`, in import order (with `text_or_author`, those
/// matching by title or abstract first).
pub async fn list_records(
    conn: &mut Conn,
    review: ReviewId,
    filter: &RecordFilter,
) -> Result<Vec<StoredRecord>> {
    let (c, order) = conditions(review, filter);
    let raw = if filter.with_raw { "r.raw" } else { "''" };
    let mut sql = format!(
        "SELECT r.id, r.review_id, r.search_id, r.import_file_id, f.file_name, r.file_index, r.file_line, r.source_id, \
         r.work_type, r.title, r.abstract, r.authors, r.year, r.journal, r.journal_abbrev, r.volume, r.issue, r.pages, \
         r.doi, r.pmid, r.pmcid, r.issn, r.isbn, r.publisher, r.language, r.publication_types, r.keywords, r.url, r.extra, \
         {raw} AS raw {FROM}{} ORDER BY {order}",
        c.where_clause()
    );
    if let Some(limit) = filter.limit {
        sql.push_str(&format!(" LIMIT {}", limit.max(0)));
    }
    if let Some(offset) = filter.offset {
        if filter.limit.is_none() {
            // Portable "no limit": SQLite has no LIMIT ALL, PostgreSQL no LIMIT -1.
            sql.push_str(&format!(" LIMIT {}", i64::MAX));
        }
        sql.push_str(&format!(" OFFSET {}", offset.max(0)));
    }
    let rows = bind_all(sqlx::query(&sql), &c.args).fetch_all(conn).await?;
    rows.iter().map(record_from_row).collect()
}

/// How many records of a review match `filter` (ignoring limit and offset).
pub async fn count_records(conn: &mut Conn, review: ReviewId, filter: &RecordFilter) -> Result<i64> {
    let (c, _) = conditions(review, filter);
    let sql = format!("SELECT COUNT(*) {FROM}{}", c.where_clause());
    Ok(bind_all_scalar(sqlx::query_scalar(&sql), &c.args).fetch_one(conn).await?)
}

pub async fn record_by_id(conn: &mut Conn, review: ReviewId, id: RecordId) -> Result<StoredRecord> {
    let filter = RecordFilter { ids: Some(vec![id]), with_raw: true, ..RecordFilter::default() };
    list_records(conn, review, &filter)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::NotFound { what: "record", key: id.to_string() })
}

fn record_from_row(row: &AnyRow) -> Result<StoredRecord> {
    let corrupt = |column: &str, e: serde_json::Error| StoreError::Corrupt(format!("records.{column}: {e}"));
    let authors: String = row.try_get("authors")?;
    let authors: Vec<(String, Option<String>)> =
        serde_json::from_str(&authors).map_err(|e| corrupt("authors", e))?;
    let publication_types: String = row.try_get("publication_types")?;
    let keywords: String = row.try_get("keywords")?;
    let extra: String = row.try_get("extra")?;
    let work_type: String = row.try_get("work_type")?;
    let year: Option<i64> = row.try_get("year")?;
    let file_index: i64 = row.try_get("file_index")?;
    let file_line: i64 = row.try_get("file_line")?;
    let reference = Reference {
        work_type: WorkType::parse(&work_type)
            .ok_or_else(|| StoreError::Corrupt(format!("records.work_type: unknown {work_type:?}")))?,
        title: row.try_get("title")?,
        abstract_text: row.try_get("abstract")?,
        authors: authors.into_iter().map(|(family, given)| Author { family, given }).collect(),
        year: year.and_then(|y| i32::try_from(y).ok()),
        journal: row.try_get("journal")?,
        journal_abbrev: row.try_get("journal_abbrev")?,
        volume: row.try_get("volume")?,
        issue: row.try_get("issue")?,
        pages: row.try_get("pages")?,
        doi: row.try_get("doi")?,
        pmid: row.try_get("pmid")?,
        pmcid: row.try_get("pmcid")?,
        issn: row.try_get("issn")?,
        isbn: row.try_get("isbn")?,
        publisher: row.try_get("publisher")?,
        language: row.try_get("language")?,
        publication_types: serde_json::from_str(&publication_types)
            .map_err(|e| corrupt("publication_types", e))?,
        keywords: serde_json::from_str(&keywords).map_err(|e| corrupt("keywords", e))?,
        url: row.try_get("url")?,
    };
    Ok(StoredRecord {
        id: RecordId(row.try_get("id")?),
        review: ReviewId(row.try_get("review_id")?),
        search: SearchId(row.try_get("search_id")?),
        import_file: ImportFileId(row.try_get("import_file_id")?),
        file_name: row.try_get("file_name")?,
        file_index: u32::try_from(file_index).unwrap_or(u32::MAX),
        file_line: u32::try_from(file_line).unwrap_or(u32::MAX),
        source_id: row.try_get("source_id")?,
        reference,
        extra: serde_json::from_str(&extra).map_err(|e| corrupt("extra", e))?,
        raw: row.try_get("raw")?,
    })
}
