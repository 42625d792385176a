//! Device tracking's operations: `ConfirmDevice`, `UpdateDeviceStatus`, `GetDevice`,
//! `ListDevices`, `ForgetDevice` (by access token) and `AdminGetDevice`, `AdminListDevices`,
//! `AdminUpdateDeviceStatus`, `AdminForgetDevice` (signed). A device exists for them once
//! confirmed; the sign-in steps are in `srp_flow` (`DEVICE_SRP_AUTH`).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde_json::{json, Value};

use super::me::signed_in_user;
use super::shapes::{existing_user, pool_config};
use super::srp_flow::DEVICE_NOT_FOUND;
use super::stored::text;
use super::{run, ApiError, Call, Exception};
use crate::srp::Verifier;
use crate::store::{DeviceRow, UserRow};

/// The device operations, by name.
pub(crate) async fn dispatch(call: &Call, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
    match operation {
        "ConfirmDevice" => run(call, body, confirm_device).await,
        "UpdateDeviceStatus" => run(call, body, update_device_status).await,
        "GetDevice" => run(call, body, get_device).await,
        "ListDevices" => run(call, body, list_devices).await,
        "ForgetDevice" => run(call, body, forget_device).await,
        "AdminUpdateDeviceStatus" => run(call, body, admin_update_device_status).await,
        "AdminGetDevice" => run(call, body, admin_get_device).await,
        "AdminListDevices" => run(call, body, admin_list_devices).await,
        _ => run(call, body, admin_forget_device).await,
    }
}

/// The names [`dispatch`] answers.
pub(crate) const OPERATIONS: &[&str] = &[
    "ConfirmDevice",
    "UpdateDeviceStatus",
    "GetDevice",
    "ListDevices",
    "ForgetDevice",
    "AdminUpdateDeviceStatus",
    "AdminGetDevice",
    "AdminListDevices",
    "AdminForgetDevice",
];

fn not_found() -> ApiError {
    ApiError::new(Exception::ResourceNotFoundException, DEVICE_NOT_FOUND)
}

fn invalid(message: &str) -> ApiError {
    ApiError::new(Exception::InvalidParameterException, message)
}

/// The pool and user of an access token's operation.
async fn token_user(call: &Call, req: &Value) -> Result<(String, UserRow), ApiError> {
    let (token, user) = signed_in_user(call, text(req, "AccessToken")).await?;
    Ok((token.pool_id, user))
}

/// The pool and user of an admin operation (`UserPoolId`, `Username`).
async fn admin_user(call: &Call, req: &Value) -> Result<(String, UserRow), ApiError> {
    let pc = pool_config(&call.pool, text(req, "UserPoolId"))?;
    let user = existing_user(&call.pool, &pc.id, text(req, "Username")).await?;
    Ok((pc.id.clone(), user))
}

/// The user's confirmed device `DeviceKey`: another user's, or an unconfirmed or forgotten
/// one, is not found.
async fn device_of(
    call: &Call,
    pool_id: &str,
    user: &UserRow,
    req: &Value,
) -> Result<DeviceRow, ApiError> {
    let key = text(req, "DeviceKey");
    let device = call
        .pool
        .store()
        .user_device(pool_id, &user.sub, key)
        .await?;
    device.filter(DeviceRow::confirmed).ok_or_else(not_found)
}

/// `DeviceType`, with the attributes Cognito gives a device.
fn device_type(d: &DeviceRow) -> Value {
    let remembered = if d.remembered {
        "remembered"
    } else {
        "not_remembered"
    };
    let mut attributes = vec![
        json!({ "Name": "device_status", "Value": "valid" }),
        json!({ "Name": "dev:device_remembered_status", "Value": remembered }),
    ];
    if let Some(name) = &d.name {
        attributes.push(json!({ "Name": "device_name", "Value": name }));
    }
    json!({
        "DeviceKey": d.device_key,
        "DeviceAttributes": attributes,
        "DeviceCreateDate": d.created_at,
        "DeviceLastModifiedDate": d.updated_at,
        // The sign-in that made the device was its first authentication.
        "DeviceLastAuthenticatedDate": d.last_auth_at.unwrap_or(d.created_at),
    })
}

/// `DeviceSecretVerifierConfig` (base64 `PasswordVerifier` and `Salt`, as the clients send
/// them) as the hex salt and verifier the pool stores, checked to be an SRP verifier.
fn verifier_config(req: &Value) -> Result<(String, String), ApiError> {
    let config = req
        .get("DeviceSecretVerifierConfig")
        .filter(|c| c.is_object())
        .ok_or_else(|| invalid("Missing required parameter DeviceSecretVerifierConfig"))?;
    let hex = |member: &str| {
        let bytes = BASE64
            .decode(text(config, member))
            .map_err(|_| invalid(&format!("{member} is not base64.")))?;
        Ok::<_, ApiError>(data_encoding::HEXLOWER.encode(&bytes))
    };
    let (salt, verifier) = (hex("Salt")?, hex("PasswordVerifier")?);
    let checked = Verifier::from_hex(&salt, &verifier)
        .map_err(|_| invalid("DeviceSecretVerifierConfig is not an SRP verifier."))?;
    Ok((checked.salt_hex(), checked.verifier_hex()))
}

