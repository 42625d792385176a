//! Requests to a router without a socket, for configurations a loopback server cannot have (an
//! https site URL).

use axum::body::Body;
use http::{Request, StatusCode};
use tower::ServiceExt;

/// Fetches a CSRF token, starts a sign-in with provider `cognito`, and returns the `Set-Cookie`s of
/// the start that are not the CSRF cookie.
pub async fn sign_in_start_cookies(auth: &hallpass::Hallpass) -> Vec<String> {
    let app: axum::Router = auth.router();
    let res = app
        .clone()
        .oneshot(Request::get("/api/auth/csrf").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let body = axum::body::to_bytes(res.into_body(), 1 << 16)
        .await
        .unwrap();
    let token: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let form =
        serde_urlencoded::to_string([("csrfToken", token["csrfToken"].as_str().unwrap())]).unwrap();
    let res = app
        .oneshot(
            Request::post("/api/auth/signin/cognito")
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from(form))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FOUND);
    res.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}
