//! Match keys: each record's fields reduced to the forms two databases agree on.
//!
//! Titles lose case, accents, punctuation, markup and MEDLINE's translation brackets; authors
//! become ASCII family names; journals become word lists that abbreviations can be compared
//! with; pages and volumes become their leading numbers. Erratum, retraction, comment, reply
//! and protocol notices are recognised so they are never merged with the article they refer to.

use sift_domain::{Reference, WorkType};

/// Kinds of record that refer to another article and must never be merged with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Notice {
    Erratum,
    Retraction,
    ExpressionOfConcern,
    Comment,
    Reply,
    Protocol,
}

/// One record's match keys.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prepared {
    /// Normalised title: lower-case ASCII words separated by single spaces; empty if none.
    pub title: String,
    pub n_title_words: usize,
    pub doi: Option<String>,
    pub pmid: Option<String>,
    pub year: Option<i32>,
    /// ASCII lower-case family names, in order.
    pub authors: Vec<String>,
    /// Every name part of the first author (family and given), for databases that swap or
    /// split them ("Xiaoguang, Wang" for "Wang, Xiaoguang"; "Le, Quintrec M.").
    pub first_author_parts: Vec<String>,
    /// The first letter of the first author's given name, if any.
    pub first_author_initial: Option<char>,
    /// Journal words, lower-case ASCII, without "the", "of", "and".
    pub journal: Vec<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    /// The issue names a supplement ("Suppl 2", "SUPPL"), numbered or not.
    pub supplement: bool,
    pub first_page: Option<String>,
    /// The first page is an article number with a letter (`e12724`, `a1754`, `c1804`), which
    /// cannot be compared with a page number.
    pub first_page_is_article_number: bool,
    pub last_page: Option<String>,
    /// Other forms of the title to compare: the main title without its subtitle, and a
    /// translation given in brackets ("Crowdwork [Arbeiten in der Crowd]").
    pub title_variants: Vec<String>,
    pub notice: Option<Notice>,
    pub conference_abstract: bool,
    /// Published in proceedings, whose names every database writes differently.
    pub proceedings: bool,
}

impl Prepared {
    pub fn new(r: &Reference) -> Prepared {
        let cleaned = r.title.as_deref().map(strip_annotations);
        let title = cleaned.as_deref().map(title_key).unwrap_or_default();
        let title_variants = cleaned.as_deref().map(title_variants).unwrap_or_default();
        let first_author_parts = r
            .authors
            .first()
            .map(|a| {
                let given = a.given.as_deref().unwrap_or("");
                a.family
                    .split([' ', '-'])
                    .chain(given.split([' ', '-', '.']))
                    .map(name_key)
                    .filter(|p| p.len() >= 2)
                    .collect()
            })
            .unwrap_or_default();
        let n_title_words = if title.is_empty() { 0 } else { title.split(' ').count() };
        let year = r.year.filter(|y| (1500..=2100).contains(y));
        Prepared {
            n_title_words,
            doi: r.doi.clone(),
            pmid: r.pmid.clone(),
            year,
            authors: if r.authors.first().is_some_and(|a| is_corporate(&a.family)) {
                // "ASCUS-LSIL Triage Study Group" in one database, its chair in another.
                Vec::new()
            } else {
                r.authors.iter().map(|a| name_key(&a.family)).filter(|a| !a.is_empty()).collect()
            },
            first_author_initial: r
                .authors
                .first()
                .and_then(|a| a.given.as_deref())
                .and_then(|g| deunicode::deunicode(g).chars().find(char::is_ascii_alphabetic))
                .map(|c| c.to_ascii_lowercase()),
            first_author_parts,
            title_variants,
            last_page: r.pages.as_deref().filter(|p| first_page(p).is_some()).and_then(last_page),
            first_page_is_article_number: r.pages.as_deref().is_some_and(|p| {
                p.trim_start().starts_with(|c: char| c.is_ascii_alphabetic()) && first_page(p).is_some()
            }),
            journal: r.journal.as_deref().map(journal_words).unwrap_or_default(),
            volume: r.volume.as_deref().filter(|v| !is_broken_volume(v)).and_then(leading_number),
            issue: r.issue.as_deref().and_then(leading_number),
            supplement: r.issue.as_deref().is_some_and(|i| i.to_ascii_lowercase().contains("suppl")),
            first_page: r.pages.as_deref().and_then(first_page),
            notice: notice(r),
            conference_abstract: r.work_type == WorkType::ConferenceAbstract
                || r.publication_types.iter().any(|t| {
                    let t = t.to_ascii_lowercase();
                    t.contains("conference abstract") || t.contains("meeting abstract")
                }),
            proceedings: r.work_type == WorkType::ConferencePaper
                || r.journal.as_deref().is_some_and(|j| {
                    let j = j.to_ascii_lowercase();
                    ["proceedings", "conference", "symposium", "congress", "workshop"]
                        .iter()
                        .any(|w| j.contains(w))
                }),
            title,
        }
    }

