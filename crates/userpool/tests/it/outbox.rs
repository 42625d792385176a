//! The outbox: every message the pool "sends" shows on `/_outbox` and `/_outbox.json`,
//! newest first, escaped, and in the codes file.

use serde_json::Value;

use crate::*;

const OAUTH: [(&str, &str); 4] = [
    ("response_type", "code"),
    ("client_id", CONF),
    ("redirect_uri", CB),
    ("state", "s"),
];

async fn forgot(t: &TestPool, username: &str) {
    let mut form: Vec<(&str, &str)> = OAUTH.to_vec();
    form.push(("username", username));
    let r = t.post_form("/forgotPassword", &form).await;
    assert_eq!(location(&r).path(), "/confirmForgotPassword");
}

async fn outbox_json(t: &TestPool) -> Vec<Value> {
    let r = t.http.get(t.url("/_outbox.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    v["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn reset_codes_show_newest_first_on_the_page_and_in_json() {
    let t = spawn_pool().await;
    assert!(outbox_json(&t).await.is_empty());
    let page = t.http.get(t.url("/_outbox")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("id=\"empty\""));

    forgot(&t, ALICE).await;
    let first = t.pool().latest_code(ALICE).await.unwrap();
    forgot(&t, ALICE).await;
    let second = t.pool().latest_code(ALICE).await.unwrap();
    // Nobody: nothing is sent, and the outbox does not say so either.
    forgot(&t, "ghost@example.com").await;

    let messages = outbox_json(&t).await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert_eq!(messages[0]["code_or_password"], second.as_str());
    assert_eq!(messages[1]["code_or_password"], first.as_str());
    assert_eq!(messages[0]["kind"], "reset");
    assert_eq!(messages[0]["to"], ALICE);
    assert_eq!(messages[0]["pool_id"], POOL);
    assert!(messages[0]["sent_at"].as_i64().unwrap() > 0);

    let r = t.http.get(t.url("/_outbox")).send().await.unwrap();
    assert_eq!(r.headers()["x-frame-options"], "DENY");
    let html = r.text().await.unwrap();
    let (at_second, at_first) = (html.find(&second).unwrap(), html.rfind(&first).unwrap());
    assert!(at_second < at_first, "newest first");
    assert!(html.contains("password reset code"));
}

#[tokio::test]
async fn the_root_page_says_where_the_issuers_the_sign_in_and_the_outbox_are() {
    let t = spawn_pool().await;
    let r = t.http.get(t.url("/")).send().await.unwrap();
    assert_eq!(r.status(), 200, "a page, not a 405");
    assert!(r.headers().contains_key("x-frame-options"));
    let html = r.text().await.unwrap();
    let issuer = t.running.issuer(POOL);
    for needle in [
        format!("<code>{}</code>", issuer.as_str().trim_end_matches('/')),
        "/.well-known/openid-configuration".to_string(),
        "href=\"http://localhost".to_string(),
        "/_outbox\"".to_string(),
        format!("<code>{CONF}</code>"),
    ] {
        assert!(html.contains(&needle), "{needle} in {html}");
    }
    // The hosted-UI link starts a code sign-in that the pool accepts.
    let start = html.find("/login?").expect("a hosted-UI sign-in link");
    let link = html[..start].rsplit('"').next().unwrap().to_string()
        + html[start..].split('"').next().unwrap();
    let link = link.replace("&amp;", "&").replace("&#38;", "&");
    let login = t.http.get(&link).send().await.unwrap();
    assert_eq!(login.status(), 200, "{link}");
    // The JSON API still answers POST / .
    let api = t
        .http
        .post(t.url("/"))
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.ForgotPassword",
        )
        .header("content-type", "application/x-amz-json-1.1")
        .body(format!(r#"{{"ClientId":"{PUBLIC}","Username":"{ALICE}"}}"#))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
}
