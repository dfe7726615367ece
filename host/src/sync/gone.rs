//! People who vanished from the source. Once a listing is known complete (every page read,
//! the last one without a next token), everyone the store knows from the source that it did
//! not show is `gone` (deleted or hidden there) and their source account is marked gone; then
//! `policy.on_gone` decides: `deprovision` makes the identity a leaver and marks its active
//! accounts in every other system to be deprovisioned; `review` makes it a leaver and asks for
//! a review of those accounts; `ignore` records the `gone` event only (the identity stays as it
//! was). A listing short of more than `policy.max_gone_share` of the known active people looks
//! partial (a filter, a permission or an outage at the source): then nobody is marked gone, the
//! run says so and fails, unless `--force`. A failed or cut listing never gets here.

use rusqlite::Connection;
use serde::Serialize;

use super::counts::Counts;
use super::mapping::{Mapping, OnGone};
use crate::store::audit::{self, NewEvent};
use crate::store::{EventKind, StoreError, presence};

/// What a run found missing and did about it.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct GoneReport {
    /// People absent from the listing.
    pub missing: u64,
    /// Of them, active ones.
    pub missing_active: u64,
    /// Active people known before the run.
    pub known_active: u64,
    pub max_share: f64,
    /// Nobody was marked gone: the listing looked partial and the run was not forced.
    pub held: bool,
    /// The policy applied to the people marked gone.
    pub on_gone: OnGone,
    /// People marked gone who became leavers (none with `ignore`).
    pub leavers: u64,
    /// Their accounts in the other systems marked to be deprovisioned (`deprovision`) or put
    /// up for review (`review`).
    pub other_accounts: u64,
}

impl GoneReport {
    /// The missing active share of the known active people.
    pub fn share(&self) -> f64 {
        if self.known_active == 0 {
            if self.missing_active == 0 { 0.0 } else { 1.0 }
        } else {
            self.missing_active as f64 / self.known_active as f64
        }
    }

    /// A one-line explanation of a hold.
    pub fn message(&self) -> String {
        format!(
            "{} of {} known active people ({:.1}%) are missing from the listing, above the {:.1}% limit (policy.max_gone_share): the listing looks partial, so nobody was marked gone. Check the source (a filter, a permission), then rerun with --force to let it through",
            self.missing_active,
            self.known_active,
            self.share() * 100.0,
            self.max_share * 100.0
        )
    }
}

/// Judges the people a complete listing did not show, and records them unless held.
pub fn settle(
    conn: &Connection,
    mapping: &Mapping,
    run_id: i64,
    force: bool,
    counts: &mut Counts,
) -> Result<GoneReport, StoreError> {
    let missing = presence::missing(conn)?;
    let mut report = GoneReport {
        missing: missing.len() as u64,
        missing_active: missing.iter().filter(|m| m.active).count() as u64,
        known_active: presence::known_active(conn)?,
        max_share: mapping.policy.max_gone_share,
        held: false,
        on_gone: mapping.policy.on_gone,
        leavers: 0,
        other_accounts: 0,
    };
    if missing.is_empty() {
        return Ok(report);
    }
    if report.share() > report.max_share && !force {
        report.held = true;
        counts.gone_held = report.missing;
        return Ok(report);
    }
    for m in &missing {
        let subject = format!("{} ({})", m.display_name, m.source_id);
        audit::append(
            conn,
            &NewEvent {
                identity_id: Some(m.identity_id),
                detail: Some(
                    "absent from a complete listing: deleted or hidden at the source".into(),
                ),
                ..NewEvent::of(Some(run_id), EventKind::Gone, &subject)
            },
        )?;
        let on_gone = mapping.policy.on_gone;
        let leaver = on_gone != OnGone::Ignore;
        presence::mark_gone(conn, m.identity_id, &mapping.system, run_id, leaver)?;
        counts.gone += 1;
        if leaver && m.active {
            counts.leavers += 1;
            report.leavers += 1;
        }
        let follow_up = match on_gone {
            OnGone::Deprovision => {
                let n = presence::deprovision_elsewhere(conn, m.identity_id, &mapping.system)?;
                report.other_accounts += n;
                Some((
                    EventKind::Leaver,
                    format!(
                        "gone from the source (on_gone = deprovision): a leaver; {n} account(s) in other systems to deprovision"
                    ),
                ))
            }
            OnGone::Review => {
                let n = presence::accounts_elsewhere(conn, m.identity_id, &mapping.system)?;
                report.other_accounts += n;
                counts.reviews += 1;
                Some((
                    EventKind::Review,
                    format!(
                        "gone from the source (on_gone = review): a leaver; review this person's {n} account(s) in the other systems"
                    ),
                ))
            }
            OnGone::Ignore => None,
        };
        if let Some((kind, detail)) = follow_up {
            audit::append(
                conn,
                &NewEvent {
                    identity_id: Some(m.identity_id),
                    detail: Some(detail),
                    ..NewEvent::of(Some(run_id), kind, &subject)
                },
            )?;
        }
    }
    Ok(report)
}
