//! Integration tests: the real HTTP flow against a pool on 127.0.0.1, offline.

// Test helpers are shared between modules, not a public API.
#![allow(missing_docs)]

mod admin;
mod amplify_browser;
mod amplify_node;
mod api_admin;
mod api_auth;
mod api_client_secrets;
mod api_code_attempts;
mod api_constraints;
mod api_cors_host;
mod api_devices;
mod api_devices_ops;
mod api_devices_pycognito;
mod api_email_otp;
mod api_envelope;
mod api_groups_more;
mod api_me;
mod api_mfa;
mod api_mfa_preference;
mod api_paging;
mod api_pool_clients;
mod api_pool_faithful;
mod api_pools;
mod api_pools_runtime;
mod api_preregistration;
mod api_resource_servers;
mod api_send_limits;
mod api_sign_up_session;
mod api_srp_pycognito;
mod api_srp_unknown;
mod api_stored;
mod api_user_import;
mod api_user_sessions;
mod api_users;
mod api_webauthn;
mod api_webauthn_lockout;
mod api_webauthn_refusals;
mod cli;
mod discovery;
mod federation;
mod federation_api;
mod flow;
mod hosted_ui;
mod hosted_ui_csrf;
mod hosted_ui_enumeration;
mod hosted_ui_lockout;
mod hosted_ui_mfa;
mod hosted_ui_passkey;
mod model_readme;
mod model_support;
mod model_walk;
mod oidc;
mod outbox;
mod passkeys;
mod persistence;
mod refresh;
mod refresh_grace;
mod sdk;
mod security_headers;
mod session_cookie;
mod token_errors;
mod triggers;
mod upstream;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::redirect::Policy;
use serde_json::Value;
use sha2::{Digest, Sha256};
use url::Url;
use userpool::{PasswordHashCost, RunningUserPool, Seed, UserPool};

pub const POOL: &str = "us-east-1_TestPool1";
pub const POOL2: &str = "eu-west-1_Second";
pub const CONF: &str = "confidential0client0000001";
pub const CONF_SECRET: &str = "s3cret+with/odd:chars%";
pub const ROT: &str = "rotating0client00000000001";
pub const ROT_SECRET: &str = "rotating-secret";
pub const PUBLIC: &str = "public0client0000000000001";
pub const M2M: &str = "m2m0client0000000000000001";
pub const IMPLICIT: &str = "implicit0client00000000001";
pub const SECOND: &str = "second0client0000000000001";
pub const CB: &str = "http://localhost:4000/cb";
pub const ALICE: &str = "alice@example.com";
pub const ALICE_SUB: &str = "a11ce000-0000-4000-8000-000000000001";
pub const PASSWORD: &str = "Passw0rd!";

pub fn test_seed() -> Seed {
    Seed::from_toml_str(include_str!("seed.toml")).expect("test seed is valid")
}

/// A pool serving on 127.0.0.1:0 with an in-memory database and fast hashing, plus a
/// browser-like client (cookies on, redirects off).
pub struct TestPool {
    pub running: RunningUserPool,
    pub http: reqwest::Client,
}

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub async fn spawn_pool() -> TestPool {
    spawn_with(test_seed(), "sqlite::memory:").await
}

pub async fn spawn_with(seed: Seed, db: &str) -> TestPool {
    spawn_at(seed, db, 0).await
}

/// As [`spawn_with`], on a given port (a restart keeps its port, and so its issuer).
pub async fn spawn_at(seed: Seed, db: &str, port: u16) -> TestPool {
    spawn_full(seed, db, port, PasswordHashCost::Testing).await
}

/// A pool of `seed` with the real password-hash cost: for tests whose point is that hashing
/// takes time.
pub async fn spawn_with_real_hashing(seed: Seed) -> TestPool {
    spawn_full(seed, "sqlite::memory:", 0, PasswordHashCost::Default).await
}

