//! The signed operations that describe pools and their app clients: `DescribeUserPool`,
//! `DescribeUserPoolClient`, `ListUserPoolClients`, of the seed's pools and those made at
//! run time (see `pool_admin`).

use serde::{Deserialize, Serialize};

use super::shapes::pool_config;
use super::{ApiError, Call, Exception};
use crate::config::{
    AuthFlow, ClientConfig, DeviceConfiguration, LambdaConfig, MfaSetting, OAuthFlow, PoolConfig,
};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PoolRequest {
    user_pool_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PasswordPolicyType {
    minimum_length: usize,
    require_uppercase: bool,
    require_lowercase: bool,
    require_numbers: bool,
    require_symbols: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Policies {
    password_policy: PasswordPolicyType,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserPoolType {
    id: String,
    name: String,
    arn: String,
    policies: Policies,
    username_attributes: [&'static str; 1],
    auto_verified_attributes: [&'static str; 1],
    estimated_number_of_users: usize,
    mfa_configuration: &'static str,
    /// Always present, `{}` without triggers, as Cognito answers.
    lambda_config: LambdaConfig,
    pub(crate) creation_date: i64,
    pub(crate) last_modified_date: i64,
    schema_attributes: Vec<serde_json::Value>,
    admin_create_user_config: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    device_configuration: Option<DeviceConfigurationType>,
}

/// Cognito's `DeviceConfigurationType`, as the API gives and shows it.
#[derive(Clone, Copy, Deserialize, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DeviceConfigurationType {
    #[serde(default)]
    challenge_required_on_new_device: bool,
    #[serde(default)]
    device_only_remembered_on_user_prompt: bool,
}

impl From<DeviceConfigurationType> for DeviceConfiguration {
    fn from(d: DeviceConfigurationType) -> Self {
        DeviceConfiguration {
            challenge_required_on_new_device: d.challenge_required_on_new_device,
            device_only_remembered_on_user_prompt: d.device_only_remembered_on_user_prompt,
        }
    }
}

impl From<DeviceConfiguration> for DeviceConfigurationType {
    fn from(d: DeviceConfiguration) -> Self {
        DeviceConfigurationType {
            challenge_required_on_new_device: d.challenge_required_on_new_device,
            device_only_remembered_on_user_prompt: d.device_only_remembered_on_user_prompt,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeUserPoolResponse {
    user_pool: UserPoolType,
}

/// The ARN of a pool, its region taken from the id (`us-east-1_...`), in a made-up account.
fn arn(pool_id: &str) -> String {
    let region = pool_id.split('_').next().unwrap_or("us-east-1");
    format!("arn:aws:cognito-idp:{region}:000000000000:userpool/{pool_id}")
}

pub(crate) async fn describe_user_pool(
    call: &Call,
    req: PoolRequest,
) -> Result<DescribeUserPoolResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let users = call.pool.store().users(&pc.id).await?.len();
    let mfa = call.pool.mfa_setting(pc).await?;
    let mut user_pool = user_pool_type(pc, users, mfa);
    (user_pool.creation_date, user_pool.last_modified_date) =
        super::pool_info::pool_dates(call, &pc.id).await?;
    user_pool
        .schema_attributes
        .extend(super::pool_info::custom_attributes(call, &pc.id).await?);
    Ok(DescribeUserPoolResponse { user_pool })
}

/// A pool as `DescribeUserPool` and `CreateUserPool` show it.
pub(crate) fn user_pool_type(pc: &PoolConfig, users: usize, mfa: MfaSetting) -> UserPoolType {
    let p = &pc.password_policy;
    {
        UserPoolType {
            id: pc.id.clone(),
            name: pc.name.clone().unwrap_or_else(|| pc.id.clone()),
            arn: arn(&pc.id),
            policies: Policies {
                password_policy: PasswordPolicyType {
                    minimum_length: p.minimum_length,
                    require_uppercase: p.require_uppercase,
                    require_lowercase: p.require_lowercase,
                    require_numbers: p.require_numbers,
                    require_symbols: p.require_symbols,
                },
            },
            username_attributes: ["email"],
            auto_verified_attributes: ["email"],
            estimated_number_of_users: users,
            mfa_configuration: mfa.cognito_name(),
            lambda_config: pc.lambda_config.clone().normalise().unwrap_or_default(),
            creation_date: 0,
            last_modified_date: 0,
            schema_attributes: super::pool_info::standard_schema(),
            // Cognito's defaults; this pool lets anyone sign up (its clients permitting).
            admin_create_user_config: serde_json::json!({
                "AllowAdminCreateUserOnly": false,
                "UnusedAccountValidityDays": 7
            }),
            device_configuration: pc.device_configuration.map(Into::into),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct TokenValidityUnits {
    access_token: &'static str,
    id_token: &'static str,
    refresh_token: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserPoolClientType {
    user_pool_id: String,
    client_id: String,
    client_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(rename = "CallbackURLs")]
    callback_urls: Vec<String>,
    #[serde(rename = "LogoutURLs")]
    logout_urls: Vec<String>,
    allowed_o_auth_scopes: Vec<String>,
    allowed_o_auth_flows: Vec<&'static str>,
    allowed_o_auth_flows_user_pool_client: bool,
    explicit_auth_flows: Vec<AuthFlow>,
    prevent_user_existence_errors: &'static str,
    enable_token_revocation: bool,
    refresh_token_rotation: RefreshTokenRotationType,
    access_token_validity: u32,
    id_token_validity: u32,
    refresh_token_validity: u32,
    token_validity_units: TokenValidityUnits,
    /// Minutes a sign-in's session (between challenges) lasts: Cognito's default, 3.
    auth_session_validity: u32,
    enable_propagate_additional_user_context_data: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) creation_date: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) last_modified_date: Option<i64>,
}

/// `RefreshTokenRotationType`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RefreshTokenRotationType {
    feature: &'static str,
    retry_grace_period_seconds: u32,
}

pub(crate) fn client_type(pc: &PoolConfig, c: &ClientConfig) -> UserPoolClientType {
    let t = pc.token_validity;
    UserPoolClientType {
        user_pool_id: pc.id.clone(),
        client_id: c.id.clone(),
        client_name: c.name.clone().unwrap_or_else(|| c.id.clone()),
        // Cognito shows the secret to an admin; so does the local pool.
        client_secret: c.secret.clone(),
        callback_urls: c.callback_urls.clone(),
        logout_urls: c.logout_urls.clone(),
        allowed_o_auth_scopes: c.allowed_scopes.clone(),
        allowed_o_auth_flows: c
            .allowed_flows
            .iter()
            .map(|f| match f {
                OAuthFlow::Code => "code",
                OAuthFlow::Implicit => "implicit",
                OAuthFlow::ClientCredentials => "client_credentials",
            })
            .collect(),
        allowed_o_auth_flows_user_pool_client: !c.allowed_flows.is_empty(),
        explicit_auth_flows: c.explicit_auth_flows.clone(),
        prevent_user_existence_errors: if c.prevent_user_existence_errors {
            "ENABLED"
        } else {
            "LEGACY"
        },
        enable_token_revocation: true,
        refresh_token_rotation: RefreshTokenRotationType {
            feature: if c.refresh_token_rotation {
                "ENABLED"
            } else {
                "DISABLED"
            },
            retry_grace_period_seconds: c.refresh_token_grace_seconds,
        },
        access_token_validity: t.access_token_minutes,
        id_token_validity: t.id_token_minutes,
        refresh_token_validity: t.refresh_token_minutes,
        token_validity_units: TokenValidityUnits {
            access_token: "minutes",
            id_token: "minutes",
            refresh_token: "minutes",
        },
        auth_session_validity: 3,
        enable_propagate_additional_user_context_data: false,
        creation_date: None,
        last_modified_date: None,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ClientRequest {
    user_pool_id: String,
    client_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DescribeUserPoolClientResponse {
    user_pool_client: UserPoolClientType,
}

pub(crate) async fn describe_user_pool_client(
    call: &Call,
    req: ClientRequest,
) -> Result<DescribeUserPoolClientResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let client = pc.client(&req.client_id).ok_or_else(|| {
        ApiError::new(
            Exception::ResourceNotFoundException,
            "User pool client does not exist.",
        )
    })?;
    let mut user_pool_client = client_type(pc, client);
    let (created, modified) = super::pool_info::client_dates(call, &pc.id, &client.id).await?;
    user_pool_client.creation_date = Some(created);
    user_pool_client.last_modified_date = Some(modified);
    Ok(DescribeUserPoolClientResponse { user_pool_client })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ClientDescription {
    client_id: String,
    user_pool_id: String,
    client_name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListUserPoolClientsResponse {
    user_pool_clients: Vec<ClientDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListClientsRequest {
    user_pool_id: String,
    #[serde(default)]
    max_results: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

pub(crate) async fn list_user_pool_clients(
    call: &Call,
    req: ListClientsRequest,
) -> Result<ListUserPoolClientsResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let all: Vec<ClientDescription> = pc
        .clients
        .iter()
        .map(|c| ClientDescription {
            client_id: c.id.clone(),
            user_pool_id: pc.id.clone(),
            client_name: c.name.clone().unwrap_or_else(|| c.id.clone()),
        })
        .collect();
    let (user_pool_clients, next_token) =
        super::list_users::paginate(all, req.max_results, req.next_token.as_deref())?;
    Ok(ListUserPoolClientsResponse {
        user_pool_clients,
        next_token,
    })
}
