//! An API that takes Cognito access tokens, in front of a real local pool (userpool): the demo
//! pool with a browser app's public client, a machine client (client_credentials, custom scopes)
//! and a client the API does not accept; the site's Cognito sign-in beside it.

use axum::routing::{get, post};
use axum::{Json, Router};
use hallpass::clock::ManualClock;
use hallpass::provider::PasswordFlow;
use hallpass::{AccessToken, AccessTokenVerifier, Caller, Config, Hallpass, UserCaller};
use serde_json::{json, Value};
use url::Url;
use userpool::{
    AuthFlow, OAuthFlow, PasswordHashCost, RunningUserPool, Seed, UserPool, DEMO_CLIENT_ID,
    DEMO_POOL_ID,
};

use super::app::{TestApp, SECRET};
use super::cognito::{attr_after, providers, Browser, KeepTokens};

/// A browser app's client: public, SRP and password sign-in through the JSON API.
pub const BROWSER_APP: &str = "browser0app0client0000001";
/// A machine client: client_credentials with `orders/read` and `orders/write`.
pub const MACHINE: &str = "machine0client00000000001";
pub const MACHINE_SECRET: &str = "machine-secret-0123456789";
/// A reporting machine: `reports/read` only.
pub const REPORTS: &str = "reports0client00000000001";
/// A client of the pool the API does not accept.
pub const STRANGER: &str = "stranger0client0000000001";

/// The demo seed with the API's clients, the demo user in `admin`.
pub fn seed() -> Seed {
    let mut seed = Seed::demo(&Url::parse("http://127.0.0.1:1").unwrap());
    let pool = &mut seed.pools[0];
    pool.users[0].groups = vec!["admin".into()];
    let site = pool.clients[0].clone();
    let public = |id: &str| {
        let mut c = site.clone();
        c.id = id.into();
        c.secret = None;
        c.explicit_auth_flows = vec![
            AuthFlow::UserSrpAuth,
            AuthFlow::UserPasswordAuth,
            AuthFlow::RefreshTokenAuth,
        ];
        c
    };
    let machine = |id: &str, secret: &str, scopes: &[&str]| {
        let mut c = site.clone();
        c.id = id.into();
        c.secret = Some(secret.into());
        c.callback_urls = vec![];
        c.logout_urls = vec![];
        c.allowed_flows = vec![OAuthFlow::ClientCredentials];
        c.allowed_scopes = scopes.iter().map(|s| s.to_string()).collect();
        c
    };
    pool.clients.push(public(BROWSER_APP));
    pool.clients.push(public(STRANGER));
    pool.clients.push(machine(
        MACHINE,
        MACHINE_SECRET,
        &["orders/read", "orders/write"],
    ));
    pool.clients
        .push(machine(REPORTS, MACHINE_SECRET, &["reports/read"]));
    seed
}

/// The pool of [`seed`], its database in `db` (a SQLite URL) when given.
pub async fn pool(db: Option<&str>) -> RunningUserPool {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mut b = UserPool::builder()
        .seed(seed())
        .password_hash_cost(PasswordHashCost::Testing);
    if let Some(db) = db {
        b = b.database_url(db);
    }
    b.build().await.unwrap().serve(listener).await.unwrap()
}

async fn me(token: AccessToken) -> Json<Value> {
    Json(json!({
        "sub": token.sub(),
        "client_id": token.client_id(),
        "username": token.username(),
        "machine": token.is_machine(),
        "scopes": token.scopes().collect::<Vec<_>>(),
    }))
}

async fn who(caller: Caller) -> Json<Value> {
    Json(match caller {
        Caller::User(UserCaller::Session(s)) => json!({"kind": "session", "sub": s.token().sub}),
        Caller::User(u) => json!({"kind": "user", "sub": u.sub()}),
        Caller::Machine(t) => json!({"kind": "machine", "client": t.client_id()}),
        _ => json!({"kind": "other"}),
    })
}

