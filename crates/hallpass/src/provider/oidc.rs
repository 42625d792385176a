//! The generic OpenID Connect client (authorization code flow, PKCE S256, state, nonce).

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::{Client, StatusCode};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Map, Value};
use tokio::sync::OnceCell;
use url::Url;

use super::cognito::{self, CognitoMode};
use super::http::{self, sanitize};
use super::idtoken::{self, Expect, IdTokenError};
use super::jwks::JwksCache;
use super::{
    AuthorizationChecks, AuthorizationRequest, Profile, ProviderError, Secret, SignIn, TokenSet,
};

/// Authorization parameters passed on from [`AuthorizationRequest::extra_params`]; anything
/// else (including attempts to override `redirect_uri`, `state`, ...) is dropped.
const EXTRA_PARAMS: &[&str] = &[
    "identity_provider",
    "idp_identifier",
    "login_hint",
    "prompt",
    "lang",
    "ui_locales",
    "max_age",
    "acr_values",
];

/// Claims that describe the ID token itself; userinfo may not overwrite them in the merged claims.
const PROTECTED_CLAIMS: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "nbf",
    "nonce",
    "azp",
    "at_hash",
    "c_hash",
    "auth_time",
    "token_use",
    "jti",
    "origin_jti",
    "event_id",
];

const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60);

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

/// Configuration of one OpenID Connect provider, builder style.
///
/// ```
/// # use hallpass::provider::{OidcConfig, ClientAuth};
/// let config = OidcConfig::new("google", "https://accounts.google.com".parse().unwrap(), "my-client-id")
///     .name("Google")
///     .client_secret("s3cret".to_string().into())
///     .client_auth(ClientAuth::ClientSecretPost);
/// ```
#[derive(Clone, Debug)]
pub struct OidcConfig {
    id: String,
    name: String,
    issuer: Option<Url>,
    client_id: String,
    client_secret: Option<SecretString>,
    client_auth: Option<ClientAuth>,
    scopes: Vec<String>,
    userinfo: bool,
    federated_sign_out: bool,
    groups_claim: Option<String>,
    clock_skew: Duration,
    http_timeout: Duration,
    pub(crate) cognito: Option<CognitoMode>,
}

impl OidcConfig {
    /// A provider with this id (used in URLs: `/signin/{id}`), issuer and client id.
    pub fn new(id: impl Into<String>, issuer: Url, client_id: impl Into<String>) -> Self {
        Self::base(id.into(), Some(issuer), client_id.into())
    }

    pub(crate) fn base(id: String, issuer: Option<Url>, client_id: String) -> Self {
        Self {
            id,
            name: "OpenID Connect".into(),
            issuer,
            client_id,
            client_secret: None,
            client_auth: None,
            scopes: vec!["openid".into(), "email".into(), "profile".into()],
            userinfo: false,
            federated_sign_out: false,
            groups_claim: None,
            clock_skew: Duration::from_secs(15),
            http_timeout: Duration::from_secs(10),
            cognito: None,
        }
    }

    /// The name shown on the sign-in page (default "OpenID Connect").
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
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

    /// The scopes to request (default `openid email profile`; `openid` is required).
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Also call the userinfo endpoint after sign-in and merge its claims (default off: the
    /// ID token usually carries them and every call counts against the provider's rate limits).
    pub fn userinfo(mut self, on: bool) -> Self {
        self.userinfo = on;
        self
    }

    /// End the provider's session too when the user signs out (default off; on for Cognito).
    pub fn federated_sign_out(mut self, on: bool) -> Self {
        self.federated_sign_out = on;
        self
    }

    /// The claim holding the user's groups (default `groups`; `cognito:groups` for Cognito).
    pub fn groups_claim(mut self, claim: impl Into<String>) -> Self {
        self.groups_claim = Some(claim.into());
        self
    }

    /// Allowed clock difference for `exp`, `iat` and `nbf` (default 15 s, at most 60 s).
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew;
        self
    }

    /// Total timeout of each request to the provider (default 10 s; connecting at most 5 s).
    pub fn http_timeout(mut self, timeout: Duration) -> Self {
        self.http_timeout = timeout;
        self
    }

