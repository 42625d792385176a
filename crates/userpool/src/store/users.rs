//! Queries on users, their groups, and their confirmation and reset codes.

use std::collections::BTreeMap;

use sqlx::Row;

use super::database::{
    is_unique_violation, user_from_row, CodeProblem, Store, UserRow, GUESSES_PER_CODE,
};
use crate::error::Error;
use crate::user_password::PasswordRecord;

impl Store {
    // ---- users -------------------------------------------------------------------------

    /// Inserts a user with their password's hash and SRP verifier; `Err(UserExists)` when
    /// the email is taken (the UNIQUE constraint decides, so two concurrent sign-ups cannot
    /// both win).
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_user(
        &self,
        pool_id: &str,
        sub: &str,
        email: &str,
        password: &PasswordRecord,
        confirmed: bool,
        email_verified: bool,
        attributes: &BTreeMap<String, String>,
        now: i64,
    ) -> Result<(), Error> {
        let attrs =
            serde_json::to_string(attributes).map_err(|e| Error::Internal(e.to_string()))?;
        let res = sqlx::query(
            "INSERT INTO users (sub, pool_id, email, password_hash, srp_salt, srp_verifier,
                                confirmed, email_verified, attributes, created_at, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(sub)
        .bind(pool_id)
        .bind(email)
        .bind(&password.hash)
        .bind(&password.srp_salt)
        .bind(&password.srp_verifier)
        .bind(confirmed as i64)
        .bind(email_verified as i64)
        .bind(attrs)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await;
        match res {
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(Error::UserExists),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn user_by_email(
        &self,
        pool_id: &str,
        email: &str,
    ) -> Result<Option<UserRow>, Error> {
        let row = sqlx::query("SELECT * FROM users WHERE pool_id = ? AND email = ?")
            .bind(pool_id)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn user_by_sub(&self, pool_id: &str, sub: &str) -> Result<Option<UserRow>, Error> {
        let row = sqlx::query("SELECT * FROM users WHERE pool_id = ? AND sub = ?")
            .bind(pool_id)
            .bind(sub)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(user_from_row).transpose()?)
    }

    pub async fn users(&self, pool_id: &str) -> Result<Vec<UserRow>, Error> {
        let rows = sqlx::query("SELECT * FROM users WHERE pool_id = ? ORDER BY email")
            .bind(pool_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(user_from_row).collect::<Result<_, _>>()?)
    }

    /// Reserves one password attempt before the password is checked, in one statement, so that
    /// parallel attempts cannot all pass a lock that was read before any of them was counted.
    /// The attempt is counted as a failure in advance (a success resets the count); the attempt
    /// that reaches `lock_after` locks the user until `lock_until`. Returns the attempt's number,
    /// or `None` when the user is locked at `now` (nothing is counted then).
    pub async fn reserve_password_attempt(
        &self,
        sub: &str,
        now: i64,
        lock_after: i64,
        lock_until: i64,
    ) -> Result<Option<i64>, Error> {
        let row = sqlx::query(
            "UPDATE users SET failed_attempts = failed_attempts + 1,
                    locked_until = CASE WHEN failed_attempts + 1 >= ? THEN ? ELSE locked_until END
             WHERE sub = ? AND locked_until <= ? RETURNING failed_attempts",
        )
        .bind(lock_after)
        .bind(lock_until)
        .bind(sub)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    pub async fn reset_failed_passwords(&self, sub: &str) -> Result<(), Error> {
        sqlx::query("UPDATE users SET failed_attempts = 0, locked_until = 0 WHERE sub = ?")
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn confirm_user(&self, sub: &str, now: i64) -> Result<(), Error> {
        sqlx::query(
            "UPDATE users SET confirmed = 1, email_verified = 1, updated_at = ? WHERE sub = ?",
        )
        .bind(now)
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Sets a new (permanent) password, hash and SRP verifier together, and unlocks the user.
    pub async fn set_password(
        &self,
        sub: &str,
        record: &PasswordRecord,
        now: i64,
    ) -> Result<(), Error> {
        sqlx::query(
            "UPDATE users SET password_hash = ?, srp_salt = ?, srp_verifier = ?,
                    password_temporary = 0, failed_attempts = 0, locked_until = 0, updated_at = ?
             WHERE sub = ?",
        )
        .bind(&record.hash)
        .bind(&record.srp_salt)
        .bind(&record.srp_verifier)
        .bind(now)
        .bind(sub)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks the password as temporary (or not): a temporary one must be changed at the next
    /// sign-in (Cognito's `FORCE_CHANGE_PASSWORD`).
    pub async fn set_password_temporary(&self, sub: &str, temporary: bool) -> Result<(), Error> {
        sqlx::query("UPDATE users SET password_temporary = ? WHERE sub = ?")
            .bind(temporary as i64)
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ---- groups ------------------------------------------------------------------------

    pub async fn ensure_group(&self, pool_id: &str, name: &str, now: i64) -> Result<(), Error> {
        sqlx::query("INSERT OR IGNORE INTO groups (pool_id, name, created_at) VALUES (?, ?, ?)")
            .bind(pool_id)
            .bind(name)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn add_to_group(
        &self,
        pool_id: &str,
        sub: &str,
        group: &str,
        now: i64,
    ) -> Result<(), Error> {
        self.ensure_group(pool_id, group, now).await?;
        sqlx::query(
            "INSERT OR IGNORE INTO user_groups (pool_id, sub, group_name) VALUES (?, ?, ?)",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(group)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn groups_of(&self, sub: &str) -> Result<Vec<String>, Error> {
        let rows =
            sqlx::query("SELECT group_name FROM user_groups WHERE sub = ? ORDER BY group_name")
                .bind(sub)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    pub async fn groups(&self, pool_id: &str) -> Result<Vec<String>, Error> {
        let rows = sqlx::query("SELECT name FROM groups WHERE pool_id = ? ORDER BY name")
            .bind(pool_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| r.try_get(0))
            .collect::<Result<_, _>>()?)
    }

    // ---- confirmation and reset codes --------------------------------------------------

    /// Stores a new code; older unused codes of the same purpose stop working.
    #[allow(clippy::too_many_arguments)]
    pub async fn insert_user_code(
        &self,
        pool_id: &str,
        sub: &str,
        email: &str,
        purpose: &str,
        code: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE user_codes SET used = 1 WHERE sub = ? AND purpose = ? AND used = 0")
            .bind(sub)
            .bind(purpose)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO user_codes (pool_id, sub, email, purpose, code, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(pool_id)
        .bind(sub)
        .bind(email)
        .bind(purpose)
        .bind(code)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Checks and consumes a code. `Ok(Err(problem))` is a user-facing refusal.
    ///
    /// The guess is counted before it is compared, in the one statement that reads the code
    /// (as `reserve_password_attempt` does for passwords), so parallel guesses cannot all be
    /// compared against a count read before any of them was made: a code is compared at most
    /// `max_guesses` times, right or wrong, and then refuses every guess, the right one too.
    pub async fn use_user_code(
        &self,
        sub: &str,
        purpose: &str,
        code: &str,
        now: i64,
    ) -> Result<Result<(), CodeProblem>, Error> {
        let max_guesses = GUESSES_PER_CODE;
        let reserved = sqlx::query(
            "UPDATE user_codes SET failed = failed + 1
             WHERE id = (SELECT id FROM user_codes WHERE sub = ? AND purpose = ? AND used = 0
                         ORDER BY id DESC LIMIT 1)
               AND failed < ? AND expires_at > ?
             RETURNING id, code",
        )
        .bind(sub)
        .bind(purpose)
        .bind(max_guesses)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = reserved else {
            return self.why_no_code(sub, purpose, now, max_guesses).await;
        };
        let id: i64 = row.try_get("id")?;
        let stored: String = row.try_get("code")?;
        let matches: bool =
            subtle::ConstantTimeEq::ct_eq(stored.as_bytes(), code.as_bytes()).into();
        if !matches {
            return Ok(Err(CodeProblem::Mismatch));
        }
        let done = sqlx::query("UPDATE user_codes SET used = 1 WHERE id = ? AND used = 0")
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            Ok(Ok(()))
        } else {
            Ok(Err(CodeProblem::Expired))
        }
    }

    /// Why no guess could be reserved: no live code (never sent, used, expired), or its
    /// guesses are used up.
    async fn why_no_code(
        &self,
        sub: &str,
        purpose: &str,
        now: i64,
        max_guesses: i64,
    ) -> Result<Result<(), CodeProblem>, Error> {
        let row = sqlx::query(
            "SELECT expires_at, failed FROM user_codes
             WHERE sub = ? AND purpose = ? AND used = 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(sub)
        .bind(purpose)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(Err(CodeProblem::Expired));
        };
        let expires_at: i64 = row.try_get("expires_at")?;
        let failed: i64 = row.try_get("failed")?;
        if expires_at > now && failed >= max_guesses {
            Ok(Err(CodeProblem::TooManyGuesses))
        } else {
            Ok(Err(CodeProblem::Expired))
        }
    }

    /// Retires every unused code of a user (confirmation and reset alike): after a reset, no
    /// code sent before it (to whoever asked) works any more.
    pub async fn retire_user_codes(&self, sub: &str) -> Result<(), Error> {
        sqlx::query("UPDATE user_codes SET used = 1 WHERE sub = ? AND used = 0")
            .bind(sub)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The newest code sent to an email, in any pool.
    pub async fn latest_user_code(&self, email: &str) -> Result<Option<String>, Error> {
        let row =
            sqlx::query("SELECT code FROM user_codes WHERE email = ? ORDER BY id DESC LIMIT 1")
                .bind(email)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}
