//! [`WasmConnector`] and [`WasmSession`], the connector and session seams over a component:
//! they depend on each other (a connector opens sessions; a session reopens itself on a fresh
//! instance through its connector), so they live together.

use std::sync::Arc;

use async_trait::async_trait;
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use super::instance::{Live, instantiate, mask, run};
use super::options::RuntimeOptions;
use crate::bindings::{self, wit};
use crate::connector::{Connector, Session};
use crate::engine::HostEngine;
use crate::error::HostError;
use crate::loader::{self, LoadedComponent};
use crate::model::{
    Attribute, AttributeChange, Choice, Config, Description, Field, User, UserPage,
};
use crate::sandbox::{OutboundPolicy, StoreState, Vault};
use crate::source::ComponentSource;

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
        let read = tokio::task::spawn_blocking(move || {
            reading.read_timed().map(std::borrow::Cow::into_owned)
        })
        .await;
        let bytes = match read {
            Ok(Ok(bytes)) => bytes,
            Ok(Err(reason)) => {
                return Err(loader::LoadError::Read {
                    component: source,
                    reason,
                }
                .into());
            }
            Err(e) => {
                return Err(HostError::Instantiate(format!(
                    "reading the component failed: {e}"
                )));
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
            Vault::default(),
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
        if !crate::contract::compatible(crate::CONTRACT_VERSION, &description.contract_version) {
            return Err(loader::LoadError::ContractVersion {
                component: component.source.clone(),
                interface: crate::contract::CONNECTOR_INTERFACE.into(),
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

    /// The keys sealed and masked: those the component declares secret, and those the host
    /// holds secret for it whatever it declares ([`RuntimeOptions::secret_keys`]).
    pub fn secret_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.inner.description.secret_keys().collect();
        for k in &self.inner.options.secret_keys {
            if !keys.contains(&k.as_str()) {
                keys.push(k);
            }
        }
        keys
    }

    /// The configuration's secrets, in every spelling they may be echoed in.
    fn secrets_of(&self, config: &Config) -> Vec<String> {
        let secret_keys = self.secret_keys();
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
        let (sealed, vault) = Vault::seal(config, self.secret_keys());
        let mut live = instantiate(
            &inner.engine,
            &inner.component,
            &inner.options,
            OutboundPolicy::default(),
            secrets.clone(),
            vault,
        )
        .await?;
        let api = live.api.clone();
        let out = run(&inner.engine, &mut live, "outbound-hosts", async |s| {
            api.provisioning_connector_connector()
                .call_outbound_hosts(s, &sealed)
                .await
        })
        .await;
        out.map_err(|e| mask(e, &secrets))
    }

    async fn open(&self, config: Config) -> Result<Box<dyn Session>, HostError> {
        Ok(Box::new(self.open_session(config).await?))
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
    pub(super) async fn live(&mut self) -> Result<&mut Live, HostError> {
        if self.live.is_none() {
            let inner = &self.connector.inner;
            let secrets = self.connector.secrets_of(&self.config);
            let policy = self.connector.policy_for(&self.config).await?;
            // The guest gets placeholders for the secrets, new ones for this instance.
            let (sealed, vault) = Vault::seal(&self.config, self.connector.secret_keys());
            let mut live = instantiate(
                &inner.engine,
                &inner.component,
                &inner.options,
                policy,
                secrets.clone(),
                vault,
            )
            .await?;
            let api = live.api.clone();
            let config = &sealed;
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
