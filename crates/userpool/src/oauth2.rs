//! Discovery, JWKS, and the OAuth 2.0 endpoints: authorize, token, userInfo, revoke, logout.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{ClientConfig, OAuthFlow, PoolConfig};
use crate::error::HttpError;
use crate::hosted_session;
use crate::http::{
    append_query, cors, found, is_form_urlencoded, no_store, parse_form, preflight, MAX_BODY,
    MAX_PARAM,
};
use crate::keys::{self, Purpose};
use crate::pool::UserPool;
use crate::store::{AuthCodeRow, SignInRow, UserRow};
use crate::tokens::{self, Issue};
use crate::AUTH_CODE_SECS;

pub(crate) fn router(pool: UserPool) -> Router {
    Router::new()
        .route(
            "/{pool_id}/.well-known/openid-configuration",
            get(discovery),
        )
        .route("/{pool_id}/.well-known/jwks.json", get(jwks))
        .route("/.well-known/openid-configuration", get(not_the_issuer))
        .route("/oauth2/authorize", get(authorize))
        .route("/oauth2/token", post(token).options(preflight))
        .route(
            "/oauth2/userInfo",
            get(userinfo).post(userinfo).options(preflight),
        )
        .route("/oauth2/revoke", post(revoke).options(preflight))
        .route("/logout", get(logout))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(pool)
}

// ---- parameters ---------------------------------------------------------------------------

/// The OAuth parameters the hosted UI carries from `/oauth2/authorize` through its forms.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct OAuthParams {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_method: Option<String>,
}

impl OAuthParams {
    pub fn from_map(m: &HashMap<String, String>) -> Self {
        let g = |k: &str| m.get(k).filter(|v| !v.is_empty()).cloned();
        OAuthParams {
            client_id: g("client_id"),
            redirect_uri: g("redirect_uri"),
            response_type: g("response_type"),
            scope: g("scope"),
            state: g("state"),
            nonce: g("nonce"),
            code_challenge: g("code_challenge"),
            code_challenge_method: g("code_challenge_method"),
        }
    }

    /// As `name=value` pairs, for hidden form fields.
    pub fn pairs(&self) -> Vec<(String, String)> {
        let mut v = vec![];
        for (k, val) in [
            ("client_id", &self.client_id),
            ("redirect_uri", &self.redirect_uri),
            ("response_type", &self.response_type),
            ("scope", &self.scope),
            ("state", &self.state),
            ("nonce", &self.nonce),
            ("code_challenge", &self.code_challenge),
            ("code_challenge_method", &self.code_challenge_method),
        ] {
            if let Some(x) = val {
                v.push((k.to_string(), x.clone()));
            }
        }
        v
    }

    /// As a query string, with extra pairs appended.
    pub fn query(&self, extra: &[(&str, &str)]) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            s.append_pair(&k, &v);
        }
        for (k, v) in extra {
            s.append_pair(k, v);
        }
        s.finish()
    }
}

/// A request whose client and redirect URI are known good.
#[derive(Debug, Clone)]
pub(crate) struct Authorized {
    pub pool_id: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub implicit: bool,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
}

/// Why an authorization request is refused.
pub(crate) enum Refusal {
    /// No trustworthy redirect URI: show `/error`.
    ErrorPage(String),
    /// Send the error back to the (registered) callback.
    Callback {
        redirect_uri: String,
        error: &'static str,
        state: Option<String>,
    },
}

impl Refusal {
    pub fn into_response(self, pool: &UserPool) -> Response {
        match self {
            Refusal::ErrorPage(q) => found(&format!("{}/error?{q}", pool.base_path())),
            Refusal::Callback {
                redirect_uri,
                error,
                state,
            } => {
                let mut pairs = vec![("error", error)];
                if let Some(s) = &state {
                    pairs.push(("state", s));
                }
                found(&append_query(&redirect_uri, &pairs))
            }
        }
    }
}

fn error_page_query(error: &str, client_id: Option<&str>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("error", error);
    if let Some(c) = client_id.filter(|c| c.len() <= 128) {
        s.append_pair("client_id", c);
    }
    s.finish()
}

