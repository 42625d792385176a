//! The session lifecycle, in one place: load (cookie, Bearer token or store), maintain (refresh the
//! provider's tokens, roll the cookie), issue, sign in, sign out, and the CSRF token that protects
//! every state-changing form. The endpoints and the axum extractors are thin adapters over these.
//!
//! Handlers can sign a user in or out themselves, as axum-login's `login`/`logout` do:
//!
//! ```no_run
//! use axum::{http::HeaderMap, response::{IntoResponse, Redirect}};
//! use hallpass::{Hallpass, provider::{Profile, SignIn}};
//!
//! async fn dev_login(hallpass: Hallpass, headers: HeaderMap) -> Result<impl IntoResponse, hallpass::Error> {
//!     let profile = Profile::new("user-1").with_name("Jane");
//!     let cookies = hallpass.sign_in(&headers, "dev", SignIn { profile, tokens: None }).await?;
//!     Ok((cookies, Redirect::to("/protected")))
//! }
//!
//! async fn logout(hallpass: Hallpass, headers: HeaderMap) -> impl IntoResponse {
//!     (hallpass.sign_out(&headers).await, Redirect::to("/"))
//! }
//! ```

use http::header::{HeaderMap, AUTHORIZATION};

use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::hooks::{Event, JwtTrigger, SignInDecision};
use crate::provider::{Profile, SignIn, TokenSet};
use crate::refresh::{Outcome, REFRESH_MARGIN_SECS};
use crate::session::reissue::Reissue;
use crate::session::{Session, SessionToken, StoreError};
use crate::store::Account;
use crate::{csrf, redirect, Hallpass};

/// What a completed sign-in leads to.
pub(crate) enum SignInOutcome {
    /// A session was issued.
    Issued(SetCookies),
    /// The `sign_in` hook sent the user elsewhere (already checked: same origin).
    Redirect(String),
}

impl Hallpass {
    /// The request's session (cookie or `Authorization: Bearer`), maintained: provider tokens are
    /// refreshed when due and the cookie is re-issued past `update_age`. Returns the session if the
    /// request is signed in, and the cookies to set.
    pub(crate) async fn load_and_maintain(
        &self,
        headers: &HeaderMap,
    ) -> (Option<Session>, SetCookies) {
        let cookies = RequestCookies::new(headers);
        let now = self.now();
        if let Some(session) = self.cached_and_current(&cookies, now) {
            return (
                session.token().error.is_none().then_some(session),
                SetCookies::new(),
            );
        }
        let from_cookie = cookies.get_parts(&self.cookies().session_name);
        let is_cookie = from_cookie.is_some();
        let Some(parts) = from_cookie.or_else(|| bearer(headers).map(|b| vec![b])) else {
            return (None, SetCookies::new());
        };
        let session = match self.load_session(&parts, now).await {
            Ok(s) => s,
            Err(e) => {
                tracing::debug!("signed out: {}", crate::logsafe::clean(&e));
                // A cookie that can never become valid is cleared on this very response; a store
                // that is down may recover, so its cookie is kept.
                let clear = is_cookie && !matches!(e, StoreError::Backend(_));
                let set = if clear {
                    self.cookies().clear_session(&cookies)
                } else {
                    SetCookies::new()
                };
                return (None, set);
            }
        };
        let token = session.token();
        let (refresh_due, reissue_due) = self.due(token, is_cookie, now);
        if !refresh_due && !reissue_due {
            // The common case: one (cached) decrypt, nothing to write.
            return (token.error.is_none().then_some(session), SetCookies::new());
        }
        let (token, changed) = self.maintain_tokens(token.clone(), now).await;
        let mut set = SetCookies::new();
        if is_cookie && (changed || reissue_due) {
            match self
                .reissue(token.clone(), session.token(), &parts, now, &cookies)
                .await
            {
                Ok((_, c)) => set = c,
                Err(e) => tracing::warn!(
                    "could not re-issue the session cookie: {}",
                    crate::logsafe::clean(&e)
                ),
            }
        }
        let signed_in = token.error.is_none() && !access_expired(&token, now);
        (signed_in.then(|| Session::new(token)), set)
    }

