//! An in-test OpenID provider shaped like a Cognito user pool, that can misbehave on purpose.
//!
//! ```ignore
//! let idp = MockIdp::start().await;                 // confidential client (Basic auth)
//! let provider = idp.cognito().build().unwrap();    // or OAuthProvider::new(idp.oidc_config())
//! let url = provider.authorization_url(..).await?;
//! let cb = idp.approve(&url);                       // what the hosted UI would redirect with
//! idp.set_behaviour(|b| b.signing = Signing::Attacker);
//! let sign_in = provider.exchange_code(&cb.code, &redirect, &checks).await;
//! assert_eq!(idp.last_token_request().unwrap().form["code_verifier"], checks.pkce_verifier);
//! ```
//!
//! Endpoints (like Cognito's): `{base}/oauth2/authorize` (302 back with `code` and `state`),
//! `/oauth2/token`, `/oauth2/userInfo`, `/oauth2/revoke`, `/logout`, and under the issuer
//! `{base}/us-east-1_Mock`: `/.well-known/openid-configuration` and `/.well-known/jwks.json`.

// Shared by every test module (and the router tests): not every knob is used everywhere.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hallpass::provider::{Cognito, CognitoBuilder, OAuthConfig};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _, LineEnding};
use rsa::traits::PublicKeyParts as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use url::Url;

/// The app client id the mock knows.
pub const CLIENT_ID: &str = "mock-client-id";
/// The confidential client's secret; the `/`, `:`, `+` and space test the form-urlencoding
/// that RFC 6749 2.3.1 requires before Basic encoding.
pub const CLIENT_SECRET: &str = "s3cret/with:odd+chars and space";
/// The pool id; the issuer is `{base}/{POOL_ID}` like a local Cognito pool.
pub const POOL_ID: &str = "us-east-1_Mock";
/// The user's `sub`.
pub const SUB: &str = "6f1c2a34-0000-4000-8000-000000000001";
/// `kid` of the primary RSA key.
pub const KID_PRIMARY: &str = "key-primary";
/// `kid` of the rotated RSA key.
pub const KID_ROTATED: &str = "key-rotated";
/// `kid` of the P-256 key.
pub const KID_EC: &str = "key-ec";

const RSA_PRIMARY: &str = include_str!("../../fixtures/rsa_primary.pem");
const RSA_ROTATED: &str = include_str!("../../fixtures/rsa_rotated.pem");
const RSA_ATTACKER: &str = include_str!("../../fixtures/rsa_attacker.pem");
const EC_P256: &str = include_str!("../../fixtures/ec_p256.pem");
const EC_P256_PUBLIC: &str = include_str!("../../fixtures/ec_p256.public.json");

/// Which key (and algorithm) signs the ID tokens.
#[derive(Clone, Debug, PartialEq)]
pub enum Signing {
    /// RS256 with the primary key (`kid` = [`KID_PRIMARY`]).
    Primary,
    /// RS256 with the rotated key (`kid` = [`KID_ROTATED`]; publish it with `published`).
    Rotated,
    /// RS256 with an unpublished key but the primary key's `kid`: a forged signature.
    Attacker,
    /// ES256 with the P-256 key (`kid` = [`KID_EC`]).
    Es256,
    /// `alg: none`, empty signature.
    AlgNone,
    /// HS256 with the primary public key's PEM as the HMAC secret (the classic confusion attack).
    Hs256WithPublicKey,
}

/// A key in the JWKS.
#[derive(Clone, Debug, PartialEq)]
pub enum Published {
    /// The primary RSA key, `use: sig`, `alg: RS256`.
    Primary,
    /// The rotated RSA key.
    Rotated,
    /// The P-256 key, `alg: ES256`.
    Ec,
    /// The primary key's material and kid, but `use: enc`.
    PrimaryForEncryption,
    /// The primary key's material and kid, but `alg: RS384`.
    PrimaryWithAlg(&'static str),
}

/// How the token endpoint answers.
#[derive(Clone, Debug, PartialEq)]
pub enum TokenEndpoint {
    /// Normally.
    Normal,
    /// With this status and a JSON error body.
    Status(u16),
    /// After this delay (to hit the client's timeout).
    Delay(Duration),
    /// 200 with an HTML page.
    NonJson,
    /// 400 with this OAuth error code.
    OAuthError(&'static str),
    /// Normally, once the test opens the gate (a slow endpoint, without timing).
    Held(Gate),
}

/// What a [`TokenEndpoint::Held`] endpoint waits for.
#[derive(Clone, Debug)]
pub struct Gate(Arc<tokio::sync::Semaphore>);

impl Gate {
    /// A closed gate.
    pub fn new() -> Self {
        Gate(Arc::new(tokio::sync::Semaphore::new(0)))
    }

