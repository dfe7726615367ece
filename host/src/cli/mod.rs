//! The `connector-host` command line. `main` only calls [`run`], so tests drive the very same
//! code in-process with captured output. Errors print as one line (`error: …` with the cause
//! chain) and give a non-zero exit code: 1 for a failure at run time, 2 for bad usage or
//! configuration.

mod context;
mod identities;
mod logging;
mod render;
mod serving;
mod sync;
mod users;

use std::io::Write;
use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use context::Context;

/// Exit code of a failed command.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code of bad usage or a bad configuration.
pub const EXIT_USAGE: i32 = 2;

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

/// Options of every command.
#[derive(Debug, Args)]
struct CommonArgs {
    /// Configuration file (TOML); without one, the built-in demo tenant is used.
    #[arg(
        long,
        global = true,
        env = "CONNECTOR_HOST_CONFIG",
        display_order = 950
    )]
    config: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true, display_order = 951)]
    json: bool,
    /// More on stderr: -v adds the connector's and the host's info lines, -vv debug lines
    /// (RUST_LOG, when set, chooses instead).
    #[arg(long, short, global = true, action = ArgAction::Count, conflicts_with = "quiet", display_order = 952)]
    verbose: u8,
    /// Errors only on stderr: no notes, warnings or progress bar.
    #[arg(long, short, global = true, display_order = 953)]
    quiet: bool,
}

/// Which component a command loads.
#[derive(Debug, Args, Default, Clone)]
struct ComponentArg {
    /// Connector component (.wasm); default: the PeopleSpheres connector built into this binary.
    #[arg(
        long,
        global = true,
        env = "CONNECTOR_HOST_COMPONENT",
        display_order = 900
    )]
    component: Option<PathBuf>,
}

/// The built-in demo tenant, used when no configuration file is given.
#[derive(Debug, Args, Clone)]
struct DemoArg {
    /// Employees in the built-in demo tenant (without --config).
    #[arg(long, global = true, default_value_t = 250, display_order = 901)]
    sandbox_users: usize,
}

impl Default for DemoArg {
    fn default() -> Self {
        DemoArg { sandbox_users: 250 }
    }
}

/// Options of the commands that run a connector against a tenant.
#[derive(Debug, Args, Default, Clone)]
pub(crate) struct ConnectorArgs {
    #[command(flatten)]
    component: ComponentArg,
    #[command(flatten)]
    demo: DemoArg,
    #[command(flatten)]
    patience: PatienceArg,
}

/// How long a command may wait out the tenant's rate limits in all.
#[derive(Debug, Args, Clone)]
struct PatienceArg {
    /// Seconds this command may spend in all waiting out the tenant's rate limits (each wait
    /// is the tenant's Retry-After); past it a sync ends as interrupted.
    #[arg(
        long,
        global = true,
        value_name = "SECS",
        default_value_t = 900,
        env = "CONNECTOR_HOST_RATE_LIMIT_BUDGET",
        display_order = 902
    )]
    rate_limit_budget: u64,
}

impl Default for PatienceArg {
    fn default() -> Self {
        PatienceArg {
            rate_limit_budget: crate::rate_limit::DEFAULT_BUDGET.as_secs(),
        }
    }
}

/// What a command runs with: the common options and, where they apply, the connector's.
#[derive(Debug, Default)]
pub(crate) struct Global {
    component: Option<PathBuf>,
    config: Option<PathBuf>,
    json: bool,
    verbosity: logging::Verbosity,
    sandbox_users: usize,
    rate_limit_budget: std::time::Duration,
}

impl Global {
    fn new(common: &CommonArgs, connector: ConnectorArgs) -> Global {
        Global {
            component: connector.component.component,
            config: common.config.clone(),
            json: common.json,
            verbosity: logging::Verbosity::from_flags(common.quiet, common.verbose),
            sandbox_users: connector.demo.sandbox_users,
            rate_limit_budget: std::time::Duration::from_secs(connector.patience.rate_limit_budget),
        }
    }
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
        /// Page size asked of the connector (0 = its default).
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
        connector: ConnectorArgs,
        /// Loopback address to listen on.
        #[arg(long, default_value = "127.0.0.1:7400")]
        listen: std::net::SocketAddr,
        /// The name the connector is served under.
        #[arg(long, default_value = "peoplespheres")]
        name: String,
        /// Swap the connector in when its component file changes.
        #[arg(long)]
        watch: bool,
        /// Where to write the admin API token made at start (ignored when
        /// CONNECTOR_HOST_ADMIN_TOKEN gives one); default $XDG_RUNTIME_DIR/connector-host/.
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// Listen on a non-loopback address (plain HTTP: only behind a TLS proxy, and only
        /// with CONNECTOR_HOST_ADMIN_TOKEN set).
        #[arg(long)]
        allow_remote: bool,
    },
    /// List the audit log (detected events and actions taken).
    Events(sync::EventsArgs),
    /// Change or create identities on the platform side.
    #[command(subcommand)]
    Identities(identities::IdentitiesCommand),
    /// Serve the built-in PeopleSpheres demo tenant on loopback until Ctrl-C.
    Sandbox {
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
    let cli = match Cli::try_parse_from(args) {
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

/// An error with its exit code.
pub(crate) struct Failure {
    pub error: anyhow::Error,
    pub code: i32,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            error: e.into(),
            code: EXIT_FAILURE,
        }
    }
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
            render::inspect(out, &connector, global.json)?;
        }
        Command::Sync(args) => {
            let global = with(args.connector.clone());
            sync::sync(&global, args, out, err).await?
        }
        Command::Events(args) => sync::events(&with(ConnectorArgs::default()), args, out, err)?,
        Command::Identities(cmd) => {
            identities::run(&with(ConnectorArgs::default()), cmd, out, err)?
        }
        Command::Sandbox { demo, port } => {
            let global = with(ConnectorArgs {
                demo,
                ..ConnectorArgs::default()
            });
            serving::sandbox(&global, port, out).await?
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "connector-host", out);
        }
        Command::Serve {
            connector,
            listen,
            name,
            watch,
            token_file,
            allow_remote,
        } => {
            let options = serving::ServeOptions {
                listen,
                name,
                watch,
                token_file,
                allow_remote,
            };
            serving::serve(&with(connector), options, out, err).await?
        }
        Command::Import {
            connector,
            page_size,
        } => {
            let global = with(connector);
            let mut ctx = Context::with_session(&global, err).await?;
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
            let faults = ctx
                .sandbox
                .as_ref()
                .map(|s| s as &dyn crate::conformance::FaultInjector);
            let target = crate::conformance::Target {
                connector: &ctx.connector,
                config: ctx.config.clone(),
                faults,
            };
            let options = crate::conformance::Options {
                read_only,
                page_size,
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

/// A failure caused by bad usage or configuration (exit code 2).
fn usage(e: impl Into<anyhow::Error>) -> Failure {
    Failure {
        error: e.into(),
        code: EXIT_USAGE,
    }
}