    /// Reads `AUTH_OIDC_ISSUER`, `AUTH_OIDC_CLIENT_ID`, `AUTH_OIDC_CLIENT_SECRET` (optional),
    /// `AUTH_OIDC_NAME` (optional) and `AUTH_OIDC_ID` (optional, default `oidc`).
    /// `Ok(None)` when none of them is set.
    pub fn from_env() -> Result<Option<Self>, ProviderError> {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// [`OidcConfig::from_env`] with another source of variables (tests, config files).
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
                "AUTH_OIDC_ISSUER={issuer:?} is not a URL ({e}); it must look like https://issuer.example.com"
            ))
        })?;
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
        Ok(Some(config))
    }

    fn effective_client_auth(&self) -> ClientAuth {
        self.client_auth.unwrap_or(if self.client_secret.is_some() {
            ClientAuth::ClientSecretBasic
        } else {
            ClientAuth::None
        })
    }

    fn validate(&self) -> Result<(), ProviderError> {
        let cfg = |m: String| Err(ProviderError::Config(m));
        if self.id.is_empty()
            || !self
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return cfg(format!(
                "provider id {:?} must be non-empty lowercase letters, digits, '-' or '_' (it appears in /signin/{{id}} URLs)",
                sanitize(&self.id)
            ));
        }
        if self.client_id.is_empty() || self.client_id.chars().any(char::is_control) {
            return cfg(format!(
                "provider {}: the client id is empty or has control characters",
                self.id
            ));
        }
        if let Some(issuer) = &self.issuer {
            check_url(&format!("the issuer of provider {}", self.id), issuer)?;
            if self.cognito.is_none() && cognito::is_hosted_ui_host(issuer) {
                return cfg(format!(
                    "the issuer {issuer} looks like a Cognito hosted-UI domain, not an issuer; use the Cognito provider (COGNITO_DOMAIN={issuer}) or set the issuer to https://cognito-idp.{{region}}.amazonaws.com/{{poolId}}"
                ));
            }
        } else if self
            .cognito
            .as_ref()
            .and_then(|c| c.domain.as_ref())
            .is_none()
        {
            return cfg(format!("provider {}: no issuer configured", self.id));
        }
        if !self.scopes.iter().any(|s| s == "openid") {
            return cfg(format!(
                "provider {}: the scopes must include `openid` (there is no ID token without it)",
                self.id
            ));
        }
        if self
            .scopes
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return cfg(format!(
                "provider {}: a scope is empty or contains whitespace; give scopes one by one",
                self.id
            ));
        }
        let has_secret = self
            .client_secret
            .as_ref()
            .is_some_and(|s| !s.expose_secret().is_empty());
        match (self.effective_client_auth(), has_secret) {
            (ClientAuth::ClientSecretBasic | ClientAuth::ClientSecretPost, false) => {
                return cfg(format!(
                    "provider {}: client_secret_basic/client_secret_post need a client secret; set it, or use ClientAuth::None for a public client",
                    self.id
                ))
            }
            (ClientAuth::None, true) => {
                return cfg(format!(
                    "provider {}: a client secret is set but client authentication is `none`; choose client_secret_basic or client_secret_post, or drop the secret",
                    self.id
                ))
            }
            _ => {}
        }
        if self.clock_skew > MAX_CLOCK_SKEW {
            return cfg(format!(
                "provider {}: clock skew {:?} is above the 60 s maximum; fix the server clock instead",
                self.id, self.clock_skew
            ));
        }
        if self.http_timeout.is_zero() || self.http_timeout > Duration::from_secs(60) {
            return cfg(format!(
                "provider {}: the HTTP timeout must be between 0 and 60 s",
                self.id
            ));
        }
        Ok(())
    }
}

/// https, or http on a loopback host (a local pool or a test provider); no query, fragment or credentials.
pub(crate) fn check_url(what: &str, url: &Url) -> Result<(), ProviderError> {
    let ok_scheme = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url));
    if !ok_scheme {
        return Err(ProviderError::Config(format!(
            "{what} ({url}) must use https (plain http is only accepted for localhost)"
        )));
    }
    if url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(ProviderError::Config(format!(
            "{what} must not have a query, fragment or credentials"
        )));
    }
    Ok(())
}

pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The endpoints the flow uses.
#[derive(Clone, Debug)]
pub(crate) struct Endpoints {
    pub authorization: Url,
    pub token: Url,
    pub userinfo: Option<Url>,
    pub revocation: Option<Url>,
    pub end_session: Option<Url>,
}

/// What discovery established: the exact issuer, its endpoints and keys.
struct Resolved {
    issuer: String,
    endpoints: Endpoints,
    iss_parameter_supported: bool,
    jwks: JwksCache,
}

struct Inner {
    cfg: OidcConfig,
    http: Client,
    /// Cognito domain mode: the hosted-UI endpoints, known without discovery.
    domain_endpoints: Option<Endpoints>,
    /// Discovery + JWKS, fetched lazily once (single flight: OnceCell). In Cognito domain mode
    /// this is also where the learned issuer is pinned.
    resolved: OnceCell<Arc<Resolved>>,
}

/// An OpenID Connect provider. Cheap to clone (shared caches).
#[derive(Clone)]
pub struct OidcProvider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcProvider")
            .field("id", &self.inner.cfg.id)
            .field("issuer", &self.inner.cfg.issuer.as_ref().map(Url::as_str))
            .finish_non_exhaustive()
    }
}

struct TokenReply {
    access_token: String,
    id_token: Option<String>,
    refresh_token: Option<String>,
    expires_in: Option<i64>,
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

impl OidcProvider {
    /// Validates the configuration and builds the HTTP client (timeouts, no redirects, rustls).
    /// Nothing is fetched yet: discovery happens on first use.
    pub fn new(config: OidcConfig) -> Result<Self, ProviderError> {
        config.validate()?;
        let http = http::client(config.http_timeout)?;
        let domain_endpoints = match &config.cognito {
            Some(CognitoMode {
                domain: Some(d), ..
            }) if config.issuer.is_none() => Some(cognito::domain_endpoints(d)),
            _ => None,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                cfg: config,
                http,
                domain_endpoints,
                resolved: OnceCell::new(),
            }),
        })
    }

    /// The provider id (`cognito`, `oidc`, ...), used in `/signin/{id}` and `/callback/{id}`.
    pub fn id(&self) -> &str {
        &self.inner.cfg.id
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.inner.cfg.name
    }

    /// The provider type as NextAuth reports it in `GET providers`.
    pub fn kind(&self) -> &'static str {
        "oidc"
    }

    /// Whether sign-out also ends the provider's session.
    pub fn federated_sign_out(&self) -> bool {
        self.inner.cfg.federated_sign_out
    }

    fn is_cognito(&self) -> bool {
        self.inner.cfg.cognito.is_some()
    }

    /// Discovery + JWKS for the configured issuer (issuer mode only).
    async fn resolve(&self) -> Result<Arc<Resolved>, ProviderError> {
        let Some(issuer) = self.inner.cfg.issuer.clone() else {
            return match self.inner.resolved.get() {
                Some(r) => Ok(r.clone()),
                None => Err(ProviderError::Config(
                    "the Cognito issuer is not known yet (COGNITO_DOMAIN mode learns it from the first ID token); set COGNITO_ISSUER to avoid this".into(),
                )),
            };
        };
        self.inner
            .resolved
            .get_or_try_init(|| async {
                let mut r = discover(&self.inner.http, issuer.as_str()).await?;
                if let Some(CognitoMode {
                    domain: Some(d), ..
                }) = &self.inner.cfg.cognito
                {
                    // Both set: discovery for the issuer and keys, the domain for the hosted UI.
                    r.endpoints = cognito::domain_endpoints(d);
                }
                Ok(Arc::new(r))
            })
            .await
            .cloned()
    }

    /// The issuer and keys to verify a token whose (unverified) `iss` is given.
    async fn resolve_for_token(&self, iss: Option<&str>) -> Result<Arc<Resolved>, ProviderError> {
        let learn = self
            .inner
            .cfg
            .cognito
            .as_ref()
            .and_then(|c| c.learn.as_ref())
            .filter(|_| self.inner.cfg.issuer.is_none());
        let Some(rule) = learn else {
            return self.resolve().await;
        };
        if let Some(r) = self.inner.resolved.get() {
            return Ok(r.clone());
        }
        let iss = iss.unwrap_or_default();
        if !rule.accepts(iss) {
            return Err(ProviderError::IssuerMismatch {
                expected: rule.describe(),
                got: Some(sanitize(iss)),
                hint: "in COGNITO_DOMAIN mode the issuer is learned only when it belongs to the domain's region (or origin, for a local pool); set COGNITO_ISSUER explicitly",
            });
        }
        let endpoints = self
            .inner
            .domain_endpoints
            .clone()
            .ok_or_else(|| ProviderError::Config("no hosted-UI endpoints".into()))?;
        let r = self
            .inner
            .resolved
            .get_or_try_init(|| async {
                let mut r = discover(&self.inner.http, iss).await?;
                r.endpoints = endpoints;
                tracing::info!(provider = %self.inner.cfg.id, issuer = %r.issuer, "learned and pinned the Cognito issuer from the first ID token");
                Ok::<_, ProviderError>(Arc::new(r))
            })
            .await?;
        Ok(r.clone())
    }

    async fn endpoints(&self) -> Result<Endpoints, ProviderError> {
        if let Some(e) = &self.inner.domain_endpoints {
            return Ok(e.clone());
        }
        Ok(self.resolve().await?.endpoints.clone())
    }

    /// The URL to send the browser to: `response_type=code`, `client_id`, `redirect_uri`,
    /// `scope`, `state`, `nonce` (always), `code_challenge` + `S256`, and the allow-listed extras.
    pub async fn authorization_url(
        &self,
        req: AuthorizationRequest<'_>,
    ) -> Result<Url, ProviderError> {
        let mut url = self.endpoints().await?.authorization;
        let cfg = &self.inner.cfg;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &cfg.client_id)
                .append_pair("redirect_uri", req.redirect_uri.as_str())
                .append_pair("scope", &cfg.scopes.join(" "))
                .append_pair("state", &req.checks.state)
                .append_pair("nonce", &req.checks.nonce)
                .append_pair("code_challenge", &req.checks.pkce_challenge())
                .append_pair("code_challenge_method", "S256");
            let mut seen: Vec<&str> = Vec::new();
            for (k, v) in req.extra_params {
                match EXTRA_PARAMS.iter().find(|p| **p == k.as_str()) {
                    Some(p) if !seen.contains(p) && !v.is_empty() => {
                        seen.push(p);
                        q.append_pair(p, v);
                    }
                    Some(_) => {}
                    None => {
                        tracing::debug!(param = %sanitize(k), "authorization parameter not on the allow-list; dropped")
                    }
                }
            }
        }
        Ok(url)
    }

    /// RFC 9207: the callback's `iss` must equal the issuer when present, and must be present
    /// when discovery advertises `authorization_response_iss_parameter_supported`.
    pub async fn check_callback_issuer(&self, iss: Option<&str>) -> Result<(), ProviderError> {
        if self.inner.domain_endpoints.is_some() && self.inner.resolved.get().is_none() {
            // Domain mode before the issuer is pinned: only a learnable issuer may appear; the
            // ID token's own `iss` is then checked against the pinned one.
            return match (
                iss,
                self.inner
                    .cfg
                    .cognito
                    .as_ref()
                    .and_then(|c| c.learn.as_ref()),
            ) {
                (Some(i), Some(rule)) if !rule.accepts(i) => Err(ProviderError::IssuerMismatch {
                    expected: rule.describe(),
                    got: Some(sanitize(i)),
                    hint: "the authorization response came from another issuer (mix-up attack?)",
                }),
                _ => Ok(()),
            };
        }
        let r = self.resolve_for_token(iss).await?;
        match iss {
            Some(i) if i == r.issuer => Ok(()),
            Some(i) => Err(ProviderError::IssuerMismatch {
                expected: r.issuer.clone(),
                got: Some(sanitize(i)),
                hint: "the authorization response came from another issuer (mix-up attack?)",
            }),
            None if r.iss_parameter_supported => Err(ProviderError::IssuerMismatch {
                expected: r.issuer.clone(),
                got: None,
                hint: "the provider advertises authorization_response_iss_parameter_supported but the callback has no iss",
            }),
            None => Ok(()),
        }
    }

    /// Exchanges the code (exact `redirect_uri`, PKCE verifier, client authentication), validates
    /// the ID token fully, merges userinfo when configured and builds the profile.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &Url,
        checks: &AuthorizationChecks,
    ) -> Result<SignIn, ProviderError> {
        let endpoints = self.endpoints().await?;
        let reply = self
            .token_request(
                &endpoints.token,
                vec![
                    ("grant_type", "authorization_code".into()),
                    ("code", code.into()),
                    ("redirect_uri", redirect_uri.as_str().into()),
                    ("code_verifier", checks.pkce_verifier.clone()),
                ],
            )
            .await?;
        let raw = reply.id_token.as_deref().ok_or(IdTokenError::Missing)?;
        let (mut claims, resolved) = self
            .verify_id_token(raw, Some(&checks.nonce), &reply.access_token)
            .await?;
        if self.inner.cfg.userinfo {
            let endpoint = resolved.endpoints.userinfo.clone().ok_or_else(|| {
                ProviderError::Config(
                    "userinfo is on but the provider has no userinfo_endpoint; turn it off".into(),
                )
            })?;
            let info = self.userinfo(&endpoint, &reply.access_token).await?;
            merge_userinfo(&mut claims, info)?;
        }
        let profile = self.profile(claims);
        let expires_at = expires_at(reply.expires_in, &profile.claims);
        Ok(SignIn {
            profile,
            tokens: Some(TokenSet {
                access_token: Secret(reply.access_token),
                id_token: reply.id_token.map(Secret),
                refresh_token: reply.refresh_token.map(Secret),
                expires_at,
            }),
        })
    }

    async fn verify_id_token(
        &self,
        raw: &str,
        nonce: Option<&str>,
        access_token: &str,
    ) -> Result<(Map<String, Value>, Arc<Resolved>), ProviderError> {
        let unverified = idtoken::parse_unverified(raw)?;
        let iss = unverified.claims.get("iss").and_then(Value::as_str);
        let resolved = self.resolve_for_token(iss).await?;
        let key = resolved
            .jwks
            .key_for(&self.inner.http, unverified.kid.as_deref(), unverified.alg)
            .await?;
        let claims = idtoken::verify_signature(raw, &key, unverified.alg)?;
        idtoken::check_claims(
            &claims,
            &Expect {
                issuer: &resolved.issuer,
                client_id: &self.inner.cfg.client_id,
                nonce,
                access_token: Some(access_token),
                alg: unverified.alg,
                skew: self.inner.cfg.clock_skew,
                cognito: self.is_cognito(),
                now: now(),
            },
        )?;
        Ok((claims, resolved))
    }

    /// Uses the refresh token. Keeps the old refresh token (and ID token) when the reply has
    /// none; a new ID token must be valid and have the same `iss`, `sub` and `aud` (no nonce).
    /// `invalid_grant` becomes [`ProviderError::RefreshTokenDead`].
    pub async fn refresh(&self, tokens: &TokenSet, sub: &str) -> Result<TokenSet, ProviderError> {
        let refresh_token = tokens
            .refresh_token
            .as_ref()
            .ok_or(ProviderError::NoRefreshToken)?;
        let endpoints = self.endpoints().await?;
        let reply = match self
            .token_request(
                &endpoints.token,
                vec![
                    ("grant_type", "refresh_token".into()),
                    ("refresh_token", refresh_token.expose().into()),
                ],
            )
            .await
        {
            Err(ProviderError::TokenEndpoint { error, .. }) if error == "invalid_grant" => {
                return Err(ProviderError::RefreshTokenDead)
            }
            other => other?,
        };
        let mut expires_claims = Map::new();
        if let Some(raw) = reply.id_token.as_deref() {
            let (claims, _) = self.verify_id_token(raw, None, &reply.access_token).await?;
            if claims.get("sub").and_then(Value::as_str) != Some(sub) {
                return Err(IdTokenError::Changed("sub").into());
            }
            if let Some(old) = tokens
                .id_token
                .as_ref()
                .and_then(|t| idtoken::parse_unverified(t.expose()).ok())
            {
                // The old token was verified when it was issued; compare what it said.
                if old.claims.get("iss") != claims.get("iss") {
                    return Err(IdTokenError::Changed("iss").into());
                }
                if old.claims.get("aud") != claims.get("aud") {
                    return Err(IdTokenError::Changed("aud").into());
                }
            }
            expires_claims = claims;
        }
        Ok(TokenSet {
            expires_at: expires_at(reply.expires_in, &expires_claims),
            access_token: Secret(reply.access_token),
            id_token: reply
                .id_token
                .map(Secret)
                .or_else(|| tokens.id_token.clone()),
            refresh_token: reply
                .refresh_token
                .map(Secret)
                .or_else(|| Some(refresh_token.clone())),
        })
    }

    /// Revokes the refresh token at the revocation endpoint (with client authentication), which
    /// for Cognito also ends the access and ID tokens of that sign-in. `Ok` without doing
    /// anything when there is no refresh token or no revocation endpoint.
    pub async fn revoke(&self, tokens: &TokenSet) -> Result<(), ProviderError> {
        let Some(refresh_token) = &tokens.refresh_token else {
            return Ok(());
        };
        let Some(url) = self.endpoints().await?.revocation else {
            tracing::debug!(provider = %self.inner.cfg.id, "no revocation endpoint; refresh token not revoked");
            return Ok(());
        };
        let form = vec![
            ("token", refresh_token.expose().to_string()),
            ("token_type_hint", "refresh_token".into()),
        ];
        let reply = http::send_json(
            "revocation endpoint",
            &url,
            self.authenticated_post(&url, form),
        )
        .await?;
        if reply.status.is_success() {
            return Ok(());
        }
        let detail = reply
            .body
            .ok()
            .and_then(|b| b.get("error").and_then(Value::as_str).map(sanitize))
            .unwrap_or_default();
        Err(http::http_error(
            "revocation endpoint",
            &url,
            format!(
                "HTTP {} {detail}; the refresh token may still be valid",
                reply.status
            ),
        ))
    }

    /// Where to send the browser to end the provider session, or `None` when federated sign-out
    /// is off (or the provider has no such endpoint). Cognito:
    /// `{domain}/logout?client_id=…&logout_uri=…` (`logout_uri` must be one of the app client's
    /// sign-out URLs). Others: `end_session_endpoint?id_token_hint=…&post_logout_redirect_uri=…&client_id=…`.
    pub async fn end_session_url(
        &self,
        tokens: Option<&TokenSet>,
        post_logout_redirect: &Url,
    ) -> Result<Option<Url>, ProviderError> {
        if !self.inner.cfg.federated_sign_out {
            return Ok(None);
        }
        let Some(mut url) = self.endpoints().await?.end_session else {
            tracing::warn!(provider = %self.inner.cfg.id, "federated sign-out is on but the provider has no end_session_endpoint; only the local session ends");
            return Ok(None);
        };
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("client_id", &self.inner.cfg.client_id);
            if self.is_cognito() {
                q.append_pair("logout_uri", post_logout_redirect.as_str());
            } else {
                if let Some(id_token) = tokens.and_then(|t| t.id_token.as_ref()) {
                    q.append_pair("id_token_hint", id_token.expose());
                }
                q.append_pair("post_logout_redirect_uri", post_logout_redirect.as_str());
            }
        }
        Ok(Some(url))
    }

    fn authenticated_post(
        &self,
        url: &Url,
        mut form: Vec<(&'static str, String)>,
    ) -> reqwest::RequestBuilder {
        let cfg = &self.inner.cfg;
        let mut req = self.inner.http.post(url.clone());
        // client_id in the body for every method: Cognito's documented requests carry it even
        // with Basic authentication, and RFC 6749 does not forbid it.
        form.push(("client_id", cfg.client_id.clone()));
        match cfg.effective_client_auth() {
            ClientAuth::ClientSecretBasic => {
                let secret = cfg
                    .client_secret
                    .as_ref()
                    .map(|s| s.expose_secret())
                    .unwrap_or_default();
                // RFC 6749 2.3.1: both parts form-urlencoded before Basic encoding.
                let enc = |s: &str| {
                    url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
                };
                let credentials =
                    STANDARD.encode(format!("{}:{}", enc(&cfg.client_id), enc(secret)));
                req = req.header(
                    reqwest::header::AUTHORIZATION,
                    format!("Basic {credentials}"),
                );
            }
            ClientAuth::ClientSecretPost => {
                let secret = cfg
                    .client_secret
                    .as_ref()
                    .map(|s| s.expose_secret().to_string())
                    .unwrap_or_default();
                form.push(("client_secret", secret));
            }
            ClientAuth::None => {}
        }
        req.form(&form)
    }

    async fn token_request(
        &self,
        url: &Url,
        form: Vec<(&'static str, String)>,
    ) -> Result<TokenReply, ProviderError> {
        const EP: &str = "token endpoint";
        let reply = http::send_json(EP, url, self.authenticated_post(url, form)).await?;
        let status = reply.status;
        if status.is_server_error() {
            return Err(http::http_error(
                EP,
                url,
                format!("HTTP {status}: the provider has a server error; try again later"),
            ));
        }
        let body = reply
            .body
            .map_err(|reason| http::http_error(EP, url, reason))?;
        if status != StatusCode::OK {
            return match body.get("error").and_then(Value::as_str) {
                Some(error) => Err(ProviderError::TokenEndpoint {
                    error: sanitize(error),
                    description: body
                        .get("error_description")
                        .and_then(Value::as_str)
                        .map(sanitize),
                }),
                None => Err(http::http_error(
                    EP,
                    url,
                    format!("HTTP {status} without an OAuth error code"),
                )),
            };
        }
        let string = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
        let access_token = string("access_token")
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ProviderError::TokenResponse("no access_token".into()))?;
        match string("token_type") {
            Some(t) if t.eq_ignore_ascii_case("bearer") => {}
            other => {
                return Err(ProviderError::TokenResponse(format!(
                    "token_type is {:?}, expected Bearer",
                    other.as_deref().map(sanitize)
                )))
            }
        }
        let expires_in = match body.get("expires_in") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_i64(),
            // Some providers send it as a string.
            Some(Value::String(s)) => s.parse().ok(),
            Some(_) => None,
        };
        Ok(TokenReply {
            access_token,
            id_token: string("id_token"),
            refresh_token: string("refresh_token").filter(|t| !t.is_empty()),
            expires_in,
        })
    }

    async fn userinfo(
        &self,
        url: &Url,
        access_token: &str,
    ) -> Result<Map<String, Value>, ProviderError> {
        // Bearer header only: a token in a query would end up in access logs.
        let req = self.inner.http.get(url.clone()).bearer_auth(access_token);
        let reply = http::send_json("userinfo endpoint", url, req).await?;
        match reply.status {
            StatusCode::OK => reply.body.map_err(|r| ProviderError::Userinfo(format!("{url}: {r}"))),
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(ProviderError::Userinfo(format!(
                "{url} refused the access token (HTTP {}); for Cognito the `openid` scope is required",
                reply.status
            ))),
            s => Err(ProviderError::Userinfo(format!("{url} answered HTTP {s}"))),
        }
    }

    fn profile(&self, claims: Map<String, Value>) -> Profile {
        let cognito = self.is_cognito();
        let s = |k: &str| {
            claims
                .get(k)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let name = s("name").or_else(|| {
            let joined = [s("given_name"), s("family_name")]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            (!joined.is_empty()).then_some(joined)
        });
        let groups_claim = self
            .inner
            .cfg
            .groups_claim
            .as_deref()
            .unwrap_or(if cognito { "cognito:groups" } else { "groups" });
        let groups = match claims.get(groups_claim) {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(g)) if !g.is_empty() => vec![g.clone()],
            _ => Vec::new(),
        };
        let username = if cognito {
            s("cognito:username").or_else(|| s("username"))
        } else {
            s("preferred_username")
        };
        let extra = claims
            .iter()
            .filter(|(k, _)| k.starts_with("custom:") || *k == "email_verified")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Profile {
            sub: s("sub").unwrap_or_default(),
            name,
            email: s("email"),
            picture: s("picture"),
            groups,
            username,
            extra,
            claims,
        }
    }
}

