//! The re-check with the user pool (`GetUser`, issue 29), against a real local pool: what no
//! signature can tell — a sign-in ended at the pool or on another instance of the site, a user
//! disabled — refused at the next re-check; the interval kept; machines not asked; a pool that
//! cannot be asked answered with a 503, never let through.

use std::time::Duration;

use axum::routing::get;
use axum::{Extension, Json, Router};
use hallpass::clock::ManualClock;
use hallpass::{AccessToken, AccessTokenVerifier, TokenError};
use serde_json::{json, Value};
use userpool::{
    RunningUserPool, DEMO_CLIENT_ID, DEMO_POOL_ID, DEMO_USER_EMAIL, DEMO_USER_PASSWORD,
};

use crate::support::api::{
    app, machine_token, pool, pool_call, site_sign_in, site_sign_out, user_tokens, BROWSER_APP,
    MACHINE,
};
use crate::support::cognito::KeepTokens;

/// A verifier of another instance: the browser app's, the site's and the machine's tokens,
/// re-checking users every `every`.
fn verifier(pool: &RunningUserPool, every: Duration, clock: ManualClock) -> AccessTokenVerifier {
    AccessTokenVerifier::builder(pool.issuer(DEMO_POOL_ID).as_str())
        .client_id(BROWSER_APP)
        .client_id(DEMO_CLIENT_ID)
        .client_id(MACHINE)
        .recheck_users_every(every)
        .clock(clock)
        .build()
        .expect("a verifier")
}

async fn signed_in(pool: &RunningUserPool) -> (String, String) {
    let user = user_tokens(pool, BROWSER_APP, DEMO_USER_EMAIL, DEMO_USER_PASSWORD).await;
    (
        user["AccessToken"].as_str().expect("signed in").to_string(),
        user["RefreshToken"]
            .as_str()
            .expect("signed in")
            .to_string(),
    )
}

/// `RevokeToken` with the sign-in's refresh token: the pool ends the sign-in.
async fn revoke_at_pool(pool: &RunningUserPool, refresh_token: &str) {
    let body = json!({"Token": refresh_token, "ClientId": BROWSER_APP});
    let (status, reply) = pool_call(pool, "RevokeToken", body, false).await;
    assert_eq!(status, 200, "{reply}");
}

#[tokio::test]
async fn a_sign_in_revoked_at_the_pool_is_refused_at_the_next_recheck_not_before() {
    let pool = pool(None).await;
    let clock = ManualClock::starting_now();
    let checked = verifier(&pool, Duration::from_secs(60), clock.clone());
    let unchecked = AccessTokenVerifier::builder(pool.issuer(DEMO_POOL_ID).as_str())
        .client_id(BROWSER_APP)
        .clock(clock.clone())
        .build()
        .unwrap();
    let (at, rt) = signed_in(&pool).await;
    checked.verify(&at).await.expect("the pool says good");
    unchecked.verify(&at).await.expect("a good token");

    // Someone ends the sign-in at the pool (an app's RevokeToken, another instance's sign-out).
    revoke_at_pool(&pool, &rt).await;
    assert!(
        checked.verify(&at).await.is_ok(),
        "asked under 60 s ago: the earlier answer stands"
    );
    clock.advance(Duration::from_secs(61));
    assert_eq!(
        checked.verify(&at).await.unwrap_err(),
        TokenError::EndedAtPool
    );
    // The answer holds for the sign-in from then on, without asking again.
    assert_eq!(checked.verify(&at).await.unwrap_err(), TokenError::Revoked);
    // Without the re-check the token verifies until it expires: why the option exists.
    assert!(unchecked.verify(&at).await.is_ok());
}

