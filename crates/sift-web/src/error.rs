//! The web's one error type: a 4xx tells the user what to do, a 5xx is logged and hidden.
//! JSON requests (the API) get `{"error": ...}`; pages get a small HTML page.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use sift_service::ServiceError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error("no such review {0:?} on this server")]
    NoSuchReview(String),
    #[error("{0}")]
    BadRequest(String),
    /// A state-changing request without the session's CSRF token.
    #[error("this form has expired or did not come from Sift; reload the page and try again")]
    Csrf,
    /// A page needs a login: browsers are sent to the login page.
    #[error("log in first")]
    LoginRequired { next: String },
    #[error("the page could not be drawn: {0}")]
    Template(#[from] askama::Error),
    /// Set on errors from `/api/...` so they answer in JSON.
    #[error("{0}")]
    Api(Box<WebError>),
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Api(inner) => inner.status(),
            WebError::NoSuchReview(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::LoginRequired { .. } => StatusCode::UNAUTHORIZED,
            WebError::Template(_) => StatusCode::INTERNAL_SERVER_ERROR,
            WebError::Service(e) => match e {
                ServiceError::Invalid { .. } | ServiceError::Read(_) => StatusCode::BAD_REQUEST,
                ServiceError::NotFound { .. } => StatusCode::NOT_FOUND,
                ServiceError::Conflict(_) => StatusCode::CONFLICT,
                ServiceError::Forbidden(_) => StatusCode::FORBIDDEN,
                ServiceError::Unauthenticated | ServiceError::BadCredentials => StatusCode::UNAUTHORIZED,
                ServiceError::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
                ServiceError::Io { .. } | ServiceError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }

    /// What the user is told: the message for 4xx, a generic line for 5xx (the detail goes
    /// to the server's log).
    pub fn public_message(&self) -> String {
        if self.status().is_server_error() {
            eprintln!("sift serve: internal error: {self:#}");
            return "something went wrong on the server; the details are in its log".to_string();
        }
        match self {
            WebError::Service(e) => for_people(e),
            WebError::Api(inner) => inner.public_message(),
            other => other.to_string(),
        }
    }
}

/// A service error as the web says it: a bad value is named by its field as a person reads it
/// ("run date"), not by the command-line option the service names it after ("--run-date").
pub fn for_people(error: &ServiceError) -> String {
    match error {
        ServiceError::Invalid { field, message } if field.starts_with("--") => {
            format!("{}: {message}", field.trim_start_matches('-').replace('-', " "))
        }
        other => other.to_string(),
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::LoginRequired { next } = &self {
            return Redirect::to(&format!("/login?next={}", crate::pages::url_encode(next))).into_response();
        }
        let status = self.status();
        let message = self.public_message();
        if let WebError::Api(_) = self {
            let body = serde_json::json!({ "error": message, "status": status.as_u16() });
            return (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response();
        }
        let page = crate::pages::error_page(status, &message);
        (status, page).into_response()
    }
}

pub type WebResult<T> = Result<T, WebError>;
