//! The one place use cases read the clock, so tests and archives can reason about time.

/// Now, as an RFC 3339 timestamp in UTC with second precision.
pub(crate) fn now() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| jiff::Timestamp::now().to_string())
}

/// Now, in Unix seconds (for expiry and rate-limit windows).
pub(crate) fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}
