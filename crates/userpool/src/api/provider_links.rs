//! `AdminLinkProviderForUser` (an identity provider's user signs in as an existing native
//! user) and `AdminDisableProviderForUser` (a link removed, or a federated user's sign-in
//! through that provider stopped).

use serde::Deserialize;

use super::shapes::{existing_user, pool_config};
use super::users::Empty;
use super::{ApiError, Call, Exception};
use crate::store::IdentityRow;

/// The attribute naming an OIDC or social provider's user (its `sub`).
const SUBJECT: &str = "Cognito_Subject";
/// Most identities linked to one user (Cognito: 5).
const MAX_LINKS: usize = 5;

/// `ProviderUserIdentifierType`.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ProviderUser {
    provider_name: String,
    provider_attribute_name: Option<String>,
    provider_attribute_value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct LinkRequest {
    user_pool_id: String,
    destination_user: ProviderUser,
    source_user: ProviderUser,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct DisableRequest {
    user_pool_id: String,
    user: ProviderUser,
}

fn invalid(m: impl Into<String>) -> ApiError {
    ApiError::new(Exception::InvalidParameterException, m)
}

/// The provider's user id of a source user: `Cognito_Subject` and a value.
fn subject_of(u: &ProviderUser) -> Result<&str, ApiError> {
    if u.provider_attribute_name.as_deref() != Some(SUBJECT) {
        return Err(invalid(format!(
            "ProviderAttributeName must be {SUBJECT} (SAML providers are not supported)."
        )));
    }
    u.provider_attribute_value
        .as_deref()
        .filter(|v| !v.is_empty() && v.len() <= 2048)
        .ok_or_else(|| invalid("ProviderAttributeValue is required."))
}

pub(crate) async fn admin_link_provider_for_user(
    call: &Call,
    req: LinkRequest,
) -> Result<Empty, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let store = call.pool.store();
    let dest = &req.destination_user;
    if !dest.provider_name.eq_ignore_ascii_case("cognito") {
        return Err(invalid(
            "DestinationUser must be a native user (ProviderName Cognito).",
        ));
    }
    let username = dest
        .provider_attribute_value
        .as_deref()
        .ok_or_else(|| invalid("DestinationUser's ProviderAttributeValue is required."))?;
    let user = existing_user(&call.pool, &pc.id, username).await?;
    if user.username.is_some() {
        return Err(invalid(
            "DestinationUser must be a native user (ProviderName Cognito).",
        ));
    }
    let source = &req.source_user;
    let upstream_sub = subject_of(source)?;
    let Some(provider) = store.provider(&pc.id, &source.provider_name).await? else {
        return Err(invalid(format!(
            "SourceUser's provider {} does not exist.",
            source.provider_name
        )));
    };
    if let Some(known) = store.identity(&pc.id, &provider.name, upstream_sub).await? {
        return Err(if known.linked {
            ApiError::new(
                Exception::AliasExistsException,
                "The SourceUser is already linked to a user.",
            )
        } else {
            invalid("Merging is not currently supported, provide a SourceUser that has not been imported.")
        });
    }
    if store.identities_of(&user.sub).await?.len() >= MAX_LINKS {
        return Err(ApiError::new(
            Exception::LimitExceededException,
            "The user has the most linked identities allowed.",
        ));
    }
    let identity = IdentityRow {
        provider_name: provider.name,
        provider_user_id: upstream_sub.to_string(),
        sub: user.sub,
        linked: true,
        disabled: false,
        created_at: call.pool.now(),
    };
    if !store.insert_identity(&pc.id, &identity).await? {
        return Err(ApiError::new(
            Exception::AliasExistsException,
            "The SourceUser is already linked to a user.",
        ));
    }
    Ok(Empty {})
}

pub(crate) async fn admin_disable_provider_for_user(
    call: &Call,
    req: DisableRequest,
) -> Result<Empty, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let u = &req.user;
    if u.provider_name.eq_ignore_ascii_case("cognito") {
        return Err(invalid(
            "Disabling a native user's password sign-in is not supported by this local pool; use AdminDisableUser.",
        ));
    }
    let upstream_sub = subject_of(u)?;
    let store = call.pool.store();
    if store
        .identity(&pc.id, &u.provider_name, upstream_sub)
        .await?
        .is_none()
    {
        return Err(ApiError::new(
            Exception::UserNotFoundException,
            "User does not exist.",
        ));
    }
    store
        .disable_identity(&pc.id, &u.provider_name, upstream_sub)
        .await?;
    Ok(Empty {})
}
