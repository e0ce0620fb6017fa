//! Screening decisions made in another tool, read so a team that moves to Sift mid-review keeps
//! its votes.
//!
//! Four sources, all spreadsheets with a header row (comma, tab or semicolon, any encoding the
//! table reader takes):
//!
//! - **Generic CSV**: one row per reviewer decision, with columns `record_id`/`id`, `doi`,
//!   `pmid`, `title`, `reviewer`/`screener`/`rater`, `stage`, `decision`/`vote`/`label`,
//!   `reason`/`exclusion_reason`, `note`/`notes`.
//! - **ASReview**: a project export (CSV/TSV) is the dataset with one label column: `included`
//!   in ASReview LAB 1.x (`ASReviewData.to_dataframe` writes the labels into the dataset's label
//!   column and appends `asreview_ranking`), `asreview_label` (with `asreview_time` and
//!   `asreview_note`) in 2.x, and `label_included` in the benchmark datasets
//!   (asreview/systematic-review-datasets, asreview/synergy-dataset). ASReview reads all of
//!   `included`, `label_included`, `included_label`, `included_final`, `included_flag` as the
//!   label (`LABEL_INCLUDED_VALUES` in asreview's `io` module). Values are 1 and 0; an empty
//!   cell (or ASReview's `-1`, "labelled NA") is a record nobody has screened. The export does
//!   not say who labelled, so the reviewer is left to the caller.
//! - **Rayyan**: the `articles.csv` of an export keeps Rayyan's work in its `notes` column,
//!   after whatever notes the record was imported with: `RAYYAN-INCLUSION: {"Alice"=>"Included",
//!   "Bob"=>"Excluded"} | RAYYAN-LABELS: a,b | RAYYAN-EXCLUSION-REASONS: wrong population,foreign
//!   language | USER-NOTES: {"Alice"=>["check"]}` (a Ruby hash per reviewer; decisions are
//!   Included, Excluded or Maybe). Sources: Rayyan's help page "Understanding your Rayyan export
//!   files" (help.rayyan.ai), and scripts that parse real exports on GitHub (they read `key`,
//!   which may look like `rayyan-123`, `title`, `year`, `doi`, `url` and `notes`). Exclusion
//!   reasons are per record, not per reviewer, so they go with each exclusion of the record.
//! - **Covidence**: a reference export holds one list, named in the file Covidence writes,
//!   `review_<n>_<list>_csv_<timestamp>.csv`: `screen` (not yet screened), `irrelevant`
//!   (excluded at title and abstract), `select` (passed to full text), `excluded` (excluded at
//!   full text), `included`. Columns include `Title`, `Authors`, `Abstract`, `Published Year`,
//!   `Journal`, `DOI`, `Ref`, `Covidence #`, `Study`, `Notes`, `Tags` (scripts that read real
//!   exports on GitHub); a full-text exclusion reason may stand in `Notes` as
//!   `Exclusion reason: ...`. The decision is the list's: the caller's `default_decision`, else
//!   a `decision`/`vote` column, else the list named in the file name. The decisions are the
//!   team's resolved ones, so no reviewer is named.
//!
//! Identifiers are normalised as the record readers normalise them (DOI in lower case, PMID
//! digits, title tidied), so the caller can match them to records. A row that cannot be used
//! is skipped with a counted diagnostic naming its first line; reading never panics.

use std::fmt;
use std::io::Read;
use std::str::FromStr;

use sift_domain::biblio::normalize;
use sift_domain::screening::{Decision, Stage};

use crate::decode::{DecodeError, Utf8Input};
use crate::diagnostics::{Diagnostics, Severity};
use crate::table::{MISSING, cell_text, detect_delimiter, excel_separator_line, header_key, locate};
use crate::{Diagnostic, ReadError};

/// The tool a decisions file was exported from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecisionSource {
    /// One row per reviewer decision, in Sift's own column names.
    Csv,
    /// An ASReview LAB project export or a labelled ASReview dataset.
    Asreview,
    /// Rayyan's `articles.csv`, decisions in the `notes` column.
    Rayyan,
    /// One list of a Covidence review (irrelevant, excluded, included, ...).
    Covidence,
}

impl DecisionSource {
    pub const ALL: &'static [DecisionSource] =
        &[DecisionSource::Csv, DecisionSource::Asreview, DecisionSource::Rayyan, DecisionSource::Covidence];

    pub fn as_str(self) -> &'static str {
        match self {
            DecisionSource::Csv => "csv",
            DecisionSource::Asreview => "asreview",
            DecisionSource::Rayyan => "rayyan",
            DecisionSource::Covidence => "covidence",
        }
    }
}

impl fmt::Display for DecisionSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DecisionSource {
    type Err = String;

    fn from_str(s: &str) -> Result<DecisionSource, String> {
        let wanted = s.trim().to_ascii_lowercase();
        DecisionSource::ALL.iter().copied().find(|source| source.as_str() == wanted).ok_or_else(|| {
            let names: Vec<&str> = DecisionSource::ALL.iter().map(|s| s.as_str()).collect();
            format!("unknown decision source {s:?}; expected one of: {}", names.join(", "))
        })
    }
}

/// One decision as the file states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRow {
    /// 1-based line where the row starts.
    pub line: u32,
    /// The exporting tool's id for the record (ASReview `record_id`, Rayyan `key`, Covidence
    /// `Covidence #`, CSV `record_id`/`id`), as written.
    pub record_id: Option<String>,
    pub doi: Option<String>,
    pub pmid: Option<String>,
    pub title: Option<String>,
    /// `None` when the export does not say who decided (ASReview, Covidence).
    pub reviewer: Option<String>,
    /// `None` when the export does not say.
    pub stage: Option<Stage>,
    pub decision: Decision,
    /// The exclusion reason or reasons (joined with `; `); only on exclusions.
    pub reason: Option<String>,
    pub note: Option<String>,
}

/// A decisions file read whole.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decisions {
    pub source: DecisionSource,
    pub rows: Vec<DecisionRow>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads the decisions in `bytes`. `source` is detected from the header when `None`.
/// `default_decision` is the decision of a file that holds one list (a Covidence export, a CSV
/// without a decision column); files that state each decision ignore it.
///
/// Fails when the file is not a table, names no column to match records by, has no decisions
/// at all, or (Covidence) does not say which list it is.
pub fn read_decisions(
    bytes: &[u8],
    file_name: &str,
    source: Option<DecisionSource>,
    default_decision: Option<Decision>,
) -> Result<Decisions, ReadError> {
    let fatal = |line: Option<u32>, message: String| ReadError { file: file_name.to_string(), line, message };
    let mut diagnostics = Diagnostics::default();
    let text = decode_all(bytes, &mut diagnostics).map_err(|message| fatal(None, message))?;
    let table = read_table(&text, &mut diagnostics)
        .ok_or_else(|| fatal(None, "the file has no header row".into()))?;
    let source = source.unwrap_or_else(|| detect(&table));
    let mut reader = Reader { table: &table, diagnostics, skipped: Skipped::default(), rows: Vec::new() };
    match source {
        DecisionSource::Csv => reader.generic(default_decision),
        DecisionSource::Asreview => reader.asreview(default_decision),
        DecisionSource::Rayyan => reader.rayyan(default_decision),
        DecisionSource::Covidence => reader.covidence(default_decision, file_name),
    }
    .map_err(|message| fatal(Some(table.header_line), message))?;
    let Reader { rows, diagnostics, skipped, .. } = reader;
    if rows.is_empty() {
        let message = match skipped.first {
            None => format!("no decisions found: the {source} file has a header but no rows"),
            Some((line, what)) => format!(
                "no decisions found: {} {} skipped, the first at line {line}: {what}",
                skipped.count,
                if skipped.count == 1 { "row was" } else { "rows were" },
            ),
        };
        return Err(fatal(None, message));
    }
    Ok(Decisions { source, rows, diagnostics: diagnostics.into_vec() })
}