    /// Lets every waiting and later request through.
    pub fn open(&self) {
        self.0.add_permits(tokio::sync::Semaphore::MAX_PERMITS / 2);
    }
}

impl PartialEq for Gate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What a refresh returns.
#[derive(Clone, Debug, PartialEq)]
pub enum Refresh {
    /// Access + ID token, no new refresh token (Cognito's default).
    NoNewRefreshToken,
    /// Access + ID token + a new refresh token.
    Rotate,
    /// 400 `invalid_grant`.
    InvalidGrant,
    /// Access token only.
    AccessOnly,
}

/// Knobs; change them with [`MockIdp::set_behaviour`].
#[derive(Clone, Debug)]
pub struct Behaviour {
    /// Extra user claims in the ID token (besides `sub`, `email`, `cognito:username`).
    pub user_claims: Map<String, Value>,
    /// Which key signs.
    pub signing: Signing,
    /// Override the header `kid` (`Some(None)`: no kid at all).
    pub kid: Option<Option<String>>,
    /// What the JWKS publishes.
    pub published: Vec<Published>,
    /// Claims set on the ID token after the normal ones (e.g. `iss`, `aud`, `nonce`, `exp`).
    pub id_token_set: Map<String, Value>,
    /// Claims removed from the ID token (e.g. `sub`, `iat`, `nonce`).
    pub id_token_remove: Vec<&'static str>,
    /// Put a correct `at_hash` in (default true); false leaves it out.
    pub at_hash: bool,
    /// No `id_token` in the token response.
    pub omit_id_token: bool,
    /// How the token endpoint answers.
    pub token_endpoint: TokenEndpoint,
    /// What refreshes return.
    pub refresh: Refresh,
    /// Claims set on ID tokens issued by refreshes.
    pub refresh_id_token_set: Map<String, Value>,
    /// Claims added to the userinfo response (Cognito-like defaults: string booleans).
    pub userinfo_claims: Map<String, Value>,
    /// Another `sub` in the userinfo response.
    pub userinfo_sub: Option<String>,
    /// Another `issuer` in the discovery document.
    pub discovery_issuer: Option<String>,
    /// Extra discovery keys (e.g. `authorization_response_iss_parameter_supported`).
    pub discovery_extra: Map<String, Value>,
    /// Discovery answers with this status (an outage).
    pub discovery_status: Option<u16>,
    /// The JWKS answers with this status (an outage).
    pub jwks_status: Option<u16>,
    /// Add `iss` to the authorization response (RFC 9207); `Some(other)` sends another value.
    pub callback_iss: Option<Option<String>>,
    /// `expires_in` in token responses.
    pub expires_in: i64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            user_claims: json!({
                "email": "ada@example.com",
                "email_verified": true,
                "cognito:username": "ada",
                "name": "Ada Lovelace",
            })
            .as_object()
            .cloned()
            .unwrap(),
            signing: Signing::Primary,
            kid: None,
            published: vec![Published::Primary],
            id_token_set: Map::new(),
            id_token_remove: Vec::new(),
            at_hash: true,
            omit_id_token: false,
            token_endpoint: TokenEndpoint::Normal,
            refresh: Refresh::NoNewRefreshToken,
            refresh_id_token_set: Map::new(),
            userinfo_claims: json!({"email_verified": "true", "phone_number_verified": "false"})
                .as_object()
                .cloned()
                .unwrap(),
            userinfo_sub: None,
            discovery_issuer: None,
            discovery_extra: Map::new(),
            discovery_status: None,
            jwks_status: None,
            callback_iss: None,
            expires_in: 3600,
        }
    }
}

