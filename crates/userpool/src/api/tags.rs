//! `TagResource`, `UntagResource`, `ListTagsForResource`: a pool's tags, the pool named by
//! its ARN (`arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL_ID`).

use serde_json::{json, Map, Value};

use super::shapes::pool_config;
use super::stored::text;
use super::{ApiError, Call, Exception};

/// The pool id of a user-pool ARN, the pool known to this server.
fn pool_of(call: &Call, arn: &str) -> Result<String, ApiError> {
    let id = arn
        .strip_prefix("arn:aws:cognito-idp:")
        .and_then(|rest| rest.split_once(":userpool/"))
        .map(|(_, id)| id)
        .ok_or_else(|| {
            ApiError::new(
                Exception::InvalidParameterException,
                "The resource ARN is not a user pool's ARN.",
            )
        })?;
    Ok(pool_config(&call.pool, id)?.id.clone())
}

async fn tags(call: &Call, pool_id: &str) -> Result<Map<String, Value>, ApiError> {
    let stored = call.pool.store().document(pool_id, "tags", "").await?;
    Ok(stored
        .and_then(|d| d.body.as_object().cloned())
        .unwrap_or_default())
}

async fn save(call: &Call, pool_id: &str, tags: Map<String, Value>) -> Result<(), ApiError> {
    let now = call.pool.now();
    let body = Value::Object(tags);
    call.pool
        .store()
        .put_document(pool_id, "tags", "", &body, now)
        .await?;
    Ok(())
}

/// Cognito's limit of tags on a pool.
const MAX_TAGS: usize = 50;

pub(crate) async fn tag_resource(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pool_id = pool_of(call, text(&req, "ResourceArn"))?;
    let mut all = tags(call, &pool_id).await?;
    if let Some(new) = req.get("Tags").and_then(Value::as_object) {
        all.extend(new.clone());
    }
    if all.len() > MAX_TAGS {
        return Err(ApiError::new(
            Exception::InvalidParameterException,
            "A user pool has at most 50 tags.",
        ));
    }
    save(call, &pool_id, all).await?;
    Ok(json!({}))
}

pub(crate) async fn untag_resource(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pool_id = pool_of(call, text(&req, "ResourceArn"))?;
    let mut all = tags(call, &pool_id).await?;
    for key in req["TagKeys"].as_array().into_iter().flatten() {
        if let Some(k) = key.as_str() {
            all.remove(k);
        }
    }
    save(call, &pool_id, all).await?;
    Ok(json!({}))
}

pub(crate) async fn list_tags_for_resource(call: &Call, req: Value) -> Result<Value, ApiError> {
    let pool_id = pool_of(call, text(&req, "ResourceArn"))?;
    Ok(json!({ "Tags": tags(call, &pool_id).await? }))
}
