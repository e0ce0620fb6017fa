//! BibTeX and BibLaTeX, as reference managers (Zotero, Mendeley, JabRef) and databases (Scopus,
//! Web of Science, Google Scholar) export them.
//!
//! The whole file is read before the first record is handed out, because `@string` macros and
//! `crossref` parents may come anywhere. Syntax is [`parse`]'s job, LaTeX markup [`latex`]'s,
//! names [`names`]'s; this file reads the input, resolves inheritance (`crossref`, `xref`,
//! `xdata`) and maps fields onto a [`Reference`].
//!
//! Inheritance follows BibLaTeX: a child takes the fields it lacks from its parent, and the
//! parent's title becomes the child's `booktitle` (or `journaltitle` under a `@periodical`),
//! never its title. Identifiers (DOI, PMID, URL) and the abstract are not inherited: a chapter
//! that took its book's DOI would look like a duplicate of the book. `@xdata` and `@set`
//! entries only hold shared fields or group other entries, so they are not records.

mod latex;
mod names;
mod parse;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Read;

use sift_domain::biblio::normalize;
use sift_domain::{Reference, WorkType};

use crate::ParsedRecord;
use crate::decode::{self, Utf8Input};
use crate::diagnostics::{Diagnostics, Severity};
use crate::tagged::record_shell;
use parse::{Entry, Field};

pub(crate) struct BibtexReader<R> {
    /// The input, until the first call reads all of it.
    input: Option<Utf8Input<R>>,
    records: std::vec::IntoIter<ParsedRecord>,
}

impl<R: Read> BibtexReader<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        BibtexReader { input: Some(input), records: Vec::new().into_iter() }
    }
}

impl<R: Read> crate::RecordSource for BibtexReader<R> {
    fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        if let Some(mut input) = self.input.take() {
            let mut bytes = Vec::new();
            if let Err(e) = input.read_to_end(&mut bytes) {
                diagnostics.fail(None, format!("could not read the file: {e}"));
                return None;
            }
            let text = decode_lines(&bytes, diagnostics);
            self.records = read_text(&text, diagnostics).into_iter();
        }
        self.records.next()
    }
}

/// The file as text. Lines that are not UTF-8 (a Latin-1 export pasted into a UTF-8 one) are
/// read as Windows-1252 with a warning, each on its own, so the rest of the file is untouched.
fn decode_lines<'a>(bytes: &'a [u8], diagnostics: &mut Diagnostics) -> Cow<'a, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Cow::Borrowed(text);
    }
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    for (line_idx, line) in bytes.split_inclusive(|b| *b == b'\n').enumerate() {
        text.push_str(&decode::record_text(line, line_idx as u32 + 1, diagnostics));
    }
    Cow::Owned(text)
}

/// Parses a whole file into records.
fn read_text(text: &str, diagnostics: &mut Diagnostics) -> Vec<ParsedRecord> {
    let entries = parse::parse(text, diagnostics);
    report_duplicate_keys(&entries, diagnostics);
    let inherited = resolve_inheritance(&entries, diagnostics);
    let mut records = Vec::with_capacity(entries.len());
    for (entry, inherited) in entries.iter().zip(inherited) {
        if NOT_RECORDS.contains(&entry.kind.as_str()) {
            diagnostics.repeat(
                Severity::Note,
                Some(entry.line),
                Some(&format!("@{}", entry.kind)),
                "entry only holds fields shared by other entries or groups them; not imported as a record",
            );
            continue;
        }
        let fields = inherited.as_deref().unwrap_or(&entry.fields);
        records.push(build(entry, fields, text, diagnostics));
    }
    records
}

/// Entry types that are not works.
const NOT_RECORDS: &[&str] = &["xdata", "set"];

/// Every entry type of BibTeX and BibLaTeX (with its aliases); others get a note.
const KNOWN_KINDS: &[&str] = &[
    "article",
    "book",
    "booklet",
    "conference",
    "inbook",
    "incollection",
    "inproceedings",
    "manual",
    "mastersthesis",
    "misc",
    "phdthesis",
    "proceedings",
    "techreport",
    "unpublished",
    "mvbook",
    "bookinbook",
    "suppbook",
    "periodical",
    "suppperiodical",
    "collection",
    "mvcollection",
    "suppcollection",
    "dataset",
    "online",
    "patent",
    "mvproceedings",
    "reference",
    "mvreference",
    "inreference",
    "report",
    "software",
    "thesis",
    "electronic",
    "www",
    "artwork",
    "audio",
    "bibnote",
    "commentary",
    "image",
    "jurisdiction",
    "legislation",
    "legal",
    "letter",
    "movie",
    "music",
    "performance",
    "review",
    "standard",
    "video",
    "xdata",
    "set",
];

