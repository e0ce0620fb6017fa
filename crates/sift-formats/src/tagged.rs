//! What the tag-line formats (RIS, MEDLINE, Web of Science) share: a record is a run of
//! `TAG value` lines with continuation lines, read from a [`LineReader`] and split into
//! fields after its end is found.

use std::borrow::Cow;
use std::io::Read;

use crate::ParsedRecord;
use crate::decode::{self, Utf8Input};
use crate::diagnostics::Diagnostics;
use crate::lines::{Line, LineReader};

/// One `TAG value` field with its continuation lines joined.
#[derive(Debug)]
pub(crate) struct Field<'a> {
    pub tag: &'a str,
    pub value: Cow<'a, str>,
    pub line: u32,
}

impl Field<'_> {
    /// Appends a continuation line: joined with a space for running text.
    pub(crate) fn continue_with(&mut self, more: &str) {
        let more = more.trim_ascii();
        if more.is_empty() {
            return;
        }
        let value = self.value.to_mut();
        if !value.is_empty() {
            value.push(' ');
        }
        value.push_str(more);
    }
}

/// How one format splits a line and where its records end.
pub(crate) trait TagSyntax {
    /// Splits a line into `(tag, value)` if it is a tag line.
    fn split_tag(line: &str) -> Option<(&str, &str)>;
    /// Whether continuation lines of `tag` are separate list items rather than more text.
    fn is_list_tag(tag: &str) -> bool;
    /// Parses one record's raw text into a record; `first_line` is its line in the file.
    fn build(raw: &str, first_line: u32, diagnostics: &mut Diagnostics) -> ParsedRecord;
}

/// Splits a record's text into fields, joining continuation lines. Lines before the first tag
/// are returned in `preamble` (Ovid's `1.` record numbers, stray text).
pub(crate) fn split_fields<'a, S: TagSyntax>(raw: &'a str, first_line: u32) -> (Vec<Field<'a>>, usize) {
    let mut fields: Vec<Field<'a>> = Vec::with_capacity(32);
    let mut n_preamble = 0;
    let mut start = 0;
    // The memchr crate's iterator is vectorised; `str::split` is not.
    let ends = memchr::memchr_iter(b'\n', raw.as_bytes()).chain(std::iter::once(raw.len()));
    for (number, end) in (first_line..).zip(ends) {
        let line = &raw[start..end];
        start = end + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        if let Some((tag, value)) = S::split_tag(line) {
            fields.push(Field { tag, value: Cow::Borrowed(value.trim_ascii()), line: number });
        } else if !line.trim_ascii().is_empty() {
            match fields.last_mut() {
                Some(last) if S::is_list_tag(last.tag) => {
                    let tag = last.tag;
                    fields.push(Field { tag, value: Cow::Borrowed(line.trim_ascii()), line: number });
                }
                Some(last) => last.continue_with(line),
                None => n_preamble += 1,
            }
        }
        if start > raw.len() {
            break;
        }
    }
    (fields, n_preamble)
}

/// The shared record loop state: a line reader plus where the open record started.
pub(crate) struct TaggedLines<R> {
    pub lines: LineReader<Utf8Input<R>>,
    pub record_start: u32,
}

impl<R: Read> TaggedLines<R> {
    pub(crate) fn new(input: Utf8Input<R>) -> Self {
        TaggedLines { lines: LineReader::new(input), record_start: 0 }
    }

    pub(crate) fn next_line(&mut self, diagnostics: &mut Diagnostics) -> Option<Line> {
        match self.lines.next_line() {
            Ok(line) => line,
            Err(e) => {
                diagnostics.fail(None, format!("could not read the file: {e}"));
                None
            }
        }
    }

    pub(crate) fn open_at(&mut self, line: Line) {
        self.lines.set_mark(line);
        self.record_start = line.number;
    }

    pub(crate) fn is_open(&self) -> bool {
        self.lines.has_mark()
    }

    /// Ends the open record before byte `end` (or at the end of the input) and builds it.
    pub(crate) fn close<S: TagSyntax>(
        &mut self,
        end: Option<usize>,
        diagnostics: &mut Diagnostics,
    ) -> ParsedRecord {
        let start = self.record_start;
        let text = decode::record_text(self.lines.marked(end), start, diagnostics);
        let raw = text.trim_end_matches(['\n', '\r']);
        let record = S::build(raw, start, diagnostics);
        self.lines.clear_mark();
        record
    }
}

/// A record with everything but the reference filled in.
pub(crate) fn record_shell(raw: &str, line: u32) -> ParsedRecord {
    ParsedRecord {
        reference: sift_domain::Reference::default(),
        raw: raw.to_string(),
        line,
        index: 0,
        source_id: None,
        extra: Vec::new(),
    }
}

/// Splits keyword fields that pack several terms into one value (`a; b; c`).
pub(crate) fn push_keywords(keywords: &mut Vec<String>, value: &str) {
    if value.contains(';') {
        keywords.extend(value.split(';').filter_map(sift_domain::biblio::normalize::text));
    } else if let Some(k) = sift_domain::biblio::normalize::text(value) {
        keywords.push(k);
    }
}

/// Sets `slot` to the normalised `value` unless it already holds something.
pub(crate) fn first(slot: &mut Option<String>, value: &str) {
    if slot.is_none() {
        *slot = sift_domain::biblio::normalize::text(value);
    }
}
