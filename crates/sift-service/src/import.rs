//! Recording a search and importing its files, all in one transaction.
//!
//! Each file is parsed on a blocking thread and its records reach the transaction in chunks
//! over a bounded channel, so memory stays near one chunk however large the export. The
//! file's SHA-256 is computed from the same bytes as they stream past. If any file cannot be
//! read, the transaction is dropped and the review is as it was.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

use serde_json::json;
use sha2::{Digest, Sha256};
use sift_domain::{ImportFileId, Search, SearchId, SearchKind, check_iso_date};
use sift_formats::{
    Diagnostic, Encoding, Format, ParsedRecord, ReadError, ReadOptions, ReadSummary, Severity,
};
use sift_store::records::{self, NewRecord};
use sift_store::reviews;
use sift_store::searches::{self, ImportFile, NewSearch, StoredDiagnostic};
use tokio::sync::mpsc;

use crate::{Actor, Service, ServiceError, ServiceResult, clock};

/// Records per chunk sent from the parsing thread to the transaction.
const CHUNK: usize = 2_000;

/// What the user says about a search.
#[derive(Clone, Debug, Default)]
pub struct SearchSpec {
    pub stream: Option<String>,
    pub source: String,
    pub kind: Option<SearchKind>,
    pub platform: Option<String>,
    pub query: Option<String>,
    pub run_date: Option<String>,
    pub limits: Option<String>,
    pub hits_reported: Option<i64>,
    /// The id of the earlier search this one re-runs.
    pub updates: Option<i64>,
    /// For other methods: the citation whose reference list (or page) the records came from.
    pub found_in: Option<i64>,
    /// Record the search without importing an export (its results are kept elsewhere, or a
    /// published review is being rebuilt from its reported hits).
    pub without_export: bool,
}

/// One file to import.
#[derive(Clone, Debug)]
pub struct InputFile {
    pub path: PathBuf,
    pub format: Option<Format>,
    pub encoding: Option<Encoding>,
}

impl InputFile {
    pub fn new(path: impl Into<PathBuf>) -> InputFile {
        InputFile { path: path.into(), format: None, encoding: None }
    }

    fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }
}

/// What one imported file held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileReport {
    pub file_name: String,
    pub format: String,
    pub encoding: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub n_records: i64,
    pub diagnostics: Vec<Diagnostic>,
}

/// The outcome of `add_search`.
#[derive(Clone, Debug)]
pub struct ImportReport {
    pub search: Search,
    pub files: Vec<FileReport>,
}

/// A search with what was imported for it, for `sift search list`.
#[derive(Clone, Debug)]
pub struct SearchSummary {
    pub search: Search,
    pub stream: String,
    pub files: Vec<ImportFile>,
    pub n_records: i64,
    pub diagnostics: Vec<(String, Diagnostic)>,
}

impl SearchSummary {
    pub fn n_warnings(&self) -> usize {
        self.diagnostics.iter().filter(|(_, d)| d.severity >= Severity::Warning).count()
    }
}

