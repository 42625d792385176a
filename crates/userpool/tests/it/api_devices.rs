//! Device tracking through the AWS SDK (issue 31): a pool made with a `DeviceConfiguration`,
//! `NewDeviceMetadata` with a sign-in's tokens, `ConfirmDevice`, the device's own SRP
//! (`DEVICE_SRP_AUTH`, `DEVICE_PASSWORD_VERIFIER`) skipping MFA while the device is
//! remembered (the device operations are in `api_devices_ops.rs`, on these helpers).
//!
//! The device's verifier is made with `userpool::srp::Verifier` (the device's "pool name" is
//! its group key, so a pool id `x_{group}` names it), and its claims by `cognito_srp`, a
//! client not written here; `api_devices_pycognito.rs` does both with pycognito.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType, DeviceConfigurationType,
    DeviceRememberedStatusType, DeviceSecretVerifierConfigType, DeviceType, ExplicitAuthFlowsType,
    MessageActionType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
};
use aws_sdk_cognitoidentityprovider::Client;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use userpool::srp::Verifier;
use userpool::totp::TotpSecret;

use crate::sdk::{exception, signed, unsigned};
use crate::*;

pub const USER: &str = "dana@example.com";
pub const OTHER: &str = "eli@example.com";
pub const USER_PASSWORD: &str = "Dev1ce!pass";

/// A pool made by `CreateUserPool` with this device configuration and optional MFA, a
/// public client for SRP and passwords, and two confirmed users: (pool id, client id).
pub async fn device_pool(t: &TestPool, challenge: bool, on_prompt: bool) -> (String, String) {
    let admin = signed(t);
    let devices = DeviceConfigurationType::builder()
        .challenge_required_on_new_device(challenge)
        .device_only_remembered_on_user_prompt(on_prompt)
        .build();
    let pool = admin
        .create_user_pool()
        .pool_name("devices")
        .mfa_configuration(UserPoolMfaType::Optional)
        .device_configuration(devices)
        .send()
        .await
        .unwrap();
    let pool_id = pool.user_pool().unwrap().id().unwrap().to_string();
    let client = admin
        .create_user_pool_client()
        .user_pool_id(&pool_id)
        .client_name("app")
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserSrpAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowUserPasswordAuth)
        .explicit_auth_flows(ExplicitAuthFlowsType::AllowRefreshTokenAuth)
        .send()
        .await
        .unwrap();
    let client_id = client.user_pool_client().unwrap().client_id().unwrap();
    for user in [USER, OTHER] {
        admin
            .admin_create_user()
            .user_pool_id(&pool_id)
            .username(user)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .unwrap();
        admin
            .admin_set_user_password()
            .user_pool_id(&pool_id)
            .username(user)
            .password(USER_PASSWORD)
            .permanent(true)
            .send()
            .await
            .unwrap();
    }
    (pool_id, client_id.to_string())
}

/// `USER_PASSWORD_AUTH`: the tokens (no MFA set up yet).
pub async fn password_tokens(
    sdk: &Client,
    client_id: &str,
    user: &str,
) -> AuthenticationResultType {
    sdk.initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", user)
        .auth_parameters("PASSWORD", USER_PASSWORD)
        .send()
        .await
        .unwrap()
        .authentication_result()
        .cloned()
        .expect("tokens")
}

/// A device's secret as a client keeps it after `ConfirmDevice`.
pub struct Device {
    pub key: String,
    pub group: String,
    pub password: String,
}

/// `ConfirmDevice` of the tokens' new device, with a verifier for a random device password;
/// the device and `UserConfirmationNecessary`.
pub async fn confirm(
    sdk: &Client,
    tokens: &AuthenticationResultType,
    name: &str,
) -> (Device, bool) {
    let meta = tokens.new_device_metadata().expect("NewDeviceMetadata");
    let device = Device {
        key: meta.device_key().unwrap().to_string(),
        group: meta.device_group_key().unwrap().to_string(),
        password: STANDARD.encode(rand::random::<[u8; 32]>()),
    };
    let verifier = device_verifier(&device);
    let confirmed = sdk
        .confirm_device()
        .access_token(tokens.access_token().unwrap())
        .device_key(&device.key)
        .device_name(name)
        .device_secret_verifier_config(verifier)
        .send()
        .await
        .unwrap();
    (device, confirmed.user_confirmation_necessary())
}

