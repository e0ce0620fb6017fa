//! Bibliographic references and the normalisation every reader applies to them.
//!
//! Readers in `sift-formats` fill a [`Reference`] from whatever a database exported; the
//! functions in [`normalize`] turn the many spellings of a DOI, a page range, a year or an
//! author into one, so that records from different databases compare equal when they are.

use std::fmt;

use serde::{Deserialize, Serialize};

pub mod normalize;

/// The parsed, normalised fields of one imported record. The record's raw text is kept
/// beside it by the caller; nothing here is ever the only copy of what a database sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub work_type: WorkType,
    pub title: Option<String>,
    /// `abstract` is a Rust keyword, hence the longer name.
    pub abstract_text: Option<String>,
    pub authors: Vec<Author>,
    pub year: Option<i32>,
    /// The journal (or book, or proceedings) the work appeared in, full title when known.
    pub journal: Option<String>,
    pub journal_abbrev: Option<String>,
    pub volume: Option<String>,
    pub issue: Option<String>,
    /// Normalised page range, e.g. `1297-1306`, or an article number such as `e0123`.
    pub pages: Option<String>,
    /// Lower case, without `https://doi.org/` or `doi:` prefixes.
    pub doi: Option<String>,
    /// Digits only.
    pub pmid: Option<String>,
    /// `PMC` followed by digits.
    pub pmcid: Option<String>,
    pub issn: Option<String>,
    pub isbn: Option<String>,
    pub publisher: Option<String>,
    /// English name of the language, e.g. `English` (exports often say `eng`).
    pub language: Option<String>,
    pub publication_types: Vec<String>,
    /// Author keywords and subject headings (MeSH, Emtree), in the order exported.
    pub keywords: Vec<String>,
    pub url: Option<String>,
}

impl Reference {
    /// Whether nothing that identifies a work was found: no title, author, DOI or PMID.
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.authors.is_empty() && self.doi.is_none() && self.pmid.is_none()
    }

    /// Authors as `Family, Given` strings, the form exports and JSON Lines use.
    pub fn author_strings(&self) -> Vec<String> {
        self.authors.iter().map(ToString::to_string).collect()
    }
}

/// One author. Corporate authors ("WHO Study Group") have a family name only.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Author {
    pub family: String,
    pub given: Option<String>,
}

impl Author {
    pub fn new(family: impl Into<String>, given: Option<String>) -> Author {
        Author { family: family.into(), given }
    }
}

impl fmt::Display for Author {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.given {
            Some(given) => write!(f, "{}, {}", self.family, given),
            None => f.write_str(&self.family),
        }
    }
}

/// What kind of work a record describes, reduced from the dozens of RIS, MEDLINE, BibTeX and
/// EndNote type codes to the distinctions screening and deduplication care about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkType {
    JournalArticle,
    Book,
    BookChapter,
    ConferencePaper,
    ConferenceAbstract,
    Thesis,
    Report,
    Preprint,
    Dataset,
    Webpage,
    Patent,
    Standard,
    #[default]
    Other,
}

