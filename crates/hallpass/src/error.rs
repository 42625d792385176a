//! Errors, and what each is: status, code, name and publicity in one table, `Error::row`. APIs,
//! extractors and guards answer with `impl IntoResponse for Error` below; browser flows (the
//! Cognito form's included) with `endpoints::failure::Failure`, which reads the same table. Nothing
//! else maps an error to a response. What each error is (status, code, name, publicity) is one table,
//! `Error::row`.

use axum::response::{IntoResponse, Response};
use axum::Json;
use http::StatusCode;
use serde_json::json;

pub use crate::cookies::CheckError;
use crate::logsafe::clean;
use crate::provider::{CredentialsError, FormError, ProviderError};
pub use crate::token_error::TokenError;

/// The response header that carries a failed sign-in's cause in debug mode (escaped like every
/// logged value, so it cannot split the header or a log line); the error page never shows a cause.
pub const DEBUG_CAUSE_HEADER: &str = "x-hallpass-debug-cause";

/// NextAuth's error codes, as they appear in `{base}/error?error=CODE` and `{base}/signin?error=CODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The server is misconfigured (500).
    Configuration,
    /// The `sign_in` hook or the provider refused the user (403).
    AccessDenied,
    /// A verification link is invalid or used (403).
    Verification,
    /// Starting the sign-in with the provider failed.
    OAuthSignin,
    /// The provider's answer could not be used.
    OAuthCallback,
    /// A credentials provider refused what was posted.
    CredentialsSignin,
    /// A page needs a session.
    SessionRequired,
    /// Anything else.
    Default,
}

impl ErrorCode {
    /// The code as written in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Configuration => "Configuration",
            ErrorCode::AccessDenied => "AccessDenied",
            ErrorCode::Verification => "Verification",
            ErrorCode::OAuthSignin => "OAuthSignin",
            ErrorCode::OAuthCallback => "OAuthCallback",
            ErrorCode::CredentialsSignin => "CredentialsSignin",
            ErrorCode::SessionRequired => "SessionRequired",
            ErrorCode::Default => "Default",
        }
    }

    /// Parses a code from a URL; unknown codes are `Default`.
    pub fn parse(s: &str) -> Self {
        match s {
            "Configuration" => ErrorCode::Configuration,
            "AccessDenied" => ErrorCode::AccessDenied,
            "Verification" => ErrorCode::Verification,
            "OAuthSignin" => ErrorCode::OAuthSignin,
            "OAuthCallback" => ErrorCode::OAuthCallback,
            "CredentialsSignin" => ErrorCode::CredentialsSignin,
            "SessionRequired" => ErrorCode::SessionRequired,
            _ => ErrorCode::Default,
        }
    }

    /// The status of the error page for this code (NextAuth's).
    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::Configuration => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::AccessDenied | ErrorCode::Verification => StatusCode::FORBIDDEN,
            _ => StatusCode::OK,
        }
    }

    /// What the error page tells the user: heading and message.
    pub fn message(self) -> (&'static str, &'static str) {
        match self {
            ErrorCode::Configuration => (
                "Server error",
                "There is a problem with the server configuration. Check the server logs for more information.",
            ),
            ErrorCode::AccessDenied => ("Access denied", "You do not have permission to sign in."),
            ErrorCode::Verification => (
                "Unable to sign in",
                "The sign in link is no longer valid. It may have been used already or it may have expired.",
            ),
            ErrorCode::SessionRequired => ("Sign in required", "Please sign in to access this page."),
            ErrorCode::CredentialsSignin => (
                "Unable to sign in",
                "Sign in failed. Check the details you provided are correct.",
            ),
            ErrorCode::OAuthSignin | ErrorCode::OAuthCallback | ErrorCode::Default => (
                "Unable to sign in",
                "Something went wrong while signing in. Please try again.",
            ),
        }
    }
}

