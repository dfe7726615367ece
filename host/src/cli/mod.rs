//! The `connector-host` command line. `main` only calls [`run`], so tests drive the very same
//! code in-process with captured output. Errors print as one line (`error: …` with the cause
//! chain) and give a non-zero exit code: 1 for a failure at run time, 2 for bad usage or
//! configuration.

mod args;
mod context;
mod failure;
mod fence;
mod identities;
mod logging;
mod render;
mod scope;
mod serving;
mod store;
mod sync;
mod sync_report;
mod targets;
mod users;

use std::io::Write;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

use args::{CommonArgs, ComponentArg, ConnectorArgs, DemoArg, Global};
use context::Context;
pub use failure::{EXIT_FAILURE, EXIT_USAGE};
use failure::{Failure, usage};

#[derive(Debug, Parser)]
#[command(
    name = "connector-host",
    version,
    about = "Loads, sandboxes and runs identity-provisioning connectors (WebAssembly components).",
    long_about = "Loads, sandboxes and runs identity-provisioning connectors (WebAssembly components).\n\n\
        The main job is `sync`: it reads every employee of the HR tenant through the connector \
        into the local store, reports joiners, movers and leavers, and applies the policy. \
        Without --config every command runs against the built-in demo tenant.",
    after_help = "Exit codes: 0 success, 1 the work failed, 2 bad usage or configuration."
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The provisioning job: sync the tenant into the store (joiners, movers, leavers), apply
    /// the deprovisioning policy and write platform-side changes back.
    Sync(sync::SyncArgs),
    /// Read every employee and print them with the field catalogue (no store; see `sync`).
    Import {
        #[command(flatten)]
        connector: ConnectorArgs,
        /// Page size asked of the connector (0 = the largest it allows: a full read in the
        /// fewest calls).
        #[arg(long, default_value_t = 0)]
        page_size: u32,
    },
    /// Describe a component: name, versions, operations, configuration keys, imports.
    Inspect {
        #[command(flatten)]
        component: ComponentArg,
        /// The component (defaults to --component, then the built-in connector).
        path: Option<PathBuf>,
    },
    /// Check that the tenant answers and accepts the credentials.
    Test {
        #[command(flatten)]
        connector: ConnectorArgs,
    },
    /// List the fields available for mapping.
    Fields {
        #[command(flatten)]
        connector: ConnectorArgs,
    },
    /// List the allowed values of a list field, one level at a time.
    Choices {
        #[command(flatten)]
        connector: ConnectorArgs,
        /// The field's name.
        field: String,
        /// The parent choice id (roots when absent).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Read, create, change, suspend and resume users in the tenant.
    Users {
        #[command(flatten)]
        connector: ConnectorArgs,
        #[command(subcommand)]
        command: users::UsersCommand,
    },
    /// Run the conformance suite against the connector; exits non-zero when a case fails.
    Conformance {
        #[command(flatten)]
        connector: ConnectorArgs,
        /// Run only the cases that write nothing (fit for a production tenant).
        #[arg(long)]
        read_only: bool,
        /// Also write a JUnit XML report to this file.
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Page size for the listing cases (0 = the connector's default).
        #[arg(long, default_value_t = 0)]
        page_size: u32,
    },
    /// Keep the connector loaded and serve its reads, hot swaps and rollbacks over a loopback
    /// HTTP API until Ctrl-C (see the README, "Serving and hot swap").
    Serve {
        #[command(flatten)]
        component: ComponentArg,
        #[command(flatten)]
        demo: DemoArg,
        #[command(flatten)]
        options: serving::ServeOptions,
    },
    /// List the audit log (detected events and actions taken).
    Events(sync::EventsArgs),
    /// Change or create identities on the platform side.
    #[command(subcommand)]
    Identities(identities::IdentitiesCommand),
    /// Serve the built-in PeopleSpheres demo tenant on loopback until Ctrl-C.
    #[command(alias = "sandbox")]
    Demo {
        #[command(flatten)]
        demo: DemoArg,
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
    /// Print a shell completion script (`connector-host completions bash > …`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

/// Runs the CLI with these arguments (the first is the program name); returns the exit code.
pub fn run<I, S>(args: I, out: &mut dyn Write, err: &mut dyn Write) -> i32
where
    I: IntoIterator<Item = S>,
    S: Into<std::ffi::OsString> + Clone,
{
    let parsed = scope::command::<Cli>()
        .try_get_matches_from(args)
        .and_then(|matches| {
            scope::check(&matches).map_err(|e| {
                clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, e + "\n")
            })?;
            <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
        });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let text = e.render().to_string();
            let _ = if e.use_stderr() {
                err.write_all(text.as_bytes())
            } else {
                out.write_all(text.as_bytes())
            };
            return code;
        }
    };
    logging::init(logging::Verbosity::from_flags(
        cli.common.quiet,
        cli.common.verbose,
    ));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the async runtime: {e}");
            return EXIT_FAILURE;
        }
    };
    let result = runtime.block_on(dispatch(cli, out, err));
    match result {
        Ok(()) => 0,
        Err(failure) => {
            let _ = writeln!(err, "error: {}", context::one_line(&failure.error));
            if is_configuration_problem(&failure.error) {
                EXIT_USAGE
            } else {
                failure.code
            }
        }
    }
}