/// The whole file as UTF-8, with a note when it was not plain UTF-8.
fn decode_all(bytes: &[u8], diagnostics: &mut Diagnostics) -> Result<Vec<u8>, String> {
    let mut input = Utf8Input::new(bytes, None).map_err(|e| match e {
        DecodeError::Binary(what) => {
            format!("this is not a text file ({what}); save the decisions as CSV")
        }
        other => other.to_string(),
    })?;
    if let Some(note) = input.encoding_note() {
        diagnostics.note(None, None, note);
    }
    let mut text = Vec::with_capacity(bytes.len());
    input.read_to_end(&mut text).map_err(|e| format!("could not read the file: {e}"))?;
    Ok(text)
}

/// A table read whole: the header and the non-empty rows.
struct Table {
    /// Column names as written (trimmed), or `column_N` for an unnamed column.
    names: Vec<String>,
    /// Names without case or punctuation, as the record reader compares them.
    keys: Vec<String>,
    header_line: u32,
    rows: Vec<TableRow>,
}

struct TableRow {
    line: u32,
    cells: Vec<String>,
}

impl TableRow {
    /// The trimmed cell, `None` when empty, missing or R's `NA`.
    fn cell(&self, col: Option<usize>) -> Option<&str> {
        let cell = self.cells.get(col?)?.trim();
        (!cell.is_empty() && cell != MISSING).then_some(cell)
    }
}

impl Table {
    /// The first column named by one of `aliases` (normalised names), best alias first.
    fn column(&self, aliases: &[&str]) -> Option<usize> {
        aliases.iter().find_map(|alias| self.keys.iter().position(|key| key == alias))
    }

    fn found(&self) -> String {
        let mut found = self.names.iter().take(12).map(String::as_str).collect::<Vec<_>>().join(", ");
        if self.names.len() > 12 {
            found.push_str(&format!(" and {} more", self.names.len() - 12));
        }
        found
    }
}

/// Reads the header and rows the way the record reader does (`sep=` line, delimiter from the
/// header, quoted newlines), keeping each row's first line. `None` for a file of blank rows.
fn read_table(bytes: &[u8], diagnostics: &mut Diagnostics) -> Option<Table> {
    let (body, skipped_lines, delimiter) = match excel_separator_line(bytes) {
        Some((delimiter, len)) => (&bytes[len..], 1, delimiter),
        None => (bytes, 0, detect_delimiter(bytes)),
    };
    let mut reader =
        csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(body);
    let mut record = csv::ByteRecord::new();
    let mut table: Option<Table> = None;
    loop {
        let start = reader.position().clone();
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                diagnostics.warn(
                    Some(start.line() as u32 + skipped_lines),
                    None,
                    format!("{e}; stopped reading"),
                );
                break;
            }
        }
        let end = reader.position().byte() as usize;
        let (line, raw) = locate(body, &start, end);
        let line = line + skipped_lines;
        let cells: Vec<String> = record.iter().map(|c| cell_text(c).into_owned()).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match &mut table {
            None => {
                let names: Vec<String> = cells
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let name = c.trim().trim_start_matches('\u{feff}').trim();
                        if name.is_empty() { format!("column_{}", i + 1) } else { name.to_string() }
                    })
                    .collect();
                let keys = names.iter().map(|n| header_key(n)).collect();
                table = Some(Table { names, keys, header_line: line, rows: Vec::new() });
            }
            Some(table) => {
                if std::str::from_utf8(raw).is_err() {
                    diagnostics.repeat(
                        Severity::Warning,
                        Some(line),
                        None,
                        "row is not valid UTF-8; read it as Windows-1252 (Latin-1)",
                    );
                }
                if cells.len() != table.names.len() {
                    diagnostics.repeat(
                        Severity::Warning,
                        Some(line),
                        None,
                        &format!(
                            "row does not have the header's {} fields (a stray delimiter or quote?); read the fields it has",
                            table.names.len()
                        ),
                    );
                }
                table.rows.push(TableRow { line, cells });
            }
        }
    }
    table
}

/// Column names, normalised (lower case, letters and digits only).
const RECORD_ID: &[&str] = &["recordid", "id"];
const DOI: &[&str] = &["doi"];
const PMID: &[&str] = &["pmid", "pubmedid", "pubmed", "medlinepmid"];
const TITLE: &[&str] = &["title", "primarytitle", "articletitle"];
const URL: &[&str] = &["url", "link"];
const DECISION: &[&str] = &["decision", "vote", "label"];
const REVIEWER: &[&str] = &["reviewer", "screener", "rater"];
const STAGE: &[&str] = &["stage", "phase"];
const REASON: &[&str] = &["reason", "exclusionreason", "exclusionreasons", "reasonforexclusion"];
const NOTE: &[&str] = &["note", "notes", "comment", "comments"];
/// ASReview's label columns, the one its own export writes first.
const ASREVIEW_LABEL: &[&str] = &[
    "asreviewlabel",
    "included",
    "labelincluded",
    "includedlabel",
    "includedfinal",
    "finalincluded",
    "includedflag",
];
const ASREVIEW_NOTE: &[&str] = &["asreviewnote"];
const RAYYAN_KEY: &[&str] = &["key"];
const RAYYAN_NOTES: &[&str] = &["notes", "note"];
const COVIDENCE_ID: &[&str] = &["covidence", "covidenceid", "covidencenumber"];
const COVIDENCE_DECISION: &[&str] = &["decision", "vote"];
const COVIDENCE_REASON: &[&str] =
    &["exclusionreason", "exclusionreasons", "reasonforexclusion", "fulltextexclusionreason", "reason"];
const COVIDENCE_NOTES: &[&str] = &["notes", "note"];

/// The source a header (and Rayyan's notes) points to: Rayyan when a notes column holds
/// `RAYYAN-INCLUSION`, Covidence for a `Covidence #` column, ASReview for one of its label
/// columns (`included` only beside `record_id`, being a common word), else generic CSV.
fn detect(table: &Table) -> DecisionSource {
    if rayyan_notes_column(table).is_some() {
        return DecisionSource::Rayyan;
    }
    if table.column(COVIDENCE_ID).is_some() {
        return DecisionSource::Covidence;
    }
    let specific_label =
        ASREVIEW_LABEL.iter().any(|alias| *alias != "included" && table.column(&[alias]).is_some());
    if specific_label || (table.column(&["included"]).is_some() && table.column(&["recordid"]).is_some()) {
        return DecisionSource::Asreview;
    }
    DecisionSource::Csv
}

