//! `sift simulate` on the bundled labelled set `test_data/screening/kitchenham_2010.csv`:
//! the order file, the metrics printed, the recall curve, determinism, and errors that name
//! the file, line and column.

use std::path::{Path, PathBuf};

use crate::{s, sift, sift_ok};

fn kitchenham() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test_data/screening/kitchenham_2010.csv")
}

/// Every fourth record of the set (debug builds are slow): 426 records, 12 relevant.
fn subset(dir: &Path) -> PathBuf {
    let mut reader = csv::Reader::from_path(kitchenham()).unwrap();
    let path = dir.join("subset.csv");
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(reader.headers().unwrap()).unwrap();
    for (i, row) in reader.records().enumerate() {
        if i % 4 == 0 {
            writer.write_record(&row.unwrap()).unwrap();
        }
    }
    writer.flush().unwrap();
    path
}

fn read_order(path: &Path) -> Vec<(String, String, String)> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    assert_eq!(reader.headers().unwrap().iter().collect::<Vec<_>>(), ["record_id", "label", "prior"]);
    reader
        .records()
        .map(|r| r.unwrap())
        .map(|r| (r[0].to_string(), r[1].to_string(), r[2].to_string()))
        .collect()
}

fn metric(out: &str, name: &str) -> f64 {
    let line =
        out.lines().find(|l| l.trim_start().starts_with(name)).unwrap_or_else(|| panic!("{name} in {out}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn simulate_writes_the_order_metrics_and_curve() {
    let dir = tempfile::tempdir().unwrap();
    let data = subset(dir.path());
    let order = dir.path().join("order.csv");
    let curve = dir.path().join("recall.svg");
    // Record 1 is relevant, record 401 is not.
    let out = sift_ok(&[
        "simulate",
        s(&data),
        "--prior-ids",
        "1,401",
        "--seed",
        "7",
        "--order-out",
        s(&order),
        "--curve-out",
        s(&curve),
    ]);
    let rows = read_order(&order);
    assert_eq!(rows.len(), 426);
    assert_eq!(rows[0], ("1".into(), "1".into(), "1".into()));
    assert_eq!(rows[1], ("401".into(), "0".into(), "1".into()));
    assert!(rows[2..].iter().all(|r| r.2 == "0"), "only the priors are flagged");
    let mut ids: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 426, "every record exactly once");
    // The model must beat random screening clearly on this set: random gives WSS@95 ~ 0.
    assert!(metric(&out, "WSS@95") > 0.3, "{out}");
    assert!((0.0..=1.0).contains(&metric(&out, "recall@10%")), "{out}");
    assert!(metric(&out, "loss") < 0.45, "random screening gives about 0.5: {out}");
    for name in ["ERF@10%", "ATD"] {
        metric(&out, name);
    }
    assert!(out.contains("stopping rule"), "{out}");
    assert!(out.trim_end().ends_with(&format!("wrote {}", curve.display())), "{out}");
    let svg = std::fs::read_to_string(&curve).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("random screening") && svg.contains("perfect order"));

    // The same seed gives the same order; the other models run too.
    let again = dir.path().join("again.csv");
    sift_ok(&["simulate", s(&data), "--prior-ids", "1,401", "--seed", "7", "--order-out", s(&again)]);
    assert_eq!(std::fs::read(&order).unwrap(), std::fs::read(&again).unwrap());
    for (model, query) in [("logistic", "uncertainty"), ("nb", "mixed")] {
        let other = dir.path().join(format!("{model}.csv"));
        let out = sift_ok(&[
            "simulate",
            s(&data),
            "--seed",
            "3",
            "--model",
            model,
            "--query",
            query,
            "--order-out",
            s(&other),
        ]);
        assert!(out.contains(&format!("model {model} / query {query}")), "{out}");
        assert_eq!(read_order(&other).iter().filter(|r| r.2 == "1").count(), 2, "random priors: 1 + 1");
    }
}

#[test]
fn the_whole_set_in_batches() {
    let dir = tempfile::tempdir().unwrap();
    let order = dir.path().join("order.csv");
    let out = sift_ok(&[
        "simulate",
        s(&kitchenham()),
        "--n-prior-included",
        "2",
        "--n-prior-excluded",
        "3",
        "--seed",
        "1",
        "--retrain-every",
        "25",
        "--order-out",
        s(&order),
    ]);
    assert!(out.starts_with("kitchenham_2010.csv: 1704 records, 45 relevant"), "{out}");
    let rows = read_order(&order);
    assert_eq!(rows.len(), 1704);
    assert_eq!(rows.iter().take_while(|r| r.2 == "1").count(), 5);
    assert!(metric(&out, "WSS@95") > 0.5, "{out}");
    assert!(metric(&out, "recall@10%") > 0.4, "{out}");
}

#[test]
fn bad_input_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let order = dir.path().join("order.csv");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "record_id,title,abstract,label_included\n1,a,b,1\n2,c,d,maybe\n").unwrap();
    let (code, _, err) = sift(&["simulate", s(&bad), "--order-out", s(&order)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("bad.csv:3") && err.contains("label_included") && err.contains("\"maybe\""),
        "{err}"
    );

    std::fs::write(&bad, "record_id,title,label_included\n1,a,1\n").unwrap();
    let (code, _, err) = sift(&["simulate", s(&bad), "--order-out", s(&order)]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.csv:1") && err.contains("no `abstract` column"), "{err}");

    std::fs::write(&bad, "record_id,title,abstract,label_included\n1,a,b,1\n1,c,d,0\n").unwrap();
    let (_, _, err) = sift(&["simulate", s(&bad), "--order-out", s(&order)]);
    assert!(err.contains("bad.csv:3") && err.contains("already appears on line 2"), "{err}");

    let data = subset(dir.path());
    let (code, _, err) = sift(&["simulate", s(&data), "--prior-ids", "1,nope", "--order-out", s(&order)]);
    assert_eq!(code, 2);
    assert!(err.contains("--prior-ids") && err.contains("\"nope\""), "{err}");
    let (code, _, err) = sift(&["simulate", s(&data), "--model", "forest", "--order-out", s(&order)]);
    assert_eq!(code, 2);
    assert!(err.contains("--model"), "{err}");
    let (code, _, err) = sift(&["simulate", s(&dir.path().join("missing.csv")), "--order-out", s(&order)]);
    assert_eq!(code, 1);
    assert!(err.contains("missing.csv"), "{err}");
}
