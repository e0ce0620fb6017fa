//! How fast the next record arrives: `cargo bench -p sift-web --bench next_record [-- N]`.
//!
//! Builds a review of N generated records (default 3000) with two blinded reviewers,
//! then, in process through the router, times the screening page's two htmx requests: the
//! vote that returns the next record's fragment, and the record fragment alone. Prints the
//! median, 95th percentile and maximum of each in milliseconds, as one JSON line. The target
//! (issue 6) is under 50 ms for the next record.

use std::fmt::Write as _;
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use sift_domain::ReviewType;
use sift_domain::screening::Role;
use sift_service::{Actor, DedupPolicy, InputFile, Locator, NewReviewSpec, SearchSpec, Service, SessionKind};
use sift_web::AppState;
use tower::ServiceExt;

const WORDS: &[&str] = &[
    "exercise",
    "pain",
    "neuropathy",
    "randomised",
    "trial",
    "cohort",
    "chemotherapy",
    "survivors",
    "quality",
    "life",
    "intervention",
    "outcome",
    "placebo",
    "duloxetine",
    "acupuncture",
    "yoga",
];

fn ris(n: usize) -> String {
    let mut out = String::new();
    for i in 0..n {
        let w = |k: usize| WORDS[(i * 7 + k * 13) % WORDS.len()];
        let _ = write!(
            out,
            "TY  - JOUR\r\nTI  - Study {i}: {} {} and {} in {} ({})\r\nAU  - Author{i}, A.\r\nAU  - Second{}, B.\r\nPY  - {}\r\nT2  - Journal of {}\r\nDO  - 10.1000/bench.{i}\r\nAB  - {}\r\nKW  - {}\r\nKW  - {}\r\nER  - \r\n\r\n",
            w(1),
            w(2),
            w(3),
            w(4),
            i * 31,
            i % 97,
            1990 + i % 35,
            w(5),
            (0..120).map(&w).collect::<Vec<_>>().join(" "),
            w(6),
            w(7),
        );
    }
    out
}

fn stats(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() as f64 - 1.0) * q).round() as usize];
    (at(0.5), at(0.95), ms[ms.len() - 1])
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(3000);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    runtime.block_on(async move {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.sift");
        let owner = Actor::new("lise");
        let spec = NewReviewSpec { title: "Benchmark".into(), review_type: ReviewType::Systematic, question: None };
        let service = Service::create(&Locator::File(path.clone()), &spec, &owner).await.unwrap();
        let file = dir.path().join("records.ris");
        std::fs::write(&file, ris(n)).unwrap();
        service
            .add_search(&owner, &SearchSpec { source: "Embase".into(), ..SearchSpec::default() }, &[InputFile::new(&file)])
            .await
            .unwrap();
        service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
        service.set_member(&owner, "ellen", Role::Reviewer, false).await.unwrap();
        service.set_keywords(&owner, &["exercise".into(), "pain".into()], &["placebo".into()]).await.unwrap();
        service.close().await;

        let state = AppState::for_file(&path).await.unwrap();
        let all = state.reviews.all();
        let reviews: Vec<&Service> = all.iter().collect();
        state.accounts.create_owner("ellen", "a long bench password", &reviews).await.unwrap();
        let login = state.accounts.login("ellen", "a long bench password", "bench", SessionKind::Browser).await.unwrap();
        let cookie = format!("sift_session={}", login.token);
        let csrf = login.session.csrf_token;
        let app = sift_web::router(state);
        let slug = "bench";

        let mut vote_ms = Vec::new();
        let mut fragment_ms = Vec::new();
        let rounds = 200.min(n);
        for i in 0..rounds {
            let start = Instant::now();
            let request = Request::get(format!("/r/{slug}/screen/record"))
                .header("cookie", &cookie)
                .header("hx-request", "true")
                .body(Body::empty())
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert!(response.status().is_success());
            let body = response.into_body().collect().await.unwrap().to_bytes();
            fragment_ms.push(start.elapsed().as_secs_f64() * 1000.0);
            let text = String::from_utf8_lossy(&body);
            let citation: i64 = text
                .split("name=\"citation\" value=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|s| s.parse().ok())
                .expect("a citation in the fragment");

            let decision = ["include", "exclude", "maybe"][i % 3];
            let start = Instant::now();
            let request = Request::post(format!("/r/{slug}/screen/vote"))
                .header("cookie", &cookie)
                .header("hx-request", "true")
                .header("x-csrf-token", &csrf)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(format!("citation={citation}&decision={decision}&note=bench")))
                .unwrap();
            let response = app.clone().oneshot(request).await.unwrap();
            assert!(response.status().is_success(), "{}", response.status());
            let _ = response.into_body().collect().await.unwrap();
            vote_ms.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        let (v50, v95, vmax) = stats(vote_ms);
        let (f50, f95, fmax) = stats(fragment_ms);
        println!(
            "{{\"records\":{n},\"rounds\":{rounds},\"vote_and_next_ms\":{{\"median\":{v50:.2},\"p95\":{v95:.2},\"max\":{vmax:.2}}},\"next_fragment_ms\":{{\"median\":{f50:.2},\"p95\":{f95:.2},\"max\":{fmax:.2}}}}}"
        );
    });
}