/// A connector's `invalid-config`, wherever it surfaced, is a configuration problem (exit 2).
fn is_configuration_problem(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let connector = cause
            .downcast_ref::<crate::HostError>()
            .and_then(crate::HostError::as_connector)
            .or_else(|| cause.downcast_ref::<crate::ConnectorError>());
        matches!(connector, Some(crate::ConnectorError::InvalidConfig { .. }))
    })
}

async fn dispatch(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let common = cli.common;
    let with = |connector: ConnectorArgs| Global::new(&common, connector);
    match cli.command {
        Command::Inspect { component, path } => {
            let global = with(ConnectorArgs {
                component,
                ..ConnectorArgs::default()
            });
            let connector = Context::component_only(&global, path.as_deref()).await?;
            let capabilities = match &global.config {
                Some(file) => {
                    let settings = crate::settings::Settings::load(file).map_err(usage)?;
                    let config = settings
                        .connector_config(crate::connector::Connector::description(&connector))
                        .map_err(usage)?;
                    crate::capabilities::Capabilities::of(&connector, &config).await?
                }
                None => crate::capabilities::Capabilities::without_hosts(&connector),
            };
            let configured = global.config.is_some();
            render::inspect(out, &connector, &capabilities, configured, global.json)?;
        }
        Command::Sync(args) => {
            let global = with(args.connector.clone());
            sync::sync(&global, args, out, err).await?
        }
        Command::Events(args) => sync::events(&with(ConnectorArgs::default()), args, out, err)?,
        Command::Identities(cmd) => {
            identities::run(&with(ConnectorArgs::default()), cmd, out, err)?
        }
        Command::Demo { demo, port } => {
            let global = with(ConnectorArgs {
                demo,
                ..ConnectorArgs::default()
            });
            serving::demo(&global, port, out).await?
        }
        Command::Completions { shell } => {
            let mut command = scope::command::<Cli>();
            clap_complete::generate(shell, &mut command, "connector-host", out);
        }
        Command::Serve {
            component,
            demo,
            options,
        } => {
            // No --record: `serve` runs until stopped and would hold every exchange in memory.
            // Its reads have their own wait budget (--read-wait-budget).
            let connector = ConnectorArgs {
                component,
                demo,
                ..ConnectorArgs::default()
            };
            serving::serve(&with(connector), options, out, err).await?
        }
        Command::Import {
            connector,
            page_size,
        } => {
            let global = with(connector);
            let mut ctx = Context::with_session(&global, err).await?;
            let page_size = match page_size {
                0 => crate::connector::Connector::description(&ctx.connector).max_page_size,
                n => n,
            };
            let started = std::time::Instant::now();
            let (users, pages) = users::read_all(&mut ctx, page_size, None).await?;
            let elapsed = started.elapsed();
            let fields = ctx.session().get_fields().await?;
            render::import(out, &ctx, &users, pages, elapsed, &fields, global.json)?;
        }
        Command::Conformance {
            connector,
            read_only,
            junit,
            page_size,
        } => {
            let global = with(connector);
            let ctx = Context::with_tenant(&global, err).await?;
            let settings = match &global.config {
                Some(path) => Some(crate::settings::Settings::load(path).map_err(usage)?),
                None => None,
            };
            let fenced = fence::for_conformance(&ctx, settings.as_ref()).await?;
            let faults = ctx
                .demo
                .as_ref()
                .map(|s| s as &dyn crate::conformance::FaultInjector);
            let target = crate::conformance::Target {
                connector: fenced.as_ref().unwrap_or(&ctx.connector),
                config: ctx.config.clone(),
                faults,
            };
            let options = crate::conformance::Options {
                read_only,
                page_size,
                wait_budget: global.rate_limit_budget,
                ..Default::default()
            };
            let report = crate::conformance::run(target, options).await;
            if let Some(path) = junit {
                std::fs::write(&path, report.to_junit()).map_err(|e| {
                    anyhow::anyhow!("cannot write the JUnit report {}: {e}", path.display())
                })?;
            }
            if global.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
            } else {
                write!(out, "{}", report.to_table())?;
            }
            let failed: Vec<&str> = report.failed().map(|r| r.id.as_str()).collect();
            if !failed.is_empty() {
                return Err(anyhow::anyhow!(
                    "{} conformance case(s) failed: {}",
                    failed.len(),
                    failed.join(", ")
                )
                .into());
            }
        }
        Command::Test { connector } => {
            let global = with(connector);
            let mut ctx = Context::with_session(&global, err).await?;
            ctx.session().test_connection().await?;
            if global.json {
                writeln!(out, "{}", serde_json::json!({"ok": true}))?;
            } else {
                writeln!(
                    out,
                    "connection ok: {} answers and accepts the credentials",
                    ctx.tenant_label()
                )?;
            }
        }
        Command::Fields { connector } => {
            let global = with(connector);
            let mut ctx = Context::with_session(&global, err).await?;
            let fields = ctx.session().get_fields().await?;
            render::fields(out, &fields, global.json)?;
        }
        Command::Choices {
            connector,
            field,
            parent,
        } => {
            let global = with(connector);
            let mut ctx = Context::with_session(&global, err).await?;
            let choices = ctx
                .session()
                .list_choices(&field, parent.as_deref())
                .await?;
            render::choices(out, &choices, global.json)?;
        }
        Command::Users { connector, command } => {
            users::run(&with(connector), command, out, err).await?
        }
    }
    Ok(())
}
