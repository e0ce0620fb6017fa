//! Screening from the command line: a team of three screens, resolves and counts.

use crate::{s, sift, sift_ok, test_data};

#[test]
fn a_team_screens_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("np.sift");
    let r = s(&review);
    sift_ok(&["init", r, "--title", "Neuropathic pain", "--as", "lise"]);
    sift_ok(&[
        "search",
        "add",
        r,
        "--source",
        "Embase",
        s(&test_data("asreview/embase.ris")),
        "--as",
        "lise",
    ]);
    let out = sift_ok(&["screen", "next", r, "--as", "lise"]);
    assert!(out.contains("no citations to screen yet") && out.contains("sift dedup"), "{out}");
    let out = sift_ok(&["dedup", r, "--as", "lise"]);
    assert!(out.contains("-> 6 citations"), "{out}");
    sift_ok(&["member", "add", r, "ellen", "--as", "lise"]);
    sift_ok(&["member", "add", r, "agon", "--as", "lise"]);
    let (code, _, err) = sift(&["member", "add", r, "mallory", "--role", "owner", "--as", "ellen"]);
    assert_eq!(code, 2, "a reviewer may not add owners");
    assert!(err.contains("not allowed"), "{err}");
    sift_ok(&["criteria", "add", r, "wrong population", "--as", "lise"]);
    sift_ok(&["stage", "set", r, "--stage", "full-text", "--reviewers", "1", "--as", "lise"]);
    let out = sift_ok(&["stage", "list", r]);
    assert!(out.lines().any(|l| l.starts_with("full-text") && l.contains(" 1 ")), "{out}");

    let out = sift_ok(&["screen", "next", r, "--as", "ellen"]);
    assert!(out.starts_with("citation 1 (title-abstract; 0 done, 6 to go)"), "{out}");
    let out = sift_ok(&["vote", r, "1", "include", "--as", "ellen"]);
    assert!(out.contains("other votes are blinded"), "{out}");
    sift_ok(&["vote", r, "1", "exclude", "--as", "agon", "--reason", "wrong population"]);
    let out = sift_ok(&["screen", "show", r, "1", "--as", "ellen"]);
    assert!(out.contains("not resolved yet (votes blinded)") && !out.contains("agon"), "{out}");
    let (code, _, err) = sift(&["conflicts", r, "--as", "ellen"]);
    assert_eq!(code, 2);
    assert!(err.contains("may not resolve"), "{err}");
    let out = sift_ok(&["conflicts", r, "--as", "lise"]);
    assert!(out.contains("conflict") && out.contains("agon") && out.contains("wrong population"), "{out}");
    sift_ok(&["resolve", r, "1", "include", "--as", "lise"]);
    let out = sift_ok(&["progress", r, "--as", "ellen"]);
    assert!(out.contains("1 resolved (1 included, 0 excluded)") && out.contains("ellen"), "{out}");

    // One reviewer suffices at full text now; an exclusion there needs a reason.
    let (code, _, err) = sift(&["vote", r, "1", "exclude", "--stage", "full-text", "--as", "ellen"]);
    assert_eq!(code, 2);
    assert!(err.contains("--reason") && err.contains("wrong population"), "{err}");
    let out = sift_ok(&["vote", r, "1", "include", "--stage", "full-text", "--as", "ellen"]);
    assert!(out.contains("resolved: include (single-reviewer)"), "{out}");

    let out = sift_ok(&["agreement", r, "--as", "lise"]);
    assert!(out.contains("1 resolved citations") && out.contains("ellen & agon"), "{out}");

    // A mistyped invitation can be removed; a member who has voted stays (the votes are part
    // of the record), and so does the only owner.
    sift_ok(&["member", "add", r, "elen", "--as", "lise"]);
    let (code, _, err) = sift(&["member", "remove", r, "elen", "--as", "agon"]);
    assert_eq!(code, 2, "only owners manage the team: {err}");
    let out = sift_ok(&["member", "remove", r, "elen", "--as", "lise"]);
    assert!(out.contains("elen is no longer a member"), "{out}");
    let out = sift_ok(&["member", "list", r]);
    assert!(!out.lines().any(|l| l.starts_with("elen ")) && out.contains("ellen"), "{out}");
    let (code, _, err) = sift(&["member", "remove", r, "ellen", "--as", "lise"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("decision(s)") && err.contains("viewer"), "{err}");
    let (code, _, err) = sift(&["member", "remove", r, "lise", "--as", "lise"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("only owner"), "{err}");
    let (code, _, err) = sift(&["member", "remove", r, "nobody", "--as", "lise"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("nobody"), "{err}");
    let log = sift_ok(&["log", r]);
    assert!(log.contains("member.removed"), "{log}");

    let json = sift_ok(&["prisma", r, "--json"]);
    let p: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(p["records_screened"], 6);
    assert_eq!(p["databases"]["reports_sought"], 1);
    assert_eq!(p["reports_included"], 1);
    let out = sift_ok(&["prisma", r]);
    assert!(out.contains("records screened: 6") && out.contains("studies: 1"), "{out}");

    // Screening sets for people carry the decision, reason and method; XLSX needs a file.
    let csv = sift_ok(&[
        "export",
        r,
        "--to",
        "csv",
        "--decision",
        "include",
        "--stage",
        "full-text",
        "--as",
        "lise",
    ]);
    assert!(csv.starts_with("Citation,Authors,Year,Title") && csv.contains("single reviewer"), "{csv}");
    let (code, _, err) = sift(&["export", r, "--to", "xlsx"]);
    assert_eq!(code, 2);
    assert!(err.contains("--out"), "{err}");
    let xlsx = dir.path().join("records.xlsx");
    sift_ok(&["export", r, "--to", "xlsx", "--out", s(&xlsx)]);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "an XLSX is a zip");

    // Charting, a table spec, typed-in counts, and the report.
    let form = dir.path().join("form.toml");
    std::fs::write(
        &form,
        "name = \"c\"\n[[fields]]\nkey = \"design\"\nlabel = \"Design\"\ntype = \"text\"\n",
    )
    .unwrap();
    sift_ok(&["form", "add", r, s(&form), "--as", "lise"]);
    sift_ok(&["chart", "set", r, "c", "1", "--set", "design=RCT", "--complete", "--as", "ellen"]);
    sift_ok(&["chart", "settle", r, "c", "1", "--from", "ellen", "--as", "lise"]);
    let spec = dir.path().join("tables.toml");
    std::fs::write(
        &spec,
        "[[tables]]\nname = \"t1\"\nform = \"c\"\n[[tables.columns]]\nheader = \"Study\"\nvalue = \"author_year\"\n[[tables.columns]]\nheader = \"Design\"\nfield = \"desing\"\n",
    )
    .unwrap();
    let (code, _, err) = sift(&["table", "add", r, s(&spec), "--as", "lise"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("tables.toml") && err.contains("column 2 (Design)") && err.contains("\"desing\""),
        "{err}"
    );
    std::fs::write(&spec, std::fs::read_to_string(&spec).unwrap().replace("desing", "design")).unwrap();
    sift_ok(&["table", "add", r, s(&spec), "--as", "lise"]);
    let table = sift_ok(&["table", "show", r, "t1", "--as", "lise"]);
    assert!(table.contains("| Study | Design |") && table.contains("| RCT |"), "{table}");

    let png = dir.path().join("flow.png");
    sift_ok(&["flow", "draw", r, "--out", s(&png), "--as", "lise"]);
    assert!(std::fs::read(&png).unwrap().starts_with(b"\x89PNG"));
    let counts = dir.path().join("counts.toml");
    std::fs::write(&counts, "records_from_databases = 6\nrecords_screened = 7\nrecords_excluded = 5\nreports_sought = 1\nreports_assessed = 1\nstudies_included = 1\nreports_included = 1\n").unwrap();
    let (code, _, err) = sift(&["flow", "set", r, s(&counts), "--as", "lise"]);
    assert_eq!(code, 2, "screened cannot exceed identified: {err}");
    let svg = dir.path().join("manual.svg");
    let (code, _, _) = sift(&["flow", "draw", "--counts", s(&counts), "--out", s(&svg)]);
    assert_eq!(code, 2);

    let report = dir.path().join("report");
    let out = sift_ok(&["report", r, "--out", s(&report), "--as", "lise"]);
    assert!(out.contains("index.html"), "{out}");
    for file in [
        "flow/default.svg",
        "flow/default.pdf",
        "tables/t1.csv",
        "tables/tables.docx",
        "searches/appendix.md",
        "included/default.ris",
        "screening.md",
    ] {
        assert!(report.join(file).exists(), "{file}");
    }
    let appendix = std::fs::read_to_string(report.join("searches/appendix.md")).unwrap();
    assert!(appendix.contains("Embase"), "{appendix}");
}
