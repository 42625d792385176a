//! Serving the pool over HTTP: the router of every endpoint, the listener task, the purger.

use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use crate::error::Error;
use crate::pool::UserPool;
use crate::{api, guard, hosted_ui, oauth2, outbox_page};

impl UserPool {
    /// The HTTP routes: discovery, JWKS, `/oauth2/*`, `/logout`, the hosted-UI pages and
    /// Cognito's JSON API at `POST /`.
    /// Mount it at the root of the host named by the public URL (or nest it under its path):
    /// a request for another host than the public URL's, `localhost` or a loopback address is
    /// refused (421).
    pub fn router(&self) -> axum::Router {
        let routes = oauth2::router(self.clone())
            .merge(hosted_ui::router(self.clone()))
            .merge(crate::oauth2::federation::router(self.clone()))
            .merge(api::router(self.clone()))
            .merge(outbox_page::router(self.clone()));
        guard::wrap(self.clone(), routes)
    }

    /// Serves on `listener` in a spawned task. Without an explicit public URL, the issuer
    /// becomes `http://localhost:{listener's port}/{pool_id}`.
    pub async fn serve(self, listener: tokio::net::TcpListener) -> Result<RunningUserPool, Error> {
        let addr = listener.local_addr()?;
        self.default_public_url(addr.port())?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let app = self.router();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "user pool server failed");
            }
        });
        // Expired codes and sessions go away now and then; nothing depends on it being prompt.
        let purger = {
            let pool = self.clone();
            tokio::spawn(async move {
                loop {
                    if let Err(e) = pool.store().purge_expired(pool.now()).await {
                        tracing::warn!(error = %e, "purging expired rows failed");
                    }
                    tokio::time::sleep(Duration::from_secs(600)).await;
                }
            })
        };
        Ok(RunningUserPool {
            addr,
            pool: self,
            shutdown: Some(tx),
            task,
            purger,
        })
    }
}

/// A pool serving HTTP in a background task.
#[derive(Debug)]
pub struct RunningUserPool {
    addr: SocketAddr,
    pool: UserPool,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
    purger: tokio::task::JoinHandle<()>,
}

impl RunningUserPool {
    /// The address the listener is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The hosted-UI base URL, e.g. `http://localhost:9229/`.
    pub fn base_url(&self) -> Url {
        self.pool.public_url().expect("set by serve")
    }

    /// The issuer of a pool, e.g. `http://localhost:9229/us-east-1_HallpassDemo`.
    pub fn issuer(&self, pool_id: &str) -> Url {
        self.pool.issuer(pool_id).expect("valid issuer URL")
    }

    /// The pool (a handle sharing its state: admin methods, `latest_code`, ...).
    pub fn pool(&self) -> &UserPool {
        &self.pool
    }

    /// Stops accepting connections, finishes open requests, and closes the database.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.purger.abort();
        let _ = (&mut self.task).await;
        self.pool.close().await;
    }
}
