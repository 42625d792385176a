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
    // An operation this pool does not answer: the SDK must still parse the error envelope.
    let err = signed(&tp)
        .describe_risk_configuration()
        .user_pool_id(super::POOL)
        .send()
        .await
        .expect_err("not an operation of the local pool");
    assert_eq!(exception(&err), "UnknownOperationException");
    // The same through an unsigned client and a public operation (device tracking is not
    // modelled by the local pool).
    let err = unsigned(&tp)
        .list_devices()
        .access_token("not-a-token")
        .send()
        .await
        .expect_err("not an operation of the local pool");
    assert_eq!(exception(&err), "UnknownOperationException");
}