fn report_duplicate_keys(entries: &[Entry], diagnostics: &mut Diagnostics) {
    let mut first_line: HashMap<String, u32> = HashMap::with_capacity(entries.len());
    for entry in entries.iter().filter(|e| !e.key.is_empty()) {
        match first_line.get(&entry.key.to_lowercase()) {
            Some(line) => diagnostics.warn(
                Some(entry.line),
                None,
                format!("key {} is used again (first at line {line}); both entries kept", entry.key),
            ),
            None => {
                first_line.insert(entry.key.to_lowercase(), entry.line);
            }
        }
    }
}

/// How an entry names the entry it inherits from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Crossref,
    Xref,
    Xdata,
}

impl Link {
    fn field(self) -> &'static str {
        match self {
            Link::Crossref => "crossref",
            Link::Xref => "xref",
            Link::Xdata => "xdata",
        }
    }
}

/// Chains of parents longer than this are cut, which also bounds the recursion.
const MAX_CHAIN: usize = 32;

/// Fields a child never takes from its parent: bookkeeping, and identifiers and text that
/// belong to the parent alone.
const NOT_INHERITED: &[&str] = &[
    "ids",
    "crossref",
    "xref",
    "xdata",
    "entryset",
    "entrysubtype",
    "execute",
    "label",
    "options",
    "presort",
    "related",
    "relatedoptions",
    "relatedstring",
    "relatedtype",
    "shorthand",
    "shorthandintro",
    "sortkey",
    "doi",
    "pmid",
    "pmcid",
    "pubmed_id",
    "eprint",
    "eprinttype",
    "eprintclass",
    "archiveprefix",
    "primaryclass",
    "url",
    "urldate",
    "abstract",
    "note",
    "annote",
    "annotation",
    "file",
    "keywords",
    "keyword",
    "author_keywords",
];

/// The parent's titles, which name the container in the child (see [`inherit`]).
const TITLE_FIELDS: &[&str] =
    &["title", "subtitle", "titleaddon", "shorttitle", "sorttitle", "indextitle", "indexsorttitle"];

/// Each entry's fields after inheritance, in entry order; `None` for an entry that inherits
/// nothing, whose own fields stand.
fn resolve_inheritance(entries: &[Entry], diagnostics: &mut Diagnostics) -> Vec<Option<Vec<Field>>> {
    let has_links =
        |e: &Entry| e.fields.iter().any(|f| matches!(f.name.as_str(), "crossref" | "xref" | "xdata"));
    if !entries.iter().any(has_links) {
        return vec![None; entries.len()];
    }
    let mut by_key: HashMap<String, usize> = HashMap::with_capacity(entries.len());
    for (entry_idx, entry) in entries.iter().enumerate().filter(|(_, e)| !e.key.is_empty()) {
        by_key.entry(entry.key.to_lowercase()).or_insert(entry_idx);
    }
    // BibLaTeX `ids` are aliases a crossref may use.
    for (entry_idx, entry) in entries.iter().enumerate() {
        for field in entry.fields.iter().filter(|f| f.name == "ids") {
            for alias in key_list(&field.value) {
                by_key.entry(alias.to_lowercase()).or_insert(entry_idx);
            }
        }
    }
    let mut inheritance = Inheritance {
        entries,
        by_key,
        resolved: vec![None; entries.len()],
        in_progress: vec![false; entries.len()],
    };
    (0..entries.len())
        .map(|entry_idx| {
            if has_links(&entries[entry_idx]) { inheritance.fields(entry_idx, 0, diagnostics) } else { None }
        })
        .collect()
}

struct Inheritance<'e> {
    entries: &'e [Entry],
    /// Lower-case key or alias to entry index.
    by_key: HashMap<String, usize>,
    resolved: Vec<Option<Vec<Field>>>,
    in_progress: Vec<bool>,
}

impl Inheritance<'_> {
    /// The entry's fields with everything inherited; `None` when the entry is already being
    /// resolved further up (a cycle) or the chain is too long.
    fn fields(
        &mut self,
        entry_idx: usize,
        depth: usize,
        diagnostics: &mut Diagnostics,
    ) -> Option<Vec<Field>> {
        if let Some(done) = &self.resolved[entry_idx] {
            return Some(done.clone());
        }
        let entry = &self.entries[entry_idx];
        if self.in_progress[entry_idx] || depth > MAX_CHAIN {
            diagnostics.warn(
                Some(entry.line),
                Some("crossref"),
                format!(
                    "entry {} is reached again through its own crossref chain (a cycle, or a chain longer than {MAX_CHAIN}); inheritance stops there",
                    entry.key
                ),
            );
            return None;
        }
        self.in_progress[entry_idx] = true;
        let mut fields = entry.fields.clone();
        for (link, parent_key) in links(entry) {
            match self.by_key.get(&parent_key.to_lowercase()).copied() {
                None => diagnostics.warn(
                    Some(entry.line),
                    Some(link.field()),
                    format!(
                        "entry {} refers to {parent_key}, which is not an entry in this file; nothing inherited",
                        entry.key
                    ),
                ),
                Some(parent_idx) => {
                    if let Some(parent) = self.fields(parent_idx, depth + 1, diagnostics) {
                        inherit(&mut fields, &parent, link, &self.entries[parent_idx].kind);
                    }
                }
            }
        }
        self.in_progress[entry_idx] = false;
        self.resolved[entry_idx] = Some(fields.clone());
        Some(fields)
    }
}

