//! A local GitHub for the GitHub preset: the OAuth web flow's token endpoint, `/user` and
//! `/user/emails`, checking client credentials, the code, `redirect_uri`, PKCE and the Bearer token
//! the way GitHub does.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

pub const CLIENT_ID: &str = "Iv1.testclient";
pub const CLIENT_SECRET: &str = "github-test-secret";
const ACCESS_TOKEN: &str = "gho_testaccesstoken";

/// How the mock behaves.
#[derive(Clone)]
pub struct Behaviour {
    /// Answer the token request form-encoded (GitHub's default) instead of JSON.
    pub form_reply: bool,
    /// `/user`'s public e-mail.
    pub public_email: Option<String>,
    /// `/user/emails`.
    pub emails: Value,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            form_reply: false,
            public_email: None,
            emails: json!([
                {"email": "octo@old.example", "primary": false, "verified": true},
                {"email": "octocat@example.com", "primary": true, "verified": true},
            ]),
        }
    }
}

struct Pending {
    redirect_uri: String,
    challenge: String,
}

#[derive(Default)]
struct MockState {
    behaviour: Behaviour,
    codes: HashMap<String, Pending>,
    next: u32,
}

/// A running mock; `url` is both the web and the API base.
#[derive(Clone)]
pub struct MockGitHub {
    pub url: String,
    state: Arc<Mutex<MockState>>,
}

/// What GitHub's authorize page would send back to the callback.
pub struct Approval {
    pub code: String,
    pub state: String,
}

impl MockGitHub {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(MockState::default()));
        let app = Router::new()
            .route("/login/oauth/access_token", post(token))
            .route("/user", get(user))
            .route("/user/emails", get(emails))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state }
    }

    pub fn set_behaviour(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.state.lock().unwrap().behaviour);
    }

    /// The user approves the request at `authorize` (the URL Hallpass redirected to): checks what
    /// GitHub checks there and issues a code bound to its `redirect_uri` and PKCE challenge.
    pub fn approve(&self, authorize: &Url) -> Approval {
        assert_eq!(authorize.path(), "/login/oauth/authorize");
        let q: HashMap<_, _> = authorize.query_pairs().into_owned().collect();
        assert_eq!(q["client_id"], CLIENT_ID);
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(
            !q.contains_key("nonce"),
            "GitHub is not OpenID Connect: no nonce"
        );
        let mut s = self.state.lock().unwrap();
        s.next += 1;
        let code = format!("code-{}", s.next);
        s.codes.insert(
            code.clone(),
            Pending {
                redirect_uri: q["redirect_uri"].clone(),
                challenge: q["code_challenge"].clone(),
            },
        );
        Approval {
            code,
            state: q["state"].clone(),
        }
    }
}

fn error(e: &str) -> Response {
    // GitHub answers token errors with 200 and an `error` field.
    Json(json!({"error": e, "error_description": "The code passed is incorrect or expired."}))
        .into_response()
}

async fn token(
    State(state): State<Arc<Mutex<MockState>>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .map(|b| {
            String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b).unwrap()).unwrap()
        });
    if basic.as_deref() != Some(&format!("{CLIENT_ID}:{CLIENT_SECRET}")) {
        return error("incorrect_client_credentials");
    }
    let mut s = state.lock().unwrap();
    let Some(pending) = form.get("code").and_then(|c| s.codes.remove(c)) else {
        return error("bad_verification_code");
    };
    if form.get("redirect_uri") != Some(&pending.redirect_uri) {
        return error("redirect_uri_mismatch");
    }
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != pending.challenge {
        return error("bad_verification_code");
    }
    let body = [
        ("access_token", ACCESS_TOKEN),
        ("token_type", "bearer"),
        ("scope", "read:user,user:email"),
    ];
    if s.behaviour.form_reply {
        (
            [("content-type", "application/x-www-form-urlencoded")],
            serde_urlencoded::to_string(body).unwrap(),
        )
            .into_response()
    } else {
        Json(body.into_iter().collect::<HashMap<_, _>>()).into_response()
    }
}

fn authorized(headers: &HeaderMap) -> bool {
    headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {ACCESS_TOKEN}"))
        && headers.get("user-agent").is_some_and(|v| !v.is_empty())
}

async fn user(State(state): State<Arc<Mutex<MockState>>>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        )
            .into_response();
    }
    let b = state.lock().unwrap().behaviour.clone();
    Json(json!({
        "id": 583231,
        "login": "octocat",
        "name": "The Octocat",
        "email": b.public_email,
        "avatar_url": "https://avatars.example/u/583231",
    }))
    .into_response()
}

async fn emails(State(state): State<Arc<Mutex<MockState>>>, headers: HeaderMap) -> Response {
    if !authorized(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"message": "Bad credentials"})),
        )
            .into_response();
    }
    Json(state.lock().unwrap().behaviour.emails.clone()).into_response()
}
