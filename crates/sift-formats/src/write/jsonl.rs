//! JSON Lines out: one object per record per line, always with the same keys (`null` or `[]`
//! when a field is missing), so every line has one shape for `jq` and data frames.

use std::io::{self, Write};

use serde::Serialize;

use super::ExportRecord;

/// One line, keys in this order.
#[derive(Serialize)]
struct Line<'a> {
    id: Option<&'a str>,
    source_file: Option<&'a str>,
    source_line: Option<u32>,
    #[serde(rename = "type")]
    work_type: &'static str,
    title: Option<&'a str>,
    #[serde(rename = "abstract")]
    abstract_text: Option<&'a str>,
    /// `Family, Given`.
    authors: Vec<String>,
    year: Option<i32>,
    journal: Option<&'a str>,
    journal_abbrev: Option<&'a str>,
    volume: Option<&'a str>,
    issue: Option<&'a str>,
    pages: Option<&'a str>,
    doi: Option<&'a str>,
    pmid: Option<&'a str>,
    pmcid: Option<&'a str>,
    issn: Option<&'a str>,
    isbn: Option<&'a str>,
    publisher: Option<&'a str>,
    keywords: &'a [String],
    publication_types: &'a [String],
    language: Option<&'a str>,
    url: Option<&'a str>,
}

pub(super) fn write_record(out: &mut impl Write, record: &ExportRecord<'_>) -> io::Result<()> {
    let r = record.reference;
    let line = Line {
        id: record.id,
        source_file: record.source_file,
        source_line: record.source_line,
        work_type: r.work_type.as_str(),
        title: r.title.as_deref(),
        abstract_text: r.abstract_text.as_deref(),
        authors: r.author_strings(),
        year: r.year,
        journal: r.journal.as_deref(),
        journal_abbrev: r.journal_abbrev.as_deref(),
        volume: r.volume.as_deref(),
        issue: r.issue.as_deref(),
        pages: r.pages.as_deref(),
        doi: r.doi.as_deref(),
        pmid: r.pmid.as_deref(),
        pmcid: r.pmcid.as_deref(),
        issn: r.issn.as_deref(),
        isbn: r.isbn.as_deref(),
        publisher: r.publisher.as_deref(),
        keywords: &r.keywords,
        publication_types: &r.publication_types,
        language: r.language.as_deref(),
        url: r.url.as_deref(),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use sift_domain::Reference;

    use crate::write::ExportFormat;
    use crate::write::testing::{full_reference, written};

    /// Every key the JSON Lines format promises, in order.
    const KEYS: &[&str] = &[
        "id",
        "source_file",
        "source_line",
        "type",
        "title",
        "abstract",
        "authors",
        "year",
        "journal",
        "journal_abbrev",
        "volume",
        "issue",
        "pages",
        "doi",
        "pmid",
        "pmcid",
        "issn",
        "isbn",
        "publisher",
        "keywords",
        "publication_types",
        "language",
        "url",
    ];

    fn objects(out: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
        out.lines()
            .map(|line| match serde_json::from_str(line).unwrap() {
                serde_json::Value::Object(map) => map,
                other => panic!("not an object: {other}"),
            })
            .collect()
    }

    #[test]
    fn every_key_is_present_on_every_line() {
        let out = written(ExportFormat::Jsonl, &[full_reference(), Reference::default()]);
        assert_eq!(out.lines().count(), 2);
        for object in objects(&out) {
            let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
            let mut expected = KEYS.to_vec();
            keys.sort_unstable();
            expected.sort_unstable();
            assert_eq!(keys, expected);
        }
        // Keys come in the documented order.
        let first = out.lines().next().unwrap();
        let positions: Vec<usize> = KEYS.iter().map(|k| first.find(&format!("\"{k}\":")).unwrap()).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{first}");
    }

    #[test]
    fn missing_values_are_null_or_empty_lists() {
        let out = written(ExportFormat::Jsonl, &[Reference::default()]);
        let object = &objects(&out)[0];
        for key in KEYS {
            let value = &object[*key];
            match *key {
                "id" => assert_eq!(value, "rec-1"),
                "source_file" => assert_eq!(value, "in.ris"),
                "source_line" => assert_eq!(value, 1),
                "type" => assert_eq!(value, "other"),
                "authors" | "keywords" | "publication_types" => assert_eq!(value, &serde_json::json!([])),
                _ => assert!(value.is_null(), "{key}: {value}"),
            }
        }
    }

    #[test]
    fn values_are_written_as_json_types() {
        let out = written(ExportFormat::Jsonl, &[full_reference()]);
        let object = &objects(&out)[0];
        assert_eq!(object["authors"], serde_json::json!(["Müller, Jörg A.", "WHO Study Group"]));
        assert_eq!(object["year"], 2020);
        assert_eq!(object["type"], "journal_article");
        assert_eq!(object["abstract"], "Background: line one\nline two.");
        assert_eq!(object["keywords"], serde_json::json!(["Rats", "Sugar, dietary"]));
    }
}
