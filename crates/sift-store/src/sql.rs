//! Small helpers for SQL built at run time: numbered placeholders and their values.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::{Query, QueryScalar};

/// A value for a `$N` placeholder.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    I64(i64),
    Text(String),
}

/// A `WHERE` clause under construction: conditions joined with `AND`, values numbered in
/// order.
#[derive(Default, Debug)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    pub(crate) args: Vec<Arg>,
}

impl Conditions {
    /// The placeholder for a new value.
    pub(crate) fn arg(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.args.len())
    }

    pub(crate) fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    pub(crate) fn where_clause(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) }
    }
}

pub(crate) fn bind_all<'q>(
    mut query: Query<'q, Any, AnyArguments<'q>>,
    args: &[Arg],
) -> Query<'q, Any, AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::I64(v) => query.bind(*v),
            Arg::Text(v) => query.bind(v.clone()),
        };
    }
    query
}

pub(crate) fn bind_all_scalar<'q, O>(
    mut query: QueryScalar<'q, Any, O, AnyArguments<'q>>,
    args: &[Arg],
) -> QueryScalar<'q, Any, O, AnyArguments<'q>> {
    for arg in args {
        query = match arg {
            Arg::I64(v) => query.bind(*v),
            Arg::Text(v) => query.bind(v.clone()),
        };
    }
    query
}

/// `true`/`false` as stored (BIGINT 0/1, portable to both backends).
pub(crate) fn flag(value: bool) -> i64 {
    i64::from(value)
}
