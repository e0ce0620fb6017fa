//! Reads the shared XML corpus (PubMed efetch, Zotero and Mendeley EndNote XML, JATS full texts).
//!
//! The files are GPL-licensed and live outside the repository, in
//! `../shared/data/formats`; when that folder is absent the tests say so and pass. Record
//! counts are checked against a plain count of record start tags, independent of the reader.

use std::path::{Path, PathBuf};

use sift_domain::WorkType;
use sift_formats::{Format, Parsed, ReadOptions, read_bytes};

/// The corpus file at `relative`, or `None` (with a visible notice) when the corpus is absent.
fn corpus_file(relative: &str) -> Option<PathBuf> {
    let path = crate::shared_data().join("formats").join(relative);
    if path.exists() {
        Some(path)
    } else {
        eprintln!("NOTICE: {} is absent; skipping this corpus test", path.display());
        None
    }
}

fn read_file(path: &Path, format: Option<Format>) -> (String, Result<Parsed, sift_formats::ReadError>) {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let options = ReadOptions { format, ..ReadOptions::named(name) };
    (String::from_utf8_lossy(&bytes).into_owned(), read_bytes(&bytes, &options))
}

/// The text between `<tag>` and `</tag>` in `raw`, if the element is there.
fn element_text<'a>(raw: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = raw.find(&open)? + open.len();
    let end = raw[start..].find(&format!("</{tag}>"))?;
    Some(&raw[start..start + end])
}

#[test]
fn pubmed_efetch_xml() {
    let Some(path) = corpus_file("pubmed/pubmed-29768149.xml") else {
        return;
    };
    let (text, parsed) = read_file(&path, None);
    let parsed = parsed.unwrap();
    assert_eq!(parsed.summary.format, Format::PubmedXml);
    let expected = text.matches("<PubmedArticle>").count() + text.matches("<PubmedBookArticle>").count();
    assert_eq!(parsed.records.len(), expected);
    assert!(parsed.summary.diagnostics.is_empty(), "{:?}", parsed.summary.diagnostics);

    let record = &parsed.records[0];
    assert_eq!(record.line, 4);
    assert!(record.raw.starts_with("<PubmedArticle>") && record.raw.ends_with("</PubmedArticle>"));
    let r = &record.reference;
    assert_eq!(r.pmid.as_deref(), Some("29768149"));
    assert_eq!(r.title.as_deref(), Some("Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."));
    assert_eq!(r.doi.as_deref(), Some("10.1056/nejmoa1715274"));
    assert_eq!(r.year, Some(2018));
    assert_eq!(r.journal.as_deref(), Some("The New England journal of medicine"));
    assert_eq!(r.journal_abbrev.as_deref(), Some("N Engl J Med"));
    assert_eq!((r.volume.as_deref(), r.issue.as_deref()), (Some("378"), Some("20")));
    assert_eq!(r.pages.as_deref(), Some("1865-1876"));
    assert_eq!(r.issn.as_deref(), Some("1533-4406"));
    assert_eq!(r.language.as_deref(), Some("English"));
    assert_eq!(r.authors.len(), 10);
    assert_eq!(r.author_strings()[0], "O'Byrne, Paul M");
    let abstract_text = r.abstract_text.as_deref().unwrap();
    assert!(abstract_text.starts_with("BACKGROUND: In patients with mild asthma"), "{abstract_text}");
    assert!(abstract_text.contains("fast-acting β2-agonist may be"), "{abstract_text}");
    assert!(abstract_text.contains(" METHODS: We conducted"), "{abstract_text}");
    assert!(r.publication_types.iter().any(|t| t == "Randomized Controlled Trial"));
    assert_eq!(r.work_type, WorkType::JournalArticle);
    assert!(r.keywords.iter().any(|k| k == "Asthma/*drug therapy"), "{:?}", r.keywords);
    assert!(
        r.keywords.iter().any(|k| k == "Budesonide/*administration & dosage/adverse effects"),
        "{:?}",
        r.keywords
    );
}