/// A recorded form POST.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The form fields.
    pub form: HashMap<String, String>,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
}

/// What the authorize step hands back (the callback's query).
#[derive(Clone, Debug)]
pub struct Callback {
    /// The authorization code.
    pub code: String,
    /// The state, echoed.
    pub state: String,
    /// RFC 9207 `iss`, when the behaviour sends it.
    pub iss: Option<String>,
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    nonce: Option<String>,
    challenge: Option<String>,
}

#[derive(Default)]
struct Log {
    token_requests: Vec<Recorded>,
    revoke_requests: Vec<Recorded>,
    authorize_requests: Vec<HashMap<String, String>>,
    logout_requests: Vec<HashMap<String, String>>,
    userinfo_authorization: Vec<Option<String>>,
    discovery_hits: usize,
    jwks_hits: usize,
}

struct Shared {
    base: String,
    issuer: String,
    client_secret: Option<String>,
    behaviour: Behaviour,
    codes: HashMap<String, Grant>,
    access_tokens: HashMap<String, String>,
    refresh_tokens: HashMap<String, String>,
    counter: u64,
    log: Log,
}

struct Keys {
    primary: EncodingKey,
    rotated: EncodingKey,
    attacker: EncodingKey,
    ec: EncodingKey,
    primary_public_pem: String,
    primary_jwk: (String, String),
    rotated_jwk: (String, String),
    ec_jwk: (String, String),
}

fn rsa_parts(pem: &str) -> ((String, String), String) {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).expect("fixture key");
    let public = key.to_public_key();
    let n = URL_SAFE_NO_PAD.encode(public.n().to_bytes_be());
    let e = URL_SAFE_NO_PAD.encode(public.e().to_bytes_be());
    (
        (n, e),
        public
            .to_public_key_pem(LineEnding::LF)
            .expect("public PEM"),
    )
}

fn keys() -> Arc<Keys> {
    static KEYS: std::sync::OnceLock<Arc<Keys>> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| {
        let (primary_jwk, primary_public_pem) = rsa_parts(RSA_PRIMARY);
        let (rotated_jwk, _) = rsa_parts(RSA_ROTATED);
        let ec: Value = serde_json::from_str(EC_P256_PUBLIC).unwrap();
        Arc::new(Keys {
            primary: EncodingKey::from_rsa_pem(RSA_PRIMARY.as_bytes()).unwrap(),
            rotated: EncodingKey::from_rsa_pem(RSA_ROTATED.as_bytes()).unwrap(),
            attacker: EncodingKey::from_rsa_pem(RSA_ATTACKER.as_bytes()).unwrap(),
            ec: EncodingKey::from_ec_pem(EC_P256.as_bytes()).unwrap(),
            primary_public_pem,
            primary_jwk,
            rotated_jwk,
            ec_jwk: (
                ec["x"].as_str().unwrap().into(),
                ec["y"].as_str().unwrap().into(),
            ),
        })
    })
    .clone()
}

type AppState = Arc<Mutex<Shared>>;