    /// The common case, cheaply: a session cookie decrypted before (looked up on its raw bytes,
    /// see `JwtStore::cached`) with nothing due. `None` sends the request down the full path.
    fn cached_and_current(&self, cookies: &RequestCookies<'_>, now: i64) -> Option<Session> {
        if self.server().is_some() || self.store().is_some() {
            return None;
        }
        let raw = cookies.get_parts_raw(&self.cookies().session_name)?;
        let session = self.jwt().cached(&raw, now)?;
        let (refresh_due, reissue_due) = self.due(session.token(), true, now);
        (!refresh_due && !reissue_due).then_some(session)
    }

    /// Whether the provider's tokens are due for a refresh, and the cookie for re-issue.
    fn due(&self, token: &SessionToken, is_cookie: bool, now: i64) -> (bool, bool) {
        let refresh = token.tokens.as_ref().is_some_and(|t| refresh_due(t, now));
        let reissue = is_cookie && now - token.iat >= self.config().session_update_age;
        (refresh, reissue)
    }

    /// The session behind a cookie value (its chunks in order): the configured store, or the cached
    /// decrypt of the cookie itself.
    pub(crate) async fn load_session(
        &self,
        parts: &[&str],
        now: i64,
    ) -> Result<Session, StoreError> {
        if self.server().is_some() {
            let loaded = self.load_stored(&parts.concat(), now, true).await?;
            return Ok(Session::new(loaded.token));
        }
        match self.store() {
            Some(store) => store.load(&parts.concat(), now).await.map(Session::new),
            None => self.jwt().decode_cached(parts, now),
        }
    }

    /// Refreshes the provider's access token when it is about to expire. Returns the token and
    /// whether it changed.
    pub(crate) async fn maintain_tokens(
        &self,
        mut token: SessionToken,
        now: i64,
    ) -> (SessionToken, bool) {
        let Some(tokens) = token.tokens.as_ref().filter(|t| refresh_due(t, now)) else {
            return (token, false);
        };
        if self.server().is_some() {
            // Loading a stored session refreshed it already, single-flight across instances.
            return (token, false);
        }
        let Some(provider) = token.provider.as_deref().and_then(|id| self.provider(id)) else {
            return (token, false);
        };
        let Some(refresh_token) = tokens.refresh_token.as_ref() else {
            return (token, false);
        };
        let sub = token.sub.clone().unwrap_or_default();
        // Owned copies: the refresh runs in a task of its own (see `refresh`).
        let (owned, tokens_owned) = (provider.clone(), tokens.clone());
        let budget = self.config().refresh_budget;
        let outcome = self
            .refresher()
            .run(
                provider.id(),
                refresh_token.expose(),
                now,
                budget,
                || async move { owned.refresh(&tokens_owned, &sub, now).await },
            )
            .await;
        match outcome {
            Outcome::Refreshed(new) => {
                tracing::debug!("refreshed the access token of a session");
                token.tokens = Some(new);
                token.error = None;
                (token, true)
            }
            Outcome::Dead => {
                tracing::info!("the refresh token is no longer valid: ending the session");
                token.tokens = None;
                token.error = Some("RefreshAccessTokenError".into());
                (token, true)
            }
            Outcome::Failed | Outcome::Late => (token, false),
        }
    }

    /// Stamps `iat`/`exp`/`jti`, stores the token and returns it with the cookies that write it
    /// (chunked when needed, stale chunks expired).
    pub(crate) async fn issue(
        &self,
        token: SessionToken,
        account: &Account,
        now: i64,
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, SetCookies), Error> {
        let (token, value) = self.stamp_and_encode(token, account, now, request).await?;
        let cookies = self
            .cookies()
            .set_session(&value, self.config().session_max_age, request);
        Ok((token, cookies))
    }

    /// [`Hallpass::issue`] for a session the request brought (`incoming`, in cookie chunks
    /// `parts`), now `token` after refresh and hooks: NextAuth's rolling expiry, but encrypted at
    /// most once a minute when the claims did not change (see [`crate::session::reissue`]).
    pub(crate) async fn reissue(
        &self,
        token: SessionToken,
        incoming: &SessionToken,
        parts: &[&str],
        now: i64,
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, SetCookies), Error> {
        if self.server().is_some() {
            return self
                .reissue_stored(token, incoming, parts, now, request)
                .await;
        }
        if self.store().is_some() {
            return self.issue(token, &Account::default(), now, request).await;
        }
        let reissues = self.jwt().reissues();
        let fresh_exp = now + self.config().session_max_age;
        match reissues.plan(&token, incoming, parts, fresh_exp) {
            // Set again (not skipped) so that stale chunks are still expired as on any issue.
            Reissue::KeepIncoming => {
                let cookies =
                    self.cookies()
                        .set_session(&parts.concat(), incoming.exp - now, request);
                Ok((incoming.clone(), cookies))
            }
            Reissue::Reuse(done) => {
                let cookies =
                    self.cookies()
                        .set_session(&done.value, done.token.exp - now, request);
                Ok((done.token.clone(), cookies))
            }
            Reissue::Encrypt => {
                let (token, value) = self
                    .stamp_and_encode(token, &Account::default(), now, request)
                    .await?;
                reissues.remember(parts, &token, &value);
                let cookies =
                    self.cookies()
                        .set_session(&value, self.config().session_max_age, request);
                Ok((token, cookies))
            }
        }
    }