/// The notes column that holds Rayyan's decisions.
fn rayyan_notes_column(table: &Table) -> Option<usize> {
    (0..table.keys.len()).filter(|&col| RAYYAN_NOTES.contains(&table.keys[col].as_str())).find(|&col| {
        table.rows.iter().any(|row| row.cells.get(col).is_some_and(|c| c.contains(RAYYAN_INCLUSION)))
    })
}

/// Skipped rows, for the message when nothing is left.
#[derive(Default)]
struct Skipped {
    count: usize,
    first: Option<(u32, String)>,
}

/// What identifies a record in a row.
struct Identity {
    record_id: Option<String>,
    doi: Option<String>,
    pmid: Option<String>,
    title: Option<String>,
}

/// The columns that identify a record.
struct IdColumns {
    record_id: Option<usize>,
    doi: Option<usize>,
    pmid: Option<usize>,
    title: Option<usize>,
    url: Option<usize>,
}

/// One read in progress.
struct Reader<'t> {
    table: &'t Table,
    diagnostics: Diagnostics,
    skipped: Skipped,
    rows: Vec<DecisionRow>,
}

impl Reader<'_> {
    /// Generic CSV: one decision per row.
    fn generic(&mut self, default_decision: Option<Decision>) -> Result<(), String> {
        let table = self.table;
        let ids = self.id_columns(RECORD_ID)?;
        let decision_col = table.column(DECISION);
        if decision_col.is_none() && default_decision.is_none() {
            return Err(format!(
                "the header names no decision column (found: {}); a decisions file needs a column named decision, vote or label",
                table.found()
            ));
        }
        let (reviewer_col, stage_col) = (table.column(REVIEWER), table.column(STAGE));
        let (reason_col, note_col) = (table.column(REASON), table.column(NOTE));
        for row in &table.rows {
            let decision = match row.cell(decision_col) {
                Some(value) => match parse_decision(value) {
                    Some(decision) => decision,
                    None => {
                        let message = format!(
                            "unknown decision {value:?} (expected include, exclude or maybe); row skipped"
                        );
                        self.skip(Severity::Warning, row.line, decision_col, &message);
                        continue;
                    }
                },
                None => match default_decision {
                    Some(decision) => decision,
                    None => {
                        self.skip(Severity::Note, row.line, decision_col, "no decision; row skipped");
                        continue;
                    }
                },
            };
            let stage = match row.cell(stage_col) {
                None => None,
                Some(value) => match parse_stage(value) {
                    Some(stage) => Some(stage),
                    None => {
                        let message = format!(
                            "unknown stage {value:?} (expected title-abstract or full-text); row skipped"
                        );
                        self.skip(Severity::Warning, row.line, stage_col, &message);
                        continue;
                    }
                },
            };
            let Some(identity) = self.identity(row, &ids) else { continue };
            let mut note = row.cell(note_col).and_then(normalize::text);
            let mut reason = row.cell(reason_col).and_then(normalize::text);
            if decision != Decision::Exclude
                && let Some(text) = reason.take()
            {
                self.diagnostics.repeat(
                    Severity::Note,
                    Some(row.line),
                    reason_col.map(|c| table.names[c].as_str()),
                    "a reason given for a decision other than exclude is kept as a note",
                );
                note = Some(match note {
                    Some(note) => format!("{note}; {text}"),
                    None => text,
                });
            }
            let reviewer = row.cell(reviewer_col).and_then(normalize::text);
            self.push(row.line, &identity, reviewer, stage, decision, reason, note);
        }
        Ok(())
    }

    /// ASReview: one label per record, 1 or 0; unlabelled records are skipped.
    fn asreview(&mut self, default_decision: Option<Decision>) -> Result<(), String> {
        let table = self.table;
        let ids = self.id_columns(RECORD_ID)?;
        let Some(label_col) = table.column(ASREVIEW_LABEL) else {
            return Err(format!(
                "the header names no ASReview label column (found: {}); expected asreview_label, included or label_included",
                table.found()
            ));
        };
        self.ignore_default(default_decision);
        let note_col = table.column(ASREVIEW_NOTE);
        for row in &table.rows {
            let decision = match row.cell(Some(label_col)) {
                None | Some("-1") => {
                    self.skip(Severity::Note, row.line, Some(label_col), "record is not labelled; skipped");
                    continue;
                }
                Some(value) => match parse_decision(value) {
                    Some(decision) => decision,
                    None => {
                        let message = format!("unknown label {value:?} (expected 1 or 0); row skipped");
                        self.skip(Severity::Warning, row.line, Some(label_col), &message);
                        continue;
                    }
                },
            };
            let Some(identity) = self.identity(row, &ids) else { continue };
            let note = row.cell(note_col).and_then(normalize::text);
            self.push(row.line, &identity, None, None, decision, None, note);
        }
        Ok(())
    }

    /// Rayyan: one decision per reviewer named in each record's `RAYYAN-INCLUSION`.
    fn rayyan(&mut self, default_decision: Option<Decision>) -> Result<(), String> {
        let table = self.table;
        let ids = self.id_columns(RAYYAN_KEY)?;
        let Some(notes_col) = rayyan_notes_column(table).or_else(|| table.column(RAYYAN_NOTES)) else {
            return Err(format!(
                "the header names no notes column (found: {}); Rayyan writes its decisions into the notes column of articles.csv",
                table.found()
            ));
        };
        self.ignore_default(default_decision);
        let tag = Some(RAYYAN_INCLUSION);
        for row in &table.rows {
            let Some(notes) = row.cell(Some(notes_col)).filter(|n| n.contains(RAYYAN_INCLUSION)) else {
                self.skip(
                    Severity::Note,
                    row.line,
                    Some(notes_col),
                    "no reviewer has decided on this record; skipped",
                );
                continue;
            };
            let sections = rayyan_sections(notes);
            let section =
                |name: &str| sections.iter().find(|(marker, _)| *marker == name).map(|(_, text)| *text);
            let Some(inclusion) = section(RAYYAN_INCLUSION).and_then(ruby_hash) else {
                let message = "RAYYAN-INCLUSION is not a list of \"reviewer\"=>\"decision\"; row skipped";
                self.skip(Severity::Warning, row.line, Some(notes_col), message);
                continue;
            };
            let Some(identity) = self.identity(row, &ids) else { continue };
            let mut reasons: Vec<String> =
                section(RAYYAN_EXCLUSION_REASONS).map(split_reasons).unwrap_or_default();
            // Old exports kept exclusion reasons among the labels, marked `__EXR__`.
            for label in section(RAYYAN_LABELS).map(split_reasons).unwrap_or_default() {
                if let Some(reason) = label.strip_prefix("__EXR__").and_then(normalize::text)
                    && !reasons.contains(&reason)
                {
                    reasons.push(reason);
                }
            }
            let reason = (!reasons.is_empty()).then(|| reasons.join("; "));
            let user_notes = section(USER_NOTES).and_then(ruby_hash).unwrap_or_default();
            let n_before = self.rows.len();
            for (reviewer, value) in &inclusion {
                let decision = match value {
                    RubyValue::Text(text) => parse_decision(text),
                    RubyValue::List(_) => None,
                };
                let Some(decision) = decision else {
                    let message =
                        format!("unknown decision {} for a reviewer; that decision skipped", value.show());
                    self.diagnostics.repeat(Severity::Warning, Some(row.line), tag, &message);
                    continue;
                };
                let note = user_notes.iter().find(|(name, _)| name == reviewer).and_then(|(_, v)| v.joined());
                let reason = reason.clone().filter(|_| decision == Decision::Exclude);
                self.push(row.line, &identity, normalize::text(reviewer), None, decision, reason, note);
            }
            if self.rows.len() == n_before {
                self.skip_tagged(
                    Severity::Note,
                    row.line,
                    tag,
                    "RAYYAN-INCLUSION names no decision; row skipped",
                );
            }
        }
        Ok(())
    }

    /// Covidence: every row has the decision of the list the file holds.
    fn covidence(&mut self, default_decision: Option<Decision>, file_name: &str) -> Result<(), String> {
        let table = self.table;
        let ids = self.id_columns(COVIDENCE_ID)?;
        let list = covidence_list(file_name);
        let decision_col = table.column(COVIDENCE_DECISION);
        let stage = match (list, default_decision) {
            (Some(list), Some(decision)) if list.decision.is_some_and(|d| d != decision) => {
                self.diagnostics.warn(
                    None,
                    None,
                    format!(
                        "the file name says this is Covidence's {:?} list, read as {decision} as asked; the stage is left unset",
                        list.name
                    ),
                );
                None
            }
            (Some(list), _) => list.stage,
            (None, _) => None,
        };
        let list_decision = list.and_then(|l| l.decision);
        if default_decision.is_none() && decision_col.is_none() && list_decision.is_none() {
            let why = match list {
                Some(list) => format!(
                    "this is Covidence's {:?} list, records nobody has screened, so it holds no decisions",
                    list.name
                ),
                None => "a Covidence export holds one list and this file does not say which (its name is not Covidence's review_<n>_<list>_csv_<time>.csv)".to_string(),
            };
            return Err(format!(
                "{why}; give the decision the list stands for: exclude for the irrelevant and excluded lists, include for the select and included lists"
            ));
        }
        let reason_col = table.column(COVIDENCE_REASON);
        let notes_col = table.column(COVIDENCE_NOTES);
        for row in &table.rows {
            let decision = match (default_decision, row.cell(decision_col)) {
                (Some(decision), _) => decision,
                (None, Some(value)) => match parse_decision(value) {
                    Some(decision) => decision,
                    None => {
                        let message = format!(
                            "unknown decision {value:?} (expected include, exclude or maybe); row skipped"
                        );
                        self.skip(Severity::Warning, row.line, decision_col, &message);
                        continue;
                    }
                },
                (None, None) => match list_decision {
                    Some(decision) => decision,
                    None => {
                        self.skip(Severity::Note, row.line, decision_col, "no decision; row skipped");
                        continue;
                    }
                },
            };
            let Some(identity) = self.identity(row, &ids) else { continue };
            let mut note = row.cell(notes_col).and_then(normalize::text);
            let mut reason = None;
            if decision == Decision::Exclude {
                reason = row.cell(reason_col).and_then(normalize::text);
                if reason.is_none()
                    && let Some(text) = note.as_deref().and_then(covidence_note_reason)
                {
                    reason = Some(text);
                    note = None;
                }
            }
            self.push(row.line, &identity, None, stage, decision, reason, note);
        }
        Ok(())
    }

    /// The identifying columns, with `record_id` from the source's own id column.
    fn id_columns(&self, record_id: &[&str]) -> Result<IdColumns, String> {
        let table = self.table;
        let ids = IdColumns {
            record_id: table.column(record_id),
            doi: table.column(DOI),
            pmid: table.column(PMID),
            title: table.column(TITLE),
            url: table.column(URL),
        };
        if ids.record_id.is_none() && ids.doi.is_none() && ids.pmid.is_none() && ids.title.is_none() {
            return Err(format!(
                "the header names no column to match records by (found: {}); expected a record id, doi, pmid or title column",
                table.found()
            ));
        }
        Ok(ids)
    }

    /// What identifies the row's record; `None` (reported) when nothing does.
    fn identity(&mut self, row: &TableRow, ids: &IdColumns) -> Option<Identity> {
        let names = &self.table.names;
        let mut doi = row.cell(ids.doi).and_then(normalize::doi);
        if doi.is_none()
            && let Some(col) = ids.doi
            && row.cell(Some(col)).is_some()
        {
            self.diagnostics.repeat(
                Severity::Warning,
                Some(row.line),
                Some(&names[col]),
                "value is not a DOI; left out",
            );
        }
        if doi.is_none()
            && let Some(url) = row.cell(ids.url)
            && url.contains("doi.org/")
        {
            doi = normalize::doi(url);
        }
        let pmid = row.cell(ids.pmid).and_then(normalize::pmid);
        if pmid.is_none()
            && let Some(col) = ids.pmid
            && row.cell(Some(col)).is_some()
        {
            self.diagnostics.repeat(
                Severity::Warning,
                Some(row.line),
                Some(&names[col]),
                "value is not a PubMed id; left out",
            );
        }
        let identity = Identity {
            record_id: row.cell(ids.record_id).and_then(normalize::text),
            doi,
            pmid,
            title: row.cell(ids.title).and_then(normalize::text),
        };
        if identity.record_id.is_none()
            && identity.doi.is_none()
            && identity.pmid.is_none()
            && identity.title.is_none()
        {
            self.skip(
                Severity::Warning,
                row.line,
                None,
                "row has no record id, DOI, PMID or title to match it by; skipped",
            );
            return None;
        }
        Some(identity)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        line: u32,
        identity: &Identity,
        reviewer: Option<String>,
        stage: Option<Stage>,
        decision: Decision,
        reason: Option<String>,
        note: Option<String>,
    ) {
        self.rows.push(DecisionRow {
            line,
            record_id: identity.record_id.clone(),
            doi: identity.doi.clone(),
            pmid: identity.pmid.clone(),
            title: identity.title.clone(),
            reviewer,
            stage,
            decision,
            reason,
            note,
        });
    }

    /// Reports a skipped row: one diagnostic per kind of problem, counted.
    fn skip(&mut self, severity: Severity, line: u32, col: Option<usize>, message: &str) {
        let tag = col.map(|c| self.table.names[c].as_str());
        self.skip_tagged(severity, line, tag, message);
    }

    fn skip_tagged(&mut self, severity: Severity, line: u32, tag: Option<&str>, message: &str) {
        self.diagnostics.repeat(severity, Some(line), tag, message);
        self.skipped.count += 1;
        if self.skipped.first.is_none() {
            self.skipped.first = Some((line, message.to_string()));
        }
    }

    fn ignore_default(&mut self, default_decision: Option<Decision>) {
        if let Some(decision) = default_decision {
            self.diagnostics.note(
                None,
                None,
                format!("the file states each decision; the default decision {decision} was not used"),
            );
        }
    }
}

