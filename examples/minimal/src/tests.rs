//! The minimal app over real HTTP on a free loopback port.

use hallpass::{Config, Hallpass, SessionToken};

async fn serve() -> (String, Hallpass) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let config = Config::builder()
        .url(url.as_str())
        .secret("example-minimal-test-secret-0123456789")
        .build()
        .unwrap();
    let auth = Hallpass::builder(config).build().unwrap();
    let app = super::app(&auth);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, auth)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_protected_page_redirects_when_signed_out_and_greets_when_signed_in() {
    let (url, auth) = serve().await;
    let client = no_redirects();
    let res = client
        .get(format!("{url}/protected"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers()["location"], "/");

    let token = SessionToken {
        sub: Some("user-1".into()),
        name: Some("Jane".into()),
        exp: 4_000_000_000,
        ..Default::default()
    };
    let cookie = format!(
        "{}={}",
        auth.session_cookie_name(),
        auth.encode_session(&token)
    );
    let res = client
        .get(format!("{url}/protected"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "Hello, Jane");
}
