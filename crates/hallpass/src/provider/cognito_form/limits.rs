//! Attempt limits for the form sign-in, per username and per client address, for each action.
//!
//! Two kinds of action. Those that check a secret (a password, a code) count failures: an attempt
//! is counted before Cognito is asked (so parallel guesses cannot slip past the limit) and handed
//! back when it succeeds, and a success clears the username's count; a user who keeps signing in
//! successfully is never limited. Those that send an e-mail (sign-up, forgot, resend, a sign-in
//! code) count every request: the answer is the same whatever happens, and the limit is what
//! stops mail bombing. The address limit is checked first, and a refused request adds nothing.
//! Keys are keyed hashes (HMAC-SHA-256 with a key derived from the secret), never the typed name.
//! With no client address known (an app not served with connect info), only the username limits
//! apply: there is never one bucket shared by everyone.

use std::net::IpAddr;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::attempts::AttemptCounter;
use crate::shared::StoreError;

/// How many attempts a key may make in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Attempts per window.
    pub attempts: u32,
    /// The window, seconds.
    pub window_secs: i64,
}

/// The limits per username and per client address (defaults: 10 and 50 attempts per 15 minutes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptLimits {
    /// Per username and action.
    pub per_username: Limit,
    /// Per client address and action.
    pub per_address: Limit,
}

impl Default for AttemptLimits {
    fn default() -> Self {
        Self {
            per_username: Limit {
                attempts: 10,
                window_secs: 15 * 60,
            },
            per_address: Limit {
                attempts: 50,
                window_secs: 15 * 60,
            },
        }
    }
}

/// Why an attempt was not made.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Over a limit.
    TooMany,
    /// The counters (the session store) did not answer.
    Unavailable(StoreError),
}

impl From<StoreError> for Refusal {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(e)
    }
}

/// Whether an action checks a secret (failures count) or sends a message (every request counts).
fn checks_secret(action: &str) -> bool {
    matches!(action, "signin" | "code")
}

/// An attempt under way: what to hand back when it succeeds.
pub(crate) struct Ticket {
    user: String,
    address: Option<String>,
    secret: bool,
    /// Where it was counted.
    counter: Arc<dyn AttemptCounter>,
}

/// The limits, applied to a counter.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    limits: AttemptLimits,
}

impl Limiter {
    pub(crate) fn new(limits: AttemptLimits) -> Self {
        Self { limits }
    }

    /// Counts an attempt of `action` by `username` from `address`, or refuses it.
    pub(crate) async fn begin(
        &self,
        counter: &Arc<dyn AttemptCounter>,
        key_secret: &[u8],
        action: &str,
        username: &str,
        address: Option<IpAddr>,
        now: i64,
    ) -> Result<Ticket, Refusal> {
        let (ul, al) = (self.limits.per_username, self.limits.per_address);
        let user = key(key_secret, "u", action, &username.to_lowercase());
        let address = address.map(|a| key(key_secret, "a", action, &crate::client_ip::bucket(a)));
        if let Some(a) = &address {
            if counter.peek(a, al.window_secs, now).await? >= al.attempts {
                return Err(Refusal::TooMany);
            }
        }
        if checks_secret(action) && counter.peek(&user, ul.window_secs, now).await? >= ul.attempts {
            return Err(Refusal::TooMany);
        }
        let ticket = Ticket {
            user,
            address,
            secret: checks_secret(action),
            counter: Arc::clone(counter),
        };
        // Counted before Cognito is asked; over the limit only through a race of parallel posts.
        let mut over = false;
        if let Some(a) = &ticket.address {
            over |= counter.hit(a, al.window_secs, now).await? > al.attempts;
        }
        over |= counter.hit(&ticket.user, ul.window_secs, now).await? > ul.attempts;
        if over {
            if let Some(a) = &ticket.address {
                counter.undo(a).await?;
            }
            if ticket.secret {
                counter.undo(&ticket.user).await?;
            }
            return Err(Refusal::TooMany);
        }
        Ok(ticket)
    }

    /// The attempt succeeded: a secret was right, so it does not count, and the username starts
    /// afresh. Attempts that send a message keep counting.
    pub(crate) async fn succeeded(&self, ticket: Ticket) -> Result<(), StoreError> {
        if !ticket.secret {
            return Ok(());
        }
        let counter = &ticket.counter;
        counter.clear(&ticket.user).await?;
        if let Some(a) = &ticket.address {
            counter.undo(a).await?;
        }
        Ok(())
    }
}

