//! Talking to an identity provider: its endpoints (discovered from `oidc_issuer`, or given),
//! the code exchange, its userInfo, and the full check of its ID token (signature against its
//! JWKS, `iss`, `aud`/`azp`, `exp`, `nonce`).

use std::sync::OnceLock;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use url::Url;

use super::provider::{issuer, upstream_url};
use super::FederationError;
use crate::store::ProviderRow;

/// Largest answer read from a provider.
const MAX_REPLY: usize = 256 * 1024;
/// Clock skew allowed on `exp`/`iat` (seconds).
const LEEWAY: u64 = 60;
/// The signature algorithms accepted (asymmetric only: never `none` or a shared secret).
const ALGORITHMS: &[Algorithm] = &[
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
];

/// A provider's endpoints and what it supports.
#[derive(Debug, Clone)]
pub(crate) struct Endpoints {
    pub issuer: Option<String>,
    pub authorize: Url,
    pub token: Url,
    pub userinfo: Option<Url>,
    pub jwks: Url,
    pub pkce: bool,
    /// Client authentication at the token endpoint: HTTP Basic (else form fields).
    pub basic_auth: bool,
}

/// The client every upstream call goes through: no redirects followed, short time limits.
fn http() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default()
    })
}

fn upstream_err(what: &str, e: impl std::fmt::Display) -> FederationError {
    FederationError::Upstream(format!("{what}: {e}"))
}

/// Sends a request and reads its JSON object answer, refusing anything large or not 2xx.
async fn json_of(what: &str, req: reqwest::RequestBuilder) -> Result<Value, FederationError> {
    let mut resp = req.send().await.map_err(|e| upstream_err(what, e))?;
    let status = resp.status();
    let mut body = vec![];
    while let Some(chunk) = resp.chunk().await.map_err(|e| upstream_err(what, e))? {
        if body.len() + chunk.len() > MAX_REPLY {
            return Err(upstream_err(what, "answer too large"));
        }
        body.extend_from_slice(&chunk);
    }
    if !status.is_success() {
        // The provider's OAuth error code only (its description may echo anything).
        let code: String = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(|s| s.chars().take(64).collect()))
            .unwrap_or_default();
        return Err(upstream_err(what, format!("HTTP {status} {code}")));
    }
    match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(upstream_err(what, "not a JSON object")),
    }
}

