//! The `Session` of `SignUp` and `ConfirmSignUp` through the real AWS SDK: `ConfirmSignUp`'s
//! signs the user in with `USER_AUTH` at once (the confirmation code was the first factor),
//! once, and not when reused, expired, named for another user, or sent by another client;
//! `SignUp`'s is taken back by `ConfirmSignUp` (and survives a wrong code). A client not
//! allowed `USER_AUTH` gets no session.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use aws_sdk_cognitoidentityprovider::Client;
use userpool::MessageKind;

use crate::api_auth::{check_tokens, spawn_api_pool, API_POOL, CAROL, PUBLIC_APP};
use crate::sdk::{exception, signed, unsigned};
use crate::*;

/// The api pool's client that says whether a user exists (no secret, every flow).
const OTHER_APP: &str = "api0reveals0users00000001";
/// The api pool's client allowed only SRP and refresh.
const SRP_ONLY_APP: &str = "api0srp0only0client000001";
const NEW_PASSWORD: &str = "N3w!password";

/// Signs `email` up through `app`; `SignUp`'s session.
async fn sign_up(sdk: &Client, app: &str, email: &str) -> Option<String> {
    let out = sdk
        .sign_up()
        .client_id(app)
        .username(email)
        .password(NEW_PASSWORD)
        .send()
        .await
        .expect("signs up");
    assert!(!out.user_confirmed());
    out.session().map(String::from)
}

/// The newest confirmation code the outbox holds for `to`.
fn confirm_code(t: &TestPool, to: &str) -> String {
    t.pool()
        .outbox_messages()
        .into_iter()
        .find(|m| m.to == to && m.kind == MessageKind::Confirm)
        .map(|m| m.code_or_password)
        .expect("a confirmation code was sent")
}

/// Confirms `email` through `app` with the code from the outbox; `ConfirmSignUp`'s session.
async fn confirm(t: &TestPool, sdk: &Client, app: &str, email: &str) -> Option<String> {
    let out = sdk
        .confirm_sign_up()
        .client_id(app)
        .username(email)
        .confirmation_code(confirm_code(t, email))
        .send()
        .await
        .expect("confirms");
    out.session().map(String::from)
}

/// `InitiateAuth` with `USER_AUTH`, `username` and `session`; the error is the exception's name.
async fn sign_in(
    sdk: &Client,
    app: &str,
    username: &str,
    session: &str,
) -> Result<aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput, String> {
    sdk.initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", username)
        .session(session)
        .send()
        .await
        .map_err(|e| exception(&e))
}

#[tokio::test]
async fn confirm_sign_up_session_signs_in_once() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let email = "dora@example.com";
    let signed_up = sign_up(&sdk, PUBLIC_APP, email).await;
    assert!(signed_up.is_some(), "SignUp answers a session");
    let session = confirm(&t, &sdk, PUBLIC_APP, email)
        .await
        .expect("ConfirmSignUp answers a session");
    assert_ne!(Some(&session), signed_up.as_ref());

    // The confirmation code was the first factor: tokens, no challenge.
    let out = sign_in(&sdk, PUBLIC_APP, email, &session).await.unwrap();
    assert_eq!(out.challenge_name(), None);
    let tokens = out.authentication_result().expect("tokens at once");
    let sub = sub_of(&t, email).await;
    check_tokens(&t, tokens, PUBLIC_APP, &sub).await;
    let me = sdk
        .get_user()
        .access_token(tokens.access_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(me.username(), sub);

    // Once only.
    let again = sign_in(&sdk, PUBLIC_APP, email, &session).await;
    assert_eq!(again.unwrap_err(), "NotAuthorizedException");
}

