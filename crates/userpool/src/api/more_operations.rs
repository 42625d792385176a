//! Issue 31's operations, dispatched apart from the first ones (`mod.rs`): groups' details,
//! attributes and settings of users, what Cognito stores and gives back, terms and
//! branding, and what a local pool does not offer.

use super::{
    client_secrets, devices, domains, group_admin, imports, pool_info, resource_servers, run,
    stored, tags, terms, unavailable, user_attrs, user_sessions, webauthn, ApiError, Call,
    Exception,
};

/// Issue 31's operations: what Cognito stores and gives back, groups' details, and what a
/// local pool does not offer (`unavailable`).
pub(super) async fn dispatch(
    call: &Call,
    operation: &str,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    use stored as s;
    use user_attrs as u;
    match operation {
        "ListUserPools" => run(call, body, pool_info::list_user_pools).await,
        "AddCustomAttributes" => run(call, body, pool_info::add_custom_attributes).await,
        "AdminDeleteSoftwareToken" => run(call, body, pool_info::admin_delete_software_token).await,
        "GetUserAuthFactors" => run(call, body, pool_info::get_user_auth_factors).await,
        "AdminGetUserAuthFactors" => run(call, body, pool_info::admin_get_user_auth_factors).await,
        "AdminDeleteUserAttributes" => run(call, body, u::admin_delete_user_attributes).await,
        "DeleteUserAttributes" => run(call, body, u::delete_user_attributes).await,
        "GetUserAttributeVerificationCode" => {
            run(call, body, u::get_user_attribute_verification_code).await
        }
        "VerifyUserAttribute" => run(call, body, u::verify_user_attribute).await,
        "AdminResetUserPassword" => run(call, body, u::admin_reset_user_password).await,
        "AdminSetUserMFAPreference" => run(call, body, u::admin_set_user_mfa_preference).await,
        "SetUserSettings" => run(call, body, u::set_user_settings).await,
        "AdminSetUserSettings" => run(call, body, u::admin_set_user_settings).await,
        "GetGroup" => run(call, body, group_admin::get_group).await,
        "UpdateGroup" => run(call, body, group_admin::update_group).await,
        "DeleteGroup" => run(call, body, group_admin::delete_group).await,
        "TagResource" => run(call, body, tags::tag_resource).await,
        "UntagResource" => run(call, body, tags::untag_resource).await,
        "ListTagsForResource" => run(call, body, tags::list_tags_for_resource).await,
        "SetUICustomization" => run(call, body, s::set_ui_customization).await,
        "GetUICustomization" => run(call, body, s::get_ui_customization).await,
        "SetRiskConfiguration" => run(call, body, s::set_risk_configuration).await,
        "DescribeRiskConfiguration" => run(call, body, s::describe_risk_configuration).await,
        "SetLogDeliveryConfiguration" => run(call, body, s::set_log_delivery).await,
        "GetLogDeliveryConfiguration" => run(call, body, s::get_log_delivery).await,
        "SetUserPoolSessionConfiguration" => run(call, body, s::set_pool_session_config).await,
        "GetUserPoolSessionConfiguration" => run(call, body, s::get_pool_session_config).await,
        "SetUserPoolClientSessionConfiguration" => {
            run(call, body, s::set_client_session_config).await
        }
        "GetUserPoolClientSessionConfiguration" => {
            run(call, body, s::get_client_session_config).await
        }
        "CreateUserPoolDomain" => run(call, body, domains::create_domain).await,
        "DescribeUserPoolDomain" => run(call, body, domains::describe_domain).await,
        "UpdateUserPoolDomain" => run(call, body, domains::update_domain).await,
        "DeleteUserPoolDomain" => run(call, body, domains::delete_domain).await,
        _ => scopes_and_catalog(call, operation, body).await,
    }
}

/// Resource servers (issue 29), then the rest.
async fn scopes_and_catalog(
    call: &Call,
    operation: &str,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    use resource_servers as rs;
    match operation {
        "CreateResourceServer" => run(call, body, rs::create_resource_server).await,
        "DescribeResourceServer" => run(call, body, rs::describe_resource_server).await,
        "ListResourceServers" => run(call, body, rs::list_resource_servers).await,
        "UpdateResourceServer" => run(call, body, rs::update_resource_server).await,
        "DeleteResourceServer" => run(call, body, rs::delete_resource_server).await,
        _ => catalog_operations(call, operation, body).await,
    }
}

/// Terms, branding, and what a local pool does not offer.
async fn catalog_operations(
    call: &Call,
    operation: &str,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    use terms as t;
    use user_sessions as us;
    match operation {
        "AddUserPoolClientSecret" => run(call, body, client_secrets::add_secret).await,
        "ListUserPoolClientSecrets" => run(call, body, client_secrets::list_secrets).await,
        "DeleteUserPoolClientSecret" => run(call, body, client_secrets::delete_secret).await,
        "GetCSVHeader" => run(call, body, imports::get_csv_header).await,
        "CreateUserImportJob" => run(call, body, imports::create_job).await,
        "StartUserImportJob" => run(call, body, imports::start_job).await,
        "StopUserImportJob" => run(call, body, imports::stop_job).await,
        "DescribeUserImportJob" => run(call, body, imports::describe_job).await,
        "ListUserImportJobs" => run(call, body, imports::list_jobs).await,
        "ListUserSessions" => run(call, body, us::list_user_sessions).await,
        "AdminListUserSessions" => run(call, body, us::admin_list_user_sessions).await,
        "RevokeUserSession" => run(call, body, us::revoke_user_session).await,
        "AdminRevokeUserSession" => run(call, body, us::admin_revoke_user_session).await,
        "AdminListUserAuthEvents" => run(call, body, us::admin_list_user_auth_events).await,
        "AdminUpdateAuthEventFeedback" => {
            run(call, body, us::admin_update_auth_event_feedback).await
        }
        "UpdateAuthEventFeedback" => run(call, body, us::update_auth_event_feedback).await,
        "CreateTerms" => run(call, body, t::create_terms).await,
        "DescribeTerms" => run(call, body, t::describe_terms).await,
        "DescribeTermsByClient" => run(call, body, t::describe_terms_by_client).await,
        "ListTerms" => run(call, body, t::list_terms).await,
        "UpdateTerms" => run(call, body, t::update_terms).await,
        "DeleteTerms" => run(call, body, t::delete_terms).await,
        "CreateManagedLoginBranding" => run(call, body, t::create_branding).await,
        "DescribeManagedLoginBranding" => run(call, body, t::describe_branding).await,
        "DescribeManagedLoginBrandingByClient" => {
            run(call, body, t::describe_branding_by_client).await
        }
        "UpdateManagedLoginBranding" => run(call, body, t::update_branding).await,
        "DeleteManagedLoginBranding" => run(call, body, t::delete_branding).await,
        op if devices::OPERATIONS.contains(&op) => devices::dispatch(call, op, body).await,
        op if webauthn::OPERATIONS.contains(&op) => webauthn::dispatch(call, op, body).await,
        op if unavailable::is_unavailable(op) => run(call, body, unavailable::not_available).await,
        _ => Err(ApiError::new(
            Exception::UnknownOperationException,
            "Unknown operation.",
        )),
    }
}
