//! Influence diagnostics against metafor's `influence` (3.8-1): 30 models written by
//! `bench/reference/metafor.R` into `tests/data/influence_reference.json` - the four designs
//! of pymare's small-sample data (MIT, beside this file) and the 13 BCG trials as log risk
//! ratios, each with FE, DL and REML under the z and the Knapp-Hartung test. The BCG trials are
//! read from `../shared/data/meta` (GPL); without that folder their models are skipped with a
//! notice.

mod common;

use serde_json::Value;
use sift_stats::{Method, Options, Test, influence};

#[test]
fn influence_matches_metafor() {
    let text = std::fs::read_to_string(common::data_dir().join("influence_reference.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let sets = common::sets("influence models");
    let mut compared = 0;
    for case in reference["cases"].as_array().unwrap() {
        let s = |key: &str| case[key].as_str().unwrap();
        let Some((yi, vi)) = sets.get(s("set")) else { continue };
        let method: Method = s("method").parse().unwrap();
        let test: Test = s("test").parse().unwrap();
        let what = format!("{} {} {}", s("set"), s("method"), s("test"));
        let rows = influence(yi, vi, Options { method, test, ..Options::default() }).unwrap();
        // metafor stops REML at a change in tau² of 1e-5; Sift solves to 1e-10.
        let tolerance = if method == Method::Reml { 1e-4 } else { 1e-8 };
        let column = |key: &str| -> Vec<f64> {
            case[key].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
        };
        let ours: [(&str, Vec<f64>); 9] = [
            ("rstudent", rows.iter().map(|r| r.rstudent).collect()),
            ("dffits", rows.iter().map(|r| r.dffits).collect()),
            ("cook_d", rows.iter().map(|r| r.cook_d).collect()),
            ("cov_r", rows.iter().map(|r| r.cov_r).collect()),
            ("tau2_del", rows.iter().map(|r| r.tau2_del).collect()),
            ("qe_del", rows.iter().map(|r| r.qe_del).collect()),
            ("hat", rows.iter().map(|r| r.hat).collect()),
            ("weight", rows.iter().map(|r| r.weight).collect()),
            ("dfbetas", rows.iter().map(|r| r.dfbetas).collect()),
        ];
        for (key, values) in ours {
            let theirs = column(key);
            assert_eq!(values.len(), theirs.len(), "{what} {key}");
            for (i, (a, b)) in values.iter().zip(&theirs).enumerate() {
                assert!(
                    (a - b).abs() <= tolerance * b.abs().max(1.0),
                    "{what}: study {} {key}: sift {a} metafor {b}",
                    i + 1
                );
            }
        }
        let flags: Vec<bool> =
            case["influential"].as_array().unwrap().iter().map(|v| v.as_bool().unwrap()).collect();
        assert_eq!(rows.iter().map(|r| r.influential).collect::<Vec<_>>(), flags, "{what}");
        compared += 1;
    }
    assert!(compared >= 24, "only {compared} models compared");
    eprintln!("influence: {compared} models agree with metafor");
}

#[test]
fn too_few_studies_are_refused() {
    let err = influence(&[0.1, 0.2], &[0.01, 0.02], Options::default()).unwrap_err();
    assert_eq!(err.to_string(), "influence diagnostics need at least 3 studies, not 2");
}
