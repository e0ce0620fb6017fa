//! Trim and fill against metafor's `trimfill` (3.8-1): 135 runs written by
//! `bench/reference/metafor.R` into `tests/data/trimfill_reference.json` - the four designs of
//! pymare's small-sample data (MIT, beside this file) and the 13 BCG trials as log risk ratios,
//! each with FE, DL and REML, the L0, R0 and Q0 estimators, and the side chosen or given. The
//! BCG trials are read from `../shared/data/meta` (GPL); without that folder their runs are
//! skipped with a notice.

mod common;

use serde_json::Value;
use sift_stats::{Estimator, Method, Options, Side, trim_and_fill};

fn close(what: &str, ours: f64, theirs: &Value, tolerance: f64) {
    let theirs = theirs.as_f64().unwrap_or_else(|| panic!("{what}: no reference value"));
    let scale = theirs.abs().max(1.0);
    assert!((ours - theirs).abs() <= tolerance * scale, "{what}: sift {ours} metafor {theirs}");
}

#[test]
fn trim_and_fill_matches_metafor() {
    let text = std::fs::read_to_string(common::data_dir().join("trimfill_reference.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    let sets = common::sets("trim-and-fill runs");
    let mut compared = 0;
    for case in reference["cases"].as_array().unwrap() {
        let s = |key: &str| case[key].as_str().unwrap();
        let Some((yi, vi)) = sets.get(s("set")) else { continue };
        let method: Method = s("method").parse().unwrap();
        let estimator: Estimator = s("estimator").parse().unwrap();
        let side = match s("side_asked") {
            "left" => Some(Side::Left),
            "right" => Some(Side::Right),
            _ => None,
        };
        let what = format!("{} {} {} side {}", s("set"), s("method"), s("estimator"), s("side_asked"));
        let options = Options { method, ..Options::default() };
        let tf = trim_and_fill(yi, vi, options, estimator, side).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(tf.side.name(), s("side"), "{what}");
        assert_eq!(tf.k0 as u64, case["k0"].as_u64().unwrap(), "{what}");
        assert_eq!(tf.fit.k as u64, case["k"].as_u64().unwrap(), "{what}");
        // metafor stops REML at a change in tau² of 1e-5; Sift solves to 1e-10.
        let tolerance = if method == Method::Reml { 5e-5 } else { 1e-8 };
        if !case["se_k0"].is_null() {
            close(&format!("{what}: se of k0"), tf.se_k0, &case["se_k0"], 1e-8);
        }
        let pooled = tf.fit.pooled();
        close(&format!("{what}: estimate"), pooled.estimate, &case["estimate"], tolerance);
        close(&format!("{what}: se"), pooled.se, &case["se"], tolerance);
        close(&format!("{what}: ci lower"), pooled.ci_lower, &case["ci_lb"], tolerance);
        close(&format!("{what}: ci upper"), pooled.ci_upper, &case["ci_ub"], tolerance);
        close(&format!("{what}: tau2"), tf.fit.tau2, &case["tau2"], tolerance);
        let mut filled: Vec<f64> = tf.filled.iter().map(|f| f.yi).collect();
        filled.sort_by(f64::total_cmp);
        let theirs = case["filled"].as_array().unwrap();
        assert_eq!(filled.len(), theirs.len(), "{what}");
        for (ours, theirs) in filled.iter().zip(theirs) {
            close(&format!("{what}: filled effect"), *ours, theirs, tolerance);
        }
        compared += 1;
    }
    assert!(compared >= 108, "only {compared} runs compared");
    eprintln!("trim and fill: {compared} runs agree with metafor");
}
