//! `sift example neuropathic-pain`: the published scoping review rebuilt. Every cell of the
//! generated Tables 1-4 must equal the paper's (`examples/neuropathic-pain/published/`, and the
//! paper's text in `../shared/seed/` when present), and the report holds the flow diagrams.

use std::path::{Path, PathBuf};

use crate::{s, sift, sift_ok};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/neuropathic-pain")
}

/// A published table: title, header and rows of cells.
struct Published {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn read_published(text: &str) -> Published {
    let mut lines = text.lines();
    let title = lines.next().unwrap().to_string();
    let mut rows: Vec<Vec<String>> =
        lines.filter(|l| !l.trim().is_empty()).map(|l| l.split('\t').map(String::from).collect()).collect();
    let header = rows.remove(0);
    Published { title, header, rows }
}

/// Text as the paper's PDF-to-text conversion leaves it comparable: line breaks inside a cell
/// became spaces, the superscript `^` mark became `[^]` set off by a space, italics `*...*`.
fn normalise(cell: &str) -> String {
    let flat = cell.split_whitespace().collect::<Vec<_>>().join(" ");
    flat.replace("[^]", "^").replace(" ^", "^").replace(" *", "*")
}

fn without_italics(title: &str) -> String {
    title.replace("*symptoms*", "symptoms")
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
}

#[test]
fn the_seed_review_is_rebuilt_cell_for_cell() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("np");
    let stdout = sift_ok(&["example", "neuropathic-pain", s(&out)]);
    assert!(
        stdout.contains("7 streams, 7 searches (1561 hits reported), 24 included records, 22 charted"),
        "{stdout}"
    );
    let report = out.join("report");

    for n in 1..=4 {
        let name = format!("table-{n}");
        let published = read_published(
            &std::fs::read_to_string(example_dir().join(format!("published/{name}.tsv"))).unwrap(),
        );
        let generated = read_csv(&report.join(format!("tables/{name}.csv")));
        assert_eq!(generated[0], published.header, "{name}: header");
        assert_eq!(generated.len() - 1, published.rows.len(), "{name}: rows");
        for (i, (ours, theirs)) in generated[1..].iter().zip(&published.rows).enumerate() {
            assert_eq!(ours.len(), theirs.len(), "{name} row {}: columns", i + 1);
            for (j, (a, b)) in ours.iter().zip(theirs).enumerate() {
                assert_eq!(
                    normalise(a),
                    normalise(b),
                    "{name} row {} column {} ({})",
                    i + 1,
                    j + 1,
                    published.header[j]
                );
            }
        }
        let markdown = std::fs::read_to_string(report.join(format!("tables/{name}.md"))).unwrap();
        assert!(markdown.starts_with(&format!("**{}**", without_italics(&published.title))), "{name}: title");
    }

    // Every stream has its diagram, drawn from the typed-in counts the paper reports.
    for stream in [
        "pharmacological-reviews",
        "pharmacological-original",
        "psychological-reviews",
        "psychological-original",
        "exercise-reviews",
        "exercise-original",
        "exercise-symptoms-reviews",
    ] {
        for ext in ["svg", "png", "pdf", "json"] {
            assert!(report.join(format!("flow/{stream}.{ext}")).exists(), "flow/{stream}.{ext}");
        }
    }
    let review: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("flow/review.json")).unwrap()).unwrap();
    assert_eq!(review["counts"]["studies_included"], 24, "the whole review: 2 + 11 + 0 + 2 + 0 + 3 + 6");
    // The symptoms stream reports records screened, not identified: the total is unknown.
    let not_reported = review["not_reported"].as_array().unwrap();
    assert!(not_reported.iter().any(|c| c == "records_from_databases"), "{review}");
    let pharma = std::fs::read_to_string(report.join("flow/pharmacological-original.json")).unwrap();
    let pharma: serde_json::Value = serde_json::from_str(&pharma).unwrap();
    assert_eq!(pharma["source"], "typed in");
    assert_eq!(pharma["counts"]["records_from_databases"], 200);
    assert_eq!(pharma["counts"]["studies_included"], 11);
    assert!(pharma["not_reported"].as_array().unwrap().iter().any(|c| c == "records_screened"), "{pharma}");
    let svg = std::fs::read_to_string(report.join("flow/pharmacological-original.svg")).unwrap();
    assert!(
        svg.contains("(n = 200)") && svg.contains("(n = 11)") && svg.contains("NR"),
        "the diagram shows the paper's counts"
    );

    // The searches are in the appendix with their reported hits; the included records export.
    let appendix = std::fs::read_to_string(report.join("searches/appendix.md")).unwrap();
    for hits in ["405", "200", "271", "60", "281", "344"] {
        assert!(appendix.contains(hits), "appendix lacks {hits} hits");
    }
    let included = std::fs::read_to_string(report.join("included/pharmacological-original.ris")).unwrap();
    assert_eq!(included.matches("ER  -").count(), 11);
    assert!(report.join("index.html").exists());

    // A second run into the same folder refuses, unless asked to replace.
    let (code, _, err) = sift(&["example", "neuropathic-pain", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");
    sift_ok(&["example", "neuropathic-pain", s(&out), "--force"]);
}

/// The bundled copies of the paper's tables are the paper's: compared with the seed text when
/// it is present.
#[test]
fn the_bundled_tables_are_the_papers() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seed/000_1a04052ecd250115.txt");
    let Ok(paper) = std::fs::read_to_string(&seed) else {
        println!("NOTICE: {} is absent; the bundled tables are not compared with the paper", seed.display());
        return;
    };
    for n in 1..=4 {
        let bundled =
            std::fs::read_to_string(example_dir().join(format!("published/table-{n}.tsv"))).unwrap();
        let title = bundled.lines().next().unwrap();
        let start = paper.find(title).unwrap_or_else(|| panic!("the paper has no {title:?}"));
        let body: Vec<&str> = paper[start..]
            .lines()
            .skip(1)
            .skip_while(|l| l.trim().is_empty())
            .take_while(|l| !l.trim().is_empty())
            .collect();
        let ours: Vec<&str> = bundled.lines().skip(1).collect();
        assert_eq!(ours, body, "table {n} differs from the paper");
    }
}

#[test]
fn unknown_examples_are_refused() {
    let (code, _, err) = sift(&["example", "diabetes"]);
    assert_eq!(code, 2);
    assert!(err.contains("the examples are: neuropathic-pain"), "{err}");
}

/// The README's main job: every path the tour ends with exists, and a second run refuses to
/// overwrite without `--force`.
#[test]
fn the_tour_ends_with_paths_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tour");
    let stdout = sift_ok(&["tour", s(&out)]);
    let listed: Vec<&str> = stdout
        .split("The tour wrote:")
        .nth(1)
        .expect("the tour ends with the paths it wrote")
        .lines()
        .filter_map(|l| l.trim().split("  (").next())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(listed.len() >= 10, "{stdout}");
    for path in &listed {
        assert!(Path::new(path).exists(), "the tour lists {path}, which does not exist:\n{stdout}");
    }
    assert!(listed.iter().any(|p| p.ends_with("table-1.md")), "{stdout}");
    assert!(stdout.contains("24 included records"), "{stdout}");
    assert!(
        stdout.contains("kitchenham_2010.csv: 1704 records, 45 relevant") && stdout.contains("WSS@95"),
        "{stdout}"
    );
    assert!(listed.iter().any(|p| p.ends_with("recall.svg")), "{stdout}");

    let (code, _, err) = sift(&["tour", s(&out)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");
    sift_ok(&["tour", s(&out), "--force"]);
}
