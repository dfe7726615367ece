//! People who vanished from the source. Once a listing is known complete (every page read,
//! the last one without a next token), everyone the store knows from the source that it did
//! not show is `gone` (deleted or hidden there): a leaver, whose accounts in the other systems
//! the policy deprovisions, puts up for review, or leaves alone. A listing short of more than
//! `policy.max_gone_share` of the known active people looks partial (a filter, a permission or
//! an outage at the source): then nobody is marked gone, the run says so and fails, unless
//! `--force`. A failed or cut listing never gets here.

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
        presence::mark_gone(conn, m.identity_id, &mapping.system, run_id)?;
        counts.gone += 1;
        if m.active {
            counts.leavers += 1;
        }
        let follow_up = match mapping.policy.on_gone {
            OnGone::Deprovision => None,
            OnGone::Review => Some((
                EventKind::Review,
                "gone from the source: review this person's accounts in the other systems",
            )),
            OnGone::Ignore => None,
        };
        if let Some((kind, detail)) = follow_up {
            counts.reviews += 1;
            audit::append(
                conn,
                &NewEvent {
                    identity_id: Some(m.identity_id),
                    detail: Some(detail.into()),
                    ..NewEvent::of(Some(run_id), kind, &subject)
                },
            )?;
        }
    }
    Ok(report)
}