/// The test seed with `PreventUserExistenceErrors` off for the confidential client, whose
/// pages then tell a lockout apart (Cognito's `LEGACY`).
pub fn seed_revealing_users() -> Seed {
    let mut seed = test_seed();
    for c in seed.pools.iter_mut().flat_map(|p| p.clients.iter_mut()) {
        if c.id == CONF {
            c.prevent_user_existence_errors = false;
        }
    }
    seed
}

async fn spawn_full(seed: Seed, db: &str, port: u16, cost: PasswordHashCost) -> TestPool {
    let pool = UserPool::builder()
        .seed(seed)
        .database_url(db)
        .password_hash_cost(cost)
        .build()
        .await
        .expect("pool builds");
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let running = pool.serve(listener).await.expect("pool serves");
    TestPool {
        running,
        http: browser(),
    }
}

pub fn pkce_pair() -> (String, String) {
    let verifier = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The Location header of a redirect, resolved against `base`.
pub fn location(resp: &reqwest::Response) -> Url {
    assert!(
        resp.status().is_redirection(),
        "expected a redirect, got {} {:?}",
        resp.status(),
        resp.url()
    );
    let loc = resp.headers()["location"].to_str().unwrap();
    resp.url().join(loc).unwrap()
}

pub fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The claims of a JWT, unverified.
pub fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

pub fn jwt_header(jwt: &str) -> Value {
    let part = jwt.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

/// Whether `html` holds `raw` HTML-escaped (by named or numeric entities) and never raw.
pub fn escaped_in(html: &str, raw: &str) -> bool {
    let named = raw
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;");
    let numeric = raw
        .replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    !html.contains(raw) && (html.contains(&named) || html.contains(&numeric))
}

/// The `_csrf` hidden field of a hosted-UI page: the browser's anti-CSRF token.
pub fn csrf_field(html: &str) -> String {
    let marker = r#"name="_csrf" value=""#;
    let start = html.find(marker).expect("the page has a _csrf field") + marker.len();
    let len = html[start..].find('"').unwrap();
    html[start..start + len].to_string()
}

/// The OAuth parameters a hosted-UI form carries (the other fields are the user's).
const OAUTH_FIELDS: [&str; 8] = [
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
];

/// Posts a hosted-UI form as a browser does: first GETs the sign-in page with the form's
/// OAuth fields (so `http`'s cookie jar holds the anti-CSRF cookie), then POSTs `fields` to
/// `path` with the page's `_csrf` token.
pub async fn post_form<K: AsRef<str>, V: AsRef<str>>(
    http: &reqwest::Client,
    t: &TestPool,
    path: &str,
    fields: &[(K, V)],
) -> reqwest::Response {
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.as_ref().to_string(), v.as_ref().to_string()))
        .collect();
    let oauth: Vec<&(String, String)> = fields
        .iter()
        .filter(|(k, _)| OAUTH_FIELDS.contains(&k.as_str()))
        .collect();
    let page = http
        .get(t.url("/login"))
        .query(&oauth)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the form's page");
    let mut form = fields.clone();
    form.push(("_csrf".into(), csrf_field(&page.text().await.unwrap())));
    http.post(t.url(path)).form(&form).send().await.unwrap()
}

