//! Queries on identity providers, federated identities (who a user is upstream) and the
//! federated sign-ins in flight.

use std::collections::BTreeMap;

use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use super::database::{is_unique_violation, Store, UserRow};
use crate::error::Error;

/// An identity provider as stored.
#[derive(Debug, Clone)]
pub(crate) struct ProviderRow {
    pub pool_id: String,
    pub name: String,
    pub provider_type: String,
    pub details: BTreeMap<String, String>,
    pub attribute_mapping: BTreeMap<String, String>,
    pub idp_identifiers: Vec<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One of a user's identities at a provider.
#[derive(Debug, Clone)]
pub(crate) struct IdentityRow {
    pub provider_name: String,
    pub provider_user_id: String,
    pub sub: String,
    pub linked: bool,
    pub disabled: bool,
    pub created_at: i64,
}

/// A federated sign-in in flight, as stored.
#[derive(Debug, Clone)]
pub(crate) struct FederationState {
    pub browser_hash: String,
    pub pool_id: String,
    pub provider_name: String,
    pub request: String,
    pub nonce: String,
    pub code_verifier: String,
}

impl UserRow {
    /// The username: a federated user's own, else the `sub`.
    pub(crate) fn username(&self) -> &str {
        self.username.as_deref().unwrap_or(&self.sub)
    }

    /// The e-mail address, if the user has one (a federated user's is an attribute).
    pub(crate) fn email_address(&self) -> Option<&str> {
        match self.username {
            None => Some(&self.email),
            Some(_) => self.attributes.get("email").map(String::as_str),
        }
    }
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::Internal(e.to_string()))
}

