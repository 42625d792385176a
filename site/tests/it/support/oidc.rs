//! A small OpenID provider that is not the user pool: discovery, JWKS, an authorize endpoint that
//! approves at once as one user, a token endpoint that checks the code, the redirect URI, PKCE and
//! the client secret, and a userinfo endpoint. Enough to prove the site signs in with a generic
//! provider configured only through `AUTH_OIDC_*`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::DecodePrivateKey as _;
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use url::Url;

const KEY_PEM: &str = include_str!("../../fixtures/oidc_rsa.pem");
pub const CLIENT_ID: &str = "site-oidc-client";
pub const CLIENT_SECRET: &str = "site-oidc-client-secret";
pub const USER_SUB: &str = "ada-1815";
pub const USER_NAME: &str = "Ada Lovelace";
/// Only the userinfo endpoint tells the e-mail address.
pub const USERINFO_EMAIL: &str = "ada@analytical.example";

struct Pending {
    redirect_uri: String,
    nonce: Option<String>,
    challenge: Option<String>,
}

#[derive(Default)]
struct Shared {
    issuer: String,
    codes: HashMap<String, Pending>,
    access_tokens: Vec<String>,
    userinfo_calls: usize,
}

type AppState = Arc<Mutex<Shared>>;

/// The running provider.
pub struct MockOidc {
    pub issuer: Url,
    state: AppState,
}

impl MockOidc {
    pub async fn start() -> MockOidc {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = Url::parse(&format!(
            "http://127.0.0.1:{}/realm",
            listener.local_addr().unwrap().port()
        ))
        .unwrap();
        let state = AppState::default();
        state.lock().unwrap().issuer = issuer.to_string();
        let app = Router::new()
            .route("/realm/.well-known/openid-configuration", get(discovery))
            .route("/realm/jwks", get(jwks))
            .route("/realm/authorize", get(authorize))
            .route("/realm/token", post(token))
            .route("/realm/userinfo", get(userinfo))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        MockOidc { issuer, state }
    }

    pub fn userinfo_calls(&self) -> usize {
        self.state.lock().unwrap().userinfo_calls
    }
}

fn random() -> String {
    URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
}

async fn discovery(State(state): State<AppState>) -> Json<Value> {
    let issuer = state.lock().unwrap().issuer.clone();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/userinfo"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks() -> Json<Value> {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(KEY_PEM).unwrap();
    let public = key.to_public_key();
    Json(json!({"keys": [{
        "kty": "RSA", "kid": "site-oidc", "use": "sig", "alg": "RS256",
        "n": URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
        "e": URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
    }]}))
}

/// Approves at once (the user is always Ada) and sends the browser back with a code.
async fn authorize(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID)
        || q.get("response_type").map(String::as_str) != Some("code")
    {
        return (StatusCode::BAD_REQUEST, "bad client or response type").into_response();
    }
    let Some(redirect_uri) = q.get("redirect_uri").cloned() else {
        return (StatusCode::BAD_REQUEST, "no redirect_uri").into_response();
    };
    let code = random();
    state.lock().unwrap().codes.insert(
        code.clone(),
        Pending {
            redirect_uri: redirect_uri.clone(),
            nonce: q.get("nonce").cloned(),
            challenge: q.get("code_challenge").cloned(),
        },
    );
    let mut back = Url::parse(&redirect_uri).unwrap();
    back.query_pairs_mut().append_pair("code", &code);
    if let Some(s) = q.get("state") {
        back.query_pairs_mut().append_pair("state", s);
    }
    Redirect::to(back.as_str()).into_response()
}

fn client_authenticated(headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(basic.as_str())
        || (form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
            && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET))
}

async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let refuse =
        |error: &str| (StatusCode::BAD_REQUEST, Json(json!({ "error": error }))).into_response();
    if !client_authenticated(&headers, &form) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let mut shared = state.lock().unwrap();
    let Some(pending) = form.get("code").and_then(|c| shared.codes.remove(c)) else {
        return refuse("invalid_grant");
    };
    if form.get("redirect_uri") != Some(&pending.redirect_uri) {
        return refuse("invalid_grant");
    }
    if let Some(challenge) = &pending.challenge {
        let verifier = form.get("code_verifier").cloned().unwrap_or_default();
        if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
            return refuse("invalid_grant");
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let mut claims = json!({
        "iss": shared.issuer, "aud": CLIENT_ID, "sub": USER_SUB, "name": USER_NAME,
        "iat": now, "exp": now + 600,
    });
    if let Some(nonce) = pending.nonce {
        claims["nonce"] = json!(nonce);
    }
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("site-oidc".into());
    let key = EncodingKey::from_rsa_pem(KEY_PEM.as_bytes()).unwrap();
    let id_token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    let access_token = random();
    shared.access_tokens.push(access_token.clone());
    Json(json!({
        "access_token": access_token, "token_type": "Bearer", "expires_in": 600, "id_token": id_token,
    }))
    .into_response()
}

async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut shared = state.lock().unwrap();
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !bearer.is_some_and(|t| shared.access_tokens.iter().any(|a| a == t)) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    shared.userinfo_calls += 1;
    Json(json!({ "sub": USER_SUB, "email": USERINFO_EMAIL, "email_verified": true }))
        .into_response()
}
