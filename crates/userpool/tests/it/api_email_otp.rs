//! `USER_AUTH`'s `EMAIL_OTP` through the real AWS SDK: chosen by `PREFERRED_CHALLENGE` or from
//! `SELECT_CHALLENGE`, the code read from the pool's outbox, wrong codes (a session takes three,
//! and they count towards the lockout), replayed and expired sessions, who is offered it, and the
//! tokens checked against the JWKS.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::operation::respond_to_auth_challenge::RespondToAuthChallengeOutput;
use aws_sdk_cognitoidentityprovider::types::{
    AttributeType, AuthFlowType, ChallengeNameType, MessageActionType, SoftwareTokenMfaSettingsType,
};
use aws_sdk_cognitoidentityprovider::Client;
use serde_json::Value;

use crate::api_auth::{
    check_tokens, password_auth, spawn_api_pool, API_POOL, CAROL, CAROL_SUB, PUBLIC_APP,
};
use crate::api_mfa::code as totp_code;
use crate::sdk::{exception, signed, unsigned};
use crate::*;

/// `InitiateAuth` with `USER_AUTH` for `username`, preferring `preferred` if given.
async fn user_auth(
    sdk: &Client,
    username: &str,
    preferred: Option<&str>,
) -> aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput {
    let mut init = sdk
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", username);
    if let Some(p) = preferred {
        init = init.auth_parameters("PREFERRED_CHALLENGE", p);
    }
    init.send().await.expect("USER_AUTH starts")
}

/// Answers an `EMAIL_OTP` challenge with `code`; the error is the exception's name.
async fn answer(
    sdk: &Client,
    session: &str,
    username: &str,
    code: &str,
) -> Result<RespondToAuthChallengeOutput, String> {
    sdk.respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::EmailOtp)
        .session(session)
        .challenge_responses("USERNAME", username)
        .challenge_responses("EMAIL_OTP_CODE", code)
        .send()
        .await
        .map_err(|e| exception(&e))
}

/// The e-mail sign-in codes the outbox holds for `to`, newest first.
fn otp_codes(t: &TestPool, to: &str) -> Vec<String> {
    t.pool()
        .outbox_messages()
        .into_iter()
        .filter(|m| m.to == to && m.kind == userpool::MessageKind::EmailOtp)
        .map(|m| m.code_or_password)
        .collect()
}

/// A code of the right shape that is not `code`.
fn wrong_code(code: &str) -> String {
    let last = code.as_bytes()[code.len() - 1];
    let other = if last == b'9' {
        '0'
    } else {
        (last + 1) as char
    };
    format!("{}{other}", &code[..code.len() - 1])
}

/// The challenges a `SELECT_CHALLENGE` offers.
fn offered(
    started: &aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
) -> Vec<String> {
    started
        .available_challenges()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect()
}

