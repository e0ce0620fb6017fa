//! Round trips: references written by `RecordWriter` as RIS, CSV or BibTeX read back through
//! Sift's readers as the same references, normalised.
//!
//! Readers normalise what they read (a DOI in lower case, `1297-306` as `1297-1306`, text in
//! NFC with single spaces), so the expectation is [`normalised`]: the generated reference with
//! every field passed through the same `normalize` functions a reader applies. The generated
//! values stay inside what every format can carry, each limit named at its strategy; what
//! one format cannot carry is named in its `expected_from_*` function.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use sift_domain::biblio::normalize;
use sift_domain::{Author, Reference, WorkType};
use sift_formats::write::{ExportFormat, ExportRecord, RecordWriter};
use sift_formats::{Format, ParsedRecord, ReadOptions, Severity, read_bytes};

/// `r` as a reader would return it: every field normalised as the readers normalise it.
fn normalised(r: Reference) -> Reference {
    let text = |value: Option<String>| value.as_deref().and_then(normalize::text);
    let list = |values: Vec<String>| values.iter().filter_map(|v| normalize::text(v)).collect::<Vec<_>>();
    // Readers take an abbreviation alone as the journal, and one equal to the journal as none.
    let abbrev = text(r.journal_abbrev);
    let journal = text(r.journal).or_else(|| abbrev.clone());
    let journal_abbrev = abbrev.filter(|a| Some(a) != journal.as_ref());
    let url = text(r.url);
    // Readers take the DOI from a doi.org link when there is no DOI field.
    let doi = r.doi.as_deref().and_then(normalize::doi).or_else(|| {
        url.as_deref().filter(|u| u.contains("doi.org/") || u.starts_with("doi:")).and_then(normalize::doi)
    });
    Reference {
        work_type: r.work_type,
        title: text(r.title),
        abstract_text: text(r.abstract_text),
        authors: r.authors.iter().filter_map(|a| normalize::author(&a.to_string())).collect(),
        year: r.year.and_then(|y| normalize::year(&y.to_string())),
        journal,
        journal_abbrev,
        volume: text(r.volume),
        issue: text(r.issue),
        pages: r.pages.as_deref().and_then(normalize::pages),
        doi,
        pmid: r.pmid.as_deref().and_then(normalize::pmid),
        pmcid: r.pmcid.as_deref().and_then(normalize::pmcid),
        issn: r.issn.as_deref().and_then(normalize::issn),
        // An ISBN is kept as its digits (and check `X`), as RIS `SN` is read.
        isbn: r.isbn.map(|isbn| {
            isbn.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_uppercase()
        }),
        publisher: text(r.publisher),
        language: r.language.as_deref().and_then(normalize::language),
        publication_types: list(r.publication_types),
        keywords: list(r.keywords),
        url,
    }
}

/// What RIS can carry: everything the generator makes, except that an abbreviation alone does
/// not become a book's journal (a book's `J2` is its series' abbreviation).
fn expected_from_ris(r: Reference) -> Reference {
    let book_without_journal =
        r.work_type == WorkType::Book && r.journal.as_deref().and_then(normalize::text).is_none();
    let abbrev = r.journal_abbrev.clone();
    let mut expected = normalised(r);
    if book_without_journal {
        expected.journal = None;
        expected.journal_abbrev = abbrev.as_deref().and_then(normalize::text);
    }
    expected
}

