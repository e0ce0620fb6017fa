//! The sets the metafor reference runs (`bench/reference/metafor.R`) were made from: the four
//! designs of pymare's small-sample data (MIT, in `tests/data`) and the 13 BCG trials as log
//! risk ratios, read from `../shared/data/meta` (GPL).

use std::collections::BTreeMap;
use std::path::PathBuf;

use sift_stats::effect::{Measure, two_by_two};

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The effects and variances of each set, by name; without `../shared/data/meta` the BCG set
/// is left out with a notice naming what is skipped (`what`).
pub fn sets(what: &str) -> BTreeMap<String, (Vec<f64>, Vec<f64>)> {
    let mut sets: BTreeMap<String, (Vec<f64>, Vec<f64>)> = BTreeMap::new();
    let text = std::fs::read_to_string(data_dir().join("metafor_small_sample.csv")).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let set = sets.entry(f[0].to_string()).or_default();
        set.0.push(f[1].parse().unwrap());
        set.1.push(f[2].parse().unwrap());
    }
    let bcg = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/meta/dat_bcg.csv");
    match std::fs::read_to_string(&bcg) {
        Ok(text) => {
            let set = sets.entry("bcg".into()).or_default();
            for line in text.lines().skip(1) {
                let f: Vec<f64> = line.split(',').skip(3).take(4).map(|v| v.parse().unwrap()).collect();
                let effect = two_by_two(Measure::RiskRatio, f[0], f[0] + f[1], f[2], f[2] + f[3]).unwrap();
                set.0.push(effect.yi);
                set.1.push(effect.vi);
            }
        }
        Err(_) => eprintln!("NOTICE: {} is absent; the BCG {what} are skipped", bcg.display()),
    }
    sets
}
