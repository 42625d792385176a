//! Configuration of the general redirect provider: builder style, with neutral options that presets
//! set instead of flags.

use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use super::profile::{ClaimMapping, ProfileLoader};
use crate::provider::http::sanitize;
use crate::provider::ProviderError;

pub(super) const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// How the client authenticates at the token and revocation endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// HTTP Basic with the form-urlencoded `client_id:client_secret` (RFC 6749 2.3.1). The
    /// default when a secret is set.
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body.
    ClientSecretPost,
    /// A public client: `client_id` only (PKCE protects the code). The default without a secret.
    None,
}

/// The endpoints of a provider. With an issuer, discovery supplies them and any set here override
/// discovery's; without one (plain OAuth 2.0, or an issuer learned later) they are the only source.
#[derive(Clone, Debug, Default)]
pub struct Endpoints {
    /// Where the browser is sent to sign in.
    pub authorization: Option<Url>,
    /// The token endpoint (code exchange, refresh).
    pub token: Option<Url>,
    /// The userinfo endpoint.
    pub userinfo: Option<Url>,
    /// RFC 7009 revocation.
    pub revocation: Option<Url>,
    /// Where the browser is sent to end the provider's session.
    pub end_session: Option<Url>,
}

impl Endpoints {
    /// `self`'s endpoints where set, else `base`'s.
    pub(super) fn over(&self, base: &Endpoints) -> Endpoints {
        Endpoints {
            authorization: self
                .authorization
                .clone()
                .or_else(|| base.authorization.clone()),
            token: self.token.clone().or_else(|| base.token.clone()),
            userinfo: self.userinfo.clone().or_else(|| base.userinfo.clone()),
            revocation: self.revocation.clone().or_else(|| base.revocation.clone()),
            end_session: self
                .end_session
                .clone()
                .or_else(|| base.end_session.clone()),
        }
    }
}

/// Which issuers an ID token may come from when the issuer is learned rather than configured.
#[derive(Clone)]
pub struct IssuerRule {
    accepts: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    describe: String,
    hint: &'static str,
}

impl IssuerRule {
    /// A rule: `accepts` says whether an `iss` may be learned, `describe` shows the expected shape in
    /// errors, `hint` says what to configure instead.
    pub fn new(
        accepts: impl Fn(&str) -> bool + Send + Sync + 'static,
        describe: impl Into<String>,
        hint: &'static str,
    ) -> Self {
        Self {
            accepts: Arc::new(accepts),
            describe: describe.into(),
            hint,
        }
    }

    pub(super) fn accepts(&self, iss: &str) -> bool {
        (self.accepts)(iss)
    }

    pub(super) fn describe(&self) -> &str {
        &self.describe
    }

    pub(super) fn hint(&self) -> &'static str {
        self.hint
    }
}

impl std::fmt::Debug for IssuerRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerRule")
            .field("describe", &self.describe)
            .finish_non_exhaustive()
    }
}

/// Where the issuer that signs ID tokens comes from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum IssuerPolicy {
    /// A configured issuer; its discovery document must name it exactly.
    Fixed(Url),
    /// Learned from the first ID token whose `iss` the rule accepts, then verified through that
    /// issuer's discovery and keys and pinned for the life of the process. Needs the
    /// authorization and token endpoints configured.
    Learn(IssuerRule),
    /// No issuer: a plain OAuth 2.0 provider without ID tokens (the profile comes from the
    /// profile loader, by default the userinfo endpoint).
    None,
}

/// How the browser ends the provider's session at sign-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogoutStyle {
    /// OpenID Connect RP-initiated logout: `id_token_hint`, `post_logout_redirect_uri`, `client_id`.
    RpInitiated,
    /// `client_id` and `logout_uri` (the return URL must be registered with the client).
    LogoutUri,
}

/// Configuration of one OpenID Connect or OAuth 2.0 provider, builder style.
///
/// ```
/// # use hallpass::provider::{OAuthConfig, ClientAuth};
/// let config = OAuthConfig::new("google", "https://accounts.google.com".parse().unwrap(), "my-client-id")
///     .name("Google")
///     .client_secret("s3cret".to_string().into())
///     .client_auth(ClientAuth::ClientSecretPost);
/// ```
#[derive(Clone)]
pub struct OAuthConfig {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) issuer: IssuerPolicy,
    pub(super) endpoints: Endpoints,
    pub(super) client_id: String,
    pub(super) client_secret: Option<SecretString>,
    pub(super) client_auth: Option<ClientAuth>,
    pub(super) scopes: Vec<String>,
    pub(super) userinfo: bool,
    pub(super) federated_sign_out: bool,
    pub(super) logout: LogoutStyle,
    pub(super) claims: ClaimMapping,
    pub(super) required_claims: Vec<(String, String)>,
    pub(super) clock_skew: Duration,
    pub(super) http_timeout: Duration,
    pub(super) http_client: Option<reqwest::Client>,
    pub(super) profile_loader: Option<Arc<dyn ProfileLoader>>,
}

