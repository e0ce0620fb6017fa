//! Persistence for Sift: one code path over SQLite (a review in one `.sift` file) and
//! PostgreSQL (a team server).
//!
//! This is the only crate that knows SQL. It speaks sqlx's `Any` driver with portable SQL:
//! `$N` placeholders (SQLite accepts them), values kept to `i64`, `f64` and text, times as
//! RFC 3339 text, lists as JSON text. The schema comes from append-only migrations in
//! `src/migrations/`, shared by both backends except for the primary-key column type.
//!
//! Reads take a pooled connection ([`Store::read`]); every change runs in one transaction
//! ([`Store::write`], `BEGIN IMMEDIATE` on SQLite so concurrent writers queue instead of
//! failing), so an import that fails leaves the database as it was.

pub mod accounts;
pub mod archive;
pub mod charting;
pub mod dedup;
mod migrate;
pub mod records;
pub mod reports;
pub mod reviews;
pub mod screening;
pub mod searches;
mod sql;
pub mod testing;

use std::path::Path;
use std::str::FromStr;
use std::sync::Once;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Executor, Transaction};

pub use migrate::SCHEMA_VERSION;
pub use sqlx::AnyConnection as Conn;

/// Which database engine a store runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} {key:?} not found")]
    NotFound { what: &'static str, key: String },
    #[error("{0}")]
    Conflict(String),
    #[error("this database has schema version {found}, newer than this Sift knows ({known}); upgrade Sift")]
    NewerSchema { found: i64, known: i64 },
    #[error("{path}: no such review file (create it with `sift init`)")]
    NoSuchFile { path: String },
    #[error("{path}: already exists")]
    AlreadyExists { path: String },
    #[error("{path}: the folder {folder} does not exist")]
    NoSuchFolder { path: String, folder: String },
    #[error("{path}: not a Sift review file ({why})")]
    NotAReviewFile { path: String, why: String },
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use a file path, sqlite://PATH or postgres://...")]
    BadUrl(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

impl StoreError {
    /// Turns a unique-constraint violation into a readable conflict.
    pub(crate) fn on_unique(error: sqlx::Error, message: impl FnOnce() -> String) -> StoreError {
        let is_unique = error.as_database_error().is_some_and(|e| e.is_unique_violation());
        if is_unique { StoreError::Conflict(message()) } else { StoreError::Database(error) }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether `path` starts as every SQLite database does; why not, when it does not.
fn check_sqlite_header(path: &Path) -> std::result::Result<(), String> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .and_then(|file| file.take(16).read_to_end(&mut head))
        .map_err(|e| format!("cannot be read: {e}"))?;
    match head.as_slice() {
        [] => Err("the file is empty".into()),
        b"SQLite format 3\0" => Ok(()),
        _ => Err("it is not an SQLite database".into()),
    }
}

/// A connection pool on one database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// A write transaction; commit it with [`Tx::commit`], or drop it to roll back.
pub struct Tx {
    inner: Transaction<'static, Any>,
}

impl Tx {
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.inner
    }

    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await?;
        Ok(())
    }
}

impl Store {
    /// Opens (or with `create`, creates) a review file and brings its schema up to date.
    pub async fn open_file(path: &Path, create: bool) -> Result<Store> {
        let exists = path.exists();
        let shown = path.display().to_string();
        if create && exists {
            return Err(StoreError::AlreadyExists { path: shown });
        }
        if let Some(folder) = path.parent().filter(|f| create && !f.as_os_str().is_empty() && !f.is_dir()) {
            return Err(StoreError::NoSuchFolder { path: shown, folder: folder.display().to_string() });
        }
        if !create && !exists {
            return Err(StoreError::NoSuchFile { path: shown });
        }
        if !create {
            // Checked before SQLite sees the file: it would turn an empty file into a new
            // database, and on any other file the pool retries until its 30-second timeout.
            check_sqlite_header(path)
                .map_err(|why| StoreError::NotAReviewFile { path: shown.clone(), why })?;
        }
        let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(create);
        let url = sqlx::ConnectOptions::to_url_lossy(&options);
        Store::connect(url.as_str(), Backend::Sqlite).await
    }

    /// Opens a database by URL: `postgres://...`, `sqlite://PATH`, or a plain file path.
    pub async fn open_url(url: &str) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Store::connect(url, Backend::Postgres).await;
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            let path = path.split('?').next().unwrap_or(path);
            return Store::open_file(Path::new(path), false).await;
        }
        if url.contains("://") {
            return Err(StoreError::BadUrl(url.to_string()));
        }
        Store::open_file(Path::new(url), false).await
    }

    async fn connect(url: &str, backend: Backend) -> Result<Store> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 8 })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the one writer; NORMAL sync is safe in WAL.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 10000").await?;
                        // Screening reads every citation of a stream on each request; the
                        // default 2 MB page cache thrashes on reviews of a few thousand records
                        // (measured by `crates/sift-web/benches/next_record.rs`). 32 MB each.
                        conn.execute("PRAGMA cache_size = -32768").await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store { pool, backend };
        migrate::run(&store).await?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reads.
    pub async fn read(&self) -> Result<PoolConnection<Any>> {
        Ok(self.pool.acquire().await?)
    }

    /// Begins a write transaction.
    pub async fn write(&self) -> Result<Tx> {
        let inner = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { inner })
    }

    /// Closes every connection; on SQLite this also folds the WAL back into the file.
    ///
    /// sqlx's `Pool::close` can return while a connection is still being returned to the pool
    /// (sqlx issue #3217), and the last connection to close is what folds the WAL in and
    /// deletes it. So on SQLite the WAL is first folded in and emptied explicitly (after that
    /// the file alone holds everything, whatever a late connection does), and the close then
    /// waits, up to five seconds, until no connection is left.
    pub async fn close(self) {
        if self.backend == Backend::Sqlite
            && let Ok(mut conn) = self.pool.acquire().await
        {
            // Best effort: with a reader still active the WAL is folded in as far as it can be.
            let _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await;
        }
        self.pool.close().await;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while self.pool.size() > 0 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }

    /// Checks the connection works (used by `sift doctor`-style commands and tests).
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.read().await?;
        conn.ping().await?;
        Ok(())
    }
}

/// The schema version a database is at, for diagnostics.
pub async fn schema_version(store: &Store) -> Result<i64> {
    let mut conn = store.read().await?;
    migrate::current_version(&mut conn).await
}
