//! Integration tests of sift-store, one binary:
//! - `story`: the storage story, run on SQLite and (with `SIFT_TEST_PG_URL`) PostgreSQL.

mod story;
