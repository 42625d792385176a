//! Sign-in providers. [`Provider`] is what Hallpass dispatches on:
//!
//! - **Redirect providers**, one general implementation: [`OAuthProvider`] runs the authorization
//!   code flow with PKCE (S256), `state` and (OpenID Connect) `nonce`, validates the ID token fully
//!   (OpenID Connect Core 3.1.3.7) or, for plain OAuth 2.0, loads the profile with the access token;
//!   refreshes, revokes and builds the provider's sign-out URL. The presets only *configure* it
//!   through neutral options ([`Endpoints`], [`IssuerPolicy`], [`LogoutStyle`], [`ClaimMapping`],
//!   required claims, a [`ProfileLoader`]): [`Cognito`] (a user pool's hosted UI) and [`GitHub`]
//!   (OAuth 2.0). There is no second implementation.
//! - **Credentials providers** ([`CredentialsProvider`], e.g. [`Credentials`]): a form posted to
//!   Hallpass (`POST {base}/callback/{id}`) that the provider checks itself.
//!
//! # Checks, in the order they run
//!
//! Callback: [`OAuthProvider::check_callback_issuer`] (RFC 9207 `iss`), then
//! [`OAuthProvider::exchange_code`]: token request (exact `redirect_uri`, PKCE verifier, client
//! authentication), `token_type` is `Bearer`, then the ID token:
//!
//! 1. compact JWS with three parts (an encrypted ID token is refused), header is JSON, no `crit`;
//! 2. header `alg` is RS256 or ES256: `none`, HS* and anything else are refused before any key
//!    lookup, so a public key can never be used as an HMAC secret;
//! 3. the key: the JWKS key whose `kid` matches (one JWKS re-fetch for an unknown `kid`, at most
//!    once per 10 s per provider), its `kty` matches the algorithm, its `use` is absent or `sig`,
//!    its `alg` is absent or equal to the header's;
//! 4. the signature (jsonwebtoken/ring);
//! 5. `iss` equals the issuer exactly; 6. `aud` (string or array) contains the client id;
//! 7. `azp` equals the client id when there are several audiences or when present;
//! 8. `exp` is in the future (clock skew allowed, default 15 s, at most 60 s);
//! 9. `iat` is present and not in the future beyond the skew; 10. `nbf` when present;
//! 11. `sub` is a non-empty string; 12. `nonce` equals the one sent (constant time; an ID token
//!     without it is refused); 13. `at_hash` when present (left half of SHA-256 of the access
//!     token); 14. the claims the provider requires (Cognito: `token_use` is `id`).
//!
//! Then userinfo when configured (Bearer header, its `sub` must equal the ID token's). Any
//! failure is an `Err`: there is no half-verified profile.
//!
//! # Cognito without an issuer (domain mode)
//!
//! See [`Cognito`] for how the issuer is learned when only `COGNITO_DOMAIN` is set.

mod checks;
mod cognito;
pub mod cognito_api;
pub(crate) mod cognito_form;
mod credentials;
mod env;
mod github;
mod http;
mod oauth;

pub use checks::AuthorizationChecks;
pub use cognito::{Cognito, CognitoBuilder};
pub use cognito_api::WebAuthnCredential;
pub use cognito_form::{
    parse_credential, Answer, AttemptLimits, Challenge, CognitoForm, CredentialKind, FormError,
    Limit, MfaFactor, MfaStatus, PasskeyStart, PasswordFlow, PasswordRules, Pending, SignInMode,
    Step, MAX_CREDENTIAL,
};
pub use credentials::{
    CredentialField, Credentials, CredentialsError, CredentialsForm, CredentialsProvider,
};
pub use github::{GitHub, GitHubBuilder};
pub use oauth::{
    ClaimMapping, ClientAuth, Endpoints, IdTokenError, IssuerPolicy, IssuerRule, LogoutStyle,
    OAuthConfig, OAuthProvider, ProfileLoader,
};
// For the benchmarks only (not part of the documented API).
#[doc(hidden)]
pub use oauth::IdTokenVerifier;
// The access-token verifier (`crate::access`) reads tokens and keys as the ID-token checks do.
pub(crate) use http::client as http_client;
pub(crate) use oauth::{jwks, jws};

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use url::Url;

