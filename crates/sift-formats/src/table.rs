//! Comma-, tab- and semicolon-separated tables with a header row.
//!
//! Screening tools, reference managers and databases all export spreadsheets: ASReview
//! (`record_id`, `label_included`), Zotero (`Item Type`, `Manual Tags`), Scopus (`Source
//! title`, `Page start`), Embase (`Author Names`, `Source`), PubMed (`Journal/Book`), Web of
//! Science tab-delimited (`PT`, `UT`), colrev and CiteSource (BibTeX-shaped columns) and
//! Sift's own CSV export. The file is read whole; the delimiter is the one that splits the
//! header into the most fields. Header names are compared without case or punctuation, so
//! `Publication Year`, `publication_year` and `PublicationYear` are one column.
//!
//! Several columns may feed one field. Per row, the best-ranked column with a value wins; a
//! few generic names (`source`, `number`, `type`, `key`) are used only when the header has no
//! more specific column for that field, because a diabetes dataset's `source` column says
//! `unique` and Zotero's `Number` is a report number. Every column that maps to no field is
//! kept in [`ParsedRecord::extra`] under its own name, so screening labels survive. A cell
//! that says `NA` (R's missing value) is empty for the mapped fields.

use std::borrow::Cow;
use std::io::Read;

use sift_domain::biblio::normalize;
use sift_domain::{Author, Reference, WorkType};

use crate::ParsedRecord;
use crate::decode::{self, Utf8Input};
use crate::diagnostics::{Diagnostics, Severity};
use crate::ris::classify_standard_number;

pub(crate) struct TableReader<R> {
    /// The input until the first call reads it whole.
    input: Option<Utf8Input<R>>,
    records: std::vec::IntoIter<ParsedRecord>,
}

impl<R: Read> TableReader<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        TableReader { input: Some(input), records: Vec::new().into_iter() }
    }
}

impl<R: Read> crate::RecordSource for TableReader<R> {
    fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<ParsedRecord> {
        if let Some(mut input) = self.input.take() {
            let mut bytes = Vec::new();
            if let Err(e) = input.read_to_end(&mut bytes) {
                diagnostics.fail(None, format!("could not read the file: {e}"));
                return None;
            }
            self.records = read_table(&bytes, diagnostics).into_iter();
        }
        self.records.next()
    }
}

/// Splits a keyword cell into keywords: a Python or JSON list (`['a', 'b']`, as ASReview
/// writes), else on `;`, else on commas outside brackets (Embase's
/// `cyst (diagnosis, surgery), adult`). A single keyword that holds a comma is therefore
/// read as several; Sift's own writer marks such a cell with a trailing `;`.
pub(crate) fn split_keywords(cell: &str) -> Vec<String> {
    if let Some(items) = list_literal(cell) {
        return items.iter().filter_map(|item| normalize::text(item)).collect();
    }
    if cell.contains(';') {
        return cell.split(';').filter_map(normalize::text).collect();
    }
    split_outside_brackets(cell, ',').into_iter().filter_map(normalize::text).collect()
}

/// Splits a cell of publication types: a list literal, else on `;` only, because MEDLINE
/// types hold commas (`Research Support, Non-U.S. Gov't`).
pub(crate) fn split_semicolons(cell: &str) -> Vec<String> {
    if let Some(items) = list_literal(cell) {
        return items.iter().filter_map(|item| normalize::text(item)).collect();
    }
    cell.split(';').filter_map(normalize::text).collect()
}

/// Splits an author cell: a list literal of `Family, Given` strings, else whatever
/// [`normalize::author_list`] makes of it (`A, B; C, D`, `A and B`, `Smith J., Doe A.`).
pub(crate) fn split_authors(cell: &str) -> Vec<Author> {
    if let Some(items) = list_literal(cell) {
        return items.iter().filter_map(|item| normalize::author(item)).collect();
    }
    normalize::author_list(cell)
}

/// What a column feeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Id,
    Title,
    Abstract,
    Authors,
    Year,
    Journal,
    JournalAbbrev,
    Volume,
    Issue,
    Pages,
    StartPage,
    EndPage,
    ArticleNumber,
    Doi,
    Pmid,
    Pmcid,
    Language,
    Url,
    Type,
    Issn,
    Isbn,
    Publisher,
    Keywords,
    PublicationTypes,
}

impl Target {
    const COUNT: usize = Target::PublicationTypes as usize + 1;
}

/// How much a column name can be trusted to mean its field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// The field's own name (`title`, `doi`, `Source title`).
    Primary,
    /// Used for a row whose primary columns are empty (`Date` for the year, `booktitle`).
    Fallback,
    /// A generic name, used only when the header has no primary or fallback column for the
    /// field (`source`, `number`, `type`, `key`).
    Weak,
}

use Target as T;
use Tier::{Fallback, Primary, Weak};

