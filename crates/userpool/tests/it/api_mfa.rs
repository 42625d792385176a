//! TOTP through the real AWS SDK: set-up by access token and by the `MFA_SETUP` challenge,
//! sign-in with `SOFTWARE_TOKEN_MFA` (codes computed here with `userpool::totp`), a code not
//! accepted twice, and the pool's MFA setting.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_cognitoidentityprovider::types::{
    ChallengeNameType, SoftwareTokenMfaSettingsType, UserPoolMfaType,
};
use userpool::totp::TotpSecret;

use crate::api_auth::{password_auth, spawn_api_pool, srp_sign_in, API_POOL, CAROL, PUBLIC_APP};
use crate::sdk::{exception, signed, unsigned};
use crate::*;

/// The code of `secret` at the wall clock plus `ahead` seconds.
pub fn code(secret: &str, ahead: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    TotpSecret::from_base32(secret)
        .unwrap()
        .code_at(now + ahead)
}

#[tokio::test]
async fn totp_set_up_by_access_token_then_sign_in_with_a_code() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let first = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let access = first
        .authentication_result()
        .unwrap()
        .access_token()
        .unwrap()
        .to_string();

    // Turning MFA on before a verified secret is refused.
    let enable = || {
        sdk.set_user_mfa_preference()
            .access_token(&access)
            .software_token_mfa_settings(
                SoftwareTokenMfaSettingsType::builder()
                    .enabled(true)
                    .preferred_mfa(true)
                    .build(),
            )
            .send()
    };
    assert_eq!(
        exception(&enable().await.unwrap_err()),
        "InvalidParameterException"
    );

    let assoc = sdk
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code().unwrap().to_string();
    let wrong = sdk
        .verify_software_token()
        .access_token(&access)
        .user_code("000000")
        .send()
        .await;
    // (000000 is a valid code one time in a million; the retry below uses the real one.)
    if let Err(e) = wrong {
        assert_eq!(exception(&e), "EnableSoftwareTokenMFAException");
    }
    let verified = sdk
        .verify_software_token()
        .access_token(&access)
        .user_code(code(&secret, 0))
        .send()
        .await
        .expect("a current code verifies the secret");
    assert_eq!(verified.status().map(|s| s.as_str()), Some("SUCCESS"));
    enable().await.expect("MFA on");

    // Now a password alone is not enough: SOFTWARE_TOKEN_MFA.
    let started = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    assert!(started.authentication_result().is_none());
    let answer = |session: String, code: String| {
        sdk.respond_to_auth_challenge()
            .client_id(PUBLIC_APP)
            .challenge_name(ChallengeNameType::SoftwareTokenMfa)
            .session(session)
            .challenge_responses("USERNAME", CAROL)
            .challenge_responses("SOFTWARE_TOKEN_MFA_CODE", code)
            .send()
    };
    // The code used to verify the secret is not accepted again.
    let reused = answer(started.session().unwrap().into(), code(&secret, 0))
        .await
        .unwrap_err();
    assert_eq!(exception(&reused), "CodeMismatchException");
    // The next step's code is.
    t.pool().advance_clock(Duration::from_secs(30));
    let started = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let done = answer(started.session().unwrap().into(), code(&secret, 30))
        .await
        .expect("TOTP sign-in");
    let tokens = done.authentication_result().unwrap();
    t.verify(API_POOL, tokens.id_token().unwrap()).await;

    // The same after SRP; and once the pool's MFA is OFF, no code is asked.
    t.pool().advance_clock(Duration::from_secs(30));
    let srp = srp_sign_in(&sdk, PUBLIC_APP, None, CAROL, PASSWORD).await;
    assert!(
        srp.unwrap_err().contains("SoftwareTokenMfa"),
        "SRP alone does not give tokens to a TOTP user"
    );
    let admin = signed(&t);
    admin
        .set_user_pool_mfa_config()
        .user_pool_id(API_POOL)
        .mfa_configuration(UserPoolMfaType::Off)
        .send()
        .await
        .unwrap();
    let plain = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    assert!(plain.authentication_result().is_some());
}

#[tokio::test]
async fn mfa_on_makes_a_user_set_up_totp_at_sign_in() {
    let t = spawn_api_pool().await;
    let admin = signed(&t);
    let got = admin
        .get_user_pool_mfa_config()
        .user_pool_id(API_POOL)
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.mfa_configuration(),
        Some(&UserPoolMfaType::Optional),
        "the default"
    );
    admin
        .set_user_pool_mfa_config()
        .user_pool_id(API_POOL)
        .mfa_configuration(UserPoolMfaType::On)
        .send()
        .await
        .unwrap();
    let got = admin
        .get_user_pool_mfa_config()
        .user_pool_id(API_POOL)
        .send()
        .await
        .unwrap();
    assert_eq!(got.mfa_configuration(), Some(&UserPoolMfaType::On));

    let sdk = unsigned(&t);
    let started = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    assert_eq!(started.challenge_name(), Some(&ChallengeNameType::MfaSetup));
    let assoc = sdk
        .associate_software_token()
        .session(started.session().unwrap())
        .send()
        .await
        .unwrap();
    let secret = assoc.secret_code().unwrap().to_string();
    // The set-up session is used once.
    let replay = sdk
        .associate_software_token()
        .session(started.session().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&replay), "NotAuthorizedException");
    let verified = sdk
        .verify_software_token()
        .session(assoc.session().unwrap())
        .user_code(code(&secret, 0))
        .send()
        .await
        .unwrap();
    let done = sdk
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::MfaSetup)
        .session(verified.session().unwrap())
        .challenge_responses("USERNAME", CAROL)
        .send()
        .await
        .expect("set up, signed in");
    assert!(done.authentication_result().is_some());
    // From now on the user is asked for a code.
    let again = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    assert_eq!(
        again.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    // Pool MFA settings need a signed request and a known pool.
    let err = admin
        .get_user_pool_mfa_config()
        .user_pool_id("us-east-1_Nope")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
}
