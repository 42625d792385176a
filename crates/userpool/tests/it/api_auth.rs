//! The JSON API's sign-in through the real AWS SDK: password, SRP (client side by the
//! independent `cognito_srp`), refresh, `USER_AUTH`, challenges and their sessions, client
//! settings (flows, secret hash, user existence errors), and tokens checked against the JWKS.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, AuthenticationResultType, ChallengeNameType,
};
use aws_sdk_cognitoidentityprovider::Client;
use base64::Engine;
use hmac::Mac;

use crate::sdk::{exception, signed, unsigned};
use crate::*;

pub const API_POOL: &str = "us-east-1_ApiAuth";
pub const PUBLIC_APP: &str = "api0public0client00000001";
const SECRET_APP: &str = "api0secret0client00000001";
const SECRET_APP_SECRET: &str = "api0client0secret0000000000000001";
const REVEALING_APP: &str = "api0reveals0users00000001";
const SRP_ONLY_APP: &str = "api0srp0only0client000001";
const ROTATING_APP: &str = "api0rotating0client000001";
const GRACE_APP: &str = "api0grace0client000000001";
const HOSTED_APP: &str = "api0hosted0client00000001";
pub const CAROL: &str = "carol@example.com";
pub const CAROL_SUB: &str = "ca201000-0000-4000-8000-000000000001";

/// The test seed with the JSON API's pool added.
pub fn api_seed() -> Seed {
    let text = format!(
        "{}\n{}",
        include_str!("seed.toml"),
        include_str!("api_seed.toml")
    );
    Seed::from_toml_str(&text).expect("API test seed is valid")
}

pub async fn spawn_api_pool() -> TestPool {
    spawn_with(api_seed(), "sqlite::memory:").await
}

/// `Base64(HMAC-SHA256(secret, username + client_id))`, computed here independently.
fn secret_hash(username: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET_APP_SECRET.as_bytes()).unwrap();
    mac.update(username.as_bytes());
    mac.update(SECRET_APP.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// `USER_PASSWORD_AUTH` through the SDK.
pub async fn password_auth(
    client: &Client,
    app: &str,
    username: &str,
    password: &str,
) -> Result<
    aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
    aws_sdk_cognitoidentityprovider::error::SdkError<
        aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError,
    >,
> {
    client
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", username)
        .auth_parameters("PASSWORD", password)
        .send()
        .await
}

/// A full `USER_SRP_AUTH` sign-in; the client's side is `cognito_srp`'s.
pub async fn srp_sign_in(
    client: &Client,
    app: &str,
    secret: Option<&str>,
    username: &str,
    password: &str,
) -> Result<AuthenticationResultType, String> {
    let srp = cognito_srp::SrpClient::new(username, password, API_POOL, app, secret);
    let mut init = client
        .initiate_auth()
        .client_id(app)
        .auth_flow(AuthFlowType::UserSrpAuth);
    for (k, v) in srp.get_auth_params().unwrap() {
        init = init.auth_parameters(k, v);
    }
    let started = init.send().await.map_err(|e| exception(&e))?;
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::PasswordVerifier)
    );
    let params: HashMap<String, String> = started.challenge_parameters().unwrap().clone();
    for p in ["SRP_B", "SALT", "SECRET_BLOCK", "USER_ID_FOR_SRP"] {
        assert!(params.contains_key(p), "{p} in the challenge");
    }
    let answer = srp.process_challenge(params).unwrap();
    let mut respond = client
        .respond_to_auth_challenge()
        .client_id(app)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .session(started.session().unwrap());
    for (k, v) in answer {
        respond = respond.challenge_responses(k, v);
    }
    let done = respond.send().await.map_err(|e| exception(&e))?;
    // A further challenge (MFA) instead of tokens is an `Err` naming it.
    done.authentication_result()
        .cloned()
        .ok_or_else(|| format!("challenge {:?}", done.challenge_name()))
}

/// Checks tokens as the OAuth tests do: signature by the JWKS, issuer, `token_use`, the
/// sign-in's `origin_jti`/`event_id` shared, groups, and the ID token's audience.
pub async fn check_tokens(t: &TestPool, r: &AuthenticationResultType, app: &str, sub: &str) {
    assert_eq!(r.token_type(), Some("Bearer"));
    assert!(r.expires_in() > 0);
    let access = t.verify(API_POOL, r.access_token().unwrap()).await;
    let id = t.verify(API_POOL, r.id_token().unwrap()).await;
    assert_eq!(access["token_use"], "access");
    assert_eq!(id["token_use"], "id");
    assert_eq!(access["sub"], sub);
    assert_eq!(id["sub"], sub);
    assert_eq!(access["client_id"], app);
    assert_eq!(id["aud"], app);
    assert_eq!(access["origin_jti"], id["origin_jti"]);
    assert_eq!(access["event_id"], id["event_id"]);
    assert!(access["scope"]
        .as_str()
        .unwrap()
        .contains("aws.cognito.signin.user.admin"));
    assert!(r.refresh_token().is_some_and(|rt| !rt.is_empty()));
}

