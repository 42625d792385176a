//! Limits on what one user's name can make the pool do: guesses at a code for an address
//! without an account (so that running out of guesses looks the same whether the account
//! exists or not). Kept in memory: a restart forgets them, which a local pool can afford.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::pool::UserPool;
use crate::store::GUESSES_PER_CODE;
/// Above this many names, entries that no longer limit anything are dropped.
const PRUNE_ABOVE: usize = 10_000;
/// Cognito's message for `LimitExceededException`.
pub(crate) const LIMIT_MESSAGE: &str = "Attempt limit exceeded, please try after some time.";

type Key = (String, &'static str, String);

/// The counters.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    /// (pool, purpose, name) → wrong guesses since the last "sent" code, unknown users only.
    ghost_guesses: Mutex<HashMap<Key, i64>>,
}

/// Names compare as the user table compares e-mails: case-insensitively.
fn key(pool_id: &str, kind: &'static str, name: &str) -> Key {
    (pool_id.to_string(), kind, name.trim().to_lowercase())
}

impl UserPool {
    /// A "code" was sent to an unknown user (nothing really was): their guesses start again,
    /// as a real user's do with a new code.
    pub(crate) fn ghost_code_sent(&self, pool_id: &str, purpose: &'static str, name: &str) {
        let mut g = self
            .limits()
            .ghost_guesses
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        g.remove(&key(pool_id, purpose, name));
    }

    /// Counts a guess at an unknown user's code: `false` once [`GUESSES_PER_CODE`] were made,
    /// where a real code would be used up too.
    pub(crate) fn ghost_guess(&self, pool_id: &str, purpose: &'static str, name: &str) -> bool {
        let mut g = self
            .limits()
            .ghost_guesses
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if g.len() > PRUNE_ABOVE {
            g.clear();
        }
        let n = g.entry(key(pool_id, purpose, name)).or_insert(0);
        *n += 1;
        *n <= GUESSES_PER_CODE
    }
}
