//! The Cognito form sign-in's test kit: a local pool (userpool) on a free port, the providers for
//! it, an app, and a browser with a cookie jar that reads forms' CSRF tokens.

use std::collections::BTreeMap;

use hallpass::provider::{Cognito, PasswordFlow, Provider, SignInMode};
use hallpass::Config;
use serde_json::Value;
use url::Url;
use userpool::{
    MessageKind, MfaSetting, PasswordHashCost, RunningUserPool, Seed, UserPool, UserSeed,
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_POOL_ID,
};

use super::app::{spawn_app_with, TestApp, SECRET};

/// A pool from the demo seed (plus `users`, and `mfa`), on a free port.
pub async fn pool(users: Vec<UserSeed>, mfa: MfaSetting) -> RunningUserPool {
    let mut seed = Seed::demo(&Url::parse("http://127.0.0.1:1").unwrap());
    seed.pools[0].users.extend(users);
    seed.pools[0].mfa = mfa;
    serve(seed).await
}

/// The demo pool with its app client changed by `change`.
pub async fn pool_with_client(change: impl FnOnce(&mut userpool::ClientConfig)) -> RunningUserPool {
    let mut seed = Seed::demo(&Url::parse("http://127.0.0.1:1").unwrap());
    change(&mut seed.pools[0].clients[0]);
    serve(seed).await
}

/// A pool from `seed`, on a free port.
pub async fn serve_seed(seed: Seed) -> RunningUserPool {
    serve(seed).await
}

async fn serve(seed: Seed) -> RunningUserPool {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    UserPool::builder()
        .seed(seed)
        .password_hash_cost(PasswordHashCost::Testing)
        .build()
        .await
        .unwrap()
        .serve(listener)
        .await
        .unwrap()
}

pub fn providers(pool: &RunningUserPool, flow: PasswordFlow) -> Vec<Provider> {
    Cognito::builder()
        .client_id(DEMO_CLIENT_ID)
        .client_secret(DEMO_CLIENT_SECRET.to_string().into())
        .issuer(pool.issuer(DEMO_POOL_ID).as_str())
        .sign_in_mode(SignInMode::Both)
        .password_flow(flow)
        .build_providers()
        .unwrap()
}

pub async fn app(pool: &RunningUserPool) -> TestApp {
    app_with(providers(pool, PasswordFlow::Srp)).await
}

pub async fn app_with(providers: Vec<Provider>) -> TestApp {
    spawn_app_with(
        Config::builder().secret(SECRET).debug(true),
        providers,
        None,
    )
    .await
}

