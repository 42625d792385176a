//! The provider's signing keys: cached, re-fetched for an unknown `kid` at most once per
//! interval, and kept through outages.

use std::sync::{Arc, RwLock};

use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::Client;
use serde_json::Value;
use url::Url;

use super::idtoken_error::IdTokenError;
use crate::provider::http;

/// AWS's own verifier waits this long (seconds) between JWKS fetches caused by unknown `kid`s.
pub(crate) const REFETCH_INTERVAL_SECS: i64 = 10;

/// One usable public key from the JWKS.
#[derive(Clone)]
pub(crate) struct Key {
    pub kid: Option<String>,
    pub kty: String,
    pub use_: Option<String>,
    pub alg: Option<String>,
    /// Shared, so that choosing a key for a token copies nothing.
    pub decoding: Option<Arc<DecodingKey>>,
}

#[derive(Default)]
struct KeyState {
    keys: Arc<Vec<Key>>,
    loaded: bool,
}

pub(crate) struct JwksCache {
    url: Url,
    state: RwLock<KeyState>,
    /// Single flight: one fetch at a time; `Some(t)` = when (Unix seconds) the last *re*-fetch (or
    /// a failed fetch) happened, to rate-limit the next one. Held across the fetch deliberately.
    fetch: tokio::sync::Mutex<Option<i64>>,
}

impl JwksCache {
    pub(crate) fn new(url: Url) -> Self {
        Self {
            url,
            state: RwLock::new(KeyState::default()),
            fetch: tokio::sync::Mutex::new(None),
        }
    }

    fn snapshot(&self) -> (Arc<Vec<Key>>, bool) {
        let s = self.state.read().unwrap_or_else(|e| e.into_inner());
        (s.keys.clone(), s.loaded)
    }

    /// A JWKS cache holding the keys of `document` (a JWKS: `{"keys": [...]}`), as after a first
    /// fetch; for the benchmarks' ID-token verifier.
    pub(crate) fn loaded(url: Url, document: &Value) -> Self {
        let keys = match document.get("keys") {
            Some(Value::Array(list)) => list.iter().filter_map(parse_key).collect(),
            _ => Vec::new(),
        };
        let cache = Self::new(url);
        {
            let mut s = cache.state.write().unwrap_or_else(|e| e.into_inner());
            s.keys = Arc::new(keys);
            s.loaded = true;
        }
        cache
    }

    /// The key for a token header from the keys already loaded, without fetching: `Ok(None)` when
    /// nothing is loaded or no key has this `kid` (a fetch may find it).
    pub(crate) fn cached(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Option<Arc<DecodingKey>>, IdTokenError> {
        let (keys, loaded) = self.snapshot();
        if !loaded {
            return Ok(None);
        }
        select(&keys, kid, alg)
    }

    /// The key for a token header: by `kid`, or the only compatible key when the token has no
    /// `kid` (allowed by OIDC Core 10.1 when the set has a single key).
    pub(crate) async fn key_for(
        &self,
        client: &Client,
        kid: Option<&str>,
        alg: Algorithm,
        now: i64,
    ) -> Result<Arc<DecodingKey>, IdTokenError> {
        if let Some(k) = self.cached(kid, alg)? {
            return Ok(k);
        }
        // Unknown key (or nothing loaded yet): fetch, single flight.
        let mut last = self.fetch.lock().await;
        // Someone else may have fetched while we waited for the lock.
        let (keys, loaded) = self.snapshot();
        if loaded {
            if let Some(k) = select(&keys, kid, alg)? {
                return Ok(k);
            }
        }
        let first_load = !loaded && last.is_none();
        if !first_load {
            if let Some(t) = *last {
                if now - t < REFETCH_INTERVAL_SECS {
                    // Fail closed without calling the provider: a stream of tokens with made-up
                    // kids must not turn into a stream of JWKS requests.
                    return Err(unknown(kid, loaded));
                }
            }
            *last = Some(now);
        }
        match fetch(client, &self.url).await {
            Ok(new_keys) => {
                let new_keys = Arc::new(new_keys);
                {
                    let mut s = self.state.write().unwrap_or_else(|e| e.into_inner());
                    s.keys = new_keys.clone();
                    s.loaded = true;
                }
                let found = select(&new_keys, kid, alg)?;
                if found.is_none() {
                    // Whatever the first load was, a kid it lacks starts the rate limit.
                    *last = Some(now);
                }
                found.ok_or_else(|| unknown(kid, true))
            }
            Err(e) => {
                // Keep whatever keys we had: tokens signed by them keep verifying.
                *last = Some(now);
                tracing::warn!(error = %e, "JWKS fetch failed; keeping the cached keys");
                Err(IdTokenError::JwksUnavailable(e.to_string()))
            }
        }
    }
}

pub(super) fn unknown(kid: Option<&str>, loaded: bool) -> IdTokenError {
    if !loaded {
        return IdTokenError::JwksUnavailable(
            "no keys loaded yet and the last attempt was less than 10 s ago".into(),
        );
    }
    IdTokenError::UnknownKey {
        kid: kid.map(http::sanitize),
    }
}

fn expected_kty(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES256 => "EC",
        _ => "RSA",
    }
}

fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::ES256 => "ES256",
        _ => "RS256",
    }
}

/// Ok(None): no key with this kid (may be fixed by a re-fetch). Err: a key with this kid exists
/// but may not verify this token (a re-fetch would not change that).
fn select(
    keys: &[Key],
    kid: Option<&str>,
    alg: Algorithm,
) -> Result<Option<Arc<DecodingKey>>, IdTokenError> {
    let key = match kid {
        Some(kid) => match keys.iter().find(|k| k.kid.as_deref() == Some(kid)) {
            Some(k) => k,
            None => return Ok(None),
        },
        None => {
            let mut usable = keys.iter().filter(|k| {
                k.kty == expected_kty(alg) && k.use_.as_deref().is_none_or(|u| u == "sig")
            });
            match (usable.next(), usable.next()) {
                (Some(only), None) => only,
                (None, _) => return Ok(None),
                (Some(_), Some(_)) => return Err(IdTokenError::MissingKid),
            }
        }
    };
    let name = alg_name(alg);
    if key.kty != expected_kty(alg) {
        return Err(IdTokenError::KeyMismatch(format!(
            "the JWK has kty {} but the token says {name}",
            http::sanitize(&key.kty)
        )));
    }
    if let Some(u) = key.use_.as_deref().filter(|u| *u != "sig") {
        return Err(IdTokenError::KeyMismatch(format!(
            "the JWK is for use {:?}, not signatures",
            http::sanitize(u)
        )));
    }
    if let Some(a) = key.alg.as_deref().filter(|a| *a != name) {
        return Err(IdTokenError::KeyMismatch(format!(
            "the JWK is for alg {} but the token says {name}",
            http::sanitize(a)
        )));
    }
    key.decoding
        .clone()
        .map(Some)
        .ok_or_else(|| IdTokenError::KeyMismatch("the JWK's key material is invalid".into()))
}

/// Parses keys one by one so that one exotic key (an encryption key, an unknown kty) does not
/// make the whole set unreadable.
async fn fetch(client: &Client, url: &Url) -> Result<Vec<Key>, super::ProviderError> {
    let doc = http::get_json(client, "JWKS", url).await?;
    let Some(Value::Array(list)) = doc.get("keys") else {
        return Err(http::http_error(
            "JWKS",
            url,
            "the document has no `keys` array".into(),
        ));
    };
    Ok(list.iter().filter_map(parse_key).collect())
}

fn parse_key(v: &Value) -> Option<Key> {
    let s = |name: &str| v.get(name).and_then(Value::as_str).map(str::to_owned);
    let kty = s("kty")?;
    let decoding = match kty.as_str() {
        "RSA" => DecodingKey::from_rsa_components(&s("n")?, &s("e")?).ok(),
        "EC" if s("crv").as_deref() == Some("P-256") => {
            DecodingKey::from_ec_components(&s("x")?, &s("y")?).ok()
        }
        _ => None,
    }
    .map(Arc::new);
    Some(Key {
        kid: s("kid"),
        kty,
        use_: s("use"),
        alg: s("alg"),
        decoding,
    })
}
