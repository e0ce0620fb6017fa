//! Every estimator against metafor 4.6.0's own output (pymare's reference files, MIT; see
//! `tests/data/SOURCE.md`): 4 data sets x 3 designs x 5 methods x 3 tests, and `escalc`.

use serde_json::Value;
use sift_stats::{Method, Moderators, Options, Test, fit};

const SAMPLE: &str = include_str!("data/metafor_small_sample.csv");
const REFERENCE: &str = include_str!("data/metafor_reference.json");

struct Design {
    y: Vec<f64>,
    v: Vec<f64>,
    mod1: Vec<f64>,
    mod2: Vec<f64>,
}

fn design(name: &str) -> Design {
    let mut d = Design { y: vec![], v: vec![], mod1: vec![], mod2: vec![] };
    for line in SAMPLE.lines().skip(1).filter(|l| l.starts_with(&format!("{name},"))) {
        let f: Vec<f64> = line.split(',').skip(1).map(|x| x.parse().unwrap()).collect();
        d.y.push(f[0]);
        d.v.push(f[1]);
        d.mod1.push(f[2]);
        d.mod2.push(f[3]);
    }
    assert!(!d.y.is_empty(), "no rows for {name}");
    d
}

/// Agreement to `rel` relative to the value's size (absolute below 1).
fn close(what: &str, got: f64, want: f64, rel: f64) {
    let tol = rel * want.abs().max(1.0);
    assert!((got - want).abs() <= tol, "{what}: got {got}, metafor {want} (tolerance {tol:e})");
}

fn num(v: &Value) -> Option<f64> {
    v.as_f64()
}

#[test]
fn rma_uni_every_method_test_and_design() {
    let reference: Value = serde_json::from_str(REFERENCE).unwrap();
    let cases = reference["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 180);
    for case in cases {
        let name = format!(
            "{} {} {} {}",
            case["design"].as_str().unwrap(),
            case["model"].as_str().unwrap(),
            case["method"].as_str().unwrap(),
            case["test"].as_str().unwrap()
        );
        let d = design(case["design"].as_str().unwrap());
        let moderators = match case["model"].as_str().unwrap() {
            "intercept" => None,
            "one" => Some(Moderators { names: vec!["mod1".into()], columns: vec![d.mod1.clone()] }),
            "two" => Some(Moderators {
                names: vec!["mod1".into(), "mod2".into()],
                columns: vec![d.mod1.clone(), d.mod2.clone()],
            }),
            other => panic!("model {other}"),
        };
        let method: Method = case["method"].as_str().unwrap().parse().unwrap();
        let test: Test = match case["test"].as_str().unwrap() {
            "z" => Test::Z,
            "knha" => Test::Hksj,
            "adhoc" => Test::HksjAdhoc,
            other => panic!("test {other}"),
        };
        let f = fit(&d.y, &d.v, moderators.as_ref(), Options { method, test, level: 0.95 })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // metafor stops Fisher scoring when tau² changes by less than 1e-5; Sift solves to
        // 1e-10, so ML and REML agree to the accuracy metafor itself reached.
        let rel = if matches!(method, Method::MaximumLikelihood | Method::Reml) { 5e-5 } else { 1e-8 };
        close(&format!("{name} tau2"), f.tau2, case["tau2"].as_f64().unwrap(), rel);
        for (j, c) in f.coefficients.iter().enumerate() {
            close(&format!("{name} beta[{j}]"), c.estimate, case["beta"][j].as_f64().unwrap(), rel);
            close(&format!("{name} se[{j}]"), c.se, case["se"][j].as_f64().unwrap(), rel);
            close(&format!("{name} pval[{j}]"), c.p_value, case["pval"][j].as_f64().unwrap(), rel.max(1e-7));
            close(
                &format!("{name} ci_lb[{j}]"),
                c.ci_lower,
                case["ci_lb"][j].as_f64().unwrap(),
                rel.max(1e-7),
            );
            close(
                &format!("{name} ci_ub[{j}]"),
                c.ci_upper,
                case["ci_ub"][j].as_f64().unwrap(),
                rel.max(1e-7),
            );
        }
        assert_eq!(f.coefficients.len(), case["beta"].as_array().unwrap().len(), "{name}");
        close(&format!("{name} QE"), f.heterogeneity.q, case["QE"].as_f64().unwrap(), 1e-9);
        close(&format!("{name} QEp"), f.heterogeneity.p_value.unwrap(), case["QEp"].as_f64().unwrap(), 1e-7);
        close(
            &format!("{name} I2"),
            f.heterogeneity.i2.unwrap(),
            case["I2"].as_f64().unwrap(),
            rel.max(1e-8) * 100.0,
        );
        close(
            &format!("{name} H2"),
            f.heterogeneity.h2.unwrap(),
            case["H2"].as_f64().unwrap(),
            rel.max(1e-8),
        );
        match (num(&case["tau2_ci_lb"]), num(&case["tau2_ci_ub"])) {
            (Some(lb), Some(ub)) => {
                let (got_lb, got_ub) = f.tau2_ci.unwrap_or_else(|| panic!("{name}: no tau² interval"));
                close(&format!("{name} tau2 ci lb"), got_lb, lb, 1e-6);
                close(&format!("{name} tau2 ci ub"), got_ub, ub, 1e-6);
            }
            _ => assert!(f.tau2_ci.is_none() || method.is_random(), "{name}"),
        }
        match num(&case["dof"]) {
            Some(dof) => assert_eq!(f.df, Some(dof as usize), "{name}"),
            None => assert_eq!(f.df, None, "{name}"),
        }
    }
}

#[test]
fn escalc_mean_differences() {
    let reference: Value = serde_json::from_str(include_str!("data/metafor_escalc_reference.json")).unwrap();
    let inputs = include_str!("data/metafor_escalc_inputs.csv");
    let mut checked = 0;
    for line in inputs.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let v = |i: usize| f[i].parse::<f64>().unwrap();
        let case = reference["cases"].as_array().unwrap().iter().find(|c| c["case"] == f[0]).unwrap();
        // case,m,sd,n,r,m1,m2,sd1,sd2,n1,n2
        for (measure, key) in [
            (sift_stats::Measure::MeanDifference, "MD"),
            (sift_stats::Measure::StandardizedMeanDifference, "SMD"),
        ] {
            let e = sift_stats::effect::means(measure, v(5), v(7), v(9), v(6), v(8), v(10)).unwrap();
            close(&format!("{} {key} yi", f[0]), e.yi, case[key]["yi"].as_f64().unwrap(), 1e-12);
            close(&format!("{} {key} vi", f[0]), e.vi, case[key]["vi"].as_f64().unwrap(), 1e-12);
            checked += 1;
        }
        close(
            &format!("{} J", f[0]),
            sift_stats::effect::small_sample_correction(v(9) + v(10) - 2.0),
            case["cm_two_sample"].as_f64().unwrap(),
            1e-12,
        );
    }
    assert_eq!(checked, 16);
}
