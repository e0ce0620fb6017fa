//! The web app on a database server (`AppState::for_database`, what `sift serve --database
//! URL` runs), when `SIFT_TEST_PG_URL` is set: every review there is served, the accounts live
//! in the same database, and one review can be served alone.

use axum::http::StatusCode;
use sift_domain::ReviewType;
use sift_service::{Actor, DedupPolicy, InputFile, Locator, NewReviewSpec, SearchSpec, Service, SessionKind};
use sift_store::testing::{PG_URL_VAR, ScratchPostgres, pg_url};
use sift_web::AppState;

use crate::support::{As, PASSWORD, User, get, post_form, test_data};

#[tokio::test]
async fn a_database_server_serves_its_reviews() {
    let Some(base) = pg_url() else {
        eprintln!("note: {PG_URL_VAR} is not set; the web-on-PostgreSQL test was skipped");
        return;
    };
    let scratch = ScratchPostgres::create(&base)
        .await
        .unwrap_or_else(|e| panic!("{PG_URL_VAR} is set but PostgreSQL is unreachable: {e}"));
    let owner = Actor::new("lise");
    for (slug, title) in [("alpha", "Alpha review of exercise"), ("beta", "Beta review of sleep")] {
        let locator = Locator::Database { url: scratch.url.clone(), review: Some(slug.into()) };
        let spec = NewReviewSpec { title: title.into(), review_type: ReviewType::Systematic, question: None };
        let service = Service::create(&locator, &spec, &owner).await.unwrap();
        if slug == "alpha" {
            let search = SearchSpec { source: "Embase".into(), ..SearchSpec::default() };
            service
                .add_search(&owner, &search, &[InputFile::new(test_data("asreview/embase.ris"))])
                .await
                .unwrap();
            service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
        }
        service.close().await;
    }

    let state = AppState::for_database(&scratch.url, None).await.unwrap();
    let slugs: Vec<String> = state.reviews.all().iter().map(|s| s.review().slug.clone()).collect();
    assert_eq!(slugs, ["alpha", "beta"]);
    let all = state.reviews.all();
    let reviews: Vec<&Service> = all.iter().collect();
    state.accounts.create_owner("lise", PASSWORD, &reviews).await.unwrap();
    let login = state.accounts.login("lise", PASSWORD, "127.0.0.1", SessionKind::Browser).await.unwrap();
    let api = state.accounts.login("lise", PASSWORD, "127.0.0.1", SessionKind::Api).await.unwrap();
    let lise = User {
        name: "lise".into(),
        cookie: format!("sift_session={}", login.token),
        csrf: login.session.csrf_token,
        bearer: api.token,
    };
    let app = sift_web::router(state.clone());
    let list = get(&app, "/", As::Cookie(&lise)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("Alpha review") && list.body.contains("Beta review"), "{}", list.body);
    assert_eq!(get(&app, "/r/beta", As::Cookie(&lise)).await.status, StatusCode::OK);
    // Real work through the database: the next record to screen in alpha's imported search.
    let next = get(&app, "/api/v1/reviews/alpha/next", As::Bearer(&lise)).await;
    assert_eq!(next.status, StatusCode::OK, "{}", next.body);
    assert!(next.body.contains("\"citation\""), "{}", next.body);

    // One review alone; the account, kept in the database, still logs in.
    let alone = AppState::for_database(&scratch.url, Some("beta")).await.unwrap();
    let slugs: Vec<String> = alone.reviews.all().iter().map(|s| s.review().slug.clone()).collect();
    assert_eq!(slugs, ["beta"]);
    alone.accounts.login("lise", PASSWORD, "127.0.0.1", SessionKind::Browser).await.unwrap();
    let missing = AppState::for_database(&scratch.url, Some("gamma")).await.unwrap_err();
    assert!(missing.to_string().contains("gamma"), "{missing}");

    // The administrator creates a review in the database while the server runs: it is served
    // at once, on the same connections, and a restarted server finds it.
    let form = format!("csrf={}&title=Gamma+review&slug=gamma&review_type=rapid", lise.csrf);
    let created = post_form(&app, "/reviews/new", As::Cookie(&lise), &form).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(get(&app, "/r/gamma", As::Cookie(&lise)).await.status, StatusCode::OK);
    let again = post_form(&app, "/reviews/new", As::Cookie(&lise), &form).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.body.contains("already exists"), "{}", again.body);
    let body = serde_json::json!({ "title": "Gamma renamed", "question": "Does it work?" });
    let put = crate::support::send(
        &app,
        axum::http::Method::PUT,
        "/api/v1/reviews/gamma/protocol",
        As::Bearer(&lise),
        Some(("application/json", body.to_string())),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let listed = Service::list_reviews(&scratch.url).await.unwrap();
    assert!(
        listed.iter().any(|r| r.title == "Gamma renamed" && r.question.as_deref() == Some("Does it work?"))
    );
    let gamma = listed.iter().find(|r| r.slug == "gamma").expect("gamma is in the database");
    assert_eq!(gamma.review_type, ReviewType::Rapid);
    let restarted = AppState::for_database(&scratch.url, Some("gamma")).await.unwrap();
    // A review made beside the running server (`sift init REVIEW --database URL`) is served
    // by the server of every review, not by one serving a review alone.
    let locator = Locator::Database { url: scratch.url.clone(), review: Some("delta".into()) };
    let spec =
        NewReviewSpec { title: "Delta beside".into(), review_type: ReviewType::Scoping, question: None };
    Service::create(&locator, &spec, &owner).await.unwrap().close().await;
    assert!(get(&app, "/", As::Cookie(&lise)).await.body.contains("Delta beside"));
    assert_eq!(get(&app, "/r/delta", As::Cookie(&lise)).await.status, StatusCode::OK);
    let alone_app = sift_web::router(alone.clone());
    assert_eq!(get(&alone_app, "/r/delta", As::Cookie(&lise)).await.status, StatusCode::NOT_FOUND);
    let refused = post_form(&alone_app, "/reviews/new", As::Cookie(&lise), &form).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "one review served alone gains no other");

    for service in state.reviews.all().into_iter().chain(alone.reviews.all()).chain(restarted.reviews.all()) {
        service.clone().close().await;
    }
    scratch.drop_database().await.unwrap();
}
