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
    // The fixture re-runs a search, so its diagram is the updated-review one: the latest round.
    let latest = service.prisma_update(None).await.unwrap().expect("the fixture has a re-run");
    assert_eq!(derived.counts, latest.counts);
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

    // The bundle is kept until the review changes: the same files again, then the new title.
    let file = |b: &sift_service::ReportBundle, path: &str| {
        String::from_utf8(b.files.iter().find(|f| f.path == path).unwrap().bytes.clone()).unwrap()
    };
    let again = service.report_bundle(&owner).await.unwrap();
    assert_eq!(again.files.len(), bundle.files.len());
    assert_eq!(file(&again, "index.html"), index);
    let change = sift_service::ProtocolChange { title: Some("Renamed review".into()), ..Default::default() };
    let renamed = service.set_protocol(&owner, &change).await.unwrap();
    let fresh = renamed.report_bundle(&owner).await.unwrap();
    assert!(file(&fresh, "index.html").contains("Renamed review"), "rebuilt after the change");
    // A change the handle itself knows nothing of (a search recorded) also rebuilds it.
    let hand = sift_service::SearchSpec {
        source: "Hand searching".into(),
        without_export: true,
        ..Default::default()
    };
    service.add_search(&owner, &hand, &[]).await.unwrap();
    let rebuilt = service.report_bundle(&owner).await.unwrap();
    assert!(file(&rebuilt, "searches/appendix.md").contains("Hand searching"), "rebuilt after the search");
    service.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_come_from_stored_specs_and_counts_on_every_backend() {
    on_every_database(report_story).await;
}

fn ris(records: &[(&str, &str)]) -> String {
    records
        .iter()
        .map(|(title, doi)| {
            format!(
                "TY  - JOUR\nTI  - {title}\nAU  - Smith, J\nPY  - 2020\nJO  - Pain\nDO  - {doi}\nER  - \n\n"
            )
        })
        .collect()
}

