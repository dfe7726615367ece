//! Typed queries over identities, their attribute values and their accounts. Every function
//! takes a `&Connection` so callers group them in one transaction ([`super::Store::transaction`]).
//! Attribute values are stored as JSON arrays of host [`Value`]s, an identity's attributes
//! together in its row ([`super::attributes`]).

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::error::StoreError;
use super::file::now;
use crate::model::Value;
use crate::store::kinds::{AccountStatus, Origin};

pub use super::attributes::StoredAttr;
pub(crate) use super::attributes::encode_values as encode;

/// An identity as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredIdentity {
    pub id: i64,
    pub source_id: Option<String>,
    pub origin: Origin,
    pub display_name: String,
    pub active: bool,
    pub contract_end: Option<String>,
    pub stale_end: Option<String>,
    /// The run that found this person gone from the source (absent from a complete listing).
    pub gone_run: Option<i64>,
    /// The digest of the attributes as last imported, when every one of them is stored as it
    /// came (none changed on the platform, none waiting for write-back); `None` otherwise.
    pub source_digest: Option<Vec<u8>>,
    pub attrs: BTreeMap<String, StoredAttr>,
}

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::from_sqlite("(store)", e)
}

const IDENTITY_COLUMNS: &str =
    "id, source_id, origin, display_name, active, contract_end, stale_end, gone_run, source_digest";

fn identity_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredIdentity> {
    Ok(StoredIdentity {
        id: r.get(0)?,
        source_id: r.get(1)?,
        origin: r.get(2)?,
        display_name: r.get(3)?,
        active: r.get(4)?,
        contract_end: r.get(5)?,
        stale_end: r.get(6)?,
        gone_run: r.get(7)?,
        source_digest: r.get(8)?,
        attrs: BTreeMap::new(),
    })
}

/// The identity's attributes, from its row.
fn read_attrs(conn: &Connection, id: i64) -> Result<super::attributes::Attributes, StoreError> {
    let text: String = conn
        .prepare_cached("SELECT attributes FROM identities WHERE id = ?1")
        .map_err(sql)?
        .query_row([id], |r| r.get(0))
        .map_err(sql)?;
    super::attributes::decode(&text)
}

/// Writes the identity's attributes back; its digest no longer holds (the import that wrote
/// them records a new one when it applies).
fn write_attrs(
    conn: &Connection,
    id: i64,
    attrs: &super::attributes::Attributes,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE identities SET attributes = ?2, pending_writes = ?3, source_digest = NULL, updated_at = ?4 WHERE id = ?1",
    )
    .map_err(sql)?
    .execute(params![
        id,
        super::attributes::encode(attrs),
        super::attributes::any_pending(attrs),
        now()
    ])
    .map_err(sql)?;
    Ok(())
}

fn with_attrs(
    conn: &Connection,
    identity: Option<StoredIdentity>,
) -> Result<Option<StoredIdentity>, StoreError> {
    let Some(mut identity) = identity else {
        return Ok(None);
    };
    identity.attrs = read_attrs(conn, identity.id)?;
    Ok(Some(identity))
}

/// The identity imported from source user `source_id`.
pub fn by_source(conn: &Connection, source_id: &str) -> Result<Option<StoredIdentity>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {IDENTITY_COLUMNS} FROM identities WHERE source_id = ?1"
        ))
        .map_err(sql)?;
    let found = stmt
        .query_row([source_id], identity_row)
        .optional()
        .map_err(sql)?;
    with_attrs(conn, found)
}

/// The identity rows of these source ids (the ones the store has), by source id.
pub fn rows_by_sources(
    conn: &Connection,
    source_ids: &[&str],
) -> Result<std::collections::HashMap<String, StoredIdentity>, StoreError> {
    let mut out = std::collections::HashMap::with_capacity(source_ids.len());
    for chunk in source_ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {IDENTITY_COLUMNS} FROM identities WHERE source_id IN ({marks})"
            ))
            .map_err(sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(chunk), identity_row)
            .map_err(sql)?;
        for row in rows {
            let row = row.map_err(sql)?;
            if let Some(source) = row.source_id.clone() {
                out.insert(source, row);
            }
        }
    }
    Ok(out)
}

