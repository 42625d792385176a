//! The signed operations that make, change and remove pools and app clients at run time:
//! `CreateUserPool`, `DeleteUserPool`, `CreateUserPoolClient`, `UpdateUserPoolClient`,
//! `DeleteUserPoolClient`. Only pools made at run time change; the seed's pools are fixed.

use rand::distributions::{Alphanumeric, DistString};
use rand::Rng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::pools::{
    client_type, user_pool_type, DeviceConfigurationType, UserPoolClientType, UserPoolType,
};
use super::shapes::pool_config;
use super::{ApiError, Call, Exception};
use crate::config::{
    AuthFlow, ClientConfig, LambdaConfig, MfaSetting, OAuthFlow, PasswordPolicy, PoolConfig,
    TokenValidity,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PasswordPolicyRequest {
    minimum_length: Option<usize>,
    require_uppercase: Option<bool>,
    require_lowercase: Option<bool>,
    require_numbers: Option<bool>,
    require_symbols: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PoliciesRequest {
    pub(super) password_policy: Option<PasswordPolicyRequest>,
}

/// Cognito's `CreateUserPool`; the fields the local pool has no use for are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CreateUserPoolRequest {
    pool_name: String,
    policies: Option<PoliciesRequest>,
    mfa_configuration: Option<String>,
    lambda_config: Option<crate::config::LambdaConfig>,
    device_configuration: Option<DeviceConfigurationType>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CreateUserPoolResponse {
    user_pool: UserPoolType,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(Exception::InvalidParameterException, message)
}

/// Cognito's pool ids: `{region}_` and 9 alphanumerics.
fn new_pool_id(region: &str) -> String {
    let tail = Alphanumeric.sample_string(&mut rand::rngs::OsRng, 9);
    format!("{region}_{tail}")
}

/// Cognito's client ids: 26 lowercase alphanumerics.
fn new_client_id() -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rngs::OsRng;
    (0..26)
        .map(|_| char::from(CHARS[rng.gen_range(0..CHARS.len())]))
        .collect()
}

/// A client secret as Cognito makes them: 51 lowercase alphanumerics.
pub(crate) fn new_client_secret() -> String {
    Alphanumeric
        .sample_string(&mut rand::rngs::OsRng, 51)
        .to_lowercase()
}

pub(super) fn password_policy(p: Option<PasswordPolicyRequest>) -> PasswordPolicy {
    let d = PasswordPolicy::default();
    let Some(p) = p else { return d };
    PasswordPolicy {
        minimum_length: p.minimum_length.unwrap_or(d.minimum_length),
        require_uppercase: p.require_uppercase.unwrap_or(d.require_uppercase),
        require_lowercase: p.require_lowercase.unwrap_or(d.require_lowercase),
        require_numbers: p.require_numbers.unwrap_or(d.require_numbers),
        require_symbols: p.require_symbols.unwrap_or(d.require_symbols),
    }
}

pub(crate) async fn create_user_pool(
    call: &Call,
    req: CreateUserPoolRequest,
) -> Result<CreateUserPoolResponse, ApiError> {
    call.require_signed()?;
    if req.pool_name.is_empty() || req.pool_name.chars().count() > 128 {
        return Err(invalid("PoolName must be 1 to 128 characters."));
    }
    let mfa = match req.mfa_configuration.as_deref() {
        None => MfaSetting::Off,
        Some(name) => MfaSetting::from_cognito_name(name)
            .ok_or_else(|| invalid("MfaConfiguration must be OFF, ON or OPTIONAL."))?,
    };
    let region = call.region.as_deref().unwrap_or("us-east-1");
    let config = PoolConfig {
        id: new_pool_id(region),
        name: Some(req.pool_name),
        password_policy: password_policy(req.policies.and_then(|p| p.password_policy)),
        token_validity: TokenValidity::default(),
        groups: vec![],
        clients: vec![],
        users: vec![],
        mfa,
        lambda_config: lambda_config(req.lambda_config)?,
        change_password_signs_out: false,
        device_configuration: req.device_configuration.map(Into::into),
    };
    let _changes = call.pool.runtime_pools().lock_changes().await;
    let pc = call.pool.create_runtime_pool(config).await?;
    let mut user_pool = user_pool_type(pc, 0, mfa);
    (user_pool.creation_date, user_pool.last_modified_date) =
        super::pool_info::pool_dates(call, &pc.id).await?;
    Ok(CreateUserPoolResponse { user_pool })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DeleteUserPoolRequest {
    user_pool_id: String,
}

/// A pool made at run time (the seed's cannot be changed).
pub(crate) fn runtime_pool<'a>(call: &'a Call, pool_id: &str) -> Result<&'a PoolConfig, ApiError> {
    let pc = pool_config(&call.pool, pool_id)?;
    if call.pool.runtime_pools().pool(pool_id).is_none() {
        return Err(invalid(
            "This pool comes from the seed file; only pools made by CreateUserPool change.",
        ));
    }
    Ok(pc)
}

