//! Issue 25, item 5: a web page must not drive the pool. The JSON API's signed (admin)
//! operations get no CORS and refuse a foreign `Origin`; a preflight never allows the
//! `Authorization` header; public operations keep CORS for the allowed (local) origins; and a
//! request naming a foreign `Host` (DNS rebinding) is refused on every route.

use serde_json::{json, Value};

use crate::sdk::{exception, signed, unsigned};
use crate::*;

const JSON_1_1: &str = "application/x-amz-json-1.1";
const EVIL: &str = "https://evil.test";
/// A well-formed SigV4 header with made-up credentials: what a page could write itself.
const FORGED_SIGV4: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250101/us-east-1/cognito-idp/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A raw JSON API call, as a browser page would send it (`origin` set), signed or not.
async fn api_call(
    t: &TestPool,
    operation: &str,
    body: Value,
    origin: Option<&str>,
    signed: bool,
) -> reqwest::Response {
    let mut req = t
        .http
        .post(t.url("/"))
        .header("content-type", JSON_1_1)
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .body(body.to_string());
    if let Some(o) = origin {
        req = req.header("origin", o);
    }
    if signed {
        req = req
            .header("authorization", FORGED_SIGV4)
            .header("x-amz-date", "20250101T000000Z");
    }
    req.send().await.unwrap()
}

