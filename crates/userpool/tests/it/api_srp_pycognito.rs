//! `pycognito`'s SRP sign-in (Python, `boto3`), which answers `PASSWORD_VERIFIER` without a
//! `Session`, as Cognito accepts: the state is found from `SECRET_BLOCK` (issue 31).
//!
//! Needs `python3` with `pycognito` (`.ci/run` installs it): in CI (`CI` set) their absence
//! fails the test; elsewhere it prints `NOT RUN: pycognito` and passes.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::Value;

use crate::api_auth::{spawn_api_pool, API_POOL, CAROL, CAROL_SUB, PUBLIC_APP};
use crate::sdk::{exception, unsigned};
use crate::*;

/// Fails in CI, says so and passes elsewhere.
fn not_run(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so the pycognito interop test must run: {why}");
    }
    println!("NOT RUN: pycognito (SRP without a Session): {why}");
}

/// Whether `python3` can import `pycognito`, and why not.
fn available() -> Result<(), String> {
    let out = Command::new("python3")
        .args(["-c", "import pycognito, boto3"])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "python3 cannot import pycognito: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Runs the script's sign-in; its one line of JSON.
async fn sign_in(t: &TestPool, username: &str, password: &str) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pycognito/srp_sign_in.py");
    let endpoint = t.url("");
    let (username, password) = (username.to_string(), password.to_string());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3")
            .arg(script)
            .args([&endpoint, API_POOL, PUBLIC_APP, &username, &password])
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .output()
            .expect("python3 runs")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the script failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(stdout.trim()).expect("one line of JSON")
}

#[tokio::test]
async fn pycognito_signs_in_by_srp_without_a_session_and_refuses_a_wrong_password() {
    if let Err(why) = available() {
        return not_run(&why);
    }
    let t = spawn_api_pool().await;
    let ok = sign_in(&t, CAROL, PASSWORD).await;
    let access = ok["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("tokens, got {ok}"));
    let claims = t.verify(API_POOL, access).await;
    assert_eq!(claims["sub"], CAROL_SUB);
    assert_eq!(claims["client_id"], PUBLIC_APP);
    let id = t.verify(API_POOL, ok["id_token"].as_str().unwrap()).await;
    assert_eq!(id["email"], CAROL);

    let wrong = sign_in(&t, CAROL, "Wr0ng!pass").await;
    assert_eq!(wrong["error"], "NotAuthorizedException", "{wrong}");
    // And the right password still works afterwards (one wrong answer is no lockout).
    let again = sign_in(&t, CAROL, PASSWORD).await;
    assert!(again["access_token"].is_string(), "{again}");
}

/// `InitiateAuth` with `USER_SRP_AUTH` by `cognito_srp`; the challenge's answer and session.
async fn srp_answer(
    sdk: &aws_sdk_cognitoidentityprovider::Client,
    password: &str,
) -> (HashMap<String, String>, String) {
    let srp = cognito_srp::SrpClient::new(CAROL, password, API_POOL, PUBLIC_APP, None);
    let mut init = sdk
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserSrpAuth);
    for (k, v) in srp.get_auth_params().unwrap() {
        init = init.auth_parameters(k, v);
    }
    let started = init.send().await.expect("SRP starts");
    let params = started.challenge_parameters().unwrap().clone();
    let answer = srp.process_challenge(params).unwrap();
    (answer, started.session().unwrap().to_string())
}

/// `RespondToAuthChallenge` with `PASSWORD_VERIFIER`, with or without a session.
async fn respond(
    sdk: &aws_sdk_cognitoidentityprovider::Client,
    answer: &HashMap<String, String>,
    session: Option<&str>,
) -> Result<AuthenticationResultType, String> {
    let mut r = sdk
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .set_session(session.map(str::to_string));
    for (k, v) in answer {
        r = r.challenge_responses(k, v);
    }
    let done = r.send().await.map_err(|e| exception(&e))?;
    done.authentication_result()
        .cloned()
        .ok_or_else(|| "no tokens".to_string())
}

#[tokio::test]
async fn srp_without_a_session_is_single_use_and_refuses_a_forged_secret_block() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);

    // Without a Session: signed in once; the same answer again (with or without the
    // session) finds nothing.
    let (answer, session) = srp_answer(&sdk, PASSWORD).await;
    let tokens = respond(&sdk, &answer, None).await.expect("signed in");
    assert!(tokens.access_token().is_some());
    assert_eq!(
        respond(&sdk, &answer, None).await.unwrap_err(),
        "NotAuthorizedException"
    );
    assert_eq!(
        respond(&sdk, &answer, Some(&session)).await.unwrap_err(),
        "NotAuthorizedException"
    );

    // With the Session, as before; then the secret block alone is used up too.
    let (answer, session) = srp_answer(&sdk, PASSWORD).await;
    respond(&sdk, &answer, Some(&session))
        .await
        .expect("signed in with the session");
    assert_eq!(
        respond(&sdk, &answer, None).await.unwrap_err(),
        "NotAuthorizedException"
    );

    // A secret block the pool did not issue (random, or an issued one altered) is refused,
    // and leaves the real challenge unanswered: it still works after.
    let (answer, _) = srp_answer(&sdk, PASSWORD).await;
    let block = &answer["PASSWORD_CLAIM_SECRET_BLOCK"];
    let mut bytes = STANDARD.decode(block).unwrap();
    bytes[0] ^= 1;
    for forged in [
        STANDARD.encode(bytes),
        STANDARD.encode([7u8; 64]),
        "not base64!".to_string(),
        String::new(),
    ] {
        let mut a = answer.clone();
        a.insert("PASSWORD_CLAIM_SECRET_BLOCK".into(), forged.clone());
        let err = respond(&sdk, &a, None).await.unwrap_err();
        assert!(
            err == "NotAuthorizedException"
                || (forged.is_empty() && err == "InvalidParameterException"),
            "{forged:?}: {err}"
        );
    }
    respond(&sdk, &answer, None)
        .await
        .expect("the real block still answers");

    // A wrong password without a session: refused, and the block is used up.
    let (answer, _) = srp_answer(&sdk, "Wr0ng!pass").await;
    assert_eq!(
        respond(&sdk, &answer, None).await.unwrap_err(),
        "NotAuthorizedException"
    );
}
