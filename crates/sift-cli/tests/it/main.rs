//! Integration tests of the `sift` binary, one test binary:
//! - `commands`: each command end to end on a review file, with exit codes and messages;
//! - `dedup_corpus`: deduplication precision and recall on the labelled sets;
//! - `example`: the published neuropathic-pain review rebuilt, its tables compared cell by cell;
//! - `meta`: `sift meta` on the BCG trials and on small tables, plots, errors;
//! - `postgres`: the same flow with `--database` when `SIFT_TEST_PG_URL` is set;
//! - `screening`: a team screens, resolves and counts;
//! - `serve`: `sift serve` as a process: setup link, prompt-created owner, usage errors.
//! - `simulate`: `sift simulate` on a bundled labelled set.

mod commands;
mod dedup_corpus;
mod example;
mod meta;
mod postgres;
mod screening;
mod serve;
mod simulate;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `sift` with `args`; returns (exit code, stdout, stderr).
pub fn sift(args: &[&str]) -> (i32, String, String) {
    let output: Output = Command::new(env!("CARGO_BIN_EXE_sift"))
        .args(args)
        .env_remove("SIFT_DATABASE")
        .env("SIFT_USER", "tester")
        .output()
        .expect("run sift");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Like [`sift`], but fails the test unless the command succeeds; returns stdout.
pub fn sift_ok(args: &[&str]) -> String {
    let (code, out, err) = sift(args);
    assert_eq!(code, 0, "sift {args:?} failed:\n{err}\n{out}");
    out
}

pub fn test_data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test_data/formats").join(path)
}

pub fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}
