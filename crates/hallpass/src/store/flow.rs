//! The session lifecycle with a server-side store: sign-in inserts a row, a request reads it (and
//! rolls it, NextAuth's `update_age`), a refresh due is single-flight across instances through a
//! lease on the row, sign-out deletes it; and the calls a "your sessions" page needs.

use http::header::{HeaderMap, USER_AGENT};

use super::account::Account;
use super::engine::{key_of, wall_ms, Loaded, StoredSessions};
use super::record::{clean_user_agent, Record};
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::lifecycle::{access_expired, refresh_due};
use crate::provider::{Profile, ProviderError, TokenSet};
use crate::refresh::Outcome;
use crate::session::{Session, SessionToken, StoreError};
use crate::Hallpass;

/// `last_seen_at` is written at most this often (seconds).
const LAST_SEEN_EVERY: i64 = 60;
/// A refresh lease outlives the refresh budget by this much (ms), so that a holder that died
/// frees it soon after.
const LEASE_GRACE_MS: i64 = 5_000;
/// `AUTH_SESSION_RECHECK`'s default with a store.
const DEFAULT_RECHECK: std::time::Duration = std::time::Duration::from_secs(300);
/// How often an instance waiting for another's refresh reads the row again.
const POLL_EVERY: std::time::Duration = std::time::Duration::from_millis(25);

/// The outcome of loading and maintaining a stored session for a page or extractor.
pub(crate) struct Maintained {
    pub(crate) session: Option<Session>,
    pub(crate) cookies: SetCookies,
    /// The store failed: signed out for now, APIs answer 503, the cookie is kept.
    pub(crate) unavailable: bool,
}

impl Hallpass {
    pub(super) fn stored(&self) -> Result<&StoredSessions, Error> {
        self.server().ok_or(Error::NoSessionStore)
    }

    /// The stored session behind cookie (or Bearer) id `id`, with its provider tokens refreshed
    /// when due and `refresh` is set.
    pub(crate) async fn load_stored(
        &self,
        id: &str,
        now: i64,
        refresh: bool,
    ) -> Result<Loaded, StoreError> {
        let server = self.server().ok_or(StoreError::NotFound)?;
        let loaded = server.load(id, now).await?;
        if refresh && self.stored_due(&loaded, now) {
            return self.refresh_stored(server, loaded, now).await;
        }
        Ok(loaded)
    }

    /// Whether a stored session's tokens must be refreshed before it counts: the access token is
    /// about to expire, or the provider last vouched for them more than the re-check period ago.
    fn stored_due(&self, loaded: &Loaded, now: i64) -> bool {
        let Some(tokens) = loaded.token.tokens.as_ref() else {
            return false;
        };
        if refresh_due(tokens, now) {
            return true;
        }
        let period = self
            .config()
            .session_recheck
            .unwrap_or(DEFAULT_RECHECK)
            .as_secs() as i64;
        if period == 0 || now - loaded.checked_at < period {
            return false;
        }
        if tokens.refresh_token.is_none() {
            static SAID: std::sync::Once = std::sync::Once::new();
            SAID.call_once(|| {
                tracing::debug!(
                    "AUTH_SESSION_RECHECK: a session without a refresh token cannot be re-checked; it is trusted until its access token expires"
                )
            });
            return false;
        }
        true
    }

    /// `load_and_maintain` with a store, for the request's cookie (or Bearer) id.
    pub(crate) async fn maintain_stored_request(&self, headers: &HeaderMap) -> Maintained {
        let request = RequestCookies::new(headers);
        let from_cookie = request.get_chunked(&self.cookies().session_name);
        let is_cookie = from_cookie.is_some();
        let Some(id) = from_cookie.or_else(|| crate::lifecycle::bearer(headers).map(Into::into))
        else {
            return Maintained {
                session: None,
                cookies: SetCookies::new(),
                unavailable: false,
            };
        };
        self.maintain_stored(&id, is_cookie, &request, self.now())
            .await
    }

    /// `load_and_maintain` with a store: load, refresh when due, roll, and say whether the store
    /// failed.
    async fn maintain_stored(
        &self,
        id: &str,
        is_cookie: bool,
        request: &RequestCookies<'_>,
        now: i64,
    ) -> Maintained {
        let loaded = match self.load_stored(id, now, true).await {
            Ok(l) => l,
            Err(e) => {
                let unavailable = matches!(e, StoreError::Backend(_));
                tracing::debug!("signed out: {}", crate::logsafe::clean(&e));
                let cookies = if is_cookie && !unavailable {
                    self.cookies().clear_session(request)
                } else {
                    SetCookies::new()
                };
                return Maintained {
                    session: None,
                    cookies,
                    unavailable,
                };
            }
        };
        let (loaded, cookies) = if is_cookie {
            self.roll_stored(loaded, id, now, request).await
        } else {
            (loaded, SetCookies::new())
        };
        let token = loaded.token;
        let signed_in = token.error.is_none() && !access_expired(&token, now);
        Maintained {
            session: signed_in.then(|| Session::new(token)),
            cookies,
            unavailable: false,
        }
    }

