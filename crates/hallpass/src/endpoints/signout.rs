//! `GET signout` (the confirmation page) and `POST signout` (sign out, and end the provider's
//! session too when federated sign-out is on).

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::header::HeaderMap;
use http::StatusCode;
use url::Url;

use super::csrf_form::{CsrfForm, CsrfRejection};
use super::failure::Back;
use super::pages::{self, SignOutPage};
use super::{Fields, FlowForm};
use crate::error::{Error, ErrorCode};
use crate::redirect::{found, go};
use crate::{Hallpass, Session};

/// `GET signout`: a form that posts the sign-out with a CSRF token.
pub(super) async fn page(
    State(h): State<Hallpass>,
    RawQuery(q): RawQuery,
    session: Option<Session>,
    headers: HeaderMap,
) -> Response {
    if let Some(custom) = &h.config().pages.sign_out {
        return found(custom);
    }
    let q = Fields::query(q.as_deref());
    let callback = h.callback_target(q.get("callbackUrl")).await;
    let (token, cookie) = h.csrf_token(&headers);
    let theme = &h.config().theme;
    let page = SignOutPage {
        theme,
        action: h.signout_url(),
        csrf_token: &token,
        callback_url: &callback,
        signed_in: session.is_some(),
    };
    (cookie, pages::render(StatusCode::OK, theme, &page)).into_response()
}

/// `POST signout`: CSRF (refused before the handler runs, back to the sign-out page), end the
/// session, then (federated) the provider's sign-out URL or the checked `callbackUrl`.
pub(super) async fn sign_out(
    State(h): State<Hallpass>,
    headers: HeaderMap,
    form: Result<CsrfForm<FlowForm>, CsrfRejection>,
) -> Response {
    let form = match form {
        Ok(CsrfForm(form)) => form,
        Err(refused) => {
            let back = Back::Flow {
                phase: ErrorCode::Default,
                retry: "/signout",
            };
            return refused.reply(&h, back);
        }
    };
    let json = form.json();
    match end_session(&h, &headers, form).await {
        Ok(res) => res.into_response(),
        Err(e) => not_signed_out(&h, &headers, json, e),
    }
}

async fn end_session(
    h: &Hallpass,
    headers: &HeaderMap,
    form: FlowForm,
) -> Result<impl IntoResponse, Error> {
    let mut target = h.callback_target(form.callback_url.as_deref()).await;
    let (token, cookies) = h.end_session(headers).await?;
    let provider = token
        .as_ref()
        .and_then(|t| t.provider.as_deref())
        .and_then(|id| h.provider(id));
    if let (Some(provider), Some(token)) = (provider, &token) {
        match Url::parse(&target) {
            Ok(back) => match provider.sign_out(token.tokens.as_ref(), &back).await {
                Ok(Some(url)) => target = url.to_string(),
                Ok(None) => {}
                Err(e) => tracing::warn!(
                    "ending the provider's session failed: {}",
                    crate::logsafe::clean(&e)
                ),
            },
            Err(e) => tracing::warn!("bad sign-out target: {}", crate::logsafe::clean(&e)),
        }
    }
    Ok((cookies, go(form.json(), &target)))
}

/// The session store could not end the session: say so (503) and keep the cookie, never a
/// redirect that looks like a sign-out while the session, and any copy of its cookie, lives on.
fn not_signed_out(h: &Hallpass, headers: &HeaderMap, json: bool, e: Error) -> Response {
    let wants_json = json
        || headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"));
    if wants_json {
        return e.into_response();
    }
    tracing::warn!("sign-out failed: {}", crate::logsafe::clean(&e));
    let config = h.config();
    pages::error(
        &config.theme,
        StatusCode::SERVICE_UNAVAILABLE,
        (
            "Sign-out failed",
            "We could not sign you out: the session service is not answering. You are still \
             signed in on this device. Please try again in a minute.",
        ),
        config.origin.as_str(),
    )
}
