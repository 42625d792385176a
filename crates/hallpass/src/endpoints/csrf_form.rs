//! [`CsrfForm`]: a form extractor that refuses a POST without this browser's CSRF token before the
//! handler runs, then parses the form into the handler's type.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::failure::{Back, Failure};
use super::Fields;
use crate::error::Error;
use crate::extract::instance;
use crate::Hallpass;

/// A form (`application/x-www-form-urlencoded`) whose `csrfToken` field is this browser's CSRF
/// token (see [`CsrfToken`](crate::CsrfToken) to put one in a form), parsed as `T`.
///
/// The token is checked before anything of the form is looked at; a POST without the right token
/// is refused with [`CsrfRejection::InvalidToken`] (403), and the handler never runs. The first
/// occurrence of a field wins; fields `T` does not name are ignored. Needs the app wrapped in
/// [`Hallpass::layer`](crate::Hallpass::layer).
///
/// ```no_run
/// use hallpass::{CsrfForm, Session};
/// use serde::Deserialize;
///
/// #[derive(Deserialize)]
/// struct Rename {
///     name: String,
/// }
///
/// async fn rename(_session: Session, CsrfForm(form): CsrfForm<Rename>) -> String {
///     format!("renamed to {}", form.name)
/// }
/// ```
#[derive(Debug, Clone)]
pub struct CsrfForm<T>(pub T);

/// Why [`CsrfForm`] refused a request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsrfRejection {
    /// The form has no `csrfToken`, or not this browser's: 403.
    #[error("CSRF token missing or invalid: fetch GET {{base}}/csrf first and post its csrfToken with the form")]
    InvalidToken {
        /// The form asked for a `{"url": …}` answer (NextAuth's `json=true`).
        json: bool,
    },
    /// The token is right but the form is not what the route takes: 400.
    #[error("the form is not what this route takes: {message}")]
    InvalidForm {
        /// The form asked for a `{"url": …}` answer (NextAuth's `json=true`).
        json: bool,
        /// What is wrong (field names only, never values).
        message: String,
    },
    /// The body could not be read (too large: 413).
    #[error(transparent)]
    Body(#[from] BytesRejection),
    /// The app is not wrapped in `Hallpass::layer`: a programming error, reported as a 500.
    #[error("Hallpass is not installed on this router: add `.layer(hallpass.layer())` to the app")]
    MissingLayer,
}

impl CsrfRejection {
    /// Whether the form asked for a `{"url": …}` answer instead of a redirect (`json=true`).
    pub fn wants_json(&self) -> bool {
        match self {
            Self::InvalidToken { json } | Self::InvalidForm { json, .. } => *json,
            Self::Body(_) | Self::MissingLayer => false,
        }
    }

    /// The answer of a browser flow: back to where `back` says, through the one error mapping;
    /// an unreadable body keeps its own status.
    pub(crate) fn reply(self, h: &Hallpass, back: Back) -> Response {
        let json = self.wants_json();
        match self {
            Self::InvalidToken { .. } => Failure::new(Error::Csrf, back).reply(h, json),
            Self::InvalidForm { message, .. } => {
                Failure::new(Error::BadRequest(message), back).reply(h, json)
            }
            other => other.into_response(),
        }
    }
}

/// API style, through [`Error`]'s mapping: `403 {"error": "MissingCSRF", …}` for a wrong token.
impl IntoResponse for CsrfRejection {
    fn into_response(self) -> Response {
        match self {
            Self::InvalidToken { .. } => Error::Csrf.into_response(),
            Self::InvalidForm { message, .. } => Error::BadRequest(message).into_response(),
            Self::Body(r) => r.into_response(),
            Self::MissingLayer => Error::MissingLayer.into_response(),
        }
    }
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = CsrfRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let hallpass = instance(req.extensions()).ok_or(CsrfRejection::MissingLayer)?;
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state).await?;
        // Leniently parsed (bad UTF-8 replaced), whatever the Content-Type: the token decides.
        let fields = Fields::parse(&body);
        let json = fields.json();
        if !hallpass.verify_csrf(&headers, fields.get("csrfToken")) {
            return Err(CsrfRejection::InvalidToken { json });
        }
        fields
            .parse_as()
            .map(CsrfForm)
            .map_err(|e| CsrfRejection::InvalidForm {
                json,
                message: crate::logsafe::clean(&e),
            })
    }
}
