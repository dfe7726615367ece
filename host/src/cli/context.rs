//! Resolving what a command runs against: the component (`--component`, the configuration
//! file, or the built-in connector), the tenant (the configuration file, or the built-in
//! demo, announced on stderr), the engine and its limits, and the open session.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use super::args::Global;
use super::failure::Failure;
use super::failure::usage;
use crate::builtin::DemoTenant;
use crate::connector::{Connector, Session};
use crate::engine::HostEngine;
use crate::runtime::{RuntimeOptions, WasmConnector};
use crate::sandbox::Limits;
use crate::sandbox::{Recorder, Replayer, Traffic};
use crate::settings::Settings;
use crate::source::ComponentSource;

/// Everything a command needs.
pub(crate) struct Context {
    pub connector: WasmConnector,
    /// The connector configuration in use (holds secrets: never print it).
    pub config: crate::model::Config,
    session: Option<Box<dyn Session>>,
    /// What the session may spend waiting out rate limits.
    pub budget: crate::rate_limit::WaitBudget,
    /// The runtime options the connector was loaded with.
    pub runtime_options: RuntimeOptions,
    pub demo: Option<DemoTenant>,
    /// The application targets the configuration file names (`[[target]]`).
    pub targets: Vec<crate::settings::TargetSettings>,
    /// The sandbox limits of the configuration file (defaults without one).
    pub limits: Limits,
}

impl Context {
    /// Loads the component only (for `inspect`).
    pub async fn component_only(
        global: &Global,
        explicit: Option<&Path>,
    ) -> Result<WasmConnector, Failure> {
        let settings = load_settings(global)?;
        let source = explicit
            .map(ComponentSource::named)
            .unwrap_or_else(|| component_source(global, settings.as_ref()));
        let limits = settings.as_ref().map(Settings::limits).unwrap_or_default();
        load(
            &source,
            limits,
            RuntimeOptions {
                operator_allow: None,
                log: super::logging::connector_log_sink(),
                traffic: None,
                secret_keys: Vec::new(),
            },
        )
        .await
    }

    /// Loads the component, resolves the tenant and opens a session.
    pub async fn with_session(global: &Global, err: &mut dyn Write) -> Result<Context, Failure> {
        let mut ctx = Self::with_tenant(global, err).await?;
        ctx.open_session().await?;
        Ok(ctx)
    }

    /// Opens the session of a context built `with_tenant` (logs in).
    pub async fn open_session(&mut self) -> Result<(), Failure> {
        let budget = self.budget.clone();
        let patient = crate::rate_limit::Patient::boxed;
        // Opening logs in, which a rate limit can refuse too.
        let opened = crate::rate_limit::again_when_limited(&budget, || {
            self.connector.open(self.config.clone())
        })
        .await?;
        self.session = Some(patient(opened, budget));
        Ok(())
    }

    /// Loads the component and resolves the tenant, without opening a session.
    pub async fn with_tenant(global: &Global, err: &mut dyn Write) -> Result<Context, Failure> {
        let settings = load_settings(global)?;
        let source = component_source(global, settings.as_ref());
        let limits = settings.as_ref().map(Settings::limits).unwrap_or_default();
        let operator_allow = settings.as_ref().and_then(Settings::operator_allow);
        // A mistyped settings key is bad usage whatever the component does: when this
        // component's keys are remembered, say so before compiling or instantiating it (and
        // before a --record file is started).
        if let (Some(s), Some(names)) = (&settings, crate::key_cache::remembered(&source)) {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            s.check_keys(&names).map_err(usage)?;
        }
        let traffic = match (&global.record, &global.replay) {
            (Some(path), _) => Some(Arc::new(Traffic::Record(
                Recorder::create(path).map_err(usage)?,
            ))),
            (None, Some(path)) => Some(Arc::new(Traffic::Replay(
                Replayer::open(path).map_err(usage)?,
            ))),
            (None, None) => None,
        };
        let runtime_options = RuntimeOptions {
            operator_allow,
            log: super::logging::connector_log_sink(),
            traffic,
            secret_keys: Vec::new(),
        };
        let connector = load(&source, limits.clone(), runtime_options.clone()).await?;
        crate::key_cache::remember(connector.component(), connector.description());
        let (config, demo) = match &settings {
            Some(s) => (
                s.connector_config(connector.description()).map_err(usage)?,
                None,
            ),
            None => {
                let demo = DemoTenant::start(global.demo_users, 0)
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot start the built-in demo tenant: {e}"))?;
                if global.verbosity.notes() {
                    writeln!(
                        err,
                        "note: no tenant configured (--config or CONNECTOR_HOST_CONFIG); using the built-in PeopleSpheres demo tenant at {} ({} employees)",
                        demo.url(),
                        global.demo_users
                    )?;
                }
                (demo.connector_config(), Some(demo))
            }
        };
        Ok(Context {
            connector,
            config,
            session: None,
            budget: crate::rate_limit::WaitBudget::new(global.rate_limit_budget),
            runtime_options,
            demo,
            targets: settings
                .as_ref()
                .map(|s| s.targets().to_vec())
                .unwrap_or_default(),
            limits,
        })
    }

    /// The session `with_session` opened.
    pub fn session(&mut self) -> &mut dyn Session {
        match self.session.as_mut() {
            Some(s) => s.as_mut(),
            // Commands that read users are all built with `with_session`.
            None => unreachable!("command used a session it did not open"),
        }
    }

    /// "the built-in demo tenant" or "the configured tenant".
    pub fn tenant_label(&self) -> String {
        match &self.demo {
            Some(s) => format!("the built-in demo tenant ({})", s.url()),
            None => "the configured tenant".into(),
        }
    }
}

fn load_settings(global: &Global) -> Result<Option<Settings>, Failure> {
    match &global.config {
        Some(path) => Ok(Some(Settings::load(path).map_err(usage)?)),
        None => Ok(None),
    }
}

fn component_source(global: &Global, settings: Option<&Settings>) -> ComponentSource {
    global
        .component
        .clone()
        .or_else(|| settings.and_then(|s| s.component().map(Path::to_path_buf)))
        .map(|p| ComponentSource::named(&p))
        .unwrap_or(ComponentSource::PEOPLESPHERES)
}

pub(super) async fn load(
    source: &ComponentSource,
    limits: Limits,
    options: RuntimeOptions,
) -> Result<WasmConnector, Failure> {
    let engine = HostEngine::new(limits)?;
    let connector = WasmConnector::load(Arc::clone(&engine), source, options).await?;
    let d = connector.description();
    tracing::info!("loaded {} {} from {source}", d.name, d.version);
    Ok(connector)
}

/// An error and its causes on one line.
pub(crate) fn one_line(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in error.chain() {
        let text = cause
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
