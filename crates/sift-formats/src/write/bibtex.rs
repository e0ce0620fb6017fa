//! BibTeX out: one `@type{key, field = {value}, ...}` entry per record.
//!
//! The key is the record's id when that is a safe BibTeX key, else `{family}{year}` from the
//! first author, ASCII-folded and lower case (`muller2020`), with `a`, `b`, ... added when a
//! key repeats. Values are braced, with TeX's special characters escaped, except `url` and
//! `doi`, which BibLaTeX reads verbatim. Corporate authors (no given name) are braced so
//! BibTeX does not split them into names.

use std::collections::HashSet;
use std::io::{self, Write};

use sift_domain::{Author, WorkType};

use super::{ExportRecord, one_line};

pub(super) struct BibtexWriter<W: Write> {
    out: W,
    used_keys: HashSet<String>,
}

impl<W: Write> BibtexWriter<W> {
    pub(super) fn new(out: W) -> Self {
        BibtexWriter { out, used_keys: HashSet::new() }
    }

    pub(super) fn write(&mut self, record: &ExportRecord<'_>) -> io::Result<()> {
        let r = record.reference;
        let entry_type = entry_type(r.work_type);
        let key = self.key_for(record);
        let mut fields = Fields(Vec::new());
        if !r.authors.is_empty() {
            let authors: Vec<String> = r.authors.iter().map(author).collect();
            fields.push("author", Some(&authors.join(" and ")), str::to_string);
        }
        fields.push("title", r.title.as_deref(), escape);
        let container = match entry_type {
            "incollection" | "inproceedings" => "booktitle",
            _ => "journal",
        };
        fields.push(container, r.journal.as_deref(), escape);
        fields.push("shortjournal", r.journal_abbrev.as_deref(), escape);
        fields.push("year", r.year.map(|y| y.to_string()).as_deref(), escape);
        fields.push("volume", r.volume.as_deref(), escape);
        // `number` is a journal issue only in articles and the like; elsewhere it numbers a
        // report or a volume in a series, so the issue goes in BibLaTeX's `issue`.
        let issue = match entry_type {
            "article" | "misc" | "unpublished" => "number",
            _ => "issue",
        };
        fields.push(issue, r.issue.as_deref(), escape);
        fields.push("pages", r.pages.as_deref(), page_range);
        let publisher = match entry_type {
            "phdthesis" => "school",
            "techreport" => "institution",
            _ => "publisher",
        };
        fields.push(publisher, r.publisher.as_deref(), escape);
        fields.push("issn", r.issn.as_deref(), escape);
        fields.push("isbn", r.isbn.as_deref(), escape);
        fields.push("pmid", r.pmid.as_deref(), escape);
        fields.push("pmcid", r.pmcid.as_deref(), escape);
        fields.push("language", r.language.as_deref(), escape);
        fields.push("keywords", keyword_list(&r.keywords).as_deref(), escape);
        fields.push("abstract", r.abstract_text.as_deref(), escape);
        fields.push("doi", r.doi.as_deref(), verbatim);
        fields.push("url", r.url.as_deref(), verbatim);
        write!(self.out, "@{entry_type}{{{key}")?;
        for (name, value) in &fields.0 {
            write!(self.out, ",\n  {name} = {{{value}}}")?;
        }
        self.out.write_all(b"\n}\n\n")
    }

    pub(super) fn finish(self) -> W {
        self.out
    }

    /// The record's id if it is a safe key not used before, else a generated one.
    fn key_for(&mut self, record: &ExportRecord<'_>) -> String {
        if let Some(id) = record.id
            && is_safe_key(id)
            && !self.used_keys.contains(id)
        {
            self.used_keys.insert(id.to_string());
            return id.to_string();
        }
        let r = record.reference;
        let family = r.authors.first().map(|a| ascii_key(&a.family)).unwrap_or_default();
        let family = if family.is_empty() { "anon".to_string() } else { family };
        let base = format!("{family}{}", r.year.map(|y| y.to_string()).unwrap_or_default());
        let mut key = base.clone();
        let mut n = 0;
        while self.used_keys.contains(&key) {
            key = format!("{base}{}", letters(n));
            n += 1;
        }
        self.used_keys.insert(key.clone());
        key
    }
}

