//! Outbound HTTP to the provider: timeouts, no redirects, bounded bodies, clear errors.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderValue, ACCEPT};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Map, Value};
use url::Url;

use super::ProviderError;

/// Bodies from the provider are small JSON documents; a cap keeps a broken or hostile
/// endpoint from making us buffer without bound.
const MAX_BODY: usize = 1024 * 1024;

pub(crate) fn client(timeout: Duration) -> Result<Client, ProviderError> {
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .timeout(timeout)
        // A redirect would let the provider (or whoever answers for it) send our client
        // credentials or bearer tokens somewhere else; the configured URLs must be final.
        .redirect(reqwest::redirect::Policy::none())
        .use_rustls_tls()
        .default_headers(headers)
        .user_agent(concat!("hallpass/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ProviderError::Config(format!("cannot build the HTTP client: {e}")))
}

/// A reply read into memory: status and JSON object (or why it is not one).
pub(crate) struct JsonReply {
    pub status: StatusCode,
    pub body: Result<Map<String, Value>, String>,
}

pub(crate) fn http_error(endpoint: &'static str, url: &Url, reason: String) -> ProviderError {
    ProviderError::Http {
        endpoint,
        url: redact_url(url),
        reason,
    }
}

/// URLs we call carry no secrets, but drop any query anyway so a message can never leak one.
fn redact_url(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.to_string()
}

pub(crate) fn send_error(endpoint: &'static str, url: &Url, e: reqwest::Error) -> ProviderError {
    let reason = if e.is_timeout() {
        "timed out; the provider is slow or unreachable (check network egress from this server)"
            .to_string()
    } else if e.is_connect() {
        "could not connect; check the URL and network egress from this server".to_string()
    } else {
        // without_url: the URL is already in the message, once, without a query.
        format!("{}", e.without_url())
    };
    http_error(endpoint, url, reason)
}

/// A reply read into memory as any JSON value.
pub(crate) struct AnyJsonReply {
    pub status: StatusCode,
    pub body: Result<Value, String>,
}

/// Sends and reads the reply as a JSON object (a form-encoded body becomes an object of strings).
/// Transport errors, redirects and oversize bodies are errors here; the status is left for the
/// caller, who knows which statuses carry meaning.
pub(crate) async fn send_json(
    endpoint: &'static str,
    url: &Url,
    req: reqwest::RequestBuilder,
) -> Result<JsonReply, ProviderError> {
    let AnyJsonReply { status, body } = send_json_any(endpoint, url, req).await?;
    let body = match body {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(format!("HTTP {status} with JSON that is not an object")),
        Err(e) => Err(e),
    };
    Ok(JsonReply { status, body })
}

/// [`send_json`] for replies that may be any JSON value (an array, say).
pub(crate) async fn send_json_any(
    endpoint: &'static str,
    url: &Url,
    req: reqwest::RequestBuilder,
) -> Result<AnyJsonReply, ProviderError> {
    let resp = req.send().await.map_err(|e| send_error(endpoint, url, e))?;
    let status = resp.status();
    if status.is_redirection() {
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?")
            .split('?')
            .next()
            .unwrap_or("?")
            .to_string();
        return Err(http_error(
            endpoint,
            url,
            format!("HTTP {status} redirect to {to}; redirects are not followed, configure the final URL (for an issuer: exactly the `issuer` of its discovery document)"),
        ));
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_string();
    let bytes = read_capped(endpoint, url, resp).await?;
    if content_type.starts_with("application/x-www-form-urlencoded") {
        // OAuth 2.0 providers that predate RFC 6749's JSON replies (GitHub by default).
        let map: Map<String, Value> = url::form_urlencoded::parse(&bytes)
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect();
        return Ok(AnyJsonReply {
            status,
            body: Ok(Value::Object(map)),
        });
    }
    let body = match serde_json::from_slice::<Value>(&bytes) {
        Ok(v) => Ok(v),
        Err(_) if bytes.is_empty() => Err(format!("HTTP {status} with an empty body")),
        Err(_) => Err(format!(
            "HTTP {status} with a body that is not JSON (content-type {}, {} bytes); is this URL really the provider's endpoint?",
            sanitize(&content_type),
            bytes.len()
        )),
    };
    Ok(AnyJsonReply { status, body })
}

async fn read_capped(
    endpoint: &'static str,
    url: &Url,
    mut resp: Response,
) -> Result<Vec<u8>, ProviderError> {
    let mut out = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| send_error(endpoint, url, e))?
    {
        if out.len() + chunk.len() > MAX_BODY {
            return Err(http_error(
                endpoint,
                url,
                format!("reply larger than {MAX_BODY} bytes"),
            ));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// GET a JSON document that must come with 200.
pub(crate) async fn get_json(
    client: &Client,
    endpoint: &'static str,
    url: &Url,
) -> Result<Map<String, Value>, ProviderError> {
    let reply = send_json(endpoint, url, client.get(url.clone())).await?;
    if reply.status != StatusCode::OK {
        let what = if reply.status.is_server_error() {
            "the provider has a server error; try again later"
        } else if reply.status == StatusCode::NOT_FOUND {
            "not found; check the URL"
        } else {
            "unexpected status"
        };
        return Err(http_error(
            endpoint,
            url,
            format!("HTTP {}: {what}", reply.status),
        ));
    }
    reply
        .body
        .map_err(|reason| http_error(endpoint, url, reason))
}

/// Provider-supplied text that ends up in our messages: printable ASCII only, bounded, so
/// that it cannot forge log lines or carry markup.
pub(crate) fn sanitize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(200)
        .collect()
}
