//! `sift meta`: the BCG trials against metafor's published results, continuous outcomes,
//! subgroups and HKSJ, plots written, and errors that name the file, line and column.

use std::path::{Path, PathBuf};

use crate::{s, sift, sift_ok};

/// The BCG trials as `sift meta` reads them, from `../shared/data/meta/dat_bcg.csv` (GPL, so
/// read from there); `None` with a notice when that folder is absent.
fn bcg(dir: &Path) -> Option<PathBuf> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/meta/dat_bcg.csv");
    let Ok(text) = std::fs::read_to_string(&source) else {
        eprintln!(
            "NOTICE: {} is absent; the BCG part of the meta-analysis test is skipped",
            source.display()
        );
        return None;
    };
    let mut out = String::from("study,events1,total1,events2,total2,ablat,year,alloc\n");
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let n = |i: usize| f[i].parse::<u64>().unwrap();
        out.push_str(&format!(
            "{} {},{},{},{},{},{},{},{}\n",
            f[1],
            f[2],
            n(3),
            n(3) + n(4),
            n(5),
            n(5) + n(6),
            f[7],
            f[2],
            f[8]
        ));
    }
    let path = dir.join("bcg.csv");
    std::fs::write(&path, out).unwrap();
    Some(path)
}

#[test]
fn bcg_trials_pooled_as_metafor_pools_them_with_plots() {
    let dir = tempfile::tempdir().unwrap();
    let Some(data) = bcg(dir.path()) else { return };
    let forest = dir.path().join("forest.svg");
    let funnel = dir.path().join("funnel.png");
    let out = sift_ok(&["meta", s(&data), "--measure", "RR", "--forest", s(&forest), "--funnel", s(&funnel)]);
    // metafor: rma(yi, vi) on the log risk ratios; predict(res, transf = exp).
    assert!(out.contains("13 of 13 studies pooled; Risk ratio; Random effects (REML)"), "{out}");
    assert!(out.contains("Random effects (REML): RR 0.49 [0.34, 0.70]"), "{out}");
    assert!(out.contains("Prediction interval: [0.15, 1.55]"), "{out}");
    assert!(
        out.contains("τ² = 0.3132 [0.1197, 1.1115]; I² = 92% [82%, 98%]; Q = 152.23, df = 12, p < 0.001"),
        "{out}"
    );
    assert!(out.contains("Aronson 1948                    0.41          [0.13, 1.26]     5.1%"), "{out}");
    let svg = std::fs::read_to_string(&forest).unwrap();
    assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{}", &svg[..100.min(svg.len())]);
    assert!(svg.contains("Aronson 1948") && svg.contains("0.49 [0.34, 0.70]"));
    assert!(std::fs::read(&funnel).unwrap().starts_with(b"\x89PNG"));

    // The JSON carries every number at full precision.
    let json: serde_json::Value =
        serde_json::from_str(&sift_ok(&["meta", s(&data), "--measure", "RR", "--json"])).unwrap();
    let b = &json["fit"]["coefficients"][0];
    assert!((b["estimate"].as_f64().unwrap() - -0.714532).abs() < 1e-6, "{b}");
    assert!((json["fit"]["tau2"].as_f64().unwrap() - 0.313243).abs() < 1e-5);
    assert_eq!(json["egger"]["df"], 11, "{}", json["egger"]);

    // Mantel-Haenszel (metafor rma.mh: 0.6353 [0.5881, 0.6862]) and Peto (0.6222 [0.5746, 0.6738]).
    let out = sift_ok(&["meta", s(&data), "--measure", "RR", "--pooling", "mh"]);
    assert!(out.contains("Common effect (Mantel-Haenszel): RR 0.64 [0.59, 0.69]"), "{out}");
    let out = sift_ok(&["meta", s(&data), "--measure", "OR", "--pooling", "peto"]);
    assert!(out.contains("Common effect (Peto): OR 0.62 [0.57, 0.67]"), "{out}");

    // Meta-regression on latitude and year (metafor: QM 12.20 on 2 df, residual tau² 0.1108).
    let out = sift_ok(&["meta", s(&data), "--measure", "RR", "--moderator", "ablat", "--moderator", "year"]);
    assert!(
        out.contains(
            "Meta-regression on ablat, year (13 studies; τ² by REML); coefficients on the log scale:"
        ),
        "{out}"
    );
    assert!(out.contains("Test of moderators: QM = 12.20, df = 2, p = 0.002"), "{out}");
    assert!(out.contains("Residual heterogeneity: τ² = 0.1108"), "{out}");

    // Leave-one-out: each row is the model pooled on the file without that study.
    let out = sift_ok(&["meta", s(&data), "--measure", "RR", "--leave-one-out"]);
    let (_, after) = out.split_once("Leave-one-out (Random effects (REML)):").unwrap();
    let row = after.lines().find(|l| l.trim_start().starts_with("TPT Madras 1980")).unwrap();
    let text = std::fs::read_to_string(&data).unwrap();
    let without: String =
        text.lines().filter(|l| !l.starts_with("TPT Madras")).map(|l| format!("{l}\n")).collect();
    let smaller = dir.path().join("without-madras.csv");
    std::fs::write(&smaller, without).unwrap();
    let alone = sift_ok(&["meta", s(&smaller), "--measure", "RR"]);
    let pooled = alone.lines().find(|l| l.starts_with("Random effects (REML): RR ")).unwrap();
    let (estimate, interval) =
        pooled.trim_start_matches("Random effects (REML): RR ").split_once(' ').unwrap();
    assert!(row.contains(estimate) && row.contains(interval), "{row} vs {pooled}");

    // Subgroups by allocation, each with its own tau², and the test of their difference.
    let out = sift_ok(&["meta", s(&data), "--measure", "RR", "--subgroup", "alloc"]);
    assert!(out.contains("Subgroup random (7 studies)"), "{out}");
    assert!(out.contains("Test for subgroup differences: Q = "), "{out}");
}

