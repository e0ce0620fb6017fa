//! Turns a file's bytes into UTF-8, whatever encoding the exporter chose.
//!
//! The encoding is read off the first 64 KiB: a byte-order mark, the NUL pattern of BOM-less
//! UTF-16, or invalid UTF-8 (then Windows-1252, a superset of Latin-1 that old EndNote and
//! Ovid exports use). UTF-8 passes through untouched; a line-based reader checks each record
//! again and reads a stray non-UTF-8 record as Windows-1252 with a warning ([`record_text`]),
//! because concatenated exports mix encodings. Old Mac files that end lines with a bare CR get
//! LF instead.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

use crate::diagnostics::{Diagnostics, Severity};

const HEAD_LEN: usize = 64 * 1024;
const CHUNK_LEN: usize = 256 * 1024;

/// A text encoding Sift reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// Windows-1252, which Sift also uses for ISO-8859-1 (Latin-1) files.
    Windows1252,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    fn encoding_rs(self) -> &'static encoding_rs::Encoding {
        match self {
            Encoding::Utf8 => encoding_rs::UTF_8,
            Encoding::Utf16Le => encoding_rs::UTF_16LE,
            Encoding::Utf16Be => encoding_rs::UTF_16BE,
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252,
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Encoding {
    type Err = String;

    fn from_str(s: &str) -> Result<Encoding, String> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "utf-16le" | "utf16le" | "utf-16" | "utf16" => Ok(Encoding::Utf16Le),
            "utf-16be" | "utf16be" => Ok(Encoding::Utf16Be),
            "windows-1252" | "cp1252" | "latin1" | "latin-1" | "iso-8859-1" | "iso8859-1" => {
                Ok(Encoding::Windows1252)
            }
            other => Err(format!(
                "unknown encoding {other:?}; expected utf-8, utf-16le, utf-16be or windows-1252 (latin-1)"
            )),
        }
    }
}

/// A file that cannot be text.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("this is not a text file ({0}); export the references as RIS, MEDLINE, BibTeX, XML or CSV")]
    Binary(String),
    #[error("could not read the file: {0}")]
    Io(#[from] io::Error),
}

/// A reader that yields the input as UTF-8 bytes. The first 64 KiB are available up front for
/// format detection.
pub(crate) struct Utf8Input<R> {
    inner: R,
    encoding: Encoding,
    had_bom: bool,
    /// Transcoder for anything but UTF-8.
    decoder: Option<encoding_rs::Decoder>,
    /// Map a bare `\r` to `\n` (classic Mac line ends).
    cr_only: bool,
    /// Decoded bytes not yet handed out; starts as the decoded head.
    pending: Vec<u8>,
    pending_pos: usize,
    /// Length of the decoded head, for [`Utf8Input::head`].
    head_len: usize,
    raw_chunk: Vec<u8>,
    inner_done: bool,
}

impl<R: Read> Utf8Input<R> {
    pub(crate) fn new(mut inner: R, forced: Option<Encoding>) -> Result<Self, DecodeError> {
        let mut head = Vec::with_capacity(HEAD_LEN);
        let inner_done = fill(&mut inner, &mut head, HEAD_LEN)?;
        if head.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(DecodeError::Empty);
        }
        let (encoding, bom_len) = match forced {
            Some(encoding) => (encoding, bom_length(&head, encoding)),
            None => sniff(&head, inner_done)?,
        };
        let mut decoder =
            (encoding != Encoding::Utf8).then(|| encoding.encoding_rs().new_decoder_without_bom_handling());
        let body = &head[bom_len..];
        let mut pending = match decoder.as_mut() {
            Some(decoder) => transcode(decoder, body, inner_done),
            None => body.to_vec(),
        };
        let cr_only = memchr::memchr(b'\r', &pending).is_some() && memchr::memchr(b'\n', &pending).is_none();
        if cr_only {
            cr_to_lf(&mut pending);
        }
        let head_len = pending.len();
        Ok(Utf8Input {
            inner,
            encoding,
            had_bom: bom_len > 0,
            decoder,
            cr_only,
            pending,
            pending_pos: 0,
            head_len,
            raw_chunk: Vec::new(),
            inner_done,
        })
    }

    pub(crate) fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The first decoded bytes of the file (up to 64 KiB of input).
    pub(crate) fn head(&self) -> &[u8] {
        &self.pending[..self.head_len.min(self.pending.len())]
    }

    /// A note for the import log when the encoding is anything but plain UTF-8.
    pub(crate) fn encoding_note(&self) -> Option<String> {
        let bom = if self.had_bom { " with a byte-order mark" } else { "" };
        let line_ends = if self.cr_only { "; lines end in a bare CR (classic Mac)" } else { "" };
        match self.encoding {
            Encoding::Utf8 if bom.is_empty() && line_ends.is_empty() => None,
            Encoding::Utf8 => Some(format!("read as UTF-8{bom}{line_ends}")),
            Encoding::Windows1252 if !self.had_bom => {
                Some(format!("the file is not valid UTF-8; read as Windows-1252 (Latin-1){line_ends}"))
            }
            other => Some(format!("read as {other}{bom}{line_ends}")),
        }
    }
}

