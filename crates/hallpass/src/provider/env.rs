//! The generic OpenID Connect provider from `AUTH_OIDC_*` variables. It lives beside the presets,
//! not inside the general provider, because it knows their classic mix-ups (a Cognito hosted-UI
//! domain given as an issuer).

use url::Url;

use super::cognito::is_hosted_ui_host;
use super::http::sanitize;
use super::{OAuthConfig, ProviderError};

impl OAuthConfig {
    /// Reads `AUTH_OIDC_ISSUER`, `AUTH_OIDC_CLIENT_ID`, `AUTH_OIDC_CLIENT_SECRET` (optional),
    /// `AUTH_OIDC_NAME` (optional), `AUTH_OIDC_ID` (optional, default `oidc`) and
    /// `AUTH_OIDC_USERINFO` (optional, `true` to merge the userinfo endpoint's claims).
    /// `Ok(None)` when none of the first two is set. Loads `.env.local` and `.env` first
    /// ([`Config::load_env_files`](crate::Config::load_env_files)).
    pub fn from_env() -> Result<Option<Self>, ProviderError> {
        crate::Config::load_env_files();
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// [`OAuthConfig::from_env`] with another source of variables (tests, config files).
    /// Empty values count as unset.
    pub fn from_env_with(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ProviderError> {
        let get = |k: &str| {
            lookup(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let issuer = get("AUTH_OIDC_ISSUER");
        let client_id = get("AUTH_OIDC_CLIENT_ID");
        if issuer.is_none() && client_id.is_none() {
            return Ok(None);
        }
        let issuer = issuer.ok_or_else(|| {
            ProviderError::Config("AUTH_OIDC_CLIENT_ID is set but AUTH_OIDC_ISSUER is not; set it to the provider's issuer URL (its discovery document is {issuer}/.well-known/openid-configuration)".into())
        })?;
        let client_id = client_id.ok_or_else(|| {
            ProviderError::Config("AUTH_OIDC_ISSUER is set but AUTH_OIDC_CLIENT_ID is not; set it to the client id registered with the provider".into())
        })?;
        let issuer_url = Url::parse(&issuer).map_err(|e| {
            ProviderError::Config(format!(
                "AUTH_OIDC_ISSUER={:?} is not a URL ({e}); it must look like https://issuer.example.com",
                sanitize(&issuer)
            ))
        })?;
        if is_hosted_ui_host(&issuer_url) {
            return Err(ProviderError::Config(format!(
                "the issuer {issuer_url} looks like a Cognito hosted-UI domain, not an issuer; use the Cognito provider (COGNITO_DOMAIN={issuer_url}) or set the issuer to https://cognito-idp.{{region}}.amazonaws.com/{{poolId}}"
            )));
        }
        let mut config = Self::new(
            get("AUTH_OIDC_ID").unwrap_or_else(|| "oidc".into()),
            issuer_url,
            client_id,
        );
        if let Some(name) = get("AUTH_OIDC_NAME") {
            config = config.name(name);
        }
        if let Some(secret) = get("AUTH_OIDC_CLIENT_SECRET") {
            config = config.client_secret(secret.into());
        }
        if let Some(v) = get("AUTH_OIDC_USERINFO") {
            config = config.userinfo(match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                _ => {
                    return Err(ProviderError::Config(format!(
                        "AUTH_OIDC_USERINFO={:?} is not a boolean; use true or false",
                        sanitize(&v)
                    )))
                }
            });
        }
        Ok(Some(config))
    }
}