/// `ConfirmDevice`: the device handed out with the caller's tokens gets its name and SRP
/// verifier, once; it is remembered at once unless the pool remembers devices only when the
/// user says so (`UserConfirmationNecessary`).
async fn confirm_device(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = token_user(call, &req).await?;
    let key = text(&req, "DeviceKey");
    let store = call.pool.store();
    let device = store
        .user_device(&pool_id, &user.sub, key)
        .await?
        .ok_or_else(not_found)?;
    let exists = || {
        ApiError::new(
            Exception::DeviceKeyExistsException,
            "Device has already been confirmed.",
        )
    };
    if device.confirmed() {
        return Err(exists());
    }
    let (salt, verifier) = verifier_config(&req)?;
    let prompt = pool_config(&call.pool, &pool_id)?
        .device_configuration
        .is_some_and(|d| d.device_only_remembered_on_user_prompt);
    let name = req.get("DeviceName").and_then(Value::as_str);
    let now = call.pool.now();
    if !store
        .confirm_device(key, name, (&salt, &verifier), !prompt, now)
        .await?
    {
        return Err(exists());
    }
    Ok(json!({ "UserConfirmationNecessary": prompt }))
}

async fn set_status(
    call: &Call,
    pool_id: &str,
    user: &UserRow,
    req: &Value,
) -> Result<Value, ApiError> {
    let remembered = match req.get("DeviceRememberedStatus").and_then(Value::as_str) {
        Some("remembered") => true,
        Some(_) => false,
        None => return Err(invalid("Missing required parameter DeviceRememberedStatus")),
    };
    let device = device_of(call, pool_id, user, req).await?;
    let now = call.pool.now();
    call.pool
        .store()
        .set_device_remembered(&device.device_key, remembered, now)
        .await?;
    Ok(json!({}))
}

async fn update_device_status(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = token_user(call, &req).await?;
    set_status(call, &pool_id, &user, &req).await
}

async fn admin_update_device_status(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = admin_user(call, &req).await?;
    set_status(call, &pool_id, &user, &req).await
}

async fn get_device(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = token_user(call, &req).await?;
    let device = device_of(call, &pool_id, &user, &req).await?;
    Ok(json!({ "Device": device_type(&device) }))
}

async fn admin_get_device(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = admin_user(call, &req).await?;
    let device = device_of(call, &pool_id, &user, &req).await?;
    Ok(json!({ "Device": device_type(&device) }))
}

/// A page of the user's devices, oldest first: `Limit` of them (60 at most, the default),
/// from the `PaginationToken`, which is the key of the page's first device.
async fn list(call: &Call, pool_id: &str, user: &UserRow, req: &Value) -> Result<Value, ApiError> {
    let all = call.pool.store().user_devices(pool_id, &user.sub).await?;
    let limit = match req.get("Limit").and_then(Value::as_u64) {
        Some(n @ 1..=60) => n as usize,
        _ => 60,
    };
    let start = match req.get("PaginationToken").and_then(Value::as_str) {
        None => 0,
        Some(token) => all
            .iter()
            .position(|d| d.device_key == token)
            .ok_or_else(|| invalid("Invalid pagination token."))?,
    };
    let page: Vec<Value> = all
        .iter()
        .skip(start)
        .take(limit)
        .map(device_type)
        .collect();
    let mut reply = json!({ "Devices": page });
    if let Some(next) = all.get(start + limit) {
        reply["PaginationToken"] = json!(next.device_key);
    }
    Ok(reply)
}

async fn list_devices(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = token_user(call, &req).await?;
    list(call, &pool_id, &user, &req).await
}

async fn admin_list_devices(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = admin_user(call, &req).await?;
    list(call, &pool_id, &user, &req).await
}

/// `ForgetDevice`: the device is gone, and its key signs in no more (nor skips MFA).
async fn forget(
    call: &Call,
    pool_id: &str,
    user: &UserRow,
    req: &Value,
) -> Result<Value, ApiError> {
    let device = device_of(call, pool_id, user, req).await?;
    call.pool.store().forget_device(&device.device_key).await?;
    Ok(json!({}))
}

async fn forget_device(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = token_user(call, &req).await?;
    forget(call, &pool_id, &user, &req).await
}

async fn admin_forget_device(call: &Call, req: Value) -> Result<Value, ApiError> {
    let (pool_id, user) = admin_user(call, &req).await?;
    forget(call, &pool_id, &user, &req).await
}
