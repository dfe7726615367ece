//! The options every command shares, and what a command runs with ([`Global`]).

use std::path::PathBuf;

use clap::{ArgAction, Args};

use super::logging;

/// Options of every command.
#[derive(Debug, Args)]
pub(super) struct CommonArgs {
    /// Configuration file (TOML); without one, the built-in demo tenant is used.
    #[arg(
        long,
        global = true,
        env = "CONNECTOR_HOST_CONFIG",
        display_order = 950
    )]
    pub(super) config: Option<PathBuf>,
    /// Print JSON instead of tables.
    #[arg(long, global = true, display_order = 951)]
    pub(super) json: bool,
    /// More on stderr: -v adds the connector's and the host's info lines, -vv debug lines
    /// (RUST_LOG, when set, chooses instead).
    #[arg(long, short, global = true, action = ArgAction::Count, conflicts_with = "quiet", display_order = 952)]
    pub(super) verbose: u8,
    /// Errors only on stderr: no notes, warnings or progress bar.
    #[arg(long, short, global = true, display_order = 953)]
    pub(super) quiet: bool,
}

/// Which component a command loads.
#[derive(Debug, Args, Default, Clone)]
pub(super) struct ComponentArg {
    /// Connector component (.wasm), or a connector built into this binary by name
    /// (`peoplespheres`, `scim`); default: peoplespheres.
    #[arg(
        long,
        global = true,
        env = "CONNECTOR_HOST_COMPONENT",
        display_order = 900
    )]
    pub(super) component: Option<PathBuf>,
}

/// The built-in demo tenant, used when no configuration file is given.
#[derive(Debug, Args, Clone)]
pub(super) struct DemoArg {
    /// Employees in the built-in demo tenant (without --config).
    #[arg(
        long,
        global = true,
        default_value_t = 250,
        display_order = 901,
        alias = "sandbox-users"
    )]
    pub(super) demo_users: usize,
}

impl Default for DemoArg {
    fn default() -> Self {
        DemoArg { demo_users: 250 }
    }
}

/// Options of the commands that run a connector against a tenant.
#[derive(Debug, Args, Default, Clone)]
pub(crate) struct ConnectorArgs {
    #[command(flatten)]
    pub(super) component: ComponentArg,
    #[command(flatten)]
    pub(super) demo: DemoArg,
    #[command(flatten)]
    pub(super) patience: PatienceArg,
    #[command(flatten)]
    pub(super) traffic: TrafficArg,
}

/// Recording the connector's outbound traffic, or answering it from a recording.
#[derive(Debug, Args, Default, Clone)]
pub(super) struct TrafficArg {
    /// Write every outbound request and answer to this HAR 1.2 file (secrets, tokens and
    /// cookies redacted).
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        conflicts_with = "replay",
        display_order = 903
    )]
    pub(super) record: Option<PathBuf>,
    /// Answer every outbound request from this HAR file, with no network (by method, URL and
    /// body; a request with no recorded answer fails).
    #[arg(long, global = true, value_name = "FILE", display_order = 904)]
    pub(super) replay: Option<PathBuf>,
}

/// How long a command may wait out the tenant's rate limits in all.
#[derive(Debug, Args, Clone)]
pub(super) struct PatienceArg {
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
    pub(super) rate_limit_budget: u64,
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
    pub(super) component: Option<PathBuf>,
    pub(super) config: Option<PathBuf>,
    pub(super) json: bool,
    pub(super) verbosity: logging::Verbosity,
    pub(super) demo_users: usize,
    pub(super) rate_limit_budget: std::time::Duration,
    pub(super) record: Option<PathBuf>,
    pub(super) replay: Option<PathBuf>,
}

impl Global {
    pub(super) fn new(common: &CommonArgs, connector: ConnectorArgs) -> Global {
        Global {
            component: connector.component.component,
            config: common.config.clone(),
            json: common.json,
            verbosity: logging::Verbosity::from_flags(common.quiet, common.verbose),
            demo_users: connector.demo.demo_users,
            rate_limit_budget: std::time::Duration::from_secs(connector.patience.rate_limit_budget),
            record: connector.traffic.record,
            replay: connector.traffic.replay,
        }
    }
}
