//! Named, hot-swappable connectors. [`Registry::swap`] fully prepares a new component (load,
//! contract check, describe, the read-only conformance cases against the entry's tenant)
//! before it replaces the serving one; calls already running keep the `Arc` of the version
//! they started on and finish there. A refused swap leaves the old version serving; the
//! replaced version is kept for a one-step [`Registry::rollback`].

mod version;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use crate::capabilities::{Capabilities, Growth};
use crate::conformance::{self, Options, Target};
use crate::engine::HostEngine;
use crate::error::HostError;
use crate::model::Config;
use crate::runtime::{RuntimeOptions, WasmConnector};
use crate::source::ComponentSource;

/// Why a registry operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("no connector named {0}")]
    Unknown(String),
    #[error("connector {name}: {source}")]
    Load { name: String, source: HostError },
    #[error(
        "connector {name}: the new version failed the read-only conformance cases {cases}; the old version keeps serving"
    )]
    Conformance { name: String, cases: String },
    #[error(
        "connector {name}: the new version would widen the connector's reach ({growth}); approve exactly that growth to swap (`serve --approve`, or \"approve\" in the swap request); the old version keeps serving",
        growth = growth.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    )]
    Widens { name: String, growth: Vec<Growth> },
    #[error("connector {0} has no previous version to roll back to")]
    NoPrevious(String),
    #[error(
        "connector {name}: {path} is outside the component folders the operator allows ({allowed})"
    )]
    OutsideFolders {
        name: String,
        path: String,
        allowed: String,
    },
}

pub use version::{MAX_IDLE_SESSIONS, Version};

struct Entry {
    config: Config,
    current: Arc<Version>,
    previous: Option<Arc<Version>>,
}

/// The named connectors a host serves.
pub struct Registry {
    engine: Arc<HostEngine>,
    options: RuntimeOptions,
    entries: RwLock<BTreeMap<String, Entry>>,
    /// Serialises swaps so two never prepare against each other.
    swapping: tokio::sync::Mutex<()>,
    /// The operator's component folders (empty: any path).
    folders: Vec<std::path::PathBuf>,
    /// Growth the operator approves for every swap (`host:…`, `import:…`, `secret:…`).
    approved: Vec<String>,
    /// How long one API read may wait out the tenant's rate limits.
    read_wait: std::time::Duration,
}

/// How long one API read may wait out the tenant's rate limits by default.
pub const READ_WAIT_BUDGET: std::time::Duration = std::time::Duration::from_secs(30);

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("names", &self.names())
            .finish_non_exhaustive()
    }
}

impl Registry {
    pub fn new(engine: Arc<HostEngine>, options: RuntimeOptions) -> Registry {
        Registry {
            engine,
            options,
            entries: RwLock::default(),
            swapping: tokio::sync::Mutex::new(()),
            folders: Vec::new(),
            read_wait: READ_WAIT_BUDGET,
            approved: Vec::new(),
        }
    }

    /// Growth of a component's capability set that swaps may bring without asking.
    pub fn with_approved(mut self, approved: Vec<String>) -> Registry {
        self.approved = approved;
        self
    }

    /// How long one API read may wait out the tenant's rate limits (logging in included)
    /// before it answers 429; default [`READ_WAIT_BUDGET`].
    pub fn with_read_wait(mut self, budget: std::time::Duration) -> Registry {
        self.read_wait = budget;
        self
    }

    /// The wait budget of one API read.
    pub fn read_wait(&self) -> std::time::Duration {
        self.read_wait
    }

    /// Only component files inside these folders may be swapped in (links resolved first).
    pub fn with_component_folders(mut self, folders: Vec<std::path::PathBuf>) -> Registry {
        self.folders = folders
            .into_iter()
            .map(|f| std::fs::canonicalize(&f).unwrap_or(f))
            .collect();
        self
    }

