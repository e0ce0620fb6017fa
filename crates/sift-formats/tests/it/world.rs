//! Accuracy against the world: every file under `../shared/data/formats` (real exports and
//! other tools' fixtures) is read; its record count must match an independent count taken
//! straight from the text, and no record may lose a title, DOI or abstract that its raw text
//! has. Files that are not bibliographic exports must be refused with an error, not a panic.
//!
//! The folder holds GPL-licensed sets, so it is read in place, never copied; without it the
//! test prints a notice and passes.

use std::path::{Path, PathBuf};

use sift_formats::{Format, ParsedRecord, ReadOptions, read_bytes};

fn formats_dir() -> Option<PathBuf> {
    let dir = crate::shared_data().join("formats");
    dir.is_dir().then_some(dir)
}

/// Files that are not references at all (licences, vectors, JSON fixtures).
fn is_not_a_reference_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("license")
        || lower == "copying"
        || lower == "description"
        || lower.ends_with(".md")
        || lower.ends_with(".json")
        || lower.ends_with(".vec")
}

/// Files that must be refused, and why.
const REFUSED: &[(&str, &str)] = &[
    ("pubmed/pmids.txt", "a bare list of PubMed ids, not an export"),
    ("citation-js/input/nothing.txt", "holds no entry"),
    ("citation-js/input/multiple entries.txt", "bibtxt, a format Sift does not read"),
    ("citation-js/input/one simple entry.txt", "bibtxt"),
    ("citation-js/input/whitespace.txt", "bibtxt"),
    ("citation-js/output/simple.txt", "bibtxt"),
    ("bibtexparser/empty.bib", "empty file"),
    ("bibtexparser/comments_only.bib", "comments only, no entry"),
    ("bibtexparser/comments_only_output.bib", "comments only, no entry"),
    ("bibtexparser/common_strings.bib", "@string definitions only, no entry"),
    ("bibtexparser/multiline_comments.bib", "@comment blocks only, no entry"),
];

/// Files whose record count legitimately differs from the simple independent count.
const COUNT_EXCEPTIONS: &[(&str, usize, &str)] = &[
    (
        "asreview/baseline_tag_and_field_definitions.ris",
        1,
        "the second ER closes a block holding only `UK  - Unknown Tag`: no reference, skipped with a note",
    ),
    ("biblatex/valid/comments.bib", 4, "one entry is commented out with `%` on every line"),
    ("biblatex/valid/cross.bib", 7, "three @xdata entries hold fields for others; inherited, not imported"),
    ("bibtexparser/biber-examples.bib", 115, "three @set entries group others; not works, not imported"),
    ("bibtexparser/features.bib", 1, "`\\@ifundefined{` inside a @preamble is not an entry"),
    ("bibtexparser/features_output.bib", 1, "`\\@ifundefined{` inside a @preamble is not an entry"),
];

