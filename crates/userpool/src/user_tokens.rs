//! Issuing a user's tokens: the one place every front door (the hosted UI's implicit flow,
//! the token endpoint's grants) turns an authenticated user into signed tokens.

use serde_json::{json, Value};

use crate::config::PoolConfig;
use crate::error::Error;
use crate::keys::Purpose;
use crate::pool::UserPool;
use crate::store::{SignInRow, UserRow};
use crate::tokens::{self, Issue};
use crate::triggers::{self, TokenSource};

/// What to issue, for whom.
pub(crate) struct TokenRequest<'a> {
    /// The user's pool.
    pub pool: &'a PoolConfig,
    /// The app client the tokens are for (the ID token's `aud`).
    pub client_id: &'a str,
    /// The authenticated user.
    pub user: &'a UserRow,
    /// Granted scopes; `openid` adds an ID token.
    pub scopes: &'a [&'a str],
    /// When the user authenticated (carried unchanged through refreshes).
    pub auth_time: i64,
    /// The client's `nonce`, put into the ID token when present.
    pub nonce: Option<&'a str>,
    /// The sign-in being refreshed; `None` starts a new sign-in.
    pub origin: Option<&'a SignInRow>,
    /// Whether to issue a (new) refresh token.
    pub with_refresh: bool,
    /// The step issuing them (pre token generation's `triggerSource`).
    pub source: TokenSource,
}

/// Tokens issued to a user.
pub(crate) struct UserTokens {
    pub access_token: String,
    pub id_token: Option<String>,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    /// The sign-in the tokens belong to: revoking it ends them all.
    pub origin_jti: String,
}

impl UserPool {
    /// Signs an access token and (with `openid`) an ID token. A new sign-in (`origin`: None)
    /// is recorded first, so that revoking it ends all its tokens; a refresh token is issued
    /// when `with_refresh`.
    pub(crate) async fn issue_user_tokens(
        &self,
        req: TokenRequest<'_>,
    ) -> Result<UserTokens, Error> {
        let now = self.now();
        let pc = req.pool;
        let t = pc.token_validity;
        let issuer = format!("{}/{}", self.base(), pc.id);
        let groups = self.store().groups_of(&req.user.sub).await?;
        let custom = triggers::pre_token_generation(
            self,
            pc,
            req.source,
            req.client_id,
            req.user,
            &groups,
            req.scopes,
        )
        .await?;
        let groups = custom.groups.clone().unwrap_or(groups);
        let (origin_jti, event_id) = match req.origin {
            Some(o) => (o.origin_jti.clone(), o.event_id.clone()),
            None => self.record_sign_in(&req, now).await?,
        };
        let issue = Issue {
            issuer: &issuer,
            client_id: req.client_id,
            scopes: req.scopes,
            groups: &groups,
            origin_jti: &origin_jti,
            event_id: &event_id,
            auth_time: req.auth_time,
            now,
            nonce: req.nonce,
        };
        let access_life = 60 * i64::from(t.access_token_minutes);
        let access_key = self.signing_key(pc, Purpose::Access).await?;
        let mut access_claims = tokens::access_claims(&issue, req.user, access_life);
        custom.apply_access(&mut access_claims);
        let access_token = tokens::sign(&access_key, &access_claims)?;
        let id_token = if req.scopes.contains(&"openid") {
            let id_key = self.signing_key(pc, Purpose::Id).await?;
            let id_life = 60 * i64::from(t.id_token_minutes);
            let mut claims = tokens::id_claims(&issue, req.user, &access_token, id_life);
            if let Some(ids) = self.identities_claim(&pc.id, req.user).await? {
                claims.insert("identities".into(), ids);
            }
            custom.apply_id(&mut claims);
            Some(tokens::sign(&id_key, &claims)?)
        } else {
            None
        };
        let refresh_token = if req.with_refresh {
            Some(self.new_refresh_token(pc, &origin_jti, now).await?)
        } else {
            None
        };
        Ok(UserTokens {
            access_token,
            id_token,
            refresh_token,
            expires_in: access_life,
            origin_jti,
        })
    }

    /// The ID token's `identities`: the user's identities at identity providers, in Cognito's
    /// shape (`primary` and `dateCreated`, in milliseconds, are strings; `issuer` is null).
    async fn identities_claim(
        &self,
        pool_id: &str,
        user: &UserRow,
    ) -> Result<Option<Value>, Error> {
        let ids = self.store().identities_of(&user.sub).await?;
        if ids.is_empty() {
            return Ok(None);
        }
        let mut out = vec![];
        for i in ids.iter().filter(|i| !i.disabled) {
            let provider_type = match self.store().provider(pool_id, &i.provider_name).await? {
                Some(p) => p.provider_type,
                None => "OIDC".to_string(),
            };
            out.push(json!({
                "userId": i.provider_user_id,
                "providerName": i.provider_name,
                "providerType": provider_type,
                "issuer": null,
                "primary": (!i.linked).to_string(),
                "dateCreated": (i.created_at * 1000).to_string(),
            }));
        }
        Ok((!out.is_empty()).then_some(Value::Array(out)))
    }

    /// Records a new sign-in; returns its `(origin_jti, event_id)`.
    async fn record_sign_in(
        &self,
        req: &TokenRequest<'_>,
        now: i64,
    ) -> Result<(String, String), Error> {
        let o = SignInRow {
            origin_jti: uuid::Uuid::new_v4().to_string(),
            pool_id: req.pool.id.clone(),
            client_id: req.client_id.to_string(),
            sub: req.user.sub.clone(),
            event_id: uuid::Uuid::new_v4().to_string(),
            auth_time: req.auth_time,
            scope: req.scopes.join(" "),
            revoked: false,
        };
        let expires = now + 60 * i64::from(req.pool.token_validity.refresh_token_minutes);
        self.store().insert_sign_in(&o, now, expires).await?;
        Ok((o.origin_jti, o.event_id))
    }

    /// A new refresh token of the sign-in; only its hash is stored.
    async fn new_refresh_token(
        &self,
        pc: &PoolConfig,
        origin_jti: &str,
        now: i64,
    ) -> Result<String, Error> {
        let rt = tokens::random_secret(64);
        let expires = now + 60 * i64::from(pc.token_validity.refresh_token_minutes);
        self.store()
            .insert_refresh(&tokens::hash_secret(&rt), origin_jti, now, expires)
            .await?;
        Ok(rt)
    }
}
