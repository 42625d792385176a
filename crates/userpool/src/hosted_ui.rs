//! The hosted UI's pages: sign in, sign up, confirm, forgot password, and the error page.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::config::valid_email;
use crate::error::{Error, HttpError};
use crate::hosted_session;
use crate::http::{found, parse_form, MAX_BODY};
use crate::oauth2::authorize::complete_sign_in;
use crate::oauth2::params::{check_authorize, Authorized, OAuthParams, Refusal};
use crate::pool::UserPool;
use crate::store::CodeProblem;
use crate::{LOCKOUT_AFTER, LOCKOUT_DURATION};

/// Cognito's messages, word for word.
const BAD_CREDENTIALS: &str = "Incorrect username or password.";
const LOCKED: &str = "Password attempts exceeded";
const USER_EXISTS: &str = "An account with the given email already exists.";
const BAD_CODE: &str = "Invalid verification code provided, please try again.";
const EXPIRED_CODE: &str = "Invalid code provided, please request a code again.";
const BAD_EMAIL: &str = "Username should be an email.";

/// Longest username or name accepted (Cognito: 128 and 2048).
const MAX_USERNAME: usize = 128;
const MAX_NAME: usize = 2048;
const MAX_PASSWORD: usize = 256;

pub(crate) fn router(pool: UserPool) -> Router {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/signup", get(signup_page).post(signup))
        .route("/confirmUser", get(confirm_page).post(confirm))
        .route("/forgotPassword", get(forgot_page).post(forgot))
        .route(
            "/confirmForgotPassword",
            get(confirm_forgot_page).post(confirm_forgot),
        )
        .route("/resendcode", get(resend_code))
        .route("/error", get(error_page))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(pool)
}

/// Every page is one template; `kind` picks the form.
#[derive(Template, Default)]
#[template(path = "page.html")]
struct Page {
    kind: &'static str,
    title: String,
    app: String,
    base: String,
    error: Option<String>,
    info: Option<String>,
    /// OAuth parameters as hidden fields.
    hidden: Vec<(String, String)>,
    /// The same, as a query string for links between pages.
    q: String,
    username: String,
    name: String,
    error_code: String,
    /// The pool's password policy in words.
    password_hint: String,
}

impl Page {
    fn new(
        pool: &UserPool,
        kind: &'static str,
        title: &str,
        params: &OAuthParams,
        pool_id: Option<&str>,
    ) -> Self {
        let config = pool_id.and_then(|id| pool.pool_config(id).ok());
        let app = config
            .map(|p| p.name.clone().unwrap_or_else(|| p.id.clone()))
            .unwrap_or_else(|| "Sign in".to_string());
        let password_hint = config
            .map(|p| p.password_policy.describe())
            .unwrap_or_default();
        Page {
            kind,
            title: title.to_string(),
            app,
            base: pool.base_path(),
            hidden: params.pairs(),
            q: params.query(&[]),
            password_hint,
            ..Page::default()
        }
    }

    fn error(mut self, e: &str) -> Self {
        self.error = Some(e.to_string());
        self
    }

    fn user(mut self, u: &str) -> Self {
        self.username = u.to_string();
        self
    }

    fn render_with(self, status: StatusCode) -> Result<Response, HttpError> {
        let html = self.render()?;
        let mut resp = (status, Html(html)).into_response();
        let h = resp.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        // No scripts, no framing: the pages need neither.
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
            ),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        Ok(resp)
    }

    fn ok(self) -> Result<Response, HttpError> {
        self.render_with(StatusCode::OK)
    }
}

/// The OAuth request the page belongs to, checked; or the response refusing it.
fn checked(
    pool: &UserPool,
    m: &HashMap<String, String>,
) -> Result<(OAuthParams, Authorized), Refusal> {
    let params = OAuthParams::from_map(m);
    check_authorize(pool, &params).map(|a| (params, a))
}

fn bad_form(pool: &UserPool) -> Result<Response, HttpError> {
    Page {
        kind: "error",
        title: "Invalid request".into(),
        app: "Sign in".into(),
        base: pool.base_path(),
        error_code: "invalid_request".into(),
        ..Page::default()
    }
    .render_with(StatusCode::BAD_REQUEST)
}