/// A decision as tools and people write it.
fn parse_decision(value: &str) -> Option<Decision> {
    match value.trim().to_lowercase().as_str() {
        "include" | "included" | "yes" | "y" | "1" | "1.0" | "true" | "relevant" => Some(Decision::Include),
        "exclude" | "excluded" | "no" | "n" | "0" | "0.0" | "false" | "irrelevant" => Some(Decision::Exclude),
        "maybe" | "unsure" | "?" | "uncertain" | "unclear" => Some(Decision::Maybe),
        _ => None,
    }
}

/// A stage as people write it: `title-abstract`, `Title/Abstract`, `TiAb`, `full text`, `FT`.
fn parse_stage(value: &str) -> Option<Stage> {
    match header_key(value).as_str() {
        "titleabstract"
        | "titleandabstract"
        | "tiab"
        | "ta"
        | "abstract"
        | "titleabstractscreening"
        | "abstractscreening"
        | "screening" => Some(Stage::TitleAbstract),
        "fulltext" | "ft" | "fulltextreview" | "fulltextscreening" | "full" => Some(Stage::FullText),
        _ => None,
    }
}

/// A Covidence list: its name in export file names, the decision and stage it stands for.
#[derive(Clone, Copy)]
struct CovidenceList {
    name: &'static str,
    decision: Option<Decision>,
    stage: Option<Stage>,
}