/// Normalised header names (lower case, letters and digits only) and what they feed, best
/// first within each field.
const ALIASES: &[(&str, Target, Tier)] = &[
    ("id", T::Id, Primary),
    ("recordid", T::Id, Primary),
    ("key", T::Id, Weak),
    ("eid", T::Id, Weak),
    ("title", T::Title, Primary),
    ("ti", T::Title, Primary),
    ("articletitle", T::Title, Primary),
    ("documenttitle", T::Title, Primary),
    ("primarytitle", T::Title, Primary),
    ("t1", T::Title, Primary),
    ("abstract", T::Abstract, Primary),
    ("ab", T::Abstract, Primary),
    ("abstractnote", T::Abstract, Primary),
    ("n2", T::Abstract, Primary),
    ("notesabstract", T::Abstract, Fallback),
    ("authors", T::Authors, Primary),
    ("author", T::Authors, Primary),
    ("au", T::Authors, Primary),
    ("authornames", T::Authors, Primary),
    ("authorfullnames", T::Authors, Primary),
    ("af", T::Authors, Primary),
    ("creators", T::Authors, Primary),
    ("a1", T::Authors, Primary),
    ("firstauthors", T::Authors, Fallback),
    ("year", T::Year, Primary),
    ("py", T::Year, Primary),
    ("publicationyear", T::Year, Primary),
    ("pubyear", T::Year, Primary),
    ("date", T::Year, Fallback),
    ("publicationdate", T::Year, Fallback),
    ("issued", T::Year, Fallback),
    ("journal", T::Journal, Primary),
    ("journaltitle", T::Journal, Primary),
    ("sourcetitle", T::Journal, Primary),
    ("publicationtitle", T::Journal, Primary),
    ("journalname", T::Journal, Primary),
    ("journalbook", T::Journal, Primary),
    ("jo", T::Journal, Primary),
    ("t2", T::Journal, Primary),
    ("secondarytitle", T::Journal, Primary),
    ("so", T::Journal, Primary),
    ("jf", T::Journal, Primary),
    ("containertitle", T::Journal, Primary),
    ("alternatetitle1", T::Journal, Fallback),
    ("booktitle", T::Journal, Fallback),
    ("source", T::Journal, Weak),
    ("journalabbrev", T::JournalAbbrev, Primary),
    ("journalabbreviation", T::JournalAbbrev, Primary),
    ("j2", T::JournalAbbrev, Primary),
    ("ja", T::JournalAbbrev, Primary),
    ("ji", T::JournalAbbrev, Primary),
    ("j9", T::JournalAbbrev, Primary),
    ("abbreviatedsourcetitle", T::JournalAbbrev, Primary),
    ("alternatetitle2", T::JournalAbbrev, Fallback),
    ("alternatetitle3", T::JournalAbbrev, Fallback),
    ("volume", T::Volume, Primary),
    ("vl", T::Volume, Primary),
    ("vol", T::Volume, Primary),
    ("issue", T::Issue, Primary),
    ("is", T::Issue, Primary),
    ("number", T::Issue, Weak),
    ("no", T::Issue, Weak),
    ("pages", T::Pages, Primary),
    ("page", T::Pages, Primary),
    ("pg", T::Pages, Primary),
    ("pagination", T::Pages, Primary),
    ("startpage", T::StartPage, Primary),
    ("pagestart", T::StartPage, Primary),
    ("firstpage", T::StartPage, Primary),
    ("bp", T::StartPage, Primary),
    ("sp", T::StartPage, Primary),
    ("endpage", T::EndPage, Primary),
    ("pageend", T::EndPage, Primary),
    ("lastpage", T::EndPage, Primary),
    ("ep", T::EndPage, Primary),
    ("articlenumber", T::ArticleNumber, Primary),
    ("artno", T::ArticleNumber, Primary),
    ("ar", T::ArticleNumber, Primary),
    ("doi", T::Doi, Primary),
    ("di", T::Doi, Primary),
    ("do", T::Doi, Primary),
    ("pmid", T::Pmid, Primary),
    ("pubmedid", T::Pmid, Primary),
    ("medlinepmid", T::Pmid, Primary),
    ("pm", T::Pmid, Primary),
    ("pmcid", T::Pmcid, Primary),
    ("language", T::Language, Primary),
    ("la", T::Language, Primary),
    ("languageoforiginaldocument", T::Language, Primary),
    ("languageofarticle", T::Language, Primary),
    ("url", T::Url, Primary),
    ("ur", T::Url, Primary),
    ("link", T::Url, Primary),
    ("documenttype", T::Type, Primary),
    ("publicationtype", T::Type, Primary),
    ("itemtype", T::Type, Primary),
    ("entrytype", T::Type, Primary),
    ("typeofreference", T::Type, Primary),
    ("referencetype", T::Type, Primary),
    ("ty", T::Type, Primary),
    ("dt", T::Type, Primary),
    ("pt", T::Type, Primary),
    ("type", T::Type, Weak),
    ("issn", T::Issn, Primary),
    ("sn", T::Issn, Primary),
    ("eissn", T::Issn, Fallback),
    ("isbn", T::Isbn, Primary),
    ("bn", T::Isbn, Primary),
    ("publisher", T::Publisher, Primary),
    ("pu", T::Publisher, Primary),
    ("pb", T::Publisher, Primary),
    ("keywords", T::Keywords, Primary),
    ("kw", T::Keywords, Primary),
    ("authorkeywords", T::Keywords, Primary),
    ("manualtags", T::Keywords, Primary),
    ("automatictags", T::Keywords, Primary),
    ("mesh", T::Keywords, Primary),
    ("meshterms", T::Keywords, Primary),
    ("indexkeywords", T::Keywords, Primary),
    ("keywordsplus", T::Keywords, Primary),
    ("publicationtypes", T::PublicationTypes, Primary),
];

