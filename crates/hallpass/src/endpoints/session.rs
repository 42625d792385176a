//! `GET session` (the session JSON, rolling the cookie), `POST session` (update through the `jwt`
//! hook), `GET csrf` and `GET providers`.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::header::{HeaderMap, HeaderValue, CONTENT_TYPE};
use serde_json::{json, Value};

use super::{no_store, Fields};
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::hooks::{Event, JwtTrigger};
use crate::session::context::access_expired;
use crate::session::{iso8601, SessionToken};
use crate::Hallpass;

/// `GET session`.
pub(super) async fn get(State(h): State<Hallpass>, headers: HeaderMap) -> Response {
    answer(&h, &headers, None).await
}

/// `POST session`: CSRF required; `{"csrfToken", "data"}` as JSON, or a form with `csrfToken`.
pub(super) async fn update(
    State(h): State<Hallpass>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    let data = update_data(&h, &headers, &body)?;
    Ok(answer(&h, &headers, Some(&data)).await)
}

/// The update's `data`, once the body is JSON or a form and carries this browser's CSRF token. By
/// hand, not `CsrfForm`: this route takes JSON too (NextAuth's `update()`).
fn update_data(h: &Hallpass, headers: &HeaderMap, body: &[u8]) -> Result<Value, Error> {
    let media_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    // JSON or a form, nothing else: `text/plain` is what a cross-site `fetch` may send without a
    // preflight, and nothing of ours posts it.
    let (csrf_token, data) = match media_type.as_deref() {
        Some("application/json") => {
            let v = serde_json::from_slice::<Value>(body)
                .map_err(|e| Error::BadRequest(format!("the body is not JSON: {e}")))?;
            let token = v
                .get("csrfToken")
                .and_then(Value::as_str)
                .map(str::to_string);
            (token, v.get("data").cloned().unwrap_or(Value::Null))
        }
        Some("application/x-www-form-urlencoded") => {
            let form = Fields::parse(body);
            (form.get("csrfToken").map(str::to_string), Value::Null)
        }
        _ => return Err(Error::UnsupportedMediaType),
    };
    if !h.verify_csrf(headers, csrf_token.as_deref()) {
        return Err(Error::Csrf);
    }
    Ok(data)
}

/// The session JSON for a signed-in request (re-issuing its cookie: NextAuth's rolling expiry), `{}`
/// otherwise; an unusable cookie is cleared, and dead provider tokens are reported once.
async fn answer(h: &Hallpass, headers: &HeaderMap, update: Option<&Value>) -> Response {
    let rc = RequestCookies::new(headers);
    let now = h.now();
    let mut res = match rc.get_parts(&h.cookies().session_name) {
        None => Json(json!({})).into_response(),
        Some(parts) => match h.lifecycle().load(&parts, now).await {
            // The store is down: 503, and the cookie stays for when it is back.
            Err(e @ crate::shared::StoreError::Backend(_)) => Error::Store(e).into_response(),
            Err(e) => {
                tracing::debug!(
                    "GET session: {}; clearing the cookie",
                    crate::logsafe::clean(&e)
                );
                (h.cookies().clear_session(&rc), Json(json!({}))).into_response()
            }
            Ok(session) => signed_in(h, session.token(), &parts, now, &rc, update).await,
        },
    };
    no_store(&mut res);
    res
}

