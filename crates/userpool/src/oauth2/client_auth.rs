//! Client authentication at the token and revoke endpoints, and their form bodies.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::http::{header, HeaderMap};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use subtle::ConstantTimeEq;

use crate::config::{ClientConfig, PoolConfig};
use crate::error::HttpError;
use crate::http::{is_form_urlencoded, parse_form};
use crate::pool::UserPool;

/// Decodes HTTP Basic credentials; each half is form-urlencoded (RFC 6749 §2.3.1).
/// Returns the id, the decoded secret, and the secret as sent (clients that skip the
/// encoding still work when the secret has no special characters, or matches raw).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String, String)>, HttpError> {
    let Some(h) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || HttpError::oauth("invalid_client");
    let s = h.to_str().map_err(|_| bad())?;
    let Some(b64) = s
        .strip_prefix("Basic ")
        .or_else(|| s.strip_prefix("basic "))
    else {
        return Err(bad());
    };
    let raw = STANDARD.decode(b64.trim()).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, secret) = raw.split_once(':').ok_or_else(bad)?;
    let dec = |x: &str| {
        url::form_urlencoded::parse(format!("x={x}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((dec(id), dec(secret), secret.to_string())))
}

/// Authenticates the client by Basic header or body; secrets compared in constant time.
pub(super) fn authenticate_client<'p>(
    pool: &'p UserPool,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(&'p PoolConfig, &'p ClientConfig), HttpError> {
    let invalid = || HttpError::oauth("invalid_client");
    let (id, secret, raw) = match basic_credentials(headers)? {
        Some((id, secret, raw)) => {
            if form.get("client_id").is_some_and(|c| *c != id) {
                return Err(invalid());
            }
            (id, Some(secret), Some(raw))
        }
        None => {
            let Some(id) = form.get("client_id") else {
                return Err(HttpError::oauth("invalid_request"));
            };
            (id.clone(), form.get("client_secret").cloned(), None)
        }
    };
    let (pc, client) = pool.client(&id).ok_or_else(invalid)?;
    let matches = |expected: &str, given: &Option<String>| {
        given
            .as_deref()
            .is_some_and(|g| bool::from(expected.as_bytes().ct_eq(g.as_bytes())))
    };
    // Any of the client's secrets: one added at run time works beside the first.
    let known = client.secrets().fold(false, |ok, expected| {
        ok | matches(expected, &secret) | matches(expected, &raw)
    });
    let has_secret = client.secrets().next().is_some();
    match (has_secret, &secret) {
        (true, Some(_)) if known => {}
        (false, None) => {}
        (false, Some(s)) if s.is_empty() => {}
        _ => return Err(invalid()),
    }
    Ok((pc, client))
}

/// The form body of a token or revoke request; it must say it is a form.
pub(super) fn form_body(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<HashMap<String, String>, HttpError> {
    if !is_form_urlencoded(headers) {
        return Err(HttpError::oauth_desc(
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    parse_form(body).ok_or_else(|| HttpError::oauth("invalid_request"))
}
