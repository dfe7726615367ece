//! Who a listing showed: every source id a run's import saw goes into a per-connection
//! temporary table (one insert per person, bounded memory whatever the tenant's size), so once
//! a listing is known complete the people it did not show can be found, and those already
//! marked gone can be told apart from those who came back.

use rusqlite::{Connection, params};

use super::error::StoreError;

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::from_sqlite("(store)", e)
}

/// Someone the store knows from the source, absent from a complete listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    pub identity_id: i64,
    pub source_id: String,
    pub display_name: String,
    pub active: bool,
}

/// Starts a run's record of who was seen (empties an earlier one of this connection).
pub fn start(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS seen(source_id TEXT PRIMARY KEY) WITHOUT ROWID;
         DELETE FROM temp.seen;",
    )
    .map_err(sql)
}

/// Records that the listing showed these source ids (one statement per 500).
pub fn saw_all(conn: &Connection, source_ids: &[&str]) -> Result<(), StoreError> {
    for chunk in source_ids.chunks(500) {
        let marks = vec!["(?)"; chunk.len()].join(", ");
        conn.prepare_cached(&format!(
            "INSERT OR IGNORE INTO temp.seen(source_id) VALUES {marks}"
        ))
        .map_err(sql)?
        .execute(rusqlite::params_from_iter(chunk))
        .map_err(sql)?;
    }
    Ok(())
}

/// People known from the source, not yet marked gone, that the listing did not show.
pub fn missing(conn: &Connection) -> Result<Vec<Missing>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, source_id, display_name, active FROM identities
             WHERE source_id IS NOT NULL AND gone_run IS NULL
               AND source_id NOT IN (SELECT source_id FROM temp.seen)
             ORDER BY id",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(Missing {
                identity_id: r.get(0)?,
                source_id: r.get(1)?,
                display_name: r.get(2)?,
                active: r.get(3)?,
            })
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// People known from the source and not gone (what the last complete listing showed).
pub fn known(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row(
        "SELECT COUNT(*) FROM identities WHERE source_id IS NOT NULL AND gone_run IS NULL",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n.max(0) as u64)
    .map_err(sql)
}

/// Active people known from the source and not gone (the base of the gone brake).
pub fn known_active(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row(
        "SELECT COUNT(*) FROM identities WHERE source_id IS NOT NULL AND gone_run IS NULL AND active = 1",
        [],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n.max(0) as u64)
    .map_err(sql)
}

/// Marks an identity gone from the source in `run_id`: its source account is `gone`, and
/// when `leaver` the identity becomes a leaver (inactive); otherwise it stays as it was.
pub fn mark_gone(
    conn: &Connection,
    identity_id: i64,
    system: &str,
    run_id: i64,
    leaver: bool,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE identities SET gone_run = ?2, active = CASE WHEN ?4 THEN 0 ELSE active END, updated_at = ?3 WHERE id = ?1",
        params![identity_id, run_id, super::file::now(), leaver],
    )
    .map_err(sql)?;
    conn.execute(
        "UPDATE accounts SET status = ?4, updated_at = ?3 WHERE identity_id = ?1 AND system = ?2",
        params![
            identity_id,
            system,
            super::file::now(),
            crate::store::AccountStatus::Gone
        ],
    )
    .map_err(sql)?;
    Ok(())
}

/// The identity's active accounts in every system but `system` (the source).
pub fn accounts_elsewhere(
    conn: &Connection,
    identity_id: i64,
    system: &str,
) -> Result<u64, StoreError> {
    conn.query_row(
        "SELECT COUNT(*) FROM accounts WHERE identity_id = ?1 AND system <> ?2 AND status = ?3",
        params![identity_id, system, crate::store::AccountStatus::Active],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n.max(0) as u64)
    .map_err(sql)
}

/// Marks the identity's active accounts in every system but `system` to be deprovisioned
/// (the connector of each system carries it out); returns how many.
pub fn deprovision_elsewhere(
    conn: &Connection,
    identity_id: i64,
    system: &str,
) -> Result<u64, StoreError> {
    conn.execute(
        "UPDATE accounts SET status = ?4, updated_at = ?3 WHERE identity_id = ?1 AND system <> ?2 AND status = ?5",
        params![
            identity_id,
            system,
            super::file::now(),
            crate::store::AccountStatus::Deprovision,
            crate::store::AccountStatus::Active
        ],
    )
    .map(|n| n as u64)
    .map_err(sql)
}

/// The run that marked `identity_id` gone, if it is.
pub fn gone_run(conn: &Connection, identity_id: i64) -> Result<Option<i64>, StoreError> {
    conn.prepare_cached("SELECT gone_run FROM identities WHERE id = ?1")
        .map_err(sql)?
        .query_row([identity_id], |r| r.get(0))
        .map_err(sql)
}

/// Clears the gone mark of someone the listing shows again.
pub fn back(conn: &Connection, identity_id: i64) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE identities SET gone_run = NULL, updated_at = ?2 WHERE id = ?1",
        params![identity_id, super::file::now()],
    )
    .map_err(sql)?;
    Ok(())
}