fn field<'a>(m: &'a HashMap<String, String>, k: &str) -> &'a str {
    m.get(k).map(String::as_str).unwrap_or("")
}

/// Signs the user in: session cookie, then the redirect to the callback.
async fn signed_in(pool: &UserPool, auth: &Authorized, sub: &str) -> Result<Response, HttpError> {
    let now = pool.now();
    let cookie = hosted_session::start(pool, &auth.pool_id, sub, now).await?;
    let mut resp = complete_sign_in(pool, auth, sub, now).await?;
    resp.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(resp)
}

// ---- sign in -------------------------------------------------------------------------------

async fn login_page(
    State(pool): State<UserPool>,
    Query(m): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let hint = m
        .get("username")
        .or_else(|| m.get("login_hint"))
        .map(String::as_str)
        .unwrap_or("");
    let mut page = Page::new(&pool, "login", "Sign in", &params, Some(&auth.pool_id)).user(hint);
    if m.contains_key("reset") {
        page.info = Some("Your password has been reset. Sign in with the new password.".into());
    }
    page.ok()
}

async fn login(State(pool): State<UserPool>, body: Bytes) -> Result<Response, HttpError> {
    let Some(m) = parse_form(&body) else {
        return bad_form(&pool);
    };
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let username = field(&m, "username").trim();
    let password = field(&m, "password");
    let page = || Page::new(&pool, "login", "Sign in", &params, Some(&auth.pool_id)).user(username);
    if username.is_empty()
        || password.is_empty()
        || username.len() > MAX_USERNAME
        || password.len() > MAX_PASSWORD
    {
        return page().error(BAD_CREDENTIALS).ok();
    }
    let user = pool.store().user_by_email(&auth.pool_id, username).await?;
    let now = pool.now();
    if let Some(u) = &user {
        if u.locked_until > now {
            return page().error(LOCKED).ok();
        }
    }
    let ok = pool
        .verify_password(user.as_ref().map(|u| u.password_hash.as_str()), password)
        .await;
    let Some(user) = user else {
        // Same answer as a wrong password: whether the user exists is not revealed.
        return page().error(BAD_CREDENTIALS).ok();
    };
    if !ok {
        let lock_until = now + LOCKOUT_DURATION.as_secs() as i64;
        let failures = pool
            .store()
            .record_failed_password(&user.sub, LOCKOUT_AFTER, lock_until)
            .await?;
        tracing::info!(pool = %auth.pool_id, sub = %user.sub, failures, "sign-in refused: wrong password");
        let msg = if failures >= LOCKOUT_AFTER {
            LOCKED
        } else {
            BAD_CREDENTIALS
        };
        return page().error(msg).ok();
    }
    pool.store().reset_failed_passwords(&user.sub).await?;
    if !user.confirmed {
        // Cognito's hosted UI sends a fresh code and asks for it.
        pool.send_code(&auth.pool_id, &user.sub, &user.email, "confirm")
            .await?;
        let to = format!(
            "{}/confirmUser?{}",
            pool.base_path(),
            params.query(&[("username", &user.email)])
        );
        return Ok(found(&to));
    }
    signed_in(&pool, &auth, &user.sub).await
}

// ---- sign up -------------------------------------------------------------------------------

async fn signup_page(
    State(pool): State<UserPool>,
    Query(m): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    Page::new(&pool, "signup", "Sign up", &params, Some(&auth.pool_id)).ok()
}