/// Userinfo claims join the verified ones; its `sub` must be the ID token's (OIDC Core 5.3.4)
/// and it cannot overwrite what describes the ID token itself.
fn merge_userinfo(
    claims: &mut Map<String, Value>,
    info: Map<String, Value>,
) -> Result<(), ProviderError> {
    if info.get("sub") != claims.get("sub") {
        return Err(ProviderError::Userinfo(
            "its sub differs from the ID token's; the response is not about the signed-in user and is refused".into(),
        ));
    }
    for (k, mut v) in info {
        if PROTECTED_CLAIMS.contains(&k.as_str()) {
            continue;
        }
        // Cognito's userInfo sends these booleans as strings.
        if k == "email_verified" || k == "phone_number_verified" {
            v = match v.as_str() {
                Some("true") => Value::Bool(true),
                Some("false") => Value::Bool(false),
                _ => v,
            };
        }
        claims.insert(k, v);
    }
    Ok(())
}

fn expires_at(expires_in: Option<i64>, id_claims: &Map<String, Value>) -> i64 {
    match expires_in {
        Some(s) if s > 0 => now() + s,
        // No expires_in (it is only RECOMMENDED): the ID token's exp is the best guess; else
        // assume a short life so that the session refreshes soon rather than trusting too long.
        _ => id_claims
            .get("exp")
            .and_then(Value::as_i64)
            .unwrap_or_else(|| now() + 300),
    }
}