    pub fn first_author(&self) -> Option<&str> {
        self.authors.first().map(String::as_str)
    }
}

/// Drops what indexers append to titles: `[Review] [108 refs]`, `[French]`,
/// `.[Erratum appears in ...]`, `(multiple letters) [1]`.
pub fn strip_annotations(title: &str) -> String {
    let mut t = title.trim().to_string();
    // MEDLINE via Ovid appends ".[Erratum appears in J Clin Virol. 2006;37(2):137]" (and
    // "[Comment in ...]"), sometimes cut off by a length limit before the closing bracket.
    let lower = t.to_ascii_lowercase();
    for marker in ["[erratum appears in", "[comment in", "[comment on", "[retraction in", "[update in"] {
        if let Some(at) = lower.find(marker).filter(|&at| at > 0) {
            t.truncate(at);
            break;
        }
    }
    loop {
        let trimmed = t.trim_end_matches(['.', ' ']).to_string();
        let lower = trimmed.to_ascii_lowercase();
        let cut = if trimmed.ends_with(']') {
            trimmed.rfind('[').filter(|&open| {
                let inner = &lower[open + 1..lower.len() - 1];
                open > 0
                    && (inner.starts_with("erratum appears")
                        || inner.starts_with("comment")
                        || inner.starts_with("review")
                        || inner.ends_with(" refs")
                        || inner.parse::<u32>().is_ok()
                        || (!inner.contains(' ') && inner.chars().all(|c| c.is_ascii_alphabetic())))
            })
        } else {
            // Cochrane/CRD and letters sections append a parenthesised note.
            [
                "(multiple letters)",
                "(structured abstract)",
                "(brief record)",
                "(provisional abstract)",
                "(abstract)",
            ]
            .iter()
            .find(|note| lower.ends_with(*note))
            .map(|note| trimmed.len() - note.len())
        };
        match cut {
            Some(at) if at > 0 => t = trimmed[..at].to_string(),
            _ => return trimmed,
        }
    }
}

/// The main title (before a `:` subtitle) and a bracketed translation, normalised, when the
/// title has them.
fn title_variants(title: &str) -> Vec<String> {
    let mut variants = Vec::new();
    if let Some((main, subtitle)) = title.split_once(": ").or_else(|| title.split_once(" - ")) {
        // Either part may be all another database kept ("Thrombotic microangiopathy: can
        // liver-kidney transplantation cure aHUS?" / "Can liver-kidney transplantation ...").
        for part in [main, subtitle] {
            let key = title_key(part);
            if key.split(' ').count() >= 4 {
                variants.push(key);
            }
        }
    }
    if let (Some(open), true) = (title.find(" ["), title.trim_end_matches('.').ends_with(']')) {
        let inner = &title[open + 2..title.trim_end_matches('.').len() - 1];
        let (outer, inner) = (title_key(&title[..open]), title_key(inner));
        if inner.split(' ').count() >= 4 {
            variants.push(inner);
            variants.push(outer);
        }
    }
    variants
}

