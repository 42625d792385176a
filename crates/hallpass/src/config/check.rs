//! The checks of `build`: `AUTH_URL` as an origin and a base path, and pages that stay on the site.

use url::Url;

use super::{ConfigError, Pages, Unauthenticated};

/// `AUTH_URL` (or the debug default) as the site's origin and the auth base path.
pub(super) fn parse_url(url: Option<&str>) -> Result<(Url, String), ConfigError> {
    let raw_url = match url {
        Some(u) => u.to_string(),
        None if cfg!(debug_assertions) => "http://localhost:3000".to_string(),
        None => return Err(ConfigError::MissingUrl),
    };
    let url = Url::parse(&raw_url).map_err(|e| ConfigError::InvalidUrl {
        var: "AUTH_URL",
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(ConfigError::InvalidUrl {
            var: "AUTH_URL",
            reason: "the scheme must be http or https and a host is required".into(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::InvalidUrl {
            var: "AUTH_URL",
            reason: "a query string or fragment is not allowed".into(),
        });
    }
    let path = url.path().trim_end_matches('/');
    let base_path = if path.is_empty() {
        "/api/auth".to_string()
    } else {
        path.to_string()
    };
    let origin =
        Url::parse(&url.origin().ascii_serialization()).map_err(|e| ConfigError::InvalidUrl {
            var: "AUTH_URL",
            reason: e.to_string(),
        })?;
    Ok((origin, base_path))
}

/// Custom pages and the guard's redirect must stay on the site.
pub(super) fn check_pages(
    pages: &Pages,
    unauthenticated: &Unauthenticated,
) -> Result<(), ConfigError> {
    for (what, page) in [
        ("pages.sign_in", &pages.sign_in),
        ("pages.sign_out", &pages.sign_out),
        ("pages.error", &pages.error),
        ("pages.cognito", &pages.cognito),
    ] {
        if let Some(p) = page {
            if crate::redirect::same_origin_path(p).is_none() {
                return Err(ConfigError::InvalidValue {
                    var: "pages",
                    reason: format!("{what} must be a same-origin path starting with `/`"),
                });
            }
        }
    }
    if let Unauthenticated::RedirectTo(p) = unauthenticated {
        if crate::redirect::same_origin_path(p).is_none() {
            return Err(ConfigError::InvalidValue {
                var: "unauthenticated",
                reason: "the redirect must be a same-origin path starting with `/`".into(),
            });
        }
    }
    Ok(())
}
