//! The AWS SDK for Rust as the JSON API's client, pointed at a test pool through
//! `endpoint_url`, exactly as an app would point it at `http://localhost:9229`.

use aws_sdk_cognitoidentityprovider::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_cognitoidentityprovider::error::ProvideErrorMetadata;
use aws_sdk_cognitoidentityprovider::Client;

use super::{spawn_pool, TestPool};

/// A client that signs its requests (SigV4) with made-up credentials, as the `Admin*`
/// operations need; the pool checks that a request is signed, not by whom.
pub fn signed(tp: &TestPool) -> Client {
    client(tp, true)
}

/// A client without credentials: the public operations (`InitiateAuth`, `SignUp`, ...) go
/// unsigned, as from a browser or a mobile app.
pub fn unsigned(tp: &TestPool) -> Client {
    client(tp, false)
}

fn client(tp: &TestPool, with_credentials: bool) -> Client {
    let mut conf = aws_sdk_cognitoidentityprovider::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(tp.url(""))
        .http_client(aws_smithy_http_client::Builder::new().build_http());
    if with_credentials {
        conf = conf.credentials_provider(Credentials::new(
            "AKIDLOCALTEST",
            "local-test-secret",
            None,
            None,
            "userpool-tests",
        ));
    }
    Client::from_conf(conf.build())
}

/// The exception name of an SDK error (`NotAuthorizedException`, ...).
pub fn exception<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<no code>").to_string()
}

#[tokio::test]
async fn the_sdk_reaches_the_pool_and_reads_its_exceptions() {
    let tp = spawn_pool().await;
    // An error reply (every operation of AWS's model is answered now, so an unknown pool
    // rather than an unknown operation): the SDK must parse the error envelope.
    let err = signed(&tp)
        .describe_risk_configuration()
        .user_pool_id("us-east-1_NoSuchPool")
        .send()
        .await
        .expect_err("no such pool");
    assert_eq!(exception(&err), "ResourceNotFoundException");
    // The same through an unsigned client and a public operation.
    let err = unsigned(&tp)
        .get_user()
        .access_token("not-a-token")
        .send()
        .await
        .expect_err("not a token");
    assert_eq!(exception(&err), "NotAuthorizedException");
}
