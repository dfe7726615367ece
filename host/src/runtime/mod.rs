//! Connectors backed by a WebAssembly component: [`WasmConnector`] implements the
//! [`Connector`] seam over a [`LoadedComponent`], [`WasmSession`] the [`Session`] one.
//!
//! A session lives in one instance's `Store`. Every call runs under the per-call deadline
//! (epoch interruption for guest CPU, an async timeout for everything else). A call that traps
//! or is cut off leaves the instance unusable, so it is thrown away; the next call instantiates
//! afresh and opens the session again (the connector re-authenticates), so callers see at most
//! the one error of the call that failed.

use std::sync::Arc;

use async_trait::async_trait;

use crate::bindings;
use crate::connector::{Connector, Session};
use crate::engine::HostEngine;
use crate::error::HostError;
use crate::loader::{self, LoadedComponent};
use crate::model::{Config, Description};
use crate::sandbox::{LogSink, OutboundPolicy};
use crate::source::ComponentSource;

mod instance;
mod session;

use instance::{instantiate, mask, run};
pub use session::WasmSession;

/// How a [`WasmConnector`] runs its instances.
#[derive(Clone)]
pub struct RuntimeOptions {
    /// The operator's own allow list; when set, a connector may only reach hosts on both its
    /// declared list and this one.
    pub operator_allow: Option<OutboundPolicy>,
    /// Where connector log lines go.
    pub log: LogSink,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            operator_allow: None,
            log: crate::sandbox::null_log_sink(),
        }
    }
}

impl std::fmt::Debug for RuntimeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeOptions")
            .field("operator_allow", &self.operator_allow)
            .finish_non_exhaustive()
    }
}

/// A connector component, loaded and described.
#[derive(Clone)]
pub struct WasmConnector {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Arc<HostEngine>,
    component: LoadedComponent,
    description: Description,
    options: RuntimeOptions,
}

impl std::fmt::Debug for WasmConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmConnector")
            .field("component", &self.inner.component)
            .finish_non_exhaustive()
    }
}

impl WasmConnector {
    /// Loads a component, checks its contract version and reads its description.
    pub async fn load(
        engine: Arc<HostEngine>,
        source: impl Into<ComponentSource>,
        options: RuntimeOptions,
    ) -> Result<WasmConnector, HostError> {
        // Reading and compiling take seconds: off the async workers, so a swap does not stall
        // the calls being served meanwhile.
        let source: ComponentSource = source.into();
        // Read first, under its own timeout: a file on a stalled share must not hold a swap
        // (or the thread pool) forever.
        let reading = source.clone();
        let read = tokio::time::timeout(
            crate::source::READ_TIMEOUT,
            tokio::task::spawn_blocking(move || reading.read().map(std::borrow::Cow::into_owned)),
        )
        .await;
        let bytes = match read {
            Ok(Ok(Ok(bytes))) => bytes,
            Ok(Ok(Err(reason))) => {
                return Err(loader::LoadError::Read {
                    component: source,
                    reason,
                }
                .into());
            }
            Ok(Err(e)) => {
                return Err(HostError::Instantiate(format!(
                    "reading the component failed: {e}"
                )));
            }
            Err(_) => {
                return Err(loader::LoadError::Read {
                    component: source,
                    reason: crate::source::ReadError::TimedOut,
                }
                .into());
            }
        };
        let compiling = engine.clone();
        let named = source.clone();
        let component =
            tokio::task::spawn_blocking(move || loader::load_bytes(&compiling, &named, &bytes))
                .await
                .map_err(|e| {
                    HostError::Instantiate(format!("compiling the component failed: {e}"))
                })??;
        Self::from_component(engine, component, options).await
    }

    /// Wraps an already loaded component.
    pub async fn from_component(
        engine: Arc<HostEngine>,
        component: LoadedComponent,
        options: RuntimeOptions,
    ) -> Result<WasmConnector, HostError> {
        let mut live = instantiate(
            &engine,
            &component,
            &options,
            OutboundPolicy::default(),
            Vec::new(),
        )
        .await?;
        let api = live.api.clone();
        let described = run(&engine, &mut live, "describe", async |s| {
            api.provisioning_connector_connector()
                .call_describe(s)
                .await
                .map(Ok)
        })
        .await?;
        let description = bindings::description_from(described);
        if !loader::compatible(crate::CONTRACT_VERSION, &description.contract_version) {
            return Err(loader::LoadError::ContractVersion {
                component: component.source.clone(),
                interface: bindings::CONNECTOR_INTERFACE.into(),
                expected: crate::CONTRACT_VERSION.into(),
                found: description.contract_version,
            }
            .into());
        }
        Ok(WasmConnector {
            inner: Arc::new(Inner {
                engine,
                component,
                description,
                options,
            }),
        })
    }

    /// The engine the component was compiled with.
    pub fn engine(&self) -> &Arc<HostEngine> {
        &self.inner.engine
    }

    /// The loaded component (source, hash, imports).
    pub fn component(&self) -> &LoadedComponent {
        &self.inner.component
    }

    /// Opens a session with its concrete type (the trait method boxes it).
    pub async fn open_session(&self, config: Config) -> Result<WasmSession, HostError> {
        let mut session = WasmSession {
            connector: self.clone(),
            config,
            live: None,
        };
        session.live().await?;
        Ok(session)
    }

    /// The hosts a session with this configuration may call: what the connector declares for
    /// it, within the operator's list (or the fence a swap candidate runs in) when there is one.
    pub async fn policy_for(&self, config: &Config) -> Result<OutboundPolicy, HostError> {
        let declared = self.outbound_hosts(config).await?;
        let mut policy = OutboundPolicy::allow(&declared);
        if let Some(operator) = &self.inner.options.operator_allow {
            policy = policy.intersect(operator);
        }
        Ok(policy)
    }

    /// The configuration's secrets, in every spelling they may be echoed in.
    fn secrets_of(&self, config: &Config) -> Vec<String> {
        let secret_keys: Vec<&str> = self.inner.description.secret_keys().collect();
        let raw: Vec<String> = config
            .iter()
            .filter(|(k, _)| secret_keys.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
            .collect();
        crate::sandbox::secret_spellings(&raw)
    }
}

#[async_trait]
impl Connector for WasmConnector {
    fn description(&self) -> &Description {
        &self.inner.description
    }

    async fn outbound_hosts(&self, config: &Config) -> Result<Vec<String>, HostError> {
        let inner = &self.inner;
        let secrets = self.secrets_of(config);
        let mut live = instantiate(
            &inner.engine,
            &inner.component,
            &inner.options,
            OutboundPolicy::default(),
            secrets.clone(),
        )
        .await?;
        let api = live.api.clone();
        let out = run(&inner.engine, &mut live, "outbound-hosts", async |s| {
            api.provisioning_connector_connector()
                .call_outbound_hosts(s, config)
                .await
        })
        .await;
        out.map_err(|e| mask(e, &secrets))
    }

    async fn open(&self, config: Config) -> Result<Box<dyn Session>, HostError> {
        Ok(Box::new(self.open_session(config).await?))
    }
}