fn allow_origin(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn an_admin_operation_from_a_foreign_origin_is_refused() {
    let t = spawn_pool().await;
    let r = api_call(
        &t,
        "ListUsers",
        json!({ "UserPoolId": POOL }),
        Some(EVIL),
        true,
    )
    .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    assert_eq!(allow_origin(&r), None, "no CORS on admin operations");
    let text = r.text().await.unwrap();
    assert!(!text.contains(ALICE), "no user listed: {text}");

    let r = api_call(
        &t,
        "AdminSetUserPassword",
        json!({ "UserPoolId": POOL, "Username": ALICE, "Password": "Ev1l!pass", "Permanent": true }),
        Some(EVIL),
        true,
    )
    .await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let r = api_call(
        &t,
        "AdminAddUserToGroup",
        json!({ "UserPoolId": POOL, "Username": "bob@example.com", "GroupName": "admin" }),
        Some(EVIL),
        true,
    )
    .await;
    assert!(r.status().is_client_error(), "{}", r.status());

    // Nothing changed: Alice's password is hers, Bob is in no group.
    let admin = signed(&t);
    let groups = admin
        .admin_list_groups_for_user()
        .user_pool_id(POOL)
        .username("bob@example.com")
        .send()
        .await
        .unwrap();
    assert!(groups.groups().is_empty(), "bob was not added to admin");
    t.alice_tokens().await;
}

#[tokio::test]
async fn a_preflight_never_allows_the_authorization_header() {
    let t = spawn_pool().await;
    for origin in [EVIL, "http://localhost:3000"] {
        let r = t
            .http
            .request(reqwest::Method::OPTIONS, t.url("/"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,x-amz-date,x-amz-target,x-amz-user-agent",
            )
            .send()
            .await
            .unwrap();
        let allowed_origin = allow_origin(&r);
        let allowed_headers = r
            .headers()
            .get("access-control-allow-headers")
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .unwrap_or_default();
        assert!(
            !allowed_headers.contains("authorization"),
            "{origin}: Authorization allowed ({allowed_headers})"
        );
        if origin == EVIL {
            assert!(
                allowed_origin.is_none(),
                "{origin}: allowed as {allowed_origin:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_foreign_host_is_refused_on_every_route() {
    let t = spawn_pool().await;
    // A code in the outbox, which a rebinding page would like to read.
    unsigned(&t)
        .forgot_password()
        .client_id(PUBLIC)
        .username(ALICE)
        .send()
        .await
        .unwrap();
    let code = t.pool().latest_code(ALICE).await.unwrap();
    for host in [
        "evil.test",
        "evil.test:9229",
        "localhost.evil.test",
        "127.0.0.1.evil.test",
    ] {
        for path in [
            "/_outbox.json",
            "/_outbox",
            "/login?client_id=public0client0000000000001&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A4000%2Fcb",
            &format!("/{POOL}/.well-known/openid-configuration"),
            "/no-such-page",
        ] {
            let r = t
                .http
                .get(t.url(path))
                .header("host", host)
                .send()
                .await
                .unwrap();
            assert!(
                matches!(r.status().as_u16(), 400 | 421),
                "{host} {path}: {}",
                r.status()
            );
            let text = r.text().await.unwrap();
            assert!(!text.contains(&code), "{host} {path}: the code leaked");
        }
        let r = t
            .http
            .post(t.url("/"))
            .header("host", host)
            .header("content-type", JSON_1_1)
            .header(
                "x-amz-target",
                "AWSCognitoIdentityProviderService.ListUsers",
            )
            .header("authorization", FORGED_SIGV4)
            .body(json!({ "UserPoolId": POOL }).to_string())
            .send()
            .await
            .unwrap();
        assert!(
            matches!(r.status().as_u16(), 400 | 421),
            "{host} API: {}",
            r.status()
        );
        assert!(!r.text().await.unwrap().contains(ALICE));
    }
    // Loopback names and addresses, with any port, are the pool's own.
    for host in ["localhost", "127.0.0.1:80", "127.8.9.10:1234", "[::1]:9229"] {
        let r = t
            .http
            .get(t.url("/_outbox.json"))
            .header("host", host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{host}");
    }
}

#[tokio::test]
async fn the_sdk_still_works_and_local_browser_apps_keep_cors() {
    let t = spawn_pool().await;
    let users = signed(&t)
        .list_users()
        .user_pool_id(POOL)
        .send()
        .await
        .unwrap();
    assert!(!users.users().is_empty());
    let err = unsigned(&t)
        .initiate_auth()
        .client_id(PUBLIC)
        .auth_flow(aws_sdk_cognitoidentityprovider::types::AuthFlowType::UserPasswordAuth)
        .auth_parameters("USERNAME", ALICE)
        .auth_parameters("PASSWORD", "wrong")
        .send()
        .await
        .unwrap_err();
    assert_eq!(exception(&err), "NotAuthorizedException");

    // A browser app on localhost: its public call can be read by it, and only by it.
    let r = api_call(
        &t,
        "InitiateAuth",
        json!({
            "ClientId": PUBLIC,
            "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": { "USERNAME": ALICE, "PASSWORD": PASSWORD },
        }),
        Some("http://localhost:3000"),
        false,
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        allow_origin(&r).as_deref(),
        Some("http://localhost:3000"),
        "the app's origin, not *"
    );
    let preflight = t
        .http
        .request(reqwest::Method::OPTIONS, t.url("/"))
        .header("origin", "http://127.0.0.1:5173")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "content-type,x-amz-target,x-amz-user-agent",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(
        allow_origin(&preflight).as_deref(),
        Some("http://127.0.0.1:5173")
    );
    assert!(preflight.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .contains("x-amz-target"));
}

/// The allowed origins come from the seed's `cors_origins` (or `--cors-origin`,
/// `USERPOOL_CORS_ORIGINS`, the builder), replacing the local default.
#[tokio::test]
async fn configured_origins_replace_the_default() {
    let text = format!(
        "cors_origins = [\"https://app.example.com\", \"http://dev.test:*\"]\n{}",
        include_str!("seed.toml")
    );
    let seed = userpool::Seed::from_toml_str(&text).unwrap();
    let t = spawn_with(seed, "sqlite::memory:").await;
    let sign_in = json!({
        "ClientId": PUBLIC,
        "AuthFlow": "USER_PASSWORD_AUTH",
        "AuthParameters": { "USERNAME": ALICE, "PASSWORD": PASSWORD },
    });
    for (origin, allowed) in [
        ("https://app.example.com", true),
        ("http://dev.test:8080", true),
        ("http://localhost:3000", false),
        ("http://app.example.com", false),
    ] {
        let r = api_call(&t, "InitiateAuth", sign_in.clone(), Some(origin), false).await;
        assert_eq!(r.status(), 200, "{origin}: a public operation is answered");
        let expected = allowed.then(|| origin.to_string());
        assert_eq!(allow_origin(&r), expected, "{origin}");
    }
    // An admin operation from a page of an allowed origin is answered without CORS (the
    // browser would not let the page read it, nor send it signed); from another origin, refused.
    let r = api_call(
        &t,
        "ListUsers",
        json!({ "UserPoolId": POOL }),
        Some("https://app.example.com"),
        true,
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(allow_origin(&r), None);
    let r = api_call(
        &t,
        "ListUsers",
        json!({ "UserPoolId": POOL }),
        Some("http://localhost:3000"),
        true,
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(
        r.json::<Value>().await.unwrap()["__type"],
        "AccessDeniedException"
    );
    // A seed naming something that is not an origin does not start.
    let bad = format!(
        "cors_origins = [\"localhost:3000\"]\n{}",
        include_str!("seed.toml")
    );
    assert!(userpool::Seed::from_toml_str(&bad).is_err());
}