/// Checks the client, the redirect URI, the response type, PKCE and scopes.
pub(crate) fn check_authorize(pool: &UserPool, p: &OAuthParams) -> Result<Authorized, Refusal> {
    let Some((pc, client)) = p.client_id.as_deref().and_then(|c| pool.client(c)) else {
        return Err(Refusal::ErrorPage(error_page_query(
            "redirect_mismatch",
            p.client_id.as_deref(),
        )));
    };
    let Some(redirect_uri) = p
        .redirect_uri
        .clone()
        .filter(|r| client.callback_urls.contains(r))
    else {
        return Err(Refusal::ErrorPage(error_page_query(
            "redirect_mismatch",
            Some(&client.id),
        )));
    };
    let refuse = |error| Refusal::Callback {
        redirect_uri: redirect_uri.clone(),
        error,
        state: p.state.clone(),
    };
    let implicit = match p.response_type.as_deref() {
        Some("code") if client.allows(OAuthFlow::Code) => false,
        Some("token") if client.allows(OAuthFlow::Implicit) => true,
        Some("code" | "token") => return Err(refuse("unauthorized_client")),
        Some(_) => return Err(refuse("unsupported_response_type")),
        None => return Err(refuse("invalid_request")),
    };
    // Cognito supports only S256; `plain`, or a method without a challenge, is refused.
    match (&p.code_challenge, p.code_challenge_method.as_deref()) {
        (None, None) => {}
        (Some(c), Some("S256")) if (43..=128).contains(&c.len()) => {}
        _ => return Err(refuse("invalid_request")),
    }
    let requested: Vec<String> = match &p.scope {
        Some(s) => s
            .split(' ')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect(),
        None => client.allowed_scopes.clone(),
    };
    // Scopes the client may not use are dropped silently; custom (resource server) scopes
    // belong to client_credentials only.
    let mut scopes: Vec<String> = vec![];
    for s in requested {
        if client.allowed_scopes.contains(&s) && !s.contains('/') && !scopes.contains(&s) {
            scopes.push(s);
        }
    }
    if scopes.is_empty() {
        return Err(refuse("invalid_scope"));
    }
    Ok(Authorized {
        pool_id: pc.id.clone(),
        client_id: client.id.clone(),
        redirect_uri,
        implicit,
        scopes,
        state: p.state.clone(),
        nonce: p.nonce.clone(),
        code_challenge: p.code_challenge.clone(),
    })
}

// ---- discovery and JWKS --------------------------------------------------------------------

fn unknown_pool(pool_id: &str) -> Response {
    let msg = format!("User pool {pool_id} does not exist.");
    (StatusCode::NOT_FOUND, Json(json!({ "message": msg }))).into_response()
}

async fn discovery(State(pool): State<UserPool>, Path(pool_id): Path<String>) -> Response {
    if pool.pool_config(&pool_id).is_err() {
        return unknown_pool(&pool_id);
    }
    let base = pool.base();
    let issuer = format!("{base}/{pool_id}");
    // Exactly Cognito's twelve keys: no code_challenge_methods_supported, no grant_types_supported.
    let mut resp = Json(json!({
        "authorization_endpoint": format!("{base}/oauth2/authorize"),
        "end_session_endpoint": format!("{base}/logout"),
        "id_token_signing_alg_values_supported": ["RS256"],
        "issuer": issuer,
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "response_types_supported": ["code", "token"],
        "revocation_endpoint": format!("{base}/oauth2/revoke"),
        "scopes_supported": ["openid", "email", "phone", "profile"],
        "subject_types_supported": ["public"],
        "token_endpoint": format!("{base}/oauth2/token"),
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "userinfo_endpoint": format!("{base}/oauth2/userInfo"),
    }))
    .into_response();
    cors(&mut resp);
    resp
}

/// Discovery at the hosted-UI root: the classic mistake of using the hosted-UI domain as
/// the issuer. Say so, and name the real issuers.
async fn not_the_issuer(State(pool): State<UserPool>) -> Response {
    let issuers: Vec<String> = pool
        .pools()
        .iter()
        .map(|p| format!("{}/{}", pool.base(), p.id))
        .collect();
    let msg = format!(
        "This is the hosted-UI domain, not an issuer. The issuer is {{hosted UI}}/{{pool id}}: {}",
        issuers.join(", ")
    );
    (
        StatusCode::NOT_FOUND,
        Json(json!({ "error": "not_an_issuer", "message": msg, "issuers": issuers })),
    )
        .into_response()
}

