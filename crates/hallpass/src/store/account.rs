//! The account's sessions: who a stored session belongs to (the account: issuer and `sub`, whatever
//! provider it came through), and the calls a "your sessions" page and admin tools make.

use http::header::HeaderMap;

use super::engine::Loaded;
use super::record::{SessionHandle, SessionInfo};
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::hooks::Event;
use crate::provider::{Profile, ProviderKind};
use crate::session::{StoreError, CLOCK_TOLERANCE_SECS};
use crate::Hallpass;

/// Who a new session belongs to, beyond its claims: kept in clear in its row.
#[derive(Clone, Debug, Default)]
pub(crate) struct Account {
    /// The verified ID token's `iss`, else the provider id.
    pub(crate) issuer: String,
    /// The e-mail the account signs in with (the own form's username), as the profile gives it.
    pub(crate) login: Option<String>,
}

impl Hallpass {
    /// The account a verified `profile` from provider `provider` signs in to. Both Cognito doors
    /// (hosted UI and the own form) verify the pool's ID token, so they give one issuer.
    pub(crate) fn account_of(&self, profile: &Profile, provider: &str) -> Account {
        let iss = profile
            .claims
            .get("iss")
            .and_then(serde_json::Value::as_str)
            .filter(|s| !s.is_empty());
        let issuer = match self.provider(provider).map(|p| p.kind()) {
            // A plain OAuth 2.0 profile is the provider's userinfo, not a verified ID token: an
            // `iss` there vouches for nothing.
            Some(ProviderKind::OAuth) => None,
            _ => iss,
        };
        Account {
            issuer: issuer.unwrap_or(provider).to_string(),
            login: profile.email.clone(),
        }
    }

    /// The request's stored session (no refresh): for the calls below.
    pub(crate) async fn current_stored(&self, headers: &HeaderMap) -> Result<Loaded, Error> {
        self.stored()?;
        let rc = RequestCookies::new(headers);
        let id = rc
            .get_chunked(&self.cookies().session_name)
            .ok_or(Error::SignedOut)?;
        match self.load_stored(&id, self.now(), false).await {
            Ok(l) => Ok(l),
            Err(e @ StoreError::Backend(_)) => Err(e.into()),
            Err(_) => Err(Error::SignedOut),
        }
    }

    /// The signed-in user's sessions (every browser and device), newest first, the request's own
    /// marked `current`: what an "account / your sessions" page lists. Needs a session store
    /// ([`Error::NoSessionStore`] with cookie sessions); [`Error::SignedOut`] without a session.
    ///
    /// ```no_run
    /// # async fn page(auth: hallpass::Hallpass, headers: http::HeaderMap) -> Result<String, hallpass::Error> {
    /// let mut html = String::new();
    /// for s in auth.sessions(&headers).await? {
    ///     // Post `s.id` back to a handler that calls `auth.revoke_session(&headers, &id)`.
    ///     html += &format!("<li>{} {}</li>", s.id, if s.current { "(this browser)" } else { "" });
    /// }
    /// # Ok(html) }
    /// ```
    pub async fn sessions(&self, headers: &HeaderMap) -> Result<Vec<SessionInfo>, Error> {
        let current = self.current_stored(headers).await?;
        let server = self.stored()?;
        let now = self.now();
        let records = server
            .records()
            .list(Some(&current.issuer), current.sub())
            .await
            .inspect_err(|e| server.warn(e))?;
        Ok(records
            .into_iter()
            .filter(|r| r.expires_at + CLOCK_TOLERANCE_SECS >= now)
            .map(|r| SessionInfo {
                id: SessionHandle::of_key(&r.key),
                current: r.key == current.key,
                provider: r.provider,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                expires_at: r.expires_at,
                user_agent: r.user_agent,
            })
            .collect())
    }