#[tokio::test]
async fn a_global_sign_out_and_a_disabled_user_are_refused() {
    let pool = pool(None).await;
    let checked = verifier(&pool, Duration::ZERO, ManualClock::starting_now());
    let (at, _) = signed_in(&pool).await;
    checked.verify(&at).await.expect("the pool says good");
    let (status, body) = pool_call(&pool, "GlobalSignOut", json!({"AccessToken": at}), false).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        checked.verify(&at).await.unwrap_err(),
        TokenError::EndedAtPool
    );

    let (at, _) = signed_in(&pool).await;
    checked.verify(&at).await.expect("a new sign-in is good");
    let (status, body) = pool_call(
        &pool,
        "AdminDisableUser",
        json!({"UserPoolId": DEMO_POOL_ID, "Username": DEMO_USER_EMAIL}),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        checked.verify(&at).await.unwrap_err(),
        TokenError::EndedAtPool
    );
}

#[tokio::test]
async fn another_instance_refuses_the_token_after_a_sign_out_on_the_site() {
    let pool = pool(None).await;
    let keep = KeepTokens::default();
    let site = app(&pool, keep.clone()).await;
    // An API in another process: its own verifier, which never hears of the site's sign-outs.
    let api = verifier(&pool, Duration::ZERO, ManualClock::starting_now());
    let (mut browser, at) = site_sign_in(&site, &keep).await;
    api.verify(&at).await.expect("the session's token is good");
    // The site's sign-out revokes the refresh token at the pool (RevokeToken), which ends the
    // access tokens of that sign-in there.
    site_sign_out(&site, &mut browser).await;
    assert_eq!(api.verify(&at).await.unwrap_err(), TokenError::EndedAtPool);
}

#[tokio::test]
async fn concurrent_requests_after_a_revocation_leave_the_sign_in_refused() {
    let pool = pool(None).await;
    let clock = ManualClock::starting_now();
    let checked = verifier(&pool, Duration::from_secs(30), clock.clone());
    let (at, rt) = signed_in(&pool).await;
    checked.verify(&at).await.expect("good");
    revoke_at_pool(&pool, &rt).await;
    clock.advance(Duration::from_secs(31));
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (checked, at) = (checked.clone(), at.clone());
        requests.spawn(async move { checked.verify(&at).await });
    }
    let answers = requests.join_all().await;
    // One request asks; the others go on with the earlier answer while it does.
    let ended = answers
        .iter()
        .filter(|a| matches!(a, Err(TokenError::EndedAtPool)))
        .count();
    assert_eq!(ended, 1, "{answers:?}");
    assert!(answers
        .iter()
        .all(|a| a.is_ok() || matches!(a, Err(TokenError::EndedAtPool))));
    assert_eq!(checked.verify(&at).await.unwrap_err(), TokenError::Revoked);
}

async fn me(token: AccessToken) -> Json<Value> {
    Json(json!({ "sub": token.sub(), "machine": token.is_machine() }))
}

/// `GET /api/me` with `token`: the status and `WWW-Authenticate`.
async fn get_me(url: &str, token: &str) -> (u16, Option<String>) {
    let res = reqwest::Client::new()
        .get(format!("{url}/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let www = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string());
    (res.status().as_u16(), www)
}

#[tokio::test]
async fn a_pool_that_cannot_be_asked_gets_a_503_and_machines_are_not_asked() {
    let pool = pool(None).await;
    let checked = verifier(&pool, Duration::ZERO, ManualClock::starting_now());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let api = Router::new()
        .route("/api/me", get(me))
        .layer(Extension(checked));
    tokio::spawn(async move { axum::serve(listener, api).await.unwrap() });

    let (user, _) = signed_in(&pool).await;
    let (_, machine) = machine_token(&pool, MACHINE, None).await;
    let machine = machine["access_token"].as_str().unwrap().to_string();
    assert_eq!(get_me(&url, &user).await, (200, None));
    assert_eq!(get_me(&url, &machine).await, (200, None));

    pool.shutdown().await;
    // Verified before: the machine's token needs no question, the user's does and cannot get one.
    assert_eq!(get_me(&url, &machine).await, (200, None));
    assert_eq!(
        get_me(&url, &user).await,
        (503, None),
        "refused while the pool cannot answer, and not as an invalid token"
    );
}
