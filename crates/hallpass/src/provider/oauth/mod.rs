//! The general redirect provider: OpenID Connect (authorization code flow, PKCE S256, state, nonce,
//! the ID token verified fully) and plain OAuth 2.0 (no ID token; the profile from userinfo or a
//! [`ProfileLoader`]). Presets configure it through neutral options; nothing here knows of them.
//!
//! Seams: `config` (the builder and its checks), `discovery`, `token` (token endpoint and client
//! authentication), `idtoken` + `jwks` (ID-token checks and keys), `profile` (claim mapping).

mod after_sign_in;
mod api_tokens;
mod config;
mod discovery;
mod idtoken;
mod idtoken_error;
pub(crate) mod jwks;
pub(crate) mod jws;
mod offline;
mod profile;
mod token;

use std::sync::Arc;

use reqwest::Client;
use serde_json::{Map, Value};
use tokio::sync::OnceCell;
use url::Url;

pub(crate) use api_tokens::ApiTokens;
pub(crate) use config::{check_url, is_loopback};
pub use config::{ClientAuth, Endpoints, IssuerPolicy, IssuerRule, LogoutStyle, OAuthConfig};
pub use idtoken::IdTokenError;
pub use offline::IdTokenVerifier;
pub use profile::{ClaimMapping, ProfileLoader};

use discovery::{discover, Resolved};
use idtoken::{Expect, Nonce};
use token::TokenReply;

use super::http::{self, sanitize};
use super::{
    AuthorizationChecks, AuthorizationRequest, ProviderError, ProviderKind, Secret, SignIn,
    TokenSet,
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

struct Inner {
    cfg: OAuthConfig,
    http: Client,
    /// Discovery + JWKS, fetched lazily once (single flight: OnceCell). With a learned issuer this
    /// is also where it is pinned.
    resolved: OnceCell<Arc<Resolved>>,
}

/// An OpenID Connect or OAuth 2.0 provider. Cheap to clone (shared caches).
#[derive(Clone)]
pub struct OAuthProvider {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for OAuthProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthProvider")
            .field("id", &self.inner.cfg.id)
            .field("issuer", &self.inner.cfg.issuer)
            .finish_non_exhaustive()
    }
}

impl OAuthProvider {
    /// Validates the configuration and builds the HTTP client (timeouts, no redirects, rustls)
    /// unless one was given. Nothing is fetched yet: discovery happens on first use.
    pub fn new(config: OAuthConfig) -> Result<Self, ProviderError> {
        config.validate()?;
        let http = match &config.http_client {
            Some(c) => c.clone(),
            None => http::client(config.http_timeout)?,
        };
        Ok(Self {
            inner: Arc::new(Inner {
                cfg: config,
                http,
                resolved: OnceCell::new(),
            }),
        })
    }

