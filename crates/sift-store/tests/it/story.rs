//! The storage story: a review is created, gets streams, searches, files and records, and
//! everything reads back the same on every backend.

use sift_domain::{Author, Reference, ReviewType, SearchKind, WorkType};
use sift_store::records::{NewRecord, RecordFilter};
use sift_store::reviews::NewReview;
use sift_store::searches::{ImportFile, NewSearch, StoredDiagnostic};
use sift_store::testing::on_every_backend;
use sift_store::{Store, StoreError, records, reviews, searches};

const NOW: &str = "2026-11-27T12:00:00Z";

fn reference(title: &str, doi: Option<&str>, year: i32) -> Reference {
    Reference {
        work_type: WorkType::JournalArticle,
        title: Some(title.into()),
        abstract_text: Some(format!("About {title}.")),
        authors: vec![Author::new("Søndergaard", Some("Ærø".into())), Author::new("WHO", None)],
        year: Some(year),
        journal: Some("Pain".into()),
        doi: doi.map(String::from),
        keywords: vec!["neuropathy".into(), "cancer survivors".into()],
        ..Reference::default()
    }
}

async fn story(store: Store) {
    let mut tx = store.write().await.unwrap();
    let review = reviews::insert_review(
        tx.conn(),
        &NewReview {
            slug: "np",
            title: "Neuropathic pain",
            review_type: ReviewType::Scoping,
            question: None,
            created_at: NOW,
        },
    )
    .await
    .unwrap();
    let default = reviews::insert_stream(tx.conn(), review, "default", None, true, NOW).await.unwrap();
    let pharma = reviews::insert_stream(tx.conn(), review, "pharmacological", Some("drugs"), false, NOW)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // Unique names are enforced and reported as conflicts.
    let mut tx = store.write().await.unwrap();
    let err =
        reviews::insert_stream(tx.conn(), review, "pharmacological", None, false, NOW).await.unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    drop(tx);

    let mut conn = store.read().await.unwrap();
    let streams = reviews::list_streams(&mut conn, review).await.unwrap();
    assert_eq!(streams.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(), ["default", "pharmacological"]);
    assert!(streams[0].is_default && !streams[1].is_default);
    assert_eq!(streams[1].description.as_deref(), Some("drugs"));
    drop(conn);

    // A search with one file of three records, written in one transaction.
    let mut tx = store.write().await.unwrap();
    let search = searches::insert_search(
        tx.conn(),
        &NewSearch {
            review,
            stream: pharma,
            source: "PubMed",
            kind: SearchKind::Database,
            platform: None,
            query: Some("neuropathic pain AND survivor*"),
            run_date: Some("2024-03-15"),
            limits: Some("2004-2026; English, Danish"),
            hits_reported: Some(3),
            updates: None,
            created_at: NOW,
            created_by: "tester",
        },
    )
    .await
    .unwrap();
    let file = searches::insert_import_file(
        tx.conn(),
        &ImportFile {
            id: sift_domain::ImportFileId(0),
            search,
            file_name: "pubmed.nbib".into(),
            format: "medline".into(),
            encoding: "utf-8".into(),
            sha256: "ab".repeat(32),
            size_bytes: 1234,
            n_records: 3,
            imported_at: NOW.into(),
        },
    )
    .await
    .unwrap();
    let refs = [
        reference("Duloxetine for pain", Some("10.1/a"), 2013),
        reference("Gabapentin and morphine", None, 2004),
        reference("Exercise\0 and neuropathy", Some("10.1/c"), 2021),
    ];
    let extra = vec![("label_included".to_string(), "1".to_string())];
    let new: Vec<NewRecord<'_>> = refs
        .iter()
        .enumerate()
        .map(|(i, r)| NewRecord {
            reference: r,
            raw: "PMID- 1\nTI  - x",
            file_index: i as u32,
            file_line: 1 + 10 * i as u32,
            source_id: Some("id-1"),
            extra: &extra,
        })
        .collect();
    records::insert_records(tx.conn(), review, search, file, &new).await.unwrap();
    searches::insert_diagnostics(
        tx.conn(),
        &[StoredDiagnostic {
            file,
            severity: "warning".into(),
            line: Some(7),
            tag: Some("ZZ".into()),
            message: "unknown".into(),
            count: 2,
        }],
    )
    .await
    .unwrap();
    reviews::append_event(
        tx.conn(),
        review,
        NOW,
        "tester",
        "search.added",
        Some("1"),
        &serde_json::json!({"n": 3}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut conn = store.read().await.unwrap();
    let listed = searches::list_searches(&mut conn, review, Some(pharma)).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].hits_reported, Some(3));
    assert_eq!(listed[0].limits.as_deref(), Some("2004-2026; English, Danish"));
    assert!(searches::list_searches(&mut conn, review, Some(default)).await.unwrap().is_empty());
    assert_eq!(searches::record_counts(&mut conn, review).await.unwrap()[&search], 3);
    assert_eq!(searches::import_files(&mut conn, review).await.unwrap()[&search][0].file_name, "pubmed.nbib");
    assert_eq!(searches::diagnostics(&mut conn, review).await.unwrap()[0].count, 2);

    let all = records::list_records(&mut conn, review, &RecordFilter::default()).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].reference, refs[0], "fields read back exactly, Unicode included");
    assert_eq!(all[0].extra, extra);
    assert_eq!(all[0].raw, "", "raw text is only read when asked for");
    assert_eq!(all[2].reference.title.as_deref(), Some("Exercise\u{fffd} and neuropathy"));

    let one = records::record_by_id(&mut conn, review, all[1].id).await.unwrap();
    assert_eq!(one.raw, "PMID- 1\nTI  - x");
    assert_eq!(one.file_line, 11);
    assert_eq!(one.file_name, "pubmed.nbib");

    let filtered = |f: RecordFilter| {
        let store = store.clone();
        async move {
            let mut conn = store.read().await.unwrap();
            records::list_records(&mut conn, review, &f).await.unwrap().len()
        }
    };
    assert_eq!(filtered(RecordFilter { text: Some("GABAPENTIN".into()), ..Default::default() }).await, 1);
    assert_eq!(filtered(RecordFilter { text: Some("100%".into()), ..Default::default() }).await, 0);
    assert_eq!(filtered(RecordFilter { has_doi: Some(true), ..Default::default() }).await, 2);
    assert_eq!(filtered(RecordFilter { year_from: Some(2010), ..Default::default() }).await, 2);
    assert_eq!(filtered(RecordFilter { stream: Some(default), ..Default::default() }).await, 0);
    assert_eq!(filtered(RecordFilter { doi: Some("10.1/C".into()), ..Default::default() }).await, 1);
    assert_eq!(filtered(RecordFilter { limit: Some(2), offset: Some(1), ..Default::default() }).await, 2);
    assert_eq!(filtered(RecordFilter { offset: Some(2), ..Default::default() }).await, 1);
    assert_eq!(records::count_records(&mut conn, review, &RecordFilter::default()).await.unwrap(), 3);

    let events = reviews::list_events(&mut conn, review).await.unwrap();
    assert_eq!(events[0].detail["n"], 3);

    // A write that is dropped without commit leaves nothing behind.
    let mut tx = store.write().await.unwrap();
    reviews::insert_stream(tx.conn(), review, "exercise", None, false, NOW).await.unwrap();
    drop(tx);
    assert_eq!(reviews::list_streams(&mut conn, review).await.unwrap().len(), 2);

    assert!(matches!(
        reviews::review_by_slug(&mut conn, "nope").await,
        Err(StoreError::NotFound { what: "review", .. })
    ));
}

