//! Charting and appraisal through the web: forms added by owners (a refused definition is
//! shown naming the field, the text kept), a chart round trip with an integer pair and a
//! repeating group, typed errors shown next to their field, compare and settle for resolvers
//! only, blinded charting (a planted value never reaches another charter by page or JSON),
//! and appraisal with a level of evidence.

use axum::http::{Method, StatusCode};
use serde_json::json;
use sift_domain::charting::Value;
use sift_domain::screening::{Decision, Method as ResolveMethod, Stage};
use sift_service::Actor;

use crate::support::{As, Fixture, User, fixture, get, post_form, post_json, send};

/// The test form: every field type, a required one and a group.
pub const FORM: &str = r#"
name = "characteristics"
[[fields]]
key = "design"
label = "Design"
type = "text"
required = true
help = "RCT or cohort"
[[fields]]
key = "patients"
label = "Patients"
type = "integer_pair"
[[fields]]
key = "weeks"
label = "Follow-up, weeks"
type = "number"
[[fields]]
key = "effect"
label = "Effect"
type = "single_choice"
options = ["Yes", "No"]
[[fields]]
key = "outcomes"
label = "Outcomes"
type = "multiple_choice"
options = ["Pain", "Sleep", "Mood"]
[[fields]]
key = "blinded"
label = "Blinded"
type = "yes_no_unclear"
[[fields]]
key = "published"
label = "Published"
type = "date"
[[fields]]
key = "notes"
label = "Notes"
type = "long_text"
[[fields]]
key = "arms"
label = "Arms"
type = "group"
fields = [
  { key = "name", label = "Arm", type = "text" },
  { key = "n", label = "Randomized", type = "integer" },
]
"#;