impl Service {
    /// Records a search and imports its files. Nothing is written unless every file reads.
    pub async fn add_search(
        &self,
        actor: &Actor,
        spec: &SearchSpec,
        files: &[InputFile],
    ) -> ServiceResult<ImportReport> {
        let source = spec.source.trim();
        if source.is_empty() {
            return Err(ServiceError::invalid(
                "--source",
                "name the database or source searched, e.g. \"PubMed\"",
            ));
        }
        if let Some(date) = &spec.run_date {
            check_iso_date(date).map_err(|m| ServiceError::invalid("--run-date", m))?;
        }
        if let Some(hits) = spec.hits_reported
            && hits < 0
        {
            return Err(ServiceError::invalid("--hits", "the number of hits cannot be negative"));
        }
        let kind = spec.kind.unwrap_or(SearchKind::Database);
        if files.is_empty() && kind != SearchKind::Other && !spec.without_export {
            return Err(ServiceError::invalid(
                "FILE",
                "give at least one exported file to import (or --no-export to record the search alone)",
            ));
        }
        if !files.is_empty() && spec.without_export {
            return Err(ServiceError::invalid(
                "--no-export",
                "a search recorded without an export takes no files",
            ));
        }
        let stream = self.stream(spec.stream.as_deref()).await?;
        let updates = match spec.updates {
            Some(id) => {
                let mut conn = self.store.read().await?;
                let earlier = searches::search_by_id(&mut conn, self.review.id, SearchId(id)).await?;
                if earlier.stream_id != stream.id {
                    return Err(ServiceError::invalid(
                        "--updates",
                        format!(
                            "search {id} belongs to another stream; an update re-runs a search of the same stream"
                        ),
                    ));
                }
                Some(earlier.id)
            }
            None => None,
        };
        for file in files {
            if !file.path.is_file() {
                let shown = file.path.display().to_string();
                let why = if file.path.is_dir() {
                    "is a folder; name the exported files in it (for example FOLDER/*.ris)"
                } else {
                    "no such file"
                };
                return Err(ServiceError::invalid(shown, why));
            }
        }

        if spec.found_in.is_some() && kind != SearchKind::Other {
            return Err(ServiceError::invalid(
                "--found-in",
                "only a search of kind other (citation searching) comes from a citation",
            ));
        }
        let now = clock::now();
        let text =
            |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
        let (platform, query, limits) = (text(&spec.platform), text(&spec.query), text(&spec.limits));
        let mut tx = self.store.write().await?;
        self.require(tx.conn(), actor, crate::Permission::Manage).await?;
        let search_id = searches::insert_search(
            tx.conn(),
            &NewSearch {
                review: self.review.id,
                stream: stream.id,
                source,
                kind,
                platform: platform.as_deref(),
                query: query.as_deref(),
                run_date: spec.run_date.as_deref(),
                limits: limits.as_deref(),
                hits_reported: spec.hits_reported,
                updates,
                created_at: &now,
                created_by: &actor.name,
            },
        )
        .await?;
        if let Some(found_in) = spec.found_in {
            let citations = sift_store::dedup::canonical_records(tx.conn(), stream.id).await?;
            if !citations.iter().any(|(c, _)| c.0 == found_in) {
                return Err(ServiceError::NotFound {
                    what: "citation",
                    key: found_in.to_string(),
                    hint: format!(
                        " in stream {:?}; --found-in names the included citation whose reference list was searched",
                        stream.name
                    ),
                });
            }
            sift_store::screening::set_search_source(tx.conn(), search_id, sift_domain::CitationId(found_in))
                .await?;
        }
        let known_files = searches::import_files(tx.conn(), self.review.id).await?;
        let mut reports = Vec::new();
        for file in files {
            let report = self.import_file(&mut tx, search_id, file, &now, &known_files).await?;
            reports.push(report);
        }
        let n_records: i64 = reports.iter().map(|r| r.n_records).sum();
        reviews::append_event(
            tx.conn(),
            self.review.id,
            &now,
            &actor.name,
            "search.added",
            Some(&search_id.to_string()),
            &json!({
                "stream": stream.name,
                "source": source,
                "files": reports.iter().map(|r| json!({"name": r.file_name, "sha256": r.sha256, "records": r.n_records})).collect::<Vec<_>>(),
                "records": n_records,
            }),
        )
        .await?;
        tx.commit().await?;
        let mut conn = self.store.read().await?;
        let search = searches::search_by_id(&mut conn, self.review.id, search_id).await?;
        Ok(ImportReport { search, files: reports })
    }

    async fn import_file(
        &self,
        tx: &mut sift_store::Tx,
        search: SearchId,
        file: &InputFile,
        now: &str,
        known_files: &HashMap<SearchId, Vec<ImportFile>>,
    ) -> ServiceResult<FileReport> {
        let name = file.name();
        let mut row = ImportFile {
            id: ImportFileId(0),
            search,
            file_name: name.clone(),
            format: String::new(),
            encoding: String::new(),
            sha256: String::new(),
            size_bytes: 0,
            n_records: 0,
            imported_at: now.to_string(),
        };
        let file_id = searches::insert_import_file(tx.conn(), &row).await?;

        let (sender, mut receiver) = mpsc::channel::<Vec<ParsedRecord>>(2);
        let options = ReadOptions { file_name: name.clone(), format: file.format, encoding: file.encoding };
        let path = file.path.clone();
        let parser = tokio::task::spawn_blocking(move || parse_file(&path, &options, &sender));
        let mut n_records = 0i64;
        while let Some(chunk) = receiver.recv().await {
            let new: Vec<NewRecord<'_>> = chunk
                .iter()
                .map(|r| NewRecord {
                    reference: &r.reference,
                    raw: &r.raw,
                    file_index: r.index,
                    file_line: r.line,
                    source_id: r.source_id.as_deref(),
                    extra: &r.extra,
                })
                .collect();
            records::insert_records(tx.conn(), self.review.id, search, file_id, &new).await?;
            n_records += chunk.len() as i64;
        }
        let parsed = parser.await.map_err(|e| ServiceError::Io {
            path: file.path.display().to_string(),
            source: io::Error::other(format!("the reader stopped unexpectedly: {e}")),
        })?;
        let (summary, sha256, size_bytes) = parsed.map_err(|e| match e {
            ParseFailure::Io(source) => ServiceError::Io { path: file.path.display().to_string(), source },
            ParseFailure::Read(error) => {
                ServiceError::Read(ReadError { file: file.path.display().to_string(), ..error })
            }
        })?;
        let mut diagnostics = summary.diagnostics;
        let earlier: Vec<String> = known_files
            .values()
            .flatten()
            .filter(|f| f.sha256 == sha256)
            .map(|f| format!("search {}", f.search))
            .collect();
        if !earlier.is_empty() {
            diagnostics.push(Diagnostic {
                severity: Severity::Warning,
                line: None,
                tag: None,
                message: format!(
                    "the same file (identical SHA-256) was already imported for {}",
                    earlier.join(", ")
                ),
                count: 1,
            });
        }
        row.id = file_id;
        row.format = summary.format.to_string();
        row.encoding = summary.encoding.to_string();
        row.sha256 = sha256;
        row.size_bytes = size_bytes;
        row.n_records = n_records;
        searches::update_import_file(tx.conn(), &row).await?;
        let stored: Vec<StoredDiagnostic> = diagnostics
            .iter()
            .map(|d| StoredDiagnostic {
                file: file_id,
                severity: d.severity.as_str().to_string(),
                line: d.line.map(i64::from),
                tag: d.tag.clone(),
                message: d.message.clone(),
                count: i64::from(d.count),
            })
            .collect();
        searches::insert_diagnostics(tx.conn(), &stored).await?;
        Ok(FileReport {
            file_name: name,
            format: row.format,
            encoding: row.encoding,
            sha256: row.sha256,
            size_bytes,
            n_records,
            diagnostics,
        })
    }

