//! Typed-in flow counts through the web: owners start from the records' counts written out,
//! type in their own (checked before they are stored, a refusal shown with the text kept),
//! and return to the records' counts; reviewers see which counts a diagram shows but may
//! not change them; the API does the same.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{As, User, fixture, get, post_form, send};

const COUNTS: &str = r#"records_from_databases = 344
duplicates_removed = 40
records_screened = 304
records_excluded = 280
reports_sought = 24
reports_not_retrieved = 0
reports_assessed = 24
reason."Wrong population" = 15
reason."No neuropathic pain" = 6
studies_included = 3
reports_included = 3
"#;

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_type_in_flow_counts_and_return_to_the_records() {
    let f = fixture().await;
    let app = &f.app;
    let alpha = f.state.reviews.get("alpha").unwrap();
    let derived = alpha.prisma(None).await.unwrap();

    let page = get(app, "/r/alpha/reports", As::Cookie(&f.root)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Counts from the records") && page.body.contains("Type in counts"),
        "{}",
        page.body
    );
    let start = format!("records_from_databases = {}", derived.records_from_databases);
    assert!(page.body.contains(&start), "the form starts from the records' counts: {}", page.body);
    let reviewer = get(app, "/r/alpha/reports", As::Cookie(&f.ellen)).await;
    assert!(!reviewer.body.contains("Type in counts"), "only owners type counts in");

    // Counts that do not add up: refused, the text kept, nothing stored.
    let bad = COUNTS.replace("records_screened = 304", "records_screened = 305");
    let body = |text: &str, action: &str| {
        format!("csrf={}&stream=default&action={action}&counts={}", f.root.csrf, encode(text))
    };
    let refused = post_form(app, "/r/alpha/reports/flow", As::Cookie(&f.root), &body(&bad, "set")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(refused.body.contains("Nothing was stored"), "{}", refused.body);
    assert!(refused.body.contains("records_screened = 305"), "the text is kept: {}", refused.body);
    assert_eq!(alpha.prisma(None).await.unwrap(), derived);
    let flow = get(app, "/api/v1/reviews/alpha/flow", As::Bearer(&f.root)).await;
    assert!(flow.body.contains("\"typed_in\":false"), "{}", flow.body);

    let stored = post_form(app, "/r/alpha/reports/flow", As::Cookie(&f.root), &body(COUNTS, "set")).await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    let page = get(app, stored.headers["location"].to_str().unwrap(), As::Cookie(&f.ellen)).await;
    assert!(page.body.contains("now drawn from the counts typed in"), "{}", page.body);
    assert!(
        page.body.contains("Counts typed in by an owner") && page.body.contains("n = 344"),
        "{}",
        page.body
    );
    let flow = get(app, "/api/v1/reviews/alpha/flow", As::Bearer(&f.ellen)).await;
    let flow: serde_json::Value = serde_json::from_str(&flow.body).unwrap();
    assert_eq!(
        (flow["typed_in"].clone(), flow["counts"]["records_from_databases"].clone()),
        (json!(true), json!(344))
    );
    let page = get(app, "/r/alpha/reports", As::Cookie(&f.root)).await;
    assert!(
        page.body.contains("Return to the records")
            && page.body.contains("reason.&#34;Wrong population&#34; = 15"),
        "{}",
        page.body
    );

    // Back to the records' counts.
    let cleared = post_form(app, "/r/alpha/reports/flow", As::Cookie(&f.root), &body("", "clear")).await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{}", cleared.body);
    let flow = get(app, "/api/v1/reviews/alpha/flow", As::Bearer(&f.root)).await;
    assert!(flow.body.contains("\"typed_in\":false"), "{}", flow.body);

    // The API: owners only; refused counts are a 400 naming the problem.
    assert_eq!(put(app, &f.ellen, json!(COUNTS)).await.status, StatusCode::FORBIDDEN);
    let refused = put(app, &f.root, json!(bad)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert_eq!(put(app, &f.root, json!(COUNTS)).await.status, StatusCode::OK);
    assert_eq!(alpha.prisma(None).await.unwrap(), derived, "prisma() stays the records' own counts");
    assert_eq!(alpha.stream_flow(None).await.unwrap().counts.records_from_databases, 344);
    assert_eq!(put(app, &f.root, json!(null)).await.status, StatusCode::OK);
    assert_eq!(alpha.stream_flow(None).await.unwrap().counts, derived);
}

async fn put(app: &axum::Router, who: &User, counts: serde_json::Value) -> crate::support::Reply {
    let body = json!({ "counts": counts }).to_string();
    send(app, Method::PUT, "/api/v1/reviews/alpha/flow", As::Bearer(who), Some(("application/json", body)))
        .await
}