#[test]
fn continuous_outcomes_subgroups_hksj_and_a_study_without_events() {
    let dir = tempfile::tempdir().unwrap();
    // Semicolon separated, as a spreadsheet in many European locales writes it.
    let means = dir.path().join("pain.csv");
    std::fs::write(
        &means,
        "study;mean1;sd1;n1;mean2;sd2;n2;kind\n\
         Ahn 2019;3.1;1.9;40;4.0;2.1;38;drug\n\
         Berg 2020;2.7;2.2;55;3.9;2.0;52;drug\n\
         Chen 2021;4.2;1.7;30;4.4;1.8;31;exercise\n\
         Dahl 2022;3.5;2.4;62;4.1;2.3;60;exercise\n\
         Eze 2023;2.9;2.0;25;4.3;2.2;27;drug\n",
    )
    .unwrap();
    let out = sift_ok(&[
        "meta",
        s(&means),
        "--measure",
        "MD",
        "--method",
        "DL",
        "--test",
        "hksj",
        "--subgroup",
        "kind",
    ]);
    assert!(out.contains("5 of 5 studies pooled; Mean difference; Random effects (DerSimonian-Laird); Hartung-Knapp-Sidik-Jonkman"), "{out}");
    assert!(out.contains("t = ") && out.contains("(df = 4)"), "{out}");
    assert!(
        out.contains("Subgroup drug (3 studies)") && out.contains("Subgroup exercise (2 studies)"),
        "{out}"
    );
    // Ahn: 3.1 - 4.0 = -0.90, SE sqrt(1.9²/40 + 2.1²/38).
    let se = (1.9f64 * 1.9 / 40.0 + 2.1 * 2.1 / 38.0).sqrt();
    let want = format!("[{:.2}, {:.2}]", -0.9 - 1.959964 * se, -0.9 + 1.959964 * se);
    assert!(out.contains(&want), "{want} in {out}");
    let out = sift_ok(&["meta", s(&means), "--measure", "SMD"]);
    assert!(out.contains("Std. mean difference (Hedges' g)"), "{out}");

    let events = dir.path().join("events.csv");
    std::fs::write(
        &events,
        "study,events1,total1,events2,total2\nA,3,50,9,50\nB,0,40,0,41\nC,5,60,11,58\nD,0,30,4,30\n",
    )
    .unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&sift_ok(&["meta", s(&events), "--measure", "OR", "--json"])).unwrap();
    assert_eq!(json["egger"]["df"], 1, "three estimable studies: {}", json["egger"]);
    let two = dir.path().join("two.csv");
    std::fs::write(&two, "study,events1,total1,events2,total2\nA,3,50,9,50\nC,5,60,11,58\n").unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&sift_ok(&["meta", s(&two), "--measure", "OR", "--json"])).unwrap();
    assert_eq!(json["egger"]["not_run"], "Egger's test needs at least 3 studies, not 2", "{}", json["egger"]);
    let out = sift_ok(&["meta", s(&events), "--measure", "OR"]);
    assert!(out.contains("3 of 4 studies pooled"), "{out}");
    assert!(out.contains("B      not estimable: no events in either group"), "{out}");
    // D has a zero cell: 1/2 added to each cell.
    let d = ((0.5f64 * 26.5) / (30.5 * 4.5)).ln().exp();
    assert!(out.contains(&format!("{:5}  {:>9.2}", "D", d)), "{out}");
}