    /// Every search of the review (of one stream when named), with its files, record
    /// counts and import diagnostics.
    pub async fn searches(&self, stream: Option<&str>) -> ServiceResult<Vec<SearchSummary>> {
        let streams = self.streams().await?;
        let only = match stream {
            Some(name) => Some(self.stream(Some(name)).await?.id),
            None => None,
        };
        let mut conn = self.store.read().await?;
        let list = searches::list_searches(&mut conn, self.review.id, only).await?;
        let mut files = searches::import_files(&mut conn, self.review.id).await?;
        let counts = searches::record_counts(&mut conn, self.review.id).await?;
        let stored = searches::diagnostics(&mut conn, self.review.id).await?;
        let mut summaries = Vec::new();
        for search in list {
            let search_files = files.remove(&search.id).unwrap_or_default();
            let diagnostics = stored
                .iter()
                .filter_map(|d| {
                    let file = search_files.iter().find(|f| f.id == d.file)?;
                    Some((file.file_name.clone(), to_diagnostic(d)))
                })
                .collect();
            summaries.push(SearchSummary {
                stream: streams
                    .iter()
                    .find(|s| s.id == search.stream_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
                n_records: counts.get(&search.id).copied().unwrap_or(0),
                files: search_files,
                diagnostics,
                search,
            });
        }
        Ok(summaries)
    }
}

fn to_diagnostic(d: &StoredDiagnostic) -> Diagnostic {
    Diagnostic {
        severity: d.severity.parse().unwrap_or(Severity::Warning),
        line: d.line.and_then(|l| u32::try_from(l).ok()),
        tag: d.tag.clone(),
        message: d.message.clone(),
        count: u32::try_from(d.count).unwrap_or(u32::MAX),
    }
}

enum ParseFailure {
    Io(io::Error),
    Read(ReadError),
}

/// Reads one file on a blocking thread, sending its records in chunks; returns the reader's
/// summary, the file's SHA-256 and its size.
fn parse_file(
    path: &std::path::Path,
    options: &ReadOptions,
    sender: &mpsc::Sender<Vec<ParsedRecord>>,
) -> Result<(ReadSummary, String, i64), ParseFailure> {
    let file = File::open(path).map_err(ParseFailure::Io)?;
    let mut hashing = HashingReader { inner: file, hasher: Sha256::new(), n_bytes: 0 };
    let (summary, ok) = {
        let mut records = sift_formats::open(&mut hashing, options).map_err(ParseFailure::Read)?;
        let mut chunk = Vec::with_capacity(CHUNK);
        let mut receiver_alive = true;
        for record in records.by_ref() {
            chunk.push(record);
            if chunk.len() == CHUNK {
                receiver_alive = sender.blocking_send(std::mem::take(&mut chunk)).is_ok();
                if !receiver_alive {
                    break;
                }
                chunk.reserve(CHUNK);
            }
        }
        if receiver_alive && !chunk.is_empty() {
            receiver_alive = sender.blocking_send(chunk).is_ok();
        }
        (records.finish().map_err(ParseFailure::Read)?, receiver_alive)
    };
    if !ok {
        return Err(ParseFailure::Io(io::Error::other("the import was cancelled")));
    }
    // The reader may stop before the end (it has what it needs); hash the rest too.
    io::copy(&mut hashing, &mut io::sink()).map_err(ParseFailure::Io)?;
    let digest = hashing.hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok((summary, hex, hashing.n_bytes as i64))
}

struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
    n_bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.n_bytes += n as u64;
        Ok(n)
    }
}
