//! Device SRP checked by a client not written here: pycognito (Python, `boto3`) signs in,
//! confirms the new device with its own verifier (`generate_hash_device`), then signs in with
//! the device (`DEVICE_SRP_AUTH`, `DEVICE_PASSWORD_VERIFIER`, answered without a `Session`
//! as pycognito does).
//!
//! Needs `python3` with `pycognito` (`.ci/run` installs it): in CI (`CI` set) their absence
//! fails the test; elsewhere it prints `NOT RUN: pycognito` and passes.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::api_devices::{device_pool, USER, USER_PASSWORD};
use crate::sdk::signed;
use crate::*;

fn not_run(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("CI is set, so the pycognito device test must run: {why}");
    }
    println!("NOT RUN: pycognito (device SRP): {why}");
}

fn available() -> Result<(), String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "from pycognito.aws_srp import generate_hash_device; import boto3",
        ])
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

/// Runs `device_sign_in.py` with these arguments after the endpoint; its one line of JSON.
async fn script(t: &TestPool, args: Vec<String>) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pycognito/device_sign_in.py");
    let endpoint = t.url("");
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new("python3");
        cmd.arg(path).arg(&args[0]).arg(endpoint).args(&args[1..]);
        cmd.env("AWS_ACCESS_KEY_ID", "test")
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
async fn pycognito_confirms_a_device_and_signs_in_with_it() {
    if let Err(why) = available() {
        return not_run(&why);
    }
    let t = spawn_pool().await;
    let (pool_id, client_id) = device_pool(&t, true, false).await;
    let base = |command: &str| {
        [command, &pool_id, &client_id, USER, USER_PASSWORD]
            .map(str::to_string)
            .to_vec()
    };
    let device = script(&t, base("confirm")).await;
    assert_eq!(device["user_confirmation_necessary"], false, "{device}");
    let key = device["device_key"].as_str().expect("a device").to_string();
    let group = device["device_group_key"].as_str().unwrap().to_string();
    let secret = device["device_password"].as_str().unwrap().to_string();

    // Later (by the pool's clock), with the device: its SRP, then tokens with no new device.
    t.pool().advance_clock(Duration::from_secs(60));
    let mut args = base("sign-in");
    args.extend([key.clone(), group.clone(), secret]);
    let signed_in = script(&t, args).await;
    assert!(signed_in["access_token"].is_string(), "{signed_in}");
    assert_eq!(signed_in["new_device"], false);
    let got = signed(&t)
        .admin_get_device()
        .user_pool_id(&pool_id)
        .username(USER)
        .device_key(&key)
        .send()
        .await
        .unwrap();
    let d = got.device().unwrap();
    let (created, authenticated) = (
        d.device_create_date().unwrap().secs(),
        d.device_last_authenticated_date().unwrap().secs(),
    );
    assert!(authenticated >= created + 60, "the device signed in");

    // The same device with a secret that is not its own: refused.
    let mut args = base("sign-in");
    args.extend([key, group, "bm90IHRoZSBzZWNyZXQ=".to_string()]);
    let refused = script(&t, args).await;
    assert_eq!(refused["error"], "NotAuthorizedException", "{refused}");
}
