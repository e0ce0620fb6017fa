//! The route-by-role matrix: every page, fragment and API route of review B refuses a member
//! of review A (and changes nothing), a viewer can't vote, a reviewer can't resolve unless
//! named resolver, only owners reach settings.

use axum::http::{Method, StatusCode};
use serde_json::json;
use sift_domain::screening::Stage;
use sift_service::Actor;

use crate::support::{As, Fixture, User, fixture, get, post_form, post_json, send};

/// Every route that touches a review, with a request that would succeed for a suitable
/// member of it (citation 1 exists in both reviews).
/// A request body: content type and text.
pub type Body = Option<(&'static str, String)>;

pub fn review_routes(slug: &str, csrf: &str) -> Vec<(Method, String, Body)> {
    let form = |s: String| Some(("application/x-www-form-urlencoded", s));
    let json = |v: serde_json::Value| Some(("application/json", v.to_string()));
    vec![
        (Method::GET, format!("/r/{slug}"), None),
        (Method::GET, format!("/r/{slug}/screen"), None),
        (Method::GET, format!("/r/{slug}/screen?stage=full-text"), None),
        (Method::GET, format!("/r/{slug}/screen/record?citation=1"), None),
        (
            Method::POST,
            format!("/r/{slug}/screen/vote"),
            form(format!("csrf={csrf}&citation=1&decision=include")),
        ),
        (Method::GET, format!("/r/{slug}/fulltext/1/pdf"), None),
        (Method::POST, format!("/r/{slug}/fulltext/1/missing"), form(format!("csrf={csrf}&reason=lost"))),
        (
            Method::POST,
            format!("/r/{slug}/fulltext/1/upload"),
            Some((
                "multipart/form-data; boundary=XX",
                format!(
                    "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XX\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"a.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 x\r\n--XX--\r\n"
                ),
            )),
        ),
        (Method::GET, format!("/r/{slug}/searches"), None),
        (
            Method::POST,
            format!("/r/{slug}/searches"),
            Some((
                "multipart/form-data; boundary=XX",
                format!(
                    "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XX\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nPlanted\r\n--XX--\r\n"
                ),
            )),
        ),
        (Method::GET, format!("/r/{slug}/records?q=cyst"), None),
        (Method::GET, format!("/r/{slug}/dedup"), None),
        (
            Method::POST,
            format!("/r/{slug}/dedup/1"),
            form(format!("csrf={csrf}&decision=same&record_a=1&record_b=2")),
        ),
        (Method::POST, format!("/r/{slug}/dedup/run"), form(format!("csrf={csrf}&stream=default"))),
        (
            Method::POST,
            format!("/r/{slug}/dedup/undo"),
            form(format!("csrf={csrf}&was=different&record_a=1&record_b=2")),
        ),
        (Method::GET, format!("/r/{slug}/dedup/merged"), None),
        (Method::POST, format!("/r/{slug}/dedup/split"), form(format!("csrf={csrf}&record=1&other=2"))),
        (Method::POST, format!("/r/{slug}/dedup/merge"), form(format!("csrf={csrf}&record_a=1&record_b=2"))),
        (Method::GET, format!("/r/{slug}/conflicts"), None),
        (
            Method::POST,
            format!("/r/{slug}/conflicts/1/resolve"),
            form(format!("csrf={csrf}&decision=exclude")),
        ),
        (
            Method::POST,
            format!("/r/{slug}/reports/flow"),
            form(format!("csrf={csrf}&stream=default&action=clear")),
        ),
        (
            Method::POST,
            format!("/r/{slug}/reports/tables"),
            form(format!(
                "csrf={csrf}&spec=%5B%5Btables%5D%5D%0Aname%3D%22planted%22%0Aform%3D%22characteristics%22%0A%5B%5Btables.columns%5D%5D%0Aheader%3D%22S%22%0Avalue%3D%22study%22"
            )),
        ),
        (Method::POST, format!("/r/{slug}/reports/tables/remove"), form(format!("csrf={csrf}&name=planted"))),
        (
            Method::POST,
            format!("/r/{slug}/reports/tables/build"),
            form(format!("csrf={csrf}&form=characteristics&name=planted&c0.source=value%3Astudy&c0.on=on&c0.header=S")),
        ),
        (Method::GET, format!("/r/{slug}/studies"), None),
        (
            Method::POST,
            format!("/r/{slug}/studies/link"),
            form(format!("csrf={csrf}&stream=default&study=Planted&citation=1")),
        ),
        (Method::POST, format!("/r/{slug}/studies/unlink"), form(format!("csrf={csrf}&citation=1"))),
        (Method::GET, format!("/r/{slug}/reports"), None),
        (Method::GET, format!("/r/{slug}/reports/file/index.html"), None),
        (
            Method::POST,
            format!("/r/{slug}/reports/analyses"),
            form(format!(
                "csrf={csrf}&spec=%5B%5Banalyses%5D%5D%0Aname%3D%22planted%22%0Aform%3D%22characteristics%22%0Ameasure%3D%22RR%22"
            )),
        ),
        (Method::POST, format!("/r/{slug}/reports/analyses/remove"), form(format!("csrf={csrf}&name=planted"))),
        (
            Method::POST,
            format!("/r/{slug}/reports/analyses/build"),
            form(format!("csrf={csrf}&name=planted&form=characteristics&measure=RR")),
        ),
        (Method::GET, format!("/r/{slug}/settings"), None),
        (Method::GET, format!("/r/{slug}/settings/archive"), None),
        (
            Method::POST,
            format!("/r/{slug}/settings/stage"),
            form(format!("csrf={csrf}&stage=title-abstract&reviewers=1")),
        ),
        (Method::POST, format!("/r/{slug}/settings/criteria"), form(format!("csrf={csrf}&label=planted"))),
        (Method::POST, format!("/r/{slug}/settings/streams"), form(format!("csrf={csrf}&name=planted"))),
        (
            Method::POST,
            format!("/r/{slug}/settings/decisions"),
            Some((
                "multipart/form-data; boundary=XX",
                format!(
                    "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.csv\"\r\nContent-Type: text/csv\r\n\r\ndoi,reviewer,decision\n10.1/x,intruder,include\n\r\n--XX--\r\n"
                ),
            )),
        ),
        (
            Method::POST,
            format!("/r/{slug}/settings/protocol"),
            form(format!("csrf={csrf}&title=Planted&review_type=rapid&question=")),
        ),
        (
            Method::POST,
            format!("/r/{slug}/settings/keywords"),
            form(format!("csrf={csrf}&include=x&exclude=y")),
        ),
        (
            Method::POST,
            format!("/r/{slug}/settings/members"),
            form(format!("csrf={csrf}&name=intruder&role=owner")),
        ),
        (
            Method::POST,
            format!("/r/{slug}/settings/members/remove"),
            form(format!("csrf={csrf}&name=mallory")),
        ),
        (Method::GET, format!("/r/{slug}/forms"), None),
        (
            Method::POST,
            format!("/r/{slug}/forms"),
            form(format!("csrf={csrf}&definition=name%3D%22planted%22%0Afields%3D%5B%5D")),
        ),
        (
            Method::POST,
            format!("/r/{slug}/forms/tools"),
            form(format!("csrf={csrf}&definition=key%3D%22planted%22")),
        ),
        (Method::GET, format!("/r/{slug}/chart"), None),
        (Method::GET, format!("/r/{slug}/chart/characteristics/1"), None),
        (
            Method::POST,
            format!("/r/{slug}/chart/characteristics/1"),
            form(format!("csrf={csrf}&f.design=planted")),
        ),
        (Method::GET, format!("/r/{slug}/chart/characteristics/1/compare"), None),
        (
            Method::POST,
            format!("/r/{slug}/chart/characteristics/1/compare"),
            form(format!("csrf={csrf}&pick.design=typed&typed.design=planted")),
        ),
        (Method::GET, format!("/r/{slug}/appraise/1"), None),
        (Method::POST, format!("/r/{slug}/appraise/1"), form(format!("csrf={csrf}&tool=rob2&d.d1=Low"))),
        (Method::POST, format!("/r/{slug}/appraise/1/level"), form(format!("csrf={csrf}&level=2"))),
        (Method::GET, format!("/api/v1/reviews/{slug}/forms"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/forms"),
            json(json!({ "definition": "name = \"planted\"\nfields = []" })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/forms/characteristics/progress"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/chart/characteristics/1"), None),
        (
            Method::PUT,
            format!("/api/v1/reviews/{slug}/chart/characteristics/1"),
            json(json!({ "values": { "design": "planted" } })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/chart/characteristics/1/compare"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/chart/characteristics/1/consensus"),
            json(json!({ "values": { "design": "planted" } })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/appraisal-tools"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/appraisal-tools"),
            json(json!({ "definition": "key = \"planted\"" })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/appraisals"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/appraisals"),
            json(json!({ "citation": 1, "tool": "rob2", "judgements": { "d1": "Low" } })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/levels"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/levels"),
            json(json!({ "citation": 1, "level": "2" })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/progress"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/next"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/citations/1"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/votes"),
            json(json!({ "citation": 1, "decision": "include" })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/conflicts"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/resolutions"),
            json(json!({ "citation": 1, "decision": "exclude", "method": "consensus" })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/flow"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/searches"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/duplicates"), None),
        (Method::POST, format!("/api/v1/reviews/{slug}/duplicates/1"), json(json!({ "decision": "same" }))),
        (Method::POST, format!("/api/v1/reviews/{slug}/dedup"), json(json!({ "stream": "default" }))),
        (Method::GET, format!("/api/v1/reviews/{slug}/streams"), None),
        (Method::PUT, format!("/api/v1/reviews/{slug}/flow"), json(json!({ "stream": "default", "counts": null }))),
        (Method::GET, format!("/api/v1/reviews/{slug}/records?q=cyst"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/archive"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/tables"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/tables/planted"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/tables"),
            json(json!({ "tables": [{ "name": "planted", "form": "characteristics", "columns": [{ "header": "S", "value": "study" }] }] })),
        ),
        (Method::DELETE, format!("/api/v1/reviews/{slug}/tables/planted"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/studies"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/studies"),
            json(json!({ "study": "Planted", "citations": [1] })),
        ),
        (Method::DELETE, format!("/api/v1/reviews/{slug}/studies/reports/1"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/analyses"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/analyses/planted"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/analyses"),
            json(json!({ "analyses": [{ "name": "planted", "form": "characteristics", "measure": "RR" }] })),
        ),
        (Method::DELETE, format!("/api/v1/reviews/{slug}/analyses/planted"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/protocol"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/decisions"),
            Some((
                "multipart/form-data; boundary=XX",
                "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"d.csv\"\r\nContent-Type: text/csv\r\n\r\ndoi,reviewer,decision\n10.1/x,intruder,include\n\r\n--XX--\r\n"
                    .to_string(),
            )),
        ),
        (Method::PUT, format!("/api/v1/reviews/{slug}/protocol"), json(json!({ "title": "Planted" }))),
        (Method::POST, format!("/api/v1/reviews/{slug}/streams"), json(json!({ "name": "planted" }))),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/fulltexts/1/not-retrieved"),
            json(json!({ "reason": "planted" })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/members"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/members"),
            json(json!({ "name": "intruder", "role": "owner" })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/keywords"), None),
        (Method::POST, format!("/api/v1/reviews/{slug}/keywords"), json(json!({ "include": ["x"] }))),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/searches"),
            Some((
                "multipart/form-data; boundary=XX",
                "--XX\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nPlanted by API\r\n--XX--\r\n"
                    .to_string(),
            )),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/stages"), None),
        (
            Method::POST,
            format!("/api/v1/reviews/{slug}/stages"),
            json(json!({ "stage": "title-abstract", "reviewers_required": 1, "blinded": false })),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/criteria"), None),
        (Method::POST, format!("/api/v1/reviews/{slug}/criteria"), json(json!({ "label": "intruded" }))),
        (
            Method::PUT,
            format!("/api/v1/reviews/{slug}/fulltexts/1/pdf"),
            Some(("application/pdf", "%PDF-1.4 intruder".to_string())),
        ),
        (Method::GET, format!("/api/v1/reviews/{slug}/report"), None),
        (Method::GET, format!("/api/v1/reviews/{slug}/report/index.html"), None),
    ]
}

async fn status_of(
    f: &Fixture,
    user: &User,
    method: &Method,
    uri: &str,
    body: &Option<(&'static str, String)>,
) -> (StatusCode, String) {
    let who = if uri.starts_with("/api/") { As::Bearer(user) } else { As::Cookie(user) };
    let reply = send(&f.app, method.clone(), uri, who, body.clone()).await;
    (reply.status, reply.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_of_one_review_reaches_nothing_of_another() {
    let f = fixture().await;
    // Beta has a form, charted by its own reviewer, to be sure nothing of it leaks.
    let beta = f.state.reviews.get("beta").unwrap();
    beta.add_form(
        &Actor::new("bob"),
        crate::charting::FORM.replace("RCT or cohort", "BetaSecretHelp").as_str(),
    )
    .await
    .unwrap();
    beta.chart(
        &Actor::new("mallory"),
        "characteristics",
        1,
        &[("design".into(), "BetaSecretValue".into())],
        false,
    )
    .await
    .unwrap();
    for user in [&f.ellen, &f.katrin, &f.guest] {
        for (method, uri, body) in review_routes("beta", &user.csrf) {
            let (status, text) = status_of(&f, user, &method, &uri, &body).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{} {method} {uri}: {text}", user.name);
            assert!(
                !text.contains("Beta review of secret things"),
                "{} {method} {uri} leaked the title",
                user.name
            );
            assert!(!text.contains("Duplication cysts"), "{} {method} {uri} leaked a record", user.name);
            assert!(
                !text.contains("BetaSecretHelp") && !text.contains("BetaSecretValue"),
                "{} {method} {uri} leaked beta's form or values",
                user.name
            );
        }
    }
    // Nothing changed in beta: no votes, no full text, settings and members as they were.
    let bob = Actor::new("bob");
    let progress = beta.progress(&bob, None, Stage::TitleAbstract).await.unwrap();
    assert!(progress.per_reviewer.is_empty(), "{progress:?}");
    assert_eq!(progress.n_resolved, 0);
    assert_eq!(progress.settings.reviewers_required, 2);
    assert!(beta.citation_view(&bob, 1, Stage::TitleAbstract).await.unwrap().fulltext.is_none());
    assert!(beta.members().await.unwrap().iter().all(|m| m.name != "intruder"));
    assert_eq!(beta.criteria().await.unwrap().len(), 1);
    assert_eq!(beta.keywords().await.unwrap().0, vec!["cyst*".to_string()]);
    assert_eq!(beta.searches(None).await.unwrap().len(), 1, "no search was added");
    assert_eq!(beta.forms().await.unwrap().len(), 1, "no form was added");
    let (_, consensus) = beta.chart_consensus("characteristics").await.unwrap();
    assert!(consensus.is_empty(), "nothing was settled");
    let (values, _) = beta.my_chart(&Actor::new("mallory"), "characteristics", 1).await.unwrap();
    assert_eq!(values["design"].display(), "BetaSecretValue", "nothing was charted over it");
    assert!(beta.appraisals().await.unwrap().is_empty(), "no appraisal was recorded");
    assert!(beta.levels().await.unwrap().is_empty(), "no level was set");
    assert_eq!(beta.appraisal_tools().await.unwrap().len(), sift_domain::appraisal::builtin_tools().len());
    assert!(beta.studies(None).await.unwrap().is_empty(), "no study was linked");
    assert!(beta.report_tables().await.unwrap().is_empty(), "no table was stored");

    // And the reverse: beta's reviewer reaches nothing of alpha; alpha's list omits beta.
    for (method, uri, body) in review_routes("alpha", &f.mallory.csrf) {
        let (status, _) = status_of(&f, &f.mallory, &method, &uri, &body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "mallory {method} {uri}");
    }
    let list = get(&f.app, "/", As::Cookie(&f.ellen)).await;
    assert!(list.body.contains("Alpha review") && !list.body.contains("Beta review"), "{}", list.body);
    let api_list = get(&f.app, "/api/v1/reviews", As::Bearer(&f.ellen)).await;
    assert!(api_list.body.contains("alpha") && !api_list.body.contains("beta"), "{}", api_list.body);

    // The control: beta's own reviewer does get in, so the refusals above are about membership.
    assert_eq!(get(&f.app, "/r/beta", As::Cookie(&f.mallory)).await.status, StatusCode::OK);
    assert_eq!(get(&f.app, "/r/beta/screen", As::Cookie(&f.mallory)).await.status, StatusCode::OK);
    // Unknown reviews are 404, not a hint that they exist.
    assert_eq!(get(&f.app, "/r/gamma", As::Cookie(&f.mallory)).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_decide_what_a_member_may_do() {
    let f = fixture().await;
    let app = &f.app;
    // Nobody logged in: pages send to the login page, the API answers 401.
    let anonymous = get(app, "/r/alpha", As::Nobody).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "{anonymous:?}");
    assert!(anonymous.headers["location"].to_str().unwrap().starts_with("/login?next=/r/alpha"));
    assert_eq!(get(app, "/api/v1/reviews/alpha/progress", As::Nobody).await.status, StatusCode::UNAUTHORIZED);

    // A viewer reads but never votes.
    let guest = &f.guest;
    assert_eq!(get(app, "/r/alpha", As::Cookie(guest)).await.status, StatusCode::OK);
    assert_eq!(get(app, "/r/alpha/reports", As::Cookie(guest)).await.status, StatusCode::OK);
    assert_eq!(get(app, "/r/alpha/screen", As::Cookie(guest)).await.status, StatusCode::FORBIDDEN);
    let vote = format!("csrf={}&citation=1&decision=include", guest.csrf);
    assert_eq!(
        post_form(app, "/r/alpha/screen/vote", As::Cookie(guest), &vote).await.status,
        StatusCode::FORBIDDEN
    );
    let api_vote = post_json(
        app,
        "/api/v1/reviews/alpha/votes",
        As::Bearer(guest),
        json!({ "citation": 1, "decision": "include" }),
    )
    .await;
    assert_eq!(api_vote.status, StatusCode::FORBIDDEN, "{}", api_vote.body);
    assert!(api_vote.body.contains("\"error\""), "the API answers errors in JSON: {}", api_vote.body);

    // Reviewers vote; a conflict arises.
    for (user, decision) in [(&f.ellen, "include"), (&f.agon, "exclude")] {
        let form = format!("csrf={}&citation=1&decision={decision}", user.csrf);
        let reply = send(
            app,
            Method::POST,
            "/r/alpha/screen/vote",
            As::Cookie(user),
            Some(("application/x-www-form-urlencoded", form)),
        )
        .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{} votes: {}", user.name, reply.body);
    }
    // A reviewer who is not a resolver can't see or resolve conflicts, nor change settings.
    let ellen = &f.ellen;
    assert_eq!(get(app, "/r/alpha/conflicts", As::Cookie(ellen)).await.status, StatusCode::FORBIDDEN);
    let resolve = format!("csrf={}&decision=include", ellen.csrf);
    assert_eq!(
        post_form(app, "/r/alpha/conflicts/1/resolve", As::Cookie(ellen), &resolve).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(app, "/api/v1/reviews/alpha/conflicts", As::Bearer(ellen)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(get(app, "/r/alpha/settings", As::Cookie(ellen)).await.status, StatusCode::FORBIDDEN);
    let stage = format!("csrf={}&stage=title-abstract&reviewers=1", ellen.csrf);
    assert_eq!(
        post_form(app, "/r/alpha/settings/stage", As::Cookie(ellen), &stage).await.status,
        StatusCode::FORBIDDEN
    );
    // The named resolver sees the conflict and resolves it.
    let katrin = &f.katrin;
    let conflicts = get(app, "/r/alpha/conflicts", As::Cookie(katrin)).await;
    assert_eq!(conflicts.status, StatusCode::OK);
    assert!(conflicts.body.contains("Duplication cysts"), "the conflicting record is listed");
    let resolve = format!("csrf={}&decision=include", katrin.csrf);
    let resolved = post_form(app, "/r/alpha/conflicts/1/resolve", As::Cookie(katrin), &resolve).await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    let after = get(app, "/api/v1/reviews/alpha/progress", As::Bearer(katrin)).await;
    let after: serde_json::Value = serde_json::from_str(&after.body).unwrap();
    assert_eq!(after["resolved"], 1);
    assert_eq!(after["included"], 1);
    // Owners manage.
    assert_eq!(get(app, "/r/alpha/settings", As::Cookie(&f.root)).await.status, StatusCode::OK);
    let stage = format!("csrf={}&stage=title-abstract&reviewers=3&blinded=on", f.root.csrf);
    assert_eq!(
        post_form(app, "/r/alpha/settings/stage", As::Cookie(&f.root), &stage).await.status,
        StatusCode::SEE_OTHER
    );
    let stages = f.state.reviews.get("alpha").unwrap().stages().await.unwrap();
    assert_eq!(stages[0].reviewers_required, 3);
    // Removing members: a reviewer may not; an owner may remove one who has not taken part,
    // and is told why one who has voted stays.
    let remove = |who: &crate::support::User, name: &str| format!("csrf={}&name={name}", who.csrf);
    assert_eq!(
        post_form(app, "/r/alpha/settings/members/remove", As::Cookie(ellen), &remove(ellen, "guest"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let alpha = f.state.reviews.get("alpha").unwrap();
    let invite = format!("csrf={}&name=elen&role=reviewer", f.root.csrf);
    let invited = post_form(app, "/r/alpha/settings/members", As::Cookie(&f.root), &invite).await;
    let to = invited.headers["location"].to_str().unwrap().to_string();
    let link = to.split("invite=").nth(1).expect("elen has no account: a link").to_string();
    let removed =
        post_form(app, "/r/alpha/settings/members/remove", As::Cookie(&f.root), &remove(&f.root, "elen"))
            .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
    assert!(alpha.members().await.unwrap().iter().all(|m| m.name != "elen"));
    // The link sent to the mistyped name is withdrawn with it: no account is made.
    let page = get(app, &format!("/invite/{link}"), As::Nobody).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
    assert!(page.body.contains("withdrawn"), "{}", page.body);
    let accept =
        post_form(app, &format!("/invite/{link}"), As::Nobody, "password=a+long+enough+password").await;
    assert_eq!(accept.status, StatusCode::FORBIDDEN, "{}", accept.body);
    let kept =
        post_form(app, "/r/alpha/settings/members/remove", As::Cookie(&f.root), &remove(&f.root, "katrin"))
            .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER);
    let to = kept.headers["location"].to_str().unwrap().to_string();
    assert!(to.contains("err="), "{to}");
    assert!(alpha.members().await.unwrap().iter().any(|m| m.name == "katrin"), "katrin resolved a conflict");
    let page = get(app, &to, As::Cookie(&f.root)).await;
    assert!(page.body.contains("flash error") && page.body.contains("katrin has made"), "{}", page.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_add_searches_by_upload_and_see_their_warnings() {
    let f = fixture().await;
    let ris = std::fs::read_to_string(crate::support::test_data("asreview/faulty_year.ris")).unwrap();
    let body = |csrf: &str| {
        format!(
            "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XX\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nPsycInfo\r\n--XX\r\nContent-Disposition: form-data; name=\"hits\"\r\n\r\n9\r\n--XX\r\nContent-Disposition: form-data; name=\"files\"; filename=\"faulty year.ris\"\r\nContent-Type: application/x-research-info-systems\r\n\r\n{ris}\r\n--XX--\r\n"
        )
    };
    let multipart = |csrf: &str| Some(("multipart/form-data; boundary=XX", body(csrf)));
    // A reviewer may not add searches.
    let refused =
        send(&f.app, Method::POST, "/r/alpha/searches", As::Cookie(&f.ellen), multipart(&f.ellen.csrf)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let added =
        send(&f.app, Method::POST, "/r/alpha/searches", As::Cookie(&f.root), multipart(&f.root.csrf)).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let page = get(&f.app, "/r/alpha/searches", As::Cookie(&f.root)).await;
    assert!(page.body.contains("PsycInfo") && page.body.contains("faulty year.ris"), "{}", page.body);
    assert!(page.body.contains("warning(s)"), "the year warnings are shown: {}", page.body);
    let searches = f.state.reviews.get("alpha").unwrap().searches(None).await.unwrap();
    assert_eq!(searches.len(), 2);
    assert_eq!(searches[1].search.hits_reported, Some(9));
    // A bad file imports nothing and says why.
    let bad = body(&f.root.csrf).replace(&ris, "this is not a bibliographic file");
    let bad = send(
        &f.app,
        Method::POST,
        "/r/alpha/searches",
        As::Cookie(&f.root),
        Some(("multipart/form-data; boundary=XX", bad)),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Nothing was imported"), "{}", bad.body);
    assert_eq!(f.state.reviews.get("alpha").unwrap().searches(None).await.unwrap().len(), 2);
    // The dedup queue page renders for reviewers, not viewers.
    assert_eq!(get(&f.app, "/r/alpha/dedup", As::Cookie(&f.ellen)).await.status, StatusCode::OK);
    assert_eq!(get(&f.app, "/r/alpha/dedup", As::Cookie(&f.guest)).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_texts_upload_show_inline_or_are_marked_not_retrieved() {
    let f = fixture().await;
    let alpha = f.state.reviews.get("alpha").unwrap();
    for name in ["ellen", "agon"] {
        alpha
            .vote(
                &Actor::new(name),
                1,
                Stage::TitleAbstract,
                sift_domain::screening::Decision::Include,
                None,
                false,
                None,
            )
            .await
            .unwrap();
    }
    let upload = |csrf: &str, bytes: &str| {
        Some((
            "multipart/form-data; boundary=XX",
            format!(
                "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n--XX\r\nContent-Disposition: form-data; name=\"pdf\"; filename=\"Liu 2014.pdf\"\r\nContent-Type: application/pdf\r\n\r\n{bytes}\r\n--XX--\r\n"
            ),
        ))
    };
    let not_pdf = send(
        &f.app,
        Method::POST,
        "/r/alpha/fulltext/1/upload",
        As::Cookie(&f.ellen),
        upload(&f.ellen.csrf, "hello"),
    )
    .await;
    assert_eq!(not_pdf.status, StatusCode::BAD_REQUEST);
    assert!(not_pdf.body.contains("is not a PDF"), "{}", not_pdf.body);
    let viewer = send(
        &f.app,
        Method::POST,
        "/r/alpha/fulltext/1/upload",
        As::Cookie(&f.guest),
        upload(&f.guest.csrf, "%PDF-1.4 x"),
    )
    .await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN, "viewers don't attach full texts");
    let ok = send(
        &f.app,
        Method::POST,
        "/r/alpha/fulltext/1/upload",
        As::Cookie(&f.ellen),
        upload(&f.ellen.csrf, "%PDF-1.4 the paper"),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let pdf = get(&f.app, "/r/alpha/fulltext/1/pdf", As::Cookie(&f.agon)).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    assert!(pdf.headers["content-disposition"].to_str().unwrap().starts_with("inline"));
    assert_eq!(pdf.body, "%PDF-1.4 the paper");
    let page = get(&f.app, "/r/alpha/screen?stage=full-text", As::Cookie(&f.agon)).await;
    assert!(page.body.contains("attached: Liu_2014.pdf") && page.body.contains("<iframe"), "{}", page.body);
    let missing = post_form(
        &f.app,
        "/r/alpha/fulltext/1/missing",
        As::Cookie(&f.agon),
        &format!("csrf={}&reason=", f.agon.csrf),
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST, "a reason is required");
    let missing = post_form(
        &f.app,
        "/r/alpha/fulltext/1/missing",
        As::Cookie(&f.agon),
        &format!("csrf={}&reason=library+has+no+access", f.agon.csrf),
    )
    .await;
    assert_eq!(missing.status, StatusCode::SEE_OTHER);
    let page = get(&f.app, "/r/alpha/screen?stage=full-text&citation=1", As::Cookie(&f.agon)).await;
    assert!(page.body.contains("not retrieved: library has no access"), "{}", page.body);
    // A full-text exclusion without a reason is refused with the criteria named.
    let vote = post_form(
        &f.app,
        "/r/alpha/screen/vote",
        As::Cookie(&f.agon),
        &format!("csrf={}&citation=1&stage=full-text&decision=exclude", f.agon.csrf),
    )
    .await;
    assert_eq!(vote.status, StatusCode::BAD_REQUEST);
    assert!(vote.body.contains("needs a reason") && vote.body.contains("wrong population"), "{}", vote.body);
}
