//! The provisioning commands: `sync` (the main job) and `events` (the audit log). Which store
//! they use, and the mapping, is `store.rs`'s (shared with `identities`).

use std::io::Write;
use std::path::Path;

use clap::Args;

use super::args::Global;
use super::context::Context;
use super::failure::Failure;
use super::failure::usage;
use super::store::{StoreArgs, StoreUse, command, open};
use crate::store::audit::{self, EventFilter};
use crate::sync::{self, ActionKind, Progress, SyncOptions};

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
    /// Let the run through the safety brakes: on mass suspensions (policy.max_suspend_share)
    /// and on a listing that looks partial (more people missing than policy.max_gone_share).
    /// It does not lift the brake on skipped records: fix the mapping instead.
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
    /// Also provision a built-in demo SCIM application (in memory, on loopback) as the
    /// application target `demo-app`, beside the `[[target]]` sections of the configuration.
    #[arg(long)]
    demo_scim: bool,
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
    /// Only the events of this application target (a `[[target]]` name).
    #[arg(long)]
    system: Option<String>,
    /// At most this many (the newest).
    #[arg(long, default_value_t = 500)]
    limit: u32,
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
    // The configuration is checked whole (a mistyped `[connector.settings]` key included)
    // before the store is created or opened and before the session logs in.
    let mut ctx = Context::with_tenant(global, err).await?;
    let (mut store, mapping) = open(global, &args.store, StoreUse::Create, err)?;
    let mut targets = super::targets::open(global, &ctx, args.demo_scim, err).await?;
    ctx.open_session().await?;
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
    let report = match sync::run_with_targets(
        ctx.session(),
        &mut store,
        &mapping,
        &mut targets.targets,
        &options,
        &progress,
    )
    .await
    {
        Ok(r) => r,
        Err(e) if e.is_usage() => {
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
    let store_path = Path::new(store.path());
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
        super::sync_report::render_gone(out, &report)?;
        if c.reviews + c.conflicts + c.drifts + c.skipped > 0 {
            writeln!(
                out,
                "to review {}   conflicts {}   drifts {}   records skipped {}",
                c.reviews, c.conflicts, c.drifts, c.skipped
            )?;
        }
        render_skipped(out, &report, global, store_path)?;
        let held = report.held();
        writeln!(
            out,
            "plan: {} create, {} update, {} suspend{}",
            report.planned(ActionKind::Create),
            report.planned(ActionKind::Update),
            report.planned(ActionKind::Suspend),
            if held > 0 {
                format!("   held {held} (not sent this run, why below)")
            } else {
                String::new()
            }
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
        let verbose = global.verbosity >= super::logging::Verbosity::Verbose;
        for t in &report.targets {
            super::sync_report::render_target(out, t, report.dry_run, verbose)?;
        }
        if let Some(app) = &targets.demo {
            writeln!(
                out,
                "the demo SCIM application ({}) now holds {} accounts",
                app.url(),
                app.user_count()
            )?;
        }
    }
    // The same run again, forced: the same component, mapping and day, not the defaults.
    let rerun_forced = || {
        let mut same: Vec<String> = vec!["--force".into()];
        if global.config.is_none()
            && global.demo_users != super::args::DemoArg::default().demo_users
        {
            same.extend(["--demo-users".into(), global.demo_users.to_string()]);
        }
        if let Some(component) = &global.component {
            same.extend(["--component".into(), component.display().to_string()]);
        }
        if let Some(mapping) = &args.store.mapping {
            same.extend(["--mapping".into(), mapping.display().to_string()]);
        }
        if let Some(day) = &args.as_of {
            same.extend(["--as-of".into(), day.clone()]);
        }
        let same: Vec<&str> = same.iter().map(String::as_str).collect();
        command(global, store_path, "sync", &same)
    };
    if report.skip_brake {
        return Err(anyhow::anyhow!(
            "{} of {} records could not be mapped ({:.1}%), above the {:.1}% limit (policy.max_skipped_share): nothing was changed upstream. Fix the mapping (the causes are above; every record: `{}`)",
            report.counts.skipped,
            report.counts.users,
            report.counts.skipped as f64 * 100.0 / report.counts.users.max(1) as f64,
            mapping.policy.max_skipped_share * 100.0,
            skipped_events(global, store_path, report.run_id),
        )
        .into());
    }
    if report.gone.held {
        return Err(anyhow::anyhow!("{}: `{}`", report.gone.message(), rerun_forced()).into());
    }
    if report.brake.engaged {
        return Err(anyhow::anyhow!("{}: `{}`", report.brake.message(), rerun_forced()).into());
    }
    if let Some(t) = report.targets.iter().find(|t| t.error.is_some()) {
        return Err(anyhow::anyhow!(
            "target `{}` was not provisioned: {} (the source and the other targets were; the next sync carries on)",
            t.name,
            t.error.as_deref().unwrap_or_default()
        )
        .into());
    }
    if let Some(t) = report.targets.iter().find(|t| t.brake.engaged) {
        return Err(anyhow::anyhow!(
            "target `{}`: {}: `{}`",
            t.name,
            t.brake.message(),
            rerun_forced()
        )
        .into());
    }
    if let Some(t) = report.targets.iter().find(|t| t.failed > 0) {
        return Err(anyhow::anyhow!(
            "target `{}`: {} action(s) failed; see `{}`",
            t.name,
            t.failed,
            command(
                global,
                store_path,
                "events",
                &[
                    "--kind",
                    "action-failed",
                    "--run",
                    &report.run_id.to_string(),
                    "--system",
                    &t.name
                ]
            )
        )
        .into());
    }
    if report.failed > 0 {
        return Err(anyhow::anyhow!(
            "{} action(s) failed; see `{}`",
            report.failed,
            command(
                global,
                store_path,
                "events",
                &[
                    "--kind",
                    "action-failed",
                    "--run",
                    &report.run_id.to_string()
                ]
            )
        )
        .into());
    }
    Ok(())
}

/// The command listing a run's skipped records.
fn skipped_events(global: &Global, store: &Path, run_id: i64) -> String {
    command(
        global,
        store,
        "events",
        &["--kind", "skipped", "--run", &run_id.to_string()],
    )
}

/// Skipped records by attribute and cause with a few examples; every one (up to
/// [`sync::skips::MAX_LISTED`]) with `-v`.
fn render_skipped(
    out: &mut dyn Write,
    report: &sync::SyncReport,
    global: &Global,
    store: &Path,
) -> Result<(), Failure> {
    if report.skipped_summary.is_empty() {
        return Ok(());
    }
    let verbose = global.verbosity >= super::logging::Verbosity::Verbose;
    writeln!(out, "records skipped, by attribute and cause:")?;
    for g in &report.skipped_summary {
        writeln!(out, "  {:<20} {:>7}  {}", g.attribute, g.count, g.cause)?;
        if !verbose {
            for e in &g.examples {
                writeln!(out, "      e.g. {e}")?;
            }
        }
    }
    let every = skipped_events(global, store, report.run_id);
    if verbose {
        for s in &report.skipped {
            writeln!(out, "  skipped: {s}")?;
        }
        if report.skipped_truncated {
            writeln!(
                out,
                "  (the first {} of {} listed; every record: `{every}`)",
                report.skipped.len(),
                report.counts.skipped
            )?;
        }
    } else {
        writeln!(out, "  (every record: -v, --json, or `{every}`)")?;
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
        system: args.system,
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
        let system = e
            .system
            .as_deref()
            .map(|s| format!("[{s}] "))
            .unwrap_or_default();
        let run = e
            .run_id
            .map(|r| format!("{r}{}", if e.dry_run { " (dry run)" } else { "" }))
            .unwrap_or_default();
        writeln!(
            out,
            "{:>6} run {:<4} {:<13} {system}{identity}{}{attr}{change}{detail}",
            e.id, run, e.kind, e.subject
        )?;
    }
    if rows.is_empty() {
        writeln!(out, "no events")?;
    }
    Ok(())
}
