//! `AUTH_SESSION_STORE`: which store a URL names, and the URL as it may be logged (no password).

use secrecy::{ExposeSecret, SecretString};

use super::error::ConfigError;

/// The store kinds a URL can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StoreKind {
    Sqlite,
    Postgres,
    Redis,
}

impl StoreKind {
    /// The cargo feature that compiles this store in.
    fn feature(self) -> &'static str {
        match self {
            StoreKind::Sqlite => "sqlite",
            StoreKind::Postgres => "postgres",
            StoreKind::Redis => "redis",
        }
    }

    fn compiled_in(self) -> bool {
        match self {
            StoreKind::Sqlite => cfg!(feature = "sqlite"),
            StoreKind::Postgres => cfg!(feature = "postgres"),
            StoreKind::Redis => cfg!(feature = "redis"),
        }
    }
}

/// A checked store URL. The whole URL (which may hold a password) stays secret; `Debug` and logs
/// see [`StoreUrl::redacted`].
#[derive(Clone)]
pub(crate) struct StoreUrl {
    pub(crate) kind: StoreKind,
    url: SecretString,
    redacted: String,
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted)
    }
}

impl StoreUrl {
    /// Parses `raw` (from the variable `var`): a known scheme, a well-formed URL, its feature on.
    pub(crate) fn parse(var: &'static str, raw: &str) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError::InvalidValue { var, reason };
        let scheme = raw.split_once(':').map(|(s, _)| s).unwrap_or_default();
        let kind = match scheme.to_ascii_lowercase().as_str() {
            "sqlite" => StoreKind::Sqlite,
            "postgres" | "postgresql" => StoreKind::Postgres,
            "redis" | "rediss" => StoreKind::Redis,
            _ => {
                return Err(invalid(
                    "unknown store: use sqlite://…, sqlite::memory:, postgres://… or redis://…"
                        .into(),
                ))
            }
        };
        let redacted = if kind == StoreKind::Sqlite {
            // `sqlite::memory:` and `sqlite://path` are not all URLs; a file path holds no password.
            if raw != "sqlite::memory:" && !raw.starts_with("sqlite://") {
                return Err(invalid(
                    "a SQLite store is sqlite://PATH or sqlite::memory:".into(),
                ));
            }
            raw.split('?').next().unwrap_or(raw).to_string()
        } else {
            let mut url = url::Url::parse(raw).map_err(|e| {
                invalid(format!("not a URL ({e}); example: postgres://user@host/db"))
            })?;
            if url.host_str().is_none_or(str::is_empty) {
                return Err(invalid("the URL has no host".into()));
            }
            let _ = url.set_password(None);
            let _ = url.set_username("");
            url.set_query(None);
            url.to_string()
        };
        if !kind.compiled_in() {
            return Err(invalid(format!(
                "this build of hallpass has no {scheme} store: turn on its cargo feature `{feature}` \
                 (the example site: `cargo run --features {feature}`)",
                feature = kind.feature()
            )));
        }
        Ok(Self {
            kind,
            url: SecretString::from(raw.to_string()),
            redacted,
        })
    }

    /// The URL to connect with (may hold a password: never log it).
    pub(crate) fn expose(&self) -> &str {
        self.url.expose_secret()
    }

    /// The URL without user, password or query: what logs and `Debug` show.
    pub(crate) fn redacted(&self) -> &str {
        &self.redacted
    }
}

/// `raw` without the query parameters named in `names`, and those parameters' values (the last
/// of each name wins). A SQLite path is returned as it is: its parameters are the driver's.
pub(crate) fn take_params(
    raw: &str,
    names: &[&'static str],
) -> (String, Vec<(&'static str, String)>) {
    let Ok(mut url) = url::Url::parse(raw) else {
        return (raw.to_string(), Vec::new());
    };
    if url.scheme() == "sqlite" || url.query().is_none() {
        return (raw.to_string(), Vec::new());
    }
    let mut taken = Vec::new();
    let mut kept = Vec::new();
    for (k, v) in url.query_pairs() {
        match names.iter().find(|n| **n == k) {
            Some(name) => {
                taken.retain(|(n, _): &(&str, String)| n != name);
                taken.push((*name, v.into_owned()));
            }
            None => kept.push((k.into_owned(), v.into_owned())),
        }
    }
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    (url.to_string(), taken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_parameters_come_off_the_url() {
        let (url, ours) = take_params(
            "redis://:pw@127.0.0.1:6379/0?prefix=app1:&protocol=resp3",
            &["schema", "prefix"],
        );
        assert_eq!(url, "redis://:pw@127.0.0.1:6379/0?protocol=resp3");
        assert_eq!(ours, vec![("prefix", "app1:".to_string())]);
        let (url, ours) = take_params("postgres://u@h/db?schema=s1", &["schema", "prefix"]);
        assert_eq!((url.as_str(), ours.len()), ("postgres://u@h/db", 1));
        let (url, ours) = take_params("sqlite://x.db?mode=rwc", &["schema"]);
        assert_eq!((url.as_str(), ours.len()), ("sqlite://x.db?mode=rwc", 0));
    }

    #[test]
    fn passwords_never_show() {
        let u = StoreUrl::parse(
            "V",
            "postgres://app:hunter2@127.0.0.1:5432/test?sslmode=off",
        )
        .unwrap();
        assert_eq!(u.kind, StoreKind::Postgres);
        assert_eq!(u.redacted(), "postgres://127.0.0.1:5432/test");
        assert!(!format!("{u:?}").contains("hunter2"));
        let u = StoreUrl::parse("V", "redis://:pw@localhost:6379/0").unwrap();
        assert_eq!(u.redacted(), "redis://localhost:6379/0");
        assert_eq!(
            StoreUrl::parse("V", "sqlite::memory:").unwrap().kind,
            StoreKind::Sqlite
        );
    }

    #[test]
    fn mistakes_name_the_variable() {
        for bad in [
            "mysql://x/y",
            "postgres://",
            "sqlite:foo",
            "nonsense",
            "redis://:pw@",
        ] {
            let e = StoreUrl::parse("AUTH_SESSION_STORE", bad).unwrap_err();
            assert!(e.to_string().contains("AUTH_SESSION_STORE"), "{bad}: {e}");
            assert!(!e.to_string().contains("pw"), "{e}");
        }
    }
}
