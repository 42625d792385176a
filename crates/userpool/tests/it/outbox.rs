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
