//! Every command on a review file, as a user would type it.

use crate::{s, sift, sift_ok, test_data};

#[test]
fn a_review_from_init_to_export() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("np.sift");
    let review = s(&review);

    let out =
        sift_ok(&["init", review, "--title", "Neuropathic pain in cancer survivors", "--type", "scoping"]);
    assert!(out.contains("created scoping review"), "{out}");
    let (code, _, err) = sift(&["init", review, "--title", "again"]);
    assert_eq!(code, 2, "creating over an existing review is the user's mistake");
    assert!(err.contains("already exists"), "{err}");
    let out = sift_ok(&["protocol", review, "--question", "What helps?", "--type", "rapid"]);
    assert!(out.contains("type:     rapid") && out.contains("question: What helps?"), "{out}");
    let out = sift_ok(&["protocol", review]);
    assert!(out.contains("title:    Neuropathic pain in cancer survivors"), "{out}");
    let (code, _, err) = sift(&["protocol", review, "--title", " "]);
    assert_eq!(code, 2);
    assert!(err.contains("needs a title"), "{err}");
    sift_ok(&["protocol", review, "--type", "scoping", "--question", ""]);
    assert!(sift_ok(&["log", review]).contains("review.updated"));
    let elsewhere = dir.path().join("no-such-folder/np.sift");
    let (code, _, err) = sift(&["init", s(&elsewhere), "--title", "T"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no-such-folder") && err.contains("does not exist"), "{err}");
    // A file that is not a review is named as such, at once, and left as it was.
    let notes = dir.path().join("notes.sift");
    std::fs::write(&notes, "").unwrap();
    let (code, _, err) = sift(&["stream", "list", s(&notes)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a Sift review file (the file is empty)"), "{err}");
    assert_eq!(std::fs::metadata(&notes).unwrap().len(), 0);
    // A folder or a missing file given as an export.
    for (path, why) in
        [(dir.path().to_path_buf(), "is a folder"), (dir.path().join("gone.ris"), "no such file")]
    {
        let (code, _, err) = sift(&["search", "add", review, "--source", "PubMed", s(&path)]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(why) && !err.contains("no such file: no such file"), "{err}");
    }

    sift_ok(&[
        "stream",
        "add",
        review,
        "pharma-reviews",
        "--description",
        "Pharmacological: systematic reviews",
    ]);
    let (code, _, err) = sift(&["stream", "add", review, "bad name"]);
    assert_eq!(code, 2);
    assert!(err.contains("NAME:"), "the field is named: {err}");
    let out = sift_ok(&["stream", "list", review]);
    assert!(out.contains("default (default)") && out.contains("pharma-reviews"), "{out}");

    // Bad input is refused with the field named, and nothing is written.
    let pubmed = test_data("asreview/pubmed_zotero.ris");
    let (code, _, err) =
        sift(&["search", "add", review, "--source", "PubMed", "--run-date", "2024-13-01", s(&pubmed)]);
    assert_eq!(code, 2);
    assert!(err.contains("--run-date:"), "{err}");
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "not an export\n").unwrap();
    let (code, _, err) = sift(&["search", "add", review, "--source", "PubMed", s(&pubmed), s(&notes)]);
    assert_eq!(code, 2);
    assert!(err.contains("notes.txt") && err.contains("could not tell the format"), "{err}");
    let empty = dir.path().join("empty.ris");
    std::fs::write(&empty, "").unwrap();
    let (code, _, err) = sift(&["search", "add", review, "--source", "PubMed", s(&empty)]);
    assert_eq!(code, 2);
    assert!(err.contains("empty.ris") && err.contains("empty"), "{err}");
    let out = sift_ok(&["search", "list", review]);
    assert!(out.contains("no searches yet"), "failed imports leave nothing behind: {out}");

    // A real search.
    let out = sift_ok(&[
        "search",
        "add",
        review,
        "--stream",
        "pharma-reviews",
        "--source",
        "PubMed",
        "--query",
        "neuropathic pain",
        "--run-date",
        "2024-03-15",
        "--limits",
        "2004-2026; English, Danish",
        "--hits",
        "8",
        s(&pubmed),
    ]);
    assert!(out.contains("6 records imported"), "{out}");
    assert!(out.contains("the database reported 8 hits; 6 records were imported"), "{out}");
    let psycinfo = test_data("asreview/ovid_psycinfo.ris");
    sift_ok(&["search", "add", review, "--source", "PsycInfo", "--platform", "Ovid", s(&psycinfo)]);
    let out = sift_ok(&["search", "list", review]);
    let row = out.lines().find(|l| l.contains("PubMed")).unwrap();
    assert!(row.contains("pharma-reviews") && row.contains("2024-03-15") && row.contains("-2"), "{out}");
    let out = sift_ok(&["search", "list", review, "-v"]);
    assert!(out.contains("limits: 2004-2026; English, Danish") && out.contains("sha256"), "{out}");

    // Records.
    let out = sift_ok(&["records", "list", review, "--stream", "pharma-reviews"]);
    assert!(out.contains("6 of 6 matching records"), "{out}");
    let out = sift_ok(&["records", "list", review, "--text", "crohn", "--limit", "2"]);
    assert!(out.lines().last().unwrap().starts_with("2 of "), "{out}");
    let out = sift_ok(&["records", "show", review, "1"]);
    assert!(
        out.contains("record 1 (search 1, pubmed_zotero.ris line 1") && out.contains("--- raw text ---"),
        "{out}"
    );
    assert!(out.contains("TY  - JOUR"), "{out}");
    let (code, _, err) = sift(&["records", "show", review, "999"]);
    assert_eq!(code, 2);
    assert!(err.contains("record \"999\" not found"), "{err}");
    let (code, _, err) = sift(&["records", "list", review, "--type", "poem"]);
    assert_eq!(code, 2);
    assert!(err.contains("--type: unknown type"), "{err}");
    let out = sift_ok(&["records", "list", review, "--stream", "pharma-reviews", "--author", "piotrowicz"]);
    assert!(out.contains("1 of 1 matching records") && out.contains("cognitive flexibility"), "{out}");
    // What became of a record: before deduplication there is no citation yet.
    let out = sift_ok(&["records", "find", review, "crohn"]);
    assert!(out.contains("not deduplicated yet") && out.contains("PubMed (pharma-reviews)"), "{out}");

    // Export and read back.
    let exported = dir.path().join("pharma.ris");
    sift_ok(&["export", review, "--stream", "pharma-reviews", "--to", "ris", "--out", s(&exported)]);
    let out = sift_ok(&["convert", s(&exported), "--to", "jsonl"]);
    assert_eq!(out.lines().count(), 6);

    let out = sift_ok(&["log", review]);
    assert!(
        out.contains("review.created") && out.contains("search.added") && out.contains("tester"),
        "{out}"
    );
}

#[test]
fn missing_review_files_are_named() {
    let (code, _, err) = sift(&["search", "list", "/nonexistent/nope.sift"]);
    assert_eq!(code, 2);
    assert!(err.contains("nope.sift") && err.contains("sift init"), "{err}");
}

#[test]
fn convert_reads_every_format_and_names_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let binary = dir.path().join("x.ris");
    std::fs::write(&binary, b"%PDF-1.4 \x00\x01").unwrap();
    let (code, out, err) =
        sift(&["convert", s(&test_data("asreview/embase.ris")), s(&binary), "--to", "jsonl"]);
    assert_eq!(code, 2, "a file that cannot be read fails the command");
    assert_eq!(out.lines().count(), 6, "the readable file is still converted");
    assert!(err.contains("x.ris") && err.contains("PDF"), "{err}");
}

#[test]
fn a_review_adds_and_lists_its_own_appraisal_tools() {
    let dir = tempfile::tempdir().unwrap();
    let review = dir.path().join("r.sift");
    sift_ok(&["init", s(&review), "--title", "Tools"]);
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "key = \"rob2\"\nname = \"Mine\"\njudgements = [\"Yes\"]\n[[domains]]\nkey = \"a\"\nlabel = \"A\"\n",
    )
    .unwrap();
    let (code, _, err) = sift(&["tool", "add", s(&review), s(&bad)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.toml") && err.contains("built-in"), "{err}");
    let good = dir.path().join("mine.toml");
    std::fs::write(&good, std::fs::read_to_string(&bad).unwrap().replace("rob2", "mine")).unwrap();
    let out = sift_ok(&["tool", "add", s(&review), s(&good)]);
    assert!(out.contains("\"mine\""), "{out}");
    let list = sift_ok(&["tool", "list", s(&review), "-v"]);
    assert!(list.contains("rob2") && list.contains("mine") && list.contains("Mine (mine)"), "{list}");
}
