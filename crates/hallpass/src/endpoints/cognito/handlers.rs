//! `POST {base}/cognito/{action}`: CSRF, the attempt limits, the provider's step, then where the
//! browser goes next (the next page, or signed in to the callback URL).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::header::HeaderMap;

use super::client_address;
use super::model::PageStep;
use crate::endpoints::Fields;
use crate::error::go;
use crate::lifecycle::SignInOutcome;
use crate::provider::cognito_form::{flow, log_api_failure};
use crate::provider::{Answer, Challenge, CognitoForm, CredentialsProvider, FormError, Step};
use crate::Hallpass;

/// One POST: its form, and what the answers need.
struct Post<'a> {
    h: &'a Hallpass,
    form: &'a CognitoForm,
    headers: &'a HeaderMap,
    fields: Fields,
    json: bool,
    address: String,
    now: i64,
}

impl Post<'_> {
    /// Back to `step`'s page with `?error=CODE`; the cause is logged (with the fix, in debug mode).
    fn fail(&self, step: PageStep, e: &FormError) -> Response {
        match e {
            FormError::Service(api) => log_api_failure(step.path(), api, self.h.config().debug()),
            FormError::Provider(p) => tracing::error!(
                "Cognito form sign-in: the tokens were refused: {}",
                crate::logsafe::clean(p)
            ),
            other => crate::step!(
                self.h,
                step = step.path(),
                "Cognito form step refused: {other}"
            ),
        }
        go(
            self.json,
            &self
                .h
                .cognito_page_url(step, &format!("error={}", e.code())),
        )
    }

    /// [`Post::fail`], remembering the address the user typed for the page.
    fn fail_remembering(
        &self,
        step: PageStep,
        e: &FormError,
        username: &str,
        callback: &str,
    ) -> Response {
        let res = self.fail(step, e);
        match self
            .h
            .write_flow(self.form, self.headers, username, callback, None)
        {
            Some(c) => (c, res).into_response(),
            None => res,
        }
    }

    fn to(&self, step: PageStep, query: &str) -> Response {
        go(self.json, &self.h.cognito_page_url(step, query))
    }

    /// Counts the attempt against the limits of `action`.
    fn allow(&self, action: &str, username: &str) -> Result<(), FormError> {
        if self.form.allow(action, username, &self.address, self.now) {
            Ok(())
        } else {
            tracing::warn!(
                action,
                "Cognito form: attempt limit reached; refused without calling Cognito"
            );
            Err(FormError::TooMany)
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name)
    }

    /// Where a step leads: signed in, a challenge, or the confirm or reset page.
    async fn after(&self, step: Step, username: &str, callback: &str, from: PageStep) -> Response {
        let (h, form) = (self.h, self.form);
        match step {
            Step::SignedIn(sign_in) => {
                form.succeeded("signin", username);
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
                        tracing::warn!(
                            "Cognito form sign-in refused: {}",
                            crate::logsafe::clean(&e)
                        );
                        // No session holds the fresh tokens: revoke them (RevokeToken).
                        if let Some(t) = &tokens {
                            if let Err(r) = CredentialsProvider::sign_out(form, t).await {
                                tracing::warn!(
                                    "revoking unused tokens failed: {}",
                                    crate::logsafe::clean(&r)
                                );
                            }
                        }
                        let code = match e {
                            crate::error::Error::Store(_) => "error=unavailable",
                            _ => "error=refused",
                        };
                        self.to(PageStep::SignIn, code)
                    }
                }
            }
            Step::Challenge(pending) => match h.write_flow(
                form,
                self.headers,
                &pending.username.clone(),
                callback,
                Some(pending),
            ) {
                Some(c) => (c, self.to(PageStep::Challenge, "")).into_response(),
                None => self.fail(from, &FormError::StepExpired),
            },
            Step::ConfirmSignUp => {
                // The first code may be long gone: send a fresh one.
                if let Err(e) = form.resend(username).await {
                    return self.fail(PageStep::SignIn, &e);
                }
                self.remember(username, callback, PageStep::Confirm, "notice=confirm")
            }
            Step::ResetPassword => {
                self.remember(username, callback, PageStep::Reset, "notice=reset-required")
            }
        }
    }

    /// To `step`'s page, remembering the address for it.
    fn remember(&self, username: &str, callback: &str, step: PageStep, query: &str) -> Response {
        match self
            .h
            .write_flow(self.form, self.headers, username, callback, None)
        {
            Some(c) => (c, self.to(step, query)).into_response(),
            None => self.to(step, query),
        }
    }
}

/// The page a failed action goes back to.
fn page_of(action: &str) -> Option<PageStep> {
    Some(match action {
        "signin" | "code-signin" => PageStep::SignIn,
        "challenge" => PageStep::Challenge,
        "signup" => PageStep::SignUp,
        "confirm" | "resend" => PageStep::Confirm,
        "forgot" => PageStep::Forgot,
        "reset" => PageStep::Reset,
        _ => return None,
    })
}

/// `POST cognito/{action}`.
pub(super) async fn submit(
    State(h): State<Hallpass>,
    Extension(form): Extension<CognitoForm>,
    Path(action): Path<String>,
    ext: http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(page) = page_of(&action) else {
        return crate::error::Error::UnknownAction {
            method: "POST".into(),
            path: format!("/cognito/{}", crate::logsafe::Clean(&action)),
        }
        .into_response();
    };
    let fields = Fields::parse(&body);
    let post = Post {
        h: &h,
        form: &form,
        headers: &headers,
        json: fields.json(),
        fields,
        address: client_address(&ext),
        now: h.now(),
    };
    if !h.verify_csrf(&headers, post.get("csrfToken")) {
        return post.to(page, "error=csrf");
    }
    let callback = h.callback_target(post.get("callbackUrl")).await;
    match run(&post, &action, &callback).await {
        Ok(res) => res,
        Err((step, e)) => post.fail(step, &e),
    }
}

