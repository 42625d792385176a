//! `AddUserPoolClientSecret`, `ListUserPoolClientSecrets`, `DeleteUserPoolClientSecret`: a
//! client of a pool made at run time holds up to two secrets, each good for `SECRET_HASH`,
//! `GetTokensFromRefreshToken` and `/oauth2/token` until deleted (a seed pool's clients are
//! fixed, as for `UpdateUserPoolClient`).

use serde_json::{json, Value};

use super::pool_admin::{new_client_secret, runtime_pool};
use super::pool_info::client_dates;
use super::stored::text;
use super::{ApiError, Call, Exception};
use crate::config::{AddedSecret, ClientConfig, PoolConfig};

/// Cognito's limit of secrets per client.
const MAX_SECRETS: usize = 2;

fn client_not_found() -> ApiError {
    ApiError::new(
        Exception::ResourceNotFoundException,
        "User pool client does not exist.",
    )
}

fn client_mut<'a>(config: &'a mut PoolConfig, id: &str) -> Result<&'a mut ClientConfig, ApiError> {
    config
        .clients
        .iter_mut()
        .find(|c| c.id == id)
        .ok_or_else(client_not_found)
}

/// The id of the client's first secret: `{client_id}--{its creation time}`.
async fn first_id(
    call: &Call,
    pool_id: &str,
    client: &ClientConfig,
) -> Result<(String, i64), ApiError> {
    let (created, _) = client_dates(call, pool_id, &client.id).await?;
    Ok((format!("{}--{created}", client.id), created))
}

pub(crate) async fn add_secret(call: &Call, req: Value) -> Result<Value, ApiError> {
    let _changes = call.pool.runtime_pools().lock_changes().await;
    let pool_id = text(&req, "UserPoolId");
    let mut config = runtime_pool(call, pool_id)?.clone();
    let now = call.pool.now();
    let first = {
        let c = config
            .client(text(&req, "ClientId"))
            .ok_or_else(client_not_found)?;
        first_id(call, pool_id, c).await?.0
    };
    let client = client_mut(&mut config, text(&req, "ClientId"))?;
    if client.secrets().count() >= MAX_SECRETS {
        return Err(ApiError::new(
            Exception::LimitExceededException,
            "The client already has the most secrets it may have.",
        ));
    }
    let given = req.get("ClientSecret").and_then(Value::as_str);
    let value = given.map_or_else(new_client_secret, str::to_string);
    // `{client}--{epoch}`, a second later when that one is taken (ids stay unique).
    let mut at = now;
    let taken =
        |id: &str, c: &ClientConfig| id == first || c.added_secrets.iter().any(|s| s.id == id);
    while taken(&format!("{}--{at}", client.id), client) {
        at += 1;
    }
    let id = format!("{}--{at}", client.id);
    if client.secret.is_none() {
        client.secret = Some(value.clone());
    } else {
        client.added_secrets.push(AddedSecret {
            id: id.clone(),
            value: value.clone(),
            created_at: now,
        });
    }
    call.pool.update_runtime_pool(config).await?;
    // Cognito shows the value only of a secret it made.
    let mut d = json!({ "ClientSecretId": id, "ClientSecretCreateDate": now });
    if given.is_none() {
        d["ClientSecretValue"] = json!(value);
    }
    Ok(json!({ "ClientSecretDescriptor": d }))
}

pub(crate) async fn list_secrets(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = super::shapes::pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let client = pc
        .client(text(&req, "ClientId"))
        .ok_or_else(client_not_found)?;
    let mut out = vec![];
    if client.secret.is_some() {
        let (id, created) = first_id(call, &pc.id, client).await?;
        out.push(json!({ "ClientSecretId": id, "ClientSecretCreateDate": created }));
    }
    for s in &client.added_secrets {
        out.push(json!({ "ClientSecretId": s.id, "ClientSecretCreateDate": s.created_at }));
    }
    Ok(json!({ "ClientSecrets": out }))
}

/// Deletes one secret; the last one cannot go (the client would become public).
pub(crate) async fn delete_secret(call: &Call, req: Value) -> Result<Value, ApiError> {
    let _changes = call.pool.runtime_pools().lock_changes().await;
    let pool_id = text(&req, "UserPoolId");
    let mut config = runtime_pool(call, pool_id)?.clone();
    let id = text(&req, "ClientSecretId");
    let first = {
        let c = config
            .client(text(&req, "ClientId"))
            .ok_or_else(client_not_found)?;
        first_id(call, pool_id, c).await?.0
    };
    let client = client_mut(&mut config, text(&req, "ClientId"))?;
    if client.secrets().count() <= 1 {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "A client keeps at least one secret.",
        ));
    }
    if id == first && client.secret.is_some() {
        // The first added secret takes the first one's place.
        let next = client.added_secrets.remove(0);
        client.secret = Some(next.value);
    } else {
        let before = client.added_secrets.len();
        client.added_secrets.retain(|s| s.id != id);
        if client.added_secrets.len() == before {
            return Err(ApiError::new(
                Exception::ResourceNotFoundException,
                "Client secret not found.",
            ));
        }
    }
    call.pool.update_runtime_pool(config).await?;
    Ok(json!({}))
}