    /// Refuses a file outside the operator's component folders (when there are any).
    fn check_folder(&self, name: &str, source: &ComponentSource) -> Result<(), RegistryError> {
        let Some(path) = source.path() else {
            return Ok(());
        };
        if self.folders.is_empty() {
            return Ok(());
        }
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if self.folders.iter().any(|f| real.starts_with(f)) {
            return Ok(());
        }
        Err(RegistryError::OutsideFolders {
            name: name.into(),
            path: path.display().to_string(),
            allowed: self
                .folders
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// The registered names.
    pub fn names(&self) -> Vec<String> {
        self.entries
            .read()
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Reads the entry of `name`.
    fn read<T>(&self, name: &str, f: impl FnOnce(&Entry) -> T) -> Result<T, RegistryError> {
        let entries = self
            .entries
            .read()
            .map_err(|_| RegistryError::Unknown(name.into()))?;
        entries
            .get(name)
            .map(f)
            .ok_or_else(|| RegistryError::Unknown(name.into()))
    }

    /// Changes the entry of `name`.
    fn update<T>(
        &self,
        name: &str,
        f: impl FnOnce(&mut Entry) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        let mut entries = self
            .entries
            .write()
            .map_err(|_| RegistryError::Unknown(name.into()))?;
        let entry = entries
            .get_mut(name)
            .ok_or_else(|| RegistryError::Unknown(name.into()))?;
        f(entry)
    }

    /// The version serving `name` now (callers keep the `Arc` for the whole call).
    pub fn current(&self, name: &str) -> Result<Arc<Version>, RegistryError> {
        self.read(name, |e| e.current.clone())
    }

    /// The configuration `name` runs with.
    pub fn config(&self, name: &str) -> Result<Config, RegistryError> {
        self.read(name, |e| e.config.clone())
    }

    /// The version kept for rollback, if any.
    pub fn previous(&self, name: &str) -> Option<Arc<Version>> {
        self.read(name, |e| e.previous.clone()).ok().flatten()
    }

    /// Loads a component and serves it as `name` (replacing nothing: use `swap` for that).
    pub async fn add(
        &self,
        name: &str,
        source: impl Into<ComponentSource>,
        config: Config,
    ) -> Result<Arc<Version>, RegistryError> {
        let version = self.prepare(name, &source.into(), &config).await?;
        if let Ok(mut entries) = self.entries.write() {
            entries.insert(
                name.into(),
                Entry {
                    config,
                    current: version.clone(),
                    previous: None,
                },
            );
        }
        Ok(version)
    }

    /// Prepares `source` and, when it passes, makes it serve `name`; the old version is kept for
    /// rollback. On any failure the old version keeps serving.
    pub async fn swap(
        &self,
        name: &str,
        source: impl Into<ComponentSource>,
    ) -> Result<Arc<Version>, RegistryError> {
        self.swap_approving(name, source, &[]).await
    }

    /// [`Registry::swap`], with this growth of the capability set approved too.
    pub async fn swap_approving(
        &self,
        name: &str,
        source: impl Into<ComponentSource>,
        approve: &[String],
    ) -> Result<Arc<Version>, RegistryError> {
        let source = source.into();
        self.check_folder(name, &source)?;
        let _guard = self.swapping.lock().await;
        let config = self.config(name)?;
        let serving = self.current(name)?.capabilities.clone();
        let approved: Vec<&str> = self
            .approved
            .iter()
            .chain(approve)
            .map(String::as_str)
            .collect();
        let version = self
            .prepare_guarded(name, &source, &config, &serving, &approved)
            .await?;
        self.update(name, |entry| {
            let old = std::mem::replace(&mut entry.current, version.clone());
            old.retire();
            entry.previous = Some(old);
            Ok(version)
        })
    }

    /// Puts the previous version back (and keeps the replaced one as the new previous).
    pub async fn rollback(&self, name: &str) -> Result<Arc<Version>, RegistryError> {
        let _guard = self.swapping.lock().await;
        self.update(name, |entry| {
            let previous = entry
                .previous
                .take()
                .ok_or_else(|| RegistryError::NoPrevious(name.into()))?;
            previous.reinstate();
            let replaced = std::mem::replace(&mut entry.current, previous.clone());
            replaced.retire();
            entry.previous = Some(replaced);
            Ok(previous)
        })
    }

    /// The reach a swap candidate gets: the operator's allow list, or, when there is none, the
    /// hosts the serving version reaches for this configuration plus the new hosts the operator
    /// approved, whatever the candidate declares. A candidate (vetted or not) never gets the
    /// tenant's credentials and a way out to a host of its own choosing, and an upgrade cannot
    /// widen a connector's reach unasked.
    ///
    /// Its secrets are sealed by the union of the serving version's secret keys and its own:
    /// a candidate that stops declaring a key secret still gets only a placeholder for it.
    async fn fence(
        &self,
        name: &str,
        config: &Config,
        approved_hosts: &[String],
    ) -> Result<RuntimeOptions, RegistryError> {
        let current = self.current(name)?;
        let mut secret_keys = self.options.secret_keys.clone();
        // What the serving version seals (its own and those held for it by an earlier swap).
        for k in current.connector.secret_keys() {
            if !secret_keys.iter().any(|s| s == k) {
                secret_keys.push(k.to_string());
            }
        }
        if self.options.operator_allow.is_some() {
            return Ok(RuntimeOptions {
                secret_keys,
                ..self.options.clone()
            });
        }
        // What the serving version reaches: its declared hosts within its own fence (a
        // version swapped in earlier, whose declared hosts may change from call to call, never
        // widens the next one's fence).
        let reach = current
            .connector
            .policy_for(config)
            .await
            .map_err(|source| RegistryError::Load {
                name: name.into(),
                source,
            })?;
        let mut hosts: Vec<String> = reach.entries().map(str::to_string).collect();
        hosts.extend(approved_hosts.iter().cloned());
        Ok(RuntimeOptions {
            operator_allow: Some(crate::sandbox::OutboundPolicy::allow(&hosts)),
            secret_keys,
            ..self.options.clone()
        })
    }

    /// Loads a swap candidate inside the fence, refuses it when its capability set grows
    /// beyond `serving` by anything not approved (before it runs a single session), then
    /// vets it like any version.
    async fn prepare_guarded(
        &self,
        name: &str,
        source: &ComponentSource,
        config: &Config,
        serving: &Capabilities,
        approved: &[&str],
    ) -> Result<Arc<Version>, RegistryError> {
        let load = |source| RegistryError::Load {
            name: name.into(),
            source,
        };
        // The candidate's declared hosts are read inside a fence of the serving hosts: the
        // call is pure (`outbound-hosts` makes no request), and the set is what it asks for.
        let approved_hosts: Vec<String> = approved
            .iter()
            .filter_map(|a| a.strip_prefix("host:"))
            .map(str::to_string)
            .collect();
        let fence = self.fence(name, config, &approved_hosts).await?;
        let candidate = WasmConnector::load(self.engine.clone(), source, fence.clone())
            .await
            .map_err(load)?;
        let wanted = Capabilities::of(&candidate, config).await.map_err(load)?;
        let growth: Vec<Growth> = serving
            .growth(&wanted)
            .into_iter()
            .filter(|g| !approved.contains(&g.to_string().as_str()))
            .collect();
        if !growth.is_empty() {
            return Err(RegistryError::Widens {
                name: name.into(),
                growth,
            });
        }
        self.vet(name, source, config, candidate, wanted).await
    }

    /// Load, contract check, describe, then the read-only conformance cases.
    async fn prepare(
        &self,
        name: &str,
        source: &ComponentSource,
        config: &Config,
    ) -> Result<Arc<Version>, RegistryError> {
        self.prepare_with(name, source, config, self.options.clone())
            .await
    }

    async fn prepare_with(
        &self,
        name: &str,
        source: &ComponentSource,
        config: &Config,
        options: RuntimeOptions,
    ) -> Result<Arc<Version>, RegistryError> {
        let load = |source| RegistryError::Load {
            name: name.into(),
            source,
        };
        let connector = WasmConnector::load(self.engine.clone(), source, options)
            .await
            .map_err(load)?;
        let capabilities = Capabilities::of(&connector, config).await.map_err(load)?;
        self.vet(name, source, config, connector, capabilities)
            .await
    }

    /// The read-only conformance cases against the entry's tenant; a version that passes.
    async fn vet(
        &self,
        name: &str,
        source: &ComponentSource,
        config: &Config,
        connector: WasmConnector,
        capabilities: Capabilities,
    ) -> Result<Arc<Version>, RegistryError> {
        let target = Target {
            connector: &connector,
            config: config.clone(),
            faults: None,
        };
        let report = conformance::run(
            target,
            Options {
                read_only: true,
                sample: 5,
                ..Options::default()
            },
        )
        .await;
        let failed: Vec<String> = report.failed().map(|r| r.id.clone()).collect();
        if !failed.is_empty() {
            return Err(RegistryError::Conformance {
                name: name.into(),
                cases: failed.join(", "),
            });
        }
        Ok(Arc::new(Version::new(
            connector,
            source.clone(),
            capabilities,
        )))
    }
}