/// An entry's fields, in the order written.
struct Fields(Vec<(&'static str, String)>);

impl Fields {
    /// Adds a field unless the value is missing or blank; `encode` makes it BibTeX.
    fn push(&mut self, name: &'static str, value: Option<&str>, encode: fn(&str) -> String) {
        if let Some(value) = value.map(one_line).filter(|v| !v.is_empty()) {
            self.0.push((name, encode(&value)));
        }
    }
}

/// A page range with TeX's en dash `--`; the parts are escaped on their own, so the dash is
/// not broken up as a ligature.
fn page_range(pages: &str) -> String {
    match pages.split_once('-') {
        Some((start, end)) => format!("{}--{}", escape(start), escape(end)),
        None => escape(pages),
    }
}

/// Keywords joined with `, `, the BibLaTeX convention; with `; ` when a keyword holds a
/// comma (readers split on `;` when there is one), and a lone such keyword ends in `;`.
fn keyword_list(keywords: &[String]) -> Option<String> {
    if keywords.is_empty() {
        return None;
    }
    if !keywords.iter().any(|k| k.contains(',')) {
        return Some(keywords.join(", "));
    }
    let mut list = keywords.join("; ");
    if keywords.len() == 1 {
        list.push(';');
    }
    Some(list)
}

/// The entry type for a work type.
fn entry_type(work_type: WorkType) -> &'static str {
    match work_type {
        WorkType::JournalArticle => "article",
        WorkType::Book => "book",
        WorkType::BookChapter => "incollection",
        WorkType::ConferencePaper | WorkType::ConferenceAbstract => "inproceedings",
        WorkType::Thesis => "phdthesis",
        WorkType::Report => "techreport",
        WorkType::Preprint => "unpublished",
        WorkType::Dataset | WorkType::Webpage | WorkType::Patent | WorkType::Standard | WorkType::Other => {
            "misc"
        }
    }
}

/// `Family, Given`; a name that would confuse BibTeX's name parser (a corporate author, a
/// family name with a comma or an `and`) is braced. A name with only a given part is written
/// as a corporate name, as the RIS and CSV readers read `, Given`.
fn author(author: &Author) -> String {
    let family = escape(&one_line(&author.family));
    let given = author.given.as_deref().map(one_line).filter(|g| !g.is_empty()).map(|g| escape(&g));
    let awkward = family.contains(',') || family.to_ascii_lowercase().contains(" and ");
    match given {
        Some(given) if family.is_empty() => format!("{{{given}}}"),
        Some(given) if awkward => format!("{{{family}}}, {given}"),
        Some(given) => format!("{family}, {given}"),
        None => format!("{{{family}}}"),
    }
}

/// Escapes the characters TeX reserves, so braces stay balanced and `%` is not a comment,
/// and breaks up TeX's ligatures (`--` is a dash, `''` a closing quote) with `{}`.
fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut previous = None;
    for c in value.chars() {
        if matches!(c, '-' | '\'' | '`') && previous == Some(c) {
            out.push_str("{}");
        }
        previous = Some(c);
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '&' | '%' | '$' | '#' | '_' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            c => out.push(c),
        }
    }
    out
}

/// A verbatim field (`url`, `doi`): only braces, which would unbalance the entry, and the
/// backslash before them are percent-encoded.
fn verbatim(value: &str) -> String {
    value.replace('\\', "%5C").replace('{', "%7B").replace('}', "%7D")
}

/// Whether `id` can be a BibTeX key as it stands.
fn is_safe_key(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b':' | b'.' | b'/' | b'+'))
}

/// `a`, `b`, ..., `z`, `aa`, `ab`, ...: the suffix that tells repeated keys apart.
fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A name as key material: Latin letters folded to ASCII, lower case, letters and digits only.
fn ascii_key(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if let Some(folded) = fold(c) {
            out.push_str(folded);
        }
    }
    out
}

/// The ASCII letters for a Latin-1 or Latin Extended-A letter.
fn fold(c: char) -> Option<&'static str> {
    let folded = match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "a",
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'Ð' | 'ð' | 'Ď'..='đ' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "e",
        'Ĝ'..='ģ' => "g",
        'Ĥ'..='ħ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "i",
        'Ĳ' | 'ĳ' => "ij",
        'Ĵ' | 'ĵ' => "j",
        'Ķ'..='ĸ' => "k",
        'Ĺ'..='ł' => "l",
        'Ñ' | 'ñ' | 'Ń'..='ŋ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'Ś'..='š' | 'ſ' => "s",
        'ß' => "ss",
        'Ţ'..='ŧ' => "t",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ'..='Ÿ' => "y",
        'Ź'..='ž' => "z",
        'Þ' | 'þ' => "th",
        _ => return None,
    };
    Some(folded)
}