async fn signed_in(
    h: &Hallpass,
    incoming: &SessionToken,
    parts: &[&str],
    now: i64,
    rc: &RequestCookies<'_>,
    update: Option<&Value>,
) -> Response {
    let (mut token, _) = h.lifecycle().maintain(incoming.clone(), now).await;
    let plain = update.is_none() && h.hooks().are_default();
    if access_expired(&token, now) {
        // The provider could not renew it in time: signed out for now, the cookie stays.
        return Json(json!({})).into_response();
    }
    if let Some(error) = token.error.clone() {
        // Dead tokens end the session: say so once, then the user is simply signed out.
        return (
            h.cookies().clear_session(rc),
            Json(json!({ "error": error })),
        )
            .into_response();
    }
    if let Some(data) = update {
        token = match h.hooks().jwt(token, JwtTrigger::Update { data }).await {
            Ok(t) => t,
            Err(e) => return Error::Hook("jwt", e.to_string()).into_response(),
        };
    }
    match h.lifecycle().reissue(token, incoming, parts, rc).await {
        // Default hooks: the JSON written directly, no `Value` built and dropped.
        Ok((token, cookies)) if plain => {
            let body = serde_json::to_vec(&SessionJson::of(&token)).unwrap_or_default();
            (cookies, [(CONTENT_TYPE, JSON)], body).into_response()
        }
        Ok((token, cookies)) => {
            let body = h.hooks().session(session_json(&token), &token).await;
            h.event(Event::Session { token: &token }).await;
            (cookies, Json(body)).into_response()
        }
        Err(e) => {
            tracing::error!(
                "could not re-issue the session: {}",
                crate::logsafe::clean(&e)
            );
            (SetCookies::new(), Json(json!({}))).into_response()
        }
    }
}

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// [`session_json`] as a type, for writing it without a `Value`: the same bytes (its keys are in
/// sorted order, so these fields are too).
#[derive(serde::Serialize)]
struct SessionJson<'a> {
    expires: String,
    user: UserJson<'a>,
}

#[derive(serde::Serialize)]
struct UserJson<'a> {
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    groups: &'a [String],
    image: Option<&'a str>,
    name: Option<&'a str>,
}

impl<'a> SessionJson<'a> {
    fn of(token: &'a SessionToken) -> Self {
        SessionJson {
            expires: iso8601(token.exp),
            user: UserJson {
                email: token.email.as_deref(),
                groups: &token.groups,
                image: token.picture.as_deref(),
                name: token.name.as_deref(),
            },
        }
    }
}

/// NextAuth's session JSON: `user` (name, email, image, and groups when there are any), `expires`.
fn session_json(token: &SessionToken) -> Value {
    // Keys inserted in sorted order: the same bytes whether `serde_json` sorts object keys or
    // keeps them in insertion order (its `preserve_order` feature, which a dependency may turn on).
    let mut user = serde_json::Map::new();
    user.insert("email".into(), json!(token.email));
    if !token.groups.is_empty() {
        user.insert("groups".into(), json!(token.groups));
    }
    user.insert("image".into(), json!(token.picture));
    user.insert("name".into(), json!(token.name));
    json!({ "expires": iso8601(token.exp), "user": user })
}

/// `GET csrf`.
pub(super) async fn csrf(State(h): State<Hallpass>, headers: HeaderMap) -> Response {
    let (token, cookie) = h.csrf_token(&headers);
    let mut res = (cookie, Json(json!({ "csrfToken": token }))).into_response();
    no_store(&mut res);
    res
}

/// `GET providers`: id, name, NextAuth's `type`, and the two URLs of each provider.
pub(super) async fn providers(State(h): State<Hallpass>) -> Response {
    let map: serde_json::Map<String, Value> = h
        .providers()
        .map(|p| {
            (
                p.id().to_string(),
                json!({
                    "id": p.id(),
                    "name": p.name(),
                    "type": p.kind().as_str(),
                    "signinUrl": h.config().url(&format!("/signin/{}", p.id())),
                    "callbackUrl": h.config().url(&format!("/callback/{}", p.id())),
                }),
            )
        })
        .collect();
    Json(Value::Object(map)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The typed JSON is byte for byte what the `Value` (which the `session` hook sees) writes.
    #[test]
    fn the_typed_session_json_is_the_value_s() {
        let mut token = SessionToken {
            name: Some("Ada \"Lovelace\"".into()),
            email: Some("ada@example.com".into()),
            exp: 1_800_000_000,
            ..Default::default()
        };
        for groups in [vec![], vec!["admin".to_string(), "staff".into()]] {
            token.groups = groups;
            let typed = serde_json::to_vec(&SessionJson::of(&token)).unwrap();
            let value = serde_json::to_vec(&session_json(&token)).unwrap();
            assert_eq!(String::from_utf8(typed), String::from_utf8(value));
        }
    }
}
