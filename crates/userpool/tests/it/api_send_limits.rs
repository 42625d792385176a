//! Issue 25, item 12 (pool part): mail bombing. The pool sends at most 5 messages of a kind to
//! one user in 15 minutes (e-mail sign-in codes, reset codes, confirmation codes); the next
//! request is refused with the exception AWS's model declares for the operation
//! (`LimitExceededException` for `ForgotPassword` and `ResendConfirmationCode`,
//! `TooManyRequestsException` for `InitiateAuth` and `RespondToAuthChallenge`, which declare no
//! `LimitExceededException`), and an address without an account
//! (with `PreventUserExistenceErrors`) gets exactly the same answers, so the limit tells no
//! account apart.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use aws_sdk_cognitoidentityprovider::Client;
use userpool::MessageKind;

use crate::api_auth::{spawn_api_pool, CAROL, PUBLIC_APP};
use crate::sdk::{exception, unsigned};
use crate::*;

async fn email_otp(sdk: &Client, username: &str) -> Result<(), String> {
    sdk.initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PREFERRED_CHALLENGE", "EMAIL_OTP")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| exception(&e))
}

async fn forgot(sdk: &Client, app: &str, username: &str) -> Result<(), String> {
    sdk.forgot_password()
        .client_id(app)
        .username(username)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| exception(&e))
}

async fn resend(sdk: &Client, username: &str) -> Result<(), String> {
    sdk.resend_confirmation_code()
        .client_id(PUBLIC)
        .username(username)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| exception(&e))
}

fn sent(t: &TestPool, to: &str, kind: MessageKind) -> usize {
    t.pool()
        .outbox_messages()
        .iter()
        .filter(|m| m.to == to && m.kind == kind)
        .count()
}

/// The answers to 7 requests in a row: 5 sent, then refused with `exception`.
fn five_then_refused(answers: &[Result<(), String>], exception: &str) {
    let expected: Vec<Result<(), String>> = (0..7)
        .map(|i| {
            if i < 5 {
                Ok(())
            } else {
                Err(exception.to_string())
            }
        })
        .collect();
    assert_eq!(answers, expected.as_slice());
}

#[tokio::test]
async fn e_mail_sign_in_codes_are_limited_per_user_and_unknown_users_look_the_same() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    for who in [CAROL, "ghost@example.com"] {
        let mut answers = vec![];
        for _ in 0..7 {
            answers.push(email_otp(&sdk, who).await);
        }
        five_then_refused(&answers, "TooManyRequestsException");
    }
    assert_eq!(sent(&t, CAROL, MessageKind::EmailOtp), 5);
    // Another user is not affected; after 15 minutes the user may ask again.
    t.pool().advance_clock(Duration::from_secs(15 * 60 + 1));
    email_otp(&sdk, CAROL).await.unwrap();
    assert_eq!(sent(&t, CAROL, MessageKind::EmailOtp), 6);
}

#[tokio::test]
async fn reset_and_confirmation_codes_are_limited_per_user() {
    let t = spawn_pool().await;
    let sdk = unsigned(&t);
    for who in [ALICE, "ghost@example.com"] {
        let mut answers = vec![];
        for _ in 0..7 {
            answers.push(forgot(&sdk, PUBLIC, who).await);
        }
        five_then_refused(&answers, "LimitExceededException");
    }
    assert_eq!(sent(&t, ALICE, MessageKind::Reset), 5);
    let bob = "bob@example.com";
    let mut answers = vec![];
    for _ in 0..7 {
        answers.push(resend(&sdk, bob).await);
    }
    five_then_refused(&answers, "LimitExceededException");
    assert_eq!(sent(&t, bob, MessageKind::Confirm), 5);
    // Reset codes for Bob are a kind of their own.
    forgot(&sdk, PUBLIC, bob).await.unwrap();
    t.pool().advance_clock(Duration::from_secs(15 * 60 + 1));
    forgot(&sdk, PUBLIC, ALICE).await.unwrap();
}

/// The hosted UI's forms send under the same limit; their page does not change when the limit
/// is reached (it does not change for an unknown address either).
#[tokio::test]
async fn the_hosted_ui_sends_under_the_same_limit() {
    let t = spawn_pool().await;
    let oauth = [
        ("response_type", "code"),
        ("client_id", CONF),
        ("redirect_uri", CB),
        ("state", "s"),
    ];
    let mut pages = vec![];
    for _ in 0..7 {
        let mut form = oauth.to_vec();
        form.push(("username", ALICE));
        let r = t.post_form("/forgotPassword", &form).await;
        pages.push((r.status().as_u16(), location(&r).path().to_string()));
    }
    assert!(pages.iter().all(|p| *p == pages[0]), "{pages:?}");
    assert_eq!(sent(&t, ALICE, MessageKind::Reset), 5);
    // The JSON API shares the count.
    assert_eq!(
        forgot(&unsigned(&t), PUBLIC, ALICE).await,
        Err("LimitExceededException".to_string())
    );
}
