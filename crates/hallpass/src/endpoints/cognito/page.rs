//! `GET {base}/cognito/{step}`: the page model of each step, rendered by the built-in template or
//! answered as JSON.

use askama::Template;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use http::header::{HeaderMap, ACCEPT};
use http::StatusCode;

use super::model::{self, CognitoPage, ExtraForm, PageChoice, PageField, PageLink, PageStep};
use super::steps::{FormAction, Step};
use crate::cookies::SetCookies;
use crate::endpoints::{no_store, pages, Fields};
use crate::provider::{Challenge, CognitoForm, Pending};
use crate::redirect::found;
use crate::{Hallpass, Session};

#[derive(Template)]
#[template(path = "cognito.html")]
struct CognitoTemplate<'a> {
    theme: &'a crate::Theme,
    page: &'a CognitoPage,
}

/// `GET cognito/{step}`.
pub(super) async fn show(
    State(h): State<Hallpass>,
    Extension(form): Extension<CognitoForm>,
    Step(step): Step<PageStep>,
    RawQuery(q): RawQuery,
    session: Option<Session>,
    headers: HeaderMap,
) -> Response {
    if h.config().pages.cognito.is_some() {
        return found(&h.cognito_page_url(step, q.as_deref().unwrap_or("")));
    }
    let built = if step == PageStep::Mfa {
        h.mfa_page_for(&form, session.as_ref(), &headers, q.as_deref())
            .await
    } else if step == PageStep::Passkeys {
        if !form.passkeys() {
            return crate::error::Error::UnknownStep {
                method: "GET".into(),
                step: step.path().into(),
            }
            .into_response();
        }
        h.passkeys_page_for(&form, session.as_ref(), &headers, q.as_deref())
            .await
    } else {
        h.page_for(&form, &headers, step, q.as_deref())
            .await
            .ok_or_else(|| h.cognito_page_url(PageStep::SignIn, "error=step-expired"))
    };
    let (page, cookies) = match built {
        Ok(built) => built,
        Err(to) => return found(&to),
    };
    let wants_json = headers
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let mut res = if wants_json {
        let mut r = Json(&page).into_response();
        no_store(&mut r);
        r
    } else {
        let theme = &h.config().theme;
        let template = CognitoTemplate { theme, page: &page };
        let mut res = pages::render(StatusCode::OK, theme, &template);
        if page.passkey.is_some() {
            allow_passkey_script(&mut res);
        }
        res
    };
    cookies.append_to(res.headers_mut());
    res
}

/// The built-in pages run no script, but a page with a passkey form runs Hallpass's own (from
/// this origin, no inline script) and lets it ask this origin for the options.
fn allow_passkey_script(res: &mut Response) {
    let csp = http::header::CONTENT_SECURITY_POLICY;
    let Some(policy) = res.headers().get(&csp).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let policy = format!("{policy}; script-src 'self'; connect-src 'self'");
    if let Ok(v) = http::HeaderValue::try_from(policy) {
        res.headers_mut().insert(csp, v);
    }
}

impl Hallpass {
    /// The page model of a step of the Cognito form sign-in, for an app that renders the pages with
    /// its own templates (set [`Pages::cognito`](crate::Pages::cognito) so that Hallpass sends the
    /// browser to them): the fields, the error (`?error=` of `query`), the notice, and where the
    /// form posts. Return the cookies with the page (a new CSRF cookie, when the request had none).
    /// `None` for the challenge page when no challenge is pending (it expired): send the user to
    /// the sign-in page. Also `None` when no Cognito form provider is configured.
    pub async fn cognito_page(
        &self,
        headers: &HeaderMap,
        step: PageStep,
        query: Option<&str>,
    ) -> Option<(CognitoPage, SetCookies)> {
        let form = self.cognito_form()?;
        self.page_for(form, headers, step, query).await
    }