/// NextAuth's provider types (`type` in `GET {base}/providers`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderKind {
    /// OpenID Connect.
    Oidc,
    /// OAuth 2.0.
    OAuth,
    /// A form posted to Hallpass.
    Credentials,
}

impl ProviderKind {
    /// NextAuth's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Oidc => "oidc",
            ProviderKind::OAuth => "oauth",
            ProviderKind::Credentials => "credentials",
        }
    }
}

/// One configured way to sign in: what the router dispatches on.
#[derive(Clone)]
#[non_exhaustive]
pub enum Provider {
    /// Redirects to the provider and back (OpenID Connect, OAuth 2.0): `POST {base}/signin/{id}`.
    OAuth(OAuthProvider),
    /// A form posted to Hallpass: `POST {base}/callback/{id}`.
    Credentials(Arc<dyn CredentialsProvider>),
    /// The Cognito form sign-in: a credentials provider with its own pages under
    /// `{base}/cognito/`. Kept as its own type so that the router finds it without downcasting.
    CognitoForm(CognitoForm),
}

impl From<OAuthProvider> for Provider {
    fn from(p: OAuthProvider) -> Self {
        Provider::OAuth(p)
    }
}

impl From<CognitoForm> for Provider {
    fn from(p: CognitoForm) -> Self {
        Provider::CognitoForm(p)
    }
}

impl Provider {
    /// Wraps a credentials provider.
    pub fn credentials(p: impl CredentialsProvider) -> Self {
        Provider::Credentials(Arc::new(p))
    }
    /// The form provider behind a credentials sign-in (`Credentials` or `CognitoForm`).
    pub fn as_credentials(&self) -> Option<&dyn CredentialsProvider> {
        match self {
            Provider::OAuth(_) => None,
            Provider::Credentials(p) => Some(p.as_ref()),
            Provider::CognitoForm(p) => Some(p),
        }
    }
    /// The Cognito form provider, when this is one.
    pub fn as_cognito_form(&self) -> Option<&CognitoForm> {
        match self {
            Provider::CognitoForm(p) => Some(p),
            _ => None,
        }
    }
    /// The id, used in URLs.
    pub fn id(&self) -> &str {
        match self {
            Provider::OAuth(p) => p.id(),
            Provider::Credentials(p) => p.id(),
            Provider::CognitoForm(p) => CredentialsProvider::id(p),
        }
    }
    /// The name on the sign-in page.
    pub fn name(&self) -> &str {
        match self {
            Provider::OAuth(p) => p.name(),
            Provider::Credentials(p) => p.name(),
            Provider::CognitoForm(p) => CredentialsProvider::name(p),
        }
    }
    /// NextAuth's type: `oidc`, `oauth` or `credentials`.
    pub fn kind(&self) -> ProviderKind {
        match self {
            Provider::OAuth(p) => p.kind(),
            Provider::Credentials(_) | Provider::CognitoForm(_) => ProviderKind::Credentials,
        }
    }
    /// Refreshes the tokens through whichever mechanism the provider has.
    pub async fn refresh(
        &self,
        tokens: &TokenSet,
        sub: &str,
        now: i64,
    ) -> Result<TokenSet, ProviderError> {
        match self {
            Provider::OAuth(p) => p.refresh(tokens, sub, now).await,
            Provider::Credentials(p) => p.refresh(tokens, sub, now).await,
            Provider::CognitoForm(p) => CredentialsProvider::refresh(p, tokens, sub, now).await,
        }
    }
    /// [`Provider::refresh`], with the new ID token's profile when the provider returned one
    /// (OpenID Connect providers; a credentials provider's refresh keeps the claims).
    pub(crate) async fn refresh_with_profile(
        &self,
        tokens: &TokenSet,
        sub: &str,
        now: i64,
    ) -> Result<(TokenSet, Option<Profile>), ProviderError> {
        match self {
            Provider::OAuth(p) => p.refresh_with_profile(tokens, sub, now).await,
            Provider::Credentials(_) | Provider::CognitoForm(_) => {
                Ok((self.refresh(tokens, sub, now).await?, None))
            }
        }
    }
    /// Federated sign-out: revokes the tokens (when federated sign-out is on) and gives the URL to
    /// send the browser to, if any.
    pub async fn sign_out(
        &self,
        tokens: Option<&TokenSet>,
        back: &Url,
    ) -> Result<Option<Url>, ProviderError> {
        match self {
            Provider::OAuth(p) => {
                if !p.federated_sign_out() {
                    return Ok(None);
                }
                if let Some(t) = tokens {
                    if let Err(e) = p.revoke(t).await {
                        tracing::warn!("revoking the refresh token failed: {e}");
                    }
                }
                p.end_session_url(tokens, back).await
            }
            Provider::Credentials(_) | Provider::CognitoForm(_) => {
                if let (Some(p), Some(t)) = (self.as_credentials(), tokens) {
                    p.sign_out(t).await?;
                }
                Ok(None)
            }
        }
    }
}

