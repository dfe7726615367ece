//! The provisioning engine: a sync run streams every page of users from a connector into the
//! [`Store`], detects joiners, movers, attribute changes and leavers ([`detect`]), applies the
//! deprovisioning policy ([`policy`]), builds the plan of remote actions ([`plan`]: creations,
//! write-backs, suspensions), checks the safety brake, and carries the plan out through the
//! connector with an action journal ([`executor`]) unless it is a dry run.
//!
//! Memory is bounded by the page size: each page is mapped, diffed and committed in one
//! transaction, then dropped. Rerunning converges: detection compares with what is stored, and
//! the plan is computed from the stored state, so a second run with no change does nothing.

pub mod choices;
mod counts;
pub mod detect;
#[cfg(test)]
mod digest_tests;
mod error;
pub mod executor;
pub mod gone;
#[cfg(test)]
mod gone_tests;
#[cfg(test)]
mod known_tests;
pub mod mapping;
pub mod ownership;
mod pipeline;
pub mod plan;
pub mod platform;
pub mod policy;
mod progress;
#[cfg(test)]
mod safety_tests;
pub mod skips;
pub mod targets;
#[cfg(test)]
mod test_harness;
#[cfg(test)]
mod tests;
mod transform;
#[cfg(test)]
mod trust_tests;

use serde::Serialize;

use crate::connector::Session;
use crate::store::{RunStatus, Store, audit, identities};
pub use counts::Counts;
pub use error::SyncError;
pub use mapping::{Mapping, MappingError};
pub use pipeline::ImportTimes;
pub use plan::{ActionKind, PlannedAction};
pub use policy::Brake;
pub use progress::Progress;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct SyncOptions {
    /// Plan only: nothing is written upstream, and the run works on a scratch copy of the
    /// store (only its run and its events, marked dry, come back).
    pub dry_run: bool,
    /// Let a run through the safety brake.
    pub force: bool,
    /// Run the policy as of this day instead of today in the tenant's time zone.
    pub as_of: Option<jiff::civil::Date>,
    /// Page size asked of the connector (0 = its default).
    pub page_size: u32,
    /// Stop a listing past this many users (default: ten times the last complete listing).
    pub max_users: Option<u64>,
}

/// What a run found and did.
#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub run_id: i64,
    pub as_of: String,
    pub dry_run: bool,
    pub counts: Counts,
    /// Records skipped, every reason (the first [`skips::MAX_LISTED`]; all are in the audit
    /// log).
    pub skipped: Vec<String>,
    /// More records were skipped than `skipped` lists (see [`skips::MAX_LISTED`]).
    pub skipped_truncated: bool,
    /// Records skipped, by attribute and cause, with a few examples each.
    pub skipped_summary: Vec<skips::SkipGroup>,
    /// More than `policy.max_skipped_share` of the records could not be mapped: nothing was
    /// changed upstream.
    pub skip_brake: bool,
    pub plan: Vec<PlannedAction>,
    pub brake: Brake,
    /// People missing from the listing.
    pub gone: gone::GoneReport,
    /// What the run found and did in each application target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<targets::TargetReport>,
    pub done: u64,
    pub failed: u64,
    pub status: RunStatus,
    /// Where the import's time went (for the bench; not reported).
    #[serde(skip)]
    pub import_times: ImportTimes,
}

impl SyncReport {
    /// Planned actions of a kind that this run sends (held ones left out).
    pub fn planned(&self, kind: ActionKind) -> usize {
        self.plan
            .iter()
            .filter(|a| a.kind == kind && a.is_ready())
            .count()
    }

    /// Planned actions held until a later run (shown, not sent).
    pub fn held(&self) -> usize {
        self.plan.iter().filter(|a| !a.is_ready()).count()
    }
}

