//! The API over real HTTP: 401 JSON signed out (even for a browser), Bearer tokens accepted.

use hallpass::{Config, Hallpass, SessionToken};
use serde_json::Value;

async fn serve() -> (String, Hallpass) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let config = Config::builder()
        .url(url.as_str())
        .secret("example-api-test-secret-0123456789abc")
        .build()
        .unwrap();
    let auth = Hallpass::builder(config).build().unwrap();
    let app = super::app(&auth);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, auth)
}

fn ada() -> SessionToken {
    SessionToken {
        sub: Some("ada".into()),
        name: Some("Ada".into()),
        groups: vec!["staff".into()],
        exp: 4_000_000_000,
        ..Default::default()
    }
}

#[tokio::test]
async fn signed_out_is_401_json_even_for_a_browser() {
    let (url, _) = serve().await;
    for accept in ["application/json", "text/html"] {
        let res = reqwest::Client::new()
            .get(format!("{url}/api/me"))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "{accept}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json"));
        let body: Value = res.json().await.unwrap();
        assert!(body.get("error").is_some(), "{body}");
    }
    let res = reqwest::Client::new()
        .get(format!("{url}/api/me"))
        .bearer_auth("not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn a_bearer_token_from_api_token_opens_the_api() {
    let (url, auth) = serve().await;
    let cookie = format!(
        "{}={}",
        auth.session_cookie_name(),
        auth.encode_session(&ada())
    );
    let minted: Value = reqwest::Client::new()
        .get(format!("{url}/api/token"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = minted["token"].as_str().unwrap();
    let me: Value = reqwest::Client::new()
        .get(format!("{url}/api/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["sub"], "ada");
    assert_eq!(me["groups"], serde_json::json!(["staff"]));
}
