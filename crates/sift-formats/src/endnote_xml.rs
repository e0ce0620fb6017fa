//! EndNote XML (`<xml><records><record>`), as EndNote, Zotero and Mendeley write it.
//!
//! Each `<record>` is one reference. EndNote wraps every field's text in one or more
//! `<style face=... font=... size=...>` runs; they are flattened and concatenated. The
//! reference type is read from the `name` of `<ref-type>` first, because Mendeley writes
//! wrong numbers (`0` for a journal article) beside right names. As in RIS, an accession
//! number is a PMID only when the record says it came from PubMed, and a DOI field that holds
//! no DOI is reported rather than trusted.

use std::io::Read;

use sift_domain::WorkType;
use sift_domain::biblio::normalize;

use crate::ParsedRecord;
use crate::decode::Utf8Input;
use crate::diagnostics::{Diagnostics, Severity};
use crate::ris::classify_standard_number;
use crate::tagged::{push_keywords, record_shell};
use crate::xml_split::XmlSplitter;
use crate::xml_tree::{self, Element};

const RECORD_NAMES: &[&str] = &["record"];

pub(crate) struct EndnoteXmlReader<R> {
    splitter: XmlSplitter<Utf8Input<R>>,
}

impl<R: Read> EndnoteXmlReader<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        EndnoteXmlReader { splitter: XmlSplitter::new(input, RECORD_NAMES) }
    }
}

impl<R: Read> crate::RecordSource for EndnoteXmlReader<R> {
    fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        xml_tree::next_record(&mut self.splitter, diagnostics, build)
    }
}

fn build(root: &Element, raw: &str, line: u32, diagnostics: &mut Diagnostics) -> ParsedRecord {
    let mut record = record_shell(raw, line);
    record.source_id = root.find_value("rec-number");
    let r = &mut record.reference;

    r.title = root.find_value("titles/title");
    r.authors = root.find_all("contributors/authors/author").into_iter().filter_map(author).collect();
    r.journal =
        root.find_value("periodical/full-title").or_else(|| root.find_value("titles/secondary-title"));
    r.journal_abbrev = root
        .find_value("periodical/abbr-1")
        .or_else(|| root.find_value("alt-periodical/abbr-1"))
        .filter(|a| Some(a) != r.journal.as_ref());
    r.abstract_text = root.find_value("abstract");
    r.volume = root.find_value("volume");
    r.issue = root.find_value("issue").or_else(|| root.find_value("number"));
    r.pages = root.find_value("pages").as_deref().and_then(normalize::pages);
    r.year = ["dates/year", "dates/pub-dates/date"]
        .into_iter()
        .filter_map(|path| root.find_value(path))
        .find_map(|date| normalize::year(&date));
    for keyword in root.find_all("keywords/keyword") {
        push_keywords(&mut r.keywords, &keyword.text());
    }
    r.language = root.find_value("language").as_deref().and_then(normalize::language);
    r.publisher = root.find_value("publisher");
    // EndNote's "Type of Work" (`Review`, `Randomized Controlled Trial`).
    r.publication_types.extend(root.find_value("work-type"));
    if let Some(numbers) = root.find_value("isbn") {
        classify_standard_number(r, &numbers);
    }

    let urls: Vec<String> = ["urls/related-urls/url", "urls/web-urls/url"]
        .into_iter()
        .flat_map(|path| root.find_all(path))
        .filter_map(Element::value)
        .collect();
    r.url = urls.first().cloned();
    if let Some(value) = root.find_value("electronic-resource-num") {
        r.doi = normalize::doi(&value);
        if r.doi.is_none() {
            diagnostics.repeat(
                Severity::Warning,
                Some(line),
                Some("electronic-resource-num"),
                "value is not a DOI; left out of the DOI field (kept in the raw text)",
            );
        }
    }
    if r.doi.is_none() {
        r.doi = urls
            .iter()
            .filter(|u| u.contains("doi.org/") || u.starts_with("doi:"))
            .find_map(|u| normalize::doi(u));
    }

    if from_pubmed(root) {
        r.pmid = root.find_value("accession-num").as_deref().and_then(normalize::pmid);
    }
    r.pmcid = root
        .find_value("custom2")
        .filter(|v| v.to_ascii_uppercase().starts_with("PMC"))
        .as_deref()
        .and_then(normalize::pmcid);
    if let Some(notes) = root.find_value("notes") {
        record.extra.push(("notes".into(), notes));
    }

    let r = &mut record.reference;
    r.work_type = match work_type(root) {
        Some(t) => t,
        None if r.journal.is_some() => WorkType::JournalArticle,
        None => WorkType::Other,
    };
    if r.is_empty() {
        diagnostics.repeat(
            Severity::Warning,
            Some(line),
            None,
            "record has no title, author, DOI or PMID; imported as it stands",
        );
    }
    record
}

