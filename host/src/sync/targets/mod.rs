//! HR-driven provisioning: after the source's import, each application target gets what the
//! source says. A target is listed whole (its accounts as they are), accounts that already
//! exist are linked by the match key, and the plan is carried out through the target's
//! connector: joiners created, movers and changed attributes updated, leavers suspended,
//! returners resumed. Each target has its own safety brake, journal entries and events (tagged
//! with its name); a dry run plans and sends nothing. The manager reference becomes the id of
//! the manager's account in the target: a manager created in the same run is set in a second
//! pass once their account exists.

pub mod execute;
pub mod mapping;
#[cfg(test)]
mod mapping_tests;
pub mod plan;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use serde::Serialize;

use super::policy::Brake;
use crate::connector::Session;
use crate::store::audit::{self, NewEvent};
use crate::store::{EventKind, Store, identities, targets as stored};
use crate::sync::error::SyncError;
use crate::sync::mapping::{Mapping, OnGone};
use crate::sync::plan::{ActionKind, PlannedAction};
pub use mapping::TargetMapping;

/// An application target of a run: its name (the system its accounts are kept under), its
/// mapping and an open session of its connector.
pub struct Target {
    pub name: String,
    pub mapping: TargetMapping,
    pub session: Box<dyn Session>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("name", &self.name).finish()
    }
}

/// What a run found and did in one target.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub name: String,
    /// Accounts the target listed.
    pub listed: u64,
    /// Accounts found by the match key and linked instead of created.
    pub linked: u64,
    pub plan: Vec<PlannedAction>,
    pub brake: Brake,
    pub done: u64,
    pub failed: u64,
    /// Why this target's part of the run stopped (the other targets carried on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl TargetReport {
    /// The report of a target whose part of the run could not proceed.
    pub fn failed_with(name: &str, error: String) -> TargetReport {
        TargetReport {
            name: name.to_string(),
            listed: 0,
            linked: 0,
            plan: Vec::new(),
            brake: Brake::judge(0, 0, 1.0, false),
            done: 0,
            failed: 0,
            error: Some(error),
        }
    }

    /// Planned actions of a kind that this run sends (held ones left out).
    pub fn planned(&self, kind: ActionKind) -> usize {
        self.plan
            .iter()
            .filter(|a| a.kind == kind && a.is_ready())
            .count()
    }

    /// Planned actions held until a later run.
    pub fn held(&self) -> usize {
        self.plan.iter().filter(|a| !a.is_ready()).count()
    }
}

/// How the run goes for the targets.
#[derive(Debug, Clone)]
pub struct TargetRun<'a> {
    pub run_id: i64,
    pub cutoff: &'a str,
    pub on_gone: OnGone,
    pub dry_run: bool,
    pub force: bool,
    pub page_size: u32,
    /// Stop a target's listing past this many accounts (`--max-users`).
    pub max_users: Option<u64>,
}

/// Lists every account of the target, within the listing guard: an application holds other
/// accounts than the ones this platform made, so the floor is the first-run ceiling.
async fn list_all(
    session: &mut dyn Session,
    page_size: u32,
    known: u64,
    max_users: Option<u64>,
) -> Result<Vec<crate::model::User>, SyncError> {
    let guard =
        crate::paging::ListingGuard::for_known(known, max_users, crate::paging::DEFAULT_CEILING);
    let mut pages = crate::paging::Pages::new(session, page_size, guard);
    let mut users = Vec::new();
    while let Some(page) = pages
        .next()
        .await
        .map_err(crate::sync::error::listing_error)?
    {
        users.extend(page.users);
    }
    Ok(users)
}

/// Checks a target's mapping against its connector's fields and the HR mapping, before the
/// run changes anything anywhere: a bad target mapping stops the run at its start.
pub async fn prepare(target: &mut Target, hr: &Mapping) -> Result<(), SyncError> {
    let fields = target
        .session
        .get_fields()
        .await
        .map_err(|source| SyncError::Connector {
            operation: "get-fields",
            source,
        })?;
    target.mapping.check(&fields, hr)?;
    Ok(())
}

