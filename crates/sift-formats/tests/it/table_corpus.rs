//! Reads every CSV/TSV export in the shared corpus (`../shared/data`) with the table reader
//! and checks it against the `csv` crate's own row count plus a few known values per file.
//!
//! The corpus is not part of the repository (some of it is GPL); when it is absent the test
//! says so on stderr and passes.

use std::path::{Path, PathBuf};

use sift_formats::{Encoding, Format, ReadOptions, Severity, read_bytes};

/// Folders whose `.csv`, `.tsv` and `.tab` files are all read, and single files.
const FOLDERS: &[&str] =
    &["formats/asreview", "formats/asreview-datatools", "formats/citesource/vignette_exports"];
const FILES: &[&str] = &[
    "formats/asysd/zotero_export.csv",
    "formats/asysd/test_export.csv",
    "dedup/cytology_screening/records_pre_merged.csv",
    "dedup/digital_work/records_pre_merged.csv",
    "dedup/haematology/records_pre_merged.csv",
    "dedup/special_cases/records_pre_merged.csv",
    "dedup/diabetes/records_latin1.csv",
    "screening/nagtegaal_2019.csv",
    "screening/kitchenham_2010.csv",
];

/// Files not separated by commas, by name.
fn delimiter_of(path: &Path) -> u8 {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    match name {
        "duplicate_records.csv" | "generic_semicolon.csv" => b';',
        "generic_tab.csv" | "generic_tab.tsv" | "generic_tab.tab" => b'\t',
        _ => b',',
    }
}

/// Rows with at least one non-blank field, counted by the `csv` crate alone.
fn csv_crate_rows(bytes: &[u8], delimiter: u8) -> usize {
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(bytes);
    reader
        .byte_records()
        .map(|r| r.expect("csv crate reads the file"))
        .filter(|r| r.iter().any(|f| f.iter().any(|b| !b.is_ascii_whitespace())))
        .count()
}

fn corpus_files() -> Option<Vec<PathBuf>> {
    let root = crate::shared_data();
    let root = root.as_path();
    if !root.is_dir() {
        eprintln!("NOTICE: table corpus not found at {}; table_corpus checks were skipped", root.display());
        return None;
    }
    let mut files = Vec::new();
    for folder in FOLDERS {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            eprintln!("NOTICE: {}/{folder} is missing; skipped", root.display());
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("csv" | "tsv" | "tab")))
            .collect();
        found.sort();
        files.extend(found);
    }
    for file in FILES {
        let path = root.join(file);
        if path.is_file() {
            files.push(path);
        } else {
            eprintln!("NOTICE: {} is missing; skipped", path.display());
        }
    }
    Some(files)
}

fn read_csv(path: &Path) -> sift_formats::Parsed {
    let bytes = std::fs::read(path).unwrap();
    let options =
        ReadOptions { file_name: path.display().to_string(), format: Some(Format::Csv), encoding: None };
    read_bytes(&bytes, &options).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_corpus_table_reads_with_the_csv_crates_row_count() {
    let Some(files) = corpus_files() else { return };
    assert!(files.len() >= 30, "expected the whole corpus, found {} files", files.len());
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let expected = csv_crate_rows(&bytes, delimiter_of(path));
        let parsed = read_csv(path);
        assert_eq!(parsed.records.len(), expected, "{}", path.display());
        assert!(
            parsed.summary.diagnostics.iter().all(|d| d.severity != Severity::Error),
            "{}: {:?}",
            path.display(),
            parsed.summary.diagnostics
        );
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let line_starts: Vec<usize> =
            std::iter::once(0).chain(text.match_indices('\n').map(|(at, _)| at + 1)).collect();
        for (i, record) in parsed.records.iter().enumerate() {
            assert_eq!(record.index as usize, i);
            assert!(
                !record.raw.is_empty() && !record.raw.ends_with('\n'),
                "{}:{}",
                path.display(),
                record.line
            );
            assert!(record.line >= 2, "{}: record {i} at line {}", path.display(), record.line);
            if parsed.summary.encoding == Encoding::Utf8 {
                // The raw text is the file's own text from the start of the record's line.
                let start = line_starts[record.line as usize - 1];
                assert!(
                    text[start..].starts_with(&record.raw),
                    "{}: raw text of line {} is not the file's text there",
                    path.display(),
                    record.line
                );
            }
        }
        let diagnostics: Vec<String> = parsed.summary.diagnostics.iter().map(ToString::to_string).collect();
        eprintln!("{}: {} records; {diagnostics:?}", path.display(), parsed.records.len());
    }
}

