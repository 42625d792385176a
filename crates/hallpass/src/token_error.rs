//! Why a Bearer token (a Cognito access token, or an ID token where an app takes those) was
//! refused. The answer it becomes (401 or 403, `WWW-Authenticate: Bearer error=…`, RFC 6750) is
//! made in `error.rs`, with every other error's.

use crate::provider::IdTokenError;

/// Why a Bearer token was refused. Messages name the cause, never the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// No `Authorization: Bearer` header (RFC 6750 §3.1: the answer carries no error code).
    #[error("this route needs `Authorization: Bearer <access token>`")]
    Missing,
    /// Longer than any Cognito token (16 KB): refused before it is read.
    #[error("the token is longer than 16 KB")]
    Oversize,
    /// Not a compact JWS: three base64url parts, a JSON header and payload.
    #[error("malformed token: {0}")]
    Malformed(String),
    /// `alg` is not RS256 or ES256 (`none` and HMAC included): refused before any key lookup.
    #[error("the token is signed with alg {0}; only RS256 and ES256 are accepted")]
    UnsupportedAlg(String),
    /// The header names its own keys (`jku`, `x5u`, `jwk`, `x5c`) or has extensions (`crit`):
    /// keys come only from the issuer's JWKS.
    #[error("the token header has a `{0}` member; keys come only from the issuer's JWKS")]
    ForbiddenHeader(&'static str),
    /// The header has the same member twice (parsers disagree on which one counts).
    #[error("the token header repeats a member")]
    DuplicateHeader,
    /// No key with this `kid` in the issuer's JWKS (re-fetched at most once per 10 s).
    #[error("no key with this kid in the issuer's JWKS")]
    UnknownKey,
    /// The key with this `kid` does not fit the token (another key type, use or alg).
    #[error("the signing key does not fit the token: {0}")]
    KeyMismatch(String),
    /// The signature does not verify.
    #[error("the token signature is invalid")]
    BadSignature,
    /// `iss` is not the configured issuer (another pool's token).
    #[error("the token was issued by another issuer")]
    Issuer,
    /// `token_use` is not the kind this verifier takes (an ID token where an access token is
    /// needed, or the reverse).
    #[error("the token's token_use is not {expected}")]
    TokenUse {
        /// `access` or `id`.
        expected: &'static str,
    },
    /// `client_id` (access tokens) or `aud` (ID tokens) is not an allowed client.
    #[error("the token was issued to another client")]
    Client,
    /// `exp` missing or passed (beyond the allowed skew).
    #[error("the token has expired")]
    Expired,
    /// `nbf` or `iat` in the future beyond the allowed skew.
    #[error("the token is not valid yet")]
    NotYetValid,
    /// `sub` missing or empty.
    #[error("the token has no sub")]
    MissingSub,
    /// Its sign-in was ended (a sign-out here, or a revocation the app reported).
    #[error("the token has been revoked")]
    Revoked,
    /// The user pool no longer takes the token (`GetUser` refused it on a re-check): its sign-in
    /// was ended elsewhere (a sign-out on another instance, `RevokeToken`, `GlobalSignOut`), or
    /// the user was disabled or deleted.
    #[error("the user pool no longer accepts the token (signed out, revoked, or the user disabled or deleted)")]
    EndedAtPool,
    /// The verifier re-checks user tokens with the pool, and this one cannot be re-checked: it
    /// lacks the `aws.cognito.signin.user.admin` scope `GetUser` needs.
    #[error("the token lacks the aws.cognito.signin.user.admin scope that a re-check with the user pool needs")]
    CannotRecheck,
    /// The re-check with the user pool could not be made (network, throttling): 503, the token
    /// may be fine; refused meanwhile, since the verifier was told to ask.
    #[error("the user pool cannot be asked about the token right now")]
    PoolUnavailable,
    /// The issuer's JWKS could not be loaded and no cached key fits: 503, the token may be fine.
    #[error("the issuer's keys cannot be loaded right now")]
    KeysUnavailable,
    /// The token is valid but lacks a scope the route needs (403 `insufficient_scope`).
    #[error("the token lacks the scope this route needs: {0}")]
    InsufficientScope(String),
    /// The token is valid but its user is in none of the groups the route needs (403).
    #[error("the token's user is not in a group this route needs: {0}")]
    InsufficientGroup(String),
    /// No verifier is configured (`HallpassBuilder::access_tokens`): a programming error, 500.
    #[error("no access-token verifier is configured: add one with HallpassBuilder::access_tokens")]
    NotConfigured,
}

impl TokenError {
    /// RFC 6750's error code of the answer: `invalid_token`, `insufficient_scope`, or none (no
    /// token was sent, or the refusal is not about the token).
    pub fn code(&self) -> Option<&'static str> {
        match self {
            TokenError::Missing
            | TokenError::KeysUnavailable
            | TokenError::PoolUnavailable
            | TokenError::NotConfigured => None,
            TokenError::InsufficientScope(_) | TokenError::InsufficientGroup(_) => {
                Some("insufficient_scope")
            }
            _ => Some("invalid_token"),
        }
    }
}

/// The JWS and JWKS steps are the ID tokens' (one parser, one key cache); their causes map onto
/// this enum's.
impl From<IdTokenError> for TokenError {
    fn from(e: IdTokenError) -> Self {
        match e {
            IdTokenError::Malformed(m) => TokenError::Malformed(m),
            IdTokenError::UnsupportedAlg(a) => TokenError::UnsupportedAlg(a),
            IdTokenError::CriticalHeader => TokenError::ForbiddenHeader("crit"),
            IdTokenError::MissingKid | IdTokenError::UnknownKey { .. } => TokenError::UnknownKey,
            IdTokenError::KeyMismatch(m) => TokenError::KeyMismatch(m),
            IdTokenError::JwksUnavailable(_) => TokenError::KeysUnavailable,
            IdTokenError::BadSignature => TokenError::BadSignature,
            other => TokenError::Malformed(other.to_string()),
        }
    }
}
