//! Integration tests of sift-service, one binary; each runs on SQLite and, with
//! `SIFT_TEST_PG_URL`, on PostgreSQL:
//! - `import`: searches, all-or-nothing imports, listing and exporting records;
//! - `accounts`: setup, login and its rate limit, sessions, invitations, `authorize`;
//! - `archive`: a fully used review survives export and restore byte for byte;
//! - `dedup`: citations across search rounds, people's decisions, source overlap;
//! - `ranking`: ranked screening per reviewer, blinding of training, votes never wait;
//! - `report`: table specs, characteristics tables, typed-in flow counts, the report bundle;
//! - `screening`: roles, blinding on every read path, conflicts, full text, PRISMA counts,
//!   and concurrent voters on one file.

mod accounts;
mod archive;
mod dedup;
mod import;
mod ranking;
mod report;
mod screening;
