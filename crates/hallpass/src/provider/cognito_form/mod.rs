//! Sign-in with Cognito on the app's own pages, no hosted UI: Hallpass talks Cognito's JSON API
//! (SRP by default, so the password never travels to Cognito), verifies the ID token with the same
//! verifier as the hosted-UI path, and issues the same session (profile mapping, groups, hooks,
//! refresh, sign-out).
//!
//! The provider is made by the [`Cognito`](super::Cognito) builder with
//! [`SignInMode::Form`] or [`SignInMode::Both`] (`COGNITO_SIGNIN=form|both`); its pages are
//! routed by [`Hallpass::router`](crate::Hallpass::router) under `{base}/cognito/…` (see the
//! `endpoints::cognito` module docs in the README for the routes and the page model).

mod account;
mod error;
pub(crate) mod flow;
mod limits;
mod mfa;
mod passkey;

pub(crate) use account::{Finish, SignUpIntent};
pub use error::FormError;
pub use flow::{Answer, Challenge, Pending, Step};
pub use limits::{AttemptLimits, Limit};
pub use mfa::{MfaFactor, MfaStatus};
pub use passkey::{parse_credential, CredentialKind, PasskeyStart, MAX_CREDENTIAL};

use std::sync::Arc;

use serde_json::Value;

use super::cognito_api::{CognitoApi, CognitoApiError};
use super::credentials::{CredentialField, CredentialsError, CredentialsForm, CredentialsProvider};
use super::oauth::ApiTokens;
use super::{OAuthProvider, ProviderError, SignIn, TokenSet};
use crate::attempts::AttemptCounter;
use crate::attempts::MemoryCounter;
use crate::shared::BoxFuture;
pub(crate) use limits::{Limiter, Refusal, Ticket};

/// Which sign-in the Cognito provider offers (`COGNITO_SIGNIN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignInMode {
    /// The hosted UI only (the default, as the tutorial).
    #[default]
    Hosted,
    /// The app's own pages only.
    Form,
    /// Both: a "Sign in with Cognito" button and the form.
    Both,
}

impl SignInMode {
    /// Parses `hosted`, `form` or `both`.
    pub fn parse(value: &str) -> Option<Self> {
        match value.to_ascii_lowercase().as_str() {
            "hosted" => Some(Self::Hosted),
            "form" => Some(Self::Form),
            "both" => Some(Self::Both),
            _ => None,
        }
    }
}

/// How the form proves the password (`COGNITO_FORM_FLOW`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordFlow {
    /// `USER_SRP_AUTH` (default): the password never leaves this server.
    #[default]
    Srp,
    /// `USER_PASSWORD_AUTH`: the password is sent to Cognito over TLS.
    Password,
    /// `CUSTOM_AUTH` with `SRP_A` first (`custom-srp`): the password by SRP, then the app's
    /// custom challenges (define, create and verify auth challenge triggers), each a page.
    CustomSrp,
}

/// The pool's password rules, shown on the sign-up and new-password pages (Cognito's API does not
/// give them to an app client; the default is Cognito's default policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordRules {
    /// Minimum length.
    pub min_length: u8,
    /// Needs a lower-case letter.
    pub lowercase: bool,
    /// Needs an upper-case letter.
    pub uppercase: bool,
    /// Needs a digit.
    pub digit: bool,
    /// Needs a symbol.
    pub symbol: bool,
}

impl Default for PasswordRules {
    fn default() -> Self {
        Self {
            min_length: 8,
            lowercase: true,
            uppercase: true,
            digit: true,
            symbol: true,
        }
    }
}

impl PasswordRules {
    /// The rules as sentences for a page.
    pub fn describe(&self) -> Vec<String> {
        let mut out = vec![format!("At least {} characters", self.min_length)];
        for (on, text) in [
            (self.lowercase, "A lower-case letter"),
            (self.uppercase, "An upper-case letter"),
            (self.digit, "A number"),
            (self.symbol, "A symbol (such as ! ? $ %)"),
        ] {
            if on {
                out.push(text.to_string());
            }
        }
        out
    }
}