#[tokio::test]
async fn confirm_sign_up_session_is_refused_for_another_user_client_or_late() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let email = "erin@example.com";
    sign_up(&sdk, PUBLIC_APP, email).await;
    let session = confirm(&t, &sdk, PUBLIC_APP, email).await.unwrap();

    // Named for another user (one who exists): refused, and the session is spent.
    let other_user = sign_in(&sdk, PUBLIC_APP, CAROL, &session).await;
    assert_eq!(other_user.unwrap_err(), "NotAuthorizedException");
    assert_eq!(
        sign_in(&sdk, PUBLIC_APP, email, &session)
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );

    // Another client of the same pool cannot use this client's session.
    let email = "fred@example.com";
    sign_up(&sdk, PUBLIC_APP, email).await;
    let session = confirm(&t, &sdk, PUBLIC_APP, email).await.unwrap();
    let other_client = sign_in(&sdk, OTHER_APP, email, &session).await;
    assert_eq!(other_client.unwrap_err(), "NotAuthorizedException");

    // Expired after the session's three minutes.
    let email = "gina@example.com";
    sign_up(&sdk, PUBLIC_APP, email).await;
    let session = confirm(&t, &sdk, PUBLIC_APP, email).await.unwrap();
    t.pool().advance_clock(Duration::from_secs(181));
    let late = sign_in(&sdk, PUBLIC_APP, email, &session).await;
    assert_eq!(late.unwrap_err(), "NotAuthorizedException");

    // A made-up session is refused the same way; without one, USER_AUTH asks for a factor.
    let made_up = sign_in(&sdk, PUBLIC_APP, email, &"A".repeat(128)).await;
    assert_eq!(made_up.unwrap_err(), "NotAuthorizedException");
    let plain = sdk
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", email)
        .send()
        .await
        .unwrap();
    assert_eq!(
        plain.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
}

#[tokio::test]
async fn sign_up_session_goes_back_to_confirm_sign_up_and_is_bound_to_its_user() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let (hana, ivan, kim) = ("hana@example.com", "ivan@example.com", "kim@example.com");
    let hana_session = sign_up(&sdk, PUBLIC_APP, hana).await.unwrap();
    sign_up(&sdk, PUBLIC_APP, ivan).await.unwrap();
    let kim_session = sign_up(&sdk, PUBLIC_APP, kim).await.unwrap();

    // Kim's session is no good for Ivan's confirmation, which it does not confirm.
    let err = sdk
        .confirm_sign_up()
        .client_id(PUBLIC_APP)
        .username(ivan)
        .confirmation_code(confirm_code(&t, ivan))
        .session(&kim_session)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    assert_eq!(status(&t, ivan).await, "UNCONFIRMED");

    // Hana's own: a wrong code keeps it for the next try, the right one takes it.
    let code = confirm_code(&t, hana);
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = sdk
        .confirm_sign_up()
        .client_id(PUBLIC_APP)
        .username(hana)
        .confirmation_code(wrong_code)
        .session(&hana_session)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&wrong), "CodeMismatchException");
    let confirmed = sdk
        .confirm_sign_up()
        .client_id(PUBLIC_APP)
        .username(hana)
        .confirmation_code(code)
        .session(&hana_session)
        .send()
        .await
        .expect("the right code with SignUp's session confirms");
    assert_eq!(status(&t, hana).await, "CONFIRMED");
    let session = confirmed.session().expect("a session to sign in with");

    // SignUp's session is not a first factor; ConfirmSignUp's is.
    let err = sign_in(&sdk, PUBLIC_APP, hana, &hana_session).await;
    assert_eq!(err.unwrap_err(), "NotAuthorizedException");
    let out = sign_in(&sdk, PUBLIC_APP, hana, session).await.unwrap();
    assert!(out.authentication_result().is_some());
}

/// The user's `UserStatus`, as `AdminGetUser` tells it.
async fn status(t: &TestPool, email: &str) -> String {
    signed(t)
        .admin_get_user()
        .user_pool_id(API_POOL)
        .username(email)
        .send()
        .await
        .unwrap()
        .user_status()
        .unwrap()
        .as_str()
        .to_string()
}

/// The user's `sub`.
async fn sub_of(t: &TestPool, email: &str) -> String {
    signed(t)
        .admin_get_user()
        .user_pool_id(API_POOL)
        .username(email)
        .send()
        .await
        .unwrap()
        .username()
        .to_string()
}

#[tokio::test]
async fn no_session_for_a_client_without_user_auth() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let email = "jack@example.com";
    assert_eq!(sign_up(&sdk, SRP_ONLY_APP, email).await, None);
    assert_eq!(confirm(&t, &sdk, SRP_ONLY_APP, email).await, None);
}