/// The API, the site's sign-in (SRP form) and a verifier on one shared manual clock.
pub async fn app(pool: &RunningUserPool, keep: KeepTokens) -> TestApp {
    let clock = ManualClock::starting_now();
    let verifier = AccessTokenVerifier::builder(pool.issuer(DEMO_POOL_ID).as_str())
        .client_id(DEMO_CLIENT_ID)
        .client_id(BROWSER_APP)
        .client_id(MACHINE)
        .client_id(REPORTS)
        .clock(clock.clone())
        .build()
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("http://127.0.0.1:{}", addr.port());
    let config = Config::builder()
        .secret(SECRET)
        .debug(true)
        .url(url.clone())
        .build()
        .unwrap();
    let mut builder = Hallpass::builder(config)
        .clock(clock.clone())
        .hooks(keep)
        .access_tokens(verifier);
    for p in providers(pool, PasswordFlow::Srp) {
        builder = builder.provider(p);
    }
    let hallpass = builder.build().unwrap();
    let app = Router::new()
        .route("/api/me", get(me))
        .route("/api/who", get(who))
        .merge(
            Router::new()
                .route("/api/orders", get(who))
                .route_layer(hallpass.require_scope("orders/read")),
        )
        .merge(
            Router::new()
                .route("/api/orders", post(who))
                .route_layer(hallpass.require_any_scope(["orders/write", "orders/admin"])),
        )
        .merge(
            Router::new()
                .route("/api/admin", get(who))
                .route_layer(hallpass.require_token_group("admin")),
        )
        .merge(hallpass.router())
        .layer(hallpass.layer());
    tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.unwrap()
    });
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    TestApp {
        url,
        addr,
        hallpass,
        client,
        clock,
    }
}

/// A call with `Authorization: Bearer token`: status, `WWW-Authenticate`, JSON body.
pub async fn call(app: &TestApp, method: &str, path: &str, token: &str) -> (u16, String, Value) {
    let req = match method {
        "POST" => app.client.post(app.at(path)),
        _ => app.client.get(app.at(path)),
    };
    let res = req
        .header("authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let www = res
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, www, res.json().await.unwrap_or(Value::Null))
}

/// A user's tokens from the JSON API (`InitiateAuth`, `USER_PASSWORD_AUTH`) for a public client.
pub async fn user_tokens(pool: &RunningUserPool, client_id: &str, user: &str, pw: &str) -> Value {
    let res = reqwest::Client::new()
        .post(pool.base_url())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            "AWSCognitoIdentityProviderService.InitiateAuth",
        )
        .body(
            json!({"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": client_id,
                   "AuthParameters": {"USERNAME": user, "PASSWORD": pw}})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["AuthenticationResult"].clone()
}

/// A machine's access token from `/oauth2/token` (client_credentials); the status and body.
pub async fn machine_token(pool: &RunningUserPool, id: &str, scope: Option<&str>) -> (u16, Value) {
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    let res = reqwest::Client::new()
        .post(pool.base_url().join("oauth2/token").unwrap())
        .basic_auth(id, Some(MACHINE_SECRET))
        .form(&form)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

/// A call to the pool's JSON API (`operation`, `body`); `signed` adds a SigV4-shaped
/// `Authorization` (a local pool checks that there is one, not whose), for the `Admin*` operations.
pub async fn pool_call(
    pool: &RunningUserPool,
    operation: &str,
    body: Value,
    signed: bool,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .post(pool.base_url())
        .header("content-type", "application/x-amz-json-1.1")
        .header(
            "x-amz-target",
            format!("AWSCognitoIdentityProviderService.{operation}"),
        )
        .body(body.to_string());
    if signed {
        req = req.header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20261207/us-east-1/cognito-idp/aws4_request, \
             SignedHeaders=host, Signature=00",
        );
    }
    let res = req.send().await.unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

/// Signs the demo user in on the site's own form: the browser, and the session's access token
/// (from `keep`, the app's hooks).
pub async fn site_sign_in<'a>(app: &'a TestApp, keep: &KeepTokens) -> (Browser<'a>, String) {
    site_sign_in_with(Browser::new(app), keep).await
}

/// [`site_sign_in`] in browser `b` (one connecting from another address, say).
pub async fn site_sign_in_with<'a>(mut b: Browser<'a>, keep: &KeepTokens) -> (Browser<'a>, String) {
    let (status, _) = b
        .post(
            "signin",
            "signin",
            &[
                ("username", userpool::DEMO_USER_EMAIL),
                ("password", userpool::DEMO_USER_PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, 302, "signed in");
    let (_, tokens) = keep.get();
    (b, tokens.access_token.expose().to_string())
}

/// Signs the browser out of the site (the sign-out page's form, with its CSRF token).
pub async fn site_sign_out(app: &TestApp, b: &mut Browser<'_>) {
    let (_, _, html) = b.get("/api/auth/signout").await;
    let csrf = attr_after(&html, "name=\"csrfToken\" value=\"");
    let res = app
        .client
        .post(app.at("/api/auth/signout"))
        .header("cookie", b.cookie_header())
        .form(&[("csrfToken", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302, "signed out");
}
