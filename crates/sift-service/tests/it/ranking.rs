//! Ranked screening through the service, on every backend: the order follows what the
//! reviewer taught the model, another reviewer's blinded votes never change it, and a vote
//! returns while training is held back.

use sift_domain::ReviewType;
use sift_domain::screening::{Decision, Role, Stage, StageSettings};
use sift_service::{Actor, DedupPolicy, InputFile, Locator, NewReviewSpec, SearchSpec, Service};
use sift_store::testing::{TestDatabase, on_every_database};

fn locator(db: &TestDatabase) -> Locator {
    match db {
        TestDatabase::SqliteFile(path) => Locator::File(path.clone()),
        TestDatabase::Postgres(url) => Locator::Database { url: url.clone(), review: Some("rank".into()) },
    }
}

const TOPICS: [&str; 5] =
    ["jazz improvisation", "glacier melt", "bridge corrosion", "bird migration", "tax reform"];

/// 60 records in import order: 50 on assorted topics first, then 10 on statins.
async fn setup(db: &TestDatabase) -> (Service, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("records.csv");
    let mut text = String::from("title,abstract,year\n");
    for i in 0..60 {
        let (title, abstract_text) = if i < 50 {
            let topic = TOPICS[i % TOPICS.len()];
            (format!("{topic} study {i}"), format!("we observed {topic} over {i} seasons in the field"))
        } else {
            (format!("statin therapy trial {i}"), format!("statin lowered cholesterol in trial arm {i}"))
        };
        text.push_str(&format!("\"{title}\",\"{abstract_text}\",20{:02}\n", i % 25));
    }
    std::fs::write(&csv, text).unwrap();
    let owner = Actor::new("lise");
    let spec = NewReviewSpec { title: "Statins".into(), review_type: ReviewType::Systematic, question: None };
    let service = Service::create(&locator(db), &spec, &owner).await.unwrap();
    let search = SearchSpec { source: "PubMed".into(), ..SearchSpec::default() };
    service.add_search(&owner, &search, &[InputFile::new(csv)]).await.unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    service.set_member(&owner, "ellen", Role::Reviewer, false).await.unwrap();
    service.set_member(&owner, "agon", Role::Reviewer, false).await.unwrap();
    let settings = StageSettings {
        reviewers_required: 2,
        blinded: true,
        ..StageSettings::default_for(Stage::TitleAbstract)
    };
    service.set_stage(&owner, &settings).await.unwrap();
    (service, dir)
}

/// Citation ids by title: statin ones and the others.
async fn citations(service: &Service) -> (Vec<i64>, Vec<i64>) {
    let owner = Actor::new("lise");
    let (mut statin, mut other) = (Vec::new(), Vec::new());
    for id in 1..=200 {
        let Ok(view) = service.citation_view(&owner, id, Stage::TitleAbstract).await else { continue };
        let title = view.record.reference.title.clone().unwrap_or_default();
        if title.contains("statin") { statin.push(id) } else { other.push(id) }
    }
    assert_eq!((statin.len(), other.len()), (10, 50));
    (statin, other)
}

async fn next_title(service: &Service, actor: &Actor) -> String {
    let next = service.screen_next(actor, None, Stage::TitleAbstract).await.unwrap().unwrap();
    next.record.reference.title.unwrap_or_default()
}

async fn ranking_story(db: TestDatabase) {
    let (service, _dir) = setup(&db).await;
    let (statin, other) = citations(&service).await;
    let (ellen, agon) = (Actor::new("ellen"), Actor::new("agon"));
    let ta = Stage::TitleAbstract;

    // Nothing known yet: import order, which starts with the 50 other records.
    assert!(!next_title(&service, &ellen).await.contains("statin"));
    // Ellen includes one statin trial and excludes one jazz study.
    service.vote(&ellen, statin[0], ta, Decision::Include, None, false, None).await.unwrap();
    service.vote(&ellen, other[0], ta, Decision::Exclude, None, false, None).await.unwrap();
    let status = service.refresh_ranking(&ellen, None).await.unwrap();
    assert_eq!((status.trained_on, status.known), (Some(2), 2));
    // The model now puts the other statin trials first, far ahead of import order.
    let first = service.screen_next(&ellen, None, ta).await.unwrap().unwrap();
    assert!(first.record.reference.title.as_deref().unwrap_or("").contains("statin"), "{first:?}");
    assert_eq!(first.remaining, 58);

    // Agon, blinded from Ellen and she from him, votes the opposite way on many records.
    // Had Ellen's model read his votes, statins would sink and her next record would change.
    for &c in &statin[1..6] {
        service.vote(&agon, c, ta, Decision::Exclude, None, false, None).await.unwrap();
    }
    for &c in &other[1..11] {
        service.vote(&agon, c, ta, Decision::Include, None, false, None).await.unwrap();
    }
    let after = service.refresh_ranking(&ellen, None).await.unwrap();
    assert_eq!(after.known, 2, "Ellen may know only her own two votes");
    let again = service.screen_next(&ellen, None, ta).await.unwrap().unwrap();
    assert_eq!(again.citation, first.citation, "another reviewer's blinded votes moved Ellen's order");
    // Agon's own order follows his votes: he taught his model statins are out.
    service.refresh_ranking(&agon, None).await.unwrap();
    assert!(!next_title(&service, &agon).await.contains("statin"));

    // A vote never waits for training: with training held back, votes still return (a
    // timeout turns a wait into a failure rather than a hang).
    let pause = service.pause_ranking().await;
    for &c in &statin[1..4] {
        let vote = service.vote(&ellen, c, ta, Decision::Include, None, false, None);
        tokio::time::timeout(std::time::Duration::from_secs(30), vote)
            .await
            .expect("a vote waited for training")
            .unwrap();
    }
    let held = service.ranking_status(&ellen, None).await.unwrap();
    assert_eq!((held.trained_on, held.known), (Some(2), 5), "the ranking cannot have moved while paused");
    // screen_next works on the last ranking meanwhile.
    assert!(service.screen_next(&ellen, None, ta).await.unwrap().is_some());
    drop(pause);
    let fresh = service.refresh_ranking(&ellen, None).await.unwrap();
    assert_eq!(fresh.trained_on, Some(5));

    // The stopping aid in progress, from resolved decisions only.
    let owner = Actor::new("lise");
    for &c in &statin[..4] {
        service.vote(&agon, c, ta, Decision::Include, None, false, None).await.ok();
    }
    let progress = service.progress(&owner, None, ta).await.unwrap();
    // Both included statin[0..4] (agon changed his votes on 1..4): resolved by agreement.
    assert_eq!(progress.n_resolved, 4);
    let stop = progress.stopping.expect("a stopping aid once something is resolved");
    assert_eq!((stop.n_total, stop.n_relevant_found), (60, 4));
    assert!(!stop.safe_to_stop, "4 resolved of 60 cannot be enough: {stop:?}");
    service.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranking_follows_the_reviewer_and_never_leaks_or_blocks() {
    on_every_database(ranking_story).await;
}
