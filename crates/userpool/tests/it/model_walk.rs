//! Walks AWS's model of `cognito-idp`: every operation gets a minimal valid input (its
//! required members, within their constraints) from a signed client, and its reply must be
//! what the model allows: no `UnknownOperationException`, a success reply with only the
//! output shape's members and types, or an error the operation declares.

use serde_json::Value;

use crate::model_support::{check_output, declared_errors, model, operations, sample};
use crate::{spawn_pool, TestPool};

/// Operations other issues own (none left: passkeys, issue 30, are answered now).
const OTHER_ISSUES: &[&str] = &[];

/// Operations that end what later ones need (the user, the pool): walked last.
fn destructive(op: &str) -> bool {
    ["Delete", "AdminDelete", "Revoke", "Stop"]
        .iter()
        .any(|p| op.starts_with(p))
        || op.contains("GlobalSignOut")
}

/// The walk's order: the harmless operations, the destructive ones, the pool's deletion.
pub fn walk_order() -> Vec<String> {
    let mut ops = operations();
    ops.sort_by_key(|op| (op == "DeleteUserPool", destructive(op), op.clone()));
    ops
}

const SIGNATURE: &str = "AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST/20260101/us-east-1/\
cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-target, Signature=00";

/// Posts `input` as `op`, signed; the status, the error type (if any) and the body.
pub async fn call(tp: &TestPool, op: &str, input: &Value) -> (u16, Option<String>, Value) {
    let resp = tp
        .http
        .post(tp.url("/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{op}"),
        )
        .header("authorization", SIGNATURE)
        .body(input.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let kind = resp
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_string());
    (status, kind, resp.json().await.unwrap_or(Value::Null))
}

/// What the README's operations table says of an operation (`here` column).
pub const DONE: &str = "yes";
pub const NOT_AVAILABLE: &str = "not available locally";
pub const NOT_DONE: &str = "no";

/// How `op` answers its minimal input: [`DONE`], [`NOT_AVAILABLE`] or [`NOT_DONE`].
pub async fn classify(tp: &TestPool, op: &str) -> &'static str {
    let o = &model()["operations"][op];
    let input = sample(o["input"]["shape"].as_str().unwrap(), "");
    let (_, kind, body) = call(tp, op, &input).await;
    let message = body["message"].as_str().unwrap_or_default();
    match kind.as_deref() {
        Some("UnknownOperationException") => NOT_DONE,
        Some(_) if message.contains("is not available on a local user pool") => NOT_AVAILABLE,
        _ => DONE,
    }
}

/// Problems with `op`'s answer to its minimal input, if any; `Ok(true)` when it is
/// implemented.
async fn walk_one(tp: &TestPool, op: &str) -> Result<bool, String> {
    let o = &model()["operations"][op];
    let input = sample(o["input"]["shape"].as_str().unwrap(), "");
    let (status, kind, body) = call(tp, op, &input).await;
    let Some(kind) = kind else {
        if status != 200 {
            return Err(format!("{op}: status {status} without an error type"));
        }
        let mut problems = vec![];
        match o["output"]["shape"].as_str() {
            Some(out) => check_output(out, &body, op, &mut problems),
            None if body == serde_json::json!({}) || body.is_null() => {}
            None => problems.push(format!("{op}: a reply {body} where the model has none")),
        }
        return if problems.is_empty() {
            Ok(true)
        } else {
            Err(problems.join("\n"))
        };
    };
    if kind == "UnknownOperationException" {
        return Ok(false);
    }
    let message = body["message"].as_str().unwrap_or_default();
    if message.contains("validation error") {
        return Err(format!(
            "{op}: the minimal input {input} was refused: {message}"
        ));
    }
    if !declared_errors(op).contains(&kind) {
        return Err(format!("{op}: {kind} is not declared ({message})"));
    }
    Ok(true)
}

#[tokio::test]
async fn every_operation_of_the_model_answers_as_the_model_says() {
    let tp = spawn_pool().await;
    let mut problems = vec![];
    let mut implemented = 0;
    for op in walk_order() {
        let expected_unknown = OTHER_ISSUES.contains(&op.as_str());
        match (walk_one(&tp, &op).await, expected_unknown) {
            (Ok(true), false) => implemented += 1,
            (Ok(false), true) => {}
            (Ok(true), true) => problems.push(format!("{op} answers: take it off the allow-list")),
            (Ok(false), false) => problems.push(format!("{op}: UnknownOperationException")),
            (Err(p), _) => problems.push(p),
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems ({implemented} operations answered):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
