//! Configuration Cognito stores and gives back, which a local pool keeps as it was given
//! (in `pool_documents`): UI customisation, risk configuration, log delivery, the pool's and
//! a client's session configuration, and tags.

use serde_json::{json, Map, Value};

use super::shapes::{client, pool_config};
use super::{ApiError, Call, Exception};

/// A member of the (already validated) request as a string.
pub(crate) fn text<'a>(req: &'a Value, member: &str) -> &'a str {
    req.get(member).and_then(Value::as_str).unwrap_or_default()
}

/// The request's members named in `members`, as given.
pub(crate) fn pick(req: &Value, members: &[&str]) -> Map<String, Value> {
    members
        .iter()
        .filter_map(|m| {
            req.get(*m)
                .filter(|v| !v.is_null())
                .map(|v| ((*m).to_string(), v.clone()))
        })
        .collect()
}

/// The pool of `UserPoolId`, and the `ClientId` (checked to be its client) or `ALL`.
fn pool_and_client(call: &Call, req: &Value) -> Result<(String, String), ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    let client_id = match req.get("ClientId").and_then(Value::as_str) {
        Some(id) if id != "ALL" => {
            let (p, _) = client(&call.pool, id)?;
            if p.id != pc.id {
                return Err(ApiError::new(
                    Exception::ResourceNotFoundException,
                    "User pool client does not exist.",
                ));
            }
            id.to_string()
        }
        _ => "ALL".to_string(),
    };
    Ok((pc.id.clone(), client_id))
}

pub(crate) async fn set_ui_customization(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, client_id) = pool_and_client(call, &req)?;
    let now = call.pool.now();
    let mut body = pick(&req, &["CSS"]);
    body.insert("UserPoolId".into(), json!(pool_id));
    body.insert("ClientId".into(), json!(client_id));
    body.insert("CSSVersion".into(), json!(now.to_string()));
    let store = call.pool.store();
    let created = store
        .document(&pool_id, "ui", &client_id)
        .await?
        .map_or(now, |d| d.created_at);
    body.insert("CreationDate".into(), json!(created));
    body.insert("LastModifiedDate".into(), json!(now));
    let body = Value::Object(body);
    store
        .put_document(&pool_id, "ui", &client_id, &body, now)
        .await?;
    Ok(json!({ "UICustomization": body }))
}

/// A client's customisation, else the pool's (`ALL`), else an empty one.
pub(crate) async fn get_ui_customization(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, client_id) = pool_and_client(call, &req)?;
    let store = call.pool.store();
    let found = match store.document(&pool_id, "ui", &client_id).await? {
        Some(d) => Some(d),
        None => store.document(&pool_id, "ui", "ALL").await?,
    };
    let body = match found {
        Some(mut d) => {
            d.body["ClientId"] = json!(client_id);
            d.body
        }
        None => json!({ "UserPoolId": pool_id, "ClientId": client_id }),
    };
    Ok(json!({ "UICustomization": body }))
}

const RISK: &[&str] = &[
    "CompromisedCredentialsRiskConfiguration",
    "AccountTakeoverRiskConfiguration",
    "RiskExceptionConfiguration",
];

pub(crate) async fn set_risk_configuration(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, client_id) = pool_and_client(call, &req)?;
    let now = call.pool.now();
    let mut body = pick(&req, RISK);
    body.insert("UserPoolId".into(), json!(pool_id));
    if client_id != "ALL" {
        body.insert("ClientId".into(), json!(client_id));
    }
    body.insert("LastModifiedDate".into(), json!(now));
    let body = Value::Object(body);
    let store = call.pool.store();
    store
        .put_document(&pool_id, "risk", &client_id, &body, now)
        .await?;
    Ok(json!({ "RiskConfiguration": body }))
}

pub(crate) async fn describe_risk_configuration(
    call: &Call,
    req: Value,
) -> Result<Value, ApiError> {
    let (pool_id, client_id) = pool_and_client(call, &req)?;
    let store = call.pool.store();
    let found = match store.document(&pool_id, "risk", &client_id).await? {
        Some(d) => Some(d),
        None => store.document(&pool_id, "risk", "ALL").await?,
    };
    let body = found.map_or_else(|| json!({ "UserPoolId": pool_id }), |d| d.body);
    Ok(json!({ "RiskConfiguration": body }))
}

pub(crate) async fn set_log_delivery(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let body = json!({ "UserPoolId": pc.id, "LogConfigurations": req["LogConfigurations"] });
    let now = call.pool.now();
    call.pool
        .store()
        .put_document(&pc.id, "log", "", &body, now)
        .await?;
    Ok(json!({ "LogDeliveryConfiguration": body }))
}

pub(crate) async fn get_log_delivery(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let body = call
        .pool
        .store()
        .document(&pc.id, "log", "")
        .await?
        .map_or_else(
            || json!({ "UserPoolId": pc.id, "LogConfigurations": [] }),
            |d| d.body,
        );
    Ok(json!({ "LogDeliveryConfiguration": body }))
}

/// Cognito's defaults: session tracking off, 100 sessions a user; a client's SSO session
/// lasts as long as its hosted-UI session (60 minutes here).
pub(crate) async fn set_pool_session_config(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let mut body = pick(&req, &["UserSessionTracking", "TokenSession"]);
    body.insert("UserPoolId".into(), json!(pc.id));
    let body = Value::Object(body);
    let now = call.pool.now();
    call.pool
        .store()
        .put_document(&pc.id, "sessions", "", &body, now)
        .await?;
    Ok(body)
}

pub(crate) async fn get_pool_session_config(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let stored = call.pool.store().document(&pc.id, "sessions", "").await?;
    Ok(stored.map_or_else(
        || {
            json!({ "UserPoolId": pc.id, "UserSessionTracking": "DISABLED",
                    "TokenSession": { "MaxPerUser": 100 } })
        },
        |d| d.body,
    ))
}

pub(crate) async fn set_client_session_config(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, client_id) = pool_and_client(call, &req)?;
    let body =
        json!({ "UserPoolId": pool_id, "ClientId": client_id, "SSOSession": req["SSOSession"] });
    let now = call.pool.now();
    let store = call.pool.store();
    store
        .put_document(&pool_id, "client_sessions", &client_id, &body, now)
        .await?;
    Ok(body)
}

pub(crate) async fn get_client_session_config(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, client_id) = pool_and_client(call, &req)?;
    let stored = call
        .pool
        .store()
        .document(&pool_id, "client_sessions", &client_id)
        .await?;
    Ok(stored.map_or_else(
        || {
            json!({ "UserPoolId": pool_id, "ClientId": client_id,
                    "SSOSession": { "MaxValidityMinutes": 60 } })
        },
        |d| d.body,
    ))
}
