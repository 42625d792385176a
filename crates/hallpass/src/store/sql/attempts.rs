//! The attempt counters in SQL: a table `hallpass_attempts` (`{prefix}_attempts` for a sessions
//! table `{prefix}_sessions`, else `{table}_attempts`) created with the sessions table; one atomic
//! `INSERT … ON CONFLICT (key) DO UPDATE … RETURNING count` per hit.

use crate::attempts::AttemptCounter;
use crate::shared::{BoxFuture, StoreError};
use crate::store::attempts::{checked, count};

/// The attempts table that goes with sessions table `t`.
pub(super) fn sql_table(t: &str) -> String {
    match t.strip_suffix("_sessions") {
        Some(prefix) => format!("{prefix}_attempts"),
        None => format!("{t}_attempts"),
    }
}

/// Created with the sessions table.
pub(super) fn sql_schema(t: &str) -> String {
    format!(
        "CREATE TABLE IF NOT EXISTS {} (key TEXT PRIMARY KEY, count BIGINT NOT NULL, \
         window_start BIGINT NOT NULL)",
        sql_table(t)
    )
}

/// `$1` key, `$2` now, `$3` the start at or before which a window has ended. Every `SET`
/// expression reads the row as it was, so `count` and `window_start` agree.
pub(super) fn sql_hit(t: &str) -> String {
    let a = sql_table(t);
    format!(
        "INSERT INTO {a} (key, count, window_start) VALUES ($1, 1, $2) ON CONFLICT (key) DO UPDATE \
         SET count = CASE WHEN {a}.window_start <= $3 THEN 1 ELSE {a}.count + 1 END, \
         window_start = CASE WHEN {a}.window_start <= $3 THEN $2 ELSE {a}.window_start END \
         RETURNING count"
    )
}

/// `$1` key, `$2` the start at or before which a window has ended.
pub(super) fn sql_peek(t: &str) -> String {
    format!(
        "SELECT count FROM {} WHERE key = $1 AND window_start > $2",
        sql_table(t)
    )
}

/// `$1` key.
pub(super) fn sql_undo(t: &str) -> String {
    format!(
        "UPDATE {a} SET count = count - 1 WHERE key = $1 AND count > 0 RETURNING count",
        a = sql_table(t)
    )
}

pub(super) fn sql_clear(t: &str) -> String {
    format!("DELETE FROM {} WHERE key = $1", sql_table(t))
}

/// `$1` the start before which rows are deleted.
pub(super) fn sql_prune(t: &str) -> String {
    format!("DELETE FROM {} WHERE window_start < $1", sql_table(t))
}

impl AttemptCounter for super::SqlStore {
    fn hit<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let sql = sql_hit(self.table());
            let n = self
                .counter_query(sql, checked(key)?, &[now, now - window_secs])
                .await?;
            Ok(count(n.unwrap_or(0)))
        })
    }

    fn peek<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let sql = sql_peek(self.table());
            let n = self
                .counter_query(sql, checked(key)?, &[now - window_secs])
                .await?;
            Ok(count(n.unwrap_or(0)))
        })
    }

    fn undo<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let sql = sql_undo(self.table());
            self.counter_query(sql, checked(key)?, &[])
                .await
                .map(|_| ())
        })
    }

    fn clear<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let sql = sql_clear(self.table());
            self.counter_query(sql, checked(key)?, &[])
                .await
                .map(|_| ())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_named_after_the_sessions_table() {
        assert_eq!(sql_table("hallpass_sessions"), "hallpass_attempts");
        assert_eq!(sql_table("auth"), "auth_attempts");
    }
}