#[cfg(test)]
mod tests {
    use sift_domain::{Author, Reference, WorkType};

    use super::*;
    use crate::write::testing::{full_reference, written};
    use crate::write::{ExportFormat, ExportRecord, RecordWriter};

    #[test]
    fn a_full_entry() {
        assert_eq!(
            written(ExportFormat::Bibtex, &[full_reference()]),
            "@article{rec-1,\n  author = {Müller, Jörg A. and {WHO Study Group}},\n  \
             title = {Effects of 50\\% less sugar \\& more\\_salt on \\{rats\\}},\n  \
             journal = {Journal of Tests},\n  shortjournal = {J Tests},\n  year = {2020},\n  \
             volume = {12},\n  number = {3},\n  pages = {1297--1306},\n  publisher = {Test Press},\n  \
             issn = {1234-567X},\n  isbn = {9783161484100},\n  pmid = {32336025},\n  \
             pmcid = {PMC7123456},\n  language = {English},\n  keywords = {Rats; Sugar, dietary},\n  \
             abstract = {Background: line one line two.},\n  doi = {10.1000/xyz_1},\n  \
             url = {https://example.org/a_b?x=1}\n}\n\n"
        );
    }

    #[test]
    fn keys_are_generated_when_ids_are_unsafe_or_repeat() {
        let mut writer = RecordWriter::new(Vec::new(), ExportFormat::Bibtex);
        let smith = Reference {
            authors: vec![Author::new("Ødegård-Smith", Some("Å".into()))],
            year: Some(2020),
            ..Reference::default()
        };
        let anonymous = Reference::default();
        for (reference, id) in [
            (&smith, Some("has space")),
            (&smith, None),
            (&smith, Some("odegardsmith2020")),
            (&anonymous, None),
        ] {
            writer.write(&ExportRecord { reference, id, source_file: None, source_line: None }).unwrap();
        }
        let out = String::from_utf8(writer.finish().unwrap()).unwrap();
        let keys: Vec<&str> =
            out.lines().filter_map(|l| l.strip_prefix('@')).map(|l| l.trim_end_matches(',')).collect();
        assert_eq!(
            keys,
            vec!["misc{odegardsmith2020", "misc{odegardsmith2020a", "misc{odegardsmith2020b", "misc{anon"]
        );
    }

    #[test]
    fn entry_types_and_containers() {
        let chapter = Reference {
            work_type: WorkType::BookChapter,
            journal: Some("The Book".into()),
            publisher: Some("P".into()),
            ..Reference::default()
        };
        let thesis =
            Reference { work_type: WorkType::Thesis, publisher: Some("Uni".into()), ..Reference::default() };
        let out = written(ExportFormat::Bibtex, &[chapter, thesis]);
        assert!(
            out.contains("@incollection{rec-1,\n  booktitle = {The Book},\n  publisher = {P}\n}"),
            "{out}"
        );
        assert!(out.contains("@phdthesis{rec-2,\n  school = {Uni}\n}"), "{out}");
    }

    #[test]
    fn escaping_keeps_braces_balanced() {
        assert_eq!(escape(r"a\b {c} ~^"), r"a\textbackslash{}b \{c\} \textasciitilde{}\textasciicircum{}");
        assert_eq!(escape("a--b ''c'' ``d"), "a-{}-b '{}'c'{}' `{}`d");
        let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(keyword_list(&strings(&["a", "b"])).as_deref(), Some("a, b"));
        assert_eq!(keyword_list(&strings(&["a", "b, c"])).as_deref(), Some("a; b, c"));
        assert_eq!(keyword_list(&strings(&["b, c"])).as_deref(), Some("b, c;"));
        assert_eq!(keyword_list(&[]), None);
        assert_eq!(verbatim("http://x/{a}"), "http://x/%7Ba%7D");
        assert_eq!(author(&Author::new("Smith, Jr", Some("J".into()))), "{Smith, Jr}, J");
        assert_eq!(letters(0), "a");
        assert_eq!(letters(25), "z");
        assert_eq!(letters(26), "aa");
        assert_eq!(ascii_key("Łukasiewicz-Ñúñez"), "lukasiewicznunez");
        assert_eq!(ascii_key("王"), "");
    }
}
