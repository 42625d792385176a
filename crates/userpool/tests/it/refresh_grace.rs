//! Issue 25, item 10: refresh-token rotation with a grace period. Within the grace period a
//! rotated-out token answers with the SAME successor each time (as Cognito documents for
//! `GetTokensFromRefreshToken`), so one stolen token cannot fan out into many; presented after
//! the grace period it is a replay, and the whole family (every token of the sign-in, the
//! successor included) is revoked.

use std::time::Duration;

use aws_sdk_cognitoidentityprovider::Client;
use tokio::task::JoinSet;

use crate::api_auth::{password_auth, spawn_api_pool, CAROL};
use crate::sdk::{exception, unsigned};
use crate::*;

/// The seed's client with rotation and a 30-second grace period.
const GRACE_APP: &str = "api0grace0client000000001";

async fn rotate(sdk: &Client, rt: &str) -> Result<String, String> {
    sdk.get_tokens_from_refresh_token()
        .client_id(GRACE_APP)
        .refresh_token(rt)
        .send()
        .await
        .map(|out| {
            out.authentication_result()
                .unwrap()
                .refresh_token()
                .expect("rotation: a refresh token")
                .to_string()
        })
        .map_err(|e| exception(&e))
}

#[tokio::test]
async fn within_the_grace_period_a_rotated_token_gets_the_same_successor() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let signed_in = password_auth(&sdk, GRACE_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let old = signed_in
        .authentication_result()
        .unwrap()
        .refresh_token()
        .unwrap()
        .to_string();
    let first = rotate(&sdk, &old).await.unwrap();
    assert_ne!(first, old);
    for _ in 0..4 {
        assert_eq!(rotate(&sdk, &old).await.unwrap(), first, "one successor");
    }
    // Racing uses too.
    let mut racing = JoinSet::new();
    for _ in 0..5 {
        let (sdk, old) = (sdk.clone(), old.clone());
        racing.spawn(async move { rotate(&sdk, &old).await });
    }
    while let Some(r) = racing.join_next().await {
        assert_eq!(r.unwrap().unwrap(), first);
    }
    // The successor works.
    let next = rotate(&sdk, &first).await.unwrap();
    assert_ne!(next, first);
}

#[tokio::test]
async fn a_rotated_token_reused_after_the_grace_period_revokes_its_family() {
    let t = spawn_api_pool().await;
    let sdk = unsigned(&t);
    let signed_in = password_auth(&sdk, GRACE_APP, CAROL, PASSWORD)
        .await
        .unwrap();
    let result = signed_in.authentication_result().unwrap();
    let old = result.refresh_token().unwrap().to_string();
    let access = result.access_token().unwrap().to_string();
    let successor = rotate(&sdk, &old).await.unwrap();
    t.pool().advance_clock(Duration::from_secs(31));
    assert_eq!(
        rotate(&sdk, &old).await.unwrap_err(),
        "NotAuthorizedException",
        "a replay"
    );
    assert_eq!(
        rotate(&sdk, &successor).await.unwrap_err(),
        "NotAuthorizedException",
        "the successor is revoked with its family"
    );
    let err = sdk
        .get_user()
        .access_token(access)
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");
}
