//! Splits XML exports into one slice per record element (placeholder).
