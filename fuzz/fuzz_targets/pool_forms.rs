#![no_main]
//! userpool's hosted UI and OAuth 2.0 endpoints: the first byte picks the route and whether the
//! rest is a POSTed form body or a GET's query string; the request carries the input as a cookie
//! too. See `hallpass_fuzz` for the properties asserted (no 5xx, whatever arrives).

use axum::body::Body;
use http::Request;

const ROUTES: &[&str] = &[
    "/login",
    "/signup",
    "/confirmUser",
    "/forgotPassword",
    "/confirmForgotPassword",
    "/resendcode",
    "/error",
    "/oauth2/authorize",
    "/oauth2/token",
    "/oauth2/revoke",
    "/oauth2/userInfo",
    "/logout",
    "/_outbox",
    "/_outbox.json",
    "/us-east-1_HallpassDemo/.well-known/openid-configuration",
];

libfuzzer_sys::fuzz_target!(init: hallpass_fuzz::init(), |data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let route = ROUTES[usize::from(selector & 0x7f) % ROUTES.len()];
    let text = String::from_utf8_lossy(input);
    let builder = if selector & 0x80 != 0 {
        Request::post(route).header("content-type", "application/x-www-form-urlencoded")
    } else {
        // Only what `http` accepts as a query gets through to the router, as with a real server.
        let query: String = text
            .chars()
            .filter(|c| c.is_ascii_graphic() && *c != '#')
            .collect();
        Request::get(format!("{route}?{query}"))
    };
    let mut builder = builder;
    if let Ok(value) = http::HeaderValue::from_bytes(input) {
        builder = builder
            .header("cookie", value.clone())
            .header("authorization", value);
    }
    let Ok(request) = builder.body(Body::from(input.to_vec())) else {
        return;
    };
    hallpass_fuzz::send(request);
});
