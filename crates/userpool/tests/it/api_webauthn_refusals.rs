//! What the pool refuses around passkeys, each through the real AWS SDK and a real
//! authenticator (1Password's): a pool without a relying party, registrations from another
//! origin or for another RP ID, a reused or another client's registration challenge, an
//! authenticator that cannot verify its user where the pool requires it; at sign-in a client
//! without `ALLOW_USER_AUTH`, a replayed assertion, a tampered signature, an assertion relayed
//! from another origin, another user's passkey, and a cloned authenticator's counter.

use aws_sdk_cognitoidentityprovider::types::{
    AuthFlowType, ChallengeNameType, UserVerificationType,
};
use serde_json::{json, Value};

use crate::api_auth::{spawn_api_pool, CAROL, PUBLIC_APP};
use crate::api_webauthn::{
    access_token, answer, complete, configure, enrol, new_user, passkey_pool, passkey_sign_in,
    start, web_authn_challenge, ORIGIN,
};
use crate::passkeys::SoftPasskey;
use crate::sdk::{exception, unsigned};

/// A client of the API pool whose flows leave out `ALLOW_USER_AUTH`.
const SRP_ONLY_APP: &str = "api0srp0only0client000001";
/// Another client of the API pool (with every flow).
const OTHER_APP: &str = "api0reveals0users00000001";

#[tokio::test]
async fn a_pool_without_a_relying_party_offers_no_passkeys() {
    let t = spawn_api_pool().await;
    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    assert_eq!(
        start(&t, &token).await.unwrap_err(),
        "WebAuthnConfigurationMissingException"
    );
    // `USER_AUTH` neither offers nor gives `WEB_AUTHN`: the preference falls back to the choice.
    let out = unsigned(&t)
        .initiate_auth()
        .client_id(PUBLIC_APP)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", CAROL)
        .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.challenge_name(),
        Some(&ChallengeNameType::SelectChallenge)
    );
    assert!(!out
        .available_challenges()
        .contains(&ChallengeNameType::WebAuthn));
    // Nor does an answer to `SELECT_CHALLENGE` get it.
    let picked = unsigned(&t)
        .respond_to_auth_challenge()
        .client_id(PUBLIC_APP)
        .challenge_name(ChallengeNameType::SelectChallenge)
        .session(out.session().unwrap())
        .challenge_responses("USERNAME", CAROL)
        .challenge_responses("ANSWER", "WEB_AUTHN")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&picked), "InvalidParameterException");
    // A relying party that is not a domain name is refused.
    let bad = crate::sdk::signed(&t)
        .set_user_pool_mfa_config()
        .user_pool_id(crate::api_auth::API_POOL)
        .web_authn_configuration(
            aws_sdk_cognitoidentityprovider::types::WebAuthnConfigurationType::builder()
                .relying_party_id("https://example.com")
                .build(),
        )
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&bad), "InvalidParameterException");
}

#[tokio::test]
async fn registrations_from_elsewhere_or_reused_are_refused() {
    let t = spawn_api_pool().await;
    configure(&t, "example.com", UserVerificationType::Preferred).await;
    let token = access_token(&t, PUBLIC_APP, CAROL).await;

    // A page of another site, asking for its own RP ID.
    let options = start(&t, &token).await.unwrap();
    let mut evil = SoftPasskey::new("https://evil.test");
    let credential = evil.register(&options, Some("evil.test")).await;
    assert_eq!(
        complete(&t, &token, &credential).await.unwrap_err(),
        "WebAuthnOriginNotAllowedException"
    );
    // A subdomain's page is an allowed origin, but the credential it made is scoped to the
    // subdomain, not to the pool's RP ID.
    let options = start(&t, &token).await.unwrap();
    let mut sub = SoftPasskey::new("https://login.example.com");
    let credential = sub.register(&options, Some("login.example.com")).await;
    assert_eq!(
        complete(&t, &token, &credential).await.unwrap_err(),
        "WebAuthnRelyingPartyMismatchException"
    );
    // The right page, twice with one challenge: the second finds it used.
    let options = start(&t, &token).await.unwrap();
    let mut key = SoftPasskey::new("https://login.example.com");
    let credential = key.register(&options, None).await;
    complete(&t, &token, &credential).await.unwrap();
    assert_eq!(
        complete(&t, &token, &credential).await.unwrap_err(),
        "WebAuthnChallengeNotFoundException"
    );
    // Started by one app client, completed with another's token.
    let options = start(&t, &token).await.unwrap();
    let credential = key.register(&options, None).await;
    let other = access_token(&t, OTHER_APP, CAROL).await;
    assert_eq!(
        complete(&t, &other, &credential).await.unwrap_err(),
        "WebAuthnClientMismatchException"
    );
    // Not a registration response at all, and a bad access token.
    assert_eq!(
        complete(&t, &token, &json!({ "id": "x" }))
            .await
            .unwrap_err(),
        "InvalidParameterException"
    );
    assert_eq!(
        start(&t, "not-a-token").await.unwrap_err(),
        "NotAuthorizedException"
    );
}

