//! Blinding through the web: a reviewer's planted reason and note never reach another
//! reviewer through any page, fragment or JSON response while the stage is blinded, before
//! or after the other votes, until the citation is resolved. A resolver does see them (the
//! control that shows the planted words would be found if they leaked).

use sift_service::Actor;

use crate::support::{As, Fixture, User, fixture, get, post_form, post_json};

const NOTE: &str = "PLANTEDNOTE7731";
const REASON: &str = "PLANTEDREASON4417";

/// Every read a reviewer can make of review alpha.
async fn everything_visible_to(f: &Fixture, user: &User) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let pages = [
        "/",
        "/r/alpha",
        "/r/alpha/screen",
        "/r/alpha/screen?citation=1",
        "/r/alpha/screen?last=1",
        "/r/alpha/screen/record?citation=1",
        "/r/alpha/screen/record?last=1",
        "/r/alpha/screen?stage=full-text",
        "/r/alpha/reports",
        "/r/alpha/conflicts",
        "/r/alpha/searches",
        "/r/alpha/dedup",
        "/r/alpha/forms",
        "/r/alpha/chart",
        "/r/alpha/appraise/1",
    ];
    for page in pages {
        out.push((page.to_string(), get(&f.app, page, As::Cookie(user)).await.body));
    }
    let api = [
        "/api/v1/reviews",
        "/api/v1/reviews/alpha/progress",
        "/api/v1/reviews/alpha/next",
        "/api/v1/reviews/alpha/citations/1",
        "/api/v1/reviews/alpha/conflicts",
        "/api/v1/reviews/alpha/flow",
        "/api/v1/reviews/alpha/searches",
        "/api/v1/reviews/alpha/duplicates",
        "/api/v1/reviews/alpha/members",
        "/api/v1/reviews/alpha/keywords",
        "/api/v1/reviews/alpha/forms",
        "/api/v1/reviews/alpha/appraisals",
        "/api/v1/reviews/alpha/levels",
    ];
    for route in api {
        out.push((route.to_string(), get(&f.app, route, As::Bearer(user)).await.body));
    }
    out
}

fn assert_no_leak(responses: &[(String, String)], who: &str, when: &str) {
    for (route, body) in responses {
        assert!(!body.contains(NOTE), "{who} saw the planted note via {route} {when}");
        assert!(!body.contains(REASON), "{who} saw the planted reason via {route} {when}");
        assert!(!body.contains("ellen</strong>: include"), "{who} saw ellen's decision via {route} {when}");
        assert!(!body.contains("\"reviewer\":\"ellen\""), "{who} saw ellen's vote via {route} {when}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blinded_vote_reaches_no_other_reviewer() {
    let f = fixture().await;
    // Ellen votes with a distinctive custom reason and note (alpha's stages are blinded).
    let planted = post_json(
        &f.app,
        "/api/v1/reviews/alpha/votes",
        As::Bearer(&f.ellen),
        serde_json::json!({ "citation": 1, "decision": "include", "reason": REASON, "custom_reason": true, "note": NOTE }),
    )
    .await;
    assert_eq!(planted.status, 200, "{}", planted.body);

    // Agon, before voting on citation 1.
    assert_no_leak(&everything_visible_to(&f, &f.agon).await, "agon", "before voting");
    // Agon's own vote answer (fragment and JSON) says nothing of ellen's vote either.
    let fragment = post_form(
        &f.app,
        "/r/alpha/screen/vote",
        As::Cookie(&f.agon),
        &format!("csrf={}&citation=1&decision=exclude&note=mine", f.agon.csrf),
    )
    .await;
    assert_no_leak(&[("vote (no htmx)".into(), fragment.body)], "agon", "voting");
    let htmx = crate::support::send(
        &f.app,
        axum::http::Method::POST,
        "/r/alpha/screen/vote",
        As::Cookie(&f.agon),
        Some((
            "application/x-www-form-urlencoded",
            format!("csrf={}&citation=1&decision=exclude", f.agon.csrf),
        )),
    )
    .await;
    assert_no_leak(&[("vote fragment".into(), htmx.body)], "agon", "changing his vote");
    let api_vote = post_json(
        &f.app,
        "/api/v1/reviews/alpha/votes",
        As::Bearer(&f.agon),
        serde_json::json!({ "citation": 1, "decision": "exclude" }),
    )
    .await;
    assert_eq!(api_vote.status, 200, "{}", api_vote.body);
    assert_no_leak(&[("api vote".into(), api_vote.body.clone())], "agon", "voting by API");
    assert!(
        !api_vote.body.contains("conflict"),
        "a blinded voter doesn't learn there is a conflict: {}",
        api_vote.body
    );

    // After both voted (a conflict now), still nothing for agon, nor for the viewer.
    assert_no_leak(&everything_visible_to(&f, &f.agon).await, "agon", "after voting");
    assert_no_leak(&everything_visible_to(&f, &f.guest).await, "guest", "after voting");

    // The control: the resolver sees both votes with reason and note, on the page and by API.
    let page = get(&f.app, "/r/alpha/conflicts", As::Cookie(&f.katrin)).await;
    assert!(page.body.contains(NOTE) && page.body.contains(REASON), "the resolver sees the votes");
    let api = get(&f.app, "/api/v1/reviews/alpha/conflicts", As::Bearer(&f.katrin)).await;
    assert!(api.body.contains(NOTE), "{}", api.body);

    // Once resolved, blinding lifts for everyone (the domain rule), as it should.
    f.state
        .reviews
        .get("alpha")
        .unwrap()
        .resolve(
            &Actor::new("katrin"),
            1,
            sift_domain::screening::Stage::TitleAbstract,
            sift_domain::screening::Decision::Include,
            None,
            sift_domain::screening::Method::ThirdReviewer,
        )
        .await
        .unwrap();
    let after = get(&f.app, "/api/v1/reviews/alpha/citations/1", As::Bearer(&f.agon)).await;
    assert!(after.body.contains(NOTE), "after resolution the votes are open: {}", after.body);
}
