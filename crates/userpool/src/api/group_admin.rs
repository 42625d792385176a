//! `GetGroup`, `UpdateGroup`, `DeleteGroup`, and a group's details (`Description`,
//! `Precedence`, `RoleArn`), stored beside the group and shown wherever a `GroupType` is.

use serde_json::{json, Map, Value};

use super::shapes::pool_config;
use super::stored::{pick, text};
use super::{ApiError, Call, Exception};

const DETAILS: &[&str] = &["Description", "Precedence", "RoleArn"];

/// Stores the details a request gives (the others kept).
pub(crate) async fn save_details(
    call: &Call,
    pool_id: &str,
    name: &str,
    req: &Map<String, Value>,
) -> Result<(), ApiError> {
    let store = call.pool.store();
    let mut details = store
        .document(pool_id, "group", name)
        .await?
        .and_then(|d| d.body.as_object().cloned())
        .unwrap_or_default();
    details.extend(pick(&Value::Object(req.clone()), DETAILS));
    let now = call.pool.now();
    store
        .put_document(pool_id, "group", name, &Value::Object(details), now)
        .await?;
    Ok(())
}

/// `GroupType` of a group `(name, created_at)`.
pub(crate) async fn group_type(
    call: &Call,
    pool_id: &str,
    (name, created): (String, i64),
) -> Result<Value, ApiError> {
    let stored = call.pool.store().document(pool_id, "group", &name).await?;
    let modified = stored.as_ref().map_or(created, |d| d.updated_at);
    let mut g = stored
        .and_then(|d| d.body.as_object().cloned())
        .unwrap_or_default();
    g.insert("GroupName".into(), json!(name));
    g.insert("UserPoolId".into(), json!(pool_id));
    g.insert("CreationDate".into(), json!(created));
    g.insert("LastModifiedDate".into(), json!(modified));
    Ok(Value::Object(g))
}

pub(crate) async fn group_types(
    call: &Call,
    pool_id: &str,
    groups: Vec<(String, i64)>,
) -> Result<Vec<Value>, ApiError> {
    let mut out = Vec::with_capacity(groups.len());
    for g in groups {
        out.push(group_type(call, pool_id, g).await?);
    }
    Ok(out)
}

/// The pool and the existing group of a request: `ResourceNotFoundException` otherwise.
async fn existing(call: &Call, req: &Value) -> Result<(String, (String, i64)), ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    let name = text(req, "GroupName");
    let groups = call.pool.store().groups_with_dates(&pc.id).await?;
    let g = groups
        .into_iter()
        .find(|(n, _)| n == name)
        .ok_or_else(|| ApiError::new(Exception::ResourceNotFoundException, "Group not found."))?;
    Ok((pc.id.clone(), g))
}

pub(crate) async fn get_group(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, g) = existing(call, &req).await?;
    Ok(json!({ "Group": group_type(call, &pool_id, g).await? }))
}

pub(crate) async fn update_group(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, g) = existing(call, &req).await?;
    let given = req.as_object().cloned().unwrap_or_default();
    save_details(call, &pool_id, &g.0, &given).await?;
    Ok(json!({ "Group": group_type(call, &pool_id, g).await? }))
}

pub(crate) async fn delete_group(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, (name, _)) = existing(call, &req).await?;
    call.pool.store().delete_group(&pool_id, &name).await?;
    Ok(json!({}))
}