#[tokio::test]
async fn an_authenticator_without_user_verification_is_refused_where_required() {
    // Started while the pool only preferred verification (an authenticator that cannot verify
    // refuses options that require it), completed once the pool requires it.
    let t = spawn_api_pool().await;
    configure(&t, "localhost", UserVerificationType::Preferred).await;
    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    let options = start(&t, &token).await.unwrap();
    configure(&t, "localhost", UserVerificationType::Required).await;
    let mut key = SoftPasskey::without_verification(ORIGIN);
    let credential = key.register(&options, None).await;
    assert_eq!(
        complete(&t, &token, &credential).await.unwrap_err(),
        "WebAuthnCredentialNotSupportedException"
    );
}

#[tokio::test]
async fn a_client_without_user_auth_gets_cognitos_error() {
    let t = passkey_pool().await;
    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    enrol(&t, &token, &mut SoftPasskey::new(ORIGIN))
        .await
        .unwrap();
    let err = unsigned(&t)
        .initiate_auth()
        .client_id(SRP_ONLY_APP)
        .auth_flow(AuthFlowType::UserAuth)
        .auth_parameters("USERNAME", CAROL)
        .auth_parameters("PREFERRED_CHALLENGE", "WEB_AUTHN")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "InvalidParameterException");
    assert!(format!("{err:?}").contains("USER_AUTH flow not enabled for this client"));
}

#[tokio::test]
async fn replayed_and_tampered_assertions_are_refused() {
    let t = passkey_pool().await;
    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    let mut key = SoftPasskey::new(ORIGIN);
    enrol(&t, &token, &mut key).await.unwrap();
    let sdk = unsigned(&t);

    let (session, options) = web_authn_challenge(&sdk, PUBLIC_APP, CAROL).await.unwrap();
    let credential = key.sign(&options).await;
    answer(&sdk, PUBLIC_APP, &session, CAROL, &credential)
        .await
        .unwrap();
    // The same answer again: the session is used.
    assert_eq!(
        answer(&sdk, PUBLIC_APP, &session, CAROL, &credential)
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );
    // The same assertion on a new session: another challenge.
    let (session, _) = web_authn_challenge(&sdk, PUBLIC_APP, CAROL).await.unwrap();
    assert_eq!(
        answer(&sdk, PUBLIC_APP, &session, CAROL, &credential)
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );

    // A signature with one bit changed.
    let (session, options) = web_authn_challenge(&sdk, PUBLIC_APP, CAROL).await.unwrap();
    let mut signed: Value = serde_json::from_str(&key.sign(&options).await).unwrap();
    let sig = signed["response"]["signature"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bytes =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &sig).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    signed["response"]["signature"] = json!(base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        bytes
    ));
    assert_eq!(
        answer(&sdk, PUBLIC_APP, &session, CAROL, &signed.to_string())
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );
    // Garbage is a malformed answer, not a server error.
    let (session, _) = web_authn_challenge(&sdk, PUBLIC_APP, CAROL).await.unwrap();
    assert_eq!(
        answer(&sdk, PUBLIC_APP, &session, CAROL, "{not json")
            .await
            .unwrap_err(),
        "InvalidParameterException"
    );
    // After all that, the passkey still signs in.
    passkey_sign_in(&t, CAROL, &mut key).await.unwrap();
}

