//! Errors, and the one place where they become HTTP responses.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::http::{cors, found, no_store};

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The seed or a command-line value is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// SQLite failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// Key generation, encoding or signing failed.
    #[error("keys: {0}")]
    Keys(String),
    /// Reading or writing a file or socket failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// No pool with that id.
    #[error("no user pool {0:?}")]
    NoSuchPool(String),
    /// No user with that email in the pool.
    #[error("User does not exist.")]
    NoSuchUser,
    /// The email is taken in that pool.
    #[error("An account with the given email already exists.")]
    UserExists,
    /// A value given to an admin method is invalid (bad email, password policy, ...).
    #[error("{0}")]
    InvalidParameter(String),
    /// A limit of the local pool was reached (run-time pools made by one process).
    #[error("{0}")]
    LimitExceeded(String),
    /// Rendering a page failed.
    #[error("template: {0}")]
    Template(#[from] askama::Error),
    /// A Lambda trigger failed or refused (its message is Cognito's).
    #[error(transparent)]
    Trigger(#[from] crate::lambda::TriggerError),
    /// Password hashing failed, or a background task died.
    #[error("internal: {0}")]
    Internal(String),
}

/// An error answered over HTTP. Mapped to a response in [`IntoResponse`] below, only here.
#[derive(Debug, thiserror::Error)]
pub(crate) enum HttpError {
    /// An OAuth error of the token or revoke endpoint: 400 JSON `{"error": ...}`.
    #[error("{error}")]
    OAuth {
        error: &'static str,
        description: Option<&'static str>,
    },
    /// A bad bearer token at userInfo: 401 with `WWW-Authenticate`.
    #[error("invalid_token: {0}")]
    InvalidToken(&'static str),
    /// The request cannot be answered with a redirect (unknown client, unregistered URI):
    /// the user is sent to the `/error` page.
    #[error("redirect to error page: {0}")]
    ErrorPage(String),
    /// A bug or a broken database: 500, logged, details not shown.
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for HttpError {
    fn from(e: sqlx::Error) -> Self {
        HttpError::Internal(Error::Database(e))
    }
}

impl From<askama::Error> for HttpError {
    fn from(e: askama::Error) -> Self {
        HttpError::Internal(Error::Template(e))
    }
}

impl HttpError {
    pub(crate) fn oauth(error: &'static str) -> Self {
        HttpError::OAuth {
            error,
            description: None,
        }
    }

    pub(crate) fn oauth_desc(error: &'static str, description: &'static str) -> Self {
        HttpError::OAuth {
            error,
            description: Some(description),
        }
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        match self {
            HttpError::OAuth { error, description } => {
                let body = match description {
                    Some(d) => json!({ "error": error, "error_description": d }),
                    None => json!({ "error": error }),
                };
                let mut resp = (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
                no_store(&mut resp);
                cors(&mut resp);
                resp
            }
            HttpError::InvalidToken(why) => {
                let mut resp = (
                    StatusCode::UNAUTHORIZED,
                    axum::Json(json!({ "error": "invalid_token", "error_description": why })),
                )
                    .into_response();
                let challenge =
                    format!("Bearer error=\"invalid_token\", error_description=\"{why}\"");
                if let Ok(v) = HeaderValue::from_str(&challenge) {
                    resp.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                cors(&mut resp);
                resp
            }
            HttpError::ErrorPage(location) => found(&location),
            // The trigger's failure was logged where it happened; the message is Cognito's.
            HttpError::Internal(Error::Trigger(t)) => (
                StatusCode::BAD_REQUEST,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                t.to_string(),
            )
                .into_response(),
            HttpError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                    "Internal error.",
                )
                    .into_response()
            }
        }
    }
}