const COVIDENCE_LISTS: &[CovidenceList] = &[
    CovidenceList { name: "screen", decision: None, stage: None },
    CovidenceList {
        name: "irrelevant",
        decision: Some(Decision::Exclude),
        stage: Some(Stage::TitleAbstract),
    },
    CovidenceList { name: "select", decision: Some(Decision::Include), stage: Some(Stage::TitleAbstract) },
    CovidenceList { name: "excluded", decision: Some(Decision::Exclude), stage: Some(Stage::FullText) },
    CovidenceList { name: "included", decision: Some(Decision::Include), stage: Some(Stage::FullText) },
];

/// The list named in a Covidence export's file name, `review_123_irrelevant_csv_2024...csv`.
fn covidence_list(file_name: &str) -> Option<CovidenceList> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name).to_ascii_lowercase();
    COVIDENCE_LISTS.iter().copied().find(|list| base.contains(&format!("_{}_csv", list.name)))
}

/// The reason in a Covidence note of the form `Exclusion reason: Wrong population`.
fn covidence_note_reason(note: &str) -> Option<String> {
    const PREFIX: &str = "exclusion reason:";
    let head = note.get(..PREFIX.len())?;
    if !head.eq_ignore_ascii_case(PREFIX) {
        return None;
    }
    normalize::text(&note[PREFIX.len()..])
}

const RAYYAN_INCLUSION: &str = "RAYYAN-INCLUSION";
const RAYYAN_LABELS: &str = "RAYYAN-LABELS";
const RAYYAN_EXCLUSION_REASONS: &str = "RAYYAN-EXCLUSION-REASONS";
const USER_NOTES: &str = "USER-NOTES";

/// Splits a Rayyan notes cell into its `MARKER: value` sections. A section runs to the next
/// marker; the ` | ` between sections is dropped. Text before the first marker (the notes the
/// record was imported with) is not a section.
fn rayyan_sections(notes: &str) -> Vec<(&'static str, &str)> {
    let mut starts: Vec<(usize, &'static str, usize)> = Vec::new();
    for marker in [RAYYAN_INCLUSION, RAYYAN_LABELS, RAYYAN_EXCLUSION_REASONS, USER_NOTES] {
        let mut from = 0;
        while let Some(pos) = notes[from..].find(marker).map(|p| p + from) {
            let after = &notes[pos + marker.len()..];
            let trimmed = after.trim_start();
            if let Some(value) = trimmed.strip_prefix(':') {
                starts.push((pos, marker, notes.len() - value.len()));
            }
            from = pos + marker.len();
        }
    }
    starts.sort();
    let mut sections = Vec::with_capacity(starts.len());
    for (i, &(_, marker, value_start)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(notes.len(), |next| next.0);
        let end = end.max(value_start);
        let text = notes[value_start..end].trim().trim_end_matches('|').trim();
        sections.push((marker, text));
    }
    sections
}

/// Rayyan's comma-separated list of reasons or labels.
fn split_reasons(text: &str) -> Vec<String> {
    text.split(',').filter_map(normalize::text).collect()
}

/// A value in a Ruby hash as Rayyan writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum RubyValue {
    Text(String),
    List(Vec<String>),
}

impl RubyValue {
    fn show(&self) -> String {
        match self {
            RubyValue::Text(text) => format!("{text:?}"),
            RubyValue::List(items) => format!("{items:?}"),
        }
    }

    /// The value's text, list items joined with `; `.
    fn joined(&self) -> Option<String> {
        match self {
            RubyValue::Text(text) => normalize::text(text),
            RubyValue::List(items) => {
                let items: Vec<String> = items.iter().filter_map(|i| normalize::text(i)).collect();
                (!items.is_empty()).then(|| items.join("; "))
            }
        }
    }
}

/// Parses a Ruby hash literal such as `{"Alice"=>"Included", "Bob"=>["a", "b"]}` (Ruby's
/// `Hash#inspect`; newer Rubies put spaces around `=>`). Text after the closing brace is
/// ignored. `None` when the text is not such a hash.
fn ruby_hash(text: &str) -> Option<Vec<(String, RubyValue)>> {
    let mut chars = text.trim_start().chars().peekable();
    if chars.next()? != '{' {
        return None;
    }
    let mut pairs = Vec::new();
    loop {
        skip_spaces(&mut chars);
        match chars.peek()? {
            '}' => return Some(pairs),
            '"' => {}
            _ => return None,
        }
        chars.next();
        let key = ruby_string(&mut chars)?;
        skip_spaces(&mut chars);
        match chars.next()? {
            '=' if chars.next()? == '>' => {}
            ':' => {}
            _ => return None,
        }
        skip_spaces(&mut chars);
        let value = match chars.next()? {
            '"' => RubyValue::Text(ruby_string(&mut chars)?),
            '[' => {
                let mut items = Vec::new();
                loop {
                    skip_spaces(&mut chars);
                    match chars.next()? {
                        ']' => break,
                        ',' => {}
                        '"' => items.push(ruby_string(&mut chars)?),
                        _ => return None,
                    }
                }
                RubyValue::List(items)
            }
            // A bare word: `true`, `nil`, a number.
            c => {
                let mut word = String::from(c);
                while let Some(c) = chars.next_if(|c| !matches!(c, ',' | '}')) {
                    word.push(c);
                }
                RubyValue::Text(word.trim().to_string())
            }
        };
        pairs.push((key, value));
        skip_spaces(&mut chars);
        match chars.next()? {
            ',' => {}
            '}' => return Some(pairs),
            _ => return None,
        }
    }
}

