//! The MFA page of a signed-in user (`{base}/cognito/mfa`): which factors are on, an authenticator
//! app's set-up, making it preferred, turning it off; all with the session's access token. The
//! new secret waits for its first code in the step cookie (encrypted, bound to this browser and
//! to the user), for [`SETUP_SECS`].

use axum::response::{IntoResponse, Response};
use http::HeaderMap;

use super::model::{self, CognitoPage, ExtraForm, PageField, PageLink, PageStep};
use super::post::{back, Failed, Post};
use super::steps::{CodeFields, Common, FormAction};
use super::FlowState;
use crate::cookies::{RequestCookies, SetCookies};
use crate::provider::cognito_form::flow;
use crate::provider::{CognitoForm, CredentialsProvider, FormError, Secret};
use crate::redirect::go;
use crate::{Hallpass, Session};

/// How long a set-up waits for the code that proves the app has the secret.
const SETUP_SECS: i64 = 10 * 60;

/// What the MFA page acts for: the user (`sub`, and the address the app shows) and their access
/// token.
pub(super) struct Signed<'s> {
    pub(super) sub: &'s str,
    account: &'s str,
    pub(super) access_token: &'s str,
}

/// The session's user and access token, when the session came from this form provider (a hosted
/// UI's access token lacks the scope these calls need) and keeps its tokens.
pub(super) fn signed<'s>(
    form: &CognitoForm,
    session: Option<&'s Session>,
) -> Result<Signed<'s>, FormError> {
    let s = session.ok_or(FormError::SignInAgain("signed out"))?;
    if s.token().provider.as_deref() != Some(CredentialsProvider::id(form)) {
        return Err(FormError::SignInAgain("the session is another provider's"));
    }
    let access_token = s
        .access_token()
        .ok_or(FormError::SignInAgain("the session keeps no access token"))?;
    let sub = s
        .sub()
        .ok_or(FormError::SignInAgain("the session has no sub"))?;
    Ok(Signed {
        sub,
        account: s.user().email.unwrap_or(sub),
        access_token,
    })
}

impl Hallpass {
    /// Where a user who must sign in (again) for the MFA page goes: the sign-in page, which comes
    /// back to the MFA page.
    fn mfa_sign_in_url(&self) -> String {
        self.sign_in_again_url(PageStep::Mfa)
    }

    /// The sign-in page, coming back to `page` (of a signed-in user) after signing in.
    pub(super) fn sign_in_again_url(&self, page: PageStep) -> String {
        let back = self.cognito_page_url(page, "");
        let back = percent_encoding::utf8_percent_encode(&back, percent_encoding::NON_ALPHANUMERIC);
        self.cognito_page_url(
            PageStep::SignIn,
            &format!("error=signin-again&callbackUrl={back}"),
        )
    }

