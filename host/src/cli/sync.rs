//! The provisioning commands: `sync` (the main job) and `events` (the audit log); the
//! store and mapping options they share with `identities` (see `identities.rs`). The store
//! defaults to `$XDG_DATA_HOME/connector-host/sandbox.sqlite` for the built-in
//! sandbox tenant and `…/store.sqlite` with a configuration file; the mapping defaults to the
//! embedded PeopleSpheres mapping.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::context::Context;
use super::{Failure, Global, usage};
use crate::store::audit::{self, EventFilter};
use crate::store::{self, Store};
use crate::sync::{self, ActionKind, Mapping, Progress, SyncOptions};

/// Where the store and the mapping are.
#[derive(Debug, Args)]
pub(super) struct StoreArgs {
    /// The SQLite store (default: $XDG_DATA_HOME/connector-host/sandbox.sqlite without --config,
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
    pub connector: super::ConnectorArgs,
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
}

/// `events` options.
#[derive(Debug, Args)]
pub(super) struct EventsArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Only this run's events.
    #[arg(long)]
    run: Option<i64>,
    /// Only events of this kind (joiner, mover, change, leaver, suspended, updated, created…).
    #[arg(long)]
    kind: Option<String>,
    /// Only this identity's events.
    #[arg(long)]
    identity: Option<i64>,
    /// At most this many (the newest).
    #[arg(long, default_value_t = 500)]
    limit: u32,
}

pub(super) fn open(global: &Global, args: &StoreArgs) -> Result<(Store, Mapping), Failure> {
    let mapping = match &args.mapping {
        Some(p) => Mapping::load(p),
        None => Mapping::default_peoplespheres(),
    }
    .map_err(usage)?;
    let path = args.store.clone().unwrap_or_else(|| {
        store::default_path(if global.config.is_some() {
            "store.sqlite"
        } else {
            "sandbox.sqlite"
        })
    });
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
    let (mut store, mapping) = open(global, &args.store)?;
    let mut ctx = Context::with_session(global, err).await?;
    let options = SyncOptions {
        dry_run: args.dry_run,
        force: args.force,
        as_of,
        page_size: args.page_size,
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
            "joiners {}   movers {}   changes {}   leavers {} (suspended at the source) + {} (contract ended)   returners {}",
            c.joiners,
            c.movers,
            c.changes,
            c.leavers,
            report.planned(ActionKind::Suspend),
            c.returners
        )?;
        if c.reviews + c.conflicts + c.drifts + c.skipped > 0 {
            writeln!(
                out,
                "to review {}   conflicts {}   drifts {}   records skipped {}",
                c.reviews, c.conflicts, c.drifts, c.skipped
            )?;
        }
        for s in &report.skipped {
            writeln!(out, "  skipped: {s}")?;
        }
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
    if report.brake.engaged {
        return Err(anyhow::anyhow!(report.brake.message()).into());
    }
    if report.failed > 0 {
        return Err(anyhow::anyhow!(
            "{} action(s) failed; see `connector-host events --kind action-failed`",
            report.failed
        )
        .into());
    }
    Ok(())
}

/// `connector-host events`.
pub(super) fn events(
    global: &Global,
    args: EventsArgs,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let (store, _) = open(global, &args.store)?;
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
        writeln!(
            out,
            "{:>6} run {:<4} {:<13} {identity}{}{attr}{change}{detail}",
            e.id,
            e.run_id.map(|r| r.to_string()).unwrap_or_default(),
            e.kind,
            e.subject
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "no events")?;
    }
    Ok(())
}