/// Why a provider operation failed. Every message names the cause and, where there is one, the
/// fix; none contains a token, code or secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The provider is configured wrongly; the message says which setting and how to fix it.
    #[error("provider configuration: {0}")]
    Config(String),
    /// The discovery document could not be fetched or read.
    #[error("could not load the OpenID discovery document {url}: {reason}; check that the issuer is right (for Cognito: https://cognito-idp.{{region}}.amazonaws.com/{{poolId}}) and reachable from this server")]
    Discovery {
        /// The discovery URL.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// The discovery document names another issuer than the configured one.
    #[error("the discovery document of {configured} says its issuer is {advertised}; the issuer must match exactly (scheme, host, path, trailing slash): configure {advertised} if that is the provider you mean")]
    DiscoveryIssuerMismatch {
        /// The configured issuer.
        configured: String,
        /// The `issuer` in the discovery document.
        advertised: String,
    },
    /// An HTTP exchange with the provider failed (timeout, connection, 5xx, redirect, non-JSON).
    #[error("{endpoint} request to {url} failed: {reason}")]
    Http {
        /// Which endpoint ("token endpoint", "JWKS", ...).
        endpoint: &'static str,
        /// The URL called (never carries secrets).
        url: String,
        /// What went wrong and what to check.
        reason: String,
    },
    /// The token endpoint answered with an OAuth 2.0 error.
    #[error("the token endpoint refused the request: {error}{}; {}", .description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default(), token_error_hint(.error))]
    TokenEndpoint {
        /// The `error` code (`invalid_grant`, `invalid_client`, ...).
        error: String,
        /// The provider's `error_description`, if any (sanitised).
        description: Option<String>,
    },
    /// The token endpoint's reply is not a usable token response.
    #[error("the token endpoint's reply is unusable: {0}")]
    TokenResponse(String),
    /// The ID token failed validation.
    #[error("ID token refused: {0}")]
    IdToken(#[from] IdTokenError),
    /// The userinfo endpoint failed or returned something unacceptable.
    #[error("userinfo: {0}")]
    Userinfo(String),
    /// The refresh token is no longer accepted (`invalid_grant`): the user must sign in again.
    #[error("the refresh token was refused (invalid_grant: expired, revoked or the user signed out elsewhere); the user has to sign in again")]
    RefreshTokenDead,
    /// A refresh was asked for but the session holds no refresh token.
    #[error("no refresh token in the session; request a scope that grants one (Cognito always issues one) or let the session end when the access token expires")]
    NoRefreshToken,
    /// An issuer seen in the flow differs from the expected one (RFC 9207 `iss` on the callback,
    /// or a Cognito domain-mode issuer that is not acceptable or differs from the pinned one).
    #[error("issuer mismatch: expected {expected}, got {}; {hint}", .got.as_deref().unwrap_or("none"))]
    IssuerMismatch {
        /// What was expected.
        expected: String,
        /// What arrived (`None`: missing although required).
        got: Option<String>,
        /// What it probably means.
        hint: &'static str,
    },
}

impl ProviderError {
    /// True when the error comes from configuration (a deployment problem to fix, answered
    /// with the `Configuration` error page) rather than from one sign-in attempt.
    pub fn is_config(&self) -> bool {
        matches!(self, Self::Config(_) | Self::DiscoveryIssuerMismatch { .. })
            || matches!(self, Self::TokenEndpoint { error, .. } if error == "invalid_client" || error == "unauthorized_client")
    }
}

fn token_error_hint(error: &str) -> &'static str {
    match error {
        "invalid_client" => "check the client id, the client secret and the client authentication method (Cognito app clients with a secret need client_secret_basic or client_secret_post; public clients use none)",
        "invalid_grant" => "the code was already used or expired, or redirect_uri / PKCE verifier differ from the authorization request; start the sign-in again",
        "unauthorized_client" => "the app client may not use this grant; enable the authorization code grant for it",
        "invalid_request" => "the request is malformed; check redirect_uri and the client settings",
        "unsupported_grant_type" => "the provider does not support this grant",
        _ => "see the provider's documentation for this error",
    }
}