/// What BibTeX can carry, as Sift's BibTeX reader reads it back:
/// - entry types make fewer distinctions: a conference abstract is an `@inproceedings` (a
///   conference paper); datasets, web pages, patents and standards are `@misc` (other);
/// - there is no field for publication types;
/// - BibTeX has both `journal` and `shortjournal`, so an abbreviation without a journal stays
///   an abbreviation instead of standing in for the journal;
/// - names are written `Family, Given` or braced, and BibTeX's name rules keep them as
///   written: `A. A.` with no given name stays one name rather than being re-read as a family
///   name and initials, as RIS and CSV readers do;
/// - keywords are read as a set (a repeated keyword once);
/// - `language` is a babel name or BCP 47 tag, so `xx-yy` is language `xx`.
fn expected_from_bibtex(r: Reference) -> Reference {
    let journal = r.journal.as_deref().and_then(normalize::text);
    let journal_abbrev =
        r.journal_abbrev.as_deref().and_then(normalize::text).filter(|a| Some(a) != journal.as_ref());
    let authors = r
        .authors
        .iter()
        .filter_map(|a| match (normalize::text(&a.family), a.given.as_deref().and_then(normalize::text)) {
            (Some(family), given) => Some(Author::new(family, given)),
            (None, Some(given)) => Some(Author::new(given, None)),
            (None, None) => None,
        })
        .collect();
    let mut e = normalised(r);
    e.work_type = match e.work_type {
        WorkType::ConferenceAbstract => WorkType::ConferencePaper,
        WorkType::Dataset | WorkType::Webpage | WorkType::Patent | WorkType::Standard => WorkType::Other,
        other => other,
    };
    e.publication_types.clear();
    e.journal = journal;
    e.journal_abbrev = journal_abbrev;
    e.authors = authors;
    let mut keywords: Vec<String> = Vec::new();
    for keyword in e.keywords.drain(..) {
        if !keywords.contains(&keyword) {
            keywords.push(keyword);
        }
    }
    e.keywords = keywords;
    if let Some((base, _)) = e.language.as_deref().and_then(|l| l.split_once('-'))
        && (2..=3).contains(&base.len())
    {
        e.language = normalize::language(base);
    }
    e
}

fn write_and_read(
    format: ExportFormat,
    records: &[(Reference, Option<String>)],
) -> (String, Vec<ParsedRecord>) {
    let mut writer = RecordWriter::new(Vec::new(), format);
    for (reference, id) in records {
        let record =
            ExportRecord { reference, id: id.as_deref(), source_file: Some("in.ris"), source_line: Some(7) };
        writer.write(&record).unwrap();
    }
    let bytes = writer.finish().unwrap();
    let read_as = match format {
        ExportFormat::Ris => Format::Ris,
        ExportFormat::Csv => Format::Csv,
        ExportFormat::Bibtex => Format::Bibtex,
        ExportFormat::Jsonl => panic!("Sift reads no JSON Lines"),
    };
    let options = ReadOptions {
        file_name: format!("out.{}", format.extension()),
        format: Some(read_as),
        encoding: None,
    };
    let parsed =
        read_bytes(&bytes, &options).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&bytes)));
    let errors: Vec<_> =
        parsed.summary.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:?}");
    (String::from_utf8(bytes).unwrap(), parsed.records)
}

/// R's missing-value marker, which the table reader reads as empty (table.rs, `MISSING`); a
/// value that is exactly `NA` cannot be told from a missing one in CSV.
fn not_na(s: &str) -> bool {
    s.trim() != "NA"
}

/// Free text: ASCII with TeX and CSV specials, Latin letters, decomposed accents that NFC
/// composes, and any printable Unicode (no control or format characters, which exports do
/// not carry and `normalize::text` removes).
fn free_text() -> impl Strategy<Value = String> {
    prop_oneof![
        r#"[A-Za-z0-9 ,.:;!?'"()\[\]&%$#_{}/\\~^<>=+*@|-]{1,60}"#,
        "[a-zA-ZÀ-ÿĀ-ž ]{1,40}",
        "([aeoun]\u{301}|[aou]\u{308}|c\u{327}| |x){1,20}",
        "\\PC{1,30}",
    ]
    .prop_filter("NA is a missing value in CSV", |s| not_na(s))
}

/// Keywords and publication types: free text without `;`, which both RIS `KW` and CSV
/// cells use to pack several terms into one value.
fn list_item() -> impl Strategy<Value = String> {
    free_text().prop_map(|s| s.replace(';', " "))
}

/// Publication types also exclude digits: RIS `M3` holding a DOI is a misplaced DOI that
/// the RIS reader drops (some exporters put the DOI there).
fn publication_type() -> impl Strategy<Value = String> {
    "[A-Za-zÀ-ÿ ,.'()/-]{1,30}".prop_filter("NA is a missing value in CSV", |s| not_na(s))
}

/// Names without `,` or `;`: an author is written `Family, Given` and listed with `;`, so a
/// comma or semicolon inside a name cannot be told from those separators in any format.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[A-Z][a-z]{1,10}( [A-Z][a-z]{1,10})?",
        "[A-Za-zÀ-ÿĀ-ž' .-]{1,20}",
        "[A-Z]\\.( ?[A-Z]\\.)?",
        "[A-Z]{1,3}",
        "[^,;\\p{C}]{1,15}",
    ]
}

fn author() -> impl Strategy<Value = Author> {
    (name(), proptest::option::of(name())).prop_map(|(family, given)| Author::new(family, given))
}