fn author(element: &Element) -> Option<sift_domain::Author> {
    normalize::author(&element.text())
}

/// The type named by `<ref-type name="...">`, else by EndNote's number for it.
fn work_type(root: &Element) -> Option<WorkType> {
    let ref_type = root.find("ref-type")?;
    if let Some(name) = ref_type.attr("name") {
        let by_name = WorkType::from_label(name);
        if by_name != WorkType::Other {
            return Some(by_name);
        }
    }
    let by_number = match ref_type.value()?.as_str() {
        "17" => WorkType::JournalArticle,
        "6" => WorkType::Book,
        "5" => WorkType::BookChapter,
        "10" | "47" => WorkType::ConferencePaper,
        "32" => WorkType::Thesis,
        "27" => WorkType::Report,
        "12" => WorkType::Webpage,
        // A name that says nothing more ("Generic") with an unknown number.
        _ if ref_type.attr("name").is_some() => WorkType::Other,
        _ => return None,
    };
    Some(by_number)
}

/// Whether the record names PubMed (or NLM, MEDLINE) as the database it came from.
fn from_pubmed(root: &Element) -> bool {
    ["remote-database-provider", "remote-database-name"]
        .into_iter()
        .filter_map(|path| root.find_value(path))
        .any(|name| {
            let lower = name.to_ascii_lowercase();
            lower.contains("pubmed") || lower.contains("medline") || lower.contains("nlm")
        })
}

#[cfg(test)]
mod tests {
    use sift_domain::WorkType;

    use crate::{Format, ReadOptions, read_bytes};

    fn read(text: &str) -> crate::Parsed {
        let options = ReadOptions { file_name: "test.xml".into(), format: None, encoding: None };
        read_bytes(text.as_bytes(), &options).unwrap()
    }

    fn messages(parsed: &crate::Parsed) -> Vec<String> {
        parsed.summary.diagnostics.iter().map(ToString::to_string).collect()
    }

    const STYLED: &str = r#"<?xml version="1.0" encoding="UTF-8" ?><xml><records>
<record><database name="My Library.enl" path="C:\My Library.enl">My Library.enl</database><source-app name="EndNote" version="20.0">EndNote</source-app><rec-number>42</rec-number><foreign-keys><key app="EN" db-id="x">42</key></foreign-keys><ref-type name="Journal Article">17</ref-type>
<contributors><authors><author><style face="normal" font="default" size="100%">McGuinness, L. A.</style></author><author><style face="normal" font="default" size="100%">World Health Organization</style></author></authors></contributors>
<titles><title><style face="normal" font="default" size="100%">Risk of bias in </style><style face="italic" font="default" size="100%">vivo</style><style face="normal" font="default" size="100%"> &amp; more</style></title><secondary-title><style face="normal" font="default" size="100%">Res Synth Methods</style></secondary-title></titles>
<periodical><full-title><style face="normal" font="default" size="100%">Research Synthesis Methods</style></full-title><abbr-1>Res Synth Methods</abbr-1></periodical>
<pages><style face="normal" font="default" size="100%">1297-306</style></pages><volume>11</volume><number>4</number>
<keywords><keyword><style face="normal" font="default" size="100%">risk of bias</style></keyword><keyword>Humans; Animals</keyword></keywords>
<dates><year><style face="normal" font="default" size="100%">2020</style></year><pub-dates><date>Apr 26</date></pub-dates></dates>
<isbn>1759-2879 (Print) 1759-2879</isbn><accession-num>32336025</accession-num><notes>A note.</notes>
<urls><related-urls><url>https://doi.org/10.1002/jrsm.1411</url></related-urls></urls><custom2>PMC7123456</custom2>
<electronic-resource-num><style face="normal" font="default" size="100%">10.1002/jrsm.1411</style></electronic-resource-num>
<remote-database-name>PubMed</remote-database-name><remote-database-provider>NLM</remote-database-provider><language>eng</language>
<abstract>Despite a major increase.</abstract></record>
<record><rec-number>43</rec-number><ref-type name="Book Section">5</ref-type><titles><title>A chapter</title><secondary-title>The book</secondary-title></titles>
<accession-num>99065906</accession-num><remote-database-provider>Ovid</remote-database-provider><electronic-resource-num>S0140-6736(20)30183-5 [pii]</electronic-resource-num><isbn>978-0-12-345678-9</isbn><number>7</number></record>
<record><ref-type>6</ref-type><titles><title>A book</title></titles></record>
<record><ref-type name="Generic">31</ref-type><titles><title>Something</title></titles></record>
</records></xml>"#;

