//! Hooks: NextAuth's callbacks (`signIn`, `redirect`, `jwt`, `session`) and events.
//!
//! Implement only what you need; every method has a default. Methods return boxed futures so that a
//! `dyn Hooks` can be stored; write them as `Box::pin(async move { … })`.
//!
//! ```
//! use hallpass::hooks::{Hooks, SignInDecision};
//! use hallpass::provider::Profile;
//! use hallpass::session::BoxFuture;
//!
//! /// Only people from example.com may sign in.
//! struct CompanyOnly;
//!
//! impl Hooks for CompanyOnly {
//!     fn sign_in<'a>(&'a self, profile: &'a Profile, _provider: &'a str) -> BoxFuture<'a, SignInDecision> {
//!         Box::pin(async move {
//!             match profile.email.as_deref() {
//!                 Some(e) if e.ends_with("@example.com") => SignInDecision::Allow,
//!                 _ => SignInDecision::Deny,
//!             }
//!         })
//!     }
//! }
//! # let _ = CompanyOnly;
//! ```

use serde_json::Value;
use url::Url;

use crate::provider::Profile;
use crate::session::{BoxFuture, SessionToken};

/// An error from a hook; its message is logged, never shown to the user.
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// What the `sign_in` hook decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInDecision {
    /// Go on and create the session.
    Allow,
    /// Refuse: the user lands on the error page with `AccessDenied` (403).
    Deny,
    /// Refuse and send the user to this same-origin URL instead.
    Redirect(String),
}

/// Why the `jwt` hook is called.
#[derive(Debug, Clone, Copy)]
pub enum JwtTrigger<'a> {
    /// A sign-in just completed.
    SignIn {
        /// The verified profile.
        profile: &'a Profile,
    },
    /// A first sign-in of a user the application did not know (reported by the `sign_in` flow of a
    /// database strategy; the cookie-only strategy cannot tell and always reports `SignIn`).
    SignUp {
        /// The verified profile.
        profile: &'a Profile,
    },
    /// `POST {base}/session` with this `data`.
    Update {
        /// The client's data.
        data: &'a Value,
    },
}

/// An event, for logging or analytics. Errors in events are logged and never fail the request.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// A user signed in.
    SignedIn {
        /// The verified profile.
        profile: &'a Profile,
        /// The provider id.
        provider: &'a str,
    },
    /// A user signed out.
    SignedOut {
        /// The session that ended, if there was one.
        token: Option<&'a SessionToken>,
    },
    /// `GET {base}/session` answered for a signed-in user.
    Session {
        /// The session.
        token: &'a SessionToken,
    },
}

/// Application hooks. See the module docs for an example.
pub trait Hooks: Send + Sync + 'static {
    /// May this verified user sign in? Default: yes.
    fn sign_in<'a>(
        &'a self,
        profile: &'a Profile,
        provider: &'a str,
    ) -> BoxFuture<'a, SignInDecision> {
        let _ = (profile, provider);
        Box::pin(async { SignInDecision::Allow })
    }

    /// Where to send the user after sign-in or sign-out. `url` was already checked; whatever this
    /// returns is checked again with the same-origin rule, so a hook cannot open a redirect.
    fn redirect<'a>(&'a self, url: &'a str, origin: &'a Url) -> BoxFuture<'a, String> {
        let _ = origin;
        Box::pin(async move { url.to_string() })
    }

    /// Shapes the session token before it is encrypted. Default: unchanged.
    fn jwt<'a>(
        &'a self,
        token: SessionToken,
        trigger: JwtTrigger<'a>,
    ) -> BoxFuture<'a, Result<SessionToken, HookError>> {
        let _ = trigger;
        Box::pin(async move { Ok(token) })
    }

    /// Shapes the JSON of `GET {base}/session`. Default: unchanged.
    fn session<'a>(&'a self, session: Value, token: &'a SessionToken) -> BoxFuture<'a, Value> {
        let _ = token;
        Box::pin(async move { session })
    }

    /// Called after each [`Event`]. Default: nothing.
    fn event<'a>(&'a self, event: Event<'a>) -> BoxFuture<'a, Result<(), HookError>> {
        let _ = event;
        Box::pin(async { Ok(()) })
    }
}

/// The default hooks: allow everyone, change nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultHooks;

impl Hooks for DefaultHooks {}
