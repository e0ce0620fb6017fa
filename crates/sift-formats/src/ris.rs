//! RIS in every flavour databases and reference managers write.
//!
//! A record runs from its first tag line to `ER  -`. Flavours differ in small ways that all
//! land here: Ovid numbers records (`1.` lines) and writes `Y1  - 2020//`; EndNote continues
//! keyword lists on untagged lines; Embase and Ovid put the abstract in `N2`; some tools write
//! no `TY` at all; PubMed ids hide in `AN` (only when the database is PubMed/MEDLINE) or in a
//! `[PMID]`-marked note. A new `TY` inside an open record closes it with a warning, so a
//! missing `ER` loses nothing.

use std::io::Read;

use sift_domain::biblio::normalize;
use sift_domain::{Reference, WorkType};

use crate::ParsedRecord;
use crate::decode::Utf8Input;
use crate::diagnostics::{Diagnostics, Severity};
use crate::tagged::{self, TagSyntax, TaggedLines, first, push_keywords, record_shell};

pub(crate) struct RisReader<R> {
    lines: TaggedLines<R>,
    /// Whether the open record started with `TY`: only then is a missing `ER` worth a
    /// warning (tag lines after `ER`, like Ovid's `NL`, open a record without one).
    open_has_ty: bool,
}

impl<R: Read> RisReader<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        RisReader { lines: TaggedLines::new(input), open_has_ty: false }
    }
}