    /// NextAuth's rolling expiry: once `now > expires - max_age + update_age`, the row's expiry
    /// moves to `now + max_age` and the cookie is set again with the same id. `last_seen_at` is
    /// written with it, or on its own at most once a minute.
    async fn roll_stored(
        &self,
        mut loaded: Loaded,
        id: &str,
        now: i64,
        request: &RequestCookies<'_>,
    ) -> (Loaded, SetCookies) {
        let Some(server) = self.server() else {
            return (loaded, SetCookies::new());
        };
        let config = self.config();
        let roll = now > loaded.token.exp - config.session_max_age + config.session_update_age;
        let seen = now - loaded.last_seen_at >= LAST_SEEN_EVERY;
        if !roll && !seen {
            return (loaded, SetCookies::new());
        }
        let expires = if roll {
            now + config.session_max_age
        } else {
            loaded.token.exp
        };
        if let Err(e) = server.records().touch(&loaded.key, expires, now).await {
            server.warn(&e);
            return (loaded, SetCookies::new());
        }
        loaded.token.exp = expires;
        loaded.last_seen_at = now;
        server.forget(&loaded.key);
        let cookies = if roll {
            self.cookies().set_session(id, expires - now, request)
        } else {
            SetCookies::new()
        };
        (loaded, cookies)
    }

    /// Sign-in with a store: a new row under a new id; returns the id (the cookie's value).
    pub(crate) async fn insert_stored(
        &self,
        token: &SessionToken,
        account: &Account,
        now: i64,
        request: &RequestCookies<'_>,
    ) -> Result<String, Error> {
        let server = self.stored()?;
        let (id, key) = StoredSessions::new_id();
        let user_agent = request
            .headers()
            .get(USER_AGENT)
            .and_then(|v| v.to_str().ok());
        let record = Record {
            payload: server.seal(&key, token, now),
            key,
            provider: token.provider.clone().unwrap_or_default(),
            issuer: match account.issuer.as_str() {
                // A session made without a sign-in's profile: its provider stands for the issuer.
                "" => token.provider.clone().unwrap_or_default(),
                issuer => issuer.to_string(),
            },
            sub: token.sub.clone().unwrap_or_default(),
            created_at: now,
            last_seen_at: now,
            expires_at: token.exp,
            user_agent: clean_user_agent(user_agent),
            login: account.login.as_deref().and_then(|l| server.login_hash(l)),
            version: 0,
        };
        server
            .records()
            .insert(&record)
            .await
            .inspect_err(|e| server.warn(e))?;
        Ok(id)
    }

    /// `GET`/`POST session` with a store: writes claims the `jwt` hook changed, rolls, and sets the
    /// cookie again (same id, NextAuth's database strategy does so on every session read).
    pub(crate) async fn reissue_stored(
        &self,
        token: SessionToken,
        incoming: &SessionToken,
        parts: &[&str],
        now: i64,
        request: &RequestCookies<'_>,
    ) -> Result<(SessionToken, SetCookies), Error> {
        let server = self.stored()?;
        let id = parts.concat();
        let mut loaded = server.load(&id, now).await?;
        if token != *incoming {
            let written = server
                .records()
                .write(
                    &loaded.key,
                    &server.seal(&loaded.key, &token, loaded.checked_at),
                    None,
                )
                .await
                .inspect_err(|e| server.warn(e))?;
            server.forget(&loaded.key);
            if !written {
                return Err(StoreError::NotFound.into());
            }
            loaded.token = SessionToken {
                exp: loaded.token.exp,
                iat: loaded.token.iat,
                ..token
            };
        }
        let (loaded, mut cookies) = self.roll_stored(loaded, &id, now, request).await;
        if cookies.is_empty() {
            cookies = self
                .cookies()
                .set_session(&id, loaded.token.exp - now, request);
        }
        Ok((loaded.token, cookies))
    }

    /// Sign-out with a store: deletes the row (the cookie is cleared by the caller). A store error
    /// is returned: the caller must not pretend the session ended.
    pub(crate) async fn delete_stored(&self, id: &str) -> Result<(), StoreError> {
        let (Some(server), Some(key)) = (self.server(), key_of(id)) else {
            return Ok(());
        };
        server.forget(&key);
        server
            .records()
            .delete(&key)
            .await
            .inspect_err(|e| server.warn(e))
            .map(|_| ())
    }