fn corpus_file(relative: &str) -> Option<sift_formats::Parsed> {
    let path = crate::shared_data().join(relative);
    if !path.is_file() {
        eprintln!("NOTICE: {} not found; check skipped", path.display());
        return None;
    }
    Some(read_csv(&path))
}

fn extra<'a>(record: &'a sift_formats::ParsedRecord, name: &str) -> Option<&'a str> {
    record.extra.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

#[test]
fn asreview_lists_labels_and_ids() {
    let Some(parsed) = corpus_file("formats/asreview/generic_labels.csv") else { return };
    let record = &parsed.records[0];
    assert_eq!(record.reference.author_strings(), vec!["Marx, Karl", "Lindgren, Astrid"]);
    assert_eq!(record.reference.keywords, vec!["Pippi", "Nordwind", "Piraten"]);
    assert_eq!(record.reference.year, Some(2014));
    assert_eq!(record.source_id.as_deref(), Some("12345"));
    assert_eq!(extra(record, "label_included"), Some("1"));

    let Some(parsed) = corpus_file("formats/asreview/generic_semicolon.csv") else { return };
    assert_eq!(parsed.records[0].reference.title.as_deref(), Some("Title of reference"));
    assert_eq!(parsed.records[0].reference.issn.as_deref(), Some("1932-6208"));
}

#[test]
fn embase_source_cells_are_split() {
    let Some(parsed) = corpus_file("formats/asreview/embase.csv") else { return };
    let r = &parsed.records[0].reference;
    assert_eq!(r.journal.as_deref(), Some("Endoscopic Ultrasound"));
    assert_eq!(r.year, Some(2014));
    assert_eq!(r.pages.as_deref(), Some("152-160"));
    assert_eq!(r.author_strings(), vec!["Liu, R.", "Adler, D.G."]);
}

#[test]
fn zotero_export_keeps_pmids_and_tags() {
    let Some(parsed) = corpus_file("formats/asysd/zotero_export.csv") else { return };
    let first = &parsed.records[0];
    assert_eq!(first.reference.pmid.as_deref(), Some("35319117"));
    assert_eq!(first.reference.pmcid.as_deref(), Some("PMC9151451"));
    assert_eq!(first.reference.author_strings()[0], "Rotter, Carina");
    assert!(first.reference.keywords.contains(&"*Myoclonus/veterinary".to_string()));
    let with_pmid = parsed.records.iter().filter(|r| r.reference.pmid.is_some()).count();
    assert!(with_pmid * 2 > parsed.records.len(), "{with_pmid} of {}", parsed.records.len());
}

#[test]
fn screening_labels_survive_as_extra_columns() {
    let Some(parsed) = corpus_file("screening/nagtegaal_2019.csv") else { return };
    assert!(parsed.records.iter().all(|r| extra(r, "label_included").is_some()));
    assert!(parsed.records.iter().all(|r| r.source_id.is_some()));
    assert_eq!(parsed.records[0].source_id.as_deref(), Some("1"));
}

#[test]
fn latin1_dedup_file_is_decoded() {
    let Some(parsed) = corpus_file("dedup/diabetes/records_latin1.csv") else { return };
    assert_eq!(parsed.summary.encoding, Encoding::Windows1252);
    let abstracts: Vec<&str> =
        parsed.records.iter().filter_map(|r| r.reference.abstract_text.as_deref()).collect();
    assert!(abstracts.iter().any(|a| a.contains("\u{a9} 2008")), "no © decoded");
    assert!(abstracts.iter().all(|a| !a.contains('\u{fffd}')));
    // `source` says unique/duplicate here; the `journal` column is the journal.
    let first = &parsed.records[0];
    assert_eq!(first.reference.journal.as_deref(), Some("Curr Opin Lipidol"));
    assert_eq!(extra(first, "source"), Some("unique"));
    assert!(first.source_id.is_some());
}

#[test]
fn colrev_and_citesource_exports() {
    let Some(parsed) = corpus_file("dedup/special_cases/records_pre_merged.csv") else { return };
    let first = &parsed.records[0];
    assert_eq!(first.source_id.as_deref(), Some("id_0000001"));
    assert_eq!(first.reference.work_type, sift_domain::WorkType::ConferencePaper);
    assert_eq!(first.reference.authors.len(), 2);
    let Some(parsed) = corpus_file("formats/citesource/vignette_exports/citesource_benchmark_export.csv")
    else {
        return;
    };
    let first = &parsed.records[0];
    assert_eq!(first.reference.authors.len(), 4);
    assert!(extra(first, "cite_source").is_some());
}