#[tokio::test]
async fn an_assertion_relayed_from_another_origin_is_refused() {
    let t = passkey_pool().await;
    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    let mut key = SoftPasskey::new(ORIGIN);
    enrol(&t, &token, &mut key).await.unwrap();
    let sdk = unsigned(&t);
    let (session, options) = web_authn_challenge(&sdk, PUBLIC_APP, CAROL).await.unwrap();
    let challenge = serde_json::from_str::<Value>(&options).unwrap()["challenge"].clone();
    // A phishing page relays the real challenge: the authenticator signs for the right RP ID,
    // but the browser's client data names the page's origin.
    let client_data = json!({
        "type": "webauthn.get",
        "challenge": challenge,
        "origin": "https://evil.test",
        "crossOrigin": false,
    })
    .to_string();
    let relayed = key.sign_client_data(&options, &client_data).await;
    assert_eq!(
        answer(&sdk, PUBLIC_APP, &session, CAROL, &relayed)
            .await
            .unwrap_err(),
        "NotAuthorizedException"
    );
    // The same construction with the real origin signs in: the refusal was the origin's.
    let (session, options) = web_authn_challenge(&sdk, PUBLIC_APP, CAROL).await.unwrap();
    let challenge = serde_json::from_str::<Value>(&options).unwrap()["challenge"].clone();
    let client_data = json!({
        "type": "webauthn.get",
        "challenge": challenge,
        "origin": ORIGIN,
        "crossOrigin": false,
    })
    .to_string();
    let genuine = key.sign_client_data(&options, &client_data).await;
    answer(&sdk, PUBLIC_APP, &session, CAROL, &genuine)
        .await
        .unwrap();
}

#[tokio::test]
async fn another_users_passkey_and_a_cloned_counter_are_refused() {
    let t = passkey_pool().await;
    new_user(&t, "dave@example.com").await;
    let carol_token = access_token(&t, PUBLIC_APP, CAROL).await;
    let dave_token = access_token(&t, PUBLIC_APP, "dave@example.com").await;
    let mut carols = SoftPasskey::new(ORIGIN);
    let mut daves = SoftPasskey::new(ORIGIN);
    enrol(&t, &carol_token, &mut carols).await.unwrap();
    enrol(&t, &dave_token, &mut daves).await.unwrap();
    let sdk = unsigned(&t);

    // Dave's sign-in answered with Carol's passkey (her authenticator signs Dave's challenge).
    let (session, options) = web_authn_challenge(&sdk, PUBLIC_APP, "dave@example.com")
        .await
        .unwrap();
    let carols_id = unsigned(&t)
        .list_web_authn_credentials()
        .access_token(&carol_token)
        .send()
        .await
        .unwrap()
        .credentials()[0]
        .credential_id()
        .to_string();
    let mut request: Value = serde_json::from_str(&options).unwrap();
    request["allowCredentials"] = json!([{ "id": carols_id, "type": "public-key" }]);
    let carols_answer = carols.sign(&request.to_string()).await;
    assert_eq!(
        answer(
            &sdk,
            PUBLIC_APP,
            &session,
            "dave@example.com",
            &carols_answer
        )
        .await
        .unwrap_err(),
        "NotAuthorizedException"
    );

    // A copy of Carol's authenticator, taken before her next sign-in, repeats a counter.
    let mut clone = carols.at(ORIGIN);
    passkey_sign_in(&t, CAROL, &mut carols).await.unwrap();
    assert_eq!(
        passkey_sign_in(&t, CAROL, &mut clone).await.unwrap_err(),
        "NotAuthorizedException"
    );
    // The genuine one goes on.
    passkey_sign_in(&t, CAROL, &mut carols).await.unwrap();
}
