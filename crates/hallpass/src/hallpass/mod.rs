//! The instance: a cheap handle on the [`Lifecycle`] and its parts, and the builder that puts them
//! together. Its methods delegate; the public session calls are in `calls.rs`, the account calls
//! (stored sessions) in `accounts.rs`.

mod accounts;
mod calls;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::access::AccessTokenVerifier;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::cookies::Cookies;
use crate::error::Error;
use crate::hooks::{DefaultHooks, DynHooks, Hooks};
use crate::lifecycle::{Backend, Lifecycle};
use crate::provider::{self, Provider, ProviderError};
use crate::refresh::RefreshCoordinator;
use crate::session::context::Ctx;
use crate::session::cookie::CookieSessions;
use crate::session::custom::CustomSessions;
use crate::session::jwt::JwtStore;
use crate::session::{SessionStore, SessionToken};
use crate::shared::StoreError;
use crate::store::{RecordStore, StoredSessions};

/// The Hallpass instance: configuration, providers, hooks. Cheap to clone (an `Arc`).
///
/// Handlers can extract it (`hallpass: Hallpass`) once the app is wrapped in [`Hallpass::layer`].
#[derive(Clone)]
pub struct Hallpass {
    inner: Arc<Inner>,
}

struct Inner {
    lifecycle: Lifecycle,
    /// Request hosts that differ from `AUTH_URL`'s and were already warned about (debug builds).
    warned_hosts: Mutex<HashSet<String>>,
}

/// Where the builder was told to keep sessions.
enum StoreChoice {
    Custom(Arc<dyn SessionStore>),
    Records(Arc<dyn RecordStore>),
}