    async fn page_for(
        &self,
        form: &CognitoForm,
        headers: &HeaderMap,
        step: PageStep,
        query: Option<&str>,
    ) -> Option<(CognitoPage, SetCookies)> {
        if matches!(step, PageStep::Mfa | PageStep::Passkeys) {
            // These pages need the session: `cognito_mfa_page`, `cognito_passkeys_page`.
            return None;
        }
        let flow = self.read_flow(form, headers);
        let (mut page, cookies) = self.base_page(headers, step, query, flow.as_ref()).await;
        self.fill_page(&mut page, form, flow.as_ref())?;
        let asks_for_mail = matches!(step, PageStep::Confirm | PageStep::Reset)
            || page.challenge == Some("EMAIL_OTP");
        if asks_for_mail {
            page.code_hint = local_outbox(form);
        }
        Some((page, cookies))
    }

    /// A page of `step` with nothing filled in but the error, notice, CSRF token, callback URL and
    /// where its main form posts.
    pub(super) async fn base_page(
        &self,
        headers: &HeaderMap,
        step: PageStep,
        query: Option<&str>,
        flow: Option<&super::FlowState>,
    ) -> (CognitoPage, SetCookies) {
        let q = Fields::query(query);
        let callback_url = match (q.get("callbackUrl"), flow) {
            (Some(c), _) => self.callback_target(Some(c)).await,
            (None, Some(f)) => f.callback_url.clone(),
            (None, None) => self.callback_target(None).await,
        };
        let (csrf_token, cookies) = self.csrf_token(headers);
        let page = CognitoPage {
            step,
            title: "",
            intro: None,
            action: self.form_action_url(FormAction::of_page(step)),
            submit: "Continue",
            csrf_token,
            callback_url,
            fields: Vec::new(),
            error: q.get("error").and_then(model::error),
            notice: q.get("notice").and_then(model::notice),
            password_rules: Vec::new(),
            challenge: None,
            choices: Vec::new(),
            totp: None,
            mfa: None,
            passkey: None,
            passkeys: None,
            challenge_parameters: Default::default(),
            extra_forms: Vec::new(),
            links: Vec::new(),
            code_hint: None,
        };
        (page, cookies)
    }

    /// Where a form of the pages posts.
    pub(super) fn form_action_url(&self, a: FormAction) -> String {
        self.config().url(&format!("/cognito/{}", a.path()))
    }

    /// A second, address-only form (e-mail me a code, send a new code).
    fn address_form(
        &self,
        a: FormAction,
        label: &'static str,
        address: Option<String>,
    ) -> ExtraForm {
        ExtraForm {
            action: self.form_action_url(a),
            label,
            hidden: Vec::new(),
            fields: vec![PageField::email(address)],
        }
    }

    /// The sign-in page's "e-mail me a code" form. With the address known (a refused password,
    /// say), it takes it as it is: one Email field on the page, not two.
    fn code_form(&self, remembered: Option<String>) -> ExtraForm {
        match remembered {
            Some(address) => ExtraForm {
                action: self.form_action_url(FormAction::CodeSignIn),
                label: "E-mail me a sign-in code instead",
                hidden: vec![("username", address)],
                fields: Vec::new(),
            },
            None => self.address_form(FormAction::CodeSignIn, "E-mail me a sign-in code", None),
        }
    }

