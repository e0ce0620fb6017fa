//! Web of Science (and Zoological Record) tagged export: `.ciw`, "Plain text" `.txt`.
//!
//! `FN`/`VR` header lines, then records of two-letter tags followed by one space, with
//! continuation lines indented three spaces; each record ends with `ER`, the file with `EF`.
//! Author and cited-reference lists put one item per continuation line.

use std::io::Read;

use sift_domain::biblio::normalize;
use sift_domain::{Author, WorkType};

use crate::ParsedRecord;
use crate::decode::Utf8Input;
use crate::diagnostics::{Diagnostics, Severity};
use crate::ris::classify_standard_number;
use crate::tagged::{self, TagSyntax, TaggedLines, first, push_keywords, record_shell};

pub(crate) struct WosReader<R> {
    lines: TaggedLines<R>,
}

impl<R: Read> WosReader<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        WosReader { lines: TaggedLines::new(input) }
    }
}

impl<R: Read> crate::RecordSource for WosReader<R> {
    fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        loop {
            let Some(line) = self.lines.next_line(diagnostics) else {
                if self.lines.is_open() {
                    diagnostics.warn(
                        Some(self.lines.record_start),
                        Some("ER"),
                        "the last record has no ER line (the file may be truncated); read it as it stands",
                    );
                    return Some(self.lines.close::<Wos>(None, diagnostics));
                }
                return None;
            };
            let bytes = self.lines.lines.bytes(line);
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let tag = tag_of(bytes);
            match tag {
                Some("ER") if self.lines.is_open() => {
                    return Some(self.lines.close::<Wos>(Some(line.end), diagnostics));
                }
                Some("FN" | "VR" | "EF" | "ER") if !self.lines.is_open() => {}
                Some("PT") if self.lines.is_open() => {
                    diagnostics.repeat(
                        Severity::Warning,
                        Some(line.number),
                        Some("PT"),
                        "PT line inside an open record (the record before has no ER line); closed that record here",
                    );
                    let record = self.lines.close::<Wos>(Some(line.start), diagnostics);
                    self.lines.open_at(line);
                    return Some(record);
                }
                Some(_) if !self.lines.is_open() => self.lines.open_at(line),
                Some(_) => {}
                None if !self.lines.is_open() && !bytes.iter().all(u8::is_ascii_whitespace) => {
                    diagnostics.repeat(
                        Severity::Note,
                        Some(line.number),
                        None,
                        "untagged text between records skipped",
                    );
                }
                None => {}
            }
        }
    }
}

fn tag_of(bytes: &[u8]) -> Option<&str> {
    if bytes.len() < 2
        || !bytes[0].is_ascii_uppercase()
        || !(bytes[1].is_ascii_uppercase() || bytes[1].is_ascii_digit())
    {
        return None;
    }
    if bytes.len() > 2 && bytes[2] != b' ' {
        return None;
    }
    if bytes.len() == 2 || bytes[2..].iter().all(|b| *b == b' ') {
        // Bare tags only mark structure.
        return matches!(&bytes[..2], b"ER" | b"EF").then(|| std::str::from_utf8(&bytes[..2]).ok()).flatten();
    }
    std::str::from_utf8(&bytes[..2]).ok()
}

struct Wos;

const LIST_TAGS: &[&str] =
    &["AU", "AF", "BA", "BF", "CA", "GP", "ED", "CR", "C1", "C3", "EM", "RI", "OI", "SE"];

impl TagSyntax for Wos {
    fn split_tag(line: &str) -> Option<(&str, &str)> {
        let tag = tag_of(line.as_bytes())?;
        Some((tag, line.get(3..).unwrap_or("")))
    }

    fn is_list_tag(tag: &str) -> bool {
        LIST_TAGS.contains(&tag)
    }