/// The entries an entry inherits from, in the order they apply.
fn links(entry: &Entry) -> Vec<(Link, String)> {
    let mut links = Vec::new();
    for (link, name) in [(Link::Crossref, "crossref"), (Link::Xdata, "xdata"), (Link::Xref, "xref")] {
        for field in entry.fields.iter().filter(|f| f.name == name) {
            let keys = key_list(&field.value);
            // Only `xdata` takes a list; a crossref is one key even if it holds a comma.
            if link == Link::Xdata {
                links.extend(keys.into_iter().map(|k| (link, k)));
            } else if let Some(key) = normalize::text(&latex::verbatim(&field.value)) {
                links.push((link, key));
            }
        }
    }
    links
}

fn key_list(value: &str) -> Vec<String> {
    latex::verbatim(value).split(',').filter_map(normalize::text).collect()
}

/// Adds to `fields` what the child lacks from `parent`.
fn inherit(fields: &mut Vec<Field>, parent: &[Field], link: Link, parent_kind: &str) {
    for field in parent {
        let name = field.name.as_str();
        if NOT_INHERITED.contains(&name) || (link != Link::Xdata && TITLE_FIELDS.contains(&name)) {
            continue;
        }
        if !fields.iter().any(|f| f.name == name) {
            fields.push(field.clone());
        }
    }
    if link == Link::Xdata {
        return;
    }
    if let Some(title) = parent.iter().find(|f| f.name == "title") {
        let (target, present): (&str, &[&str]) = if parent_kind == "periodical" {
            ("journaltitle", &["journal", "journaltitle"])
        } else {
            ("booktitle", &["booktitle"])
        };
        if !fields.iter().any(|f| present.contains(&f.name.as_str())) {
            fields.push(Field { name: target.to_string(), value: title.value.clone(), line: title.line });
        }
    }
}

/// First-occurrence lookup over an entry's fields.
struct Fields<'a>(&'a [Field]);

impl<'a> Fields<'a> {
    fn get(&self, name: &str) -> Option<&'a Field> {
        self.0.iter().find(|f| f.name == name)
    }

    /// A text field as plain, tidy Unicode.
    fn text(&self, name: &str) -> Option<String> {
        self.get(name).and_then(|f| normalize::text(&latex::to_unicode(&f.value)))
    }

    /// The first of several text fields that is present and not empty.
    fn text_of(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|name| self.text(name))
    }

    /// A verbatim field (DOI, URL, ids) with braces and escapes removed.
    fn verbatim(&self, name: &str) -> Option<String> {
        self.get(name).and_then(|f| normalize::text(&latex::verbatim(&f.value)))
    }
}

