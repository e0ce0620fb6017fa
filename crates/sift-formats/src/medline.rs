//! PubMed's MEDLINE format (`.nbib`, "PubMed format" `.txt`).
//!
//! Tags are up to four capitals padded to four characters, then `- `; continuation lines are
//! indented six spaces; records start with `PMID- ` and are separated by blank lines.

use std::io::Read;

use sift_domain::biblio::normalize;
use sift_domain::{Author, WorkType};

use crate::ParsedRecord;
use crate::decode::Utf8Input;
use crate::diagnostics::{Diagnostics, Severity};
use crate::tagged::{self, TagSyntax, TaggedLines, first, record_shell};

pub(crate) struct MedlineReader<R> {
    lines: TaggedLines<R>,
}

impl<R: Read> MedlineReader<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        MedlineReader { lines: TaggedLines::new(input) }
    }
}

impl<R: Read> crate::RecordSource for MedlineReader<R> {
    fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        loop {
            let Some(line) = self.lines.next_line(diagnostics) else {
                return self.lines.is_open().then(|| self.lines.close::<Medline>(None, diagnostics));
            };
            let bytes = self.lines.lines.bytes(line);
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            if bytes.iter().all(u8::is_ascii_whitespace) {
                if self.lines.is_open() {
                    return Some(self.lines.close::<Medline>(Some(line.start), diagnostics));
                }
                continue;
            }
            let is_tag = tag_of(bytes).is_some();
            if bytes.starts_with(b"PMID-") && self.lines.is_open() {
                let record = self.lines.close::<Medline>(Some(line.start), diagnostics);
                self.lines.open_at(line);
                return Some(record);
            }
            if !self.lines.is_open() {
                if is_tag {
                    if !bytes.starts_with(b"PMID-") {
                        diagnostics.repeat(
                            Severity::Note,
                            Some(line.number),
                            Some("PMID"),
                            "record does not start with PMID-",
                        );
                    }
                    self.lines.open_at(line);
                } else {
                    diagnostics.repeat(
                        Severity::Note,
                        Some(line.number),
                        None,
                        "untagged text between records skipped",
                    );
                }
            }
        }
    }
}

fn tag_of(bytes: &[u8]) -> Option<&str> {
    if bytes.len() < 5 || bytes[4] != b'-' {
        return None;
    }
    let n = bytes[..4].iter().take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit()).count();
    if n < 2 || !bytes[n..4].iter().all(|b| *b == b' ') || !bytes[0].is_ascii_uppercase() {
        return None;
    }
    if bytes.len() > 5 && bytes[5] != b' ' {
        return None;
    }
    std::str::from_utf8(&bytes[..n]).ok()
}

struct Medline;

impl TagSyntax for Medline {
    fn split_tag(line: &str) -> Option<(&str, &str)> {
        let tag = tag_of(line.as_bytes())?;
        Some((tag, line.get(5..).unwrap_or("")))
    }

    fn is_list_tag(_tag: &str) -> bool {
        false
    }

