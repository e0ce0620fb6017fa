//! Reviews, streams and searches: the protocol-level nouns.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ids::{ReviewId, SearchId, StreamId};

/// The kind of review, which decides wording in reports (a scoping review speaks of
/// "sources of evidence", a systematic review of "studies").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewType {
    Systematic,
    Scoping,
    Rapid,
    Umbrella,
}

/// Where the records of a search came from, as PRISMA 2020 distinguishes them: databases and
/// registers feed the left-hand column of the flow diagram, other methods (citation searching,
/// websites, organisations) the right-hand one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchKind {
    Database,
    Register,
    Other,
}

/// A string that names none of an enum's values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown {what} {value:?}; expected one of: {expected}")]
pub struct ParseEnumError {
    pub what: &'static str,
    pub value: String,
    pub expected: &'static str,
}

macro_rules! string_enum {
    ($ty:ident, $what:literal, { $($variant:ident => $text:literal),* $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $text),* }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $ty {
            type Err = ParseEnumError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let wanted = s.trim().to_ascii_lowercase();
                $(if wanted == $text { return Ok($ty::$variant); })*
                Err(ParseEnumError {
                    what: $what,
                    value: s.to_owned(),
                    expected: concat!($($text, " "),*).trim_ascii_end(),
                })
            }
        }
    };
}

string_enum!(ReviewType, "review type", {
    Systematic => "systematic",
    Scoping => "scoping",
    Rapid => "rapid",
    Umbrella => "umbrella",
});

string_enum!(SearchKind, "search kind", {
    Database => "database",
    Register => "register",
    Other => "other",
});

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub id: ReviewId,
    /// Short stable name, unique in its store; for a `.sift` file, its file stem.
    pub slug: String,
    pub title: String,
    pub review_type: ReviewType,
    pub question: Option<String>,
    /// RFC 3339 timestamp.
    pub created_at: String,
}

/// One screening pipeline inside a review, with its own searches and flow diagram.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stream {
    pub id: StreamId,
    pub review_id: ReviewId,
    pub name: String,
    pub description: Option<String>,
    /// The stream a review starts with; commands use it when no `--stream` is given.
    pub is_default: bool,
}

/// One recorded search of one source, as the search appendix reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Search {
    pub id: SearchId,
    pub review_id: ReviewId,
    pub stream_id: StreamId,
    /// The database, register or other source, e.g. "PubMed", "Embase (Ovid)".
    pub source: String,
    pub kind: SearchKind,
    /// The interface the source was searched through, e.g. "Ovid", "EBSCOhost".
    pub platform: Option<String>,
    /// The query exactly as run.
    pub query: Option<String>,
    /// The day the search was run, `YYYY-MM-DD`, or its month, `YYYY-MM`.
    pub run_date: Option<String>,
    /// Date, language or other limits, as free text.
    pub limits: Option<String>,
    /// The number of hits the source reported; compared with the records imported.
    pub hits_reported: Option<i64>,
    /// The earlier search this one re-runs (living reviews, updates).
    pub updates: Option<SearchId>,
    pub created_at: String,
}

/// Checks that `date` is a plausible `YYYY-MM-DD` calendar date, or a month `YYYY-MM` (papers
/// often report only the month a search was run). Returns a message naming what
/// is wrong otherwise.
pub fn check_iso_date(date: &str) -> Result<(), String> {
    let parts: Vec<&str> = date.split('-').collect();
    let well_formed = (parts.len() == 3 || parts.len() == 2)
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts.get(2).is_none_or(|d| d.len() == 2)
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if !well_formed {
        return Err(format!("{date:?} is not a date in the form YYYY-MM-DD (or a month, YYYY-MM)"));
    }
    let year: u32 = parts[0].parse().unwrap_or(0);
    let month: u32 = parts[1].parse().unwrap_or(0);
    let day: u32 = parts.get(2).map_or(Some(1), |d| d.parse().ok()).unwrap_or(0);
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("{date:?} has no month {month}")),
    };
    if day == 0 || day > days_in_month {
        return Err(format!("{date:?} has no day {day} in month {month}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_text() {
        for t in ReviewType::ALL {
            assert_eq!(t.as_str().parse::<ReviewType>().unwrap(), *t);
        }
        for k in SearchKind::ALL {
            assert_eq!(k.as_str().parse::<SearchKind>().unwrap(), *k);
        }
        let err = "meta".parse::<ReviewType>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown review type \"meta\"; expected one of: systematic scoping rapid umbrella"
        );
    }

    #[test]
    fn iso_dates_are_checked() {
        assert!(check_iso_date("2024-03-15").is_ok());
        assert!(check_iso_date("2024-02-29").is_ok());
        assert!(check_iso_date("2023-02-29").is_err());
        assert!(check_iso_date("15/03/2024").is_err());
        assert!(check_iso_date("2024-13-01").is_err());
        assert!(check_iso_date("2024-03").is_ok());
        assert!(check_iso_date("2024-13").is_err());
        assert!(check_iso_date("2024-3").is_err());
    }
}
