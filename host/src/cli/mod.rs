//! The `connector-host` command line. `main` only calls [`run`], so tests drive the very same
//! code in-process with captured output. Errors print as one line (`error: …` with the cause
//! chain) and give a non-zero exit code: 1 for a failure at run time, 2 for bad usage or
//! configuration.

mod attrs;
mod context;
mod identities;
mod render;
mod serving;
mod sync;

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::model::UserPage;
use context::Context;

/// Exit code of a failed command.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code of bad usage or a bad configuration.
pub const EXIT_USAGE: i32 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "connector-host",
    version,
    about = "Loads, sandboxes and runs identity-provisioning connectors (WebAssembly components)."
)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct Global {
    /// Connector component (.wasm); defaults to the PeopleSpheres connector this workspace builds.
    #[arg(long, global = true, env = "CONNECTOR_HOST_COMPONENT")]
    component: Option<PathBuf>,
    /// Configuration file (TOML); without one, the built-in PeopleSpheres sandbox tenant is used.
    #[arg(long, global = true, env = "CONNECTOR_HOST_CONFIG")]
    config: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    /// Print the connector's log lines on stderr.
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Employees in the built-in sandbox tenant.
    #[arg(long, global = true, default_value_t = 250)]
    sandbox_users: usize,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The main job: import every employee and print them with the field catalogue.
    Import {
        /// Page size asked of the connector (0 = its default).
        #[arg(long, default_value_t = 0)]
        page_size: u32,
    },
    /// Describe a component: name, versions, operations, configuration keys, imports.
    Inspect {
        /// The component (defaults to --component, then the built-in connector).
        path: Option<PathBuf>,
    },
    /// Check that the tenant answers and accepts the credentials.
    Test,
    /// List the fields available for mapping.
    Fields,
    /// List the allowed values of a list field, one level at a time.
    Choices {
        /// The field's name.
        field: String,
        /// The parent choice id (roots when absent).
        #[arg(long)]
        parent: Option<String>,
    },
    /// Read users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Run the conformance suite against the connector; exits non-zero when a case fails.
    Conformance {
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
    /// Keep the connector loaded and serve calls and swaps over a loopback HTTP API (see
    /// `connector_host::serve`) until Ctrl-C.
    Serve {
        /// Loopback address to listen on.
        #[arg(long, default_value = "127.0.0.1:7400")]
        listen: std::net::SocketAddr,
        /// The name the connector is served under.
        #[arg(long, default_value = "peoplespheres")]
        name: String,
        /// Swap the connector in when its component file changes.
        #[arg(long)]
        watch: bool,
    },
    /// The provisioning job: sync the tenant into the store (joiners, movers, leavers), apply
    /// the deprovisioning policy and write platform-side changes back.
    Sync(sync::SyncArgs),
    /// List the audit log (detected events and actions taken).
    Events(sync::EventsArgs),
    /// Change or create identities on the platform side.
    #[command(subcommand)]
    Identities(identities::IdentitiesCommand),
    /// Serve the built-in PeopleSpheres sandbox tenant until Ctrl-C.
    Sandbox {
        /// Port on 127.0.0.1 (0 picks a free one).
        #[arg(long, default_value_t = 0)]
        port: u16,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// List users, page by page.
    List {
        /// Page size asked of the connector (0 = its default).
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        /// Stop after this many users.
        #[arg(long)]
        limit: Option<usize>,
    },
    /// Show one user.
    Get {
        /// The user's id.
        id: String,
    },
    /// Create a user from `name=value` pairs (or a JSON file) and print it as stored.
    Create {
        /// Attributes: `first_name=Jane`, `department=Ventes/France/Paris` (label path) or
        /// `department=#504` (choice id), `manager=12` (user id); repeat a name for several values.
        attributes: Vec<String>,
        /// A JSON object of attributes (`{"first_name": "Jane", "skills": ["a", "b"]}`).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Change some attributes of a user (`name=` clears one) and print it as stored.
    Update {
        /// The user's id.
        id: String,
        /// Changes, as for `create`; `name=` clears the attribute.
        attributes: Vec<String>,
        /// A JSON object of changes (`null` clears).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Suspend a user's account.
    Suspend {
        /// The user's id.
        id: String,
    },
    /// Reactivate a suspended account.
    Resume {
        /// The user's id.
        id: String,
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
            failure.code
        }
    }
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
    let global = cli.global;
    match cli.command {
        Command::Inspect { path } => {
            let connector = Context::component_only(&global, path.as_deref()).await?;
            render::inspect(out, &connector, global.json)?;
        }
        Command::Sync(args) => sync::sync(&global, args, out, err).await?,
        Command::Events(args) => sync::events(&global, args, out)?,
        Command::Identities(cmd) => identities::run(&global, cmd, out)?,
        Command::Sandbox { port } => serving::sandbox(&global, port, out).await?,
        Command::Serve {
            listen,
            name,
            watch,
        } => serving::serve(&global, listen, &name, watch, out, err).await?,
        Command::Import { page_size } => {
            let mut ctx = Context::with_session(&global, err).await?;
            let started = std::time::Instant::now();
            let (users, pages) = read_all(&mut ctx, page_size, None).await?;
            let elapsed = started.elapsed();
            let fields = ctx.session().get_fields().await?;
            render::import(out, &ctx, &users, pages, elapsed, &fields, global.json)?;
        }
        Command::Conformance {
            read_only,
            junit,
            page_size,
        } => {
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
        Command::Test => {
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
        Command::Fields => {
            let mut ctx = Context::with_session(&global, err).await?;
            let fields = ctx.session().get_fields().await?;
            render::fields(out, &fields, global.json)?;
        }
        Command::Choices { field, parent } => {
            let mut ctx = Context::with_session(&global, err).await?;
            let choices = ctx
                .session()
                .list_choices(&field, parent.as_deref())
                .await?;
            render::choices(out, &choices, global.json)?;
        }
        Command::Users(UsersCommand::List { page_size, limit }) => {
            let mut ctx = Context::with_session(&global, err).await?;
            let (users, _) = read_all(&mut ctx, page_size, limit).await?;
            render::users(out, &users, global.json)?;
        }
        Command::Users(UsersCommand::Get { id }) => {
            let mut ctx = Context::with_session(&global, err).await?;
            let user = ctx.session().get_user(&id).await?;
            render::user(out, &user, global.json)?;
        }
        Command::Users(UsersCommand::Create { attributes, file }) => {
            let raw = raw_attributes(&attributes, file.as_deref())?;
            let mut ctx = Context::with_session(&global, err).await?;
            let fields = ctx.session().get_fields().await?;
            let attributes = attrs::attributes(&raw, &fields).map_err(usage)?;
            let user = ctx.session().create_user(attributes).await?;
            render::user(out, &user, global.json)?;
        }
        Command::Users(UsersCommand::Update {
            id,
            attributes,
            file,
        }) => {
            let raw = raw_attributes(&attributes, file.as_deref())?;
            let mut ctx = Context::with_session(&global, err).await?;
            let fields = ctx.session().get_fields().await?;
            let changes = attrs::changes(&raw, &fields).map_err(usage)?;
            let user = ctx.session().update_user(&id, changes).await?;
            render::user(out, &user, global.json)?;
        }
        Command::Users(UsersCommand::Suspend { id }) => {
            let mut ctx = Context::with_session(&global, err).await?;
            let user = ctx.session().suspend_user(&id).await?;
            render::user(out, &user, global.json)?;
        }
        Command::Users(UsersCommand::Resume { id }) => {
            let mut ctx = Context::with_session(&global, err).await?;
            let user = ctx.session().resume_user(&id).await?;
            render::user(out, &user, global.json)?;
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

/// Attributes from pairs and/or a JSON file (pairs win on the same name).
fn raw_attributes(pairs: &[String], file: Option<&std::path::Path>) -> Result<attrs::Raw, Failure> {
    let mut raw = match file {
        Some(path) => attrs::from_json_file(path).map_err(usage)?,
        None => attrs::Raw::new(),
    };
    for (name, values) in attrs::from_pairs(pairs).map_err(usage)? {
        raw.retain(|(n, _)| *n != name);
        raw.push((name, values));
    }
    if raw.is_empty() {
        return Err(usage(anyhow::anyhow!(
            "no attributes given (name=value pairs or --file)"
        )));
    }
    Ok(raw)
}

/// Reads every page (or up to `limit` users); returns the users and the number of pages.
async fn read_all(
    ctx: &mut Context,
    page_size: u32,
    limit: Option<usize>,
) -> Result<(Vec<crate::model::User>, usize), Failure> {
    let mut users = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0usize;
    loop {
        let UserPage {
            users: page,
            next_page_token,
            ..
        } = ctx
            .session()
            .list_users(token.as_deref(), page_size)
            .await?;
        pages += 1;
        users.extend(page);
        if let Some(limit) = limit
            && users.len() >= limit
        {
            users.truncate(limit);
            break;
        }
        match next_page_token {
            Some(next) if Some(&next) != token.as_ref() => token = Some(next),
            Some(_) => {
                return Err(anyhow::anyhow!(
                    "the connector returned the same page token twice; stopping"
                )
                .into());
            }
            None => break,
        }
    }
    Ok((users, pages))
}