/// Lower-case ASCII words of a title, without markup, punctuation or translation brackets.
pub fn title_key(title: &str) -> String {
    let mut t = title.trim();
    // MEDLINE wraps translated titles in brackets: "[Treatment of pain in survivors]."
    if t.starts_with('[') {
        let inner = t.trim_start_matches('[');
        let inner = inner.trim_end_matches(['.', ' ']);
        if let Some(stripped) = inner.strip_suffix(']') {
            t = stripped;
        }
    }
    let without_markup = strip_markup(t);
    let ascii = deunicode::deunicode(&without_markup);
    let mut out = String::with_capacity(ascii.len());
    let mut space = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c.to_ascii_lowercase());
        } else {
            space = true;
        }
    }
    // Old MEDLINE titles end in "(author's transl)".
    for tail in [" author s transl", " authors transl"] {
        if let Some(stripped) = out.strip_suffix(tail) {
            out.truncate(stripped.len());
        }
    }
    out
}

fn strip_markup(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('<') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        // Only tag-like spans (`<i>`, `</sup>`, `<span class=..>`) are markup; "a < b" is text.
        match after.find('>') {
            Some(close)
                if after[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/') && close < 40 =>
            {
                rest = &after[close + 1..];
            }
            _ => {
                out.push('<');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// Whether an author is a group rather than a person.
fn is_corporate(family: &str) -> bool {
    let lower = family.to_ascii_lowercase();
    [
        "group",
        "study",
        "consortium",
        "collaborat",
        "committee",
        "investigators",
        "society",
        "association",
        "network",
        "organization",
        "organisation",
        "pharmaceuticals",
        "inc",
    ]
    .iter()
    .any(|w| lower.split(|c: char| !c.is_ascii_alphabetic()).any(|word| word.starts_with(w)))
}

/// ASCII lower-case letters of a family name ("Søndergaard" -> "sondergaard").
pub fn name_key(family: &str) -> String {
    let ascii = deunicode::deunicode(family).to_ascii_lowercase();
    let words: Vec<&str> =
        ascii.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| !w.is_empty()).collect();
    // "van der Graaf", "Van Graaf" and "Graaf" are one family name in different databases.
    const PARTICLES: &[&str] = &[
        "van", "der", "den", "de", "von", "le", "la", "del", "della", "di", "da", "dos", "du", "ten", "ter",
    ];
    let core: Vec<&str> = words.iter().copied().filter(|w| !PARTICLES.contains(w)).collect();
    if core.is_empty() { words.concat() } else { core.concat() }
}

fn journal_words(journal: &str) -> Vec<String> {
    // Embase names a congress supplement "Journal. Conference: 95th Annual Meeting ..."; the
    // journal is the part before. Parenthesised places ("Cardiology (Switzerland)") and
    // subtitles after " = " or ": " are dropped too.
    let mut journal = journal;
    for cut in [". Conference:", ".Conference:", " = ", " (", ": "] {
        if let Some(at) = journal.find(cut).filter(|&at| at > 0) {
            journal = &journal[..at];
        }
    }
    let ascii = deunicode::deunicode(journal).to_ascii_lowercase();
    ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !matches!(*w, "the" | "of" | "and" | "in" | "for" | "on" | "de" | "la"))
        .map(str::to_string)
        .collect()
}

/// The first run of digits ("108 Suppl 1" -> "108"), without leading zeros.
fn leading_number(text: &str) -> Option<String> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..].chars().take_while(char::is_ascii_digit).collect();
    let trimmed = digits.trim_start_matches('0');
    Some(if trimmed.is_empty() { "0".to_string() } else { trimmed.to_string() })
}

