//! Configuration: code first (a builder), the environment on top (`AUTH_URL`, `AUTH_SECRET`, …).
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `AUTH_URL` (alias `NEXTAUTH_URL`) | the site's public URL; its path, if any, is the auth base path | `http://localhost:3000` in debug builds, required in release |
//! | `AUTH_SECRET` (alias `NEXTAUTH_SECRET`) | ≥ 32 bytes; encrypts every cookie | a generated dev secret in `.hallpass-secret` (debug builds over http only) |
//! | `AUTH_SECRET_1`, `AUTH_SECRET_2`, `AUTH_SECRET_3` | rotation: the first present encrypts, all decrypt (with `authjs-v5`, Auth.js's order: `_3`, `_2`, `_1`, then `AUTH_SECRET`) | none |
//! | `AUTH_COMPAT` | `next-auth-v4` to read and write NextAuth v4's cookies, `authjs-v5` for Auth.js v5's | Hallpass's own names |
//! | `AUTH_DEBUG` | `1`/`true`: log each step at debug level and show causes on the error page | on in debug builds |
//! | `AUTH_SESSION_MAX_AGE` | session lifetime in seconds | 2592000 (30 days) |
//! | `AUTH_SESSION_UPDATE_AGE` | re-issue a page's session cookie once it is this old, in seconds | 86400 (24 h) |
//! | `AUTH_THEME_NAME` | the app's name in the built-in pages' titles and sign-in heading | none |
//! | `AUTH_THEME_LOGO` | the pages' logo: a same-origin path or an `https://` URL | none |
//! | `AUTH_THEME_BRAND_COLOR` | buttons, links and focus rings: `#rgb` or `#rrggbb` | Hallpass's neutral look |
//! | `AUTH_THEME_BUTTON_TEXT` | the button text colour: `#rgb` or `#rrggbb` | white |
//! | `AUTH_THEME_COLOR_SCHEME` | `auto`, `light` or `dark` | `auto` |
//! | `AUTH_SESSION_STORE` | server-side sessions: `sqlite://PATH`, `sqlite::memory:`, `postgres://…`, `redis://…` | cookie sessions |
//! | `AUTH_SESSION_STORE_TIMEOUT` | how long one session store call may take, in milliseconds | 1000 |
//! | `AUTH_TRUSTED_PROXIES` | reverse proxies (addresses, CIDR ranges) whose forwarding header names the client | none: the peer is the client |
//! | `AUTH_TRUSTED_PROXY_HEADER` | `x-forwarded-for` or `forwarded` | `x-forwarded-for` |
//! | `AUTH_SESSION_RECHECK` | seconds after which a stored session's tokens are checked with the provider (a refresh) before it counts as signed in; `0` is off | 300 with a session store |

mod check;
mod env;
mod error;
pub(crate) mod store_url;
pub(crate) mod theme;

use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::client_ip::TrustedProxies;
use check::{check_pages, parse_url};
pub use error::ConfigError;
use store_url::StoreUrl;
use theme::Theme;

/// Whose cookie names and key derivation to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compat {
    /// Hallpass's own cookie names (`hallpass.session-token`, …) and keys derived per cookie name.
    #[default]
    Hallpass,
    /// NextAuth.js v4: `next-auth.session-token` and its exact key derivation, so that a Next.js app with
    /// the same secret reads Hallpass's session cookie and the other way round.
    NextAuthV4,
    /// Auth.js v5 (`next-auth@5`, `@auth/core`): `authjs.session-token`, a JWE `dir` +
    /// `A256CBC-HS512` whose key is derived from the secret salted with the cookie's name and named
    /// by a `kid` header, so that an Auth.js app with the same secrets reads Hallpass's session
    /// cookie and the other way round.
    AuthJsV5,
}

/// Where a guard sends a signed-out visitor who asked for a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unauthenticated {
    /// A 302 to this same-origin path (the tutorial's protected page goes to `/`).
    RedirectTo(String),
    /// A 302 to the sign-in page with `callbackUrl` set to the page that was asked for.
    SignIn,
}

/// Custom pages that replace the built-in ones (NextAuth's `pages` option).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pages {
    /// Replaces `GET {base}/signin`.
    pub sign_in: Option<String>,
    /// Replaces `GET {base}/signout`.
    pub sign_out: Option<String>,
    /// Replaces `GET {base}/error`.
    pub error: Option<String>,
    /// Replaces the Cognito form sign-in's pages: a path prefix (`/account` → `/account/signin`,
    /// `/account/challenge`, …) where the app renders [`Hallpass::cognito_page`](crate::Hallpass::cognito_page).
    pub cognito: Option<String>,
}

