//! The one page template of the hosted UI, Cognito's messages, and the pages that belong
//! to no OAuth request (the error page, a form that cannot be read).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use crate::error::HttpError;
use crate::oauth2::params::OAuthParams;
use crate::pool::UserPool;
use crate::store::CodeProblem;

/// Cognito's messages, word for word.
pub(super) const BAD_CREDENTIALS: &str = "Incorrect username or password.";
pub(super) const LOCKED: &str = "Password attempts exceeded";
pub(super) const USER_EXISTS: &str = "An account with the given email already exists.";
pub(super) const BAD_CODE: &str = "Invalid verification code provided, please try again.";
pub(super) const EXPIRED_CODE: &str = "Invalid code provided, please request a code again.";
pub(super) const BAD_EMAIL: &str = "Username should be an email.";

/// The message for a refused confirmation or reset code.
pub(super) fn code_message(problem: CodeProblem) -> &'static str {
    match problem {
        CodeProblem::Mismatch => BAD_CODE,
        CodeProblem::Expired => EXPIRED_CODE,
    }
}

/// Every page is one template; `kind` picks the form.
#[derive(Template, Default)]
#[template(path = "page.html")]
pub(super) struct Page {
    kind: &'static str,
    title: String,
    app: String,
    base: String,
    error: Option<String>,
    info: Option<String>,
    /// OAuth parameters as hidden fields.
    hidden: Vec<(String, String)>,
    /// The same, as a query string for links between pages.
    q: String,
    username: String,
    name: String,
    error_code: String,
    /// The pool's password policy in words.
    password_hint: String,
}

impl Page {
    pub(super) fn new(
        pool: &UserPool,
        kind: &'static str,
        title: &str,
        params: &OAuthParams,
        pool_id: Option<&str>,
    ) -> Self {
        let config = pool_id.and_then(|id| pool.pool_config(id).ok());
        let app = config
            .map(|p| p.name.clone().unwrap_or_else(|| p.id.clone()))
            .unwrap_or_else(|| "Sign in".to_string());
        let password_hint = config
            .map(|p| p.password_policy.describe())
            .unwrap_or_default();
        Page {
            kind,
            title: title.to_string(),
            app,
            base: pool.base_path(),
            hidden: params.pairs(),
            q: params.query(&[]),
            password_hint,
            ..Page::default()
        }
    }

    pub(super) fn error(mut self, e: &str) -> Self {
        self.error = Some(e.to_string());
        self
    }

    pub(super) fn user(mut self, u: &str) -> Self {
        self.username = u.to_string();
        self
    }

    pub(super) fn info(mut self, i: &str) -> Self {
        self.info = Some(i.to_string());
        self
    }

    pub(super) fn name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }

    fn render_with(self, status: StatusCode) -> Result<Response, HttpError> {
        let html = self.render()?;
        let mut resp = (status, Html(html)).into_response();
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // No scripts, no framing: the pages need neither.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        Ok(resp)
    }

    pub(super) fn ok(self) -> Result<Response, HttpError> {
        self.render_with(StatusCode::OK)
    }
}

/// The answer to a form that cannot be read (repeated or overlong fields).
pub(super) fn bad_form(pool: &UserPool) -> Result<Response, HttpError> {
    Page {
        kind: "error",
        title: "Invalid request".into(),
        app: "Sign in".into(),
        base: pool.base_path(),
        error_code: "invalid_request".into(),
        ..Page::default()
    }
    .render_with(StatusCode::BAD_REQUEST)
}

// ---- error ---------------------------------------------------------------------------------

pub(super) async fn error_page(
    State(pool): State<UserPool>,
    Query(m): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let code: String = m
        .get("error")
        .map(String::as_str)
        .unwrap_or("")
        .chars()
        .take(64)
        .collect();
    Page {
        kind: "error",
        title: "An error was encountered".into(),
        app: "Sign in".into(),
        base: pool.base_path(),
        error_code: if code.is_empty() {
            "unknown_error".into()
        } else {
            code
        },
        ..Page::default()
    }
    .render_with(StatusCode::BAD_REQUEST)
}