pub async fn add_form(f: &Fixture) {
    f.state.reviews.get("alpha").unwrap().add_form(&Actor::new("root"), FORM).await.unwrap();
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn form_body(user: &User, pairs: &[(&str, &str)]) -> String {
    let mut body = format!("csrf={}", user.csrf);
    for (k, v) in pairs {
        body.push_str(&format!("&{}={}", enc(k), enc(v)));
    }
    body
}

const CHART: &str = "/r/alpha/chart/characteristics/1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_add_forms_and_tools_and_see_what_is_wrong() {
    let f = fixture().await;
    let bad = "name = \"broken\"\n[[fields]]\nkey = \"choicefield\"\nlabel = \"Pick\"\ntype = \"single_choice\"\noptions = []\n";
    let reply =
        post_form(&f.app, "/r/alpha/forms", As::Cookie(&f.root), &form_body(&f.root, &[("definition", bad)]))
            .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(reply.body.contains("The form was not added"), "{}", reply.body);
    assert!(
        reply.body.contains("The form was not added. field choicefield: a choice field needs options"),
        "{}",
        reply.body
    );
    assert!(reply.body.contains("key = &#34;choicefield&#34;"), "the text is kept: {}", reply.body);
    // A reviewer may not add forms.
    let refused = post_form(
        &f.app,
        "/r/alpha/forms",
        As::Cookie(&f.ellen),
        &form_body(&f.ellen, &[("definition", FORM)]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let added = post_form(
        &f.app,
        "/r/alpha/forms",
        As::Cookie(&f.root),
        &form_body(&f.root, &[("definition", FORM)]),
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    // Everyone reads the form, its types, required fields and help.
    let page = get(&f.app, "/r/alpha/forms", As::Cookie(&f.guest)).await;
    assert_eq!(page.status, StatusCode::OK);
    for text in
        ["characteristics", "intervention / control counts", "RCT or cohort", "rows of: Arm", "required"]
    {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(!page.body.contains("Add a form"), "viewers get no form to add forms");
    // Tools: a bad one is explained, a good one listed as the review's own.
    let bad_tool =
        "key = \"rob2\"\nname = \"Mine\"\njudgements = [\"Yes\"]\n[[domains]]\nkey = \"a\"\nlabel = \"A\"\n";
    let reply = post_form(
        &f.app,
        "/r/alpha/forms/tools",
        As::Cookie(&f.root),
        &form_body(&f.root, &[("definition", bad_tool)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("is a built-in tool"), "{}", reply.body);
    let tool = bad_tool.replace("rob2", "mmat-web");
    let reply = post_form(
        &f.app,
        "/r/alpha/forms/tools",
        As::Cookie(&f.root),
        &form_body(&f.root, &[("definition", &tool)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let page = get(&f.app, "/r/alpha/forms", As::Cookie(&f.ellen)).await;
    assert!(page.body.contains("mmat-web") && page.body.contains("this review's own"), "{}", page.body);
    // The API lists the form too.
    let api = get(&f.app, "/api/v1/reviews/alpha/forms", As::Bearer(&f.guest)).await;
    assert!(api.body.contains("\"integer_pair\""), "{}", api.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chart_round_trip_keeps_pairs_and_rows() {
    let f = fixture().await;
    add_form(&f).await;
    let page = get(&f.app, CHART, As::Cookie(&f.ellen)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Duplication cysts"), "the citation's title is shown");
    assert!(
        page.body.contains("aria-describedby=\"f-design-help\""),
        "help is tied to its input: {}",
        page.body
    );
    let values = [
        ("f.design", "RCT, blinded"),
        ("f.patients.i", "31"),
        ("f.patients.c", "32"),
        ("f.weeks", "12.5"),
        ("f.effect", "Yes"),
        ("f.outcomes", "Pain"),
        ("f.outcomes", "Mood"),
        ("f.blinded", "unclear"),
        ("f.published", "2019-04"),
        ("rows.arms", "3"),
        ("f.arms[1].name", "Gabapentin"),
        ("f.arms[1].n", "80"),
        ("f.arms[2].name", ""),
        ("f.arms[2].n", ""),
        ("f.arms[3].name", "Placebo"),
        ("f.arms[3].n", "41"),
        ("complete", "on"),
    ];
    let saved = post_form(&f.app, CHART, As::Cookie(&f.ellen), &form_body(&f.ellen, &values)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let alpha = f.state.reviews.get("alpha").unwrap();
    let (stored, complete) = alpha.my_chart(&Actor::new("ellen"), "characteristics", 1).await.unwrap();
    assert!(complete);
    assert_eq!(stored["patients"], Value::Pair { intervention: Some(31), control: Some(32), total: None });
    assert_eq!(stored["arms"].display(), "80, Gabapentin; 41, Placebo", "the empty row is dropped");
    assert_eq!(stored["outcomes"], Value::Choices(vec!["Pain".into(), "Mood".into()]));
    // The page shows them back.
    let page = get(&f.app, CHART, As::Cookie(&f.ellen)).await;
    for text in [
        "value=\"31\"",
        "value=\"32\"",
        "value=\"12.5\"",
        "value=\"Gabapentin\"",
        "value=\"Placebo\"",
        "value=\"2019-04\"",
        "<strong>complete</strong>",
    ] {
        assert!(page.body.contains(text), "{text}: {}", page.body);
    }
    assert!(page.body.contains("name=\"f.outcomes\" value=\"Mood\" checked"), "{}", page.body);
    assert!(page.body.contains("name=\"f.blinded\" value=\"unclear\" checked"), "{}", page.body);
    // The API gives the same values back, and takes a total and a group as JSON.
    let api = get(&f.app, "/api/v1/reviews/alpha/chart/characteristics/1", As::Bearer(&f.ellen)).await;
    let api: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(api["values"]["patients"]["intervention"], 31);
    assert_eq!(api["complete"], true);
    let put = send(
        &f.app,
        Method::PUT,
        "/api/v1/reviews/alpha/chart/characteristics/1",
        As::Bearer(&f.ellen),
        Some((
            "application/json",
            json!({ "values": { "patients": "63", "arms": [{ "name": "Pregabalin", "n": 20 }] }, "complete": true })
                .to_string(),
        )),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let (stored, _) = alpha.my_chart(&Actor::new("ellen"), "characteristics", 1).await.unwrap();
    assert_eq!(stored["patients"].display(), "63");
    assert_eq!(stored["arms"].display(), "20, Pregabalin");
    assert_eq!(stored["design"].display(), "RCT, blinded", "other fields are kept");

    // "Add a row" works without JavaScript: the page comes back with one more row, unsaved.
    let more = post_form(
        &f.app,
        CHART,
        As::Cookie(&f.ellen),
        &form_body(&f.ellen, &[("f.design", "Cohort"), ("rows.arms", "1"), ("add_row", "arms")]),
    )
    .await;
    assert_eq!(more.status, StatusCode::OK);
    assert!(
        more.body.contains("name=\"f.arms[2].name\"") && more.body.contains("value=\"Cohort\""),
        "{}",
        more.body
    );
    let (stored, _) = alpha.my_chart(&Actor::new("ellen"), "characteristics", 1).await.unwrap();
    assert_eq!(stored["design"].display(), "RCT, blinded", "adding a row saves nothing");

    // A value that does not fit is shown next to its field, the typed values kept.
    let wrong = post_form(
        &f.app,
        CHART,
        As::Cookie(&f.ellen),
        &form_body(
            &f.ellen,
            &[("f.design", "Kept design"), ("f.patients.i", "31"), ("f.patients.c", "many")],
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("id=\"f-patients-err\""), "{}", wrong.body);
    assert!(wrong.body.contains("is not a count or an intervention/control pair"), "{}", wrong.body);
    assert!(
        wrong.body.contains("value=\"Kept design\"") && wrong.body.contains("value=\"many\""),
        "{}",
        wrong.body
    );
    // Complete without a required field is refused naming it.
    let missing = post_form(
        &f.app,
        CHART,
        As::Cookie(&f.agon),
        &form_body(&f.agon, &[("f.weeks", "4"), ("complete", "on")]),
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(missing.body.contains("id=\"f-design-err\"") && missing.body.contains("required, and missing"));

    // A viewer can neither chart nor appraise.
    assert_eq!(get(&f.app, CHART, As::Cookie(&f.guest)).await.status, StatusCode::FORBIDDEN);
    let post =
        post_form(&f.app, CHART, As::Cookie(&f.guest), &form_body(&f.guest, &[("f.design", "x")])).await;
    assert_eq!(post.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&f.app, "/r/alpha/chart", As::Cookie(&f.guest)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(get(&f.app, "/r/alpha/appraise/1", As::Cookie(&f.guest)).await.status, StatusCode::FORBIDDEN);
    let appraise = post_form(
        &f.app,
        "/r/alpha/appraise/1",
        As::Cookie(&f.guest),
        &form_body(&f.guest, &[("tool", "rob2")]),
    )
    .await;
    assert_eq!(appraise.status, StatusCode::FORBIDDEN);
    let api = post_json(
        &f.app,
        "/api/v1/reviews/alpha/appraisals",
        As::Bearer(&f.guest),
        json!({ "citation": 1, "tool": "rob2", "overall": "Low" }),
    )
    .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
}

const PLANTED: &str = "PLANTEDCHART5521";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blinded_charters_never_see_each_other_and_resolvers_settle() {
    let f = fixture().await;
    add_form(&f).await;
    let alpha = f.state.reviews.get("alpha").unwrap();
    // Citation 1 included at full text, so it is on the list to chart.
    let katrin = Actor::new("katrin");
    for stage in [Stage::TitleAbstract, Stage::FullText] {
        alpha.resolve(&katrin, 1, stage, Decision::Include, None, ResolveMethod::Consensus).await.unwrap();
    }
    let planted = post_form(
        &f.app,
        CHART,
        As::Cookie(&f.ellen),
        &form_body(&f.ellen, &[("f.design", PLANTED), ("f.patients.i", "31"), ("f.patients.c", "32")]),
    )
    .await;
    assert_eq!(planted.status, StatusCode::SEE_OTHER, "{}", planted.body);
    let agon_chart = post_form(
        &f.app,
        CHART,
        As::Cookie(&f.agon),
        &form_body(&f.agon, &[("f.design", "Cohort"), ("f.patients.i", "31"), ("f.patients.c", "32")]),
    )
    .await;
    assert_eq!(agon_chart.status, StatusCode::SEE_OTHER);

    // The control: ellen's own page and JSON carry her value.
    assert!(get(&f.app, CHART, As::Cookie(&f.ellen)).await.body.contains(PLANTED));
    let own = get(&f.app, "/api/v1/reviews/alpha/chart/characteristics/1", As::Bearer(&f.ellen)).await;
    assert!(own.body.contains(PLANTED), "{}", own.body);
    let pages = [
        "/",
        "/r/alpha",
        "/r/alpha/screen?stage=full-text&citation=1",
        "/r/alpha/chart",
        CHART,
        "/r/alpha/chart/characteristics/1/compare",
        "/r/alpha/appraise/1",
        "/r/alpha/forms",
        "/r/alpha/reports",
    ];
    let api = [
        "/api/v1/reviews/alpha/chart/characteristics/1",
        "/api/v1/reviews/alpha/chart/characteristics/1/compare",
        "/api/v1/reviews/alpha/forms/characteristics/progress",
        "/api/v1/reviews/alpha/appraisals",
        "/api/v1/reviews/alpha/citations/1?stage=full-text",
        "/api/v1/reviews/alpha/forms",
        "/api/v1/reviews/alpha/levels",
    ];
    for user in [&f.agon, &f.guest] {
        for page in pages {
            let reply = get(&f.app, page, As::Cookie(user)).await;
            assert!(!reply.body.contains(PLANTED), "{} saw ellen's value via {page}", user.name);
        }
        for route in api {
            let reply = get(&f.app, route, As::Bearer(user)).await;
            assert!(!reply.body.contains(PLANTED), "{} saw ellen's value via {route}", user.name);
        }
    }
    // The list shows agon his own state and counts per charter, not values.
    let list = get(&f.app, "/r/alpha/chart", As::Cookie(&f.agon)).await;
    assert!(list.body.contains("Duplication cysts") && list.body.contains("draft"), "{}", list.body);
    // A reviewer who is not a resolver can't compare or settle, by page or API.
    assert_eq!(
        get(&f.app, "/r/alpha/chart/characteristics/1/compare", As::Cookie(&f.agon)).await.status,
        StatusCode::FORBIDDEN
    );
    let settle = post_form(
        &f.app,
        "/r/alpha/chart/characteristics/1/compare",
        As::Cookie(&f.agon),
        &form_body(&f.agon, &[("pick.design", "charter:agon")]),
    )
    .await;
    assert_eq!(settle.status, StatusCode::FORBIDDEN);
    let api_settle = post_json(
        &f.app,
        "/api/v1/reviews/alpha/chart/characteristics/1/consensus",
        As::Bearer(&f.agon),
        json!({ "from": "agon" }),
    )
    .await;
    assert_eq!(api_settle.status, StatusCode::FORBIDDEN);
    assert!(alpha.chart_consensus("characteristics").await.unwrap().1.is_empty());

    // The control: the resolver sees both side by side, the difference marked in words.
    let compare = get(&f.app, "/r/alpha/chart/characteristics/1/compare", As::Cookie(&f.katrin)).await;
    assert_eq!(compare.status, StatusCode::OK, "{}", compare.body);
    assert!(compare.body.contains(PLANTED) && compare.body.contains("Cohort"), "{}", compare.body);
    assert!(
        compare.body.contains("≠ differs") && compare.body.contains("1 field(s) differ"),
        "{}",
        compare.body
    );
    // She takes agon's design, the agreed pair, and types the weeks.
    let settle = post_form(
        &f.app,
        "/r/alpha/chart/characteristics/1/compare",
        As::Cookie(&f.katrin),
        &form_body(
            &f.katrin,
            &[
                ("pick.design", "charter:agon"),
                ("pick.patients", "charter:ellen"),
                ("pick.weeks", "typed"),
                ("typed.weeks", "8"),
            ],
        ),
    )
    .await;
    assert_eq!(settle.status, StatusCode::SEE_OTHER, "{}", settle.body);
    let (_, consensus) = alpha.chart_consensus("characteristics").await.unwrap();
    let settled = &consensus[&sift_domain::CitationId(1)];
    assert_eq!(settled["design"].display(), "Cohort");
    assert_eq!(settled["patients"].display(), "31/32");
    assert_eq!(settled["weeks"].display(), "8");
    // A typed value that does not fit is shown against its field.
    let wrong = post_form(
        &f.app,
        "/r/alpha/chart/characteristics/1/compare",
        As::Cookie(&f.katrin),
        &form_body(
            &f.katrin,
            &[("pick.design", "charter:agon"), ("pick.weeks", "typed"), ("typed.weeks", "soon")],
        ),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("&#34;soon&#34; is not a number"), "{}", wrong.body);

    // An owner stores a meta-analysis of the settled values on the Reports page; a refused
    // spec comes back with its message and the text kept; a reviewer may not store one.
    let analyses = "[[analyses]]\nname = \"follow-up\"\nform = \"characteristics\"\nmeasure = \"difference\"\ncolumns = { yi = \"weeks\", vi = \"patients1\" }\n";
    let spec_body =
        |user: &crate::support::User, text: &str| format!("csrf={}&spec={}", user.csrf, enc(text));
    let refused = post_form(
        &f.app,
        "/r/alpha/reports/analyses",
        As::Cookie(&f.root),
        &spec_body(&f.root, &analyses.replace("weeks", "week")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("Nothing was stored.") && refused.body.contains("has no column &#34;week&#34;"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("yi = &#34;week&#34;"), "the text is kept: {}", refused.body);
    let by_reviewer =
        post_form(&f.app, "/r/alpha/reports/analyses", As::Cookie(&f.agon), &spec_body(&f.agon, analyses))
            .await;
    assert_eq!(by_reviewer.status, StatusCode::FORBIDDEN);
    let stored =
        post_form(&f.app, "/r/alpha/reports/analyses", As::Cookie(&f.root), &spec_body(&f.root, analyses))
            .await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    assert_eq!(alpha.report_analyses().await.unwrap().len(), 1);
    let reports = get(&f.app, "/r/alpha/reports", As::Cookie(&f.agon)).await;
    assert_eq!(reports.status, StatusCode::OK);
    assert!(reports.body.contains("Meta-analysis: follow-up"), "{}", reports.body);
    assert!(
        reports.body.contains("aria-label=\"Forest plot of the follow-up meta-analysis\"><svg"),
        "{}",
        reports.body
    );
    assert!(reports.body.contains("1 of 1 studies pooled; Difference"), "{}", reports.body);
    assert!(reports.body.contains("analyses/follow-up-forest.pdf"), "{}", reports.body);
    assert!(!reports.body.contains("Store analyses"), "a reviewer gets no form");
    // The same through the API: the specs, one run with every number, and owners only change them.
    let listed = get(&f.app, "/api/v1/reviews/alpha/analyses", As::Bearer(&f.agon)).await;
    assert!(listed.body.contains("\"name\":\"follow-up\""), "{}", listed.body);
    let run = get(&f.app, "/api/v1/reviews/alpha/analyses/follow-up", As::Bearer(&f.agon)).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.body);
    let run: serde_json::Value = serde_json::from_str(&run.body).unwrap();
    assert_eq!(run["analysis"]["fit"]["k"], 1);
    let estimate = run["analysis"]["fit"]["coefficients"][0]["estimate"].as_f64().unwrap();
    assert!((estimate - 8.0).abs() < 1e-9, "the settled weeks: {estimate}");
    assert!(run["summary"].as_str().unwrap().contains("1 of 1 studies pooled"));
    let second = json!({ "analyses": [{ "name": "second", "form": "characteristics", "measure": "difference", "columns": { "yi": "weeks", "vi": "patients2" } }] });
    let by_reviewer =
        post_json(&f.app, "/api/v1/reviews/alpha/analyses", As::Bearer(&f.agon), second.clone()).await;
    assert_eq!(by_reviewer.status, StatusCode::FORBIDDEN);
    let stored = post_json(&f.app, "/api/v1/reviews/alpha/analyses", As::Bearer(&f.root), second).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    assert!(stored.body.contains("\"stored\":[\"second\"]"), "{}", stored.body);
    let bad = json!({ "analyses": [{ "name": "bad", "form": "characteristics", "measure": "OR" }] });
    let refused = post_json(&f.app, "/api/v1/reviews/alpha/analyses", As::Bearer(&f.root), bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("no `events1` column, which Odds ratio needs"), "{}", refused.body);
    let delete =
        send(&f.app, Method::DELETE, "/api/v1/reviews/alpha/analyses/second", As::Bearer(&f.root), None)
            .await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT, "{}", delete.body);
    let removed = post_form(
        &f.app,
        "/r/alpha/reports/analyses/remove",
        As::Cookie(&f.root),
        &format!("csrf={}&name=follow-up", f.root.csrf),
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(alpha.report_analyses().await.unwrap().is_empty());

    // The same analysis built by choosing, not written: form and measure first, then the
    // form's column for each number; a refusal keeps the choices.
    let page =
        get(&f.app, "/r/alpha/reports?form=characteristics&measure=difference", As::Cookie(&f.root)).await;
    assert!(page.body.contains("Difference from form characteristics"), "{}", page.body);
    assert!(
        page.body.contains("name=\"col.estimate\"") && page.body.contains("<option value=\"weeks\">"),
        "{}",
        page.body
    );
    let se = get(
        &f.app,
        "/r/alpha/reports?form=characteristics&measure=difference&reported=se",
        As::Cookie(&f.root),
    )
    .await;
    assert!(
        se.body.contains("(estimate and standard error)")
            && se.body.contains("name=\"col.se\"")
            && !se.body.contains("name=\"col.lower\""),
        "{}",
        se.body
    );
    assert!(!page.body.contains("name=\"col.median1\""), "medians are for means and SDs only");
    let md = get(&f.app, "/r/alpha/reports?form=characteristics&measure=MD", As::Cookie(&f.root)).await;
    assert!(
        md.body.contains("Groups reported by their median") && md.body.contains("name=\"col.uq2\""),
        "{}",
        md.body
    );
    let reviewer =
        get(&f.app, "/r/alpha/reports?form=characteristics&measure=difference", As::Cookie(&f.agon)).await;
    assert!(!reviewer.body.contains("Build an analysis"), "owners only");
    let build = |rest: &str| {
        format!("csrf={}&form=characteristics&measure=difference&name=built&method=DL&{rest}", f.root.csrf)
    };
    let refused = post_form(
        &f.app,
        "/r/alpha/reports/analyses/build",
        As::Cookie(&f.root),
        &build("col.estimate=patients1&col.lower=weeks"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("Nothing was stored.")
            && refused.body.contains("needs columns estimate, lower and upper"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"built\""), "the name is kept: {}", refused.body);
    assert!(refused.body.contains("<option value=\"DL\" selected>"), "the model is kept: {}", refused.body);
    let stored = post_form(
        &f.app,
        "/r/alpha/reports/analyses/build",
        As::Cookie(&f.root),
        &build(
            "col.estimate=patients1&col.lower=weeks&col.upper=patients2&cumulative=listed&leave_one_out=on&trim_and_fill=L0&influence=on",
        ),
    )
    .await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    let page = get(&f.app, "/r/alpha/reports", As::Cookie(&f.agon)).await;
    assert!(
        page.body.contains("<summary>Funnel plot</summary>")
            && page.body.contains("<summary>Cumulative meta-analysis</summary>")
            && !page.body.contains("<summary>Funnel plot with trim and fill</summary>"),
        "the analysis's other plots, trim and fill's only when it ran: {}",
        page.body
    );
    let built = alpha.report_analyses().await.unwrap().into_iter().find(|a| a.name == "built").unwrap();
    assert_eq!((built.method.as_deref(), built.cumulative, built.leave_one_out), (Some("DL"), true, true));
    assert_eq!(built.columns.get("estimate").map(String::as_str), Some("patients1"));
    let (_, run) = alpha.run_analysis("built").await.unwrap();
    assert!((run.fit.pooled().estimate - 31.0).abs() < 1e-9, "{:?}", run.fit.pooled());
    assert!(
        run.summary().contains("Trim and fill: not run (trim and fill needs at least 3 studies, not 1)")
            && run.summary().contains(
                "Influence diagnostics: not run (influence diagnostics need at least 3 studies, not 1)"
            ),
        "{}",
        run.summary()
    );
    alpha.remove_report_analysis(&Actor::new("lise"), "built").await.unwrap();

    // A study-characteristics table of the settled values, the same way: the page shows the
    // table itself; a refused spec names the column, the text kept; reviewers only read.
    let tables = "[[tables]]\nname = \"table-1\"\ntitle = \"Table 1. Included studies\"\nform = \"characteristics\"\n[[tables.columns]]\nheader = \"Design\"\nfield = \"design\"\n[[tables.columns]]\nheader = \"Patients (I/C)\"\nfield = \"patients\"\n";
    let refused = post_form(
        &f.app,
        "/r/alpha/reports/tables",
        As::Cookie(&f.root),
        &spec_body(&f.root, &tables.replace("\"design\"", "\"desing\"")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("Nothing was stored.")
            && refused.body.contains("&#34;desing&#34; is not a field"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("field = &#34;desing&#34;"), "the text is kept: {}", refused.body);
    let by_reviewer =
        post_form(&f.app, "/r/alpha/reports/tables", As::Cookie(&f.agon), &spec_body(&f.agon, tables)).await;
    assert_eq!(by_reviewer.status, StatusCode::FORBIDDEN);
    let stored =
        post_form(&f.app, "/r/alpha/reports/tables", As::Cookie(&f.root), &spec_body(&f.root, tables)).await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    let reports = get(&f.app, "/r/alpha/reports", As::Cookie(&f.agon)).await;
    assert!(
        reports.body.contains("<caption>Table 1. Included studies</caption>")
            && reports.body.contains("<td>Cohort</td><td>31/32</td>"),
        "{}",
        reports.body
    );
    assert!(!reports.body.contains("Store tables"), "a reviewer gets no form");
    let table = get(&f.app, "/api/v1/reviews/alpha/tables/table-1", As::Bearer(&f.agon)).await;
    assert_eq!(table.status, StatusCode::OK, "{}", table.body);
    let table: serde_json::Value = serde_json::from_str(&table.body).unwrap();
    assert_eq!(table["columns"], json!(["Design", "Patients (I/C)"]));
    assert_eq!(table["rows"], json!([["Cohort", "31/32"]]));
    let listed = get(&f.app, "/api/v1/reviews/alpha/tables", As::Bearer(&f.agon)).await;
    assert!(listed.body.contains("\"name\":\"table-1\""), "{}", listed.body);
    let second = json!({ "tables": [{ "name": "t2", "form": "characteristics", "columns": [{ "header": "Weeks", "field": "weeks" }] }] });
    let by_reviewer =
        post_json(&f.app, "/api/v1/reviews/alpha/tables", As::Bearer(&f.agon), second.clone()).await;
    assert_eq!(by_reviewer.status, StatusCode::FORBIDDEN);
    let stored = post_json(&f.app, "/api/v1/reviews/alpha/tables", As::Bearer(&f.root), second).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    let delete =
        send(&f.app, Method::DELETE, "/api/v1/reviews/alpha/tables/t2", As::Bearer(&f.root), None).await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT, "{}", delete.body);
    let removed = post_form(
        &f.app,
        "/r/alpha/reports/tables/remove",
        As::Cookie(&f.root),
        &format!("csrf={}&name=table-1", f.root.csrf),
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(alpha.report_tables().await.unwrap().is_empty());

    // The same table built by choosing: the form's fields and the built-ins are offered, the
    // study label and every field ticked to start with; a refusal keeps the choices; a stored
    // table opens again with its own columns ticked, and what the builder does not show of a
    // column (its digit grouping) is kept when it is stored again.
    let page = get(&f.app, "/r/alpha/reports?tform=characteristics", As::Cookie(&f.root)).await;
    assert!(page.body.contains("A new table from form characteristics"), "{}", page.body);
    assert!(
        page.body.contains("name=\"c0.source\" value=\"value:study\"")
            && page.body.contains("value=\"field:patients\"")
            && page.body.contains("value=\"value:appraisal:rob2\""),
        "{}",
        page.body
    );
    let reviewer = get(&f.app, "/r/alpha/reports?tform=characteristics", As::Cookie(&f.agon)).await;
    assert!(!reviewer.body.contains("Build a table"), "owners only");
    let columns = |patients_order: &str| {
        let mut pairs = vec![
            ("form", "characteristics".to_string()),
            ("name", "built".to_string()),
            ("title", "Table 2. Built".to_string()),
            ("sort", "study".to_string()),
            ("group_by", "design".to_string()),
            ("footnotes", "I/C: intervention/control.\r\n".to_string()),
            ("c0.source", "value:study".to_string()),
            ("c0.on", "on".to_string()),
            ("c0.header", "Author, year".to_string()),
            ("c0.order", "1".to_string()),
            ("c1.source", "field:design".to_string()),
            ("c1.header", "Design".to_string()),
            ("c1.order", "2".to_string()),
            ("c2.source", "field:patients".to_string()),
            ("c2.on", "on".to_string()),
            ("c2.header", "Patients (I/C)".to_string()),
            ("c2.order", patients_order.to_string()),
            ("c2.right", "on".to_string()),
            ("c2.keep", r#"{"thousands":","}"#.to_string()),
        ];
        pairs.sort_by_key(|(k, _)| *k == "form");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form_body(&f.root, &pairs)
    };
    let refused =
        post_form(&f.app, "/r/alpha/reports/tables/build", As::Cookie(&f.root), &columns("third")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("Nothing was stored.")
            && refused.body.contains("the order &#34;third&#34; is not a number"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"Table 2. Built\""), "the title is kept: {}", refused.body);
    assert!(
        refused.body.contains("<option value=\"design\" selected>"),
        "the grouping is kept: {}",
        refused.body
    );
    let by_reviewer =
        post_form(&f.app, "/r/alpha/reports/tables/build", As::Cookie(&f.agon), &columns("3")).await;
    assert_eq!(by_reviewer.status, StatusCode::FORBIDDEN);
    let stored = post_form(&f.app, "/r/alpha/reports/tables/build", As::Cookie(&f.root), &columns("3")).await;
    assert_eq!(stored.status, StatusCode::SEE_OTHER, "{}", stored.body);
    let built = alpha.report_tables().await.unwrap();
    let built = built.iter().find(|t| t.name == "built").unwrap();
    assert_eq!((built.sort.as_str(), built.group_by.as_deref()), ("study", Some("design")));
    assert_eq!(built.footnotes, ["I/C: intervention/control."]);
    let headers: Vec<&str> = built.columns.iter().map(|c| c.header.as_str()).collect();
    assert_eq!(headers, ["Author, year", "Patients (I/C)"], "only the ticked columns");
    assert_eq!(
        (built.columns[1].align.as_deref(), built.columns[1].thousands.as_deref()),
        (Some("right"), Some(","))
    );
    let table = alpha.characteristics_table("built").await.unwrap();
    assert_eq!(sift_report::tables::to_markdown(&table).matches("31/32").count(), 1);
    let reopened = get(&f.app, "/r/alpha/reports?table=built", As::Cookie(&f.root)).await;
    assert!(reopened.body.contains("Table built from form characteristics"), "{}", reopened.body);
    assert!(
        reopened.body.contains("name=\"c1.source\" value=\"field:patients\"")
            && reopened.body.contains("name=\"c1.keep\" value=\"{&#34;thousands&#34;:&#34;,&#34;}\""),
        "the stored columns come first, the kept parts with them: {}",
        reopened.body
    );
    let missing = get(&f.app, "/r/alpha/reports?table=nothing", As::Cookie(&f.root)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    alpha.remove_report_table(&Actor::new("lise"), "built").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_appraise_and_grade_levels() {
    let f = fixture().await;
    let page = get(&f.app, "/r/alpha/appraise/1?tool=rob2", As::Cookie(&f.ellen)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Was the allocation sequence random?"), "signalling questions are shown");
    let saved = post_form(
        &f.app,
        "/r/alpha/appraise/1",
        As::Cookie(&f.ellen),
        &form_body(
            &f.ellen,
            &[
                ("tool", "rob2"),
                ("d.d1", "Low"),
                ("q.1.1", "Y"),
                ("d.d2", ""),
                ("overall", "Some concerns"),
                ("notes", "EllenNote"),
            ],
        ),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = get(&f.app, "/r/alpha/appraise/1?tool=rob2", As::Cookie(&f.ellen)).await;
    assert!(page.body.contains("<option value=\"Low\" selected>"), "{}", page.body);
    assert!(
        page.body.contains("<option value=\"Some concerns\" selected>") && page.body.contains("EllenNote")
    );
    let wrong = post_form(
        &f.app,
        "/r/alpha/appraise/1",
        As::Cookie(&f.ellen),
        &form_body(&f.ellen, &[("tool", "rob2"), ("d.d1", "Splendid")]),
    )
    .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("d1: &#34;Splendid&#34; is not one of"), "{}", wrong.body);
    // Another reviewer sees neither the notes nor the judgement of ellen's appraisal.
    let agon = get(&f.app, "/r/alpha/appraise/1?tool=rob2", As::Cookie(&f.agon)).await;
    assert!(!agon.body.contains("EllenNote") && !agon.body.contains("ellen, rob2"), "{}", agon.body);
    let agon_api = get(&f.app, "/api/v1/reviews/alpha/appraisals", As::Bearer(&f.agon)).await;
    assert!(!agon_api.body.contains("EllenNote"), "{}", agon_api.body);
    let katrin_api = get(&f.app, "/api/v1/reviews/alpha/appraisals", As::Bearer(&f.katrin)).await;
    assert!(katrin_api.body.contains("EllenNote"), "resolvers see appraisals: {}", katrin_api.body);
    // The level of evidence.
    let level = post_form(
        &f.app,
        "/r/alpha/appraise/1/level",
        As::Cookie(&f.ellen),
        &form_body(&f.ellen, &[("level", "2")]),
    )
    .await;
    assert_eq!(level.status, StatusCode::SEE_OTHER);
    let page = get(&f.app, "/r/alpha/appraise/1", As::Cookie(&f.ellen)).await;
    assert!(page.body.contains("value=\"2\" checked"), "{}", page.body);
    let bad = post_json(
        &f.app,
        "/api/v1/reviews/alpha/levels",
        As::Bearer(&f.ellen),
        json!({ "citation": 1, "level": "7" }),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
