//! The passkey lockout attacked (issue 30's limit): refused passkey answers count towards the
//! user's lockout like wrong passwords, also when they arrive at once from several addresses; the
//! lock holds against the real passkey from yet another address, and ends after 15 minutes.

use serde_json::{json, Value};

use crate::api_auth::{CAROL, PUBLIC_APP};
use crate::api_webauthn::{access_token, enrol, passkey_pool, passkey_sign_in, ORIGIN};
use crate::passkeys::SoftPasskey;
use crate::TestPool;

/// A client of the pool's JSON API connecting from `ip` (loopback has 127.0.0.2, 127.0.0.3, …).
fn from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(Some(ip.parse().unwrap()))
        .build()
        .unwrap()
}

/// `operation` with `body`: the status and the reply.
async fn call(
    t: &TestPool,
    client: &reqwest::Client,
    operation: &str,
    body: Value,
) -> (u16, Value) {
    let res = client
        .post(format!("http://{}/", t.running.local_addr()))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// `USER_AUTH` preferring `WEB_AUTHN`: the session and the request options.
async fn challenge(t: &TestPool, client: &reqwest::Client) -> (String, String) {
    let (status, reply) = call(
        t,
        client,
        "InitiateAuth",
        json!({"AuthFlow": "USER_AUTH", "ClientId": PUBLIC_APP,
               "AuthParameters": {"USERNAME": CAROL, "PREFERRED_CHALLENGE": "WEB_AUTHN"}}),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    (
        reply["Session"].as_str().unwrap().to_string(),
        reply["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

async fn answer(
    t: &TestPool,
    client: &reqwest::Client,
    session: &str,
    credential: &str,
) -> (u16, Value) {
    call(
        t,
        client,
        "RespondToAuthChallenge",
        json!({"ClientId": PUBLIC_APP, "ChallengeName": "WEB_AUTHN", "Session": session,
               "ChallengeResponses": {"USERNAME": CAROL, "CREDENTIAL": credential}}),
    )
    .await
}

/// `credential` with one bit of its signature changed.
fn tampered(credential: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;
    let mut c: Value = serde_json::from_str(credential).unwrap();
    let mut sig = URL_SAFE_NO_PAD
        .decode(c["response"]["signature"].as_str().unwrap())
        .unwrap();
    let mid = sig.len() / 2;
    sig[mid] ^= 1;
    c["response"]["signature"] = json!(URL_SAFE_NO_PAD.encode(sig));
    c.to_string()
}

#[tokio::test]
async fn tampered_answers_from_several_addresses_at_once_lock_the_user() {
    let t = passkey_pool().await;
    let token = access_token(&t, PUBLIC_APP, CAROL).await;
    let mut key = SoftPasskey::new(ORIGIN);
    enrol(&t, &token, &mut key).await.unwrap();

    // Nine sign-ins started from three addresses, each answered with a forged signature, at once.
    let mut forged = Vec::new();
    for ip in ["127.0.0.2", "127.0.0.3", "127.0.0.4"].repeat(3) {
        let client = from(ip);
        let (session, options) = challenge(&t, &client).await;
        let credential = tampered(&key.sign(&options).await);
        forged.push((client, session, credential));
    }
    let replies = futures_util::future::join_all(
        forged
            .iter()
            .map(|(client, session, credential)| answer(&t, client, session, credential)),
    )
    .await;
    for (status, reply) in &replies {
        assert_eq!(
            (*status, reply["__type"].as_str()),
            (400, Some("NotAuthorizedException")),
            "{reply}"
        );
    }
    let locked = replies
        .iter()
        .filter(|(_, r)| r["message"] == "Password attempts exceeded")
        .count();
    // Nine failures counted, none lost to the race: the fifth locks, and the four after it find
    // the user locked (the first four are plain refusals).
    assert_eq!(locked, 5, "{replies:?}");

    // The real passkey, from a fourth address: refused while the lock lasts.
    let client = from("127.0.0.5");
    let (session, options) = challenge(&t, &client).await;
    let (status, reply) = answer(&t, &client, &session, &key.sign(&options).await).await;
    assert_eq!(
        (status, reply["message"].as_str()),
        (400, Some("Password attempts exceeded")),
        "{reply}"
    );
    // Fifteen minutes later the passkey signs in again.
    t.pool()
        .advance_clock(std::time::Duration::from_secs(15 * 60 + 1));
    passkey_sign_in(&t, CAROL, &mut key)
        .await
        .expect("the lock has ended");
}