    /// Stamps `token` (`iat`, `exp`, a new `jti`) and makes the session cookie's value (the store's
    /// id, or the JWE), refusing one over the cookie budget.
    async fn stamp_and_encode(
        &self,
        mut token: SessionToken,
        account: &Account,
        now: i64,
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, String), Error> {
        token.iat = now;
        token.exp = now + self.config().session_max_age;
        token.jti = uuid::Builder::from_random_bytes(rand::random())
            .into_uuid()
            .to_string();
        let value = match self.store() {
            Some(_) if self.server().is_some() => {
                self.insert_stored(&token, account, now, request).await?
            }
            Some(store) => store.save(&token).await?,
            None => self.jwt().encode(&token),
        };
        let budget = self.config().max_cookie_bytes;
        if value.len() > budget {
            return Err(Error::CookieTooLarge {
                bytes: value.len(),
                budget,
            });
        }
        Ok((token, value))
    }

    /// Signs a verified user in, as a provider callback does: the `sign_in` hook decides, the `jwt`
    /// hook shapes the session, the session cookie is issued and the `SignedIn` event fires. Use it
    /// from your own handlers (a sign-in you checked yourself); return the cookies with the response.
    ///
    /// A `sign_in` hook that denies (or redirects) makes this `Err(Error::AccessDenied)`.
    pub async fn sign_in(
        &self,
        headers: &HeaderMap,
        provider: &str,
        sign_in: SignIn,
    ) -> Result<SetCookies, Error> {
        match self.complete_sign_in(headers, provider, sign_in).await? {
            SignInOutcome::Issued(cookies) => Ok(cookies),
            SignInOutcome::Redirect(_) => Err(Error::AccessDenied),
        }
    }

