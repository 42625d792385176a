//! What Hallpass does around a [`RecordStore`]: random ids stored as hashes, payloads encrypted and
//! bound to their row, a per-instance cache that lives at most a second, and a rate-limited warning
//! when the store is down.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::breaker::{Guarded, Throttle};
use super::record::{Record, RecordStore};
use crate::jwe::KeyRing;
use crate::session::{SessionToken, CLOCK_TOLERANCE_SECS};
use crate::shared::StoreError;

/// How long this instance trusts a session it read: another instance's revocation shows within it.
const CACHE_TTL: Duration = Duration::from_secs(1);
/// At most this many cached sessions (the cache starts over when full).
const CACHE_ENTRIES: usize = 4096;
/// At most one "store unavailable" warning per this long.
const WARN_EVERY: Duration = Duration::from_secs(5);
/// The length of a session id in the cookie: 32 random bytes, base64url.
const ID_LEN: usize = 43;

/// A session read from the store.
#[derive(Clone, Debug)]
pub(crate) struct Loaded {
    /// The row key (hex SHA-256 of the id).
    pub(crate) key: String,
    /// The claims; `exp` is the row's `expires_at`, `iat` the row's `created_at`.
    pub(crate) token: SessionToken,
    pub(crate) last_seen_at: i64,
    pub(crate) version: i64,
    /// The account's issuer (the row's).
    pub(crate) issuer: String,
    /// When the provider last vouched for the tokens (Unix seconds).
    pub(crate) checked_at: i64,
}

impl Loaded {
    /// The account's subject.
    pub(crate) fn sub(&self) -> &str {
        self.token.sub.as_deref().unwrap_or_default()
    }
}

/// The plaintext of a payload: the session and the row it belongs to (so a payload copied into
/// another row does not open there).
#[derive(Serialize, Deserialize)]
struct Sealed<'a> {
    #[serde(borrow)]
    k: std::borrow::Cow<'a, str>,
    t: SessionToken,
    /// When the provider last vouched for the tokens (sign-in or refresh), Unix seconds; 0 in
    /// payloads written before it was kept (re-checked at once).
    #[serde(default)]
    c: i64,
}

pub(crate) struct StoredSessions {
    /// The store's rows, behind the circuit breaker.
    records: Guarded,
    keys: KeyRing,
    /// HMAC keys for [`Record::login`], one per secret (the first writes, all find).
    login_keys: Vec<[u8; 32]>,
    cache: Mutex<HashMap<String, (Instant, Loaded)>>,
    warnings: Throttle,
}

impl StoredSessions {
    /// The engine over `store`, its payloads encrypted with keys derived from `secrets`.
    pub(crate) fn new(store: Arc<dyn RecordStore>, secrets: &[&[u8]]) -> Self {
        Self {
            records: Guarded::new(store),
            keys: KeyRing::derive(
                secrets,
                "hallpass.session-store",
                "Hallpass session store payload",
            ),
            login_keys: secrets.iter().map(|s| login_key(s)).collect(),
            cache: Mutex::default(),
            warnings: Throttle::new(WARN_EVERY),
        }
    }

    pub(crate) fn records(&self) -> &dyn RecordStore {
        &self.records
    }

    /// The store, to share with what keeps it beyond a request (the attempt counters).
    pub(crate) fn shared_store(&self) -> Arc<dyn RecordStore> {
        self.records.shared()
    }

    /// What a row keeps of the e-mail `login`: its keyed hash under the current secret.
    pub(crate) fn login_hash(&self, login: &str) -> Option<String> {
        let login = normal_login(login)?;
        self.login_keys.first().map(|k| hmac_hex(k, &login))
    }

    /// Every hash `login` may be kept under (one per secret, for rows written before a rotation).
    pub(crate) fn login_hashes(&self, login: &str) -> Vec<String> {
        let Some(login) = normal_login(login) else {
            return Vec::new();
        };
        self.login_keys
            .iter()
            .map(|k| hmac_hex(k, &login))
            .collect()
    }

    /// Drops every cached session (after deleting rows this instance cannot name).
    pub(crate) fn forget_all(&self) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    /// A new session id (for the cookie) and its row key.
    pub(crate) fn new_id() -> (String, String) {
        let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
        let key = key_of(&id).expect("a fresh id is well-formed");
        (id, key)
    }

