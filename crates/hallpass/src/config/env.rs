//! The environment on top of the builder: `.env.local`, `.env` and the variables of the module docs.

use std::sync::Once;

use secrecy::SecretString;

use super::theme::{ColorScheme, Theme};
use super::{Compat, ConfigBuilder, ConfigError};
use crate::client_ip::{ProxyHeader, TrustedProxies};

impl ConfigBuilder {
    /// Loads `.env.local`, then `.env` (neither overrides the process environment), then applies the
    /// variables listed in the module docs on top of what the builder holds.
    pub fn with_env(self) -> Result<Self, ConfigError> {
        super::Config::load_env_files();
        self.with_vars(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Like [`ConfigBuilder::with_env`] with the variables taken from `var` (for tests and embedding).
    pub fn with_vars(mut self, var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        if let Some(url) = var("AUTH_URL").or_else(|| var("NEXTAUTH_URL")) {
            self.url = Some(url);
        }
        if let Some(c) = var("AUTH_COMPAT") {
            self.compat = parse_compat(&c)?;
        }
        let mut env_secrets = Vec::new();
        for name in ["AUTH_SECRET", "NEXTAUTH_SECRET"] {
            if let Some(s) = var(name) {
                env_secrets.push((name.to_string(), SecretString::from(s)));
                break;
            }
        }
        for name in ["AUTH_SECRET_1", "AUTH_SECRET_2", "AUTH_SECRET_3"] {
            if let Some(s) = var(name) {
                env_secrets.push((name.to_string(), SecretString::from(s)));
            }
        }
        if self.compat == Compat::AuthJsV5 {
            // Auth.js pushes AUTH_SECRET, then puts AUTH_SECRET_1, _2, _3 each in front: the same
            // list (the first encrypts; its CSRF cookie hashes the whole list) needs the same order.
            env_secrets.reverse();
        }
        if !env_secrets.is_empty() {
            self.secrets = env_secrets;
        }
        if let Some(d) = var("AUTH_DEBUG") {
            self.debug = Some(parse_bool("AUTH_DEBUG", &d)?);
        }
        if let Some(v) = var("AUTH_SESSION_MAX_AGE") {
            self.session_max_age = parse_secs("AUTH_SESSION_MAX_AGE", &v)?;
        }
        if let Some(v) = var("AUTH_SESSION_UPDATE_AGE") {
            self.session_update_age = parse_secs("AUTH_SESSION_UPDATE_AGE", &v)?;
        }
        if let Some(v) = var("AUTH_SESSION_STORE") {
            self.session_store = Some(("AUTH_SESSION_STORE", SecretString::from(v)));
        }
        if let Some(v) = var("AUTH_SESSION_STORE_TIMEOUT") {
            let ms = v.parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ConfigError::InvalidValue {
                    var: "AUTH_SESSION_STORE_TIMEOUT",
                    reason: format!("`{v}` is not a positive whole number of milliseconds"),
                }
            })?;
            self.session_store_timeout = std::time::Duration::from_millis(ms);
        }
        if let Some(v) = var("AUTH_TRUSTED_PROXIES") {
            let proxies = TrustedProxies::parse(&v).map_err(|e| ConfigError::InvalidValue {
                var: "AUTH_TRUSTED_PROXIES",
                reason: e.to_string(),
            })?;
            self = self.trusted_proxies(proxies);
        }
        if let Some(v) = var("AUTH_TRUSTED_PROXY_HEADER") {
            let header = match v.to_ascii_lowercase().as_str() {
                "x-forwarded-for" => ProxyHeader::XForwardedFor,
                "forwarded" => ProxyHeader::Forwarded,
                _ => {
                    return Err(ConfigError::InvalidValue {
                        var: "AUTH_TRUSTED_PROXY_HEADER",
                        reason: "use `x-forwarded-for` or `forwarded`".into(),
                    })
                }
            };
            self.trusted_proxies = self.trusted_proxies.header(header);
        }
        if let Some(v) = var("AUTH_SESSION_RECHECK") {
            let secs = v.parse::<u64>().map_err(|_| ConfigError::InvalidValue {
                var: "AUTH_SESSION_RECHECK",
                reason: format!("`{v}` is not a whole number of seconds (0 turns it off)"),
            })?;
            self = self.session_recheck(std::time::Duration::from_secs(secs));
        }
        self.theme = theme_vars(self.theme, &var)?;
        Ok(self)
    }
}

fn parse_compat(value: &str) -> Result<Compat, ConfigError> {
    Ok(match value {
        "hallpass" => Compat::Hallpass,
        "next-auth-v4" | "nextauth-v4" => Compat::NextAuthV4,
        "authjs-v5" | "auth-js-v5" => Compat::AuthJsV5,
        other => {
            return Err(ConfigError::InvalidValue {
                var: "AUTH_COMPAT",
                reason: format!(
                    "`{other}`; use `hallpass`, `next-auth-v4` (or `nextauth-v4`), or `authjs-v5` (or `auth-js-v5`)"
                ),
            })
        }
    })
}