/// The running provider; stops when dropped.
pub struct MockIdp {
    base: Url,
    issuer: String,
    state: AppState,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for MockIdp {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl MockIdp {
    /// Starts a provider for a confidential client ([`CLIENT_ID`] / [`CLIENT_SECRET`]).
    pub async fn start() -> Self {
        Self::start_with(Some(CLIENT_SECRET)).await
    }

    /// Starts a provider for a public client (no secret; `client_id` only).
    pub async fn start_public() -> Self {
        Self::start_with(None).await
    }

    async fn start_with(secret: Option<&str>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let issuer = format!("{base}/{POOL_ID}");
        let state = Arc::new(Mutex::new(Shared {
            base: base.clone(),
            issuer: issuer.clone(),
            client_secret: secret.map(str::to_owned),
            behaviour: Behaviour::default(),
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            counter: 0,
            log: Log::default(),
        }));
        let app = Router::new()
            .route(
                &format!("/{POOL_ID}/.well-known/openid-configuration"),
                get(discovery),
            )
            .route(&format!("/{POOL_ID}/.well-known/jwks.json"), get(jwks))
            .route("/oauth2/authorize", get(authorize))
            .route("/oauth2/token", post(token))
            .route("/oauth2/userInfo", get(userinfo))
            .route("/oauth2/revoke", post(revoke))
            .route("/logout", get(logout))
            .with_state(state.clone());
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base: Url::parse(&base).unwrap(),
            issuer,
            state,
            task,
        }
    }

    /// `http://127.0.0.1:{port}`: the hosted-UI "domain".
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `{base}/us-east-1_Mock`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// A Cognito builder in issuer mode pointed at this mock, with a short HTTP timeout.
    pub fn cognito(&self) -> CognitoBuilder {
        let b = Cognito::builder()
            .client_id(CLIENT_ID)
            .issuer(self.issuer.clone())
            .configure(|c| c.http_timeout(Duration::from_secs(2)));
        match &self.state.lock().unwrap().client_secret {
            Some(s) => b.client_secret(s.clone().into()),
            None => b,
        }
    }

    /// A generic OIDC configuration pointed at this mock.
    pub fn oidc_config(&self) -> OAuthConfig {
        let c = OAuthConfig::new("oidc", self.issuer.parse().unwrap(), CLIENT_ID)
            .http_timeout(Duration::from_secs(2));
        match &self.state.lock().unwrap().client_secret {
            Some(s) => c.client_secret(s.clone().into()),
            None => c,
        }
    }

    /// Changes the behaviour.
    pub fn set_behaviour(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.state.lock().unwrap().behaviour);
    }

    /// The hosted UI approving an authorization URL, without HTTP: registers a code for its
    /// `redirect_uri`, `nonce` and `code_challenge` and returns the callback parameters.
    /// Panics when the URL is not a valid authorization request for this mock.
    pub fn approve(&self, authorization_url: &Url) -> Callback {
        let q: HashMap<String, String> = authorization_url.query_pairs().into_owned().collect();
        approve_params(&self.state, q).expect("a valid authorization request")
    }

    /// The last token endpoint request.
    pub fn last_token_request(&self) -> Option<Recorded> {
        self.state
            .lock()
            .unwrap()
            .log
            .token_requests
            .last()
            .cloned()
    }

    /// Number of token endpoint requests.
    pub fn token_requests(&self) -> usize {
        self.state.lock().unwrap().log.token_requests.len()
    }

    /// The last revocation request.
    pub fn last_revoke_request(&self) -> Option<Recorded> {
        self.state
            .lock()
            .unwrap()
            .log
            .revoke_requests
            .last()
            .cloned()
    }

    /// Query parameters of every `/oauth2/authorize` request received over HTTP.
    pub fn authorize_requests(&self) -> Vec<HashMap<String, String>> {
        self.state.lock().unwrap().log.authorize_requests.clone()
    }

    /// Query parameters of every `/logout` request.
    pub fn logout_requests(&self) -> Vec<HashMap<String, String>> {
        self.state.lock().unwrap().log.logout_requests.clone()
    }

    /// `Authorization` headers of the userinfo requests.
    pub fn userinfo_authorizations(&self) -> Vec<Option<String>> {
        self.state
            .lock()
            .unwrap()
            .log
            .userinfo_authorization
            .clone()
    }

    /// How often discovery was fetched.
    pub fn discovery_hits(&self) -> usize {
        self.state.lock().unwrap().log.discovery_hits
    }

    /// How often the JWKS was fetched.
    pub fn jwks_hits(&self) -> usize {
        self.state.lock().unwrap().log.jwks_hits
    }

    /// Whether a refresh token is still valid at the mock (false after revocation).
    pub fn refresh_token_valid(&self, token: &str) -> bool {
        self.state
            .lock()
            .unwrap()
            .refresh_tokens
            .contains_key(token)
    }

    /// An ID token signed like the token endpoint would sign it, for direct tests.
    pub fn id_token(&self, nonce: Option<&str>, access_token: &str) -> String {
        let s = self.state.lock().unwrap();
        make_id_token(&s, SUB, nonce, access_token, false)
    }
}