fn provider_from_row(r: &SqliteRow) -> Result<ProviderRow, sqlx::Error> {
    let parse = |col: &str| -> Result<String, sqlx::Error> { r.try_get(col) };
    Ok(ProviderRow {
        pool_id: r.try_get("pool_id")?,
        name: r.try_get("provider_name")?,
        provider_type: r.try_get("provider_type")?,
        details: serde_json::from_str(&parse("details")?).unwrap_or_default(),
        attribute_mapping: serde_json::from_str(&parse("attribute_mapping")?).unwrap_or_default(),
        idp_identifiers: serde_json::from_str(&parse("idp_identifiers")?).unwrap_or_default(),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn identity_from_row(r: &SqliteRow) -> Result<IdentityRow, sqlx::Error> {
    Ok(IdentityRow {
        provider_name: r.try_get("provider_name")?,
        provider_user_id: r.try_get("provider_user_id")?,
        sub: r.try_get("sub")?,
        linked: r.try_get::<i64, _>("linked")? != 0,
        disabled: r.try_get::<i64, _>("disabled")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    // ---- identity providers ------------------------------------------------------------

    /// Inserts a provider; `Ok(false)` when the pool has one of that name already.
    pub async fn insert_provider(&self, p: &ProviderRow) -> Result<bool, Error> {
        let res = sqlx::query(
            "INSERT INTO identity_providers (pool_id, provider_name, provider_type, details,
                 attribute_mapping, idp_identifiers, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&p.pool_id)
        .bind(&p.name)
        .bind(&p.provider_type)
        .bind(json(&p.details)?)
        .bind(json(&p.attribute_mapping)?)
        .bind(json(&p.idp_identifiers)?)
        .bind(p.created_at)
        .bind(p.updated_at)
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Replaces a provider's details, mapping and identifiers.
    pub async fn update_provider(&self, p: &ProviderRow) -> Result<(), Error> {
        sqlx::query(
            "UPDATE identity_providers SET details = ?, attribute_mapping = ?,
                    idp_identifiers = ?, updated_at = ?
             WHERE pool_id = ? AND provider_name = ?",
        )
        .bind(json(&p.details)?)
        .bind(json(&p.attribute_mapping)?)
        .bind(json(&p.idp_identifiers)?)
        .bind(p.updated_at)
        .bind(&p.pool_id)
        .bind(&p.name)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes a provider; whether there was one.
    pub async fn delete_provider(&self, pool_id: &str, name: &str) -> Result<bool, Error> {
        let done =
            sqlx::query("DELETE FROM identity_providers WHERE pool_id = ? AND provider_name = ?")
                .bind(pool_id)
                .bind(name)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn provider(&self, pool_id: &str, name: &str) -> Result<Option<ProviderRow>, Error> {
        let row =
            sqlx::query("SELECT * FROM identity_providers WHERE pool_id = ? AND provider_name = ?")
                .bind(pool_id)
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.as_ref().map(provider_from_row).transpose()?)
    }

    /// The pool's providers, by name.
    pub async fn providers(&self, pool_id: &str) -> Result<Vec<ProviderRow>, Error> {
        let rows = sqlx::query(
            "SELECT * FROM identity_providers WHERE pool_id = ? ORDER BY provider_name",
        )
        .bind(pool_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(provider_from_row)
            .collect::<Result<_, _>>()?)
    }

    // ---- federated identities ----------------------------------------------------------

    pub async fn identity(
        &self,
        pool_id: &str,
        provider: &str,
        provider_user_id: &str,
    ) -> Result<Option<IdentityRow>, Error> {
        let row = sqlx::query(
            "SELECT * FROM federated_identities
             WHERE pool_id = ? AND provider_name = ? AND provider_user_id = ?",
        )
        .bind(pool_id)
        .bind(provider)
        .bind(provider_user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.as_ref().map(identity_from_row).transpose()?)
    }

    /// The identities of a user, oldest first.
    pub async fn identities_of(&self, sub: &str) -> Result<Vec<IdentityRow>, Error> {
        let rows = sqlx::query(
            "SELECT * FROM federated_identities WHERE sub = ? ORDER BY created_at, provider_name",
        )
        .bind(sub)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(identity_from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Records an identity; `Ok(false)` when that provider's user is known already.
    pub async fn insert_identity(&self, pool_id: &str, i: &IdentityRow) -> Result<bool, Error> {
        let res = sqlx::query(
            "INSERT INTO federated_identities
                 (pool_id, provider_name, provider_user_id, sub, linked, disabled, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(pool_id)
        .bind(&i.provider_name)
        .bind(&i.provider_user_id)
        .bind(&i.sub)
        .bind(i.linked as i64)
        .bind(i.disabled as i64)
        .bind(i.created_at)
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes a linked identity, or marks a federated user's own as disabled.
    pub async fn disable_identity(
        &self,
        pool_id: &str,
        provider: &str,
        provider_user_id: &str,
    ) -> Result<(), Error> {
        let keys = "pool_id = ? AND provider_name = ? AND provider_user_id = ?";
        for sql in [
            format!("DELETE FROM federated_identities WHERE {keys} AND linked = 1"),
            format!("UPDATE federated_identities SET disabled = 1 WHERE {keys} AND linked = 0"),
        ] {
            sqlx::query(&sql)
                .bind(pool_id)
                .bind(provider)
                .bind(provider_user_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Inserts a federated user (no password, confirmed) and its own identity, together.
    pub async fn insert_federated_user(
        &self,
        pool_id: &str,
        user: &UserRow,
        identity: &IdentityRow,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO users (sub, pool_id, email, username, password_hash, confirmed,
                                email_verified, attributes, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?)",
        )
        .bind(&user.sub)
        .bind(pool_id)
        .bind(&user.email)
        .bind(&user.username)
        .bind(&user.password_hash)
        .bind(user.email_verified as i64)
        .bind(json(&user.attributes)?)
        .bind(user.created_at)
        .bind(user.updated_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO federated_identities
                 (pool_id, provider_name, provider_user_id, sub, linked, disabled, created_at)
             VALUES (?, ?, ?, ?, 0, 0, ?)",
        )
        .bind(pool_id)
        .bind(&identity.provider_name)
        .bind(&identity.provider_user_id)
        .bind(&identity.sub)
        .bind(identity.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Replaces a federated user's attributes (mapped again at each sign-in).
    pub async fn set_federated_attributes(
        &self,
        sub: &str,
        attributes: &BTreeMap<String, String>,
        now: i64,
    ) -> Result<(), Error> {
        let verified = attributes
            .get("email_verified")
            .is_some_and(|v| v == "true");
        sqlx::query(
            "UPDATE users SET attributes = ?, email_verified = ?, updated_at = ? WHERE sub = ?",
        )
        .bind(json(attributes)?)
        .bind(verified as i64)
        .bind(now)
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- sign-ins in flight ------------------------------------------------------------

    pub async fn insert_federation_state(
        &self,
        state_hash: &str,
        s: &FederationState,
        expires_at: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO federation_states (state_hash, browser_hash, pool_id, provider_name,
                 request, nonce, code_verifier, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(state_hash)
        .bind(&s.browser_hash)
        .bind(&s.pool_id)
        .bind(&s.provider_name)
        .bind(&s.request)
        .bind(&s.nonce)
        .bind(&s.code_verifier)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Takes (deletes and returns) a live state: a state is good for one callback only.
    pub async fn take_federation_state(
        &self,
        state_hash: &str,
        now: i64,
    ) -> Result<Option<FederationState>, Error> {
        let row = sqlx::query(
            "DELETE FROM federation_states WHERE state_hash = ? AND expires_at > ? RETURNING *",
        )
        .bind(state_hash)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(FederationState {
            browser_hash: r.try_get("browser_hash")?,
            pool_id: r.try_get("pool_id")?,
            provider_name: r.try_get("provider_name")?,
            request: r.try_get("request")?,
            nonce: r.try_get("nonce")?,
            code_verifier: r.try_get("code_verifier")?,
        }))
    }
}