fn pages() -> impl Strategy<Value = String> {
    prop_oneof![
        "[1-9][0-9]{0,4}",
        "[1-9][0-9]{0,4}-[1-9][0-9]{0,4}",
        "[1-9][0-9]{0,4}\u{2013}[0-9]{1,3}",
        "e[0-9]{3,6}",
        "S[0-9]{1,3}-S?[0-9]{1,3}",
        "[ivx]{1,4}-[ivx]{1,4}",
        "[0-9A-Za-z]{1,5}(-[0-9A-Za-z]{1,5})?",
    ]
}

fn language() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["eng", "English", "ger", "fre", "dan", "und", "Klingon", "pt", "xx-yy"])
        .prop_map(String::from)
}

/// Valid ISSNs and ISBNs only: RIS `SN` holds either, and the RIS reader keeps a value only
/// when it has the shape of one.
fn issn() -> impl Strategy<Value = String> {
    "[0-9]{4}-[0-9]{3}[0-9X]"
}

fn isbn() -> impl Strategy<Value = String> {
    prop_oneof!["97[89][0-9]{10}", "97[89]-[0-9]-[0-9]{2}-[0-9]{6}-[0-9]", "[0-9]{9}[0-9X]"]
}

/// Links: plain ones, and doi.org ones that stand in for a missing DOI.
fn url() -> impl Strategy<Value = String> {
    prop_oneof!["https://example\\.org/[a-z0-9_]{1,12}", "https://doi\\.org/10\\.[0-9]{4}/[a-z0-9.]{1,10}"]
}

fn reference() -> impl Strategy<Value = Reference> {
    use proptest::collection::vec;
    use proptest::option::of;
    let bibliographic = (
        prop::sample::select(WorkType::ALL),
        of(free_text()),
        of(free_text()),
        vec(author(), 0..5),
        of(1000i32..2200),
        of(free_text()),
        of(free_text()),
        of(prop_oneof!["[0-9]{1,3}".boxed(), free_text().boxed()]),
        of(prop_oneof!["[0-9]{1,2}".boxed(), "Suppl [0-9]".boxed(), free_text().boxed()]),
        of(pages()),
    );
    let identifiers = (
        of("10\\.[0-9]{4,5}/[A-Za-z0-9._;()/:-]{1,25}"),
        of("[1-9][0-9]{0,8}"),
        of("PMC[0-9]{1,8}"),
        of(issn()),
        of(isbn()),
        of(free_text()),
        of(language()),
        vec(publication_type(), 0..4),
        vec(list_item(), 0..6),
        of(url()),
    );
    (bibliographic, identifiers).prop_map(
        |(
            (work_type, title, abstract_text, authors, year, journal, journal_abbrev, volume, issue, pages),
            (doi, pmid, pmcid, issn, isbn, publisher, language, publication_types, keywords, url),
        )| Reference {
            work_type,
            title,
            abstract_text,
            authors,
            year,
            journal,
            journal_abbrev,
            volume,
            issue,
            pages,
            doi,
            pmid,
            pmcid,
            issn,
            isbn,
            publisher,
            language,
            publication_types,
            keywords,
            url,
        },
    )
}

