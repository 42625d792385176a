//! The site's pages. Each one is a plain handler: Hallpass's extractors say who is signed in.

use askama::Template;
use axum::extract::{Path, RawQuery};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use hallpass::provider::ProviderKind;
use hallpass::{CognitoPage, CsrfToken, Hallpass, PageStep, Session, SignedIn};

pub(crate) const LOGO: &str = include_str!("../static/logo.svg");

struct UserView {
    name: String,
    email: Option<String>,
    groups: Vec<String>,
    is_admin: bool,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    signed_in: bool,
    logo: &'static str,
    user: Option<UserView>,
    csrf_token: String,
    providers: Vec<ProviderButton>,
    signout_url: String,
    /// The site's own Cognito sign-in form, when the form provider is on.
    form: Option<CognitoPage>,
    /// Whether the user signed in on the form, whose sessions can change their MFA.
    mfa_page: bool,
    /// Whether they can also manage their passkeys (the form has passkeys on).
    passkeys_page: bool,
    /// What the last action did (`?notice=`, a fixed text per code).
    notice: Option<&'static str>,
}

/// The home page's notice for `?notice=CODE` (never the parameter itself).
fn home_notice(query: Option<&str>) -> Option<&'static str> {
    let code = query?
        .split('&')
        .find_map(|kv| kv.strip_prefix("notice="))?;
    match code {
        "signed-out-everywhere" => Some("You are signed out on every browser and device."),
        _ => None,
    }
}

/// A step of the Cognito form sign-in, in the site's look (Hallpass's page model, the site's template).
#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    signed_in: bool,
    logo: &'static str,
    page: CognitoPage,
}

/// A Sign In button: one per configured provider.
struct ProviderButton {
    id: String,
    name: String,
    signin_url: String,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    signed_in: bool,
    logo: &'static str,
}

#[derive(Template)]
#[template(path = "protected.html")]
struct ProtectedPage<'a> {
    signed_in: bool,
    logo: &'static str,
    name: &'a str,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage<'a> {
    signed_in: bool,
    logo: &'static str,
    name: &'a str,
}

/// Renders a page that no cache (nor the back button) may serve again without asking.
pub(crate) fn page(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => ([(CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!("template failed: {e}");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "page failed to render",
            )
                .into_response()
        }
    }
}

pub(crate) async fn home(
    hallpass: Hallpass,
    session: Option<Session>,
    CsrfToken(csrf_token): CsrfToken,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    // Redirect providers get a button; the Cognito form is shown as a form.
    let providers = hallpass
        .providers()
        .filter(|p| p.kind() != ProviderKind::Credentials)
        .map(|p| ProviderButton {
            id: p.id().to_string(),
            name: p.name().to_string(),
            signin_url: hallpass.signin_url(p.id()),
        })
        .collect();
    let user = session.as_ref().map(|s| UserView {
        name: s.display_name().to_string(),
        email: s.user().email.map(str::to_string),
        groups: s.groups().to_vec(),
        is_admin: s.in_group("admin"),
    });
    let form = match &user {
        None => hallpass
            .cognito_page(&headers, PageStep::SignIn, Some("callbackUrl=/protected"))
            .await
            .map(|(mut p, _)| {
                // The CSRF cookie is the one the extractor above set or read.
                p.csrf_token = csrf_token.clone();
                p
            }),
        Some(_) => None,
    };
    let form_provider = session.as_ref().and_then(|s| {
        let from = s.token().provider.as_deref();
        hallpass
            .providers()
            .find(|p| Some(p.id()) == from)
            .and_then(|p| p.as_cognito_form())
    });
    let mfa_page = form_provider.is_some();
    let passkeys_page = form_provider.is_some_and(|f| f.passkeys());
    page(&HomePage {
        notice: home_notice(query.as_deref()),
        mfa_page,
        passkeys_page,
        signed_in: user.is_some(),
        logo: LOGO,
        user,
        csrf_token,
        providers,
        signout_url: hallpass.signout_url(),
        form,
    })
}

/// `/account/{step}`: the Cognito form's steps in the site's look.
pub(crate) async fn account(
    hallpass: Hallpass,
    session: Option<Session>,
    Path(step): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(step) = PageStep::from_path(&step) else {
        return not_found(session).await;
    };
    let built = match step {
        // The MFA and passkeys pages are the signed-in user's: Hallpass says where to go when
        // nobody is.
        PageStep::Mfa => hallpass
            .cognito_mfa_page(session.as_ref(), &headers, query.as_deref())
            .await
            .map_err(Some),
        PageStep::Passkeys => hallpass
            .cognito_passkeys_page(session.as_ref(), &headers, query.as_deref())
            .await
            .map_err(Some),
        _ => hallpass
            .cognito_page(&headers, step, query.as_deref())
            .await
            .ok_or(None),
    };
    match built {
        Ok((page_model, cookies)) => {
            let mut res = page(&AccountPage {
                signed_in: session.is_some(),
                logo: LOGO,
                page: page_model,
            });
            for c in cookies.iter() {
                res.headers_mut()
                    .append(axum::http::header::SET_COOKIE, c.clone());
            }
            res
        }
        Err(Some(to)) => axum::response::Redirect::to(&to).into_response(),
        // The challenge expired (or the form provider is off): start again.
        Err(None) => {
            axum::response::Redirect::to("/account/signin?error=step-expired").into_response()
        }
    }
}

pub(crate) async fn protected(SignedIn(session): SignedIn) -> Response {
    page(&ProtectedPage {
        signed_in: true,
        logo: LOGO,
        name: session.display_name(),
    })
}

pub(crate) async fn admin(session: Session) -> Response {
    page(&AdminPage {
        signed_in: true,
        logo: LOGO,
        name: session.display_name(),
    })
}

/// Every path without a route: a real page with a way home, not an empty body.
pub(crate) async fn not_found(session: Option<Session>) -> Response {
    let mut res = page(&NotFoundPage {
        signed_in: session.is_some(),
        logo: LOGO,
    });
    *res.status_mut() = axum::http::StatusCode::NOT_FOUND;
    res
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (CONTENT_TYPE, content_type),
            (CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

pub(crate) async fn css() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../static/site.css"),
    )
}

pub(crate) async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../static/session-sync.js"),
    )
}

pub(crate) async fn logo() -> Response {
    asset("image/svg+xml", LOGO)
}

/// The logo on its badge, self-contained, for Hallpass's built-in pages (an `<img>` cannot take
/// the site's colours from CSS the way the inline logo does).
pub(crate) async fn brand() -> Response {
    asset("image/svg+xml", include_str!("../static/brand.svg"))
}