#[test]
fn every_file_in_the_shared_corpus_reads_faithfully() {
    let Some(dir) = formats_dir() else {
        eprintln!("NOTICE: ../shared/data/formats is absent; the corpus accuracy test was skipped");
        return;
    };
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut n_files = 0;
    let mut n_records = 0;
    for path in &files {
        let rel = path.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if is_not_a_reference_file(&name) {
            continue;
        }
        let bytes = std::fs::read(path).unwrap();
        let result = read_bytes(&bytes, &ReadOptions::named(rel.clone()));
        let must_refuse = REFUSED
            .iter()
            .find(|(f, _)| *f == rel)
            .map(|(_, why)| *why)
            .or_else(|| rel.ends_with(".nxml").then_some("JATS full text, not a list of references"))
            .or_else(|| rel.starts_with("biblatex/invalid/").then_some("deliberately invalid BibTeX"));
        let parsed = match (result, must_refuse) {
            (Err(_), Some(_)) => continue,
            (Ok(parsed), Some(why)) if parsed.records.is_empty() => {
                problems.push(format!("{rel}: read with no records instead of an error ({why})"));
                continue;
            }
            (Ok(parsed), Some(why)) => {
                // Deliberately broken files may still hold some good entries.
                if !why.starts_with("deliberately") {
                    problems.push(format!(
                        "{rel}: read {} records, expected refusal ({why})",
                        parsed.records.len()
                    ));
                }
                continue;
            }
            (Err(e), None) => {
                problems.push(format!("{rel}: refused: {e}"));
                continue;
            }
            (Ok(parsed), None) => parsed,
        };
        n_files += 1;
        n_records += parsed.records.len();
        let text = String::from_utf8_lossy(&bytes);
        let expected = match COUNT_EXCEPTIONS.iter().find(|(f, _, _)| *f == rel) {
            Some((_, n, _)) => *n,
            None => independent_count(parsed.summary.format, &text),
        };
        if parsed.records.len() != expected {
            problems.push(format!(
                "{rel}: {} records read as {}, independent count {expected}",
                parsed.records.len(),
                parsed.summary.format
            ));
        }
        for record in &parsed.records {
            for lost in lost_fields(parsed.summary.format, record) {
                problems.push(format!("{rel}:{}: lost the {lost} its raw text has", record.line));
            }
        }
    }
    eprintln!("read {n_records} records from {n_files} files");
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(n_files > 150, "expected the whole corpus, read {n_files} files");
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Counts records the simplest way each format allows, without Sift's readers.
fn independent_count(format: Format, text: &str) -> usize {
    let lines = || text.lines().map(|l| l.trim_start_matches('\u{feff}'));
    match format {
        Format::Ris => {
            let n_er = lines()
                .filter(|l| l.starts_with("ER  -") || l.starts_with("ER -") || l.trim_end() == "ER")
                .count();
            if n_er > 0 { n_er } else { lines().filter(|l| l.starts_with("TY  -")).count() }
        }
        Format::Medline => lines().filter(|l| l.starts_with("PMID-")).count(),
        Format::WosTagged => lines().filter(|l| l.trim_end() == "ER").count(),
        Format::PubmedXml => {
            text.matches("<PubmedArticle>").count()
                + text.matches("<PubmedArticle ").count()
                + text.matches("<PubmedBookArticle>").count()
        }
        Format::EndnoteXml => text.matches("<record>").count() + text.matches("<record ").count(),
        Format::Bibtex => bibtex_entries(text),
        Format::Csv => csv_rows(text),
    }
}

fn bibtex_entries(text: &str) -> usize {
    let mut n = 0;
    for (at, _) in text.match_indices('@') {
        let rest = &text[at + 1..];
        let name_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let name = rest[..name_len].to_ascii_lowercase();
        let after = rest[name_len..].trim_start();
        if name_len > 0
            && after.starts_with(['{', '('])
            && !matches!(name.as_str(), "string" | "comment" | "preamble")
        {
            n += 1;
        }
    }
    n
}

fn csv_rows(text: &str) -> usize {
    let header = text.lines().next().unwrap_or("");
    let delimiter =
        [b',', b'\t', b';'].into_iter().max_by_key(|d| header.matches(*d as char).count()).unwrap_or(b',');
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    reader.records().filter_map(Result::ok).filter(|r| r.iter().any(|f| !f.trim().is_empty())).count()
}

/// Fields the raw text has but the parsed record lacks.
fn lost_fields(format: Format, record: &ParsedRecord) -> Vec<&'static str> {
    let r = &record.reference;
    let raw = &record.raw;
    let mut lost = Vec::new();
    let tagged = |tags: &[&str], width: usize| {
        raw.lines().any(|l| {
            let l = l.trim_start_matches('\u{feff}');
            tags.iter().any(|t| l.starts_with(t)) && l.get(width..).is_some_and(|v| !v.trim().is_empty())
        })
    };
    let tagged_with = |tags: &[&str], needle: &str| {
        raw.lines().any(|l| tags.iter().any(|t| l.starts_with(t)) && l.contains(needle))
    };
    let (has_title, has_abstract, has_doi) = match format {
        Format::Ris => {
            (tagged(&["TI  -", "T1  -"], 5), tagged(&["AB  -", "N2  -"], 5), tagged_with(&["DO  -"], "10."))
        }
        Format::Medline => {
            (tagged(&["TI  -"], 5), tagged(&["AB  -"], 5), tagged_with(&["LID -", "AID -"], "[doi]"))
        }
        Format::WosTagged => (tagged(&["TI "], 3), tagged(&["AB "], 3), tagged_with(&["DI "], "10.")),
        Format::PubmedXml => (
            raw.contains("<ArticleTitle>") && !raw.contains("<ArticleTitle></ArticleTitle>"),
            raw.contains("<AbstractText"),
            raw.contains("EIdType=\"doi\"") || raw.contains("IdType=\"doi\""),
        ),
        Format::EndnoteXml => (
            raw.contains("<title>") && !raw.contains("<title></title>") && !raw.contains("<title/>"),
            raw.contains("<abstract>") && !raw.contains("<abstract></abstract>"),
            raw.split("<electronic-resource-num>").nth(1).is_some_and(|rest| {
                rest.split("</electronic-resource-num>").next().is_some_and(|v| v.contains("10."))
            }),
        ),
        Format::Bibtex => (bib_field(raw, "title"), bib_field(raw, "abstract"), bib_field(raw, "doi")),
        Format::Csv => (false, false, false),
    };
    if has_title && r.title.is_none() {
        lost.push("title");
    }
    if has_abstract && r.abstract_text.is_none() {
        lost.push("abstract");
    }
    if has_doi && r.doi.is_none() {
        lost.push("DOI");
    }
    lost
}

/// Whether a BibTeX entry has a non-empty `name = ...` field.
fn bib_field(raw: &str, name: &str) -> bool {
    let lower = raw.to_ascii_lowercase();
    lower.match_indices(name).any(|(at, _)| {
        let before_ok = at == 0 || matches!(lower.as_bytes()[at - 1], b' ' | b'\t' | b'\n' | b',' | b'\r');
        let rest = lower[at + name.len()..].trim_start();
        let value = rest.strip_prefix('=').map(str::trim_start).unwrap_or("");
        before_ok
            && rest.starts_with('=')
            && !value.starts_with("{}")
            && !value.starts_with("\"\"")
            && !value.starts_with(',')
            && (name != "doi" || value.contains("10."))
    })
}