impl<R: Read> Read for Utf8Input<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.pending_pos < self.pending.len() {
                let n = (self.pending.len() - self.pending_pos).min(buf.len());
                buf[..n].copy_from_slice(&self.pending[self.pending_pos..self.pending_pos + n]);
                self.pending_pos += n;
                return Ok(n);
            }
            if self.inner_done {
                return Ok(0);
            }
            self.pending.clear();
            self.pending_pos = 0;
            self.head_len = 0;
            if self.decoder.is_none() && !self.cr_only {
                // The common case: UTF-8 straight into the caller's buffer.
                let n = self.inner.read(buf)?;
                if n == 0 {
                    self.inner_done = true;
                }
                return Ok(n);
            }
            self.raw_chunk.clear();
            self.inner_done = fill(&mut self.inner, &mut self.raw_chunk, CHUNK_LEN)?;
            self.pending = match self.decoder.as_mut() {
                Some(decoder) => transcode(decoder, &self.raw_chunk, self.inner_done),
                None => std::mem::take(&mut self.raw_chunk),
            };
            if self.cr_only {
                cr_to_lf(&mut self.pending);
            }
        }
    }
}

/// Text of one record: UTF-8 as is, anything else read as Windows-1252 with a warning.
pub(crate) fn record_text<'a>(bytes: &'a [u8], line: u32, diagnostics: &mut Diagnostics) -> Cow<'a, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => {
            diagnostics.repeat(
                Severity::Warning,
                Some(line),
                None,
                "record is not valid UTF-8; read it as Windows-1252 (Latin-1)",
            );
            encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0
        }
    }
}

/// Reads until `buf` holds `want` bytes or the input ends; returns whether it ended.
fn fill(inner: &mut impl Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut filled = start;
    let done = loop {
        if filled == buf.len() {
            break false;
        }
        match inner.read(&mut buf[filled..]) {
            Ok(0) => break true,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    };
    buf.truncate(filled);
    Ok(done)
}

fn bom_length(head: &[u8], encoding: Encoding) -> usize {
    match encoding {
        Encoding::Utf8 if head.starts_with(&[0xEF, 0xBB, 0xBF]) => 3,
        Encoding::Utf16Le if head.starts_with(&[0xFF, 0xFE]) => 2,
        Encoding::Utf16Be if head.starts_with(&[0xFE, 0xFF]) => 2,
        _ => 0,
    }
}

fn sniff(head: &[u8], complete: bool) -> Result<(Encoding, usize), DecodeError> {
    if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return Ok((Encoding::Utf8, 3));
    }
    if head.starts_with(&[0xFF, 0xFE]) {
        return Ok((Encoding::Utf16Le, 2));
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return Ok((Encoding::Utf16Be, 2));
    }
    for (magic, what) in [
        (&b"%PDF"[..], "a PDF document"),
        (&b"PK\x03\x04"[..], "a ZIP archive, such as .xlsx, .docx or a zipped export"),
        (&b"\x1f\x8b"[..], "a gzip archive"),
        (&b"\xd0\xcf\x11\xe0"[..], "an old Microsoft Office document"),
        (&b"SQLite format 3\0"[..], "an SQLite database"),
    ] {
        if head.starts_with(magic) {
            return Err(DecodeError::Binary(what.to_string()));
        }
    }
    // BOM-less UTF-16: ASCII text leaves every other byte NUL.
    let sample = &head[..head.len().min(4096)];
    let n_pairs = sample.len() / 2;
    if n_pairs >= 2 {
        let even_nul = sample.iter().step_by(2).filter(|b| **b == 0).count();
        let odd_nul = sample.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
        if odd_nul * 10 >= n_pairs * 7 && even_nul * 10 < n_pairs {
            return Ok((Encoding::Utf16Le, 0));
        }
        if even_nul * 10 >= n_pairs * 7 && odd_nul * 10 < n_pairs {
            return Ok((Encoding::Utf16Be, 0));
        }
    }
    if let Some(offset) = memchr::memchr(0, head) {
        return Err(DecodeError::Binary(format!("it holds a NUL byte at offset {offset}")));
    }
    let controls = head.iter().filter(|b| **b < 0x20 && !matches!(**b, b'\n' | b'\r' | b'\t' | 0x0c)).count();
    if controls * 20 > head.len() {
        return Err(DecodeError::Binary("most of its first bytes are control characters".into()));
    }
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        // The head may cut a character in two; only an error before the last 3 bytes counts.
        Err(e) => !complete && e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    Ok((if valid { Encoding::Utf8 } else { Encoding::Windows1252 }, 0))
}