/// `AUTH_THEME_*` on top of the builder's theme, part by part; `build` checks the values.
fn theme_vars(
    mut theme: Theme,
    var: &impl Fn(&str) -> Option<String>,
) -> Result<Theme, ConfigError> {
    if let Some(v) = var("AUTH_THEME_NAME") {
        theme = theme.name(v);
    }
    if let Some(v) = var("AUTH_THEME_LOGO") {
        theme = theme.logo(v);
    }
    if let Some(v) = var("AUTH_THEME_BRAND_COLOR") {
        theme = theme.brand_color(v);
    }
    if let Some(v) = var("AUTH_THEME_BUTTON_TEXT") {
        theme = theme.button_text(v);
    }
    if let Some(v) = var("AUTH_THEME_COLOR_SCHEME") {
        let scheme = ColorScheme::parse(&v).ok_or_else(|| ConfigError::InvalidValue {
            var: "AUTH_THEME_COLOR_SCHEME",
            reason: format!("`{v}`; use `auto`, `light` or `dark`"),
        })?;
        theme = theme.color_scheme(scheme);
    }
    Ok(theme)
}

fn parse_bool(var: &'static str, v: &str) -> Result<bool, ConfigError> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::InvalidValue {
            var,
            reason: format!("`{v}`; use 1 or 0"),
        }),
    }
}

fn parse_secs(var: &'static str, v: &str) -> Result<i64, ConfigError> {
    v.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| ConfigError::InvalidValue {
            var,
            reason: format!("`{v}` is not a whole number of seconds"),
        })
}

impl super::Config {
    /// Loads `.env.local`, then `.env`, into the process environment (neither overrides a variable
    /// already set), once per process. Every `from_env` in Hallpass calls it first, so the order
    /// in which an app calls them does not matter; call it yourself before reading your own
    /// variables with `std::env::var`.
    pub fn load_env_files() {
        static LOADED: Once = Once::new();
        LOADED.call_once(|| {
            for file in [".env.local", ".env"] {
                // A missing file is normal; a malformed one is the developer's to see.
                if let Err(e) = dotenvy::from_filename(file) {
                    if !e.not_found() {
                        tracing::warn!("could not load {file}: {e}");
                        eprintln!("hallpass: could not load {file}: {e}");
                    }
                }
            }
        });
    }
}

/// Debug builds without a secret keep a generated one in a git-ignored file, so that sessions survive
/// restarts during development.
pub(super) fn load_or_create_dev_secret(
    path: &std::path::Path,
) -> Result<SecretString, ConfigError> {
    let err = |source| ConfigError::SecretFile {
        path: path.to_path_buf(),
        source,
    };
    match std::fs::read_to_string(path) {
        Ok(s) if s.trim().len() >= 32 => return Ok(SecretString::from(s.trim().to_string())),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = base64::engine::general_purpose::STANDARD.encode(bytes);
    write_private(path, &secret).map_err(err)?;
    warn_generated_secret(path);
    Ok(SecretString::from(secret))
}

/// The generated-secret warning goes to the log and, when the app has installed no `tracing`
/// subscriber (where it would be lost), to stderr as well, once.
fn warn_generated_secret(path: &std::path::Path) {
    let message = format!(
        "AUTH_SECRET is not set: generated a development secret in {path}. Keep it out of git: \
         add `{path}` and `.env.local` to your .gitignore. Set AUTH_SECRET before deploying.",
        path = path.display()
    );
    tracing::warn!("{message}");
    static PRINTED: Once = Once::new();
    if !tracing::dispatcher::has_been_set() {
        PRINTED.call_once(|| eprintln!("hallpass warning: {message}"));
    }
}

fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents.as_bytes())?;
    f.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::super::Config;
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
    fn compat_values() {
        for (value, want) in [
            ("hallpass", Compat::Hallpass),
            ("next-auth-v4", Compat::NextAuthV4),
            ("nextauth-v4", Compat::NextAuthV4),
            ("authjs-v5", Compat::AuthJsV5),
            ("auth-js-v5", Compat::AuthJsV5),
        ] {
            let c = Config::builder()
                .with_vars(vars(&[("AUTH_COMPAT", value), ("AUTH_SECRET", S)]))
                .unwrap()
                .build()
                .unwrap();
            assert_eq!(c.compat(), want, "{value}");
        }
        let e = Config::builder()
            .with_vars(vars(&[("AUTH_COMPAT", "authjs-v4")]))
            .err()
            .unwrap()
            .to_string();
        for accepted in ["hallpass", "next-auth-v4", "authjs-v5", "auth-js-v5"] {
            assert!(e.contains(&format!("`{accepted}`")), "{e}");
        }
    }

    #[test]
    fn authjs_takes_the_secrets_in_its_own_order() {
        let env = [
            ("AUTH_SECRET", "00000000000000000000000000000000"),
            ("AUTH_SECRET_1", "11111111111111111111111111111111"),
            ("AUTH_SECRET_3", "33333333333333333333333333333333"),
        ];
        let order = |compat: &'static str| {
            let mut pairs = env.to_vec();
            pairs.push(("AUTH_COMPAT", compat));
            let c = Config::builder()
                .with_vars(vars(&pairs))
                .unwrap()
                .build()
                .unwrap();
            c.secret_bytes().iter().map(|s| s[0]).collect::<Vec<u8>>()
        };
        // Auth.js: `AUTH_SECRET` first, then each of `_1`, `_2`, `_3` put in front of the list.
        assert_eq!(order("authjs-v5"), b"310");
        assert_eq!(order("hallpass"), b"013");
    }
}