/// Runs one target whose mapping [`prepare`] checked: lists it, links, plans, and (unless a
/// dry run) executes in two passes.
pub async fn run(
    target: &mut Target,
    store: &mut Store,
    ctx: &TargetRun<'_>,
) -> Result<TargetReport, SyncError> {
    let system = target.name.clone();
    let mapping = &target.mapping;
    let known =
        identities::count_accounts(store.conn(), &system).map_err(|e| e.at(store.path()))?;
    let users = list_all(target.session.as_mut(), ctx.page_size, known, ctx.max_users).await?;
    let mut listing = plan::Listing::new(users, &mapping.match_on);
    store.transaction(|c| stored::settle_unconfirmed(c, ctx.run_id, &system))?;
    let people = store.transaction(|c| stored::people(c, &system))?;
    let links = plan::links(mapping, &people, &listing);
    store.transaction(|c| {
        for l in &links {
            identities::put_account(
                c,
                l.identity_id,
                &system,
                &l.remote_id,
                crate::store::AccountStatus::from_active(l.active),
            )?;
            audit::append(
                c,
                &NewEvent {
                    identity_id: Some(l.identity_id),
                    new_value: Some(l.remote_id.clone()),
                    detail: Some(format!(
                        "an account with {} {} was already in the target",
                        mapping.match_on, l.key
                    )),
                    system: Some(&system),
                    ..NewEvent::of(Some(ctx.run_id), EventKind::Linked, &l.subject)
                },
            )?;
        }
        Ok(())
    })?;
    let people = store.transaction(|c| stored::people(c, &system))?;
    let accounts = account_ids(&people, &listing);
    let waiting = plan::waiting(mapping, &people, &accounts);
    let mut the_plan = plan::build(
        mapping,
        &people,
        &listing,
        &accounts,
        ctx.on_gone,
        ctx.cutoff,
    );
    let suspensions = the_plan
        .iter()
        .filter(|a| a.kind == ActionKind::Suspend && a.is_ready())
        .count() as u64;
    let active = listing.by_id.values().filter(|u| u.active).count() as u64;
    let brake = Brake::judge(suspensions, active, mapping.max_suspend_share, ctx.force);
    let mut report = TargetReport {
        name: system.clone(),
        listed: listing.len() as u64,
        linked: links.len() as u64,
        plan: Vec::new(),
        brake,
        done: 0,
        failed: 0,
        error: None,
    };
    if ctx.dry_run {
        report.plan = the_plan;
        return Ok(report);
    }
    let first = execute::execute(
        target.session.as_mut(),
        store,
        ctx.run_id,
        &system,
        (&the_plan, report.brake.engaged),
        &mut listing,
        &mapping.match_on,
    )
    .await?;
    report.done += first.done;
    report.failed += first.failed;
    // A second pass for what waited on an account created in the first (a manager): only
    // updates, planned from what the calls returned.
    if the_plan
        .iter()
        .any(|a| a.kind == ActionKind::Create && a.is_ready())
    {
        let people = store.transaction(|c| stored::people(c, &system))?;
        let accounts = account_ids(&people, &listing);
        let second: Vec<PlannedAction> = plan::build(
            mapping,
            &people,
            &listing,
            &accounts,
            ctx.on_gone,
            ctx.cutoff,
        )
        .into_iter()
        .filter(|a| a.kind == ActionKind::Update)
        // Only what waited on an account created in the first pass.
        .filter_map(|mut a| {
            let fields = waiting.get(&a.identity_id)?;
            a.changes.retain(|c| fields.contains(&c.name));
            if a.changes.is_empty() {
                return None;
            }
            a.reason = format!(
                "second pass, the referenced account exists now: {}",
                fields.join(", ")
            );
            Some(a)
        })
        .collect();
        let done = execute::execute(
            target.session.as_mut(),
            store,
            ctx.run_id,
            &system,
            (&second, true),
            &mut listing,
            &mapping.match_on,
        )
        .await?;
        report.done += done.done;
        report.failed += done.failed;
        the_plan.extend(second.into_iter().filter(PlannedAction::is_ready));
    }
    report.plan = the_plan;
    Ok(report)
}

/// HR id → account id in the target, for every person whose account the target lists.
fn account_ids(people: &[stored::Person], listing: &plan::Listing) -> HashMap<String, String> {
    people
        .iter()
        .filter_map(|p| {
            let (remote, _) = p.account.as_ref()?;
            listing
                .by_id
                .contains_key(remote)
                .then(|| (p.source_id.clone(), remote.clone()))
        })
        .collect()
}