/// A browser: a cookie jar over the app's client (which follows no redirect).
pub struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    pub jar: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    pub fn new(app: &'a TestApp) -> Self {
        Self {
            app,
            client: app.client.clone(),
            jar: BTreeMap::new(),
        }
    }

    /// A browser connecting from `ip` (loopback has 127.0.0.2, 127.0.0.3, …).
    pub fn from_ip(app: &'a TestApp, ip: &str) -> Self {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .local_address(Some(ip.parse().unwrap()))
            .build()
            .unwrap();
        Self {
            app,
            client,
            jar: BTreeMap::new(),
        }
    }

    /// The CSRF token of a form page (this browser's cookie is set by the GET).
    pub async fn csrf(&mut self, page: &str) -> String {
        let (status, _, html) = self.get(&format!("/api/auth/cognito/{page}")).await;
        assert_eq!(status, 200, "{page}: {html}");
        attr_after(&html, "name=\"csrfToken\" value=\"")
    }

    /// POSTs `fields` (the CSRF token included by the caller) to `action` under
    /// `/api/auth/cognito/`, with extra `headers`. Returns status and Location.
    pub async fn post_raw(
        &mut self,
        action: &str,
        fields: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let mut req = self
            .client
            .post(self.app.at(&format!("/api/auth/cognito/{action}")))
            .header("cookie", self.cookie_header())
            .form(fields);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let res = req.send().await.unwrap();
        self.keep(&res);
        (res.status().as_u16(), location(&res))
    }

    pub fn cookie_header(&self) -> String {
        self.jar
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, res: &reqwest::Response) {
        for c in res.headers().get_all(reqwest::header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let (pair, attrs) = c.split_once(';').unwrap_or((c, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") || value.is_empty() {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.to_string(), value.to_string());
            }
        }
    }

    /// GET a path (or a full URL); returns status, Location and body.
    pub async fn get(&mut self, path: &str) -> (u16, String, String) {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            self.app.at(path)
        };
        let res = self
            .client
            .get(url)
            .header("cookie", self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let loc = location(&res);
        (res.status().as_u16(), loc, res.text().await.unwrap())
    }

    /// GET the page, then POST its main form (CSRF token and callback URL from the page) with `fields`
    /// to `action` (a path under `/api/auth/cognito/`). Returns status and Location.
    pub async fn post(
        &mut self,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String) {
        let (status, _, html) = self.get(&format!("/api/auth/cognito/{page}")).await;
        assert_eq!(status, 200, "{page}: {html}");
        let csrf = attr_after(&html, "name=\"csrfToken\" value=\"");
        let mut form: Vec<(&str, &str)> = vec![("csrfToken", &csrf)];
        form.extend_from_slice(fields);
        let res = self
            .client
            .post(self.app.at(&format!("/api/auth/cognito/{action}")))
            .header("cookie", self.cookie_header())
            .form(&form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        (res.status().as_u16(), location(&res))
    }

    pub async fn session(&mut self) -> Value {
        let (_, _, body) = self.get("/api/auth/session").await;
        serde_json::from_str(&body).unwrap()
    }
}

pub fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(reqwest::header::LOCATION)
        .map(|l| l.to_str().unwrap().to_string())
        .unwrap_or_default()
}

pub fn attr_after(html: &str, marker: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {html}"))
        + marker.len();
    html[start..].split('"').next().unwrap().to_string()
}

/// The newest code the pool sent `to` (the outbox lists the newest first).
pub fn code_for(pool: &RunningUserPool, to: &str, kind: MessageKind) -> String {
    pool.pool()
        .outbox_messages()
        .into_iter()
        .find(|m| m.to == to && m.kind == kind)
        .unwrap_or_else(|| panic!("no {kind:?} message for {to}"))
        .code_or_password
}

pub fn assert_signed_in_at(loc: &str, app: &TestApp) {
    assert!(
        loc == app.at("/") || loc == app.at(""),
        "signed in and sent home: {loc}"
    );
}

pub fn temporary_user(email: &str, password: &str) -> UserSeed {
    UserSeed {
        email: email.into(),
        password: password.into(),
        sub: None,
        confirmed: true,
        email_verified: Some(true),
        attributes: BTreeMap::new(),
        groups: vec![],
        password_temporary: true,
    }
}

pub trait Now {
    fn hallpass_now(&self) -> u64;
}

impl Now for TestApp {
    fn hallpass_now(&self) -> u64 {
        use hallpass::clock::Clock;
        self.clock.now() as u64
    }
}

/// A hook that keeps the `sub` and the provider tokens of the last sign-in, to check at the pool
/// what became of them.
#[derive(Clone, Default)]
pub struct KeepTokens(
    pub std::sync::Arc<std::sync::Mutex<Option<(String, hallpass::provider::TokenSet)>>>,
);

impl KeepTokens {
    /// The `sub` and tokens kept; panics when nobody signed in.
    pub fn get(&self) -> (String, hallpass::provider::TokenSet) {
        self.0.lock().unwrap().clone().expect("the pool signed in")
    }
}

impl hallpass::hooks::Hooks for KeepTokens {
    async fn jwt(
        &self,
        token: hallpass::SessionToken,
        trigger: hallpass::hooks::JwtTrigger<'_>,
    ) -> Result<hallpass::SessionToken, hallpass::hooks::HookError> {
        if let (hallpass::hooks::JwtTrigger::SignIn { .. }, Some(t)) = (&trigger, &token.tokens) {
            *self.0.lock().unwrap() = Some((token.sub.clone().unwrap_or_default(), t.clone()));
        }
        Ok(token)
    }
}