type Failed = (PageStep, FormError);

async fn run(p: &Post<'_>, action: &str, callback: &str) -> Result<Response, Failed> {
    let at = |step: PageStep| move |e: FormError| (step, e);
    let form = p.form;
    match action {
        "signin" => {
            let user = flow::field(p.get("username"), "username").map_err(at(PageStep::SignIn))?;
            let pw = flow::password(p.get("password")).map_err(at(PageStep::SignIn))?;
            let step = match p.allow("signin", user) {
                Ok(()) => form.sign_in(user, pw, p.now).await,
                Err(e) => Err(e),
            };
            match step {
                Ok(step) => Ok(p.after(step, user, callback, PageStep::SignIn).await),
                // Back to the form with the address kept, so only the password is typed again.
                Err(e) => Ok(p.fail_remembering(PageStep::SignIn, &e, user, callback)),
            }
        }
        "code-signin" => {
            let user = flow::field(p.get("username"), "username").map_err(at(PageStep::SignIn))?;
            p.allow("signin", user).map_err(at(PageStep::SignIn))?;
            let step = form
                .sign_in_with_email_code(user, p.now)
                .await
                .map_err(at(PageStep::SignIn))?;
            Ok(p.after(step, user, callback, PageStep::SignIn).await)
        }
        "challenge" => challenge(p).await,
        "signup" => {
            let user = flow::field(p.get("username"), "username").map_err(at(PageStep::SignUp))?;
            let pw = flow::password(p.get("password")).map_err(at(PageStep::SignUp))?;
            p.allow("signup", user).map_err(at(PageStep::SignUp))?;
            form.sign_up(user, pw, p.get("name").map(str::trim))
                .await
                .map_err(at(PageStep::SignUp))?;
            Ok(p.remember(user, callback, PageStep::Confirm, "notice=confirm"))
        }
        "confirm" => {
            let user = flow::field(p.get("username"), "username").map_err(at(PageStep::Confirm))?;
            let code = flow::field(p.get("code"), "code").map_err(at(PageStep::Confirm))?;
            p.allow("code", user).map_err(at(PageStep::Confirm))?;
            form.confirm(user, code)
                .await
                .map_err(at(PageStep::Confirm))?;
            form.succeeded("code", user);
            Ok(p.to(PageStep::SignIn, "notice=confirmed"))
        }
        "resend" => {
            let user = flow::field(p.get("username"), "username").map_err(at(PageStep::Confirm))?;
            p.allow("resend", user).map_err(at(PageStep::Confirm))?;
            form.resend(user).await.map_err(at(PageStep::Confirm))?;
            Ok(p.remember(user, callback, PageStep::Confirm, "notice=code-sent"))
        }
        "forgot" => {
            let user = flow::field(p.get("username"), "username").map_err(at(PageStep::Forgot))?;
            p.allow("forgot", user).map_err(at(PageStep::Forgot))?;
            form.forgot(user).await.map_err(at(PageStep::Forgot))?;
            Ok(p.remember(user, callback, PageStep::Reset, "notice=code-sent"))
        }
        _ => {
            let user = flow::field(p.get("username"), "username").map_err(at(PageStep::Reset))?;
            let code = flow::field(p.get("code"), "code").map_err(at(PageStep::Reset))?;
            let pw = flow::password(p.get("password")).map_err(at(PageStep::Reset))?;
            p.allow("code", user).map_err(at(PageStep::Reset))?;
            form.reset(user, code, pw)
                .await
                .map_err(at(PageStep::Reset))?;
            form.succeeded("code", user);
            Ok(p.to(PageStep::SignIn, "notice=reset"))
        }
    }
}

/// `POST cognito/challenge`: the answer to the pending challenge. Cognito's `Session` is used up
/// by a wrong answer, so every failure but an incomplete form starts the sign-in again.
async fn challenge(p: &Post<'_>) -> Result<Response, Failed> {
    let Some(state) = p.h.read_flow(p.form, p.headers) else {
        return Err((PageStep::SignIn, FormError::StepExpired));
    };
    let Some(pending) = state.pending else {
        return Err((PageStep::SignIn, FormError::StepExpired));
    };
    let user = pending.username.as_str();
    let bad = |e| (PageStep::Challenge, e);
    let answer = match &pending.challenge {
        Challenge::NewPassword => {
            Answer::NewPassword(flow::password(p.get("password")).map_err(bad)?)
        }
        Challenge::Select { .. } => Answer::Choice(
            flow::field(p.get("answer"), "answer").map_err(bad)?,
            p.get("password").filter(|v| !v.is_empty()),
        ),
        _ => Answer::Code(flow::field(p.get("code"), "code").map_err(bad)?),
    };
    p.allow("code", user).map_err(bad)?;
    let step = match p.form.answer(&pending, answer, p.now).await {
        Ok(s) => s,
        Err(e @ FormError::BadInput(_)) => return Err(bad(e)),
        Err(e) => return Err((PageStep::SignIn, e)),
    };
    Ok(
        p.after(step, user, &state.callback_url, PageStep::Challenge)
            .await,
    )
}
