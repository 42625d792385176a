//! `CreateResourceServer`, `DescribeResourceServer`, `ListResourceServers`,
//! `UpdateResourceServer`, `DeleteResourceServer`: the APIs a pool's custom scopes belong to
//! (`Identifier/ScopeName`, e.g. `orders/read`), kept in `pool_documents`. A client may be
//! given a custom scope only if one of its pool's resource servers defines it, as in Cognito
//! (`ScopeDoesNotExistException`); the client_credentials grant asks [`defined_scopes`].

use std::collections::HashSet;

use serde_json::{json, Value};

use super::shapes::pool_config;
use super::stored::text;
use super::{ApiError, Call, Exception};
use crate::config::{ClientConfig, OAuthFlow, PoolConfig};
use crate::error::Error;
use crate::pool::UserPool;

const KIND: &str = "resource_server";
/// Cognito's quotas: resource servers per pool, scopes per resource server.
const MAX_SERVERS: usize = 25;
const MAX_SCOPES: usize = 100;

/// The stored body: `Identifier`, `Name`, `Scopes` (`ScopeName`, `ScopeDescription`).
fn body(req: &Value) -> Result<Value, ApiError> {
    let scopes = req
        .get("Scopes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if scopes.len() > MAX_SCOPES {
        return Err(invalid("A resource server has at most 100 scopes."));
    }
    let mut names = HashSet::new();
    for s in &scopes {
        if !names.insert(text(s, "ScopeName")) {
            return Err(invalid("Scope names of a resource server must be unique."));
        }
    }
    Ok(json!({
        "Identifier": text(req, "Identifier"),
        "Name": text(req, "Name"),
        "Scopes": scopes,
    }))
}

fn invalid(message: &str) -> ApiError {
    ApiError::new(Exception::InvalidParameterException, message)
}

fn not_found() -> ApiError {
    ApiError::new(
        Exception::ResourceNotFoundException,
        "Resource server does not exist.",
    )
}

/// `ResourceServerType`: the stored body with its pool's id.
fn shape(pool_id: &str, body: &Value) -> Value {
    let mut out = body.clone();
    out["UserPoolId"] = json!(pool_id);
    out
}

pub(crate) async fn create_resource_server(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let store = call.pool.store();
    if store.documents(&pc.id, KIND).await?.len() >= MAX_SERVERS {
        return Err(ApiError::new(
            Exception::LimitExceededException,
            "A user pool has at most 25 resource servers.",
        ));
    }
    let body = body(&req)?;
    let identifier = text(&req, "Identifier");
    let now = call.pool.now();
    if !store
        .insert_document(&pc.id, KIND, identifier, &body, now)
        .await?
    {
        return Err(invalid(&format!(
            "A resource server with identifier {identifier} already exists in this user pool."
        )));
    }
    Ok(json!({ "ResourceServer": shape(&pc.id, &body) }))
}

async fn stored(call: &Call, req: &Value) -> Result<(String, Value), ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    let d = call
        .pool
        .store()
        .document(&pc.id, KIND, text(req, "Identifier"))
        .await?
        .ok_or_else(not_found)?;
    Ok((pc.id.clone(), d.body))
}

pub(crate) async fn describe_resource_server(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, body) = stored(call, &req).await?;
    Ok(json!({ "ResourceServer": shape(&pool_id, &body) }))
}

/// Pages of `MaxResults` (required by Cognito, 1 to 50), the next page's index as the token.
pub(crate) async fn list_resource_servers(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let max = req["MaxResults"].as_u64().unwrap_or(50) as usize;
    let start = match req.get("NextToken").and_then(Value::as_str) {
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| invalid("Invalid NextToken."))?,
        None => 0,
    };
    let all = call.pool.store().documents(&pc.id, KIND).await?;
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|d| shape(&pc.id, &d.body))
        .collect();
    let mut reply = json!({ "ResourceServers": page });
    if start + max < all.len() {
        reply["NextToken"] = json!((start + max).to_string());
    }
    Ok(reply)
}