    /// The page model of the MFA page (`{base}/cognito/mfa`), for an app that renders it with its
    /// own template: the user's factors (`mfa`), or, while an authenticator app is being set up,
    /// its key (`totp`, grouped in fours, with the `otpauth://` URI and a QR code) and the code
    /// field. Return the cookies with the page. `Err(url)`: send the browser there instead, to
    /// the sign-in page (nobody is signed in, the session is not the form provider's, or Cognito
    /// refused its access token), which comes back here after signing in. Also `Err` when no
    /// Cognito form provider is configured.
    pub async fn cognito_mfa_page(
        &self,
        session: Option<&Session>,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<(CognitoPage, SetCookies), String> {
        let form = self
            .cognito_form()
            .ok_or_else(|| self.config().url("/signin"))?;
        self.mfa_page_for(form, session, headers, query).await
    }

    pub(super) async fn mfa_page_for(
        &self,
        form: &CognitoForm,
        session: Option<&Session>,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<(CognitoPage, SetCookies), String> {
        let who = signed(form, session).map_err(|_| self.mfa_sign_in_url())?;
        let cancel = query.is_some_and(|q| q.split('&').any(|kv| kv == "cancel=1"));
        let flow = self
            .read_flow(form, headers)
            .filter(|f| f.username == who.sub && !cancel);
        let setup = flow.as_ref().and_then(|f| f.totp_setup.clone());
        let (mut page, mut cookies) = self
            .base_page(headers, PageStep::Mfa, query, flow.as_ref())
            .await;
        if cancel {
            cookies.extend(self.clear_flow());
        }
        page.title = "Two-step sign-in";
        match setup {
            Some(secret) => self.fill_setup(&mut page, &secret, who.account),
            None => match form.mfa_status(who.access_token).await {
                Ok(status) => self.fill_status(&mut page, status),
                Err(FormError::SignInAgain(_)) => return Err(self.mfa_sign_in_url()),
                Err(e) => {
                    tracing::warn!("MFA page: {}", crate::logsafe::clean(&e));
                    page.error = FormError::message_for(e.code());
                    page.action = self.form_action_url(FormAction::MfaSetUp);
                    page.submit = "Set up an authenticator app";
                }
            },
        }
        Ok((page, cookies))
    }

    /// The set-up: the key, the QR code, the code field.
    fn fill_setup(&self, page: &mut CognitoPage, secret: &Secret, account: &str) {
        page.title = "Set up your authenticator app";
        page.intro = Some(
            "Scan the QR code with an authenticator app (or type the key), then enter the 6-digit code it shows."
                .into(),
        );
        page.totp = Some(model::totp_setup(
            secret.expose(),
            account,
            &self.totp_issuer(),
        ));
        page.fields = vec![PageField::code("Code from your authenticator app")];
        page.submit = "Turn on";
        page.links = vec![PageLink {
            href: self.cognito_page_url(PageStep::Mfa, "cancel=1"),
            text: "Cancel",
        }];
    }

    /// The factors, with the actions that apply.
    fn fill_status(&self, page: &mut CognitoPage, status: crate::provider::MfaStatus) {
        let totp = status.totp().cloned();
        let on = totp.as_ref().is_some_and(|t| t.on);
        page.intro = Some(if on {
            "Signing in asks for a code from your authenticator app after your password.".into()
        } else {
            "Add a code from an authenticator app to your password, so that a stolen password alone cannot sign in."
                .into()
        });
        page.action = self.form_action_url(FormAction::MfaSetUp);
        page.submit = if on {
            "Set up a new authenticator app"
        } else {
            "Set up an authenticator app"
        };
        let form = |a, label| ExtraForm {
            action: self.form_action_url(a),
            label,
            hidden: Vec::new(),
            fields: Vec::new(),
        };
        if totp.as_ref().is_some_and(|t| t.on && !t.preferred) {
            page.extra_forms.push(form(
                FormAction::MfaPrefer,
                "Make the app the preferred way",
            ));
        }
        if on {
            page.extra_forms
                .push(form(FormAction::MfaOff, "Turn off the authenticator app"));
        }
        page.links = vec![PageLink {
            href: page.callback_url.clone(),
            text: "Done",
        }];
        page.mfa = Some(status);
    }

    /// The step cookie holding a set-up's secret for `sub`. `None` without a CSRF cookie.
    fn write_setup(
        &self,
        form: &CognitoForm,
        headers: &HeaderMap,
        sub: &str,
        callback_url: &str,
        secret: Secret,
    ) -> Option<SetCookies> {
        let browser = self.browser_id(&RequestCookies::new(headers))?;
        let state = FlowState {
            provider: CredentialsProvider::id(form).to_string(),
            browser,
            exp: self.now() + SETUP_SECS,
            username: sub.to_string(),
            callback_url: callback_url.to_string(),
            pending: None,
            signup: None,
            tries: 0,
            totp_setup: Some(secret),
            name: None,
        };
        self.write_flow_state(form, headers, state)
    }
}

/// `POST cognito/mfa…`: the MFA page's actions, for the signed-in user only.
pub(super) async fn submit(p: &Post<'_>, action: FormAction) -> Result<Response, Failed> {
    let who = match signed(p.form, p.session.as_ref()) {
        Ok(who) => who,
        Err(e) => {
            crate::step!(p.h, "MFA page: {e}");
            return Ok(go(p.json, &p.h.mfa_sign_in_url()));
        }
    };
    let at = back(PageStep::Mfa);
    let done = |notice: &str| p.to(PageStep::Mfa, &format!("notice={notice}"));
    match action {
        FormAction::MfaSetUp => {
            let secret = p.form.start_totp(who.access_token).await.map_err(at)?;
            // Where "Done" leads afterwards: the form's `callbackUrl`, checked.
            let common: Common = p.fields.parse_as().unwrap_or_default();
            let callback = p.h.callback_target(common.callback_url.as_deref()).await;
            let cookies =
                p.h.write_setup(p.form, p.headers, who.sub, &callback, secret);
            let cookies = cookies.ok_or_else(|| at(FormError::SetUpExpired))?;
            Ok((cookies, p.to(PageStep::Mfa, "")).into_response())
        }
        FormAction::Mfa => verify(p, &who).await,
        FormAction::MfaPrefer => {
            p.form.prefer_totp(who.access_token).await.map_err(at)?;
            Ok(done("mfa-preferred"))
        }
        FormAction::MfaOff => {
            p.form.turn_off_totp(who.access_token).await.map_err(at)?;
            Ok((p.h.clear_flow(), done("mfa-off")).into_response())
        }
        _ => Err(at(FormError::BadInput("action"))),
    }
}

/// `POST cognito/mfa`: the first code of the app being set up. A wrong one stays on the set-up
/// (the attempt limits count it as any code).
async fn verify(p: &Post<'_>, who: &Signed<'_>) -> Result<Response, Failed> {
    let at = back(PageStep::Mfa);
    let pending =
        p.h.read_flow(p.form, p.headers)
            .filter(|f| f.username == who.sub && f.totp_setup.is_some());
    if pending.is_none() {
        return Err(at(FormError::SetUpExpired));
    }
    let fields: CodeFields = p.parse(PageStep::Mfa)?;
    let code = flow::field(Some(&fields.code), "code").map_err(at)?;
    let ticket = p.begin(FormAction::Mfa, who.sub).await.map_err(at)?;
    p.form
        .finish_totp(who.access_token, code)
        .await
        .map_err(at)?;
    p.succeeded(ticket).await;
    crate::step!(p.h, "MFA page: an authenticator app was set up");
    Ok((p.h.clear_flow(), p.to(PageStep::Mfa, "notice=mfa-on")).into_response())
}
