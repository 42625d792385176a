//! `/account`: the signed-in user's sessions (every browser and device), with "sign out" for one
//! and "sign out everywhere". Needs a server-side session store (`AUTH_SESSION_STORE`); with
//! cookie sessions the page says so.

use askama::Template;
use axum::extract::Form;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use hallpass::{CsrfToken, Hallpass, Session, SessionHandle, SessionInfo};
use serde::Deserialize;

use crate::pages::{page, LOGO};

/// One row of the list, formatted for the page.
struct SessionRow {
    id: String,
    device: String,
    created: String,
    last_seen: String,
    expires: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage<'a> {
    signed_in: bool,
    logo: &'static str,
    name: &'a str,
    /// `None` with cookie sessions (nothing to list).
    sessions: Option<Vec<SessionRow>>,
    csrf_token: String,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub(crate) struct SessionsQuery {
    done: Option<String>,
}

/// `GET /account`.
pub(crate) async fn sessions(
    Extension(hallpass): Extension<Hallpass>,
    session: Session,
    CsrfToken(csrf_token): CsrfToken,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<SessionsQuery>,
) -> Response {
    let sessions = match hallpass.sessions(&headers).await {
        Ok(list) => Some(list.iter().map(row).collect()),
        Err(hallpass::Error::NoSessionStore) => None,
        Err(e) => return e.into_response(),
    };
    let notice = match q.done.as_deref() {
        Some("revoked") => Some("That session is signed out."),
        Some("unknown") => Some("That session had already ended."),
        _ => None,
    };
    page(&SessionsPage {
        signed_in: true,
        logo: LOGO,
        name: session.display_name(),
        sessions,
        csrf_token,
        notice,
    })
}

fn row(s: &SessionInfo) -> SessionRow {
    SessionRow {
        id: s.id.to_string(),
        device: s
            .user_agent
            .as_deref()
            .map(describe_agent)
            .unwrap_or_else(|| "Unknown device".into()),
        created: when(s.created_at),
        last_seen: when(s.last_seen_at),
        expires: when(s.expires_at),
        current: s.current,
    }
}

/// "Firefox on Linux"-style, from the stored (already truncated) user agent; the raw text when
/// nothing is recognised. Rendered escaped by askama.
fn describe_agent(ua: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(needle, _)| ua.contains(needle))
    .map(|(_, name)| *name);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => b.to_string(),
        _ => ua.chars().take(80).collect(),
    }
}

/// Unix seconds as `2026-12-02 18:30 UTC`.
fn when(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_else(|| "unknown".into())
}

#[derive(Deserialize)]
pub(crate) struct RevokeForm {
    #[serde(rename = "csrfToken")]
    csrf_token: String,
    id: String,
}

#[derive(Deserialize)]
pub(crate) struct RevokeAllForm {
    #[serde(rename = "csrfToken")]
    csrf_token: String,
}

/// The 403 answer to a forged or expired form: `None` when the form's CSRF token is this
/// browser's.
fn csrf_refusal(hallpass: &Hallpass, headers: &HeaderMap, token: &str) -> Option<Response> {
    if hallpass.verify_csrf(headers, Some(token)) {
        return None;
    }
    Some(
        (
            StatusCode::FORBIDDEN,
            "The form expired; reload the page and try again.",
        )
            .into_response(),
    )
}

/// `POST /account/sessions/revoke`: signs one of the user's other sessions out.
pub(crate) async fn revoke(
    Extension(hallpass): Extension<Hallpass>,
    _session: Session,
    headers: HeaderMap,
    Form(form): Form<RevokeForm>,
) -> Response {
    if let Some(refused) = csrf_refusal(&hallpass, &headers, &form.csrf_token) {
        return refused;
    }
    let Ok(id) = form.id.parse::<SessionHandle>() else {
        return Redirect::to("/account?done=unknown").into_response();
    };
    match hallpass.revoke_session(&headers, &id).await {
        Ok(true) => Redirect::to("/account?done=revoked").into_response(),
        Ok(false) => Redirect::to("/account?done=unknown").into_response(),
        Err(e) => e.into_response(),
    }
}

/// `POST /account/sessions/revoke-all`: "sign out everywhere", this browser included.
pub(crate) async fn revoke_all(
    Extension(hallpass): Extension<Hallpass>,
    _session: Session,
    headers: HeaderMap,
    Form(form): Form<RevokeAllForm>,
) -> Response {
    if let Some(refused) = csrf_refusal(&hallpass, &headers, &form.csrf_token) {
        return refused;
    }
    match hallpass.sign_out_everywhere(&headers).await {
        Ok((_, cookies)) => (cookies, Redirect::to("/")).into_response(),
        Err(e) => e.into_response(),
    }
}