async fn jwks(
    State(pool): State<UserPool>,
    Path(pool_id): Path<String>,
) -> Result<Response, HttpError> {
    let Ok(pc) = pool.pool_config(&pool_id) else {
        return Ok(unknown_pool(&pool_id));
    };
    let keys: Vec<Value> = pool
        .published_keys(pc)
        .await?
        .iter()
        .map(|(_, k)| keys::jwk(k))
        .collect();
    let mut resp = Json(json!({ "keys": keys })).into_response();
    cors(&mut resp);
    Ok(resp)
}

// ---- authorize -----------------------------------------------------------------------------

async fn authorize(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    Query(q): Query<Vec<(String, String)>>,
) -> Result<Response, HttpError> {
    let mut m = HashMap::new();
    for (k, v) in q {
        if v.len() > MAX_PARAM {
            return Ok(found(&format!(
                "{}/error?error=invalid_request",
                pool.base_path()
            )));
        }
        m.entry(k).or_insert(v);
    }
    let params = OAuthParams::from_map(&m);
    let auth = match check_authorize(&pool, &params) {
        Ok(a) => a,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let refuse = |error| {
        Refusal::Callback {
            redirect_uri: auth.redirect_uri.clone(),
            error,
            state: auth.state.clone(),
        }
        .into_response(&pool)
    };
    // No federation here: only the pool's own directory.
    if let Some(idp) = m.get("identity_provider") {
        if idp != "COGNITO" {
            return Ok(refuse("invalid_request"));
        }
    }
    if m.contains_key("idp_identifier") {
        return Ok(refuse("invalid_request"));
    }
    let prompt = m.get("prompt").map(String::as_str).unwrap_or("");
    let prompts: Vec<&str> = prompt.split(' ').collect();
    let session = if prompts.contains(&"login") {
        None
    } else {
        hosted_session::current(&pool, &headers, &auth.pool_id).await?
    };
    match session {
        Some((sub, auth_time)) => complete_sign_in(&pool, &auth, &sub, auth_time).await,
        None if prompts.contains(&"none") => Ok(refuse("login_required")),
        None => {
            let mut extra = vec![];
            if let Some(h) = m.get("login_hint") {
                extra.push(("login_hint", h.as_str()));
            }
            if let Some(l) = m.get("lang") {
                extra.push(("lang", l.as_str()));
            }
            let to = format!("{}/login?{}", pool.base_path(), params.query(&extra));
            Ok(found(&to))
        }
    }
}

/// The user is authenticated: redirect to the callback with a code (or, for the implicit
/// flow, tokens in the fragment).
pub(crate) async fn complete_sign_in(
    pool: &UserPool,
    auth: &Authorized,
    sub: &str,
    auth_time: i64,
) -> Result<Response, HttpError> {
    let now = pool.now();
    if auth.implicit {
        let pc = pool.pool_config(&auth.pool_id)?;
        let user = pool
            .store()
            .user_by_sub(&auth.pool_id, sub)
            .await?
            .ok_or_else(|| HttpError::oauth("invalid_grant"))?;
        let scopes: Vec<&str> = auth.scopes.iter().map(String::as_str).collect();
        let tokens = issue_user_tokens(
            pool,
            pc,
            &auth.client_id,
            &user,
            &scopes,
            auth_time,
            auth.nonce.as_deref(),
            None,
            false,
        )
        .await?;
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        if let Some(id) = &tokens.id_token {
            s.append_pair("id_token", id);
        }
        s.append_pair("access_token", &tokens.access_token);
        s.append_pair("expires_in", &tokens.expires_in.to_string());
        s.append_pair("token_type", "Bearer");
        if let Some(st) = &auth.state {
            s.append_pair("state", st);
        }
        return Ok(found(&format!("{}#{}", auth.redirect_uri, s.finish())));
    }
    // Cognito's codes are UUIDs; only the hash is stored.
    let code = uuid::Uuid::new_v4().to_string();
    pool.store()
        .insert_auth_code(
            &tokens::hash_secret(&code),
            &AuthCodeRow {
                pool_id: auth.pool_id.clone(),
                client_id: auth.client_id.clone(),
                sub: sub.to_string(),
                redirect_uri: auth.redirect_uri.clone(),
                scope: auth.scopes.join(" "),
                nonce: auth.nonce.clone(),
                code_challenge: auth.code_challenge.clone(),
                auth_time,
                expires_at: now + AUTH_CODE_SECS,
                used: false,
            },
        )
        .await?;
    let mut pairs = vec![("code", code.as_str())];
    if let Some(s) = &auth.state {
        pairs.push(("state", s));
    }
    Ok(found(&append_query(&auth.redirect_uri, &pairs)))
}

// ---- token ---------------------------------------------------------------------------------

/// Tokens issued to a user.
pub(crate) struct UserTokens {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
}

/// Signs an access token and (with `openid`) an ID token. A new sign-in (`origin`: None)
/// also gets a refresh token when `with_refresh`.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue_user_tokens(
    pool: &UserPool,
    pc: &PoolConfig,
    client_id: &str,
    user: &UserRow,
    scopes: &[&str],
    auth_time: i64,
    nonce: Option<&str>,
    origin: Option<&SignInRow>,
    with_refresh: bool,
) -> Result<UserTokens, HttpError> {
    let now = pool.now();
    let t = pc.token_validity;
    let issuer = format!("{}/{}", pool.base(), pc.id);
    let groups = pool.store().groups_of(&user.sub).await?;
    let (origin_jti, event_id) = match origin {
        Some(o) => (o.origin_jti.clone(), o.event_id.clone()),
        None => {
            let o = SignInRow {
                origin_jti: uuid::Uuid::new_v4().to_string(),
                pool_id: pc.id.clone(),
                client_id: client_id.to_string(),
                sub: user.sub.clone(),
                event_id: uuid::Uuid::new_v4().to_string(),
                auth_time,
                scope: scopes.join(" "),
                revoked: false,
            };
            let expires = now + 60 * i64::from(t.refresh_token_minutes);
            pool.store().insert_sign_in(&o, now, expires).await?;
            (o.origin_jti, o.event_id)
        }
    };
    let issue = Issue {
        issuer: &issuer,
        client_id,
        scopes,
        groups: &groups,
        origin_jti: &origin_jti,
        event_id: &event_id,
        auth_time,
        now,
        nonce,
    };
    let access_life = 60 * i64::from(t.access_token_minutes);
    let access_key = pool.signing_key(pc, Purpose::Access).await?;
    let access_token = tokens::sign(
        &access_key,
        &tokens::access_claims(&issue, user, access_life),
    )?;
    let id_token = if scopes.contains(&"openid") {
        let id_key = pool.signing_key(pc, Purpose::Id).await?;
        let claims = tokens::id_claims(
            &issue,
            user,
            &access_token,
            60 * i64::from(t.id_token_minutes),
        );
        Some(tokens::sign(&id_key, &claims)?)
    } else {
        None
    };
    let refresh_token = if with_refresh {
        let rt = tokens::random_secret(64);
        let expires = now + 60 * i64::from(t.refresh_token_minutes);
        pool.store()
            .insert_refresh(&tokens::hash_secret(&rt), &origin_jti, now, expires)
            .await?;
        Some(rt)
    } else {
        None
    };
    Ok(UserTokens {
        access_token,
        id_token,
        refresh_token,
        expires_in: access_life,
    })
}