    /// The HTTP client every call to the provider goes through (the configured one, or the one
    /// built with its timeout).
    pub(crate) fn http_client(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The provider id (for example `oidc`), used in `/signin/{id}` and `/callback/{id}`.
    pub fn id(&self) -> &str {
        &self.inner.cfg.id
    }

    /// The display name.
    pub fn name(&self) -> &str {
        &self.inner.cfg.name
    }

    /// `Oidc` when ID tokens are expected, `OAuth` otherwise (NextAuth's `type`).
    pub fn kind(&self) -> ProviderKind {
        if self.inner.cfg.is_oidc() {
            ProviderKind::Oidc
        } else {
            ProviderKind::OAuth
        }
    }

    /// Whether sign-out also ends the provider's session.
    pub fn federated_sign_out(&self) -> bool {
        self.inner.cfg.federated_sign_out
    }

    /// Discovery + JWKS of a fixed issuer, or the pinned learned one (`None` before it is learned,
    /// and for plain OAuth 2.0).
    async fn resolved(&self) -> Result<Option<Arc<Resolved>>, ProviderError> {
        let IssuerPolicy::Fixed(issuer) = &self.inner.cfg.issuer else {
            return Ok(self.inner.resolved.get().cloned());
        };
        let r = self
            .inner
            .resolved
            .get_or_try_init(|| async {
                discover(&self.inner.http, issuer.as_str())
                    .await
                    .map(Arc::new)
            })
            .await?;
        Ok(Some(r.clone()))
    }

    /// The issuer and keys to verify a token whose (unverified) `iss` is given.
    async fn resolve_for_token(&self, iss: Option<&str>) -> Result<Arc<Resolved>, ProviderError> {
        let rule = match &self.inner.cfg.issuer {
            IssuerPolicy::Learn(rule) => rule,
            IssuerPolicy::None => {
                return Err(ProviderError::Config(format!(
                    "provider {} is configured without an issuer and cannot verify ID tokens",
                    self.id()
                )))
            }
            _ => {
                return self.resolved().await?.ok_or_else(|| {
                    ProviderError::Config("the issuer could not be resolved".into())
                })
            }
        };
        if let Some(r) = self.inner.resolved.get() {
            return Ok(r.clone());
        }
        let iss = iss.unwrap_or_default();
        if !rule.accepts(iss) {
            return Err(ProviderError::IssuerMismatch {
                expected: rule.describe().to_string(),
                got: Some(sanitize(iss)),
                hint: rule.hint(),
            });
        }
        let r = self
            .inner
            .resolved
            .get_or_try_init(|| async {
                let r = discover(&self.inner.http, iss).await?;
                tracing::info!(provider = %self.inner.cfg.id, issuer = %r.issuer, "learned and pinned the issuer from the first ID token");
                Ok::<_, ProviderError>(Arc::new(r))
            })
            .await?;
        Ok(r.clone())
    }

    /// The configured endpoints over discovery's.
    async fn endpoints(&self) -> Result<Endpoints, ProviderError> {
        let discovered = match &self.inner.cfg.issuer {
            IssuerPolicy::Fixed(_) => self.resolved().await?.map(|r| r.endpoints.clone()),
            _ => None,
        };
        Ok(self
            .inner
            .cfg
            .endpoints
            .over(&discovered.unwrap_or_default()))
    }

    fn required(url: Option<Url>, what: &str) -> Result<Url, ProviderError> {
        url.ok_or_else(|| ProviderError::Config(format!("the provider has no {what} endpoint")))
    }

    /// The URL to send the browser to: `response_type=code`, `client_id`, `redirect_uri`,
    /// `scope`, `state`, `nonce` (always, for OpenID Connect), `code_challenge` + `S256`, and the
    /// allow-listed extras.
    pub async fn authorization_url(
        &self,
        req: AuthorizationRequest<'_>,
    ) -> Result<Url, ProviderError> {
        let mut url = Self::required(self.endpoints().await?.authorization, "authorization")?;
        let cfg = &self.inner.cfg;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &cfg.client_id)
                .append_pair("redirect_uri", req.redirect_uri.as_str());
            if !cfg.scopes.is_empty() {
                q.append_pair("scope", &cfg.scopes.join(" "));
            }
            q.append_pair("state", &req.checks.state);
            if cfg.is_oidc() {
                q.append_pair("nonce", &req.checks.nonce);
            }
            q.append_pair("code_challenge", &req.checks.pkce_challenge())
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
        const MIX_UP: &str = "the authorization response came from another issuer (mix-up attack?)";
        let r = match (&self.inner.cfg.issuer, self.inner.resolved.get()) {
            (IssuerPolicy::None, _) => return Ok(()),
            // Before a learned issuer is pinned, only a learnable one may appear; the ID token's
            // own `iss` is then checked against the pinned one.
            (IssuerPolicy::Learn(rule), None) => {
                return match iss {
                    Some(i) if !rule.accepts(i) => Err(ProviderError::IssuerMismatch {
                        expected: rule.describe().to_string(),
                        got: Some(sanitize(i)),
                        hint: MIX_UP,
                    }),
                    _ => Ok(()),
                }
            }
            _ => self.resolve_for_token(iss).await?,
        };
        match iss {
            Some(i) if i == r.issuer => Ok(()),
            Some(i) => Err(ProviderError::IssuerMismatch {
                expected: r.issuer.clone(),
                got: Some(sanitize(i)),
                hint: MIX_UP,
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
    /// the ID token fully (OpenID Connect), fetches the profile when configured and maps it.
    pub async fn exchange_code(
        &self,
        code: &str,
        redirect_uri: &Url,
        checks: &AuthorizationChecks,
        now: i64,
    ) -> Result<SignIn, ProviderError> {
        let cfg = &self.inner.cfg;
        let endpoints = self.endpoints().await?;
        let token_url = Self::required(endpoints.token.clone(), "token")?;
        let form = vec![
            ("grant_type", "authorization_code".into()),
            ("code", code.into()),
            ("redirect_uri", redirect_uri.as_str().into()),
            ("code_verifier", checks.pkce_verifier.clone()),
        ];
        let reply = token::request(cfg, &self.inner.http, &token_url, form).await?;
        let mut claims = if cfg.is_oidc() {
            let raw = reply.id_token.as_deref().ok_or(IdTokenError::Missing)?;
            self.verify_id_token(raw, Nonce::Sent(&checks.nonce), &reply.access_token, now)
                .await?
        } else {
            Map::new()
        };
        if cfg.userinfo {
            let info = self.load_profile(&endpoints, &reply.access_token).await?;
            if cfg.is_oidc() {
                profile::merge_userinfo(&mut claims, info)?;
            } else {
                claims = info;
            }
        }
        let profile = profile::profile(&cfg.claims, claims);
        if profile.sub.is_empty() {
            return Err(ProviderError::Userinfo(
                "the profile has no subject (`sub`); it cannot identify a user".into(),
            ));
        }
        let expires_at = token::expires_at(reply.expires_in, &profile.claims, now);
        Ok(SignIn {
            profile,
            tokens: Some(token_set(reply, expires_at, None)),
        })
    }

    async fn load_profile(
        &self,
        endpoints: &Endpoints,
        access_token: &str,
    ) -> Result<Map<String, Value>, ProviderError> {
        if let Some(loader) = &self.inner.cfg.profile_loader {
            return loader.load(&self.inner.http, access_token).await;
        }
        let url = endpoints.userinfo.clone().ok_or_else(|| {
            ProviderError::Config(
                "userinfo is on but the provider has no userinfo_endpoint; turn it off".into(),
            )
        })?;
        profile::userinfo(&self.inner.http, &url, access_token).await
    }

    async fn verify_id_token(
        &self,
        raw: &str,
        nonce: Nonce<'_>,
        access_token: &str,
        now: i64,
    ) -> Result<Map<String, Value>, ProviderError> {
        let token = jws::parse_unverified(raw)?;
        let iss = token.claims.get("iss").and_then(Value::as_str);
        let resolved = self.resolve_for_token(iss).await?;
        let alg = token.alg;
        let key = resolved
            .jwks
            .key_for(&self.inner.http, token.kid.as_deref(), alg, now)
            .await?;
        let cfg = &self.inner.cfg;
        let claims = idtoken::verify(
            token,
            &key,
            &Expect {
                issuer: &resolved.issuer,
                client_id: &cfg.client_id,
                nonce,
                access_token: Some(access_token),
                alg,
                skew: cfg.clock_skew,
                required: &cfg.required_claims,
                now,
            },
        )?;
        Ok(claims)
    }
}

/// The tokens to keep; on refresh (`old`), what the reply lacks is kept from before.
fn token_set(reply: TokenReply, expires_at: i64, old: Option<&TokenSet>) -> TokenSet {
    TokenSet {
        expires_at,
        access_token: Secret(reply.access_token),
        id_token: reply
            .id_token
            .map(Secret)
            .or_else(|| old.and_then(|t| t.id_token.clone())),
        refresh_token: reply
            .refresh_token
            .map(Secret)
            .or_else(|| old.and_then(|t| t.refresh_token.clone())),
    }
}
