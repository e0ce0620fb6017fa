//! Writers (placeholder).