/// Replaces the name and the scopes (left out: none, as Cognito sets an omitted member to its
/// default). Clients keep only the scopes that are still defined, as in Cognito.
pub(crate) async fn update_resource_server(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, _) = stored(call, &req).await?;
    let body = body(&req)?;
    let now = call.pool.now();
    call.pool
        .store()
        .put_document(&pool_id, KIND, text(&req, "Identifier"), &body, now)
        .await?;
    drop_undefined_scopes(call, &pool_id).await?;
    Ok(json!({ "ResourceServer": shape(&pool_id, &body) }))
}

pub(crate) async fn delete_resource_server(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, _) = stored(call, &req).await?;
    call.pool
        .store()
        .delete_document(&pool_id, KIND, text(&req, "Identifier"))
        .await?;
    drop_undefined_scopes(call, &pool_id).await?;
    Ok(json!({}))
}

/// Every custom scope (`Identifier/ScopeName`) the pool's resource servers define.
pub(crate) async fn defined_scopes(pool: &UserPool, pool_id: &str) -> Result<Vec<String>, Error> {
    let docs = pool.store().documents(pool_id, KIND).await?;
    let mut out = vec![];
    for d in docs {
        let id = text(&d.body, "Identifier");
        for s in d.body["Scopes"].as_array().into_iter().flatten() {
            out.push(format!("{id}/{}", text(s, "ScopeName")));
        }
    }
    Ok(out)
}

/// A run-time pool's clients lose the custom scopes no resource server defines any more.
async fn drop_undefined_scopes(call: &Call, pool_id: &str) -> Result<(), ApiError> {
    let _changes = call.pool.runtime_pools().lock_changes().await;
    let Some(pc) = call.pool.runtime_pools().pool(pool_id) else {
        // A seeded pool's clients are the seed file's.
        return Ok(());
    };
    let defined = defined_scopes(&call.pool, pool_id).await?;
    let mut config = pc.clone();
    let mut changed = false;
    for c in &mut config.clients {
        let before = c.allowed_scopes.len();
        c.allowed_scopes
            .retain(|s| !s.contains('/') || defined.contains(s));
        changed |= c.allowed_scopes.len() != before;
    }
    if changed {
        call.pool.update_runtime_pool(config).await?;
    }
    Ok(())
}

/// Checks a client's OAuth settings as Cognito does on `CreateUserPoolClient` and
/// `UpdateUserPoolClient`: every custom scope defined by a resource server of the pool; the
/// client_credentials flow only for a client with a secret, with custom scopes only.
pub(crate) async fn check_client(
    call: &Call,
    config: &PoolConfig,
    client: &ClientConfig,
) -> Result<(), ApiError> {
    let defined = defined_scopes(&call.pool, &config.id).await?;
    if let Some(s) = client
        .allowed_scopes
        .iter()
        .find(|s| s.contains('/') && !defined.contains(s))
    {
        return Err(ApiError::new(
            Exception::ScopeDoesNotExistException,
            format!("Invalid scope requested: {s}"),
        ));
    }
    if client.allows(OAuthFlow::ClientCredentials) {
        let flow_error = |m: &str| ApiError::new(Exception::InvalidOAuthFlowException, m);
        if client.secret.is_none() {
            return Err(flow_error(
                "client_credentials flow can not be selected if client does not have a client secret.",
            ));
        }
        if client.allowed_scopes.iter().any(|s| !s.contains('/')) {
            return Err(flow_error(
                "client_credentials flow can not be selected with scopes other than custom scopes.",
            ));
        }
        if client.allows(OAuthFlow::Code) || client.allows(OAuthFlow::Implicit) {
            return Err(flow_error(
                "client_credentials flow can not be selected with code or implicit flows.",
            ));
        }
    }
    Ok(())
}
