//! The token endpoint (and the revocation endpoint's client authentication): authenticated form
//! posts, and replies read as JSON or, as some OAuth 2.0 providers send them, form-encoded.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reqwest::{Client, StatusCode};
use secrecy::ExposeSecret as _;
use serde_json::{Map, Value};
use url::Url;

use super::config::{ClientAuth, OAuthConfig};
use crate::provider::http::{self, sanitize};
use crate::provider::ProviderError;

/// A token endpoint's successful reply.
pub(super) struct TokenReply {
    pub(super) access_token: String,
    pub(super) id_token: Option<String>,
    pub(super) refresh_token: Option<String>,
    pub(super) expires_in: Option<i64>,
}

/// A form post with the client's authentication.
pub(super) fn authenticated_post(
    cfg: &OAuthConfig,
    client: &Client,
    url: &Url,
    mut form: Vec<(&'static str, String)>,
) -> reqwest::RequestBuilder {
    let mut req = client.post(url.clone());
    // client_id in the body for every method: some providers' documented requests carry it even with
    // Basic authentication, and RFC 6749 does not forbid it.
    form.push(("client_id", cfg.client_id.clone()));
    let secret = || {
        cfg.client_secret
            .as_ref()
            .map(|s| s.expose_secret().to_string())
            .unwrap_or_default()
    };
    match cfg.effective_client_auth() {
        ClientAuth::ClientSecretBasic => {
            // RFC 6749 2.3.1: both parts form-urlencoded before Basic encoding.
            let enc =
                |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
            let credentials =
                STANDARD.encode(format!("{}:{}", enc(&cfg.client_id), enc(&secret())));
            req = req.header(
                reqwest::header::AUTHORIZATION,
                format!("Basic {credentials}"),
            );
        }
        ClientAuth::ClientSecretPost => form.push(("client_secret", secret())),
        ClientAuth::None => {}
    }
    req.form(&form)
}

/// Posts `form` to the token endpoint and reads a usable token reply, or the provider's error.
pub(super) async fn request(
    cfg: &OAuthConfig,
    client: &Client,
    url: &Url,
    form: Vec<(&'static str, String)>,
) -> Result<TokenReply, ProviderError> {
    const EP: &str = "token endpoint";
    let reply = http::send_json(EP, url, authenticated_post(cfg, client, url, form)).await?;
    let status = reply.status;
    if status.is_server_error() {
        return Err(http::http_error(
            EP,
            url,
            format!("HTTP {status}: the provider has a server error; try again later"),
        ));
    }
    let body = reply
        .body
        .map_err(|reason| http::http_error(EP, url, reason))?;
    // Some providers answer errors with 200 and an `error` field.
    if status != StatusCode::OK || body.contains_key("error") {
        return Err(token_error(&body, status, url));
    }
    parse_reply(&body)
}

fn token_error(body: &Map<String, Value>, status: StatusCode, url: &Url) -> ProviderError {
    match body.get("error").and_then(Value::as_str) {
        Some(error) => ProviderError::TokenEndpoint {
            error: sanitize(error),
            description: body
                .get("error_description")
                .and_then(Value::as_str)
                .map(sanitize),
        },
        None => http::http_error(
            "token endpoint",
            url,
            format!("HTTP {status} without an OAuth error code"),
        ),
    }
}

fn parse_reply(body: &Map<String, Value>) -> Result<TokenReply, ProviderError> {
    let string = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_owned);
    let access_token = string("access_token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ProviderError::TokenResponse("no access_token".into()))?;
    match string("token_type") {
        Some(t) if t.eq_ignore_ascii_case("bearer") => {}
        other => {
            return Err(ProviderError::TokenResponse(format!(
                "token_type is {:?}, expected Bearer",
                other.as_deref().map(sanitize)
            )))
        }
    }
    let expires_in = match body.get("expires_in") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_i64(),
        // Some providers send it as a string (and form-encoded replies always do).
        Some(Value::String(s)) => s.parse().ok(),
        Some(_) => None,
    };
    Ok(TokenReply {
        access_token,
        id_token: string("id_token").filter(|t| !t.is_empty()),
        refresh_token: string("refresh_token").filter(|t| !t.is_empty()),
        expires_in,
    })
}

/// When the access token expires: `expires_in` from `now`; without it (it is only RECOMMENDED) the
/// ID token's `exp`, else a short life so that the session refreshes soon rather than trusting long.
pub(super) fn expires_at(expires_in: Option<i64>, id_claims: &Map<String, Value>, now: i64) -> i64 {
    match expires_in {
        Some(s) if s > 0 => now + s,
        _ => id_claims
            .get("exp")
            .and_then(Value::as_i64)
            .unwrap_or(now + 300),
    }
}
