//! The full stack in headless Debian chromium, driven through chromedriver with fantoccini:
//! two reviewers log in and screen the same records in parallel with the keyboard, a
//! conflict arises, the resolver decides it, and the dashboard's counts and flow diagram
//! show the result. Screenshots of every page go to `target/tmp/web-screenshots/`.
//!
//! Without chromedriver the test prints a notice and passes, unless `SIFT_REQUIRE_BROWSER=1`
//! (set by `.ci/run`), when it fails.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use sift_web::serve;

use crate::support::{PASSWORD, fixture};

const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--window-size=1280,1000",
];

fn chromedriver() -> Option<PathBuf> {
    let candidates = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
    candidates.iter().map(PathBuf::from).find(|p| p.exists())
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"].iter().map(PathBuf::from).find(|p| p.exists())
}

/// Kills chromedriver when the test ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

async fn start_driver(path: &PathBuf) -> (Driver, String) {
    let port = free_port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (driver, format!("http://127.0.0.1:{port}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start listening on port {port}");
}

async fn browser(webdriver: &str, chromium: &PathBuf) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": chromium, "args": CHROMIUM_FLAGS }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(webdriver).await.expect("a chromium session")
}

fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
}

async fn log_in(client: &Client, base: &str, name: &str) {
    client.goto(&format!("{base}/login")).await.unwrap();
    client.find(Locator::Id("username")).await.unwrap().send_keys(name).await.unwrap();
    client.find(Locator::Id("password")).await.unwrap().send_keys(PASSWORD).await.unwrap();
    client.find(Locator::Css("form button[type=submit]")).await.unwrap().click().await.unwrap();
    client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css("h1")).await.unwrap();
}

/// Presses `key` on the screening page and waits for the next record's fragment.
async fn press(client: &Client, key: &str, expect: &str) {
    let title = client.find(Locator::Id("record-title")).await.unwrap();
    title.send_keys(key).await.unwrap();
    let xpath = format!("//*[@id='record-panel']//*[contains(text(), '{expect}')]");
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|e| panic!("after pressing {key:?} the page did not say {expect:?}: {e}"));
}

/// Opens one citation on the screening page by its address.
async fn open_citation(client: &Client, base: &str, citation: i64) {
    client.goto(&format!("{base}/r/alpha/screen?citation={citation}")).await.unwrap();
    client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("record-title")).await.unwrap();
}

