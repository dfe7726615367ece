//! The application targets of a `sync`: each `[[target]]` of the configuration file (and the
//! built-in demo SCIM application with `--demo-scim`) loaded into its own sandbox, its settings
//! resolved (secrets from the environment or files), its mapping read, its session opened.

use std::io::Write;

use super::args::Global;
use super::context::{Context, load};
use super::failure::{Failure, usage};
use crate::Connector;
use crate::runtime::RuntimeOptions;
use crate::settings::TargetSettings;
use crate::source::{BuiltinConnector, ComponentSource};
use crate::sync::targets::{Target, TargetMapping};

/// The name of the demo SCIM application's target.
pub(super) const DEMO_TARGET: &str = "demo-app";

/// The targets of a run, and the demo application they may use (kept running for the run).
pub(super) struct Targets {
    pub targets: Vec<Target>,
    pub demo: Option<scim_simulator::ScimServer>,
}

/// Opens every target of the context (and the demo application when `demo_scim`).
pub(super) async fn open(
    global: &Global,
    ctx: &Context,
    demo_scim: bool,
    err: &mut dyn Write,
) -> Result<Targets, Failure> {
    let mut settings = ctx.targets.clone();
    let mut demo = None;
    if demo_scim {
        if settings.iter().any(|t| t.name == DEMO_TARGET) {
            return Err(usage(anyhow::anyhow!(
                "--demo-scim adds the target `{DEMO_TARGET}`, which the configuration already names"
            )));
        }
        let server = scim_simulator::ScimServer::start(scim_simulator::ScimConfig::default())
            .await
            .map_err(|e| anyhow::anyhow!("cannot start the built-in demo SCIM application: {e}"))?;
        if global.verbosity.notes() {
            writeln!(
                err,
                "note: provisioning the built-in demo SCIM application at {} (target `{DEMO_TARGET}`)",
                server.url()
            )?;
        }
        settings.push(TargetSettings::demo(
            DEMO_TARGET,
            ComponentSource::Builtin(BuiltinConnector::Scim),
            &vec![
                ("url".to_string(), server.url()),
                ("token".to_string(), server.token().to_string()),
            ],
        ));
        demo = Some(server);
    }
    let mut targets = Vec::with_capacity(settings.len());
    for t in &settings {
        targets.push(open_one(ctx, t).await?);
    }
    Ok(Targets { targets, demo })
}

async fn open_one(ctx: &Context, t: &TargetSettings) -> Result<Target, Failure> {
    let in_target = |e: anyhow::Error| e.context(format!("target `{}`", t.name));
    let options = RuntimeOptions {
        operator_allow: ctx.runtime_options.operator_allow.clone(),
        log: ctx.runtime_options.log.clone(),
        traffic: None,
        secret_keys: Vec::new(),
    };
    let connector = load(&t.component, ctx.limits.clone(), options).await?;
    let description = connector.description().clone();
    let config = t
        .connector_config(&description)
        .map_err(|e| usage(in_target(e.into())))?;
    let mapping = match (&t.mapping, t.component.clone()) {
        (Some(path), _) => TargetMapping::load(path),
        (None, _) if description.name == BuiltinConnector::Scim.name() => {
            TargetMapping::builtin_scim()
        }
        (None, source) => {
            return Err(usage(anyhow::anyhow!(
                "target `{}`: {source} ({}) has no built-in target mapping; give the target a `mapping` file",
                t.name,
                description.name
            )));
        }
    }
    .map_err(|e| usage(in_target(e.into())))?;
    let budget = ctx.budget.clone();
    let opened = crate::rate_limit::again_when_limited(&budget, || connector.open(config.clone()))
        .await
        .map_err(|e| in_target(anyhow::Error::new(e)))?;
    Ok(Target {
        name: t.name.clone(),
        mapping,
        session: crate::rate_limit::Patient::boxed(opened, budget),
    })
}
