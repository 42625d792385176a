//! A provider's configuration: the types this pool supports, the `ProviderDetails` each needs,
//! the attribute mapping's defaults, and where its endpoints are.

use std::collections::BTreeMap;

use url::Url;

use super::FederationError;
use crate::config::valid_attribute_name;
use crate::store::ProviderRow;

/// The social types, each signed in to as an OpenID provider at its issuer.
const SOCIAL: &[(&str, Option<&str>)] = &[
    ("Google", Some("https://accounts.google.com")),
    ("SignInWithApple", Some("https://appleid.apple.com")),
    ("Facebook", Some("https://www.facebook.com")),
    // Login with Amazon has no OpenID discovery: `oidc_issuer` (or the URLs) must be given.
    ("LoginWithAmazon", None),
];

/// `ProviderDetails` keys naming endpoints that discovery would otherwise give.
pub(crate) const ENDPOINT_KEYS: &[&str] =
    &["authorize_url", "token_url", "attributes_url", "jwks_uri"];

/// Longest provider name (Cognito: 32).
const MAX_NAME: usize = 32;
/// Longest identifier, and most identifiers per provider (Cognito: 40 and 50).
const MAX_IDENTIFIER: usize = 40;
const MAX_IDENTIFIERS: usize = 50;

/// Checks a provider's name, type, details, mapping and identifiers as `CreateIdentityProvider`
/// and `UpdateIdentityProvider` receive them; the message says what is wrong.
pub(crate) fn check(p: &ProviderRow) -> Result<(), String> {
    check_name(&p.name, &p.provider_type)?;
    for key in ["client_id", "authorize_scopes"] {
        if p.details.get(key).is_none_or(|v| v.trim().is_empty()) {
            return Err(format!("ProviderDetails must contain {key}."));
        }
    }
    if !p.details.contains_key("oidc_issuer") && default_issuer(&p.provider_type).is_none() {
        let all_urls = ENDPOINT_KEYS.iter().all(|k| p.details.contains_key(*k));
        if !all_urls {
            return Err("ProviderDetails must contain oidc_issuer.".into());
        }
    }
    if let Some(m) = p.details.get("attributes_request_method") {
        if m != "GET" && m != "POST" {
            return Err("attributes_request_method must be GET or POST.".into());
        }
    }
    for key in ["oidc_issuer"].iter().chain(ENDPOINT_KEYS) {
        if let Some(u) = p.details.get(*key) {
            upstream_url(u).map_err(|e| format!("{key}: {e}"))?;
        }
    }
    // The attributes kept apart from the others (`valid_attribute_name` names the others).
    let apart = [
        "username",
        "email",
        "email_verified",
        "phone_number",
        "phone_number_verified",
    ];
    for name in p.attribute_mapping.keys() {
        if !apart.contains(&name.as_str()) {
            valid_attribute_name(name)?;
        }
    }
    check_identifiers(&p.idp_identifiers)
}

fn check_name(name: &str, provider_type: &str) -> Result<(), String> {
    match provider_type {
        "OIDC" => {}
        "SAML" => {
            return Err("SAML identity providers are not supported by this local pool.".into())
        }
        t if SOCIAL.iter().any(|(s, _)| *s == t) => {
            // Cognito names a social provider after its type.
            if name != t {
                return Err(format!("ProviderName must be {t} for ProviderType {t}."));
            }
        }
        _ => {
            return Err(
                "ProviderType must be one of SAML, Facebook, Google, LoginWithAmazon, SignInWithApple, OIDC."
                    .into(),
            )
        }
    }
    let bad_char = |c: char| c.is_whitespace() || c.is_control();
    if name.is_empty()
        || name.chars().count() > MAX_NAME
        || name.starts_with('_')
        || name.chars().any(bad_char)
    {
        return Err(format!(
            "ProviderName must be 1 to {MAX_NAME} characters, without spaces, not starting with _."
        ));
    }
    if name.eq_ignore_ascii_case("cognito") {
        return Err("ProviderName Cognito is reserved.".into());
    }
    Ok(())
}

fn check_identifiers(ids: &[String]) -> Result<(), String> {
    if ids.len() > MAX_IDENTIFIERS {
        return Err(format!("At most {MAX_IDENTIFIERS} IdpIdentifiers."));
    }
    let ok = |s: &str| {
        !s.is_empty()
            && s.chars().count() <= MAX_IDENTIFIER
            && s.chars()
                .all(|c| c.is_alphanumeric() || "_ +=.@-".contains(c))
    };
    match ids.iter().find(|s| !ok(s)) {
        Some(bad) => Err(format!("Invalid IdpIdentifier {bad:?}.")),
        None => Ok(()),
    }
}

/// The issuer a social type signs in at, when it has a fixed one.
fn default_issuer(provider_type: &str) -> Option<&'static str> {
    SOCIAL
        .iter()
        .find(|(t, _)| *t == provider_type)
        .and_then(|(_, i)| *i)
}

/// The issuer to discover and to check ID tokens against.
pub(crate) fn issuer(p: &ProviderRow) -> Option<String> {
    p.details
        .get("oidc_issuer")
        .cloned()
        .or_else(|| default_issuer(&p.provider_type).map(String::from))
}

/// The mapping as stored: Cognito maps `username` to the provider's `sub` unless told else.
pub(crate) fn with_default_mapping(mut m: BTreeMap<String, String>) -> BTreeMap<String, String> {
    m.entry("username".into()).or_insert_with(|| "sub".into());
    m
}

/// An upstream URL: `https`, or `http` to a loopback host only (a provider on this machine,
/// in development); no credentials or fragment.
pub(crate) fn upstream_url(s: &str) -> Result<Url, FederationError> {
    let u = Url::parse(s).map_err(|e| FederationError::Config(format!("bad URL: {e}")))?;
    let loopback = match u.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let scheme_ok = u.scheme() == "https" || (u.scheme() == "http" && loopback);
    if !scheme_ok || !u.username().is_empty() || u.password().is_some() || u.fragment().is_some() {
        return Err(FederationError::Config(
            "URLs must be https (http only to localhost), without credentials".into(),
        ));
    }
    Ok(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls_are_https_or_loopback() {
        assert!(upstream_url("https://accounts.google.com").is_ok());
        assert!(upstream_url("http://127.0.0.1:9000").is_ok());
        assert!(upstream_url("http://localhost:9000/x").is_ok());
        assert!(upstream_url("http://[::1]:9000").is_ok());
        assert!(upstream_url("http://example.com").is_err());
        assert!(upstream_url("https://u:p@example.com").is_err());
        assert!(upstream_url("file:///etc/passwd").is_err());
    }

    #[test]
    fn names_follow_the_type() {
        assert!(check_name("Google", "Google").is_ok());
        assert!(check_name("MyGoogle", "Google").is_err());
        assert!(check_name("Corp", "OIDC").is_ok());
        assert!(check_name("Corp", "SAML").is_err());
        assert!(check_name("has space", "OIDC").is_err());
        assert!(check_name("COGNITO", "OIDC").is_err());
    }
}
