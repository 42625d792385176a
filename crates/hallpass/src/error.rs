//! Errors of the sign-in and sign-out flows, and the one place where they become responses' codes.

use http::StatusCode;

pub use crate::cookies::CheckError;
use crate::provider::ProviderError;

/// NextAuth's error codes, as they appear in `{base}/error?error=CODE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

    /// What the error page tells the user.
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
            ErrorCode::OAuthSignin | ErrorCode::OAuthCallback | ErrorCode::Default => (
                "Unable to sign in",
                "Something went wrong while signing in. Please try again.",
            ),
        }
    }
}

/// What went wrong in a flow. `Display` names the cause and, where there is one, the fix; it never
/// contains a token, code or secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The form's `csrfToken` does not match the CSRF cookie.
    #[error(
        "CSRF token missing or invalid: fetch {0}/csrf first and post its csrfToken with the form"
    )]
    Csrf(String),
    /// No provider with this id is configured.
    #[error("no provider `{0}` is configured (see GET /providers for the ids)")]
    UnknownProvider(String),
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
    Store(#[from] crate::session::StoreError),
    /// The configuration is wrong.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

impl Error {
    /// The NextAuth error code shown to the user.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::AccessDenied => ErrorCode::AccessDenied,
            Error::Idp { error, .. } if error == "access_denied" => ErrorCode::AccessDenied,
            Error::Provider(p) if p.is_config() => ErrorCode::Configuration,
            Error::Config(_) | Error::UnknownProvider(_) | Error::Store(_) => {
                ErrorCode::Configuration
            }
            Error::Csrf(_) => ErrorCode::Default,
            _ => ErrorCode::OAuthCallback,
        }
    }
}
