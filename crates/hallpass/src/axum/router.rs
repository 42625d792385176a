//! The endpoints under the base path (default `/api/auth`), with NextAuth v4's semantics.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use http::header::{
    HeaderMap, HeaderValue, CACHE_CONTROL, CONTENT_TYPE, EXPIRES, PRAGMA, SET_COOKIE,
};
use http::request::Parts;
use http::StatusCode;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;
use url::Url;

use crate::axum::extract::SessionSlot;
use crate::axum::found;
use crate::axum::pages::{self, ProviderButton, SignInPage, SignOutPage};
use crate::cookies::{Check, RequestCookies};
use crate::error::{Error, ErrorCode};
use crate::hooks::{Event, JwtTrigger, SignInDecision};
use crate::provider::{AuthorizationChecks, AuthorizationRequest, Profile, TokenSet};
use crate::session::{iso8601, now, SessionToken};
use crate::{csrf, redirect, Hallpass};

/// Form and query fields, parsed leniently (invalid UTF-8 is replaced, never an error); the first
/// occurrence of a name wins.
struct Fields(Vec<(String, String)>);

impl Fields {
    fn parse(raw: &[u8]) -> Self {
        Fields(
            url::form_urlencoded::parse(raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> bool {
        self.get("json") == Some("true")
    }
}

/// A CSRF token for a form, from the request's valid CSRF cookie or freshly made (then the layer
/// sets the cookie on the response). Use it to build sign-in and sign-out forms in your own pages.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for CsrfToken {
    type Rejection = crate::SessionRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let hallpass = parts
            .extensions
            .get::<Hallpass>()
            .cloned()
            .ok_or(crate::SessionRejection::MissingLayer)?;
        let (token, cookie) = hallpass.csrf_token(&parts.headers);
        if let (Some(cookie), Some(slot)) = (cookie, parts.extensions.get::<SessionSlot>()) {
            slot.push_set_cookie(cookie);
        }
        Ok(CsrfToken(token))
    }
}

impl Hallpass {
    /// The auth endpoints, nested under the base path. Merge it into your app.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> Router<S> {
        let routes = Router::new()
            .route("/signin", get(signin_page))
            .route("/signin/{provider}", axum::routing::post(signin_provider))
            .route(
                "/callback/{provider}",
                get(callback_get).post(callback_post),
            )
            .route("/signout", get(signout_page).post(signout))
            .route("/session", get(session_get).post(session_post))
            .route("/csrf", get(csrf_get))
            .route("/providers", get(providers_get))
            .route("/error", get(error_page))
            .fallback(unknown_action)
            .layer(DefaultBodyLimit::max(64 * 1024))
            .with_state(self.clone());
        Router::new().nest(&self.inner.config.base_path, routes)
    }

    /// The URL a sign-in form for `provider` posts to (`{base}/signin/{provider}`).
    pub fn signin_url(&self, provider: &str) -> String {
        self.inner.config.url(&format!("/signin/{provider}"))
    }

    /// The URL a sign-out form posts to (`{base}/signout`).
    pub fn signout_url(&self) -> String {
        self.inner.config.url("/signout")
    }

    /// The CSRF token of the request's valid CSRF cookie, or a new one with the cookie to set.
    pub fn csrf_token(&self, headers: &HeaderMap) -> (String, Option<HeaderValue>) {
        let cookies = RequestCookies::new(headers);
        let secrets = self.inner.config.secret_bytes();
        if let Some(value) = cookies.get_decoded(&self.inner.cookies.csrf_name) {
            if let Some(token) = csrf::token_from_cookie(&value, &secrets) {
                return (token.to_string(), None);
            }
        }
        let (token, value) = csrf::generate(secrets[0]);
        let cookie = self
            .inner
            .cookies
            .set(&self.inner.cookies.csrf_name, &value, None);
        (token, Some(cookie))
    }

    fn csrf_ok(&self, headers: &HeaderMap, submitted: Option<&str>) -> bool {
        let cookies = RequestCookies::new(headers);
        let value = cookies.get_decoded(&self.inner.cookies.csrf_name);
        csrf::verify(
            value.as_deref(),
            submitted,
            &self.inner.config.secret_bytes(),
        )
    }

    /// The checked redirect target for a user-supplied callback URL, through the `redirect` hook.
    async fn callback_target(&self, candidate: Option<&str>) -> String {
        let origin = &self.inner.config.origin;
        let checked = redirect::callback_url(candidate.unwrap_or(""), origin);
        let hooked = self.inner.hooks.redirect(&checked, origin).await;
        redirect::callback_url(&hooked, origin)
    }

