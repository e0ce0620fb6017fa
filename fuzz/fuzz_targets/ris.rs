//! Fuzz target: the RIS reader (format forced, encoding detected) never panics.

#![no_main]

use libfuzzer_sys::fuzz_target;
use sift_formats::Format;

fuzz_target!(|data: &[u8]| {
    sift_formats_fuzz::check(data, Some(Format::Ris), None);
});
