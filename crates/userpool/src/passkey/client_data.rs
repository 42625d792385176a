//! The client data (`clientDataJSON`, §5.8.1): what the browser says it was asked, and by which
//! page. Its SHA-256 is what the authenticator signs, so it is kept as sent.

use serde::Deserialize;
use sha2::{Digest, Sha256};
use url::{Host, Url};

use super::{json::b64url_decode, same_bytes, PasskeyError};

/// The parsed client data and its hash.
#[derive(Debug, Clone)]
pub(crate) struct ClientData {
    /// `webauthn.create` or `webauthn.get`.
    pub kind: String,
    /// The challenge, base64url as the browser echoes it.
    pub challenge: String,
    /// The calling page's origin.
    pub origin: String,
    /// The call came from a cross-origin iframe.
    pub cross_origin: bool,
    /// SHA-256 of the JSON as sent.
    pub hash: [u8; 32],
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(default)]
    cross_origin: Option<bool>,
}

impl ClientData {
    /// Parses `clientDataJSON` (the decoded bytes).
    pub(crate) fn parse(json: &[u8]) -> Result<ClientData, PasskeyError> {
        let wire: Wire = serde_json::from_slice(json)
            .map_err(|_| PasskeyError::Malformed("clientDataJSON is not WebAuthn client data"))?;
        Ok(ClientData {
            kind: wire.kind,
            challenge: wire.challenge,
            origin: wire.origin,
            cross_origin: wire.cross_origin.unwrap_or(false),
            hash: Sha256::digest(json).into(),
        })
    }

    /// §7.1 steps 7–9, §7.2 steps 11–13: the ceremony's type, the challenge issued (raw
    /// bytes), and an origin of the relying party, not from a cross-origin frame.
    pub(crate) fn check(
        &self,
        kind: &'static str,
        challenge: &[u8],
        rp_id: &str,
    ) -> Result<(), PasskeyError> {
        if self.kind != kind {
            return Err(PasskeyError::WrongType(kind));
        }
        let sent = b64url_decode(&self.challenge)
            .map_err(|_| PasskeyError::Malformed("the client data's challenge is not base64url"))?;
        if !same_bytes(&sent, challenge) {
            return Err(PasskeyError::ChallengeMismatch);
        }
        if self.cross_origin || !origin_allowed(rp_id, &self.origin) {
            return Err(PasskeyError::OriginNotAllowed);
        }
        Ok(())
    }
}

/// Whether a page of `origin` may use credentials of the RP ID `rp_id`: `https://` on the RP ID
/// or a subdomain of it (any port), as browsers allow (§5.1.3, "is a registrable domain suffix
/// of or is equal to"); for the RP ID `localhost`, `http://localhost` too (a secure context).
pub(crate) fn origin_allowed(rp_id: &str, origin: &str) -> bool {
    let Ok(url) = Url::parse(origin) else {
        return false;
    };
    // An origin is scheme, host and port only.
    if url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
        || origin.ends_with('/')
    {
        return false;
    }
    let Some(Host::Domain(host)) = url.host() else {
        return false;
    };
    let rp_id = rp_id.to_ascii_lowercase();
    let on_domain = host == rp_id
        || host
            .strip_suffix(rp_id.as_str())
            .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1);
    match url.scheme() {
        "https" => on_domain,
        "http" => rp_id == "localhost" && host == "localhost",
        _ => false,
    }
}