    fn build(raw: &str, first_line: u32, diagnostics: &mut Diagnostics) -> ParsedRecord {
        let (fields, _) = tagged::split_fields::<Medline>(raw, first_line);
        let mut record = record_shell(raw, first_line);
        let r = &mut record.reference;
        let mut full_authors: Vec<Author> = Vec::new();
        let mut short_authors: Vec<Author> = Vec::new();
        let mut corporate: Vec<Author> = Vec::new();
        let (mut ti, mut bti, mut date) = (None, None, None);
        let (mut jt, mut ta) = (None, None);
        let mut is_book = false;
        for field in &fields {
            let v: &str = &field.value;
            match field.tag {
                "PMID" if r.pmid.is_none() => {
                    r.pmid = normalize::pmid(v);
                    if r.pmid.is_none() {
                        diagnostics.repeat(
                            Severity::Warning,
                            Some(field.line),
                            Some("PMID"),
                            "value is not a PubMed id; left out",
                        );
                    }
                }
                "TI" => first(&mut ti, v),
                "BTI" => {
                    is_book = true;
                    first(&mut bti, v);
                }
                "AB" => first(&mut r.abstract_text, v),
                "FAU" => full_authors.extend(normalize::author(v)),
                "AU" => short_authors.extend(normalize::author(v)),
                "CN" => corporate.extend(normalize::text(v).map(|name| Author::new(name, None))),
                "DP" => date = date.or(Some(v)),
                "JT" => first(&mut jt, v),
                "TA" => first(&mut ta, v),
                "VI" => first(&mut r.volume, v),
                "IP" => first(&mut r.issue, v),
                "PG" if r.pages.is_none() => {
                    r.pages = normalize::pages(v);
                }
                "LID" | "AID" if r.doi.is_none() && v.ends_with("[doi]") => {
                    r.doi = normalize::doi(v);
                }
                "LA" if r.language.is_none() => {
                    r.language = normalize::language(v);
                }
                "PT" => r.publication_types.extend(normalize::text(v)),
                "MH" | "OT" => r.keywords.extend(normalize::text(v)),
                "PMC" if r.pmcid.is_none() => {
                    r.pmcid = normalize::pmcid(v);
                }
                "IS" if r.issn.is_none() => {
                    r.issn = v.split(" (").next().and_then(normalize::issn);
                }
                "ISBN" => first(&mut r.isbn, v),
                "PB" => first(&mut r.publisher, v),
                _ => {}
            }
        }
        r.title = ti.or_else(|| bti.clone());
        // FAU gives full names; fall back to AU when it is missing or incomplete.
        r.authors = if full_authors.len() >= short_authors.len() { full_authors } else { short_authors };
        r.authors.extend(corporate);
        r.year = date.and_then(normalize::year);
        r.journal = jt.or_else(|| ta.clone());
        r.journal_abbrev = ta.filter(|a| Some(a) != r.journal.as_ref());
        if is_book && r.journal.is_none() && r.title != bti {
            r.journal = bti;
        }
        r.work_type = if is_book {
            if r.title.is_some() && record_has_tag(&fields, "TI") {
                WorkType::BookChapter
            } else {
                WorkType::Book
            }
        } else {
            r.publication_types
                .iter()
                .map(|t| WorkType::from_label(t))
                .find(|t| *t != WorkType::JournalArticle && *t != WorkType::Other)
                .unwrap_or(WorkType::JournalArticle)
        };
        if r.is_empty() {
            diagnostics.repeat(
                Severity::Warning,
                Some(first_line),
                None,
                "record has no title, author or PMID",
            );
        }
        record
    }
}

fn record_has_tag(fields: &[tagged::Field<'_>], tag: &str) -> bool {
    fields.iter().any(|f| f.tag == tag)
}

#[cfg(test)]
mod tests {
    use crate::{Format, ReadOptions, read_bytes};

    const TWO: &str = "PMID- 32336025\nOWN - NLM\nDP  - 2020 Apr 26\nTI  - Risk-Of-Bias VISualization (robvis): an R package and Shiny web app for\n      visualizing risk-of-bias assessments.\nLID - 10.1002/jrsm.1411 [doi]\nAB  - Despite a major increase\n      in the range.\nFAU - McGuinness, Luke A\nAU  - McGuinness LA\nFAU - Higgins, Julian P T\nAU  - Higgins JPT\nLA  - eng\nPT  - Journal Article\nTA  - Res Synth Methods\nJT  - Research synthesis methods\nPG  - 1297-306\nMH  - Humans\nOT  - risk of bias\n\nPMID- 32336026\nTI  - Second.\n";

    #[test]
    fn reads_medline_records() {
        let options =
            ReadOptions { file_name: "x.nbib".into(), format: Some(Format::Medline), encoding: None };
        let parsed = read_bytes(TWO.as_bytes(), &options).unwrap();
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[0].reference;
        assert_eq!(r.pmid.as_deref(), Some("32336025"));
        assert_eq!(
            r.title.as_deref(),
            Some(
                "Risk-Of-Bias VISualization (robvis): an R package and Shiny web app for visualizing risk-of-bias assessments."
            )
        );
        assert_eq!(r.doi.as_deref(), Some("10.1002/jrsm.1411"));
        assert_eq!(r.year, Some(2020));
        assert_eq!(r.author_strings(), vec!["McGuinness, Luke A", "Higgins, Julian P T"]);
        assert_eq!(r.journal.as_deref(), Some("Research synthesis methods"));
        assert_eq!(r.journal_abbrev.as_deref(), Some("Res Synth Methods"));
        assert_eq!(r.pages.as_deref(), Some("1297-1306"));
        assert_eq!(r.language.as_deref(), Some("English"));
        assert_eq!(r.keywords, vec!["Humans", "risk of bias"]);
        assert_eq!(parsed.records[1].line, 21);
        assert_eq!(parsed.records[1].raw, "PMID- 32336026\nTI  - Second.");
    }
}