pub(crate) async fn delete_user_pool(
    call: &Call,
    req: DeleteUserPoolRequest,
) -> Result<Value, ApiError> {
    call.require_signed()?;
    let _changes = call.pool.runtime_pools().lock_changes().await;
    runtime_pool(call, &req.user_pool_id)?;
    call.pool.delete_runtime_pool(&req.user_pool_id).await?;
    Ok(Value::Object(Default::default()))
}

/// `RefreshTokenRotationType`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RefreshTokenRotationRequest {
    feature: String,
    retry_grace_period_seconds: Option<u32>,
}

/// The client settings `CreateUserPoolClient` and `UpdateUserPoolClient` share. An update sets
/// every one of them as a create does: one left out goes back to its default, as in Cognito.
/// Token validity and other fields are ignored.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ClientSettings {
    explicit_auth_flows: Option<Vec<String>>,
    #[serde(rename = "CallbackURLs", default)]
    callback_urls: Vec<String>,
    #[serde(rename = "LogoutURLs", default)]
    logout_urls: Vec<String>,
    #[serde(default)]
    allowed_o_auth_flows: Vec<OAuthFlow>,
    allowed_o_auth_scopes: Option<Vec<String>>,
    #[serde(default)]
    allowed_o_auth_flows_user_pool_client: bool,
    prevent_user_existence_errors: Option<String>,
    /// Accepted; the local pool always lets tokens be revoked.
    #[allow(dead_code)]
    enable_token_revocation: Option<bool>,
    refresh_token_rotation: Option<RefreshTokenRotationRequest>,
}

impl ClientSettings {
    /// Sets `client`'s settings to these (checked; on an error `client` may be half changed,
    /// so callers change a copy).
    fn apply(self, client: &mut ClientConfig) -> Result<(), ApiError> {
        client.prevent_user_existence_errors = match self.prevent_user_existence_errors.as_deref() {
            None | Some("ENABLED") => true,
            Some("LEGACY") => false,
            Some(_) => {
                return Err(invalid(
                    "PreventUserExistenceErrors must be ENABLED or LEGACY.",
                ))
            }
        };
        (
            client.refresh_token_rotation,
            client.refresh_token_grace_seconds,
        ) = match self.refresh_token_rotation {
            None => (false, 0),
            Some(r) => match r.feature.as_str() {
                "ENABLED" => (true, r.retry_grace_period_seconds.unwrap_or(0)),
                "DISABLED" => (false, 0),
                _ => {
                    return Err(invalid(
                        "RefreshTokenRotation Feature must be ENABLED or DISABLED.",
                    ))
                }
            },
        };
        client.explicit_auth_flows = auth_flows(self.explicit_auth_flows)?;
        client.callback_urls = self.callback_urls;
        client.logout_urls = self.logout_urls;
        client.allowed_scopes = self.allowed_o_auth_scopes.unwrap_or_default();
        client.allowed_flows = if self.allowed_o_auth_flows_user_pool_client {
            self.allowed_o_auth_flows
        } else {
            vec![]
        };
        Ok(())
    }
}

/// Cognito's `CreateUserPoolClient`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CreateUserPoolClientRequest {
    user_pool_id: String,
    client_name: String,
    #[serde(default)]
    generate_secret: bool,
    #[serde(flatten)]
    settings: ClientSettings,
}

/// The reply of `CreateUserPoolClient` and `UpdateUserPoolClient`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserPoolClientResponse {
    user_pool_client: UserPoolClientType,
}

/// `ExplicitAuthFlows`; without it, Cognito's API default (SRP and refresh). The legacy
/// names are accepted and do nothing.
fn auth_flows(names: Option<Vec<String>>) -> Result<Vec<AuthFlow>, ApiError> {
    let Some(names) = names else {
        return Ok(vec![AuthFlow::UserSrpAuth, AuthFlow::RefreshTokenAuth]);
    };
    let mut flows = vec![];
    for name in names {
        match serde_json::from_value::<AuthFlow>(Value::String(name.clone())) {
            Ok(f) => flows.push(f),
            Err(_) if is_ignored_flow(&name) => {}
            Err(_) => return Err(invalid("ExplicitAuthFlows has an unknown value.")),
        }
    }
    Ok(flows)
}

fn is_ignored_flow(name: &str) -> bool {
    matches!(
        name,
        "ALLOW_CUSTOM_AUTH" | "ADMIN_NO_SRP_AUTH" | "CUSTOM_AUTH_FLOW_ONLY"
    )
}

