//! Deduplication accuracy on the labelled sets in `../shared/data/dedup`: pairwise precision
//! and recall of `sift dedup-files` against each set's true groups. Precision must stay at
//! least 0.995 on every set; recall must not fall below what Sift reaches today (the figures
//! beside each set, measured with `python3 bench/dedup_accuracy.py`, which also runs the
//! peers). Skipped, with a notice, when the shared folder is absent.

use std::collections::HashSet;
use std::path::Path;

use crate::{s, sift_ok};

/// (set, its records file, the recall Sift must keep).
const SETS: &[(&str, &str, f64)] = &[
    ("cytology_screening", "records_pre_merged.csv", 0.995),
    ("haematology", "records_pre_merged.csv", 0.797),
    ("digital_work", "records_pre_merged.csv", 0.992),
    ("special_cases", "records_pre_merged.csv", 1.0),
    ("diabetes", "records_latin1.csv", 0.998),
];

fn pairs(text: &str, rename: impl Fn(&str) -> String) -> HashSet<(String, String)> {
    let mut pairs = HashSet::new();
    for line in text.lines() {
        let line = line.trim().trim_matches('"');
        if line.is_empty() || line == "merged_ids" {
            continue;
        }
        let mut ids: Vec<String> = line.split(';').map(&rename).collect();
        ids.sort();
        for (i, a) in ids.iter().enumerate() {
            for b in &ids[i + 1..] {
                pairs.insert((a.clone(), b.clone()));
            }
        }
    }
    pairs
}

#[test]
fn precision_first_and_recall_kept_on_the_labelled_sets() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/dedup");
    if !data.is_dir() {
        eprintln!("NOTICE: {} is absent; the deduplication corpus test is skipped", data.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut report = Vec::new();
    for &(name, file, min_recall) in SETS {
        let folder = data.join(name);
        let out = dir.path().join(format!("{name}.csv"));
        sift_ok(&["dedup-files", s(&folder.join(file)), "--groups-out", s(&out)]);
        // The diabetes records are numbered; their groups name them `id_0000NNN`.
        let rename = |id: &str| match id.parse::<u64>() {
            Ok(n) => format!("id_{n:07}"),
            Err(_) => id.to_string(),
        };
        let found = pairs(&std::fs::read_to_string(&out).unwrap(), rename);
        let truth =
            pairs(&std::fs::read_to_string(folder.join("merged_record_ids.csv")).unwrap(), |id: &str| {
                id.to_string()
            });
        let true_found = found.intersection(&truth).count() as f64;
        let precision = if found.is_empty() { 1.0 } else { true_found / found.len() as f64 };
        let recall = true_found / truth.len() as f64;
        report.push(format!("{name}: precision {precision:.4}, recall {recall:.4}"));
        assert!(precision >= 0.995, "{name}: precision {precision:.4} < 0.995\n{}", report.join("\n"));
        assert!(recall >= min_recall, "{name}: recall {recall:.4} < {min_recall}\n{}", report.join("\n"));
    }
    eprintln!("{}", report.join("\n"));
}
