//! Passkeys through the real AWS SDK, with 1Password's software authenticator as the user's
//! device: the pool's `WebAuthnConfiguration`, registration (`StartWebAuthnRegistration`,
//! `CompleteWebAuthnRegistration`), listing and deletion, `USER_AUTH` with `WEB_AUTHN` (chosen
//! by `PREFERRED_CHALLENGE` or from `SELECT_CHALLENGE`), the auth factors, and the passkeys
//! going with their user. The refusals are in `api_webauthn_refusals.rs`.

use std::collections::HashMap;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFactorType, AuthFlowType, AuthenticationResultType, ChallengeNameType, MessageActionType,
    UserVerificationType, WebAuthnConfigurationType,
};
use aws_sdk_cognitoidentityprovider::Client;
use aws_smithy_types::Document;
use aws_smithy_types::Number;
use serde_json::{json, Value};

use crate::api_auth::{check_tokens, password_auth, spawn_api_pool, API_POOL, CAROL, PUBLIC_APP};
use crate::passkeys::SoftPasskey;
use crate::sdk::{exception, signed, unsigned};
use crate::*;

/// The page the passkeys are used from (RP ID `localhost`).
pub const ORIGIN: &str = "http://localhost:5173";

/// JSON as the SDK's `Document`.
pub fn document(v: &Value) -> Document {
    match v {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => Document::Number(match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Number::PosInt(u),
            (None, Some(i)) => Number::NegInt(i),
            _ => Number::Float(n.as_f64().unwrap()),
        }),
        Value::String(s) => Document::String(s.clone()),
        Value::Array(a) => Document::Array(a.iter().map(document).collect()),
        Value::Object(o) => {
            Document::Object(o.iter().map(|(k, v)| (k.clone(), document(v))).collect())
        }
    }
}

/// The SDK's `Document` as JSON.
pub fn json_of(d: &Document) -> Value {
    match d {
        Document::Null => Value::Null,
        Document::Bool(b) => json!(b),
        Document::Number(Number::PosInt(u)) => json!(u),
        Document::Number(Number::NegInt(i)) => json!(i),
        Document::Number(Number::Float(f)) => json!(f),
        Document::String(s) => json!(s),
        Document::Array(a) => Value::Array(a.iter().map(json_of).collect()),
        Document::Object(o) => {
            Value::Object(o.iter().map(|(k, v)| (k.clone(), json_of(v))).collect())
        }
    }
}

/// Sets the API pool's passkey relying party.
pub async fn configure(t: &TestPool, rp_id: &str, verification: UserVerificationType) {
    signed(t)
        .set_user_pool_mfa_config()
        .user_pool_id(API_POOL)
        .web_authn_configuration(
            WebAuthnConfigurationType::builder()
                .relying_party_id(rp_id)
                .user_verification(verification)
                .build(),
        )
        .send()
        .await
        .expect("SetUserPoolMfaConfig");
}

/// A fresh API pool whose passkeys belong to `localhost` and must verify the user.
pub async fn passkey_pool() -> TestPool {
    let t = spawn_api_pool().await;
    configure(&t, "localhost", UserVerificationType::Required).await;
    t
}

/// A confirmed user with a permanent password, made by the admin API.
pub async fn new_user(t: &TestPool, email: &str) {
    let admin = signed(t);
    admin
        .admin_create_user()
        .user_pool_id(API_POOL)
        .username(email)
        .message_action(MessageActionType::Suppress)
        .send()
        .await
        .unwrap();
    admin
        .admin_set_user_password()
        .user_pool_id(API_POOL)
        .username(email)
        .password(PASSWORD)
        .permanent(true)
        .send()
        .await
        .unwrap();
}

/// An access token of `username` through the app client `app`.
pub async fn access_token(t: &TestPool, app: &str, username: &str) -> String {
    let out = password_auth(&unsigned(t), app, username, PASSWORD)
        .await
        .expect("password sign-in");
    let result = out.authentication_result().expect("tokens");
    result.access_token().unwrap().to_string()
}

/// `StartWebAuthnRegistration`'s options, as JSON.
pub async fn start(t: &TestPool, token: &str) -> Result<Value, String> {
    let out = unsigned(t)
        .start_web_authn_registration()
        .access_token(token)
        .send()
        .await
        .map_err(|e| exception(&e))?;
    Ok(json_of(out.credential_creation_options()))
}

/// `CompleteWebAuthnRegistration` with `credential`.
pub async fn complete(t: &TestPool, token: &str, credential: &Value) -> Result<(), String> {
    unsigned(t)
        .complete_web_authn_registration()
        .access_token(token)
        .credential(document(credential))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| exception(&e))
}

/// Start, the authenticator's credential, Complete.
pub async fn enrol(t: &TestPool, token: &str, key: &mut SoftPasskey) -> Result<(), String> {
    let options = start(t, token).await?;
    let credential = key.register(&options, None).await;
    complete(t, token, &credential).await
}