/// Fetches `{issuer}/.well-known/openid-configuration` and checks its `issuer`.
async fn discover(client: &Client, issuer: &str) -> Result<Resolved, ProviderError> {
    let url_str = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let url = Url::parse(&url_str).map_err(|e| ProviderError::Discovery {
        url: url_str.clone(),
        reason: e.to_string(),
    })?;
    let doc = http::get_json(client, "discovery", &url)
        .await
        .map_err(|e| match e {
            ProviderError::Http { reason, .. } => ProviderError::Discovery {
                url: url_str.clone(),
                reason,
            },
            other => other,
        })?;
    let derr = |reason: String| ProviderError::Discovery {
        url: url_str.clone(),
        reason,
    };
    let advertised = doc
        .get("issuer")
        .and_then(Value::as_str)
        .ok_or_else(|| derr("no `issuer` in the document".into()))?;
    // Url serialises `https://host` as `https://host/`: accept the discovery's form then.
    let matches = advertised == issuer
        || (advertised == issuer.trim_end_matches('/')
            && Url::parse(issuer).is_ok_and(|u| u.path() == "/"));
    if !matches {
        return Err(ProviderError::DiscoveryIssuerMismatch {
            configured: issuer.to_string(),
            advertised: sanitize(advertised),
        });
    }
    let endpoint = |k: &str, required: bool| -> Result<Option<Url>, ProviderError> {
        match doc.get(k).and_then(Value::as_str) {
            Some(v) => {
                let u = Url::parse(v).map_err(|_| derr(format!("`{k}` is not a URL")))?;
                let scheme_ok = u.scheme() == "https" || (u.scheme() == "http" && is_loopback(&u));
                if !scheme_ok {
                    return Err(derr(format!("`{k}` must use https")));
                }
                Ok(Some(u))
            }
            None if required => Err(derr(format!("no `{k}` in the document"))),
            None => Ok(None),
        }
    };
    let jwks_uri = endpoint("jwks_uri", true)?.expect("required");
    Ok(Resolved {
        issuer: advertised.to_string(),
        endpoints: Endpoints {
            authorization: endpoint("authorization_endpoint", true)?.expect("required"),
            token: endpoint("token_endpoint", true)?.expect("required"),
            userinfo: endpoint("userinfo_endpoint", false)?,
            revocation: endpoint("revocation_endpoint", false)?,
            end_session: endpoint("end_session_endpoint", false)?,
        },
        iss_parameter_supported: doc
            .get("authorization_response_iss_parameter_supported")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        jwks: JwksCache::new(jwks_uri),
    })
}