/// Maps one entry onto a record.
fn build(entry: &Entry, fields: &[Field], text: &str, diagnostics: &mut Diagnostics) -> ParsedRecord {
    let mut record = record_shell(&text[entry.span.clone()], entry.line);
    if !entry.key.is_empty() {
        record.source_id = Some(entry.key.clone());
    }
    report_repeated_fields(entry, diagnostics);
    let kind = entry.kind.as_str();
    if !KNOWN_KINDS.contains(&kind) {
        diagnostics.repeat(
            Severity::Note,
            Some(entry.line),
            Some(&format!("@{kind}")),
            "entry type is not part of BibTeX or BibLaTeX; read as an other work",
        );
    }
    let f = Fields(fields);
    let r = &mut record.reference;
    r.work_type = work_type(kind);
    let book_like = is_whole_book(kind);
    r.title = match (
        f.text("title").or_else(|| if book_like { f.text("booktitle") } else { None }),
        f.text("subtitle"),
    ) {
        (Some(title), Some(subtitle)) => Some(join_subtitle(&title, &subtitle)),
        (title, _) => title,
    };
    r.abstract_text = f.text("abstract");
    if let Some(author) = f.get("author") {
        r.authors = names::parse_names(&author.value);
    }
    r.year = ["year", "date", "issued"]
        .iter()
        .filter_map(|name| f.get(name))
        .find_map(|field| normalize::year(&latex::to_unicode(&field.value)));
    let journal = f.text_of(&["journal", "journaltitle"]);
    let booktitle = f.text("booktitle");
    r.journal = if is_part_of_book(kind) {
        booktitle.or(journal)
    } else if book_like {
        journal
    } else {
        journal.or(booktitle)
    };
    r.journal_abbrev = f
        .text_of(&["shortjournal", "journal-iso", "journalabbrev", "journal_abbrev", "abbrev_source_title"])
        .filter(|abbrev| Some(abbrev) != r.journal.as_ref());
    r.volume = f.text("volume");
    r.issue = f.text("issue").or_else(|| if number_is_issue(kind) { f.text("number") } else { None });
    r.pages = f.text_of(&["pages", "eid", "art_number", "articleno"]).and_then(|p| normalize::pages(&p));
    map_identifiers(&f, r, diagnostics);
    for name in ["keywords", "keyword", "author_keywords"] {
        for field in fields.iter().filter(|field| field.name == name) {
            push_keywords(&mut r.keywords, &latex::to_unicode(&field.value));
        }
    }
    r.language = f.text_of(&["language", "langid"]).and_then(|l| language(&l));
    r.url = f.verbatim("url").or_else(|| f.get("howpublished").and_then(|h| url_in(&h.value)));
    for name in ["issn", "isbn"] {
        if let Some(value) = f.text(name) {
            crate::ris::classify_standard_number(r, &value);
        }
    }
    r.publisher = f.text_of(&["publisher", "institution", "school", "organization"]);
    if let Some(document_type) = f.text("document_type") {
        r.publication_types.push(document_type);
    }
    if let Some(note) = f.text("note") {
        record.extra.push(("note".into(), note));
    }
    if let Some(editor) = f.get("editor") {
        let editors: Vec<String> =
            names::parse_names(&editor.value).iter().map(ToString::to_string).collect();
        if !editors.is_empty() {
            record.extra.push(("editor".into(), editors.join("; ")));
        }
    }
    if record.reference.is_empty() {
        diagnostics.repeat(
            Severity::Warning,
            Some(entry.line),
            None,
            "entry has no title, author, DOI or PMID; imported as it stands",
        );
    }
    record
}

/// DOI, PMID and PMCID, from their own fields or from `eprint`/`url`.
fn map_identifiers(f: &Fields<'_>, r: &mut Reference, diagnostics: &mut Diagnostics) {
    let eprint_type =
        f.verbatim("eprinttype").or_else(|| f.verbatim("archiveprefix")).map(|t| t.to_ascii_lowercase());
    let eprint = f.verbatim("eprint");
    let eprint_of = |types: &[&str]| {
        eprint.clone().filter(|_| eprint_type.as_deref().is_some_and(|t| types.contains(&t)))
    };
    if let Some(doi_field) = f.get("doi") {
        let value = latex::verbatim(&doi_field.value);
        r.doi = normalize::doi(&value);
        if r.doi.is_none() && !value.trim().is_empty() {
            diagnostics.repeat(
                Severity::Warning,
                Some(doi_field.line),
                Some("doi"),
                "value is not a DOI; left out of the DOI field (kept in the raw text)",
            );
        }
    }
    if r.doi.is_none() {
        let url = f.verbatim("url").filter(|u| u.contains("doi.org/"));
        r.doi = url.or_else(|| eprint_of(&["doi"])).and_then(|v| normalize::doi(&v));
    }
    r.pmid = ["pmid", "pubmed_id", "pubmed"]
        .iter()
        .filter_map(|name| f.verbatim(name))
        .chain(eprint_of(&["pubmed", "pmid"]))
        .find_map(|v| normalize::pmid(&v));
    r.pmcid = f
        .verbatim("pmcid")
        .or_else(|| eprint_of(&["pmc", "pmcid", "pubmedcentral"]))
        .and_then(|v| normalize::pmcid(&v));
}

/// Notes fields written twice in one entry; the first is used (keywords excepted).
fn report_repeated_fields(entry: &Entry, diagnostics: &mut Diagnostics) {
    let mut seen = std::collections::HashSet::with_capacity(entry.fields.len());
    for field in &entry.fields {
        if !seen.insert(field.name.as_str())
            && !matches!(field.name.as_str(), "keywords" | "keyword" | "author_keywords")
        {
            diagnostics.repeat(
                Severity::Note,
                Some(field.line),
                Some(&field.name),
                "field appears more than once in the entry; the first value is used",
            );
        }
    }
}

fn work_type(kind: &str) -> WorkType {
    match kind {
        "collection" | "mvcollection" | "reference" | "mvreference" => WorkType::Book,
        "bookinbook" | "suppbook" | "suppcollection" | "inreference" => WorkType::BookChapter,
        "www" => WorkType::Webpage,
        // `from_label` would read these as journal items.
        "letter" | "commentary" | "suppperiodical" => WorkType::Other,
        _ => WorkType::from_label(kind),
    }
}

