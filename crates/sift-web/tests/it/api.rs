//! The API's OpenAPI document against the router, and a script's round trip: log in for a
//! token, fetch the next citation, vote, read progress.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{As, User, fixture, get, post_json};

/// `(method, path)` of every `.route(...)` in the API's route table, read from its source so
/// a route added without documentation fails this test.
fn routes_in_source() -> Vec<(String, String)> {
    let source = include_str!("../../src/api.rs");
    let mut out = Vec::new();
    for line in source.lines().map(str::trim).filter(|l| l.starts_with(".route(\"")) {
        // A wildcard segment (`{*path}`) is an ordinary path parameter in OpenAPI.
        let path = line.trim_start_matches(".route(\"").split('"').next().unwrap().replace("{*", "{");
        for method in ["get", "post", "put", "patch", "delete"] {
            if line.contains(&format!(" {method}(")) || line.contains(&format!(".{method}(")) {
                out.push((method.to_string(), path.clone()));
            }
        }
    }
    out.sort();
    out
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes() {
    let f = fixture().await;
    let reply = get(&f.app, "/api/v1/openapi.json", As::Nobody).await;
    assert_eq!(reply.status, StatusCode::OK);
    let doc: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let routes = routes_in_source();
    assert!(routes.len() >= 10, "the route table was read: {routes:?}");
    assert_eq!(routes, documented, "the router's API routes and the OpenAPI paths differ");
    // Every documented path parameter appears in its path.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for op in item.as_object().unwrap().values() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                if p["in"] == "path" {
                    assert!(path.contains(&format!("{{{}}}", p["name"].as_str().unwrap())), "{path}: {p}");
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_logs_in_and_screens() {
    let f = fixture().await;
    let login = post_json(
        &f.app,
        "/api/v1/login",
        As::Nobody,
        json!({ "username": "agon", "password": "a long test password" }),
    )
    .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let token = serde_json::from_str::<Value>(&login.body).unwrap()["token"].as_str().unwrap().to_string();
    let agon = User { name: "agon".into(), cookie: String::new(), csrf: String::new(), bearer: token };
    let next: Value =
        serde_json::from_str(&get(&f.app, "/api/v1/reviews/alpha/next", As::Bearer(&agon)).await.body)
            .unwrap();
    assert_eq!(next["remaining"], 6);
    let citation = next["citation"].as_i64().unwrap();
    assert!(next["record"]["title"].as_str().unwrap().contains("Duplication cysts"));
    let vote = post_json(
        &f.app,
        "/api/v1/reviews/alpha/votes",
        As::Bearer(&agon),
        json!({ "citation": citation, "decision": "maybe" }),
    )
    .await;
    assert_eq!(vote.status, StatusCode::OK, "{}", vote.body);
    let next: Value =
        serde_json::from_str(&get(&f.app, "/api/v1/reviews/alpha/next", As::Bearer(&agon)).await.body)
            .unwrap();
    assert_eq!(next["remaining"], 5);
    assert_eq!(next["done"], 1);
    let bad = post_json(
        &f.app,
        "/api/v1/reviews/alpha/votes",
        As::Bearer(&agon),
        json!({ "citation": 1, "decision": "perhaps" }),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("perhaps"), "the error names the bad value: {}", bad.body);
    let flow: Value =
        serde_json::from_str(&get(&f.app, "/api/v1/reviews/alpha/flow", As::Bearer(&agon)).await.body)
            .unwrap();
    assert!(flow["svg"].as_str().unwrap().contains("<svg"));
    let wrong =
        post_json(&f.app, "/api/v1/login", As::Nobody, json!({ "username": "agon", "password": "nope" }))
            .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
}

/// Settings, a full text and the report through the API, as a script would use them; a
/// reviewer may not change settings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_script_sets_stages_and_criteria_adds_a_search_attaches_a_pdf_and_reads_the_report() {
    let f = fixture().await;
    let stage = json!({ "stage": "full-text", "reviewers_required": 1, "blinded": false });
    let refused =
        post_json(&f.app, "/api/v1/reviews/alpha/stages", As::Bearer(&f.ellen), stage.clone()).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let set = post_json(&f.app, "/api/v1/reviews/alpha/stages", As::Bearer(&f.root), stage).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let stages: Value =
        serde_json::from_str(&get(&f.app, "/api/v1/reviews/alpha/stages", As::Bearer(&f.ellen)).await.body)
            .unwrap();
    let full_text = stages["stages"].as_array().unwrap().iter().find(|s| s["stage"] == "full-text").unwrap();
    assert_eq!(
        (full_text["reviewers_required"].as_i64(), full_text["blinded"].as_bool()),
        (Some(1), Some(false))
    );

    let added = post_json(
        &f.app,
        "/api/v1/reviews/alpha/criteria",
        As::Bearer(&f.root),
        json!({ "label": "wrong design" }),
    )
    .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let criteria = get(&f.app, "/api/v1/reviews/alpha/criteria", As::Bearer(&f.ellen)).await.body;
    assert!(criteria.contains("wrong design") && criteria.contains("wrong population"), "{criteria}");

    let pdf = crate::support::send(
        &f.app,
        axum::http::Method::PUT,
        "/api/v1/reviews/alpha/fulltexts/1/pdf",
        As::Bearer(&f.ellen),
        Some(("application/pdf", "%PDF-1.4 a small full text".to_string())),
    )
    .await;
    assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
    let not_pdf = crate::support::send(
        &f.app,
        axum::http::Method::PUT,
        "/api/v1/reviews/alpha/fulltexts/1/pdf",
        As::Bearer(&f.ellen),
        Some(("application/pdf", "hello".to_string())),
    )
    .await;
    assert_eq!(not_pdf.status, StatusCode::BAD_REQUEST, "{}", not_pdf.body);

    // A search with its export, as the page's form sends it; a reviewer may not add one.
    let ris = "TY  - JOUR\r\nTI  - Resistance training for neuropathy\r\nPY  - 2021\r\nER  - \r\n";
    let upload = format!(
        "--XX\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nCINAHL\r\n--XX\r\nContent-Disposition: form-data; name=\"hits\"\r\n\r\n1\r\n--XX\r\nContent-Disposition: form-data; name=\"files\"; filename=\"cinahl.ris\"\r\n\r\n{ris}\r\n--XX--\r\n"
    );
    let multipart = || Some(("multipart/form-data; boundary=XX", upload.clone()));
    let searches = "/api/v1/reviews/alpha/searches";
    let refused =
        crate::support::send(&f.app, axum::http::Method::POST, searches, As::Bearer(&f.ellen), multipart())
            .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let added =
        crate::support::send(&f.app, axum::http::Method::POST, searches, As::Bearer(&f.root), multipart())
            .await;
    assert_eq!(added.status, StatusCode::OK, "{}", added.body);
    let added: Value = serde_json::from_str(&added.body).unwrap();
    assert_eq!((added["source"].as_str(), added["files"][0]["records"].as_i64()), (Some("CINAHL"), Some(1)));
    let listed = get(&f.app, searches, As::Bearer(&f.ellen)).await.body;
    assert!(listed.contains("cinahl.ris"), "{listed}");

    let files: Value =
        serde_json::from_str(&get(&f.app, "/api/v1/reviews/alpha/report", As::Bearer(&f.ellen)).await.body)
            .unwrap();
    let paths: Vec<&str> =
        files["files"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(paths.contains(&"index.html") && paths.iter().any(|p| p.ends_with(".svg")), "{paths:?}");
    let svg_path = paths.iter().find(|p| p.starts_with("flow/") && p.ends_with(".svg")).unwrap();
    let svg = get(&f.app, &format!("/api/v1/reviews/alpha/report/{svg_path}"), As::Bearer(&f.ellen)).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.body.contains("<svg"), "the file's bytes");
    let missing = get(&f.app, "/api/v1/reviews/alpha/report/nope.txt", As::Bearer(&f.ellen)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}