impl std::fmt::Debug for OAuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The secret redacts itself; the HTTP client and the loader have nothing worth showing.
        f.debug_struct("OAuthConfig")
            .field("id", &self.id)
            .field("issuer", &self.issuer)
            .field("endpoints", &self.endpoints)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl OAuthConfig {
    /// An OpenID Connect provider with this id (used in URLs: `/signin/{id}`), issuer and client id.
    pub fn new(id: impl Into<String>, issuer: Url, client_id: impl Into<String>) -> Self {
        Self::with_issuer(id, IssuerPolicy::Fixed(issuer), client_id)
    }

    /// A provider whose issuer comes from `issuer` (see [`IssuerPolicy`]).
    pub fn with_issuer(
        id: impl Into<String>,
        issuer: IssuerPolicy,
        client_id: impl Into<String>,
    ) -> Self {
        let oidc = !matches!(issuer, IssuerPolicy::None);
        Self {
            id: id.into(),
            name: if oidc { "OpenID Connect" } else { "OAuth" }.into(),
            issuer,
            endpoints: Endpoints::default(),
            client_id: client_id.into(),
            client_secret: None,
            client_auth: None,
            scopes: if oidc {
                vec!["openid".into(), "email".into(), "profile".into()]
            } else {
                Vec::new()
            },
            userinfo: !oidc,
            federated_sign_out: false,
            logout: LogoutStyle::RpInitiated,
            claims: ClaimMapping::default(),
            required_claims: Vec::new(),
            clock_skew: Duration::from_secs(15),
            http_timeout: Duration::from_secs(10),
            http_client: None,
            profile_loader: None,
        }
    }

    /// A plain OAuth 2.0 provider (no ID token): the endpoints must include authorization and
    /// token; the profile comes from the userinfo endpoint or a [`ProfileLoader`].
    pub fn oauth2(
        id: impl Into<String>,
        endpoints: Endpoints,
        client_id: impl Into<String>,
    ) -> Self {
        Self::with_issuer(id, IssuerPolicy::None, client_id).endpoints(endpoints)
    }

    /// The name shown on the sign-in page.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Endpoints that override discovery's (or stand alone without an issuer).
    pub fn endpoints(mut self, endpoints: Endpoints) -> Self {
        self.endpoints = endpoints;
        self
    }

    /// The client secret (confidential clients).
    pub fn client_secret(mut self, secret: SecretString) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// The client authentication method (default: [`ClientAuth::ClientSecretBasic`] with a
    /// secret, [`ClientAuth::None`] without).
    pub fn client_auth(mut self, auth: ClientAuth) -> Self {
        self.client_auth = Some(auth);
        self
    }

    /// The scopes to request (OpenID Connect default `openid email profile`; `openid` is then
    /// required).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Also fetch the profile (userinfo) after sign-in and merge its claims (OpenID Connect default
    /// off: the ID token usually carries them and every call counts against rate limits).
    pub fn userinfo(mut self, on: bool) -> Self {
        self.userinfo = on;
        self
    }

    /// End the provider's session too when the user signs out (default off).
    pub fn federated_sign_out(mut self, on: bool) -> Self {
        self.federated_sign_out = on;
        self
    }

    /// How sign-out ends the provider's session (default RP-initiated logout).
    pub fn logout_style(mut self, style: LogoutStyle) -> Self {
        self.logout = style;
        self
    }

    /// The claim holding the user's groups (default `groups`).
    pub fn groups_claim(mut self, claim: impl Into<String>) -> Self {
        self.claims.groups = claim.into();
        self
    }

    /// Which claims become groups, username and kept extras.
    pub fn claim_mapping(mut self, mapping: ClaimMapping) -> Self {
        self.claims = mapping;
        self
    }

    /// An ID token must carry `claim` with exactly this string value (checked after the standard
    /// checks, for example `token_use` = `id`).
    pub fn require_claim(mut self, claim: impl Into<String>, value: impl Into<String>) -> Self {
        self.required_claims.push((claim.into(), value.into()));
        self
    }

    /// Allowed clock difference for `exp`, `iat` and `nbf` (default 15 s, at most 60 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Total timeout of each request to the provider (default 10 s; connecting at most 5 s).
    /// Ignored when an HTTP client is given.
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// The HTTP client for every request to the provider. It must not follow redirects (a redirect
    /// could carry client credentials or tokens elsewhere; redirect answers are refused either way).
    /// Default: one with timeouts, no redirects and rustls.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// How the profile is fetched after the token exchange when userinfo is on (default: `GET` the
    /// userinfo endpoint with the access token).
    pub fn profile_loader(mut self, loader: impl ProfileLoader) -> Self {
        self.profile_loader = Some(Arc::new(loader));
        self.userinfo = true;
        self
    }

    /// True when ID tokens are expected (an OpenID Connect provider).
    pub(super) fn is_oidc(&self) -> bool {
        !matches!(self.issuer, IssuerPolicy::None)
    }

    pub(super) fn effective_client_auth(&self) -> ClientAuth {
        self.client_auth.unwrap_or(if self.client_secret.is_some() {
            ClientAuth::ClientSecretBasic
        } else {
            ClientAuth::None
        })
    }

    /// Everything that can be checked before the first request.
    pub(super) fn validate(&self) -> Result<(), ProviderError> {
        let cfg = |m: String| Err(ProviderError::Config(m));
        let id = &self.id;
        let id_ok = !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if !id_ok {
            return cfg(format!(
                "provider id {:?} must be non-empty lowercase letters, digits, '-' or '_' (it appears in /signin/{{id}} URLs)",
                sanitize(id)
            ));
        }
        if self.client_id.is_empty() || self.client_id.chars().any(char::is_control) {
            return cfg(format!(
                "provider {id}: the client id is empty or has control characters"
            ));
        }
        self.validate_endpoints()?;
        if self.is_oidc() && !self.scopes.iter().any(|s| s == "openid") {
            return cfg(format!(
                "provider {id}: the scopes must include `openid` (there is no ID token without it)"
            ));
        }
        if self
            .scopes
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return cfg(format!(
                "provider {id}: a scope is empty or contains whitespace; give scopes one by one"
            ));
        }
        self.validate_client_auth()?;
        if self.clock_skew > MAX_CLOCK_SKEW {
            return cfg(format!(
                "provider {id}: clock skew {:?} is above the 60 s maximum; fix the server clock instead",
                self.clock_skew
            ));
        }
        if self.http_timeout.is_zero() || self.http_timeout > Duration::from_secs(60) {
            return cfg(format!(
                "provider {id}: the HTTP timeout must be between 0 and 60 s"
            ));
        }
        Ok(())
    }

    fn validate_endpoints(&self) -> Result<(), ProviderError> {
        let id = &self.id;
        if let IssuerPolicy::Fixed(issuer) = &self.issuer {
            check_url(&format!("the issuer of provider {id}"), issuer)?;
        }
        let e = &self.endpoints;
        for (what, url) in [
            ("authorization", &e.authorization),
            ("token", &e.token),
            ("userinfo", &e.userinfo),
            ("revocation", &e.revocation),
            ("end-session", &e.end_session),
        ] {
            if let Some(u) = url {
                check_endpoint(&format!("the {what} endpoint of provider {id}"), u)?;
            }
        }
        let standalone = !matches!(self.issuer, IssuerPolicy::Fixed(_));
        if standalone && (e.authorization.is_none() || e.token.is_none()) {
            return Err(ProviderError::Config(format!(
                "provider {id}: no issuer configured, so the authorization and token endpoints must be"
            )));
        }
        if !self.is_oidc() && self.userinfo && e.userinfo.is_none() && self.profile_loader.is_none()
        {
            return Err(ProviderError::Config(format!(
                "provider {id}: an OAuth 2.0 provider needs a userinfo endpoint or a profile loader for the profile"
            )));
        }
        Ok(())
    }

    fn validate_client_auth(&self) -> Result<(), ProviderError> {
        let id = &self.id;
        let has_secret = self
            .client_secret
            .as_ref()
            .is_some_and(|s| !s.expose_secret().is_empty());
        match (self.effective_client_auth(), has_secret) {
            (ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretPost, false) => {
                Err(ProviderError::Config(format!(
                    "provider {id}: client_secret_basic/client_secret_post need a client secret; set it, or use ClientAuth::None for a public client"
                )))
            }
            (ClientAuth::None, true) => Err(ProviderError::Config(format!(
                "provider {id}: a client secret is set but client authentication is `none`; choose client_secret_basic or client_secret_post, or drop the secret"
            ))),
            _ => Ok(()),
        }
    }
}

/// https, or http on a loopback host (a local pool or a test provider); no query, fragment or credentials.
pub(crate) fn check_url(what: &str, url: &Url) -> Result<(), ProviderError> {
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ProviderError::Config(format!(
            "{what} must not have a query, fragment or credentials"
        )));
    }
    check_endpoint(what, url)
}

/// https (or http on loopback) and no credentials; a query is allowed (some endpoints carry one).
fn check_endpoint(what: &str, url: &Url) -> Result<(), ProviderError> {
    let ok_scheme = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url));
    if !ok_scheme {
        return Err(ProviderError::Config(format!(
            "{what} ({url}) must use https (plain http is only accepted for localhost)"
        )));
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(ProviderError::Config(format!(
            "{what} must not have a query, fragment or credentials"
        )));
    }
    Ok(())
}

/// `localhost`, `127.0.0.0/8` or `::1`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}
