//! Reading a table the user hands over (a labelled set, study results): UTF-8 checked, and
//! every problem named by the file and, for CSV, the line.

use std::path::Path;

use crate::{ServiceError, ServiceResult};

/// The file's text and the name messages give it.
pub(crate) fn read_utf8(path: &Path) -> ServiceResult<(String, String)> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| ServiceError::Io { path: shown.clone(), source })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ServiceError::invalid(
            &shown,
            format!("not UTF-8 text (first bad byte at offset {})", e.utf8_error().valid_up_to()),
        )
    })?;
    Ok((shown, text))
}

/// A CSV reader's error, named by the file and the line it stopped at.
pub(crate) fn csv_error(shown: &str, error: &csv::Error) -> ServiceError {
    let line = error.position().map_or(String::new(), |p| format!(":{}", p.line()));
    ServiceError::invalid(format!("{shown}{line}"), error.to_string())
}