impl<R: Read> crate::RecordSource for RisReader<R> {
    fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        loop {
            let Some(line) = self.lines.next_line(diagnostics) else {
                // End of input: an open record without `ER` is still a record.
                if !self.lines.is_open() {
                    return None;
                }
                if self.open_has_ty {
                    diagnostics.warn(
                        Some(self.lines.record_start),
                        Some("ER"),
                        "the last record has no ER line (the file may be truncated); read it as it stands",
                    );
                }
                self.open_has_ty = false;
                let record = self.lines.close::<Ris>(None, diagnostics);
                if let Some(record) = keep_or_skip(record, diagnostics) {
                    return Some(record);
                }
                continue;
            };
            let bytes = self.lines.lines.bytes(line);
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            let tag: Option<[u8; 2]> = tag_of(bytes).copied();
            match tag {
                Some(tag) if &tag == b"ER" => {
                    if self.lines.is_open() {
                        self.open_has_ty = false;
                        if let Some(record) = self.close(line.end, diagnostics) {
                            return Some(record);
                        }
                    } else {
                        diagnostics.repeat(
                            Severity::Warning,
                            Some(line.number),
                            Some("ER"),
                            "ER line outside any record; ignored",
                        );
                    }
                }
                Some(tag) => {
                    if &tag == b"TY" && self.lines.is_open() {
                        if self.open_has_ty {
                            diagnostics.repeat(
                                Severity::Warning,
                                Some(line.number),
                                Some("TY"),
                                "TY line inside an open record (the record before has no ER line); closed that record here",
                            );
                        }
                        let closed = self.close(line.start, diagnostics);
                        self.lines.open_at(line);
                        self.open_has_ty = true;
                        if closed.is_some() {
                            return closed;
                        }
                        continue;
                    }
                    if !self.lines.is_open() {
                        self.lines.open_at(line);
                        self.open_has_ty = &tag == b"TY";
                    }
                }
                None => {
                    if !self.lines.is_open() {
                        let text = String::from_utf8_lossy(bytes);
                        let text = text.trim();
                        if !text.is_empty() && !is_ovid_number(text) {
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
    }
}

impl<R: Read> RisReader<R> {
    /// Closes the open record before `end`; `None` when it turned out to hold no reference.
    fn close(&mut self, end: usize, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        let record = self.lines.close::<Ris>(Some(end), diagnostics);
        keep_or_skip(record, diagnostics)
    }
}

/// Records without `TY` that carry no reference at all are the stray lines some exporters
/// write between records (Ovid's `NL` after `ER`); they are skipped, not imported.
fn keep_or_skip(record: ParsedRecord, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
    let has_ty =
        record.raw.lines().any(|l| tag_of(l.trim_start_matches('\u{feff}').as_bytes()) == Some(b"TY"));
    if !has_ty && record.reference.is_empty() && record.reference.abstract_text.is_none() {
        diagnostics.repeat(
            Severity::Note,
            Some(record.line),
            None,
            "tag lines between records with no title, author or id (no TY line); skipped",
        );
        return None;
    }
    if !has_ty {
        diagnostics.repeat(
            Severity::Note,
            Some(record.line),
            Some("TY"),
            "record has no TY line; its type was inferred from its fields",
        );
    }
    if record.reference.is_empty() {
        diagnostics.repeat(
            Severity::Warning,
            Some(record.line),
            None,
            "record has no title, author, DOI or PMID; imported as it stands",
        );
    }
    Some(record)
}

/// The two-letter tag of a RIS tag line (`TY  - JOUR`, `ER  -`, a bare `ER`), if it is one.
pub(crate) fn tag_of(line: &[u8]) -> Option<&[u8; 2]> {
    if line.len() < 2
        || !line[0].is_ascii_uppercase()
        || !(line[1].is_ascii_uppercase() || line[1].is_ascii_digit())
    {
        return None;
    }
    let tag: &[u8; 2] = line[..2].try_into().ok()?;
    let rest = &line[2..];
    if rest.iter().all(|b| *b == b' ' || *b == b'\t') {
        // A bare `ER` ends a record; other bare two-letter words are text.
        return (tag == b"ER").then_some(tag);
    }
    // Usually two spaces; some EndNote exports write a tab, some one space.
    let spaces = rest.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
    if !(1..=4).contains(&spaces) || rest.get(spaces) != Some(&b'-') {
        return None;
    }
    match rest.get(spaces + 1) {
        None | Some(b' ') | Some(b'\t') | Some(b'\r') => Some(tag),
        _ => None,
    }
}

fn is_ovid_number(text: &str) -> bool {
    text.strip_suffix('.').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

struct Ris;

/// Tags whose untagged continuation lines are further items (EndNote writes keyword lists
/// one per line under a single `KW`).
const LIST_TAGS: &[&str] = &["KW", "AU", "A1", "A2", "A3", "A4", "ED", "AD", "UR", "L1", "L2", "L3", "L4"];

/// Every tag of the RIS specification, plus the vendor tags real exports carry (Web of
/// Science's RIS writes `J9`, `JI`, `PU`, `WE`; Ovid writes `NL`, `AI`, `UI`; MEDLINE-derived
/// files carry `MH`, `JT`, `VI`). Other tags get a note.
const KNOWN_TAGS: &[[u8; 2]] = &[
    *b"TY", *b"A1", *b"A2", *b"A3", *b"A4", *b"AB", *b"AD", *b"AN", *b"AU", *b"AV", *b"BT", *b"C1", *b"C2",
    *b"C3", *b"C4", *b"C5", *b"C6", *b"C7", *b"C8", *b"CA", *b"CN", *b"CP", *b"CT", *b"CY", *b"DA", *b"DB",
    *b"DO", *b"DP", *b"ED", *b"EP", *b"ET", *b"ID", *b"IS", *b"J1", *b"J2", *b"JA", *b"JF", *b"JO", *b"KW",
    *b"L1", *b"L2", *b"L3", *b"L4", *b"LA", *b"LB", *b"LK", *b"M1", *b"M2", *b"M3", *b"N1", *b"N2", *b"NV",
    *b"OP", *b"PB", *b"PP", *b"PY", *b"RI", *b"RN", *b"RP", *b"SE", *b"SN", *b"SP", *b"ST", *b"T1", *b"T2",
    *b"T3", *b"TA", *b"TI", *b"TT", *b"U1", *b"U2", *b"U3", *b"U4", *b"U5", *b"UR", *b"VL", *b"VO", *b"Y1",
    *b"Y2", *b"ER", // the specification
    *b"WE", *b"PI", *b"PA", *b"J9", *b"JI", *b"PU", *b"FX", *b"FU", *b"BN", *b"SO", *b"TS", *b"DI", *b"UT",
    *b"EI", *b"PM", // Web of Science
    *b"AI", *b"NL", *b"UI", *b"XX", *b"M4", *b"OT", *b"MH", *b"JT", *b"VI", *b"IP", *b"PG", *b"PL", *b"PT",
    *b"LR", *b"SB", *b"JP", *b"MA", *b"DC", *b"CI",
    *b"UK", // Ovid, MEDLINE-derived and reference-manager extras
];

impl TagSyntax for Ris {
    fn split_tag(line: &str) -> Option<(&str, &str)> {
        tag_of(line.as_bytes())?;
        let tag = &line[..2];
        let value = line[2..].trim_start_matches([' ', '\t']);
        let value = value.strip_prefix('-').unwrap_or(value);
        Some((tag, value))
    }

    fn is_list_tag(tag: &str) -> bool {
        LIST_TAGS.contains(&tag)
    }

    fn build(raw: &str, first_line: u32, diagnostics: &mut Diagnostics) -> ParsedRecord {
        let (fields, _) = tagged::split_fields::<Ris>(raw, first_line);
        let mut record = record_shell(raw, first_line);
        let mut s = Slots::default();
        for field in &fields {
            let v: &str = &field.value;
            // Byte-pair patterns compile to integer switches; &str arms call memcmp per arm.
            let tag: [u8; 2] = field.tag.as_bytes().try_into().unwrap_or([0, 0]);
            match (tag[0], tag[1]) {
                (b'T', b'Y') => s.ty = Some(v.trim()),
                (b'T', b'I') => first(&mut s.ti, v),
                (b'T', b'1') => first(&mut s.t1, v),
                (b'C', b'T') => first(&mut s.ct, v),
                (b'B', b'T') => first(&mut s.bt, v),
                (b'S', b'T') => first(&mut s.st, v),
                (b'A', b'B') => first(&mut s.ab, v),
                (b'N', b'2') => first(&mut s.n2, v),
                (b'A', b'U') | (b'A', b'1') => s.authors.extend(normalize::author(v)),
                (b'P', b'Y') => {
                    s.py.get_or_insert(v);
                }
                (b'Y', b'1') => {
                    s.y1.get_or_insert(v);
                }
                (b'D', b'A') => {
                    s.da.get_or_insert(v);
                }
                (b'J', b'F') | (b'J', b'T') => first(&mut s.jf, v),
                (b'S', b'O') => first(&mut s.so, v),
                (b'J', b'9') | (b'J', b'I') => first(&mut s.ja, v),
                (b'P', b'U') => first(&mut record.reference.publisher, v),
                (b'B', b'N') => s.sn.push(v),
                (b'M', b'H') | (b'O', b'T') => push_keywords(&mut record.reference.keywords, v),
                (b'V', b'I') => first(&mut record.reference.volume, v),
                (b'I', b'P') => first(&mut s.issue, v),
                (b'P', b'G') => {
                    s.sp.get_or_insert(v);
                }
                (b'J', b'O') => first(&mut s.jo, v),
                (b'T', b'2') => first(&mut s.t2, v),
                (b'J', b'A') => first(&mut s.ja, v),
                (b'J', b'2') => first(&mut s.j2, v),
                (b'J', b'1') => first(&mut s.j1, v),
                (b'V', b'L') | (b'V', b'O') => first(&mut record.reference.volume, v),
                (b'I', b'S') | (b'C', b'P') => first(&mut s.issue, v),
                (b'S', b'P') => {
                    s.sp.get_or_insert(v);
                }
                (b'E', b'P') => {
                    s.ep.get_or_insert(v);
                }
                (b'D', b'O') | (b'D', b'I') => {
                    if s.doi.is_none() {
                        s.doi = normalize::doi(v);
                        if s.doi.is_none() && !v.is_empty() {
                            diagnostics.repeat(
                                Severity::Warning,
                                Some(field.line),
                                Some(field.tag),
                                "value is not a DOI; left out of the DOI field (kept in the raw text)",
                            );
                        }
                    }
                }
                (b'U', b'R') | (b'L', b'1') | (b'L', b'2') | (b'L', b'3') | (b'L', b'4') | (b'L', b'K') => {
                    if &tag == b"UR" && record.reference.url.is_none() {
                        record.reference.url = normalize::text(v);
                    }
                    if s.url_doi.is_none() && (v.contains("doi.org/") || v.starts_with("doi:")) {
                        s.url_doi = normalize::doi(v);
                    }
                }
                (b'A', b'N') => s.an = Some(v),
                (b'U', b'I') => s.ui = Some(v),
                (b'D', b'B') | (b'D', b'P') => {
                    let lower = v.to_ascii_lowercase();
                    if lower.contains("pubmed") || lower.contains("medline") || lower == "nlm" {
                        s.from_pubmed = true;
                    }
                }
                (b'C', b'2') => {
                    if v.trim_start().to_ascii_uppercase().starts_with("PMC") {
                        first(&mut record.reference.pmcid, v);
                        record.reference.pmcid = record.reference.pmcid.as_deref().and_then(normalize::pmcid);
                    } else {
                        s.marked_pmid(v);
                    }
                }
                (b'L', b'A') => {
                    if record.reference.language.is_none() {
                        record.reference.language = normalize::language(v);
                    }
                }
                (b'K', b'W') => push_keywords(&mut record.reference.keywords, v),
                (b'M', b'3') => {
                    if normalize::doi(v).is_none()
                        && let Some(t) = normalize::text(v)
                    {
                        record.reference.publication_types.push(t);
                    }
                }
                (b'S', b'N') => s.sn.push(v),
                (b'P', b'B') => first(&mut record.reference.publisher, v),
                (b'I', b'D') => {
                    if record.source_id.is_none() {
                        record.source_id = normalize::text(v);
                    }
                }
                (b'N', b'1') => {
                    s.marked_pmid(v);
                    if let Some(note) = normalize::text(v) {
                        record.extra.push(("notes".into(), note));
                    }
                }
                (b'M', b'1')
                | (b'M', b'2')
                | (b'U', b'1')
                | (b'U', b'2')
                | (b'U', b'3')
                | (b'U', b'4')
                | (b'U', b'5')
                | (b'C', b'1')
                | (b'C', b'3')
                | (b'C', b'4')
                | (b'C', b'5')
                | (b'C', b'6')
                | (b'C', b'7')
                | (b'C', b'8')
                | (b'P', b'M') => {
                    if &tag == b"PM" {
                        s.pmid = s.pmid.take().or_else(|| normalize::pmid(v));
                    } else {
                        s.marked_pmid(v);
                    }
                }
                _ => {
                    if !KNOWN_TAGS.contains(&tag) {
                        let tag = field.tag;
                        diagnostics.repeat(
                            Severity::Note,
                            Some(field.line),
                            Some(tag),
                            "tag is not part of RIS; kept in the raw text, not mapped to a field",
                        );
                    }
                }
            }
        }
        s.finish(&mut record.reference);
        record
    }
}

/// First occurrences of the tags that compete for one field, resolved in [`Slots::finish`].
#[derive(Default)]
struct Slots<'a> {
    ty: Option<&'a str>,
    ti: Option<String>,
    t1: Option<String>,
    ct: Option<String>,
    bt: Option<String>,
    st: Option<String>,
    ab: Option<String>,
    n2: Option<String>,
    authors: Vec<sift_domain::Author>,
    py: Option<&'a str>,
    y1: Option<&'a str>,
    da: Option<&'a str>,
    jf: Option<String>,
    jo: Option<String>,
    so: Option<String>,
    t2: Option<String>,
    ja: Option<String>,
    j2: Option<String>,
    j1: Option<String>,
    issue: Option<String>,
    sp: Option<&'a str>,
    ep: Option<&'a str>,
    doi: Option<String>,
    url_doi: Option<String>,
    an: Option<&'a str>,
    ui: Option<&'a str>,
    from_pubmed: bool,
    pmid: Option<String>,
    sn: Vec<&'a str>,
}

impl<'a> Slots<'a> {
    /// Takes a PMID from a value that says it is one (`38984506 [PMID]`, `PMID: 38984506`).
    fn marked_pmid(&mut self, v: &str) {
        if self.pmid.is_some() {
            return;
        }
        let lower = v.to_ascii_lowercase();
        if let Some(pos) = lower.find("[pmid]") {
            self.pmid = normalize::pmid(&v[..pos]);
        } else if let Some(pos) = lower.find("pmid:") {
            self.pmid = normalize::pmid(&v[pos + 5..]);
        }
    }

    fn finish(self, r: &mut Reference) {
        let ty = self.ty.map(WorkType::from_ris_code);
        let is_book = matches!(ty, Some(WorkType::Book));
        r.title = self
            .ti
            .or(self.t1)
            .or(self.ct)
            .or_else(|| if is_book { self.bt.clone() } else { None })
            .or(self.st);
        r.abstract_text = self.ab.or(self.n2);
        r.authors = self.authors;
        r.year = [self.py, self.y1, self.da].into_iter().flatten().find_map(normalize::year);
        // T2 is the container: the journal, the book a chapter is in (Web of Science exports
        // chapters as BOOK), or a book's series. An abbreviation stands in for a missing journal
        // only for articles: a book's J2/J9 is its series' abbreviation.
        let container = self.t2.clone().or(if is_book { None } else { self.bt });
        r.journal = self.jf.or(self.jo).or(container).or(self.so);
        if r.journal.is_none() && !is_book {
            r.journal = self.ja.clone().or(self.j2.clone()).or(self.j1.clone());
        }
        r.journal_abbrev = self.ja.or(self.j2).or(self.j1).filter(|a| Some(a) != r.journal.as_ref());
        r.issue = self.issue;
        r.pages = match (self.sp, self.ep) {
            // Ovid writes "No" / "Specified" when it has no pages.
            (Some(sp), Some(ep)) if sp.trim() == "No" && ep.trim() == "Specified" => None,
            (sp, ep) => normalize::page_range(sp, ep),
        };
        r.doi = self.doi.or(self.url_doi);
        let accession_pmid =
            if self.from_pubmed { self.an.or(self.ui).and_then(normalize::pmid) } else { None };
        r.pmid = self.pmid.or(accession_pmid);
        for sn in self.sn {
            classify_standard_number(r, sn);
        }
        r.work_type = match ty {
            Some(t) => t,
            None if r.journal.is_some() => WorkType::JournalArticle,
            None => WorkType::Other,
        };
    }
}

/// `SN` holds an ISSN or an ISBN, sometimes both, sometimes twice (`1895-5770 1895-5770`).
pub(crate) fn classify_standard_number(r: &mut Reference, sn: &str) {
    for part in sn.split([',', ';', ' ']).filter(|p| !p.is_empty()) {
        let is_digit = |b: &u8| b.is_ascii_digit() || *b == b'X' || *b == b'x';
        let n_digits = part.bytes().filter(is_digit).count();
        if n_digits == 8 && r.issn.is_none() {
            let digits: String = part.bytes().filter(is_digit).map(char::from).collect();
            r.issn = normalize::issn(&digits);
        } else if (n_digits == 10 || n_digits == 13) && r.isbn.is_none() {
            r.isbn =
                Some(part.bytes().filter(is_digit).map(|b| char::from(b.to_ascii_uppercase())).collect());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, ReadOptions, read_bytes};

    fn read(text: &str) -> crate::Parsed {
        let options = ReadOptions { file_name: "test.ris".into(), format: Some(Format::Ris), encoding: None };
        read_bytes(text.as_bytes(), &options).unwrap()
    }

    #[test]
    fn tag_lines_are_recognised() {
        assert_eq!(tag_of(b"TY  - JOUR"), Some(b"TY"));
        assert_eq!(tag_of(b"ER  -"), Some(b"ER"));
        assert_eq!(tag_of(b"ER  - "), Some(b"ER"));
        assert_eq!(tag_of(b"ER"), Some(b"ER"));
        assert_eq!(tag_of(b"TY - JOUR"), Some(b"TY"));
        assert_eq!(tag_of(b"A1\t- First Authors"), Some(b"A1"));
        assert_eq!(tag_of(b"ID \t- ID"), Some(b"ID"));
        assert_eq!(tag_of(b"T1  - Title"), Some(b"T1"));
        assert_eq!(tag_of(b"OR"), None);
        assert_eq!(tag_of(b"Some text - more"), None);
        assert_eq!(tag_of(b"AB  -x"), None);
    }

    #[test]
    fn ovid_numbers_and_dates() {
        let parsed = read(
            "1.\nTY  - JOUR\nT1  - Detection of trees.\nA1  - Holmstrom, E.\nY1  - 2020//\nSP  - 1297\nEP  - 306\nER  -\nNL  - Clin Psychol\n\nLink to the Ovid Full Text\n\n2.\nTY  - JOUR\nT1  - Second\nER  -\n",
        );
        assert_eq!(parsed.records.len(), 2);
        let r = &parsed.records[0];
        assert_eq!(r.line, 2);
        assert_eq!(r.reference.title.as_deref(), Some("Detection of trees."));
        assert_eq!(r.reference.year, Some(2020));
        assert_eq!(r.reference.pages.as_deref(), Some("1297-1306"));
        assert_eq!(
            r.raw,
            "TY  - JOUR\nT1  - Detection of trees.\nA1  - Holmstrom, E.\nY1  - 2020//\nSP  - 1297\nEP  - 306\nER  -"
        );
        assert_eq!(parsed.records[1].line, 14);
    }

    #[test]
    fn records_without_ty_or_er() {
        let parsed = read("TI  - One\nER  - \nTI  - Two\nER  - \n");
        assert_eq!(parsed.records.len(), 2);
        let parsed = read("TY  - JOUR\nTI  - One\nTY  - JOUR\nTI  - Two\n");
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[1].reference.title.as_deref(), Some("Two"));
        assert!(parsed.summary.diagnostics.iter().any(|d| d.message.contains("no ER line")));
    }

    #[test]
    fn endnote_keyword_continuations_and_pubmed_accession() {
        let parsed = read(
            "TY  - JOUR\nAN  - 21553931\nDP  - NLM\nKW  - Animals\nAnti-Inflammatory Agents/pharmacology\nHumans\nAB  - First line\n  second line\nER  - \n",
        );
        let r = &parsed.records[0].reference;
        assert_eq!(r.pmid.as_deref(), Some("21553931"));
        assert_eq!(r.keywords, vec!["Animals", "Anti-Inflammatory Agents/pharmacology", "Humans"]);
        assert_eq!(r.abstract_text.as_deref(), Some("First line second line"));
    }

    #[test]
    fn accession_numbers_of_other_databases_are_not_pmids() {
        let parsed = read("TY  - JOUR\nAN  - 99065906\nDB  - 8gh\nTI  - X\nER  - \n");
        assert_eq!(parsed.records[0].reference.pmid, None);
        let parsed = read("TY  - JOUR\nU1  - 39012781 [PMID]\nTI  - X\nER  - \n");
        assert_eq!(parsed.records[0].reference.pmid.as_deref(), Some("39012781"));
    }

    #[test]
    fn unknown_tags_and_bad_dois_are_reported() {
        let parsed = read("TY  - JOUR\nTI  - X\nZZ  - what\nDO  - not a doi\nER  - \n");
        let messages: Vec<String> = parsed.summary.diagnostics.iter().map(ToString::to_string).collect();
        assert!(messages.iter().any(|m| m.contains("[ZZ]") && m.contains("line 3")), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("[DO]") && m.contains("line 4")), "{messages:?}");
    }
}
