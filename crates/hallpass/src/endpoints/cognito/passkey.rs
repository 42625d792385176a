//! Passkeys on the Cognito form's pages (when the form provider has them on):
//!
//! | route | what |
//! | --- | --- |
//! | `GET cognito/passkey.js` | the one script: asks for options, calls `navigator.credentials`, posts the answer |
//! | `POST cognito/passkey/signin-options` | `username` → `{"publicKey": …}` (Cognito's request options); the step cookie keeps Cognito's `Session` |
//! | `POST cognito/passkey/signin` | `credential` → signed in, `{"url": callbackUrl}` with the session cookie |
//! | `POST cognito/passkey/add-options`, `passkey/add` | the signed-in user's new passkey |
//! | `GET`/`POST cognito/passkeys`, `POST cognito/passkey-delete` | the passkeys page: list, add (with the script), delete |
//!
//! The script's endpoints answer JSON, refusals included: a status (403 for the CSRF token, 400 for
//! a malformed answer, 401 for a refused passkey, 429, 503 for Cognito) and `{"url": …}`, the page
//! that shows the message, where the script sends the browser.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::header::{CACHE_CONTROL, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS};
use http::{HeaderMap, StatusCode};
use serde_json::json;

use super::client_address;
use super::mfa::{signed, Signed};
use super::model::{CognitoPage, PageLink, PageStep, PasskeyList, PasskeyRow, PasskeyStep};
use super::post::{back, Failed, Post};
use super::steps::{Common, FormAction, PasskeyDeleteFields, PasskeyFields, PasskeyOp, Step};
use crate::cookies::SetCookies;
use crate::endpoints::csrf_form::{CsrfForm, CsrfRejection};
use crate::endpoints::failure::{Back, Failure};
use crate::endpoints::{no_store, Fields};
use crate::error::Error;
use crate::provider::cognito_form::flow;
use crate::provider::{
    parse_credential, Challenge, CognitoForm, CredentialKind, FormError, WebAuthnCredential,
};
use crate::redirect::go;
use crate::{Hallpass, Session};

/// The script, served as a file: no inline script on any page, no build step.
const SCRIPT: &str = include_str!("passkey.js");