/// Web of Science tab-delimited exports (a header with `PT` and `UT`) use `ID` for Keywords
/// Plus and `DE` for author keywords; `UT` is the record's accession number and `AF` holds
/// full author names. These come before [`ALIASES`] for such files.
const WOS_ALIASES: &[(&str, Target, Tier)] = &[
    ("ut", T::Id, Primary),
    ("af", T::Authors, Primary),
    ("de", T::Keywords, Primary),
    ("id", T::Keywords, Primary),
];

/// Type columns that hold machine codes (`JOUR`, `journalArticle`, `inproceedings`) rather
/// than labels worth keeping as a publication type.
const CODE_TYPE_COLUMNS: &[&str] = &["ty", "pt", "itemtype", "entrytype", "typeofreference"];

/// Columns whose text may name a PubMed id (`PMID: 35319117` in Zotero's `Extra`).
const NOTE_COLUMNS: &[&str] = &["extra", "notes", "note", "n1"];

/// What R writes for a missing value. Columns that map to a field read it as empty; columns
/// kept in `extra` keep it, since a screening label of `NA` may mean something to the caller.
pub(crate) const MISSING: &str = "NA";

/// The header row, resolved into what each column feeds.
struct Header {
    /// Column names as written (trimmed), or `column_N` for an unnamed column.
    names: Vec<String>,
    /// What each column feeds; `None` for a column kept in `extra`.
    targets: Vec<Option<Target>>,
    /// Columns feeding each single-valued target, best first.
    ranked: [Vec<usize>; Target::COUNT],
    /// Type columns whose labels are kept as publication types.
    label_types: Vec<bool>,
    /// Columns searched for a marked PMID or PMCID.
    note_columns: Vec<usize>,
    /// Whether the journal column is Embase's `Source` (`Journal (2014) 3:3 (152-160)`).
    journal_is_source: Vec<bool>,
}

