//! The session calls an app makes on its handle: sign a user in or out from its own handlers, as
//! axum-login's `login`/`logout` do, and put CSRF tokens in its own forms.
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

use http::header::HeaderMap;

use super::Hallpass;
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::hooks::Event;
use crate::lifecycle::SignInOutcome;
use crate::logsafe;
use crate::provider::SignIn;
use crate::session::SessionToken;

impl Hallpass {
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
        self.lifecycle().sign_in(headers, provider, sign_in).await
    }

    /// Signs the request's user out here: a stored session is deleted, the session cookie and its
    /// chunks are expired, and the `SignedOut` event fires. The provider's own session is left alone
    /// (the sign-out endpoint also ends that when federated sign-out is on).
    ///
    /// When the session store cannot delete the session (it is down), nothing is cleared: the
    /// cookie stays, as the session does (clearing it would leave a copy of the cookie working).
    /// Use [`Hallpass::try_sign_out`] to tell the user.
    pub async fn sign_out(&self, headers: &HeaderMap) -> SetCookies {
        match self.end_session(headers).await {
            Ok((_, cookies)) => cookies,
            Err(e) => {
                tracing::warn!("sign-out failed, the session stays: {}", logsafe::clean(&e));
                SetCookies::new()
            }
        }
    }

    /// [`Hallpass::sign_out`], saying when it failed: `Err(Error::Store)` when the session store
    /// could not delete the session (the user is still signed in; answer 503 and keep the cookie).
    pub async fn try_sign_out(&self, headers: &HeaderMap) -> Result<SetCookies, Error> {
        self.end_session(headers).await.map(|(_, cookies)| cookies)
    }

    /// [`Hallpass::try_sign_out`], also returning the session that ended (for federated sign-out).
    pub(crate) async fn end_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<(Option<SessionToken>, SetCookies), Error> {
        self.lifecycle().end_session(headers).await
    }

    /// The CSRF token for a form, bound to the request's session (or to "signed out"): made from the
    /// request's valid CSRF cookie, or from a new one returned with the cookie to set (return it
    /// with the response). Fetch it again after signing in or out: a token made for one session
    /// does not pass with another. With a session store the binding is the stored session's id, so
    /// fetch it after the session's last re-issue.
    pub fn csrf_token(&self, headers: &HeaderMap) -> (String, SetCookies) {
        self.lifecycle().csrf_token(headers)
    }

    /// True when `submitted` (a form's `csrfToken`) matches the request's CSRF cookie and session
    /// (constant time).
    pub fn verify_csrf(&self, headers: &HeaderMap, submitted: Option<&str>) -> bool {
        self.lifecycle().verify_csrf(headers, submitted)
    }

    /// The request's browser (see `Lifecycle::browser_id`).
    pub(crate) fn browser_id(&self, cookies: &RequestCookies<'_>) -> Option<String> {
        self.lifecycle().browser_id(cookies)
    }

    /// The checked redirect target for a user-supplied callback URL, through the `redirect` hook.
    pub(crate) async fn callback_target(&self, candidate: Option<&str>) -> String {
        self.lifecycle().callback_target(candidate).await
    }

    /// Runs the `event` hook; its failure is logged, never fatal.
    pub(crate) async fn event(&self, event: Event<'_>) {
        self.lifecycle().event(event).await
    }
}
