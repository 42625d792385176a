//! `CreateUserPoolDomain`, `DescribeUserPoolDomain`, `UpdateUserPoolDomain`,
//! `DeleteUserPoolDomain`: a pool's domain prefix (or custom domain), stored and described.
//! Every domain of a local pool is served by this server at its own address; the name is
//! kept for the apps that read it back. One domain per pool, and a name once in the server.

use serde_json::{json, Map, Value};

use super::shapes::pool_config;
use super::stored::{pick, text};
use super::{ApiError, Call, Exception};

const KIND: &str = "domain";
const SETTINGS: &[&str] = &["ManagedLoginVersion", "CustomDomainConfig", "Routing"];

fn reply(body: &Value) -> Value {
    let mut out = pick(body, SETTINGS);
    out.remove("CustomDomainConfig");
    if body.get("CustomDomainConfig").is_some() {
        out.insert("CloudFrontDomain".into(), json!("localhost"));
    }
    Value::Object(out)
}

pub(crate) async fn create_domain(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pc = pool_config(&call.pool, text(&req, "UserPoolId"))?;
    let domain = text(&req, "Domain");
    let store = call.pool.store();
    let taken = store.document_anywhere(KIND, domain).await?.is_some()
        || !store.documents(&pc.id, KIND).await?.is_empty();
    if taken {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "Domain already associated with another user pool.",
        ));
    }
    let mut body: Map<String, Value> = pick(&req, SETTINGS);
    body.entry("ManagedLoginVersion").or_insert(json!(1));
    let body = Value::Object(body);
    store
        .put_document(&pc.id, KIND, domain, &body, call.pool.now())
        .await?;
    Ok(reply(&body))
}

pub(crate) async fn describe_domain(call: &Call, req: Value) -> Result<Value, ApiError> {
    let domain = text(&req, "Domain");
    // Cognito answers an empty description for a domain nobody has.
    let Some(d) = call.pool.store().document_anywhere(KIND, domain).await? else {
        return Ok(json!({ "DomainDescription": {} }));
    };
    let mut out = pick(&d.body, SETTINGS);
    out.insert("UserPoolId".into(), json!(d.pool_id));
    out.insert("AWSAccountId".into(), json!("000000000000"));
    out.insert("Domain".into(), json!(domain));
    out.insert("CloudFrontDistribution".into(), json!("localhost"));
    out.insert("Version".into(), json!(d.updated_at.to_string()));
    out.insert("Status".into(), json!("ACTIVE"));
    Ok(json!({ "DomainDescription": out }))
}

/// The pool's stored domain of that name: `ResourceNotFoundException` otherwise.
async fn owned(call: &Call, req: &Value) -> Result<(String, Value), ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    let d = call
        .pool
        .store()
        .document(&pc.id, KIND, text(req, "Domain"))
        .await?
        .ok_or_else(|| {
            ApiError::new(
                Exception::ResourceNotFoundException,
                "Domain does not exist.",
            )
        })?;
    Ok((pc.id.clone(), d.body))
}

pub(crate) async fn update_domain(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, old) = owned(call, &req).await?;
    let mut body = old.as_object().cloned().unwrap_or_default();
    body.extend(pick(&req, SETTINGS));
    let body = Value::Object(body);
    let now = call.pool.now();
    let domain = text(&req, "Domain");
    call.pool
        .store()
        .put_document(&pool_id, KIND, domain, &body, now)
        .await?;
    Ok(reply(&body))
}

pub(crate) async fn delete_domain(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, _) = owned(call, &req).await?;
    let domain = text(&req, "Domain");
    call.pool
        .store()
        .delete_document(&pool_id, KIND, domain)
        .await?;
    Ok(json!({}))
}
