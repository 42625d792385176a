//! Sign-out: the session ends here (a stored session's row is deleted), or the caller is told it
//! could not (the store is down), never both at once.

use http::header::HeaderMap;

use crate::cookies::{RequestCookies, SetCookies};
use crate::error::Error;
use crate::hooks::Event;
use crate::session::{SessionToken, StoreError};
use crate::{logsafe, Hallpass};

impl Hallpass {
    /// Signs the request's user out here: a stored session is deleted, the session cookie and its
    /// chunks are expired, and the `SignedOut` event fires. The provider's own session is left alone
    /// (the sign-out endpoint also ends that when federated sign-out is on).
    ///
    /// When the session store cannot delete the session (it is down), nothing is cleared: the
    /// cookie stays, as the session does (clearing it would leave a copy of the cookie working).
    /// Use [`Hallpass::try_sign_out`] to tell the user.
    pub async fn sign_out(&self, headers: &HeaderMap) -> SetCookies {
        match self.end_session(headers).await {
            Ok((_, cookies)) => cookies,
            Err(e) => {
                tracing::warn!("sign-out failed, the session stays: {}", logsafe::clean(&e));
                SetCookies::new()
            }
        }
    }

    /// [`Hallpass::sign_out`], saying when it failed: `Err(Error::Store)` when the session store
    /// could not delete the session (the user is still signed in; answer 503 and keep the cookie).
    pub async fn try_sign_out(&self, headers: &HeaderMap) -> Result<SetCookies, Error> {
        self.end_session(headers).await.map(|(_, cookies)| cookies)
    }

    /// [`Hallpass::try_sign_out`], also returning the session that ended (for federated sign-out).
    pub(crate) async fn end_session(
        &self,
        headers: &HeaderMap,
    ) -> Result<(Option<SessionToken>, SetCookies), Error> {
        let rc = RequestCookies::new(headers);
        let raw = rc.get_chunked(&self.cookies().session_name);
        let token = match raw.as_deref() {
            // No refresh on the way out; the row goes below.
            Some(raw) if self.server().is_some() => {
                match self.load_stored(raw, self.now(), false).await {
                    Ok(l) => Some(l.token),
                    // The store cannot say whether the session lives, nor end it.
                    Err(e @ StoreError::Backend(_)) => return Err(e.into()),
                    Err(_) => None,
                }
            }
            Some(raw) => self
                .load_session(&[raw], self.now())
                .await
                .ok()
                .map(|s| s.token().clone()),
            None => None,
        };
        if let (Some(_), Some(raw)) = (self.server(), raw.as_deref()) {
            self.delete_stored(raw).await?;
        } else if let (Some(store), Some(raw)) = (self.store(), raw.as_deref()) {
            store.delete(raw).await?;
        }
        self.event(Event::SignedOut {
            token: token.as_ref(),
        })
        .await;
        crate::step!(self, "signed out");
        Ok((token, self.cookies().clear_session(&rc)))
    }
}