fn records() -> impl Strategy<Value = Vec<(Reference, Option<String>)>> {
    let id = proptest::option::of(
        "[A-Za-z0-9_.:-]{1,16}".prop_filter("NA is a missing value in CSV", |s| not_na(s)),
    );
    proptest::collection::vec((reference(), id), 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Failing cases are kept in the crate's `proptest-regressions/` (committed) and re-run first.
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/round_trip.txt"))),
        ..ProptestConfig::default()
    })]

    #[test]
    fn ris_reads_back_what_ris_writes(records in records()) {
        let (out, parsed) = write_and_read(ExportFormat::Ris, &records);
        prop_assert_eq!(parsed.len(), records.len(), "{}", out);
        for ((reference, id), record) in records.iter().zip(&parsed) {
            prop_assert_eq!(&record.reference, &expected_from_ris(reference.clone()), "{}", out);
            prop_assert_eq!(record.source_id.as_deref(), id.as_deref(), "{}", out);
        }
    }

    #[test]
    fn csv_reads_back_what_csv_writes(records in records()) {
        let (out, parsed) = write_and_read(ExportFormat::Csv, &records);
        prop_assert_eq!(parsed.len(), records.len(), "{}", out);
        for ((reference, id), record) in records.iter().zip(&parsed) {
            prop_assert_eq!(&record.reference, &normalised(reference.clone()), "{}", out);
            prop_assert_eq!(record.source_id.as_deref(), id.as_deref(), "{}", out);
        }
    }

    #[test]
    fn bibtex_reads_back_what_bibtex_writes(records in records()) {
        let (out, parsed) = write_and_read(ExportFormat::Bibtex, &records);
        prop_assert_eq!(parsed.len(), records.len(), "{}", out);
        for (i, ((reference, id), record)) in records.iter().zip(&parsed).enumerate() {
            prop_assert_eq!(&record.reference, &expected_from_bibtex(reference.clone()), "{}", out);
            // The id is the key unless an earlier entry's key (its own id, or one generated
            // for a record without an id) already is that key: then a key is generated.
            let taken = parsed[..i].iter().any(|earlier| earlier.source_id.as_deref() == id.as_deref());
            if id.is_some() && !taken {
                prop_assert_eq!(record.source_id.as_deref(), id.as_deref(), "{}", out);
            }
        }
    }

    /// Every entry is well formed whatever the reader makes of it: one `@type{key,` per
    /// record, unique keys, braces balanced outside escapes.
    #[test]
    fn bibtex_entries_are_well_formed(records in records()) {
        let mut writer = RecordWriter::new(Vec::new(), ExportFormat::Bibtex);
        for (reference, id) in &records {
            let record = ExportRecord { reference, id: id.as_deref(), source_file: None, source_line: None };
            writer.write(&record).unwrap();
        }
        let out = String::from_utf8(writer.finish().unwrap()).unwrap();
        let keys: Vec<&str> = out
            .lines()
            .filter(|l| l.starts_with('@'))
            .map(|l| l.split_once('{').map(|(_, key)| key.trim_end_matches(',')).unwrap_or(""))
            .collect();
        prop_assert_eq!(keys.len(), records.len(), "{}", out);
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        prop_assert_eq!(unique.len(), keys.len(), "{}", out);
        let mut depth = 0i64;
        let mut escaped = false;
        for c in out.chars() {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    prop_assert!(depth >= 0, "{}", out);
                }
                _ => {}
            }
        }
        prop_assert_eq!(depth, 0, "{}", out);
    }
}

/// A reference with every field set, through both formats (the properties rarely fill every
/// field at once).
#[test]
fn a_full_reference_round_trips() {
    let reference = Reference {
        work_type: WorkType::JournalArticle,
        title: Some("Effects of 50% less sugar & more_salt on {rats}".into()),
        abstract_text: Some("Background: line one\nline two.".into()),
        authors: vec![Author::new("Müller", Some("Jörg A.".into())), Author::new("WHO Study Group", None)],
        year: Some(2020),
        journal: Some("Journal of Tests".into()),
        journal_abbrev: Some("J Tests".into()),
        volume: Some("12".into()),
        issue: Some("3".into()),
        pages: Some("1297-306".into()),
        doi: Some("https://doi.org/10.1000/XYZ_1".into()),
        pmid: Some("32336025".into()),
        pmcid: Some("PMC7123456".into()),
        issn: Some("1234567x".into()),
        isbn: Some("978-3-16-148410-0".into()),
        publisher: Some("Test Press".into()),
        language: Some("eng".into()),
        publication_types: vec!["Journal Article".into(), "Research Support, Non-U.S. Gov't".into()],
        keywords: vec!["Rats".into(), "Sugar, dietary".into()],
        url: Some("https://example.org/a_b?x=1".into()),
    };
    let expected = normalised(reference.clone());
    assert_eq!(expected.pages.as_deref(), Some("1297-1306"));
    assert_eq!(expected.doi.as_deref(), Some("10.1000/xyz_1"));
    assert_eq!(expected.language.as_deref(), Some("English"));
    for format in [ExportFormat::Ris, ExportFormat::Csv, ExportFormat::Bibtex] {
        let (out, parsed) = write_and_read(format, &[(reference.clone(), Some("rec-1".into()))]);
        let expected = match format {
            ExportFormat::Bibtex => expected_from_bibtex(reference.clone()),
            _ => expected.clone(),
        };
        assert_eq!(parsed[0].reference, expected, "{format}:\n{out}");
        assert_eq!(parsed[0].source_id.as_deref(), Some("rec-1"));
    }
}
