//! Recording searches and importing their files through the service, on every backend.

use std::path::{Path, PathBuf};

use sift_domain::{ReviewType, SearchKind};
use sift_service::{
    Actor, ExportFormat, InputFile, Locator, NewReviewSpec, RecordFilter, SearchSpec, Service, ServiceError,
};
use sift_store::testing::{TestDatabase, on_every_database};

pub fn test_data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test_data/formats").join(path)
}

fn locator(db: &TestDatabase) -> Locator {
    match db {
        TestDatabase::SqliteFile(path) => Locator::File(path.clone()),
        TestDatabase::Postgres(url) => Locator::Database { url: url.clone(), review: Some("tour".into()) },
    }
}

fn spec(source: &str) -> SearchSpec {
    SearchSpec {
        source: source.into(),
        kind: Some(SearchKind::Database),
        query: Some("inflammatory bowel disease AND stress".into()),
        run_date: Some("2024-03-15".into()),
        limits: Some("2004-2026; English, Danish".into()),
        ..SearchSpec::default()
    }
}

async fn create(db: &TestDatabase) -> Service {
    let spec =
        NewReviewSpec { title: "IBD and stress".into(), review_type: ReviewType::Scoping, question: None };
    Service::create(&locator(db), &spec, &Actor::new("ellen")).await.unwrap()
}

async fn import_story(db: TestDatabase) {
    let service = create(&db).await;
    let actor = Actor::new("ellen");
    assert_eq!(service.streams().await.unwrap().len(), 1);
    service.add_stream(&actor, "psychological", Some("psychology databases")).await.unwrap();

    // One good file and one that is not an export: nothing may be written.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("notes.txt");
    std::fs::write(&bad, "these are my notes, not a database export\n").unwrap();
    let err = service
        .add_search(
            &actor,
            &spec("PubMed"),
            &[InputFile::new(test_data("asreview/pubmed_zotero.ris")), InputFile::new(&bad)],
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::Read(_)), "{err:?}");
    assert!(err.to_string().contains("notes.txt"), "the error names the file: {err}");
    assert!(service.searches(None).await.unwrap().is_empty(), "a failed import leaves no search");
    assert_eq!(service.count_records(None, &RecordFilter::default()).await.unwrap(), 0, "and no records");

    // Bad options are named by field.
    let mut wrong_date = spec("PubMed");
    wrong_date.run_date = Some("15/03/2024".into());
    let err = service
        .add_search(&actor, &wrong_date, &[InputFile::new(test_data("asreview/embase.ris"))])
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("--run-date:"), "{err}");
    let mut wrong_stream = spec("PubMed");
    wrong_stream.stream = Some("exercise".into());
    let err = service
        .add_search(&actor, &wrong_stream, &[InputFile::new(test_data("asreview/embase.ris"))])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("psychological"), "lists the streams there are: {err}");

    // Real imports.
    let mut pubmed = spec("PubMed");
    pubmed.hits_reported = Some(7);
    let report = service
        .add_search(&actor, &pubmed, &[InputFile::new(test_data("asreview/pubmed_zotero.ris"))])
        .await
        .unwrap();
    assert_eq!(report.files[0].n_records, 6);
    assert_eq!(report.files[0].format, "ris");
    assert_eq!(report.files[0].sha256.len(), 64);
    let mut psycinfo = spec("PsycInfo");
    psycinfo.stream = Some("psychological".into());
    psycinfo.platform = Some("Ovid".into());
    service
        .add_search(
            &actor,
            &psycinfo,
            &[
                InputFile::new(test_data("asreview/ovid_psycinfo.ris")),
                InputFile::new(test_data("pubmed/pubmed-29768149.xml")),
            ],
        )
        .await
        .unwrap();

    let searches = service.searches(None).await.unwrap();
    assert_eq!(searches.len(), 2);
    assert_eq!((searches[0].search.hits_reported, searches[0].n_records), (Some(7), 6));
    assert_eq!(searches[1].stream, "psychological");
    assert_eq!(searches[1].files.len(), 2);
    assert_eq!(searches[1].n_records, 7);
    assert_eq!(service.searches(Some("psychological")).await.unwrap().len(), 1);

    // Re-importing the same file is allowed but flagged.
    let again = service
        .add_search(&actor, &spec("PubMed"), &[InputFile::new(test_data("asreview/pubmed_zotero.ris"))])
        .await
        .unwrap();
    assert!(again.files[0].diagnostics.iter().any(|d| d.message.contains("already imported")));

    // Listing, filtering, showing.
    let all = service.records(None, &RecordFilter::default()).await.unwrap();
    assert_eq!(all.len(), 19);
    let psych = service.records(Some("psychological"), &RecordFilter::default()).await.unwrap();
    assert_eq!(psych.len(), 7);
    let one = service.record(psych[0].id.0).await.unwrap();
    assert!(one.raw.starts_with("TY  - JOUR"), "raw text kept: {}", &one.raw[..40]);
    assert_eq!(one.file_name, "ovid_psycinfo.ris");
    assert_eq!(one.file_line, 2, "Ovid's `1.` line comes first");
    assert!(matches!(service.record(999_999).await, Err(ServiceError::NotFound { .. })));

    // Export reaches the writer with every record of the set.
    let mut out = Vec::new();
    let summary = service
        .export(Some("psychological"), &RecordFilter::default(), ExportFormat::Jsonl, &mut out)
        .await
        .unwrap();
    assert_eq!(summary.n_records, 7);
    assert_eq!(String::from_utf8(out).unwrap().lines().count(), 7);

    // The audit log has every change.
    let kinds: Vec<String> = service.events().await.unwrap().into_iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["review.created", "stream.added", "search.added", "search.added", "search.added"]);
    service.close().await;

    // Reopening finds the same review.
    let reopened = Service::open(&locator(&db)).await.unwrap();
    assert_eq!(reopened.review().title, "IBD and stress");
    reopened.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_import_all_or_nothing_on_every_backend() {
    on_every_database(import_story).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_file_imports_with_a_warning() {
    on_every_database(|db| async move {
        let service = create(&db).await;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.ris");
        let text = std::fs::read_to_string(test_data("asreview/embase.ris")).unwrap();
        std::fs::write(&path, &text[..text.len() - 200]).unwrap();
        let report = service
            .add_search(&Actor::new("ellen"), &spec("Embase"), &[InputFile::new(&path)])
            .await
            .unwrap();
        assert_eq!(report.files[0].n_records, 6);
        let listed = service.searches(None).await.unwrap();
        assert!(listed[0].n_warnings() >= 1);
        assert!(
            listed[0]
                .diagnostics
                .iter()
                .any(|(file, d)| file == "cut.ris" && d.message.contains("no ER line"))
        );
        service.close().await;
    })
    .await;
}
