//! Development aid: pairwise precision and recall of the engine on the labelled sets in
//! `../shared/data/dedup`, with the false merges and missed pairs printed for inspection.
//!
//! `cargo run --release -p sift-dedup --example evaluate [-- SET [--show N]]`. The official,
//! peer-compared measurement is `bench/dedup_accuracy.py`; this is the quick loop.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use sift_dedup::{Constraints, Policy, Tier, deduplicate};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let show: usize = args
        .iter()
        .position(|a| a == "--show")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let only: Option<&String> = args.iter().find(|a| !a.starts_with("--") && a.parse::<usize>().is_err());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/dedup");
    if !root.is_dir() {
        eprintln!("NOTICE: {} is absent", root.display());
        return;
    }
    for set in ["cytology_screening", "haematology", "digital_work", "special_cases", "diabetes"] {
        if only.is_some_and(|o| o != set) {
            continue;
        }
        let dir = root.join(set);
        let file = if dir.join("records_pre_merged.csv").exists() {
            "records_pre_merged.csv"
        } else {
            "records_latin1.csv"
        };
        let bytes = std::fs::read(dir.join(file)).unwrap();
        let parsed = sift_formats::read_bytes(&bytes, &sift_formats::ReadOptions::named(file)).unwrap();
        let ids: Vec<String> = parsed
            .records
            .iter()
            .map(|r| {
                let id = r.source_id.clone().unwrap_or_default();
                if set == "diabetes" { format!("id_{:07}", id.parse::<u32>().unwrap_or(0)) } else { id }
            })
            .collect();
        let references: Vec<_> = parsed.records.iter().map(|r| r.reference.clone()).collect();
        if let Some(i) = args.iter().position(|a| a == "--pair") {
            let find = |id: &String| ids.iter().position(|x| x == id).expect("known id");
            let (a, b) = (find(&args[i + 1]), find(&args[i + 2]));
            let (pa, pb) =
                (sift_dedup::Prepared::new(&references[a]), sift_dedup::Prepared::new(&references[b]));
            println!("{pa:#?}\n{pb:#?}\n{:?}", sift_dedup::compare::judge(&pa, &pb, &Policy::default()));
            return;
        }
        let start = std::time::Instant::now();
        let dedup = deduplicate(&references, &Policy::default(), &Constraints::default());
        let seconds = start.elapsed().as_secs_f64();

        let truth_text = std::fs::read_to_string(dir.join("merged_record_ids.csv")).unwrap();
        let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let mut truth = HashSet::new();
        for line in truth_text.lines().skip(1) {
            let members: Vec<usize> =
                line.trim().trim_matches('"').split(';').filter_map(|id| index.get(id).copied()).collect();
            for (x, &a) in members.iter().enumerate() {
                for &b in &members[x + 1..] {
                    truth.insert((a.min(b), a.max(b)));
                }
            }
        }
        let mut found = HashSet::new();
        for g in &dedup.groups {
            for (x, &a) in g.iter().enumerate() {
                for &b in &g[x + 1..] {
                    found.insert((a, b));
                }
            }
        }
        let with_possible: HashSet<(usize, usize)> = found
            .iter()
            .copied()
            .chain(dedup.possible.iter().filter(|m| m.tier == Tier::Possible).map(|m| (m.a, m.b)))
            .collect();
        let score = |found: &HashSet<(usize, usize)>| {
            let tp = found.intersection(&truth).count() as f64;
            let precision = if found.is_empty() { 1.0 } else { tp / found.len() as f64 };
            let recall = if truth.is_empty() { 1.0 } else { tp / truth.len() as f64 };
            (precision, recall, 2.0 * precision * recall / (precision + recall).max(1e-9))
        };
        let (p, r, f) = score(&found);
        let (pp, rp, fp) = score(&with_possible);
        println!(
            "{set:20} n={:5} pairs={:6} candidates={:7} certain P={p:.4} R={r:.4} F1={f:.4} | +possible P={pp:.4} R={rp:.4} F1={fp:.4} | {:.2}s",
            ids.len(),
            truth.len(),
            dedup.n_candidate_pairs,
            seconds
        );
        // Labelled pairs the rules forbid merging (errata, notices, different DOIs): what no
        // precision-first engine may find.
        let prepared: Vec<sift_dedup::Prepared> = references.iter().map(sift_dedup::Prepared::new).collect();
        let mut forbidden: HashMap<&'static str, usize> = HashMap::new();
        for &(a, b) in truth.difference(&found) {
            if let sift_dedup::Verdict::Different(rule) =
                sift_dedup::compare::judge(&prepared[a], &prepared[b], &Policy::default())
                && matches!(
                    rule,
                    sift_dedup::Rule::Notice
                        | sift_dedup::Rule::DifferentDoi
                        | sift_dedup::Rule::DifferentPmid
                        | sift_dedup::Rule::ConferenceAbstract
                )
            {
                *forbidden.entry(rule.as_str()).or_default() += 1;
            }
        }
        let n_forbidden: usize = forbidden.values().sum();
        if n_forbidden > 0 {
            let admissible = truth.len() - n_forbidden;
            let tp = found.intersection(&truth).count();
            println!(
                "  {n_forbidden} labelled pairs are vetoed by rule ({forbidden:?}); recall on the other {admissible}: {:.4}",
                tp as f64 / admissible as f64
            );
        }
        if show > 0 {
            let describe = |i: usize| {
                let r = &references[i];
                format!(
                    "{} | {} | {:?} | {} | {} | v{} p{} | doi {}",
                    ids[i],
                    r.title.as_deref().unwrap_or(""),
                    r.year,
                    r.authors.first().map(|a| a.to_string()).unwrap_or_default(),
                    r.journal.as_deref().unwrap_or(""),
                    r.volume.as_deref().unwrap_or(""),
                    r.pages.as_deref().unwrap_or(""),
                    r.doi.as_deref().unwrap_or("")
                )
            };
            for &(a, b) in found.difference(&truth).take(show) {
                println!("  FALSE MERGE\n    {}\n    {}", describe(a), describe(b));
            }
            let possible: HashSet<(usize, usize)> = dedup.possible.iter().map(|m| (m.a, m.b)).collect();
            for &(a, b) in truth.difference(&found).take(show) {
                let tag = if possible.contains(&(a, b)) { "MISSED (queued)" } else { "MISSED" };
                println!("  {tag}\n    {}\n    {}", describe(a), describe(b));
            }
        }
    }
}