/// The validated configuration. Build one with [`Config::builder`] or [`Config::from_env`].
#[derive(Clone)]
pub struct Config {
    pub(crate) origin: Url,
    pub(crate) base_path: String,
    pub(crate) secrets: Vec<SecretString>,
    pub(crate) compat: Compat,
    pub(crate) debug: bool,
    pub(crate) session_max_age: i64,
    pub(crate) session_update_age: i64,
    pub(crate) pages: Pages,
    pub(crate) theme: Theme,
    pub(crate) unauthenticated: Unauthenticated,
    pub(crate) store_tokens: bool,
    pub(crate) max_cookie_bytes: usize,
    pub(crate) refresh_budget: std::time::Duration,
    pub(crate) session_store: Option<StoreUrl>,
    pub(crate) session_store_timeout: std::time::Duration,
    pub(crate) trusted_proxies: TrustedProxies,
    /// `None`: the default (300 s with a store); zero: off.
    pub(crate) session_recheck: Option<std::time::Duration>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("origin", &self.origin.as_str())
            .field("base_path", &self.base_path)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("compat", &self.compat)
            .field("debug", &self.debug)
            .field("session_max_age", &self.session_max_age)
            .field("session_update_age", &self.session_update_age)
            .field("session_store", &self.session_store)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// A builder with the defaults: `http://localhost:3000`, base path `/api/auth`, 30-day sessions.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Loads `.env.local` then `.env` (the process environment wins; see
    /// [`Config::load_env_files`]), then reads the variables in the module docs.
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::builder().with_env()?.build()
    }

    /// The site's origin, e.g. `http://localhost:3000`.
    pub fn origin(&self) -> &Url {
        &self.origin
    }

    /// The auth routes' base path, e.g. `/api/auth`.
    pub fn base_path(&self) -> &str {
        &self.base_path
    }

    /// `origin + base_path + path`, e.g. `url("/callback/cognito")`.
    pub fn url(&self, path: &str) -> String {
        let origin = self.origin.as_str().trim_end_matches('/');
        format!("{origin}{}{path}", self.base_path)
    }

    /// True when the site is served over https: cookies get `Secure` and the `__Secure-` prefix.
    pub fn is_secure(&self) -> bool {
        self.origin.scheme() == "https"
    }

    /// Debug mode: step-by-step debug logs and causes shown on the error page.
    pub fn debug(&self) -> bool {
        self.debug
    }

    /// The cookie compatibility mode.
    pub fn compat(&self) -> Compat {
        self.compat
    }

    /// The built-in pages' brand, as checked by [`ConfigBuilder::build`].
    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// Session lifetime in seconds.
    pub fn session_max_age(&self) -> i64 {
        self.session_max_age
    }

    /// The configured session store's URL without user, password or query (`postgres://db:5432/app`),
    /// or `None` for cookie sessions.
    pub fn session_store(&self) -> Option<&str> {
        self.session_store.as_ref().map(StoreUrl::redacted)
    }

    pub(crate) fn secret_bytes(&self) -> Vec<&[u8]> {
        self.secrets
            .iter()
            .map(|s| s.expose_secret().as_bytes())
            .collect()
    }
}

/// Builder for [`Config`]; every setter has an environment variable counterpart read by
/// [`ConfigBuilder::with_env`].
#[derive(Clone)]
pub struct ConfigBuilder {
    url: Option<String>,
    secrets: Vec<(String, SecretString)>,
    compat: Compat,
    debug: Option<bool>,
    session_max_age: i64,
    session_update_age: i64,
    pages: Pages,
    theme: Theme,
    unauthenticated: Unauthenticated,
    store_tokens: bool,
    secret_file: PathBuf,
    allow_generated_secret: bool,
    max_cookie_bytes: usize,
    refresh_budget: std::time::Duration,
    session_store: Option<(&'static str, SecretString)>,
    session_store_timeout: std::time::Duration,
    trusted_proxies: TrustedProxies,
    session_recheck: Option<std::time::Duration>,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self {
            url: None,
            secrets: Vec::new(),
            compat: Compat::Hallpass,
            debug: None,
            session_max_age: 30 * 24 * 60 * 60,
            session_update_age: 24 * 60 * 60,
            pages: Pages::default(),
            theme: Theme::default(),
            unauthenticated: Unauthenticated::RedirectTo("/".into()),
            store_tokens: true,
            secret_file: PathBuf::from(".hallpass-secret"),
            allow_generated_secret: cfg!(debug_assertions),
            max_cookie_bytes: 8 * 1024,
            refresh_budget: std::time::Duration::from_secs(2),
            session_store: None,
            session_store_timeout: std::time::Duration::from_secs(1),
            trusted_proxies: TrustedProxies::none(),
            session_recheck: None,
        }
    }
}