/// Checks an EndNote XML export: count, titles and DOIs of every record, and the first record.
fn check_endnote_export(relative: &str) -> Option<Parsed> {
    let path = corpus_file(relative)?;
    let (text, parsed) = read_file(&path, None);
    let parsed = parsed.unwrap();
    assert_eq!(parsed.summary.format, Format::EndnoteXml);
    assert_eq!(parsed.records.len(), text.matches("<record>").count());
    assert!(parsed.summary.diagnostics.is_empty(), "{:?}", parsed.summary.diagnostics);
    let n_authors: usize = parsed.records.iter().map(|r| r.reference.authors.len()).sum();
    assert_eq!(n_authors, text.matches("<author>").count());
    for record in &parsed.records {
        if element_text(&record.raw, "title").is_some_and(|t| !t.trim().is_empty()) {
            assert!(record.reference.title.is_some(), "no title at line {}", record.line);
        }
        if let Some(number) = element_text(&record.raw, "electronic-resource-num")
            && number.trim_start().starts_with("10.")
        {
            assert!(record.reference.doi.is_some(), "no DOI for {number:?}");
        }
    }

    let r = &parsed.records[0].reference;
    assert_eq!(r.title.as_deref(), Some("Myoclonus in older Cavalier King Charles Spaniels."));
    assert_eq!(r.author_strings(), vec!["Rotter, Carina", "Whittaker, Danielle", "Rusbridge, Clare"]);
    assert_eq!(r.journal.as_deref(), Some("Journal of veterinary internal medicine"));
    assert_eq!(r.pages.as_deref(), Some("1032-1038"));
    assert_eq!((r.volume.as_deref(), r.issue.as_deref()), (Some("36"), Some("3")));
    assert_eq!(r.year, Some(2022));
    assert_eq!(r.doi.as_deref(), Some("10.1111/jvim.16404"));
    assert_eq!(r.language.as_deref(), Some("English"));
    assert_eq!(r.work_type, WorkType::JournalArticle);
    assert!(r.abstract_text.as_deref().unwrap().starts_with("BACKGROUND: Myoclonus is observed"));

    // Regression: an SICI-style DOI holds `<` and `>`; it was once cut short at the `<`.
    let sici = parsed
        .records
        .iter()
        .find(|record| record.raw.contains("10.1892/0891-6640(2004)18&lt;673:ioobhc&gt;2.0.co;2"))
        .expect("the SICI record");
    assert_eq!(sici.reference.doi.as_deref(), Some("10.1892/0891-6640(2004)18<673:ioobhc>2.0.co;2"));
    Some(parsed)
}

#[test]
fn zotero_endnote_xml() {
    let Some(parsed) = check_endnote_export("asysd/zotero_export.xml") else {
        return;
    };
    let record = &parsed.records[0];
    // The whole export is one line after the XML declaration.
    assert_eq!(record.line, 2);
    assert!(parsed.records.iter().all(|r| r.line == 2));
    let r = &record.reference;
    assert_eq!(r.journal_abbrev.as_deref(), Some("J Vet Intern Med"));
    assert_eq!(r.issn.as_deref(), Some("1939-1676"));
    assert_eq!(r.keywords[0], "*Dog Diseases/diagnostic imaging");
    assert_eq!(r.keywords.len(), 12);
}

#[test]
fn mendeley_endnote_xml() {
    let Some(parsed) = check_endnote_export("asysd/mendeley_export.xml") else {
        return;
    };
    let record = &parsed.records[0];
    assert_eq!(record.line, 1);
    let r = &record.reference;
    assert_eq!(r.keywords.len(), 9);
    // Mendeley writes the PMID as `accession-num` but names no source database, so it is not
    // taken as a PMID (the same rule as RIS `AN`).
    assert!(record.raw.contains("<accession-num>35319117</accession-num>"));
    assert_eq!(r.pmid, None);
    // Mendeley's `Generic` type (number 31) says nothing more.
    let generic = parsed.records.iter().find(|r| r.raw.contains("<ref-type name=\"Generic\">")).unwrap();
    assert_eq!(generic.reference.work_type, WorkType::Other);
}

#[test]
fn jats_full_texts_are_refused() {
    let Some(folder) = corpus_file("pubmed") else {
        return;
    };
    let mut n_files = 0;
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "nxml") {
            continue;
        }
        n_files += 1;
        for format in [None, Some(Format::PubmedXml), Some(Format::EndnoteXml)] {
            let (_, parsed) = read_file(&path, format);
            let error = parsed.expect_err("a JATS article is not a list of references");
            if format.is_none() {
                assert!(error.message.contains("JATS"), "{}: {error}", path.display());
            }
        }
    }
    assert!(n_files > 0);
}
