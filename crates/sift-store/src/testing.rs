//! Scratch databases for tests of this crate and the crates above it.
//!
//! The storage tests run on SQLite always and on PostgreSQL whenever `SIFT_TEST_PG_URL` is
//! set; each test gets its own database, dropped afterwards.

use std::str::FromStr;

use sqlx::any::AnyConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor};

use crate::{Result, Store};

/// The environment variable naming a PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "SIFT_TEST_PG_URL";

/// The PostgreSQL URL to test against, if one is configured.
pub fn pg_url() -> Option<String> {
    std::env::var(PG_URL_VAR).ok().filter(|s| !s.is_empty())
}

/// A PostgreSQL database created for one test.
#[derive(Debug)]
pub struct ScratchPostgres {
    pub url: String,
    base: String,
    name: String,
}

impl ScratchPostgres {
    /// Creates an empty database on the server at `base` (any database URL on it).
    pub async fn create(base: &str) -> Result<ScratchPostgres> {
        sqlx::any::install_default_drivers();
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let name = format!(
            "sift_test_{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            jiff::Timestamp::now().as_nanosecond().rem_euclid(1_000_000_000_000)
        );
        let mut admin = AnyConnectOptions::from_str(base)?.connect().await?;
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await?;
        admin.close().await?;
        let (prefix, _) = base.rsplit_once('/').unwrap_or((base, ""));
        Ok(ScratchPostgres { url: format!("{prefix}/{name}"), base: base.to_string(), name })
    }

    /// Drops the database; `store` must be closed first.
    pub async fn drop_database(self) -> Result<()> {
        let mut admin = AnyConnectOptions::from_str(&self.base)?.connect().await?;
        admin.execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str()).await?;
        admin.close().await?;
        Ok(())
    }
}

/// An empty database for a test of the layers above the store.
#[derive(Clone, Debug)]
pub enum TestDatabase {
    /// A path where a new review file may be created.
    SqliteFile(std::path::PathBuf),
    /// The URL of an empty PostgreSQL database.
    Postgres(String),
}

/// Runs `test` with a path for a new SQLite file, then (when configured) with a fresh
/// PostgreSQL database. Panics when PostgreSQL is configured but unreachable.
pub async fn on_every_database<F, Fut>(test: F)
where
    F: Fn(TestDatabase) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = scratch_dir();
    test(TestDatabase::SqliteFile(dir.join("test.sift"))).await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(base) = pg_url() {
        let scratch = ScratchPostgres::create(&base)
            .await
            .unwrap_or_else(|e| panic!("{PG_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
        test(TestDatabase::Postgres(scratch.url.clone())).await;
        scratch.drop_database().await.expect("drop the scratch database");
    } else {
        eprintln!("note: {PG_URL_VAR} is not set; the PostgreSQL half of this test was skipped");
    }
}

fn scratch_dir() -> std::path::PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(
        "sift-test-{}-{n}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// Runs `test` on a fresh SQLite file, then (when configured) on a fresh PostgreSQL database.
/// Panics when PostgreSQL is configured but unreachable: CI must not silently skip it.
pub async fn on_every_backend<F, Fut>(test: F)
where
    F: Fn(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let dir = scratch_dir();
    let store = Store::open_file(&dir.join("test.sift"), true).await.expect("create a SQLite store");
    test(store).await;
    let _ = std::fs::remove_dir_all(&dir);

    if let Some(base) = pg_url() {
        let scratch = ScratchPostgres::create(&base)
            .await
            .unwrap_or_else(|e| panic!("{PG_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
        let store = Store::open_url(&scratch.url).await.expect("open the PostgreSQL store");
        test(store.clone()).await;
        store.close().await;
        scratch.drop_database().await.expect("drop the scratch database");
    } else {
        eprintln!("note: {PG_URL_VAR} is not set; the PostgreSQL half of this storage test was skipped");
    }
}