impl ConfigBuilder {
    /// The site's public URL; a path other than `/` becomes the base path (default `/api/auth`).
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// Adds a secret. The first one added encrypts; all of them decrypt.
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secrets
            .push(("secret".into(), SecretString::from(secret.into())));
        self
    }

    /// Cookie names and key derivation: Hallpass's own, NextAuth v4's or Auth.js v5's.
    pub fn compat(mut self, compat: Compat) -> Self {
        self.compat = compat;
        self
    }

    /// Debug mode (default: on in debug builds).
    pub fn debug(mut self, on: bool) -> Self {
        self.debug = Some(on);
        self
    }

    /// How long a request waits for a refresh of the provider's tokens (default 2 s); the refresh
    /// goes on in the background. See "Refresh" in `README.md` for what a late or failed one means.
    pub fn refresh_budget(mut self, budget: std::time::Duration) -> Self {
        self.refresh_budget = budget;
        self
    }

    /// Session lifetime (default 30 days).
    pub fn session_max_age(mut self, max_age: std::time::Duration) -> Self {
        self.session_max_age = max_age.as_secs() as i64;
        self
    }

    /// How old a session cookie must be before a page request re-issues it (default 24 h).
    pub fn session_update_age(mut self, age: std::time::Duration) -> Self {
        self.session_update_age = age.as_secs() as i64;
        self
    }

    /// Custom pages.
    pub fn pages(mut self, pages: Pages) -> Self {
        self.pages = pages;
        self
    }

    /// The built-in pages' brand: name, logo, colours (see [`Theme`]); `AUTH_THEME_*` override its
    /// parts one by one.
    pub fn theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Where guards send signed-out visitors who asked for a page (default: a redirect to `/`).
    pub fn unauthenticated(mut self, to: Unauthenticated) -> Self {
        self.unauthenticated = to;
        self
    }

    /// Keep the provider's access and refresh tokens in the session, so that they can be refreshed and
    /// revoked (default on).
    pub fn store_tokens(mut self, on: bool) -> Self {
        self.store_tokens = on;
        self
    }

    /// Where a debug build keeps its generated secret (default `.hallpass-secret`).
    pub fn secret_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.secret_file = path.into();
        self
    }

    /// Whether a missing secret may be generated (default: in debug builds, over http only).
    pub fn allow_generated_secret(mut self, allow: bool) -> Self {
        self.allow_generated_secret = allow;
        self
    }

    /// The session cookie budget across all its chunks; a bigger session fails to sign in with a clear
    /// error instead of being dropped by a proxy (default 8 KiB; at most 60 KiB, 16 chunks).
    pub fn max_cookie_bytes(mut self, bytes: usize) -> Self {
        self.max_cookie_bytes = bytes.min(60 * 1024);
        self
    }

    /// Keeps sessions on the server, in the store this URL names (`sqlite://PATH`, `sqlite::memory:`,
    /// `postgres://…`, `redis://…`); the cookie then holds only a random session id. See
    /// "Server-side sessions" in `README.md`. The URL may hold a password: it is never logged.
    pub fn session_store(mut self, url: impl Into<String>) -> Self {
        self.session_store = Some(("session_store", SecretString::from(url.into())));
        self
    }

    /// How long one call to the session store may take before the request counts it as failed
    /// (default 1 s).
    pub fn session_store_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.session_store_timeout = timeout;
        self
    }

    /// The reverse proxies whose `X-Forwarded-For` (or `Forwarded`) names the client
    /// (`AUTH_TRUSTED_PROXIES`); see [`TrustedProxies`].
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.trusted_proxies = proxies;
        self
    }

    /// How long a stored session's provider tokens are trusted without asking the provider: past
    /// it, the next request refreshes them first (single-flight, as any refresh), and tokens the
    /// provider revoked (a global sign-out, a password reset elsewhere, a disabled user) end the
    /// session. Default 300 s with a session store; `Duration::ZERO` turns it off. A session
    /// without a refresh token cannot be re-checked. Cookie sessions are not re-checked.
    pub fn session_recheck(mut self, period: std::time::Duration) -> Self {
        self.session_recheck = Some(period);
        self
    }

    /// Validates everything and returns the configuration, or the first mistake found.
    pub fn build(self) -> Result<Config, ConfigError> {
        let (origin, base_path) = parse_url(self.url.as_deref())?;
        let mut secrets = self.secrets;
        if secrets.is_empty() {
            if origin.scheme() == "https" {
                return Err(ConfigError::MissingSecret(
                    "An https AUTH_URL means a deployment, which must set its own secret.",
                ));
            }
            if !self.allow_generated_secret {
                return Err(ConfigError::MissingSecret(
                    "Release builds never generate one.",
                ));
            }
            secrets.push((
                self.secret_file.display().to_string(),
                env::load_or_create_dev_secret(&self.secret_file)?,
            ));
        }
        for (var, s) in &secrets {
            let len = s.expose_secret().len();
            if len < 32 {
                return Err(ConfigError::SecretTooShort {
                    var: var.clone(),
                    len,
                });
            }
        }
        if self.session_max_age <= 0 {
            return Err(ConfigError::InvalidValue {
                var: "AUTH_SESSION_MAX_AGE",
                reason: "must be positive".into(),
            });
        }
        check_pages(&self.pages, &self.unauthenticated)?;
        let theme = self.theme.checked()?;
        let session_store = match &self.session_store {
            Some((var, url)) => Some(StoreUrl::parse(var, url.expose_secret())?),
            None => None,
        };
        Ok(Config {
            origin,
            base_path,
            secrets: secrets.into_iter().map(|(_, s)| s).collect(),
            compat: self.compat,
            debug: self.debug.unwrap_or(cfg!(debug_assertions)),
            session_max_age: self.session_max_age,
            session_update_age: self.session_update_age.clamp(0, self.session_max_age),
            pages: self.pages,
            theme,
            unauthenticated: self.unauthenticated,
            store_tokens: self.store_tokens,
            max_cookie_bytes: self.max_cookie_bytes,
            refresh_budget: self.refresh_budget,
            session_store,
            session_store_timeout: self.session_store_timeout,
            trusted_proxies: self.trusted_proxies,
            session_recheck: self.session_recheck,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: &str = "0123456789abcdef0123456789abcdef";

    fn vars<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn url_path_is_the_base_path() {
        let c = Config::builder()
            .with_vars(vars(&[
                ("NEXTAUTH_URL", "https://a.example/auth/"),
                ("AUTH_SECRET", S),
            ]))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(c.base_path(), "/auth");
        assert_eq!(c.url("/csrf"), "https://a.example/auth/csrf");
        assert!(c.is_secure());
        let c = Config::builder()
            .url("http://localhost:3000")
            .secret(S)
            .build()
            .unwrap();
        assert_eq!(c.base_path(), "/api/auth");
    }

    #[test]
    fn mistakes_name_the_variable() {
        let e = Config::builder()
            .with_vars(vars(&[("AUTH_SECRET", "short")]))
            .unwrap()
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("AUTH_SECRET"), "{e}");
        let e = Config::builder()
            .with_vars(vars(&[("AUTH_URL", "ftp://x"), ("AUTH_SECRET", S)]))
            .unwrap()
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("AUTH_URL"), "{e}");
        let e = Config::builder()
            .with_vars(vars(&[("AUTH_COMPAT", "v9")]))
            .err()
            .unwrap();
        assert!(e.to_string().contains("AUTH_COMPAT"), "{e}");
        let e = Config::builder()
            .url("https://a.example")
            .build()
            .unwrap_err();
        assert!(matches!(e, ConfigError::MissingSecret(_)), "{e}");
        let e = Config::builder()
            .url("http://localhost:3000")
            .allow_generated_secret(false)
            .build()
            .unwrap_err();
        assert!(e.to_string().contains("openssl rand"), "{e}");
    }

    #[test]
    fn rotation_list_keeps_order() {
        let c = Config::builder()
            .with_vars(vars(&[
                ("AUTH_SECRET_1", "11111111111111111111111111111111"),
                ("AUTH_SECRET_2", "22222222222222222222222222222222"),
            ]))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(c.secret_bytes()[0], b"11111111111111111111111111111111");
        assert_eq!(c.secret_bytes().len(), 2);
    }

    #[test]
    fn debug_builds_generate_and_keep_a_secret() {
        let dir = std::env::temp_dir().join(format!("hallpass-secret-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join(".hallpass-secret");
        let build = || {
            Config::builder()
                .secret_file(&file)
                .allow_generated_secret(true)
                .build()
                .unwrap()
        };
        let a = build();
        let b = build();
        assert_eq!(a.secret_bytes(), b.secret_bytes());
        assert!(a.secret_bytes()[0].len() >= 32);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let c = Config::builder().secret(S).build().unwrap();
        assert!(!format!("{c:?}").contains(S));
    }
}
