//! The fence `conformance --component FILE` runs a component the operator names in. Such a
//! component declares its own hosts, and the host would put the tenant's real secrets into its
//! requests to them: a component under test must not pick where the credentials go. So it runs
//! within the operator's `[sandbox] allowed_hosts` when there is one (as every command does);
//! without one, within the hosts the built-in PeopleSpheres connector declares for the same
//! settings (none when the settings are not the built-in's: then the component reaches no
//! host at all), with the built-in's secret keys sealed too, whatever the component declares.

use crate::Connector;
use crate::model::Config;
use crate::runtime::{RuntimeOptions, WasmConnector};
use crate::sandbox::OutboundPolicy;
use crate::settings::Settings;
use crate::source::ComponentSource;

use super::context::Context;
use super::failure::Failure;

/// The context's connector, fenced and sealed when it is a file (`None`: the built-in).
pub(super) async fn for_conformance(
    ctx: &Context,
    settings: Option<&Settings>,
) -> Result<Option<WasmConnector>, Failure> {
    let named = &ctx.connector.component().source;
    if named.is_builtin() {
        return Ok(None);
    }
    let engine = ctx.connector.engine().clone();
    let builtin = WasmConnector::load(
        engine.clone(),
        ComponentSource::PEOPLESPHERES,
        RuntimeOptions::default(),
    )
    .await?;
    let mut secret_keys = ctx.runtime_options.secret_keys.clone();
    secret_keys.extend(builtin.secret_keys().iter().map(|k| k.to_string()));
    // With the operator's allow list the component runs within it, as every command does; its
    // secrets are still the built-in's too, whatever it declares.
    if let Some(allow) = &ctx.runtime_options.operator_allow {
        let options = RuntimeOptions {
            operator_allow: Some(allow.clone()),
            secret_keys,
            ..ctx.runtime_options.clone()
        };
        let sealed =
            WasmConnector::from_component(engine, ctx.connector.component().clone(), options)
                .await?;
        return Ok(Some(sealed));
    }
    // The built-in's view of the same settings (the demo tenant's configuration is already
    // the built-in's).
    let config: Option<Config> = match settings {
        Some(s) => s.connector_config(builtin.description()).ok(),
        None => Some(ctx.config.clone()),
    };
    let hosts = match &config {
        Some(c) => builtin.outbound_hosts(c).await.unwrap_or_default(),
        None => Vec::new(),
    };
    tracing::info!(
        "conformance runs {named} within the built-in connector's hosts for these settings: {}",
        if hosts.is_empty() {
            "none".to_string()
        } else {
            hosts.join(", ")
        }
    );
    let options = RuntimeOptions {
        operator_allow: Some(OutboundPolicy::allow(&hosts)),
        secret_keys,
        ..ctx.runtime_options.clone()
    };
    let fenced =
        WasmConnector::from_component(engine, ctx.connector.component().clone(), options).await?;
    Ok(Some(fenced))
}
