//! The provisioning commands: `sync` (the main job) and `events` (the audit log); the
//! store and mapping options they share with `identities` (see `identities.rs`). The store
//! defaults to `$XDG_DATA_HOME/connector-host/demo.sqlite` for the built-in
//! demo tenant and `…/store.sqlite` with a configuration file; the mapping defaults to the
//! embedded PeopleSpheres mapping.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::args::Global;
use super::context::Context;
use super::failure::Failure;
use super::failure::usage;
use crate::store::audit::{self, EventFilter};
use crate::store::{self, Store};
use crate::sync::{self, ActionKind, Mapping, Progress, SyncOptions};

/// Where the store and the mapping are.
#[derive(Debug, Args)]
pub(super) struct StoreArgs {
    /// The SQLite store (default: $XDG_DATA_HOME/connector-host/demo.sqlite without --config,
    /// store.sqlite with one).
    #[arg(long, env = "CONNECTOR_HOST_STORE")]
    store: Option<PathBuf>,
    /// The mapping (TOML); default: the embedded PeopleSpheres mapping.
    #[arg(long, env = "CONNECTOR_HOST_MAPPING")]
    mapping: Option<PathBuf>,
}

/// `sync` options.
#[derive(Debug, Args)]
pub(super) struct SyncArgs {
    #[command(flatten)]
    pub connector: super::args::ConnectorArgs,
    #[command(flatten)]
    store: StoreArgs,
    /// Print the plan (every create, update, suspend) and write nothing upstream.
    #[arg(long)]
    dry_run: bool,
    /// Let the run through the safety brake on mass suspensions.
    #[arg(long)]
    force: bool,
    /// Run the deprovisioning policy as of this day (YYYY-MM-DD) instead of today.
    #[arg(long)]
    as_of: Option<String>,
    /// Page size asked of the connector (0 = its default).
    #[arg(long, default_value_t = 0)]
    page_size: u32,
    /// Stop the listing past this many users (default: ten times the last complete listing,
    /// at least 10,000): a connector that never ends cannot fill the store.
    #[arg(long)]
    max_users: Option<u64>,
}

/// `events` options.
#[derive(Debug, Args)]
pub(super) struct EventsArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Only this run's events.
    #[arg(long)]
    run: Option<i64>,
    /// Only events of this kind.
    #[arg(long, value_enum)]
    kind: Option<crate::store::EventKind>,
    /// Only this identity's events.
    #[arg(long)]
    identity: Option<i64>,
    /// At most this many (the newest).
    #[arg(long, default_value_t = 500)]
    limit: u32,
}

/// Whether a command may create the store it names (only `sync` does; the others read what a
/// sync wrote, and a mistyped path must not silently give them an empty store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StoreUse {
    Create,
    Existing,
}

/// The store a command uses: `--store`, or the one of this tenant (see [`default_store`]).
pub(super) fn store_path(global: &Global, args: &StoreArgs) -> Result<PathBuf, Failure> {
    match &args.store {
        Some(p) => Ok(p.clone()),
        None => default_store(global),
    }
}

/// One store per tenant: `demo.sqlite` for the built-in demo tenant; with a configuration
/// file, `<file stem>-<12 hex>.sqlite`, the hex a SHA-256 of the connector (its component) and
/// the tenant's non-secret settings (the URL or environment, the login…), so a production and a
/// preproduction file never share a store, and two files for the same tenant do.
pub(super) fn default_store(global: &Global) -> Result<PathBuf, Failure> {
    use sha2::{Digest, Sha256};
    let Some(config) = &global.config else {
        let path = store::default_path("demo.sqlite");
        // The demo tenant's store had another name before (`sandbox.sqlite`): carry it over.
        let old = store::default_path("sandbox.sqlite");
        if !path.exists() && old.exists() {
            for suffix in ["", "-wal", "-shm"] {
                let from = PathBuf::from(format!("{}{suffix}", old.display()));
                if from.exists() {
                    std::fs::rename(&from, format!("{}{suffix}", path.display())).map_err(|e| {
                        anyhow::anyhow!("cannot rename {} to demo.sqlite: {e}", from.display())
                    })?;
                }
            }
        }
        return Ok(path);
    };
    let settings = crate::settings::Settings::load(config).map_err(usage)?;
    let component = global
        .component
        .clone()
        .or_else(|| settings.component().map(std::path::Path::to_path_buf))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "builtin:peoplespheres".into());
    let mut hasher = Sha256::new();
    hasher.update(component.as_bytes());
    for (key, value) in settings.tenant_identity() {
        hasher.update([0]);
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
    }
    let digest: String = hasher.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let stem: String = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tenant".into())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(store::default_path(&format!("{stem}-{digest}.sqlite")))
}

