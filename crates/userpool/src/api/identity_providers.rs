//! The signed operations on a pool's identity providers: `CreateIdentityProvider`,
//! `DescribeIdentityProvider`, `UpdateIdentityProvider`, `DeleteIdentityProvider`,
//! `ListIdentityProviders`, `GetIdentityProviderByIdentifier`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::shapes::pool_config;
use super::users::Empty;
use super::{ApiError, Call, Exception};
use crate::oauth2::federation::provider::{check, with_default_mapping};
use crate::store::ProviderRow;

/// `IdentityProviderType`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct IdentityProviderType {
    user_pool_id: String,
    provider_name: String,
    provider_type: String,
    provider_details: BTreeMap<String, String>,
    attribute_mapping: BTreeMap<String, String>,
    idp_identifiers: Vec<String>,
    last_modified_date: i64,
    creation_date: i64,
}

impl From<ProviderRow> for IdentityProviderType {
    fn from(p: ProviderRow) -> Self {
        IdentityProviderType {
            user_pool_id: p.pool_id,
            provider_name: p.name,
            provider_type: p.provider_type,
            provider_details: p.details,
            attribute_mapping: p.attribute_mapping,
            idp_identifiers: p.idp_identifiers,
            last_modified_date: p.updated_at,
            creation_date: p.created_at,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ProviderResponse {
    identity_provider: IdentityProviderType,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CreateRequest {
    user_pool_id: String,
    provider_name: String,
    provider_type: String,
    provider_details: BTreeMap<String, String>,
    #[serde(default)]
    attribute_mapping: BTreeMap<String, String>,
    #[serde(default)]
    idp_identifiers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct NameRequest {
    user_pool_id: String,
    provider_name: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UpdateRequest {
    user_pool_id: String,
    provider_name: String,
    provider_details: Option<BTreeMap<String, String>>,
    attribute_mapping: Option<BTreeMap<String, String>>,
    idp_identifiers: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListRequest {
    user_pool_id: String,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// `ProviderDescription`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ProviderDescription {
    provider_name: String,
    provider_type: String,
    last_modified_date: i64,
    creation_date: i64,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ListResponse {
    providers: Vec<ProviderDescription>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ByIdentifierRequest {
    user_pool_id: String,
    idp_identifier: String,
}

fn invalid(m: impl Into<String>) -> ApiError {
    ApiError::new(Exception::InvalidParameterException, m)
}

fn not_found() -> ApiError {
    ApiError::new(
        Exception::ResourceNotFoundException,
        "Identity provider does not exist.",
    )
}

/// Checks the provider, and that no other provider of the pool has one of its identifiers.
async fn checked(call: &Call, p: &ProviderRow) -> Result<(), ApiError> {
    check(p).map_err(invalid)?;
    let others = call.pool.store().providers(&p.pool_id).await?;
    let taken = others.iter().filter(|o| o.name != p.name).any(|o| {
        o.idp_identifiers
            .iter()
            .any(|i| p.idp_identifiers.iter().any(|n| n.eq_ignore_ascii_case(i)))
    });
    if taken {
        return Err(ApiError::new(
            Exception::DuplicateProviderException,
            "Duplicate identifier: another identity provider of the pool has it.",
        ));
    }
    Ok(())
}

pub(crate) async fn create_identity_provider(
    call: &Call,
    req: CreateRequest,
) -> Result<ProviderResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let now = call.pool.now();
    let row = ProviderRow {
        pool_id: pc.id.clone(),
        name: req.provider_name,
        provider_type: req.provider_type,
        details: req.provider_details,
        attribute_mapping: with_default_mapping(req.attribute_mapping),
        idp_identifiers: req.idp_identifiers,
        created_at: now,
        updated_at: now,
    };
    checked(call, &row).await?;
    if !call.pool.store().insert_provider(&row).await? {
        return Err(ApiError::new(
            Exception::DuplicateProviderException,
            format!(
                "A provider with the name {} already exists in this user pool.",
                row.name
            ),
        ));
    }
    Ok(ProviderResponse {
        identity_provider: row.into(),
    })
}

async fn existing(call: &Call, pool_id: &str, name: &str) -> Result<ProviderRow, ApiError> {
    let pc = pool_config(&call.pool, pool_id)?;
    call.pool
        .store()
        .provider(&pc.id, name)
        .await?
        .ok_or_else(not_found)
}

pub(crate) async fn describe_identity_provider(
    call: &Call,
    req: NameRequest,
) -> Result<ProviderResponse, ApiError> {
    call.require_signed()?;
    let p = existing(call, &req.user_pool_id, &req.provider_name).await?;
    Ok(ProviderResponse {
        identity_provider: p.into(),
    })
}

pub(crate) async fn update_identity_provider(
    call: &Call,
    req: UpdateRequest,
) -> Result<ProviderResponse, ApiError> {
    call.require_signed()?;
    let mut p = existing(call, &req.user_pool_id, &req.provider_name).await?;
    if let Some(d) = req.provider_details {
        // Keys not given keep their values, as in Cognito.
        p.details.extend(d);
    }
    if let Some(m) = req.attribute_mapping {
        p.attribute_mapping = with_default_mapping(m);
    }
    if let Some(ids) = req.idp_identifiers {
        p.idp_identifiers = ids;
    }
    p.updated_at = call.pool.now();
    checked(call, &p).await?;
    call.pool.store().update_provider(&p).await?;
    Ok(ProviderResponse {
        identity_provider: p.into(),
    })
}

pub(crate) async fn delete_identity_provider(
    call: &Call,
    req: NameRequest,
) -> Result<Empty, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    if !call
        .pool
        .store()
        .delete_provider(&pc.id, &req.provider_name)
        .await?
    {
        return Err(not_found());
    }
    Ok(Empty {})
}

pub(crate) async fn list_identity_providers(
    call: &Call,
    req: ListRequest,
) -> Result<ListResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let all: Vec<ProviderDescription> = call
        .pool
        .store()
        .providers(&pc.id)
        .await?
        .into_iter()
        .map(|p| ProviderDescription {
            provider_name: p.name,
            provider_type: p.provider_type,
            last_modified_date: p.updated_at,
            creation_date: p.created_at,
        })
        .collect();
    let (providers, next_token) =
        super::list_users::paginate(all, req.max_results, req.next_token.as_deref())?;
    Ok(ListResponse {
        providers,
        next_token,
    })
}

pub(crate) async fn get_identity_provider_by_identifier(
    call: &Call,
    req: ByIdentifierRequest,
) -> Result<ProviderResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let found = call
        .pool
        .store()
        .providers(&pc.id)
        .await?
        .into_iter()
        .find(|p| {
            p.idp_identifiers
                .iter()
                .any(|i| i.eq_ignore_ascii_case(&req.idp_identifier))
        })
        .ok_or_else(not_found)?;
    Ok(ProviderResponse {
        identity_provider: found.into(),
    })
}