#[tokio::test]
async fn preferred_email_otp_signs_in_with_the_code_from_the_outbox() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
    assert_eq!(started.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    let params = started.challenge_parameters().unwrap();
    assert_eq!(params["CODE_DELIVERY_DELIVERY_MEDIUM"], "EMAIL");
    assert_eq!(params["CODE_DELIVERY_DESTINATION"], "c***@e***");
    assert!(started.authentication_result().is_none());

    // The code, as a developer reads it: the outbox's JSON page.
    let outbox: Value = t
        .http
        .get(t.url("/_outbox.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let newest = &outbox["messages"][0];
    assert_eq!(newest["kind"], "email_otp");
    assert_eq!(newest["to"], CAROL);
    assert_eq!(newest["pool_id"], API_POOL);
    let code = newest["code_or_password"].as_str().unwrap().to_string();
    assert!(
        code.len() == 8 && code.bytes().all(|b| b.is_ascii_digit()),
        "eight digits"
    );
    assert_eq!(otp_codes(&t, CAROL), vec![code.clone()]);

    let session = started.session().unwrap();
    let done = answer(&sdk, session, CAROL, &code)
        .await
        .expect("signed in");
    check_tokens(
        &t,
        done.authentication_result().unwrap(),
        PUBLIC_APP,
        CAROL_SUB,
    )
    .await;
    // Single use: the same session and code again are refused.
    assert_eq!(
        answer(&sdk, session, CAROL, &code).await.unwrap_err(),
        "NotAuthorizedException"
    );
}

#[tokio::test]
async fn email_otp_selected_from_select_challenge_by_an_admin_client() {
    let t = spawn_api_pool().await;
    let admin = signed(&t);
    let started = admin
        .admin_initiate_auth()
        .user_pool_id(API_POOL)
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", CAROL)
        .send()
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    let offered: Vec<&str> = started
        .available_challenges()
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert!(offered.contains(&"EMAIL_OTP"), "{offered:?}");
    assert!(
        otp_codes(&t, CAROL).is_empty(),
        "no code before it is chosen"
    );
    let chosen = admin
        .admin_respond_to_auth_challenge()
        .user_pool_id(API_POOL)
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(started.session().unwrap())
        .challenge_responses("USERNAME", CAROL)
        .challenge_responses("ANSWER", "EMAIL_OTP")
        .send()
        .await
        .expect("EMAIL_OTP chosen");
    assert_eq!(chosen.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    assert_eq!(
        chosen.challenge_parameters().unwrap()["CODE_DELIVERY_DESTINATION"],
        "c***@e***"
    );
    let code = otp_codes(&t, CAROL).remove(0);
    let done = admin
        .admin_respond_to_auth_challenge()
        .user_pool_id(API_POOL)
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::EmailOtp)
        .session(chosen.session().unwrap())
        .challenge_responses("USERNAME", CAROL)
        .challenge_responses("EMAIL_OTP_CODE", code)
        .send()
        .await
        .expect("signed in");
    check_tokens(
        &t,
        done.authentication_result().unwrap(),
        PUBLIC_APP,
        CAROL_SUB,
    )
    .await;
}

#[tokio::test]
async fn a_session_survives_two_wrong_codes_and_ends_at_the_third() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
    let session = started.session().unwrap();
    let code = otp_codes(&t, CAROL).remove(0);
    let wrong = wrong_code(&code);
    for _ in 0..2 {
        assert_eq!(
            answer(&sdk, session, CAROL, &wrong).await.unwrap_err(),
            "CodeMismatchException"
        );
    }
    // No code at all is a bad request, not a guess: the session still stands.
    let missing = sdk
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::EmailOtp)
        .session(session)
        .challenge_responses("USERNAME", CAROL)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&missing), "InvalidParameterException");
    let done = answer(&sdk, session, CAROL, &code)
        .await
        .expect("the right code after two wrong ones");
    assert!(done.authentication_result().is_some());

    // A new session: the third wrong code ends it, and the right one comes too late.
    let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
    let session = started.session().unwrap();
    let code = otp_codes(&t, CAROL).remove(0);
    let wrong = wrong_code(&code);
    for _ in 0..3 {
        assert_eq!(
            answer(&sdk, session, CAROL, &wrong).await.unwrap_err(),
            "CodeMismatchException"
        );
    }
    assert_eq!(
        answer(&sdk, session, CAROL, &code).await.unwrap_err(),
        "NotAuthorizedException"
    );
    // An older session's code does not open a newer session.
    let older = code;
    let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
    let newer = otp_codes(&t, CAROL).remove(0);
    if newer != older {
        assert_eq!(
            answer(&sdk, started.session().unwrap(), CAROL, &older)
                .await
                .unwrap_err(),
            "CodeMismatchException"
        );
    }
    // Nor does another user's name with this session.
    assert_eq!(
        answer(&sdk, started.session().unwrap(), "temp@example.com", &newer)
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );
}

#[tokio::test]
async fn wrong_codes_count_towards_the_lockout() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    // Five wrong codes in a row, over two sessions (a session takes three).
    let mut last = String::new();
    for wrong_in_session in [3, 2] {
        let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
        let wrong = wrong_code(&otp_codes(&t, CAROL).remove(0));
        for _ in 0..wrong_in_session {
            last = answer(&sdk, started.session().unwrap(), CAROL, &wrong)
                .await
                .unwrap_err();
        }
    }
    assert_eq!(last, "NotAuthorizedException", "the fifth locks the user");
    // Locked: the right password is refused, and so is a right code.
    let err = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(
        err.as_service_error().unwrap().meta().message(),
        Some("Password attempts exceeded")
    );
    let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
    let code = otp_codes(&t, CAROL).remove(0);
    assert_eq!(
        answer(&sdk, started.session().unwrap(), CAROL, &code)
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );
    // After the lockout a right code signs in.
    t.pool()
        .advance_clock(userpool::LOCKOUT_DURATION + Duration::from_secs(1));
    let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
    let code = otp_codes(&t, CAROL).remove(0);
    answer(&sdk, started.session().unwrap(), CAROL, &code)
        .await
        .expect("signed in once the lockout is over");
}

