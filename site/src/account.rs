//! `/account`: the signed-in user's sessions (every browser and device), with "sign out" for one
//! and "sign out everywhere". Needs a server-side session store (`AUTH_SESSION_STORE`); with
//! cookie sessions the page says so.

use askama::Template;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hallpass::{CsrfForm, CsrfRejection, CsrfToken, Hallpass, Session, SessionHandle, SessionInfo};
use serde::Deserialize;

use crate::pages::{page, LOGO};

/// One row of the list, formatted for the page.
struct SessionRow {
    id: String,
    device: String,
    /// How it signed in (the provider's name) and the end of its handle, so that two sessions
    /// of one browser type can be told apart.
    method: String,
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
    hallpass: Hallpass,
    session: Session,
    CsrfToken(csrf_token): CsrfToken,
    headers: HeaderMap,
    axum::extract::Query(q): axum::extract::Query<SessionsQuery>,
) -> Response {
    let sessions = match hallpass.sessions(&headers).await {
        Ok(list) => Some(list.iter().map(|s| row(&hallpass, s)).collect()),
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

fn row(hallpass: &Hallpass, s: &SessionInfo) -> SessionRow {
    let id = s.id.to_string();
    let provider = hallpass
        .provider(&s.provider)
        .map_or(s.provider.as_str(), |p| p.name());
    let tail = &id[id.len().saturating_sub(4)..];
    SessionRow {
        method: format!("signed in with {provider} · session …{tail}"),
        id,
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
    id: String,
}

/// "Sign out everywhere" has no field but the CSRF token.
#[derive(Deserialize)]
pub(crate) struct RevokeAllForm {}

/// Why an account form changed nothing: forged or expired (its CSRF token is not this
/// browser's), or Hallpass failed.
pub(crate) enum Refused {
    Form(CsrfRejection),
    Hallpass(hallpass::Error),
}

impl From<CsrfRejection> for Refused {
    fn from(e: CsrfRejection) -> Self {
        Refused::Form(e)
    }
}

impl From<hallpass::Error> for Refused {
    fn from(e: hallpass::Error) -> Self {
        Refused::Hallpass(e)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        match self {
            // A person reads this one: a sentence, not Hallpass's JSON.
            Refused::Form(CsrfRejection::InvalidToken { .. }) => (
                StatusCode::FORBIDDEN,
                "The form expired; reload the page and try again.",
            )
                .into_response(),
            Refused::Form(other) => other.into_response(),
            Refused::Hallpass(e) => e.into_response(),
        }
    }
}

/// `POST /account/sessions/revoke`: signs one of the user's other sessions out.
pub(crate) async fn revoke(
    hallpass: Hallpass,
    _session: Session,
    headers: HeaderMap,
    form: Result<CsrfForm<RevokeForm>, CsrfRejection>,
) -> Result<Redirect, Refused> {
    let CsrfForm(form) = form?;
    let Ok(id) = form.id.parse::<SessionHandle>() else {
        return Ok(Redirect::to("/account?done=unknown"));
    };
    Ok(match hallpass.revoke_session(&headers, &id).await? {
        true => Redirect::to("/account?done=revoked"),
        false => Redirect::to("/account?done=unknown"),
    })
}

/// `POST /account/sessions/revoke-all`: "sign out everywhere", this browser included.
pub(crate) async fn revoke_all(
    hallpass: Hallpass,
    _session: Session,
    headers: HeaderMap,
    form: Result<CsrfForm<RevokeAllForm>, CsrfRejection>,
) -> Result<impl IntoResponse, Refused> {
    let CsrfForm(RevokeAllForm {}) = form?;
    let (_, cookies) = hallpass.sign_out_everywhere(&headers).await?;
    Ok((cookies, Redirect::to("/?notice=signed-out-everywhere")))
}