/// `USER_AUTH` for `username` preferring `WEB_AUTHN`: the session and the request options.
pub async fn web_authn_challenge(
    sdk: &Client,
    app: &str,
    username: &str,
) -> Result<(String, String), String> {
    let out = sdk
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
        .send()
        .await
        .map_err(|e| exception(&e))?;
    assert_eq!(out.challenge_name(), Some(&ChallengeNameType::WebAuthn));
    let params = out.challenge_parameters().unwrap();
    Ok((
        out.session().unwrap().to_string(),
        params["CREDENTIAL_REQUEST_OPTIONS"].clone(),
    ))
}

/// Answers `WEB_AUTHN` with `credential` (an `AuthenticationResponseJSON`).
pub async fn answer(
    sdk: &Client,
    app: &str,
    session: &str,
    username: &str,
    credential: &str,
) -> Result<AuthenticationResultType, String> {
    let out = sdk
        .respond_to_auth_challenge()
        .client_id(app)
        .challenge_name(ChallengeNameType::WebAuthn)
        .session(session)
        .challenge_responses("USERNAME", username)
        .challenge_responses("CREDENTIAL", credential)
        .send()
        .await
        .map_err(|e| exception(&e))?;
    out.authentication_result()
        .cloned()
        .ok_or_else(|| format!("challenge {:?}", out.challenge_name()))
}

/// A whole passkey sign-in by `PREFERRED_CHALLENGE`.
pub async fn passkey_sign_in(
    t: &TestPool,
    username: &str,
    key: &mut SoftPasskey,
) -> Result<AuthenticationResultType, String> {
    let sdk = unsigned(t);
    let (session, options) = web_authn_challenge(&sdk, PUBLIC_APP, username).await?;
    let credential = key.sign(&options).await;
    answer(&sdk, PUBLIC_APP, &session, username, &credential).await
}

async fn auth_factors(t: &TestPool, token: &str) -> Vec<AuthFactorType> {
    let out = unsigned(t)
        .get_user_auth_factors()
        .access_token(token)
        .send()
        .await
        .unwrap();
    out.configured_user_auth_factors().to_vec()
}