    /// Logs the cause and sends the user to the error page (or answers `{url}` for `json=true`).
    fn fail(
        &self,
        err: Error,
        phase: ErrorCode,
        json: bool,
        cookies: Vec<HeaderValue>,
    ) -> Response {
        let code = match err.code() {
            ErrorCode::Configuration | ErrorCode::AccessDenied => err.code(),
            _ => phase,
        };
        match code {
            ErrorCode::Configuration => {
                tracing::error!("sign-in failed ({}): {err}", code.as_str())
            }
            _ => tracing::warn!("sign-in failed ({}): {err}", code.as_str()),
        }
        let config = &self.inner.config;
        let page = config
            .pages
            .error
            .as_deref()
            .map(|p| format!("{}{p}", config.origin.as_str().trim_end_matches('/')))
            .unwrap_or_else(|| config.url("/error"));
        let mut query = vec![("error", code.as_str().to_string())];
        if config.debug {
            query.push(("cause", err.to_string()));
        }
        let url = format!(
            "{page}?{}",
            serde_urlencoded::to_string(query).unwrap_or_default()
        );
        answer(json, &url, cookies)
    }

    async fn event(&self, event: Event<'_>) {
        if let Err(e) = self.inner.hooks.event(event).await {
            tracing::warn!("an event hook failed (ignored): {e}");
        }
    }

    fn expire_checks(&self) -> Vec<HeaderValue> {
        Check::ALL
            .iter()
            .map(|c| self.inner.cookies.expire(self.inner.cookies.check_name(*c)))
            .collect()
    }
}

/// A 302 to `url`, or `200 {"url": url}` when the client asked for JSON; with cookies.
fn answer(json: bool, url: &str, cookies: Vec<HeaderValue>) -> Response {
    let mut res = if json {
        Json(json!({ "url": url })).into_response()
    } else {
        found(url)
    };
    with_cookies(&mut res, cookies);
    res
}

fn with_cookies(res: &mut Response, cookies: Vec<HeaderValue>) {
    for c in cookies {
        res.headers_mut().append(SET_COOKIE, c);
    }
}

fn no_store(res: &mut Response) {
    let h = res.headers_mut();
    h.insert(
        CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache, no-store"),
    );
    h.insert(PRAGMA, HeaderValue::from_static("no-cache"));
    h.insert(EXPIRES, HeaderValue::from_static("0"));
}

async fn signin_page(
    State(h): State<Hallpass>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let config = &h.inner.config;
    if let Some(page) = &config.pages.sign_in {
        let url = match &q {
            Some(q) => format!("{page}?{q}"),
            None => page.clone(),
        };
        return answer(false, &url, Vec::new());
    }
    let q = Fields::parse(q.as_deref().unwrap_or("").as_bytes());
    let callback = h.callback_target(q.get("callbackUrl")).await;
    let (token, cookie) = h.csrf_token(&headers);
    let error = if q.get("csrf") == Some("true") {
        Some(pages::sign_in_error("csrf"))
    } else {
        q.get("error").map(pages::sign_in_error)
    };
    let page = SignInPage {
        providers: h
            .providers()
            .map(|p| ProviderButton {
                name: p.name().to_string(),
                action: h.signin_url(p.id()),
            })
            .collect(),
        csrf_token: &token,
        callback_url: &callback,
        error,
    };
    let mut res = pages::render(StatusCode::OK, &page);
    with_cookies(&mut res, cookie.into_iter().collect());
    res
}

