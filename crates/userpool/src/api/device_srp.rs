//! The device step of a sign-in, as it starts: after the user's password, a confirmed device
//! of theirs is asked to prove itself (`DEVICE_SRP_AUTH`). Its answers are `srp_flow`'s.

use std::collections::HashMap;

use super::auth_reply::AuthReply;
use super::challenge::{self, Challenge};
use super::client_check::ClientCall;
use super::ApiError;
use crate::store::UserRow;

/// What a client sends for the device step of a sign-in and this pool answers: after the
/// user's password, a confirmed device of theirs (the `DEVICE_KEY` sent) proves itself by SRP
/// as a user does (`DEVICE_SRP_AUTH`, then `DEVICE_PASSWORD_VERIFIER`), its `DeviceGroupKey`
/// in the pool name's place, its `DeviceKey` in the user's, the verifier from
/// `ConfirmDevice`. `None`: no device step (devices not tracked, no key, or not one of the
/// user's confirmed devices: the sign-in then gets a new device).
///
/// pycognito answers `DEVICE_SRP_AUTH` without the `Session`, so the challenge is stored
/// twice, under the session and under [`device_srp_alias`]; an answer takes both.
pub(crate) async fn device_challenge(
    cc: &ClientCall<'_>,
    user: &UserRow,
) -> Result<Option<AuthReply>, ApiError> {
    let (Some(_), Some(key)) = (cc.pc.device_configuration, cc.device_key) else {
        return Ok(None);
    };
    let device = cc
        .pool
        .store()
        .user_device(&cc.pc.id, &user.sub, key)
        .await?;
    if !device.is_some_and(|d| d.confirmed()) {
        return Ok(None);
    }
    let session = crate::tokens::random_secret(96);
    let session_hash = crate::tokens::hash_secret(&session);
    // The state names the other row, so that the answer takes both.
    let state = format!("{session_hash} {key}").into_bytes();
    let alias = device_srp_alias(&cc.pc.id, &cc.client.id, key);
    // A sign-in on this device left unanswered leaves its stand-in: this one replaces it.
    let now = cc.pool.now();
    let left = crate::tokens::hash_secret(&alias);
    cc.pool.store().take_challenge(&left, now).await?;
    let params = HashMap::from([("USERNAME".to_string(), user.sub.clone())]);
    challenge::issue_under(
        cc,
        &user.sub,
        Challenge::DeviceSrpAuth,
        params.clone(),
        state.clone(),
        alias,
    )
    .await?;
    challenge::issue_under(
        cc,
        &user.sub,
        Challenge::DeviceSrpAuth,
        params,
        state,
        session,
    )
    .await
    .map(Some)
}

/// The stand-in `Session` of a `DEVICE_SRP_AUTH` answered without one: the device key names
/// the challenge (which exists only for 3 minutes after the user's password was proved, and
/// leads nowhere without the device's secret).
pub(crate) fn device_srp_alias(pool_id: &str, client_id: &str, device_key: &str) -> String {
    format!("device-srp {pool_id} {client_id} {device_key}")
}
