//! Reads every BibTeX file of the shared format corpus and checks the reader against it.
//!
//! The corpus holds the test files of bibtexparser, the Rust biblatex crate and citation-js
//! (deliberately odd and broken files among them) and real exports (Zotero via ASySD, Scopus
//! via synthesisr). Some of it is GPL, so it is read where it lies and never copied into this
//! repository; when the folder is absent the test says so and passes. Set
//! `SIFT_FORMATS_CORPUS` to read it from elsewhere.
//!
//! For every file: no panic, and as many records as an independent count of the lines that
//! open an entry (`@type{` or `@type(`, `@string`/`@comment`/`@preamble` left out). The files
//! where the two legitimately differ are listed in [`KNOWN_DIFFERENCES`] with the reason.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use sift_formats::{Format, ParsedRecord, ReadOptions, read_bytes};

/// Folders walked for `.bib` files, and single files read besides.
const FOLDERS: &[&str] = &["bibtexparser", "biblatex", "citation-js"];
const FILES: &[&str] = &["asysd/zotero_export.bib", "synthesisr/Scopus_bib_example.bib"];

/// Files whose record count differs from the line count, with the count expected and why.
const KNOWN_DIFFERENCES: &[(&str, usize, &str)] = &[
    (
        "biblatex/valid/cross.bib",
        7,
        "three @xdata entries only hold fields for other entries; they are inherited, not imported",
    ),
    (
        "bibtexparser/biber-examples.bib",
        115,
        "three @set entries group other entries; they are not works and are not imported",
    ),
];

fn corpus() -> Option<PathBuf> {
    let root = std::env::var("SIFT_FORMATS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|_| crate::shared_data().join("formats"));
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!("NOTICE: BibTeX corpus not found at {}; bibtex_corpus tests skipped", root.display());
        None
    }
}

fn bib_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders: Vec<PathBuf> = FOLDERS.iter().map(|f| root.join(f)).collect();
    while let Some(folder) = folders.pop() {
        let Ok(read_dir) = std::fs::read_dir(&folder) else {
            eprintln!("NOTICE: corpus folder {} is missing", folder.display());
            continue;
        };
        for dir_entry in read_dir.flatten() {
            let path = dir_entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "bib") {
                files.push(path);
            }
        }
    }
    files.extend(FILES.iter().map(|f| root.join(f)).filter(|p| p.is_file()));
    files.sort();
    files
}

/// Counts lines that open an entry, without the reader's parser: `@`, a type name, and `{` or
/// `(`, after optional blanks.
fn count_entry_lines(text: &str) -> usize {
    text.lines()
        .filter(|line| {
            let Some(rest) = line.trim_start_matches([' ', '\t', '\u{feff}']).strip_prefix('@') else {
                return false;
            };
            let rest = rest.trim_start();
            let kind: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
            let after = rest[kind.len()..].trim_start();
            !kind.is_empty()
                && (after.starts_with('{') || after.starts_with('('))
                && !matches!(kind.to_ascii_lowercase().as_str(), "string" | "comment" | "preamble")
        })
        .count()
}

fn read_file(path: &Path) -> Result<Vec<ParsedRecord>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let options =
        ReadOptions { file_name: path.display().to_string(), format: Some(Format::Bibtex), encoding: None };
    read_bytes(&bytes, &options).map(|parsed| parsed.records).map_err(|e| e.to_string())
}

#[test]
fn every_corpus_file_reads_without_panic_and_with_the_expected_count() {
    let Some(root) = corpus() else { return };
    let files = bib_files(&root);
    assert!(files.len() > 50, "expected the whole corpus, found {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let relative = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let n_lines = count_entry_lines(&text);
        let n_records = match catch_unwind(AssertUnwindSafe(|| read_file(path))) {
            Err(_) => {
                failures.push(format!("{relative}: PANIC"));
                continue;
            }
            // An empty file, or one with comments only, is an error with no records.
            Ok(Err(error)) => {
                eprintln!("{relative}: {error}");
                0
            }
            Ok(Ok(records)) => records.len(),
        };
        let expected = KNOWN_DIFFERENCES
            .iter()
            .find(|(file, _, _)| relative == *file)
            .map(|(_, n, _)| *n)
            .unwrap_or(n_lines);
        eprintln!("{relative}: {n_records} records, {n_lines} entry lines");
        if n_records != expected {
            failures.push(format!(
                "{relative}: {n_records} records, expected {expected} ({n_lines} entry lines)"
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn every_zotero_record_has_a_title() {
    let Some(root) = corpus() else { return };
    let records = read_file(&root.join("asysd/zotero_export.bib")).unwrap();
    assert_eq!(records.len(), 1000);
    let untitled: Vec<&str> = records
        .iter()
        .filter(|r| r.reference.title.is_none())
        .filter_map(|r| r.source_id.as_deref())
        .collect();
    assert!(untitled.is_empty(), "{untitled:?}");
    assert!(records.iter().all(|r| !r.reference.authors.is_empty() || r.reference.doi.is_some()));
}

/// citation-js maps the same BibTeX entries to CSL-JSON; titles and family names must agree.
#[test]
fn citation_js_mapping_agrees_on_titles_and_family_names() {
    let Some(root) = corpus() else { return };
    let mapping = root.join("citation-js/mapping");
    let records = read_file(&mapping.join("bibtex-input.bib")).unwrap();
    let csl: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(mapping.join("bibtex-csl.json")).unwrap()).unwrap();
    let items = csl.as_array().unwrap();
    assert_eq!(records.len(), items.len());
    for item in items {
        let id = item["id"].as_str().unwrap();
        let record = records.iter().find(|r| r.source_id.as_deref() == Some(id)).unwrap();
        assert_eq!(record.reference.title.as_deref(), item["title"].as_str(), "title of {id}");
        let families: Vec<&str> = item["author"]
            .as_array()
            .map(|authors| authors.iter().filter_map(|a| a["family"].as_str()).collect())
            .unwrap_or_default();
        let ours: Vec<&str> = record.reference.authors.iter().map(|a| a.family.as_str()).collect();
        assert_eq!(ours, families, "authors of {id}");
    }
}