impl Header {
    fn new(cells: &[Cow<'_, str>], line: u32, diagnostics: &mut Diagnostics) -> Option<Header> {
        let names: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let name = c.trim().trim_start_matches('\u{feff}').trim();
                if name.is_empty() { format!("column_{}", i + 1) } else { name.to_string() }
            })
            .collect();
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) && !names[i + 1..].contains(name) {
                diagnostics.warn(
                    Some(line),
                    Some(name),
                    "column name appears more than once; the first column with a value is used",
                );
            }
        }
        let keys: Vec<String> = names.iter().map(|n| header_key(n)).collect();
        let is_wos = names.iter().any(|n| n == "PT") && names.iter().any(|n| n == "UT");
        // (target, tier, rank) for each column.
        let resolved: Vec<Option<(Target, Tier, usize)>> = keys
            .iter()
            .map(|key| {
                let wos = if is_wos { WOS_ALIASES } else { &[] };
                wos.iter()
                    .chain(ALIASES)
                    .enumerate()
                    .find(|(_, (alias, _, _))| alias == key)
                    .map(|(rank, (_, target, tier))| (*target, *tier, rank))
            })
            .collect();
        let mut targets: Vec<Option<Target>> = resolved.iter().map(|r| r.map(|(t, _, _)| t)).collect();
        let mut ranked: [Vec<usize>; Target::COUNT] = Default::default();
        for (target_idx, ranked_columns) in ranked.iter_mut().enumerate() {
            let mut columns: Vec<(Tier, usize, usize)> = resolved
                .iter()
                .enumerate()
                .filter_map(|(col, r)| match r {
                    Some((t, tier, rank)) if *t as usize == target_idx => Some((*tier, *rank, col)),
                    _ => None,
                })
                .collect();
            columns.sort();
            if columns.iter().any(|(tier, _, _)| *tier != Weak) {
                // A generic name means something else when a specific one is present: keep it.
                for (_, _, col) in columns.iter().filter(|(tier, _, _)| *tier == Weak) {
                    targets[*col] = None;
                }
                columns.retain(|(tier, _, _)| *tier != Weak);
            }
            *ranked_columns = columns.into_iter().map(|(_, _, col)| col).collect();
        }
        let bibliographic = targets.iter().flatten().any(|t| *t != Target::Id);
        if !bibliographic {
            let mut found = names.iter().take(12).map(String::as_str).collect::<Vec<_>>().join(", ");
            if names.len() > 12 {
                found.push_str(&format!(" and {} more", names.len() - 12));
            }
            diagnostics.fail(
                Some(line),
                format!(
                    "the header row names no bibliographic column (found: {found}); a table needs a column such as title, abstract, authors, year, journal or doi"
                ),
            );
            return None;
        }
        let label_types = keys
            .iter()
            .zip(&targets)
            .map(|(key, t)| *t == Some(Target::Type) && !CODE_TYPE_COLUMNS.contains(&key.as_str()))
            .collect();
        let note_columns = keys
            .iter()
            .enumerate()
            .filter(|(col, key)| targets[*col].is_none() && NOTE_COLUMNS.contains(&key.as_str()))
            .map(|(col, _)| col)
            .collect();
        let journal_is_source = keys
            .iter()
            .zip(&targets)
            .map(|(key, t)| *t == Some(Target::Journal) && key == "source")
            .collect();
        Some(Header { names, targets, ranked, label_types, note_columns, journal_is_source })
    }

    fn columns(&self, target: Target) -> &[usize] {
        &self.ranked[target as usize]
    }

    /// Builds one record from a row's cells.
    fn build(
        &self,
        cells: &[Cow<'_, str>],
        raw: &str,
        line: u32,
        diagnostics: &mut Diagnostics,
    ) -> ParsedRecord {
        if cells.len() != self.names.len() {
            diagnostics.repeat(
                Severity::Warning,
                Some(line),
                None,
                &format!(
                    "row does not have the header's {} fields (a stray delimiter or quote?); read the fields it has",
                    self.names.len()
                ),
            );
        }
        let row = Row { header: self, cells, line };
        let mut r = Reference {
            title: row.text(T::Title),
            abstract_text: row.text(T::Abstract),
            authors: row.first(T::Authors).map(|(_, v)| split_authors(v)).unwrap_or_default(),
            volume: row.text(T::Volume),
            issue: row.text(T::Issue),
            pmcid: row.map(T::Pmcid, normalize::pmcid),
            language: row.map(T::Language, normalize::language),
            url: row.text(T::Url),
            publisher: row.text(T::Publisher),
            ..Reference::default()
        };
        r.year = row.checked(T::Year, normalize::year, "value is not a year; left out", diagnostics);
        r.doi =
            row.checked(T::Doi, normalize::doi, "value is not a DOI; left out of the DOI field", diagnostics);
        r.pmid = row.checked(T::Pmid, normalize::pmid, "value is not a PubMed id; left out", diagnostics);
        if r.doi.is_none()
            && let Some(url) = &r.url
            && (url.contains("doi.org/") || url.starts_with("doi:"))
        {
            r.doi = normalize::doi(url);
        }
        for &col in &self.note_columns {
            if let Some(note) = row.cell(col) {
                note_ids(&mut r, note);
            }
        }

        let journal = row.first(T::Journal);
        r.journal = journal.and_then(|(_, v)| normalize::text(v));
        if let Some((col, v)) = journal
            && self.journal_is_source[col]
            && let Some(source) = embase_source(v)
        {
            r.journal = normalize::text(source.journal);
            r.year = r.year.or(source.year);
            r.volume = r.volume.or_else(|| source.volume.and_then(normalize::text));
            r.issue = r.issue.or_else(|| source.issue.and_then(normalize::text));
            if row.first(T::Pages).is_none() {
                r.pages = source.pages.and_then(normalize::pages);
            }
        }
        let abbrev = row.text(T::JournalAbbrev);
        // As in RIS: an abbreviation alone stands for the journal, and one equal to the
        // journal is no abbreviation.
        r.journal = r.journal.or_else(|| abbrev.clone());
        r.journal_abbrev = abbrev.filter(|a| Some(a) != r.journal.as_ref());

        r.pages = r
            .pages
            .take()
            .or_else(|| row.map(T::Pages, normalize::pages))
            .or_else(|| {
                let start = row.first(T::StartPage).map(|(_, v)| v);
                let end = row.first(T::EndPage).map(|(_, v)| v);
                normalize::page_range(start, end)
            })
            .or_else(|| row.map(T::ArticleNumber, normalize::pages));

        // Standard numbers are read as RIS reads `SN` (several per cell, any punctuation);
        // a cell that holds no well-formed number is kept as written.
        r.issn = row.map(T::Issn, |v| standard_number(v).issn.or_else(|| normalize::issn(v)));
        r.isbn = row.map(T::Isbn, |v| standard_number(v).isbn.or_else(|| normalize::text(v)));

        for (col, target) in self.targets.iter().enumerate() {
            let Some(cell) = row.cell(col) else { continue };
            match target {
                Some(T::Keywords) => r.keywords.extend(split_keywords(cell)),
                Some(T::PublicationTypes) => r.publication_types.extend(split_semicolons(cell)),
                _ => {}
            }
        }
        let journal_for_type = r.journal.is_some();
        r.work_type = match row.first(T::Type) {
            Some((col, label)) => {
                let (work_type, keep) = work_type_of(label);
                if keep
                    && self.label_types[col]
                    && let Some(label) = normalize::text(label)
                    && !r.publication_types.contains(&label)
                {
                    r.publication_types.push(label);
                }
                work_type
            }
            None if journal_for_type => WorkType::JournalArticle,
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

        let mut extra = Vec::new();
        for (col, cell) in cells.iter().enumerate() {
            if col < self.targets.len() && self.targets[col].is_some() {
                continue;
            }
            if let Some(value) = normalize::text(cell) {
                let name = match self.names.get(col) {
                    Some(name) => name.clone(),
                    None => format!("column_{}", col + 1),
                };
                extra.push((name, value));
            }
        }
        ParsedRecord { reference: r, raw: raw.to_string(), line, index: 0, source_id: row.text(T::Id), extra }
    }
}

/// One data row seen through its header.
struct Row<'h, 'c> {
    header: &'h Header,
    cells: &'c [Cow<'c, str>],
    line: u32,
}

