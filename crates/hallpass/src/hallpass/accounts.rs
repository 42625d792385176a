//! The calls a "your sessions" page and admin tools make. They need a record store
//! ([`Error::NoSessionStore`] with cookie or custom sessions); the work is in `crate::store`.

use std::sync::Arc;

use http::header::HeaderMap;

use super::Hallpass;
use crate::attempts::AttemptCounter;
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::hooks::Event;
use crate::store::{SessionHandle, SessionInfo};

impl Hallpass {
    /// The signed-in user's sessions (every browser and device): the request's own first (marked
    /// `current`), then the others newest first. What an "account / your sessions" page lists. Needs a session store
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
        let stored = self.lifecycle().stored()?;
        stored.sessions(self.ctx(), headers).await
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
        let stored = self.lifecycle().stored()?;
        stored.revoke(self.ctx(), headers, id).await
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
        let stored = self.lifecycle().stored()?;
        let (n, current) = stored.end_account(self.ctx(), headers).await?;
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
        self.lifecycle().stored()?.revoke_user(sub).await
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
        self.lifecycle().stored()?.revoke_login(login).await
    }

    /// The attempt counters of the configured store: `Some` with a built-in SQL or Redis store
    /// (instances that share it share the counts), `None` with cookie sessions or a custom store.
    pub(crate) fn attempt_counter(&self) -> Option<Arc<dyn AttemptCounter>> {
        self.lifecycle().stored().ok()?.attempt_counter()
    }
}
