//! Splits an XML export into the exact bytes of each record element, as a stream.
//!
//! PubMed and EndNote XML are long lists of small, independent records. Rather than parse the
//! whole document, the splitter scans for the start tag of a record element (`<PubmedArticle`,
//! `<record`), keeps the buffer from there on, and hands out everything up to the matching
//! end tag together with the line the record starts on. Memory stays near the size of the
//! largest record plus one read chunk; each record is then parsed on its own (see
//! `xml_tree`), so one malformed record costs only itself.
//!
//! The scan understands just enough XML not to be fooled: comments, CDATA sections,
//! processing instructions and the DOCTYPE are skipped whole, and a name only matches when
//! the next byte ends it (`<record>` and `<record id="1">`, never `<records>` or
//! `<record-number>`). Record elements do not nest in either format, so a second start tag
//! inside an open record means the open one lost its end tag: it is reported and skipped.

use std::io::{self, Read};

use crate::diagnostics::Diagnostics;

const CHUNK_LEN: usize = 1 << 20;

/// One record element as it stands in the input.
#[derive(Debug)]
pub(crate) struct XmlSlice<'a> {
    /// From `<name` to the end of `</name>` (or of `<name/>`).
    pub bytes: &'a [u8],
    /// 1-based line of the `<` that opens the record.
    pub line: u32,
    /// Which of the record names matched.
    pub name: &'static str,
}

pub(crate) struct XmlSplitter<R> {
    input: R,
    names: &'static [&'static str],
    buf: Vec<u8>,
    /// Where scanning resumes.
    pos: usize,
    /// The record being read: its start offset, line and name.
    open: Option<OpenRecord>,
    /// Line numbers are counted up to here; `line_at` is the line of this offset.
    counted_to: usize,
    line_at: u32,
    eof: bool,
    /// How much to read at a time; small in tests, to exercise every refill path.
    chunk_len: usize,
}

#[derive(Clone, Copy, Debug)]
struct OpenRecord {
    start: usize,
    line: u32,
    name: &'static str,
}

/// What a `<` at the scan position starts.
#[derive(Debug, PartialEq, Eq)]
enum Markup {
    /// Not enough bytes yet to tell.
    Incomplete,
    /// Something to step over: a comment, CDATA, a declaration, or any other tag (whose
    /// length is then 1: only its `<` is stepped over).
    Skip(usize),
    /// A start tag of a record element, `len` bytes long up to and including its `>`.
    Start { name: &'static str, len: usize, self_closing: bool },
    /// An end tag of a record element.
    End { name: &'static str, len: usize },
}

impl<R: Read> XmlSplitter<R> {
    /// A splitter for the elements named in `names`.
    pub(crate) fn new(input: R, names: &'static [&'static str]) -> XmlSplitter<R> {
        XmlSplitter {
            input,
            names,
            buf: Vec::with_capacity(CHUNK_LEN),
            pos: 0,
            open: None,
            counted_to: 0,
            line_at: 1,
            eof: false,
            chunk_len: CHUNK_LEN,
        }
    }

    /// The next record, or `None` at the end of the input. A record without its end tag is
    /// reported and skipped; a read error is fatal.
    pub(crate) fn next_record(&mut self, diagnostics: &mut Diagnostics) -> Option<XmlSlice<'_>> {
        loop {
            if let Some((start, end, line, name)) = self.scan(diagnostics) {
                return Some(XmlSlice { bytes: &self.buf[start..end], line, name });
            }
            if self.eof {
                if let Some(open) = self.open.take() {
                    diagnostics.warn(
                        Some(open.line),
                        Some(open.name),
                        format!("record at line {} is truncated (no </{}>); skipped", open.line, open.name),
                    );
                } else if self.pos < self.buf.len() {
                    // The scan stopped at a comment or declaration that never ends; say so if
                    // it swallowed what looks like records.
                    let rest = &self.buf[self.pos..];
                    let hides_records =
                        self.names.iter().any(|name| memchr::memmem::find(rest, name.as_bytes()).is_some());
                    if hides_records {
                        let line = self.line_of(self.pos);
                        diagnostics.warn(
                            Some(line),
                            None,
                            format!(
                                "markup at line {line} never ends (an unterminated comment, CDATA section or tag); the rest of the file was skipped"
                            ),
                        );
                    }
                }
                self.pos = self.buf.len();
                return None;
            }
            if let Err(e) = self.refill() {
                diagnostics.fail(None, format!("could not read the file: {e}"));
                self.eof = true;
                self.open = None;
                return None;
            }
        }
    }

