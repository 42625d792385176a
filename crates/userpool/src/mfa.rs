//! The pool's MFA rules, shared by the JSON API and the hosted UI: the pool's setting,
//! whether a user must give a TOTP code, and checking one (never the same step twice).

use crate::config::{MfaSetting, PoolConfig};
use crate::error::Error;
use crate::pool::UserPool;
use crate::store::UserRow;
use crate::totp::TotpSecret;

impl UserPool {
    /// Sets pool `pool_id`'s MFA as `SetUserPoolMfaConfig` does, so that a setting given at start
    /// (`USERPOOL_MFA`) wins over one a database kept from an earlier run.
    pub async fn set_mfa(&self, pool_id: &str, mfa: MfaSetting) -> Result<(), Error> {
        self.store().set_pool_mfa(pool_id, mfa.cognito_name()).await
    }

    /// The pool's MFA setting: as last set by `SetUserPoolMfaConfig`, else the seed's.
    pub(crate) async fn mfa_setting(&self, pc: &PoolConfig) -> Result<MfaSetting, Error> {
        let stored = self.store().pool_mfa(&pc.id).await?;
        Ok(stored
            .as_deref()
            .and_then(MfaSetting::from_cognito_name)
            .unwrap_or(pc.mfa))
    }

    /// Whether this user must give a TOTP code after the password.
    pub(crate) async fn totp_required(
        &self,
        pc: &PoolConfig,
        user: &UserRow,
    ) -> Result<bool, Error> {
        let has_totp = user.totp_enabled && user.totp_secret.is_some();
        Ok(has_totp && self.mfa_setting(pc).await? != MfaSetting::Off)
    }

    /// The step of a current code of `secret` after step `last`, if `code` is one.
    pub(crate) fn totp_step(
        &self,
        secret: &TotpSecret,
        code: &str,
        last: Option<i64>,
    ) -> Option<u64> {
        let now = u64::try_from(self.now()).unwrap_or(0);
        secret.verify(code, now, last.and_then(|s| u64::try_from(s).ok()))
    }

    /// Checks and uses a code of the user's TOTP secret: true once per step.
    pub(crate) async fn use_totp_code(&self, user: &UserRow, code: &str) -> Result<bool, Error> {
        let Some(secret) = user
            .totp_secret
            .as_deref()
            .and_then(|s| TotpSecret::from_base32(s).ok())
        else {
            return Ok(false);
        };
        let Some(step) = self.totp_step(&secret, code, user.totp_last_step) else {
            return Ok(false);
        };
        // Recorded only if no answer with this step (or a later one) got there first.
        self.store().use_totp_step(&user.sub, step).await
    }
}
