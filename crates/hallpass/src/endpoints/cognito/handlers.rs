//! `POST {base}/cognito/{action}`: CSRF, the attempt limits, the provider's step, then where the
//! browser goes next (the next page, or signed in to the callback URL). A failure goes back to a
//! page through [`crate::error`]'s one mapping ([`Failure`]).

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::header::HeaderMap;

use super::client_address;
use super::model::PageStep;
use super::post::{back, Failed, Post};
use super::steps::{
    AddressFields, ChallengeFields, Common, ConfirmFields, FormAction, ResetFields, SignInFields,
    SignUpFields, Step,
};
use crate::endpoints::csrf_form::{CsrfForm, CsrfRejection};
use crate::endpoints::failure::Back;
use crate::endpoints::Fields;
use crate::provider::cognito_form::{flow, Finish, SignUpIntent};
use crate::provider::{Answer, Challenge, CognitoForm, FormError, Pending, Step as Next};
use crate::{Hallpass, Session};

/// `POST cognito/{action}`: an unknown action is a 404 ([`Step`]); a form without this browser's
/// CSRF token goes back to the action's page with `?error=csrf` ([`CsrfForm`]); both before
/// anything else runs.
pub(super) async fn submit(
    State(h): State<Hallpass>,
    Extension(form): Extension<CognitoForm>,
    Step(action): Step<FormAction>,
    session: Option<Session>,
    ext: http::Extensions,
    headers: HeaderMap,
    fields: Result<CsrfForm<Fields>, CsrfRejection>,
) -> Response {
    let fields = match fields {
        Ok(CsrfForm(fields)) => fields,
        Err(refused) => return refused.reply(&h, Back::FormPage(action.page())),
    };
    let post = Post {
        h: &h,
        form: &form,
        headers: &headers,
        json: fields.json(),
        fields,
        address: client_address(&h, &ext, &headers),
        now: h.now(),
        session,
    };
    let common: Common = post.fields.parse_as().unwrap_or_default();
    let callback = h.callback_target(common.callback_url.as_deref()).await;
    match run(&post, action, &callback).await {
        Ok(res) => res,
        Err(failure) => failure.reply(&h, post.json),
    }
}

/// The step of `action`, with its fields parsed.
async fn run(p: &Post<'_>, action: FormAction, callback: &str) -> Result<Response, Failed> {
    let page = action.page();
    match action {
        FormAction::SignIn => sign_in(p, p.parse(page)?, callback).await,
        FormAction::CodeSignIn => code_sign_in(p, p.parse(page)?, callback).await,
        FormAction::Challenge => challenge(p, p.parse(page)?).await,
        FormAction::SignUp => sign_up(p, p.parse(page)?, callback).await,
        FormAction::Confirm => confirm(p, p.parse(page)?, callback).await,
        FormAction::Resend => resend(p, p.parse(page)?, callback).await,
        FormAction::Forgot => forgot(p, p.parse(page)?, callback).await,
        FormAction::Reset => reset(p, p.parse(page)?, callback).await,
        FormAction::Mfa | FormAction::MfaSetUp | FormAction::MfaPrefer | FormAction::MfaOff => {
            super::mfa::submit(p, action).await
        }
        FormAction::PasskeySignIn | FormAction::Passkeys | FormAction::PasskeyDelete => {
            super::passkey::submit_form(p, action).await
        }
    }
}

