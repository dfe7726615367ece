//! The long-running commands: `demo` (the built-in demo tenant for manual use) and `serve`
//! (named connectors behind the loopback admin API, hot-swapped on request or on file change).

use std::io::Write;

use super::args::Global;
use super::context::Context;
use super::failure::Failure;
use super::failure::usage;

/// `connector-host demo`: serves the built-in demo tenant until Ctrl-C.
pub(super) async fn demo(global: &Global, port: u16, out: &mut dyn Write) -> Result<(), Failure> {
    let demo = crate::builtin::DemoTenant::start(global.demo_users, port)
        .await
        .map_err(|e| anyhow::anyhow!("cannot start the demo tenant: {e}"))?;
    if global.json {
        let doc = serde_json::json!({
            "url": demo.url(),
            "login": demo.simulator.login(),
            "employees": global.demo_users,
        });
        writeln!(out, "{doc}")?;
        out.flush()?;
        tokio::signal::ctrl_c().await?;
        demo.simulator.shutdown().await;
        return Ok(());
    }
    writeln!(
        out,
        "PeopleSpheres demo tenant with {} employees at {}",
        global.demo_users,
        demo.url()
    )?;
    writeln!(
        out,
        "login: {}   (password: the demo tenant's fixed test password, see tests/simulator/WIRE.md, \"Token\")",
        demo.simulator.login()
    )?;
    writeln!(
        out,
        "a configuration file for it:\n\n[connector.settings]\nurl = \"{}\"\nlogin = \"{}\"\npassword_env = \"PS_DEMO_PASSWORD\"\n",
        demo.url(),
        demo.simulator.login()
    )?;
    writeln!(out, "Ctrl-C stops it.")?;
    out.flush()?;
    tokio::signal::ctrl_c().await?;
    demo.simulator.shutdown().await;
    Ok(())
}

/// How `serve` listens, what it serves and what swaps may bring.
#[derive(Debug, clap::Args)]
pub(super) struct ServeOptions {
    /// Loopback address to listen on.
    #[arg(long, default_value = "127.0.0.1:7400")]
    pub listen: std::net::SocketAddr,
    /// The name the connector is served under.
    #[arg(long, default_value = "peoplespheres")]
    pub name: String,
    /// Swap the connector in when its component file changes.
    #[arg(long)]
    pub watch: bool,
    /// Seconds one API read may spend waiting out the tenant's rate limits (logging in
    /// included) before it answers 429.
    #[arg(long, value_name = "SECS", default_value_t = crate::registry::READ_WAIT_BUDGET.as_secs())]
    pub read_wait_budget: u64,
    /// Where to write the admin API token made at start (ignored when
    /// CONNECTOR_HOST_ADMIN_TOKEN gives one); default $XDG_RUNTIME_DIR/connector-host/.
    #[arg(long)]
    pub token_file: Option<std::path::PathBuf>,
    /// Listen on a non-loopback address (plain HTTP: only behind a TLS proxy, and only
    /// with CONNECTOR_HOST_ADMIN_TOKEN set).
    #[arg(long)]
    pub allow_remote: bool,
    /// Growth of a new version's capabilities that swaps may bring (`host:HOST:PORT`,
    /// `import:INTERFACE`, `secret:KEY`); repeat for several. Anything else that grows is
    /// refused, the difference listed.
    #[arg(long, value_name = "GROWTH")]
    pub approve: Vec<String>,
}

/// `connector-host serve`: the admin API behind its gate, with the file watcher on request.
pub(super) async fn serve(
    global: &Global,
    options: ServeOptions,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let ServeOptions {
        listen,
        name,
        watch,
        token_file,
        allow_remote,
        read_wait_budget,
        approve,
    } = options;
    let name = name.as_str();
    let operator_token = std::env::var("CONNECTOR_HOST_ADMIN_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    crate::admin_guard::check_listen(listen, allow_remote, operator_token.as_deref())
        .map_err(|e| usage(anyhow::anyhow!(e)))?;
    let ctx = Context::with_tenant(global, err).await?;
    // The registry shares the engine the component was just compiled with, so it is compiled
    // once (the second load is a hit in the engine's cache).
    let (folders, mut approved) = match &global.config {
        Some(path) => {
            let settings = crate::settings::Settings::load(path).map_err(usage)?;
            (settings.component_dirs(), settings.approved_growth())
        }
        None => (Vec::new(), Vec::new()),
    };
    approved.extend(approve);
    let registry = std::sync::Arc::new(
        crate::registry::Registry::new(ctx.connector.engine().clone(), ctx.runtime_options.clone())
            .with_component_folders(folders)
            .with_approved(approved)
            .with_read_wait(std::time::Duration::from_secs(read_wait_budget)),
    );
    let source = ctx.connector.component().source.clone();
    let version = registry.add(name, &source, ctx.config.clone()).await?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let local = listener.local_addr()?;
    let token = match operator_token {
        Some(t) => t,
        None => {
            let token = crate::admin_guard::Guard::random_token()?;
            let file = token_file
                .unwrap_or_else(|| crate::admin_guard::Guard::default_token_file(local.port()));
            crate::admin_guard::Guard::write_token(&file, &token)?;
            writeln!(
                out,
                "admin API token in {} (owner-only; send it as `Authorization: Bearer <token>`)",
                file.display()
            )?;
            token
        }
    };
    let guard = crate::admin_guard::Guard::new(local, &token).map_err(usage)?;
    writeln!(
        out,
        "serving {name} {} from {} on http://{local} (Ctrl-C stops)",
        version.version(),
        source
    )?;
    out.flush()?;
    if watch {
        let registry = registry.clone();
        // A swap is a note (-q hides it); a refused one is an error of the swap asked for.
        let notes = global.verbosity.notes();
        tokio::spawn(crate::serve::watch(
            registry,
            std::time::Duration::from_secs(1),
            move |name, outcome| match outcome {
                Ok(v) if notes => eprintln!("swapped {name} to version {v}"),
                Ok(_) => {}
                Err(e) => eprintln!("error: kept the serving version of {name}: {e}"),
            },
        ));
    }
    let app = crate::serve::guarded(registry, guard);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