/// Runs one sync of `session`'s tenant into `store`. A dry run works on a scratch copy of the
/// store (see [`Store::scratch_copy`]): it reports what a real run would find and do, and only
/// its run row and events (marked dry) come back, so the next run sees what it would have
/// seen without it.
pub async fn run(
    session: &mut dyn Session,
    store: &mut Store,
    mapping: &Mapping,
    options: &SyncOptions,
    progress: &Progress,
) -> Result<SyncReport, SyncError> {
    run_with_targets(session, store, mapping, &mut [], options, progress).await
}

/// [`run`], then each application target of `targets` gets what the source says
/// ([`targets`]): joiners created, changes updated, leavers suspended, returners resumed.
pub async fn run_with_targets(
    session: &mut dyn Session,
    store: &mut Store,
    mapping: &Mapping,
    targets: &mut [targets::Target],
    options: &SyncOptions,
    progress: &Progress,
) -> Result<SyncReport, SyncError> {
    if let Some(t) = targets.iter().find(|t| t.name == mapping.system) {
        return Err(SyncError::Mapping(MappingError::Parse {
            origin: mapping.origin.clone(),
            reason: format!(
                "target `{}` has the name of the source's system (the mapping's `system`): give it a name of its own",
                t.name
            ),
        }));
    }
    // Each target's mapping is checked against its connector before anything is read or
    // written, so a mistake in one stops the run before it starts.
    // A target that cannot be reached is left out of this run (reported), not the others.
    let mut unreachable: Vec<Option<String>> = Vec::with_capacity(targets.len());
    for t in targets.iter_mut() {
        match targets::prepare(t, mapping).await {
            Ok(()) => unreachable.push(None),
            Err(e) if e.is_usage() => {
                return Err(SyncError::Target {
                    name: t.name.clone(),
                    source: Box::new(e),
                });
            }
            Err(e) => unreachable.push(Some(error::in_words(&e))),
        }
    }
    let targets = (targets, unreachable.as_slice());
    if !options.dry_run {
        return run_on(session, store, mapping, targets, options, progress).await;
    }
    let mut scratch = store.scratch_copy()?;
    let report = run_on(session, &mut scratch, mapping, targets, options, progress).await;
    store.adopt_dry_runs(&scratch)?;
    report
}

