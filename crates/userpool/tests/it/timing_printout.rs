//! Issue 25, item 11: not a test of timing (nothing here asserts a duration), a printout to
//! compare by eye: the median time of `ForgotPassword` for a known and an unknown address.
//! Run with `cargo test -p userpool --test it timing_printout -- --ignored --nocapture`.

use std::time::{Duration, Instant};

use crate::sdk::unsigned;
use crate::*;

async fn median_of(t: &TestPool, username: &str, calls: usize) -> Duration {
    let sdk = unsigned(t);
    let mut times = Vec::with_capacity(calls);
    for _ in 0..calls {
        // The per-user send limit would answer early: move past it before each call.
        t.pool().advance_clock(Duration::from_secs(15 * 60 + 1));
        let start = Instant::now();
        sdk.forgot_password()
            .client_id(PUBLIC)
            .username(username)
            .send()
            .await
            .unwrap();
        times.push(start.elapsed());
    }
    times.sort();
    times[calls / 2]
}

#[tokio::test]
#[ignore = "a printout for issue 25 item 11; run by hand"]
async fn forgot_password_timing_printout() {
    let t = spawn_pool().await;
    forgot_password_rounds(&t, "in-memory database").await;
    // A database file: each write is a commit to disk.
    let dir = std::env::temp_dir().join(format!("userpool-timing-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("pool.db");
    let t = spawn_with(test_seed(), db.to_str().unwrap()).await;
    forgot_password_rounds(&t, "database file").await;
    t.running.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

async fn forgot_password_rounds(t: &TestPool, what: &str) {
    // Warm up both paths first.
    median_of(t, ALICE, 20).await;
    median_of(t, "ghost@example.com", 20).await;
    for round in 0..3 {
        let known = median_of(t, ALICE, 200).await;
        let unknown = median_of(t, "ghost@example.com", 200).await;
        println!("{what}, round {round}: ForgotPassword median over 200 calls: known {known:?}, unknown {unknown:?}");
    }
}

/// The same for the start of `USER_SRP_AUTH` (issue 25 item 9): a known user and an unknown one.
#[tokio::test]
#[ignore = "a printout for issue 25 item 9; run by hand"]
async fn srp_start_timing_printout() {
    use aws_sdk_cognitoidentityprovider::types::AuthFlowType;
    let t = crate::api_auth::spawn_api_pool().await;
    let sdk = unsigned(&t);
    let start = |username: &'static str| {
        let sdk = sdk.clone();
        async move {
            let srp = cognito_srp::SrpClient::new(
                username,
                "irrelevant",
                "us-east-1_ApiAuth",
                crate::api_auth::PUBLIC_APP,
                None,
            );
            let mut init = sdk
                .initiate_auth()
                .client_id(crate::api_auth::PUBLIC_APP)
                .auth_flow(AuthFlowType::UserSrpAuth);
            for (k, v) in srp.get_auth_params().unwrap() {
                init = init.auth_parameters(k, v);
            }
            let begun = Instant::now();
            init.send().await.unwrap();
            begun.elapsed()
        }
    };
    for round in 0..3 {
        let mut known = vec![];
        let mut unknown = vec![];
        for _ in 0..100 {
            known.push(start(crate::api_auth::CAROL).await);
            unknown.push(start("ghost@example.com").await);
        }
        known.sort();
        unknown.sort();
        println!(
            "round {round}: USER_SRP_AUTH start median over 100 calls: known {:?}, unknown {:?}",
            known[50], unknown[50]
        );
    }
}
