//! A line reader over a growing byte buffer, for the tag-line formats (RIS, MEDLINE, WoS).
//!
//! Lines are handed out as offsets into the buffer rather than copies. A reader sets a
//! *mark* where its current record starts; the buffer keeps everything from the mark on, so
//! the record's raw text can be taken as one slice when the record ends.

use std::io::{self, Read};

const CHUNK_LEN: usize = 1 << 20;

/// Where one line sits in the buffer, without its line ending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    pub start: usize,
    pub end: usize,
    /// End of the line including its line ending.
    pub next: usize,
    /// 1-based line number.
    pub number: u32,
}

pub(crate) struct LineReader<R> {
    input: R,
    /// Bytes `..len` hold data; the rest is spare room, zeroed once when allocated.
    buf: Vec<u8>,
    len: usize,
    /// Start of the next unread line.
    pos: usize,
    /// Start of the record being read, kept in the buffer across refills.
    mark: Option<usize>,
    eof: bool,
    line_number: u32,
    /// Searched up to here for a line ending, so a long line is not rescanned.
    scanned: usize,
}

impl<R: Read> LineReader<R> {
    pub(crate) fn new(input: R) -> LineReader<R> {
        LineReader {
            input,
            buf: Vec::new(),
            len: 0,
            pos: 0,
            mark: None,
            eof: false,
            line_number: 0,
            scanned: 0,
        }
    }

    /// The next line, or `None` at the end of the input. Offsets of earlier lines are invalid
    /// after this call; only the mark survives.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<Line>> {
        loop {
            let from = self.pos.max(self.scanned);
            if let Some(i) = memchr::memchr(b'\n', &self.buf[from..self.len]) {
                let newline = from + i;
                return Ok(Some(self.take_line(newline, newline + 1)));
            }
            self.scanned = self.len;
            if self.eof {
                if self.pos < self.len {
                    let end = self.len;
                    return Ok(Some(self.take_line(end, end)));
                }
                return Ok(None);
            }
            self.refill()?;
        }
    }

    fn take_line(&mut self, end: usize, next: usize) -> Line {
        let start = self.pos;
        let content_end = if end > start && self.buf[end - 1] == b'\r' { end - 1 } else { end };
        self.pos = next;
        self.scanned = next;
        self.line_number += 1;
        Line { start, end: content_end, next, number: self.line_number }
    }

    fn refill(&mut self) -> io::Result<()> {
        let keep_from = self.mark.unwrap_or(self.pos).min(self.pos);
        if keep_from > 0 {
            self.buf.copy_within(keep_from..self.len, 0);
            self.len -= keep_from;
            self.pos -= keep_from;
            self.scanned -= keep_from;
            if let Some(mark) = self.mark.as_mut() {
                *mark -= keep_from;
            }
        }
        if self.buf.len() - self.len < CHUNK_LEN / 2 {
            // A record longer than the buffer: grow it (amortised doubling).
            let new_len = (self.buf.len() * 2).max(self.len + CHUNK_LEN);
            self.buf.resize(new_len, 0);
        }
        let n = loop {
            match self.input.read(&mut self.buf[self.len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        self.len += n;
        if n == 0 {
            self.eof = true;
        }
        Ok(())
    }

    pub(crate) fn bytes(&self, line: Line) -> &[u8] {
        &self.buf[line.start..line.end]
    }

    /// Starts a record at `line`.
    pub(crate) fn set_mark(&mut self, line: Line) {
        self.mark = Some(line.start);
    }

    pub(crate) fn clear_mark(&mut self) {
        self.mark = None;
    }

    pub(crate) fn has_mark(&self) -> bool {
        self.mark.is_some()
    }

    /// The bytes from the mark up to (not including) `end`, an offset from a line of the
    /// current record, or to the end of the data read so far.
    pub(crate) fn marked(&self, end: Option<usize>) -> &[u8] {
        let end = end.unwrap_or(self.len).min(self.len);
        let start = self.mark.unwrap_or(end).min(end);
        &self.buf[start..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out one byte at a time, to exercise every refill path.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0.is_empty() || buf.is_empty() {
                return Ok(0);
            }
            buf[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn lines_and_marks_survive_refills() {
        let text = b"first\r\nsecond\n\nthird";
        let mut reader = LineReader::new(Trickle(text));
        let mut seen = Vec::new();
        let mut marked = None;
        while let Some(line) = reader.next_line().unwrap() {
            seen.push((line.number, String::from_utf8(reader.bytes(line).to_vec()).unwrap()));
            if line.number == 2 {
                reader.set_mark(line);
            }
            if line.number == 4 {
                marked = Some(String::from_utf8(reader.marked(Some(line.end)).to_vec()).unwrap());
            }
        }
        assert_eq!(
            seen,
            vec![(1, "first".into()), (2, "second".into()), (3, "".into()), (4, "third".into())]
        );
        assert_eq!(marked.as_deref(), Some("second\n\nthird"));
    }
}
