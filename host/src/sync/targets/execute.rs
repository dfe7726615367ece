//! Carries out a target's plan through its connector, one action at a time, with the action
//! journal around each call exactly as for the source (`sync::executor`): `started` is
//! committed before the call, the outcome and the account it leaves are committed together
//! after it. A process killed in between leaves a `started` row; the next run settles it from
//! the target's listing (a created account is found again by its match key and linked).

use super::plan::{Listing, status_of};
use crate::connector::Session;
use crate::error::HostError;
use crate::store::audit::{self, NewEvent};
use crate::store::{ActionState, EventKind, Store, identities};
use crate::sync::error::SyncError;
use crate::sync::plan::{ActionKind, PlannedAction};

/// The outcome of executing a target's plan.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Executed {
    pub done: u64,
    pub failed: u64,
}

/// Executes the ready actions of `plan` (suspensions left out when `skip_suspend`) in
/// `system`, keeping `listing` up to date with what each call returned.
pub async fn execute(
    session: &mut dyn Session,
    store: &mut Store,
    run_id: i64,
    system: &str,
    (plan, skip_suspend): (&[PlannedAction], bool),
    listing: &mut Listing,
    match_on: &str,
) -> Result<Executed, SyncError> {
    let mut out = Executed::default();
    for action in plan
        .iter()
        .filter(|a| a.is_ready() && !(skip_suspend && a.kind == ActionKind::Suspend))
    {
        let journal_id = super::super::executor::journal_start(store, run_id, system, action)?;
        let result = super::super::executor::call(session, action).await;
        let subject = action.subject.as_str();
        match result {
            Ok(user) => {
                store.transaction(|c| {
                    identities::put_account(
                        c,
                        action.identity_id,
                        system,
                        &user.id,
                        status_of(&user),
                    )?;
                    if action.kind == ActionKind::Create {
                        audit::supersede_creates(c, action.identity_id, journal_id)?;
                    }
                    let kind = match action.kind {
                        ActionKind::Create => EventKind::Created,
                        ActionKind::Update => EventKind::Updated,
                        ActionKind::Suspend => EventKind::Suspended,
                        ActionKind::Resume => EventKind::Resumed,
                    };
                    audit::journal_finish(c, journal_id, ActionState::Done, Some(&user.id), None)?;
                    audit::append(
                        c,
                        &NewEvent {
                            identity_id: Some(action.identity_id),
                            new_value: Some(user.id.clone()),
                            detail: Some(action.reason.clone()),
                            system: Some(system),
                            ..NewEvent::of(Some(run_id), kind, subject)
                        },
                    )
                })?;
                listing.put(user, match_on);
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
                            system: Some(system),
                            ..NewEvent::of(Some(run_id), EventKind::ActionFailed, subject)
                        },
                    )
                })?;
                out.failed += 1;
                if matches!(e, HostError::RateLimitBudget { .. }) {
                    return Err(SyncError::Connector {
                        operation: action.kind.as_str(),
                        source: e,
                    });
                }
            }
        }
    }
    Ok(out)
}