impl<'c> Row<'_, 'c> {
    /// The trimmed cell of a column, `None` when empty, missing, or R's missing-value marker
    /// `NA` (R exports write it into every empty cell, DOI and abstract included).
    fn cell(&self, col: usize) -> Option<&'c str> {
        let cells: &'c [Cow<'c, str>] = self.cells;
        cells.get(col).map(|c| c.trim()).filter(|c| !c.is_empty() && *c != MISSING)
    }

    /// The best-ranked column of `target` that has a value in this row.
    fn first(&self, target: Target) -> Option<(usize, &'c str)> {
        self.header.columns(target).iter().find_map(|&col| self.cell(col).map(|v| (col, v)))
    }

    fn text(&self, target: Target) -> Option<String> {
        self.map(target, normalize::text)
    }

    /// The first value of `target` that `f` accepts, trying columns best first.
    fn map<U>(&self, target: Target, f: impl Fn(&str) -> Option<U>) -> Option<U> {
        self.header.columns(target).iter().find_map(|&col| self.cell(col).and_then(&f))
    }

    /// Like [`Row::map`], with a warning when the row has values but none is accepted.
    fn checked<U>(
        &self,
        target: Target,
        f: impl Fn(&str) -> Option<U>,
        message: &str,
        diagnostics: &mut Diagnostics,
    ) -> Option<U> {
        let value = self.map(target, f);
        if value.is_none()
            && let Some((col, _)) = self.first(target)
        {
            diagnostics.repeat(Severity::Warning, Some(self.line), Some(&self.header.names[col]), message);
        }
        value
    }
}

/// Reads the whole table. The first non-empty row is the header.
fn read_table(bytes: &[u8], diagnostics: &mut Diagnostics) -> Vec<ParsedRecord> {
    let (body, skipped_lines, delimiter) = match excel_separator_line(bytes) {
        Some((delimiter, len)) => (&bytes[len..], 1, delimiter),
        None => (bytes, 0, detect_delimiter(bytes)),
    };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(body);
    let mut row = csv::ByteRecord::new();
    let mut header: Option<Header> = None;
    let mut records = Vec::new();
    let mut n_empty = 0;
    loop {
        let start = reader.position().clone();
        match reader.read_byte_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // Reading from memory without UTF-8 or length checks leaves no error to expect;
                // should one occur, the rows read so far are kept.
                diagnostics.warn(
                    Some(start.line() as u32 + skipped_lines),
                    None,
                    format!("{e}; stopped reading"),
                );
                break;
            }
        }
        let end = reader.position().byte() as usize;
        let (line, raw_bytes) = locate(body, &start, end);
        let line = line + skipped_lines;
        let cells: Vec<Cow<'_, str>> = row.iter().map(cell_text).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            if header.is_some() {
                n_empty += 1;
            }
            continue;
        }
        match &header {
            None => {
                header = Header::new(&cells, line, diagnostics);
                if header.is_none() {
                    return Vec::new();
                }
            }
            Some(header) => {
                let raw = decode::record_text(raw_bytes, line, diagnostics);
                records.push(header.build(&cells, &raw, line, diagnostics));
            }
        }
    }
    if n_empty > 0 {
        let rows = if n_empty == 1 { "row" } else { "rows" };
        diagnostics.note(None, None, format!("{n_empty} empty {rows} (only delimiters) skipped"));
    }
    records
}

/// Where a record starts and its text: the reader's position may point at the line ending
/// of the row before, and its end includes the row's own line ending.
pub(crate) fn locate<'a>(body: &'a [u8], start: &csv::Position, end: usize) -> (u32, &'a [u8]) {
    let end = end.min(body.len());
    let mut from = (start.byte() as usize).min(end);
    let mut line = start.line() as u32;
    while from < end && matches!(body[from], b'\n' | b'\r') {
        if body[from] == b'\n' {
            line += 1;
        }
        from += 1;
    }
    let mut to = end;
    while to > from && matches!(body[to - 1], b'\n' | b'\r') {
        to -= 1;
    }
    (line, &body[from..to])
}

/// A cell as text: UTF-8 as is, anything else as Windows-1252 (the row's warning comes from
/// [`decode::record_text`]).
pub(crate) fn cell_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0,
    }
}

/// The delimiter that splits the header line into the most fields, counting only outside
/// quotes. Ties go to the comma, then the tab.
pub(crate) fn detect_delimiter(bytes: &[u8]) -> u8 {
    const CANDIDATES: [u8; 3] = [b',', b'\t', b';'];
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    let mut seen_text = false;
    for &b in bytes {
        if b == b'"' {
            in_quotes = !in_quotes;
            seen_text = true;
        } else if in_quotes {
            continue;
        } else if b == b'\n' {
            if seen_text {
                break;
            }
        } else if let Some(i) = CANDIDATES.iter().position(|c| *c == b) {
            counts[i] += 1;
            seen_text = true;
        } else if !b.is_ascii_whitespace() {
            seen_text = true;
        }
    }
    let mut best = 0;
    for i in 1..CANDIDATES.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATES[best]
}

/// Excel's `sep=;` first line, which names the delimiter: the delimiter and the line's length.
pub(crate) fn excel_separator_line(bytes: &[u8]) -> Option<(u8, usize)> {
    let rest = bytes.strip_prefix(b"sep=")?;
    let delimiter = *rest.first()?;
    let after = &rest[1..];
    let newline = match after {
        [b'\r', b'\n', ..] => 2,
        [b'\n', ..] | [b'\r', ..] => 1,
        _ => return None,
    };
    Some((delimiter, 4 + 1 + newline))
}

