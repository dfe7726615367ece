//! Typed queries over identities, their attribute values and their accounts. Every function
//! takes a `&Connection` so callers group them in one transaction ([`super::Store::transaction`]).
//! Attribute values are stored as JSON arrays of host [`Value`]s.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::error::StoreError;
use super::file::now;
use crate::model::Value;
use crate::store::kinds::{AccountStatus, Origin};

/// One stored attribute: the platform's value, the value last imported, and whether a
/// platform-side change waits to be written back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAttr {
    pub value: Vec<Value>,
    pub source_value: Option<Vec<Value>>,
    pub pending: bool,
}

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

pub(crate) fn encode(values: &[Value]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn decode(text: &str) -> Result<Vec<Value>, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        path: "(store)".into(),
        reason: format!("{e}: {text}"),
    })
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

fn with_attrs(
    conn: &Connection,
    identity: Option<StoredIdentity>,
) -> Result<Option<StoredIdentity>, StoreError> {
    let Some(mut identity) = identity else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached("SELECT name, value, source_value, pending FROM identity_attributes WHERE identity_id = ?1").map_err(sql)?;
    let rows = stmt
        .query_map([identity.id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, bool>(3)?,
            ))
        })
        .map_err(sql)?;
    for row in rows {
        let (name, value, source_value, pending) = row.map_err(sql)?;
        let source_value = source_value.as_deref().map(decode).transpose()?;
        identity.attrs.insert(
            name,
            StoredAttr {
                value: decode(&value)?,
                source_value,
                pending,
            },
        );
    }
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

/// The attributes, as stored text, of these identities, by identity id.
pub fn raw_attrs_of(
    conn: &Connection,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, BTreeMap<String, RawAttr>>, StoreError> {
    let mut out: std::collections::HashMap<i64, BTreeMap<String, RawAttr>> =
        std::collections::HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT identity_id, name, value, source_value, pending FROM identity_attributes WHERE identity_id IN ({marks})"
            ))
            .map_err(sql)?;
        let rows = stmt
            .query_map(rusqlite::params_from_iter(chunk), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    (r.get(2)?, r.get(3)?, r.get(4)?),
                ))
            })
            .map_err(sql)?;
        for row in rows {
            let (id, name, attr) = row.map_err(sql)?;
            out.entry(id).or_default().insert(name, attr);
        }
    }
    Ok(out)
}

/// An attribute as stored: its encoded value, its encoded last source value, whether it waits
/// for write-back.
pub type RawAttr = (String, Option<String>, bool);

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
}

/// Inserts an identity; returns its platform id.
pub fn insert(conn: &Connection, n: &NewIdentity<'_>) -> Result<i64, StoreError> {
    let at = now();
    conn.prepare_cached(
        "INSERT INTO identities(source_id, origin, display_name, active, contract_end, stale_end, first_run, last_run, created_at, updated_at, source_digest) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?8, ?9)",
    )
    .map_err(sql)?
    .execute(params![n.source_id, n.origin, n.display_name, n.active, n.contract_end, n.stale_end, n.run_id, at, n.source_digest])
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
    conn.prepare_cached(
        "INSERT INTO identity_attributes(identity_id, name, value, source_value, pending, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(identity_id, name) DO UPDATE SET value = excluded.value, source_value = excluded.source_value, pending = excluded.pending, updated_at = excluded.updated_at",
    )
    .map_err(sql)?
    .execute(params![id, name, encode(&attr.value), attr.source_value.as_deref().map(encode), attr.pending, now()])
    .map_err(sql)?;
    set_digest(conn, id, None)
}

/// Stores a new identity's attributes (name, encoded values), each as both its value and its
/// last source value: up to [`ROWS_PER_INSERT`] rows per statement, one timestamp.
pub fn put_new_attrs(conn: &Connection, id: i64, attrs: &[(&str, &str)]) -> Result<(), StoreError> {
    let at = now();
    for chunk in attrs.chunks(ROWS_PER_INSERT) {
        // ?1 the identity, ?2 the time, then each row's name and encoded values.
        let rows = (0..chunk.len())
            .map(|i| {
                format!(
                    "(?1, ?{}, ?{}, ?{}, 0, ?2)",
                    3 + 2 * i,
                    4 + 2 * i,
                    4 + 2 * i
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut stmt = conn
            .prepare_cached(&format!(
                "INSERT INTO identity_attributes(identity_id, name, value, source_value, pending, updated_at) VALUES {rows}"
            ))
            .map_err(sql)?;
        let mut params: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(2 + 2 * chunk.len());
        params.push(&id);
        params.push(&at);
        for (name, text) in chunk {
            params.extend([name as &dyn rusqlite::ToSql, text]);
        }
        stmt.execute(params.as_slice()).map_err(sql)?;
    }
    Ok(())
}

/// Rows of one attribute insert (a statement is prepared once per row count up to this).
pub const ROWS_PER_INSERT: usize = 32;

/// The identity (other than `except`) whose attribute `name` holds exactly `value`, if any:
/// how platform-side creation refuses a second identity with the same match key.
pub fn find_by_attr(
    conn: &Connection,
    name: &str,
    value: &[Value],
    except: Option<i64>,
) -> Result<Option<i64>, StoreError> {
    conn.query_row(
        "SELECT identity_id FROM identity_attributes WHERE name = ?1 AND value = ?2 AND identity_id IS NOT ?3 ORDER BY identity_id LIMIT 1",
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

/// Identities with platform changes waiting for write-back.
pub fn pending_writes(conn: &Connection, system: &str) -> Result<Vec<PendingWrite>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT a.identity_id, a.remote_id, t.name, t.value FROM identity_attributes t JOIN accounts a ON a.identity_id = t.identity_id AND a.system = ?1
             WHERE t.pending = 1 ORDER BY a.identity_id, t.name",
        )
        .map_err(sql)?;
    let rows = stmt
        .query_map([system], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
            ))
        })
        .map_err(sql)?;
    let mut out: Vec<PendingWrite> = Vec::new();
    for row in rows {
        let (id, remote, name, value) = row.map_err(sql)?;
        let value = decode(&value)?;
        match out.last_mut() {
            Some((last, _, attrs)) if *last == id => attrs.push((name, value)),
            _ => out.push((id, remote, vec![(name, value)])),
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

/// Marks every pending attribute of an identity written back (its value is now the source's).
pub fn confirm_written(conn: &Connection, id: i64, names: &[String]) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached("UPDATE identity_attributes SET pending = 0, source_value = value, updated_at = ?3 WHERE identity_id = ?1 AND name = ?2").map_err(sql)?;
    for name in names {
        stmt.execute(params![id, name, now()]).map_err(sql)?;
    }
    set_digest(conn, id, None)
}