fn approve_params(state: &AppState, q: HashMap<String, String>) -> Result<Callback, String> {
    let mut s = state.lock().unwrap();
    if q.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return Err("unknown client".into());
    }
    if q.get("response_type").map(String::as_str) != Some("code") {
        return Err("unsupported_response_type".into());
    }
    if q.contains_key("code_challenge")
        && q.get("code_challenge_method").map(String::as_str) != Some("S256")
    {
        // Cognito: S256 only.
        return Err("invalid_request".into());
    }
    let redirect_uri = q.get("redirect_uri").cloned().ok_or("no redirect_uri")?;
    s.counter += 1;
    let code = format!(
        "code-{}-{}",
        s.counter,
        URL_SAFE_NO_PAD.encode(rand_bytes())
    );
    s.codes.insert(
        code.clone(),
        Grant {
            client_id: CLIENT_ID.into(),
            redirect_uri,
            nonce: q.get("nonce").cloned(),
            challenge: q.get("code_challenge").cloned(),
        },
    );
    let iss = match &s.behaviour.callback_iss {
        None => None,
        Some(None) => Some(s.issuer.clone()),
        Some(Some(other)) => Some(other.clone()),
    };
    Ok(Callback {
        code,
        state: q.get("state").cloned().unwrap_or_default(),
        iss,
    })
}

fn rand_bytes() -> [u8; 16] {
    use rand::RngCore as _;
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    b
}

fn make_id_token(
    s: &Shared,
    sub: &str,
    nonce: Option<&str>,
    access_token: &str,
    refresh: bool,
) -> String {
    let b = &s.behaviour;
    let now = now();
    let mut claims = Map::new();
    claims.insert("sub".into(), json!(sub));
    claims.insert("iss".into(), json!(s.issuer));
    claims.insert("aud".into(), json!(CLIENT_ID));
    claims.insert("iat".into(), json!(now));
    claims.insert("auth_time".into(), json!(now));
    claims.insert("exp".into(), json!(now + 3600));
    claims.insert("token_use".into(), json!("id"));
    claims.insert("jti".into(), json!(format!("jti-{}", s.counter)));
    if let Some(n) = nonce {
        claims.insert("nonce".into(), json!(n));
    }
    if b.at_hash {
        let d = Sha256::digest(access_token.as_bytes());
        claims.insert("at_hash".into(), json!(URL_SAFE_NO_PAD.encode(&d[..16])));
    }
    for (k, v) in &b.user_claims {
        claims.insert(k.clone(), v.clone());
    }
    let set = if refresh {
        &b.refresh_id_token_set
    } else {
        &b.id_token_set
    };
    for (k, v) in set {
        claims.insert(k.clone(), v.clone());
    }
    for k in &b.id_token_remove {
        claims.remove(*k);
    }
    sign(b, &Value::Object(claims))
}