fn skip_spaces(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while chars.next_if(|c| c.is_whitespace()).is_some() {}
}

/// The rest of a double-quoted Ruby string whose opening quote was read.
fn ruby_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                c => out.push(c),
            },
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, name: &str, source: Option<DecisionSource>, default: Option<Decision>) -> Decisions {
        read_decisions(text.as_bytes(), name, source, default).unwrap()
    }

    fn messages(decisions: &Decisions) -> Vec<String> {
        decisions.diagnostics.iter().map(ToString::to_string).collect()
    }

    /// `(record id, reviewer, decision)` of every row, for compact expectations.
    fn votes(decisions: &Decisions) -> Vec<(Option<&str>, Option<&str>, Decision)> {
        decisions.rows.iter().map(|r| (r.record_id.as_deref(), r.reviewer.as_deref(), r.decision)).collect()
    }

    #[test]
    fn sources_parse_and_print() {
        for source in DecisionSource::ALL {
            assert_eq!(source.as_str().parse::<DecisionSource>(), Ok(*source));
        }
        assert_eq!(" Rayyan ".parse::<DecisionSource>(), Ok(DecisionSource::Rayyan));
        let error = "distiller".parse::<DecisionSource>().unwrap_err();
        assert!(error.contains("csv, asreview, rayyan, covidence"), "{error}");
    }

    #[test]
    fn generic_csv_one_row_per_vote() {
        let decisions = read(
            "Record ID,DOI,PMID,Title,Reviewer,Stage,Decision,Exclusion Reason,Notes\n\
             r1,https://doi.org/10.1000/ABC,,\"A  trial\",alice,title/abstract,Included,,\n\
             r1,,,,bob,TiAb,no,wrong population,checked twice\n\
             ,,PMID: 12345,,carol,Full text,?,,\n",
            "votes.csv",
            None,
            None,
        );
        assert_eq!(decisions.source, DecisionSource::Csv);
        assert_eq!(
            votes(&decisions),
            vec![
                (Some("r1"), Some("alice"), Decision::Include),
                (Some("r1"), Some("bob"), Decision::Exclude),
                (None, Some("carol"), Decision::Maybe),
            ]
        );
        let [first, second, third] = &decisions.rows[..] else { panic!("three rows") };
        assert_eq!(
            (first.line, first.doi.as_deref(), first.title.as_deref()),
            (2, Some("10.1000/abc"), Some("A trial"))
        );
        assert_eq!(first.stage, Some(Stage::TitleAbstract));
        assert_eq!(second.reason.as_deref(), Some("wrong population"));
        assert_eq!(second.note.as_deref(), Some("checked twice"));
        assert_eq!((third.pmid.as_deref(), third.stage), (Some("12345"), Some(Stage::FullText)));
        assert!(decisions.diagnostics.is_empty(), "{:?}", messages(&decisions));
    }

    #[test]
    fn generic_csv_bad_rows_are_skipped_and_counted() {
        let decisions = read(
            "id;title;vote;stage;reason\n\
             1;A;yes;;\n\
             2;B;perhaps;;\n\
             3;C;definitely;;\n\
             4;D;;;\n\
             5;E;no;abstracts only;\n\
             ;;no;;\n\
             7;G;maybe;;too vague\n",
            "votes.csv",
            None,
            None,
        );
        assert_eq!(
            votes(&decisions),
            vec![(Some("1"), None, Decision::Include), (Some("7"), None, Decision::Maybe)]
        );
        assert_eq!(decisions.rows[1].reason, None);
        assert_eq!(decisions.rows[1].note.as_deref(), Some("too vague"));
        let m = messages(&decisions);
        assert!(
            m.iter().any(|m| m.starts_with("line 3: warning: [vote] unknown decision \"perhaps\"")),
            "{m:?}"
        );
        assert!(
            m.iter().any(|m| m.starts_with("line 4: warning: [vote] unknown decision \"definitely\"")),
            "{m:?}"
        );
        assert!(m.iter().any(|m| m.starts_with("line 5: note: [vote] no decision; row skipped")), "{m:?}");
        assert!(m.iter().any(|m| m.starts_with("line 6: warning: [stage] unknown stage")), "{m:?}");
        assert!(m.iter().any(|m| m.starts_with("line 7: warning: row has no record id")), "{m:?}");
        assert!(m.iter().any(|m| m.contains("kept as a note")), "{m:?}");
    }

    #[test]
    fn generic_csv_default_decision_fills_a_missing_column() {
        let decisions = read("doi\n10.1/a\n10.1/b\n", "excluded.csv", None, Some(Decision::Exclude));
        assert_eq!(decisions.rows.len(), 2);
        assert!(decisions.rows.iter().all(|r| r.decision == Decision::Exclude));
        let error = read_decisions(b"doi\n10.1/a\n", "x.csv", None, None).unwrap_err();
        assert_eq!(error.line, Some(1));
        assert!(error.message.contains("no decision column"), "{error}");
    }

    #[test]
    fn files_that_cannot_be_read_fail_with_a_reason() {
        let error = read_decisions(b"reviewer,decision\nalice,include\n", "x.csv", None, None).unwrap_err();
        assert!(error.message.contains("no column to match records by"), "{error}");
        let error = read_decisions(b"", "x.csv", None, None).unwrap_err();
        assert!(error.message.contains("empty"), "{error}");
        let error = read_decisions(b"PK\x03\x04 zipped", "x.xlsx", None, None).unwrap_err();
        assert!(error.message.contains("save the decisions as CSV"), "{error}");
        let error = read_decisions(b"id,decision\n1,what\n2,\n", "x.csv", None, None).unwrap_err();
        assert!(error.message.contains("2 rows were skipped, the first at line 2"), "{error}");
        let error = read_decisions(b"id,decision\n", "x.csv", None, None).unwrap_err();
        assert!(error.message.contains("header but no rows"), "{error}");
    }

    // ASReview LAB 1.x export: the dataset's columns, `record_id` first, the labels in
    // `included` (empty when unlabelled) and `asreview_ranking` last
    // (asreview/asreview `asreview/data/base.py`, `ASReviewData.to_dataframe`).
    #[test]
    fn asreview_1_export() {
        let decisions = read(
            "record_id,title,abstract,doi,included,asreview_ranking\n\
             3,Relevant paper,Text,10.1/a,1,1\n\
             0,Irrelevant paper,Text,,0,2\n\
             1,Unseen paper,Text,,,3\n\
             2,Unseen too,Text,,,4\n\
             4,Odd label,Text,,2,5\n",
            "asreview_result_x.csv",
            None,
            None,
        );
        assert_eq!(decisions.source, DecisionSource::Asreview);
        assert_eq!(
            votes(&decisions),
            vec![(Some("3"), None, Decision::Include), (Some("0"), None, Decision::Exclude)]
        );
        assert_eq!(decisions.rows[0].doi.as_deref(), Some("10.1/a"));
        assert_eq!(decisions.rows[0].stage, None);
        let m = messages(&decisions);
        assert!(
            m.contains(&"line 4: note: [included] record is not labelled; skipped (2 times)".to_string()),
            "{m:?}"
        );
        assert!(m.iter().any(|m| m.starts_with("line 6: warning: [included] unknown label \"2\"")), "{m:?}");
    }

    // ASReview LAB 2.x export: `asreview_label`, `asreview_time`, `asreview_note`, tab-separated
    // (column names as read by scripts that post-process 2.x exports on GitHub).
    #[test]
    fn asreview_2_export_with_notes() {
        let decisions = read(
            "record_id\ttitle\tasreview_label\tasreview_time\tasreview_note\n\
             7\tT\t1\t2024-01-01\tclearly in scope\n\
             8\tU\t-1\t\t\n",
            "export.tsv",
            None,
            Some(Decision::Include),
        );
        assert_eq!(decisions.source, DecisionSource::Asreview);
        assert_eq!(votes(&decisions), vec![(Some("7"), None, Decision::Include)]);
        assert_eq!(decisions.rows[0].note.as_deref(), Some("clearly in scope"));
        let m = messages(&decisions);
        assert!(m.iter().any(|m| m.contains("default decision include was not used")), "{m:?}");
    }

    // Rayyan `articles.csv` notes as described on help.rayyan.ai ("Understanding your Rayyan
    // export files") and parsed by scripts on GitHub: a Ruby hash per section, sections joined
    // with ` | `, original notes first.
    #[test]
    fn rayyan_one_row_per_reviewer() {
        let notes = "Imported note | RAYYAN-INCLUSION: {\"Alice\"=>\"Included\", \"Bob\"=>\"Excluded\", \"Cy\"=>\"Maybe\"} | RAYYAN-LABELS: RCT,adults | RAYYAN-EXCLUSION-REASONS: wrong population, foreign language | USER-NOTES: {\"Bob\"=>[\"not adults\", \"see table 2\"]}";
        let text = format!(
            "key,title,year,doi,url,notes\n\
             rayyan-101,First,2020,10.1/A,,\"{}\"\n\
             rayyan-102,Second,2021,,https://doi.org/10.1/b,\"RAYYAN-INCLUSION: {{\"\"Alice\"\" => \"\"Excluded\"\"}} | RAYYAN-LABELS: __EXR__background article\"\n\
             rayyan-103,Third,2021,,,\n",
            notes.replace('"', "\"\"")
        );
        let decisions = read(&text, "articles.csv", None, None);
        assert_eq!(decisions.source, DecisionSource::Rayyan);
        assert_eq!(
            votes(&decisions),
            vec![
                (Some("rayyan-101"), Some("Alice"), Decision::Include),
                (Some("rayyan-101"), Some("Bob"), Decision::Exclude),
                (Some("rayyan-101"), Some("Cy"), Decision::Maybe),
                (Some("rayyan-102"), Some("Alice"), Decision::Exclude),
            ]
        );
        let bob = &decisions.rows[1];
        assert_eq!(bob.reason.as_deref(), Some("wrong population; foreign language"));
        assert_eq!(bob.note.as_deref(), Some("not adults; see table 2"));
        assert_eq!(bob.doi.as_deref(), Some("10.1/a"));
        assert_eq!(decisions.rows[0].reason, None);
        assert_eq!(decisions.rows[3].reason.as_deref(), Some("background article"));
        assert_eq!(decisions.rows[3].doi.as_deref(), Some("10.1/b"));
        let m = messages(&decisions);
        assert!(m.iter().any(|m| m.starts_with("line 4: note: [notes] no reviewer has decided")), "{m:?}");
    }

    #[test]
    fn rayyan_malformed_inclusions_are_reported() {
        let decisions = read(
            "key,title,notes\n\
             1,A,\"RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Included\"\", \"\"Bob\"\"=>\"\"Undecided\"\"}\"\n\
             2,B,\"RAYYAN-INCLUSION: Alice included\"\n\
             3,C,\"RAYYAN-INCLUSION: {\"\"Alice\"\"=>\"\"Incl\"\n\
             4,D,\"RAYYAN-INCLUSION: {}\"\n",
            "articles.csv",
            Some(DecisionSource::Rayyan),
            None,
        );
        assert_eq!(votes(&decisions), vec![(Some("1"), Some("Alice"), Decision::Include)]);
        let m = messages(&decisions);
        assert!(
            m.iter()
                .any(|m| m.starts_with("line 2: warning: [RAYYAN-INCLUSION] unknown decision \"Undecided\"")),
            "{m:?}"
        );
        assert!(
            m.iter().any(|m| m.starts_with("line 3: warning: [notes] RAYYAN-INCLUSION is not a list")
                && m.ends_with("(2 times)")),
            "{m:?}"
        );
        assert!(m.iter().any(|m| m.starts_with("line 5: note: [RAYYAN-INCLUSION] RAYYAN-INCLUSION names no decision")), "{m:?}");
    }

    #[test]
    fn ruby_hashes_as_rayyan_writes_them() {
        assert_eq!(
            ruby_hash("{\"A \\\"x\\\"\"=>\"Included\", \"B\" => [\"n1\", \"n2\"], \"C\"=>true} trailing"),
            Some(vec![
                ("A \"x\"".to_string(), RubyValue::Text("Included".into())),
                ("B".to_string(), RubyValue::List(vec!["n1".into(), "n2".into()])),
                ("C".to_string(), RubyValue::Text("true".into())),
            ])
        );
        assert_eq!(ruby_hash("{}"), Some(vec![]));
        for bad in ["", "{", "{\"A\"", "{\"A\"=>", "{\"A\"=>\"x\"", "{A=>\"x\"}", "[\"A\"]", "{\"A\"=>[1]}"] {
            assert_eq!(ruby_hash(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn rayyan_sections_split_at_markers_not_pipes() {
        let sections = rayyan_sections(
            "old | RAYYAN-INCLUSION: {\"A\"=>\"Excluded\"} | USER-NOTES: {\"A\"=>[\"x | y\"]} | RAYYAN-EXCLUSION-REASONS: a,b",
        );
        assert_eq!(
            sections,
            vec![
                (RAYYAN_INCLUSION, "{\"A\"=>\"Excluded\"}"),
                (USER_NOTES, "{\"A\"=>[\"x | y\"]}"),
                (RAYYAN_EXCLUSION_REASONS, "a,b"),
            ]
        );
        assert_eq!(rayyan_sections("no markers, RAYYAN-LABELS without colon"), vec![]);
    }

    // Covidence reference export of the "irrelevant" list; columns as read from real exports
    // by scripts on GitHub (`Title`, `Authors`, `Abstract`, `Published Year`, `Journal`, `DOI`,
    // `Ref`, `Covidence #`, `Study`, `Notes`, `Tags`), file name as Covidence writes it.
    #[test]
    fn covidence_list_from_the_file_name() {
        let text = "Title,Authors,Abstract,Published Year,Published Month,Journal,Volume,Issue,Pages,Accession Number,DOI,Ref,Covidence #,Study,Notes,Tags\n\
                    A trial,\"Smith, J\",Text,2020,,J,1,2,3-4,,10.1/x,Ref1,#12,Smith 2020,,\n\
                    Another,\"Doe, A\",Text,2019,,J,1,2,3-4,,,Ref2,#13,Doe 2019,,\n";
        let decisions = read(text, "review_283729_irrelevant_csv_20240320131744.csv", None, None);
        assert_eq!(decisions.source, DecisionSource::Covidence);
        assert_eq!(
            votes(&decisions),
            vec![(Some("#12"), None, Decision::Exclude), (Some("#13"), None, Decision::Exclude)]
        );
        assert!(decisions.rows.iter().all(|r| r.stage == Some(Stage::TitleAbstract)));
        assert_eq!(decisions.rows[0].doi.as_deref(), Some("10.1/x"));

        // The caller's decision wins over the file name; a disagreement leaves the stage unset.
        let decisions = read(text, "review_1_irrelevant_csv_2.csv", None, Some(Decision::Include));
        assert!(decisions.rows.iter().all(|r| r.decision == Decision::Include && r.stage.is_none()));
        assert!(messages(&decisions).iter().any(|m| m.contains("\"irrelevant\" list, read as include")));

        let error = read_decisions(text.as_bytes(), "my covidence.csv", None, None).unwrap_err();
        assert!(
            error.message.contains("does not say which")
                && error.message.contains("exclude for the irrelevant"),
            "{error}"
        );
        let error = read_decisions(text.as_bytes(), "review_1_screen_csv_2.csv", None, None).unwrap_err();
        assert!(error.message.contains("\"screen\" list"), "{error}");
    }

    #[test]
    fn covidence_full_text_exclusions_keep_their_reason() {
        let decisions = read(
            "Title,DOI,Covidence #,Notes,Tags\n\
             A,10.1/a,101,Exclusion reason: Wrong study design,\n\
             B,,102,Checked by both,\n\
             ,,,,\n\
             ,,,orphan note,\n",
            "review_9_excluded_csv_20240101.csv",
            None,
            None,
        );
        assert_eq!(
            votes(&decisions),
            vec![(Some("101"), None, Decision::Exclude), (Some("102"), None, Decision::Exclude)]
        );
        assert_eq!(decisions.rows[0].reason.as_deref(), Some("Wrong study design"));
        assert_eq!(decisions.rows[0].note, None);
        assert_eq!(decisions.rows[1].note.as_deref(), Some("Checked by both"));
        assert!(decisions.rows.iter().all(|r| r.stage == Some(Stage::FullText)));
        let m = messages(&decisions);
        assert!(m.iter().any(|m| m.starts_with("line 5: warning: row has no record id")), "{m:?}");
    }

    #[test]
    fn covidence_decision_column_when_present() {
        let decisions = read(
            "Covidence #,Title,Decision,Notes\n1,A,Include,Exclusion reason: none\n2,B,Exclude,Exclusion reason: Wrong setting\n3,C,dunno,\n",
            "covidence.csv",
            None,
            None,
        );
        assert_eq!(
            votes(&decisions),
            vec![(Some("1"), None, Decision::Include), (Some("2"), None, Decision::Exclude)]
        );
        // Only an exclusion has a reason; on an inclusion the note stays a note.
        assert_eq!(decisions.rows[0].reason, None);
        assert_eq!(decisions.rows[0].note.as_deref(), Some("Exclusion reason: none"));
        assert_eq!(decisions.rows[1].reason.as_deref(), Some("Wrong setting"));
        assert!(
            messages(&decisions)
                .iter()
                .any(|m| m.starts_with("line 4: warning: [Decision] unknown decision"))
        );
    }

    #[test]
    fn detection_follows_the_header() {
        let detect_of = |header: &str| {
            let table = read_table(format!("{header}\nx\n").as_bytes(), &mut Diagnostics::default()).unwrap();
            detect(&table)
        };
        assert_eq!(detect_of("record_id,title,label_included"), DecisionSource::Asreview);
        assert_eq!(detect_of("id,title,label_included"), DecisionSource::Asreview);
        assert_eq!(detect_of("record_id,title,included"), DecisionSource::Asreview);
        assert_eq!(detect_of("title,included"), DecisionSource::Csv);
        assert_eq!(detect_of("Title,Covidence #"), DecisionSource::Covidence);
        assert_eq!(detect_of("key,title,notes"), DecisionSource::Csv);
        assert_eq!(detect_of("id,title,decision"), DecisionSource::Csv);
    }

    #[test]
    fn encodings_and_line_numbers_follow_the_table_reader() {
        let mut bytes = b"sep=;\r\nid;title;decision\r\n\"1\";\"Multi\r\nline\";include\r\n".to_vec();
        bytes.extend_from_slice(b"2;Caf\xe9;exclude\r\n");
        let decisions = read_decisions(&bytes, "x.csv", None, None).unwrap();
        assert_eq!(decisions.rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 5]);
        assert_eq!(decisions.rows[0].title.as_deref(), Some("Multi line"));
        assert_eq!(decisions.rows[1].title.as_deref(), Some("Café"));
        assert!(messages(&decisions).iter().any(|m| m.contains("Windows-1252")));
    }

    #[test]
    fn fixtures_read() {
        let rayyan = read_decisions(
            include_bytes!("../../../test_data/decisions/rayyan_articles.csv"),
            "rayyan_articles.csv",
            None,
            None,
        )
        .unwrap();
        assert_eq!(rayyan.source, DecisionSource::Rayyan);
        let count = |d: &Decisions, decision| d.rows.iter().filter(|r| r.decision == decision).count();
        assert_eq!(
            (
                count(&rayyan, Decision::Include),
                count(&rayyan, Decision::Exclude),
                count(&rayyan, Decision::Maybe)
            ),
            (3, 3, 1)
        );
        assert_eq!(rayyan.diagnostics.len(), 2, "{:?}", messages(&rayyan));

        let name = "review_4242_excluded_csv_20240501101010.csv";
        let covidence = read_decisions(
            include_bytes!("../../../test_data/decisions/review_4242_excluded_csv_20240501101010.csv"),
            name,
            None,
            None,
        )
        .unwrap();
        assert_eq!(covidence.source, DecisionSource::Covidence);
        assert_eq!(covidence.rows.len(), 3);
        assert!(
            covidence
                .rows
                .iter()
                .all(|r| r.decision == Decision::Exclude && r.stage == Some(Stage::FullText))
        );
        assert_eq!(covidence.rows.iter().filter(|r| r.reason.is_some()).count(), 2);

        let generic = read_decisions(
            include_bytes!("../../../test_data/decisions/generic_votes.csv"),
            "generic_votes.csv",
            None,
            None,
        )
        .unwrap();
        assert_eq!(generic.source, DecisionSource::Csv);
        assert_eq!(generic.rows.len(), 5);
        assert_eq!(generic.diagnostics.len(), 1, "{:?}", messages(&generic));
    }
}
