//! How long `screen_next` takes on a large stream once rankings are in use: a review of N
//! synthetic records (default 100,000; `cargo bench -p sift-service --bench screen_next -- N`),
//! deduplicated, one include and one exclude voted, the ranking refreshed; then the median and
//! worst of 30 `screen_next` calls, and the time of two votes and of the first ranking.

use std::time::Instant;

use sift_domain::ReviewType;
use sift_domain::screening::{Decision, Role, Stage};
use sift_service::{Actor, DedupPolicy, InputFile, Locator, NewReviewSpec, SearchSpec, Service};

const WORDS: [&str; 24] = [
    "pain",
    "cancer",
    "survivor",
    "statin",
    "trial",
    "cohort",
    "exercise",
    "therapy",
    "neuropathy",
    "sleep",
    "quality",
    "life",
    "dose",
    "placebo",
    "children",
    "adults",
    "review",
    "meta",
    "risk",
    "outcome",
    "nerve",
    "chemotherapy",
    "fatigue",
    "depression",
];

fn main() {
    let n: usize = std::env::args().filter_map(|a| a.parse().ok()).next().unwrap_or(100_000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run(n));
}

async fn run(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("records.csv");
    let mut text = String::from("title,abstract,year\n");
    let mut state: u64 = 7;
    let mut word = || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        WORDS[(state >> 33) as usize % WORDS.len()]
    };
    for i in 0..n {
        let title: Vec<&str> = (0..8).map(|_| word()).collect();
        let abstract_words: Vec<&str> = (0..60).map(|_| word()).collect();
        text.push_str(&format!(
            "\"{} {i}\",\"{}\",{}\n",
            title.join(" "),
            abstract_words.join(" "),
            1990 + i % 30
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let owner = Actor::new("lise");
    let spec = NewReviewSpec { title: "Bench".into(), review_type: ReviewType::Systematic, question: None };
    let service =
        Service::create(&Locator::File(dir.path().join("bench.sift")), &spec, &owner).await.unwrap();
    let start = Instant::now();
    let search = SearchSpec { source: "PubMed".into(), ..SearchSpec::default() };
    service.add_search(&owner, &search, &[InputFile::new(csv)]).await.unwrap();
    service.dedup(&owner, None, DedupPolicy::default()).await.unwrap();
    service.set_member(&owner, "ellen", Role::Reviewer, false).await.unwrap();
    eprintln!("setup of {n} records: {:.1} s", start.elapsed().as_secs_f64());
    let ellen = Actor::new("ellen");
    let ta = Stage::TitleAbstract;
    let t = Instant::now();
    service.vote(&ellen, 1, ta, Decision::Include, None, false, None).await.unwrap();
    let vote_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    service.vote(&ellen, 2, ta, Decision::Exclude, None, false, None).await.unwrap();
    let warm_vote_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let status = service.refresh_ranking(&ellen, None).await.unwrap();
    let refresh_s = t.elapsed().as_secs_f64();
    assert_eq!(status.trained_on, Some(2));
    let mut times = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let next = service.screen_next(&ellen, None, ta).await.unwrap();
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(next.is_some());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{n} records: screen_next median {:.1} ms, worst {:.1} ms (30 calls, ranked); first vote {vote_ms:.1} ms (reads the citation list once), \
         second {warm_vote_ms:.1} ms; first ranking (features + training) {refresh_s:.2} s",
        times[times.len() / 2],
        times[times.len() - 1]
    );
    service.close().await;
}
