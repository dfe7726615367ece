//! The executor: carries out a plan through the connector, one action at a time, with the
//! action journal around each remote call. The action is journaled `started` (committed)
//! before the call; its outcome and its effect on the store are committed together after it.
//! A process killed in between leaves a `started` row; the next run marks it `unconfirmed`, and
//! its import shows what happened (a suspended account reads back suspended, a written value
//! reads back equal, a created account is found again by its match key), so nothing is done
//! twice.
//!
//! Test hook, in debug builds only: `CONNECTOR_HOST_SYNC_ABORT_AFTER=N` aborts the process
//! right after the N-th remote call returns, before its confirmation (the worst moment), to
//! prove the above. A release build ignores the variable.

use super::error::SyncError;
use super::plan::{ActionKind, PlannedAction};
use super::progress::Progress;
use crate::connector::Session;
use crate::store::audit::{self, NewEvent};
use crate::store::identities;
use crate::store::{AccountStatus, ActionState, EventKind, Store};

/// The outcome of executing a plan.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Executed {
    pub done: u64,
    pub failed: u64,
}

#[cfg(debug_assertions)]
fn abort_after() -> Option<u64> {
    std::env::var("CONNECTOR_HOST_SYNC_ABORT_AFTER")
        .ok()
        .and_then(|v| v.parse().ok())
}

#[cfg(not(debug_assertions))]
fn abort_after() -> Option<u64> {
    None
}

/// Remote calls the executors made in this process (the source's and every target's).
static CALLS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Called right after each remote call of an executor returns, before its confirmation: the
/// test hook's moment (see the module's documentation).
fn after_call() {
    let made = CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    if abort_after().is_some_and(|n| made >= n) {
        std::process::abort();
    }
}

/// Journals `action` as `started` in `system`, committed before its remote call; its id.
pub(super) fn journal_start(
    store: &mut Store,
    run_id: i64,
    system: &str,
    action: &PlannedAction,
) -> Result<i64, SyncError> {
    let payload = serde_json::json!({
        "reason": action.reason,
        "attributes": action.attributes,
        "changes": action.changes,
        "match": action.match_key,
    })
    .to_string();
    Ok(store.transaction(|c| {
        audit::journal_start(
            c,
            run_id,
            action.kind,
            action.identity_id,
            system,
            action.remote_id.as_deref(),
            &payload,
        )
    })?)
}

/// Makes `action`'s remote call (then the test hook's moment, [`after_call`]).
pub(super) async fn call(
    session: &mut dyn Session,
    action: &PlannedAction,
) -> Result<crate::model::User, crate::error::HostError> {
    let remote = action.remote_id.as_deref().unwrap_or("");
    let result = match action.kind {
        ActionKind::Create => session.create_user(action.attributes.clone()).await,
        ActionKind::Update => session.update_user(remote, action.changes.clone()).await,
        ActionKind::Suspend => session.suspend_user(remote).await,
        ActionKind::Resume => session.resume_user(remote).await,
    };
    after_call();
    result
}

/// Executes `plan` (held actions left out, and suspensions when `skip_suspend`).
pub async fn execute(
    session: &mut dyn Session,
    store: &mut Store,
    run_id: i64,
    system: &str,
    plan: &[PlannedAction],
    skip_suspend: bool,
    progress: &Progress,
) -> Result<Executed, SyncError> {
    let mut out = Executed::default();
    let todo: Vec<&PlannedAction> = plan
        .iter()
        .filter(|a| a.is_ready() && !(skip_suspend && a.kind == ActionKind::Suspend))
        .collect();
    progress.start("actions", Some(todo.len() as u64));
    for action in todo {
        let journal_id = journal_start(store, run_id, system, action)?;
        let remote = action.remote_id.as_deref().unwrap_or("");
        let result = call(session, action).await;
        let subject = action.subject.as_str();
        match result {
            Ok(user) => {
                store.transaction(|c| {
                    let kind = match action.kind {
                        ActionKind::Create => {
                            identities::link_source(c, action.identity_id, &user.id)?;
                            identities::put_account(
                                c,
                                action.identity_id,
                                system,
                                &user.id,
                                AccountStatus::from_active(user.active),
                            )?;
                            identities::confirm_written(
                                c,
                                action.identity_id,
                                &action.platform_names,
                            )?;
                            audit::supersede_creates(c, action.identity_id, journal_id)?;
                            EventKind::Created
                        }
                        ActionKind::Update => {
                            identities::confirm_written(
                                c,
                                action.identity_id,
                                &action.platform_names,
                            )?;
                            EventKind::Updated
                        }
                        ActionKind::Suspend => {
                            identities::put_account(
                                c,
                                action.identity_id,
                                system,
                                remote,
                                AccountStatus::Suspended,
                            )?;
                            identities::set_active(c, action.identity_id, false)?;
                            EventKind::Suspended
                        }
                        ActionKind::Resume => {
                            identities::put_account(
                                c,
                                action.identity_id,
                                system,
                                remote,
                                AccountStatus::Active,
                            )?;
                            identities::set_active(c, action.identity_id, true)?;
                            EventKind::Resumed
                        }
                    };
                    audit::journal_finish(c, journal_id, ActionState::Done, Some(&user.id), None)?;
                    audit::append(
                        c,
                        &NewEvent {
                            identity_id: Some(action.identity_id),
                            new_value: Some(user.id.clone()),
                            detail: Some(action.reason.clone()),
                            ..NewEvent::of(Some(run_id), kind, subject)
                        },
                    )
                })?;
                out.done += 1;
            }
            Err(e) => {
                let reason = e.to_string();
                store.transaction(|c| {
                    audit::journal_finish(c, journal_id, ActionState::Failed, None, Some(&reason))?;
                    audit::append(
                        c,
                        &NewEvent {
                            identity_id: Some(action.identity_id),
                            attribute: Some(action.kind.as_str()),
                            detail: Some(reason.clone()),
                            ..NewEvent::of(Some(run_id), EventKind::ActionFailed, subject)
                        },
                    )
                })?;
                out.failed += 1;
                // The tenant kept refusing past the run's wait budget: the action was not
                // done (journaled as failed), and neither will the next ones be. Stop; the
                // run ends as interrupted and the next one carries on.
                if matches!(e, crate::error::HostError::RateLimitBudget { .. }) {
                    return Err(super::error::SyncError::Connector {
                        operation: action.kind.as_str(),
                        source: e,
                    });
                }
            }
        }
        progress.advance(1);
    }
    progress.finish();
    Ok(out)
}