async fn run_on(
    session: &mut dyn Session,
    store: &mut Store,
    mapping: &Mapping,
    (targets, unreachable): (&mut [targets::Target], &[Option<String>]),
    options: &SyncOptions,
    progress: &Progress,
) -> Result<SyncReport, SyncError> {
    let fields = session
        .get_fields()
        .await
        .map_err(|source| SyncError::Connector {
            operation: "get-fields",
            source,
        })?;
    let mut mapping = mapping.clone();
    mapping.check(&fields)?;
    store.set_meta(
        "fields",
        &serde_json::to_string(&fields).unwrap_or_else(|_| "[]".into()),
    )?;
    let today = policy::today(&mapping.policy, options.as_of)?;
    let cutoff = policy::cutoff(&mapping.policy, today)?.to_string();
    // "Already gone when first seen" is judged by the real clock: a run `--as-of` a later day
    // (a dry run asking "who leaves next week?") must not mark people whose contract has not
    // ended yet as stale, which would keep them from ever being suspended.
    let real_today = policy::today(&mapping.policy, None)?;
    let first_sight_cutoff = policy::cutoff(&mapping.policy, today.min(real_today))?.to_string();
    let run_id = store.transaction(|c| {
        let id = audit::start_run(c, &today.to_string(), options.dry_run)?;
        audit::mark_unconfirmed(c)?;
        Ok(id)
    })?;
    let mut counts = Counts::default();
    let mut skipped = skips::Skips::default();
    store.set_durable(false)?;
    let import_started = std::time::Instant::now();
    let imported = import(
        session,
        store,
        &mapping,
        options,
        run_id,
        (&cutoff, &first_sight_cutoff),
        &mut counts,
        &mut skipped,
        progress,
    )
    .await;
    // Durable again before anything is planned or journaled.
    store.set_durable(true)?;
    let import_times = match imported {
        Ok(spent) => spent,
        Err(e) => {
            let summary = serde_json::json!({"counts": counts, "error": e.to_string()});
            store.transaction(|c| audit::finish_run(c, run_id, e.run_status(), &summary))?;
            return Err(e);
        }
    };
    let mut import_times = import_times;
    import_times.listing = import_started.elapsed();
    let settling = std::time::Instant::now();
    store.transaction(|c| audit::settle_unconfirmed(c, run_id))?;
    // The listing is complete here (a failed or cut one returned above).
    let gone =
        store.transaction(|c| gone::settle(c, &mapping, run_id, options.force, &mut counts))?;
    let skip_brake = counts.users > 0
        && counts.skipped as f64 / counts.users as f64 > mapping.policy.max_skipped_share;
    import_times.settling = settling.elapsed();
    let planning = std::time::Instant::now();
    let plan = store.transaction(|c| plan::build(c, &mapping, &cutoff))?;
    import_times.planning = planning.elapsed();
    let suspensions = plan
        .iter()
        .filter(|a| a.kind == ActionKind::Suspend)
        .count() as u64;
    let active = identities::count_active_accounts(store.conn(), &mapping.system)
        .map_err(|e| e.at(store.path()))?;
    let brake = Brake::judge(
        suspensions,
        active,
        mapping.policy.max_suspend_share,
        options.force,
    );
    let executed = if options.dry_run || skip_brake {
        executor::Executed::default()
    } else {
        let executed = executor::execute(
            session,
            store,
            run_id,
            &mapping.system,
            &plan,
            brake.engaged,
            progress,
        )
        .await;
        match executed {
            Ok(executed) => executed,
            Err(e) => {
                // Close the run as failed (best effort: the store may be what failed); its
                // unconfirmed actions are settled by the next run's import.
                let summary = serde_json::json!({"counts": counts, "error": e.to_string()});
                let _ =
                    store.transaction(|c| audit::finish_run(c, run_id, e.run_status(), &summary));
                return Err(e);
            }
        }
    };
    let mut target_reports = Vec::new();
    if !skip_brake {
        let ctx = targets::TargetRun {
            run_id,
            cutoff: &cutoff,
            on_gone: mapping.policy.on_gone,
            dry_run: options.dry_run,
            force: options.force,
            page_size: options.page_size,
            max_users: options.max_users,
        };
        for (target, unreachable) in targets.iter_mut().zip(unreachable) {
            if let Some(why) = unreachable {
                target_reports.push(targets::TargetReport::failed_with(
                    &target.name,
                    why.clone(),
                ));
                continue;
            }
            // A target that cannot be reached (or whose store writes fail) ends its own part:
            // the other targets still get theirs, and the run ends failed.
            match targets::run(target, store, &ctx).await {
                Ok(r) => target_reports.push(r),
                Err(SyncError::Store(e)) => {
                    let summary = serde_json::json!({"counts": counts, "target": target.name, "error": e.to_string()});
                    let _ = store
                        .transaction(|c| audit::finish_run(c, run_id, RunStatus::Failed, &summary));
                    return Err(SyncError::Store(e));
                }
                Err(e) => {
                    tracing::warn!("target `{}`: {e}", target.name);
                    let text = error::in_words(&e);
                    target_reports.push(targets::TargetReport::failed_with(&target.name, text));
                }
            }
        }
    }
    let target_braked = target_reports.iter().any(|t| t.brake.engaged);
    let target_failed = target_reports
        .iter()
        .any(|t| t.failed > 0 || t.error.is_some());
    let status = if brake.engaged || gone.held || skip_brake || target_braked {
        RunStatus::Braked
    } else if executed.failed > 0 || target_failed {
        RunStatus::Failed
    } else {
        RunStatus::Completed
    };
    let skipped_truncated = counts.skipped > skipped.listed_len() as u64;
    let report = SyncReport {
        run_id,
        as_of: today.to_string(),
        dry_run: options.dry_run,
        counts,
        skipped_summary: skipped.summary(),
        skipped_truncated,
        skipped: skipped.listed(),
        skip_brake,
        plan,
        brake,
        gone,
        targets: target_reports,
        done: executed.done,
        failed: executed.failed,
        status,
        import_times,
    };
    let sent = report.plan.iter().filter(|a| a.is_ready()).count();
    let target_summary: Vec<serde_json::Value> = report
        .targets
        .iter()
        .map(|t| serde_json::json!({"name": t.name, "listed": t.listed, "linked": t.linked, "planned": t.plan.iter().filter(|a| a.is_ready()).count(), "held": t.held(), "done": t.done, "failed": t.failed, "brake": t.brake}))
        .collect();
    let summary = serde_json::json!({"counts": report.counts, "planned": sent, "held": report.held(), "done": report.done, "failed": report.failed, "brake": report.brake, "gone": report.gone, "targets": target_summary});
    store.transaction(|c| audit::finish_run(c, run_id, status, &summary))?;
    if !options.dry_run {
        // What `identities` checks choice values against: best effort, once the run is closed
        // (a failure here leaves the values of the last run that read them).
        let known = choices::fetch(session, &fields, &mapping).await;
        let stored = serde_json::to_string(&known)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                store
                    .set_meta(choices::META_KEY, &text)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = stored {
            tracing::warn!("the allowed values of the choice fields were not stored: {e}");
        }
    }
    Ok(report)
}

