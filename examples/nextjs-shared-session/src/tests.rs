//! The service reads a session cookie made by the real next-auth@4.24.15 (`next-auth/jwt`'s
//! `encode`, from Hallpass's test vectors), over real HTTP.

use hallpass::{Compat, Config, Hallpass};
use serde_json::Value;

/// The vectors' secret: the Next.js app's `NEXTAUTH_SECRET` and the service's `AUTH_SECRET`.
const SHARED_SECRET: &str = "hallpass-test-vector-secret-0123456789";
/// `next-auth.session-token` for Jane Doe (groups admin, staff), valid until 2036.
const NEXTAUTH_COOKIE: &str = "eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..mxqDyWSLhCjdTReo.HyodrvahhTHoikfjVPOP95ejMje9iPdeizFOECd-H_udDgh9-iGwv8AzVkyTy_Y7HtR7QTyPjlrTZfB6jNdRp9ASbKWYCg9YxfT0W1lcW5AOpD239yYvpyBpEWIR_YgPjNtpi4XyoR1iB4xCtwxGPxs66-Swn3q3AxtqRgy4_TARlCTllTDL-dfL3E487Ecvd8Dt-jU5kC-Rcd7SKQD0UPk7Op_HDCY4_A5HrXc--anJNyDICnWE-G5cisSn8LhW1fXifT4QqzjoFw40rweqQYUHRtveev4kEnDw6w.6e5kJF76ETbOsM570vKFcQ";

async fn serve(compat: Compat) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let config = Config::builder()
        .url(url.as_str())
        .secret(SHARED_SECRET)
        .compat(compat)
        .build()
        .unwrap();
    let app = super::app(&Hallpass::builder(config).build().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    url
}

async fn whoami(url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{url}/service/whoami"))
        .header(
            "cookie",
            format!("next-auth.session-token={NEXTAUTH_COOKIE}"),
        )
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_next_auth_session_cookie_signs_the_user_in_here() {
    let url = serve(Compat::NextAuthV4).await;
    let res = whoami(&url).await;
    assert_eq!(res.status(), 200);
    let me: Value = res.json().await.unwrap();
    assert_eq!(me["name"], "Jane Doe");
    assert_eq!(me["email"], "jane@example.com");
    assert_eq!(me["groups"], serde_json::json!(["admin", "staff"]));
}

#[tokio::test]
async fn without_the_compat_setting_the_cookie_is_not_read() {
    let url = serve(Compat::Hallpass).await;
    assert_eq!(whoami(&url).await.status(), 401);
}