#[tokio::test]
async fn srp_sign_in_by_an_independent_client_and_wrong_passwords() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let tokens = srp_sign_in(&sdk, PUBLIC_APP, None, CAROL, PASSWORD)
        .await
        .expect("SRP sign-in");
    check_tokens(&t, &tokens, PUBLIC_APP, CAROL_SUB).await;
    let id = claims(tokens.id_token().unwrap());
    assert_eq!(id["cognito:groups"], serde_json::json!(["readers"]));
    assert_eq!(id["email"], CAROL);

    // A client with a secret: cognito_srp adds SECRET_HASH to both steps.
    let tokens = srp_sign_in(&sdk, SECRET_APP, Some(SECRET_APP_SECRET), CAROL, PASSWORD)
        .await
        .expect("SRP sign-in with a secret");
    check_tokens(&t, &tokens, SECRET_APP, CAROL_SUB).await;

    // A wrong password over SRP is refused, and counts towards the lockout.
    let wrong = srp_sign_in(&sdk, PUBLIC_APP, None, CAROL, "Wr0ng!pass").await;
    assert_eq!(wrong.unwrap_err(), "NotAuthorizedException");
    for _ in 1..userpool::LOCKOUT_AFTER {
        let wrong = srp_sign_in(&sdk, PUBLIC_APP, None, CAROL, "Wr0ng!pass").await;
        assert_eq!(wrong.unwrap_err(), "NotAuthorizedException");
    }
    let err = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .expect_err("locked out after wrong SRP answers");
    assert_eq!(exception(&err), "NotAuthorizedException");
    assert_eq!(
        err.as_service_error().unwrap().meta().message(),
        Some("Password attempts exceeded")
    );

    // An unknown user gets a challenge too, then the same refusal as a wrong password.
    let unknown = srp_sign_in(&sdk, PUBLIC_APP, None, "nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.unwrap_err(), "NotAuthorizedException");
}

#[tokio::test]
async fn password_auth_right_wrong_and_user_existence() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let ok = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    check_tokens(
        &t,
        ok.authentication_result().unwrap(),
        PUBLIC_APP,
        CAROL_SUB,
    )
    .await;
    // The sub works as the username too (Cognito's username for an email pool).
    password_auth(&sdk, PUBLIC_APP, CAROL_SUB, PASSWORD)
        .await
        .expect("sign-in by sub");

    let wrong = password_auth(&sdk, PUBLIC_APP, CAROL, "Wr0ng!pass")
        .await
        .unwrap_err();
    assert_eq!(exception(&wrong), "NotAuthorizedException");
    let msg = |e: &aws_sdk_cognitoidentityprovider::error::SdkError<_>| {
        e.as_service_error().and_then(
            |s: &aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthError| {
                s.meta().message().map(str::to_string)
            },
        )
    };
    assert_eq!(
        msg(&wrong).as_deref(),
        Some("Incorrect username or password.")
    );
    // PreventUserExistenceErrors on (the default): an unknown user reads the same.
    let unknown = password_auth(&sdk, PUBLIC_APP, "nobody@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&unknown), "NotAuthorizedException");
    assert_eq!(msg(&unknown), msg(&wrong));
    // Off: the client is told.
    let unknown = password_auth(&sdk, REVEALING_APP, "nobody@example.com", PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&unknown), "UserNotFoundException");
    let wrong = password_auth(&sdk, REVEALING_APP, CAROL, "Wr0ng!pass")
        .await
        .unwrap_err();
    assert_eq!(exception(&wrong), "NotAuthorizedException");
    // Unconfirmed users are told so after a right password.
    let bob = password_auth(&sdk, PUBLIC_APP, "bob@example.com", PASSWORD).await;
    assert_eq!(
        exception(&bob.unwrap_err()),
        "NotAuthorizedException",
        "bob is in another pool"
    );

    // A flow the client does not allow, in Cognito's words.
    let refused = password_auth(&sdk, SRP_ONLY_APP, CAROL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&refused), "InvalidParameterException");
    assert_eq!(
        msg(&refused).as_deref(),
        Some("USER_PASSWORD_AUTH flow not enabled for this client")
    );
    // An unknown client, and a missing parameter.
    let err = password_auth(&sdk, "no0such0client", CAROL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
    let err = sdk
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", CAROL)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
}

