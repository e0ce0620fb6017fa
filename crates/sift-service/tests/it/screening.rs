//! Screening through the service on every backend: roles, the blinding rule on every read
//! path, agreement and conflicts, full text, other methods, studies and PRISMA counts; and a
//! hammer test of concurrent voters on one review file.

use sift_domain::screening::{Decision, Method, Role, Stage, StageSettings, Status};
use sift_domain::{CitationId, ReviewType, SearchKind};
use sift_service::{
    Actor, DedupPolicy, ExportFormat, InputFile, Locator, NewReviewSpec, RecordFilter, SearchSpec, Service,
    ServiceError,
};
use sift_store::testing::{TestDatabase, on_every_database};

use crate::import::test_data;

fn locator(db: &TestDatabase) -> Locator {
    match db {
        TestDatabase::SqliteFile(path) => Locator::File(path.clone()),
        TestDatabase::Postgres(url) => Locator::Database { url: url.clone(), review: Some("screen".into()) },
    }
}

/// A review in which every table has rows: searches, records, citations, a dedup decision and
/// queue entry, members, criteria, votes, resolutions at both stages, a full text, an
/// other-methods search and a study.
pub async fn full_review(locator: &Locator) -> Service {
    let db = match locator {
        Locator::File(path) => TestDatabase::SqliteFile(path.clone()),
        Locator::Database { url, .. } => TestDatabase::Postgres(url.clone()),
    };
    full_review_on(&db).await
}

/// [`full_review`] on a test database.
pub async fn full_review_on(db: &TestDatabase) -> Service {
    let db = db.clone();
    let service = setup(&db).await;
    let (ellen, agon, owner) = (Actor::new("ellen"), Actor::new("agon"), Actor::new("lise"));
    service
        .set_stage(
            &owner,
            &StageSettings { reviewers_required: 2, ..StageSettings::default_for(Stage::FullText) },
        )
        .await
        .unwrap();
    service.set_keywords(&owner, &["pain".into()], &["rat".into()]).await.unwrap();
    for c in 1..=6 {
        let d = if c <= 2 { Decision::Include } else { Decision::Exclude };
        service.vote(&ellen, c, Stage::TitleAbstract, d, None, false, Some("a note")).await.unwrap();
        service.vote(&agon, c, Stage::TitleAbstract, d, None, false, None).await.unwrap();
    }
    service
        .vote(&ellen, 1, Stage::FullText, Decision::Exclude, Some("wrong population"), false, None)
        .await
        .unwrap();
    service
        .vote(&agon, 1, Stage::FullText, Decision::Exclude, Some("wrong population"), false, None)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("p.pdf");
    std::fs::write(&pdf, b"%PDF-1.4 tiny").unwrap();
    service.fulltext_attach(&ellen, 2, &pdf).await.unwrap();
    service.vote(&ellen, 2, Stage::FullText, Decision::Include, None, false, None).await.unwrap();
    service.vote(&agon, 2, Stage::FullText, Decision::Include, None, false, None).await.unwrap();
    service.link_study(&ellen, "Trial A", &[2]).await.unwrap();
    let spec = SearchSpec {
        source: "Citation searching".into(),
        kind: Some(SearchKind::Other),
        found_in: Some(2),
        ..SearchSpec::default()
    };
    service
        .add_search(&owner, &spec, &[InputFile::new(test_data("asreview/pubmed_zotero.ris"))])
        .await
        .unwrap();
    // A near-duplicate of a citation's record, to queue a pair.
    let near = dir.path().join("near.ris");
    let text = std::fs::read_to_string(test_data("asreview/embase.ris")).unwrap();
    let record: String = text
        .split("ER  -")
        .next()
        .unwrap()
        .lines()
        .filter(|l| !["JF", "JO", "DO", "L2", "SP", "EP", "VL"].iter().any(|t| l.starts_with(t)))
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
    std::fs::write(&near, format!("{record}\nER  - \n")).unwrap();
    service
        .add_search(
            &owner,
            &SearchSpec { source: "Embase".into(), ..SearchSpec::default() },
            &[InputFile::new(&near)],
        )
        .await
        .unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    // A re-run search gives automatic merges to log.
    let mut rerun = SearchSpec { source: "Embase".into(), ..SearchSpec::default() };
    rerun.updates = Some(1);
    service.add_search(&owner, &rerun, &[InputFile::new(test_data("asreview/embase.ris"))]).await.unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    service
}

