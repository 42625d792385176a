//! Lambda triggers: a pool whose `LambdaConfig` names functions served by [`lambda::FakeLambda`],
//! a test server speaking the Lambda Invoke API, which records each event and answers per
//! function name. Events are checked field by field against the shapes in AWS's documentation.

mod auth;
mod config;
mod custom_auth;
pub mod lambda;
mod messages;
mod sign_up;
mod tokens;

use std::time::Duration;

use serde_json::Value;
use userpool::{LambdaConfig, PasswordHashCost, Seed, UserPool};

use crate::TestPool;
use lambda::FakeLambda;

pub const TPOOL: &str = "us-east-1_Triggers";
/// A public client of the trigger pool, with the hosted UI's code flow.
pub const APP: &str = "trig0public0client0000001";
/// Its twin with `PreventUserExistenceErrors` off.
pub const REVEALING: &str = "trig0reveals0client000001";
/// A machine-to-machine client (`client_credentials`, secret `m2m-secret`).
pub const M2M_APP: &str = "trig0m2m0client0000000001";
pub const DAVE: &str = "dave@example.com";
pub const DAVE_SUB: &str = "da7e0000-0000-4000-8000-000000000001";

const SEED: &str = r#"
[[pools]]
id = "us-east-1_Triggers"
groups = ["readers", "staff"]

[[pools.clients]]
id = "trig0public0client0000001"
callback_urls = ["http://localhost:4000/cb"]
allowed_scopes = ["openid", "email", "profile"]

[[pools.clients]]
id = "trig0reveals0client000001"
prevent_user_existence_errors = false

[[pools.clients]]
id = "trig0m2m0client0000000001"
secret = "m2m-secret"
allowed_scopes = ["api/read"]
allowed_flows = ["client_credentials"]

[[pools.users]]
email = "dave@example.com"
password = "Passw0rd!"
sub = "da7e0000-0000-4000-8000-000000000001"
groups = ["staff"]

[pools.users.attributes]
name = "Dave Example"
"custom:tenant" = "acme"
"#;

/// The ARN of a function of the fake Lambda service.
pub fn arn(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// The trigger pool with `config`, its Lambda endpoint the fake service, a 1 s time limit
/// (so the timeout test is quick; the default is Cognito's 5 s).
pub async fn spawn_triggered(lambda: &FakeLambda, config: LambdaConfig) -> TestPool {
    let mut seed = Seed::from_toml_str(SEED).expect("trigger seed is valid");
    seed.pools[0].lambda_config = config;
    let pool = UserPool::builder()
        .seed(seed)
        .database_url("sqlite::memory:")
        .password_hash_cost(PasswordHashCost::Testing)
        .lambda_endpoint(lambda.url.clone())
        .lambda_time_limit(Duration::from_secs(1))
        .build()
        .await
        .expect("pool builds");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    TestPool {
        running: pool.serve(listener).await.expect("pool serves"),
        http: crate::browser(),
    }
}

/// Checks the members every event has: `version`, `triggerSource`, `region`, `userPoolId`,
/// `userName`, `callerContext`, `request` and `response`.
pub fn check_envelope(e: &Value, version: &str, source: &str, user_name: &str, client: &str) {
    let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
    for k in [
        "version",
        "triggerSource",
        "region",
        "userPoolId",
        "userName",
        "callerContext",
        "request",
        "response",
    ] {
        assert!(keys.contains(&k), "{k} in {e}");
    }
    assert_eq!(e["version"], version);
    assert_eq!(e["triggerSource"], source);
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["userPoolId"], TPOOL);
    assert_eq!(e["userName"], user_name);
    assert_eq!(e["callerContext"]["clientId"], client);
    assert!(e["callerContext"]["awsSdkVersion"].is_string());
}