#[tokio::test]
async fn secret_hash_missing_wrong_and_right() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let missing = password_auth(&sdk, SECRET_APP, CAROL, PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(exception(&missing), "NotAuthorizedException");
    let with_hash = |hash: String| {
        sdk.initiate_auth()
            .client_id(SECRET_APP)
            .auth_flow(AuthFlowType::UserPasswordAuth)
            .auth_parameters("USERNAME", CAROL)
            .auth_parameters("PASSWORD", PASSWORD)
            .auth_parameters("SECRET_HASH", hash)
            .send()
    };
    let wrong = with_hash(secret_hash("someone@example.com"))
        .await
        .unwrap_err();
    assert_eq!(exception(&wrong), "NotAuthorizedException");
    let ok = with_hash(secret_hash(CAROL))
        .await
        .expect("right SECRET_HASH");
    let tokens = ok.authentication_result().unwrap();
    check_tokens(&t, tokens, SECRET_APP, CAROL_SUB).await;

    // REFRESH_TOKEN_AUTH checks it too (over the user's sub, as SDKs compute it).
    let refresh = |hash: Option<String>| {
        let mut r = sdk
            .initiate_auth()
            .client_id(SECRET_APP)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", tokens.refresh_token().unwrap());
        if let Some(h) = hash {
            r = r.auth_parameters("SECRET_HASH", h);
        }
        r.send()
    };
    assert_eq!(
        exception(&refresh(None).await.unwrap_err()),
        "NotAuthorizedException"
    );
    assert_eq!(
        exception(&refresh(Some(secret_hash("x"))).await.unwrap_err()),
        "NotAuthorizedException"
    );
    let again = refresh(Some(secret_hash(CAROL_SUB)))
        .await
        .expect("refresh");
    assert!(again
        .authentication_result()
        .unwrap()
        .access_token()
        .is_some());

    // GetTokensFromRefreshToken takes the secret itself.
    let err = sdk
        .get_tokens_from_refresh_token()
        .client_id(SECRET_APP)
        .refresh_token(tokens.refresh_token().unwrap())
        // Wrong, and of a secret's size (24 to 64 characters, as AWS's model says).
        .client_secret("wrong0secret0of0a0secrets0size")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    sdk.get_tokens_from_refresh_token()
        .client_id(SECRET_APP)
        .refresh_token(tokens.refresh_token().unwrap())
        .client_secret(SECRET_APP_SECRET)
        .send()
        .await
        .expect("right secret");
}

#[tokio::test]
async fn refresh_with_and_without_rotation() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let first = password_auth(&sdk, PUBLIC_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let first = first.authentication_result().unwrap();
    let rt = first.refresh_token().unwrap();
    // Without rotation: new access and ID tokens of the same sign-in, no new refresh token,
    // and the refresh token keeps working.
    for _ in 0..2 {
        let r = sdk
            .initiate_auth()
            .client_id(PUBLIC_APP)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", rt)
            .send()
            .await
            .expect("refresh");
        let r = r.authentication_result().unwrap();
        assert!(r.refresh_token().is_none());
        let access = t.verify(API_POOL, r.access_token().unwrap()).await;
        assert_eq!(
            access["origin_jti"],
            claims(first.access_token().unwrap())["origin_jti"]
        );
    }
    // A refresh token is for its own client only.
    let err = sdk
        .get_tokens_from_refresh_token()
        .client_id(ROTATING_APP)
        .refresh_token(rt)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");

    // With rotation: each refresh returns a new refresh token; the old one then fails.
    let signed_in = password_auth(&sdk, ROTATING_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let old = signed_in
        .authentication_result()
        .unwrap()
        .refresh_token()
        .unwrap()
        .to_string();
    let rotated = sdk
        .get_tokens_from_refresh_token()
        .client_id(ROTATING_APP)
        .refresh_token(&old)
        .send()
        .await
        .expect("rotation");
    let new = rotated
        .authentication_result()
        .unwrap()
        .refresh_token()
        .unwrap()
        .to_string();
    assert_ne!(new, old);
    let newer = sdk
        .get_tokens_from_refresh_token()
        .client_id(ROTATING_APP)
        .refresh_token(&new)
        .send()
        .await
        .expect("the new one works");
    let replay = sdk
        .get_tokens_from_refresh_token()
        .client_id(ROTATING_APP)
        .refresh_token(&old)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&replay), "NotAuthorizedException");
    // The replay ended the sign-in: its newest refresh token is refused too.
    let newest = newer
        .authentication_result()
        .unwrap()
        .refresh_token()
        .unwrap();
    let err = sdk
        .get_tokens_from_refresh_token()
        .client_id(ROTATING_APP)
        .refresh_token(newest)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");

    // With a grace period: the old token works again within it, not after.
    let signed_in = password_auth(&sdk, GRACE_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let old = signed_in
        .authentication_result()
        .unwrap()
        .refresh_token()
        .unwrap()
        .to_string();
    let refresh_old = || {
        sdk.get_tokens_from_refresh_token()
            .client_id(GRACE_APP)
            .refresh_token(&old)
            .send()
    };
    refresh_old().await.expect("first rotation");
    refresh_old().await.expect("again within the grace period");
    t.pool().advance_clock(Duration::from_secs(31));
    assert_eq!(
        exception(&refresh_old().await.unwrap_err()),
        "NotAuthorizedException"
    );
}

