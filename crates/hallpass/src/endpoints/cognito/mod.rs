//! The Cognito form sign-in's pages, under the base path:
//!
//! | route | what |
//! | --- | --- |
//! | `GET`/`POST cognito/signin` | e-mail and password (SRP); `POST cognito/code-signin`: an e-mail code instead |
//! | `GET`/`POST cognito/challenge` | the pending challenge: new password, TOTP, e-mail code, choice, authenticator set-up |
//! | `GET`/`POST cognito/signup` | sign-up, with the pool's password rules |
//! | `GET`/`POST cognito/confirm`, `POST cognito/resend` | the sign-up code, and a new one |
//! | `GET`/`POST cognito/forgot` | ask for a reset code |
//! | `GET`/`POST cognito/reset` | the reset code and a new password |
//! | `GET`/`POST cognito/mfa`, `POST cognito/mfa-setup`, `mfa-prefer`, `mfa-off` | a signed-in user's MFA: the factors, an authenticator app's set-up, preferred, off |
//! | `GET cognito/passkeys`, `POST cognito/passkey-delete`, `cognito/passkey/…`, `GET cognito/passkey.js` | passkeys (when on): see the `passkey` module |
//!
//! Every POST carries the CSRF token. A multi-step sign-in's Cognito `Session` lives in an
//! encrypted cookie bound to the provider and to this browser, which dies with Cognito's 3
//! minutes. A failed POST goes back to its page with `?error=CODE` (a fixed message per code).

mod handlers;
mod mfa;
pub mod model;
mod page;
mod passkey;
mod post;
mod steps;

pub(crate) use steps::FormAction;

use std::net::IpAddr;

use axum::routing::{get, post};
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::cookies::{RequestCookies, SetCookies};
use crate::provider::cognito_form::{Refusal, SignUpIntent, Ticket};
use crate::provider::FormError;
use crate::provider::{CognitoForm, Pending, Provider};
use crate::Hallpass;
use model::PageStep;

/// A challenge's cookie lives as long as Cognito's `Session`: 3 minutes.
const CHALLENGE_SECS: i64 = 3 * 60;
/// The confirm and reset pages remember the address for an hour (a reset code's life).
const REMEMBER_SECS: i64 = 60 * 60;

/// The step cookie: who is signing in, where to go after, and the pending challenge.
#[derive(Serialize, Deserialize, Clone)]
pub(crate) struct FlowState {
    provider: String,
    browser: String,
    exp: i64,
    pub(crate) username: String,
    pub(crate) callback_url: String,
    pub(crate) pending: Option<Pending>,
    /// After a sign-up: the password chosen, and what the e-mailed code finishes.
    #[serde(default)]
    pub(crate) signup: Option<SignUpIntent>,
    /// Wrong answers given to the pending challenge.
    #[serde(default)]
    pub(crate) tries: u8,
    /// The MFA page: the new authenticator secret awaiting its first code (the user is
    /// `username`, the session's `sub`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) totp_setup: Option<crate::provider::Secret>,
    /// The name typed on the sign-up page, kept with the address when the sign-up is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
}

/// The routes of every Cognito form provider configured.
pub(crate) fn routes(h: &Hallpass) -> Router<Hallpass> {
    match h.cognito_form() {
        Some(form) => {
            let mut router =
                Router::new().route("/cognito/{step}", get(page::show).post(handlers::submit));
            if form.passkeys() {
                router = router
                    .route("/cognito/passkey.js", get(passkey::script))
                    .route("/cognito/passkey/{op}", post(passkey::submit));
            }
            router.layer(Extension(form.clone()))
        }
        None => Router::new(),
    }
}

/// The client's address for the attempt limits (see [`crate::client_ip`]); `None`, with a warning
/// once, when the app is not served with `into_make_service_with_connect_info::<SocketAddr>()`.
pub(crate) fn client_address(
    h: &Hallpass,
    ext: &http::Extensions,
    headers: &http::HeaderMap,
) -> Option<IpAddr> {
    let ip = h.config().trusted_proxies.client(ext, headers);
    if ip.is_none() {
        static WARNED: std::sync::Once = std::sync::Once::new();
        WARNED.call_once(|| {
            tracing::warn!(
                "the app is not served with `into_make_service_with_connect_info::<SocketAddr>()`: \
                 the form sign-in's attempt limits count per username only, not per client address"
            )
        });
    }
    ip
}

impl Hallpass {
    /// The Cognito form provider; the first, when there are several (they would share routes).
    pub(crate) fn cognito_form(&self) -> Option<&CognitoForm> {
        self.providers().find_map(Provider::as_cognito_form)
    }

    /// Where the page of `step` is: the app's own (`Pages::cognito`, then `{prefix}/{step}`) or the
    /// built-in one.
    pub(crate) fn cognito_page_url(&self, step: PageStep, query: &str) -> String {
        let config = self.config();
        let base = match &config.pages.cognito {
            Some(prefix) => format!(
                "{}{}/{}",
                config.origin.as_str().trim_end_matches('/'),
                prefix.trim_end_matches('/'),
                step.path()
            ),
            None => config.url(&format!("/cognito/{}", step.path())),
        };
        if query.is_empty() {
            base
        } else {
            format!("{base}?{query}")
        }
    }

