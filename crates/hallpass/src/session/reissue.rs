//! Rolling re-issue without re-encrypting on every call.
//!
//! NextAuth re-encrypts the whole session on every `GET /api/auth/session` so that its expiry rolls
//! forward; for a 5 KB Cognito session that is most of the endpoint's cost, and a page that polls
//! the session (or many tabs) pays it each time. Hallpass rolls the expiry at most once a minute:
//!
//! - a cookie whose expiry is less than [`REISSUE_INTERVAL_SECS`] short of a fresh one's and whose
//!   claims did not change is sent back as it is (its `Max-Age` counting down to the same `exp`);
//! - an older cookie is re-encrypted once, and requests that bring the same old cookie within the
//!   minute (concurrent tabs, a burst before the browser stores the new one) get the same new value.
//!
//! So the expiry a browser holds is at most one minute earlier than the one next-auth would set.
//! Only the cookie (JWT) strategy is cached: a session store issues as it always does.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::jwt::{equals_joined, jwe_tag};
use super::SessionToken;

/// How often, at most, a session whose claims did not change is re-encrypted.
pub const REISSUE_INTERVAL_SECS: i64 = 60;

/// How many re-issued cookies are remembered (bounded; starts over when full).
const REISSUE_CACHE_ENTRIES: usize = 1024;

/// Re-issued cookie values by the old cookie's JWE tag.
#[derive(Debug, Default)]
pub(crate) struct ReissueCache {
    map: RwLock<HashMap<Box<str>, Arc<Reissued>>>,
}

/// One re-issue: the old value it replaced (compared in full on lookup), the new token and value.
#[derive(Debug)]
pub(crate) struct Reissued {
    old_value: Box<str>,
    /// The session as re-issued.
    pub(crate) token: SessionToken,
    /// Its cookie value.
    pub(crate) value: String,
}

/// What [`ReissueCache::plan`] decided for one request.
pub(crate) enum Reissue {
    /// Send the request's own cookie value back: its expiry is close to a fresh one's and its
    /// claims are unchanged.
    KeepIncoming,
    /// Send the value another request of this minute was given.
    Reuse(Arc<Reissued>),
    /// Encrypt anew (then [`ReissueCache::remember`] the result).
    Encrypt,
}

impl ReissueCache {
    /// Decides for `token` (the session after refresh and hooks), which the request brought as
    /// `incoming`, in cookie chunks `parts`; a fresh cookie would expire at `fresh_exp`.
    pub(crate) fn plan(
        &self,
        token: &SessionToken,
        incoming: &SessionToken,
        parts: &[&str],
        fresh_exp: i64,
    ) -> Reissue {
        // Only ever up to a minute short of a fresh expiry, never past it.
        if !same_claims(token, incoming) {
            return Reissue::Encrypt;
        }
        if keeps_incoming(token, incoming, fresh_exp) {
            return Reissue::KeepIncoming;
        }
        let map = self.map.read().unwrap_or_else(|e| e.into_inner());
        match map.get(jwe_tag(parts)) {
            Some(r)
                if close_enough(r.token.exp, fresh_exp)
                    && equals_joined(&r.old_value, parts)
                    && same_claims(&r.token, token) =>
            {
                Reissue::Reuse(Arc::clone(r))
            }
            _ => Reissue::Encrypt,
        }
    }

    /// Remembers that the cookie in `parts` was re-issued as `value` (for `token`).
    pub(crate) fn remember(&self, parts: &[&str], token: &SessionToken, value: &str) {
        let mut map = self.map.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= REISSUE_CACHE_ENTRIES {
            map.clear();
        }
        map.insert(
            jwe_tag(parts).into(),
            Arc::new(Reissued {
                old_value: parts.concat().into(),
                token: token.clone(),
                value: value.to_string(),
            }),
        );
    }
}

/// Whether an expiry is up to a minute short of a fresh one's (never past it).
fn close_enough(exp: i64, fresh_exp: i64) -> bool {
    (0..REISSUE_INTERVAL_SECS).contains(&(fresh_exp - exp))
}

/// Whether the request's own session can be sent back as it is: the claims did not change and its
/// expiry is close enough to a fresh one's. Cookie sessions and an app's store both ask this.
pub(super) fn keeps_incoming(
    token: &SessionToken,
    incoming: &SessionToken,
    fresh_exp: i64,
) -> bool {
    same_claims(token, incoming) && close_enough(incoming.exp, fresh_exp)
}

/// Equal but for the fields an encoding sets (`iat`, `exp`, `jti`). Destructured, so that a new
/// claim cannot be forgotten here.
fn same_claims(a: &SessionToken, b: &SessionToken) -> bool {
    let SessionToken {
        sub,
        name,
        email,
        picture,
        groups,
        provider,
        tokens,
        error,
        extra,
        iat: _,
        exp: _,
        jti: _,
    } = a;
    *sub == b.sub
        && *name == b.name
        && *email == b.email
        && *picture == b.picture
        && *groups == b.groups
        && *provider == b.provider
        && *tokens == b.tokens
        && *error == b.error
        && *extra == b.extra
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(iat: i64) -> SessionToken {
        SessionToken {
            sub: Some("u".into()),
            iat,
            exp: iat + 3600,
            jti: format!("j{iat}"),
            ..Default::default()
        }
    }

    #[test]
    fn a_fresh_unchanged_cookie_is_kept_and_a_changed_one_is_not() {
        let cache = ReissueCache::default();
        let incoming = token(1_000);
        assert!(matches!(
            cache.plan(&incoming, &incoming, &["a.b.c.d.tag"], 1_059 + 3600),
            Reissue::KeepIncoming
        ));
        assert!(matches!(
            cache.plan(&incoming, &incoming, &["a.b.c.d.tag"], 1_060 + 3600),
            Reissue::Encrypt
        ));
        let mut renamed = incoming.clone();
        renamed.name = Some("New".into());
        assert!(matches!(
            cache.plan(&renamed, &incoming, &["a.b.c.d.tag"], 1_001 + 3600),
            Reissue::Encrypt
        ));
    }

    #[test]
    fn an_old_cookie_is_reissued_once_a_minute_and_only_for_the_same_value() {
        let cache = ReissueCache::default();
        let old = token(1_000);
        let new = token(5_000);
        cache.remember(&["a.b.c.d.", "tag"], &new, "NEW");
        match cache.plan(&old, &old, &["a.b.c.d.tag"], 5_030 + 3600) {
            Reissue::Reuse(r) => {
                assert_eq!((r.token.jti.as_str(), r.value.as_str()), ("j5000", "NEW"))
            }
            _ => panic!("expected the remembered value"),
        }
        // Same tag, another value: never served someone else's cookie.
        assert!(matches!(
            cache.plan(&old, &old, &["x.b.c.d.tag"], 5_030 + 3600),
            Reissue::Encrypt
        ));
        // A minute later the remembered one is stale.
        assert!(matches!(
            cache.plan(&old, &old, &["a.b.c.d.tag"], 5_060 + 3600),
            Reissue::Encrypt
        ));
    }
}
