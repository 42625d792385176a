//! What every session backend step may use ([`Ctx`]), the steps the backends share (stamping and
//! issuing a session, refreshing its tokens in this process), and the small rules they all follow.

use std::sync::Arc;

use http::header::{HeaderMap, AUTHORIZATION};

use super::jwt::JwtStore;
use super::SessionToken;
use crate::access::AccessTokenVerifier;
use crate::clock::Clock;
use crate::config::Config;
use crate::cookies::Cookies;
use crate::provider::{Provider, TokenSet};
use crate::refresh::{Outcome, RefreshCoordinator, REFRESH_MARGIN_SECS};

/// The instance's parts a session step may read: configuration, cookies, the cookie codec, the
/// providers (to refresh their tokens), the refresh single-flight and the clock.
pub(crate) struct Ctx {
    pub(crate) config: Config,
    pub(crate) cookies: Cookies,
    /// The session cookie's JWE and its decode cache (cookie sessions, and the interop API).
    pub(crate) jwt: JwtStore,
    pub(crate) providers: Vec<Provider>,
    pub(crate) refresh: RefreshCoordinator,
    pub(crate) clock: Arc<dyn Clock>,
    /// Bearer access tokens' verifier, when the app takes them (its revocations are fed by
    /// sign-outs).
    pub(crate) access_tokens: Option<AccessTokenVerifier>,
}

impl Ctx {
    /// Now, by the instance's clock (Unix seconds).
    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The provider with this id.
    pub(crate) fn provider(&self, id: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.id() == id)
    }

    /// Whether a session cookie carrying `token` is old enough to be re-issued (NextAuth's
    /// `update_age`).
    pub(crate) fn reissue_due(&self, token: &SessionToken, now: i64) -> bool {
        now - token.iat >= self.config.session_update_age
    }

    /// Refreshes the provider's access token when it is about to expire, in this process (one
    /// refresh per refresh token, see [`RefreshCoordinator`]). Returns the token and whether it
    /// changed.
    pub(crate) async fn refresh_in_process(
        &self,
        mut token: SessionToken,
        now: i64,
    ) -> (SessionToken, bool) {
        let Some(tokens) = token.tokens.as_ref().filter(|t| refresh_due(t, now)) else {
            return (token, false);
        };
        let Some(provider) = token.provider.as_deref().and_then(|id| self.provider(id)) else {
            return (token, false);
        };
        let Some(refresh_token) = tokens.refresh_token.as_ref() else {
            return (token, false);
        };
        let sub = token.sub.clone().unwrap_or_default();
        // Owned copies: the refresh runs in a task of its own (see `refresh`).
        let (owned, tokens_owned) = (provider.clone(), tokens.clone());
        let budget = self.config.refresh_budget;
        let outcome = self
            .refresh
            .run(
                provider.id(),
                refresh_token.expose(),
                now,
                budget,
                || async move { owned.refresh(&tokens_owned, &sub, now).await },
            )
            .await;
        match outcome {
            Outcome::Refreshed(new) => {
                tracing::debug!("refreshed the access token of a session");
                token.tokens = Some(new);
                token.error = None;
                (token, true)
            }
            Outcome::Dead => {
                tracing::info!("the refresh token is no longer valid: ending the session");
                (dead(token), true)
            }
            Outcome::Failed | Outcome::Late => (token, false),
        }
    }
}

/// True when the session's access token has expired and could not be refreshed (the token endpoint
/// failed, or did not answer within the refresh budget): the request counts as signed out, the
/// cookie stays, and a later request tries again. Sessions without a refresh token are not tied to
/// their access token's expiry.
pub(crate) fn access_expired(token: &SessionToken, now: i64) -> bool {
    token
        .tokens
        .as_ref()
        .is_some_and(|t| t.refresh_token.is_some() && t.expires_at <= now)
}

/// Whether a session's provider tokens are due for a refresh.
pub(crate) fn refresh_due(tokens: &TokenSet, now: i64) -> bool {
    tokens.refresh_token.is_some() && tokens.expires_at - REFRESH_MARGIN_SECS <= now
}

/// The session after its refresh token was refused: it ends (signed out everywhere it is used).
pub(crate) fn dead(mut token: SessionToken) -> SessionToken {
    token.tokens = None;
    token.error = Some("RefreshAccessTokenError".into());
    token
}

/// The token of `Authorization: Bearer <token>`, if the header is well-formed; anything else is "no
/// token" (never an error: a malformed header means signed out).
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    bearer_value(headers).and_then(visible)
}

/// The bytes after `Bearer ` (spaces trimmed), not yet checked: for a lookup among tokens verified
/// before, where equality with one of them is the check.
pub(crate) fn bearer_value(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(AUTHORIZATION)?.as_bytes();
    let (scheme, rest) = value.split_at_checked(b"bearer".len())?;
    if !scheme.eq_ignore_ascii_case(b"bearer") || rest.first() != Some(&b' ') {
        return None;
    }
    let start = rest.iter().position(|b| *b != b' ')?;
    let end = rest.iter().rposition(|b| *b != b' ')? + 1;
    Some(&rest[start..end])
}

/// `token` when it is all visible ASCII (which makes it UTF-8). One branch-free pass: this runs on
/// API requests, and the compiler makes it a few wide vector operations.
pub(crate) fn visible(token: &[u8]) -> Option<&str> {
    let visible = token
        .iter()
        .fold(true, |ok, b| ok & (b.wrapping_sub(b'!') <= b'~' - b'!'));
    visible.then(|| std::str::from_utf8(token).ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn bearer_parsing_never_fails_loudly() {
        let mut h = HeaderMap::new();
        for (v, want) in [
            ("Bearer abc", Some("abc")),
            ("bearer  abc ", Some("abc")),
            ("Bearer %", Some("%")),
            ("Bearer", None),
            ("Bearer ", None),
            ("Basic abc", None),
            ("Bearer a b", None),
            ("Bearerabc", None),
            ("Bear abc", None),
            ("Bearer a\tb", None),
            ("Bearer \tabc", None),
            ("BEARER   x.y.z  ", Some("x.y.z")),
        ] {
            h.insert(AUTHORIZATION, HeaderValue::from_str(v).unwrap());
            assert_eq!(bearer(&h), want, "{v:?}");
        }
        h.insert(
            AUTHORIZATION,
            HeaderValue::from_bytes(b"Bearer \xff").unwrap(),
        );
        assert_eq!(bearer(&h), None);
    }
}