fn sign(b: &Behaviour, claims: &Value) -> String {
    let keys = keys();
    let (alg, key, default_kid) = match b.signing {
        Signing::Primary => (Algorithm::RS256, &keys.primary, KID_PRIMARY),
        Signing::Rotated => (Algorithm::RS256, &keys.rotated, KID_ROTATED),
        Signing::Attacker => (Algorithm::RS256, &keys.attacker, KID_PRIMARY),
        Signing::Es256 => (Algorithm::ES256, &keys.ec, KID_EC),
        Signing::AlgNone => {
            let header = json!({"alg": "none", "kid": KID_PRIMARY, "typ": "JWT"});
            return format!(
                "{}.{}.",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
        }
        Signing::Hs256WithPublicKey => {
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some(KID_PRIMARY.into());
            return jsonwebtoken::encode(
                &h,
                claims,
                &EncodingKey::from_secret(keys.primary_public_pem.as_bytes()),
            )
            .unwrap();
        }
    };
    let mut h = Header::new(alg);
    h.kid = match &b.kid {
        None => Some(default_kid.into()),
        Some(k) => k.clone(),
    };
    jsonwebtoken::encode(&h, claims, key).unwrap()
}

fn json_error(status: StatusCode, error: &str) -> Response {
    (status, Json(json!({"error": error}))).into_response()
}

async fn discovery(State(state): State<AppState>) -> Response {
    let mut s = state.lock().unwrap();
    s.log.discovery_hits += 1;
    let b = &s.behaviour;
    if let Some(code) = b.discovery_status {
        return json_error(StatusCode::from_u16(code).unwrap(), "server_error");
    }
    let base = &s.base;
    let mut doc = json!({
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "end_session_endpoint": format!("{base}/logout"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": b.discovery_issuer.clone().unwrap_or_else(|| s.issuer.clone()),
        "jwks_uri": format!("{}/.well-known/jwks.json", s.issuer),
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{base}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
    });
    for (k, v) in &b.discovery_extra {
        doc[k] = v.clone();
    }
    Json(doc).into_response()
}

async fn jwks(State(state): State<AppState>) -> Response {
    let mut s = state.lock().unwrap();
    s.log.jwks_hits += 1;
    if let Some(code) = s.behaviour.jwks_status {
        return json_error(StatusCode::from_u16(code).unwrap(), "server_error");
    }
    let k = keys();
    let rsa = |kid: &str, (n, e): &(String, String), use_: &str, alg: &str| json!({"kty": "RSA", "kid": kid, "use": use_, "alg": alg, "n": n, "e": e});
    let list: Vec<Value> = s
        .behaviour
        .published
        .iter()
        .map(|p| match p {
            Published::Primary => rsa(KID_PRIMARY, &k.primary_jwk, "sig", "RS256"),
            Published::Rotated => rsa(KID_ROTATED, &k.rotated_jwk, "sig", "RS256"),
            Published::PrimaryForEncryption => rsa(KID_PRIMARY, &k.primary_jwk, "enc", "RS256"),
            Published::PrimaryWithAlg(alg) => rsa(KID_PRIMARY, &k.primary_jwk, "sig", alg),
            Published::Ec => json!({"kty": "EC", "crv": "P-256", "kid": KID_EC, "use": "sig",
                                    "alg": "ES256", "x": k.ec_jwk.0, "y": k.ec_jwk.1}),
        })
        .collect();
    Json(json!({ "keys": list })).into_response()
}

async fn authorize(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    state.lock().unwrap().log.authorize_requests.push(q.clone());
    let redirect = q.get("redirect_uri").cloned();
    match approve_params(&state, q) {
        Ok(cb) => {
            let mut to = Url::parse(&redirect.unwrap()).unwrap();
            to.query_pairs_mut()
                .append_pair("code", &cb.code)
                .append_pair("state", &cb.state);
            if let Some(iss) = cb.iss {
                to.query_pairs_mut().append_pair("iss", &iss);
            }
            (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e).into_response(),
    }
}

/// Client authentication the way Cognito does it: Basic (form-urlencoded parts) or
/// `client_secret` in the body; a public client sends `client_id` only. Both at once is refused.
fn client_ok(s: &Shared, headers: &HeaderMap, form: &HashMap<String, String>) -> bool {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let (id, secret) = match (basic, form.get("client_secret")) {
        (Some(_), Some(_)) => return false,
        (Some(b), None) => {
            let Ok(decoded) = STANDARD.decode(b) else {
                return false;
            };
            let decoded = String::from_utf8(decoded).unwrap_or_default();
            let Some((id, secret)) = decoded.split_once(':') else {
                return false;
            };
            let dec = |p: &str| {
                url::form_urlencoded::parse(format!("x={p}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            (dec(id), Some(dec(secret)))
        }
        (None, secret) => (
            form.get("client_id").cloned().unwrap_or_default(),
            secret.cloned(),
        ),
    };
    id == CLIENT_ID && secret == s.client_secret
}

async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mode = {
        let mut s = state.lock().unwrap();
        s.log.token_requests.push(Recorded {
            form: form.clone(),
            authorization: headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        });
        s.behaviour.token_endpoint.clone()
    };
    match mode {
        TokenEndpoint::Normal => {}
        TokenEndpoint::Status(code) => {
            return json_error(StatusCode::from_u16(code).unwrap(), "server_error")
        }
        TokenEndpoint::Delay(d) => tokio::time::sleep(d).await,
        TokenEndpoint::Held(gate) => drop(gate.0.acquire().await),
        TokenEndpoint::NonJson => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "text/html")],
                "<html>Sign in</html>",
            )
                .into_response()
        }
        TokenEndpoint::OAuthError(e) => return json_error(StatusCode::BAD_REQUEST, e),
    }
    let mut s = state.lock().unwrap();
    if !client_ok(&s, &headers, &form) {
        return json_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (sub, nonce, refresh) = match field("grant_type").as_str() {
        "authorization_code" => {
            let Some(grant) = s.codes.remove(&field("code")) else {
                return json_error(StatusCode::BAD_REQUEST, "invalid_grant");
            };
            if grant.client_id != CLIENT_ID || grant.redirect_uri != field("redirect_uri") {
                return json_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            if let Some(challenge) = &grant.challenge {
                let verifier = field("code_verifier");
                if URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != *challenge {
                    return json_error(StatusCode::BAD_REQUEST, "invalid_grant");
                }
            }
            (SUB.to_string(), grant.nonce, false)
        }
        "refresh_token" => {
            if s.behaviour.refresh == Refresh::InvalidGrant {
                return json_error(StatusCode::BAD_REQUEST, "invalid_grant");
            }
            let Some(sub) = s.refresh_tokens.get(&field("refresh_token")).cloned() else {
                return json_error(StatusCode::BAD_REQUEST, "invalid_grant");
            };
            (sub, None, true)
        }
        _ => return json_error(StatusCode::BAD_REQUEST, "unsupported_grant_type"),
    };
    s.counter += 1;
    let access_token = format!(
        "access-{}-{}",
        s.counter,
        URL_SAFE_NO_PAD.encode(rand_bytes())
    );
    s.access_tokens.insert(access_token.clone(), sub.clone());
    let mut reply = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": s.behaviour.expires_in,
    });
    let issue_refresh = !refresh || s.behaviour.refresh == Refresh::Rotate;
    if issue_refresh {
        let rt = format!(
            "refresh-{}-{}",
            s.counter,
            URL_SAFE_NO_PAD.encode(rand_bytes())
        );
        s.refresh_tokens.insert(rt.clone(), sub.clone());
        reply["refresh_token"] = json!(rt);
    }
    let with_id =
        !(s.behaviour.omit_id_token || (refresh && s.behaviour.refresh == Refresh::AccessOnly));
    if with_id {
        reply["id_token"] = json!(make_id_token(
            &s,
            &sub,
            nonce.as_deref(),
            &access_token,
            refresh
        ));
    }
    (
        StatusCode::OK,
        [(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        Json(reply),
    )
        .into_response()
}

async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let mut s = state.lock().unwrap();
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    s.log.userinfo_authorization.push(auth.clone());
    let sub = auth
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        .and_then(|t| s.access_tokens.get(t))
        .cloned();
    let Some(sub) = sub else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "error=\"invalid_token\"")],
        )
            .into_response();
    };
    let b = &s.behaviour;
    let mut body = json!({
        "sub": b.userinfo_sub.clone().unwrap_or(sub),
        "username": "ada",
        "email": "ada@example.com",
    });
    for (k, v) in &b.userinfo_claims {
        body[k] = v.clone();
    }
    Json(body).into_response()
}

async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let mut s = state.lock().unwrap();
    s.log.revoke_requests.push(Recorded {
        form: form.clone(),
        authorization: headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    if !client_ok(&s, &headers, &form) {
        return json_error(StatusCode::UNAUTHORIZED, "invalid_client");
    }
    if let Some(t) = form.get("token") {
        s.refresh_tokens.remove(t);
    }
    StatusCode::OK.into_response()
}

async fn logout(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    state.lock().unwrap().log.logout_requests.push(q.clone());
    match q.get("logout_uri") {
        Some(to) if q.get("client_id").map(String::as_str) == Some(CLIENT_ID) => {
            (StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response()
        }
        _ => (StatusCode::BAD_REQUEST, "redirect_mismatch").into_response(),
    }
}