pub(crate) struct FormInner {
    pub(crate) id: String,
    pub(crate) api: CognitoApi,
    pub(crate) pool_id: String,
    /// The hosted-UI provider's verifier: the same JWKS, issuer, audience and claim checks.
    pub(crate) verifier: OAuthProvider,
    pub(crate) flow: PasswordFlow,
    pub(crate) rotation: bool,
    pub(crate) rules: PasswordRules,
    pub(crate) limiter: Limiter,
    /// The attempt counts when no session store keeps them.
    pub(crate) counts: Arc<MemoryCounter>,
    pub(crate) fields: Vec<CredentialField>,
    /// The pages offer passkeys (the pool and app client allow them).
    pub(crate) passkeys: bool,
}

/// The Cognito form provider. Cheap to clone.
#[derive(Clone)]
pub struct CognitoForm {
    pub(crate) inner: Arc<FormInner>,
}

impl std::fmt::Debug for CognitoForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CognitoForm")
            .field("id", &self.inner.id)
            .field("api", &self.inner.api)
            .field("flow", &self.inner.flow)
            .finish_non_exhaustive()
    }
}

/// What [`CognitoForm::new`] needs.
pub(crate) struct FormSettings {
    pub(crate) api: CognitoApi,
    pub(crate) pool_id: String,
    pub(crate) verifier: OAuthProvider,
    pub(crate) flow: PasswordFlow,
    pub(crate) rotation: bool,
    pub(crate) rules: PasswordRules,
    pub(crate) limits: AttemptLimits,
    pub(crate) passkeys: bool,
}

impl CognitoForm {
    pub(crate) fn new(s: FormSettings) -> Self {
        Self {
            inner: Arc::new(FormInner {
                id: "cognito-form".into(),
                api: s.api,
                pool_id: s.pool_id,
                verifier: s.verifier,
                flow: s.flow,
                rotation: s.rotation,
                rules: s.rules,
                limiter: Limiter::new(s.limits),
                counts: Arc::default(),
                fields: vec![
                    CredentialField::new("username", "Email", "email"),
                    CredentialField::new("password", "Password", "password"),
                ],
                passkeys: s.passkeys,
            }),
        }
    }

    /// The pool's password rules.
    pub fn password_rules(&self) -> &PasswordRules {
        &self.inner.rules
    }

    /// The API client.
    pub fn api(&self) -> &CognitoApi {
        &self.inner.api
    }

    /// The attempt limits.
    pub(crate) fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// The in-memory attempt counts (used when no session store is configured).
    pub(crate) fn memory_counts(&self) -> Arc<dyn AttemptCounter> {
        self.inner.counts.clone()
    }

    /// The name `SECRET_HASH` needs on refresh: `cognito:username` of the session's ID token
    /// (verified when it was issued), else the `sub` (Cognito accepts either).
    fn refresh_username(tokens: &TokenSet, sub: &str) -> String {
        use base64::Engine as _;
        tokens
            .id_token
            .as_ref()
            .and_then(|t| t.expose().split('.').nth(1).map(str::to_owned))
            .and_then(|p| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(p)
                    .ok()
            })
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|c| {
                c.get("cognito:username")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_else(|| sub.to_string())
    }

