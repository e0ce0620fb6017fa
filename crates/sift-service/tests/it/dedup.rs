//! Deduplication through the service, on every backend: re-run searches join existing
//! citations, people's splits and merges hold across runs, pairs are queued and decided.

use sift_domain::ReviewType;
use sift_service::{Actor, DedupPolicy, InputFile, Locator, NewReviewSpec, SearchSpec, Service};
use sift_store::testing::{TestDatabase, on_every_database};

use crate::import::test_data;

fn locator(db: &TestDatabase) -> Locator {
    match db {
        TestDatabase::SqliteFile(path) => Locator::File(path.clone()),
        TestDatabase::Postgres(url) => Locator::Database { url: url.clone(), review: Some("dedup".into()) },
    }
}

fn search(source: &str) -> SearchSpec {
    SearchSpec { source: source.into(), run_date: Some("2024-03-15".into()), ..SearchSpec::default() }
}

async fn dedup_story(db: TestDatabase) {
    let spec = NewReviewSpec { title: "Dedup".into(), review_type: ReviewType::Systematic, question: None };
    let actor = Actor::new("ellen");
    let service = Service::create(&locator(&db), &spec, &actor).await.unwrap();
    let embase = test_data("asreview/embase.ris");
    service.add_search(&actor, &search("Embase"), &[InputFile::new(&embase)]).await.unwrap();
    let first = service.dedup(&actor, None, DedupPolicy::default()).await.unwrap();
    assert_eq!((first.n_records, first.n_citations, first.n_duplicates_removed), (6, 6, 0));

    // The same search re-run months later: every record joins the citation it duplicates.
    let mut rerun = search("Embase");
    rerun.updates = Some(1);
    rerun.run_date = Some("2025-01-10".into());
    service.add_search(&actor, &rerun, &[InputFile::new(&embase)]).await.unwrap();
    let second = service.dedup(&actor, None, DedupPolicy::default()).await.unwrap();
    assert_eq!((second.n_records, second.n_new_records, second.n_citations), (12, 6, 6));
    assert_eq!(second.n_joined_existing, 6, "a re-run search must not add citations to screen");
    assert_eq!(second.n_duplicates_removed, 6);
    assert_eq!(second.n_automatic_merges, 6);

    // A person splits one record out; later runs respect it; a merge undoes it.
    let records = service.records(None, &Default::default()).await.unwrap();
    let (original, copy) = (records[0].id.0, records[6].id.0);
    service.dedup_split(&actor, copy).await.unwrap();
    let after_split = service.dedup(&actor, None, DedupPolicy::default()).await.unwrap();
    assert_eq!(after_split.n_citations, 7, "the split holds across runs");
    service.dedup_merge(&actor, original, copy).await.unwrap();
    let after_merge = service.dedup(&actor, None, DedupPolicy::default()).await.unwrap();
    assert_eq!(after_merge.n_citations, 6);
    let err = service.dedup_split(&actor, records[1].id.0 + 1000).await.unwrap_err();
    assert!(err.to_string().contains("not found"), "{err}");

    // A near-duplicate with another title spelling and no journal is queued, not merged.
    let dir = tempfile::tempdir().unwrap();
    let near = dir.path().join("near.ris");
    let text = std::fs::read_to_string(&embase).unwrap();
    let first_record = text.split("ER  -").next().unwrap();
    let changed: String = first_record
        .lines()
        .filter(|l| {
            !l.starts_with("JF")
                && !l.starts_with("JO")
                && !l.starts_with("DO")
                && !l.starts_with("L2")
                && !l.starts_with("SP")
                && !l.starts_with("VL")
        })
        .map(|l| {
            if l.starts_with("T1") {
                l.replace(
                    "Duplication cysts: Diagnosis, management, and",
                    "Duplication cysts: management and",
                )
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&near, format!("{changed}\nER  - \n")).unwrap();
    service.add_search(&actor, &search("Embase"), &[InputFile::new(&near)]).await.unwrap();
    let third = service.dedup(&actor, None, DedupPolicy::default()).await.unwrap();
    assert_eq!(third.n_citations, 7);
    assert_eq!(third.n_newly_queued, 1, "{third:?}");
    let pending = service.dedup_pending(None).await.unwrap();
    assert_eq!(pending.len(), 1);
    let decided = service.dedup_decide(&actor, pending[0].pair.id.0, true).await.unwrap();
    assert_eq!(decided.status, "same");
    assert!(service.dedup_pending(None).await.unwrap().is_empty());
    let fourth = service.dedup(&actor, None, DedupPolicy::default()).await.unwrap();
    assert_eq!((fourth.n_citations, fourth.n_pending), (6, 0), "the person's decision holds");

    // Overlap: both searches are "Embase"; a PubMed search adds its own citations.
    service
        .add_search(&actor, &search("PubMed"), &[InputFile::new(test_data("asreview/pubmed_zotero.ris"))])
        .await
        .unwrap();
    service.dedup(&actor, None, DedupPolicy::default()).await.unwrap();
    let overlap = service.dedup_overlap(None).await.unwrap();
    assert_eq!(overlap.sources, ["Embase", "PubMed"]);
    assert_eq!(overlap.found, [(6, 6), (6, 6)]);
    assert_eq!(overlap.shared[0][1], 0);
    service.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deduplication_keeps_citations_and_decisions_across_rounds() {
    on_every_database(dedup_story).await;
}
