//! One POST of the Cognito form: its form and request ([`Post`]), and the answers every step
//! shares (back to a page with an error, on to the next page, signed in).

use axum::response::{IntoResponse, Response};
use http::header::HeaderMap;

use super::model::PageStep;
use super::steps::FormAction;
use crate::endpoints::failure::{Back, Failure};
use crate::endpoints::Fields;
use crate::lifecycle::SignInOutcome;
use crate::provider::cognito_form::{SignUpIntent, Ticket};
use crate::provider::{CognitoForm, CredentialsProvider, FormError, Step as Next};
use crate::redirect::go;
use crate::{Hallpass, Session};
use std::net::IpAddr;

/// One POST: its form, and what the answers need.
pub(super) struct Post<'a> {
    pub(super) h: &'a Hallpass,
    pub(super) form: &'a CognitoForm,
    pub(super) headers: &'a HeaderMap,
    pub(super) fields: Fields,
    pub(super) json: bool,
    pub(super) address: Option<IpAddr>,
    pub(super) now: i64,
    /// The signed-in user, for the MFA page's actions.
    pub(super) session: Option<Session>,
}

impl Post<'_> {
    /// Back to `step`'s page with `?error=CODE`, through the one error mapping.
    pub(super) fn fail(&self, step: PageStep, e: FormError) -> Response {
        back(step)(e).reply(self.h, self.json)
    }

    /// [`Post::fail`], remembering the address the user typed for the page.
    pub(super) fn fail_remembering(
        &self,
        step: PageStep,
        e: FormError,
        username: &str,
        callback: &str,
    ) -> Response {
        let cookies = self
            .h
            .write_flow(self.form, self.headers, username, callback, None, None);
        back(step)(e).with_cookies(cookies).reply(self.h, self.json)
    }

    pub(super) fn to(&self, step: PageStep, query: &str) -> Response {
        go(self.json, &self.h.cognito_page_url(step, query))
    }

    /// Counts the attempt against the limits of `action`, or refuses it.
    pub(super) async fn begin(
        &self,
        action: FormAction,
        username: &str,
    ) -> Result<Ticket, FormError> {
        self.h
            .begin_attempt(self.form, action.limit(), username, self.address)
            .await
    }

    /// The attempt of `ticket` succeeded (a right password or code).
    pub(super) async fn succeeded(&self, ticket: Ticket) {
        self.h.attempt_succeeded(self.form, ticket).await;
    }

    /// The form's fields as the struct of a step; it cannot fail for the steps' all-text fields,
    /// but if it did the page would say the form is incomplete.
    pub(super) fn parse<T: serde::de::DeserializeOwned>(
        &self,
        page: PageStep,
    ) -> Result<T, Failed> {
        self.fields
            .parse_as()
            .map_err(|_| back(page)(FormError::BadInput("form")))
    }

    /// Where a step leads: signed in, a challenge, or the confirm or reset page.
    pub(super) async fn after(
        &self,
        step: Next,
        username: &str,
        callback: &str,
        from: PageStep,
    ) -> Response {
        let (h, form) = (self.h, self.form);
        match step {
            Next::SignedIn(sign_in) => {
                crate::step!(h, provider = form.id(), "ID token verified");
                let tokens = sign_in.tokens.clone();
                match h.complete_sign_in(self.headers, form.id(), sign_in).await {
                    Ok(SignInOutcome::Issued(mut cookies)) => {
                        cookies.extend(h.clear_flow());
                        (cookies, go(self.json, callback)).into_response()
                    }
                    Ok(SignInOutcome::Redirect(to)) => {
                        (h.clear_flow(), go(self.json, &to)).into_response()
                    }
                    Err(e) => {
                        // No session holds the fresh tokens: revoke them (RevokeToken).
                        if let Some(t) = &tokens {
                            if let Err(r) = CredentialsProvider::sign_out(form, t).await {
                                tracing::warn!(
                                    "revoking unused tokens failed: {}",
                                    crate::logsafe::clean(&r)
                                );
                            }
                        }
                        // The store down is `unavailable`, anything else `refused` (logged).
                        Failure::new(e, Back::FormPage(PageStep::SignIn)).reply(self.h, self.json)
                    }
                }
            }
            Next::Challenge(pending) => match h.write_flow(
                form,
                self.headers,
                &pending.username.clone(),
                callback,
                Some(pending),
                None,
            ) {
                Some(c) => (c, self.to(PageStep::Challenge, "")).into_response(),
                None => self.fail(from, FormError::StepExpired),
            },
            Next::ConfirmSignUp => {
                // The first code may be long gone: send a fresh one.
                if let Err(e) = form.resend(username).await {
                    return self.fail(PageStep::SignIn, e);
                }
                self.remember(username, callback, PageStep::Confirm, "notice=confirm")
            }
            Next::ResetPassword => {
                self.remember(username, callback, PageStep::Reset, "notice=reset-required")
            }
        }
    }

    /// To `step`'s page, remembering the address for it.
    pub(super) fn remember(
        &self,
        username: &str,
        callback: &str,
        step: PageStep,
        query: &str,
    ) -> Response {
        self.remember_with(username, callback, step, query, None)
    }

    /// [`Post::remember`], keeping a sign-up's password for the code step.
    pub(super) fn remember_with(
        &self,
        username: &str,
        callback: &str,
        step: PageStep,
        query: &str,
        signup: Option<SignUpIntent>,
    ) -> Response {
        match self
            .h
            .write_flow(self.form, self.headers, username, callback, None, signup)
        {
            Some(c) => (c, self.to(step, query)).into_response(),
            None => self.to(step, query),
        }
    }

    /// After a password reset on these pages: every stored session of the account ends (a thief's
    /// included). Cookie sessions cannot be reached; their tokens were revoked by the reset.
    pub(super) async fn end_sessions_after_reset(&self, username: &str) {
        match self.h.revoke_login_sessions(username).await {
            Ok(n) => crate::step!(self.h, "the password reset ended {n} stored sessions"),
            Err(crate::Error::NoSessionStore) => {}
            Err(e) => tracing::error!(
                "a password reset could not end the account's stored sessions (the re-check will): {}",
                crate::logsafe::clean(&e)
            ),
        }
    }

    /// This browser's sign-up of `username`, waiting for its code.
    pub(super) fn signup_intent(&self, username: &str) -> Option<SignUpIntent> {
        self.h
            .read_flow(self.form, self.headers)
            .filter(|f| f.username.eq_ignore_ascii_case(username))
            .and_then(|f| f.signup)
    }
}

pub(super) type Failed = Failure;

/// A failure that goes back to `step`'s page.
pub(super) fn back(step: PageStep) -> impl Fn(FormError) -> Failure + Copy {
    move |e| Failure::new(e, Back::FormPage(step))
}
