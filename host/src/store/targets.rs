//! What the application targets read and write: the people a target provisions (every
//! identity the HR source holds, with its account in that target, if any), and the journal
//! entries a killed run left for a target.

use rusqlite::{Connection, params};

use super::attributes::{self, Attributes};
use super::error::StoreError;
use super::file::now;
use super::kinds::{AccountStatus, ActionState};

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::from_sqlite("(store)", e)
}

/// One person as a target sees them.
#[derive(Debug, Clone)]
pub struct Person {
    pub identity_id: i64,
    /// The person's id at the HR source.
    pub source_id: String,
    pub display_name: String,
    /// Active at the source, as last seen.
    pub active: bool,
    pub contract_end: Option<String>,
    /// The run that found them gone from the source, if one did.
    pub gone_run: Option<i64>,
    pub attrs: Attributes,
    /// Their account in the target: `(remote id, status)`.
    pub account: Option<(String, AccountStatus)>,
}

/// Every identity the source holds (in id order), with its account in `system`.
pub fn people(conn: &Connection, system: &str) -> Result<Vec<Person>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT i.id, i.source_id, i.display_name, i.active, i.contract_end, i.gone_run, i.attributes,
                    a.remote_id, a.status
             FROM identities i LEFT JOIN accounts a ON a.identity_id = i.id AND a.system = ?1
             WHERE i.source_id IS NOT NULL ORDER BY i.id",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([system], |r| {
            let remote: Option<String> = r.get(7)?;
            let status: Option<AccountStatus> = r.get(8)?;
            Ok((
                Person {
                    identity_id: r.get(0)?,
                    source_id: r.get(1)?,
                    display_name: r.get(2)?,
                    active: r.get(3)?,
                    contract_end: r.get(4)?,
                    gone_run: r.get(5)?,
                    attrs: Attributes::new(),
                    account: remote.zip(status),
                },
                r.get::<_, String>(6)?,
            ))
        })
        .map_err(sql)?;
    let mut out = Vec::new();
    for row in rows {
        let (mut person, text) = row.map_err(sql)?;
        person.attrs = attributes::decode(&text)?;
        out.push(person);
    }
    Ok(out)
}

/// Settles the journal entries of `system` a killed run left unconfirmed: the target's listing
/// at the start of this run is what happened (a created account is found by its match key, a
/// change or a suspension is read back and planned again if it did not land).
pub fn settle_unconfirmed(conn: &Connection, run_id: i64, system: &str) -> Result<u64, StoreError> {
    conn.execute(
        "UPDATE actions SET state = ?3, finished_at = ?2,
                error = COALESCE(error, 'outcome read back by the listing of run ' || ?1)
         WHERE state = ?4 AND system = ?5",
        params![
            run_id,
            now(),
            ActionState::Settled,
            ActionState::Unconfirmed,
            system
        ],
    )
    .map(|n| n as u64)
    .map_err(sql)
}

/// Forgets the account of an identity in a system (it is gone from the target).
pub fn drop_account(conn: &Connection, identity_id: i64, system: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM accounts WHERE identity_id = ?1 AND system = ?2",
        params![identity_id, system],
    )
    .map_err(sql)?;
    Ok(())
}