fn transcode(decoder: &mut encoding_rs::Decoder, input: &[u8], last: bool) -> Vec<u8> {
    let mut out =
        String::with_capacity(decoder.max_utf8_buffer_length(input.len()).unwrap_or(input.len() * 3));
    let (_, _, _) = decoder.decode_to_string(input, &mut out, last);
    out.into_bytes()
}

fn cr_to_lf(bytes: &mut [u8]) {
    for b in bytes.iter_mut() {
        if *b == b'\r' {
            *b = b'\n';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(bytes: &[u8]) -> (Encoding, String) {
        let mut input = Utf8Input::new(bytes, None).unwrap();
        let mut out = String::new();
        input.read_to_string(&mut out).unwrap();
        (input.encoding(), out)
    }

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode_all(b"TY  - JOUR\n"), (Encoding::Utf8, "TY  - JOUR\n".into()));
        assert_eq!(decode_all(b"\xEF\xBB\xBFTY  - JOUR\n"), (Encoding::Utf8, "TY  - JOUR\n".into()));
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = "TY  - JOUR\nTI  - Ærø\n";
        let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode_all(&le), (Encoding::Utf16Le, text.into()));
        assert_eq!(decode_all(&be), (Encoding::Utf16Be, text.into()));
        let mut le_bom = vec![0xFF, 0xFE];
        le_bom.extend_from_slice(&le);
        assert_eq!(decode_all(&le_bom), (Encoding::Utf16Le, text.into()));
    }

    #[test]
    fn latin1_falls_back_to_windows_1252() {
        assert_eq!(decode_all(b"TI  - \xC6r\xF8\r\n"), (Encoding::Windows1252, "TI  - Ærø\r\n".into()));
    }

    #[test]
    fn bare_cr_line_ends_become_lf() {
        assert_eq!(decode_all(b"TY  - JOUR\rER  - \r"), (Encoding::Utf8, "TY  - JOUR\nER  - \n".into()));
    }

    #[test]
    fn empty_and_binary_files_are_refused() {
        assert!(matches!(Utf8Input::new(&b""[..], None), Err(DecodeError::Empty)));
        assert!(matches!(Utf8Input::new(&b" \n\n"[..], None), Err(DecodeError::Empty)));
        assert!(matches!(Utf8Input::new(&b"%PDF-1.4 ..."[..], None), Err(DecodeError::Binary(_))));
        assert!(matches!(Utf8Input::new(&b"ab\0\0\0cd\0\0ef"[..], None), Err(DecodeError::Binary(_))));
    }

    #[test]
    fn long_utf8_input_streams_through() {
        let text = "TI  - é\n".repeat(50_000);
        assert_eq!(decode_all(text.as_bytes()), (Encoding::Utf8, text));
    }
}
