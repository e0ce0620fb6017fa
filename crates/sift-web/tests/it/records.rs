//! Find a record: by DOI, PMID or title words, each with its search, its duplicates and what
//! became of it - only resolved decisions, never a reviewer's vote.

use axum::http::StatusCode;
use sift_domain::screening::{Decision, Method, Stage};
use sift_service::{Actor, DedupPolicy, InputFile, SearchSpec};

use crate::support::{As, fixture, get, post_form, test_data};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_find_a_record_and_what_became_of_it() {
    let f = fixture().await;
    let app = &f.app;
    let alpha = f.state.reviews.get("alpha").unwrap();
    let (lise, katrin, ellen) = (Actor::new("lise"), Actor::new("katrin"), Actor::new("ellen"));
    // The same export again: each record gets a duplicate.
    let spec = SearchSpec { source: "Embase again".into(), ..SearchSpec::default() };
    alpha.add_search(&lise, &spec, &[InputFile::new(test_data("asreview/embase.ris"))]).await.unwrap();
    alpha.dedup(&lise, None, DedupPolicy::default()).await.unwrap();
    alpha.add_criterion(&lise, "wrong design", None).await.unwrap();
    let citation_of = |doi: &'static str| {
        let alpha = alpha.clone();
        async move {
            let (traces, _) = alpha.trace_records(&Actor::new("guest"), doi, 0).await.unwrap();
            traces[0].citation.unwrap().0
        }
    };
    let cysts = citation_of("10.4103/2303-9027.138783").await;
    let neck = citation_of("10.1016/j.clp.2018.07.012").await;
    alpha
        .resolve(&katrin, cysts, Stage::TitleAbstract, Decision::Include, None, Method::Consensus)
        .await
        .unwrap();
    alpha.resolve(&katrin, cysts, Stage::FullText, Decision::Include, None, Method::Consensus).await.unwrap();
    alpha.link_study(&katrin, "Cysts series", &[cysts]).await.unwrap();
    alpha
        .resolve(
            &katrin,
            neck,
            Stage::TitleAbstract,
            Decision::Exclude,
            Some("wrong design"),
            Method::Consensus,
        )
        .await
        .unwrap();
    // A vote alone, not resolved, is never shown.
    let other = citation_of("10.1002/cncr.20369").await;
    alpha
        .vote(&ellen, other, Stage::TitleAbstract, Decision::Exclude, Some("wrong design"), false, None)
        .await
        .unwrap();

    let by_doi = get(
        app,
        "/r/alpha/records?q=https%3A%2F%2Fdoi.org%2F10.4103%2F2303-9027.138783",
        As::Cookie(&f.guest),
    )
    .await;
    assert_eq!(by_doi.status, StatusCode::OK, "{}", by_doi.body);
    assert!(by_doi.body.contains("2 record(s)"), "both copies: {}", by_doi.body);
    assert!(by_doi.body.contains("Embase again") && by_doi.body.contains("(duplicates)"), "{}", by_doi.body);
    assert!(by_doi.body.contains("included (study Cysts series)"), "{}", by_doi.body);
    let by_words = get(app, "/r/alpha/records?q=neck+masses", As::Cookie(&f.guest)).await;
    assert!(by_words.body.contains("excluded at title/abstract (wrong design)"), "{}", by_words.body);
    let voted = get(app, "/r/alpha/records?q=10.1002%2Fcncr.20369", As::Cookie(&f.agon)).await;
    assert!(voted.body.contains("waiting for title/abstract screening"), "{}", voted.body);
    assert!(!voted.body.contains("wrong design"), "ellen's vote stays hers: {}", voted.body);
    let none = get(app, "/r/alpha/records?q=nothing+like+this", As::Cookie(&f.guest)).await;
    assert!(none.body.contains("No record matches."), "{}", none.body);
    // The matches a page at a time: from the third on, with a link back to the first page.
    let all = get(app, "/r/alpha/records?q=a", As::Cookie(&f.guest)).await;
    let total = all.body.matches("<article class=\"card\"").count();
    assert!(total > 2 && all.body.contains(&format!("{total} record(s).")), "{}", all.body);
    let later = get(app, "/r/alpha/records?q=a&from=2", As::Cookie(&f.guest)).await;
    assert!(later.body.contains(&format!("Records 3 to {total} of {total}.")), "{}", later.body);
    assert_eq!(later.body.matches("<article class=\"card\"").count(), total - 2);
    assert!(later.body.contains("q=a&amp;from=0\" rel=\"prev\">Previous 50</a>"), "{}", later.body);
    assert!(!later.body.contains("rel=\"next\""), "nothing after the last: {}", later.body);
    let past = get(app, "/r/alpha/records?q=a&from=500", As::Cookie(&f.guest)).await;
    assert!(past.body.contains(&format!("{total} record(s).")), "past the end, the last page: {}", past.body);
    let api = get(app, "/api/v1/reviews/alpha/records?q=a&offset=2", As::Bearer(&f.guest)).await;
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!((api["total"].as_u64(), api["offset"].as_u64()), (Some(total as u64), Some(2)), "{api}");
    assert_eq!(api["records"].as_array().unwrap().len(), total - 2);
    assert_eq!(get(app, "/r/beta/records?q=cyst", As::Cookie(&f.guest)).await.status, StatusCode::FORBIDDEN);
    let api = get(app, "/api/v1/reviews/alpha/records?q=neck+masses", As::Bearer(&f.guest)).await;
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let first = &api["records"][0];
    assert_eq!(first["title_abstract"]["decision"], "exclude", "{api}");
    assert_eq!(first["title_abstract"]["reason"], "wrong design");
    assert_eq!(first["merged_with"].as_array().unwrap().len(), 1);

    // Two records deduplication did not pair, judged the same work by a reviewer.
    let trace = |doi: &'static str| {
        let alpha = alpha.clone();
        async move { alpha.trace_records(&Actor::new("guest"), doi, 0).await.unwrap().0.remove(0) }
    };
    let (a, b) = (trace("10.1016/j.ijscr.2018.11.060").await, trace("10.1089/cren.2017.0016").await);
    assert_ne!(a.citation, b.citation);
    let body = |who: &crate::support::User| {
        format!("csrf={}&record_a={}&record_b={}&q=isolated", who.csrf, a.record.id.0, b.record.id.0)
    };
    let refused = post_form(app, "/r/alpha/dedup/merge", As::Cookie(&f.guest), &body(&f.guest)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let merged = post_form(app, "/r/alpha/dedup/merge", As::Cookie(&f.ellen), &body(&f.ellen)).await;
    assert_eq!(merged.status, StatusCode::SEE_OTHER, "{}", merged.body);
    let page = get(app, merged.headers["location"].to_str().unwrap(), As::Cookie(&f.ellen)).await;
    assert!(page.body.contains("are one citation now"), "{}", page.body);
    let (a, b) = (trace("10.1016/j.ijscr.2018.11.060").await, trace("10.1089/cren.2017.0016").await);
    assert_eq!(a.citation, b.citation, "one citation");
    assert!(page.body.contains("Same work as record"), "reviewers get the merge form");
    let guest = get(app, "/r/alpha/records?q=isolated", As::Cookie(&f.guest)).await;
    assert!(!guest.body.contains("Same work as record"), "viewers do not");
}
