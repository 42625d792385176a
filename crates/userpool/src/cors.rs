//! Which web origins may read the JSON API's public operations (CORS). Signed (admin)
//! operations get no CORS at all; see `api::mod`. The list comes from `--cors-origin`,
//! `USERPOOL_CORS_ORIGINS`, the seed's `cors_origins` or [`DEFAULT_CORS_ORIGINS`].

use url::Url;

/// Browser apps on this machine: any port of `localhost` and `127.0.0.1`, http or https.
pub const DEFAULT_CORS_ORIGINS: &[&str] = &[
    "http://localhost:*",
    "https://localhost:*",
    "http://127.0.0.1:*",
    "https://127.0.0.1:*",
];

/// The origins allowed to read public operations' answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AllowedOrigins(Vec<Pattern>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `*`: every origin (public operations only, still never `Authorization`).
    Any,
    /// `scheme://host[:port]`, the port `*` for any.
    Origin {
        scheme: String,
        host: String,
        port: Option<u16>,
        any_port: bool,
    },
}

impl Default for AllowedOrigins {
    fn default() -> Self {
        let list: Vec<String> = DEFAULT_CORS_ORIGINS.iter().map(|s| s.to_string()).collect();
        AllowedOrigins::parse(&list).expect("the default origins parse")
    }
}

impl AllowedOrigins {
    /// Parses `scheme://host[:port]` entries (`:*` for any port) and `*`; the error names the
    /// entry that is not an origin.
    pub(crate) fn parse(list: &[String]) -> Result<Self, String> {
        list.iter()
            .map(|s| parse_pattern(s.trim()).ok_or_else(|| format!("not a CORS origin: {s:?}")))
            .collect::<Result<Vec<_>, _>>()
            .map(AllowedOrigins)
    }

    /// Whether a request's `Origin` header value is allowed.
    pub(crate) fn allows(&self, origin: &str) -> bool {
        let Some((scheme, host, port)) = split_origin(origin) else {
            return false;
        };
        self.0.iter().any(|p| match p {
            Pattern::Any => true,
            Pattern::Origin {
                scheme: s,
                host: h,
                port: p,
                any_port,
            } => *s == scheme && *h == host && (*any_port || *p == port),
        })
    }
}

fn parse_pattern(s: &str) -> Option<Pattern> {
    if s == "*" {
        return Some(Pattern::Any);
    }
    let (text, any_port) = match s.strip_suffix(":*") {
        Some(rest) => (rest, true),
        None => (s, false),
    };
    let (scheme, host, port) = split_origin(text)?;
    // `host:80:*` names a port twice (the URL parser drops a scheme's default port).
    let names_port = text
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if any_port && names_port {
        return None;
    }
    Some(Pattern::Origin {
        scheme,
        host,
        port,
        any_port,
    })
}

/// `(scheme, host, port)` of an origin: http(s), nothing after the authority; the port `None`
/// when it is the scheme's default (so `http://localhost:80` is `http://localhost`).
fn split_origin(origin: &str) -> Option<(String, String, Option<u16>)> {
    // An origin is a scheme and an authority, nothing more (no path, query or user).
    let (_, authority) = origin.split_once("://")?;
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', '\\']) {
        return None;
    }
    let url = Url::parse(origin).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return None;
    }
    Some((
        url.scheme().to_string(),
        url.host_str()?.to_string(),
        url.port(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(s: &[&str]) -> AllowedOrigins {
        AllowedOrigins::parse(&s.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn the_default_allows_local_apps_on_any_port_only() {
        let d = AllowedOrigins::default();
        for ok in [
            "http://localhost:3000",
            "http://localhost",
            "https://localhost:8443",
            "http://127.0.0.1:5173",
            "HTTP://LOCALHOST:3000",
        ] {
            assert!(d.allows(ok), "{ok}");
        }
        for no in [
            "https://evil.test",
            "http://localhost.evil.test",
            "http://127.0.0.1.evil.test:80",
            "null",
            "",
            "http://localhost:3000/path",
            "file://localhost",
            "http://user@localhost:3000",
        ] {
            assert!(!d.allows(no), "{no}");
        }
    }

    #[test]
    fn listed_origins_match_exactly_or_by_any_port() {
        let l = list(&["https://app.example.com", "http://dev.test:*"]);
        assert!(l.allows("https://app.example.com"));
        assert!(l.allows("https://app.example.com:443"));
        assert!(!l.allows("https://app.example.com:8443"));
        assert!(!l.allows("http://app.example.com"));
        assert!(l.allows("http://dev.test:1234"));
        assert!(!l.allows("http://localhost:3000"));
        assert!(list(&["*"]).allows("https://anything.test"));
        assert!(AllowedOrigins::parse(&["localhost:3000".into()]).is_err());
        assert!(AllowedOrigins::parse(&["http://a.test/path".into()]).is_err());
        assert!(AllowedOrigins::parse(&["http://a.test:80:*".into()]).is_err());
    }
}