    /// The request's step cookie, if it is this provider's, this browser's and alive.
    pub(crate) fn read_flow(
        &self,
        form: &CognitoForm,
        headers: &http::HeaderMap,
    ) -> Option<FlowState> {
        let rc = RequestCookies::new(headers);
        let plain = self.cookies().read_flow(&rc)?;
        let state: FlowState = serde_json::from_slice(&plain).ok()?;
        let browser = self.browser_id(&rc)?;
        let same_browser = bool::from(browser.as_bytes().ct_eq(state.browser.as_bytes()));
        let alive = state.exp >= self.now();
        (same_browser && alive && state.provider == crate::provider::CredentialsProvider::id(form))
            .then_some(state)
    }

    /// A step cookie for `username` (and a pending challenge, which shortens its life to 3
    /// minutes, or a sign-up's password kept for the code step). `None` without a CSRF cookie to
    /// bind it to.
    pub(crate) fn write_flow(
        &self,
        form: &CognitoForm,
        headers: &http::HeaderMap,
        username: &str,
        callback_url: &str,
        pending: Option<Pending>,
        signup: Option<SignUpIntent>,
    ) -> Option<SetCookies> {
        let rc = RequestCookies::new(headers);
        let browser = self.browser_id(&rc)?;
        let max_age = if pending.is_some() {
            CHALLENGE_SECS
        } else {
            REMEMBER_SECS
        };
        let state = FlowState {
            provider: crate::provider::CredentialsProvider::id(form).to_string(),
            browser,
            exp: self.now() + max_age,
            username: username.to_string(),
            callback_url: callback_url.to_string(),
            pending,
            signup,
            tries: 0,
            totp_setup: None,
            name: None,
        };
        self.write_flow_state(form, headers, state)
    }

    /// A refused sign-up: the address and name typed, for the page to show again (the password
    /// never). `None` without a CSRF cookie.
    pub(crate) fn remember_sign_up(
        &self,
        form: &CognitoForm,
        headers: &http::HeaderMap,
        username: &str,
        name: &str,
        callback_url: &str,
    ) -> Option<SetCookies> {
        let mut state = self
            .read_flow(form, headers)
            .filter(|f| f.pending.is_none())
            .unwrap_or(FlowState {
                provider: crate::provider::CredentialsProvider::id(form).to_string(),
                browser: self.browser_id(&RequestCookies::new(headers))?,
                exp: self.now() + REMEMBER_SECS,
                username: String::new(),
                callback_url: String::new(),
                pending: None,
                signup: None,
                tries: 0,
                totp_setup: None,
                name: None,
            });
        state.username = username.to_string();
        state.callback_url = callback_url.to_string();
        // A name is short; a longer one is not kept (the cookie has a size budget).
        state.name = Some(name.chars().take(100).collect()).filter(|n: &String| !n.is_empty());
        self.write_flow_state(form, headers, state)
    }

    /// Writes `state` as the step cookie (its life unchanged). `None` without a CSRF cookie.
    pub(crate) fn write_flow_state(
        &self,
        form: &CognitoForm,
        headers: &http::HeaderMap,
        state: FlowState,
    ) -> Option<SetCookies> {
        let rc = RequestCookies::new(headers);
        let browser = self.browser_id(&rc)?;
        if browser != state.browser
            || state.provider != crate::provider::CredentialsProvider::id(form)
        {
            return None;
        }
        let max_age = (state.exp - self.now()).max(1);
        let json = serde_json::to_vec(&state).expect("serialising a small struct cannot fail");
        Some(SetCookies::from(self.cookies().set_flow(&json, max_age)))
    }

    /// Counts an attempt of `action` against the form's limits, or refuses it. The counts live in
    /// the session store when one is configured (shared by every instance); when it does not
    /// answer, this instance's memory counts instead: still limited, never waved through.
    pub(crate) async fn begin_attempt(
        &self,
        form: &CognitoForm,
        action: &str,
        username: &str,
        address: Option<IpAddr>,
    ) -> Result<Ticket, FormError> {
        let key = self.config().secret_bytes()[0];
        let now = self.now();
        let limiter = form.limiter();
        let mut result = None;
        if let Some(shared) = self.attempt_counter() {
            match limiter.begin(&shared, key, action, username, address, now).await {
                Err(Refusal::Unavailable(e)) => tracing::warn!(
                    "Cognito form: the session store did not count the attempt ({}); counting in memory",
                    crate::logsafe::clean(&e)
                ),
                counted => result = Some(counted),
            }
        }
        let result = match result {
            Some(counted) => counted,
            None => {
                let memory = form.memory_counts();
                limiter
                    .begin(&memory, key, action, username, address, now)
                    .await
            }
        };
        result.map_err(|refusal| {
            tracing::warn!(
                action,
                "Cognito form: attempt limit reached; refused without calling Cognito"
            );
            match refusal {
                Refusal::TooMany => FormError::TooMany,
                Refusal::Unavailable(_) => FormError::Unavailable,
            }
        })
    }

    /// The attempt of `ticket` succeeded (a right password or code): it does not count.
    pub(crate) async fn attempt_succeeded(&self, form: &CognitoForm, ticket: Ticket) {
        if let Err(e) = form.limiter().succeeded(ticket).await {
            tracing::warn!(
                "Cognito form: could not hand back an attempt: {}",
                crate::logsafe::clean(&e)
            );
        }
    }

    /// Expires the step cookie.
    pub(crate) fn clear_flow(&self) -> SetCookies {
        SetCookies::from(self.cookies().expire(&self.cookies().flow_name))
    }
}
