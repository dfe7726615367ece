//! Connectors backed by a WebAssembly component: [`WasmConnector`] implements the
//! [`Connector`] seam over a [`LoadedComponent`], [`WasmSession`] the [`Session`] one.
//!
//! A session lives in one instance's `Store`. Every call runs under the per-call deadline
//! (epoch interruption for guest CPU, an async timeout for everything else). A call that traps
//! or is cut off leaves the instance unusable, so it is thrown away; the next call instantiates
//! afresh and opens the session again (the connector re-authenticates), so callers see at most
//! the one error of the call that failed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use wasmtime::component::ResourceAny;
use wasmtime::{Store, UpdateDeadline};

use crate::bindings::{self, wit};
use crate::connector::{Connector, Session};
use crate::engine::HostEngine;
use crate::error::{ConnectorError, HostError};
use crate::loader::{self, LoadedComponent};
use crate::model::{
    Attribute, AttributeChange, Choice, Config, Description, Field, User, UserPage,
};
use crate::sandbox::{LogSink, OutboundPolicy, StoreState};

/// Extra time the async timeout grants over the epoch deadline, so a CPU-bound guest is
/// stopped by the epoch (a clean trap) before the future is dropped.
const TIMEOUT_SLACK: Duration = Duration::from_millis(250);

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

/// One live instance: its store, bindings, and the open session (if any).
struct Live {
    store: Store<StoreState>,
    api: Arc<bindings::ConnectorApi>,
    session: Option<ResourceAny>,
}

impl WasmConnector {
    /// Loads a component file, checks its contract version and reads its description.
    pub async fn load(
        engine: Arc<HostEngine>,
        path: &Path,
        options: RuntimeOptions,
    ) -> Result<WasmConnector, HostError> {
        // Reading and compiling take seconds: off the async workers, so a swap does not stall
        // the calls being served meanwhile.
        let (compiling, file) = (engine.clone(), path.to_path_buf());
        let component = tokio::task::spawn_blocking(move || loader::load_file(&compiling, &file))
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
                path: component.path.clone(),
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

    /// The loaded component (path, hash, imports).
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

    fn secrets_of(&self, config: &Config) -> Vec<String> {
        let secret_keys: Vec<&str> = self.inner.description.secret_keys().collect();
        config
            .iter()
            .filter(|(k, _)| secret_keys.contains(&k.as_str()))
            .map(|(_, v)| v.clone())
            .collect()
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

/// Creates a store and instance for `component`.
async fn instantiate(
    engine: &HostEngine,
    component: &LoadedComponent,
    options: &RuntimeOptions,
    policy: OutboundPolicy,
    secrets: Vec<String>,
) -> Result<Live, HostError> {
    let state = StoreState::new(policy, engine.limits(), options.log.clone(), secrets);
    let mut store = Store::new(engine.engine(), state);
    store.limiter(|s| &mut s.limits);
    // At every epoch tick the guest yields to the executor (a spinning guest cannot hold a
    // worker thread, and with it every other call and the admin API), and traps once its
    // call's deadline has passed.
    store.data_mut().start_call(engine.limits().call_timeout);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|ctx| {
        Ok(if ctx.data().past_deadline() {
            UpdateDeadline::Interrupt
        } else {
            UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now()))
        })
    });
    let api = component
        .pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
    Ok(Live {
        store,
        api: Arc::new(api),
        session: None,
    })
}

