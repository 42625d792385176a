//! The pool's user of an upstream identity: the native user it is linked to, or its own
//! federated user (`{ProviderName}_{sub}`), made at the first sign-in; and the attribute
//! mapping, applied at each sign-in as Cognito does.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::Error;
use crate::pool::UserPool;
use crate::store::{IdentityRow, ProviderRow, UserRow};

/// Longest attribute value taken from a provider (Cognito: 2048).
const MAX_VALUE: usize = 2048;
/// A federated user's password hash: not a PHC string, so no password ever matches it.
const NO_PASSWORD: &str = "!external-provider";

/// Why a known identity may not sign in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `AdminDisableProviderForUser`, or the user is disabled.
    Disabled,
}

/// The pool attributes the mapping gives from the provider's claims. Booleans and numbers
/// become strings, as every user attribute is; other shapes are skipped.
pub(crate) fn map_attributes(
    mapping: &BTreeMap<String, String>,
    claims: &Map<String, Value>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (attribute, claim) in mapping {
        if attribute == "username" || attribute == "sub" {
            continue;
        }
        let value = match claims.get(claim) {
            Some(Value::String(s)) => s.clone(),
            Some(v @ (Value::Bool(_) | Value::Number(_))) => v.to_string(),
            _ => continue,
        };
        if value.len() <= MAX_VALUE {
            out.insert(attribute.clone(), value);
        }
    }
    out
}

/// The user signing in as `upstream_sub` of `provider`, made if new.
pub(crate) async fn federated_user(
    pool: &UserPool,
    provider: &ProviderRow,
    claims: &Map<String, Value>,
) -> Result<Result<UserRow, Refused>, Error> {
    let pool_id = &provider.pool_id;
    let upstream_sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let attributes = map_attributes(&provider.attribute_mapping, claims);
    let now = pool.now();
    let store = pool.store();
    if let Some(identity) = store
        .identity(pool_id, &provider.name, upstream_sub)
        .await?
    {
        if identity.disabled {
            return Ok(Err(Refused::Disabled));
        }
        let Some(mut user) = store.user_by_sub(pool_id, &identity.sub).await? else {
            return Err(Error::NoSuchUser);
        };
        if !user.enabled {
            return Ok(Err(Refused::Disabled));
        }
        // A linked native user keeps their own attributes; a federated user's follow the provider.
        if !identity.linked && user.attributes != attributes {
            store
                .set_federated_attributes(&user.sub, &attributes, now)
                .await?;
            user.email_verified = attributes
                .get("email_verified")
                .is_some_and(|v| v == "true");
            user.attributes = attributes;
        }
        return Ok(Ok(user));
    }
    first_sign_in(pool, provider, upstream_sub, attributes)
        .await
        .map(Ok)
}

/// A new identity: its own federated user, `{ProviderName}_{sub}`, made with the mapped
/// attributes.
async fn first_sign_in(
    pool: &UserPool,
    provider: &ProviderRow,
    upstream_sub: &str,
    attributes: BTreeMap<String, String>,
) -> Result<UserRow, Error> {
    let (pool_id, now, store) = (&provider.pool_id, pool.now(), pool.store());
    let username = format!("{}_{upstream_sub}", provider.name);
    let user = UserRow {
        sub: uuid::Uuid::new_v4().to_string(),
        // The unique key of the row: a username, which no e-mail address can equal.
        email: username.clone(),
        password_hash: NO_PASSWORD.into(),
        confirmed: true,
        email_verified: attributes
            .get("email_verified")
            .is_some_and(|v| v == "true"),
        attributes,
        locked_until: 0,
        srp: None,
        password_temporary: false,
        totp_secret: None,
        totp_enabled: false,
        totp_preferred: false,
        totp_last_step: None,
        enabled: true,
        created_at: now,
        updated_at: now,
        username: Some(username),
    };
    let identity = IdentityRow {
        provider_name: provider.name.clone(),
        provider_user_id: upstream_sub.to_string(),
        sub: user.sub.clone(),
        linked: false,
        disabled: false,
        created_at: now,
    };
    match store.insert_federated_user(pool_id, &user, &identity).await {
        Ok(()) => Ok(user),
        // Two first sign-ins at once: the other made the user.
        Err(Error::Database(e))
            if e.as_database_error()
                .is_some_and(|d| d.is_unique_violation()) =>
        {
            let existing = store
                .identity(pool_id, &provider.name, upstream_sub)
                .await?;
            match existing {
                Some(i) => store
                    .user_by_sub(pool_id, &i.sub)
                    .await?
                    .ok_or(Error::NoSuchUser),
                None => Err(Error::NoSuchUser),
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mapping_takes_strings_booleans_and_numbers() {
        let mapping: BTreeMap<String, String> = [
            ("email", "email"),
            ("email_verified", "email_verified"),
            ("custom:age", "age"),
            ("name", "missing"),
            ("username", "sub"),
            ("address", "address"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let claims = json!({"sub": "u1", "email": "a@b.c", "email_verified": true, "age": 42,
                            "address": {"street": "x"}});
        let out = map_attributes(&mapping, claims.as_object().unwrap());
        assert_eq!(out.get("email").map(String::as_str), Some("a@b.c"));
        assert_eq!(out.get("email_verified").map(String::as_str), Some("true"));
        assert_eq!(out.get("custom:age").map(String::as_str), Some("42"));
        assert!(!out.contains_key("name") && !out.contains_key("username"));
        assert!(!out.contains_key("address"));
    }
}