/// Streams every page into the store, one transaction per page, the next page listed while
/// the previous one is stored ([`pipeline`]); returns where its time went.
#[allow(clippy::too_many_arguments)]
async fn import(
    session: &mut dyn Session,
    store: &mut Store,
    mapping: &Mapping,
    options: &SyncOptions,
    run_id: i64,
    (cutoff, first_sight_cutoff): (&str, &str),
    counts: &mut Counts,
    skipped: &mut skips::Skips,
    progress: &Progress,
) -> Result<ImportTimes, SyncError> {
    store.transaction(crate::store::presence::start)?;
    let known = store.transaction(crate::store::presence::known)?;
    let guard = crate::paging::ListingGuard::for_known(known, options.max_users, 10_000);
    let mut pages = crate::paging::Pages::new(session, options.page_size, guard);
    let ctx = pipeline::RunCtx {
        mapping: mapping.clone(),
        run_id,
        cutoff: cutoff.to_string(),
        first_sight_cutoff: first_sight_cutoff.to_string(),
    };
    let state = pipeline::Written {
        store: store.lend()?,
        counts: std::mem::take(counts),
        skipped: std::mem::take(skipped),
        times: ImportTimes::default(),
    };
    let mut writer = pipeline::PageWriter::start(ctx, state)?;
    let mut listed = 0u64;
    // Each page is checked by the guard before it is stored: nothing past the ceiling is
    // committed.
    let outcome: Result<(), SyncError> = async {
        let mut started = false;
        while let Some(page) = pages.next().await.map_err(error::listing_error)? {
            if !started {
                progress.start("import", page.total);
                started = true;
            }
            let n = page.users.len() as u64;
            writer.write(page.users).await?;
            progress.advance(listed);
            listed = n;
        }
        writer.settle().await?;
        progress.advance(listed);
        Ok(())
    }
    .await;
    // However the listing ended, the page being written finishes and the store comes back.
    let settled = writer.settle().await;
    let written = writer.finish().ok_or_else(|| {
        SyncError::Store(crate::store::StoreError::Open {
            path: store.path().to_string(),
            reason: "the store's writer thread was lost".into(),
        })
    })?;
    *store = written.store;
    *counts = written.counts;
    *skipped = written.skipped;
    outcome?;
    settled?;
    progress.finish();
    Ok(written.times)
}