/// Runs one guest call under the deadline and sorts out its outcome.
async fn run<T>(
    engine: &HostEngine,
    live: &mut Live,
    operation: &str,
    call: impl AsyncFnOnce(&mut Store<StoreState>) -> wasmtime::Result<Result<T, wit::Error>>,
) -> Result<T, HostError> {
    let limit = engine.limits().call_timeout;
    live.store.data_mut().start_call(limit);
    live.store.set_epoch_deadline(1);
    // Refusals are reported for the call that made them only.
    drop(live.store.data().take_denied());
    let outcome = tokio::time::timeout(limit + TIMEOUT_SLACK, call(&mut live.store)).await;
    let denied = live.store.data().take_denied();
    match outcome {
        Err(_) => Err(HostError::Deadline {
            operation: operation.into(),
            limit_ms: limit.as_millis() as u64,
        }),
        Ok(Err(trap)) => {
            if matches!(
                trap.downcast_ref::<wasmtime::Trap>(),
                Some(wasmtime::Trap::Interrupt)
            ) {
                Err(HostError::Deadline {
                    operation: operation.into(),
                    limit_ms: limit.as_millis() as u64,
                })
            } else {
                Err(HostError::Trap {
                    operation: operation.into(),
                    reason: trap_reason(&trap),
                })
            }
        }
        Ok(Ok(Err(e))) if !denied.is_empty() => {
            // The sandbox refused a request during this call: that is the cause, whatever the
            // connector made of it.
            drop(e);
            Err(ConnectorError::EgressDenied(format!(
                "{} is not in the connector's allow list",
                denied.join(", ")
            ))
            .into())
        }
        Ok(Ok(Err(e))) => Err(bindings::error_from(e).into()),
        Ok(Ok(Ok(v))) => Ok(v),
    }
}

fn trap_reason(trap: &wasmtime::Error) -> String {
    match trap.downcast_ref::<wasmtime::Trap>() {
        Some(t) => t.to_string(),
        None => trap.to_string(),
    }
}

/// Replaces every secret in an error's text with `***`.
fn mask(err: HostError, secrets: &[String]) -> HostError {
    let clean = |s: String| {
        secrets
            .iter()
            .filter(|x| !x.is_empty())
            .fold(s, |acc, x| acc.replace(x.as_str(), "***"))
    };
    match err {
        HostError::Connector(e) => HostError::Connector(match e {
            ConnectorError::InvalidConfig { name, reason } => ConnectorError::InvalidConfig {
                name,
                reason: clean(reason),
            },
            ConnectorError::AlreadyExists { name, reason } => ConnectorError::AlreadyExists {
                name,
                reason: clean(reason),
            },
            ConnectorError::InvalidInput { name, reason } => ConnectorError::InvalidInput {
                name,
                reason: clean(reason),
            },
            ConnectorError::Unauthorized(s) => ConnectorError::Unauthorized(clean(s)),
            ConnectorError::Forbidden(s) => ConnectorError::Forbidden(clean(s)),
            ConnectorError::NotFound(s) => ConnectorError::NotFound(clean(s)),
            ConnectorError::Unavailable(s) => ConnectorError::Unavailable(clean(s)),
            ConnectorError::Protocol(s) => ConnectorError::Protocol(clean(s)),
            ConnectorError::EgressDenied(s) => ConnectorError::EgressDenied(clean(s)),
            ConnectorError::Unsupported(s) => ConnectorError::Unsupported(clean(s)),
            ConnectorError::Other(s) => ConnectorError::Other(clean(s)),
            other @ ConnectorError::RateLimited { .. } => other,
        }),
        HostError::Trap { operation, reason } => HostError::Trap {
            operation,
            reason: clean(reason),
        },
        other => other,
    }
}

/// A session inside one live instance, reopened on a fresh instance after a trap or deadline.
pub struct WasmSession {
    connector: WasmConnector,
    config: Config,
    live: Option<Live>,
}

impl std::fmt::Debug for WasmSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmSession")
            .field("live", &self.live.is_some())
            .finish_non_exhaustive()
    }
}

impl WasmSession {
    /// The live instance with an open session, creating both when needed.
    async fn live(&mut self) -> Result<&mut Live, HostError> {
        if self.live.is_none() {
            let inner = &self.connector.inner;
            let secrets = self.connector.secrets_of(&self.config);
            let declared = self.connector.outbound_hosts(&self.config).await?;
            let mut policy = OutboundPolicy::allow(&declared);
            if let Some(operator) = &inner.options.operator_allow {
                policy = policy.intersect(operator);
            }
            let mut live = instantiate(
                &inner.engine,
                &inner.component,
                &inner.options,
                policy,
                secrets.clone(),
            )
            .await?;
            let api = live.api.clone();
            let config = &self.config;
            let session = run(&inner.engine, &mut live, "open", async |s| {
                api.provisioning_connector_connector()
                    .session()
                    .call_open(s, config)
                    .await
            })
            .await
            .map_err(|e| mask(e, &secrets))?;
            live.session = Some(session);
            self.live = Some(live);
        }
        self.live
            .as_mut()
            .ok_or_else(|| HostError::Instantiate("no live instance".into()))
    }

