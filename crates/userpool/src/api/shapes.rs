//! Shapes shared by many operations, as the AWS API reference gives them (`AttributeType`,
//! `CodeDeliveryDetailsType`, `UserType`), and the lookups every operation starts with.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ApiError, Exception};
use crate::config::{valid_attribute_name, ClientConfig, PoolConfig};
use crate::pool::UserPool;
use crate::store::UserRow;

/// Longest attribute value accepted (Cognito: 2048).
const MAX_ATTRIBUTE_VALUE: usize = 2048;

/// `AttributeType`: one user attribute.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Attribute {
    pub name: String,
    #[serde(default)]
    pub value: Option<String>,
}

/// `CodeDeliveryDetailsType`: where a code went, the address masked as Cognito masks it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CodeDelivery {
    pub attribute_name: &'static str,
    pub delivery_medium: &'static str,
    pub destination: String,
}

impl CodeDelivery {
    pub(crate) fn email(address: &str) -> Self {
        CodeDelivery {
            attribute_name: "email",
            delivery_medium: "EMAIL",
            destination: mask_email(address),
        }
    }
}

/// `a***@e***`: the first letter of each side, as Cognito shows a destination.
pub(crate) fn mask_email(address: &str) -> String {
    let (local, domain) = address.split_once('@').unwrap_or((address, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

/// `UserType` as `AdminCreateUser`, `ListUsers` and `ListUsersInGroup` answer it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserType {
    pub username: String,
    pub attributes: Vec<Attribute>,
    pub user_create_date: i64,
    pub user_last_modified_date: i64,
    pub enabled: bool,
    pub user_status: &'static str,
}

impl UserType {
    pub(crate) fn of(user: &UserRow) -> Self {
        UserType {
            username: user.username().to_string(),
            attributes: attributes_of(user),
            user_create_date: user.created_at,
            user_last_modified_date: user.updated_at,
            enabled: user.enabled,
            user_status: status_of(user),
        }
    }
}

/// Cognito's `UserStatus`.
pub(crate) fn status_of(user: &UserRow) -> &'static str {
    if user.username.is_some() {
        "EXTERNAL_PROVIDER"
    } else if user.password_temporary {
        "FORCE_CHANGE_PASSWORD"
    } else if user.confirmed {
        "CONFIRMED"
    } else {
        "UNCONFIRMED"
    }
}

/// The user's attributes as Cognito lists them: `sub`, `email`, `email_verified`, the rest.
pub(crate) fn attributes_of(user: &UserRow) -> Vec<Attribute> {
    let mut out = vec![attribute("sub", &user.sub)];
    if let Some(email) = user.email_address() {
        out.push(attribute("email", email));
        let verified = if user.email_verified { "true" } else { "false" };
        out.push(attribute("email_verified", verified));
    }
    out.extend(
        user.attributes
            .iter()
            .filter(|(k, _)| *k != "email" && *k != "email_verified")
            .map(|(k, v)| attribute(k, v)),
    );
    out
}

fn attribute(name: &str, value: &str) -> Attribute {
    Attribute {
        name: name.to_string(),
        value: Some(value.to_string()),
    }
}

/// Attributes a request sets, checked: names as the pool allows them, values within size.
/// `email` and `email_verified` are returned apart; `sub` cannot be set.
pub(crate) struct AttributeUpdate {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
    pub others: BTreeMap<String, String>,
}

pub(crate) fn parse_attributes(list: &[Attribute]) -> Result<AttributeUpdate, ApiError> {
    let invalid = |m: String| ApiError::new(Exception::InvalidParameterException, m);
    let mut update = AttributeUpdate {
        email: None,
        email_verified: None,
        others: BTreeMap::new(),
    };
    for a in list {
        let value = a.value.clone().unwrap_or_default();
        if value.len() > MAX_ATTRIBUTE_VALUE {
            return Err(invalid(format!(
                "Attribute value for {} is too long",
                a.name
            )));
        }
        match a.name.as_str() {
            "sub" => return Err(invalid("Cannot modify an immutable attribute: sub".into())),
            "email" => update.email = Some(value),
            "email_verified" => update.email_verified = Some(value == "true"),
            name => {
                valid_attribute_name(name).map_err(|_| {
                    invalid(format!(
                        "Attribute does not exist in the schema: {}",
                        a.name.escape_debug()
                    ))
                })?;
                update.others.insert(name.to_string(), value);
            }
        }
    }
    Ok(update)
}

/// The pool and client of a `ClientId`.
pub(crate) fn client<'a>(
    pool: &'a UserPool,
    client_id: &str,
) -> Result<(&'a PoolConfig, &'a ClientConfig), ApiError> {
    pool.client(client_id).ok_or_else(|| {
        ApiError::new(
            Exception::ResourceNotFoundException,
            "User pool client does not exist.",
        )
    })
}

/// The pool of a `UserPoolId`.
pub(crate) fn pool_config<'a>(
    pool: &'a UserPool,
    pool_id: &str,
) -> Result<&'a PoolConfig, ApiError> {
    pool.pool_config(pool_id).map_err(|_| {
        ApiError::new(
            Exception::ResourceNotFoundException,
            "User pool does not exist.",
        )
    })
}

/// A user of the pool by `Username`: the e-mail, or the `sub` (Cognito accepts either
/// for a pool that signs in by e-mail).
pub(crate) async fn find_user(
    pool: &UserPool,
    pool_id: &str,
    username: &str,
) -> Result<Option<UserRow>, ApiError> {
    if let Some(u) = pool.store().user_by_email(pool_id, username).await? {
        return Ok(Some(u));
    }
    Ok(pool.store().user_by_sub(pool_id, username).await?)
}

/// A user that must exist: `UserNotFoundException` otherwise.
pub(crate) async fn existing_user(
    pool: &UserPool,
    pool_id: &str,
    username: &str,
) -> Result<UserRow, ApiError> {
    find_user(pool, pool_id, username)
        .await?
        .ok_or_else(|| ApiError::new(Exception::UserNotFoundException, "User does not exist."))
}

/// `UserMFASettingList` of `GetUser` / `AdminGetUser`: the MFA methods on (TOTP only here).
pub(crate) fn setting_list(user: &UserRow) -> Vec<&'static str> {
    if user.totp_enabled {
        vec!["SOFTWARE_TOKEN_MFA"]
    } else {
        vec![]
    }
}

/// `PreferredMfaSetting`: the method set as preferred, while it is on.
pub(crate) fn preferred_setting(user: &UserRow) -> Option<&'static str> {
    (user.totp_enabled && user.totp_preferred).then_some("SOFTWARE_TOKEN_MFA")
}