/// A counter key: 128 bits of a keyed hash, hex (32 characters).
fn key(secret: &[u8], kind: &str, action: &str, value: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("HMAC takes any key length");
    for part in ["hallpass attempts", kind, action, value] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    let tag = mac.finalize().into_bytes();
    tag[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attempts::MemoryCounter;

    fn counter() -> Arc<dyn AttemptCounter> {
        Arc::new(MemoryCounter::default())
    }

    const K: &[u8] = b"test key";

    fn limiter(user: u32, addr: u32) -> Limiter {
        Limiter::new(AttemptLimits {
            per_username: Limit {
                attempts: user,
                window_secs: 60,
            },
            per_address: Limit {
                attempts: addr,
                window_secs: 60,
            },
        })
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[tokio::test]
    async fn failures_count_per_username_and_a_success_clears_them() {
        let (l, c) = (limiter(2, 100), counter());
        // Two failures (tickets dropped without success) from two addresses.
        l.begin(&c, K, "signin", "Ada", ip("1.1.1.1"), 0)
            .await
            .unwrap();
        l.begin(&c, K, "signin", "ada", ip("2.2.2.2"), 1)
            .await
            .unwrap();
        assert!(matches!(
            l.begin(&c, K, "signin", "ADA", ip("3.3.3.3"), 2).await,
            Err(Refusal::TooMany)
        ));
        assert!(
            l.begin(&c, K, "signin", "ada", ip("3.3.3.3"), 61)
                .await
                .is_ok(),
            "new window"
        );
        // Successes never accumulate.
        let (l, c) = (limiter(2, 3), counter());
        for i in 0..20 {
            let t = l
                .begin(&c, K, "signin", "bob", ip("1.1.1.1"), i)
                .await
                .unwrap();
            l.succeeded(t).await.unwrap();
        }
    }

    #[tokio::test]
    async fn the_address_limit_comes_first_and_a_refused_attempt_adds_nothing() {
        let mem = Arc::new(MemoryCounter::default());
        let (l, c): (_, Arc<dyn AttemptCounter>) = (limiter(10, 3), mem.clone());
        for name in ["a", "b", "c"] {
            l.begin(&c, K, "signin", name, ip("1.1.1.1"), 0)
                .await
                .unwrap();
        }
        let before = mem.len();
        for i in 0..50 {
            let r = l
                .begin(&c, K, "signin", &format!("new{i}"), ip("1.1.1.1"), 1)
                .await;
            assert!(matches!(r, Err(Refusal::TooMany)));
        }
        assert_eq!(mem.len(), before, "no key for a refused request");
        // Another address, and the same usernames, are untouched.
        assert!(l
            .begin(&c, K, "signin", "a", ip("1.1.1.2"), 1)
            .await
            .is_ok());
    }

    #[tokio::test]
    async fn messages_count_every_request_per_username_and_address() {
        let (l, c) = (limiter(2, 100), counter());
        for i in 0..2 {
            let t = l
                .begin(&c, K, "forgot", "eve", ip(&format!("1.1.1.{i}")), 0)
                .await
                .unwrap();
            l.succeeded(t).await.unwrap();
        }
        assert!(matches!(
            l.begin(&c, K, "forgot", "eve", ip("9.9.9.9"), 1).await,
            Err(Refusal::TooMany)
        ));
        assert!(
            l.begin(&c, K, "signup", "eve", ip("9.9.9.9"), 1)
                .await
                .is_ok(),
            "per action"
        );
    }

    #[tokio::test]
    async fn without_an_address_only_usernames_are_limited() {
        let (l, c) = (limiter(1, 1), counter());
        for i in 0..10 {
            l.begin(&c, K, "signin", &format!("user{i}"), None, 0)
                .await
                .unwrap();
        }
        assert!(l.begin(&c, K, "signin", "user0", None, 0).await.is_err());
    }

    #[test]
    fn keys_are_keyed_hashes_not_names() {
        let k = key(K, "u", "signin", "ada@example.com");
        assert_eq!(k.len(), 32);
        assert!(!k.contains("ada"));
        assert_ne!(k, key(b"other", "u", "signin", "ada@example.com"));
        assert_ne!(k, key(K, "a", "signin", "ada@example.com"));
    }
}
