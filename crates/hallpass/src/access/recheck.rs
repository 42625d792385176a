//! The optional re-check with the user pool (`GetUser`), for what a signature cannot tell: a
//! sign-in ended elsewhere (a sign-out on another instance, which revokes the refresh token;
//! `RevokeToken`; `GlobalSignOut`), a user disabled or deleted. Cognito refuses such a token at
//! `GetUser` while it still verifies everywhere else until it expires.
//!
//! A user token is asked about when first seen and then at most once per interval: while one
//! request asks, the others go on with the earlier answer. Machine tokens (client_credentials)
//! name no user and Cognito cannot end them early, so they are not asked about. A user token
//! without `aws.cognito.signin.user.admin` is refused: `GetUser` needs that scope, and a verifier
//! told to re-check does not let through what it cannot re-check. When the pool cannot be asked
//! (network, throttling) the token is refused with a 503, never let through unasked; after a few
//! such failures in a row the pool is not asked for a while (a circuit breaker), so an outage
//! costs requests no timeout each and the pool no storm of retries.

use std::time::{Duration, Instant};

use serde_json::json;

use super::token::{AccessToken, NEVER_CHECKED};
use crate::breaker::Breaker;
use crate::logsafe::Throttle;
use crate::provider::cognito_api::{CognitoApi, CognitoApiError};
use crate::token_error::TokenError;

/// The scope `GetUser` requires of an access token.
pub(crate) const USER_ADMIN_SCOPE: &str = "aws.cognito.signin.user.admin";

pub(crate) struct Recheck {
    api: CognitoApi,
    /// Seconds between two questions about one token (0: every request).
    every: i64,
    breaker: Breaker,
    /// One warning a minute while the pool cannot be asked.
    warnings: Throttle,
}

impl Recheck {
    pub(crate) fn new(api: CognitoApi, every: i64) -> Self {
        Self {
            api,
            every,
            breaker: Breaker::default(),
            warnings: Throttle::new(Duration::from_secs(60)),
        }
    }

    /// Whether `t` may be answered from what is known, without asking the pool.
    pub(crate) fn fresh(&self, t: &AccessToken, now: i64) -> bool {
        t.is_machine()
            || (now.saturating_sub(t.checked_at()) < self.every && t.has_scope(USER_ADMIN_SCOPE))
    }

    /// Asks the pool about `token` (verified as `t`) when it is due.
    pub(crate) async fn ensure(
        &self,
        token: &str,
        t: &AccessToken,
        now: i64,
    ) -> Result<(), TokenError> {
        if t.is_machine() {
            return Ok(());
        }
        if !t.has_scope(USER_ADMIN_SCOPE) {
            return Err(TokenError::CannotRecheck);
        }
        let before = t.checked_at();
        if now.saturating_sub(before) < self.every {
            return Ok(());
        }
        // A token the pool found good before: one request asks, the rest go on meanwhile. A
        // token never asked about waits for its own answer, as does each request at interval 0.
        let claimed = self.every > 0 && before != NEVER_CHECKED;
        if claimed && !t.claim_check(before, now) {
            return Ok(());
        }
        // Claimed first, so that a request that will not ask never takes the breaker's probe.
        if !self.breaker.admit(Instant::now()) {
            if claimed {
                t.unclaim_check(before, now);
            }
            return Err(TokenError::PoolUnavailable);
        }
        let answer = self
            .api
            .call("GetUser", &json!({ "AccessToken": token }))
            .await;
        let failed = match &answer {
            Ok(_) | Err(CognitoApiError::NotAuthorized(_) | CognitoApiError::UserNotFound(_)) => {
                None
            }
            Err(e) => Some(e),
        };
        self.breaker.record(failed.is_none(), Instant::now());
        if let Some(e) = failed {
            if claimed {
                t.unclaim_check(before, now);
            }
            if let Some(left_out) = self.warnings.allow(Instant::now()) {
                tracing::warn!(
                    error = %e,
                    left_out,
                    "re-checking access tokens with the user pool failed; they are refused (503) \
                     until it answers"
                );
            }
            return Err(TokenError::PoolUnavailable);
        }
        match answer {
            Ok(_) => {
                t.checked(now);
                Ok(())
            }
            Err(_) => Err(TokenError::EndedAtPool),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::token::verified_for_tests;

    const NOW: i64 = 1_700_000_000;

    fn token(scope: &str, username: Option<&str>) -> AccessToken {
        verified_for_tests(scope, username, NOW + 600)
    }

    /// A pool nobody listens at: any question would fail as `PoolUnavailable`.
    fn recheck(every: i64) -> Recheck {
        let api = CognitoApi::new(
            reqwest::Client::new(),
            url::Url::parse("http://127.0.0.1:9/").unwrap(),
            "",
            None,
        );
        Recheck::new(api, every)
    }

    #[tokio::test]
    async fn what_needs_asking_and_what_does_not() {
        let r = recheck(60);
        let machine = token("orders/read", None);
        assert!(r.fresh(&machine, NOW), "a machine is never asked");
        assert_eq!(r.ensure("t", &machine, NOW).await, Ok(()));

        let scopeless = token("openid email", Some("jane"));
        assert!(!r.fresh(&scopeless, NOW));
        assert_eq!(
            r.ensure("t", &scopeless, NOW).await,
            Err(TokenError::CannotRecheck),
            "refused without asking: GetUser would refuse it for its scope"
        );

        let user = token(USER_ADMIN_SCOPE, Some("jane"));
        assert!(!r.fresh(&user, NOW), "never asked: due");
        assert_eq!(
            r.ensure("t", &user, NOW).await,
            Err(TokenError::PoolUnavailable)
        );
        assert_eq!(
            user.checked_at(),
            NEVER_CHECKED,
            "a failed question counts for nothing"
        );

        user.checked(NOW);
        assert!(r.fresh(&user, NOW + 59) && !r.fresh(&user, NOW + 60));
        assert_eq!(r.ensure("t", &user, NOW + 59).await, Ok(()), "not asked");
        assert_eq!(
            r.ensure("t", &user, NOW + 60).await,
            Err(TokenError::PoolUnavailable)
        );
        assert_eq!(
            user.checked_at(),
            NOW,
            "the claim is put back: the next request asks again"
        );
        // The third failure in a row opens the breaker: the pool is left alone for a while.
        assert!(r.breaker.admit(Instant::now()));
        assert_eq!(
            r.ensure("t", &user, NOW + 61).await,
            Err(TokenError::PoolUnavailable)
        );
        assert!(!r.breaker.admit(Instant::now()), "failing fast");
        assert_eq!(
            r.ensure("t", &user, NOW + 62).await,
            Err(TokenError::PoolUnavailable)
        );
        assert!(
            r.fresh(&machine, NOW + 62),
            "machines never depend on the pool"
        );
    }
}
