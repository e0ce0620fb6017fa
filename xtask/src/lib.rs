//! Repository chores. The tidy checks live in `tests/tidy.rs` so `cargo test` runs them.
