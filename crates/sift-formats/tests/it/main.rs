//! Integration tests of sift-formats, one binary:
//! - `world`: every file of the shared corpus reads with the right count and no lost fields;
//! - `bibtex_corpus`, `xml_corpus`, `table_corpus`: format-specific checks on the same corpus;
//! - `decisions`: screening decisions from a labelled ASReview set; no input panics the reader;
//! - `round_trip`: properties: write then read gives the same normalised fields (RIS, CSV,
//!   BibTeX).
//!
//! The corpus tests read `../shared/data` in place (it holds GPL sets that are not copied into
//! the repository) and print a notice and pass when it is absent.

mod bibtex_corpus;
mod decisions;
mod round_trip;
mod table_corpus;
mod world;
mod xml_corpus;

use std::path::{Path, PathBuf};

/// `../shared/data`, beside the repository.
pub fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}
