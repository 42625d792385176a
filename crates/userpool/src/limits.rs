//! Limits on what one user's name can make the pool do: messages sent (mail bombing), and
//! guesses at a code for an address without an account (so that running out of guesses looks
//! the same whether the account exists or not). Kept in memory, by the pool's clock: a restart
//! forgets them, which a local pool can afford.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use crate::error::Error;
use crate::outbox::MessageKind;
use crate::store::GUESSES_PER_CODE;
/// Messages of one kind one user may be sent per [`SEND_WINDOW_SECS`].
pub const SENDS_PER_WINDOW: usize = 5;
/// The window of [`SENDS_PER_WINDOW`]: 15 minutes.
pub const SEND_WINDOW_SECS: i64 = 15 * 60;
/// Above this many names, entries that no longer limit anything are dropped.
const PRUNE_ABOVE: usize = 10_000;
/// Cognito's message for `LimitExceededException`.
pub(crate) const LIMIT_MESSAGE: &str = "Attempt limit exceeded, please try after some time.";

type Key = (String, &'static str, String);

/// The counters.
#[derive(Debug, Default)]
pub(crate) struct Limits {
    /// (pool, kind, name) → when messages were sent, oldest first.
    sent: Mutex<HashMap<Key, VecDeque<i64>>>,
    /// (pool, purpose, name) → wrong guesses since the last "sent" code, unknown users only.
    ghost_guesses: Mutex<HashMap<Key, i64>>,
}

/// Names compare as the user table compares e-mails: case-insensitively.
fn key(pool_id: &str, kind: &'static str, name: &str) -> Key {
    (pool_id.to_string(), kind, name.trim().to_lowercase())
}

impl Limits {
    /// Counts a message of `kind` to `name` (the user's e-mail, or the name given for an
    /// unknown user, who must be limited alike), or refuses it with `LimitExceeded` when the
    /// last [`SEND_WINDOW_SECS`] already saw [`SENDS_PER_WINDOW`].
    pub(crate) fn count_send(
        &self,
        pool_id: &str,
        kind: MessageKind,
        name: &str,
        now: i64,
    ) -> Result<(), Error> {
        let since = now - SEND_WINDOW_SECS;
        let mut sent = self.sent.lock().unwrap_or_else(|e| e.into_inner());
        if sent.len() > PRUNE_ABOVE {
            sent.retain(|_, times| times.back().is_some_and(|t| *t > since));
        }
        let times = sent.entry(key(pool_id, kind.as_str(), name)).or_default();
        while times.front().is_some_and(|t| *t <= since) {
            times.pop_front();
        }
        if times.len() >= SENDS_PER_WINDOW {
            return Err(Error::LimitExceeded(LIMIT_MESSAGE.into()));
        }
        times.push_back(now);
        Ok(())
    }

    /// A "code" was sent to an unknown user (nothing really was): their guesses start again,
    /// as a real user's do with a new code.
    pub(crate) fn ghost_code_sent(&self, pool_id: &str, purpose: &'static str, name: &str) {
        let mut g = self.ghost_guesses.lock().unwrap_or_else(|e| e.into_inner());
        g.remove(&key(pool_id, purpose, name));
    }

    /// Counts a guess at an unknown user's code: `false` once [`GUESSES_PER_CODE`] were made,
    /// where a real code would be used up too.
    pub(crate) fn ghost_guess(&self, pool_id: &str, purpose: &'static str, name: &str) -> bool {
        let mut g = self.ghost_guesses.lock().unwrap_or_else(|e| e.into_inner());
        if g.len() > PRUNE_ABOVE {
            g.clear();
        }
        let n = g.entry(key(pool_id, purpose, name)).or_insert(0);
        *n += 1;
        *n <= GUESSES_PER_CODE
    }
}