async fn text(client: &Client) -> String {
    client.find(Locator::Css("main")).await.unwrap().text().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reviewers_screen_a_conflict_is_resolved_and_the_dashboard_counts() {
    let required = std::env::var("SIFT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
    let (Some(driver_path), Some(chromium)) = (chromedriver(), chromium()) else {
        assert!(
            !required,
            "SIFT_REQUIRE_BROWSER=1 but chromium or chromedriver is missing (apt-get install chromium chromium-driver)"
        );
        eprintln!(
            "note: chromium-driver is not installed; the browser test was skipped (apt-get install chromium chromium-driver)"
        );
        return;
    };
    let f = fixture().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, f.state.clone(), async {
        let _ = stopped.await;
    }));
    let (_driver, webdriver) = start_driver(&driver_path).await;

    let ellen = browser(&webdriver, &chromium).await;
    let agon = browser(&webdriver, &chromium).await;
    ellen.goto(&format!("{base}/login")).await.unwrap();
    shot(&ellen, "01-login").await;
    log_in(&ellen, &base, "ellen").await;
    log_in(&agon, &base, "agon").await;
    shot(&ellen, "02-reviews").await;
    assert!(text(&ellen).await.contains("Alpha review of exercise"));

    // Both screen the first three records in parallel, by keyboard only.
    ellen.goto(&format!("{base}/r/alpha/screen")).await.unwrap();
    agon.goto(&format!("{base}/r/alpha/screen")).await.unwrap();
    shot(&ellen, "03-screen").await;
    let first = text(&ellen).await;
    assert!(first.contains("record 1 of 6"), "{first}");
    assert!(first.contains("wrong population"), "the criteria are beside the record");
    let highlighted = ellen.find_all(Locator::Css("mark.kw-in")).await.unwrap();
    assert!(!highlighted.is_empty(), "the include keyword \"cyst*\" is highlighted");
    let (a, b) = tokio::join!(
        async {
            press(&ellen, "i", "Voted include on citation 1").await;
            press(&ellen, "e", "Voted exclude on citation 2").await;
            // With an include and an exclude each reviewer's order is ranked by the model, so
            // both open citation 3 by its address to agree on it.
            open_citation(&ellen, &base, 3).await;
            press(&ellen, "i", "Voted include on citation 3").await;
        },
        async {
            press(&agon, "e", "Voted exclude on citation 1").await;
            press(&agon, "e", "Voted exclude on citation 2").await;
            open_citation(&agon, &base, 3).await;
            press(&agon, "i", "Voted include on citation 3").await;
        }
    );
    let _ = (a, b);
    assert!(text(&ellen).await.contains("record 4 of 6"));
    // U goes back to the last record; ? opens the help.
    press(&ellen, "u", "revisiting citation 3").await;
    shot(&ellen, "04-screen-revisit").await;
    ellen.find(Locator::Id("record-title")).await.unwrap().send_keys("?").await.unwrap();
    ellen
        .wait()
        .at_most(Duration::from_secs(5))
        .for_element(Locator::Css("dialog#help[open]"))
        .await
        .unwrap();
    shot(&ellen, "05-screen-help").await;
    // Ellen, blinded, sees nothing of agon's votes anywhere she looks.
    for page in ["/r/alpha", "/r/alpha/screen?citation=1", "/r/alpha/reports"] {
        ellen.goto(&format!("{base}{page}")).await.unwrap();
        let source = ellen.source().await.unwrap();
        assert!(!source.contains("agon</strong>"), "{page} shows agon's vote to ellen");
    }

    // The resolver sees the conflict with both votes and decides it.
    let katrin = browser(&webdriver, &chromium).await;
    log_in(&katrin, &base, "katrin").await;
    katrin.goto(&format!("{base}/r/alpha/conflicts")).await.unwrap();
    shot(&katrin, "06-conflicts").await;
    let conflicts = text(&katrin).await;
    assert!(conflicts.contains("ellen: include") && conflicts.contains("agon: exclude"), "{conflicts}");
    katrin.find(Locator::Css("form button.include")).await.unwrap().click().await.unwrap();
    katrin.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".flash.ok")).await.unwrap();
    assert!(text(&katrin).await.contains("Citation 1 resolved"));

    // The dashboard: 3 of 6 resolved, 2 included, 1 excluded; the diagram agrees.
    katrin.goto(&format!("{base}/r/alpha")).await.unwrap();
    shot(&katrin, "07-dashboard").await;
    let dashboard = text(&katrin).await;
    assert!(dashboard.contains("3 of 6 citations resolved (50%): 2 included, 1 excluded"), "{dashboard}");
    // The stopping aid: 2 relevant among 3 screened of 6 is far from safe.
    assert!(
        dashboard.contains("Stopping aid: 2 relevant found;")
            && dashboard.contains("Safe to stop at 95 % recall: not yet"),
        "{dashboard}"
    );
    let svg = katrin.find(Locator::Css(".flow svg")).await.unwrap().html(false).await.unwrap();
    assert!(svg.contains("Records excluded"), "the flow diagram is drawn inline");
    // Its boxes: 6 screened, 1 excluded at title/abstract, 2 reports sought (the includes).
    for (label, n) in [("Records screened", 6), ("Records excluded", 1), ("Reports sought for retrieval", 2)]
    {
        let after = &svg[svg.find(label).unwrap_or_else(|| panic!("{label} in the diagram"))..];
        let shown = after.find("(n = ").map(|i| &after[i + 5..]).and_then(|t| t.split(')').next());
        assert_eq!(shown, Some(n.to_string().as_str()), "{label} in the dashboard's diagram");
    }

    // The remaining pages, for the screenshots a person looks at.
    let root = browser(&webdriver, &chromium).await;
    log_in(&root, &base, "root").await;
    for (page, name) in [
        ("/r/alpha/settings", "08-settings"),
        ("/r/alpha/reports", "09-reports"),
        ("/r/alpha/screen?stage=full-text", "10-fulltext"),
        ("/account/password", "11-password"),
        ("/r/alpha/searches", "13-searches"),
        ("/r/alpha/dedup", "14-dedup"),
    ] {
        root.goto(&format!("{base}{page}")).await.unwrap();
        shot(&root, name).await;
        assert!(!text(&root).await.contains("something went wrong"), "{page}");
    }
    // Tablet width.
    root.set_window_size(800, 1100).await.unwrap();
    root.goto(&format!("{base}/r/alpha/screen")).await.unwrap();
    shot(&root, "12-screen-tablet").await;

    for client in [ellen, agon, katrin, root] {
        client.close().await.unwrap();
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    eprintln!("screenshots: {}", screenshot_dir().display());
}