/// The key a header name is matched by: lower case, letters and digits only.
pub(crate) fn header_key(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// A work type from a type cell, and whether the cell is a label worth keeping as a
/// publication type (not Sift's own name or a RIS code).
fn work_type_of(cell: &str) -> (WorkType, bool) {
    let cell = cell.trim();
    if let Some(work_type) = WorkType::parse(cell) {
        return (work_type, false);
    }
    let is_code = (2..=6).contains(&cell.len()) && cell.bytes().all(|b| b.is_ascii_uppercase());
    if is_code {
        return (WorkType::from_ris_code(cell), false);
    }
    // Zotero writes item types in camel case: `bookSection` is a "book section".
    let mut spaced = String::with_capacity(cell.len() + 4);
    let mut previous_lower = false;
    for c in cell.chars() {
        if c.is_uppercase() && previous_lower {
            spaced.push(' ');
        }
        previous_lower = c.is_lowercase();
        spaced.push(c);
    }
    (WorkType::from_label(&spaced), true)
}

/// The ISSN and ISBN in a cell such as `0028-4793, 1533-4406` or `978-3-16-148410-0`.
fn standard_number(cell: &str) -> Reference {
    let mut found = Reference::default();
    classify_standard_number(&mut found, cell);
    found
}

/// Fills a missing PMID or PMCID from a note such as Zotero's `PMID: 35319117 PMCID: PMC91`.
fn note_ids(r: &mut Reference, note: &str) {
    let upper = note.to_ascii_uppercase();
    if r.pmid.is_none()
        && let Some(pos) = upper.find("PMID:")
    {
        let rest = note[pos + 5..].trim_start();
        let token = rest.split(|c: char| c.is_whitespace() || c == ';' || c == ',').next().unwrap_or("");
        r.pmid = normalize::pmid(token);
    }
    if r.pmcid.is_none()
        && let Some(pos) = upper.find("PMCID:")
    {
        r.pmcid = normalize::pmcid(&note[pos + 6..]);
    }
}

/// The parts of an Embase `Source` cell:
/// `Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014`.
struct EmbaseSource<'a> {
    journal: &'a str,
    year: Option<i32>,
    volume: Option<&'a str>,
    issue: Option<&'a str>,
    pages: Option<&'a str>,
}

fn embase_source(cell: &str) -> Option<EmbaseSource<'_>> {
    // The journal ends at the first ` (YYYY)`.
    let bytes = cell.as_bytes();
    let at = (0..bytes.len().saturating_sub(6)).find(|&i| {
        bytes[i] == b' '
            && bytes[i + 1] == b'('
            && bytes[i + 2..i + 6].iter().all(u8::is_ascii_digit)
            && bytes.get(i + 6) == Some(&b')')
    })?;
    let journal = cell[..at].trim();
    if journal.is_empty() {
        return None;
    }
    let year = normalize::year(&cell[at + 2..at + 6]);
    let rest = &cell[at + 7..];
    let rest = match rest.find(". Date of Publication") {
        Some(end) => &rest[..end],
        None => rest.trim_end_matches('.'),
    };
    let rest = rest.trim();
    let (numbers, pages) = match rest.split_once('(') {
        Some((numbers, pages)) => (numbers.trim(), Some(pages.trim_end_matches(')').trim())),
        None => (rest, None),
    };
    let (volume, issue) = match numbers.split_once(':') {
        Some((v, i)) => (Some(v.trim()), Some(i.trim())),
        None => (Some(numbers).filter(|n| !n.is_empty()), None),
    };
    Some(EmbaseSource { journal, year, volume, issue, pages: pages.filter(|p| !p.is_empty()) })
}

/// A Python or JSON list of strings, `['a', "b"]`, as pandas writes list columns; `None`
/// for anything else.
fn list_literal(cell: &str) -> Option<Vec<String>> {
    let inner = cell.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(quote) = chars.next() else { break };
        if quote != '\'' && quote != '"' {
            return None;
        }
        let mut item = String::new();
        loop {
            match chars.next()? {
                '\\' => item.push(chars.next()?),
                c if c == quote => break,
                c => item.push(c),
            }
        }
        items.push(item);
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.next() {
            None => break,
            Some(',') => {}
            Some(_) => return None,
        }
    }
    Some(items)
}