    /// Refreshes a stored session's provider tokens once across every instance: the instance that
    /// takes the row's lease asks the token endpoint (through this process's single-flight) and
    /// writes the result fenced; the others read the row until the result is there or the budget
    /// is spent.
    async fn refresh_stored(
        &self,
        server: &StoredSessions,
        loaded: Loaded,
        now: i64,
    ) -> Result<Loaded, StoreError> {
        let token = &loaded.token;
        let provider = token.provider.as_deref().and_then(|id| self.provider(id));
        let (Some(provider), Some(tokens)) = (provider.cloned(), token.tokens.clone()) else {
            return Ok(loaded);
        };
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Ok(loaded);
        };
        let budget = self.config().refresh_budget;
        let now_ms = wall_ms();
        let until = now_ms + budget.as_millis() as i64 + LEASE_GRACE_MS;
        let lease = server
            .records()
            .lease(&loaded.key, now_ms, until)
            .await
            .inspect_err(|e| server.warn(e))?;
        let Some(fence) = lease else {
            return self.wait_for_refresh(server, loaded, budget, now).await;
        };
        // Another instance may have written a refresh between our read and our lease.
        let fresh = server.fetch(&loaded.key).await?;
        if fresh.version != loaded.version || !self.stored_due(&fresh, now) {
            // Release the lease by writing the row back as it is.
            let payload = server.seal(&fresh.key, &fresh.token, fresh.checked_at);
            let _ = server
                .records()
                .write(&fresh.key, &payload, Some(fence))
                .await;
            server.forget(&fresh.key);
            return Ok(fresh);
        }
        let (hallpass, key, base) = (self.clone(), fresh.key.clone(), fresh.token.clone());
        let sub = base.sub.clone().unwrap_or_default();
        let provider_id = provider.id().to_string();
        let outcome = self
            .refresher()
            .run(
                &provider_id,
                refresh_token.expose(),
                now,
                budget,
                move || {
                    async move {
                        let result = provider.refresh_with_profile(&tokens, &sub, now).await;
                        let next = match &result {
                            Ok((new, profile)) => {
                                Some(refreshed(base, new.clone(), profile.as_ref()))
                            }
                            Err(ProviderError::RefreshTokenDead) => Some(dead(base)),
                            // A passing failure: the lease runs out and a later request tries again.
                            Err(_) => None,
                        };
                        if let (Some(next), Some(server)) = (next, hallpass.server()) {
                            // In this task, so that the result is stored even when no request waits.
                            let payload = server.seal(&key, &next, now);
                            match server.records().write(&key, &payload, Some(fence)).await {
                                Ok(true) => {}
                                Ok(false) => tracing::debug!(
                                    "a refresh result was dropped: its lease was taken over"
                                ),
                                Err(e) => server.warn(&e),
                            }
                            server.forget(&key);
                        }
                        result.map(|(new, _)| new)
                    }
                },
            )
            .await;
        let mut out = fresh;
        match outcome {
            // The row has the new tokens and the new ID token's claims: read it back.
            Outcome::Refreshed(new) => match server.fetch(&out.key).await {
                Ok(written) => out = written,
                Err(_) => out.token = refreshed(out.token, new, None),
            },
            Outcome::Dead => out.token = dead(out.token),
            Outcome::Failed | Outcome::Late => {}
        }
        Ok(out)
    }

    /// Another instance holds the refresh lease: read the row every 25 ms until its version moves
    /// (the refresh is written) or the budget is spent (then go on with the session as it was).
    async fn wait_for_refresh(
        &self,
        server: &StoredSessions,
        loaded: Loaded,
        budget: std::time::Duration,
        now: i64,
    ) -> Result<Loaded, StoreError> {
        let deadline = tokio::time::Instant::now() + budget;
        while tokio::time::Instant::now() < deadline {
            tokio::time::sleep(POLL_EVERY).await;
            let fresh = server.fetch(&loaded.key).await?;
            if fresh.version != loaded.version || !self.stored_due(&fresh, now) {
                return Ok(fresh);
            }
        }
        Ok(loaded)
    }
}

/// The session with a refresh's new tokens and, when the provider sent a new ID token, its
/// claims: group changes at the provider show on the next refresh, on every instance.
fn refreshed(mut token: SessionToken, new: TokenSet, profile: Option<&Profile>) -> SessionToken {
    token.tokens = Some(new);
    token.error = None;
    if let Some(p) = profile {
        token.groups = p.groups.clone();
        if p.name.is_some() {
            token.name = p.name.clone();
        }
        if p.email.is_some() {
            token.email = p.email.clone();
        }
        if p.picture.is_some() {
            token.picture = p.picture.clone();
        }
    }
    token
}

/// The session after its refresh token was refused: it ends (signed out everywhere it is used).
fn dead(mut token: SessionToken) -> SessionToken {
    token.tokens = None;
    token.error = Some("RefreshAccessTokenError".into());
    token
}
