//! Reports through the service on every backend: table specs checked against forms and
//! streams, characteristics tables from consensus values only, typed-in flow counts that
//! replace derived ones until cleared, and the report bundle's files.

use sift_domain::screening::{Decision, Stage};
use sift_report::tables::Row;
use sift_service::{Actor, FlowSource, ServiceError};
use sift_store::testing::{TestDatabase, on_every_database};

use crate::screening::full_review_on;

const FORM: &str = r#"
name = "characteristics"
[[fields]]
key = "design"
label = "Design"
type = "text"
[[fields]]
key = "patients"
label = "Patients (I/C)"
type = "integer_pair"
"#;

const TABLES: &str = r#"
[[tables]]
name = "table-1"
title = "Table 1. Included studies."
form = "characteristics"
stream = "default"
[[tables.columns]]
header = "Study"
value = "study"
[[tables.columns]]
header = "Design"
field = "design"
[[tables.columns]]
header = "Patients (I/C)"
field = "patients"
[[tables.columns]]
header = "Level"
value = "level"
"#;

async fn report_story(db: TestDatabase) {
    let service = full_review_on(&db).await;
    let owner = Actor::new("lise");
    let ellen = Actor::new("ellen");

    // Specs are checked against the review's forms and streams, naming the place.
    let err = service.set_report_tables(&owner, TABLES).await.unwrap_err();
    assert!(err.to_string().contains("table table-1: form") && err.to_string().contains("no form"), "{err}");
    service.add_form(&owner, FORM).await.unwrap();
    let err = service
        .set_report_tables(&owner, &TABLES.replace("stream = \"default\"", "stream = \"nope\""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no stream \"nope\""), "{err}");
    let err = service
        .set_report_tables(&owner, &TABLES.replace("field = \"design\"", "field = \"desing\""))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("column 2 (Design)"), "{err}");
    assert!(matches!(service.set_report_tables(&ellen, TABLES).await, Err(ServiceError::Forbidden(_))));
    assert_eq!(service.set_report_tables(&owner, TABLES).await.unwrap(), ["table-1"]);
    assert_eq!(service.report_tables().await.unwrap().len(), 1);

    // Only citations with consensus values appear; a charter's unsettled values do not.
    service
        .chart(
            &ellen,
            "characteristics",
            2,
            &[("design".into(), "RCT, blinded".into()), ("patients".into(), "80/41".into())],
            true,
        )
        .await
        .unwrap();
    assert!(service.characteristics_table("table-1").await.unwrap().rows.is_empty());
    service.settle_chart(&owner, "characteristics", 2, Some("ellen"), &[]).await.unwrap();
    service.set_level(&owner, 2, "2").await.unwrap();
    let appraisal = sift_domain::appraisal::Appraisal {
        judgements: [("q1".to_string(), "Yes".to_string()), ("q2".to_string(), "Unclear".to_string())].into(),
        overall: Some("Include".into()),
        ..Default::default()
    };
    service.appraise(&ellen, 2, "jbi-rct", &appraisal).await.unwrap();
    let table = service.characteristics_table("table-1").await.unwrap();
    assert_eq!(
        table.rows,
        vec![Row::Cells(vec!["Trial A".into(), "RCT, blinded".into(), "80/41".into(), "2".into()])]
    );
    assert!(
        service
            .characteristics_table("table-9")
            .await
            .unwrap_err()
            .to_string()
            .contains("tables are: table-1")
    );

    // Flow counts: derived until typed in; typed-in counts are checked; clearing derives again.
    let derived = service.stream_flow(None).await.unwrap();
    assert_eq!(derived.source, FlowSource::Derived);
    let included = service.screened(&owner, None, Stage::FullText, Decision::Include).await.unwrap().len();
    assert_eq!(derived.counts.reports_included as usize, included);
    let bad = "records_from_databases = 10\nrecords_screened = 12\nrecords_excluded = 8\nreports_sought = 4\nreports_assessed = 4\nreports_excluded = 1\nstudies_included = 3\nreports_included = 3\n";
    let err = service.set_flow_counts(&owner, None, Some(bad)).await.unwrap_err();
    assert!(err.to_string().contains("flow counts"), "{err}");
    let good = bad
        .replace("records_screened = 12", "records_screened = 10")
        .replace("reports_sought = 4", "reports_sought = 2")
        .replace("reports_assessed = 4", "reports_assessed = 2")
        .replace("3", "1");
    service.set_flow_counts(&owner, None, Some(&good)).await.unwrap();
    let typed = service.stream_flow(None).await.unwrap();
    assert!(matches!(typed.source, FlowSource::Manual(_)));
    assert_eq!(typed.counts.records_screened, 10);
    service.set_flow_counts(&owner, None, None).await.unwrap();
    assert_eq!(service.stream_flow(None).await.unwrap().source, FlowSource::Derived);

    // The bundle: the stream's diagram in every format, the table in every format, the appendix.
    let bundle = service.report_bundle(&owner).await.unwrap();
    let paths: Vec<&str> = bundle.files.iter().map(|f| f.path.as_str()).collect();
    for path in [
        "flow/default.svg",
        "flow/default.png",
        "flow/default.pdf",
        "flow/default.json",
        "tables/table-1.md",
        "tables/table-1.csv",
        "tables/table-1.html",
        "tables/tables.docx",
        "tables/tables.xlsx",
        "searches/appendix.md",
        "searches/appendix.docx",
        "screening.md",
        "appraisal/jbi-rct.svg",
        "appraisal/jbi-rct.png",
        "index.html",
    ] {
        assert!(paths.contains(&path), "{path} missing from {paths:?}");
    }
    assert!(paths.contains(&"excluded/default-full-text.xlsx"), "the full-text exclusions, with reasons");
    let excluded = String::from_utf8(
        bundle.files.iter().find(|f| f.path == "excluded/default-full-text.csv").unwrap().bytes.clone(),
    )
    .unwrap();
    assert!(excluded.contains("wrong population"), "{excluded}");
    let appendix = String::from_utf8(
        bundle.files.iter().find(|f| f.path == "searches/appendix.md").unwrap().bytes.clone(),
    )
    .unwrap();
    assert!(appendix.contains("Duplicates removed"), "{appendix}");
    let png = &bundle.files.iter().find(|f| f.path == "flow/default.png").unwrap().bytes;
    assert!(png.starts_with(b"\x89PNG"));
    let index =
        String::from_utf8(bundle.files.iter().find(|f| f.path == "index.html").unwrap().bytes.clone())
            .unwrap();
    assert!(index.contains("<svg") && index.contains("Trial A"), "the index shows the diagram and the table");
    service.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_come_from_stored_specs_and_counts_on_every_backend() {
    on_every_database(report_story).await;
}
