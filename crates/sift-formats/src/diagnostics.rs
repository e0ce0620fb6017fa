//! What a reader tells its caller about the input: line, tag, what is wrong, what was done.
//!
//! Problems that repeat (an unknown tag on every record, many lines in the wrong encoding) are
//! reported once with a count and the first line, so a 50,000-record file does not produce
//! 50,000 identical warnings.

use std::collections::HashMap;
use std::fmt;

/// How much a diagnostic matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing was lost (a detected encoding, a skipped header line).
    Note,
    /// Something was repaired or left out; the import went ahead.
    Warning,
    /// The file could not be read; nothing was imported.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::str::FromStr for Severity {
    type Err = String;

    fn from_str(s: &str) -> Result<Severity, String> {
        match s {
            "note" => Ok(Severity::Note),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!("unknown severity {other:?}")),
        }
    }
}

/// One finding about the input.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    /// 1-based line the finding is about (the first, when it repeats).
    pub line: Option<u32>,
    /// The tag, field or column concerned.
    pub tag: Option<String>,
    /// What is wrong and what was done about it.
    pub message: String,
    /// How many times the same finding occurred.
    pub count: u32,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        write!(f, "{}: ", self.severity.as_str())?;
        if let Some(tag) = &self.tag {
            write!(f, "[{tag}] ")?;
        }
        f.write_str(&self.message)?;
        if self.count > 1 {
            write!(f, " ({} times)", self.count)?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// The diagnostic as a compiler would print it: `file:line: severity: [TAG] message`.
    pub fn located(&self, file: &str) -> String {
        let mut out = String::from(file);
        if let Some(line) = self.line {
            out.push_str(&format!(":{line}"));
        }
        out.push_str(&format!(": {}: ", self.severity.as_str()));
        if let Some(tag) = &self.tag {
            out.push_str(&format!("[{tag}] "));
        }
        out.push_str(&self.message);
        if self.count > 1 {
            out.push_str(&format!(" ({} times)", self.count));
        }
        out
    }
}

/// Collects diagnostics during one read.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    items: Vec<Diagnostic>,
    /// Index into `items` of a repeated finding, keyed by (tag, message).
    repeated: HashMap<(Option<String>, String), usize>,
    fatal: Option<usize>,
}

impl Diagnostics {
    pub(crate) fn note(&mut self, line: Option<u32>, tag: Option<&str>, message: impl Into<String>) {
        self.push(Severity::Note, line, tag, message.into());
    }

    pub(crate) fn warn(&mut self, line: Option<u32>, tag: Option<&str>, message: impl Into<String>) {
        self.push(Severity::Warning, line, tag, message.into());
    }

    /// A problem that ends the read and fails the import.
    pub(crate) fn fatal(&self) -> Option<&Diagnostic> {
        self.fatal.map(|i| &self.items[i])
    }

    pub(crate) fn fail(&mut self, line: Option<u32>, message: impl Into<String>) {
        if self.fatal.is_none() {
            self.fatal = Some(self.items.len());
            self.items.push(Diagnostic {
                severity: Severity::Error,
                line,
                tag: None,
                message: message.into(),
                count: 1,
            });
        }
    }

    /// Records a finding that may repeat: the first occurrence keeps its line, later ones
    /// only raise the count.
    pub(crate) fn repeat(&mut self, severity: Severity, line: Option<u32>, tag: Option<&str>, message: &str) {
        let key = (tag.map(str::to_owned), message.to_owned());
        if let Some(&i) = self.repeated.get(&key) {
            self.items[i].count += 1;
            return;
        }
        self.repeated.insert(key, self.items.len());
        self.push(severity, line, tag, message.to_owned());
    }

    fn push(&mut self, severity: Severity, line: Option<u32>, tag: Option<&str>, message: String) {
        self.items.push(Diagnostic { severity, line, tag: tag.map(str::to_owned), message, count: 1 });
    }

    pub(crate) fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}
