//! The service's error type: bad input named by field, missing things named by key, and
//! failures below (store, file system) with their cause.

use sift_formats::ReadError;
use sift_store::StoreError;

pub type ServiceResult<T> = Result<T, ServiceError>;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A value the user gave is wrong; `field` names the option or form field.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{what} {key:?} not found{hint}")]
    NotFound { what: &'static str, key: String, hint: String },
    #[error("{0}")]
    Conflict(String),
    /// The actor may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// Not logged in, or the session has ended.
    #[error("log in first (your session may have ended)")]
    Unauthenticated,
    /// A login with a wrong username or password; which of the two is not said.
    #[error("wrong username or password")]
    BadCredentials,
    /// Too many failed logins; try again later.
    #[error("too many failed logins; try again in {} minutes", retry_after_seconds / 60)]
    TooManyAttempts { retry_after_seconds: i64 },
    /// A file could not be imported; nothing was written.
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error(transparent)]
    Store(StoreError),
}

impl ServiceError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ServiceError {
        ServiceError::Invalid { field: field.into(), message: message.into() }
    }

    /// Whether the error is the user's to fix (exit code 2 in the CLI) rather than the system's.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, ServiceError::Store(StoreError::Database(_)) | ServiceError::Io { .. })
    }
}

impl From<StoreError> for ServiceError {
    fn from(error: StoreError) -> ServiceError {
        match error {
            StoreError::NotFound { what, key } => ServiceError::NotFound { what, key, hint: String::new() },
            StoreError::Conflict(message) => ServiceError::Conflict(message),
            other => ServiceError::Store(other),
        }
    }
}