#[test]
fn bad_input_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results.csv");
    std::fs::write(&file, "study,events1,total1,events2,total2\nA,3,50,9,50\nB,4,fifty,9,50\n").unwrap();
    let (code, _, err) = sift(&["meta", s(&file), "--measure", "RR"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("results.csv:3: column `total1`: \"fifty\" is not a number"), "{err}");

    // A decimal comma is read in a semicolon-separated file; in a comma-separated one it is refused.
    std::fs::write(&file, "study,estimate,se\nA,0.5,0.1\nB,\"0,4\",0.2\n").unwrap();
    let (code, _, err) = sift(&["meta", s(&file), "--measure", "difference"]);
    assert_eq!(code, 2);
    assert!(err.contains("results.csv:3: column `estimate`: \"0,4\" is not a number"), "{err}");
    std::fs::write(&file, "study;estimate;se\nA;0,5;0,1\nB;0,4;0,2\n").unwrap();
    let out = sift_ok(&["meta", s(&file), "--measure", "difference"]);
    assert!(out.contains(&format!("{:5}  {:>9.2}", "A", 0.5)), "{out}");
    std::fs::write(&file, "study,events1,total1,events2,total2\nA,3,50,9,50\nB,4,fifty,9,50\n").unwrap();

    let (code, _, err) = sift(&["meta", s(&file), "--measure", "MD"]);
    assert_eq!(code, 2);
    assert!(err.contains("results.csv:1: no `mean1` column, which Mean difference needs"), "{err}");

    std::fs::write(&file, "study,events1,total1,events2,total2\nA,3,50,9,50\nB,60,50,9,50\n").unwrap();
    let (code, _, err) = sift(&["meta", s(&file), "--measure", "RR"]);
    assert_eq!(code, 2);
    assert!(err.contains("results.csv:3: events1 (60) is more than total1 (50)"), "{err}");

    std::fs::write(&file, "study,events1,total1,events2,total2\nA,3,50,9,50\nA,4,50,9,50\n").unwrap();
    let (code, _, err) = sift(&["meta", s(&file), "--measure", "RR"]);
    assert_eq!(code, 2);
    assert!(err.contains("results.csv:3: study \"A\" already appears on line 2"), "{err}");

    std::fs::write(&file, "study,events1,total1,events2,total2\nA,3,50,9,50\nB,4,50,9,50\n").unwrap();
    let (code, _, err) = sift(&["meta", s(&file), "--measure", "XX"]);
    assert_eq!(code, 2);
    assert!(err.contains("--measure: unknown measure \"XX\""), "{err}");
    let (code, _, err) = sift(&["meta", s(&file), "--measure", "RR", "--pooling", "peto"]);
    assert_eq!(code, 2);
    assert!(err.contains("Peto's method gives an odds ratio"), "{err}");
    let (code, _, err) = sift(&["meta", s(&file), "--measure", "RR", "--forest", "plot.gif"]);
    assert_eq!(code, 2);
    assert!(err.contains("plot.gif: a plot's extension must be .svg, .png or .pdf"), "{err}");
    let (code, _, err) = sift(&["meta", s(&file), "--measure", "RR", "--subgroup", "dose"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("results.csv:1: no `dose` column for the subgroup (the header has: study,"),
        "{err}"
    );
}

/// `sift analysis`: a meta-analysis kept with a review, read from a charting form's consensus,
/// shown, drawn by `sift report`, removed.
#[test]
fn analyses_kept_with_a_review_are_drawn_by_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("r.sift");
    let review = s(&review);
    sift_ok(&["init", review, "--title", "Vaccines"]);
    let mut ris = String::new();
    for (i, author) in ["Aronson", "Ferguson", "Rosenthal", "Hart"].iter().enumerate() {
        ris.push_str(&format!(
            "TY  - JOUR\nAU  - {author}, A\nTI  - Vaccine trial {i}\nPY  - 19{}\nER  - \n\n",
            48 + i
        ));
    }
    let export = dir.path().join("trials.ris");
    std::fs::write(&export, ris).unwrap();
    sift_ok(&["search", "add", review, "--source", "PubMed", s(&export)]);
    sift_ok(&["dedup", review]);
    for stage in ["title-abstract", "full-text"] {
        sift_ok(&["stage", "set", review, "--stage", stage, "--reviewers", "1"]);
    }
    for c in ["1", "2", "3", "4"] {
        sift_ok(&["vote", review, c, "include"]);
        sift_ok(&["vote", review, c, "include", "--stage", "full-text"]);
    }
    let form = dir.path().join("form.toml");
    std::fs::write(
        &form,
        "name = \"outcomes\"\n[[fields]]\nkey = \"events\"\nlabel = \"Cases (I/C)\"\ntype = \"integer_pair\"\n\
         [[fields]]\nkey = \"n\"\nlabel = \"Participants (I/C)\"\ntype = \"integer_pair\"\n",
    )
    .unwrap();
    sift_ok(&["form", "add", review, s(&form)]);
    for (c, events, n) in [
        ("1", "4/11", "123/139"),
        ("2", "6/29", "306/303"),
        ("3", "3/11", "231/220"),
        ("4", "62/248", "13598/12867"),
    ] {
        let (events, n) = (format!("events={events}"), format!("n={n}"));
        sift_ok(&["chart", "set", review, "outcomes", c, "--set", &events, "--set", &n, "--complete"]);
        sift_ok(&["chart", "settle", review, "outcomes", c, "--from", "tester"]);
    }

    let spec = dir.path().join("analyses.toml");
    std::fs::write(&spec, "[[analyses]]\nname = \"tb\"\ntitle = \"Tuberculosis\"\nform = \"outcomes\"\nmeasure = \"RR\"\nmethod = \"DL\"\ntrim_and_fill = true\n")
        .unwrap();
    assert_eq!(sift_ok(&["analysis", "add", review, s(&spec)]).trim(), "analyses stored: tb");
    let list = sift_ok(&["analysis", "list", review]);
    assert!(
        list.contains("tb")
            && list.contains("outcomes")
            && list.contains("DL")
            && list.contains("Tuberculosis"),
        "{list}"
    );
    let forest = dir.path().join("tb.png");
    let out = sift_ok(&["analysis", "show", review, "tb", "--forest", s(&forest)]);
    assert!(
        out.contains("form outcomes: 4 of 4 studies pooled; Risk ratio; Random effects (DerSimonian-Laird)"),
        "{out}"
    );
    assert!(out.contains("Aronson 1948") && out.contains("Hart 1951"), "{out}");
    assert!(std::fs::read(&forest).unwrap().starts_with(b"\x89PNG"));
    assert!(out.contains("Trim and fill (L0, Duval & Tweedie): "), "stored with the analysis: {out}");
    // The same numbers as the file-based command gives on the same table.
    let csv = dir.path().join("tb.csv");
    std::fs::write(
        &csv,
        "study,events1,events2,total1,total2\nAronson 1948,4,11,123,139\nFerguson 1949,6,29,306,303\nHart 1951,62,248,13598,12867\nRosenthal 1950,3,11,231,220\n",
    )
    .unwrap();
    let direct = sift_ok(&["meta", s(&csv), "--measure", "RR", "--method", "DL"]);
    let pooled = |text: &str| {
        text.lines().find(|l| l.starts_with("Random effects")).unwrap().split_once(':').unwrap().1.to_string()
    };
    assert_eq!(pooled(&out), pooled(&direct));

    let report = dir.path().join("report");
    sift_ok(&["report", review, "--out", s(&report)]);
    for file in [
        "tb.txt",
        "tb.json",
        "tb-forest.svg",
        "tb-forest.png",
        "tb-forest.pdf",
        "tb-funnel.svg",
        "tb-funnel.png",
        "tb-trimfill.svg",
        "tb-trimfill.png",
    ] {
        assert!(report.join("analyses").join(file).is_file(), "{file}");
    }
    sift_ok(&["analysis", "remove", review, "tb"]);
    let (code, _, err) = sift(&["analysis", "show", review, "tb"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("analysis \"tb\" not found; the review has no analyses"), "{err}");
}

/// A cumulative meta-analysis by publication year, as metafor's `cumul(res, order=year)` gives
/// it for the BCG trials (metafor's tests/testthat/test_misc_cumul.r): the random-effects
/// model, Mantel-Haenszel and Peto; studies of the same year keep the order they are listed in.
#[test]
fn cumulative_by_year_matches_metafor() {
    let dir = tempfile::tempdir().unwrap();
    let Some(data) = bcg(dir.path()) else { return };
    let cases: [(&[&str], [f64; 13]); 3] = [
        (
            &["--measure", "RR"],
            [
                -0.889311, -1.325003, -0.97208, -1.001094, -1.101424, -0.973464, -0.901251, -0.788566,
                -0.865607, -0.785211, -0.708206, -0.794768, -0.714532,
            ],
        ),
        (
            &["--measure", "RR", "--pooling", "mh"],
            [
                -0.889311, -1.351739, -0.827295, -0.837892, -0.894003, -0.850672, -0.835785, -0.774442,
                -0.789605, -0.666015, -0.635076, -0.775798, -0.45371,
            ],
        ),
        (
            &["--measure", "OR", "--pooling", "peto"],
            [
                -0.860383, -1.240086, -0.957016, -0.964222, -1.000315, -0.940979, -0.924632, -0.850145,
                -0.871198, -0.726791, -0.691247, -0.816134, -0.474446,
            ],
        ),
    ];
    for (options, metafor) in cases {
        let mut args = vec!["meta", s(&data), "--cumulative-by", "year", "--json"];
        args.extend_from_slice(options);
        let out: serde_json::Value = serde_json::from_str(&sift_ok(&args)).unwrap();
        let rows = out["cumulative"].as_array().unwrap();
        assert_eq!(rows.len(), 13, "{options:?}");
        for (i, (row, want)) in rows.iter().zip(metafor).enumerate() {
            let got = row["estimate"].as_f64().unwrap();
            // metafor stops REML's Fisher scoring at a change below 1e-5; Sift solves to 1e-10.
            assert!((got - want).abs() < 2e-5, "{options:?} row {}: {got} vs metafor {want}", i + 1);
            assert_eq!(row["k"], i + 1);
        }
        assert_eq!(rows[0]["added"], "Aronson 1948");
        assert_eq!(rows[12]["added"], "TPT Madras 1980");
    }
    // The text and the plot; a cumulative plot of an analysis that is not cumulative is refused.
    let plot = dir.path().join("cumulative.svg");
    let out = sift_ok(&[
        "meta",
        s(&data),
        "--measure",
        "RR",
        "--cumulative-by",
        "year",
        "--cumulative-plot",
        s(&plot),
    ]);
    assert!(out.contains("Cumulative meta-analysis (Random effects (REML), by year):"), "{out}");
    assert!(out.contains("+ Ferguson & Simes 1949"), "{out}");
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(
        svg.contains("+ TPT Madras 1980") && svg.contains("0.49 [0.34, 0.70]"),
        "the last row is the whole model"
    );
    let listed = sift_ok(&["meta", s(&data), "--measure", "RR", "--cumulative"]);
    assert!(listed.contains("Cumulative meta-analysis (Random effects (REML)):"), "{listed}");
    let (code, _, err) = sift(&["meta", s(&data), "--measure", "RR", "--cumulative-by", "latitude"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no `latitude` column for the cumulative analysis's order"), "{err}");
}

#[test]
fn trim_and_fill_matches_metafor() {
    let dir = tempfile::tempdir().unwrap();
    let Some(data) = bcg(dir.path()) else { return };
    // metafor: trimfill(rma(yi, vi)) on the log risk ratios finds 1 study missing on the right
    // (SE 2.4528) and pools the 14 at -0.6571 [-1.0070, -0.3072], tau² 0.3313, I² 92.14 %.
    let plot = dir.path().join("trimfill.svg");
    let out =
        sift_ok(&["meta", s(&data), "--measure", "RR", "--trim-and-fill", "--trim-and-fill-plot", s(&plot)]);
    assert!(
        out.contains(
            "Trim and fill (L0, Duval & Tweedie): 1 study missing on the right (SE 2.45)\n  With it filled in (14 studies): RR 0.52 [0.37, 0.74], p < 0.001"
        ),
        "{out}"
    );
    assert!(out.contains("τ² = 0.3313"), "the filled-in model's heterogeneity: {out}");
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert_eq!(svg.matches("class=\"filled\"").count(), 1, "one open circle");
    assert_eq!(svg.matches("class=\"point\"").count(), 13);
    assert!(svg.contains("Filled 1 (mirrors"), "its tooltip names the study it mirrors");
    let json: serde_json::Value = serde_json::from_str(&sift_ok(&[
        "meta",
        s(&data),
        "--measure",
        "RR",
        "--trim-and-fill",
        "R0",
        "--json",
    ]))
    .unwrap();
    let tf = &json["trim_and_fill"];
    assert_eq!((tf["estimator"].as_str(), tf["side"].as_str()), (Some("R0"), Some("right")), "{tf}");
    assert!(tf["filled"].is_array() && tf["fit"]["coefficients"][0]["estimate"].is_number(), "{tf}");
    let plain: serde_json::Value =
        serde_json::from_str(&sift_ok(&["meta", s(&data), "--measure", "RR", "--json"])).unwrap();
    assert!(plain.get("trim_and_fill").is_none(), "absent when not asked for");
    // What trim and fill cannot do is refused before anything is computed.
    for (extra, message) in [
        (&["--trim-and-fill", "L1"][..], "unknown trim-and-fill estimator \"L1\""),
        (
            &["--trim-and-fill", "L0", "--pooling", "mh"][..],
            "trim and fill refits the inverse-variance model",
        ),
        (
            &["--trim-and-fill", "L0", "--moderator", "ablat"][..],
            "trim and fill works on a model without moderators",
        ),
    ] {
        let mut args = vec!["meta", s(&data), "--measure", "RR"];
        args.extend_from_slice(extra);
        let (code, _, err) = sift(&args);
        assert_eq!(code, 2, "{extra:?}: {err}");
        assert!(err.contains(message), "{extra:?}: {err}");
    }
}

#[test]
fn influence_diagnostics_match_metafor() {
    let dir = tempfile::tempdir().unwrap();
    let Some(data) = bcg(dir.path()) else { return };
    // metafor: influence(rma(yi, vi)) on the log risk ratios, study 4 (Hart & Sutherland 1977):
    // rstudent -1.4512, dffits -0.5201, cook.d 0.2295, cov.r 0.9651, tau2.del 0.2628,
    // QE.del 96.5626, hat 0.0970, weight 9.6987, dfbs -0.5138; no study influential.
    let out = sift_ok(&["meta", s(&data), "--measure", "RR", "--influence"]);
    assert!(
        out.contains(
            "Influence diagnostics (Random effects (REML); * influential by one of metafor's cut-offs):"
        ),
        "{out}"
    );
    let table = &out[out.find("Influence diagnostics").unwrap()..];
    let hart = table.lines().find(|l| l.contains("Hart & Sutherland 1977")).unwrap();
    let numbers: Vec<&str> = hart.split_whitespace().skip(4).collect();
    assert_eq!(
        numbers,
        ["-1.45", "-0.52", "0.23", "0.97", "0.2628", "96.56", "0.10", "9.7%", "-0.51"],
        "{hart}"
    );
    assert!(!out.lines().any(|l| l.starts_with("  * ")), "metafor marks none: {out}");
    let json: serde_json::Value =
        serde_json::from_str(&sift_ok(&["meta", s(&data), "--measure", "RR", "--influence", "--json"]))
            .unwrap();
    let rows = json["influence"].as_array().unwrap();
    assert_eq!(rows.len(), 13);
    assert_eq!(rows[3]["study"], "Hart & Sutherland 1977");
    assert!((rows[3]["cook_d"].as_f64().unwrap() - 0.2295).abs() < 1e-4, "{}", rows[3]);
    let (code, _, err) = sift(&["meta", s(&data), "--measure", "RR", "--influence", "--pooling", "mh"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("influence diagnostics refit the inverse-variance model"), "{err}");
}

/// Studies that report medians with quartiles and/or ranges instead of means and SDs: the
/// mean (Luo et al. 2018) and SD (Wan et al. 2014; Shi et al. 2020) estimated, a skewed
/// summary left out with the reason, and a group with neither named.
#[test]
fn means_and_sds_estimated_from_medians() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("pain.csv");
    std::fs::write(
        &data,
        "study,mean1,sd1,n1,median1,lq1,uq1,min1,max1,mean2,sd2,n2,median2,lq2,uq2,min2,max2\n\
         Means 2001,12.1,4.2,40,,,,,,14.0,4.5,42,,,,,\n\
         Quartiles 2005,,,55,11.0,8.5,13.6,,,,,57,13.5,11.0,16.2,,\n\
         Skewed 2012,,,60,4,3,9,,,,,60,6,4,12,,\n",
    )
    .unwrap();
    let out = sift_ok(&["meta", s(&data), "--measure", "MD"]);
    assert!(out.contains("2 of 3 studies pooled"), "{out}");
    assert!(
        out.contains(
            "Skewed 2012     not estimable: group 1: the median and IQR suggest a skewed distribution"
        ),
        "{out}"
    );
    assert!(
        out.contains("Means and SDs estimated from medians (mean: Luo et al. 2018; SD: Wan et al. 2014, Shi et al. 2020; normal data assumed): Quartiles 2005 (group 1 from median and IQR; group 2 from median and IQR)"),
        "{out}"
    );
    // Group 1: mean (0.7 + 0.39/55) * 11.05 + (0.3 - 0.39/55) * 11 = 11.03545; SD 5.1 / eta(55);
    // group 2 likewise: the difference -2.56.
    let json: serde_json::Value =
        serde_json::from_str(&sift_ok(&["meta", s(&data), "--measure", "MD", "--json"])).unwrap();
    let quartiles = &json["studies"][1];
    assert_eq!(
        quartiles["estimated"],
        serde_json::json!(["group 1 from median and IQR", "group 2 from median and IQR"])
    );
    let (w1, w2) = (0.7 + 0.39 / 55.0, 0.7 + 0.39 / 57.0);
    let md = (w1 * 11.05 + (1.0 - w1) * 11.0) - (w2 * 13.6 + (1.0 - w2) * 13.5);
    assert!((quartiles["effect"]["yi"].as_f64().unwrap() - md).abs() < 1e-12, "{quartiles}");
    assert!(json["studies"][0].get("estimated").is_none(), "means as reported");
    // A group with neither a mean and SD nor a median says what is missing.
    std::fs::write(&data, "study,mean1,sd1,n1,median1,lq1,uq1,mean2,sd2,n2\nA,,,20,,,,3,1,20\n").unwrap();
    let (code, _, err) = sift(&["meta", s(&data), "--measure", "MD"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("pain.csv:2") && err.contains("column `mean1` is empty"), "{err}");
    std::fs::write(&data, "study,median1,lq1,n1,mean2,sd2,n2\nA,3,2,20,3,1,20\n").unwrap();
    let (code, _, err) = sift(&["meta", s(&data), "--measure", "MD"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no `mean1` column"), "a median without quartiles or range is not enough: {err}");
}