/// Splits on `separator` outside parentheses and brackets.
fn split_outside_brackets(cell: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in cell.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            c if c == separator && depth == 0 => {
                parts.push(&cell[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&cell[start..]);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Format, ReadOptions, read_bytes};

    fn read(text: &str) -> crate::Parsed {
        let options = ReadOptions { file_name: "test.csv".into(), format: Some(Format::Csv), encoding: None };
        read_bytes(text.as_bytes(), &options).unwrap()
    }

    fn messages(parsed: &crate::Parsed) -> Vec<String> {
        parsed.summary.diagnostics.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn asreview_columns_and_labels() {
        let parsed = read(
            "record_id,title,abstract,authors,keywords,label_included\n\
             12,\"A title, with comma\",\"Line one\nline two\",\"['Marx, Karl', 'Lindgren, Astrid']\",\"['Pippi', 'Nordwind']\",1\n",
        );
        assert_eq!(parsed.records.len(), 1);
        let record = &parsed.records[0];
        let r = &record.reference;
        assert_eq!(record.line, 2);
        assert_eq!(record.source_id.as_deref(), Some("12"));
        assert_eq!(r.title.as_deref(), Some("A title, with comma"));
        assert_eq!(r.abstract_text.as_deref(), Some("Line one line two"));
        assert_eq!(r.author_strings(), vec!["Marx, Karl", "Lindgren, Astrid"]);
        assert_eq!(r.keywords, vec!["Pippi", "Nordwind"]);
        assert_eq!(record.extra, vec![("label_included".to_string(), "1".to_string())]);
        assert!(record.raw.starts_with("12,\"A title") && record.raw.ends_with(",1"), "{:?}", record.raw);
    }

    #[test]
    fn delimiters_are_detected_outside_quotes() {
        assert_eq!(detect_delimiter(b"title;abstract;doi\n"), b';');
        assert_eq!(detect_delimiter(b"title\tabstract\tdoi\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b;c;d\",title,doi\n"), b',');
        assert_eq!(detect_delimiter(b"\n\ntitle;doi\n"), b';');
        assert_eq!(detect_delimiter(b"title\n"), b',');
        let parsed = read("sep=;\ntitle;doi\nX;10.1/a\n");
        assert_eq!(parsed.records[0].reference.doi.as_deref(), Some("10.1/a"));
        assert_eq!(parsed.records[0].line, 3);
    }

    #[test]
    fn lines_and_raw_text_follow_quoted_newlines_and_blank_rows() {
        let parsed = read("title,year\r\n\"Multi\r\nline\",2001\r\n\r\n,\r\nSecond,2002\r\n");
        assert_eq!(parsed.records.len(), 2);
        assert_eq!(parsed.records[0].line, 2);
        assert_eq!(parsed.records[0].raw, "\"Multi\r\nline\",2001");
        assert_eq!(parsed.records[1].line, 6);
        assert_eq!(parsed.records[1].raw, "Second,2002");
        assert!(
            messages(&parsed).iter().any(|m| m.contains("1 empty row (only delimiters) skipped")),
            "{:?}",
            messages(&parsed)
        );
    }

    #[test]
    fn ragged_rows_and_duplicate_columns_are_reported() {
        let parsed = read("title,doi,title\nA,10.1/a\nB,10.1/b,C,extra\n");
        assert_eq!(parsed.records.len(), 2);
        let m = messages(&parsed);
        assert!(
            m.iter().any(|m| m.contains("line 1") && m.contains("[title]") && m.contains("more than once")),
            "{m:?}"
        );
        assert!(
            m.iter().any(|m| m.contains("line 2") && m.contains("3 fields") && m.contains("2 times")),
            "{m:?}"
        );
        assert_eq!(parsed.records[1].reference.title.as_deref(), Some("B"));
        assert_eq!(parsed.records[1].extra, vec![("column_4".to_string(), "extra".to_string())]);
    }

    #[test]
    fn a_header_without_bibliographic_columns_fails() {
        let options = ReadOptions { file_name: "x.csv".into(), format: Some(Format::Csv), encoding: None };
        let error = read_bytes(b"record_id,label,score\n1,0,0.5\n", &options).unwrap_err();
        assert_eq!(error.line, Some(1));
        assert!(error.message.contains("record_id, label, score"), "{}", error.message);
    }

    #[test]
    fn zotero_export() {
        let parsed = read(
            "\u{feff}\"Key\",\"Item Type\",\"Publication Year\",\"Author\",\"Title\",\"Publication Title\",\"Pages\",\"Issue\",\"Journal Abbreviation\",\"Extra\",\"Manual Tags\",\"Automatic Tags\",\"Number\",\"Type\",\"Date\"\n\
             \"ABCD1234\",\"bookSection\",\"\",\"Rotter, Carina; Whittaker, Danielle\",\"T\",\"Book\",\"1032-8\",\"3\",\"\",\"Place: US PMID: 35319117  PMCID: PMC9151451\",\"Animals; Ear, Middle/pathology\",\"Dogs\",\"R-12\",\"Chapter\",\"2022-05\"\n",
        );
        let record = &parsed.records[0];
        let r = &record.reference;
        assert_eq!(record.source_id.as_deref(), Some("ABCD1234"));
        assert_eq!(r.work_type, WorkType::BookChapter);
        assert!(r.publication_types.is_empty());
        assert_eq!(r.year, Some(2022));
        assert_eq!(r.authors.len(), 2);
        assert_eq!(r.journal.as_deref(), Some("Book"));
        assert_eq!(r.pages.as_deref(), Some("1032-1038"));
        assert_eq!(r.issue.as_deref(), Some("3"));
        assert_eq!(r.pmid.as_deref(), Some("35319117"));
        assert_eq!(r.pmcid.as_deref(), Some("PMC9151451"));
        assert_eq!(r.keywords, vec!["Animals", "Ear, Middle/pathology", "Dogs"]);
        let names: Vec<&str> = record.extra.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, vec!["Extra", "Number", "Type"]);
    }

    #[test]
    fn weak_columns_give_way_to_specific_ones() {
        let parsed =
            read("author,title,journal,source,label\nA B,T,,unique,In_database\nA B,T,J,duplicate,x\n");
        assert_eq!(parsed.records[0].reference.journal, None);
        assert_eq!(parsed.records[0].extra[0], ("source".to_string(), "unique".to_string()));
        assert_eq!(parsed.records[1].reference.journal.as_deref(), Some("J"));
        let parsed = read("title,booktitle,journal\nT,Proc. X,\nU,Proc. Y,J\n");
        assert_eq!(parsed.records[0].reference.journal.as_deref(), Some("Proc. X"));
        assert_eq!(parsed.records[1].reference.journal.as_deref(), Some("J"));
    }

    #[test]
    fn embase_source_and_keywords() {
        let parsed = read(
            "Title,Author Names,Source,keywords\nT,\"Liu R., Adler D.G.\",Endoscopic Ultrasound (2014) 3:3 (152-160). Date of Publication: 2014,\"article, cyst (diagnosis, surgery), adult\"\n",
        );
        let r = &parsed.records[0].reference;
        assert_eq!(r.author_strings(), vec!["Liu, R.", "Adler, D.G."]);
        assert_eq!(r.journal.as_deref(), Some("Endoscopic Ultrasound"));
        assert_eq!(r.year, Some(2014));
        assert_eq!(r.volume.as_deref(), Some("3"));
        assert_eq!(r.issue.as_deref(), Some("3"));
        assert_eq!(r.pages.as_deref(), Some("152-160"));
        assert_eq!(r.keywords, vec!["article", "cyst (diagnosis, surgery)", "adult"]);
        assert_eq!(r.work_type, WorkType::JournalArticle);
    }

    #[test]
    fn web_of_science_tab_delimited() {
        let parsed = read(
            "PT\tAU\tAF\tTI\tSO\tDE\tID\tPY\tBP\tEP\tDI\tPM\tDT\tUT\n\
             J\tSmith, J\tSmith, John\tT\tNATURE\tfoo; bar\tBAZ\t2020\t12\t15\t10.1/X\t123\tArticle\tWOS:0001\n",
        );
        let record = &parsed.records[0];
        let r = &record.reference;
        assert_eq!(record.source_id.as_deref(), Some("WOS:0001"));
        assert_eq!(r.author_strings(), vec!["Smith, John"]);
        assert_eq!(r.keywords, vec!["foo", "bar", "BAZ"]);
        assert_eq!(r.pages.as_deref(), Some("12-15"));
        assert_eq!(r.doi.as_deref(), Some("10.1/x"));
        assert_eq!(r.pmid.as_deref(), Some("123"));
        assert_eq!(r.work_type, WorkType::JournalArticle);
        assert_eq!(r.publication_types, vec!["Article"]);
    }

    #[test]
    fn types_from_codes_labels_and_names() {
        assert_eq!(work_type_of("JOUR"), (WorkType::JournalArticle, false));
        assert_eq!(work_type_of("conference_paper"), (WorkType::ConferencePaper, false));
        assert_eq!(work_type_of("Conference Paper"), (WorkType::ConferencePaper, true));
        assert_eq!(work_type_of("bookSection").0, WorkType::BookChapter);
        assert_eq!(work_type_of("journalArticle").0, WorkType::JournalArticle);
        assert_eq!(work_type_of("blogPost").0, WorkType::Webpage);
        assert_eq!(work_type_of("phdthesis").0, WorkType::Thesis);
    }

    #[test]
    fn lists_are_split_the_way_exporters_join_them() {
        assert_eq!(list_literal("['a', \"b\", 'it\\'s']"), Some(vec!["a".into(), "b".into(), "it's".into()]));
        assert_eq!(list_literal("[]"), Some(vec![]));
        assert_eq!(list_literal("[x]"), None);
        assert_eq!(split_keywords("a, b;"), vec!["a, b"]);
        assert_eq!(split_keywords("a, b"), vec!["a", "b"]);
        assert_eq!(
            split_semicolons("Research Support, Non-U.S. Gov't"),
            vec!["Research Support, Non-U.S. Gov't"]
        );
        assert_eq!(split_authors("Zhang, Yanqin and Workman, Annabelle").len(), 2);
    }

    #[test]
    fn latin1_cells_in_a_utf8_file_are_read_as_windows_1252() {
        let mut bytes = b"title,doi\nCaf\xc3\xa9,10.1/a\n".to_vec();
        bytes.extend_from_slice(b"Caf\xe9,10.1/b\n");
        let options = ReadOptions { file_name: "x.csv".into(), format: Some(Format::Csv), encoding: None };
        let parsed = read_bytes(&bytes, &options).unwrap();
        assert_eq!(parsed.records[1].reference.title.as_deref(), Some("Café"));
        assert_eq!(parsed.records[1].raw, "Café,10.1/b");
    }

    #[test]
    fn r_missing_values_are_empty() {
        let parsed = read("title,doi,abstract,volume,label\nA,NA,NA,NA,NA\n");
        let record = &parsed.records[0];
        assert_eq!(record.reference.abstract_text, None);
        assert_eq!(record.reference.volume, None);
        assert_eq!(record.extra, vec![("label".to_string(), "NA".to_string())]);
        assert!(parsed.summary.diagnostics.is_empty(), "{:?}", parsed.summary.diagnostics);
    }

    #[test]
    fn bad_identifiers_are_warned_about_once() {
        let parsed = read("title,doi,year\nA,doi1,2005\nB,doi2,n.d.\n");
        let m = messages(&parsed);
        assert!(m.iter().any(|m| m.contains("[doi]") && m.contains("2 times")), "{m:?}");
        assert!(m.iter().any(|m| m.contains("[year]")), "{m:?}");
    }
}