impl std::fmt::Debug for Hallpass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.providers().map(Provider::id).collect();
        f.debug_struct("Hallpass")
            .field("config", self.config())
            .field("providers", &ids)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Hallpass`]; from [`Hallpass::builder`].
#[must_use]
pub struct HallpassBuilder {
    config: Config,
    providers: Vec<Provider>,
    hooks: Arc<dyn DynHooks>,
    store: Option<StoreChoice>,
    clock: Arc<dyn Clock>,
    access_tokens: Option<AccessTokenVerifier>,
}

impl std::fmt::Debug for HallpassBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.providers.iter().map(Provider::id).collect();
        f.debug_struct("HallpassBuilder")
            .field("providers", &ids)
            .finish_non_exhaustive()
    }
}

impl HallpassBuilder {
    /// Adds a provider (an OpenID Connect or OAuth 2.0 provider, or a credentials provider). Its id
    /// must be unique: [`HallpassBuilder::build`] refuses two with one id.
    pub fn provider(mut self, provider: impl Into<Provider>) -> Self {
        self.providers.push(provider.into());
        self
    }

    /// Sets the hooks (default: [`DefaultHooks`]).
    pub fn hooks(mut self, hooks: impl Hooks) -> Self {
        self.hooks = Arc::new(hooks);
        self
    }

    /// Keeps sessions in a record store instead of in the cookie: a
    /// [`SqlStore`](crate::store::SqlStore) (SQLite, Postgres), a
    /// [`RedisStore`](crate::store::RedisStore), or your own [`RecordStore`]. Hallpass makes the
    /// ids, encrypts the rows, caches, lists, revokes, and refreshes tokens once across instances.
    /// (Without a builder call, `AUTH_SESSION_STORE` names one; without either, the cookie is the
    /// session.)
    pub fn record_store(mut self, store: impl RecordStore) -> Self {
        self.store = Some(StoreChoice::Records(Arc::new(store)));
        self
    }

    /// Keeps sessions in your own [`SessionStore`] (three calls: load, save, delete): the cookie
    /// holds the value `save` returns. Prefer [`HallpassBuilder::record_store`] for a database
    /// that every instance shares.
    pub fn session_store(mut self, store: impl SessionStore) -> Self {
        self.store = Some(StoreChoice::Custom(Arc::new(store)));
        self
    }

    /// The clock sessions, refresh, check cookies and providers read (default: the system clock).
    /// Tests pass a [`ManualClock`](crate::clock::ManualClock) and move it instead of waiting.
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Takes Cognito access tokens in `Authorization: Bearer` with this verifier: the
    /// [`AccessToken`](crate::AccessToken) and [`Caller`](crate::Caller) extractors and the token
    /// guards ([`Hallpass::require_scope`]) use it, and a sign-out here revokes the session's
    /// tokens in it.
    pub fn access_tokens(mut self, verifier: AccessTokenVerifier) -> Self {
        self.access_tokens = Some(verifier);
        self
    }

    /// Finishes the instance. Fails when two providers share an id (their URLs would collide).
    pub fn build(self) -> Result<Hallpass, Error> {
        for (i, p) in self.providers.iter().enumerate() {
            if self.providers[..i].iter().any(|q| q.id() == p.id()) {
                return Err(ProviderError::Config(format!(
                    "two providers have the id `{}`; give one of them another id (ids appear in /signin/{{id}} and /callback/{{id}})",
                    p.id()
                ))
                .into());
            }
        }
        let cookies = Cookies::new(&self.config);
        let store = match (self.store, &self.config.session_store) {
            (Some(store), _) => Some(store),
            // Connects lazily: building stays synchronous and a store that is down is retried.
            (None, Some(url)) => Some(StoreChoice::Records(crate::store::from_url(
                url,
                self.config.session_store_timeout,
            )?)),
            (None, None) => None,
        };
        let backend = match store {
            None => Backend::Cookie(CookieSessions::default()),
            Some(StoreChoice::Custom(store)) => Backend::Custom(CustomSessions(store)),
            Some(StoreChoice::Records(store)) => Backend::Stored(Arc::new(StoredSessions::new(
                store,
                &self.config.secret_bytes(),
            ))),
        };
        let ctx = Ctx {
            jwt: JwtStore::new(cookies.session_keys.clone()),
            cookies,
            config: self.config,
            providers: self.providers,
            refresh: RefreshCoordinator::default(),
            clock: self.clock,
            access_tokens: self.access_tokens,
        };
        Ok(Hallpass {
            inner: Arc::new(Inner {
                lifecycle: Lifecycle::new(ctx, backend, self.hooks),
                warned_hosts: Mutex::default(),
            }),
        })
    }
}

impl Hallpass {
    /// Starts a builder from a validated configuration.
    pub fn builder(config: Config) -> HallpassBuilder {
        HallpassBuilder {
            config,
            providers: Vec::new(),
            hooks: Arc::new(DefaultHooks),
            store: None,
            clock: Arc::new(SystemClock),
            access_tokens: None,
        }
    }

    /// Everything from the environment (and `.env.local` / `.env`): [`Config::from_env`], then the
    /// Cognito provider when `COGNITO_CLIENT_ID` is set, the generic OpenID Connect provider when
    /// `AUTH_OIDC_ISSUER` is set, and GitHub when `AUTH_GITHUB_ID` is set.
    pub fn from_env() -> Result<Hallpass, Error> {
        let config = Config::from_env()?;
        let mut builder = Hallpass::builder(config);
        for cognito in provider::Cognito::providers_from_env()? {
            builder = builder.provider(cognito);
        }
        if let Some(oidc) = provider::OAuthConfig::from_env()? {
            builder = builder.provider(provider::OAuthProvider::new(oidc)?);
        }
        if let Some(github) = provider::GitHub::from_env()? {
            builder = builder.provider(github);
        }
        builder.build()
    }

    /// The Bearer access-token verifier, when one was given
    /// ([`HallpassBuilder::access_tokens`]).
    pub fn access_tokens(&self) -> Option<&AccessTokenVerifier> {
        self.ctx().access_tokens.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.lifecycle.ctx.config
    }

    /// The configured providers, in the order they were added.
    pub fn providers(&self) -> impl Iterator<Item = &Provider> {
        self.ctx().providers.iter()
    }

    /// The provider with this id.
    pub fn provider(&self, id: &str) -> Option<&Provider> {
        self.ctx().provider(id)
    }

    /// The session cookie's name (`hallpass.session-token`, `next-auth.session-token`, with the
    /// `__Secure-` prefix on https).
    pub fn session_cookie_name(&self) -> &str {
        &self.cookies().session_name
    }

    /// The CSRF cookie's name.
    pub fn csrf_cookie_name(&self) -> &str {
        &self.cookies().csrf_name
    }

    /// Encrypts a session token the way the session cookie holds it (for tests, tools and interop).
    pub fn encode_session(&self, token: &SessionToken) -> String {
        self.ctx().jwt.encode(token)
    }

    /// Encrypts `payload` (the session's JSON, as given) exactly as [`Hallpass::encode_session`]
    /// does, but with `iv` instead of a random IV: for interop tests that reproduce another
    /// implementation's token byte for byte. `None` when `iv` is not the cipher's IV length (12
    /// bytes for `A256GCM`, 16 for Auth.js v5's `A256CBC-HS512`). Never reuse an IV for real.
    #[doc(hidden)]
    pub fn encode_session_payload_with_iv(&self, payload: &[u8], iv: &[u8]) -> Option<String> {
        self.cookies().session_keys.encrypt_with_iv(payload, iv)
    }

    /// Decrypts and checks a session cookie value at the instance's clock (for tests, tools and
    /// interop; handlers use the [`Session`](crate::Session) extractor).
    pub fn decode_session(&self, value: &str) -> Result<SessionToken, StoreError> {
        self.ctx().jwt.decode(value, self.now())
    }

    /// The URL a sign-in form for `provider` posts to (`{base}/signin/{provider}`; for a credentials
    /// provider, `{base}/callback/{provider}`).
    pub fn signin_url(&self, provider: &str) -> String {
        match self.provider(provider).and_then(Provider::as_credentials) {
            Some(c) => match c.form_path() {
                Some(path) => self.config().url(path),
                None => self.config().url(&format!("/callback/{provider}")),
            },
            _ => self.config().url(&format!("/signin/{provider}")),
        }
    }

    /// Where this instance keeps sessions, in words for a start-up line: "in an encrypted cookie
    /// (no server-side store)", "in the app's own session store", or the record store (its URL
    /// without the password, e.g. "in sqlite://sessions.db").
    pub fn session_storage(&self) -> String {
        self.lifecycle().storage()
    }

    /// The URL a sign-out form posts to (`{base}/signout`).
    pub fn signout_url(&self) -> String {
        self.config().url("/signout")
    }

    /// Debug builds: warns once per distinct host when a request's `Host` is not the host of
    /// `AUTH_URL`, the usual cause of a `redirect_mismatch` at the provider (the app runs on
    /// another port than the URL it sends as `redirect_uri`).
    pub(crate) fn check_request_host(&self, headers: &http::HeaderMap) {
        if !cfg!(debug_assertions) {
            return;
        }
        let Some(host) = headers
            .get(http::header::HOST)
            .and_then(|h| h.to_str().ok())
        else {
            return;
        };
        if let Some(warning) = self.host_warning(host) {
            tracing::warn!("{warning}");
        }
    }

    /// The warning for a request to `host`, the first time that host differs from `AUTH_URL`'s.
    fn host_warning(&self, host: &str) -> Option<String> {
        let origin = &self.config().origin;
        let expected = match (origin.host_str(), origin.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return None,
        };
        // `Url` leaves the scheme's default port out; a `Host` header may spell it.
        let default_port = match origin.scheme() {
            "https" => ":443",
            _ => ":80",
        };
        let given = host.strip_suffix(default_port).unwrap_or(host);
        if given.eq_ignore_ascii_case(&expected) {
            return None;
        }
        // Request-derived: keep only what a host name or address can hold, bounded.
        let host: String = host
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            .take(100)
            .collect();
        let mut warned = self
            .inner
            .warned_hosts
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if warned.len() >= 32 || !warned.insert(host.clone()) {
            return None;
        }
        Some(format!(
            "a request came for host {host}, but AUTH_URL is {origin}: sign-in sends the provider \
             redirect_uri={callback}, which fails (redirect_mismatch) unless it is registered. \
             If the app runs at http://{host}, set AUTH_URL=http://{host}",
            origin = origin.as_str().trim_end_matches('/'),
            callback = self.config().url("/callback/{provider}"),
        ))
    }

    /// Now, by the instance's clock (Unix seconds).
    pub(crate) fn now(&self) -> i64 {
        self.ctx().now()
    }

    pub(crate) fn lifecycle(&self) -> &Lifecycle {
        &self.inner.lifecycle
    }

    pub(crate) fn ctx(&self) -> &Ctx {
        &self.inner.lifecycle.ctx
    }

    pub(crate) fn cookies(&self) -> &Cookies {
        &self.ctx().cookies
    }

    pub(crate) fn hooks(&self) -> &dyn DynHooks {
        self.lifecycle().hooks()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(url: &str) -> Hallpass {
        let config = Config::builder()
            .url(url)
            .secret("0123456789abcdef0123456789abcdef")
            .build()
            .unwrap();
        Hallpass::builder(config).build().unwrap()
    }

    #[test]
    fn a_request_host_other_than_auth_url_is_warned_about_once() {
        let auth = instance("http://localhost:3000");
        assert_eq!(auth.host_warning("localhost:3000"), None);
        assert_eq!(auth.host_warning("LOCALHOST:3000"), None);
        let warning = auth.host_warning("localhost:4000").expect("a warning");
        assert!(warning.contains("host localhost:4000"), "{warning}");
        assert!(
            warning.contains("AUTH_URL is http://localhost:3000"),
            "{warning}"
        );
        assert!(
            warning.contains("AUTH_URL=http://localhost:4000"),
            "{warning}"
        );
        assert_eq!(auth.host_warning("localhost:4000"), None, "once per host");
        assert!(auth.host_warning("127.0.0.1:3000").is_some());
    }

    #[test]
    fn the_default_port_matches_and_the_host_is_sanitised() {
        let auth = instance("https://app.example.com");
        assert_eq!(auth.host_warning("app.example.com"), None);
        assert_eq!(auth.host_warning("app.example.com:443"), None);
        let warning = auth.host_warning("evil\u{1b}[31m\n.example").unwrap();
        assert!(
            !warning.contains('\u{1b}') && !warning.contains('\n'),
            "{warning}"
        );
        assert!(warning.contains("evil[31m.example"), "{warning}");
    }
}
