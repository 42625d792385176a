//! `GET signin` (the built-in page), `POST signin/{provider}` (start a redirect sign-in) and
//! `GET error` (the error page).

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::header::HeaderMap;
use http::StatusCode;
use url::Url;

use super::csrf_form::{CsrfForm, CsrfRejection};
use super::failure::{Back, Failure};
use super::pages::{self, ProviderButton, SignInPage};
use super::{with_query, Fields, FlowForm};
use crate::cookies::{Attempt, RequestCookies, CHECK_MAX_AGE};
use crate::error::{Error, ErrorCode};
use crate::provider::{AuthorizationChecks, AuthorizationRequest, Provider};
use crate::redirect::{found, go};
use crate::Hallpass;

/// `GET signin`: a button per redirect provider and a form per credentials provider.
pub(super) async fn page(
    State(h): State<Hallpass>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    if let Some(custom) = &h.config().pages.sign_in {
        return found(&with_query(custom, q.as_deref()));
    }
    let q = Fields::query(q.as_deref());
    let callback = h.callback_target(q.get("callbackUrl")).await;
    let (token, cookie) = h.csrf_token(&headers);
    let error = if q.get("csrf") == Some("true") {
        Some(pages::sign_in_error("csrf"))
    } else {
        q.get("error").map(pages::sign_in_error)
    };
    let theme = &h.config().theme;
    let page = SignInPage {
        theme,
        providers: h
            .providers()
            .map(|p| ProviderButton {
                id: p.id().to_string(),
                name: p.name().to_string(),
                action: h.signin_url(p.id()),
                fields: p
                    .as_credentials()
                    .map(|c| c.fields().to_vec())
                    .unwrap_or_default(),
                links: match p {
                    Provider::CognitoForm(_) => cognito_links(&h),
                    _ => Vec::new(),
                },
            })
            .collect(),
        csrf_token: &token,
        callback_url: &callback,
        error,
    };
    (cookie, pages::render(StatusCode::OK, theme, &page)).into_response()
}

/// Where a failed start goes.
const START: Back = Back::Flow {
    phase: ErrorCode::OAuthSignin,
    retry: "/signin",
};

/// `POST signin/{provider}`: CSRF (refused before the handler runs), then the redirect to the
/// provider with this attempt's cookie.
pub(super) async fn start(
    State(h): State<Hallpass>,
    Path(provider_id): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
    form: Result<CsrfForm<FlowForm>, CsrfRejection>,
) -> Response {
    let form = match form {
        Ok(CsrfForm(form)) => form,
        Err(refused) => return refused.reply(&h, START),
    };
    let json = form.json();
    match to_provider(&h, &provider_id, q.as_deref(), &headers, form).await {
        Ok(res) => res.into_response(),
        Err(e) => Failure::new(e, START).reply(&h, json),
    }
}

async fn to_provider(
    h: &Hallpass,
    provider_id: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    form: FlowForm,
) -> Result<impl IntoResponse, Error> {
    let config = h.config();
    let provider = match h.provider(provider_id) {
        Some(Provider::OAuth(p)) => p,
        Some(other) => {
            return Err(Error::WrongProviderType {
                id: other.id().to_string(),
                kind: other.kind().as_str(),
                action: "start a redirect sign-in (post its form to {base}/callback/{id})",
            })
        }
        None => return Err(Error::UnknownProvider(provider_id.to_string())),
    };
    let callback = h.callback_target(form.callback_url.as_deref()).await;
    let checks = AuthorizationChecks::generate();
    let redirect_uri = Url::parse(&config.url(&format!("/callback/{}", provider.id())))
        .map_err(|e| Error::Hook("callback URL", e.to_string()))?;
    // Extra query parameters go on to the provider, which keeps only the ones it allows.
    let extra = Fields::query(query).into_pairs();
    let request = AuthorizationRequest {
        redirect_uri: &redirect_uri,
        checks: &checks,
        extra_params: &extra,
    };
    let url = provider.authorization_url(request).await?;
    let now = h.now();
    let c = h.cookies();
    let rc = RequestCookies::new(headers);
    // The CSRF check passed, so the browser holds a valid CSRF cookie: the attempt is bound to it,
    // and a callback arriving in another browser is refused.
    let browser = h.browser_id(&rc).ok_or(Error::Csrf)?;
    let mut cookies = c.crowded_out_attempts(&rc, now);
    cookies.push(c.set_attempt(&Attempt {
        state: checks.state.clone(),
        pkce_verifier: checks.pkce_verifier.clone(),
        nonce: checks.nonce.clone(),
        callback_url: callback,
        provider: provider.id().to_string(),
        browser,
        exp: now + CHECK_MAX_AGE,
    }));
    let id = provider.id();
    crate::step!(
        h,
        provider = id,
        "sign-in started: redirecting to the provider"
    );
    Ok((cookies, go(form.json(), url.as_str())))
}

/// `GET error`: the error page for `?error=CODE`.
pub(super) async fn error_page(State(h): State<Hallpass>, RawQuery(q): RawQuery) -> Response {
    let config = h.config();
    if let Some(custom) = &config.pages.error {
        return found(&with_query(custom, q.as_deref()));
    }
    let q = Fields::query(q.as_deref());
    // Only the code is read: any other parameter (an old `cause`) is text anyone could forge.
    let code = ErrorCode::parse(q.get("error").unwrap_or("Default"));
    super::pages::error_page(config, code)
}

/// The own pages' links, beside the Cognito form on the built-in page.
fn cognito_links(h: &Hallpass) -> Vec<(String, &'static str)> {
    use crate::endpoints::cognito::model::PageStep;
    vec![
        (
            h.cognito_page_url(PageStep::Forgot, ""),
            "Forgot your password?",
        ),
        (
            h.cognito_page_url(PageStep::SignUp, ""),
            "Create an account",
        ),
        (
            h.cognito_page_url(PageStep::SignIn, ""),
            "E-mail me a sign-in code",
        ),
    ]
}