/// A review with the six Embase records deduplicated into six citations, and a team.
async fn setup(db: &TestDatabase) -> Service {
    let owner = Actor::new("lise");
    let spec =
        NewReviewSpec { title: "Neuropathic pain".into(), review_type: ReviewType::Scoping, question: None };
    let service = Service::create(&locator(db), &spec, &owner).await.unwrap();
    service
        .add_search(
            &owner,
            &SearchSpec { source: "Embase".into(), ..SearchSpec::default() },
            &[InputFile::new(test_data("asreview/embase.ris"))],
        )
        .await
        .unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    service.set_member(&owner, "ellen", Role::Reviewer, false).await.unwrap();
    service.set_member(&owner, "agon", Role::Reviewer, false).await.unwrap();
    service.set_member(&owner, "katrin", Role::Reviewer, true).await.unwrap();
    service.set_member(&owner, "guest", Role::Viewer, false).await.unwrap();
    service.add_criterion(&owner, "wrong population", Some("not cancer survivors")).await.unwrap();
    service.add_criterion(&owner, "wrong intervention", None).await.unwrap();
    service
}

fn forbidden<T: std::fmt::Debug>(result: Result<T, ServiceError>) {
    assert!(matches!(result, Err(ServiceError::Forbidden(_))), "{result:?}");
}

