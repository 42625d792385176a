//! The signed operations on groups and listings: `CreateGroup`, `ListGroups`,
//! `AdminAddUserToGroup`, `AdminRemoveUserFromGroup`, `AdminListGroupsForUser`,
//! `ListUsers` (with Cognito's `Filter`, `Limit`, `PaginationToken`, `AttributesToGet`) and
//! `ListUsersInGroup`.

use serde::{Deserialize, Serialize};

use super::group_admin::{group_type, group_types, save_details};
use super::shapes::{existing_user, pool_config, UserType};
use super::users::Empty;
use super::{ApiError, Call, Exception};
use crate::config::valid_group;
use crate::store::UserRow;

/// `GroupType`, its description, precedence and role as stored (`group_admin`).
pub(crate) type GroupType = serde_json::Value;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CreateGroupRequest {
    user_pool_id: String,
    group_name: String,
    #[serde(flatten)]
    details: serde_json::Map<String, serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct CreateGroupResponse {
    group: GroupType,
}

pub(crate) async fn create_group(
    call: &Call,
    req: CreateGroupRequest,
) -> Result<CreateGroupResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    valid_group(&req.group_name)
        .map_err(|m| ApiError::new(Exception::InvalidParameterException, m))?;
    let now = call.pool.now();
    if !call
        .pool
        .store()
        .create_group(&pc.id, &req.group_name, now)
        .await?
    {
        return Err(ApiError::new(
            Exception::GroupExistsException,
            "A group with the name already exists.",
        ));
    }
    save_details(call, &pc.id, &req.group_name, &req.details).await?;
    Ok(CreateGroupResponse {
        group: group_type(call, &pc.id, (req.group_name, now)).await?,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PoolRequest {
    user_pool_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct GroupsResponse {
    groups: Vec<GroupType>,
}

pub(crate) async fn list_groups(call: &Call, req: PoolRequest) -> Result<GroupsResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let groups = call.pool.store().groups_with_dates(&pc.id).await?;
    Ok(GroupsResponse {
        groups: group_types(call, &pc.id, groups).await?,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct MembershipRequest {
    user_pool_id: String,
    username: String,
    group_name: String,
}

/// The user and the (existing) group of a membership request.
async fn membership(call: &Call, req: &MembershipRequest) -> Result<UserRow, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    if !call
        .pool
        .store()
        .group_exists(&pc.id, &req.group_name)
        .await?
    {
        return Err(ApiError::new(
            Exception::ResourceNotFoundException,
            "Group not found.",
        ));
    }
    existing_user(&call.pool, &pc.id, &req.username).await
}

pub(crate) async fn admin_add_user_to_group(
    call: &Call,
    req: MembershipRequest,
) -> Result<Empty, ApiError> {
    let user = membership(call, &req).await?;
    call.pool
        .store()
        .add_to_group(
            &req.user_pool_id,
            &user.sub,
            &req.group_name,
            call.pool.now(),
        )
        .await?;
    Ok(Empty {})
}

pub(crate) async fn admin_remove_user_from_group(
    call: &Call,
    req: MembershipRequest,
) -> Result<Empty, ApiError> {
    let user = membership(call, &req).await?;
    call.pool
        .store()
        .remove_from_group(&user.sub, &req.group_name)
        .await?;
    Ok(Empty {})
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UserGroupsRequest {
    user_pool_id: String,
    username: String,
}

pub(crate) async fn admin_list_groups_for_user(
    call: &Call,
    req: UserGroupsRequest,
) -> Result<GroupsResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    let user = existing_user(&call.pool, &pc.id, &req.username).await?;
    let mine = call.pool.store().groups_of(&user.sub).await?;
    let all = call.pool.store().groups_with_dates(&pc.id).await?;
    let all = all.into_iter().filter(|(name, _)| mine.contains(name));
    Ok(GroupsResponse {
        groups: group_types(call, &pc.id, all.collect()).await?,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UsersInGroupRequest {
    user_pool_id: String,
    group_name: String,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    next_token: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct UsersResponse {
    users: Vec<UserType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_token: Option<String>,
}

pub(crate) async fn list_users_in_group(
    call: &Call,
    req: UsersInGroupRequest,
) -> Result<UsersResponse, ApiError> {
    call.require_signed()?;
    let pc = pool_config(&call.pool, &req.user_pool_id)?;
    if !call
        .pool
        .store()
        .group_exists(&pc.id, &req.group_name)
        .await?
    {
        return Err(ApiError::new(
            Exception::ResourceNotFoundException,
            "Group not found.",
        ));
    }
    let users = call
        .pool
        .store()
        .users_in_group(&pc.id, &req.group_name)
        .await?;
    let (page, next_token) =
        super::list_users::paginate(users, req.limit, req.next_token.as_deref())?;
    Ok(UsersResponse {
        users: page.iter().map(UserType::of).collect(),
        next_token,
    })
}