/// A living review: an original search, screened, then a re-run (`updates`) whose records
/// partly duplicate the first round's. The stream's diagram is the updated-review template:
/// the new round's boxes beside the studies included before.
async fn living_review_story(db: TestDatabase) {
    use sift_domain::ReviewType;
    use sift_domain::screening::{Method, StageSettings};
    use sift_service::{DedupPolicy, InputFile, Locator, NewReviewSpec, SearchSpec, Service};
    let locator = match &db {
        TestDatabase::SqliteFile(path) => Locator::File(path.clone()),
        TestDatabase::Postgres(url) => Locator::Database { url: url.clone(), review: Some("living".into()) },
    };
    let owner = Actor::new("lise");
    let spec = NewReviewSpec { title: "Living".into(), review_type: ReviewType::Systematic, question: None };
    let service = Service::create(&locator, &spec, &owner).await.unwrap();
    for stage in [Stage::TitleAbstract, Stage::FullText] {
        let settings = StageSettings { reviewers_required: 1, ..StageSettings::default_for(stage) };
        service.set_stage(&owner, &settings).await.unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.ris");
    std::fs::write(
        &first,
        ris(&[
            ("Duloxetine for neuropathic pain after chemotherapy in adults", "10.1/a"),
            ("Exercise for balance in cancer survivors with neuropathy", "10.1/b"),
            ("Yoga and mindfulness for survivors of breast cancer", "10.1/c"),
        ]),
    )
    .unwrap();
    let search = SearchSpec { source: "PubMed".into(), ..SearchSpec::default() };
    let report = service.add_search(&owner, &search, &[InputFile::new(&first)]).await.unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    assert_eq!(service.prisma_update(None).await.unwrap(), None, "one round: no update");
    let screen = |citation: i64, include: bool| {
        let service = &service;
        let owner = &owner;
        async move {
            let d = if include { Decision::Include } else { Decision::Exclude };
            service.resolve(owner, citation, Stage::TitleAbstract, d, None, Method::Consensus).await.unwrap();
            if include {
                service
                    .resolve(owner, citation, Stage::FullText, Decision::Include, None, Method::Consensus)
                    .await
                    .unwrap();
            }
        }
    };
    screen(1, true).await;
    screen(2, false).await;
    screen(3, false).await;

    // The re-run finds one record already screened (10.1/a) and two new ones.
    let second = dir.path().join("second.ris");
    std::fs::write(
        &second,
        ris(&[
            ("Duloxetine for neuropathic pain after chemotherapy in adults", "10.1/a"),
            ("Scrambler therapy for chemotherapy-induced neuropathy", "10.1/d"),
            ("Acupuncture for neuropathy in survivors of colorectal cancer", "10.1/e"),
        ]),
    )
    .unwrap();
    let rerun =
        SearchSpec { source: "PubMed".into(), updates: Some(report.search.id.0), ..SearchSpec::default() };
    service.add_search(&owner, &rerun, &[InputFile::new(&second)]).await.unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    screen(4, true).await;
    screen(5, false).await;

    let update = service.prisma_update(None).await.unwrap().expect("a re-run makes an update");
    assert_eq!(update.round, 1);
    assert_eq!((update.previous_studies, update.previous_reports), (1, 1));
    let c = &update.counts;
    assert_eq!(c.records_from_databases, 3, "only the re-run's records");
    assert_eq!(c.duplicates_removed, 1, "the record of a citation screened before");
    assert_eq!((c.records_screened, c.records_excluded), (2, 1));
    assert_eq!((c.studies_included, c.reports_included), (1, 1));
    // The whole stream still counts both rounds.
    let all = service.prisma(None).await.unwrap();
    assert_eq!((all.records_from_databases, all.records_screened, all.studies_included), (6, 5, 2));

    let flow = service.stream_flow(None).await.unwrap();
    assert_eq!(
        flow.options.template,
        Some(sift_report::flow::Template::Updated { previous_studies: 1, previous_reports: 1 })
    );
    let svg = sift_report::flow::flow_svg(&flow.counts, &flow.options).unwrap();
    assert!(svg.contains("previous version"), "the updated template's left column");
    service.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_living_review_draws_its_latest_round_beside_the_studies_before() {
    on_every_database(living_review_story).await;
}

/// A review's own appraisal tool: checked when added (owners only), used like a built-in one,
/// listed after them, and plotted in the report.
async fn custom_tool_story(db: TestDatabase) {
    let service = full_review_on(&db).await;
    let (owner, ellen) = (Actor::new("lise"), Actor::new("ellen"));
    let tool = r#"
key = "mmat-qual"
name = "MMAT, qualitative"
judgements = ["Yes", "Can't tell", "No"]
overall = ["High", "Moderate", "Low"]
[[domains]]
key = "1.1"
label = "Is the qualitative approach appropriate?"
[[domains]]
key = "1.2"
label = "Are the data collection methods adequate?"
"#;
    assert!(matches!(service.add_appraisal_tool(&ellen, tool).await, Err(ServiceError::Forbidden(_))));
    let err = service.add_appraisal_tool(&owner, &tool.replace("mmat-qual", "rob2")).await.unwrap_err();
    assert!(err.to_string().contains("built-in"), "{err}");
    let err = service.add_appraisal_tool(&owner, "key = 1").await.unwrap_err();
    assert!(err.to_string().contains("TOOL") && err.to_string().contains("not a tool definition"), "{err}");
    let added = service.add_appraisal_tool(&owner, tool).await.unwrap();
    assert_eq!(added.domains.len(), 2);
    let tools = service.appraisal_tools().await.unwrap();
    assert_eq!(tools.last().unwrap().key, "mmat-qual");
    assert!(tools.iter().any(|t| t.key == "rob2"), "the built-in tools come first");

    let mut appraisal = sift_domain::appraisal::Appraisal::default();
    appraisal.judgements.insert("1.1".into(), "Maybe".into());
    let err = service.appraise(&ellen, 2, "mmat-qual", &appraisal).await.unwrap_err();
    assert!(err.to_string().contains("\"Maybe\" is not one of: Yes, Can't tell, No"), "{err}");
    appraisal.judgements.insert("1.1".into(), "Yes".into());
    appraisal.judgements.insert("1.2".into(), "No".into());
    appraisal.overall = Some("Moderate".into());
    service.appraise(&ellen, 2, "mmat-qual", &appraisal).await.unwrap();
    let err = service.appraise(&ellen, 2, "nope", &appraisal).await.unwrap_err();
    assert!(err.to_string().contains("mmat-qual"), "the error lists the review's tools: {err}");
    let plots = service.appraisal_plots().await.unwrap();
    assert!(plots.iter().any(|(key, svg)| key == "mmat-qual" && svg.contains("MMAT")), "{plots:?}");
    service.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_adds_its_own_appraisal_tools_on_every_backend() {
    on_every_database(custom_tool_story).await;
}

const OUTCOMES: &str = r#"
name = "outcomes"
[[fields]]
key = "events"
label = "Tuberculosis cases (I/C)"
type = "integer_pair"
[[fields]]
key = "total"
label = "Participants (I/C)"
type = "integer_pair"
[[fields]]
key = "latitude"
label = "Absolute latitude"
type = "number"
"#;

/// A meta-analysis reads the consensus values of a charting form: a pair is two columns,
/// problems name the citation and its study, and settled values only count.
async fn meta_story(db: TestDatabase) {
    use sift_service::meta::{Measure, MetaSpec};

    let service = full_review_on(&db).await;
    let owner = Actor::new("lise");
    let ellen = Actor::new("ellen");
    service.add_form(&owner, OUTCOMES).await.unwrap();
    let spec = MetaSpec::new(Measure::RiskRatio);

    let table = service.meta_table("outcomes", None, &[]).await.unwrap();
    assert_eq!(table.columns, ["study", "events1", "events2", "total1", "total2", "latitude", "year"]);
    let err = service.meta_analysis("outcomes", None, &[], &spec).await.unwrap_err();
    assert!(err.to_string().contains("no citation has settled"), "{err}");

    // A value missing from the consensus is named by citation and study.
    let set = |pairs: &[(&str, &str)]| {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>()
    };
    service
        .chart(&ellen, "outcomes", 2, &set(&[("events", "4/11"), ("latitude", "44")]), true)
        .await
        .unwrap();
    service.settle_chart(&owner, "outcomes", 2, Some("ellen"), &[]).await.unwrap();
    let err = service.meta_analysis("outcomes", None, &[], &spec).await.unwrap_err();
    assert_eq!(err.to_string(), "form outcomes, citation 2 (Trial A): column `total1` is empty");

    // Settled with the totals: Aronson 1948's risk ratio, 4/123 against 11/139.
    service.settle_chart(&owner, "outcomes", 2, Some("ellen"), &set(&[("total", "123/139")])).await.unwrap();
    let analysis = service.meta_analysis("outcomes", None, &[], &spec).await.unwrap();
    assert_eq!(analysis.studies.len(), 1);
    assert_eq!(analysis.studies[0].label, "Trial A");
    assert!((analysis.fit.pooled().estimate - -0.8893).abs() < 5e-5, "{:?}", analysis.fit.pooled());
    assert!(analysis.summary().contains("Trial A"));

    // A column the reader needs can come from another field.
    let renamed = [("total1".to_string(), "events1".to_string())];
    let table = service.meta_table("outcomes", None, &renamed).await.unwrap();
    assert_eq!(table.columns[1], "total1");
    let err =
        service.meta_table("outcomes", None, &[("events1".into(), "deaths1".into())]).await.unwrap_err();
    assert!(
        err.to_string().contains("form \"outcomes\" has no column \"deaths1\" (it has: events1, events2"),
        "{err}"
    );
    let err = service.meta_table("outcomes", Some("nope"), &[]).await.unwrap_err();
    assert!(err.to_string().contains("no stream \"nope\""), "{err}");

    // Analyses kept with the review: checked when stored, owners only, drawn by the report.
    let analyses = r#"
[[analyses]]
name = "tb"
title = "Tuberculosis"
form = "outcomes"
measure = "RR"
moderators = ["latitude"]
"#;
    let forbidden = service.set_report_analyses(&ellen, analyses).await.unwrap_err();
    assert!(matches!(forbidden, ServiceError::Forbidden(_)), "{forbidden}");
    for (bad, expected) in [
        (analyses.replace("\"RR\"", "\"XX\""), "analysis tb: measure: unknown measure \"XX\""),
        (
            analyses.replace("form = \"outcomes\"", "form = \"nope\""),
            "analysis tb: form: form \"nope\" not found",
        ),
        (
            analyses.replace("[\"latitude\"]", "[\"dose\"]"),
            "analysis tb: no `dose` column for the moderator (the header has: study, events1",
        ),
        (analyses.replace("\"RR\"", "\"MD\""), "analysis tb: no `mean1` column, which Mean difference needs"),
        (analyses.replace("name = \"tb\"", "name = \"t b\""), "analysis 1: name: \"t b\" must be letters"),
        (
            analyses.replace("measure = \"RR\"", "measure = \"MD\"\npooling = \"mh\""),
            "analysis tb: pooling: Mantel-Haenszel",
        ),
        (analyses.replace("title =", "titel ="), "unknown field `titel`"),
    ] {
        let err = service.set_report_analyses(&owner, &bad).await.unwrap_err();
        assert!(err.to_string().contains(expected), "{expected:?} in {err}");
    }
    assert!(service.report_analyses().await.unwrap().is_empty(), "nothing stored by a refused spec");
    let second = analyses
        .replace("name = \"tb\"", "name = \"by-form\"")
        .replace("moderators = [\"latitude\"]\n", "cumulative_by = \"year\"\n")
        + "\n[[analyses]]\nname = \"empty\"\nform = \"characteristics\"\nmeasure = \"ratio\"\ncolumns = { estimate = \"design\", se = \"patients1\" }\n";
    service.add_form(&owner, FORM).await.unwrap();
    assert_eq!(service.set_report_analyses(&owner, &second).await.unwrap(), ["by-form", "empty"]);
    let (_, run) = service.run_analysis("by-form").await.unwrap();
    assert_eq!(run.fit.k, 1);
    // Ordered by each report's publication year, which the form's table adds as `year`.
    let year = service.citation_view(&owner, 2, Stage::TitleAbstract).await.unwrap().record.reference.year;
    assert_eq!(run.cumulative.len(), 1);
    assert_eq!(run.cumulative[0].order, year.map(f64::from));
    let bundle = service.report_bundle(&owner).await.unwrap();
    let paths: Vec<&str> = bundle.files.iter().map(|f| f.path.as_str()).collect();
    for path in [
        "analyses/by-form.txt",
        "analyses/by-form.json",
        "analyses/by-form-forest.svg",
        "analyses/by-form-forest.png",
        "analyses/by-form-forest.pdf",
        "analyses/by-form-funnel.svg",
        "analyses/by-form-cumulative.svg",
        "analyses/by-form-cumulative.png",
    ] {
        assert!(paths.contains(&path), "{path} in {paths:?}");
    }
    // An analysis whose form has no settled values yet is named among the report's problems.
    assert!(
        bundle
            .problems
            .iter()
            .any(|p| p.starts_with("analysis empty: not drawn: ") && p.contains("no citation has settled")),
        "{:?}",
        bundle.problems
    );
    let index = &bundle.files.iter().find(|f| f.path == "index.html").unwrap().bytes;
    assert!(String::from_utf8_lossy(index).contains("Meta-analyses (1)"));
    service.remove_report_analysis(&owner, "empty").await.unwrap();
    let err = service.run_analysis("empty").await.unwrap_err();
    assert!(err.to_string().contains("the review's analyses are: by-form"), "{err}");
}

#[tokio::test]
async fn a_meta_analysis_reads_a_charting_forms_consensus_on_every_backend() {
    on_every_database(meta_story).await;
}