#[tokio::test]
async fn challenge_sessions_are_single_use_short_lived_and_bound() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    // NEW_PASSWORD_REQUIRED for a temporary password.
    let started = password_auth(&sdk, PUBLIC_APP, "temp@example.com", "Temp0rary!")
        .await
        .unwrap();
    assert_eq!(
        started.challenge_name(),
        Some(&ChallengeNameType::NewPasswordRequired)
    );
    let session = started.session().unwrap().to_string();
    let respond = |session: String, password: &'static str, app: &'static str| {
        sdk.respond_to_auth_challenge()
            .client_id(app)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", "temp@example.com")
            .challenge_responses("NEW_PASSWORD", password)
            .send()
    };
    // Bound to its client: another client's answer is refused (and uses the session up).
    let err = respond(session.clone(), "N3w!password", SECRET_APP)
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
    let err = respond(session, "N3w!password", PUBLIC_APP)
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException", "used up");
    // The temporary password still stands: nothing changed.
    let started = password_auth(&sdk, PUBLIC_APP, "temp@example.com", "Temp0rary!")
        .await
        .unwrap();
    let session = started.session().unwrap().to_string();
    let weak = respond(session, "weak", PUBLIC_APP).await.unwrap_err();
    assert_eq!(exception(&weak), "InvalidPasswordException");
    let started = password_auth(&sdk, PUBLIC_APP, "temp@example.com", "Temp0rary!")
        .await
        .unwrap();
    let session = started.session().unwrap().to_string();
    let done = respond(session.clone(), "N3w!password", PUBLIC_APP)
        .await
        .expect("new password");
    let result = done.authentication_result().unwrap();
    let sub = claims(result.access_token().unwrap())["sub"].clone();
    check_tokens(&t, result, PUBLIC_APP, sub.as_str().unwrap()).await;
    // Replayed: refused.
    let replay = respond(session, "An0ther!pass", PUBLIC_APP)
        .await
        .unwrap_err();
    assert_eq!(exception(&replay), "NotAuthorizedException");
    assert_eq!(
        replay.as_service_error().unwrap().meta().message(),
        Some("Invalid session for the user, session is expired.")
    );
    // The new password works over SRP too (its verifier was stored with it).
    srp_sign_in(&sdk, PUBLIC_APP, None, "temp@example.com", "N3w!password")
        .await
        .expect("SRP with the new password");

    // Expired after three minutes.
    let srp = cognito_srp::SrpClient::new(CAROL, PASSWORD, API_POOL, PUBLIC_APP, None);
    let mut init = sdk
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserSrpAuth);
    for (k, v) in srp.get_auth_params().unwrap() {
        init = init.auth_parameters(k, v);
    }
    let started = init.send().await.unwrap();
    t.pool().advance_clock(Duration::from_secs(181));
    let answer = srp
        .process_challenge(started.challenge_parameters().unwrap().clone())
        .unwrap();
    let mut respond = sdk
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::PasswordVerifier)
        .session(started.session().unwrap());
    for (k, v) in answer {
        respond = respond.challenge_responses(k, v);
    }
    let err = respond.send().await.unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
}