    /// Runs one session method; on a trap or deadline the instance is discarded.
    async fn call<T>(
        &mut self,
        operation: &str,
        f: impl AsyncFnOnce(
            &bindings::ConnectorApi,
            &mut Store<StoreState>,
            ResourceAny,
        ) -> wasmtime::Result<Result<T, wit::Error>>,
    ) -> Result<T, HostError> {
        let engine = self.connector.inner.engine.clone();
        let secrets = self.connector.secrets_of(&self.config);
        let live = self.live().await?;
        let session = live
            .session
            .ok_or_else(|| HostError::Instantiate("session not open".into()))?;
        let api = live.api.clone();
        let outcome = run(&engine, live, operation, async |s| {
            f(&api, s, session).await
        })
        .await;
        if matches!(
            outcome,
            Err(HostError::Deadline { .. } | HostError::Trap { .. })
        ) {
            self.live = None;
        }
        outcome.map_err(|e| mask(e, &secrets))
    }
}

#[async_trait]
impl Session for WasmSession {
    async fn test_connection(&mut self) -> Result<(), HostError> {
        self.call("test-connection", async |api, s, r| {
            api.provisioning_connector_connector()
                .session()
                .call_test_connection(s, r)
                .await
        })
        .await
    }

    async fn get_fields(&mut self) -> Result<Vec<Field>, HostError> {
        let fields = self
            .call("get-fields", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_get_fields(s, r)
                    .await
            })
            .await?;
        Ok(fields.into_iter().map(bindings::field_from).collect())
    }

    async fn list_choices(
        &mut self,
        field: &str,
        parent: Option<&str>,
    ) -> Result<Vec<Choice>, HostError> {
        let choices = self
            .call("list-choices", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_list_choices(s, r, field, parent)
                    .await
            })
            .await?;
        Ok(choices.into_iter().map(bindings::choice_from).collect())
    }

    async fn list_users(
        &mut self,
        page_token: Option<&str>,
        page_size: u32,
    ) -> Result<UserPage, HostError> {
        let page = self
            .call("list-users", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_list_users(s, r, page_token, page_size)
                    .await
            })
            .await?;
        Ok(bindings::page_from(page))
    }

    async fn get_user(&mut self, id: &str) -> Result<User, HostError> {
        let user = self
            .call("get-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_get_user(s, r, id)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }

    async fn create_user(&mut self, attributes: Vec<Attribute>) -> Result<User, HostError> {
        let attributes: Vec<wit::Attribute> = attributes
            .into_iter()
            .map(bindings::attribute_into)
            .collect();
        let user = self
            .call("create-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_create_user(s, r, &attributes)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }

    async fn update_user(
        &mut self,
        id: &str,
        changes: Vec<AttributeChange>,
    ) -> Result<User, HostError> {
        let changes: Vec<wit::AttributeChange> =
            changes.into_iter().map(bindings::change_into).collect();
        let user = self
            .call("update-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_update_user(s, r, id, &changes)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }

    async fn suspend_user(&mut self, id: &str) -> Result<User, HostError> {
        let user = self
            .call("suspend-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_suspend_user(s, r, id)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }

    async fn resume_user(&mut self, id: &str) -> Result<User, HostError> {
        let user = self
            .call("resume-user", async |api, s, r| {
                api.provisioning_connector_connector()
                    .session()
                    .call_resume_user(s, r, id)
                    .await
            })
            .await?;
        Ok(bindings::user_from(user))
    }
}
