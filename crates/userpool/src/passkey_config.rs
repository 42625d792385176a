//! A pool's `WebAuthnConfiguration` (set by `SetUserPoolMfaConfig`, shown by it and by
//! `GetUserPoolMfaConfig`): the relying party its passkeys are scoped to and whether they must
//! verify the user. Stored with the pool's other documents (`pool_documents`); read by the JSON
//! API and the hosted UI alike.

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::passkey::RelyingParty;
use crate::pool::UserPool;

/// The document's kind in `pool_documents` (one per pool, key "").
const KIND: &str = "webauthn_configuration";

/// `WebAuthnConfigurationType`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct WebAuthnConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relying_party_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_verification: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factor_configuration: Option<String>,
}

/// Whether `id` can be an RP ID: a host name (`localhost`, `example.com`, `auth.example.com`),
/// without scheme, port or path, and not an IP address.
fn valid_rp_id(id: &str) -> bool {
    let labels_ok = id.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let numeric = id.parse::<std::net::Ipv4Addr>().is_ok();
    labels_ok && !numeric && id.len() <= 127
}

/// The configuration as stored, if `SetUserPoolMfaConfig` set one.
pub(crate) async fn stored(
    pool: &UserPool,
    pool_id: &str,
) -> Result<Option<WebAuthnConfiguration>, Error> {
    let Some(doc) = pool.store().document(pool_id, KIND, "").await? else {
        return Ok(None);
    };
    Ok(serde_json::from_value(doc.body).ok())
}

/// What `Get`/`SetUserPoolMfaConfig` show: the stored configuration, with Cognito's default
/// `UserVerification` (`preferred`).
pub(crate) async fn shown(pool: &UserPool, pool_id: &str) -> Result<WebAuthnConfiguration, Error> {
    let mut config = stored(pool, pool_id).await?.unwrap_or_default();
    config
        .user_verification
        .get_or_insert_with(|| "preferred".to_string());
    Ok(config)
}

/// `SetUserPoolMfaConfig`'s `WebAuthnConfiguration`: checked, then it replaces the stored one.
pub(crate) async fn save(
    pool: &UserPool,
    pool_id: &str,
    mut given: WebAuthnConfiguration,
) -> Result<(), Error> {
    if let Some(id) = &given.relying_party_id {
        let id = id.to_ascii_lowercase();
        if !valid_rp_id(&id) {
            return Err(Error::InvalidParameter(
                "WebAuthnConfiguration.RelyingPartyId must be a domain name, such as example.com \
                 or localhost: no scheme, port or path."
                    .to_string(),
            ));
        }
        given.relying_party_id = Some(id);
    }
    // The model's enums are checked before (model::validate); only the defaults are filled.
    let body = serde_json::to_value(&given).map_err(|e| Error::Internal(e.to_string()))?;
    pool.store()
        .put_document(pool_id, KIND, "", &body, pool.now())
        .await?;
    Ok(())
}

/// The pool's relying party, when passkeys are configured (a `RelyingPartyId` is set).
pub(crate) async fn relying_party(
    pool: &UserPool,
    pool_id: &str,
) -> Result<Option<RelyingParty>, Error> {
    Ok(stored(pool, pool_id).await?.and_then(|c| {
        Some(RelyingParty {
            id: c.relying_party_id?,
            user_verification_required: c.user_verification.as_deref() == Some("required"),
        })
    }))
}

impl UserPool {
    /// Turns passkeys on for `pool_id` with `relying_party_id` (the site's domain, such as
    /// `example.com` or `localhost`), users verified where the authenticator can: what
    /// `SetUserPoolMfaConfig`'s `WebAuthnConfiguration` sets, for an app embedding the pool.
    pub async fn set_passkeys(&self, pool_id: &str, relying_party_id: &str) -> Result<(), Error> {
        let config = WebAuthnConfiguration {
            relying_party_id: Some(relying_party_id.to_string()),
            user_verification: Some("preferred".to_string()),
            factor_configuration: None,
        };
        save(self, pool_id, config).await
    }
}