pub(super) fn open(
    global: &Global,
    args: &StoreArgs,
    usage_of: StoreUse,
    err: &mut dyn Write,
) -> Result<(Store, Mapping), Failure> {
    let mapping = match &args.mapping {
        Some(p) => Mapping::load(p),
        None => Mapping::default_peoplespheres(),
    }
    .map_err(usage)?;
    let path = store_path(global, args)?;
    if usage_of == StoreUse::Existing && !path.exists() {
        return Err(usage(anyhow::anyhow!(
            "no store at {} (a `connector-host sync` with the same --config creates it; --store names another)",
            path.display()
        )));
    }
    if global.verbosity.notes() {
        writeln!(err, "note: store {}", path.display())?;
    }
    Ok((Store::open(&path)?, mapping))
}

/// `connector-host sync`.
pub(super) async fn sync(
    global: &Global,
    args: SyncArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let as_of = args
        .as_of
        .as_deref()
        .map(sync::policy::parse_day)
        .transpose()
        .map_err(usage)?;
    let (mut store, mapping) = open(global, &args.store, StoreUse::Create, err)?;
    let mut ctx = Context::with_session(global, err).await?;
    let options = SyncOptions {
        dry_run: args.dry_run,
        force: args.force,
        as_of,
        page_size: args.page_size,
        max_users: args.max_users,
    };
    let progress = std::sync::Arc::new(if global.json || !global.verbosity.notes() {
        Progress::hidden()
    } else {
        Progress::stderr()
    });
    let shown = progress.clone();
    ctx.budget.set_observer(std::sync::Arc::new(move |wait| {
        shown.note(&format!(
            "rate limited: waiting {} s",
            wait.as_secs_f64().round().max(1.0)
        ));
    }));
    let started = std::time::Instant::now();
    let report = match sync::run(ctx.session(), &mut store, &mapping, &options, &progress).await {
        Ok(r) => r,
        Err(e @ (sync::SyncError::Mapping(_) | sync::SyncError::Policy(_))) => {
            return Err(usage(e));
        }
        Err(e) if e.is_interruption() => {
            return Err(anyhow::Error::new(e)
                .context(
                    "the run is interrupted (what was read is stored); the next sync carries on",
                )
                .into());
        }
        Err(e) => return Err(e.into()),
    };
    let elapsed = started.elapsed();
    if global.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        let c = &report.counts;
        let mode = if report.dry_run {
            " (dry run: nothing written upstream)"
        } else {
            ""
        };
        writeln!(
            out,
            "sync run #{} as of {}{mode} — {} — store {}",
            report.run_id,
            report.as_of,
            ctx.tenant_label(),
            store.path()
        )?;
        writeln!(
            out,
            "read {} users in {} pages in {:.1} s",
            c.users,
            c.pages,
            elapsed.as_secs_f64()
        )?;
        writeln!(
            out,
            "joiners {}   movers {}   changes {}   leavers {} (suspended or gone at the source) + {} (contract ended)   returners {}",
            c.joiners,
            c.movers,
            c.changes,
            c.leavers,
            report.planned(ActionKind::Suspend),
            c.returners
        )?;
        if c.gone + c.gone_held > 0 {
            writeln!(
                out,
                "gone from the source {}{}",
                c.gone,
                if report.gone.held {
                    format!("   held {} (the listing looks partial)", c.gone_held)
                } else {
                    String::new()
                }
            )?;
        }
        if c.reviews + c.conflicts + c.drifts + c.skipped > 0 {
            writeln!(
                out,
                "to review {}   conflicts {}   drifts {}   records skipped {}",
                c.reviews, c.conflicts, c.drifts, c.skipped
            )?;
        }
        render_skipped(out, &report, global)?;
        writeln!(
            out,
            "plan: {} create, {} update, {} suspend",
            report.planned(ActionKind::Create),
            report.planned(ActionKind::Update),
            report.planned(ActionKind::Suspend)
        )?;
        for a in &report.plan {
            writeln!(out, "  {}", sync::plan::describe(a))?;
        }
        if !report.dry_run {
            writeln!(
                out,
                "actions: {} done, {} failed",
                report.done, report.failed
            )?;
        }
    }
    if report.skip_brake {
        return Err(anyhow::anyhow!(
            "{} of {} records could not be mapped ({:.1}%), above the {:.1}% limit (policy.max_skipped_share): nothing was changed upstream. Fix the mapping (the causes are above; every record: `connector-host events --kind skipped --run {} --store {}`)",
            report.counts.skipped,
            report.counts.users,
            report.counts.skipped as f64 * 100.0 / report.counts.users.max(1) as f64,
            mapping.policy.max_skipped_share * 100.0,
            report.run_id,
            store.path()
        )
        .into());
    }
    if report.gone.held {
        return Err(anyhow::anyhow!(report.gone.message()).into());
    }
    if report.brake.engaged {
        return Err(anyhow::anyhow!(report.brake.message()).into());
    }
    if report.failed > 0 {
        return Err(anyhow::anyhow!(
            "{} action(s) failed; see `connector-host events --kind action-failed --run {} --store {}`",
            report.failed,
            report.run_id,
            store.path()
        )
        .into());
    }
    Ok(())
}