fn client_name(name: String) -> Result<String, ApiError> {
    if name.is_empty() || name.chars().count() > 128 {
        return Err(invalid("ClientName must be 1 to 128 characters."));
    }
    Ok(name)
}

fn new_client(req: CreateUserPoolClientRequest) -> Result<ClientConfig, ApiError> {
    let mut client = ClientConfig {
        id: new_client_id(),
        name: Some(client_name(req.client_name)?),
        secret: req.generate_secret.then(new_client_secret),
        callback_urls: vec![],
        logout_urls: vec![],
        allowed_scopes: vec![],
        allowed_flows: vec![],
        refresh_token_rotation: false,
        refresh_token_grace_seconds: 0,
        explicit_auth_flows: vec![],
        prevent_user_existence_errors: true,
        added_secrets: vec![],
    };
    req.settings.apply(&mut client)?;
    Ok(client)
}

pub(crate) async fn create_user_pool_client(
    call: &Call,
    req: CreateUserPoolClientRequest,
) -> Result<UserPoolClientResponse, ApiError> {
    call.require_signed()?;
    let _changes = call.pool.runtime_pools().lock_changes().await;
    let mut config = runtime_pool(call, &req.user_pool_id)?.clone();
    let client = new_client(req)?;
    let client_id = client.id.clone();
    config.clients.push(client);
    save_client(call, config, &client_id).await
}

/// Stores a run-time pool's changed configuration; answers its client `client_id` as
/// `CreateUserPoolClient` and `UpdateUserPoolClient` do.
pub(crate) async fn save_client(
    call: &Call,
    config: PoolConfig,
    client_id: &str,
) -> Result<UserPoolClientResponse, ApiError> {
    if let Some(client) = config.client(client_id) {
        super::resource_servers::check_client(call, &config, client).await?;
    }
    let pc = call.pool.update_runtime_pool(config).await?;
    let client = pc
        .client(client_id)
        .ok_or_else(|| ApiError::from(crate::error::Error::Internal("client lost".into())))?;
    let mut user_pool_client = client_type(pc, client);
    let (created, modified) = super::pool_info::touch_client(call, &pc.id, client_id).await?;
    user_pool_client.creation_date = Some(created);
    user_pool_client.last_modified_date = Some(modified);
    Ok(UserPoolClientResponse { user_pool_client })
}

/// Cognito's `UpdateUserPoolClient`: the id and secret stay; `ClientName` stays when left out.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UpdateUserPoolClientRequest {
    user_pool_id: String,
    client_id: String,
    client_name: Option<String>,
    #[serde(flatten)]
    settings: ClientSettings,
}

/// Changes a client of a run-time pool; sign-ins that follow use the new settings.
pub(crate) async fn update_user_pool_client(
    call: &Call,
    req: UpdateUserPoolClientRequest,
) -> Result<UserPoolClientResponse, ApiError> {
    call.require_signed()?;
    let _changes = call.pool.runtime_pools().lock_changes().await;
    let mut config = runtime_pool(call, &req.user_pool_id)?.clone();
    let client = config
        .clients
        .iter_mut()
        .find(|c| c.id == req.client_id)
        .ok_or_else(client_not_found)?;
    if let Some(name) = req.client_name {
        client.name = Some(client_name(name)?);
    }
    req.settings.apply(client)?;
    save_client(call, config, &req.client_id).await
}

fn client_not_found() -> ApiError {
    ApiError::new(
        Exception::ResourceNotFoundException,
        "User pool client does not exist.",
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DeleteUserPoolClientRequest {
    user_pool_id: String,
    client_id: String,
}

pub(crate) async fn delete_user_pool_client(
    call: &Call,
    req: DeleteUserPoolClientRequest,
) -> Result<Value, ApiError> {
    call.require_signed()?;
    let _changes = call.pool.runtime_pools().lock_changes().await;
    let mut config = runtime_pool(call, &req.user_pool_id)?.clone();
    let before = config.clients.len();
    config.clients.retain(|c| c.id != req.client_id);
    if config.clients.len() == before {
        return Err(client_not_found());
    }
    call.pool.update_runtime_pool(config).await?;
    Ok(Value::Object(Default::default()))
}

/// A `LambdaConfig` as sent (none: no triggers), checked: each function an ARN or a URL, the
/// versions Cognito's.
pub(super) fn lambda_config(config: Option<LambdaConfig>) -> Result<LambdaConfig, ApiError> {
    config
        .unwrap_or_default()
        .normalise()
        .map_err(|m| ApiError::new(Exception::InvalidParameterException, m))
}
