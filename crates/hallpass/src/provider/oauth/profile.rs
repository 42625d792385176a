//! The profile: fetched claims (userinfo, or a preset's loader), merged with the ID token's, mapped
//! to a [`Profile`] by the configured [`ClaimMapping`].

use reqwest::{Client, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use crate::provider::http;
use crate::provider::{Profile, ProviderError};
use crate::shared::BoxFuture;

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

/// Which claims become the profile's groups, username and kept extras.
#[derive(Clone, Debug)]
pub struct ClaimMapping {
    /// The claim holding the groups (default `groups`).
    pub groups: String,
    /// The claims tried in order for the username (default `preferred_username`).
    pub username: Vec<String>,
    /// Claims kept in [`Profile::extra`](crate::provider::Profile::extra) (and so in the session)
    /// when their name starts with one of these prefixes (default `custom:`).
    pub keep_prefixes: Vec<String>,
    /// Claims kept by exact name (default `email_verified`).
    pub keep: Vec<String>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            groups: "groups".into(),
            username: vec!["preferred_username".into()],
            keep_prefixes: vec!["custom:".into()],
            keep: vec!["email_verified".into()],
        }
    }
}

/// Fetches the profile claims with the access token, for providers whose userinfo is not one
/// standard endpoint (a user endpoint plus a separate e-mail list, say). The claims it returns use OpenID
/// Connect's names (`sub`, `name`, `email`, `picture`, …) and must include `sub`.
pub trait ProfileLoader: Send + Sync + 'static {
    /// The claims of the user the access token belongs to.
    fn load<'a>(
        &'a self,
        http: &'a Client,
        access_token: &'a str,
    ) -> BoxFuture<'a, Result<Map<String, Value>, ProviderError>>;
}

/// The standard loader: `GET` the userinfo endpoint with a Bearer header.
pub(super) async fn userinfo(
    client: &Client,
    url: &Url,
    access_token: &str,
) -> Result<Map<String, Value>, ProviderError> {
    // Bearer header only: a token in a query would end up in access logs.
    let req = client.get(url.clone()).bearer_auth(access_token);
    let reply = http::send_json("userinfo endpoint", url, req).await?;
    match reply.status {
        StatusCode::OK => reply
            .body
            .map_err(|r| ProviderError::Userinfo(format!("{url}: {r}"))),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(ProviderError::Userinfo(format!(
            "{url} refused the access token (HTTP {}); the `openid` scope may be required",
            reply.status
        ))),
        s => Err(ProviderError::Userinfo(format!("{url} answered HTTP {s}"))),
    }
}

/// Userinfo claims join the verified ones; its `sub` must be the ID token's (OIDC Core 5.3.4)
/// and it cannot overwrite what describes the ID token itself.
pub(super) fn merge_userinfo(
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
        // Some providers send these booleans as strings.
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

/// Maps verified claims to the profile.
pub(super) fn profile(mapping: &ClaimMapping, claims: Map<String, Value>) -> Profile {
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
    let groups = match claims.get(&mapping.groups) {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(g)) if !g.is_empty() => vec![g.clone()],
        _ => Vec::new(),
    };
    let username = mapping.username.iter().find_map(|k| s(k));
    let extra = claims
        .iter()
        .filter(|(k, _)| {
            mapping.keep.iter().any(|n| n == *k)
                || mapping
                    .keep_prefixes
                    .iter()
                    .any(|p| k.starts_with(p.as_str()))
        })
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
