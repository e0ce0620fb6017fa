//! One module per subcommand.

pub mod chart;
pub mod convert;
pub mod dedup;
pub mod example;
pub mod export;
pub mod init;
pub mod meta;
pub mod records;
pub mod report;
pub mod screen;
pub mod search;
pub mod serve;
pub mod simulate;
pub mod stream;
pub mod tour;

/// A mistake in how the command was called, reported with exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);