    /// `page`'s texts, fields, forms and links for its step; `None` for the challenge page when no
    /// challenge is pending.
    fn fill_page(
        &self,
        page: &mut CognitoPage,
        form: &CognitoForm,
        flow: Option<&super::FlowState>,
    ) -> Option<()> {
        let remembered = flow.map(|f| f.username.clone());
        let extra = |a, label| self.address_form(a, label, remembered.clone());
        let link = |step: PageStep, text| PageLink {
            href: self.cognito_page_url(step, ""),
            text,
        };
        let rules = form.password_rules().describe();
        match page.step {
            PageStep::SignIn => {
                self.fill_sign_in(page, form, remembered.clone());
                page.links = vec![
                    link(PageStep::Forgot, "Forgot your password?"),
                    link(PageStep::SignUp, "Create an account"),
                ];
            }
            PageStep::SignUp => {
                page.title = "Create an account";
                page.submit = "Sign up";
                let name = flow.and_then(|f| f.name.clone());
                page.fields = vec![
                    PageField::email(remembered.clone()),
                    PageField::name().with_value(name),
                    PageField::new_password(),
                ];
                page.password_rules = rules;
                page.links = vec![link(PageStep::SignIn, "Already have an account? Sign in")];
            }
            PageStep::Confirm => {
                page.title = "Confirm your account";
                page.submit = "Confirm";
                page.intro = Some("Enter the code we e-mailed you.".into());
                page.fields = vec![
                    PageField::email(remembered.clone()),
                    PageField::code("Confirmation code"),
                ];
                page.extra_forms
                    .push(extra(FormAction::Resend, "Send a new code"));
                page.links = vec![link(PageStep::SignIn, "Back to sign in")];
            }
            PageStep::Forgot => {
                page.title = "Reset your password";
                page.submit = "Send a reset code";
                page.intro = Some("Enter your e-mail address and we will send you a code.".into());
                page.fields = vec![PageField::email(remembered.clone())];
                page.links = vec![link(PageStep::SignIn, "Back to sign in")];
            }
            PageStep::Reset => {
                page.title = "Choose a new password";
                page.submit = "Change password";
                page.fields = vec![
                    PageField::email(remembered.clone()),
                    PageField::code("Reset code"),
                    PageField::new_password(),
                ];
                page.password_rules = rules;
                page.extra_forms
                    .push(extra(FormAction::Forgot, "Send a new code"));
                page.links = vec![link(PageStep::SignIn, "Back to sign in")];
            }
            PageStep::Mfa | PageStep::Passkeys => return None,
            PageStep::Challenge => {
                let pending = flow?.pending.as_ref()?;
                if matches!(pending.challenge, Challenge::Passkey { .. }) {
                    // Answered by the sign-in page's script, never on this page.
                    return None;
                }
                self.fill_challenge(page, pending, rules);
                page.links = vec![link(PageStep::SignIn, "Start again")];
            }
        }
        Some(())
    }

    /// The sign-in step's texts, fields and forms (the passkey button when passkeys are on).
    fn fill_sign_in(&self, page: &mut CognitoPage, form: &CognitoForm, remembered: Option<String>) {
        page.title = "Sign in";
        page.submit = "Sign in";
        page.fields = vec![PageField::email(remembered.clone()), PageField::password()];
        if form.passkeys() {
            // The browser's autofill may offer the typed address's passkey here.
            page.fields[1].autocomplete = "current-password webauthn";
            page.passkey = Some(self.passkey_step(super::passkey::PasskeyMode::SignIn));
        }
        page.extra_forms.push(self.code_form(remembered));
    }

    /// The issuer an authenticator app shows beside the code: the site's host.
    pub(super) fn totp_issuer(&self) -> String {
        self.config()
            .origin
            .host_str()
            .unwrap_or("Hallpass")
            .to_string()
    }

    /// The challenge page of `pending`.
    fn fill_challenge(&self, page: &mut CognitoPage, pending: &Pending, rules: Vec<String>) {
        let (name, title, fields, intro) = model::challenge_parts(&pending.challenge);
        page.challenge = Some(name);
        page.title = title;
        page.fields = fields;
        page.intro = Some(intro);
        match &pending.challenge {
            Challenge::NewPassword => page.password_rules = rules,
            Challenge::Custom { parameters } => {
                page.challenge_parameters = parameters.clone();
            }
            Challenge::Select { choices } => {
                page.choices = choices
                    .iter()
                    .map(|c| PageChoice {
                        value: c.clone(),
                        label: model::choice_label(c),
                    })
                    .collect();
            }
            Challenge::MfaSetup { secret } => {
                page.totp = Some(model::totp_setup(
                    secret.expose(),
                    &pending.username,
                    &self.totp_issuer(),
                ));
            }
            _ => {}
        }
    }
}

/// The outbox of a pool on this machine (`userpool`'s `/_outbox`), where the codes it would have
/// e-mailed wait; `None` for any other endpoint (real Cognito).
fn local_outbox(form: &CognitoForm) -> Option<PageLink> {
    let endpoint = form.api().endpoint();
    let local = match endpoint.host()? {
        url::Host::Domain(d) => d == "localhost",
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    let href = endpoint.join("_outbox").ok()?.to_string();
    local.then_some(PageLink {
        href,
        text: "Developing locally? The code is in the local pool's outbox",
    })
}