impl TestPool {
    /// [`post_form`] with this pool's browser.
    pub async fn post_form<K: AsRef<str>, V: AsRef<str>>(
        &self,
        path: &str,
        fields: &[(K, V)],
    ) -> reqwest::Response {
        post_form(&self.http, self, path, fields).await
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "http://localhost:{}{path}",
            self.running.local_addr().port()
        )
    }

    pub fn pool(&self) -> &UserPool {
        self.running.pool()
    }

    /// GET /oauth2/authorize with these parameters.
    pub async fn authorize(&self, params: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .get(self.url("/oauth2/authorize"))
            .query(params)
            .send()
            .await
            .unwrap()
    }

    /// Authorize → /login form → POST credentials; returns the final response (a redirect to
    /// the callback on success, the login page again on failure).
    /// Adds `prompt=login` unless a prompt is given, so that a test's second sign-in shows
    /// the form again instead of reusing the session.
    pub async fn login_with(
        &self,
        params: &[(&str, &str)],
        username: &str,
        password: &str,
    ) -> reqwest::Response {
        let mut params = params.to_vec();
        if !params.iter().any(|(k, _)| *k == "prompt") {
            params.push(("prompt", "login"));
        }
        let r = self.authorize(&params).await;
        let login = location(&r);
        assert_eq!(
            login.path(),
            "/login",
            "authorize should send to the login page"
        );
        let page = self.http.get(login.clone()).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(r#"id="username""#) && html.contains(r#"id="password""#));
        // The form posts the hidden OAuth fields back; a browser sends what the page holds.
        let mut form: Vec<(String, String)> = login.query_pairs().into_owned().collect();
        form.retain(|(k, _)| k != "login_hint" && k != "lang");
        form.push(("username".into(), username.into()));
        form.push(("password".into(), password.into()));
        form.push(("_csrf".into(), csrf_field(&html)));
        self.http
            .post(self.url("/login"))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    /// A full sign-in of a confirmed user; returns the callback URL (with `code`, `state`).
    pub async fn sign_in(&self, params: &[(&str, &str)], username: &str, password: &str) -> Url {
        let r = self.login_with(params, username, password).await;
        let cb = location(&r);
        assert!(param(&cb, "code").is_some(), "no code in {cb}");
        cb
    }

    /// The standard confidential-client sign-in of Alice.
    pub async fn alice_code(&self, extra: &[(&str, &str)]) -> String {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", CONF),
            ("redirect_uri", CB),
            ("scope", "openid email profile"),
            ("state", "xyz"),
        ];
        params.extend_from_slice(extra);
        let cb = self.sign_in(&params, ALICE, PASSWORD).await;
        assert_eq!(param(&cb, "state").as_deref(), Some("xyz"));
        param(&cb, "code").unwrap()
    }

    /// POST /oauth2/token with HTTP Basic auth.
    pub async fn token_basic(
        &self,
        id: &str,
        secret: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc(id),
            enc(secret)
        ));
        self.http
            .post(self.url("/oauth2/token"))
            .header("authorization", format!("Basic {basic}"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    pub async fn token_body(&self, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url("/oauth2/token"))
            .form(form)
            .send()
            .await
            .unwrap()
    }

    /// Exchanges Alice's code at the confidential client; returns the token JSON.
    pub async fn alice_tokens(&self) -> Value {
        let code = self.alice_code(&[]).await;
        let r = self
            .token_basic(
                CONF,
                CONF_SECRET,
                &[
                    ("grant_type", "authorization_code"),
                    ("code", &code),
                    ("redirect_uri", CB),
                ],
            )
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn userinfo(&self, access_token: &str) -> reqwest::Response {
        self.http
            .get(self.url("/oauth2/userInfo"))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap()
    }

    pub async fn jwks(&self, pool_id: &str) -> Value {
        self.http
            .get(self.url(&format!("/{pool_id}/.well-known/jwks.json")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Verifies a token's signature with the pool's JWKS, as AWS's verifier does.
    pub async fn verify(&self, pool_id: &str, jwt: &str) -> Value {
        let kid = jwt_header(jwt)["kid"].as_str().unwrap().to_string();
        let jwks = self.jwks(pool_id).await;
        let jwk = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .expect("kid in JWKS")
            .clone();
        assert_eq!(jwk["alg"], "RS256");
        assert_eq!(jwk["use"], "sig");
        assert_eq!(jwk["kty"], "RSA");
        let key = jsonwebtoken::DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
        v.validate_aud = false;
        v.set_issuer(&[self.running.issuer(pool_id).as_str()]);
        jsonwebtoken::decode::<Value>(jwt, &key, &v)
            .expect("token verifies")
            .claims
    }
}
