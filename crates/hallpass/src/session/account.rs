//! Who a new session belongs to, beyond its claims: kept in clear in a stored session's row, so that
//! an account's sessions can be listed and ended whatever provider (door) each came through.

use crate::provider::{Profile, ProviderKind};

/// The account a session signs in to.
#[derive(Clone, Debug, Default)]
pub(crate) struct Account {
    /// The verified ID token's `iss`, else the provider id.
    pub(crate) issuer: String,
    /// The e-mail the account signs in with (the own form's username), as the profile gives it.
    pub(crate) login: Option<String>,
}

impl Account {
    /// The account a verified `profile` from provider `provider` (of `kind`) signs in to. Both
    /// Cognito doors (hosted UI and the own form) verify the pool's ID token, so they give one
    /// issuer.
    pub(crate) fn of(profile: &Profile, provider: &str, kind: Option<ProviderKind>) -> Self {
        let iss = profile
            .claims
            .get("iss")
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty());
        let issuer = match kind {
            // A plain OAuth 2.0 profile is the provider's userinfo, not a verified ID token: an
            // `iss` there vouches for nothing.
            Some(ProviderKind::OAuth) => None,
            _ => iss,
        };
        Account {
            issuer: issuer.unwrap_or(provider).to_string(),
            login: profile.email.clone(),
        }
    }
}