    /// Scans from `pos` for the end of a record; returns `(start, end, line, name)`, or `None`
    /// when more input is needed.
    fn scan(&mut self, diagnostics: &mut Diagnostics) -> Option<(usize, usize, u32, &'static str)> {
        loop {
            let Some(i) = memchr::memchr(b'<', &self.buf[self.pos..]) else {
                self.pos = self.buf.len();
                return None;
            };
            let lt = self.pos + i;
            match classify(&self.buf[lt..], self.names) {
                Markup::Incomplete => {
                    self.pos = lt;
                    return None;
                }
                Markup::Skip(len) => self.pos = lt + len,
                Markup::Start { name, len, self_closing } => {
                    if let Some(open) = self.open.take() {
                        diagnostics.warn(
                            Some(open.line),
                            Some(open.name),
                            format!(
                                "record at line {} is truncated (no </{}> before the next <{name}>); skipped",
                                open.line, open.name
                            ),
                        );
                    }
                    let line = self.line_of(lt);
                    self.pos = lt + len;
                    if self_closing {
                        return Some((lt, lt + len, line, name));
                    }
                    self.open = Some(OpenRecord { start: lt, line, name });
                }
                Markup::End { name, len } => {
                    self.pos = lt + len;
                    // An end tag of another record name, or outside any record, is stray text.
                    if let Some(open) = self.open.filter(|open| open.name == name) {
                        self.open = None;
                        return Some((open.start, lt + len, open.line, name));
                    }
                }
            }
        }
    }

    /// The line of `offset`, counting newlines only since the last count.
    fn line_of(&mut self, offset: usize) -> u32 {
        self.count_lines_to(offset);
        self.line_at
    }

    fn count_lines_to(&mut self, offset: usize) {
        if offset > self.counted_to {
            let n = memchr::memchr_iter(b'\n', &self.buf[self.counted_to..offset]).count();
            self.line_at = self.line_at.saturating_add(n as u32);
            self.counted_to = offset;
        }
    }

    /// Drops what is no longer needed (everything before the open record, or before the scan
    /// position) and reads the next chunk.
    fn refill(&mut self) -> io::Result<()> {
        let keep_from = self.open.map_or(self.pos, |open| open.start).min(self.pos);
        if keep_from > 0 {
            self.count_lines_to(keep_from);
            self.buf.drain(..keep_from);
            self.pos -= keep_from;
            self.counted_to -= keep_from;
            if let Some(open) = self.open.as_mut() {
                open.start -= keep_from;
            }
        }
        // `read_to_end` on a `take` fills up to one chunk without zeroing it first, however
        // small the reads of the underlying input are.
        let n = (&mut self.input).take(self.chunk_len as u64).read_to_end(&mut self.buf)?;
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }
}

/// Tells what the markup at the start of `rest` (which begins with `<`) is.
fn classify(rest: &[u8], names: &'static [&'static str]) -> Markup {
    debug_assert_eq!(rest.first(), Some(&b'<'));
    let Some(&second) = rest.get(1) else {
        return Markup::Incomplete;
    };
    match second {
        b'!' => classify_bang(rest),
        b'?' => match find(rest, b"?>", 2) {
            Some(end) => Markup::Skip(end + 2),
            None => Markup::Incomplete,
        },
        b'/' => match matching_name(&rest[2..], names) {
            NameMatch::Incomplete => Markup::Incomplete,
            NameMatch::No => Markup::Skip(2),
            NameMatch::Yes(name) => {
                let after = 2 + name.len();
                let n_space = rest[after..].iter().take_while(|b| b.is_ascii_whitespace()).count();
                match rest.get(after + n_space) {
                    None => Markup::Incomplete,
                    Some(b'>') => Markup::End { name, len: after + n_space + 1 },
                    // `</record x>` is not an end tag; step over it.
                    Some(_) => Markup::Skip(2),
                }
            }
        },
        _ => match matching_name(&rest[1..], names) {
            NameMatch::Incomplete => Markup::Incomplete,
            NameMatch::No => Markup::Skip(1),
            NameMatch::Yes(name) => match tag_end(rest, 1 + name.len()) {
                None => Markup::Incomplete,
                Some(end) => Markup::Start { name, len: end + 1, self_closing: rest[end - 1] == b'/' },
            },
        },
    }
}

