//! `ListUserPools`, `AddCustomAttributes`, `AdminDeleteSoftwareToken`, `GetUserAuthFactors`,
//! `AdminGetUserAuthFactors`, and the dates of a pool (first seen by this database).

use serde_json::{json, Value};

use super::me::signed_in_user;
use super::mfa::{preferred_setting, setting_list};
use super::shapes::{existing_user, pool_config};
use super::stored::text;
use super::{ApiError, Call, Exception};
use crate::store::UserRow;

/// `(CreationDate, LastModifiedDate)` of a pool: when this database first saw it (a seed's
/// pool has no other birth date), and its last change through the API.
pub(crate) async fn pool_dates(call: &Call, pool_id: &str) -> Result<(i64, i64), ApiError> {
    let store = call.pool.store();
    let now = call.pool.now();
    store
        .insert_document(pool_id, "pool_dates", "", &json!({}), now)
        .await?;
    let d = store.document(pool_id, "pool_dates", "").await?;
    Ok(d.map_or((now, now), |d| (d.created_at, d.updated_at)))
}

/// `(CreationDate, LastModifiedDate)` of a client: when this database first saw it, and its
/// last `UpdateUserPoolClient` (`touch`).
pub(crate) async fn client_dates(
    call: &Call,
    pool_id: &str,
    client_id: &str,
) -> Result<(i64, i64), ApiError> {
    let store = call.pool.store();
    let now = call.pool.now();
    store
        .insert_document(pool_id, "client_dates", client_id, &json!({}), now)
        .await?;
    let d = store.document(pool_id, "client_dates", client_id).await?;
    Ok(d.map_or((now, now), |d| (d.created_at, d.updated_at)))
}

/// A client made or changed now: its dates after the change.
pub(crate) async fn touch_client(
    call: &Call,
    pool_id: &str,
    client_id: &str,
) -> Result<(i64, i64), ApiError> {
    let now = call.pool.now();
    let store = call.pool.store();
    store
        .put_document(pool_id, "client_dates", client_id, &json!({}), now)
        .await?;
    client_dates(call, pool_id, client_id).await
}

/// Cognito's standard attributes as `SchemaAttributes` lists them (the ones this pool has:
/// `sub`, `email`, `email_verified` and the OpenID profile attributes, all strings but the
/// flags).
pub(crate) fn standard_schema() -> Vec<Value> {
    const STRINGS: &[&str] = &[
        "sub",
        "name",
        "given_name",
        "family_name",
        "middle_name",
        "nickname",
        "preferred_username",
        "profile",
        "picture",
        "website",
        "email",
        "gender",
        "birthdate",
        "zoneinfo",
        "locale",
        "phone_number",
        "address",
    ];
    let mut out: Vec<Value> = STRINGS
        .iter()
        .map(|n| {
            let (min, required) = if *n == "sub" {
                ("1", true)
            } else {
                ("0", false)
            };
            json!({
                "Name": n, "AttributeDataType": "String", "DeveloperOnlyAttribute": false,
                "Mutable": *n != "sub", "Required": required,
                "StringAttributeConstraints": { "MinLength": min, "MaxLength": "2048" },
            })
        })
        .collect();
    for n in ["email_verified", "phone_number_verified"] {
        out.push(json!({ "Name": n, "AttributeDataType": "Boolean",
            "DeveloperOnlyAttribute": false, "Mutable": true, "Required": false }));
    }
    out.push(json!({ "Name": "updated_at", "AttributeDataType": "Number",
        "DeveloperOnlyAttribute": false, "Mutable": true, "Required": false,
        "NumberAttributeConstraints": { "MinValue": "0" } }));
    out
}

/// The custom attributes `AddCustomAttributes` added, as `SchemaAttributes` lists them.
pub(crate) async fn custom_attributes(call: &Call, pool_id: &str) -> Result<Vec<Value>, ApiError> {
    let docs = call
        .pool
        .store()
        .documents(pool_id, "custom_attribute")
        .await?;
    Ok(docs.into_iter().map(|d| d.body).collect())
}

/// Pages of `MaxResults` pools, the next page's index as the token.
pub(crate) async fn list_user_pools(call: &Call, req: Value) -> Result<Value, ApiError> {
    let max = req["MaxResults"].as_u64().unwrap_or(60) as usize;
    let start = match req.get("NextToken").and_then(Value::as_str) {
        Some(t) => t.parse::<usize>().map_err(|_| {
            ApiError::new(Exception::InvalidParameterException, "Invalid NextToken.")
        })?,
        None => 0,
    };
    let pools = call.pool.all_pools();
    let mut out = vec![];
    for pc in pools.iter().skip(start).take(max) {
        let (created, modified) = pool_dates(call, &pc.id).await?;
        let mut p = json!({
            "Id": pc.id,
            "Name": pc.name.clone().unwrap_or_else(|| pc.id.clone()),
            "LambdaConfig": pc.lambda_config.clone().normalise().unwrap_or_default(),
            "CreationDate": created,
            "LastModifiedDate": modified,
        });
        if p["LambdaConfig"].as_object().is_some_and(|o| o.is_empty()) {
            p["LambdaConfig"] = json!({});
        }
        out.push(p);
    }
    let mut reply = json!({ "UserPools": out });
    if start + max < pools.len() {
        reply["NextToken"] = json!((start + max).to_string());
    }
    Ok(reply)
}

/// Custom attributes are kept in the pool's schema (`DescribeUserPool` lists them); any
/// `custom:` attribute is accepted on users, as before.
pub(crate) async fn add_custom_attributes(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let store = call.pool.store();
    let now = call.pool.now();
    for a in req["CustomAttributes"].as_array().into_iter().flatten() {
        let name = format!("custom:{}", a["Name"].as_str().unwrap_or_default());
        let mut body = a.clone();
        body["Name"] = json!(name);
        if !store
            .insert_document(&pc.id, "custom_attribute", &name, &body, now)
            .await?
        {
            return Err(ApiError::new(
                Exception::InvalidParameterException,
                format!("Existing attribute already has name {name}."),
            ));
        }
    }
    Ok(json!({}))
}

pub(crate) async fn admin_delete_software_token(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    call.pool.store().delete_software_token(&user.sub).await?;
    Ok(json!({}))
}

/// The factors a user can sign in with: a password always, an e-mail code when the address
/// is verified, TOTP once set up, a passkey once registered.
fn auth_factors(user: &UserRow, passkey: bool) -> Value {
    let mut factors = vec!["PASSWORD"];
    if user.email_verified {
        factors.push("EMAIL_OTP");
    }
    if passkey {
        factors.push("WEB_AUTHN");
    }
    if user.totp_secret.is_some() {
        factors.push("SOFTWARE_TOKEN");
    }
    let mut out = json!({
        "Username": user.sub,
        "UserMFASettingList": setting_list(user),
        "ConfiguredUserAuthFactors": factors,
    });
    if let Some(p) = preferred_setting(user) {
        out["PreferredMfaSetting"] = json!(p);
    }
    out
}

pub(crate) async fn get_user_auth_factors(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (token, user) = signed_in_user(call, text(&req, "AccessToken")).await?;
    let passkey = call
        .pool
        .store()
        .has_passkey(&token.pool_id, &user.sub)
        .await?;
    Ok(auth_factors(&user, passkey))
}

pub(crate) async fn admin_get_user_auth_factors(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(&req, "Username")).await?;
    let passkey = call.pool.store().has_passkey(&pc.id, &user.sub).await?;
    Ok(auth_factors(&user, passkey))
}