    /// Revokes one of the signed-in user's sessions by its handle (from [`Hallpass::sessions`]):
    /// `Ok(true)` if it was deleted, `Ok(false)` if the user has no such session (another user's
    /// handle included). Every instance sees it within a second.
    ///
    /// ```no_run
    /// # async fn revoke(auth: hallpass::Hallpass, headers: http::HeaderMap, posted: &str) -> Result<bool, hallpass::Error> {
    /// let Ok(id) = posted.parse::<hallpass::SessionHandle>() else { return Ok(false) };
    /// auth.revoke_session(&headers, &id).await
    /// # }
    /// ```
    pub async fn revoke_session(
        &self,
        headers: &HeaderMap,
        id: &SessionHandle,
    ) -> Result<bool, Error> {
        let current = self.current_stored(headers).await?;
        let server = self.stored()?;
        let records = server
            .records()
            .list(Some(&current.issuer), current.sub())
            .await
            .inspect_err(|e| server.warn(e))?;
        let Some(record) = records
            .iter()
            .find(|r| SessionHandle::of_key(&r.key) == *id)
        else {
            return Ok(false);
        };
        server.forget(&record.key);
        let deleted = server
            .records()
            .delete(&record.key)
            .await
            .inspect_err(|e| server.warn(e))?;
        Ok(deleted)
    }

    /// "Sign out everywhere": deletes every session of the signed-in user, this one included, and
    /// returns how many with the cookies that clear this browser's (return them with the response).
    ///
    /// ```no_run
    /// # async fn everywhere(auth: hallpass::Hallpass, headers: http::HeaderMap) -> Result<impl axum::response::IntoResponse, hallpass::Error> {
    /// let (_count, cookies) = auth.sign_out_everywhere(&headers).await?;
    /// Ok((cookies, axum::response::Redirect::to("/")))
    /// # }
    /// ```
    pub async fn sign_out_everywhere(
        &self,
        headers: &HeaderMap,
    ) -> Result<(u64, SetCookies), Error> {
        let current = self.current_stored(headers).await?;
        let server = self.stored()?;
        let n = server
            .records()
            .delete_user(Some(&current.issuer), current.sub())
            .await
            .inspect_err(|e| server.warn(e))?;
        server.forget_user(current.sub());
        self.event(Event::SignedOut {
            token: Some(&current.token),
        })
        .await;
        let rc = RequestCookies::new(headers);
        Ok((n, self.cookies().clear_session(&rc)))
    }

    /// Deletes every stored session of the user `sub` (of any provider): for admin tools and hooks
    /// (a user disabled or deleted at the provider). Returns how many.
    ///
    /// ```no_run
    /// # async fn disable(auth: hallpass::Hallpass) -> Result<(), hallpass::Error> {
    /// let n = auth.revoke_user_sessions("user-123").await?;
    /// tracing::info!("ended {n} sessions");
    /// # Ok(()) }
    /// ```
    pub async fn revoke_user_sessions(&self, sub: &str) -> Result<u64, Error> {
        let server = self.stored()?;
        let n = server
            .records()
            .delete_user(None, sub)
            .await
            .inspect_err(|e| server.warn(e))?;
        server.forget_user(sub);
        Ok(n)
    }

    /// Ends every stored session of the account that signs in with `login` (an e-mail address,
    /// compared without case), whatever provider each came through: what a password reset calls,
    /// which knows the address the user typed but not their `sub`. Returns how many ended. Only
    /// sessions signed in since the store kept logins (schema v3) are found; older ones end at
    /// their next re-check or refresh (`AUTH_SESSION_RECHECK`).
    ///
    /// ```no_run
    /// # async fn after_reset(auth: hallpass::Hallpass, email: &str) -> Result<(), hallpass::Error> {
    /// let n = auth.revoke_login_sessions(email).await?;
    /// tracing::info!("a password reset ended {n} sessions");
    /// # Ok(()) }
    /// ```
    pub async fn revoke_login_sessions(&self, login: &str) -> Result<u64, Error> {
        let server = self.stored()?;
        let hashes = server.login_hashes(login);
        if hashes.is_empty() {
            return Ok(0);
        }
        let n = server
            .records()
            .delete_login(&hashes)
            .await
            .inspect_err(|e| server.warn(e))?;
        server.forget_all();
        Ok(n)
    }
}
