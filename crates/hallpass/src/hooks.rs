//! Hooks: NextAuth's callbacks (`signIn`, `redirect`, `jwt`, `session`) and events.
//!
//! Implement only what you need; every method has a default. Write them as plain `async fn`:
//!
//! ```
//! use hallpass::hooks::{Hooks, SignInDecision};
//! use hallpass::provider::Profile;
//!
//! /// Only people from example.com may sign in.
//! struct CompanyOnly;
//!
//! impl Hooks for CompanyOnly {
//!     async fn sign_in(&self, profile: &Profile, _provider: &str) -> SignInDecision {
//!         match profile.email.as_deref() {
//!             Some(e) if e.ends_with("@example.com") => SignInDecision::Allow,
//!             _ => SignInDecision::Deny,
//!         }
//!     }
//! }
//! # let _ = CompanyOnly;
//! ```
//!
//! A method may also return a boxed future (`Box::pin(async move { … })`), which is what older
//! versions required.

use std::future::Future;

use serde_json::Value;
use url::Url;

use crate::provider::Profile;
use crate::session::SessionToken;
use crate::shared::BoxFuture;

/// An error from a hook; its message is logged, never shown to the user.
pub type HookError = Box<dyn std::error::Error + Send + Sync>;

/// What the `sign_in` hook decides.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
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
#[non_exhaustive]
pub enum JwtTrigger<'a> {
    /// A sign-in just completed.
    SignIn {
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
#[non_exhaustive]
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
    ) -> impl Future<Output = SignInDecision> + Send + 'a {
        let _ = (profile, provider);
        async { SignInDecision::Allow }
    }

    /// Where to send the user after sign-in or sign-out. `url` was already checked; whatever this
    /// returns is checked again with the same-origin rule, so a hook cannot open a redirect.
    fn redirect<'a>(
        &'a self,
        url: &'a str,
        origin: &'a Url,
    ) -> impl Future<Output = String> + Send + 'a {
        let _ = origin;
        async move { url.to_string() }
    }

    /// Shapes the session token before it is encrypted. Default: unchanged.
    fn jwt<'a>(
        &'a self,
        token: SessionToken,
        trigger: JwtTrigger<'a>,
    ) -> impl Future<Output = Result<SessionToken, HookError>> + Send + 'a {
        let _ = trigger;
        async move { Ok(token) }
    }

    /// Shapes the JSON of `GET {base}/session`. Default: unchanged.
    fn session<'a>(
        &'a self,
        session: Value,
        token: &'a SessionToken,
    ) -> impl Future<Output = Value> + Send + 'a {
        let _ = token;
        async move { session }
    }

    /// Called after each [`Event`]. Default: nothing.
    fn event<'a>(
        &'a self,
        event: Event<'a>,
    ) -> impl Future<Output = Result<(), HookError>> + Send + 'a {
        let _ = event;
        async { Ok(()) }
    }
}

/// The default hooks: allow everyone, change nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultHooks;

impl Hooks for DefaultHooks {}

/// [`Hooks`] behind a pointer: `async fn` in traits cannot be called through `dyn`, so each hook's
/// future is boxed here, once, for the instance to store.
pub(crate) trait DynHooks: Send + Sync + 'static {
    fn sign_in<'a>(
        &'a self,
        profile: &'a Profile,
        provider: &'a str,
    ) -> BoxFuture<'a, SignInDecision>;
    fn redirect<'a>(&'a self, url: &'a str, origin: &'a Url) -> BoxFuture<'a, String>;
    fn jwt<'a>(
        &'a self,
        token: SessionToken,
        trigger: JwtTrigger<'a>,
    ) -> BoxFuture<'a, Result<SessionToken, HookError>>;
    fn session<'a>(&'a self, session: Value, token: &'a SessionToken) -> BoxFuture<'a, Value>;
    fn event<'a>(&'a self, event: Event<'a>) -> BoxFuture<'a, Result<(), HookError>>;
    /// True for [`DefaultHooks`]: the `session` hook returns its input and events do nothing, so
    /// the session endpoint may write its JSON directly.
    fn are_default(&self) -> bool;
}

impl<H: Hooks> DynHooks for H {
    fn sign_in<'a>(
        &'a self,
        profile: &'a Profile,
        provider: &'a str,
    ) -> BoxFuture<'a, SignInDecision> {
        Box::pin(Hooks::sign_in(self, profile, provider))
    }
    fn redirect<'a>(&'a self, url: &'a str, origin: &'a Url) -> BoxFuture<'a, String> {
        Box::pin(Hooks::redirect(self, url, origin))
    }
    fn jwt<'a>(
        &'a self,
        token: SessionToken,
        trigger: JwtTrigger<'a>,
    ) -> BoxFuture<'a, Result<SessionToken, HookError>> {
        Box::pin(Hooks::jwt(self, token, trigger))
    }
    fn session<'a>(&'a self, session: Value, token: &'a SessionToken) -> BoxFuture<'a, Value> {
        Box::pin(Hooks::session(self, session, token))
    }
    fn event<'a>(&'a self, event: Event<'a>) -> BoxFuture<'a, Result<(), HookError>> {
        Box::pin(Hooks::event(self, event))
    }
    fn are_default(&self) -> bool {
        std::any::TypeId::of::<H>() == std::any::TypeId::of::<DefaultHooks>()
    }
}