    /// The payload of row `key`: `token`, its tokens last checked at `checked_at`.
    pub(crate) fn seal(&self, key: &str, token: &SessionToken, checked_at: i64) -> String {
        let sealed = Sealed {
            k: key.into(),
            t: token.clone(),
            c: checked_at,
        };
        let json = serde_json::to_vec(&sealed).expect("session claims always serialise");
        self.keys.encrypt(&json)
    }

    fn open(&self, record: &Record) -> Result<(SessionToken, i64), StoreError> {
        let plain = self.keys.decrypt(&record.payload)?;
        let sealed: Sealed<'_> = serde_json::from_slice(&plain)?;
        if sealed.k != record.key {
            return Err(StoreError::NotFound);
        }
        let mut token = sealed.t;
        token.exp = record.expires_at;
        token.iat = record.created_at;
        Ok((token, sealed.c))
    }

    /// The session for cookie id `id` at `now`: from the cache (at most a second old) or the
    /// store. An expired row is deleted.
    pub(crate) async fn read(&self, id: &str, now: i64) -> Result<Loaded, StoreError> {
        let key = key_of(id).ok_or(StoreError::NotFound)?;
        let cached = {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .get(&key)
                .filter(|(at, _)| at.elapsed() < CACHE_TTL)
                .map(|(_, l)| l.clone())
        };
        let loaded = match cached {
            Some(l) => l,
            None => self.fetch(&key).await?,
        };
        if loaded.token.exp + CLOCK_TOLERANCE_SECS < now {
            self.forget(&key);
            if let Err(e) = self.records().delete(&key).await {
                self.warn(&e);
            }
            return Err(StoreError::Expired);
        }
        Ok(loaded)
    }

    /// The row under `key`, read from the store (never the cache), and cached.
    pub(crate) async fn fetch(&self, key: &str) -> Result<Loaded, StoreError> {
        let record = self
            .records()
            .get(key)
            .await
            .inspect_err(|e| self.warn(e))?
            .ok_or(StoreError::NotFound)?;
        let (token, checked_at) = self.open(&record)?;
        let loaded = Loaded {
            key: key.to_string(),
            token,
            checked_at,
            last_seen_at: record.last_seen_at,
            version: record.version,
            issuer: record.issuer,
        };
        self.remember(&loaded);
        Ok(loaded)
    }

    fn remember(&self, loaded: &Loaded) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(loaded.key.clone(), (Instant::now(), loaded.clone()));
    }

    /// Drops `key` from the cache (this instance wrote or deleted it).
    pub(crate) fn forget(&self, key: &str) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    /// Drops every cached session of `sub`.
    pub(crate) fn forget_user(&self, sub: &str) {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|_, (_, l)| l.token.sub.as_deref() != Some(sub));
    }

    /// Logs that the store failed, naming it (never its password), at most every few seconds.
    pub(crate) fn warn(&self, e: &StoreError) {
        if !matches!(e, StoreError::Backend(_)) {
            return;
        }
        if self.warnings.allow(Instant::now()).is_none() {
            return;
        }
        tracing::warn!(
            "session store {} unavailable, requests are signed out until it is back: {}",
            self.records().describe(),
            crate::logsafe::clean(e)
        );
    }
}

/// A login as compared: trimmed and lowercased (Cognito's e-mail usernames are case-insensitive);
/// `None` when empty.
fn normal_login(login: &str) -> Option<String> {
    let login = login.trim().to_lowercase();
    (!login.is_empty()).then_some(login)
}

/// The HMAC key for logins, derived from one secret (as the payload key is).
fn login_key(secret: &[u8]) -> [u8; 32] {
    let mut key = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(b"hallpass.session-store"), secret)
        .expand(b"Hallpass session store login", &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 length");
    key
}

fn hmac_hex(key: &[u8; 32], login: &str) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(login.as_bytes());
    crate::shared::hex(&mac.finalize().into_bytes())
}

/// The row key of a cookie id: hex SHA-256, for well-formed ids only.
pub(crate) fn key_of(id: &str) -> Option<String> {
    let ok = id.len() == ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| crate::shared::hex(&Sha256::digest(id.as_bytes())))
}

/// Now, by the wall clock, in Unix milliseconds: leases bound a real HTTP call, so they use real
/// time, not the instance's (possibly manual) clock.
pub(crate) fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
