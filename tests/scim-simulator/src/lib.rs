//! An in-memory SCIM 2.0 server (RFC 7643 / RFC 7644) on loopback: the demo target
//! application a provisioning host syncs people into, and a SCIM server tests can make
//! misbehave (rate limit, error statuses, bodies that are not JSON).
//!
//! Everything is served under `/scim/v2` ([`ScimServer::url`]): `/ServiceProviderConfig`,
//! `/ResourceTypes`, `/Schemas` and `/Users` (POST, GET, PUT, PATCH, DELETE, filtered and
//! paged listings). Deliberate choices where the RFCs leave room:
//! - unknown attributes (top-level or in the Enterprise extension) are ignored, not refused;
//! - faults are decided before authentication, and every request is journaled, even a 401;
//! - `?cursor` is ignored (index paging) unless [`ScimConfig::cursor`] is set;
//! - `attributes` / `excludedAttributes`, sorting, bulk and `/Groups` are not implemented.

mod clock;
mod faults;
mod filter;
mod listing;
mod patch;
mod routes;
mod schemas;
mod store;
mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use routes::{BASE_PATH, Shared, lock};

pub use wire::{ENTERPRISE_URN, ERROR_URN, LIST_URN, PATCH_URN, SCIM_JSON, USER_URN};

/// How to serve.
#[derive(Clone)]
pub struct ScimConfig {
    pub bind: SocketAddr,
    /// The bearer token every request must carry.
    pub token: String,
    /// Advertise and accept PATCH (else PATCH answers 501).
    pub patch: bool,
    /// Advertise ETags, send `ETag` and honour `If-Match` / `If-None-Match`.
    pub etag: bool,
    /// Advertise and serve RFC 9865 cursor paging.
    pub cursor: bool,
    /// `filter.maxResults`, and the cap on a page's `count`.
    pub max_results: u32,
}

impl Default for ScimConfig {
    fn default() -> Self {
        ScimConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: "demo-scim-token".into(),
            patch: true,
            etag: true,
            cursor: false,
            max_results: 1000,
        }
    }
}

impl std::fmt::Debug for ScimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimConfig")
            .field("bind", &self.bind)
            .field("token", &"<redacted>")
            .field("patch", &self.patch)
            .field("etag", &self.etag)
            .field("cursor", &self.cursor)
            .field("max_results", &self.max_results)
            .finish()
    }
}

/// A running server; [`ScimServer::shutdown`] stops it (dropping it stops it too).
pub struct ScimServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for ScimServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScimServer")
            .field("url", &self.shared.base)
            .field("config", &self.shared.cfg)
            .finish_non_exhaustive()
    }
}

impl ScimServer {
    /// Binds `cfg.bind` and serves on a tokio task.
    pub async fn start(cfg: ScimConfig) -> std::io::Result<ScimServer> {
        let listener = tokio::net::TcpListener::bind(cfg.bind).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            base: format!("http://{addr}{BASE_PATH}"),
            store: Mutex::new(store::Store::new(cfg.etag)),
            faults: Mutex::new(faults::Faults::default()),
            journal: Mutex::new(Vec::new()),
            cfg,
        });
        let app = routes::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                eprintln!("scim-simulator: server stopped: {e}");
            }
        });
        Ok(ScimServer {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The SCIM base URL, `http://127.0.0.1:PORT/scim/v2`.
    pub fn url(&self) -> String {
        self.shared.base.clone()
    }

    pub fn token(&self) -> &str {
        &self.shared.cfg.token
    }

    /// Every User, in creation order, as GET returns it.
    pub fn users(&self) -> Vec<Value> {
        lock(&self.shared.store)
            .iter()
            .map(|(_, u)| u.render(&self.shared.base))
            .collect()
    }

    pub fn user_count(&self) -> usize {
        lock(&self.shared.store).len()
    }

    /// `(method, path and query)` of every request received, in order (the path includes
    /// `/scim/v2`; the query is as sent, not decoded).
    pub fn requests(&self) -> Vec<(String, String)> {
        lock(&self.shared.journal).clone()
    }

    /// At most `limit.0` requests in any rolling `limit.1`; past it, 429 with `Retry-After`.
    pub fn set_rate_limit(&self, limit: Option<(u32, Duration)>) {
        lock(&self.shared.faults).set_rate_limit(limit);
    }

    /// The next `times` requests answer `status` with a SCIM error body.
    pub fn fail_with(&self, status: u16, times: u32) {
        lock(&self.shared.faults).fail_with(status, times);
    }

    /// The next `times` requests answer 200 with a body that is not JSON.
    pub fn malformed(&self, times: u32) {
        lock(&self.shared.faults).malformed(times);
    }

    /// Removes the rate limit and every scripted fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// The router over the same state, for in-process tests.
    pub fn router(&self) -> axum::Router {
        routes::router(self.shared.clone())
    }

    /// Stops serving and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
