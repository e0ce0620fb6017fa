//! CSRF, login rate limiting, cookie flags, and setup that works once.

use axum::http::StatusCode;
use sift_domain::screening::Stage;
use sift_service::{Actor, MAX_FAILED_LOGINS};

use crate::support::{As, fixture, get, post_form};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_changes_need_the_csrf_token() {
    let f = fixture().await;
    let ellen = &f.ellen;
    let no_token =
        post_form(&f.app, "/r/alpha/screen/vote", As::CookieNoCsrf(ellen), "citation=1&decision=include")
            .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN, "{}", no_token.body);
    assert!(no_token.body.contains("reload the page"), "the user is told what to do: {}", no_token.body);
    let wrong = post_form(
        &f.app,
        "/r/alpha/screen/vote",
        As::CookieNoCsrf(ellen),
        &format!("csrf={}&citation=1&decision=include", f.agon.csrf),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN, "another session's token is refused");
    let api = crate::support::post_json(
        &f.app,
        "/api/v1/reviews/alpha/votes",
        As::CookieNoCsrf(ellen),
        serde_json::json!({ "citation": 1, "decision": "include" }),
    )
    .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "the API with a cookie needs the header too");
    let logout = post_form(&f.app, "/logout", As::CookieNoCsrf(ellen), "").await;
    assert_eq!(logout.status, StatusCode::FORBIDDEN);
    let progress = f
        .state
        .reviews
        .get("alpha")
        .unwrap()
        .progress(&Actor::new("ellen"), None, Stage::TitleAbstract)
        .await
        .unwrap();
    assert!(progress.per_reviewer.is_empty(), "no vote was recorded: {progress:?}");
    // With the token (form field) it goes through.
    let ok = post_form(
        &f.app,
        "/r/alpha/screen/vote",
        As::CookieNoCsrf(ellen),
        &format!("csrf={}&citation=1&decision=include", ellen.csrf),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_rate_limited_and_cookies_are_locked_down() {
    let f = fixture().await;
    let good = "username=ellen&password=a+long+test+password&next=/r/alpha";
    let ok = post_form(&f.app, "/login", As::Nobody, good).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers["location"], "/r/alpha");
    let cookie = ok.headers["set-cookie"].to_str().unwrap();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http on localhost: {cookie}");
    let request = axum::http::Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(axum::body::Body::from(good))
        .unwrap();
    let response = tower::ServiceExt::oneshot(f.app.clone(), request).await.unwrap();
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("; Secure"));
    // An open redirect is not followed.
    let evil = post_form(
        &f.app,
        "/login",
        As::Nobody,
        "username=ellen&password=a+long+test+password&next=//evil.example",
    )
    .await;
    assert_eq!(evil.headers["location"], "/");

    for _ in 0..MAX_FAILED_LOGINS {
        let bad = post_form(&f.app, "/login", As::Nobody, "username=agon&password=guess").await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert!(bad.body.contains("wrong username or password"));
    }
    let locked = post_form(&f.app, "/login", As::Nobody, "username=agon&password=a+long+test+password").await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
    assert!(locked.body.contains("too many failed logins"));
    let api = crate::support::post_json(
        &f.app,
        "/api/v1/login",
        As::Nobody,
        serde_json::json!({ "username": "agon", "password": "a long test password" }),
    )
    .await;
    assert_eq!(api.status, StatusCode::TOO_MANY_REQUESTS, "the API shares the limit");
    // Other accounts are unaffected.
    assert_eq!(post_form(&f.app, "/login", As::Nobody, good).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_ends_the_session_and_setup_is_closed() {
    let f = fixture().await;
    let ellen = &f.ellen;
    let out = post_form(&f.app, "/logout", As::Cookie(ellen), &format!("csrf={}", ellen.csrf)).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(get(&f.app, "/r/alpha", As::Cookie(ellen)).await.status, StatusCode::SEE_OTHER);
    assert_eq!(f.state.accounts.setup_link().await.unwrap(), None, "no setup link once accounts exist");
    let bogus = get(&f.app, "/setup/0000", As::Nobody).await;
    assert_eq!(bogus.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let f = fixture().await;
    for (uri, who) in [
        ("/login", As::Nobody),
        ("/r/alpha", As::Cookie(&f.ellen)),
        ("/api/v1/reviews", As::Bearer(&f.ellen)),
    ] {
        let reply = get(&f.app, uri, who).await;
        let csp = reply.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{uri}: {csp}"
        );
        assert_eq!(reply.headers["x-frame-options"], "SAMEORIGIN", "{uri}");
        assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{uri}");
    }
    // No inline script anywhere the CSP would block: pages load scripts from /assets only.
    let page = get(&f.app, "/r/alpha/screen", As::Cookie(&f.ellen)).await;
    assert!(
        !page.body.contains(" onclick=") && !page.body.contains("<script>"),
        "inline script on the screening page"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_change_to_a_review_needs_the_csrf_token() {
    let f = fixture().await;
    crate::charting::add_form(&f).await;
    for (method, uri, body) in crate::authz::review_routes("alpha", "not-the-token") {
        if method == axum::http::Method::GET || uri.starts_with("/api/") {
            continue;
        }
        let reply = crate::support::send(&f.app, method.clone(), &uri, As::CookieNoCsrf(&f.root), body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {uri} without the token: {}", reply.body);
    }
    // The API by cookie needs the header too (a bearer token needs none).
    for (method, uri, body) in crate::authz::review_routes("alpha", "") {
        if method == axum::http::Method::GET || !uri.starts_with("/api/") {
            continue;
        }
        let reply = crate::support::send(&f.app, method.clone(), &uri, As::CookieNoCsrf(&f.root), body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {uri} without the header: {}", reply.body);
    }
    let alpha = f.state.reviews.get("alpha").unwrap();
    assert_eq!(alpha.forms().await.unwrap().len(), 1, "no form was added");
    assert!(alpha.appraisals().await.unwrap().is_empty(), "no appraisal was recorded");
    assert!(alpha.levels().await.unwrap().is_empty(), "no level was set");
    let (values, _) = alpha.my_chart(&sift_service::Actor::new("root"), "characteristics", 1).await.unwrap();
    assert!(values.is_empty(), "nothing was charted");
}
