//! The CLI against a PostgreSQL server (`--database`), when `SIFT_TEST_PG_URL` is set.

use sift_store::testing::{PG_URL_VAR, ScratchPostgres, pg_url};

use crate::{s, sift, sift_ok, test_data};

#[test]
fn commands_run_on_a_database_server() {
    let Some(base) = pg_url() else {
        eprintln!("note: {PG_URL_VAR} is not set; the CLI-on-PostgreSQL test was skipped");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let scratch = runtime
        .block_on(ScratchPostgres::create(&base))
        .unwrap_or_else(|e| panic!("{PG_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
    let url = scratch.url.clone();

    sift_ok(&["init", "np", "--database", &url, "--title", "Neuropathic pain", "--type", "scoping"]);
    sift_ok(&["init", "other", "--database", &url, "--title", "Another review"]);
    let out = sift_ok(&["reviews", "--database", &url]);
    assert!(out.contains("np") && out.contains("other"), "{out}");
    let pubmed = test_data("asreview/pubmed_zotero.ris");
    let out = sift_ok(&["search", "add", "np", "--database", &url, "--source", "PubMed", s(&pubmed)]);
    assert!(out.contains("6 records imported"), "{out}");
    let out = sift_ok(&["records", "list", "np", "--database", &url]);
    assert!(out.contains("6 of 6"), "{out}");
    let out = sift_ok(&["records", "list", "other", "--database", &url]);
    assert!(out.contains("0 of 0"), "reviews in one database stay apart: {out}");
    let (code, _, err) = sift(&["records", "list", "missing", "--database", &url]);
    assert_eq!(code, 2);
    assert!(err.contains("missing"), "{err}");

    runtime.block_on(scratch.drop_database()).unwrap();
}