async fn signin_provider(
    State(h): State<Hallpass>,
    Path(provider_id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let form = Fields::parse(&body);
    let json = form.json();
    let config = &h.inner.config;
    if !h.csrf_ok(&headers, form.get("csrfToken")) {
        tracing::debug!("sign-in refused: {}", Error::Csrf(config.base_path.clone()));
        return answer(json, &config.url("/signin?csrf=true"), Vec::new());
    }
    let Some(provider) = h.provider(&provider_id).cloned() else {
        return h.fail(
            Error::UnknownProvider(provider_id),
            ErrorCode::OAuthSignin,
            json,
            Vec::new(),
        );
    };
    let callback = h.callback_target(form.get("callbackUrl")).await;
    let checks = AuthorizationChecks::generate();
    let redirect_uri = match Url::parse(&config.url(&format!("/callback/{}", provider.id()))) {
        Ok(u) => u,
        Err(e) => {
            return h.fail(
                Error::Hook("callback URL", e.to_string()),
                ErrorCode::Configuration,
                json,
                Vec::new(),
            )
        }
    };
    // Extra query parameters go on to the provider, which keeps only the ones it allows.
    let extra = Fields::parse(q.as_deref().unwrap_or("").as_bytes()).0;
    let request = AuthorizationRequest {
        redirect_uri: &redirect_uri,
        checks: &checks,
        extra_params: &extra,
    };
    let url = match provider.authorization_url(request).await {
        Ok(url) => url,
        Err(e) => return h.fail(e.into(), ErrorCode::OAuthSignin, json, Vec::new()),
    };
    let now = now();
    let c = &h.inner.cookies;
    let id = provider.id();
    let cookies = vec![
        c.set_check(Check::State, &checks.state, id, now),
        c.set_check(Check::PkceVerifier, &checks.pkce_verifier, id, now),
        c.set_check(Check::Nonce, &checks.nonce, id, now),
        c.set_check(Check::CallbackUrl, &callback, id, now),
    ];
    tracing::debug!(
        provider = id,
        "sign-in started: redirecting to the provider"
    );
    answer(json, url.as_str(), cookies)
}

async fn callback_get(
    State(h): State<Hallpass>,
    Path(provider): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    let params = Fields::parse(q.as_deref().unwrap_or("").as_bytes());
    callback(h, provider, params, headers).await
}

async fn callback_post(
    State(h): State<Hallpass>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    callback(h, provider, Fields::parse(&body), headers).await
}

async fn callback(
    h: Hallpass,
    provider_id: String,
    params: Fields,
    headers: HeaderMap,
) -> Response {
    // The check cookies are single use: expire them whatever happens next.
    let expired = h.expire_checks();
    match complete_sign_in(&h, &provider_id, &params, &headers).await {
        Ok(mut res) => {
            // Different names from the session cookie, so their order does not matter.
            with_cookies(&mut res, expired);
            res
        }
        Err(e) => h.fail(e, ErrorCode::OAuthCallback, false, expired),
    }
}

async fn complete_sign_in(
    h: &Hallpass,
    provider_id: &str,
    params: &Fields,
    headers: &HeaderMap,
) -> Result<Response, Error> {
    let provider = h
        .provider(provider_id)
        .cloned()
        .ok_or_else(|| Error::UnknownProvider(provider_id.to_string()))?;
    let c = &h.inner.cookies;
    let rc = RequestCookies::new(headers);
    let now = now();
    let read = |check, which| {
        c.read_check(check, &rc, provider_id, now)
            .map_err(|cause| Error::Check { which, cause })
    };
    // State first: nothing else of the callback is looked at before it is known to be ours.
    let state = read(Check::State, "state")?;
    let sent = params.get("state").unwrap_or("");
    if !bool::from(state.as_bytes().ct_eq(sent.as_bytes())) {
        return Err(Error::StateMismatch);
    }
    if let Some(error) = params.get("error") {
        return Err(Error::Idp {
            error: error.chars().take(100).collect(),
            description: params
                .get("error_description")
                .map(|d| d.chars().take(300).collect()),
        });
    }
    provider.check_callback_issuer(params.get("iss")).await?;
    let code = params
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or(Error::MissingCode)?;
    let checks = AuthorizationChecks {
        state,
        nonce: read(Check::Nonce, "nonce")?,
        pkce_verifier: read(Check::PkceVerifier, "PKCE verifier")?,
    };
    let redirect_uri = Url::parse(&h.inner.config.url(&format!("/callback/{provider_id}")))
        .map_err(|e| Error::Hook("callback URL", e.to_string()))?;
    let sign_in = provider.exchange_code(code, &redirect_uri, &checks).await?;
    tracing::debug!(provider = provider_id, "ID token verified");

    match h.inner.hooks.sign_in(&sign_in.profile, provider_id).await {
        SignInDecision::Allow => {}
        SignInDecision::Deny => return Err(Error::AccessDenied),
        SignInDecision::Redirect(to) => {
            let target = redirect::callback_url(&to, &h.inner.config.origin);
            return Ok(answer(false, &target, Vec::new()));
        }
    }
    let tokens = h.inner.config.store_tokens.then_some(sign_in.tokens);
    let token = token_from_profile(&sign_in.profile, provider_id, tokens);
    let token = h
        .inner
        .hooks
        .jwt(
            token,
            JwtTrigger::SignIn {
                profile: &sign_in.profile,
            },
        )
        .await
        .map_err(|e| Error::Hook("jwt", e.to_string()))?;
    let (_, cookies) = match h.issue(token.clone(), now, &rc).await {
        // Over budget with an ID token kept: it is only a logout hint, drop it and try again.
        Err(Error::CookieTooLarge { .. })
            if token.tokens.as_ref().is_some_and(|t| t.id_token.is_some()) =>
        {
            let mut smaller = token;
            if let Some(t) = smaller.tokens.as_mut() {
                t.id_token = None;
            }
            h.issue(smaller, now, &rc).await?
        }
        other => other?,
    };
    let target = match read(Check::CallbackUrl, "callback URL") {
        Ok(url) => redirect::callback_url(&url, &h.inner.config.origin),
        Err(_) => h.inner.config.origin.to_string(),
    };
    h.event(Event::SignedIn {
        profile: &sign_in.profile,
        provider: provider_id,
    })
    .await;
    tracing::debug!(provider = provider_id, "signed in");
    Ok(answer(false, &target, cookies))
}

/// The session claims a verified profile starts with.
fn token_from_profile(profile: &Profile, provider: &str, tokens: Option<TokenSet>) -> SessionToken {
    SessionToken {
        sub: Some(profile.sub.clone()),
        name: profile.name.clone(),
        email: profile.email.clone(),
        picture: profile.picture.clone(),
        groups: profile.groups.clone(),
        provider: Some(provider.to_string()),
        tokens,
        error: None,
        extra: profile.extra.clone(),
        iat: 0,
        exp: 0,
        jti: String::new(),
    }
}

async fn signout_page(
    State(h): State<Hallpass>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(page) = &h.inner.config.pages.sign_out {
        return answer(false, page, Vec::new());
    }
    let q = Fields::parse(q.as_deref().unwrap_or("").as_bytes());
    let callback = h.callback_target(q.get("callbackUrl")).await;
    let (token, cookie) = h.csrf_token(&headers);
    let mut res = pages::render(
        StatusCode::OK,
        &SignOutPage {
            action: h.signout_url(),
            csrf_token: &token,
            callback_url: &callback,
        },
    );
    with_cookies(&mut res, cookie.into_iter().collect());
    res
}

async fn signout(State(h): State<Hallpass>, headers: HeaderMap, body: Bytes) -> Response {
    let form = Fields::parse(&body);
    let json = form.json();
    if !h.csrf_ok(&headers, form.get("csrfToken")) {
        return answer(json, &h.inner.config.url("/signout?csrf=true"), Vec::new());
    }
    let rc = RequestCookies::new(&headers);
    let raw = rc.get_chunked(&h.inner.cookies.session_name);
    let token = match raw.as_deref() {
        Some(raw) => h
            .load_session(&[raw], now())
            .await
            .ok()
            .map(|s| s.token().clone()),
        None => None,
    };
    let mut target = h.callback_target(form.get("callbackUrl")).await;
    if let (Some(store), Some(raw)) = (&h.inner.store, raw.as_deref()) {
        if let Err(e) = store.delete(raw).await {
            tracing::warn!("could not delete the stored session: {e}");
        }
    }
    if let Some(t) = &token {
        if let Some(provider) = t.provider.as_deref().and_then(|id| h.provider(id)) {
            if provider.federated_sign_out() {
                if let Some(tokens) = &t.tokens {
                    if let Err(e) = provider.revoke(tokens).await {
                        tracing::warn!("revoking the refresh token failed: {e}");
                    }
                }
                match Url::parse(&target) {
                    Ok(back) => match provider.end_session_url(t.tokens.as_ref(), &back).await {
                        Ok(Some(url)) => target = url.to_string(),
                        Ok(None) => {}
                        Err(e) => tracing::warn!("ending the provider's session failed: {e}"),
                    },
                    Err(e) => tracing::warn!("bad sign-out target: {e}"),
                }
            }
        }
    }
    h.event(Event::SignedOut {
        token: token.as_ref(),
    })
    .await;
    tracing::debug!("signed out");
    answer(json, &target, h.inner.cookies.clear_session(&rc))
}

/// `GET session`: the session JSON, rolling the cookie's expiry forward.
async fn session_get(State(h): State<Hallpass>, headers: HeaderMap) -> Response {
    session_answer(&h, &headers, None).await
}

/// `POST session`: update through the `jwt` hook (trigger "update"); CSRF required.
async fn session_post(State(h): State<Hallpass>, headers: HeaderMap, body: Bytes) -> Response {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (csrf_token, data) = if is_json {
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => (
                v.get("csrfToken")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                v.get("data").cloned().unwrap_or(Value::Null),
            ),
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    Json(json!({"error": "InvalidJson", "message": e.to_string()})),
                )
                    .into_response()
            }
        }
    } else {
        let form = Fields::parse(&body);
        (form.get("csrfToken").map(str::to_string), Value::Null)
    };
    if !h.csrf_ok(&headers, csrf_token.as_deref()) {
        return (
            StatusCode::FORBIDDEN,
            Json(json!({"error": "MissingCSRF", "message": "POST session needs the csrfToken from GET csrf"})),
        )
            .into_response();
    }
    session_answer(&h, &headers, Some(&data)).await
}