    /// [`Hallpass::sign_in`], keeping a `sign_in` hook's redirect for the callback endpoint.
    pub(crate) async fn complete_sign_in(
        &self,
        headers: &HeaderMap,
        provider: &str,
        sign_in: SignIn,
    ) -> Result<SignInOutcome, Error> {
        let SignIn { profile, tokens } = sign_in;
        match self.hooks().sign_in(&profile, provider).await {
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
            .hooks()
            .jwt(token, JwtTrigger::SignIn { profile: &profile })
            .await
            .map_err(|e| Error::Hook("jwt", e.to_string()))?;
        let rc = RequestCookies::new(headers);
        let now = self.now();
        let account = self.account_of(&profile, provider);
        let (_, cookies) = match self.issue(token.clone(), &account, now, &rc).await {
            // Over budget with an ID token kept: it is only a logout hint, drop it and try again.
            Err(Error::CookieTooLarge { .. })
                if token.tokens.as_ref().is_some_and(|t| t.id_token.is_some()) =>
            {
                let mut smaller = token;
                if let Some(t) = smaller.tokens.as_mut() {
                    t.id_token = None;
                }
                self.issue(smaller, &account, now, &rc).await?
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

    /// The CSRF token for a form, bound to the request's session (or to "signed out"): made from the
    /// request's valid CSRF cookie, or from a new one returned with the cookie to set (return it
    /// with the response). Fetch it again after signing in or out: a token made for one session
    /// does not pass with another. With a session store the binding is the stored session's id, so
    /// fetch it after the session's last re-issue.
    pub fn csrf_token(&self, headers: &HeaderMap) -> (String, SetCookies) {
        let cookies = RequestCookies::new(headers);
        let secrets = self.config().secret_bytes();
        let hash_keys = self.cookies().csrf_hash_keys.as_slices();
        let binding = self.csrf_binding(&cookies);
        if let Some(value) = cookies.get_decoded(&self.cookies().csrf_name) {
            if let Some(token) = csrf::token_from_cookie(&value, &hash_keys) {
                return (
                    csrf::form_token(token, &binding, secrets[0]),
                    SetCookies::new(),
                );
            }
        }
        let (token, value) = csrf::generate(hash_keys[0]);
        let cookie = self.cookies().set(&self.cookies().csrf_name, &value, None);
        (
            csrf::form_token(&token, &binding, secrets[0]),
            SetCookies::from(cookie),
        )
    }

    /// True when `submitted` (a form's `csrfToken`) matches the request's CSRF cookie and session
    /// (constant time).
    pub fn verify_csrf(&self, headers: &HeaderMap, submitted: Option<&str>) -> bool {
        let cookies = RequestCookies::new(headers);
        let value = cookies.get_decoded(&self.cookies().csrf_name);
        let binding = self.csrf_binding(&cookies);
        csrf::verify(
            value.as_deref(),
            submitted,
            &binding,
            &self.cookies().csrf_hash_keys.as_slices(),
            &self.config().secret_bytes(),
        )
    }

    /// The request's browser: a hash of its CSRF cookie's token (which only this server can make),
    /// `None` without a valid one. Sign-in attempts are bound to it.
    pub(crate) fn browser_id(&self, cookies: &RequestCookies<'_>) -> Option<String> {
        use sha2::{Digest, Sha256};
        let value = cookies.get_decoded(&self.cookies().csrf_name)?;
        let hash_keys = self.cookies().csrf_hash_keys.as_slices();
        let token = csrf::token_from_cookie(&value, &hash_keys)?.to_string();
        Some(csrf::hex(&Sha256::digest(token.as_bytes())))
    }

    /// What a CSRF token is bound to: the session's `sub` (stable across re-issues), the stored
    /// session's id, or nothing when the request carries no usable session.
    fn csrf_binding(&self, cookies: &RequestCookies<'_>) -> String {
        use sha2::{Digest, Sha256};
        let Some(parts) = cookies.get_parts(&self.cookies().session_name) else {
            return String::new();
        };
        if self.store().is_some() {
            return format!("id:{}", csrf::hex(&Sha256::digest(parts.concat())));
        }
        match self.jwt().decode_cached(&parts, self.now()) {
            Ok(s) => format!("sub:{}", s.sub().unwrap_or("")),
            Err(_) => String::new(),
        }
    }

    /// The checked redirect target for a user-supplied callback URL, through the `redirect` hook.
    pub(crate) async fn callback_target(&self, candidate: Option<&str>) -> String {
        let origin = &self.config().origin;
        let checked = redirect::callback_url(candidate.unwrap_or(""), origin);
        let hooked = self.hooks().redirect(&checked, origin).await;
        redirect::callback_url(&hooked, origin)
    }

    /// Runs the `event` hook; its failure is logged, never fatal.
    pub(crate) async fn event(&self, event: Event<'_>) {
        if let Err(e) = self.hooks().event(event).await {
            tracing::warn!(
                "an event hook failed (ignored): {}",
                crate::logsafe::clean(&e)
            );
        }
    }
}

/// True when the session's access token has expired and could not be refreshed (the token endpoint
/// failed, or did not answer within the refresh budget): the request counts as signed out, the
/// cookie stays, and a later request tries again. Sessions without a refresh token are not tied to
/// their access token's expiry.
pub(crate) fn access_expired(token: &SessionToken, now: i64) -> bool {
    token
        .tokens
        .as_ref()
        .is_some_and(|t| t.refresh_token.is_some() && t.expires_at <= now)
}

pub(crate) fn refresh_due(tokens: &TokenSet, now: i64) -> bool {
    tokens.refresh_token.is_some() && tokens.expires_at - REFRESH_MARGIN_SECS <= now
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

/// The token of `Authorization: Bearer <token>`, if the header is well-formed; anything else is "no
/// token" (never an error: a malformed header means signed out).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer")
        && !token.is_empty()
        && token.bytes().all(|b| b.is_ascii_graphic()))
    .then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn bearer_parsing_never_fails_loudly() {
        let mut h = HeaderMap::new();
        for (v, want) in [
            ("Bearer abc", Some("abc")),
            ("bearer  abc ", Some("abc")),
            ("Bearer %", Some("%")),
            ("Bearer", None),
            ("Bearer ", None),
            ("Basic abc", None),
            ("Bearer a b", None),
        ] {
            h.insert(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            assert_eq!(bearer(&h), want, "{v:?}");
        }
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
        );
        assert_eq!(bearer(&h), None);
    }
}
