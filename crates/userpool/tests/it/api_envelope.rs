//! The JSON API's envelope: how `POST /` names operations, and how it refuses what it
//! cannot read, as Cognito does (the AWS SDKs pick the exception from `x-amzn-ErrorType`).

use serde_json::Value;

use super::spawn_pool;

const JSON_1_1: &str = "application/x-amz-json-1.1";

async fn post_raw(
    tp: &super::TestPool,
    target: Option<&str>,
    body: Vec<u8>,
) -> (u16, Option<String>, Value) {
    let mut req = tp
        .http
        .post(tp.url("/"))
        .header("content-type", JSON_1_1)
        .body(body);
    if let Some(t) = target {
        req = req.header("x-amz-target", t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let error_type = resp
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_string());
    let body = resp.json().await.unwrap_or(Value::Null);
    (status, error_type, body)
}

#[tokio::test]
async fn an_unknown_or_missing_target_is_an_unknown_operation() {
    let tp = spawn_pool().await;
    for target in [
        Some("AWSCognitoIdentityProviderService.NoSuchOperation"),
        Some("SomeOtherService.InitiateAuth"),
        None,
    ] {
        let (status, error_type, body) = post_raw(&tp, target, b"{}".to_vec()).await;
        assert_eq!(status, 400, "{target:?}");
        assert_eq!(error_type.as_deref(), Some("UnknownOperationException"));
        assert_eq!(body["__type"], "UnknownOperationException");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_413() {
    let tp = spawn_pool().await;
    let big = vec![b' '; 200 * 1024];
    let (status, _, body) = post_raw(
        &tp,
        Some("AWSCognitoIdentityProviderService.InitiateAuth"),
        big,
    )
    .await;
    assert_eq!(status, 413);
    assert_eq!(body["__type"], "RequestEntityTooLarge");
}

#[tokio::test]
async fn a_browser_preflight_is_allowed_from_a_local_origin() {
    let tp = spawn_pool().await;
    let resp = tp
        .http
        .request(reqwest::Method::OPTIONS, tp.url("/"))
        .header("origin", "http://localhost:5173")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-amz-target,x-amz-user-agent",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    let h = resp.headers();
    assert_eq!(h["access-control-allow-origin"], "http://localhost:5173");
    assert!(h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("x-amz-target"));
}
