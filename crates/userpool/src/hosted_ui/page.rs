//! The one page template of the hosted UI, Cognito's messages, and the pages that belong
//! to no OAuth request (the error page, a form that cannot be read).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};

use super::csrf::BrowserToken;
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
/// A wrong or reused TOTP code (the `SOFTWARE_TOKEN_MFA` challenge's `CodeMismatchException`).
pub(super) const BAD_TOTP: &str = "Invalid code received for user";
/// The second factor's pending step is gone: expired, used, or of another browser.
pub(super) const SESSION_EXPIRED: &str = "Invalid session for the user, session is expired.";

/// The message for a refused confirmation or reset code. When the client hides which users
/// exist, every refusal is the wrong-code message: "expired" would tell a known user with no
/// live code (or one killed by wrong guesses) from an unknown one.
pub(super) fn code_message(problem: CodeProblem, hides_users: bool) -> &'static str {
    match problem {
        CodeProblem::Expired if !hides_users => EXPIRED_CODE,
        CodeProblem::TooManyGuesses if !hides_users => crate::limits::LIMIT_MESSAGE,
        // Hiding users: a known user's used-up code reads as a wrong one, as an unknown's does.
        CodeProblem::Mismatch | CodeProblem::Expired | CodeProblem::TooManyGuesses => BAD_CODE,
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
    /// The browser's anti-CSRF token, a hidden field of every form.
    csrf: String,
    /// Cookies the response sets (the anti-CSRF token, a pending second factor).
    set_cookies: Vec<HeaderValue>,
    /// MFA set-up: the new TOTP secret (base32, in groups of four) and its `otpauth://` URI.
    /// Shown to the user who is setting up their app, on this page only.
    totp_secret: String,
    otpauth: String,
    /// Where "open the form again" goes on the 403 page.
    reload: String,
    /// The sign-in page's identity providers: `(name, link to /oauth2/authorize for it)`.
    providers: Vec<(String, String)>,
    /// The sign-in page offers passkeys (the pool has a relying party): its button and script.
    passkey: bool,
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

    /// A button per identity provider: a link to `/oauth2/authorize` naming it.
    pub(super) fn providers(mut self, names: Vec<String>, params: &OAuthParams) -> Self {
        self.providers = names
            .into_iter()
            .map(|n| {
                let q = params.query(&[("identity_provider", &n)]);
                let href = format!("{}/oauth2/authorize?{q}", self.base);
                (n, href)
            })
            .collect();
        self
    }

    /// Offers "Sign in with a passkey" (loads `/passkey.js`).
    pub(super) fn passkey(mut self, offered: bool) -> Self {
        self.passkey = offered;
        self
    }

    pub(super) fn name(mut self, n: &str) -> Self {
        self.name = n.to_string();
        self
    }

    /// The browser's anti-CSRF token in the forms, and its cookie if it is new.
    pub(super) fn csrf(mut self, token: &BrowserToken) -> Self {
        self.csrf = token.value.clone();
        self.set_cookies.extend(token.set_cookie.clone());
        self
    }

    /// A cookie to set with the page.
    pub(super) fn cookie(mut self, c: HeaderValue) -> Self {
        self.set_cookies.push(c);
        self
    }

    /// The TOTP secret being set up, and its `otpauth://` URI.
    pub(super) fn totp_setup(mut self, secret_base32: &str, otpauth: String) -> Self {
        let chars: Vec<char> = secret_base32.chars().collect();
        self.totp_secret = chars
            .chunks(4)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ");
        self.otpauth = otpauth;
        self
    }

    fn render_with(self, status: StatusCode) -> Result<Response, HttpError> {
        let html = self.render()?;
        let mut resp = (status, Html(html)).into_response();
        let h = resp.headers_mut();
        for c in self.set_cookies {
            h.append(header::SET_COOKIE, c);
        }
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // No framing, and no scripts but the passkey one, from this origin, which fetches its
        // options from this origin too.
        let csp = if self.passkey && self.kind == "login" {
            "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; \
             connect-src 'self'; frame-ancestors 'none'"
        } else {
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
        };
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(csp),
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

/// The answer to a form posted without this browser's anti-CSRF token (from another site, or
/// with another browser's token): 403, nothing done, and a link to the form (`path`) again.
pub(super) fn forbidden(
    pool: &UserPool,
    params: &OAuthParams,
    pool_id: &str,
    path: &str,
) -> Result<Response, HttpError> {
    let mut page = Page::new(
        pool,
        "forbidden",
        "This form has expired",
        params,
        Some(pool_id),
    );
    // `path` is one of the router's own routes (only those reach a handler), below the base.
    page.reload = format!("{}{path}?{}", pool.base_path(), params.query(&[]));
    page.render_with(StatusCode::FORBIDDEN)
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
