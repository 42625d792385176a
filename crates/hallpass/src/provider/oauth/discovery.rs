//! OpenID Connect discovery: `{issuer}/.well-known/openid-configuration`, whose `issuer` must be
//! exactly the one asked for.

use reqwest::Client;
use serde_json::Value;
use url::Url;

use super::config::{is_loopback, Endpoints};
use super::jwks::JwksCache;
use crate::provider::http::{self, sanitize};
use crate::provider::ProviderError;

/// What discovery established: the exact issuer, its endpoints and keys.
pub(super) struct Resolved {
    pub(super) issuer: String,
    pub(super) endpoints: Endpoints,
    pub(super) iss_parameter_supported: bool,
    pub(super) jwks: JwksCache,
}

/// Fetches `{issuer}/.well-known/openid-configuration` and checks its `issuer`.
pub(super) async fn discover(client: &Client, issuer: &str) -> Result<Resolved, ProviderError> {
    let url_str = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let derr = |reason: String| ProviderError::Discovery {
        url: url_str.clone(),
        reason,
    };
    let url = Url::parse(&url_str).map_err(|e| derr(e.to_string()))?;
    let doc = http::get_json(client, "discovery", &url)
        .await
        .map_err(|e| match e {
            ProviderError::Http { reason, .. } => derr(reason),
            other => other,
        })?;
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
            authorization: endpoint("authorization_endpoint", true)?,
            token: endpoint("token_endpoint", true)?,
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