    #[test]
    fn reads_endnote_records_with_style_runs() {
        let parsed = read(STYLED);
        assert_eq!(parsed.summary.format, Format::EndnoteXml);
        assert_eq!(parsed.records.len(), 4);
        let record = &parsed.records[0];
        assert_eq!(record.line, 2);
        assert_eq!(record.source_id.as_deref(), Some("42"));
        assert!(record.raw.starts_with("<record><database") && record.raw.ends_with("</abstract></record>"));
        let r = &record.reference;
        assert_eq!(r.work_type, WorkType::JournalArticle);
        assert_eq!(r.title.as_deref(), Some("Risk of bias in vivo & more"));
        assert_eq!(r.author_strings(), vec!["McGuinness, L. A.", "World Health Organization"]);
        assert_eq!(r.journal.as_deref(), Some("Research Synthesis Methods"));
        assert_eq!(r.journal_abbrev.as_deref(), Some("Res Synth Methods"));
        assert_eq!(r.pages.as_deref(), Some("1297-1306"));
        assert_eq!((r.volume.as_deref(), r.issue.as_deref()), (Some("11"), Some("4")));
        assert_eq!(r.keywords, vec!["risk of bias", "Humans", "Animals"]);
        assert_eq!(r.year, Some(2020));
        assert_eq!(r.issn.as_deref(), Some("1759-2879"));
        assert_eq!(r.doi.as_deref(), Some("10.1002/jrsm.1411"));
        assert_eq!(r.pmid.as_deref(), Some("32336025"));
        assert_eq!(r.pmcid.as_deref(), Some("PMC7123456"));
        assert_eq!(r.url.as_deref(), Some("https://doi.org/10.1002/jrsm.1411"));
        assert_eq!(r.language.as_deref(), Some("English"));
        assert_eq!(r.abstract_text.as_deref(), Some("Despite a major increase."));
        assert_eq!(record.extra, vec![("notes".to_string(), "A note.".to_string())]);
    }

    #[test]
    fn other_databases_types_and_junk_dois() {
        let parsed = read(STYLED);
        let chapter = &parsed.records[1];
        assert_eq!(chapter.source_id.as_deref(), Some("43"));
        let r = &chapter.reference;
        assert_eq!(r.work_type, WorkType::BookChapter);
        assert_eq!(r.journal.as_deref(), Some("The book"));
        assert_eq!(r.pmid, None, "an Ovid accession number is not a PMID");
        assert_eq!(r.doi, None);
        assert_eq!(r.isbn.as_deref(), Some("9780123456789"));
        assert_eq!(r.issue.as_deref(), Some("7"));
        let messages = messages(&parsed);
        assert!(
            messages.iter().any(|m| m.contains("line 14") && m.contains("[electronic-resource-num]")),
            "{messages:?}"
        );
        assert_eq!(parsed.records[2].reference.work_type, WorkType::Book);
        assert_eq!(parsed.records[3].reference.work_type, WorkType::Other);
    }

    #[test]
    fn malformed_and_truncated_records_are_skipped() {
        let parsed = read(
            "<xml><records>\n<record><titles><title>One</titles></record>\n<record><titles><title>Two</title></titles></record>\n<record><titles><title>Cut",
        );
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].reference.title.as_deref(), Some("Two"));
        assert_eq!(parsed.records[0].index, 0);
        let messages = messages(&parsed);
        assert!(messages.iter().any(|m| m.contains("record at line 2 is not well-formed")), "{messages:?}");
        assert!(
            messages.iter().any(|m| m.contains("record at line 4 is truncated (no </record>); skipped")),
            "{messages:?}"
        );
    }

    #[test]
    fn latin1_records_are_read() {
        let bytes = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><xml><records><record><titles><title>\xC6r\xF8</title></titles></record></records></xml>";
        let options = ReadOptions { file_name: "x.xml".into(), format: None, encoding: None };
        let parsed = read_bytes(bytes, &options).unwrap();
        assert_eq!(parsed.records[0].reference.title.as_deref(), Some("Ærø"));
    }
}
