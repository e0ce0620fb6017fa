//! Integration tests of sift-web, one binary, in process (`tower::ServiceExt::oneshot`) on a
//! data directory serving two reviews:
//! - `authz`: the route-by-role matrix; a member of one review reaches nothing of the other;
//! - `blinding`: a planted note and reason never reach another reviewer while blinded;
//! - `security`: CSRF rejection, login rate limiting, cookie flags, setup once;
//! - `api`: the OpenAPI document lists exactly the router's API routes; API round trip;
//! - `charting`: forms, a chart round trip, blinded charting, compare and settle, appraisal;
//! - `flow`: owners type in a stream's flow counts and return to the records' counts;
//! - `merged`: auditing merges, taking a record out and undoing it;
//! - `postgres`: the reviews of a database server served together, when `SIFT_TEST_PG_URL`
//!   is set;
//! - `studies`: reports grouped into studies by page and API;
//! - `records`: finding a record and what became of it;
//! - `reviews`: the administrator creates a review in a data directory; nobody else may;
//! - `browser`: headless chromium through chromedriver (skips without it unless
//!   `SIFT_REQUIRE_BROWSER=1`).

mod api;
mod authz;
mod blinding;
mod browser;
mod charting;
mod flow;
mod merged;
mod postgres;
mod records;
mod reviews;
mod security;
mod studies;
mod support;