#[tokio::test]
async fn user_auth_select_challenge_and_preferred_challenge() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let started = sdk
        .initiate_auth()
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
    let offered: Vec<String> = started
        .available_challenges()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    assert!(
        offered.contains(&"PASSWORD".to_string()) && offered.contains(&"PASSWORD_SRP".to_string()),
        "{offered:?}"
    );
    let done = sdk
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(started.session().unwrap())
        .challenge_responses("USERNAME", CAROL)
        .challenge_responses("ANSWER", "PASSWORD")
        .challenge_responses("PASSWORD", PASSWORD)
        .send()
        .await
        .expect("password chosen");
    check_tokens(
        &t,
        done.authentication_result().unwrap(),
        PUBLIC_APP,
        CAROL_SUB,
    )
    .await;

    // PREFERRED_CHALLENGE=PASSWORD: straight to tokens, or a refusal.
    let with = |password: &'static str| {
        sdk.initiate_auth()
            .client_id(PUBLIC_APP)
            .auth_flow(AuthFlowType::UserAuth)
            .auth_parameters("USERNAME", CAROL)
            .auth_parameters("PREFERRED_CHALLENGE", "PASSWORD")
            .auth_parameters("PASSWORD", password)
            .send()
    };
    assert!(with(PASSWORD)
        .await
        .unwrap()
        .authentication_result()
        .is_some());
    assert_eq!(
        exception(&with("Wr0ng!pass").await.unwrap_err()),
        "NotAuthorizedException"
    );
    // A client without USER_AUTH.
    let err = sdk
        .initiate_auth()
        .client_id(SRP_ONLY_APP)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", CAROL)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
}

#[tokio::test]
async fn admin_initiate_auth_needs_a_signature() {
    let t = spawn_api_pool().await;
    let call = |c: Client| async move {
        c.admin_initiate_auth()
            .user_pool_id(API_POOL)
            .client_id(PUBLIC_APP)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", CAROL)
            .auth_parameters("PASSWORD", PASSWORD)
            .send()
            .await
    };
    let ok = call(signed(&t)).await.expect("signed admin sign-in");
    check_tokens(
        &t,
        ok.authentication_result().unwrap(),
        PUBLIC_APP,
        CAROL_SUB,
    )
    .await;
    // Unsigned (the SDK will not send an admin call without credentials, so by hand).
    let resp = t
        .http
        .post(t.url("/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.AdminInitiateAuth",
        )
        .body(
            serde_json::json!({
                "UserPoolId": API_POOL, "ClientId": PUBLIC_APP,
                "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                "AuthParameters": {"USERNAME": CAROL, "PASSWORD": PASSWORD},
            })
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.headers()["x-amzn-errortype"],
        "MissingAuthenticationTokenException"
    );
    // The client must be of the pool named.
    let err = signed(&t)
        .admin_initiate_auth()
        .user_pool_id(POOL)
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::AdminUserPasswordAuth)
        .auth_parameters("USERNAME", CAROL)
        .auth_parameters("PASSWORD", PASSWORD)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn a_user_signed_up_on_the_hosted_ui_signs_in_through_the_sdk() {
    let t = spawn_api_pool().await;
    let oauth = [
        ("response_type", "code"),
        ("client_id", HOSTED_APP),
        ("redirect_uri", CB),
        ("scope", "openid email"),
    ];
    let post = |path: &'static str, fields: Vec<(&'static str, String)>| {
        let mut form: Vec<(&str, String)> =
            oauth.iter().map(|(k, v)| (*k, v.to_string())).collect();
        form.extend(fields);
        let t = &t;
        async move { Ok::<_, ()>(t.post_form(path, &form).await) }
    };
    let r = post(
        "/signup",
        vec![
            ("username", "dave@example.com".into()),
            ("password", "Str0ng!pass".into()),
        ],
    )
    .await
    .unwrap();
    assert_eq!(location(&r).path(), "/confirmUser");
    let code = t.pool().latest_code("dave@example.com").await.unwrap();
    let r = post(
        "/confirmUser",
        vec![("username", "dave@example.com".into()), ("code", code)],
    )
    .await
    .unwrap();
    assert!(location(&r).as_str().starts_with(CB));

    let sdk = unsigned(&t);
    let tokens = srp_sign_in(&sdk, HOSTED_APP, None, "dave@example.com", "Str0ng!pass")
        .await
        .expect("hosted-UI user over SRP");
    let sub = claims(tokens.access_token().unwrap())["sub"]
        .as_str()
        .unwrap()
        .to_string();
    check_tokens(&t, &tokens, HOSTED_APP, &sub).await;
    password_auth(&sdk, HOSTED_APP, "dave@example.com", "Str0ng!pass")
        .await
        .expect("and by password");
}