async fn screening_story(db: TestDatabase) {
    let service = setup(&db).await;
    let (ellen, agon, katrin, guest, owner) = (
        Actor::new("ellen"),
        Actor::new("agon"),
        Actor::new("katrin"),
        Actor::new("guest"),
        Actor::new("lise"),
    );
    let ta = Stage::TitleAbstract;

    // Roles.
    forbidden(service.vote(&guest, 1, ta, Decision::Include, None, false, None).await);
    forbidden(service.screen_next(&guest, None, ta).await);
    forbidden(service.vote(&Actor::new("stranger"), 1, ta, Decision::Include, None, false, None).await);
    forbidden(service.set_member(&ellen, "mallory", Role::Owner, true).await);
    forbidden(service.conflicts(&ellen, None, ta).await);
    forbidden(service.set_stage(&ellen, &StageSettings::default_for(ta)).await);

    // Next follows import order and skips what the reviewer has done.
    let first = service.screen_next(&ellen, None, ta).await.unwrap().unwrap();
    assert_eq!((first.citation.0, first.done, first.remaining), (1, 0, 6));

    // Agreement resolves by itself.
    service.vote(&ellen, 1, ta, Decision::Include, None, false, None).await.unwrap();
    let outcome = service.vote(&agon, 1, ta, Decision::Include, None, false, None).await.unwrap();
    assert_eq!(outcome.resolved, Some((Decision::Include, Method::Agreement)));
    assert_eq!(service.screen_next(&ellen, None, ta).await.unwrap().unwrap().citation.0, 2);

    // A conflict, and blinding on every read path while it lasts.
    let mine = service
        .vote(&ellen, 2, ta, Decision::Include, None, false, Some("survivors, 2 y after chemo"))
        .await
        .unwrap();
    assert_eq!(mine.status, None, "a blinded voter learns nothing of the others");
    let theirs =
        service.vote(&agon, 2, ta, Decision::Exclude, Some("wrong population"), false, None).await.unwrap();
    assert_eq!(theirs.status, None, "not even that the votes disagree");
    let view = service.citation_view(&ellen, 2, ta).await.unwrap();
    assert_eq!(view.status, None);
    assert_eq!(view.votes.len(), 1);
    assert_eq!(view.votes[0].reviewer, "ellen");
    let view = service.citation_view(&guest, 2, ta).await.unwrap();
    assert!(view.votes.is_empty() && view.status.is_none(), "a viewer sees no votes");
    let progress = service.progress(&ellen, None, ta).await.unwrap();
    assert_eq!(progress.n_conflicts, None, "conflict counts are hidden from blinded reviewers");
    assert_eq!(progress.per_reviewer, vec![("ellen".to_string(), 2), ("agon".to_string(), 2)]);
    let mut exported = Vec::new();
    service.export(None, &RecordFilter::default(), ExportFormat::Jsonl, &mut exported).await.unwrap();
    let exported = String::from_utf8(exported).unwrap();
    assert!(
        !exported.contains("survivors, 2 y") && !exported.contains("wrong population"),
        "exports carry no votes"
    );
    // The resolver sees both votes, with reasons and notes.
    let conflicts = service.conflicts(&katrin, None, ta).await.unwrap();
    assert_eq!(conflicts.len(), 1);
    assert_eq!(conflicts[0].status, Some(Status::Conflict));
    assert_eq!(conflicts[0].votes.len(), 2);
    assert!(conflicts[0].votes.iter().any(|v| v.note.as_deref() == Some("survivors, 2 y after chemo")));
    assert_eq!(service.progress(&katrin, None, ta).await.unwrap().n_conflicts, Some(1));
    // Votes change until resolution; after it they cannot.
    service.vote(&ellen, 2, ta, Decision::Maybe, None, false, None).await.unwrap();
    service.resolve(&katrin, 2, ta, Decision::Include, None, Method::ThirdReviewer).await.unwrap();
    let err = service.vote(&ellen, 2, ta, Decision::Exclude, None, false, None).await.unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err}");
    let view = service.citation_view(&ellen, 2, ta).await.unwrap();
    assert_eq!(view.votes.len(), 2, "once resolved, everyone sees the votes");
    assert_eq!(view.resolution.unwrap().method, Method::ThirdReviewer);

    // A maybe counts as disagreement.
    service.vote(&ellen, 3, ta, Decision::Maybe, None, false, None).await.unwrap();
    service.vote(&agon, 3, ta, Decision::Maybe, None, false, None).await.unwrap();
    assert_eq!(service.conflicts(&katrin, None, ta).await.unwrap().len(), 1);
    service
        .resolve(&owner, 3, ta, Decision::Exclude, Some("wrong population"), Method::Consensus)
        .await
        .unwrap();
    for c in 4..=6 {
        service.vote(&ellen, c, ta, Decision::Exclude, None, false, None).await.unwrap();
        service.vote(&agon, c, ta, Decision::Exclude, None, false, None).await.unwrap();
    }

    // Full text: citations 1 and 2 moved on; an exclusion needs a criterion (or --custom).
    let ft = Stage::FullText;
    assert_eq!(service.screen_next(&ellen, None, ft).await.unwrap().unwrap().remaining, 2);
    let err = service.vote(&ellen, 3, ft, Decision::Include, None, false, None).await.unwrap_err();
    assert!(err.to_string().contains("not at the full-text stage"), "{err}");
    let err = service.vote(&ellen, 1, ft, Decision::Exclude, None, false, None).await.unwrap_err();
    assert!(
        err.to_string().contains("needs a reason") && err.to_string().contains("wrong intervention"),
        "{err}"
    );
    let err =
        service.vote(&ellen, 1, ft, Decision::Exclude, Some("too short"), false, None).await.unwrap_err();
    assert!(err.to_string().contains("not one of the review's criteria"), "{err}");
    service.vote(&ellen, 1, ft, Decision::Exclude, Some("Wrong Intervention"), false, None).await.unwrap();
    let o =
        service.vote(&agon, 1, ft, Decision::Exclude, Some("wrong intervention"), false, None).await.unwrap();
    assert_eq!(o.resolved, Some((Decision::Exclude, Method::Agreement)));
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("paper.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% a tiny test file\n%%EOF\n").unwrap();
    let sha = service.fulltext_attach(&ellen, 2, &pdf).await.unwrap();
    assert_eq!(sha.len(), 64);
    assert_eq!(service.fulltext_pdf(2).await.unwrap(), std::fs::read(&pdf).unwrap());
    let not_pdf = dir.path().join("notes.txt");
    std::fs::write(&not_pdf, "hello").unwrap();
    assert!(service.fulltext_attach(&ellen, 2, &not_pdf).await.is_err());
    service.vote(&ellen, 2, ft, Decision::Include, None, false, None).await.unwrap();
    service.vote(&agon, 2, ft, Decision::Include, None, false, None).await.unwrap();

    // Other methods: records from an included citation's reference list start at full text.
    let spec = SearchSpec {
        source: "Citation searching".into(),
        kind: Some(SearchKind::Other),
        found_in: Some(2),
        ..SearchSpec::default()
    };
    let err = service
        .add_search(
            &owner,
            &SearchSpec {
                found_in: Some(2),
                ..SearchSpec { source: "PubMed".into(), ..SearchSpec::default() }
            },
            &[InputFile::new(test_data("asreview/pubmed_zotero.ris"))],
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--found-in"), "{err}");
    service
        .add_search(&owner, &spec, &[InputFile::new(test_data("asreview/pubmed_zotero.ris"))])
        .await
        .unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    let next_ta = service.screen_next(&ellen, None, ta).await.unwrap();
    assert!(next_ta.is_none(), "other-methods records skip title/abstract: {next_ta:?}");
    let next_ft = service.screen_next(&ellen, None, ft).await.unwrap().unwrap();
    assert_eq!(next_ft.remaining, 6);
    let other = next_ft.citation.0;
    service.fulltext_missing(&ellen, other + 1, "not held by any library").await.unwrap();
    service.vote(&ellen, other, ft, Decision::Include, None, false, None).await.unwrap();
    service.vote(&agon, other, ft, Decision::Include, None, false, None).await.unwrap();
    service.link_study(&ellen, "Smith trial", &[2, other]).await.unwrap();

    let p = service.prisma(None).await.unwrap();
    assert_eq!(
        (p.records_from_databases, p.duplicates_removed, p.records_screened, p.records_excluded),
        (6, 0, 6, 4)
    );
    assert_eq!(
        (p.databases.reports_sought, p.databases.reports_assessed, p.databases.reports_excluded),
        (2, 2, 1)
    );
    assert_eq!(p.databases.reports_excluded_by_reason[0].name, "wrong intervention");
    assert_eq!(p.other_methods_identified_by_source[0].count, 6);
    assert_eq!((p.other_methods.reports_sought, p.other_methods.reports_not_retrieved), (6, 1));
    assert_eq!((p.reports_included, p.studies_included), (2, 1), "two reports of one study");

    // Only included reports are linked; a report taken out of its study is a study of its own
    // again, and a study left without reports is dropped.
    let err = service.link_study(&ellen, "Smith trial", &[2, 1]).await.unwrap_err();
    assert!(err.to_string().contains("citation 1 is not included at full text"), "{err}");
    assert_eq!(service.studies(None).await.unwrap().len(), 1, "a refused link changes nothing");
    assert_eq!(service.unlink_study(&ellen, other).await.unwrap(), "Smith trial");
    let p = service.prisma(None).await.unwrap();
    assert_eq!((p.reports_included, p.studies_included), (2, 2));
    service.link_study(&ellen, "Jones trial", &[other]).await.unwrap();
    service.link_study(&ellen, "Jones trial", &[2]).await.unwrap();
    assert_eq!(
        service.studies(None).await.unwrap(),
        vec![("Jones trial".to_string(), vec![CitationId(2), CitationId(other)])],
        "Smith trial lost its last report and was dropped"
    );
    let included = service.included_reports(&ellen, None).await.unwrap();
    let labels: Vec<(i64, Option<&str>)> =
        included.iter().map(|(r, label)| (r.citation.0, label.as_deref())).collect();
    assert_eq!(labels, vec![(2, Some("Jones trial")), (other, Some("Jones trial"))]);
    let err = service.unlink_study(&ellen, 1).await.unwrap_err();
    assert!(err.to_string().contains("study link of citation"), "{err}");

    // What became of each record, from the resolved decisions: citation 1 excluded at full
    // text, citation 2 included in its study, the other-methods record that was not retrieved.
    let outcome_of = |traces: &[sift_service::RecordTrace], citation: i64| {
        traces.iter().find(|t| t.citation == Some(CitationId(citation))).map(|t| t.outcome())
    };
    let (all, total) = service.trace_records(&ellen, "a", 0).await.unwrap();
    // The matches come a page at a time, from an offset, in the same order; none twice.
    assert_eq!(all.len() as i64, total.min(sift_service::TRACE_LIMIT));
    let (later, same_total) = service.trace_records(&ellen, "a", 5).await.unwrap();
    assert_eq!(same_total, total);
    let ids = |t: &[sift_service::RecordTrace]| t.iter().map(|t| t.record.id).collect::<Vec<_>>();
    assert_eq!(ids(&later), ids(&all)[5..], "the page from the sixth match on");
    let (last, _) = service.trace_records(&ellen, "a", total).await.unwrap();
    assert!(last.is_empty(), "past the end");
    assert_eq!(outcome_of(&all, 1).as_deref(), Some("excluded at full text (wrong intervention)"));
    assert_eq!(outcome_of(&all, 2).as_deref(), Some("included (study Jones trial)"));
    assert_eq!(
        outcome_of(&all, other + 1).as_deref(),
        Some("full text not retrieved (not held by any library)")
    );
    assert!(all.iter().any(|t| t.source == "Citation searching"), "both searches are traced");
    // An author's family name finds their records too (no title holds it).
    let family = all
        .iter()
        .flat_map(|t| &t.record.reference.authors)
        .map(|a| a.family.clone())
        .find(|f| {
            f.len() > 5
                && all.iter().all(|t| !t.record.reference.title.as_deref().unwrap_or("").contains(f.as_str()))
        })
        .expect("an author");
    let (by_author, _) = service.trace_records(&ellen, &family.to_uppercase(), 0).await.unwrap();
    assert!(!by_author.is_empty(), "{family}");
    assert!(by_author.iter().all(|t| {
        t.record.reference.authors.iter().any(|a| a.family == family)
            || t.record
                .reference
                .title
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains(&family.to_lowercase())
            || t.record
                .reference
                .abstract_text
                .as_deref()
                .unwrap_or("")
                .to_lowercase()
                .contains(&family.to_lowercase())
    }));
    let doi = all.iter().find_map(|t| t.record.reference.doi.clone()).expect("a record with a DOI");
    let (by_doi, _) =
        service.trace_records(&ellen, &format!("https://doi.org/{}", doi.to_uppercase()), 0).await.unwrap();
    assert!(!by_doi.is_empty(), "{doi}");
    assert!(by_doi.iter().all(|t| t.record.reference.doi.as_deref() == Some(doi.as_str())));
    service.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screening_keeps_votes_blind_and_counts_right_on_every_backend() {
    on_every_database(screening_story).await;
}

/// Several reviewers voting at the same instant on one review file: every vote lands once.
#[test]
fn concurrent_voters_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDatabase::SqliteFile(dir.path().join("hammer.sift"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let service = setup(&db).await;
        service
            .set_stage(
                &Actor::new("lise"),
                &StageSettings { reviewers_required: 5, ..StageSettings::default_for(Stage::TitleAbstract) },
            )
            .await
            .unwrap();
        for name in ["r1", "r2", "r3", "r4"] {
            service.set_member(&Actor::new("lise"), name, Role::Reviewer, false).await.unwrap();
        }
        service.close().await;
    });
    let voters = ["ellen", "agon", "r1", "r2", "r3", "r4"];
    let threads: Vec<_> = voters
        .iter()
        .map(|name| {
            let db = db.clone();
            let name = name.to_string();
            std::thread::spawn(move || {
                let runtime = tokio::runtime::Runtime::new().unwrap();
                runtime.block_on(async {
                    let service = Service::open(&locator(&db)).await.unwrap();
                    let actor = Actor::new(&name);
                    let mut accepted = 0usize;
                    // Every voter votes twice on every citation (a change of mind), all at once.
                    for round in 0..2 {
                        for c in 1..=6 {
                            let decision = if round == 0 { Decision::Maybe } else { Decision::Include };
                            match service
                                .vote(&actor, c, Stage::TitleAbstract, decision, None, false, None)
                                .await
                            {
                                Ok(_) => accepted += 1,
                                // A citation may be resolved by the fifth agreeing vote first.
                                Err(ServiceError::Conflict(_)) => {}
                                Err(e) => panic!("{name}: {e}"),
                            }
                        }
                    }
                    service.close().await;
                    accepted
                })
            })
        })
        .collect();
    let accepted: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    runtime.block_on(async {
        let service = Service::open(&locator(&db)).await.unwrap();
        let owner = Actor::new("lise");
        let progress = service.progress(&owner, None, Stage::TitleAbstract).await.unwrap();
        let total: usize = progress.per_reviewer.iter().map(|(_, n)| n).sum();
        assert!((5 * 6..=6 * 6).contains(&total), "each citation has 5 or 6 current votes: {progress:?}");
        let events = service.events().await.unwrap();
        let votes = events.iter().filter(|e| e.kind == "vote").count();
        assert_eq!(votes, accepted, "every accepted vote is stored and logged exactly once");
        assert!(accepted >= 6 * 5, "at least five includes per citation landed: {accepted}");
        assert_eq!(progress.n_resolved, 6, "five agreeing includes resolve every citation");
        service.close().await;
    });
}