/// The token endpoint's reply for a user's tokens (authorization_code and refresh_token grants):
/// no `refresh_token` key when none was issued, as Cognito answers a refresh without rotation.
fn user_tokens_response(t: UserTokens) -> Response {
    let mut body = Map::new();
    if let Some(id) = t.id_token {
        body.insert("id_token".into(), id.into());
    }
    body.insert("access_token".into(), t.access_token.into());
    if let Some(r) = t.refresh_token {
        body.insert("refresh_token".into(), r.into());
    }
    body.insert("expires_in".into(), t.expires_in.into());
    body.insert("token_type".into(), "Bearer".into());
    token_response(Value::Object(body))
}

fn token_response(body: Value) -> Response {
    let mut resp = Json(body).into_response();
    no_store(&mut resp);
    cors(&mut resp);
    resp
}

/// Decodes HTTP Basic credentials; each half is form-urlencoded (RFC 6749 §2.3.1).
/// Returns the id, the decoded secret, and the secret as sent (clients that skip the
/// encoding still work when the secret has no special characters, or matches raw).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, String, String)>, HttpError> {
    let Some(h) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let bad = || HttpError::oauth("invalid_client");
    let s = h.to_str().map_err(|_| bad())?;
    let Some(b64) = s
        .strip_prefix("Basic ")
        .or_else(|| s.strip_prefix("basic "))
    else {
        return Err(bad());
    };
    let raw = STANDARD.decode(b64.trim()).map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let (id, secret) = raw.split_once(':').ok_or_else(bad)?;
    let dec = |x: &str| {
        url::form_urlencoded::parse(format!("x={x}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    Ok(Some((dec(id), dec(secret), secret.to_string())))
}

/// Authenticates the client by Basic header or body; secrets compared in constant time.
fn authenticate_client<'p>(
    pool: &'p UserPool,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(&'p PoolConfig, &'p ClientConfig), HttpError> {
    let invalid = || HttpError::oauth("invalid_client");
    let (id, secret, raw) = match basic_credentials(headers)? {
        Some((id, secret, raw)) => {
            if form.get("client_id").is_some_and(|c| *c != id) {
                return Err(invalid());
            }
            (id, Some(secret), Some(raw))
        }
        None => {
            let Some(id) = form.get("client_id") else {
                return Err(HttpError::oauth("invalid_request"));
            };
            (id.clone(), form.get("client_secret").cloned(), None)
        }
    };
    let (pc, client) = pool.client(&id).ok_or_else(invalid)?;
    let matches = |expected: &str, given: &Option<String>| {
        given
            .as_deref()
            .is_some_and(|g| bool::from(expected.as_bytes().ct_eq(g.as_bytes())))
    };
    match (&client.secret, &secret) {
        (Some(expected), Some(_)) if matches(expected, &secret) | matches(expected, &raw) => {}
        (None, None) => {}
        (None, Some(s)) if s.is_empty() => {}
        _ => return Err(invalid()),
    }
    Ok((pc, client))
}

fn form_body(headers: &HeaderMap, body: &Bytes) -> Result<HashMap<String, String>, HttpError> {
    if !is_form_urlencoded(headers) {
        return Err(HttpError::oauth_desc(
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    parse_form(body).ok_or_else(|| HttpError::oauth("invalid_request"))
}

async fn token(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    let form = form_body(&headers, &body)?;
    let grant = form
        .get("grant_type")
        .cloned()
        .ok_or_else(|| HttpError::oauth("invalid_request"))?;
    if !matches!(
        grant.as_str(),
        "authorization_code" | "refresh_token" | "client_credentials"
    ) {
        return Err(HttpError::oauth("unsupported_grant_type"));
    }
    let (pc, client) = authenticate_client(&pool, &headers, &form)?;
    match grant.as_str() {
        "authorization_code" => code_grant(&pool, pc, client, &form).await,
        "refresh_token" => refresh_grant(&pool, pc, client, &form).await,
        _ => client_credentials_grant(&pool, pc, client, &form).await,
    }
}

async fn code_grant(
    pool: &UserPool,
    pc: &PoolConfig,
    client: &ClientConfig,
    form: &HashMap<String, String>,
) -> Result<Response, HttpError> {
    if !client.allows(OAuthFlow::Code) {
        return Err(HttpError::oauth("unauthorized_client"));
    }
    let (Some(code), Some(redirect_uri)) = (form.get("code"), form.get("redirect_uri")) else {
        return Err(HttpError::oauth("invalid_request"));
    };
    let grant = HttpError::oauth("invalid_grant");
    let Some(row) = pool
        .store()
        .take_auth_code(&tokens::hash_secret(code))
        .await?
    else {
        return Err(grant);
    };
    if row.used
        || row.expires_at <= pool.now()
        || row.client_id != client.id
        || row.pool_id != pc.id
    {
        return Err(grant);
    }
    if &row.redirect_uri != redirect_uri {
        return Err(grant);
    }
    match (&row.code_challenge, form.get("code_verifier")) {
        (None, None) => {}
        (Some(challenge), Some(verifier)) => {
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if !bool::from(computed.as_bytes().ct_eq(challenge.as_bytes())) {
                return Err(grant);
            }
        }
        _ => return Err(grant),
    }
    let Some(user) = pool
        .store()
        .user_by_sub(&pc.id, &row.sub)
        .await?
        .filter(|u| u.confirmed)
    else {
        return Err(grant);
    };
    let scopes: Vec<&str> = row.scope.split(' ').filter(|s| !s.is_empty()).collect();
    let t = issue_user_tokens(
        pool,
        pc,
        &client.id,
        &user,
        &scopes,
        row.auth_time,
        row.nonce.as_deref(),
        None,
        true,
    )
    .await?;
    Ok(user_tokens_response(t))
}

async fn refresh_grant(
    pool: &UserPool,
    pc: &PoolConfig,
    client: &ClientConfig,
    form: &HashMap<String, String>,
) -> Result<Response, HttpError> {
    let Some(rt) = form.get("refresh_token") else {
        return Err(HttpError::oauth("invalid_request"));
    };
    let grant = || HttpError::oauth_desc("invalid_grant", "Invalid Refresh Token");
    let hash = tokens::hash_secret(rt);
    let Some((origin_jti, expires_at, replaced)) = pool.store().refresh(&hash).await? else {
        return Err(grant());
    };
    let now = pool.now();
    if replaced || expires_at <= now {
        return Err(grant());
    }
    let Some(origin) = pool.store().sign_in(&origin_jti).await? else {
        return Err(grant());
    };
    if origin.revoked || origin.client_id != client.id || origin.pool_id != pc.id {
        return Err(grant());
    }
    let Some(user) = pool
        .store()
        .user_by_sub(&pc.id, &origin.sub)
        .await?
        .filter(|u| u.confirmed)
    else {
        return Err(grant());
    };
    if client.refresh_token_rotation && !pool.store().retire_refresh(&hash).await? {
        // Someone else used this token a moment ago.
        return Err(grant());
    }
    let scopes: Vec<&str> = origin.scope.split(' ').filter(|s| !s.is_empty()).collect();
    let t = issue_user_tokens(
        pool,
        pc,
        &client.id,
        &user,
        &scopes,
        origin.auth_time,
        None,
        Some(&origin),
        client.refresh_token_rotation,
    )
    .await?;
    Ok(user_tokens_response(t))
}

async fn client_credentials_grant(
    pool: &UserPool,
    pc: &PoolConfig,
    client: &ClientConfig,
    form: &HashMap<String, String>,
) -> Result<Response, HttpError> {
    if !client.allows(OAuthFlow::ClientCredentials) || client.secret.is_none() {
        return Err(HttpError::oauth("unauthorized_client"));
    }
    let custom: Vec<&str> = client
        .allowed_scopes
        .iter()
        .map(String::as_str)
        .filter(|s| s.contains('/'))
        .collect();
    let scopes: Vec<&str> = match form.get("scope") {
        Some(s) => {
            let requested: Vec<&str> = s.split(' ').filter(|x| !x.is_empty()).collect();
            if requested.iter().any(|r| !custom.contains(r)) {
                return Err(HttpError::oauth("invalid_scope"));
            }
            requested
        }
        None => custom,
    };
    if scopes.is_empty() {
        return Err(HttpError::oauth("invalid_scope"));
    }
    let now = pool.now();
    let life = 60 * i64::from(pc.token_validity.access_token_minutes);
    let issuer = format!("{}/{}", pool.base(), pc.id);
    let key = pool.signing_key(pc, Purpose::Access).await?;
    let claims = tokens::client_access_claims(&issuer, &client.id, &scopes, now, life);
    let access_token = tokens::sign(&key, &claims)?;
    Ok(token_response(json!({
        "access_token": access_token,
        "expires_in": life,
        "token_type": "Bearer",
    })))
}

// ---- userInfo ------------------------------------------------------------------------------

/// Verifies an access token of any pool: signature (current or still-published key), issuer,
/// expiry on the pool's clock, `token_use`, and that its sign-in was not revoked.
async fn verify_access_token(
    pool: &UserPool,
    token: &str,
) -> Result<(String, Map<String, Value>), HttpError> {
    let invalid = HttpError::InvalidToken;
    let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("Invalid token"))?;
    if header.alg != Algorithm::RS256 {
        return Err(invalid("Invalid token"));
    }
    let kid = header.kid.ok_or(invalid("Invalid token"))?;
    for pc in pool.pools() {
        let keys = pool.published_keys(pc).await?;
        let Some((_, key)) = keys
            .iter()
            .find(|(p, k)| *p == Purpose::Access && k.kid == kid)
        else {
            continue;
        };
        let mut v = Validation::new(Algorithm::RS256);
        // Expiry is checked below against the pool's clock; Cognito access tokens have no aud.
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v.set_issuer(&[format!("{}/{}", pool.base(), pc.id)]);
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &key.decoding, &v)
            .map_err(|_| invalid("Invalid token"))?;
        let claims = data.claims;
        let exp = claims.get("exp").and_then(Value::as_i64).unwrap_or(0);
        if exp <= pool.now() {
            return Err(invalid("Access token has expired"));
        }
        if claims.get("token_use").and_then(Value::as_str) != Some("access") {
            return Err(invalid("Invalid token"));
        }
        return Ok((pc.id.clone(), claims));
    }
    Err(invalid("Invalid token"))
}

async fn userinfo(State(pool): State<UserPool>, headers: HeaderMap) -> Result<Response, HttpError> {
    let invalid = HttpError::InvalidToken;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| {
            s.strip_prefix("Bearer ")
                .or_else(|| s.strip_prefix("bearer "))
        })
        .map(str::trim)
        .ok_or(invalid("Access token is missing"))?;
    let (pool_id, claims) = verify_access_token(&pool, token).await?;
    let scope = claims.get("scope").and_then(Value::as_str).unwrap_or("");
    let scopes: Vec<&str> = scope.split(' ').collect();
    if !scopes.contains(&"openid") && !scopes.contains(&"aws.cognito.signin.user.admin") {
        return Err(invalid("Access token does not have the openid scope"));
    }
    let origin = claims
        .get("origin_jti")
        .and_then(Value::as_str)
        .unwrap_or("");
    match pool.store().sign_in(origin).await? {
        Some(s) if !s.revoked => {}
        _ => return Err(invalid("Access token has been revoked")),
    }
    let sub = claims.get("sub").and_then(Value::as_str).unwrap_or("");
    let Some(user) = pool.store().user_by_sub(&pool_id, sub).await? else {
        return Err(invalid("User does not exist."));
    };
    let mut body = tokens::visible_attributes(&user, &scopes, true);
    body.insert("sub".into(), user.sub.clone().into());
    body.insert("username".into(), user.sub.clone().into());
    let mut resp = Json(Value::Object(body)).into_response();
    no_store(&mut resp);
    cors(&mut resp);
    Ok(resp)
}

// ---- revoke --------------------------------------------------------------------------------

async fn revoke(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, HttpError> {
    let form = form_body(&headers, &body)?;
    let (_, client) = authenticate_client(&pool, &headers, &form)?;
    let Some(token) = form.get("token") else {
        return Err(HttpError::oauth("invalid_request"));
    };
    // Only refresh tokens can be revoked; a JWT here is an access or ID token.
    if token.split('.').count() == 3 && token.starts_with("eyJ") {
        return Err(HttpError::oauth("unsupported_token_type"));
    }
    if let Some((origin_jti, _, _)) = pool.store().refresh(&tokens::hash_secret(token)).await? {
        if let Some(origin) = pool.store().sign_in(&origin_jti).await? {
            if origin.client_id != client.id {
                return Err(HttpError::oauth("unauthorized_client"));
            }
            pool.store().revoke_sign_in(&origin_jti).await?;
        }
    }
    let mut resp = StatusCode::OK.into_response();
    no_store(&mut resp);
    cors(&mut resp);
    Ok(resp)
}

// ---- logout --------------------------------------------------------------------------------

async fn logout(
    State(pool): State<UserPool>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let client_id = q.get("client_id").map(String::as_str);
    let Some((pc, client)) = client_id.and_then(|c| pool.client(c)) else {
        return Err(HttpError::ErrorPage(format!(
            "{}/error?{}",
            pool.base_path(),
            error_page_query("redirect_mismatch", client_id)
        )));
    };
    let bad_redirect = || {
        HttpError::ErrorPage(format!(
            "{}/error?{}",
            pool.base_path(),
            error_page_query("redirect_mismatch", Some(&client.id))
        ))
    };
    let target = if let Some(logout_uri) = q.get("logout_uri") {
        if !client.logout_urls.contains(logout_uri) {
            return Err(bad_redirect());
        }
        logout_uri.clone()
    } else if let Some(redirect_uri) = q.get("redirect_uri") {
        // Sign out, then sign in again (e.g. as another user).
        let p = OAuthParams::from_map(&q);
        if let Err(r) = check_authorize(&pool, &p) {
            return Ok(r.into_response(&pool));
        }
        let _ = redirect_uri;
        format!("{}/login?{}", pool.base_path(), p.query(&[]))
    } else {
        return Err(bad_redirect());
    };
    let cleared = hosted_session::end(&pool, &headers, &pc.id).await?;
    let mut resp = found(&target);
    resp.headers_mut().append(header::SET_COOKIE, cleared);
    Ok(resp)
}