    fn build(raw: &str, first_line: u32, diagnostics: &mut Diagnostics) -> ParsedRecord {
        let (fields, _) = tagged::split_fields::<Wos>(raw, first_line);
        let mut record = record_shell(raw, first_line);
        let r = &mut record.reference;
        let mut full: Vec<Author> = Vec::new();
        let mut short: Vec<Author> = Vec::new();
        let (mut pt, mut bp, mut ep, mut ar, mut py, mut pd) = (None, None, None, None, None, None);
        let (mut so, mut ji, mut j9) = (None, None, None);
        for field in &fields {
            let v: &str = &field.value;
            match field.tag {
                "PT" => pt = pt.or(Some(v.trim())),
                "TI" => first(&mut r.title, v),
                "AF" => full.extend(wos_author(v)),
                "AU" => short.extend(wos_author(v)),
                "CA" | "GP" => full.extend(normalize::text(v).map(|n| Author::new(n, None))),
                "SO" => first(&mut so, v),
                "JI" => first(&mut ji, v),
                "J9" => first(&mut j9, v),
                "VL" => first(&mut r.volume, v),
                "IS" => first(&mut r.issue, v),
                "BP" => bp = bp.or(Some(v)),
                "EP" => ep = ep.or(Some(v)),
                "AR" => ar = ar.or(Some(v)),
                "PY" => py = py.or(Some(v)),
                "PD" => pd = pd.or(Some(v)),
                "AB" => first(&mut r.abstract_text, v),
                "DI" if r.doi.is_none() => {
                    r.doi = normalize::doi(v);
                }
                "DE" | "ID" => push_keywords(&mut r.keywords, v),
                "LA" if r.language.is_none() => {
                    r.language = normalize::language(v);
                }
                "DT" => push_keywords(&mut r.publication_types, v),
                "PM" if r.pmid.is_none() => {
                    r.pmid = normalize::pmid(v);
                }
                "UT" | "AN" if record.source_id.is_none() => {
                    record.source_id = normalize::text(v);
                }
                "SN" | "EI" | "BN" => classify_standard_number(r, v),
                "PU" => first(&mut r.publisher, v),
                _ => {}
            }
        }
        r.authors = if full.len() >= short.len() { full } else { short };
        r.year = py.and_then(normalize::year).or_else(|| pd.and_then(normalize::year));
        r.journal = so;
        r.journal_abbrev = ji.or(j9).filter(|a| Some(a) != r.journal.as_ref());
        r.pages = normalize::page_range(bp, ep).or_else(|| ar.and_then(normalize::text));
        let from_dt = r
            .publication_types
            .iter()
            .map(|t| WorkType::from_label(t))
            .find(|t| *t != WorkType::JournalArticle && *t != WorkType::Other);
        r.work_type = from_dt.unwrap_or(match pt {
            Some("J") | Some("S") => WorkType::JournalArticle,
            Some("B") => WorkType::Book,
            Some("P") => WorkType::Patent,
            Some("C") => WorkType::ConferencePaper,
            _ => WorkType::Other,
        });
        if r.is_empty() {
            diagnostics.repeat(
                Severity::Warning,
                Some(first_line),
                None,
                "record has no title, author, DOI or PMID",
            );
        }
        record
    }
}

/// WoS authors sometimes carry an e-mail address: `Stillman, Andrew N. (a@b.edu)`.
fn wos_author(v: &str) -> Option<Author> {
    let v = match v.rfind(" (") {
        Some(pos) if v[pos..].contains('@') => &v[..pos],
        _ => v,
    };
    normalize::author(v)
}

#[cfg(test)]
mod tests {
    use crate::{Format, ReadOptions, read_bytes};

    #[test]
    fn reads_wos_records() {
        let text = "\u{feff}FN Clarivate Analytics Web of Science\nVR 1.0\nPT J\nAN ZOOR15512090342\nTI Nest site selection after\n   wildfire.\nAU Stillman, Andrew N. (andrew.stillman@uconn.edu) \n   Siegel, Rodney B.\nSO Condor\nVL 121\nBP 1297\nEP 306\nPY 2019\nDI 10.1093/CONDOR/DUZ039\nDE nest; fire\n   severity\nER\n\nPT J\nTI Second\nER\n\nEF\n";
        let options =
            ReadOptions { file_name: "x.ciw".into(), format: Some(Format::WosTagged), encoding: None };
        let parsed = read_bytes(text.as_bytes(), &options).unwrap();
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[0].reference;
        assert_eq!(r.title.as_deref(), Some("Nest site selection after wildfire."));
        assert_eq!(r.author_strings(), vec!["Stillman, Andrew N.", "Siegel, Rodney B."]);
        assert_eq!(r.pages.as_deref(), Some("1297-1306"));
        assert_eq!(r.doi.as_deref(), Some("10.1093/condor/duz039"));
        assert_eq!(r.keywords, vec!["nest", "fire severity"]);
        assert_eq!(parsed.records[0].line, 3);
        assert_eq!(parsed.records[0].source_id.as_deref(), Some("ZOOR15512090342"));
    }
}
