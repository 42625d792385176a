//! Cognito's JSON API (`cognito-idp`'s protocol): one `POST /` for every pool and operation,
//! `Content-Type: application/x-amz-json-1.1`, the operation named by
//! `X-Amz-Target: AWSCognitoIdentityProviderService.<Operation>`. This module only parses the
//! envelope and dispatches; each group of operations has its own module, and every reply and
//! error goes out through [`reply`] and [`ApiError`]'s `IntoResponse`.

use std::future::Future;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::http::MAX_BODY;
use crate::pool::UserPool;

mod admin_users;
mod auth;
mod challenge;
mod client_check;
mod client_secrets;
mod custom_auth;
mod devices;
mod domains;
mod email_otp;
mod error;
mod group_admin;
mod groups;
mod identity_providers;
mod import_upload;
mod imports;
mod list_users;
mod me;
mod mfa;
mod model;
mod more_operations;
mod pool_admin;
mod pool_info;
mod pool_update;
mod pools;
mod provider_links;
mod resource_servers;
mod secret_hash;
mod shapes;
mod sign_in;
mod sign_up_session;
mod srp_flow;
mod stored;
mod tags;
mod terms;
mod triggered;
mod unavailable;
mod user_attrs;
mod user_sessions;
mod users;
mod webauthn;
mod webauthn_sign_in;

pub(crate) use error::{ApiError, Exception};

/// The content type of every request and reply.
const AMZ_JSON: &str = "application/x-amz-json-1.1";
/// The prefix of `X-Amz-Target` for this service.
const TARGET_PREFIX: &str = "AWSCognitoIdentityProviderService.";

/// Request headers a preflight never allows: a page must not send AWS credentials.
const CREDENTIAL_HEADERS: &[&str] = &["authorization", "x-amz-security-token", "cookie"];

pub(crate) fn router(pool: UserPool) -> Router {
    Router::new()
        // A browser at the root gets the page that says where things are.
        .route("/", post(call).options(preflight).get(crate::home::page))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(pool.clone())
        .merge(import_upload::router(pool).layer(axum::extract::DefaultBodyLimit::max(MAX_BODY)))
}

/// What every operation gets besides its request: the pool, and whether the request was
/// signed (the `Admin*` and pool-management operations need a SigV4 signature; a local
/// pool checks that there is one, not whose it is).
pub(crate) struct Call {
    pub pool: UserPool,
    pub signed: bool,
    /// The region of the SigV4 credential scope, when signed (names new pools).
    pub region: Option<String>,
    /// The operation's name (`X-Amz-Target`), to validate its input against AWS's model.
    pub operation: String,
}

impl Call {
    /// Refuses an unsigned request to an operation that needs AWS credentials.
    pub(crate) fn require_signed(&self) -> Result<(), ApiError> {
        if self.signed {
            Ok(())
        } else {
            Err(ApiError::new(
                Exception::MissingAuthenticationTokenException,
                "Missing Authentication Token",
            ))
        }
    }
}

async fn call(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let origin = headers.get(header::ORIGIN).cloned();
    let allowed_origin = origin
        .as_ref()
        .filter(|o| o.to_str().is_ok_and(|o| pool.cors_origins().allows(o)))
        .cloned();
    // The operations anyone may call with a client id and no AWS credentials (AWS's model
    // says which) are the only ones a web page of an allowed origin may read (CORS).
    let public = operation(&headers).is_ok_and(model::is_public);
    if origin.is_some() && allowed_origin.is_none() && !public {
        // A page of another origin driving a signed operation (a forged signature suffices
        // here, since a local pool does not check whose it is).
        return ApiError::new(
            Exception::AccessDeniedException,
            "This operation does not answer web pages of other origins.",
        )
        .into_response();
    }
    let answer = async {
        let body = body.map_err(|e| match e.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
                Exception::RequestEntityTooLarge,
                "Request entity too large.",
            ),
            _ => ApiError::new(
                Exception::SerializationException,
                "Unreadable request body.",
            ),
        })?;
        let operation = operation(&headers)?;
        let call = Call {
            pool,
            signed: is_signed(&headers),
            region: signed_region(&headers),
            operation: operation.to_string(),
        };
        dispatch(&call, operation, &body).await
    };
    let mut resp = match answer.await {
        Ok(value) => reply(value),
        Err(e) => e.into_response(),
    };
    // CORS for public operations only, and only for an allowed origin, named (not `*`).
    if let (true, Some(o)) = (public, allowed_origin) {
        resp.headers_mut()
            .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o);
    }
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Origin"));
    resp
}

/// The operation named by `X-Amz-Target`.
fn operation(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .filter(|op| !op.is_empty())
        .ok_or_else(|| {
            ApiError::new(
                Exception::UnknownOperationException,
                "The X-Amz-Target header names no operation of this service.",
            )
        })
}