/// Carol's first `CredentialCreationOptions`, as Cognito shapes them.
fn check_creation_options(options: &Value) {
    assert_eq!(
        options["rp"],
        json!({ "id": "localhost", "name": "localhost" })
    );
    assert_eq!(options["user"]["name"], CAROL);
    assert_eq!(options["user"]["displayName"], "Carol Example");
    let user_id = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        options["user"]["id"].as_str().unwrap(),
    )
    .unwrap();
    assert_eq!(user_id, crate::api_auth::CAROL_SUB.as_bytes());
    let challenge = options["challenge"].as_str().unwrap();
    assert!(challenge.len() >= 43, "32 random bytes, base64url");
    let algs: Vec<i64> = options["pubKeyCredParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["alg"].as_i64().unwrap())
        .collect();
    assert_eq!(algs, [-7, -257]);
    assert_eq!(options["authenticatorSelection"]["residentKey"], "required");
    assert_eq!(
        options["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(options["excludeCredentials"], json!([]));
    assert!(options["timeout"].as_u64().unwrap() > 0);
}

#[tokio::test]
async fn a_passkey_registers_then_signs_in_by_preference() {
    let t = passkey_pool().await;
    let config = signed(&t)
        .get_user_pool_mfa_config()
        .user_pool_id(API_POOL)
        .send()
        .await
        .unwrap();
    let web_authn = config.web_authn_configuration().unwrap();
    assert_eq!(web_authn.relying_party_id(), Some("localhost"));
    assert_eq!(
        web_authn.user_verification(),
        Some(&UserVerificationType::Required)
    );

    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    assert!(!auth_factors(&t, &token)
        .await
        .contains(&AuthFactorType::WebAuthn));
    let options = start(&t, &token).await.unwrap();
    check_creation_options(&options);

    let mut key = SoftPasskey::new(ORIGIN);
    let credential = key.register(&options, None).await;
    complete(&t, &token, &credential).await.unwrap();
    assert!(auth_factors(&t, &token)
        .await
        .contains(&AuthFactorType::WebAuthn));

    let listed = unsigned(&t)
        .list_web_authn_credentials()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let [c] = listed.credentials() else {
        panic!("one passkey: {listed:?}")
    };
    assert_eq!(c.credential_id(), credential["id"].as_str().unwrap());
    assert_eq!(c.relying_party_id(), "localhost");
    assert_eq!(c.authenticator_attachment(), Some("platform"));
    assert_eq!(c.authenticator_transports(), ["internal", "hybrid"]);
    assert!(!c.friendly_credential_name().is_empty());
    assert!(listed.next_token().is_none());

    // A second registration is told which credential the user has already.
    let again = start(&t, &token).await.unwrap();
    assert_eq!(again["excludeCredentials"][0]["id"], credential["id"]);

    let result = passkey_sign_in(&t, CAROL, &mut key).await.unwrap();
    check_tokens(&t, &result, PUBLIC_APP, crate::api_auth::CAROL_SUB).await;
    // Each sign-in moves the counter on; a second one still signs in.
    let result = passkey_sign_in(&t, CAROL, &mut key).await.unwrap();
    assert!(result.access_token().is_some());
}

/// `USER_AUTH` for Carol without a preference: the choices offered, and the session.
async fn offered(sdk: &Client) -> (Vec<ChallengeNameType>, String) {
    let out = sdk
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", CAROL)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    let session = out.session().unwrap().to_string();
    (out.available_challenges().to_vec(), session)
}

#[tokio::test]
async fn select_challenge_offers_web_authn_and_deletion_takes_it_away() {
    let t = passkey_pool().await;
    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    let mut key = SoftPasskey::new(ORIGIN);
    enrol(&t, &token, &mut key).await.unwrap();

    let sdk = unsigned(&t);
    let (choices, session) = offered(&sdk).await;
    assert!(
        choices.contains(&ChallengeNameType::WebAuthn),
        "{choices:?}"
    );
    let picked = sdk
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(session)
        .challenge_responses("USERNAME", CAROL)
        .challenge_responses("ANSWER", "WEB_AUTHN")
        .send()
        .await
        .unwrap();
    assert_eq!(picked.challenge_name(), Some(&ChallengeNameType::WebAuthn));
    let params: &HashMap<String, String> = picked.challenge_parameters().unwrap();
    let request: Value = serde_json::from_str(&params["CREDENTIAL_REQUEST_OPTIONS"]).unwrap();
    assert_eq!(request["rpId"], "localhost");
    assert_eq!(request["userVerification"], "required");
    let listed = unsigned(&t)
        .list_web_authn_credentials()
        .access_token(&token)
        .send()
        .await
        .unwrap();
    let id = listed.credentials()[0].credential_id().to_string();
    assert_eq!(request["allowCredentials"][0]["id"], id.as_str());
    let credential = key.sign(&params["CREDENTIAL_REQUEST_OPTIONS"]).await;
    let session = picked.session().unwrap();
    let result = answer(&sdk, PUBLIC_APP, session, CAROL, &credential)
        .await
        .unwrap();
    assert!(result.id_token().is_some());

    unsigned(&t)
        .delete_web_authn_credential()
        .access_token(&token)
        .credential_id(&id)
        .send()
        .await
        .unwrap();
    let (choices, _) = offered(&sdk).await;
    assert!(
        !choices.contains(&ChallengeNameType::WebAuthn),
        "{choices:?}"
    );
    assert!(!auth_factors(&t, &token)
        .await
        .contains(&AuthFactorType::WebAuthn));
    let gone = unsigned(&t)
        .delete_web_authn_credential()
        .access_token(&token)
        .credential_id(&id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&gone), "ResourceNotFoundException");
}

#[tokio::test]
async fn the_list_pages_and_admin_delete_user_removes_the_passkeys() {
    let dir = std::env::temp_dir().join(format!("userpool-it-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("pool.db");
    let t = spawn_with(crate::api_auth::api_seed(), db.to_str().unwrap()).await;
    configure(&t, "localhost", UserVerificationType::Preferred).await;
    new_user(&t, "dave@example.com").await;
    let token = access_token(&t, PUBLIC_APP, "dave@example.com").await;
    let mut key = SoftPasskey::new(ORIGIN);
    for _ in 0..3 {
        enrol(&t, &token, &mut key).await.unwrap();
    }
    let page = |next: Option<String>| {
        let t = &t;
        let token = token.clone();
        async move {
            unsigned(t)
                .list_web_authn_credentials()
                .access_token(token)
                .max_results(2)
                .set_next_token(next)
                .send()
                .await
                .unwrap()
        }
    };
    let first = page(None).await;
    assert_eq!(first.credentials().len(), 2);
    let second = page(first.next_token().map(str::to_string)).await;
    assert_eq!(second.credentials().len(), 1);
    assert!(second.next_token().is_none());

    let stored = || async {
        let db = sqlx::SqlitePool::connect(&format!("sqlite:{}", db.display()))
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM webauthn_credentials")
            .fetch_one(&db)
            .await
            .unwrap();
        db.close().await;
        n
    };
    assert_eq!(stored().await, 3);
    signed(&t)
        .admin_delete_user()
        .user_pool_id(API_POOL)
        .username("dave@example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(stored().await, 0, "the passkeys went with their user");
    std::fs::remove_dir_all(&dir).ok();
}
