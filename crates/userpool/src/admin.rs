//! The admin operations: create users, manage groups, rotate keys, list everything.

use std::collections::BTreeMap;

use crate::config;
use crate::error::Error;
use crate::keys;
use crate::pool::UserPool;

/// A new user for [`UserPool::add_user`].
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Email, the sign-in name.
    pub email: String,
    /// Password; checked against the pool's policy.
    pub password: String,
    /// Attributes such as `name` or `custom:tenant`.
    pub attributes: BTreeMap<String, String>,
    /// Whether the user may sign in without entering a code first.
    pub confirmed: bool,
}

/// A user as listed by [`UserPool::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSummary {
    /// The user's `sub` (also their `cognito:username`).
    pub sub: String,
    /// Email.
    pub email: String,
    /// Whether the sign-up is confirmed.
    pub confirmed: bool,
    /// Groups the user is in.
    pub groups: Vec<String>,
    /// Attributes.
    pub attributes: BTreeMap<String, String>,
}

/// A pool as listed by [`UserPool::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolSummary {
    /// Pool id.
    pub id: String,
    /// App client ids.
    pub clients: Vec<String>,
    /// Groups.
    pub groups: Vec<String>,
    /// Users.
    pub users: Vec<UserSummary>,
    /// Kids of the keys in the JWKS (current and not yet expired).
    pub kids: Vec<String>,
}

impl UserPool {
    /// The newest confirmation or password-reset code sent to this email (for tests).
    pub async fn latest_code(&self, email: &str) -> Option<String> {
        self.store().latest_user_code(email).await.ok().flatten()
    }

    /// Creates a user (admin: no code is sent). Returns the new user's `sub`.
    pub async fn add_user(&self, pool_id: &str, user: NewUser) -> Result<String, Error> {
        let pool = self.pool_config(pool_id)?;
        if !config::valid_email(&user.email) {
            return Err(Error::InvalidParameter(format!(
                "{:?} is not an email address",
                user.email
            )));
        }
        pool.password_policy
            .check(&user.password)
            .map_err(Error::InvalidParameter)?;
        let sub = uuid::Uuid::new_v4().to_string();
        let record = self.password_record(pool_id, &sub, &user.password).await?;
        self.store()
            .insert_user(
                pool_id,
                &sub,
                &user.email,
                &record,
                user.confirmed,
                user.confirmed,
                &user.attributes,
                self.now(),
            )
            .await?;
        Ok(sub)
    }

    /// Adds a user (by email) to a group, creating the group if needed.
    pub async fn add_to_group(&self, pool_id: &str, email: &str, group: &str) -> Result<(), Error> {
        self.pool_config(pool_id)?;
        let user = self
            .store()
            .user_by_email(pool_id, email)
            .await?
            .ok_or(Error::NoSuchUser)?;
        self.store()
            .add_to_group(pool_id, &user.sub, group, self.now())
            .await
    }

    /// Makes new ID and access keys for the pool (or every pool). Old public keys stay in
    /// the JWKS until tokens they signed have expired.
    pub async fn rotate_keys(&self, pool_id: Option<&str>) -> Result<(), Error> {
        let ids: Vec<String> = match pool_id {
            Some(id) => vec![self.pool_config(id)?.id.clone()],
            None => self.all_pools().iter().map(|p| p.id.clone()).collect(),
        };
        for id in ids {
            let now = self.now();
            let new = keys::generate_pair(now).await?;
            self.store().replace_keys(&id, &new, now).await?;
            tracing::info!(pool = %id, "signing keys rotated");
        }
        Ok(())
    }

    /// Pools, clients, groups, users and published key ids.
    pub async fn list(&self) -> Result<Vec<PoolSummary>, Error> {
        let mut out = vec![];
        for p in self.all_pools() {
            let mut users = vec![];
            for u in self.store().users(&p.id).await? {
                users.push(UserSummary {
                    groups: self.store().groups_of(&u.sub).await?,
                    sub: u.sub,
                    email: u.email,
                    confirmed: u.confirmed,
                    attributes: u.attributes,
                });
            }
            let kids = self
                .published_keys(p)
                .await?
                .into_iter()
                .map(|(_, k)| k.kid.clone())
                .collect();
            out.push(PoolSummary {
                id: p.id.clone(),
                clients: p.clients.iter().map(|c| c.id.clone()).collect(),
                groups: self.store().groups(&p.id).await?,
                users,
                kids,
            });
        }
        Ok(out)
    }
}