/// Whether the request carries a SigV4 `Authorization` header with its three parts.
fn is_signed(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("AWS4-HMAC-SHA256 "))
        .is_some_and(|v| {
            ["Credential=", "SignedHeaders=", "Signature="]
                .iter()
                .all(|part| v.contains(part))
        })
}

/// The region in a SigV4 `Credential=KEY/DATE/REGION/SERVICE/aws4_request`, if well formed.
fn signed_region(headers: &HeaderMap) -> Option<String> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?.split(',').next()?;
    let region = scope.split('/').nth(2)?;
    let ok = !region.is_empty()
        && region.len() <= 32
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then(|| region.to_string())
}

/// Every operation, by its name in `X-Amz-Target`.
async fn dispatch(
    call: &Call,
    operation: &str,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    match operation {
        "InitiateAuth" => run(call, body, auth::initiate_auth).await,
        "RespondToAuthChallenge" => run(call, body, auth::respond_to_auth_challenge).await,
        "GetTokensFromRefreshToken" => run(call, body, auth::get_tokens_from_refresh_token).await,
        "AssociateSoftwareToken" => run(call, body, mfa::associate_software_token).await,
        "VerifySoftwareToken" => run(call, body, mfa::verify_software_token).await,
        "SetUserMFAPreference" => run(call, body, mfa::set_user_mfa_preference).await,
        "SetUserPoolMfaConfig" => run(call, body, mfa::set_user_pool_mfa_config).await,
        "GetUserPoolMfaConfig" => run(call, body, mfa::get_user_pool_mfa_config).await,
        "SignUp" => run(call, body, users::sign_up).await,
        "ConfirmSignUp" => run(call, body, users::confirm_sign_up).await,
        "ResendConfirmationCode" => run(call, body, users::resend_confirmation_code).await,
        "ForgotPassword" => run(call, body, users::forgot_password).await,
        "ConfirmForgotPassword" => run(call, body, users::confirm_forgot_password).await,
        "GetUser" => run(call, body, me::get_user).await,
        "ChangePassword" => run(call, body, me::change_password).await,
        "UpdateUserAttributes" => run(call, body, me::update_user_attributes).await,
        "DeleteUser" => run(call, body, me::delete_user).await,
        "GlobalSignOut" => run(call, body, me::global_sign_out).await,
        "RevokeToken" => run(call, body, me::revoke_token).await,
        _ => admin(call, operation, body).await,
    }
}

/// The signed operations.
async fn admin(call: &Call, operation: &str, body: &[u8]) -> Result<serde_json::Value, ApiError> {
    use admin_users as a;
    match operation {
        "AdminInitiateAuth" => run(call, body, auth::admin_initiate_auth).await,
        "AdminRespondToAuthChallenge" => {
            run(call, body, auth::admin_respond_to_auth_challenge).await
        }
        "AdminCreateUser" => run(call, body, a::admin_create_user).await,
        "AdminGetUser" => run(call, body, a::admin_get_user).await,
        "AdminDeleteUser" => run(call, body, a::admin_delete_user).await,
        "AdminSetUserPassword" => run(call, body, a::admin_set_user_password).await,
        "AdminUpdateUserAttributes" => run(call, body, a::admin_update_user_attributes).await,
        "AdminConfirmSignUp" => run(call, body, a::admin_confirm_sign_up).await,
        "AdminUserGlobalSignOut" => run(call, body, a::admin_user_global_sign_out).await,
        "AdminDisableUser" => run(call, body, a::admin_disable_user).await,
        "AdminEnableUser" => run(call, body, a::admin_enable_user).await,
        "AdminAddUserToGroup" => run(call, body, groups::admin_add_user_to_group).await,
        "AdminRemoveUserFromGroup" => run(call, body, groups::admin_remove_user_from_group).await,
        "AdminListGroupsForUser" => run(call, body, groups::admin_list_groups_for_user).await,
        "CreateGroup" => run(call, body, groups::create_group).await,
        "ListGroups" => run(call, body, groups::list_groups).await,
        "ListUsersInGroup" => run(call, body, groups::list_users_in_group).await,
        "ListUsers" => run(call, body, list_users::list_users).await,
        "DescribeUserPool" => run(call, body, pools::describe_user_pool).await,
        "CreateUserPool" => run(call, body, pool_admin::create_user_pool).await,
        "DeleteUserPool" => run(call, body, pool_admin::delete_user_pool).await,
        "UpdateUserPool" => run(call, body, pool_update::update_user_pool).await,
        "CreateUserPoolClient" => run(call, body, pool_admin::create_user_pool_client).await,
        "UpdateUserPoolClient" => run(call, body, pool_admin::update_user_pool_client).await,
        "DeleteUserPoolClient" => run(call, body, pool_admin::delete_user_pool_client).await,
        "DescribeUserPoolClient" => run(call, body, pools::describe_user_pool_client).await,
        "ListUserPoolClients" => run(call, body, pools::list_user_pool_clients).await,
        _ => federation(call, operation, body).await,
    }
}

