//! `callback/{provider}`: the provider's redirect back (query, or a `form_post` body), and the form a
//! credentials provider's sign-in posts (NextAuth's `POST callback/credentials`).

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use http::header::HeaderMap;
use subtle::ConstantTimeEq;
use url::Url;

use super::failure::{Back, Failure};
use super::Fields;
use crate::cookies::{RequestCookies, SetCookies};
use crate::error::{Error, ErrorCode};
use crate::lifecycle::SignInOutcome;
use crate::provider::{
    AuthorizationChecks, CredentialsError, CredentialsForm, OAuthProvider, Provider,
};
use crate::redirect::{found, go};
use crate::{redirect, Hallpass};

/// `GET callback/{provider}`: the authorization response in the query.
pub(super) async fn from_query(
    State(h): State<Hallpass>,
    Path(provider): Path<String>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    redirect_callback(&h, &provider, Fields::query(q.as_deref()), &headers).await
}

/// `POST callback/{provider}`: a credentials form, or an authorization response sent as a form.
pub(super) async fn from_form(
    State(h): State<Hallpass>,
    Path(provider): Path<String>,
    ext: http::Extensions,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = Fields::parse(&body);
    match h.provider(&provider).and_then(Provider::as_credentials) {
        Some(_) => credentials(&h, &provider, fields, &ext, &headers).await,
        None => redirect_callback(&h, &provider, fields, &headers).await,
    }
}

async fn redirect_callback(
    h: &Hallpass,
    provider: &str,
    params: Fields,
    headers: &HeaderMap,
) -> Response {
    // The attempt this callback names is single use: expire its cookie whatever happens next, and
    // leave every other attempt (another tab's sign-in) alone.
    let rc = RequestCookies::new(headers);
    let c = h.cookies();
    let mut expired = SetCookies::new();
    if let Some(state) = params.get("state") {
        let name = c.attempt_name(state);
        if rc.get(&name).is_some() {
            expired.push(c.expire(&name));
        }
    }
    match finish_redirect(h, provider, &params, headers).await {
        // Different names from the session cookie, so their order does not matter.
        Ok(res) => (expired, res).into_response(),
        Err(e) => Failure {
            error: Box::new(e),
            back: Back::Flow {
                phase: ErrorCode::OAuthCallback,
                retry: "/signin",
            },
            cookies: expired,
        }
        .reply(h, false),
    }
}

async fn finish_redirect(
    h: &Hallpass,
    provider_id: &str,
    params: &Fields,
    headers: &HeaderMap,
) -> Result<Response, Error> {
    let provider: &OAuthProvider = match h.provider(provider_id) {
        Some(Provider::OAuth(p)) => p,
        Some(other) => {
            return Err(Error::WrongProviderType {
                id: other.id().to_string(),
                kind: other.kind().as_str(),
                action: "take a redirect callback",
            })
        }
        None => return Err(Error::UnknownProvider(provider_id.to_string())),
    };
    let rc = RequestCookies::new(headers);
    let now = h.now();
    // The attempt first: nothing else of the callback is looked at before it is known to be one this
    // browser started with this provider.
    let sent = params.get("state").unwrap_or("");
    let browser = h.browser_id(&rc);
    let attempt = h
        .cookies()
        .read_attempt(&rc, sent, provider_id, browser.as_deref(), now)
        .map_err(|cause| Error::Check {
            which: "state",
            cause,
        })?;
    if !bool::from(attempt.state.as_bytes().ct_eq(sent.as_bytes())) {
        return Err(Error::StateMismatch);
    }
    if let Some(error) = params.get("error") {
        return Err(Error::Idp {
            error: error.chars().take(100).collect(),
            description: params
                .get("error_description")
                .map(|d| d.chars().take(300).collect()),
        });
    }
    provider.check_callback_issuer(params.get("iss")).await?;
    let code = params
        .get("code")
        .filter(|c| !c.is_empty())
        .ok_or(Error::MissingCode)?;
    let checks = AuthorizationChecks {
        state: attempt.state,
        nonce: attempt.nonce,
        pkce_verifier: attempt.pkce_verifier,
    };
    let redirect_uri = Url::parse(&h.config().url(&format!("/callback/{provider_id}")))
        .map_err(|e| Error::Hook("callback URL", e.to_string()))?;
    let sign_in = provider
        .exchange_code(code, &redirect_uri, &checks, now)
        .await?;
    crate::step!(h, provider = provider_id, "ID token verified");
    let target = redirect::callback_url(&attempt.callback_url, &h.config().origin);
    Ok(
        match h.complete_sign_in(headers, provider_id, sign_in).await? {
            SignInOutcome::Issued(cookies) => (cookies, found(&target)).into_response(),
            SignInOutcome::Redirect(to) => found(&to),
        },
    )
}

/// A credentials provider's form: CSRF, the provider's check, then the same sign-in as a callback.
async fn credentials(
    h: &Hallpass,
    provider_id: &str,
    fields: Fields,
    ext: &http::Extensions,
    headers: &HeaderMap,
) -> Response {
    let json = fields.json();
    match check_credentials(h, provider_id, fields, ext, headers).await {
        Ok(res) => res.into_response(),
        Err(e) => {
            let back = Back::Flow {
                phase: ErrorCode::CredentialsSignin,
                retry: "/signin",
            };
            Failure::new(e, back).reply(h, json)
        }
    }
}

async fn check_credentials(
    h: &Hallpass,
    provider_id: &str,
    fields: Fields,
    ext: &http::Extensions,
    headers: &HeaderMap,
) -> Result<impl IntoResponse, Error> {
    // By hand, not `CsrfForm`: the same route takes a provider's `form_post`, which has no token.
    if !h.verify_csrf(headers, fields.get("csrfToken")) {
        return Err(Error::Csrf);
    }
    let entry = h
        .provider(provider_id)
        .ok_or_else(|| Error::UnknownProvider(provider_id.to_string()))?;
    let provider = entry
        .as_credentials()
        .ok_or_else(|| Error::UnknownProvider(provider_id.to_string()))?;
    let json = fields.json();
    let target = h.callback_target(fields.get("callbackUrl")).await;
    // The Cognito form's one-step sign-in counts against the same attempt limits as its pages.
    let limited = match entry.as_cognito_form() {
        Some(c) => {
            let address = crate::endpoints::cognito::client_address(h, ext, headers);
            let user = fields.get("username").unwrap_or("");
            // The same limit as the sign-in page's.
            let action = crate::endpoints::cognito::FormAction::SignIn.limit();
            match h.begin_attempt(c, action, user, address).await {
                Ok(ticket) => Some((c, ticket)),
                // Over a limit (logged): the answer of a refused password, Cognito never asked.
                Err(_) => return Err(CredentialsError::Invalid.into()),
            }
        }
        None => None,
    };
    let form = CredentialsForm::from_pairs(fields.into_pairs());
    let sign_in = provider.authorize(&form, h.now()).await?;
    if let Some((c, ticket)) = limited {
        h.attempt_succeeded(c, ticket).await;
    }
    Ok(
        match h.complete_sign_in(headers, provider_id, sign_in).await? {
            SignInOutcome::Issued(cookies) => (cookies, go(json, &target)).into_response(),
            SignInOutcome::Redirect(to) => go(json, &to),
        },
    )
}