/// Entry types that are part of a book or proceedings, whose `booktitle` is the container.
fn is_part_of_book(kind: &str) -> bool {
    matches!(
        kind,
        "inproceedings"
            | "conference"
            | "incollection"
            | "inbook"
            | "inreference"
            | "bookinbook"
            | "suppbook"
            | "suppcollection"
    )
}

/// Entry types that are a whole book: their `booktitle`, if any, is their own title.
fn is_whole_book(kind: &str) -> bool {
    matches!(
        kind,
        "book"
            | "mvbook"
            | "collection"
            | "mvcollection"
            | "proceedings"
            | "mvproceedings"
            | "reference"
            | "mvreference"
            | "booklet"
            | "manual"
    )
}

/// Whether `number` is a journal issue; elsewhere it numbers a report or a book in a series.
fn number_is_issue(kind: &str) -> bool {
    !is_part_of_book(kind)
        && !is_whole_book(kind)
        && !matches!(
            kind,
            "techreport" | "report" | "patent" | "standard" | "thesis" | "phdthesis" | "mastersthesis"
        )
}

fn join_subtitle(title: &str, subtitle: &str) -> String {
    if title.ends_with([':', '.', '?', '!']) {
        format!("{title} {subtitle}")
    } else {
        format!("{title}: {subtitle}")
    }
}

/// Keywords split on `;` when there is one (MeSH terms hold commas), otherwise on `,`.
fn push_keywords(keywords: &mut Vec<String>, value: &str) {
    let separator = if value.contains(';') { ';' } else { ',' };
    for keyword in value.split(separator).filter_map(normalize::text) {
        if !keywords.contains(&keyword) {
            keywords.push(keyword);
        }
    }
}

/// A language from `language` or BibLaTeX's `langid`, which uses babel names (`american`,
/// `ngerman`) and sometimes BCP 47 tags (`en-US`).
fn language(value: &str) -> Option<String> {
    let lower = value.to_ascii_lowercase();
    let name = match lower.as_str() {
        "american" | "british" | "usenglish" | "ukenglish" | "australian" | "canadian" | "newzealand" => {
            "English"
        }
        "ngerman" | "austrian" | "naustrian" | "swissgerman" | "nswissgerman" => "German",
        "francais" | "acadian" | "canadien" => "French",
        "brazil" | "brazilian" | "portuges" => "Portuguese",
        "nynorsk" | "norsk" => "Norwegian",
        _ => {
            let base = lower.split(['-', '_']).next().unwrap_or_default();
            if base.len() < lower.len() && (2..=3).contains(&base.len()) {
                return normalize::language(base);
            }
            return normalize::language(value);
        }
    };
    Some(name.to_string())
}

/// The URL of a `\url{...}` inside a field such as `howpublished`.
fn url_in(value: &str) -> Option<String> {
    let start = value.find("\\url{")? + "\\url{".len();
    let end = value[start..].find('}')? + start;
    normalize::text(&latex::verbatim(&value[start..end]))
}

#[cfg(test)]
mod tests {
    use sift_domain::Author;

    use super::*;
    use crate::{Format, ReadOptions, read_bytes};

    fn options() -> ReadOptions {
        ReadOptions { file_name: "test.bib".into(), format: Some(Format::Bibtex), encoding: None }
    }

    fn read(text: &str) -> crate::Parsed {
        read_bytes(text.as_bytes(), &options()).unwrap()
    }

    fn messages(parsed: &crate::Parsed) -> Vec<String> {
        parsed.summary.diagnostics.iter().map(ToString::to_string).collect()
    }

    fn by_key<'p>(parsed: &'p crate::Parsed, key: &str) -> &'p Reference {
        &parsed.records.iter().find(|r| r.source_id.as_deref() == Some(key)).unwrap().reference
    }

    const ARTICLE: &str = r#"% exported by hand