    async fn refresh_tokens(
        &self,
        tokens: &TokenSet,
        sub: &str,
        now: i64,
    ) -> Result<TokenSet, ProviderError> {
        let refresh = tokens
            .refresh_token
            .as_ref()
            .ok_or(ProviderError::NoRefreshToken)?;
        let api = &self.inner.api;
        let reply = if self.inner.rotation {
            api.get_tokens_from_refresh_token(refresh.expose()).await
        } else {
            let username = Self::refresh_username(tokens, sub);
            let mut params = serde_json::Map::new();
            params.insert(
                "REFRESH_TOKEN".into(),
                Value::String(refresh.expose().into()),
            );
            params.insert("USERNAME".into(), Value::String(username.clone()));
            match api
                .initiate_auth("REFRESH_TOKEN_AUTH", params, &username)
                .await
            {
                Ok(super::cognito_api::AuthReply::Tokens(t)) => Ok(t),
                Ok(_) => Err(CognitoApiError::Other {
                    kind: "UnexpectedChallenge".into(),
                    message: "a refresh answered with a challenge".into(),
                }),
                Err(e) => Err(e),
            }
        };
        let t = match reply {
            Ok(t) => t,
            Err(CognitoApiError::NotAuthorized(m)) if !m.contains("secret") => {
                return Err(ProviderError::RefreshTokenDead)
            }
            Err(CognitoApiError::Transport(e)) => return Err(e),
            Err(e) => {
                log_api_failure("refresh", &e, cfg!(debug_assertions));
                return Err(ProviderError::Http {
                    endpoint: "Cognito API",
                    url: api.endpoint().to_string(),
                    reason: e.to_string(),
                });
            }
        };
        self.inner
            .verifier
            .refreshed_api_tokens(
                tokens,
                sub,
                ApiTokens {
                    id_token: &t.id_token,
                    access_token: &t.access_token,
                    refresh_token: t.refresh_token.as_ref(),
                    expires_in: t.expires_in,
                },
                now,
            )
            .await
    }
}

/// Logs a failed API call: the cause (a configuration cause at error level), and in debug mode
/// (`AUTH_DEBUG`) the hint saying what to change, on the server log only.
pub(crate) fn log_api_failure(step: &str, e: &CognitoApiError, debug: bool) {
    let cause = crate::logsafe::clean(e);
    match e.hint() {
        Some(hint) if debug => {
            tracing::error!(step, "Cognito form sign-in: {cause}; to fix: {hint}")
        }
        Some(_) => tracing::error!(
            step,
            "Cognito form sign-in: {cause} (AUTH_DEBUG=1 logs what to change)"
        ),
        None => tracing::warn!(step, "Cognito form sign-in: {cause}"),
    }
}

impl CredentialsProvider for CognitoForm {
    fn id(&self) -> &str {
        &self.inner.id
    }
    /// "Email and password": beside the hosted UI's "Cognito" button, the two must read differently.
    fn name(&self) -> &str {
        "Email and password"
    }
    fn fields(&self) -> &[CredentialField] {
        &self.inner.fields
    }
    fn form_path(&self) -> Option<&str> {
        Some("/cognito/signin")
    }
    /// A one-step sign-in (`POST {base}/callback/cognito-form`): succeeds only when Cognito asks
    /// for no challenge; the pages under `{base}/cognito/` handle every step.
    fn authorize<'a>(
        &'a self,
        form: &'a CredentialsForm,
        now: i64,
    ) -> BoxFuture<'a, Result<SignIn, CredentialsError>> {
        Box::pin(async move {
            let (Ok(user), Ok(pw)) = (
                flow::field(form.get("username"), "username"),
                flow::password(form.get("password")),
            ) else {
                return Err(CredentialsError::Invalid);
            };
            match self.sign_in(user, pw, now).await {
                Ok(Step::SignedIn(s)) => Ok(s),
                Ok(_) | Err(FormError::Refused) => Err(CredentialsError::Invalid),
                Err(FormError::Provider(p)) => Err(p.into()),
                Err(FormError::Service(e)) => {
                    log_api_failure("sign-in", &e, cfg!(debug_assertions));
                    Err(CredentialsError::Invalid)
                }
                Err(_) => Err(CredentialsError::Invalid),
            }
        })
    }
    fn refresh<'a>(
        &'a self,
        tokens: &'a TokenSet,
        sub: &'a str,
        now: i64,
    ) -> BoxFuture<'a, Result<TokenSet, ProviderError>> {
        Box::pin(self.refresh_tokens(tokens, sub, now))
    }
    /// Revokes the refresh token (`RevokeToken`), which ends the tokens issued from it.
    fn sign_out<'a>(&'a self, tokens: &'a TokenSet) -> BoxFuture<'a, Result<(), ProviderError>> {
        Box::pin(async move {
            if let Some(r) = &tokens.refresh_token {
                if let Err(e) = self.inner.api.revoke_token(r.expose()).await {
                    log_api_failure("sign-out", &e, cfg!(debug_assertions));
                }
            }
            Ok(())
        })
    }
}
