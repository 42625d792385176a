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
//!
//! Every POST carries the CSRF token. A multi-step sign-in's Cognito `Session` lives in an
//! encrypted cookie bound to the provider and to this browser, which dies with Cognito's 3
//! minutes. A failed POST goes back to its page with `?error=CODE` (a fixed message per code).

mod handlers;
pub mod model;
mod page;

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::routing::get;
use axum::{Extension, Router};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use crate::cookies::{RequestCookies, SetCookies};
use crate::provider::{CognitoForm, Pending, Provider};
use crate::Hallpass;
use model::PageStep;

/// A challenge's cookie lives as long as Cognito's `Session`: 3 minutes.
const CHALLENGE_SECS: i64 = 3 * 60;
/// The confirm and reset pages remember the address for an hour (a reset code's life).
const REMEMBER_SECS: i64 = 60 * 60;

/// The step cookie: who is signing in, where to go after, and the pending challenge.
#[derive(Serialize, Deserialize)]
pub(crate) struct FlowState {
    provider: String,
    browser: String,
    exp: i64,
    pub(crate) username: String,
    pub(crate) callback_url: String,
    pub(crate) pending: Option<Pending>,
}

/// The routes of every Cognito form provider configured.
pub(crate) fn routes(h: &Hallpass) -> Router<Hallpass> {
    let mut router = Router::new();
    for p in h.providers() {
        let Provider::Credentials(c) = p else {
            continue;
        };
        let Some(form) = c.as_any().and_then(|a| a.downcast_ref::<CognitoForm>()) else {
            continue;
        };
        router = router.merge(
            Router::new()
                .route("/cognito/{step}", get(page::show).post(handlers::submit))
                .layer(Extension(form.clone())),
        );
        // One form provider: a second would collide on these routes.
        break;
    }
    router
}

/// The client's address for the attempt limits: the peer address when the app is served with
/// `into_make_service_with_connect_info`, otherwise one shared bucket.
pub(crate) fn client_address(ext: &http::Extensions) -> String {
    ext.get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

impl Hallpass {
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
    /// minutes). `None` without a CSRF cookie to bind it to.
    pub(crate) fn write_flow(
        &self,
        form: &CognitoForm,
        headers: &http::HeaderMap,
        username: &str,
        callback_url: &str,
        pending: Option<Pending>,
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
        };
        let json = serde_json::to_vec(&state).expect("serialising a small struct cannot fail");
        Some(SetCookies::from(self.cookies().set_flow(&json, max_age)))
    }

    /// Expires the step cookie.
    pub(crate) fn clear_flow(&self) -> SetCookies {
        SetCookies::from(self.cookies().expire(&self.cookies().flow_name))
    }
}
