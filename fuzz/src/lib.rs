//! What every fuzz target checks: reading any bytes never panics, and the result does not
//! depend on how the bytes arrive.
//!
//! The readers stream (see `sift_formats::open`), so a record boundary, a multi-byte character
//! or an XML tag can fall across two reads. [`check`] reads the input once in one piece and
//! once through a reader that hands out a few bytes at a time, and asserts both reads agree.
//! Errors are fine; a panic or a disagreement is a bug.

use std::io::{self, Read};

use sift_formats::{Encoding, Format, ReadOptions};

/// Reads `data` as `format` (detected when `None`) in `encoding` (detected when `None`).
pub fn check(data: &[u8], format: Option<Format>, encoding: Option<Encoding>) {
    let options = ReadOptions { file_name: "fuzz.input".to_string(), format, encoding };
    let whole = sift_formats::read_bytes(data, &options);

    if let Ok(parsed) = &whole {
        assert_eq!(parsed.summary.n_records, parsed.records.len(), "summary counts every record");
        for (record_idx, record) in parsed.records.iter().enumerate() {
            assert_eq!(record.index as usize, record_idx, "records are numbered in order");
            assert!(record.line >= 1, "record lines are 1-based");
        }
    }

    // A step between 1 and 16 bytes, varied with the input so the fuzzer explores both.
    let step = 1 + data.len() % 16;
    let trickled = sift_formats::read(Trickle { data, step }, &options);
    match (&whole, &trickled) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.records, b.records, "records differ when the input arrives {step} bytes at a time");
            assert_eq!(a.summary, b.summary, "summary differs when the input arrives {step} bytes at a time");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "errors differ when the input arrives {step} bytes at a time"),
        _ => panic!(
            "one read failed and the other did not (input arriving {step} bytes at a time):\nwhole: {:?}\ntrickled: {:?}",
            whole.as_ref().map(|p| p.records.len()),
            trickled.as_ref().map(|p| p.records.len()),
        ),
    }
}

/// A reader that hands out at most `step` bytes per call, like a slow pipe.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.data.len().min(self.step).min(buf.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
