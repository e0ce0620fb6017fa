//! Fuzz target: format detection, then whichever reader it picks, never panics; once with the
//! encoding detected and once with an encoding forced (chosen by the input's length).

#![no_main]

use libfuzzer_sys::fuzz_target;
use sift_formats::Encoding;

const ENCODINGS: [Encoding; 4] =
    [Encoding::Utf8, Encoding::Utf16Le, Encoding::Utf16Be, Encoding::Windows1252];

fuzz_target!(|data: &[u8]| {
    sift_formats_fuzz::check(data, None, None);
    sift_formats_fuzz::check(data, None, Some(ENCODINGS[data.len() % ENCODINGS.len()]));
});
