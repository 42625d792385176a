//! The session lifecycle, in one place: resolve a request's session, issue one at sign-in, end it at
//! sign-out, and the CSRF token that protects every state-changing form. Each step calls the
//! [`Backend`] once; the endpoints, extractors and guards are thin adapters over these, and
//! [`Hallpass`](crate::Hallpass) is a handle that delegates here.

mod backend;

use std::sync::Arc;

use http::header::HeaderMap;

pub(crate) use backend::Backend;

use crate::config::Config;
use crate::cookies::{RequestCookies, SetCookies};
use crate::csrf;
use crate::error::Error;
use crate::hooks::{DynHooks, Event, JwtTrigger, SignInDecision};
use crate::provider::{Profile, SignIn, TokenSet};
use crate::redirect;
use crate::session::account::Account;
use crate::session::backend::{issue, Resolved, SessionBackend};
use crate::session::context::Ctx;
use crate::session::{Session, SessionToken};
use crate::shared::StoreError;
use crate::store::StoredSessions;

/// What a completed sign-in leads to.
pub(crate) enum SignInOutcome {
    /// A session was issued.
    Issued(SetCookies),
    /// The `sign_in` hook sent the user elsewhere (already checked: same origin).
    Redirect(String),
}

/// The lifecycle: the instance's parts, its backend and its hooks.
pub(crate) struct Lifecycle {
    pub(crate) ctx: Ctx,
    backend: Backend,
    hooks: Arc<dyn DynHooks>,
}

impl Lifecycle {
    pub(crate) fn new(ctx: Ctx, backend: Backend, hooks: Arc<dyn DynHooks>) -> Self {
        Self {
            ctx,
            backend,
            hooks,
        }
    }

    pub(crate) fn config(&self) -> &Config {
        &self.ctx.config
    }

    pub(crate) fn hooks(&self) -> &dyn DynHooks {
        self.hooks.as_ref()
    }

    /// Where sessions are kept (see `Backend::describe`).
    pub(crate) fn storage(&self) -> String {
        self.backend.describe()
    }

    /// The record-store engine, or [`Error::NoSessionStore`] with cookie or custom sessions.
    pub(crate) fn stored(&self) -> Result<&Arc<StoredSessions>, Error> {
        self.backend.stored().ok_or(Error::NoSessionStore)
    }

    /// The request's session, maintained (see [`SessionBackend::resolve`]).
    pub(crate) async fn resolve(&self, headers: &HeaderMap) -> Resolved {
        self.backend.resolve(&self.ctx, headers).await
    }

    /// The request's signed-in session when it is known without waiting (see
    /// [`SessionBackend::resolve_cached`]).
    pub(crate) fn resolve_cached(&self, headers: &HeaderMap) -> Option<Session> {
        self.backend.resolve_cached(&self.ctx, headers)
    }

    /// The session behind a cookie value (its chunks in order).
    pub(crate) async fn load(&self, parts: &[&str], now: i64) -> Result<Session, StoreError> {
        self.backend.load(&self.ctx, parts, now).await
    }

    /// Refreshes a session's provider tokens when due; returns whether they changed.
    pub(crate) async fn maintain(&self, token: SessionToken, now: i64) -> (SessionToken, bool) {
        self.backend.maintain(&self.ctx, token, now).await
    }

    /// Writes `token` again for the session the request brought (`incoming`, in chunks `parts`).
    pub(crate) async fn reissue(
        &self,
        token: SessionToken,
        incoming: &SessionToken,
        parts: &[&str],
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, SetCookies), Error> {
        self.backend
            .reissue(&self.ctx, token, incoming, parts, request)
            .await
    }

    /// A signed-in user's first session: stamped, stored, and the cookies that write it.
    async fn issue(
        &self,
        token: SessionToken,
        account: &Account,
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, SetCookies), Error> {
        issue(&self.backend, &self.ctx, token, account, request).await
    }

    /// Signs a verified user in: the `sign_in` hook decides, the `jwt` hook shapes the session, the
    /// session is issued and the `SignedIn` event fires.
    pub(crate) async fn sign_in(
        &self,
        headers: &HeaderMap,
        provider: &str,
        sign_in: SignIn,
    ) -> Result<SignInOutcome, Error> {
        let SignIn { profile, tokens } = sign_in;
        match self.hooks.sign_in(&profile, provider).await {
            SignInDecision::Allow => {}
            SignInDecision::Deny => return Err(Error::AccessDenied),
            SignInDecision::Redirect(to) => {
                let origin = &self.config().origin;
                return Ok(SignInOutcome::Redirect(redirect::callback_url(&to, origin)));
            }
        }
        let tokens = tokens.filter(|_| self.config().store_tokens);
        let token = token_from_profile(&profile, provider, tokens);
        let token = self
            .hooks
            .jwt(token, JwtTrigger::SignIn { profile: &profile })
            .await
            .map_err(|e| Error::Hook("jwt", e.to_string()))?;
        let rc = RequestCookies::new(headers);
        let kind = self.ctx.provider(provider).map(|p| p.kind());
        let account = Account::of(&profile, provider, kind);
        let (_, cookies) = match self.issue(token.clone(), &account, &rc).await {
            // Over budget with an ID token kept: it is only a logout hint, drop it and try again.
            Err(Error::CookieTooLarge { .. })
                if token.tokens.as_ref().is_some_and(|t| t.id_token.is_some()) =>
            {
                let mut smaller = token;
                if let Some(t) = smaller.tokens.as_mut() {
                    t.id_token = None;
                }
                self.issue(smaller, &account, &rc).await?
            }
            other => other?,
        };
        self.event(Event::SignedIn {
            profile: &profile,
            provider,
        })
        .await;
        crate::step!(self, provider = provider, "signed in");
        Ok(SignInOutcome::Issued(cookies))
    }