async fn session_answer(h: &Hallpass, headers: &HeaderMap, update: Option<&Value>) -> Response {
    let rc = RequestCookies::new(headers);
    let mut res;
    let parts = rc.get_parts(&h.inner.cookies.session_name);
    let now = now();
    let loaded = match parts.as_deref() {
        Some(parts) => Some(h.load_session(parts, now).await.map(|s| s.token().clone())),
        None => None,
    };
    match loaded {
        None => res = Json(json!({})).into_response(),
        Some(Err(e)) => {
            tracing::debug!("GET session: {e}; clearing the cookie");
            res = Json(json!({})).into_response();
            with_cookies(&mut res, h.inner.cookies.clear_session(&rc));
        }
        Some(Ok(token)) => {
            let (mut token, _) = h.maintain_tokens(token, now).await;
            if let Some(error) = token.error.clone() {
                // Dead tokens end the session: say so once, then the user is simply signed out.
                res = Json(json!({ "error": error })).into_response();
                with_cookies(&mut res, h.inner.cookies.clear_session(&rc));
            } else {
                if let Some(data) = update {
                    token = match h.inner.hooks.jwt(token, JwtTrigger::Update { data }).await {
                        Ok(t) => t,
                        Err(e) => {
                            tracing::warn!("the jwt hook failed on update: {e}");
                            return (
                                StatusCode::INTERNAL_SERVER_ERROR,
                                Json(json!({"error": "Callback"})),
                            )
                                .into_response();
                        }
                    };
                }
                match h.issue(token, now, &rc).await {
                    Ok((token, cookies)) => {
                        let mut user = json!({
                            "name": token.name,
                            "email": token.email,
                            "image": token.picture,
                        });
                        if !token.groups.is_empty() {
                            user["groups"] = json!(token.groups);
                        }
                        let body = json!({ "user": user, "expires": iso8601(token.exp) });
                        let body = h.inner.hooks.session(body, &token).await;
                        h.event(Event::Session { token: &token }).await;
                        res = Json(body).into_response();
                        with_cookies(&mut res, cookies);
                    }
                    Err(e) => {
                        tracing::error!("could not re-issue the session: {e}");
                        res = Json(json!({})).into_response();
                    }
                }
            }
        }
    }
    no_store(&mut res);
    res
}