#[tokio::test]
async fn an_email_otp_session_expires_after_three_minutes() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
    let code = otp_codes(&t, CAROL).remove(0);
    t.pool().advance_clock(Duration::from_secs(181));
    assert_eq!(
        answer(&sdk, started.session().unwrap(), CAROL, &code)
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );
}

#[tokio::test]
async fn a_user_without_a_verified_email_is_not_offered_email_otp() {
    let t = spawn_api_pool().await;
    let admin = signed(&t);
    let dana = "dana@example.com";
    admin
        .admin_create_user()
        .user_pool_id(API_POOL)
        .username(dana)
        .user_attributes(
            AttributeType::builder()
                .name("email_verified")
                .value("false")
                .build()
                .unwrap(),
        )
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    admin
        .admin_set_user_password()
        .user_pool_id(API_POOL)
        .username(dana)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
    let sdk = unsigned(&t);
    // Preferred, it cannot be met: SELECT_CHALLENGE, without it.
    let started = user_auth(&sdk, dana, Some("EMAIL_OTP")).await;
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    let choices = offered(&started);
    assert!(choices.contains(&"PASSWORD".to_string()), "{choices:?}");
    assert!(!choices.contains(&"EMAIL_OTP".to_string()), "{choices:?}");
    // Chosen anyway: refused, and nothing is sent.
    let err = sdk
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(started.session().unwrap())
        .challenge_responses("USERNAME", dana)
        .challenge_responses("ANSWER", "EMAIL_OTP")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
    assert!(otp_codes(&t, dana).is_empty());
}

#[tokio::test]
async fn an_unknown_user_gets_a_challenge_that_only_fails_and_no_mail() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let nobody = "nobody@example.com";
    let started = user_auth(&sdk, nobody, None).await;
    assert!(offered(&started).contains(&"EMAIL_OTP".to_string()));
    let started = user_auth(&sdk, nobody, Some("EMAIL_OTP")).await;
    assert_eq!(started.challenge_name(), Some(&ChallengeNameType::EmailOtp));
    assert_eq!(
        started.challenge_parameters().unwrap()["CODE_DELIVERY_DESTINATION"],
        "n***@e***"
    );
    assert!(t.pool().outbox_messages().is_empty(), "no mail for nobody");
    assert_eq!(
        answer(&sdk, started.session().unwrap(), nobody, "12345678")
            .await
            .unwrap_err(),
        "CodeMismatchException"
    );
}

#[tokio::test]
async fn a_user_with_totp_gives_a_totp_code_after_the_email_code() {
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
    let secret = sdk
        .associate_software_token()
        .access_token(&access)
        .send()
        .await
        .unwrap()
        .secret_code()
        .unwrap()
        .to_string();
    sdk.verify_software_token()
        .access_token(&access)
        .user_code(totp_code(&secret, 0))
        .send()
        .await
        .unwrap();
    sdk.set_user_mfa_preference()
        .access_token(&access)
        .software_token_mfa_settings(
            SoftwareTokenMfaSettingsType::builder()
                .enabled(true)
                .preferred_mfa(true)
                .build(),
        )
        .send()
        .await
        .unwrap();

    let started = user_auth(&sdk, CAROL, Some("EMAIL_OTP")).await;
    let code = otp_codes(&t, CAROL).remove(0);
    let next = answer(&sdk, started.session().unwrap(), CAROL, &code)
        .await
        .unwrap();
    assert_eq!(
        next.challenge_name(),
        Some(&ChallengeNameType::SoftwareTokenMfa)
    );
    assert!(next.authentication_result().is_none());
}