/// What a client sends to `ConfirmDevice`: salt and verifier as base64 of their bytes.
pub fn device_verifier(device: &Device) -> DeviceSecretVerifierConfigType {
    let v = Verifier::new(
        &format!("x_{}", device.group),
        &device.key,
        &device.password,
    )
    .unwrap();
    let bytes = |hex: &str| {
        let hex = if hex.len() % 2 == 1 {
            format!("0{hex}")
        } else {
            hex.to_string()
        };
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect::<Vec<u8>>()
    };
    DeviceSecretVerifierConfigType::builder()
        .salt(STANDARD.encode(bytes(&v.salt_hex())))
        .password_verifier(STANDARD.encode(bytes(&v.verifier_hex())))
        .build()
}

/// How an SRP sign-in ended: tokens, or the challenge that came instead of them.
pub enum Outcome {
    Tokens(AuthenticationResultType),
    Challenge(ChallengeNameType, String),
}

/// `USER_SRP_AUTH` (`cognito_srp`) sending `device`'s key, and the device's own SRP when
/// asked with `device_password` (`cognito_srp` again, the group key as the pool name); an
/// empty device password leaves `DEVICE_SRP_AUTH` unanswered.
pub async fn srp_sign_in(
    sdk: &Client,
    pool_id: &str,
    client_id: &str,
    device: Option<(&Device, &str)>,
) -> Result<Outcome, String> {
    let srp = cognito_srp::SrpClient::new(USER, USER_PASSWORD, pool_id, client_id, None);
    let mut init = sdk
        .initiate_auth()
        .client_id(client_id)
        .auth_flow(AuthFlowType::UserSrpAuth);
    for (k, v) in srp.get_auth_params().unwrap() {
        init = init.auth_parameters(k, v);
    }
    if let Some((d, _)) = device {
        init = init.auth_parameters("DEVICE_KEY", &d.key);
    }
    let started = init.send().await.map_err(|e| exception(&e))?;
    let mut answer = srp
        .process_challenge(started.challenge_parameters().unwrap().clone())
        .unwrap();
    if let Some((d, _)) = device {
        answer.insert("DEVICE_KEY".into(), d.key.clone());
    }
    let next = respond(
        sdk,
        client_id,
        ChallengeNameType::PasswordVerifier,
        started.session(),
        answer,
    )
    .await?;
    match (next, device) {
        (Outcome::Challenge(ChallengeNameType::DeviceSrpAuth, session), Some((d, pw)))
            if !pw.is_empty() =>
        {
            device_srp(sdk, client_id, d, pw, &session).await
        }
        (other, _) => Ok(other),
    }
}

/// `DEVICE_SRP_AUTH` then `DEVICE_PASSWORD_VERIFIER`, the claim made by `cognito_srp`.
async fn device_srp(
    sdk: &Client,
    client_id: &str,
    d: &Device,
    password: &str,
    session: &str,
) -> Result<Outcome, String> {
    let pool_as_group = format!("x_{}", d.group);
    let srp = cognito_srp::SrpClient::new(&d.key, password, &pool_as_group, client_id, None);
    let a = srp.get_auth_params().unwrap()["SRP_A"].clone();
    let step = HashMap::from([
        ("USERNAME".to_string(), USER.to_string()),
        ("DEVICE_KEY".to_string(), d.key.clone()),
        ("SRP_A".to_string(), a),
    ]);
    let asked = sdk
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(ChallengeNameType::DeviceSrpAuth)
        .session(session)
        .set_challenge_responses(Some(step))
        .send()
        .await
        .map_err(|e| exception(&e))?;
    assert_eq!(
        asked.challenge_name(),
        Some(&ChallengeNameType::DevicePasswordVerifier)
    );
    let mut params = asked.challenge_parameters().unwrap().clone();
    assert_eq!(params["DEVICE_KEY"], d.key);
    params.insert("USER_ID_FOR_SRP".into(), d.key.clone());
    let mut answer = srp.process_challenge(params).unwrap();
    answer.insert("USERNAME".into(), USER.into());
    answer.insert("DEVICE_KEY".into(), d.key.clone());
    respond(
        sdk,
        client_id,
        ChallengeNameType::DevicePasswordVerifier,
        asked.session(),
        answer,
    )
    .await
}

