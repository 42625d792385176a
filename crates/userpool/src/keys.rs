//! RSA signing keys: generated once per pool and purpose, persisted, rotated, published as JWKS.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey, EncodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::store::KeyRow;

/// What a key signs. Cognito uses a separate key for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// ID tokens.
    Id,
    /// Access tokens.
    Access,
}

impl Purpose {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Purpose::Id => "id",
            Purpose::Access => "access",
        }
    }
}

/// A parsed key, ready to sign and verify.
pub(crate) struct LoadedKey {
    pub kid: String,
    pub encoding: EncodingKey,
    pub decoding: DecodingKey,
    /// Modulus and exponent, base64url, for the JWKS.
    pub n: String,
    pub e: String,
}

/// Parsed keys by kid: parsing DER on every request would be wasted work.
#[derive(Default)]
pub(crate) struct KeyCache {
    keys: Mutex<HashMap<String, Arc<LoadedKey>>>,
}

impl KeyCache {
    pub fn load(&self, row: &KeyRow) -> Result<Arc<LoadedKey>, Error> {
        if let Some(k) = self.keys.lock().expect("key cache poisoned").get(&row.kid) {
            return Ok(k.clone());
        }
        let private = RsaPrivateKey::from_pkcs1_der(&row.private_der)
            .map_err(|e| Error::Keys(format!("stored key {} is unreadable: {e}", row.kid)))?;
        let public = private.to_public_key();
        let public_der = public
            .to_pkcs1_der()
            .map_err(|e| Error::Keys(e.to_string()))?;
        let key = Arc::new(LoadedKey {
            kid: row.kid.clone(),
            encoding: EncodingKey::from_rsa_der(&row.private_der),
            decoding: DecodingKey::from_rsa_der(public_der.as_bytes()),
            n: URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        });
        self.keys
            .lock()
            .expect("key cache poisoned")
            .insert(row.kid.clone(), key.clone());
        Ok(key)
    }
}

/// Generates a 2048-bit key (slow: run it off the async threads).
pub(crate) fn generate(purpose: Purpose, now: i64) -> Result<KeyRow, Error> {
    let mut rng = rand::thread_rng();
    let private = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| Error::Keys(e.to_string()))?;
    let der = private
        .to_pkcs1_der()
        .map_err(|e| Error::Keys(e.to_string()))?;
    let public_der = private
        .to_public_key()
        .to_pkcs1_der()
        .map_err(|e| Error::Keys(e.to_string()))?;
    // Cognito's kids look like base64 with padding; a hash of the public key is stable and unique.
    let digest = Sha256::digest(public_der.as_bytes());
    Ok(KeyRow {
        kid: STANDARD.encode(&digest[..30]),
        purpose: purpose.as_str().to_string(),
        private_der: der.as_bytes().to_vec(),
        created_at: now,
        retired_at: None,
    })
}

/// Generates an ID key and an access key on a blocking thread.
pub(crate) async fn generate_pair(now: i64) -> Result<Vec<KeyRow>, Error> {
    tokio::task::spawn_blocking(move || {
        Ok(vec![
            generate(Purpose::Id, now)?,
            generate(Purpose::Access, now)?,
        ])
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
}

/// Whether a key is still published: current, or retired less than `max_lifetime_secs` ago
/// (tokens it signed may still be alive).
pub(crate) fn published(row: &KeyRow, now: i64, max_lifetime_secs: i64) -> bool {
    match row.retired_at {
        None => true,
        Some(t) => t + max_lifetime_secs > now,
    }
}

/// One JWK as Cognito publishes it.
pub(crate) fn jwk(key: &LoadedKey) -> Value {
    json!({ "alg": "RS256", "e": key.e, "kid": key.kid, "kty": "RSA", "n": key.n, "use": "sig" })
}