/// Charting in the browser: a charter fills the typed form (a pair, a choice, a repeating
/// group with "add a row"), the resolver compares and settles, a member appraises; the
/// screenshots (`20-` onwards) are for a person to look at.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn charting_compare_and_appraisal_in_a_browser() {
    let (Some(driver_path), Some(chromium)) = (chromedriver(), chromium()) else {
        let required = std::env::var("SIFT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(!required, "SIFT_REQUIRE_BROWSER=1 but chromium or chromedriver is missing");
        eprintln!("note: chromium-driver is not installed; the charting browser test was skipped");
        return;
    };
    let f = fixture().await;
    crate::charting::add_form(&f).await;
    let alpha = f.state.reviews.get("alpha").unwrap();
    let katrin_actor = sift_service::Actor::new("katrin");
    for stage in [sift_domain::screening::Stage::TitleAbstract, sift_domain::screening::Stage::FullText] {
        alpha
            .resolve(
                &katrin_actor,
                1,
                stage,
                sift_domain::screening::Decision::Include,
                None,
                sift_domain::screening::Method::Consensus,
            )
            .await
            .unwrap();
    }
    alpha
        .chart(
            &sift_service::Actor::new("agon"),
            "characteristics",
            1,
            &[
                ("design".into(), "Cohort".into()),
                ("patients".into(), "31/32".into()),
                ("arms".into(), r#"[{"name": "Gabapentin", "n": 31}, {"name": "Placebo", "n": 32}]"#.into()),
            ],
            true,
        )
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(listener, f.state.clone(), async {
        let _ = stopped.await;
    }));
    let (_driver, webdriver) = start_driver(&driver_path).await;

    let ellen = browser(&webdriver, &chromium).await;
    log_in(&ellen, &base, "ellen").await;
    ellen.goto(&format!("{base}/r/alpha/chart")).await.unwrap();
    shot(&ellen, "20-chart-list").await;
    assert!(text(&ellen).await.contains("not started"));
    ellen.goto(&format!("{base}/r/alpha/chart/characteristics/1")).await.unwrap();
    shot(&ellen, "21-chart-empty").await;
    // Complete without the required design: refused, the error beside the field.
    ellen.find(Locator::Id("complete")).await.unwrap().click().await.unwrap();
    ellen.find(Locator::Css(".chart-form > p > button[type=submit]")).await.unwrap().click().await.unwrap();
    ellen.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("f-design-err")).await.unwrap();
    shot(&ellen, "21b-chart-error").await;
    let type_in = |id: &'static str, value: &'static str| {
        let ellen = ellen.clone();
        async move { ellen.find(Locator::Id(id)).await.unwrap().send_keys(value).await.unwrap() }
    };
    type_in("f-design", "RCT, blinded").await;
    type_in("f-patients-i", "31").await;
    type_in("f-patients-c", "30").await;
    ellen.find(Locator::Css("label[for=f-effect-1]")).await.unwrap().click().await.unwrap();
    type_in("f-arms-1--name", "Gabapentin").await;
    type_in("f-arms-1--n", "31").await;
    ellen.find(Locator::Css("button[name=add_row]")).await.unwrap().click().await.unwrap();
    ellen.wait().at_most(Duration::from_secs(10)).for_element(Locator::Id("f-arms-2--name")).await.unwrap();
    type_in("f-arms-2--name", "Placebo").await;
    type_in("f-arms-2--n", "30").await;
    assert!(ellen.find(Locator::Id("complete")).await.unwrap().is_selected().await.unwrap(), "kept checked");
    shot(&ellen, "22-chart-filled").await;
    ellen.find(Locator::Css(".chart-form > p > button[type=submit]")).await.unwrap().click().await.unwrap();
    ellen.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".flash.ok")).await.unwrap();
    shot(&ellen, "23-chart-saved").await;
    assert!(text(&ellen).await.contains("Saved as complete"), "{}", text(&ellen).await);
    let (values, complete) =
        alpha.my_chart(&sift_service::Actor::new("ellen"), "characteristics", 1).await.unwrap();
    assert!(complete);
    assert_eq!(values["patients"].display(), "31/30");
    assert_eq!(values["arms"].display(), "31, Gabapentin; 30, Placebo");
    assert_eq!(values["effect"].display(), "Yes");

    let katrin = browser(&webdriver, &chromium).await;
    log_in(&katrin, &base, "katrin").await;
    katrin.goto(&format!("{base}/r/alpha/chart/characteristics/1/compare")).await.unwrap();
    shot(&katrin, "24-compare").await;
    assert!(text(&katrin).await.contains("≠ differs"));
    katrin.find(Locator::Id("pick-design-1")).await.unwrap().click().await.unwrap();
    katrin.find(Locator::Css("main form button[type=submit]")).await.unwrap().click().await.unwrap();
    katrin.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(".flash")).await.unwrap();
    shot(&katrin, "25-compare-settled").await;
    assert!(text(&katrin).await.contains("Consensus saved"), "{}", text(&katrin).await);
    katrin.goto(&format!("{base}/r/alpha/appraise/1?tool=rob2")).await.unwrap();
    shot(&katrin, "26-appraise").await;

    let root = browser(&webdriver, &chromium).await;
    log_in(&root, &base, "root").await;
    root.goto(&format!("{base}/r/alpha/forms")).await.unwrap();
    shot(&root, "27-forms").await;
    // Tablet width: the chart page with its rows.
    ellen.set_window_size(800, 1100).await.unwrap();
    ellen.goto(&format!("{base}/r/alpha/chart/characteristics/1")).await.unwrap();
    ellen.find(Locator::Id("f-arms-1--name")).await.unwrap().send_keys("").await.unwrap();
    shot(&ellen, "28-chart-tablet").await;

    for client in [ellen, katrin, root] {
        client.close().await.unwrap();
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
