//! Auditing merges through the web: the merged citations with how each was merged, a record
//! taken out into a citation of its own (counted at once), and the undo that merges it back.

use axum::http::StatusCode;
use sift_service::{Actor, DedupPolicy, InputFile, SearchSpec};

use crate::support::{As, fixture, get, post_form, test_data};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_audit_merges_and_take_a_record_out() {
    let f = fixture().await;
    let app = &f.app;
    let alpha = f.state.reviews.get("alpha").unwrap();
    // The same export searched twice: every record of the second search is a duplicate.
    let lise = Actor::new("lise");
    let spec = SearchSpec { source: "Embase again".into(), ..SearchSpec::default() };
    alpha.add_search(&lise, &spec, &[InputFile::new(test_data("asreview/embase.ris"))]).await.unwrap();
    alpha.dedup(&lise, None, DedupPolicy::default()).await.unwrap();
    let merged = alpha.merged_citations(None).await.unwrap();
    assert!(!merged.is_empty() && merged.iter().all(|m| m.automatic && m.records.len() == 2), "{merged:?}");
    let n_merged = merged.len();
    let screened = alpha.prisma(None).await.unwrap().records_screened;

    let page = get(app, "/r/alpha/dedup/merged", As::Cookie(&f.ellen)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains(&format!("{n_merged} merged citation(s)")), "{}", page.body);
    assert!(page.body.contains("automatic (score"), "how each was merged: {}", page.body);
    assert!(page.body.contains("Embase again"), "the source of each record: {}", page.body);
    assert_eq!(get(app, "/r/alpha/dedup/merged", As::Cookie(&f.guest)).await.status, StatusCode::FORBIDDEN);

    // Take the second record of the first merged citation out.
    let (first, second) = (merged[0].records[0].0.id.0, merged[0].records[1].0.id.0);
    let split = format!("csrf={}&stream=default&record={second}&other={first}", f.ellen.csrf);
    let reply = post_form(app, "/r/alpha/dedup/split", As::Cookie(&f.ellen), &split).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let to = reply.headers["location"].to_str().unwrap().to_string();
    let page = get(app, &to, As::Cookie(&f.ellen)).await;
    assert!(page.body.contains(&format!("Record {second} taken out")), "{}", page.body);
    assert!(page.body.contains(&format!("{} merged citation(s)", n_merged - 1)), "{}", page.body);
    assert!(page.body.contains("name=\"was\" value=\"different\""), "an undo is offered: {}", page.body);
    assert_eq!(
        alpha.prisma(None).await.unwrap().records_screened,
        screened + 1,
        "one more citation to screen"
    );
    // A record that is alone cannot be taken out.
    let again = post_form(app, "/r/alpha/dedup/split", As::Cookie(&f.ellen), &split).await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST, "{}", again.body);
    assert!(again.body.contains("not merged with any other record"), "{}", again.body);

    // Undo merges the two again.
    let undo =
        format!("csrf={}&stream=default&record_a={second}&record_b={first}&was=different", f.ellen.csrf);
    let reply = post_form(app, "/r/alpha/dedup/undo", As::Cookie(&f.ellen), &undo).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(alpha.merged_citations(None).await.unwrap().len(), n_merged);
    assert_eq!(alpha.prisma(None).await.unwrap().records_screened, screened);
    let page = get(app, "/r/alpha/dedup/merged?automatic=1", As::Cookie(&f.ellen)).await;
    assert!(page.body.contains("judged the same by ellen"), "the merge back is a person's: {}", page.body);
}