@Article{Steinbeck2003,
  author = {Steinbeck, Christoph and Han, Yongquan and {The CDK Consortium}},
  title = {{The Chemistry Development Kit ({CDK})}},
  subtitle = {an open-source {J}ava library},
  journal = {Journal of Chemical Information and Computer Sciences},
  shortjournal = {J Chem Inf Comput Sci},
  year = 2003, month = feb,
  volume = {43}, number = {2},
  pages = {493--500},
  doi = {https://doi.org/10.1021/CI025584Y},
  pmid = {12653513},
  issn = {0095-2338}, isbn = {2214707786},
  abstract = {Caf\'e na\"{\i}ve -- 5\% $\alpha$.},
  keywords = {cheminformatics, open source; Java},
  langid = {american},
  url = {http://www.ncbi.nlm.nih.gov/pubmed/12653513},
  publisher = {ACS},
  note = {cited By 0},
}
"#;

    #[test]
    fn maps_every_field_of_an_article() {
        let parsed = read(ARTICLE);
        assert_eq!(parsed.records.len(), 1);
        let record = &parsed.records[0];
        assert_eq!(record.line, 2);
        assert_eq!(record.source_id.as_deref(), Some("Steinbeck2003"));
        assert!(record.raw.starts_with("@Article{Steinbeck2003,") && record.raw.ends_with("cited By 0},\n}"));
        let r = &record.reference;
        assert_eq!(r.work_type, WorkType::JournalArticle);
        assert_eq!(
            r.title.as_deref(),
            Some("The Chemistry Development Kit (CDK): an open-source Java library")
        );
        assert_eq!(
            r.authors,
            [
                Author::new("Steinbeck", Some("Christoph".into())),
                Author::new("Han", Some("Yongquan".into())),
                Author::new("The CDK Consortium", None),
            ]
        );
        assert_eq!(r.year, Some(2003));
        assert_eq!(r.journal.as_deref(), Some("Journal of Chemical Information and Computer Sciences"));
        assert_eq!(r.journal_abbrev.as_deref(), Some("J Chem Inf Comput Sci"));
        assert_eq!((r.volume.as_deref(), r.issue.as_deref()), (Some("43"), Some("2")));
        assert_eq!(r.pages.as_deref(), Some("493-500"));
        assert_eq!(r.doi.as_deref(), Some("10.1021/ci025584y"));
        assert_eq!(r.pmid.as_deref(), Some("12653513"));
        assert_eq!(r.issn.as_deref(), Some("0095-2338"));
        assert_eq!(r.isbn.as_deref(), Some("2214707786"));
        assert_eq!(r.abstract_text.as_deref(), Some("Café naïve \u{2013} 5% α."));
        assert_eq!(r.keywords, ["cheminformatics, open source", "Java"]);
        assert_eq!(r.language.as_deref(), Some("English"));
        assert_eq!(r.url.as_deref(), Some("http://www.ncbi.nlm.nih.gov/pubmed/12653513"));
        assert_eq!(r.publisher.as_deref(), Some("ACS"));
        assert_eq!(record.extra, [("note".to_string(), "cited By 0".to_string())]);
        assert!(parsed.summary.diagnostics.is_empty(), "{:?}", messages(&parsed));
    }

    #[test]
    fn entry_types_and_containers() {
        let parsed = read(
            "@inproceedings{p, title={P}, booktitle={Proc. of X}, journal={LNCS}, number={7}}\n\
             @incollection{c, title={C}, booktitle={Handbook}}\n\
             @phdthesis{t, title={T}, school={Uni}}\n@mastersthesis{m, title={M}}\n\
             @techreport{r, title={R}, number={TR-1}, institution={Inst}}\n@misc{o, title={O}}\n\
             @online{w, title={W}}\n@book{b, booktitle={Only a booktitle}}\n@whatever{u, title={U}}\n",
        );
        let types: Vec<WorkType> = parsed.records.iter().map(|r| r.reference.work_type).collect();
        assert_eq!(
            types,
            [
                WorkType::ConferencePaper,
                WorkType::BookChapter,
                WorkType::Thesis,
                WorkType::Thesis,
                WorkType::Report,
                WorkType::Other,
                WorkType::Webpage,
                WorkType::Book,
                WorkType::Other,
            ]
        );
        assert_eq!(by_key(&parsed, "p").journal.as_deref(), Some("Proc. of X"));
        assert_eq!(by_key(&parsed, "p").issue, None);
        assert_eq!(by_key(&parsed, "c").journal.as_deref(), Some("Handbook"));
        assert_eq!(by_key(&parsed, "r").issue, None);
        assert_eq!(by_key(&parsed, "r").publisher.as_deref(), Some("Inst"));
        assert_eq!(by_key(&parsed, "b").title.as_deref(), Some("Only a booktitle"));
        assert!(messages(&parsed).iter().any(|m| m.contains("[@whatever]")));
    }

    #[test]
    fn identifiers_from_other_fields() {
        let parsed = read(
            "@article{a, title={A}, eprint={31234567}, eprinttype={pubmed}, url={https://doi.org/10.1000/XYZ}}\n\
             @article{b, title={B}, pubmed_id={7654321}, pmcid={PMC123}, doi={not a doi}}\n\
             @misc{c, title={C}, howpublished={\\url{https://example.org/a_b}}}\n",
        );
        let a = by_key(&parsed, "a");
        assert_eq!((a.pmid.as_deref(), a.doi.as_deref()), (Some("31234567"), Some("10.1000/xyz")));
        let b = by_key(&parsed, "b");
        assert_eq!(
            (b.pmid.as_deref(), b.pmcid.as_deref(), b.doi.as_deref()),
            (Some("7654321"), Some("PMC123"), None)
        );
        assert_eq!(by_key(&parsed, "c").url.as_deref(), Some("https://example.org/a_b"));
        assert!(messages(&parsed).iter().any(|m| m.contains("[doi]") && m.contains("line 2")));
    }

    #[test]
    fn year_from_date_and_languages() {
        let parsed = read(
            "@article{a, title={A}, date={2016-12-13}, langid={ngerman}}\n@article{b, title={B}, year={{13th Century}}, date={2016/2017}, language={en-US}}\n",
        );
        assert_eq!(by_key(&parsed, "a").year, Some(2016));
        assert_eq!(by_key(&parsed, "a").language.as_deref(), Some("German"));
        assert_eq!(by_key(&parsed, "b").year, Some(2016));
        assert_eq!(by_key(&parsed, "b").language.as_deref(), Some("English"));
    }

    const CROSSREFS: &str = "@inproceedings{child,\n  title = {Child},\n  author = {A, B},\n  crossref = {PARENT},\n}\n\n\
        @proceedings{parent,\n  title = {Proceedings of Things},\n  editor = {Ed, It},\n  year = 1999,\n  publisher = {Pub},\n  doi = {10.1/parent},\n}\n\n\
        @inbook{grandchild, title={G}, crossref={child}}\n\
        @article{orphan, title={O}, crossref={missing1}}\n\
        @book{circ1, date={1911}, crossref={circ2}}\n@book{circ2, date={1911}, crossref={circ1}}\n\
        @mvbook{ccr1, ids={ccr1alias}, title={Varia}, date={1934}}\n@book{ccr2, title={Misc}, crossref={ccr1alias}}\n\
        @periodical{polecon, title={Journal of Political Economy}, volume={115}}\n@article{arrgh, title={Arrgh}, crossref={polecon}}\n";

    #[test]
    fn crossref_children_inherit_from_parents() {
        let parsed = read(CROSSREFS);
        let child = by_key(&parsed, "child");
        assert_eq!(child.title.as_deref(), Some("Child"));
        assert_eq!(child.journal.as_deref(), Some("Proceedings of Things"));
        assert_eq!((child.year, child.publisher.as_deref()), (Some(1999), Some("Pub")));
        assert_eq!(child.doi, None, "identifiers are not inherited");
        let record = parsed.records.iter().find(|r| r.source_id.as_deref() == Some("child")).unwrap();
        assert!(record.extra.contains(&("editor".into(), "Ed, It".into())));
        // Cascading: the grandchild gets the proceedings' year through its parent.
        let grandchild = by_key(&parsed, "grandchild");
        assert_eq!(
            (grandchild.year, grandchild.journal.as_deref()),
            (Some(1999), Some("Proceedings of Things"))
        );
        // Through the `ids` alias of the parent.
        assert_eq!(by_key(&parsed, "ccr2").year, Some(1934));
        assert_eq!(by_key(&parsed, "arrgh").journal.as_deref(), Some("Journal of Political Economy"));
        assert_eq!(by_key(&parsed, "arrgh").volume.as_deref(), Some("115"));
        assert_eq!(parsed.records.len(), 10);
        let messages = messages(&parsed);
        assert!(messages.iter().any(|m| m.contains("line 16") && m.contains("missing1")), "{messages:?}");
        assert_eq!(messages.iter().filter(|m| m.contains("cycle")).count(), 1, "{messages:?}");
        assert!(!messages.iter().any(|m| m.contains("ccr1alias")), "{messages:?}");
    }

    #[test]
    fn xdata_is_inherited_but_not_a_record() {
        let parsed = read(
            "@XData{macmillan:name, publisher = {Macmillan}}\n@XData{macmillan, xdata = {macmillan:name}}\n\
             @Book{recursive, title = {R}, date = {2016}, xdata = {macmillan}}\n\
             @set{s, entryset = {recursive}, crossref = {recursive}}\n",
        );
        assert_eq!(parsed.records.len(), 1);
        assert_eq!(parsed.records[0].reference.publisher.as_deref(), Some("Macmillan"));
    }

    #[test]
    fn duplicate_keys_are_kept_with_a_warning() {
        let parsed = read("@article{dup, title={One}}\n@inproceedings{DUP, title={Two}}\n");
        assert_eq!(parsed.records.len(), 2);
        assert!(
            messages(&parsed)
                .iter()
                .any(|m| m.starts_with("line 2: warning") && m.contains("first at line 1"))
        );
    }

    #[test]
    fn comments_only_is_no_records() {
        let error =
            read_bytes(b"@comment{x}\n% nothing here\n@preamble{\"p\"}\n@string{a = {b}}\n", &options())
                .unwrap_err();
        assert!(error.message.contains("no bibtex records"), "{error}");
    }

    #[test]
    fn broken_entries_do_not_lose_the_rest_of_the_file() {
        let parsed = read(
            "@article{one,\n  title = {First},\n  author    \u{1f4af} {X},\n}\n\n@article{two,\n  title = {Open {brace,\n  year = 2013\n}\n\n@article{three,\n  title = {Third}\n}\n",
        );
        let titles: Vec<Option<&str>> = parsed.records.iter().map(|r| r.reference.title.as_deref()).collect();
        assert_eq!(titles, [Some("First"), None, Some("Third")]);
        assert_eq!(parsed.records[2].line, 11);
        let messages = messages(&parsed);
        assert!(
            messages.iter().any(|m| m.starts_with("line 3: warning: [author") && m.contains("entry one")),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.starts_with("line 11: warning: [title]") && m.contains("entry two")),
            "{messages:?}"
        );
    }

    #[test]
    fn latin1_lines_in_a_utf8_file() {
        let mut diagnostics = Diagnostics::default();
        let text = decode_lines(b"title={Caf\xC3\xA9}\ntitle={Ni\xF1o}\n", &mut diagnostics);
        assert_eq!(text, "title={Caf\u{e9}}\ntitle={Ni\u{f1}o}\n");
        let messages: Vec<String> = diagnostics.into_vec().iter().map(ToString::to_string).collect();
        assert!(messages.iter().any(|m| m.contains("line 2") && m.contains("Windows-1252")), "{messages:?}");
        // End to end, the stray line must come after the 64 KiB the encoding is sniffed from.
        let mut bytes = "@article{a, title={Caf\u{e9}}}\n".as_bytes().to_vec();
        bytes.extend(std::iter::repeat_n(b"% padding\n".as_slice(), 8000).flatten());
        bytes.extend_from_slice(b"@article{b, title={Ni\xF1o}}\n");
        let parsed = read_bytes(&bytes, &options()).unwrap();
        assert_eq!(by_key(&parsed, "a").title.as_deref(), Some("Café"));
        assert_eq!(by_key(&parsed, "b").title.as_deref(), Some("Niño"));
        assert_eq!(parsed.records[1].line, 8002);
    }

    #[test]
    fn scopus_export_fields() {
        let parsed = read(
            "@ARTICLE{Li2020,\nauthor={Li, W. and Dou, Z.},\ntitle={Soil fauna},\njournal={Ecosystem Health and Sustainability},\nyear={2020},\nnumber={1},\nart_number={1722034},\nauthor_keywords={Environmental factors;  Lake Taihu},\nfunding_details={A},\nfunding_details={B},\nfunding_text 1={The fund},\nabbrev_source_title={Ecosyst. Health Sustain.},\ndocument_type={Article},\nissn={20964129},\nsource={Scopus},\n}\n",
        );
        let r = &parsed.records[0].reference;
        assert_eq!(r.pages.as_deref(), Some("1722034"));
        assert_eq!(r.keywords, ["Environmental factors", "Lake Taihu"]);
        assert_eq!(r.journal_abbrev.as_deref(), Some("Ecosyst. Health Sustain."));
        assert_eq!(r.publication_types, ["Article"]);
        assert_eq!(r.issn.as_deref(), Some("2096-4129"));
        assert!(messages(&parsed).iter().any(|m| m.contains("[funding_details]") && m.contains("line 10")));
    }

    #[test]
    fn empty_entries_are_kept_with_a_warning() {
        let parsed = read("@book{r4, date={1911}}\n");
        assert_eq!(parsed.records.len(), 1);
        assert!(messages(&parsed).iter().any(|m| m.contains("no title, author")));
    }

    proptest::proptest! {
        /// Any text, however broken, reads without panicking, and every record's raw text is
        /// a piece of the input that starts with `@`.
        #[test]
        fn any_text_reads_without_panic(text in "(@article\\{|@string\\{|@comment\\{|[@{}()\"=,#%a-z0-9 \n\\\\'`~$^é\u{feff}-]){0,80}") {
            let mut diagnostics = Diagnostics::default();
            for record in read_text(&text, &mut diagnostics) {
                proptest::prop_assert!(record.raw.starts_with('@'));
                proptest::prop_assert!(text.contains(&record.raw));
            }
        }

        #[test]
        fn latex_and_names_never_panic(text in "[{}\\\\\"'`^~=.a-zA-Z ,$_&%#é-]{0,60}") {
            let _ = latex::to_unicode(&text);
            let _ = latex::verbatim(&text);
            let _ = names::parse_names(&text);
        }
    }
}
