//! Cognito's JSON API errors: `{"__type": "<Exception>", "message": …}` as a `thiserror` enum with the
//! exceptions a sign-in flow acts on, and what to change when one means a configuration mistake.

use crate::provider::http::sanitize;
use crate::provider::ProviderError;

/// Why a call to Cognito's JSON API failed. Messages are Cognito's (sanitised); none carries a
/// password, code, `Session` or token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CognitoApiError {
    /// Wrong credentials, a refused refresh token, a flow the client may not use, a wrong
    /// `SECRET_HASH`…: Cognito's message says which.
    #[error("NotAuthorizedException: {0}")]
    NotAuthorized(String),
    /// The account exists but its sign-up is not confirmed.
    #[error("UserNotConfirmedException: {0}")]
    UserNotConfirmed(String),
    /// An administrator reset the password: the user must set a new one with a code.
    #[error("PasswordResetRequiredException: {0}")]
    PasswordResetRequired(String),
    /// A wrong confirmation, reset or MFA code.
    #[error("CodeMismatchException: {0}")]
    CodeMismatch(String),
    /// The code (or the challenge `Session`) expired.
    #[error("ExpiredCodeException: {0}")]
    ExpiredCode(String),
    /// Sign-up with a name that is taken.
    #[error("UsernameExistsException: {0}")]
    UsernameExists(String),
    /// The new password breaks the pool's policy.
    #[error("InvalidPasswordException: {0}")]
    InvalidPassword(String),
    /// Too many attempts of one kind for this user.
    #[error("LimitExceededException: {0}")]
    LimitExceeded(String),
    /// Too many requests.
    #[error("TooManyRequestsException: {0}")]
    TooManyRequests(String),
    /// No such user (only when the client does not prevent user existence errors).
    #[error("UserNotFoundException: {0}")]
    UserNotFound(String),
    /// A parameter is missing or malformed; also how Cognito says a flow is not enabled.
    #[error("InvalidParameterException: {0}")]
    InvalidParameter(String),
    /// The pool or app client does not exist (wrong id, wrong region).
    #[error("ResourceNotFoundException: {0}")]
    ResourceNotFound(String),
    /// A code was already used, or the MFA method is not set up.
    #[error("{kind}: {message}")]
    Other {
        /// The exception name.
        kind: String,
        /// Cognito's message.
        message: String,
    },
    /// The API could not be reached or answered something that is not Cognito's JSON.
    #[error(transparent)]
    Transport(#[from] ProviderError),
}

impl CognitoApiError {
    /// The error for a `__type` and `message` (`__type` may carry a `namespace#` prefix).
    pub fn from_type(kind: &str, message: &str) -> Self {
        let kind = kind.rsplit('#').next().unwrap_or(kind);
        let message = sanitize(message);
        match kind {
            "NotAuthorizedException" => Self::NotAuthorized(message),
            "UserNotConfirmedException" => Self::UserNotConfirmed(message),
            "PasswordResetRequiredException" => Self::PasswordResetRequired(message),
            "CodeMismatchException" => Self::CodeMismatch(message),
            "ExpiredCodeException" => Self::ExpiredCode(message),
            "UsernameExistsException" => Self::UsernameExists(message),
            "InvalidPasswordException" => Self::InvalidPassword(message),
            "LimitExceededException" => Self::LimitExceeded(message),
            "TooManyRequestsException" | "TooManyFailedAttemptsException" => {
                Self::TooManyRequests(message)
            }
            "UserNotFoundException" => Self::UserNotFound(message),
            "InvalidParameterException" => Self::InvalidParameter(message),
            "ResourceNotFoundException" => Self::ResourceNotFound(message),
            other => Self::Other {
                kind: sanitize(other),
                message,
            },
        }
    }

