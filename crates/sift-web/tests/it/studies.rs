//! Studies through the web: reviewers group included reports into studies and take them out
//! again; the flow diagram's study count follows; a refused link names the citation and
//! changes nothing; viewers read but never link; the API does the same.

use axum::http::{Method, StatusCode};
use serde_json::json;
use sift_domain::screening::{Decision, Method as ResolveMethod, Stage};
use sift_service::Actor;

use crate::support::{As, fixture, get, post_form, post_json, send};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_group_included_reports_into_studies() {
    let f = fixture().await;
    let app = &f.app;
    let alpha = f.state.reviews.get("alpha").unwrap();
    let katrin = Actor::new("katrin");
    for citation in [1, 2, 3] {
        for stage in [Stage::TitleAbstract, Stage::FullText] {
            alpha
                .resolve(&katrin, citation, stage, Decision::Include, None, ResolveMethod::Consensus)
                .await
                .unwrap();
        }
    }
    let page = get(app, "/r/alpha/studies", As::Cookie(&f.ellen)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("3 included report(s) in 3 studies"), "{}", page.body);
    assert_eq!(page.body.matches("name=\"citation\"").count(), 3, "a box per report");

    let link = |who: &crate::support::User, rest: &str| format!("csrf={}&stream=default&{rest}", who.csrf);
    let reply = post_form(
        app,
        "/r/alpha/studies/link",
        As::Cookie(&f.ellen),
        &link(&f.ellen, "study=Smith+trial&citation=1&citation=3"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let to = reply.headers["location"].to_str().unwrap().to_string();
    let page = get(app, &to, As::Cookie(&f.ellen)).await;
    assert!(page.body.contains("2 reports linked to study &#34;Smith trial&#34;"), "{}", page.body);
    assert!(page.body.contains("3 included report(s) in 2 studies"), "{}", page.body);
    let p = alpha.prisma(None).await.unwrap();
    assert_eq!((p.reports_included, p.studies_included), (3, 2));

    // A report not included, a missing name or no report ticked: told why, nothing changed.
    for (rest, says) in [
        ("study=Smith+trial&citation=2&citation=4", "citation 4 is not included at full text"),
        ("study=+&citation=2", "Name the study"),
        ("study=Smith+trial", "Tick the reports"),
    ] {
        let reply =
            post_form(app, "/r/alpha/studies/link", As::Cookie(&f.ellen), &link(&f.ellen, rest)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{rest}: {}", reply.body);
        let to = reply.headers["location"].to_str().unwrap().to_string();
        let page = get(app, &to, As::Cookie(&f.ellen)).await;
        assert!(page.body.contains("flash error") && page.body.contains(says), "{rest}: {}", page.body);
    }
    let studies = alpha.studies(None).await.unwrap();
    assert_eq!(studies.len(), 1);
    assert_eq!(studies[0].1.len(), 2, "{studies:?}");

    // A viewer reads the page, without the controls, and may not link.
    let page = get(app, "/r/alpha/studies", As::Cookie(&f.guest)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Smith trial") && !page.body.contains("name=\"citation\""), "{}", page.body);
    let refused =
        post_form(app, "/r/alpha/studies/link", As::Cookie(&f.guest), &link(&f.guest, "study=X&citation=2"))
            .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // Unlinking a report makes it a study of its own again.
    let unlink = format!("csrf={}&stream=default&citation=3", f.ellen.csrf);
    let reply = post_form(app, "/r/alpha/studies/unlink", As::Cookie(&f.ellen), &unlink).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(alpha.prisma(None).await.unwrap().studies_included, 3);

    // The API: the reports with their studies; link and unlink by bearer token.
    let listed = get(app, "/api/v1/reviews/alpha/studies", As::Bearer(&f.agon)).await;
    let listed: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
    let studies: Vec<&serde_json::Value> =
        listed["reports"].as_array().unwrap().iter().map(|r| &r["study"]).collect();
    assert_eq!(studies, vec![&json!("Smith trial"), &json!(null), &json!(null)]);
    let linked = post_json(
        app,
        "/api/v1/reviews/alpha/studies",
        As::Bearer(&f.agon),
        json!({ "study": "Jones cohort", "citations": [2, 3] }),
    )
    .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.body);
    let refused = post_json(
        app,
        "/api/v1/reviews/alpha/studies",
        As::Bearer(&f.agon),
        json!({ "study": "Jones cohort", "citations": [5] }),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("citation 5 is not included"), "{}", refused.body);
    let removed =
        send(app, Method::DELETE, "/api/v1/reviews/alpha/studies/reports/2", As::Bearer(&f.agon), None).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert!(removed.body.contains("Jones cohort"), "{}", removed.body);
    let again =
        send(app, Method::DELETE, "/api/v1/reviews/alpha/studies/reports/2", As::Bearer(&f.agon), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
    let p = alpha.prisma(None).await.unwrap();
    assert_eq!((p.reports_included, p.studies_included), (3, 3), "Smith trial, Jones cohort, and report 2");
}