/// The identity with platform id `id`.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<StoredIdentity>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {IDENTITY_COLUMNS} FROM identities WHERE id = ?1"
        ))
        .map_err(sql)?;
    let found = stmt.query_row([id], identity_row).optional().map_err(sql)?;
    with_attrs(conn, found)
}

/// A new identity row.
#[derive(Debug, Clone)]
pub struct NewIdentity<'a> {
    pub source_id: Option<&'a str>,
    pub origin: Origin,
    pub display_name: &'a str,
    pub active: bool,
    pub contract_end: Option<&'a str>,
    pub stale_end: Option<&'a str>,
    pub run_id: Option<i64>,
    /// The digest of the imported attributes (see [`StoredIdentity::source_digest`]).
    pub source_digest: Option<&'a [u8]>,
    /// The attributes column (see [`super::attributes::imported`]); `None`: no attributes.
    pub attributes: Option<&'a str>,
}

/// Inserts an identity; returns its platform id.
pub fn insert(conn: &Connection, n: &NewIdentity<'_>) -> Result<i64, StoreError> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO identities(source_id, origin, display_name, active, contract_end, stale_end, first_run, last_run, created_at, updated_at, source_digest, attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?8, ?9, ?10)",
    )
    .map_err(sql)?
    .execute(params![n.source_id, n.origin, n.display_name, n.active, n.contract_end, n.stale_end, n.run_id, at, n.source_digest, n.attributes.unwrap_or("{}")])
    .map_err(sql)?;
    Ok(conn.last_insert_rowid())
}

/// Updates the identity's row after an import.
pub fn update_row(
    conn: &Connection,
    id: i64,
    display_name: &str,
    active: bool,
    contract_end: Option<&str>,
    run_id: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE identities SET display_name = ?2, active = ?3, contract_end = ?4, last_run = ?5, updated_at = ?6 WHERE id = ?1")
        .map_err(sql)?
        .execute(params![id, display_name, active, contract_end, run_id, now()])
        .map_err(sql)?;
    Ok(())
}

/// Links a platform identity to the source user it was created as.
pub fn link_source(conn: &Connection, id: i64, source_id: &str) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE identities SET source_id = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, source_id, now()],
    )
    .map_err(sql)?;
    Ok(())
}

/// Sets the identity's `active` flag (after a suspension we made).
pub fn set_active(conn: &Connection, id: i64, active: bool) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE identities SET active = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, active, now()],
    )
    .map_err(sql)?;
    Ok(())
}

/// Records the digest of the identity's attributes as last imported (`None`: not all of them
/// are stored as they came).
pub fn set_digest(conn: &Connection, id: i64, digest: Option<&[u8]>) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE identities SET source_digest = ?2 WHERE id = ?1")
        .map_err(sql)?
        .execute(params![id, digest])
        .map_err(sql)?;
    Ok(())
}

/// Writes one attribute. The identity's digest no longer holds (the import that wrote it
/// records a new one when it applies).
pub fn put_attr(
    conn: &Connection,
    id: i64,
    name: &str,
    attr: &StoredAttr,
) -> Result<(), StoreError> {
    let mut attrs = read_attrs(conn, id)?;
    attrs.insert(name.to_string(), attr.clone());
    write_attrs(conn, id, &attrs)
}

/// The identity (other than `except`) whose attribute `name` holds exactly `value`, if any:
/// how platform-side creation refuses a second identity with the same match key.
pub fn find_by_attr(
    conn: &Connection,
    name: &str,
    value: &[Value],
    except: Option<i64>,
) -> Result<Option<i64>, StoreError> {
    // Both sides rendered by SQLite's JSON functions, so equal values compare equal as text.
    conn.query_row(
        "SELECT i.id FROM identities i, json_each(i.attributes) a
         WHERE a.key = ?1 AND json_extract(a.value, '$[0]') = json(?2) AND i.id IS NOT ?3
         ORDER BY i.id LIMIT 1",
        params![name, encode(value), except],
        |r| r.get(0),
    )
    .optional()
    .map_err(sql)
}

/// Creates or updates the account of an identity in a system.
pub fn put_account(
    conn: &Connection,
    id: i64,
    system: &str,
    remote_id: &str,
    status: AccountStatus,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO accounts(identity_id, system, remote_id, status, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(identity_id, system) DO UPDATE SET remote_id = excluded.remote_id, status = excluded.status, updated_at = excluded.updated_at",
    )
    .map_err(sql)?
    .execute(params![id, system, remote_id, status, now()])
    .map_err(sql)?;
    Ok(())
}