    /// Ends the request's session here (a stored one is deleted), fires `SignedOut`, and returns the
    /// session that ended (for federated sign-out) with the cookies that clear it. When the store
    /// cannot end it, nothing is cleared: the error says so.
    pub(crate) async fn end_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<(Option<SessionToken>, SetCookies), Error> {
        let rc = RequestCookies::new(headers);
        let token = match rc.get_chunked(&self.ctx.cookies.session_name) {
            Some(raw) => self.backend.end(&self.ctx, &raw).await?,
            None => None,
        };
        // The session's access token (handed to a browser app, say) ends with it.
        if let (Some(verifier), Some(tokens)) = (
            &self.ctx.access_tokens,
            token.as_ref().and_then(|t| t.tokens.as_ref()),
        ) {
            verifier.revoke_issued(tokens.access_token.expose());
        }
        self.event(Event::SignedOut {
            token: token.as_ref(),
        })
        .await;
        crate::step!(self, "signed out");
        Ok((token, self.ctx.cookies.clear_session(&rc)))
    }

    /// The CSRF token for a form, bound to the request's session, and the CSRF cookie to set when
    /// the request had no valid one.
    pub(crate) fn csrf_token(&self, headers: &HeaderMap) -> (String, SetCookies) {
        let cookies = RequestCookies::new(headers);
        let secrets = self.config().secret_bytes();
        let names = &self.ctx.cookies;
        let hash_keys = names.csrf_hash_keys.as_slices();
        let binding = self.csrf_binding(&cookies);
        if let Some(value) = cookies.get_decoded(&names.csrf_name) {
            if let Some(token) = csrf::token_from_cookie(&value, &hash_keys) {
                return (
                    csrf::form_token(token, &binding, secrets[0]),
                    SetCookies::new(),
                );
            }
        }
        let (token, value) = csrf::generate(hash_keys[0]);
        let cookie = names.set(&names.csrf_name, &value, None);
        (
            csrf::form_token(&token, &binding, secrets[0]),
            SetCookies::from(cookie),
        )
    }

    /// True when `submitted` matches the request's CSRF cookie and session (constant time).
    pub(crate) fn verify_csrf(&self, headers: &HeaderMap, submitted: Option<&str>) -> bool {
        let cookies = RequestCookies::new(headers);
        let names = &self.ctx.cookies;
        let value = cookies.get_decoded(&names.csrf_name);
        let binding = self.csrf_binding(&cookies);
        csrf::verify(
            value.as_deref(),
            submitted,
            &binding,
            &names.csrf_hash_keys.as_slices(),
            &self.config().secret_bytes(),
        )
    }

    /// The request's browser: a hash of its CSRF cookie's token (which only this server can make),
    /// `None` without a valid one. Sign-in attempts are bound to it.
    pub(crate) fn browser_id(&self, cookies: &RequestCookies<'_>) -> Option<String> {
        use sha2::{Digest, Sha256};
        let names = &self.ctx.cookies;
        let value = cookies.get_decoded(&names.csrf_name)?;
        let hash_keys = names.csrf_hash_keys.as_slices();
        let token = csrf::token_from_cookie(&value, &hash_keys)?.to_string();
        Some(crate::shared::hex(&Sha256::digest(token.as_bytes())))
    }

    /// What a CSRF token is bound to: the backend's binding of the request's session, or nothing.
    fn csrf_binding(&self, cookies: &RequestCookies<'_>) -> String {
        match cookies.get_parts(&self.ctx.cookies.session_name) {
            Some(parts) => self.backend.csrf_binding(&self.ctx, &parts),
            None => String::new(),
        }
    }

    /// The checked redirect target for a user-supplied callback URL, through the `redirect` hook.
    pub(crate) async fn callback_target(&self, candidate: Option<&str>) -> String {
        let origin = &self.config().origin;
        let checked = redirect::callback_url(candidate.unwrap_or(""), origin);
        let hooked = self.hooks.redirect(&checked, origin).await;
        redirect::callback_url(&hooked, origin)
    }

    /// Runs the `event` hook; its failure is logged, never fatal.
    pub(crate) async fn event(&self, event: Event<'_>) {
        if let Err(e) = self.hooks.event(event).await {
            tracing::warn!(
                "an event hook failed (ignored): {}",
                crate::logsafe::clean(&e)
            );
        }
    }
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
