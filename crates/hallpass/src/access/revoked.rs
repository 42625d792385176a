//! Sign-ins that ended: their `origin_jti` (or `jti`), each kept until the last token it could
//! cover expires. Fed by Hallpass's own sign-outs and by the app
//! ([`AccessTokenVerifier::revoke`](crate::AccessTokenVerifier::revoke)); checked on every
//! verification, cached or not.
//!
//! Bounded, and never forgetful: when the list is full of ids still in force, the id that expires
//! soonest makes room, and its expiry becomes a floor: from then on every token expiring by the
//! floor is refused too (it could be that sign-in's). What a full list costs is tokens near their
//! end refused early (clients refresh them), never a revoked token accepted.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// How many ids are kept by default (about 10 MB at most).
pub(crate) const DEFAULT_CAPACITY: usize = 100_000;

pub(crate) struct Revocations {
    state: Mutex<State>,
    /// Lets a verification skip the lock while nothing was ever revoked.
    any: AtomicBool,
}

struct State {
    /// Each id and when it stops mattering (Unix seconds).
    until: HashMap<Box<str>, i64>,
    /// The same, ordered by `until`: the expired ones leave from the front, and the next to
    /// make room when full is the first.
    by_until: BTreeSet<(i64, Box<str>)>,
    /// Tokens that stop mattering by this time are refused (see the module docs).
    floor: i64,
    capacity: usize,
}

impl Revocations {
    /// A list of at most `capacity` ids (at least one).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            state: Mutex::new(State {
                until: HashMap::new(),
                by_until: BTreeSet::new(),
                floor: i64::MIN,
                capacity: capacity.max(1),
            }),
            any: AtomicBool::new(false),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Remembers `id` as revoked until `until` (Unix seconds).
    pub(crate) fn add(&self, id: &str, until: i64, now: i64) {
        let mut s = self.lock();
        s.drop_expired(now);
        let until = match s.until.get(id) {
            Some(&before) if before >= until => return,
            Some(&before) => {
                s.by_until.remove(&(before, Box::from(id)));
                until
            }
            None => {
                if s.until.len() >= s.capacity {
                    s.make_room();
                }
                until
            }
        };
        s.until.insert(Box::from(id), until);
        s.by_until.insert((until, Box::from(id)));
        self.any.store(true, Ordering::Release);
    }

    /// Whether a token with these ids, mattering until `until` (its `exp` plus the skew), was
    /// revoked.
    pub(crate) fn any_of<'a>(&self, mut ids: impl Iterator<Item = &'a str>, until: i64) -> bool {
        if !self.any.load(Ordering::Acquire) {
            return false;
        }
        let s = self.lock();
        until <= s.floor || ids.any(|id| s.until.contains_key(id))
    }
}

impl State {
    fn drop_expired(&mut self, now: i64) {
        while let Some((until, id)) = self.by_until.first() {
            if *until >= now {
                break;
            }
            self.until.remove(id);
            self.by_until.pop_first();
        }
    }

    /// Forgets the id that expires soonest and raises the floor to its expiry.
    fn make_room(&mut self) {
        if let Some((until, id)) = self.by_until.pop_first() {
            self.until.remove(&id);
            if until > self.floor {
                self.floor = until;
                tracing::warn!(
                    floor = until,
                    capacity = self.capacity,
                    "access-token revocation list full: tokens expiring by the floor are refused \
                     too; raise AccessTokenVerifierBuilder::revocation_capacity"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_000;

    #[test]
    fn a_revoked_id_is_refused_until_it_expires() {
        let r = Revocations::new(10);
        assert!(
            !r.any_of(["a"].into_iter(), NOW + 60),
            "nothing revoked yet"
        );
        r.add("a", NOW + 60, NOW);
        assert!(r.any_of(["x", "a"].into_iter(), NOW + 60));
        assert!(!r.any_of(["b"].into_iter(), NOW + 60));
        // Once `a` is past its end, the next add drops it.
        r.add("b", NOW + 500, NOW + 61);
        assert!(!r.any_of(["a"].into_iter(), NOW + 600));
        assert!(r.any_of(["b"].into_iter(), NOW + 500));
    }

    #[test]
    fn a_later_revocation_of_the_same_id_extends_it() {
        let r = Revocations::new(2);
        r.add("a", NOW + 10, NOW);
        r.add("a", NOW + 100, NOW);
        r.add("a", NOW + 50, NOW); // never shortened
        r.add("b", NOW + 20, NOW);
        // `a` at NOW + 100 survives `b`'s expiry, and the list held two ids: nothing forced out.
        r.add("c", NOW + 30, NOW + 21);
        assert!(r.any_of(["a"].into_iter(), NOW + 100));
        assert!(
            !r.any_of(["d"].into_iter(), NOW + 25),
            "no floor was raised"
        );
    }

    #[test]
    fn a_full_list_refuses_more_instead_of_forgetting() {
        let r = Revocations::new(3);
        r.add("soon", NOW + 100, NOW);
        r.add("mid", NOW + 200, NOW);
        r.add("late", NOW + 300, NOW);
        // Full, all in force: `soon` makes room and its end becomes the floor.
        r.add("new", NOW + 400, NOW);
        assert!(
            r.any_of(["soon"].into_iter(), NOW + 100),
            "the forgotten id's token is still refused (by the floor)"
        );
        assert!(
            r.any_of(["unrelated"].into_iter(), NOW + 90),
            "a token ending before the floor is refused too"
        );
        assert!(
            !r.any_of(["unrelated"].into_iter(), NOW + 101),
            "a token ending after the floor is not"
        );
        for id in ["mid", "late", "new"] {
            assert!(r.any_of([id].into_iter(), NOW + 1_000), "{id} kept");
        }
    }

    #[test]
    fn revocations_made_at_once_on_many_threads_are_never_forgotten() {
        let r = std::sync::Arc::new(Revocations::new(8));
        let id = |t: i64, i: i64| format!("{t}-{i}");
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let r = r.clone();
                std::thread::spawn(move || {
                    for i in 0..50 {
                        let until = NOW + 100 + i;
                        r.add(&id(t, i), until, NOW);
                        assert!(r.any_of([id(t, i).as_str()].into_iter(), until));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().expect("no panic");
        }
        // 200 ids through a list of 8: each is still refused, by the list or by the floor.
        for t in 0..4 {
            for i in 0..50 {
                assert!(
                    r.any_of([id(t, i).as_str()].into_iter(), NOW + 100 + i),
                    "{} forgotten",
                    id(t, i)
                );
            }
        }
        assert!(
            !r.any_of(["never"].into_iter(), NOW + 200),
            "a token ending after every revoked one passes"
        );
    }
}
