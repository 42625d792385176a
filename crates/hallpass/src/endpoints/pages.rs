//! The built-in pages: sign-in, sign-out confirmation, error and 403. Server-rendered with askama
//! (which escapes everything it prints), no JavaScript, light and dark, in the app's [`Theme`].

use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS,
};
use http::{HeaderValue, StatusCode};

use crate::config::theme::Theme;
use crate::config::Config;
use crate::error::{Error, ErrorCode};
use crate::provider::CredentialField;

/// One way to sign in on the built-in page: a button (redirect providers) or a form with `fields`
/// (credentials providers).
pub(crate) struct ProviderButton {
    /// The provider id: the inputs' ids start with it (a name may hold spaces).
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) action: String,
    pub(crate) fields: Vec<CredentialField>,
    /// Links beside the form (the Cognito form's forgot, create-account and code pages).
    pub(crate) links: Vec<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "signin.html")]
pub(crate) struct SignInPage<'a> {
    pub(crate) theme: &'a Theme,
    pub(crate) providers: Vec<ProviderButton>,
    pub(crate) csrf_token: &'a str,
    pub(crate) callback_url: &'a str,
    pub(crate) error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "signout.html")]
pub(crate) struct SignOutPage<'a> {
    pub(crate) theme: &'a Theme,
    pub(crate) action: String,
    pub(crate) csrf_token: &'a str,
    pub(crate) callback_url: &'a str,
    /// Whether anybody is signed in: nobody is asked "are you sure" about nothing.
    pub(crate) signed_in: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
pub(crate) struct ErrorPage<'a> {
    pub(crate) theme: &'a Theme,
    pub(crate) heading: &'a str,
    pub(crate) message: &'a str,
    pub(crate) home: &'a str,
    pub(crate) link_text: &'a str,
}

/// Renders a template into an HTML response that no cache keeps, under `theme`'s CSP.
pub(crate) fn render(status: StatusCode, theme: &Theme, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            let h = res.headers_mut();
            h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
            // The pages load nothing but the logo and run no script; no framing (clickjacking).
            h.insert(CONTENT_SECURITY_POLICY, theme.content_security_policy());
            h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
            h.insert(
                REFERRER_POLICY,
                HeaderValue::from_static(crate::security_headers::REFERRER),
            );
            res
        }
        Err(e) => {
            tracing::error!("rendering a page failed: {e}");
            (StatusCode::INTERNAL_SERVER_ERROR, "page rendering failed").into_response()
        }
    }
}

/// The message the sign-in page shows for `?error=CODE` (never the raw parameter).
pub(crate) fn sign_in_error(code: &str) -> &'static str {
    match code {
        "csrf" => "Your sign-in form expired. Please try again.",
        "OAuthSignin" | "OAuthCallback" | "Callback" => {
            "Try signing in again; if it keeps failing, the sign-in service may be down."
        }
        "SessionRequired" => "Please sign in to access this page.",
        "AccessDenied" => "You do not have permission to sign in.",
        "CredentialsSignin" => "Sign in failed. Check the details you provided are correct.",
        _ => "Unable to sign in.",
    }
}

/// The error page: `heading` and `message` (causes go to the log only).
pub(crate) fn error(
    theme: &Theme,
    status: StatusCode,
    (heading, message): (&str, &str),
    home: &str,
) -> Response {
    render(
        status,
        theme,
        &ErrorPage {
            theme,
            heading,
            message,
            home,
            link_text: "Back to the site",
        },
    )
}

/// The 403 page a guard shows a signed-in user it refuses.
pub(crate) fn forbidden(theme: &Theme, message: &str) -> Response {
    render(
        StatusCode::FORBIDDEN,
        theme,
        &ErrorPage {
            theme,
            heading: "Access denied",
            message,
            home: "/",
            link_text: "Go home",
        },
    )
}

/// The error page for `code`: a fixed message per code, nothing taken from the request.
pub(crate) fn error_page(config: &Config, code: ErrorCode) -> Response {
    error(
        &config.theme,
        code.status(),
        code.message(),
        config.origin.as_str(),
    )
}

/// A guard's refusal for a signed-in user outside the allowed set: a page or JSON.
pub(crate) fn refused(config: &Config, wants_html: bool, message: String) -> Response {
    if wants_html {
        forbidden(&config.theme, &message)
    } else {
        Error::Forbidden(message).into_response()
    }
}