async fn signup(State(pool): State<UserPool>, body: Bytes) -> Result<Response, HttpError> {
    let Some(m) = parse_form(&body) else {
        return bad_form(&pool);
    };
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let email = field(&m, "username").trim();
    let password = field(&m, "password");
    let name = field(&m, "name").trim();
    let page = || {
        let mut p = Page::new(&pool, "signup", "Sign up", &params, Some(&auth.pool_id)).user(email);
        p.name = name.to_string();
        p
    };
    if !valid_email(email) || email.len() > MAX_USERNAME {
        return page().error(BAD_EMAIL).ok();
    }
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return page()
            .error("Invalid name: at most 2048 printable characters.")
            .ok();
    }
    if password.len() > MAX_PASSWORD {
        return page()
            .error("Password did not conform with policy: Password is too long")
            .ok();
    }
    let pc = pool.pool_config(&auth.pool_id)?;
    if let Err(msg) = pc.password_policy.check(password) {
        return page().error(&msg).ok();
    }
    let mut attributes = std::collections::BTreeMap::new();
    if !name.is_empty() {
        attributes.insert("name".to_string(), name.to_string());
    }
    let sub = uuid::Uuid::new_v4().to_string();
    let hash = pool.hash_password(password).await?;
    match pool
        .store()
        .insert_user(
            &auth.pool_id,
            &sub,
            email,
            &hash,
            false,
            false,
            &attributes,
            pool.now(),
        )
        .await
    {
        Ok(()) => {}
        Err(Error::UserExists) => return page().error(USER_EXISTS).ok(),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(pool = %auth.pool_id, sub = %sub, "user signed up");
    pool.send_code(&auth.pool_id, &sub, email, "confirm")
        .await?;
    let to = format!(
        "{}/confirmUser?{}",
        pool.base_path(),
        params.query(&[("username", email)])
    );
    Ok(found(&to))
}

// ---- confirm sign-up -----------------------------------------------------------------------

fn confirm_form(pool: &UserPool, params: &OAuthParams, pool_id: &str, username: &str) -> Page {
    let mut p = Page::new(
        pool,
        "confirm",
        "Confirm your account",
        params,
        Some(pool_id),
    )
    .user(username);
    p.info = Some("We have sent a code by email. Enter it below to confirm your account.".into());
    p
}

async fn confirm_page(
    State(pool): State<UserPool>,
    Query(m): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    confirm_form(&pool, &params, &auth.pool_id, field(&m, "username")).ok()
}

async fn confirm(State(pool): State<UserPool>, body: Bytes) -> Result<Response, HttpError> {
    let Some(m) = parse_form(&body) else {
        return bad_form(&pool);
    };
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let username = field(&m, "username").trim();
    let code = field(&m, "code").trim();
    let page = || confirm_form(&pool, &params, &auth.pool_id, username);
    if username.len() > MAX_USERNAME || code.is_empty() || code.len() > 16 {
        return page().error(BAD_CODE).ok();
    }
    let Some(user) = pool.store().user_by_email(&auth.pool_id, username).await? else {
        return page().error(BAD_CODE).ok();
    };
    if user.confirmed {
        return page()
            .error("User cannot be confirmed. Current status is CONFIRMED")
            .ok();
    }
    match pool
        .store()
        .use_user_code(&user.sub, "confirm", code, pool.now())
        .await?
    {
        Ok(()) => {}
        Err(CodeProblem::Mismatch) => return page().error(BAD_CODE).ok(),
        Err(CodeProblem::Expired) => return page().error(EXPIRED_CODE).ok(),
    }
    pool.store().confirm_user(&user.sub, pool.now()).await?;
    tracing::info!(pool = %auth.pool_id, sub = %user.sub, "user confirmed");
    // Cognito's hosted UI signs the user in once the code is accepted.
    signed_in(&pool, &auth, &user.sub).await
}

async fn resend_code(
    State(pool): State<UserPool>,
    Query(m): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let username = field(&m, "username").trim();
    if username.len() <= MAX_USERNAME {
        if let Some(user) = pool.store().user_by_email(&auth.pool_id, username).await? {
            if !user.confirmed {
                pool.send_code(&auth.pool_id, &user.sub, &user.email, "confirm")
                    .await?;
            }
        }
    }
    let to = format!(
        "{}/confirmUser?{}",
        pool.base_path(),
        params.query(&[("username", username)])
    );
    Ok(found(&to))
}

// ---- forgot password -----------------------------------------------------------------------

async fn forgot_page(
    State(pool): State<UserPool>,
    Query(m): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let mut p = Page::new(
        &pool,
        "forgot",
        "Forgot your password?",
        &params,
        Some(&auth.pool_id),
    )
    .user(field(&m, "username"));
    p.info = Some("Enter your email below and we will send a code to reset your password.".into());
    p.ok()
}