#[tokio::test]
async fn storage_story() {
    on_every_backend(story).await;
}

#[tokio::test]
async fn reopening_a_file_keeps_its_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.sift");
    let store = Store::open_file(&path, true).await.unwrap();
    let mut tx = store.write().await.unwrap();
    reviews::insert_review(
        tx.conn(),
        &NewReview {
            slug: "r",
            title: "R",
            review_type: ReviewType::Systematic,
            question: None,
            created_at: NOW,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    store.close().await;

    assert!(matches!(Store::open_file(&path, true).await, Err(StoreError::AlreadyExists { .. })));
    let store = Store::open_file(&path, false).await.unwrap();
    assert_eq!(sift_store::schema_version(&store).await.unwrap(), sift_store::SCHEMA_VERSION);
    let mut conn = store.read().await.unwrap();
    assert_eq!(reviews::list_reviews(&mut conn).await.unwrap().len(), 1);
    assert!(matches!(
        Store::open_file(&dir.path().join("missing.sift"), false).await,
        Err(StoreError::NoSuchFile { .. })
    ));
    let err = Store::open_file(&dir.path().join("nowhere/new.sift"), true).await.unwrap_err();
    assert!(
        err.to_string().contains("new.sift: the folder") && err.to_string().contains("does not exist"),
        "{err}"
    );
    // Another kind of file is named at once (SQLite's pool would retry for 30 seconds), and
    // an empty one is left empty (SQLite would make it a new database).
    let text = dir.path().join("notes.sift");
    std::fs::write(&text, "search notes\n").unwrap();
    let err = Store::open_file(&text, false).await.unwrap_err();
    assert!(
        err.to_string().contains("notes.sift: not a Sift review file (it is not an SQLite database)"),
        "{err}"
    );
    let empty = dir.path().join("empty.sift");
    std::fs::write(&empty, "").unwrap();
    let err = Store::open_file(&empty, false).await.unwrap_err();
    assert!(err.to_string().contains("the file is empty"), "{err}");
    assert_eq!(std::fs::metadata(&empty).unwrap().len(), 0);
}