async fn respond(
    sdk: &Client,
    client_id: &str,
    name: ChallengeNameType,
    session: Option<&str>,
    answer: HashMap<String, String>,
) -> Result<Outcome, String> {
    let r = sdk
        .respond_to_auth_challenge()
        .client_id(client_id)
        .challenge_name(name)
        .set_session(session.map(str::to_string))
        .set_challenge_responses(Some(answer))
        .send()
        .await
        .map_err(|e| exception(&e))?;
    Ok(match (r.authentication_result(), r.challenge_name()) {
        (Some(tokens), _) => Outcome::Tokens(tokens.clone()),
        (None, Some(c)) => Outcome::Challenge(c.clone(), r.session().unwrap().to_string()),
        _ => panic!("neither tokens nor a challenge"),
    })
}

/// The pool's clock, moved on by the test so that each TOTP code is a fresh step.
struct Clock {
    ahead: u64,
}

impl Clock {
    fn advance(&mut self, t: &TestPool, secs: u64) {
        t.pool().advance_clock(Duration::from_secs(secs));
        self.ahead += secs;
    }

    fn code(&self, secret: &str) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        TotpSecret::from_base32(secret)
            .unwrap()
            .code_at(now + self.ahead)
    }
}

/// Turns TOTP on for the tokens' user; the secret.
async fn totp_on(sdk: &Client, access: &str, clock: &Clock) -> String {
    let assoc = sdk
        .associate_software_token()
        .access_token(access)
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code().unwrap().to_string();
    sdk.verify_software_token()
        .access_token(access)
        .user_code(clock.code(&secret))
        .send()
        .await
        .unwrap();
    sdk.set_user_mfa_preference()
        .access_token(access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    secret
}

/// Answers `SOFTWARE_TOKEN_MFA` with the code one step on.
async fn answer_totp(
    t: &TestPool,
    sdk: &Client,
    client_id: &str,
    session: &str,
    secret: &str,
    clock: &mut Clock,
) -> AuthenticationResultType {
    clock.advance(t, 30);
    let answer = HashMap::from([
        ("USERNAME".to_string(), USER.to_string()),
        ("SOFTWARE_TOKEN_MFA_CODE".to_string(), clock.code(secret)),
    ]);
    let name = ChallengeNameType::SoftwareTokenMfa;
    match respond(sdk, client_id, name, Some(session), answer).await {
        Ok(Outcome::Tokens(tokens)) => tokens,
        _ => panic!("tokens after the code"),
    }
}

pub fn attribute<'a>(d: &'a DeviceType, name: &str) -> Option<&'a str> {
    d.device_attributes()
        .iter()
        .find(|a| a.name() == name)
        .and_then(|a| a.value())
}

