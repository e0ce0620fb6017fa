//! The archive: a fully used review exports, restores (on SQLite and PostgreSQL) and exports
//! again to identical bytes; and the archive's column lists match the live schema.

use sift_domain::screening::{Decision, Stage};
use sift_service::{Actor, Locator, Service};
use sift_store::testing::{PG_URL_VAR, ScratchPostgres, pg_url};

use crate::screening::full_review;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_survives_its_archive_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let service = full_review(&Locator::File(dir.path().join("source.sift"))).await;
    let owner = Actor::new("lise");
    chart_and_report(&service, &owner).await;
    let mut first = Vec::new();
    let summary = service.export_archive(&owner, &mut first).await.unwrap();
    assert!(
        summary.rows.iter().all(|(table, n)| *n > 0 || table == "import_diagnostics"),
        "every table used: {:?}",
        summary.rows
    );

    // The archive's columns are the live schema's columns.
    let mut conn = service.store().read().await.unwrap();
    for (table, columns) in sift_store::archive::archived_columns() {
        let live = sift_store::archive::live_columns(&mut conn, table).await.unwrap();
        if !live.is_empty() {
            assert_eq!(live, columns, "archive columns of {table} drifted from the schema");
        }
    }
    drop(conn);
    assert!(
        service.export_archive(&Actor::new("ellen"), &mut Vec::new()).await.is_err(),
        "only owners export archives"
    );
    service.close().await;

    let restored_path = dir.path().join("restored.sift");
    let (restored, _) =
        Service::import_archive(&Locator::File(restored_path.clone()), &mut &first[..]).await.unwrap();
    let mut second = Vec::new();
    restored.export_archive(&owner, &mut second).await.unwrap();
    assert!(first == second, "SQLite restore exports identically");
    // A restored review keeps working: new votes get fresh ids.
    let progress = restored.progress(&owner, None, Stage::TitleAbstract).await.unwrap();
    assert_eq!(progress.n_resolved, 6);
    restored.close().await;
    assert!(
        Service::import_archive(&Locator::File(restored_path), &mut &first[..]).await.is_err(),
        "never over an existing review"
    );

    if let Some(base) = pg_url() {
        let scratch = ScratchPostgres::create(&base)
            .await
            .unwrap_or_else(|e| panic!("{PG_URL_VAR} set but unreachable: {e}"));
        let locator = Locator::Database { url: scratch.url.clone(), review: None };
        let (restored, _) = Service::import_archive(&locator, &mut &first[..]).await.unwrap();
        let mut third = Vec::new();
        restored.export_archive(&owner, &mut third).await.unwrap();
        assert!(first == third, "PostgreSQL restore exports identically");
        restored.set_member(&owner, "newcomer", sift_domain::screening::Role::Reviewer, false).await.unwrap();
        let votes_before = restored.events().await.unwrap().len();
        let newcomer = Actor::new("newcomer");
        let waiting =
            restored.screen_next(&newcomer, None, Stage::FullText).await.unwrap().expect("one waits");
        restored
            .vote(&newcomer, waiting.citation.0, Stage::FullText, Decision::Include, None, false, None)
            .await
            .unwrap_or_else(|e| panic!("identities moved past restored ids: {e} ({votes_before} events)"));
        restored.close().await;
        scratch.drop_database().await.unwrap();
    } else {
        eprintln!("note: {PG_URL_VAR} is not set; the PostgreSQL restore was skipped");
    }
}

/// Charting, appraisal, a table spec, an analysis spec and typed-in flow counts, so every
/// table is used.
async fn chart_and_report(service: &Service, owner: &Actor) {
    let form = "name = \"characteristics\"\n[[fields]]\nkey = \"design\"\nlabel = \"Design\"\ntype = \"text\"\n\
                [[fields]]\nkey = \"se\"\nlabel = \"Standard error\"\ntype = \"number\"\n";
    service.add_form(owner, form).await.unwrap();
    let ellen = Actor::new("ellen");
    service.chart(&ellen, "characteristics", 2, &[("design".into(), "RCT".into())], true).await.unwrap();
    service.settle_chart(owner, "characteristics", 2, Some("ellen"), &[]).await.unwrap();
    let appraisal = sift_domain::appraisal::Appraisal {
        judgements: [("q1".to_string(), "Yes".to_string())].into(),
        answers: Default::default(),
        overall: Some("Include".into()),
        notes: None,
    };
    service.appraise(&ellen, 2, "jbi-rct", &appraisal).await.unwrap();
    let tool = "key = \"mine\"\nname = \"Our checklist\"\njudgements = [\"Yes\", \"No\"]\n[[domains]]\nkey = \"q1\"\nlabel = \"Clear question?\"\n";
    service.add_appraisal_tool(owner, tool).await.unwrap();
    let mine = sift_domain::appraisal::Appraisal { overall: Some("Yes".into()), ..appraisal.clone() };
    service.appraise(&ellen, 2, "mine", &mine).await.unwrap();
    service.set_level(owner, 2, "2").await.unwrap();
    let tables = "[[tables]]\nname = \"t1\"\nform = \"characteristics\"\n[[tables.columns]]\nheader = \"Study\"\nvalue = \"study\"\n[[tables.columns]]\nheader = \"Design\"\nfield = \"design\"\n";
    service.set_report_tables(owner, tables).await.unwrap();
    let analyses = "[[analyses]]\nname = \"a1\"\nform = \"characteristics\"\nmeasure = \"difference\"\ncolumns = { estimate = \"design\" }\n";
    service.set_report_analyses(owner, analyses).await.unwrap();
    let counts = "records_from_databases = 10\nrecords_screened = 10\nrecords_excluded = 8\nreports_sought = 2\nreports_assessed = 2\nreports_excluded = 1\nstudies_included = 1\nreports_included = 1\n";
    service.set_flow_counts(owner, None, Some(counts)).await.unwrap();
}
