//! One loaded version of a registry entry: its connector, what it can do, and the pool of idle
//! sessions it keeps while it serves.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::capabilities::Capabilities;
use crate::connector::{Connector, Session};
use crate::error::HostError;
use crate::model::Config;
use crate::runtime::WasmConnector;
use crate::source::ComponentSource;

/// Idle sessions a version keeps (each holds a pooled instance and a tenant login).
pub const MAX_IDLE_SESSIONS: usize = 8;

/// One loaded version with its idle sessions.
pub struct Version {
    pub connector: WasmConnector,
    pub source: ComponentSource,
    /// What this version can do, for the entry's configuration.
    pub capabilities: Capabilities,
    idle: Mutex<Vec<Box<dyn Session>>>,
    /// Replaced by a swap or a rollback: sessions handed back are closed, not kept, so a
    /// version kept only for rollback holds no instance of the pool.
    retired: AtomicBool,
}

impl std::fmt::Debug for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Version")
            .field("source", &self.source)
            .field("version", &self.connector.description().version)
            .finish()
    }
}

impl Version {
    /// A version serving, with no idle session yet.
    pub(super) fn new(
        connector: WasmConnector,
        source: ComponentSource,
        capabilities: Capabilities,
    ) -> Version {
        Version {
            connector,
            source,
            capabilities,
            idle: Mutex::default(),
            retired: AtomicBool::new(false),
        }
    }

    /// The connector's own version string.
    pub fn version(&self) -> &str {
        &self.connector.description().version
    }

    /// A session of this version: an idle one, or a new one. Hand it back with
    /// [`Version::give_back`] after a successful call; drop it after a failed one.
    pub async fn take_session(&self, config: &Config) -> Result<Box<dyn Session>, HostError> {
        let idle = self.idle.lock().ok().and_then(|mut v| v.pop());
        match idle {
            Some(s) => Ok(s),
            None => self.connector.open(config.clone()).await,
        }
    }

    /// Keeps a healthy session for the next call (up to [`MAX_IDLE_SESSIONS`], and only while
    /// this version serves); otherwise it is closed.
    pub fn give_back(&self, session: Box<dyn Session>) {
        if self.retired.load(Ordering::Acquire) {
            return;
        }
        if let Ok(mut v) = self.idle.lock()
            && v.len() < MAX_IDLE_SESSIONS
        {
            v.push(session);
        }
    }

    /// Stops keeping sessions and closes the idle ones (the version no longer serves).
    pub(super) fn retire(&self) {
        self.retired.store(true, Ordering::Release);
        let closed = self
            .idle
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default();
        drop(closed);
    }

    /// Serves again (after a rollback).
    pub(super) fn reinstate(&self) {
        self.retired.store(false, Ordering::Release);
    }

    /// How many idle sessions it keeps now.
    pub fn idle_sessions(&self) -> usize {
        self.idle.lock().map(|v| v.len()).unwrap_or(0)
    }
}