/// A volume left over from a split that went wrong ("1)" where the issue's "(1)" was cut):
/// says nothing, so it must not disagree with the real volume of another record.
fn is_broken_volume(volume: &str) -> bool {
    let v = volume.trim();
    v.ends_with(')') && !v.contains('(')
}

/// The digits of the first page of a range ("e0123-e0130" -> "123", "1297-1306" -> "1297").
fn first_page(pages: &str) -> Option<String> {
    let first = pages.split(['-', '\u{2013}', ',']).next()?.trim();
    leading_number(first)
}

/// The digits of the last page of a range, expanded as normalisation does ("1297-1306").
fn last_page(pages: &str) -> Option<String> {
    let (_, last) = pages.split_once('-')?;
    leading_number(last.trim())
}

/// Recognises notices that refer to another article, from publication types and titles.
fn notice(r: &Reference) -> Option<Notice> {
    for t in &r.publication_types {
        let t = t.to_ascii_lowercase();
        if t.contains("erratum") || t.contains("correction") {
            return Some(Notice::Erratum);
        }
        if t.contains("retraction") {
            return Some(Notice::Retraction);
        }
        if t.contains("expression of concern") {
            return Some(Notice::ExpressionOfConcern);
        }
        if t == "comment" {
            return Some(Notice::Comment);
        }
    }
    let title = strip_annotations(r.title.as_deref()?).to_ascii_lowercase();
    let title = title.trim_start_matches(['[', '(', '"', '\'']);
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| title.starts_with(p));
    if starts(&[
        "erratum",
        "errata",
        "corrigendum",
        "correction to",
        "correction:",
        "correction for",
        "correction of",
        "correction (",
    ]) || title.contains("[erratum")
        || title.ends_with("(erratum)")
    {
        return Some(Notice::Erratum);
    }
    // Web of Science names corrections "Title (vol 360, pg 542, 2009)"; Embase writes
    // "Title (Journal (2009) 360 (542-544))".
    if title.ends_with(')')
        && (title.contains("(vol ") && title.contains(", pg ") || embase_erratum_suffix(title))
    {
        return Some(Notice::Erratum);
    }
    if starts(&["retraction", "retracted:", "notice of retraction", "withdrawn:", "withdrawal notice"]) {
        return Some(Notice::Retraction);
    }
    if starts(&["expression of concern", "editorial expression of concern"]) {
        return Some(Notice::ExpressionOfConcern);
    }
    if starts(&[
        "comment on",
        "comments on",
        "commentary on",
        "re:",
        "letter regarding",
        "letter to the editor regarding",
    ]) {
        return Some(Notice::Comment);
    }
    if starts(&[
        "reply",
        "in reply",
        "response to",
        "author reply",
        "authors' reply",
        "author's reply",
        "the authors reply",
    ]) || title.contains("reply to comment")
    {
        return Some(Notice::Reply);
    }
    if title.contains("protocol for a")
        || title.contains("study protocol")
        || title.contains("trial protocol")
        || title.contains("review protocol")
        || title.ends_with(": a protocol")
        || title.ends_with(": protocol")
        || title.contains("protocol of a")
    {
        return Some(Notice::Protocol);
    }
    None
}