/// The account of an identity in a system: `(remote id, status)`.
pub fn account(
    conn: &Connection,
    id: i64,
    system: &str,
) -> Result<Option<(String, AccountStatus)>, StoreError> {
    conn.query_row(
        "SELECT remote_id, status FROM accounts WHERE identity_id = ?1 AND system = ?2",
        params![id, system],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(sql)
}

/// Every account of an identity: `(system, remote id, status)`, by system.
pub fn accounts_of(
    conn: &Connection,
    id: i64,
) -> Result<Vec<(String, String, AccountStatus)>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT system, remote_id, status FROM accounts WHERE identity_id = ?1 ORDER BY system",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// Accounts in a system, whatever their status.
pub fn count_accounts(conn: &Connection, system: &str) -> Result<u64, StoreError> {
    conn.query_row(
        "SELECT COUNT(*) FROM accounts WHERE system = ?1",
        params![system],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n.max(0) as u64)
    .map_err(sql)
}

/// Active accounts in a system.
pub fn count_active_accounts(conn: &Connection, system: &str) -> Result<u64, StoreError> {
    conn.query_row(
        "SELECT COUNT(*) FROM accounts WHERE system = ?1 AND status = ?2",
        params![system, AccountStatus::Active],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n.max(0) as u64)
    .map_err(sql)
}

/// All identities.
pub fn count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT COUNT(*) FROM identities", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n.max(0) as u64)
    .map_err(sql)
}

/// A leaver the policy may suspend: `(identity id, remote id, display name, contract end)`.
pub type LeaverCandidate = (i64, String, String, String);

/// Active accounts whose identity's contract ended strictly before `cutoff` (an ISO date), and
/// whose end date is not the one already reported as passed when the identity was first seen.
pub fn leaver_candidates(
    conn: &Connection,
    system: &str,
    cutoff: &str,
) -> Result<Vec<LeaverCandidate>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT i.id, a.remote_id, i.display_name, i.contract_end FROM identities i JOIN accounts a ON a.identity_id = i.id AND a.system = ?1
             WHERE a.status = ?3 AND i.active = 1 AND i.contract_end IS NOT NULL AND i.contract_end < ?2
               AND (i.stale_end IS NULL OR i.stale_end <> i.contract_end)
             ORDER BY i.id",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map(params![system, cutoff, AccountStatus::Active], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// An identity's platform changes waiting for write-back: `(identity id, remote id, [(name, value)])`.
pub type PendingWrite = (i64, String, Vec<(String, Vec<Value>)>);

/// Identities with platform changes waiting for write-back, their attributes by name. An
/// account gone from the source is left out: there is nothing left to write to.
pub fn pending_writes(conn: &Connection, system: &str) -> Result<Vec<PendingWrite>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT a.identity_id, a.remote_id, i.attributes FROM identities i JOIN accounts a ON a.identity_id = i.id AND a.system = ?1
             WHERE i.pending_writes = 1 AND a.status <> ?2 ORDER BY a.identity_id",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map(params![system, AccountStatus::Gone], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(sql)?;
    let mut out: Vec<PendingWrite> = Vec::new();
    for row in rows {
        let (id, remote, text) = row.map_err(sql)?;
        let pending: Vec<(String, Vec<Value>)> = super::attributes::decode(&text)?
            .into_iter()
            .filter(|(_, a)| a.pending)
            .map(|(name, a)| (name, a.value))
            .collect();
        if !pending.is_empty() {
            out.push((id, remote, pending));
        }
    }
    Ok(out)
}

/// Platform identities not yet created in the source system.
pub fn to_create(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT id FROM identities WHERE origin = ?1 AND source_id IS NULL ORDER BY id")
        .map_err(sql)?;
    let rows = stmt
        .query_map([Origin::Platform], |r| r.get(0))
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// Marks these attributes of an identity written back (their value is now the source's).
pub fn confirm_written(conn: &Connection, id: i64, names: &[String]) -> Result<(), StoreError> {
    let mut attrs = read_attrs(conn, id)?;
    for name in names {
        if let Some(a) = attrs.get_mut(name) {
            a.pending = false;
            a.source_value = Some(a.value.clone());
        }
    }
    write_attrs(conn, id, &attrs)
}