async fn csrf_get(State(h): State<Hallpass>, headers: HeaderMap) -> Response {
    let (token, cookie) = h.csrf_token(&headers);
    let mut res = Json(json!({ "csrfToken": token })).into_response();
    with_cookies(&mut res, cookie.into_iter().collect());
    no_store(&mut res);
    res
}

async fn providers_get(State(h): State<Hallpass>) -> Response {
    let map: serde_json::Map<String, Value> = h
        .providers()
        .map(|p| {
            (
                p.id().to_string(),
                json!({
                    "id": p.id(),
                    "name": p.name(),
                    "type": p.kind(),
                    "signinUrl": h.signin_url(p.id()),
                    "callbackUrl": h.inner.config.url(&format!("/callback/{}", p.id())),
                }),
            )
        })
        .collect();
    Json(Value::Object(map)).into_response()
}

async fn error_page(State(h): State<Hallpass>, RawQuery(q): RawQuery) -> Response {
    let config = &h.inner.config;
    if let Some(page) = &config.pages.error {
        let url = match &q {
            Some(q) => format!("{page}?{q}"),
            None => page.clone(),
        };
        return answer(false, &url, Vec::new());
    }
    let q = Fields::parse(q.as_deref().unwrap_or("").as_bytes());
    let code = ErrorCode::parse(q.get("error").unwrap_or("Default"));
    // The cause travels in the URL, so anyone can forge one: show it only in debug mode.
    let cause: Option<Cow<'_, str>> = if config.debug {
        q.get("cause")
            .map(|c| Cow::Owned(c.chars().take(500).collect()))
    } else {
        None
    };
    let home = config.origin.to_string();
    pages::error(code, cause.as_deref(), &home)
}

async fn unknown_action(method: http::Method, uri: http::Uri) -> Response {
    (
        StatusCode::BAD_REQUEST,
        format!(
            "Error: the action {} with HTTP {method} is not supported by Hallpass",
            uri.path()
        ),
    )
        .into_response()
}
