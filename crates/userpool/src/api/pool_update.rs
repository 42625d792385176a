//! `UpdateUserPool` of a pool made at run time (its password policy, Lambda triggers and
//! device tracking).

use serde::Deserialize;
use serde_json::Value;

use super::pool_admin::{lambda_config, password_policy, runtime_pool, PoliciesRequest};
use super::pools::DeviceConfigurationType;
use super::{ApiError, Call};
use crate::config::LambdaConfig;

/// Cognito's `UpdateUserPool`; as in Cognito, a setting left out goes back to its default
/// (no `LambdaConfig`: no triggers). Fields the local pool has no use for are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UpdateUserPoolRequest {
    user_pool_id: String,
    policies: Option<PoliciesRequest>,
    lambda_config: Option<LambdaConfig>,
    device_configuration: Option<DeviceConfigurationType>,
}

pub(crate) async fn update_user_pool(
    call: &Call,
    req: UpdateUserPoolRequest,
) -> Result<Value, ApiError> {
    call.require_signed()?;
    let _changes = call.pool.runtime_pools().lock_changes().await;
    let mut config = runtime_pool(call, &req.user_pool_id)?.clone();
    config.lambda_config = lambda_config(req.lambda_config)?;
    config.password_policy = password_policy(req.policies.and_then(|p| p.password_policy));
    config.device_configuration = req.device_configuration.map(Into::into);
    call.pool.update_runtime_pool(config).await?;
    Ok(Value::Object(Default::default()))
}