    /// What to change when the error comes from the deployment rather than from the user: a flow
    /// the app client does not allow, a missing or wrong secret, a wrong pool or region, an API that
    /// cannot be reached. `None` for the user's own mistakes (a wrong password, say).
    pub fn hint(&self) -> Option<&'static str> {
        let text = self.to_string();
        let has = |s: &str| text.contains(s);
        match self {
            Self::Transport(_) => Some("the Cognito API cannot be reached: check the region in COGNITO_ISSUER (the API is https://cognito-idp.{region}.amazonaws.com/), COGNITO_API_URL if set, and network egress from this server"),
            Self::ResourceNotFound(_) => Some("the user pool or app client does not exist at this endpoint: check COGNITO_CLIENT_ID, the pool id in COGNITO_ISSUER and that its region is the pool's"),
            // Cognito checks the input against its model first: a malformed client id (a `-`, say)
            // is named in an InvalidParameterException, never looked up.
            Self::InvalidParameter(_) if has("at 'clientId'") => Some("COGNITO_CLIENT_ID is not an app client id (Cognito's are letters, digits, `_` and `+`, at most 128): check COGNITO_CLIENT_ID"),
            _ if has("secret was not received") => Some("the app client has a secret but none was configured: set COGNITO_CLIENT_SECRET to the app client's secret (Cognito console: App clients → Show client secret)"),
            _ if has("Unable to verify secret hash") => Some("SECRET_HASH is wrong: COGNITO_CLIENT_SECRET is not this app client's secret (or the client has none: leave it unset)"),
            _ if has("SRP") && has("not enabled") => Some("the app client does not allow USER_SRP_AUTH: enable ALLOW_USER_SRP_AUTH in its authentication flows (Cognito console: App clients → Edit → Authentication flows)"),
            _ if has("USER_PASSWORD_AUTH") && has("not enabled") => Some("the app client does not allow USER_PASSWORD_AUTH: enable ALLOW_USER_PASSWORD_AUTH, or use COGNITO_FORM_FLOW=srp"),
            _ if has("REFRESH") && has("not enabled") => Some("the app client does not allow refresh: enable ALLOW_REFRESH_TOKEN_AUTH"),
            _ if has("USER_AUTH") && has("not enabled") => Some("the app client does not allow choice-based sign-in: enable ALLOW_USER_AUTH in its authentication flows (needed for e-mail codes and passkeys)"),
            Self::Other { kind, .. } if passkey_hint(kind).is_some() => passkey_hint(kind),
            _ if has("not enabled") => Some("the app client does not allow this sign-in flow: enable it in the client's authentication flows (ALLOW_USER_AUTH for e-mail codes and passkeys)"),
            _ => None,
        }
    }

    /// True when the cause is the pool's or app client's passkey set-up (WebAuthn not turned on,
    /// no relying party, this site's origin not allowed): passkeys cannot work until it is fixed.
    pub fn is_passkey_config(&self) -> bool {
        let text = self.to_string();
        match self {
            Self::Other { kind, .. } => passkey_hint(kind).is_some(),
            _ => text.contains("USER_AUTH") && text.contains("not enabled"),
        }
    }

    /// True when the cause is the deployment (see [`CognitoApiError::hint`]).
    pub fn is_config(&self) -> bool {
        self.hint().is_some()
    }
}

/// What to change for a passkey exception that means the deployment.
fn passkey_hint(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "WebAuthnNotEnabledException" => "passkeys are off in the user pool: turn on passkey sign-in (Cognito console: Authentication → Sign-in → Passkey; API: SignInPolicy AllowedFirstAuthFactors with WEB_AUTHN)",
        "WebAuthnConfigurationMissingException" => "the user pool has no passkey relying party: set WebAuthnConfiguration with RelyingPartyId = this site's domain (SetUserPoolMfaConfig, or the console's passkey settings)",
        "WebAuthnOriginNotAllowedException" => "the pool does not accept passkeys from this site's origin: set the pool's WebAuthnConfiguration RelyingPartyId to this site's domain (or a parent domain of it)",
        "WebAuthnClientMismatchException" => "the passkey challenge was started by another app client: COGNITO_CLIENT_ID must be the client that signs users in on these pages",
        _ => return None,
    })
}