/// `... (New England Journal of Medicine (2009) 360 (542-544))`: a citation in parentheses.
fn embase_erratum_suffix(title: &str) -> bool {
    let parse = || -> Option<bool> {
        let body = title.strip_suffix("))")?;
        let (before, pages) = body.rsplit_once(" (")?;
        let (head, volume) = before.rsplit_once(") ")?;
        let (journal, year) = head.rsplit_once(" (")?;
        Some(
            pages.chars().any(|c| c.is_ascii_digit())
                && !volume.is_empty()
                && volume.chars().all(|c| c.is_ascii_digit())
                && year.len() == 4
                && year.chars().all(|c| c.is_ascii_digit())
                && journal.contains(" ("),
        )
    };
    parse().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sift_domain::Author;

    #[test]
    fn titles_lose_case_accents_markup_and_brackets() {
        assert_eq!(title_key("[Treatment of pain in survivors]."), "treatment of pain in survivors");
        assert_eq!(
            title_key("Effect of <i>β</i>-blockers: a meta-analysis"),
            "effect of b blockers a meta analysis"
        );
        assert_eq!(title_key("Søndergaard's  trial (author's transl)"), "sondergaard s trial");
        assert_eq!(title_key("a < b and c > d"), "a b and c d");
    }

    #[test]
    fn indexer_annotations_are_dropped() {
        assert_eq!(strip_annotations("Genetics of factor H. [Review] [108 refs]"), "Genetics of factor H");
        assert_eq!(strip_annotations("Nocturnal hemoglobinuria. [French]"), "Nocturnal hemoglobinuria");
        assert_eq!(
            strip_annotations("Syndrome.[Erratum appears in N Engl J Med. 2009;360:2487]"),
            "Syndrome"
        );
        assert_eq!(strip_annotations("Streptococcus (multiple letters) [1]"), "Streptococcus");
        assert_eq!(strip_annotations("[Treatment of pain]."), "[Treatment of pain]");
        assert_eq!(
            strip_annotations("Crowdwork [Arbeiten in der Crowd: Perspektiven]"),
            "Crowdwork [Arbeiten in der Crowd: Perspektiven]"
        );
    }

    #[test]
    fn notices_are_recognised() {
        let r = |title: &str, types: &[&str]| Reference {
            title: Some(title.into()),
            publication_types: types.iter().map(|t| t.to_string()).collect(),
            ..Reference::default()
        };
        assert_eq!(notice(&r("Erratum: Duloxetine for pain", &[])), Some(Notice::Erratum));
        assert_eq!(notice(&r("Duloxetine for pain", &["Published Erratum"])), Some(Notice::Erratum));
        assert_eq!(notice(&r("Retracted: Duloxetine for pain", &[])), Some(Notice::Retraction));
        assert_eq!(notice(&r("Reply to comment on duloxetine", &[])), Some(Notice::Reply));
        assert_eq!(
            notice(&r("Exercise for neuropathy: study protocol for a randomised trial", &[])),
            Some(Notice::Protocol)
        );
        assert_eq!(notice(&r("Duloxetine for painful neuropathy", &["Journal Article"])), None);
        assert_eq!(notice(&r("Corrections in the spine", &[])), None);
        assert_eq!(
            notice(&r("Eculizumab for Atypical Hemolytic-Uremic Syndrome (vol 360, pg 542, 2009)", &[])),
            Some(Notice::Erratum)
        );
        assert_eq!(
            notice(&r(
                "Eculizumab for atypical hemolytic-uremic syndrome (New England Journal of Medicine (2009) 360 (542-544))",
                &[]
            )),
            Some(Notice::Erratum)
        );
        assert_eq!(notice(&r("Pain in survivors (a cohort study)", &[])), None);
    }

    #[test]
    fn keys_of_a_record() {
        let p = Prepared::new(&Reference {
            title: Some("A Trial".into()),
            authors: vec![Author::new("Müller-Lüdenscheidt", Some("H".into()))],
            journal: Some("The Journal of Clinical Oncology".into()),
            volume: Some("108 Suppl 1".into()),
            pages: Some("e0123-e0130".into()),
            year: Some(3020),
            ..Reference::default()
        });
        assert_eq!(p.authors, vec!["mullerludenscheidt"]);
        assert_eq!(p.journal, vec!["journal", "clinical", "oncology"]);
        assert_eq!(p.volume.as_deref(), Some("108"));
        assert_eq!(p.first_page.as_deref(), Some("123"));
        assert_eq!(p.year, None, "an absurd year is no year");
    }
}
