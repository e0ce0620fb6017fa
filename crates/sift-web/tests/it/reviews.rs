//! Creating a review from the browser: the server's administrator adds one to a data
//! directory (a new `.sift` file, served at once, the administrator its owner); nobody else
//! may, and a server of one review file cannot hold another.

use axum::http::{Method, StatusCode};
use sift_domain::ReviewType;
use sift_service::{Actor, Locator, NewReviewSpec, Service};
use sift_web::AppState;

use crate::support::{As, PASSWORD, User, fixture, get, post_form, post_json, send, test_data};

/// A `multipart/form-data` body (boundary `XX`): text fields, then at most one file as
/// (field, file name, contents).
fn form_data(fields: &[(&str, &str)], file: Option<(&str, &str, &str)>) -> Option<(&'static str, String)> {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!("--XX\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
    }
    if let Some((name, file_name, contents)) = file {
        body.push_str(&format!(
            "--XX\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n{contents}\r\n"
        ));
    }
    body.push_str("--XX--\r\n");
    Some(("multipart/form-data; boundary=XX", body))
}

fn new_review(who: &User, title: &str, slug: &str) -> String {
    format!("csrf={}&title={title}&slug={slug}&review_type=scoping&question=Does+it+help%3F", who.csrf)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_creates_a_review_in_the_data_directory() {
    let f = fixture().await;
    let app = &f.app;
    let list = get(app, "/", As::Cookie(&f.root)).await;
    assert!(list.body.contains("href=\"/reviews/new\""), "{}", list.body);
    let form = get(app, "/reviews/new", As::Cookie(&f.root)).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"slug\"") && form.body.contains("umbrella"), "{}", form.body);

    // Only the administrator: a member of a review sees no button and is refused.
    assert!(!get(app, "/", As::Cookie(&f.ellen)).await.body.contains("/reviews/new"));
    assert_eq!(get(app, "/reviews/new", As::Cookie(&f.ellen)).await.status, StatusCode::FORBIDDEN);
    let refused = post_form(app, "/reviews/new", As::Cookie(&f.ellen), &new_review(&f.ellen, "X", "x")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let no_csrf = post_form(app, "/reviews/new", As::CookieNoCsrf(&f.root), "title=X&slug=x").await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);

    // Bad input is named and nothing is made.
    for (slug, why) in
        [("..%2Fescape", "start with a letter or digit"), ("alpha", "already exists"), ("", "short name")]
    {
        let reply =
            post_form(app, "/reviews/new", As::Cookie(&f.root), &new_review(&f.root, "Gamma", slug)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{slug}: {}", reply.body);
        assert!(reply.body.contains(why), "{slug}: {}", reply.body);
        assert!(reply.body.contains("value=\"Gamma\""), "the form keeps what was typed");
    }
    let untitled =
        post_form(app, "/reviews/new", As::Cookie(&f.root), &new_review(&f.root, "+", "gamma")).await;
    assert_eq!(untitled.status, StatusCode::BAD_REQUEST);
    assert!(untitled.body.contains("needs a title"), "{}", untitled.body);
    assert!(!f._dir.path().join("gamma.sift").exists());
    assert!(!f._dir.path().join("escape.sift").exists());

    let created =
        post_form(app, "/reviews/new", As::Cookie(&f.root), &new_review(&f.root, "Gamma+of+rest", "gamma"))
            .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.headers["location"], "/r/gamma/settings");
    assert!(f._dir.path().join("gamma.sift").exists());
    let settings = get(app, "/r/gamma/settings", As::Cookie(&f.root)).await;
    assert_eq!(settings.status, StatusCode::OK, "{}", settings.body);
    assert!(get(app, "/", As::Cookie(&f.root)).await.body.contains("Gamma of rest"));
    let gamma = f.state.reviews.get("gamma").expect("served at once");
    assert_eq!(gamma.review().review_type, ReviewType::Scoping);
    assert_eq!(gamma.review().question.as_deref(), Some("Does it help?"));
    let members = gamma.members().await.unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!((members[0].name.as_str(), members[0].role), ("root", sift_domain::screening::Role::Owner));
    // Other accounts reach nothing of it until invited.
    assert_eq!(get(app, "/r/gamma", As::Cookie(&f.ellen)).await.status, StatusCode::FORBIDDEN);

    // The review's details are edited on the Settings page and by the API.
    let edit = format!("csrf={}&title=Gamma+renamed&review_type=umbrella&question=", f.root.csrf);
    let saved = post_form(app, "/r/gamma/settings/protocol", As::Cookie(&f.root), &edit).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(get(app, "/", As::Cookie(&f.root)).await.body.contains("Gamma renamed"));
    let protocol = get(app, "/api/v1/reviews/gamma/protocol", As::Bearer(&f.root)).await;
    assert!(
        protocol.body.contains("\"type\":\"umbrella\"") && protocol.body.contains("\"question\":null"),
        "{}",
        protocol.body
    );
    let untitled = post_form(
        app,
        "/r/gamma/settings/protocol",
        As::Cookie(&f.root),
        &edit.replace("Gamma+renamed", "+"),
    )
    .await;
    let page = get(app, untitled.headers["location"].to_str().unwrap(), As::Cookie(&f.root)).await;
    assert!(page.body.contains("a review needs a title"), "{}", page.body);
    let body = serde_json::json!({ "question": "Does rest help?" });
    let put = send(
        app,
        Method::PUT,
        "/api/v1/reviews/gamma/protocol",
        As::Bearer(&f.root),
        Some(("application/json", body.to_string())),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    assert!(put.body.contains("Does rest help?") && put.body.contains("Gamma renamed"), "{}", put.body);
    assert_eq!(f.state.reviews.get("gamma").unwrap().review().question.as_deref(), Some("Does rest help?"));

    // Streams: added on the Settings page (bad or taken names shown there) and by the API.
    let add = |name: &str| format!("csrf={}&name={name}&description=Exercise+trials", f.root.csrf);
    let added = post_form(app, "/r/gamma/settings/streams", As::Cookie(&f.root), &add("exercise")).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    for (name, why) in [("exercise", "already has a stream"), ("bad+name", "a stream name is 1-64 letters")] {
        let refused = post_form(app, "/r/gamma/settings/streams", As::Cookie(&f.root), &add(name)).await;
        let to = refused.headers["location"].to_str().unwrap().to_string();
        let page = get(app, &to, As::Cookie(&f.root)).await;
        assert!(page.body.contains("flash error") && page.body.contains(why), "{name}: {}", page.body);
    }
    let settings = get(app, "/r/gamma/settings", As::Cookie(&f.root)).await;
    assert!(settings.body.contains("searches?stream=exercise") && settings.body.contains("Exercise trials"));
    let body = serde_json::json!({ "name": "drugs", "description": "Pharmacological" });
    assert_eq!(
        post_json(app, "/api/v1/reviews/gamma/streams", As::Bearer(&f.root), body).await.status,
        StatusCode::CREATED
    );
    let listed = get(app, "/api/v1/reviews/gamma/streams", As::Bearer(&f.root)).await;
    assert!(
        listed.body.contains("\"default\"")
            && listed.body.contains("\"exercise\"")
            && listed.body.contains("\"drugs\""),
        "{}",
        listed.body
    );

    // The whole start in the browser: upload a search, find duplicates, screen.
    let empty = get(app, "/r/gamma/screen/record", As::Cookie(&f.root)).await;
    assert!(
        empty.body.contains("No citations to screen yet") && empty.body.contains("/r/gamma/dedup"),
        "{}",
        empty.body
    );
    let ris = std::fs::read_to_string(test_data("asreview/embase.ris")).unwrap();
    let csrf = f.root.csrf.as_str();
    let upload = form_data(&[("csrf", csrf), ("source", "Embase")], Some(("files", "embase.ris", &ris)));
    let added = send(app, Method::POST, "/r/gamma/searches", As::Cookie(&f.root), upload).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let run = format!("csrf={}&stream=default", f.root.csrf);
    let ran = post_form(app, "/r/gamma/dedup/run", As::Cookie(&f.root), &run).await;
    assert_eq!(ran.status, StatusCode::SEE_OTHER, "{}", ran.body);
    let to = ran.headers["location"].to_str().unwrap().to_string();
    let page = get(app, &to, As::Cookie(&f.root)).await;
    assert!(
        page.body.contains("6 record(s), 6 new") && page.body.contains("citation(s) to screen"),
        "{}",
        page.body
    );
    let record = get(app, "/r/gamma/screen/record", As::Cookie(&f.root)).await;
    assert!(!record.body.contains("No citations to screen yet"), "{}", record.body);
    assert!(record.body.contains("name=\"decision\""), "a record to vote on: {}", record.body);
    // A re-run of the search (living review): its records join the citations they match.
    let rerun = form_data(
        &[("csrf", csrf), ("source", "Embase"), ("updates", "1")],
        Some(("files", "embase.ris", &ris)),
    );
    let again = send(app, Method::POST, "/r/gamma/searches", As::Cookie(&f.root), rerun).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    assert!(get(app, "/r/gamma/searches", As::Cookie(&f.root)).await.body.contains("(re-runs #1)"));
    let ran = post_form(app, "/r/gamma/dedup/run", As::Cookie(&f.root), &run).await;
    let page = get(app, ran.headers["location"].to_str().unwrap(), As::Cookie(&f.root)).await;
    assert!(
        page.body.contains("12 record(s), 6 new") && page.body.contains("; 6 citation(s) to screen"),
        "{}",
        page.body
    );
    let wrong = form_data(&[("csrf", csrf), ("source", "Embase"), ("found_in", "1")], None);
    let refused = send(app, Method::POST, "/r/gamma/searches", As::Cookie(&f.root), wrong).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("found in: only a search of kind other")
            && !refused.body.contains("--found-in"),
        "{}",
        refused.body
    );
    // Decisions made in another tool are imported on the Settings page.
    let csv = "doi,reviewer,decision,reason\n10.4103/2303-9027.138783,karen,exclude,wrong population\n10.1002/cncr.20369,karen,include,\n10.9999/nowhere,karen,include,\n";
    let import = form_data(&[("csrf", csrf), ("stream", "default")], Some(("file", "screening.csv", csv)));
    let imported = send(app, Method::POST, "/r/gamma/settings/decisions", As::Cookie(&f.root), import).await;
    assert_eq!(imported.status, StatusCode::SEE_OTHER, "{}", imported.body);
    let page = get(app, imported.headers["location"].to_str().unwrap(), As::Cookie(&f.root)).await;
    assert!(
        page.body.contains("screening.csv (csv): 3 rows: 2 votes")
            && page.body.contains("1 unmatched")
            && page.body.contains("New reviewers: karen"),
        "{}",
        page.body
    );
    let more = "doi,reviewer,decision\n10.1016/j.ijscr.2018.11.060,karen,include\n";
    let by_api = form_data(&[], Some(("file", "more.csv", more)));
    let imported =
        send(app, Method::POST, "/api/v1/reviews/gamma/decisions", As::Bearer(&f.root), by_api).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    assert!(
        imported.body.contains("\"votes\":1") && imported.body.contains("\"unmatched\":[]"),
        "{}",
        imported.body
    );
    let empty = form_data(&[("csrf", csrf)], None);
    let refused = send(app, Method::POST, "/r/gamma/settings/decisions", As::Cookie(&f.root), empty).await;
    let page = get(app, refused.headers["location"].to_str().unwrap(), As::Cookie(&f.root)).await;
    assert!(page.body.contains("choose the exported decisions file"), "{}", page.body);
    let api = post_json(app, "/api/v1/reviews/gamma/dedup", As::Bearer(&f.root), serde_json::json!({})).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    assert!(api.body.contains("\"new_records\":0"), "a second run finds nothing new: {}", api.body);
    // The API does the same for scripts.
    let body = serde_json::json!({ "title": "Delta", "slug": "delta", "type": "umbrella" });
    let made = post_json(app, "/api/v1/reviews", As::Bearer(&f.root), body.clone()).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert!(made.body.contains("\"slug\":\"delta\""), "{}", made.body);
    assert_eq!(
        post_json(app, "/api/v1/reviews", As::Bearer(&f.root), body.clone()).await.status,
        StatusCode::CONFLICT
    );
    let body = serde_json::json!({ "title": "Epsilon", "slug": "epsilon" });
    assert_eq!(
        post_json(app, "/api/v1/reviews", As::Bearer(&f.ellen), body.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let listed = get(app, "/api/v1/reviews", As::Bearer(&f.root)).await;
    assert!(listed.body.contains("\"delta\"") && listed.body.contains("\"gamma\""), "{}", listed.body);
    // A review made beside the running server (`sift init` in the directory) is served
    // without a restart: found by the reviews page, or by its address.
    let spec = NewReviewSpec { title: "Zeta beside".into(), review_type: ReviewType::Rapid, question: None };
    let zeta = f._dir.path().join("zeta.sift");
    Service::create(&Locator::File(zeta), &spec, &Actor::new("root")).await.unwrap().close().await;
    assert!(get(app, "/", As::Cookie(&f.root)).await.body.contains("Zeta beside"));
    let eta = f._dir.path().join("eta.sift");
    Service::create(&Locator::File(eta), &spec, &Actor::new("root")).await.unwrap().close().await;
    assert_eq!(get(app, "/r/eta", As::Cookie(&f.root)).await.status, StatusCode::OK);
    std::fs::write(f._dir.path().join("broken.sift"), b"not a review").unwrap();
    assert_eq!(get(app, "/", As::Cookie(&f.root)).await.status, StatusCode::OK, "a bad file is skipped");
    assert_eq!(get(app, "/r/broken", As::Cookie(&f.root)).await.status, StatusCode::NOT_FOUND);
    let taken =
        post_form(app, "/reviews/new", As::Cookie(&f.root), &new_review(&f.root, "Broken", "broken")).await;
    assert_eq!(taken.status, StatusCode::BAD_REQUEST);
    assert!(taken.body.contains("already has a file broken.sift"), "{}", taken.body);
    assert_eq!(std::fs::read(f._dir.path().join("broken.sift")).unwrap(), b"not a review", "left alone");
    // Once the file is replaced by a review, it is served.
    std::fs::remove_file(f._dir.path().join("broken.sift")).unwrap();
    let spec = NewReviewSpec { title: "Mended".into(), review_type: ReviewType::Rapid, question: None };
    let mended = f._dir.path().join("broken.sift");
    Service::create(&Locator::File(mended), &spec, &Actor::new("root")).await.unwrap().close().await;
    assert_eq!(get(app, "/r/broken", As::Cookie(&f.root)).await.status, StatusCode::OK);
    // A copy of a review file under another name holds the same review: it is not served twice.
    let listed = get(app, "/", As::Cookie(&f.root)).await.body.matches("href=\"/r/").count();
    std::fs::copy(f._dir.path().join("zeta.sift"), f._dir.path().join("zeta-copy.sift")).unwrap();
    assert_eq!(get(app, "/", As::Cookie(&f.root)).await.body.matches("href=\"/r/").count(), listed);
    assert_eq!(get(app, "/r/zeta-copy", As::Cookie(&f.root)).await.status, StatusCode::NOT_FOUND);
    std::fs::remove_file(f._dir.path().join("zeta-copy.sift")).unwrap();
    // A restarted server finds them with the others.
    let again = AppState::for_data_dir(f._dir.path()).await.unwrap();
    assert!(again.reviews.get("gamma").is_some() && again.reviews.get("delta").is_some());
}

#[tokio::test]
async fn a_server_of_one_review_file_cannot_hold_another() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("solo.sift");
    let spec = NewReviewSpec { title: "Solo".into(), review_type: ReviewType::Systematic, question: None };
    Service::create(&Locator::File(path.clone()), &spec, &Actor::new("lise")).await.unwrap().close().await;
    let state = AppState::for_file(&path).await.unwrap();
    let all = state.reviews.all();
    let reviews: Vec<&Service> = all.iter().collect();
    state.accounts.create_owner("lise", PASSWORD, &reviews).await.unwrap();
    let login = state
        .accounts
        .login("lise", PASSWORD, "127.0.0.1", sift_service::SessionKind::Browser)
        .await
        .unwrap();
    let lise = User {
        name: "lise".into(),
        cookie: format!("sift_session={}", login.token),
        csrf: login.session.csrf_token,
        bearer: String::new(),
    };
    let app = sift_web::router(state.clone());
    assert!(!get(&app, "/", As::Cookie(&lise)).await.body.contains("/reviews/new"));
    let page = get(&app, "/reviews/new", As::Cookie(&lise)).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("serves one review file"), "{}", page.body);
    let post = post_form(&app, "/reviews/new", As::Cookie(&lise), &new_review(&lise, "Two", "two")).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert!(!dir.path().join("two.sift").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_whose_file_is_moved_away_is_no_longer_served() {
    let f = fixture().await;
    let dir = f._dir.path();
    assert_eq!(get(&f.app, "/r/beta", As::Cookie(&f.mallory)).await.status, StatusCode::OK);
    std::fs::create_dir(dir.join("archive")).unwrap();
    std::fs::rename(dir.join("beta.sift"), dir.join("archive/beta.sift")).unwrap();
    let gone = get(&f.app, "/r/beta", As::Cookie(&f.mallory)).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND, "{}", gone.body);
    let api = get(&f.app, "/api/v1/reviews/beta/progress", As::Bearer(&f.mallory)).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND, "{}", api.body);
    let list = get(&f.app, "/", As::Cookie(&f.root)).await;
    assert!(list.body.contains("Alpha review") && !list.body.contains("Beta review"), "{}", list.body);
    assert_eq!(get(&f.app, "/r/alpha", As::Cookie(&f.ellen)).await.status, StatusCode::OK);
    // Put back, it is served again as soon as its address is opened.
    std::fs::rename(dir.join("archive/beta.sift"), dir.join("beta.sift")).unwrap();
    let back = get(&f.app, "/r/beta", As::Cookie(&f.mallory)).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_review_file_replaced_while_served_is_served_from_the_new_file() {
    let f = fixture().await;
    let dir = f._dir.path();
    let before = get(&f.app, "/r/beta", As::Cookie(&f.root)).await;
    assert!(before.body.contains("Beta review of secret things"), "{}", before.body);
    // Another review file (a restored archive, say) moved over beta.sift while it is served.
    let elsewhere = tempfile::tempdir().unwrap();
    let spec = NewReviewSpec {
        title: "Beta, restored from its archive".into(),
        review_type: ReviewType::Scoping,
        question: None,
    };
    let restored = elsewhere.path().join("beta.sift");
    Service::create(&Locator::File(restored.clone()), &spec, &Actor::new("root"))
        .await
        .unwrap()
        .close()
        .await;
    std::fs::rename(&restored, dir.join("beta.sift")).unwrap();
    let after = get(&f.app, "/r/beta", As::Cookie(&f.root)).await;
    assert_eq!(after.status, StatusCode::OK, "{}", after.body);
    assert!(
        after.body.contains("Beta, restored from its archive") && !after.body.contains("secret things"),
        "the new file is served, not the replaced one: {}",
        after.body
    );
    // A change goes to the new file, as a fresh open of it shows.
    let service = f.state.reviews.get("beta").unwrap();
    service.add_criterion(&Actor::new("root"), "wrong setting", None).await.unwrap();
    let reopened = Service::open(&Locator::File(dir.join("beta.sift"))).await.unwrap();
    assert_eq!(reopened.review().title, "Beta, restored from its archive");
    assert!(reopened.criteria().await.unwrap().iter().any(|c| c.label == "wrong setting"));
    reopened.close().await;
    let list = get(&f.app, "/", As::Cookie(&f.root)).await;
    assert!(list.body.contains("Beta, restored from its archive"), "{}", list.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_download_the_archive_and_it_restores() {
    let f = fixture().await;
    let page = get(&f.app, "/r/alpha/settings/archive", As::Cookie(&f.root)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let disposition = page.headers["content-disposition"].to_str().unwrap();
    assert_eq!(disposition, "attachment; filename=\"alpha.sift-archive.jsonl\"");
    assert_eq!(
        get(&f.app, "/r/alpha/settings/archive", As::Cookie(&f.katrin)).await.status,
        StatusCode::FORBIDDEN
    );
    let api = get(&f.app, "/api/v1/reviews/alpha/archive", As::Bearer(&f.root)).await;
    assert_eq!(api.body, page.body, "the page and the API give the same archive");
    // It restores into a new review file that exports the same bytes.
    let dir = tempfile::tempdir().unwrap();
    let locator = Locator::File(dir.path().join("restored.sift"));
    let (restored, _) = Service::import_archive(&locator, &mut page.body.as_bytes()).await.unwrap();
    let mut again = Vec::new();
    restored.export_archive(&Actor::new("lise"), &mut again).await.unwrap();
    assert!(again == page.body.as_bytes(), "byte for byte");
    restored.close().await;
}