/// What went wrong. `Display` names the cause and, where there is one, the fix; it never contains a
/// token, code or secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The form's `csrfToken` does not match the CSRF cookie.
    #[error("CSRF token missing or invalid: fetch GET {{base}}/csrf first and post its csrfToken with the form")]
    Csrf,
    /// No provider with this id is configured.
    #[error("no provider `{0}` is configured (see GET {{base}}/providers for the ids)")]
    UnknownProvider(String),
    /// The provider exists but does not sign in this way (a form posted to a redirect provider, or
    /// the reverse).
    #[error("provider `{id}` is a {kind} provider and cannot {action}")]
    WrongProviderType {
        /// The provider id.
        id: String,
        /// Its type (`oidc`, `oauth`, `credentials`).
        kind: &'static str,
        /// What was asked of it.
        action: &'static str,
    },
    /// A check cookie is unusable.
    #[error("{which} check failed: {cause}")]
    Check {
        /// `state`, `PKCE verifier`, `nonce`.
        which: &'static str,
        /// Why.
        cause: CheckError,
    },
    /// The `state` parameter does not match the state cookie.
    #[error("state mismatch: the callback does not belong to the sign-in this browser started (replayed or forged callback)")]
    StateMismatch,
    /// The callback carries no `code`.
    #[error("the provider's callback has no `code` parameter")]
    MissingCode,
    /// The provider answered the authorization request with an error.
    #[error("the provider returned error `{error}`{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Idp {
        /// The OAuth error code.
        error: String,
        /// The provider's description, if any.
        description: Option<String>,
    },
    /// The provider step failed.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// A credentials provider refused the form or failed.
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    /// A step of the Cognito form sign-in failed.
    #[error(transparent)]
    Form(#[from] FormError),
    /// The `sign_in` hook refused the user.
    #[error("the sign_in hook refused this user")]
    AccessDenied,
    /// The session would not fit in the cookie budget.
    #[error("the session is {bytes} bytes, over the {budget}-byte cookie budget: turn off store_tokens, trim claims in the jwt hook, or raise max_cookie_bytes")]
    CookieTooLarge {
        /// The encrypted size.
        bytes: usize,
        /// The budget.
        budget: usize,
    },
    /// A hook failed.
    #[error("the {0} hook failed: {1}")]
    Hook(&'static str, String),
    /// The session store failed.
    #[error(transparent)]
    Store(#[from] crate::shared::StoreError),
    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// The route needs a session and the request has none (or an unusable one).
    #[error("Sign in first: this route needs a session (session cookie or `Authorization: Bearer <session token>`).")]
    SignedOut,
    /// The signed-in user may not use this route.
    #[error("{0}")]
    Forbidden(String),
    /// The request body is not what the endpoint takes.
    #[error("{0}")]
    BadRequest(String),
    /// The body's `Content-Type` is neither JSON nor a form.
    #[error(
        "unsupported Content-Type: post application/json or application/x-www-form-urlencoded"
    )]
    UnsupportedMediaType,
    /// No endpoint for this path and method under the base path.
    #[error("Error: the action {path} with HTTP {method} is not supported by Hallpass")]
    UnknownAction {
        /// The request method.
        method: String,
        /// The request path.
        path: String,
    },
    /// No step of the Cognito form sign-in has this name (`{base}/cognito/{step}`): 404.
    #[error("Error: the Cognito form sign-in has no step `{step}` (HTTP {method})")]
    UnknownStep {
        /// The request method.
        method: String,
        /// The step named in the path (sanitised, cut to 100 characters).
        step: String,
    },
    /// A call that needs a server-side session store ([`crate::store`]) on an instance with cookie
    /// sessions.
    #[error("this needs a server-side session store (AUTH_SESSION_STORE or HallpassBuilder::session_store); this instance keeps sessions in cookies")]
    NoSessionStore,
    /// The app is not wrapped in `Hallpass::layer`: a programming error.
    #[error("Hallpass is not installed on this router: add `.layer(hallpass.layer())` to the app")]
    MissingLayer,
    /// A Bearer token was missing, refused, or lacks what the route needs: 401 or 403 with
    /// `WWW-Authenticate: Bearer` (RFC 6750).
    #[error(transparent)]
    Token(#[from] TokenError),
}

/// What an error is, in one row: the status of an API answer, NextAuth's code, the `error` name
/// of the JSON answer, and whether its message may be shown to the client (only what the client
/// itself got wrong; anything about the server or the provider stays in the log).
struct Row {
    status: StatusCode,
    code: ErrorCode,
    name: &'static str,
    public: bool,
}

impl Row {
    const fn new(status: StatusCode, code: ErrorCode, name: &'static str, public: bool) -> Self {
        Self {
            status,
            code,
            name,
            public,
        }
    }
}

/// The rows several causes share.
const MISCONFIGURED: Row = Row::new(
    StatusCode::INTERNAL_SERVER_ERROR,
    ErrorCode::Configuration,
    "Configuration",
    false,
);
const CREDENTIALS_REFUSED: Row = Row::new(
    StatusCode::UNAUTHORIZED,
    ErrorCode::CredentialsSignin,
    "CredentialsSignin",
    false,
);
const CALLBACK_FAILED: Row = Row::new(
    StatusCode::UNAUTHORIZED,
    ErrorCode::OAuthCallback,
    "OAuthCallback",
    false,
);

/// A Bearer token's refusal: 401 for the token itself, 403 when it lacks a scope or group, 503
/// when the issuer's keys cannot be loaded or the pool cannot be asked, 500 when no verifier is configured.
fn token_row(t: &TokenError) -> Row {
    use ErrorCode as C;
    use StatusCode as S;
    match t {
        TokenError::NotConfigured => MISCONFIGURED,
        TokenError::KeysUnavailable | TokenError::PoolUnavailable => Row::new(
            S::SERVICE_UNAVAILABLE,
            C::Configuration,
            "temporarily_unavailable",
            true,
        ),
        TokenError::InsufficientScope(_) | TokenError::InsufficientGroup(_) => {
            Row::new(S::FORBIDDEN, C::AccessDenied, "insufficient_scope", true)
        }
        TokenError::Missing => {
            Row::new(S::UNAUTHORIZED, C::SessionRequired, "unauthenticated", true)
        }
        _ => Row::new(S::UNAUTHORIZED, C::SessionRequired, "invalid_token", true),
    }
}

impl Error {
    /// The table: one row per cause.
    fn row(&self) -> Row {
        use ErrorCode as C;
        use StatusCode as S;
        match self {
            Error::Csrf => Row::new(S::FORBIDDEN, C::Default, "MissingCSRF", true),
            Error::BadRequest(_) => Row::new(S::BAD_REQUEST, C::Default, "InvalidRequest", true),
            Error::UnsupportedMediaType => Row::new(
                S::UNSUPPORTED_MEDIA_TYPE,
                C::Default,
                "InvalidRequest",
                true,
            ),
            Error::UnknownAction { .. } => Row::new(S::BAD_REQUEST, C::Default, "Default", true),
            Error::UnknownStep { .. } => Row::new(S::NOT_FOUND, C::Default, "Default", true),
            Error::SignedOut => {
                Row::new(S::UNAUTHORIZED, C::SessionRequired, "unauthenticated", true)
            }
            Error::Forbidden(_) => Row::new(S::FORBIDDEN, C::OAuthCallback, "forbidden", true),
            Error::WrongProviderType { .. } => {
                Row::new(S::BAD_REQUEST, C::OAuthCallback, "OAuthCallback", true)
            }
            Error::AccessDenied => Row::new(S::FORBIDDEN, C::AccessDenied, "AccessDenied", false),
            Error::Idp { error, .. } if error == "access_denied" => {
                Row::new(S::FORBIDDEN, C::AccessDenied, "AccessDenied", false)
            }
            Error::Provider(p) | Error::Credentials(CredentialsError::Provider(p))
                if p.is_config() =>
            {
                MISCONFIGURED
            }
            Error::Config(_)
            | Error::UnknownProvider(_)
            | Error::NoSessionStore
            | Error::MissingLayer => MISCONFIGURED,
            Error::Store(_) => Row::new(
                S::SERVICE_UNAVAILABLE,
                C::Configuration,
                "SessionStoreUnavailable",
                false,
            ),
            Error::Hook(..) => Row::new(
                S::INTERNAL_SERVER_ERROR,
                C::OAuthCallback,
                "Callback",
                false,
            ),
            Error::Token(t) => token_row(t),
            Error::Credentials(CredentialsError::Invalid) | Error::Form(_) => CREDENTIALS_REFUSED,
            Error::Check { .. }
            | Error::StateMismatch
            | Error::MissingCode
            | Error::Idp { .. }
            | Error::Provider(_)
            | Error::Credentials(_)
            | Error::CookieTooLarge { .. } => CALLBACK_FAILED,
        }
    }

    /// `WWW-Authenticate` of a Bearer token's refusal (RFC 6750 §3): the error code, a short
    /// description, and the scope a route needs.
    fn www_authenticate(&self) -> Option<http::HeaderValue> {
        let Error::Token(t) = self else { return None };
        if matches!(
            t,
            TokenError::KeysUnavailable | TokenError::PoolUnavailable | TokenError::NotConfigured
        ) {
            return None;
        }
        let mut value = String::from("Bearer");
        if let Some(code) = t.code() {
            // Our own wording: printable ASCII without quotes, so it cannot break the header.
            let description = t.to_string().replace(['"', '\\'], "'");
            value.push_str(&format!(
                " error=\"{code}\", error_description=\"{description}\""
            ));
        }
        if let TokenError::InsufficientScope(scope) = t {
            value.push_str(&format!(", scope=\"{}\"", scope.replace(['"', '\\'], "")));
        }
        http::HeaderValue::from_str(&value).ok()
    }

    /// The NextAuth error code shown to the user.
    pub fn code(&self) -> ErrorCode {
        self.row().code
    }
}

/// API style: a status and `{"error": NAME, "message": …}`; plain text for the two answers NextAuth and
/// axum users expect as text (unknown action, missing layer).
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let row = self.row();
        let status = row.status;
        match &self {
            Error::UnknownAction { .. } | Error::UnknownStep { .. } | Error::MissingLayer => {
                return (status, self.to_string()).into_response()
            }
            _ => {}
        }
        if let Error::Store(e) = &self {
            // One line per request would flood the log while the store is down.
            crate::logsafe::log_unavailable(e);
        } else if status.is_server_error() {
            tracing::error!("request failed: {}", clean(&self));
        } else {
            tracing::debug!("request refused: {}", clean(&self));
        }
        let message = if row.public {
            self.to_string()
        } else {
            row.code.message().1.to_string()
        };
        let mut response = (
            status,
            Json(json!({ "error": row.name, "message": message })),
        )
            .into_response();
        if let Some(value) = self.www_authenticate() {
            response
                .headers_mut()
                .insert(http::header::WWW_AUTHENTICATE, value);
        }
        response
    }
}