/// A team moving from Rayyan: the export is both the records and the decisions.
async fn rayyan_story(db: TestDatabase) {
    let owner = Actor::new("lise");
    let spec =
        NewReviewSpec { title: "Back pain".into(), review_type: ReviewType::Systematic, question: None };
    let service = Service::create(&locator(&db), &spec, &owner).await.unwrap();
    let export = test_data("../decisions/rayyan_articles.csv");
    service
        .add_search(
            &owner,
            &SearchSpec { source: "Rayyan export".into(), ..SearchSpec::default() },
            &[InputFile::new(&export)],
        )
        .await
        .unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    let import = service
        .import_decisions(&owner, &export, &sift_service::DecisionImportSpec::default())
        .await
        .unwrap();
    assert_eq!(import.source, "rayyan");
    assert_eq!((import.n_votes, import.unmatched.len()), (7, 0), "{import:?}");
    assert_eq!(import.new_members, ["Alice", "Bob"]);
    assert_eq!(import.n_resolutions, 2, "two unanimous records resolve by agreement");
    let progress = service.progress(&owner, None, Stage::TitleAbstract).await.unwrap();
    assert_eq!((progress.n_included, progress.n_excluded, progress.n_conflicts), (1, 1, Some(1)));
    // A reviewer may not import; a second import of the same file adds nothing to resolved ones.
    forbidden(
        service
            .import_decisions(&Actor::new("Alice"), &export, &sift_service::DecisionImportSpec::default())
            .await,
    );
    let again = service
        .import_decisions(&owner, &export, &sift_service::DecisionImportSpec::default())
        .await
        .unwrap();
    assert_eq!(again.n_already_resolved, 4);
    service.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_from_rayyan_become_votes_on_every_backend() {
    on_every_database(rayyan_story).await;
}
