//! How a browser flow answers a failure: NextAuth's flows and the Cognito form's pages alike, a
//! redirect (or `{"url": …}`) chosen from the cause, through [`Failure::reply`].

use axum::response::{IntoResponse, Response};

use crate::config::Config;
use crate::cookies::SetCookies;
use crate::endpoints::cognito::model::PageStep;
use crate::error::{Error, ErrorCode, DEBUG_CAUSE_HEADER};
use crate::logsafe::clean;
use crate::provider::cognito_form::log_api_failure;
use crate::provider::{CredentialsError, FormError};
use crate::redirect::go;
use crate::Hallpass;

/// Where a failed browser step sends the user.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Back {
    /// NextAuth's flows: the `retry` form (`/signin`, `/signout`) after a CSRF failure, the sign-in
    /// page after refused credentials, else the error page with the cause's code or `phase` (the
    /// step that failed).
    Flow {
        phase: ErrorCode,
        retry: &'static str,
    },
    /// A page of the Cognito form sign-in, with `?error=CODE` (a fixed message per code).
    FormPage(PageStep),
}

/// A failed browser step: the cause, where the user goes, and cookies to set anyway (expired
/// check cookies, a step cookie).
pub(crate) struct Failure {
    /// Boxed: an `Error` is large, and a `Failure` travels in `Result`s.
    pub(crate) error: Box<Error>,
    pub(crate) back: Back,
    pub(crate) cookies: SetCookies,
}

impl Failure {
    pub(crate) fn new(error: impl Into<Error>, back: Back) -> Self {
        Self {
            error: Box::new(error.into()),
            back,
            cookies: SetCookies::new(),
        }
    }

    /// Sets `cookies` with the answer.
    pub(crate) fn with_cookies(mut self, cookies: Option<SetCookies>) -> Self {
        if let Some(c) = cookies {
            self.cookies.extend(c);
        }
        self
    }

    /// The answer: a 302 (or `{"url": …}` when the client asked with `json=true`); the cause goes
    /// to the log and, in debug mode, a response header, never into the URL.
    pub(crate) fn reply(self, h: &Hallpass, json: bool) -> Response {
        let cause = clean(&self.error);
        let target = match self.back {
            Back::Flow { phase, retry } => {
                self.log_flow(&cause);
                flow_target(h.config(), &self.error, phase, retry)
            }
            Back::FormPage(step) => {
                self.log_form(h, step, &cause);
                h.cognito_page_url(step, &format!("error={}", form_code(&self.error)))
            }
        };
        let mut res = (self.cookies, go(json, &target)).into_response();
        if h.config().debug {
            // Debug mode: the cause for the developer's tools and tests, never on a page.
            if let Ok(v) = http::HeaderValue::try_from(cause) {
                res.headers_mut().insert(DEBUG_CAUSE_HEADER, v);
            }
        }
        res
    }

    fn log_flow(&self, cause: &str) {
        match (&*self.error, self.error.code()) {
            (Error::Csrf | Error::Credentials(CredentialsError::Invalid), _) => {
                tracing::debug!("sign-in refused: {cause}")
            }
            (_, ErrorCode::Configuration) => tracing::error!("sign-in failed: {cause}"),
            _ => tracing::warn!("sign-in failed: {cause}"),
        }
    }

    fn log_form(&self, h: &Hallpass, step: PageStep, cause: &str) {
        let debug = h.config().debug();
        match &*self.error {
            Error::Form(FormError::Service(api)) => log_api_failure(step.path(), api, debug),
            Error::Form(FormError::Provider(_)) => {
                tracing::error!("Cognito form sign-in: the tokens were refused: {cause}")
            }
            Error::Form(_) | Error::Csrf | Error::BadRequest(_) => {
                crate::step!(h, step = step.path(), "Cognito form step refused: {cause}")
            }
            _ => tracing::warn!("Cognito form sign-in refused: {cause}"),
        }
    }
}

/// Where a NextAuth flow's failure goes.
fn flow_target(config: &Config, error: &Error, phase: ErrorCode, retry: &str) -> String {
    match error {
        Error::Csrf => config.url(&format!("{retry}?csrf=true")),
        Error::Credentials(CredentialsError::Invalid) => {
            config.url("/signin?error=CredentialsSignin")
        }
        error => {
            let code = match error.code() {
                c @ (ErrorCode::Configuration | ErrorCode::AccessDenied) => c,
                _ => phase,
            };
            let page = match &config.pages.error {
                Some(p) => format!("{}{p}", config.origin.as_str().trim_end_matches('/')),
                None => config.url("/error"),
            };
            // Only the code: a cause in the URL would be text anyone can forge and have shown on
            // the site's origin. Causes go to the log (and, in debug mode, a response header).
            format!("{page}?error={}", code.as_str())
        }
    }
}

/// The `?error=` code of a Cognito form page for `error`.
fn form_code(error: &Error) -> &'static str {
    match error {
        Error::Csrf => "csrf",
        Error::BadRequest(_) => FormError::BadInput("form").code(),
        Error::Form(e) => e.code(),
        Error::Store(_) => "unavailable",
        _ => "refused",
    }
}