/// Identity providers and links to them (issue 31, part B).
async fn federation(
    call: &Call,
    operation: &str,
    body: &[u8],
) -> Result<serde_json::Value, ApiError> {
    use identity_providers as idp;
    use provider_links as links;
    match operation {
        "CreateIdentityProvider" => run(call, body, idp::create_identity_provider).await,
        "DescribeIdentityProvider" => run(call, body, idp::describe_identity_provider).await,
        "UpdateIdentityProvider" => run(call, body, idp::update_identity_provider).await,
        "DeleteIdentityProvider" => run(call, body, idp::delete_identity_provider).await,
        "ListIdentityProviders" => run(call, body, idp::list_identity_providers).await,
        "GetIdentityProviderByIdentifier" => {
            run(call, body, idp::get_identity_provider_by_identifier).await
        }
        "AdminLinkProviderForUser" => run(call, body, links::admin_link_provider_for_user).await,
        "AdminDisableProviderForUser" => {
            run(call, body, links::admin_disable_provider_for_user).await
        }
        _ => more_operations::dispatch(call, operation, body).await,
    }
}

/// Validates the request against AWS's model of the operation (before anything else, as
/// Cognito does), parses it, runs the operation, serialises its reply. A body that is not
/// JSON, or has a field of the wrong type, is a `SerializationException`; a broken constraint
/// (a required member missing, too long, a pattern) is an `InvalidParameterException`.
pub(crate) async fn run<'a, Req, Resp, Op, Fut>(
    call: &'a Call,
    body: &[u8],
    op: Op,
) -> Result<serde_json::Value, ApiError>
where
    Req: DeserializeOwned,
    Resp: Serialize,
    Op: FnOnce(&'a Call, Req) -> Fut,
    Fut: Future<Output = Result<Resp, ApiError>>,
{
    // As AWS does: credentials first, then the input's constraints.
    if !model::is_public(&call.operation) {
        call.require_signed()?;
    }
    model::validate(&call.operation, body)?;
    let body = if body.is_empty() {
        b"{}".as_slice()
    } else {
        body
    };
    let req: Req = serde_json::from_slice(body).map_err(|e| {
        if e.is_data() && e.to_string().starts_with("missing field") {
            ApiError::new(Exception::InvalidParameterException, validation_message(&e))
        } else {
            ApiError::new(Exception::SerializationException, "Malformed request body.")
        }
    })?;
    let resp = op(call, req).await?;
    serde_json::to_value(resp).map_err(|e| {
        tracing::error!(error = %e, "serialising a JSON API reply failed");
        ApiError::new(Exception::InternalErrorException, "Internal error.")
    })
}

/// A member AWS's model leaves optional but this operation needs here (the model's required
/// ones are checked before): Cognito's wording, naming the field (serde's message quotes the
/// field name, which comes from our own struct, not from the request).
fn validation_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let field = text.split('`').nth(1).unwrap_or("a required member");
    format!("Missing required parameter {field}")
}

fn reply(value: serde_json::Value) -> Response {
    let mut resp = (StatusCode::OK, axum::Json(value)).into_response();
    json_headers(resp.headers_mut());
    resp
}

/// The headers of every reply: Cognito's content type, a request id, the headers a browser
/// app may read (when `call` lets its origin read the reply at all).
pub(crate) fn json_headers(h: &mut HeaderMap) {
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(AMZ_JSON));
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert(HeaderName::from_static("x-amzn-requestid"), id);
    }
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage"),
    );
}

/// A browser app's preflight: an allowed origin, the headers the AWS SDKs and Amplify send for
/// public operations, never `Authorization` (so no page can send a signed request). The
/// operation is not known yet (`X-Amz-Target` is only named), hence the same answer for all.
async fn preflight(State(pool): State<UserPool>, headers: HeaderMap) -> Response {
    let Some(origin) = headers
        .get(header::ORIGIN)
        .filter(|o| o.to_str().is_ok_and(|o| pool.cors_origins().allows(o)))
        .cloned()
    else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let asked = headers
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.len() <= 1024 && v.bytes().all(|b| b.is_ascii_graphic() || b == b' '))
        .unwrap_or("content-type, x-amz-target, x-amz-user-agent");
    let allowed: Vec<String> = asked
        .split(',')
        .map(|h| h.trim().to_ascii_lowercase())
        .filter(|h| !h.is_empty() && !CREDENTIAL_HEADERS.contains(&h.as_str()))
        .collect();
    let mut resp = StatusCode::NO_CONTENT.into_response();
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    if let Ok(v) = HeaderValue::from_str(&allowed.join(", ")) {
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, v);
    }
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("600"),
    );
    resp
}
