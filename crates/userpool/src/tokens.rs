//! Cognito-shaped ID and access tokens, and the attributes each scope reveals.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, Header};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::keys::LoadedKey;
use crate::store::UserRow;

/// Attributes granted by the `email` scope.
const EMAIL_ATTRS: &[&str] = &["email", "email_verified"];
/// Attributes granted by the `phone` scope.
const PHONE_ATTRS: &[&str] = &["phone_number", "phone_number_verified"];

/// The user's attributes the scopes allow. `openid` alone, or with `profile`, gives all of
/// them; `email` and `phone` add their own. Booleans are JSON booleans in the ID token and
/// strings ("true"/"false") in userInfo, as in Cognito.
pub(crate) fn visible_attributes(
    user: &UserRow,
    scopes: &[&str],
    string_booleans: bool,
) -> Map<String, Value> {
    let has = |s: &str| scopes.contains(&s);
    let all = has("profile") || !(has("email") || has("phone"));
    let allowed = |name: &str| {
        all || (has("email") && EMAIL_ATTRS.contains(&name))
            || (has("phone") && PHONE_ATTRS.contains(&name))
    };
    let boolean = |b: bool| {
        if string_booleans {
            Value::String(b.to_string())
        } else {
            Value::Bool(b)
        }
    };
    let mut out = Map::new();
    for (k, v) in &user.attributes {
        // A federated user's e-mail is an attribute, given below as a native user's is.
        if !allowed(k) || k == "email" || k == "email_verified" {
            continue;
        }
        let value = if k == "phone_number_verified" {
            boolean(v == "true")
        } else {
            // custom:* and every other attribute are strings, always.
            Value::String(v.clone())
        };
        out.insert(k.clone(), value);
    }
    if let Some(email) = user.email_address() {
        if allowed("email") {
            out.insert("email".into(), Value::String(email.to_string()));
        }
        if allowed("email_verified") {
            out.insert("email_verified".into(), boolean(user.email_verified));
        }
    }
    out
}

/// `at_hash`: base64url of the left half of SHA-256 of the access token (OIDC Core 3.1.3.6).
pub(crate) fn at_hash(access_token: &str) -> String {
    let d = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&d[..16])
}

/// Signs claims with RS256, the key's kid in the header, and no `typ` (as Cognito).
pub(crate) fn sign(key: &LoadedKey, claims: &Map<String, Value>) -> Result<String, Error> {
    let mut header = Header::new(Algorithm::RS256);
    header.typ = None;
    header.kid = Some(key.kid.clone());
    jsonwebtoken::encode(&header, claims, &key.encoding).map_err(|e| Error::Keys(e.to_string()))
}

/// What goes into a user's tokens besides the user.
pub(crate) struct Issue<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub scopes: &'a [&'a str],
    pub groups: &'a [String],
    pub origin_jti: &'a str,
    pub event_id: &'a str,
    pub auth_time: i64,
    pub now: i64,
    pub nonce: Option<&'a str>,
}

/// Access token claims, in Cognito's shape: no `aud`, `client_id`, `version: 2`.
pub(crate) fn access_claims(
    i: &Issue<'_>,
    user: &UserRow,
    lifetime_secs: i64,
) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("sub".into(), user.sub.clone().into());
    if !i.groups.is_empty() {
        c.insert("cognito:groups".into(), i.groups.to_vec().into());
    }
    c.insert("iss".into(), i.issuer.into());
    c.insert("version".into(), 2.into());
    c.insert("client_id".into(), i.client_id.into());
    c.insert("origin_jti".into(), i.origin_jti.into());
    c.insert("event_id".into(), i.event_id.into());
    c.insert("token_use".into(), "access".into());
    c.insert("scope".into(), i.scopes.join(" ").into());
    c.insert("auth_time".into(), i.auth_time.into());
    c.insert("exp".into(), (i.now + lifetime_secs).into());
    c.insert("iat".into(), i.now.into());
    c.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());
    // With email as the sign-in name the username is the sub (a federated user's is its own).
    c.insert("username".into(), user.username().into());
    c
}

/// ID token claims: `aud` a string, `cognito:username`, the attributes the scopes allow,
/// `nonce` only when one was sent, and `at_hash` of the access token issued with it.
pub(crate) fn id_claims(
    i: &Issue<'_>,
    user: &UserRow,
    access_token: &str,
    lifetime_secs: i64,
) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("at_hash".into(), at_hash(access_token).into());
    c.insert("sub".into(), user.sub.clone().into());
    if !i.groups.is_empty() {
        c.insert("cognito:groups".into(), i.groups.to_vec().into());
    }
    c.insert("iss".into(), i.issuer.into());
    c.insert("cognito:username".into(), user.username().into());
    if let Some(n) = i.nonce {
        c.insert("nonce".into(), n.into());
    }
    c.insert("origin_jti".into(), i.origin_jti.into());
    c.insert("aud".into(), i.client_id.into());
    c.insert("event_id".into(), i.event_id.into());
    c.insert("token_use".into(), "id".into());
    c.insert("auth_time".into(), i.auth_time.into());
    c.insert("exp".into(), (i.now + lifetime_secs).into());
    c.insert("iat".into(), i.now.into());
    c.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());
    for (k, v) in visible_attributes(user, i.scopes, false) {
        c.insert(k, v);
    }
    c
}

/// A client_credentials access token: the client is the subject; no user, no origin_jti.
pub(crate) fn client_access_claims(
    issuer: &str,
    client_id: &str,
    scopes: &[&str],
    now: i64,
    lifetime_secs: i64,
) -> Map<String, Value> {
    let mut c = Map::new();
    c.insert("sub".into(), client_id.into());
    c.insert("token_use".into(), "access".into());
    c.insert("scope".into(), scopes.join(" ").into());
    c.insert("auth_time".into(), now.into());
    c.insert("iss".into(), issuer.into());
    c.insert("exp".into(), (now + lifetime_secs).into());
    c.insert("iat".into(), now.into());
    c.insert("version".into(), 2.into());
    c.insert("jti".into(), uuid::Uuid::new_v4().to_string().into());
    c.insert("client_id".into(), client_id.into());
    c
}

/// A random, URL-safe secret of `bytes` bytes (refresh tokens, session ids).
pub(crate) fn random_secret(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

/// SHA-256, hex: how codes, refresh tokens and session ids are stored.
pub(crate) fn hash_secret(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_is_the_left_half_of_sha256() {
        // Computed independently: base64url(sha256(token)[..16]).
        assert_eq!(
            at_hash("jHkWEdUXMU1BwAsC4vtUsZwnNg4"),
            "AQPlGV7Df8rVPT1mphh8JA"
        );
    }
}