impl WorkType {
    pub const ALL: &'static [WorkType] = &[
        WorkType::JournalArticle,
        WorkType::Book,
        WorkType::BookChapter,
        WorkType::ConferencePaper,
        WorkType::ConferenceAbstract,
        WorkType::Thesis,
        WorkType::Report,
        WorkType::Preprint,
        WorkType::Dataset,
        WorkType::Webpage,
        WorkType::Patent,
        WorkType::Standard,
        WorkType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WorkType::JournalArticle => "journal_article",
            WorkType::Book => "book",
            WorkType::BookChapter => "book_chapter",
            WorkType::ConferencePaper => "conference_paper",
            WorkType::ConferenceAbstract => "conference_abstract",
            WorkType::Thesis => "thesis",
            WorkType::Report => "report",
            WorkType::Preprint => "preprint",
            WorkType::Dataset => "dataset",
            WorkType::Webpage => "webpage",
            WorkType::Patent => "patent",
            WorkType::Standard => "standard",
            WorkType::Other => "other",
        }
    }

    pub fn parse(name: &str) -> Option<WorkType> {
        WorkType::ALL.iter().copied().find(|t| t.as_str() == name)
    }

    /// The RIS `TY` code, as Sift writes it.
    pub fn ris_code(self) -> &'static str {
        match self {
            WorkType::JournalArticle => "JOUR",
            WorkType::Book => "BOOK",
            WorkType::BookChapter => "CHAP",
            WorkType::ConferencePaper => "CPAPER",
            WorkType::ConferenceAbstract => "ABST",
            WorkType::Thesis => "THES",
            WorkType::Report => "RPRT",
            WorkType::Preprint => "INPR",
            WorkType::Dataset => "DATA",
            WorkType::Webpage => "ELEC",
            WorkType::Patent => "PAT",
            WorkType::Standard => "STAND",
            WorkType::Other => "GEN",
        }
    }

    /// Maps a RIS `TY` code (any flavour) to a work type; unknown codes are `Other`.
    pub fn from_ris_code(code: &str) -> WorkType {
        match code.trim().to_ascii_uppercase().as_str() {
            "JOUR" | "JFULL" | "EJOUR" | "MGZN" | "NEWS" | "SER" => WorkType::JournalArticle,
            "BOOK" | "EBOOK" | "EDBOOK" | "CTLG" => WorkType::Book,
            "CHAP" | "ECHAP" => WorkType::BookChapter,
            "CONF" | "CPAPER" => WorkType::ConferencePaper,
            "ABST" | "MEET" => WorkType::ConferenceAbstract,
            "THES" => WorkType::Thesis,
            "RPRT" | "GOVDOC" => WorkType::Report,
            "INPR" => WorkType::Preprint,
            "DATA" | "DBASE" | "AGGR" => WorkType::Dataset,
            "ELEC" | "WEB" | "BLOG" | "ICOMM" => WorkType::Webpage,
            "PAT" => WorkType::Patent,
            "STAND" => WorkType::Standard,
            _ => WorkType::Other,
        }
    }

    /// Maps a free-text document type ("Journal Article", "Conference Abstract",
    /// "Article in Press", BibTeX `@inproceedings`, MEDLINE `PT`) to a work type.
    pub fn from_label(label: &str) -> WorkType {
        let l = label.trim().to_ascii_lowercase();
        let l = l.as_str();
        if l.is_empty() {
            return WorkType::Other;
        }
        if l.contains("conference abstract") || l.contains("meeting abstract") || l == "abstract" {
            WorkType::ConferenceAbstract
        } else if l.contains("conference")
            || l.contains("proceedings")
            || l.contains("congress")
            || l == "inproceedings"
            || l == "meeting"
        {
            WorkType::ConferencePaper
        } else if l.contains("chapter") || l == "incollection" || l == "inbook" || l == "book section" {
            WorkType::BookChapter
        } else if l.contains("thesis") || l.contains("dissertation") {
            WorkType::Thesis
        } else if l.contains("preprint") || l.contains("in press") || l == "unpublished" {
            WorkType::Preprint
        } else if l.contains("report") || l == "techreport" || l.contains("government") {
            WorkType::Report
        } else if l.contains("patent") {
            WorkType::Patent
        } else if l.contains("dataset") || l.contains("data set") {
            WorkType::Dataset
        } else if l.contains("web") || l == "online" || l == "electronic" || l == "blog post" {
            WorkType::Webpage
        } else if l == "standard" {
            WorkType::Standard
        } else if l.contains("book") || l == "booklet" || l == "manual" || l == "monograph" {
            WorkType::Book
        } else if l.contains("article")
            || l.contains("journal")
            || l.contains("review")
            || l.contains("letter")
            || l.contains("editorial")
            || l.contains("note")
            || l.contains("comment")
            || l.contains("erratum")
            || l.contains("trial")
            || l == "j"
            || l == "jour"
        {
            WorkType::JournalArticle
        } else {
            WorkType::from_ris_code(l)
        }
    }
}

impl fmt::Display for WorkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_types_round_trip_through_names_and_ris() {
        for t in WorkType::ALL {
            assert_eq!(WorkType::parse(t.as_str()), Some(*t));
            assert_eq!(WorkType::from_ris_code(t.ris_code()), *t);
        }
    }

    #[test]
    fn labels_map_to_types() {
        assert_eq!(WorkType::from_label("Journal Article"), WorkType::JournalArticle);
        assert_eq!(WorkType::from_label("Conference Abstract"), WorkType::ConferenceAbstract);
        assert_eq!(WorkType::from_label("Conference Paper"), WorkType::ConferencePaper);
        assert_eq!(WorkType::from_label("inproceedings"), WorkType::ConferencePaper);
        assert_eq!(WorkType::from_label("Book Section"), WorkType::BookChapter);
        assert_eq!(WorkType::from_label("Dissertation/Thesis"), WorkType::Thesis);
        assert_eq!(WorkType::from_label("Article in Press"), WorkType::Preprint);
        assert_eq!(WorkType::from_label("Review"), WorkType::JournalArticle);
        assert_eq!(WorkType::from_label(""), WorkType::Other);
    }

    #[test]
    fn authors_display_family_first() {
        assert_eq!(Author::new("Smith", Some("John A".into())).to_string(), "Smith, John A");
        assert_eq!(Author::new("WHO Study Group", None).to_string(), "WHO Study Group");
    }
}
