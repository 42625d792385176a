//! The hosted UI's anti-CSRF token, named as Cognito's hosted UI names it: the `XSRF-TOKEN`
//! cookie and the `_csrf` form field. A double-submit token: every page gives a browser that
//! has none a random cookie and puts its value in each form; a POST is accepted only when its
//! `_csrf` field equals the cookie, compared in constant time.
//!
//! `SameSite=Lax` on the pool's cookies is not enough on its own. A login CSRF needs none of
//! the victim's cookies: a cross-site POST of the attacker's credentials to `/login` is answered
//! with a fresh session cookie, and the browser stores it. And Lax only separates *sites*: every
//! origin of the same site (another port on localhost, such as the app being developed or
//! anything else running there; a sibling subdomain) still sends the cookies with its POSTs.
//! The token is in the page's HTML, which no other origin can read.
//!
//! What it does not stop: cookies are not isolated by port, so a page on another port of the
//! same host could plant an `XSRF-TOKEN` of its own choosing and post it back. There is no
//! session before sign-in to bind the token to; a local pool trusts the other servers on its
//! own host that far.

use axum::http::{HeaderMap, HeaderValue};
use subtle::ConstantTimeEq;

use crate::error::Error;
use crate::hosted_session::{pool_cookie, sent_cookies};
use crate::pool::UserPool;
use crate::tokens;

/// The form field that carries the token.
pub(super) const FIELD: &str = "_csrf";
/// The cookie that carries it. One per browser and host, for every pool the host serves.
const COOKIE: &str = "XSRF-TOKEN";
/// Random bytes in a token (43 base64url characters).
const TOKEN_BYTES: usize = 32;
/// Longest cookie or field value looked at.
const MAX_TOKEN: usize = 128;

/// The browser's token for the forms of a page, and the `Set-Cookie` that gives it to a
/// browser that had none.
#[derive(Debug, Clone, Default)]
pub(super) struct BrowserToken {
    pub value: String,
    pub set_cookie: Option<HeaderValue>,
}

/// The token of the browser that sent `headers`: its cookie's, or a new one.
pub(super) fn for_page(pool: &UserPool, headers: &HeaderMap) -> Result<BrowserToken, Error> {
    if let Some(value) = sent_tokens(headers).into_iter().next() {
        return Ok(BrowserToken {
            value,
            set_cookie: None,
        });
    }
    let value = tokens::random_secret(TOKEN_BYTES);
    let set_cookie = pool_cookie(pool, COOKIE.to_string(), value.clone(), None)?;
    Ok(BrowserToken {
        value,
        set_cookie: Some(set_cookie),
    })
}

/// Whether a posted form carries the token of the browser that posted it. Fails closed: no
/// cookie, no field, or an overlong value is a mismatch.
pub(super) fn is_from_this_browser(headers: &HeaderMap, field: Option<&str>) -> bool {
    let Some(field) = field.filter(|f| !f.is_empty() && f.len() <= MAX_TOKEN) else {
        return false;
    };
    // Every cookie is compared (no early exit), so timing does not tell which one matched.
    sent_tokens(headers).iter().fold(false, |found, cookie| {
        found | bool::from(cookie.as_bytes().ct_eq(field.as_bytes()))
    })
}

/// The browser's token cookies that can be tokens of ours.
fn sent_tokens(headers: &HeaderMap) -> Vec<String> {
    sent_cookies(headers, COOKIE)
        .into_iter()
        .filter(|v| !v.is_empty() && v.len() <= MAX_TOKEN)
        .collect()
}
