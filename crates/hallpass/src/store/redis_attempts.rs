//! The attempt counters in Redis: a hash `{p}att:{key}` (`c` the count, `s` the window's start)
//! changed by one Lua script, expiring after the window.

use crate::attempts::AttemptCounter;
use crate::shared::{BoxFuture, StoreError};
use crate::store::attempts::{checked, count};

/// ARGV: now, window. A new window when there is none or the last one ended.
const REDIS_HIT: &str = r"
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = tonumber(redis.call('HGET', KEYS[1], 's') or '')
local n = 1
if start == nil or start <= now - window then
  redis.call('HSET', KEYS[1], 'c', 1, 's', now)
else
  n = redis.call('HINCRBY', KEYS[1], 'c', 1)
end
redis.call('EXPIRE', KEYS[1], window + 60)
return n";

/// ARGV: now, window.
const REDIS_PEEK: &str = r"
local now, window = tonumber(ARGV[1]), tonumber(ARGV[2])
local start = tonumber(redis.call('HGET', KEYS[1], 's') or '')
if start == nil or start <= now - window then return 0 end
return tonumber(redis.call('HGET', KEYS[1], 'c') or '0')";

/// One less, never below 0, on a counter that exists.
const REDIS_UNDO: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[1], 'c', -1)
if n < 0 then redis.call('HSET', KEYS[1], 'c', 0) end
return 0";

impl AttemptCounter for super::RedisStore {
    fn hit<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let n = self
                .counter_script(REDIS_HIT, checked(key)?, &[now, window_secs.max(1)])
                .await?;
            Ok(count(n))
        })
    }

    fn peek<'a>(
        &'a self,
        key: &'a str,
        window_secs: i64,
        now: i64,
    ) -> BoxFuture<'a, Result<u32, StoreError>> {
        Box::pin(async move {
            let n = self
                .counter_script(REDIS_PEEK, checked(key)?, &[now, window_secs.max(1)])
                .await?;
            Ok(count(n))
        })
    }

    fn undo<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.counter_script(REDIS_UNDO, checked(key)?, &[])
                .await
                .map(|_| ())
        })
    }

    fn clear<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let del = "return redis.call('DEL', KEYS[1])";
            self.counter_script(del, checked(key)?, &[])
                .await
                .map(|_| ())
        })
    }
}