/// `GET cognito/passkey.js`. Its URL carries the crate's version, so an hour's caching never
/// serves an old script to a new page.
pub(super) async fn script() -> Response {
    (
        [
            (CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=3600"),
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        SCRIPT,
    )
        .into_response()
}

/// The status of a refusal the script reads.
fn status_of(e: &FormError) -> StatusCode {
    match e {
        FormError::Refused | FormError::PasskeyRefused | FormError::SignInAgain(_) => {
            StatusCode::UNAUTHORIZED
        }
        FormError::TooMany => StatusCode::TOO_MANY_REQUESTS,
        FormError::PasskeyExists => StatusCode::CONFLICT,
        FormError::Service(_)
        | FormError::Provider(_)
        | FormError::Unavailable
        | FormError::PasskeysUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// A refusal as JSON: the one error mapping's answer (`{"url": page?error=CODE}`, the log line,
/// the debug header) with the refusal's own status.
fn refuse(h: &Hallpass, failure: Failure, status: StatusCode) -> Response {
    let mut res = failure.reply(h, true);
    *res.status_mut() = status;
    no_store(&mut res);
    res
}

/// `POST cognito/passkey/{op}`: an unknown op is a 404, a form without this browser's CSRF token a
/// 403, both before anything else runs.
pub(super) async fn submit(
    State(h): State<Hallpass>,
    Extension(form): Extension<CognitoForm>,
    Step(op): Step<PasskeyOp>,
    session: Option<Session>,
    ext: http::Extensions,
    headers: HeaderMap,
    fields: Result<CsrfForm<Fields>, CsrfRejection>,
) -> Response {
    let at = Back::FormPage(op.page());
    let fields = match fields {
        Ok(CsrfForm(fields)) => fields,
        Err(CsrfRejection::InvalidToken { .. }) => {
            return refuse(&h, Failure::new(Error::Csrf, at), StatusCode::FORBIDDEN)
        }
        Err(CsrfRejection::InvalidForm { message, .. }) => {
            let failure = Failure::new(Error::BadRequest(message), at);
            return refuse(&h, failure, StatusCode::BAD_REQUEST);
        }
        // An unreadable or oversized body keeps its own status (413).
        Err(other) => return other.into_response(),
    };
    let post = Post {
        h: &h,
        form: &form,
        headers: &headers,
        json: true,
        fields,
        address: client_address(&h, &ext, &headers),
        now: h.now(),
        session,
    };
    let common: Common = post.fields.parse_as().unwrap_or_default();
    let callback = h.callback_target(common.callback_url.as_deref()).await;
    let f: PasskeyFields = post.fields.parse_as().unwrap_or_default();
    let result = match op {
        PasskeyOp::SignInOptions => sign_in_options(&post, &f, &callback).await,
        PasskeyOp::SignIn => sign_in(&post, &f).await,
        PasskeyOp::AddOptions => add_options(&post).await,
        PasskeyOp::Add => add(&post, &f).await,
    };
    match result {
        Ok(res) => res,
        Err((e, cookies)) => {
            let status = status_of(&e);
            refuse(&h, back(op.page())(e).with_cookies(cookies), status)
        }
    }
}

/// A passkey step's refusal, and cookies to set with it.
type Refusal = (FormError, Option<SetCookies>);

fn plain(e: FormError) -> Refusal {
    (e, None)
}

/// `{"publicKey": options}`, never cached.
fn options_answer(options: serde_json::Map<String, serde_json::Value>) -> Response {
    let mut res = Json(json!({ "publicKey": options })).into_response();
    no_store(&mut res);
    res
}

/// The name of the error the browser raised instead of answering, reported by the script for
/// the server log; a cancelled prompt is never reported (nothing is posted).
fn client_error(h: &Hallpass, name: &str) -> FormError {
    let host = h.config().origin.host_str().unwrap_or("").to_string();
    match name {
        "SecurityError" => {
            tracing::error!(
                "passkeys: the browser refused the pool's relying party for this site (SecurityError); to fix: set the user pool's WebAuthnConfiguration RelyingPartyId to this site's domain ({}) or a parent domain of it, and serve the site over https (http only on localhost)",
                crate::logsafe::Clean(&host)
            );
            FormError::PasskeysUnavailable
        }
        "InvalidStateError" => FormError::PasskeyExists,
        "NotSupportedError" => {
            tracing::warn!("passkeys: the browser supports none of the pool's passkey algorithms (NotSupportedError); nothing to fix on the server");
            FormError::PasskeyNeedsScript
        }
        _ => FormError::BadInput("clientError"),
    }
}

/// `passkey/signin-options`: Cognito's request options for `username`; the step cookie keeps the
/// `Session` for the answer (3 minutes). Every request counts against the limits.
async fn sign_in_options(
    p: &Post<'_>,
    f: &PasskeyFields,
    callback: &str,
) -> Result<Response, Refusal> {
    let user = flow::field(Some(&f.username), "username").map_err(plain)?;
    p.h.begin_attempt(p.form, PasskeyOp::SignInOptions.limit(), user, p.address)
        .await
        .map_err(plain)?;
    let start = match p.form.start_passkey_sign_in(user).await {
        Ok(start) => start,
        Err(FormError::NoPasskey) => {
            crate::step!(p.h, "passkey sign-in: no passkey for that username (or no such user); the user signs in another way");
            return Err(plain(FormError::NoPasskey));
        }
        Err(e) => return Err(plain(e)),
    };
    let cookies =
        p.h.write_flow(p.form, p.headers, user, callback, Some(start.pending), None)
            .ok_or_else(|| plain(FormError::StepExpired))?;
    Ok((cookies, options_answer(start.options)).into_response())
}

/// `passkey/signin`: the browser's assertion for the pending challenge. Signed in, it answers
/// `{"url": callbackUrl}` with the session's cookies, as every form sign-in finishes.
async fn sign_in(p: &Post<'_>, f: &PasskeyFields) -> Result<Response, Refusal> {
    if !f.client_error.is_empty() {
        return Err((client_error(p.h, &f.client_error), Some(p.h.clear_flow())));
    }
    let credential = parse_credential(&f.credential, CredentialKind::Assertion).map_err(plain)?;
    let state =
        p.h.read_flow(p.form, p.headers)
            .filter(|s| {
                s.pending
                    .as_ref()
                    .is_some_and(|pd| matches!(pd.challenge, Challenge::Passkey { .. }))
            })
            .ok_or_else(|| plain(FormError::StepExpired))?;
    let pending = state
        .pending
        .clone()
        .expect("filtered on a pending passkey");
    let user = pending.username.as_str();
    let ticket =
        p.h.begin_attempt(p.form, PasskeyOp::SignIn.limit(), user, p.address)
            .await
            .map_err(plain)?;
    match p
        .form
        .finish_passkey_sign_in(&pending, &credential, p.now)
        .await
    {
        Ok(step) => {
            p.succeeded(ticket).await;
            crate::step!(p.h, "passkey sign-in: Cognito accepted the passkey");
            Ok(p.after(step, user, &state.callback_url, PageStep::SignIn)
                .await)
        }
        // Cognito's `Session` is spent or suspect: the next try asks for new options.
        Err(e) => Err((e, Some(p.h.clear_flow()))),
    }
}

/// The signed-in user of a passkeys step, or "sign in again".
fn who<'a>(p: &'a Post<'_>) -> Result<Signed<'a>, Refusal> {
    signed(p.form, p.session.as_ref()).map_err(|e| {
        crate::step!(p.h, "passkeys page: {e}");
        plain(e)
    })
}

/// `passkey/add-options`: `StartWebAuthnRegistration` for the signed-in user.
async fn add_options(p: &Post<'_>) -> Result<Response, Refusal> {
    let who = who(p)?;
    p.h.begin_attempt(p.form, PasskeyOp::AddOptions.limit(), who.sub, p.address)
        .await
        .map_err(plain)?;
    let options = p
        .form
        .passkey_creation_options(who.access_token)
        .await
        .map_err(plain)?;
    Ok(options_answer(options))
}

/// `passkey/add`: the browser's new credential, to `CompleteWebAuthnRegistration`.
async fn add(p: &Post<'_>, f: &PasskeyFields) -> Result<Response, Refusal> {
    if !f.client_error.is_empty() {
        return Err(plain(client_error(p.h, &f.client_error)));
    }
    let credential =
        parse_credential(&f.credential, CredentialKind::Registration).map_err(plain)?;
    let who = who(p)?;
    p.h.begin_attempt(p.form, PasskeyOp::Add.limit(), who.sub, p.address)
        .await
        .map_err(plain)?;
    p.form
        .add_passkey(who.access_token, &credential)
        .await
        .map_err(plain)?;
    crate::step!(p.h, "passkeys page: a passkey was added");
    let mut res = p.to(PageStep::Passkeys, "notice=passkey-added");
    no_store(&mut res);
    Ok(res)
}

/// `POST cognito/passkey-delete`, and the passkey forms posted without the script.
pub(super) async fn submit_form(p: &Post<'_>, action: FormAction) -> Result<Response, Failed> {
    let at = back(action.page());
    if action != FormAction::PasskeyDelete {
        return Err(at(FormError::PasskeyNeedsScript));
    }
    let who = match signed(p.form, p.session.as_ref()) {
        Ok(who) => who,
        Err(e) => {
            crate::step!(p.h, "passkeys page: {e}");
            return Ok(go(p.json, &p.h.sign_in_again_url(PageStep::Passkeys)));
        }
    };
    let f: PasskeyDeleteFields = p.parse(PageStep::Passkeys)?;
    p.form
        .delete_passkey(who.access_token, f.credential_id.trim())
        .await
        .map_err(at)?;
    crate::step!(p.h, "passkeys page: a passkey was deleted");
    Ok(p.to(PageStep::Passkeys, "notice=passkey-deleted"))
}

/// Which passkey form a page has.
#[derive(Clone, Copy)]
pub(super) enum PasskeyMode {
    SignIn,
    Add,
}

impl Hallpass {
    /// The passkey form of a page, for the script.
    pub(super) fn passkey_step(&self, mode: PasskeyMode) -> PasskeyStep {
        let op_url = |op: PasskeyOp| {
            self.config()
                .url(&format!("/cognito/passkey/{}", op.path()))
        };
        let script = self.config().url(&format!(
            "/cognito/passkey.js?v={}",
            env!("CARGO_PKG_VERSION")
        ));
        let unsupported = "This browser cannot use passkeys. Please use another way.";
        match mode {
            PasskeyMode::SignIn => PasskeyStep {
                mode: "signin",
                action: self.form_action_url(FormAction::PasskeySignIn),
                options_url: op_url(PasskeyOp::SignInOptions),
                finish_url: op_url(PasskeyOp::SignIn),
                script,
                label: "Sign in with a passkey",
                autofill: true,
                cancelled: "The passkey prompt was closed, so nothing was sent. Try again, or sign in another way.",
                unsupported,
                working: "Use your passkey in the browser's prompt…",
            },
            PasskeyMode::Add => PasskeyStep {
                mode: "add",
                action: self.form_action_url(FormAction::Passkeys),
                options_url: op_url(PasskeyOp::AddOptions),
                finish_url: op_url(PasskeyOp::Add),
                script,
                label: "Add a passkey",
                autofill: false,
                cancelled: "The passkey prompt was closed, so no passkey was added.",
                unsupported,
                working: "Create your passkey in the browser's prompt…",
            },
        }
    }

    /// The page model of the passkeys page (`{base}/cognito/passkeys`), for an app that renders it
    /// with its own template: the user's passkeys (`passkeys`: name, kind, when added; Cognito
    /// keeps no "last used" time) with a delete form each, and the "add a passkey" form for the
    /// script (`passkey`). Return the cookies with the page. `Err(url)`: send the browser there
    /// instead: the sign-in page (nobody is signed in, the session is not the form provider's, or
    /// Cognito refused its access token), which comes back here; or the sign-in page when no
    /// Cognito form provider with passkeys is configured.
    pub async fn cognito_passkeys_page(
        &self,
        session: Option<&Session>,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<(CognitoPage, SetCookies), String> {
        let form = self
            .cognito_form()
            .filter(|f| f.passkeys())
            .ok_or_else(|| self.config().url("/signin"))?;
        self.passkeys_page_for(form, session, headers, query).await
    }

    pub(super) async fn passkeys_page_for(
        &self,
        form: &CognitoForm,
        session: Option<&Session>,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<(CognitoPage, SetCookies), String> {
        let again = || self.sign_in_again_url(PageStep::Passkeys);
        let who = signed(form, session).map_err(|_| again())?;
        let (mut page, cookies) = self
            .base_page(headers, PageStep::Passkeys, query, None)
            .await;
        page.title = "Passkeys";
        page.intro = Some(
            "A passkey signs you in with this device's screen lock or a security key, instead of your password."
                .into(),
        );
        page.submit = "Add a passkey";
        page.passkey = Some(self.passkey_step(PasskeyMode::Add));
        match form.list_passkeys(who.access_token).await {
            Ok(list) => {
                page.passkeys = Some(PasskeyList {
                    passkeys: list.iter().map(row).collect(),
                    delete_action: self.form_action_url(FormAction::PasskeyDelete),
                })
            }
            Err(FormError::SignInAgain(_)) => return Err(again()),
            Err(e) => {
                tracing::warn!("passkeys page: {}", crate::logsafe::clean(&e));
                if page.error.is_none() {
                    page.error = FormError::message_for(e.code());
                }
            }
        }
        page.links = vec![PageLink {
            href: page.callback_url.clone(),
            text: "Done",
        }];
        Ok((page, cookies))
    }
}

fn row(c: &WebAuthnCredential) -> PasskeyRow {
    let created = c
        .created_at
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| "an unknown date".into());
    PasskeyRow {
        id: c.id.clone(),
        name: if c.name.is_empty() {
            "Passkey".into()
        } else {
            c.name.clone()
        },
        created_at: c.created_at,
        created,
        kind: match c.attachment.as_deref() {
            Some("platform") => "On a device (screen lock)",
            Some("cross-platform") => "Security key or phone",
            _ => "Passkey",
        },
        relying_party_id: c.relying_party_id.clone(),
    }
}