#[tokio::test]
async fn a_remembered_device_skips_mfa_until_it_is_forgotten() {
    let t = spawn_pool().await;
    let (pool_id, client_id) = device_pool(&t, true, false).await;
    let described = signed(&t)
        .describe_user_pool()
        .user_pool_id(&pool_id)
        .send()
        .await
        .unwrap();
    let config = described
        .user_pool()
        .unwrap()
        .device_configuration()
        .unwrap();
    assert!(config.challenge_required_on_new_device());
    assert!(!config.device_only_remembered_on_user_prompt());

    let sdk = unsigned(&t);
    let mut clock = Clock { ahead: 0 };
    let first = password_tokens(&sdk, &client_id, USER).await;
    let secret = totp_on(&sdk, first.access_token().unwrap(), &clock).await;

    // A sign-in with MFA, on a new device: the tokens carry the device to confirm.
    let Outcome::Challenge(ChallengeNameType::SoftwareTokenMfa, session) =
        srp_sign_in(&sdk, &pool_id, &client_id, None).await.unwrap()
    else {
        panic!("MFA first");
    };
    let tokens = answer_totp(&t, &sdk, &client_id, &session, &secret, &mut clock).await;
    let (device, necessary) = confirm(&sdk, &tokens, "laptop").await;
    assert!(!necessary, "remembered at once");
    let region = pool_id.split('_').next().unwrap();
    assert!(
        device.key.starts_with(&format!("{region}_")),
        "{}",
        device.key
    );

    // The device's own SRP, then tokens without MFA and without a new device.
    let outcome = srp_sign_in(
        &sdk,
        &pool_id,
        &client_id,
        Some((&device, &device.password)),
    );
    let Outcome::Tokens(tokens) = outcome.await.unwrap() else {
        panic!("a remembered device skips MFA");
    };
    assert!(tokens.new_device_metadata().is_none());
    assert!(tokens.refresh_token().is_some());

    // A wrong device secret is refused.
    let wrong = srp_sign_in(
        &sdk,
        &pool_id,
        &client_id,
        Some((&device, "not-the-secret")),
    );
    assert_eq!(wrong.await.err().as_deref(), Some("NotAuthorizedException"));

    // Not remembered: the device still proves itself, and MFA is asked.
    let access = tokens.access_token().unwrap();
    let status = |s: DeviceRememberedStatusType| {
        sdk.update_device_status()
            .access_token(access)
            .device_key(&device.key)
            .device_remembered_status(s)
            .send()
    };
    status(DeviceRememberedStatusType::NotRemembered)
        .await
        .unwrap();
    let outcome = srp_sign_in(
        &sdk,
        &pool_id,
        &client_id,
        Some((&device, &device.password)),
    );
    let Outcome::Challenge(ChallengeNameType::SoftwareTokenMfa, session) = outcome.await.unwrap()
    else {
        panic!("a device not remembered does not skip MFA");
    };
    let after_mfa = answer_totp(&t, &sdk, &client_id, &session, &secret, &mut clock).await;
    assert!(
        after_mfa.new_device_metadata().is_none(),
        "the device signed in: no new one"
    );
    status(DeviceRememberedStatusType::Remembered)
        .await
        .unwrap();

    // Forgotten: its key is no device any more, MFA is asked and a new device handed out.
    sdk.forget_device()
        .access_token(access)
        .device_key(&device.key)
        .send()
        .await
        .unwrap();
    let outcome = srp_sign_in(
        &sdk,
        &pool_id,
        &client_id,
        Some((&device, &device.password)),
    );
    let Outcome::Challenge(ChallengeNameType::SoftwareTokenMfa, session) = outcome.await.unwrap()
    else {
        panic!("a forgotten device asks for MFA again");
    };
    let tokens = answer_totp(&t, &sdk, &client_id, &session, &secret, &mut clock).await;
    let fresh = tokens.new_device_metadata().expect("a new device");
    assert_ne!(fresh.device_key(), Some(device.key.as_str()));
}

#[tokio::test]
async fn a_device_sign_in_left_unanswered_does_not_block_the_next() {
    let t = spawn_pool().await;
    let (pool_id, client_id) = device_pool(&t, true, false).await;
    let sdk = unsigned(&t);
    let tokens = password_tokens(&sdk, &client_id, USER).await;
    let (device, _) = confirm(&sdk, &tokens, "phone").await;
    let left = srp_sign_in(&sdk, &pool_id, &client_id, Some((&device, ""))).await;
    assert!(matches!(
        left.unwrap(),
        Outcome::Challenge(ChallengeNameType::DeviceSrpAuth, _)
    ));
    let again = srp_sign_in(
        &sdk,
        &pool_id,
        &client_id,
        Some((&device, &device.password)),
    );
    assert!(matches!(again.await.unwrap(), Outcome::Tokens(_)));
}
