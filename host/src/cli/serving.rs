//! The long-running commands: `sandbox` (the simulated tenant for manual use) and `serve`
//! (named connectors behind the loopback admin API, hot-swapped on request or on file change).

use std::io::Write;

use super::context::Context;
use super::{Failure, Global, usage};

/// `connector-host sandbox`: serves the built-in tenant until Ctrl-C.
pub(super) async fn sandbox(
    global: &Global,
    port: u16,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let sandbox = crate::builtin::Sandbox::start(global.sandbox_users, port)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the sandbox tenant: {e}"))?;
    if global.json {
        let doc = serde_json::json!({
            "url": sandbox.url(),
            "login": sandbox.simulator.login(),
            "employees": global.sandbox_users,
        });
        writeln!(out, "{doc}")?;
        out.flush()?;
        tokio::signal::ctrl_c().await?;
        sandbox.simulator.shutdown().await;
        return Ok(());
    }
    writeln!(
        out,
        "PeopleSpheres sandbox tenant with {} employees at {}",
        global.sandbox_users,
        sandbox.url()
    )?;
    writeln!(
        out,
        "login: {}   (password: the sandbox's fixed test password, see tests/simulator/WIRE.md, \"Token\")",
        sandbox.simulator.login()
    )?;
    writeln!(
        out,
        "a configuration file for it:\n\n[connector.settings]\nurl = \"{}\"\nlogin = \"{}\"\npassword_env = \"PS_SANDBOX_PASSWORD\"\n",
        sandbox.url(),
        sandbox.simulator.login()
    )?;
    writeln!(out, "Ctrl-C stops it.")?;
    out.flush()?;
    tokio::signal::ctrl_c().await?;
    sandbox.simulator.shutdown().await;
    Ok(())
}

/// `connector-host serve`: the admin API on loopback, with the file watcher on request.
pub(super) async fn serve(
    global: &Global,
    listen: std::net::SocketAddr,
    name: &str,
    watch: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    if !listen.ip().is_loopback() {
        return Err(usage(anyhow::anyhow!(
            "--listen {listen}: the admin API has no authentication, so it only listens on loopback"
        )));
    }
    let ctx = Context::with_tenant(global, err).await?;
    // The registry shares the engine the component was just compiled with, so it is compiled
    // once (the second load is a hit in the engine's cache).
    let registry = std::sync::Arc::new(crate::registry::Registry::new(
        ctx.connector.engine().clone(),
        ctx.runtime_options.clone(),
    ));
    let source = ctx.connector.component().source.clone();
    let version = registry.add(name, &source, ctx.config.clone()).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let local = listener.local_addr()?;
    writeln!(
        out,
        "serving {name} {} from {} on http://{local} (Ctrl-C stops)",
        version.version(),
        source
    )?;
    out.flush()?;
    if watch {
        let registry = registry.clone();
        tokio::spawn(crate::serve::watch(
            registry,
            std::time::Duration::from_secs(1),
            |name, outcome| match outcome {
                Ok(v) => eprintln!("swapped {name} to version {v}"),
                Err(e) => eprintln!("kept the serving version of {name}: {e}"),
            },
        ));
    }
    let app = crate::serve::router(registry);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
