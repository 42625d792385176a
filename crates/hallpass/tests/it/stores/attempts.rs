//! The attempt counters in the store, which instances sharing it share: hit, peek, clear, a new
//! window once the last one ended, and concurrent hits that each get their own count.

use std::sync::Arc;

use crate::support::stores::Fixture;

pub(super) async fn attempt_counters_count_per_window_and_under_concurrency(fx: Arc<Fixture>) {
    let store = fx.inspector();
    let other = fx.inspector(); // another instance
    let c = store.records().attempts().expect("a built-in store counts");
    let c2 = other.records().attempts().unwrap();
    let key = "a1".repeat(40); // a hex hash, as the limiter sends
    let (window, t0) = (900, 1_800_000_000);
    assert_eq!(c.peek(&key, window, t0).await.unwrap(), 0, "none yet");
    assert_eq!(c.hit(&key, window, t0).await.unwrap(), 1);
    assert_eq!(c2.hit(&key, window, t0 + 10).await.unwrap(), 2, "shared");
    assert_eq!(c.hit(&key, window, t0 + 899).await.unwrap(), 3);
    assert_eq!(c2.peek(&key, window, t0 + 899).await.unwrap(), 3);
    // The window (from the first hit) has ended: peek sees none, a hit starts a new one.
    assert_eq!(c.peek(&key, window, t0 + 900).await.unwrap(), 0);
    assert_eq!(c.hit(&key, window, t0 + 900).await.unwrap(), 1);
    assert_eq!(c.hit(&key, window, t0 + 901).await.unwrap(), 2);
    // Keys are separate, and clear forgets one.
    let other_key = "b2".repeat(40);
    assert_eq!(c.hit(&other_key, window, t0 + 901).await.unwrap(), 1);
    c2.clear(&key).await.unwrap();
    assert_eq!(c.peek(&key, window, t0 + 902).await.unwrap(), 0);
    assert_eq!(c.peek(&other_key, window, t0 + 902).await.unwrap(), 1);
    c.clear("never-hit").await.unwrap();
    // Undo takes one off, never below zero, and makes no counter.
    assert_eq!(c.hit(&other_key, window, t0 + 902).await.unwrap(), 2);
    c2.undo(&other_key).await.unwrap();
    assert_eq!(c.peek(&other_key, window, t0 + 902).await.unwrap(), 1);
    for _ in 0..3 {
        c.undo(&other_key).await.unwrap();
    }
    assert_eq!(c.peek(&other_key, window, t0 + 902).await.unwrap(), 0);
    assert_eq!(c.hit(&other_key, window, t0 + 903).await.unwrap(), 1);
    c.undo("never-hit").await.unwrap();
    assert_eq!(c.peek("never-hit", window, t0 + 903).await.unwrap(), 0);
    // A key that is not a hash is refused, not run.
    assert!(c.hit("a'; DROP TABLE x; --", window, t0).await.is_err());
    // 20 hits at once (two instances): each gets its own count.
    let key = "c3".repeat(40);
    let both = Arc::new((fx.inspector(), fx.inspector()));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (both, key) = (both.clone(), key.clone());
        tasks.spawn(async move {
            let s = if i % 2 == 0 { &both.0 } else { &both.1 };
            let c = s.records().attempts().unwrap();
            c.hit(&key, window, t0).await.unwrap()
        });
    }
    let mut counts = tasks.join_all().await;
    counts.sort_unstable();
    assert_eq!(counts, (1..=20).collect::<Vec<u32>>());
    assert_eq!(c.peek(&key, window, t0 + 1).await.unwrap(), 20);
}