async fn forgot(State(pool): State<UserPool>, body: Bytes) -> Result<Response, HttpError> {
    let Some(m) = parse_form(&body) else {
        return bad_form(&pool);
    };
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let username = field(&m, "username").trim();
    if !valid_email(username) {
        return Page::new(
            &pool,
            "forgot",
            "Forgot your password?",
            &params,
            Some(&auth.pool_id),
        )
        .user(username)
        .error(BAD_EMAIL)
        .ok();
    }
    if let Some(user) = pool.store().user_by_email(&auth.pool_id, username).await? {
        pool.send_code(&auth.pool_id, &user.sub, &user.email, "reset")
            .await?;
    }
    // The same page whether or not the user exists.
    let to = format!(
        "{}/confirmForgotPassword?{}",
        pool.base_path(),
        params.query(&[("username", username)])
    );
    Ok(found(&to))
}

fn confirm_forgot_form(
    pool: &UserPool,
    params: &OAuthParams,
    pool_id: &str,
    username: &str,
) -> Page {
    let mut p = Page::new(
        pool,
        "confirm_forgot",
        "Reset your password",
        params,
        Some(pool_id),
    )
    .user(username);
    p.info = Some(
        "If the account exists, we have sent a code by email. Enter it below with a new password."
            .into(),
    );
    p
}

async fn confirm_forgot_page(
    State(pool): State<UserPool>,
    Query(m): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    confirm_forgot_form(&pool, &params, &auth.pool_id, field(&m, "username")).ok()
}

async fn confirm_forgot(State(pool): State<UserPool>, body: Bytes) -> Result<Response, HttpError> {
    let Some(m) = parse_form(&body) else {
        return bad_form(&pool);
    };
    let (params, auth) = match checked(&pool, &m) {
        Ok(x) => x,
        Err(r) => return Ok(r.into_response(&pool)),
    };
    let username = field(&m, "username").trim();
    let code = field(&m, "code").trim();
    let password = field(&m, "password");
    let page = || confirm_forgot_form(&pool, &params, &auth.pool_id, username);
    if username.len() > MAX_USERNAME || code.is_empty() || code.len() > 16 {
        return page().error(BAD_CODE).ok();
    }
    if password.len() > MAX_PASSWORD {
        return page()
            .error("Password did not conform with policy: Password is too long")
            .ok();
    }
    let pc = pool.pool_config(&auth.pool_id)?;
    if let Err(msg) = pc.password_policy.check(password) {
        return page().error(&msg).ok();
    }
    let Some(user) = pool.store().user_by_email(&auth.pool_id, username).await? else {
        return page().error(BAD_CODE).ok();
    };
    match pool
        .store()
        .use_user_code(&user.sub, "reset", code, pool.now())
        .await?
    {
        Ok(()) => {}
        Err(CodeProblem::Mismatch) => return page().error(BAD_CODE).ok(),
        Err(CodeProblem::Expired) => return page().error(EXPIRED_CODE).ok(),
    }
    let hash = pool.hash_password(password).await?;
    pool.store()
        .set_password(&user.sub, &hash, pool.now())
        .await?;
    // The code went to the user's email, so the email is verified now.
    if !user.confirmed {
        pool.store().confirm_user(&user.sub, pool.now()).await?;
    }
    tracing::info!(pool = %auth.pool_id, sub = %user.sub, "password reset");
    let to = format!(
        "{}/login?{}",
        pool.base_path(),
        params.query(&[("username", &user.email), ("reset", "1")])
    );
    Ok(found(&to))
}

// ---- error ---------------------------------------------------------------------------------

async fn error_page(
    State(pool): State<UserPool>,
    Query(m): Query<HashMap<String, String>>,
) -> Result<Response, HttpError> {
    let code: String = field(&m, "error").chars().take(64).collect();
    Page {
        kind: "error",
        title: "An error was encountered".into(),
        app: "Sign in".into(),
        base: pool.base_path(),
        error_code: if code.is_empty() {
            "unknown_error".into()
        } else {
            code
        },
        ..Page::default()
    }
    .render_with(StatusCode::BAD_REQUEST)
}