/// The provider's endpoints: the `ProviderDetails` URLs where given, discovery for the rest.
pub(crate) async fn endpoints(p: &ProviderRow) -> Result<Endpoints, FederationError> {
    let given = |k: &str| p.details.get(k).map(|u| upstream_url(u)).transpose();
    let iss = issuer(p);
    let discovered = match (
        &iss,
        given("authorize_url")?,
        given("token_url")?,
        given("jwks_uri")?,
    ) {
        (_, Some(_), Some(_), Some(_)) => Value::Null,
        (Some(i), ..) => {
            let url = format!(
                "{}/.well-known/openid-configuration",
                i.trim_end_matches('/')
            );
            json_of("discovery", http().get(upstream_url(&url)?)).await?
        }
        (None, ..) => return Err(FederationError::Config("no oidc_issuer".into())),
    };
    let pick = |key: &str, disc: &str| -> Result<Option<Url>, FederationError> {
        match given(key)? {
            Some(u) => Ok(Some(u)),
            None => discovered[disc].as_str().map(upstream_url).transpose(),
        }
    };
    let need = |u: Option<Url>, what: &str| {
        u.ok_or_else(|| FederationError::Upstream(format!("discovery gives no {what}")))
    };
    let list = |k: &str| -> Vec<String> {
        discovered[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let auth_methods = list("token_endpoint_auth_methods_supported");
    Ok(Endpoints {
        issuer: iss,
        authorize: need(
            pick("authorize_url", "authorization_endpoint")?,
            "authorization_endpoint",
        )?,
        token: need(pick("token_url", "token_endpoint")?, "token_endpoint")?,
        userinfo: pick("attributes_url", "userinfo_endpoint")?,
        jwks: need(pick("jwks_uri", "jwks_uri")?, "jwks_uri")?,
        pkce: list("code_challenge_methods_supported")
            .iter()
            .any(|m| m == "S256"),
        // The default when discovery names none (OpenID Connect Discovery 1.0, §3).
        basic_auth: auth_methods.is_empty()
            || auth_methods.iter().any(|m| m == "client_secret_basic"),
    })
}

/// The token endpoint's answer: the ID token and the access token (for userInfo).
pub(crate) struct UpstreamTokens {
    pub id_token: String,
    pub access_token: Option<String>,
}

/// Redeems the provider's code.
pub(crate) async fn exchange(
    p: &ProviderRow,
    e: &Endpoints,
    code: &str,
    redirect_uri: &str,
    code_verifier: &str,
) -> Result<UpstreamTokens, FederationError> {
    let client_id = p.details.get("client_id").map(String::as_str).unwrap_or("");
    let secret = p.details.get("client_secret").map(String::as_str);
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", redirect_uri),
    ];
    if e.pkce {
        form.push(("code_verifier", code_verifier));
    }
    let mut req = http().post(e.token.clone());
    match secret {
        Some(s) if e.basic_auth => {
            // RFC 6749 §2.3.1: each part form-encoded, then Basic.
            let enc =
                |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
            let basic = STANDARD.encode(format!("{}:{}", enc(client_id), enc(s)));
            req = req.header("authorization", format!("Basic {basic}"));
        }
        Some(s) => form.extend([("client_id", client_id), ("client_secret", s)]),
        None => form.push(("client_id", client_id)),
    }
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let req = req
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(body);
    let v = json_of("token endpoint", req).await?;
    let id_token = v["id_token"]
        .as_str()
        .ok_or_else(|| FederationError::Token("the token endpoint gave no id_token".into()))?;
    Ok(UpstreamTokens {
        id_token: id_token.to_string(),
        access_token: v["access_token"].as_str().map(String::from),
    })
}

/// Verifies the ID token fully; its claims.
pub(crate) async fn verify_id_token(
    p: &ProviderRow,
    e: &Endpoints,
    id_token: &str,
    nonce: &str,
) -> Result<Map<String, Value>, FederationError> {
    let bad = |m: &str| FederationError::Token(m.to_string());
    let header = jsonwebtoken::decode_header(id_token).map_err(|_| bad("unreadable header"))?;
    if !ALGORITHMS.contains(&header.alg) {
        return Err(bad("signature algorithm not accepted"));
    }
    let set: JwkSet = serde_json::from_value(json_of("JWKS", http().get(e.jwks.clone())).await?)
        .map_err(|_| bad("unreadable JWKS"))?;
    let jwk = match &header.kid {
        Some(kid) => set.find(kid),
        None if set.keys.len() == 1 => set.keys.first(),
        None => None,
    }
    .ok_or_else(|| bad("no key of the provider's JWKS signed it"))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| bad("unusable key in the JWKS"))?;
    let client_id = p.details.get("client_id").map(String::as_str).unwrap_or("");
    let mut v = Validation::new(header.alg);
    v.leeway = LEEWAY;
    v.set_audience(&[client_id]);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    if let Some(i) = &e.issuer {
        v.set_issuer(&[i]);
    }
    let data = jsonwebtoken::decode::<Map<String, Value>>(id_token, &key, &v)
        .map_err(|e| FederationError::Token(format!("{:?}", e.kind())))?;
    let claims = data.claims;
    // With several audiences, the token must have been issued to this client (OIDC Core 3.1.3.7).
    if claims["aud"].as_array().is_some_and(|a| a.len() > 1)
        && claims.get("azp").and_then(Value::as_str) != Some(client_id)
    {
        return Err(bad("azp is not this client"));
    }
    if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
        return Err(bad("nonce mismatch"));
    }
    if !claims
        .get("sub")
        .is_some_and(|s| s.as_str().is_some_and(|s| !s.is_empty() && s.len() <= 255))
    {
        return Err(bad("no usable sub"));
    }
    Ok(claims)
}

/// The provider's userInfo for the access token, when it has that endpoint: more claims
/// (a conforming provider puts only `sub` into an ID token issued with an access token).
pub(crate) async fn user_info(
    p: &ProviderRow,
    e: &Endpoints,
    access_token: &str,
    sub: &str,
) -> Result<Map<String, Value>, FederationError> {
    let Some(url) = &e.userinfo else {
        return Ok(Map::new());
    };
    let post = p
        .details
        .get("attributes_request_method")
        .map(String::as_str)
        == Some("POST");
    let req = if post {
        http().post(url.clone())
    } else {
        http().get(url.clone())
    };
    let v = json_of("userInfo", req.bearer_auth(access_token)).await?;
    let Value::Object(claims) = v else {
        return Ok(Map::new());
    };
    // OIDC Core 5.3.2: a userInfo answer for another subject is not used.
    if claims.get("sub").and_then(Value::as_str) != Some(sub) {
        return Err(FederationError::Upstream(
            "userInfo is for another sub".into(),
        ));
    }
    Ok(claims)
}