/// `<!--`, `<![CDATA[` or a declaration such as `<!DOCTYPE ...>`.
fn classify_bang(rest: &[u8]) -> Markup {
    const COMMENT: &[u8] = b"<!--";
    const CDATA: &[u8] = b"<![CDATA[";
    for (open, close) in [(COMMENT, &b"-->"[..]), (CDATA, &b"]]>"[..])] {
        if rest.starts_with(open) {
            return match find(rest, close, open.len()) {
                Some(end) => Markup::Skip(end + close.len()),
                None => Markup::Incomplete,
            };
        }
        if open.starts_with(rest) {
            return Markup::Incomplete;
        }
    }
    // A declaration: ends at the first `>` outside quotes and outside an internal subset
    // (`<!DOCTYPE x [ <!ENTITY ...> ]>`).
    let mut depth = 0usize;
    let mut quote = None;
    for (i, &b) in rest.iter().enumerate().skip(2) {
        match (quote, b) {
            (Some(q), _) if b == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(b),
            (None, b'[') => depth += 1,
            (None, b']') => depth = depth.saturating_sub(1),
            (None, b'>') if depth == 0 => return Markup::Skip(i + 1),
            _ => {}
        }
    }
    Markup::Incomplete
}

enum NameMatch {
    Incomplete,
    No,
    Yes(&'static str),
}

/// Whether `bytes` starts with one of `names` followed by a byte that ends a name.
fn matching_name(bytes: &[u8], names: &'static [&'static str]) -> NameMatch {
    let mut incomplete = false;
    for &name in names {
        let n = name.len();
        if bytes.len() <= n {
            if name.as_bytes().starts_with(bytes) {
                incomplete = true;
            }
            continue;
        }
        if &bytes[..n] == name.as_bytes() && matches!(bytes[n], b'>' | b'/' | b' ' | b'\t' | b'\r' | b'\n') {
            return NameMatch::Yes(name);
        }
    }
    if incomplete { NameMatch::Incomplete } else { NameMatch::No }
}

/// The offset of the `>` that ends the tag starting at `rest[0]`, skipping quoted attribute
/// values (which may hold `>`).
fn tag_end(rest: &[u8], from: usize) -> Option<usize> {
    let mut quote = None;
    for (i, &b) in rest.iter().enumerate().skip(from) {
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'"' || b == b'\'' => quote = Some(b),
            None if b == b'>' => return Some(i),
            None => {}
        }
    }
    None
}