/// Skipped records by attribute and cause with a few examples; every one with `-v`.
fn render_skipped(
    out: &mut dyn Write,
    report: &sync::SyncReport,
    global: &Global,
) -> Result<(), Failure> {
    if report.skipped_summary.is_empty() {
        return Ok(());
    }
    writeln!(out, "records skipped, by attribute and cause:")?;
    for g in &report.skipped_summary {
        writeln!(out, "  {:<20} {:>7}  {}", g.attribute, g.count, g.cause)?;
        if global.verbosity < super::logging::Verbosity::Verbose {
            for e in &g.examples {
                writeln!(out, "      e.g. {e}")?;
            }
        }
    }
    if global.verbosity >= super::logging::Verbosity::Verbose {
        for s in &report.skipped {
            writeln!(out, "  skipped: {s}")?;
        }
    } else {
        writeln!(
            out,
            "  (every record: -v, --json, or `connector-host events --kind skipped --run {}`)",
            report.run_id
        )?;
    }
    Ok(())
}

/// `connector-host events`.
pub(super) fn events(
    global: &Global,
    args: EventsArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let (store, _) = open(global, &args.store, StoreUse::Existing, err)?;
    let filter = EventFilter {
        run_id: args.run,
        kind: args.kind,
        identity_id: args.identity,
        limit: Some(args.limit),
    };
    let rows = audit::events(store.conn(), &filter).map_err(|e| e.at(store.path()))?;
    if global.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    for e in &rows {
        let change = match (&e.old_value, &e.new_value) {
            (Some(o), Some(n)) => format!(" {o} → {n}"),
            (None, Some(n)) => format!(" {n}"),
            _ => String::new(),
        };
        let attr = e
            .attribute
            .as_deref()
            .map(|a| format!(" {a}:"))
            .unwrap_or_default();
        let detail = e
            .detail
            .as_deref()
            .map(|d| format!("  ({d})"))
            .unwrap_or_default();
        let identity = e.identity_id.map(|i| format!("#{i} ")).unwrap_or_default();
        let run = e
            .run_id
            .map(|r| format!("{r}{}", if e.dry_run { " (dry run)" } else { "" }))
            .unwrap_or_default();
        writeln!(
            out,
            "{:>6} run {:<4} {:<13} {identity}{}{attr}{change}{detail}",
            e.id, run, e.kind, e.subject
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "no events")?;
    }
    Ok(())
}