/// A string secret (token) that prints as `[redacted]` in `Debug` and `Display`.
///
/// It (de)serialises transparently as the plain string, because the session that stores it is
/// encrypted as a whole. Read it with [`Secret::expose`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret value; keep it out of logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// The signed-in user, from verified ID token claims (and userinfo when configured).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    /// The provider's stable subject identifier.
    pub sub: String,
    /// `name`, else `given_name family_name`.
    pub name: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `picture`.
    pub picture: Option<String>,
    /// Groups: `cognito:groups` for Cognito, the configured claim (default `groups`) otherwise.
    #[serde(default)]
    pub groups: Vec<String>,
    /// `cognito:username` for Cognito, `preferred_username` otherwise.
    pub username: Option<String>,
    /// `custom:*` attributes and `email_verified`, kept small for the session cookie.
    #[serde(default)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Every verified ID token claim merged with userinfo, for hooks; not stored in the session.
    #[serde(skip)]
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl Profile {
    /// A profile with only the subject set, for a sign-in your own code verified (see
    /// [`Hallpass::sign_in`](crate::Hallpass::sign_in)).
    pub fn new(sub: impl Into<String>) -> Self {
        Self {
            sub: sub.into(),
            name: None,
            email: None,
            picture: None,
            groups: Vec::new(),
            username: None,
            extra: serde_json::Map::new(),
            claims: serde_json::Map::new(),
        }
    }

    /// With a display name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// With an email address.
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// With groups.
    pub fn with_groups<I, G>(mut self, groups: I) -> Self
    where
        I: IntoIterator<Item = G>,
        G: Into<String>,
    {
        self.groups = groups.into_iter().map(Into::into).collect();
        self
    }
}

/// Tokens kept in the (encrypted) session. `Debug` redacts the values; serde keeps them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct TokenSet {
    /// The access token.
    pub access_token: Secret,
    /// The last ID token (used as `id_token_hint` at sign-out).
    pub id_token: Option<Secret>,
    /// The refresh token, kept across refreshes that return none.
    pub refresh_token: Option<Secret>,
    /// When the access token expires, unix seconds.
    pub expires_at: i64,
}

/// The result of a successful code exchange.
#[derive(Clone, Debug)]
pub struct SignIn {
    /// Who signed in.
    pub profile: Profile,
    /// Their tokens (a credentials sign-in may have none).
    pub tokens: Option<TokenSet>,
}

/// What [`OAuthProvider::authorization_url`] needs.
#[derive(Clone, Copy, Debug)]
pub struct AuthorizationRequest<'a> {
    /// The callback URL, registered with the provider; must be sent unchanged to the token endpoint.
    pub redirect_uri: &'a Url,
    /// This attempt's state, nonce and PKCE verifier.
    pub checks: &'a AuthorizationChecks,
    /// Extra parameters (e.g. from the sign-in URL's query). Only `identity_provider`,
    /// `idp_identifier`, `login_hint`, `prompt`, `lang`, `ui_locales`, `max_age` and
    /// `acr_values` are passed on; anything else is dropped.
    pub extra_params: &'a [(String, String)],
}
