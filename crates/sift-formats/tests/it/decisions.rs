//! Screening decisions read from a real labelled set (`screening/nagtegaal_2019.csv`, an
//! ASReview benchmark dataset with `record_id` and `label_included`), and a property: no input
//! makes the decisions reader panic.
//!
//! The shared corpus is not part of the repository; when it is absent the corpus test says so on
//! stderr and passes.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use sift_domain::screening::Decision;
use sift_formats::decisions::{DecisionSource, read_decisions};

#[test]
fn nagtegaal_labels_read_as_asreview_decisions() {
    let path = crate::shared_data().join("screening/nagtegaal_2019.csv");
    if !path.is_file() {
        eprintln!("NOTICE: {} not found; decisions corpus check skipped", path.display());
        return;
    }
    let bytes = std::fs::read(&path).unwrap();

    // What the `csv` crate alone says the labels are.
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let label_col = reader.headers().unwrap().iter().position(|h| h == "label_included").unwrap();
    let mut n_rows = 0;
    let mut n_included = 0;
    let mut n_excluded = 0;
    for row in reader.records() {
        let row = row.unwrap();
        n_rows += 1;
        match row.get(label_col).map(str::trim) {
            Some("1") => n_included += 1,
            Some("0") => n_excluded += 1,
            _ => {}
        }
    }
    assert!(n_included > 0 && n_excluded > 0, "the set has both labels");

    let decisions =
        read_decisions(&bytes, "nagtegaal_2019.csv", None, None).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(decisions.source, DecisionSource::Asreview);
    let count = |decision| decisions.rows.iter().filter(|r| r.decision == decision).count();
    assert_eq!(count(Decision::Include), n_included);
    assert_eq!(count(Decision::Exclude), n_excluded);
    assert_eq!(count(Decision::Maybe), 0);
    assert_eq!(decisions.rows.len() + (n_rows - n_included - n_excluded), n_rows);
    for row in &decisions.rows {
        assert!(row.record_id.is_some(), "line {} has no record id", row.line);
        assert!(row.reviewer.is_none() && row.stage.is_none());
        assert!(row.line >= 2);
    }
    let lines: Vec<u32> = decisions.rows.iter().map(|r| r.line).collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "rows keep file order");
    let diagnostics: Vec<String> = decisions.diagnostics.iter().map(ToString::to_string).collect();
    eprintln!(
        "nagtegaal_2019.csv: {} decisions ({n_included} include, {n_excluded} exclude); {diagnostics:?}",
        decisions.rows.len()
    );
}

/// Text built from the pieces decision files are made of, so the generator reaches the
/// readers' branches instead of failing at the header.
fn decision_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("record_id".to_string()),
        Just("title".to_string()),
        Just("doi".to_string()),
        Just("decision".to_string()),
        Just("label_included".to_string()),
        Just("Covidence #".to_string()),
        Just("notes".to_string()),
        Just("RAYYAN-INCLUSION: {\"A\"=>\"Included\"".to_string()),
        Just("RAYYAN-EXCLUSION-REASONS:".to_string()),
        Just("USER-NOTES: {\"A\"=>[\"x\"".to_string()),
        Just(" | ".to_string()),
        Just("}".to_string()),
        Just("\"".to_string()),
        Just(",".to_string()),
        Just("\t".to_string()),
        Just(";".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("1".to_string()),
        Just("0".to_string()),
        Just("NA".to_string()),
        Just("10.1/x".to_string()),
        Just("é".to_string()),
        "[a-z =>\\[\\]{}]{0,6}",
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/decisions.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn no_input_panics(text in decision_text(), source in proptest::option::of(0..4usize), name_ix in 0..3usize) {
        let source = source.map(|i| DecisionSource::ALL[i]);
        let name = ["x.csv", "review_1_irrelevant_csv_2.csv", "articles.csv"][name_ix];
        if let Ok(decisions) = read_decisions(text.as_bytes(), name, source, None) {
            prop_assert!(!decisions.rows.is_empty());
            for row in &decisions.rows {
                prop_assert!(row.line >= 1);
                prop_assert!(
                    row.record_id.is_some() || row.doi.is_some() || row.pmid.is_some() || row.title.is_some()
                );
            }
        }
    }

    #[test]
    fn no_bytes_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = read_decisions(&bytes, "x.csv", None, Some(Decision::Exclude));
    }
}
