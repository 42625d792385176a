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
    // Warm up both paths first.
    median_of(&t, ALICE, 20).await;
    median_of(&t, "ghost@example.com", 20).await;
    for round in 0..3 {
        let known = median_of(&t, ALICE, 200).await;
        let unknown = median_of(&t, "ghost@example.com", 200).await;
        println!("round {round}: ForgotPassword median over 200 calls: known {known:?}, unknown {unknown:?}");
    }
}
