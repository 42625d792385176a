//! Issue 25, item 9: with `PreventUserExistenceErrors`, the `PASSWORD_VERIFIER` challenge of
//! an address without an account looks like a real user's: a stable, UUID-shaped
//! `USER_ID_FOR_SRP` and a stable `SALT`, the same parameters of the same shapes.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
use aws_sdk_cognitoidentityprovider::Client;

use crate::api_auth::{spawn_api_pool, CAROL, PUBLIC_APP};
use crate::sdk::{exception, unsigned};

async fn srp_challenge(sdk: &Client, app: &str, username: &str) -> HashMap<String, String> {
    let srp = cognito_srp::SrpClient::new(username, "irrelevant", "us-east-1_ApiAuth", app, None);
    let mut init = sdk
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserSrpAuth);
    for (k, v) in srp.get_auth_params().unwrap() {
        init = init.auth_parameters(k, v);
    }
    init.send()
        .await
        .expect("a challenge")
        .challenge_parameters()
        .unwrap()
        .clone()
}

fn uuid_shaped(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok_and(|u| u.hyphenated().to_string() == s)
}

/// What a parameter looks like: its kind of characters and (for the fixed-size ones) length.
fn shape(key: &str, value: &str) -> String {
    match key {
        "USER_ID_FOR_SRP" | "USERNAME" => format!("uuid:{}", uuid_shaped(value)),
        "SALT" => format!(
            "hex:{}:{}",
            value.bytes().all(|b| b.is_ascii_hexdigit()),
            value.len()
        ),
        "SRP_B" => format!("hex:{}", value.bytes().all(|b| b.is_ascii_hexdigit())),
        "SECRET_BLOCK" => format!("len:{}", value.len()),
        other => format!("{other}:{value}"),
    }
}

fn shapes(params: &HashMap<String, String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (k.clone(), shape(k, v)))
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn an_unknown_users_srp_challenge_is_stable_and_shaped_like_a_real_one() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let ghost = "ghost@example.com";
    let a = srp_challenge(&sdk, PUBLIC_APP, ghost).await;
    let b = srp_challenge(&sdk, PUBLIC_APP, ghost).await;
    assert_eq!(a["USER_ID_FOR_SRP"], b["USER_ID_FOR_SRP"], "stable id");
    assert_eq!(a["SALT"], b["SALT"], "stable salt");
    assert!(
        uuid_shaped(&a["USER_ID_FOR_SRP"]),
        "{}",
        a["USER_ID_FOR_SRP"]
    );
    assert_ne!(a["USER_ID_FOR_SRP"], ghost, "not the typed name");
    // Another unknown name, another id and salt.
    let c = srp_challenge(&sdk, PUBLIC_APP, "other.ghost@example.com").await;
    assert_ne!(a["USER_ID_FOR_SRP"], c["USER_ID_FOR_SRP"]);
    assert_ne!(a["SALT"], c["SALT"]);
    // The same keys, of the same shapes, as a real user's.
    let known = srp_challenge(&sdk, PUBLIC_APP, CAROL).await;
    assert_eq!(shapes(&a), shapes(&known));
    // Its answer is refused as a wrong password is.
    let srp =
        cognito_srp::SrpClient::new(ghost, "Passw0rd!", "us-east-1_ApiAuth", PUBLIC_APP, None);
    let mut init = sdk
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserSrpAuth);
    for (k, v) in srp.get_auth_params().unwrap() {
        init = init.auth_parameters(k, v);
    }
    let started = init.send().await.unwrap();
    let claim = srp
        .process_challenge(started.challenge_parameters().unwrap().clone())
        .unwrap();
    let mut respond = sdk
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(aws_sdk_cognitoidentityprovider::types::ChallengeNameType::PasswordVerifier)
        .session(started.session().unwrap());
    for (k, v) in claim {
        respond = respond.challenge_responses(k, v);
    }
    let err = respond.send().await.unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
}
