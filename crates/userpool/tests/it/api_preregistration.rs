//! Issue 25, item 3: pre-registration takeover. An attacker signs up the victim's address
//! first, with a password of their own, and waits. The victim then resets the password through
//! `ForgotPassword` (the code goes to the victim's mail): from then on the account is the
//! victim's alone, confirmed, with a verified e-mail, and nothing the attacker started before
//! (their password, an SRP challenge in flight, the sign-up's confirmation code) works.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};
use userpool::MessageKind;

use crate::api_auth::password_auth;
use crate::sdk::{exception, signed, unsigned};
use crate::*;

const VICTIM: &str = "victim@example.com";
const ATTACKER_PASSWORD: &str = "Att4cker!pass";
const VICTIM_PASSWORD: &str = "V1ctim!pass";

fn newest(t: &TestPool, kind: MessageKind) -> String {
    t.pool()
        .outbox_messages()
        .into_iter()
        .find(|m| m.to == VICTIM && m.kind == kind)
        .map(|m| m.code_or_password)
        .expect("a message was sent")
}

#[tokio::test]
async fn a_reset_takes_a_pre_registered_account_back_for_good() {
    let t = spawn_pool().await;
    let api = unsigned(&t);
    // The attacker pre-registers the victim's address (unconfirmed: the code went to the victim).
    api.sign_up()
        .client_id(PUBLIC)
        .username(VICTIM)
        .password(ATTACKER_PASSWORD)
        .send()
        .await
        .unwrap();
    let confirm_code = newest(&t, MessageKind::Confirm);
    // ... and starts an SRP sign-in with their password, to answer after the reset.
    let srp = cognito_srp::SrpClient::new(VICTIM, ATTACKER_PASSWORD, POOL, PUBLIC, None);
    let mut init = api
        .initiate_auth()
        .client_id(PUBLIC)
        .auth_flow(AuthFlowType::UserSrpAuth);
    for (k, v) in srp.get_auth_params().unwrap() {
        init = init.auth_parameters(k, v);
    }
    let started = init.send().await.unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params: HashMap<String, String> = started.challenge_parameters().unwrap().clone();
    let claim = srp.process_challenge(params).unwrap();

    // The victim resets the password: an unconfirmed user's reset code goes to the e-mail.
    api.forgot_password()
        .client_id(PUBLIC)
        .username(VICTIM)
        .send()
        .await
        .expect("a reset code for an unconfirmed user");
    let reset_code = newest(&t, MessageKind::Reset);
    api.confirm_forgot_password()
        .client_id(PUBLIC)
        .username(VICTIM)
        .confirmation_code(reset_code)
        .password(VICTIM_PASSWORD)
        .send()
        .await
        .expect("the reset completes");

    // The attacker's challenge, begun with the old password, does not sign in.
    let mut respond = api
        .respond_to_auth_challenge()
        .client_id(PUBLIC)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .session(started.session().unwrap());
    for (k, v) in claim {
        respond = respond.challenge_responses(k, v);
    }
    let err = respond
        .send()
        .await
        .expect_err("a challenge begun before the reset is over");
    assert_eq!(exception(&err), "NotAuthorizedException");

    // The old password is refused, the new one signs in.
    let err = password_auth(&api, PUBLIC, VICTIM, ATTACKER_PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    let ok = password_auth(&api, PUBLIC, VICTIM, VICTIM_PASSWORD)
        .await
        .unwrap();
    assert!(ok.authentication_result().is_some());

    // Confirmed, with a verified e-mail; the sign-up's confirmation code is dead.
    let user = signed(&t)
        .admin_get_user()
        .user_pool_id(POOL)
        .username(VICTIM)
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_status().map(|s| s.as_str()), Some("CONFIRMED"));
    let verified = user
        .user_attributes()
        .iter()
        .find(|a| a.name() == "email_verified")
        .and_then(|a| a.value());
    assert_eq!(verified, Some("true"));
    let err = api
        .confirm_sign_up()
        .client_id(PUBLIC)
        .username(VICTIM)
        .confirmation_code(confirm_code)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            exception(&err).as_str(),
            "NotAuthorizedException" | "CodeMismatchException" | "ExpiredCodeException"
        ),
        "{}",
        exception(&err)
    );
}