/// `POST cognito/signin`: e-mail and password.
async fn sign_in(p: &Post<'_>, f: SignInFields, callback: &str) -> Result<Response, Failed> {
    let at = back(PageStep::SignIn);
    let user = flow::field(Some(&f.username), "username").map_err(at)?;
    let pw = flow::password(Some(&f.password)).map_err(at)?;
    let step = match p.begin(FormAction::SignIn, user).await {
        Ok(ticket) => match p.form.sign_in(user, pw, p.now).await {
            Ok(step) => {
                // Any step but an error means the password was right.
                p.succeeded(ticket).await;
                Ok(step)
            }
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match step {
        Ok(step) => Ok(p.after(step, user, callback, PageStep::SignIn).await),
        // Back to the form with the address kept, so only the password is typed again.
        Err(e) => Ok(p.fail_remembering(PageStep::SignIn, e, user, callback)),
    }
}

/// `POST cognito/signup`: a new account (or, for an address that has one, a reset that the
/// e-mailed code finishes); the password waits in the step cookie for the code.
async fn sign_up(p: &Post<'_>, f: SignUpFields, callback: &str) -> Result<Response, Failed> {
    let at = back(PageStep::SignUp);
    let user = flow::field(Some(&f.username), "username").map_err(at)?;
    let name = f.name.trim();
    let tried = async {
        let pw = flow::password(Some(&f.password))?;
        p.begin(FormAction::SignUp, user).await?;
        let finish = p.form.sign_up_or_reset(user, pw, Some(name)).await?;
        Ok::<_, FormError>(SignUpIntent::new(pw, finish))
    };
    let intent = match tried.await {
        Ok(intent) => intent,
        // Back to the form with the address and name kept: only the password is typed again.
        Err(e) => {
            let kept =
                p.h.remember_sign_up(p.form, p.headers, user, name, callback);
            return Err(at(e).with_cookies(kept));
        }
    };
    Ok(p.remember_with(
        user,
        callback,
        PageStep::Confirm,
        "notice=confirm",
        Some(intent),
    ))
}

/// `POST cognito/resend`: another sign-up code (or reset code, for a sign-up that met an
/// existing account).
async fn resend(p: &Post<'_>, f: AddressFields, callback: &str) -> Result<Response, Failed> {
    let at = back(PageStep::Confirm);
    let user = flow::field(Some(&f.username), "username").map_err(at)?;
    p.begin(FormAction::Resend, user).await.map_err(at)?;
    let intent = p.signup_intent(user);
    match intent.as_ref().map(SignUpIntent::finish) {
        Some(Finish::Reset) => p.form.forgot(user).await,
        _ => p.form.resend(user).await,
    }
    .map_err(at)?;
    Ok(p.remember_with(
        user,
        callback,
        PageStep::Confirm,
        "notice=code-sent",
        intent,
    ))
}

/// `POST cognito/forgot`: a reset code.
async fn forgot(p: &Post<'_>, f: AddressFields, callback: &str) -> Result<Response, Failed> {
    let at = back(PageStep::Forgot);
    let user = flow::field(Some(&f.username), "username").map_err(at)?;
    p.begin(FormAction::Forgot, user).await.map_err(at)?;
    p.form.forgot(user).await.map_err(at)?;
    Ok(p.remember(user, callback, PageStep::Reset, "notice=code-sent"))
}

/// `POST cognito/reset`: the code and a new password; the account's other sessions end.
async fn reset(p: &Post<'_>, f: ResetFields, callback: &str) -> Result<Response, Failed> {
    let at = back(PageStep::Reset);
    let user = flow::field(Some(&f.username), "username").map_err(at)?;
    let code = flow::field(Some(&f.code), "code").map_err(at)?;
    let pw = flow::password(Some(&f.password)).map_err(at)?;
    let ticket = p.begin(FormAction::Reset, user).await.map_err(at)?;
    p.form.reset(user, code, pw).await.map_err(at)?;
    p.succeeded(ticket).await;
    p.end_sessions_after_reset(user).await;
    Ok(p.remember(user, callback, PageStep::SignIn, "notice=reset"))
}

/// `POST cognito/confirm`: the sign-up code. After this browser's sign-up it finishes what the
/// sign-up started: a confirmation, or the reset of an existing account to the password chosen.
/// Either way the next page is the same: "confirmed, please sign in".
async fn confirm(p: &Post<'_>, f: ConfirmFields, callback: &str) -> Result<Response, Failed> {
    let bad = back(PageStep::Confirm);
    let user = flow::field(Some(&f.username), "username").map_err(bad)?;
    let code = flow::field(Some(&f.code), "code").map_err(bad)?;
    let ticket = p.begin(FormAction::Confirm, user).await.map_err(bad)?;
    let intent = p.signup_intent(user);
    let intent_finish = intent.as_ref().map(SignUpIntent::finish);
    match intent {
        None => p.form.confirm(user, code).await.map(|()| true),
        Some(intent) => {
            let finish = intent.finish();
            let done = p
                .form
                .finish_sign_up(user, code, intent.password.expose(), finish)
                .await;
            if let Ok(false) = done {
                p.succeeded(ticket).await;
                let next = SignUpIntent::new(intent.password.expose(), Finish::Reset);
                return Ok(p.remember_with(
                    user,
                    callback,
                    PageStep::Confirm,
                    "notice=one-more-code",
                    Some(next),
                ));
            }
            done
        }
    }
    .map_err(bad)?;
    p.succeeded(ticket).await;
    // A sign-up that met an existing account reset its password: its other sessions end.
    if intent_finish == Some(Finish::Reset) {
        p.end_sessions_after_reset(user).await;
    }
    Ok(p.remember(user, callback, PageStep::SignIn, "notice=confirmed"))
}

/// `POST cognito/code-signin`: a sign-in code by e-mail. Whatever the account (unknown, without a
/// verified address, unconfirmed), the next step is the code page, named from what was typed;
/// only a real e-mail challenge can accept a code.
async fn code_sign_in(p: &Post<'_>, f: AddressFields, callback: &str) -> Result<Response, Failed> {
    let user = flow::field(Some(&f.username), "username").map_err(back(PageStep::SignIn))?;
    p.begin(FormAction::CodeSignIn, user)
        .await
        .map_err(back(PageStep::SignIn))?;
    let step = p.form.sign_in_with_email_code(user, p.now).await;
    let pending = match step {
        Ok(Next::Challenge(pending)) if matches!(pending.challenge, Challenge::EmailOtp { .. }) => {
            pending
        }
        Err(e @ (FormError::TooMany | FormError::Service(_) | FormError::Unavailable)) => {
            return Err(back(PageStep::SignIn)(e))
        }
        other => {
            if let Err(e) = &other {
                crate::step!(p.h, step = "code-signin", "no e-mail code challenge: {e}");
            }
            decoy_pending(user)
        }
    };
    match p
        .h
        .write_flow(p.form, p.headers, user, callback, Some(pending), None)
    {
        Some(c) => Ok((c, p.to(PageStep::Challenge, "")).into_response()),
        None => Err(back(PageStep::SignIn)(FormError::StepExpired)),
    }
}

/// The code page for an account that cannot get a code: it looks like any other and refuses
/// every code (its `Session` is no Cognito session).
fn decoy_pending(user: &str) -> Pending {
    Pending {
        challenge: Challenge::EmailOtp {
            destination: Some(flow::mask_address(user)),
        },
        username: user.to_string(),
        session: crate::provider::Secret::new(DECOY_SESSION),
    }
}

/// The `Session` of [`decoy_pending`]: never sent to Cognito.
const DECOY_SESSION: &str = "decoy";

/// Most wrong codes on one challenge page before the sign-in starts again (Cognito's own).
const CODE_TRIES: u8 = 3;

/// `POST cognito/challenge`: the answer to the pending challenge. A wrong code or a weak new
/// password stays on the challenge (Cognito allows three tries per `Session`); anything else starts
/// the sign-in again.
async fn challenge(p: &Post<'_>, f: ChallengeFields) -> Result<Response, Failed> {
    let Some(state) = p.h.read_flow(p.form, p.headers) else {
        return Err(back(PageStep::SignIn)(FormError::StepExpired));
    };
    let Some(pending) = state.pending.clone() else {
        return Err(back(PageStep::SignIn)(FormError::StepExpired));
    };
    let user = pending.username.as_str();
    let bad = back(PageStep::Challenge);
    let answer = match &pending.challenge {
        Challenge::NewPassword => {
            Answer::NewPassword(flow::password(Some(&f.password)).map_err(bad)?)
        }
        Challenge::Custom { .. } => {
            Answer::Code(flow::field(Some(&f.answer), "answer").map_err(bad)?)
        }
        Challenge::Select { .. } => Answer::Choice(
            flow::field(Some(&f.answer), "answer").map_err(bad)?,
            Some(f.password.as_str()).filter(|v| !v.is_empty()),
        ),
        _ => Answer::Code(flow::field(Some(&f.code), "code").map_err(bad)?),
    };
    let ticket = p.begin(FormAction::Challenge, user).await.map_err(bad)?;
    let result = if pending.session.expose() == DECOY_SESSION {
        Err(FormError::CodeMismatch)
    } else {
        p.form.answer(&pending, answer, p.now).await
    };
    let step = match result {
        Ok(s) => s,
        Err(e @ FormError::BadInput(_)) => return Err(bad(e)),
        Err(e @ (FormError::CodeMismatch | FormError::InvalidPassword(_)))
            if state.tries + 1 < CODE_TRIES =>
        {
            // The same challenge again, one try used; the cookie is written anew either way.
            let mut again = state;
            again.tries += 1;
            let cookies = p.h.write_flow_state(p.form, p.headers, again);
            return Err(bad(e).with_cookies(cookies));
        }
        Err(e) => return Err(back(PageStep::SignIn)(e)),
    };
    p.succeeded(ticket).await;
    Ok(
        p.after(step, user, &state.callback_url, PageStep::Challenge)
            .await,
    )
}