/// The offset of `needle` in `haystack`, searching from `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(haystack.get(from..)?, needle).map(|i| from + i)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// A reader that hands out at most `step` bytes per call, to exercise every refill path.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    const ENDNOTE: &[&str] = &["record"];
    const PUBMED: &[&str] = &["PubmedArticle", "PubmedBookArticle"];

    /// `(line, text)` of every record, and the diagnostics as strings.
    fn split(text: &str, names: &'static [&'static str], step: usize) -> (Vec<(u32, String)>, Vec<String>) {
        let mut diagnostics = Diagnostics::default();
        let mut splitter = XmlSplitter::new(Trickle { bytes: text.as_bytes(), step }, names);
        splitter.chunk_len = step.clamp(1, CHUNK_LEN);
        let mut records = Vec::new();
        while let Some(slice) = splitter.next_record(&mut diagnostics) {
            records.push((slice.line, String::from_utf8(slice.bytes.to_vec()).unwrap()));
        }
        let messages = diagnostics.into_vec().iter().map(ToString::to_string).collect();
        (records, messages)
    }

    /// Splits with whole reads and with one byte at a time, and checks both agree.
    fn check(text: &str, names: &'static [&'static str]) -> (Vec<(u32, String)>, Vec<String>) {
        let whole = split(text, names, usize::MAX);
        assert_eq!(split(text, names, 1), whole, "byte-at-a-time reads differ");
        assert_eq!(split(text, names, 7), whole, "7-byte reads differ");
        whole
    }

    #[test]
    fn records_are_cut_exactly_and_similar_names_are_not_records() {
        let text = "<?xml version=\"1.0\"?>\n<xml><records>\n<record><rec-number>1</rec-number><recordx/><records/></record>\n<record id=\"a>b\">\n<title>Two</title>\n</record ></records></xml>\n";
        let (records, messages) = check(text, ENDNOTE);
        assert_eq!(
            records,
            vec![
                (3, "<record><rec-number>1</rec-number><recordx/><records/></record>".to_string()),
                (4, "<record id=\"a>b\">\n<title>Two</title>\n</record >".to_string()),
            ]
        );
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn both_pubmed_record_names_are_found() {
        let text = "<!DOCTYPE PubmedArticleSet PUBLIC \"-//NLM//DTD PubMedArticle//EN\" \"x.dtd\">\n<PubmedArticleSet>\n <PubmedArticle><PMID>1</PMID></PubmedArticle>\n <PubmedBookArticle>\n<PMID>2</PMID></PubmedBookArticle>\n<DeleteCitation><PMID>3</PMID></DeleteCitation></PubmedArticleSet>";
        let (records, _) = check(text, PUBMED);
        let lines: Vec<u32> = records.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![3, 4]);
        assert_eq!(records[1].1, "<PubmedBookArticle>\n<PMID>2</PMID></PubmedBookArticle>");
    }

    #[test]
    fn comments_cdata_and_internal_subsets_hide_their_tags() {
        let text = "<!DOCTYPE x [ <!ENTITY r \"<record>\"> ]>\n<records><!-- <record>commented</record> -->\n<record><notes><![CDATA[ a </record> in CDATA ]]></notes></record><?pi <record> ?></records>";
        let (records, messages) = check(text, ENDNOTE);
        assert_eq!(
            records,
            vec![(3, "<record><notes><![CDATA[ a </record> in CDATA ]]></notes></record>".to_string())]
        );
        assert!(messages.is_empty(), "{messages:?}");
    }

    #[test]
    fn truncated_records_are_reported_and_skipped() {
        let (records, messages) = check("<records>\n<record><title>cut", ENDNOTE);
        assert!(records.is_empty());
        assert_eq!(
            messages,
            vec!["line 2: warning: [record] record at line 2 is truncated (no </record>); skipped"]
        );

        let (records, messages) = check("<records>\n<record><title>A</title>\n<record>B</record>", ENDNOTE);
        assert_eq!(records, vec![(3, "<record>B</record>".to_string())]);
        assert_eq!(messages.len(), 1);
        assert!(messages[0].contains("record at line 2 is truncated"), "{messages:?}");

        let (records, _) = check("<records><record><!-- never closed", ENDNOTE);
        assert!(records.is_empty());
    }

    #[test]
    fn self_closing_records_and_stray_end_tags() {
        let (records, messages) = check("<records></record><record/><record a='1' /></records>", ENDNOTE);
        assert_eq!(records, vec![(1, "<record/>".to_string()), (1, "<record a='1' />".to_string())]);
        assert!(messages.is_empty());
    }

    #[test]
    fn line_numbers_survive_buffer_drains() {
        // Records far apart force the buffer to be drained between them.
        let filler = "<x>filler</x>\n".repeat(100_000);
        let text = format!("<records>\n{filler}<record>A</record>\n{filler}\n<record>\nB</record></records>");
        let (records, _) = split(&text, ENDNOTE, usize::MAX);
        assert_eq!(
            records,
            vec![(100_002, "<record>A</record>".into()), (200_004, "<record>\nB</record>".into())]
        );
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics_and_reads_alike_in_any_chunks(
            text in "[<>/!\\[\\]\\-?a-z \n\"']{0,200}|(<record>|</record>|<!--|-->|<!\\[CDATA\\[|\\]\\]>|<records>|x|\n){0,40}",
            step in 1usize..16,
        ) {
            let whole = split(&text, ENDNOTE, usize::MAX);
            prop_assert_eq!(split(&text, ENDNOTE, step), whole);
        }
    }
}
