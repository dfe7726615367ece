//! The provisioning engine's embedded store: one SQLite file (through `rusqlite`, bundled)
//! holding identities and their attribute values, the accounts in each connected system with
//! their remote ids, sync runs, the append-only audit log and the action journal. Schema
//! migrations are versioned ([`schema`]); queries are typed ([`identities`], [`audit`]).
//!
//! A store is opened in SQLite's exclusive locking mode, so two runs never interleave on one
//! file: the second is refused with [`StoreError::Locked`] naming the file.

pub mod audit;
pub mod identities;
pub mod kinds;
pub mod presence;
pub mod schema;
mod scratch;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode};

pub use audit::{ActionRow, EventFilter, EventRow, NewEvent, RunRow};
pub use identities::{StoredAttr, StoredIdentity};
pub use kinds::{
    AccountStatus, ActionKind, ActionState, EventKind, Origin, RunStatus, UnknownName,
};

/// A store failure, naming the database file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "store {path}: the database is locked by another process (another connector-host run?)"
    )]
    Locked { path: String },
    #[error("store {path}: cannot open the database: {reason}")]
    Open { path: String, reason: String },
    #[error("store {path}: not a connector-host database (or damaged): {reason}")]
    NotADatabase { path: String, reason: String },
    #[error(
        "store {path}: written by a newer connector-host (schema version {found}; this one knows up to {supported}); upgrade connector-host"
    )]
    TooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("store {path}: migration to schema version {version} failed: {reason}")]
    Migration {
        path: String,
        version: i64,
        reason: String,
    },
    #[error("store {path}: {reason}")]
    Sql { path: String, reason: String },
    #[error("store {path}: a stored value is unreadable: {reason}")]
    Corrupt { path: String, reason: String },
}

impl StoreError {
    /// Names the database file in an error raised by a query helper (which only knows it as
    /// `(store)`).
    pub(crate) fn at(mut self, file: &str) -> StoreError {
        let path = match &mut self {
            StoreError::Locked { path }
            | StoreError::Open { path, .. }
            | StoreError::NotADatabase { path, .. }
            | StoreError::TooNew { path, .. }
            | StoreError::Migration { path, .. }
            | StoreError::Sql { path, .. }
            | StoreError::Corrupt { path, .. } => path,
        };
        if path == "(store)" {
            *path = file.into();
        }
        self
    }

    pub(crate) fn from_sqlite(path: &str, e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Locked { path: path.into() }
            }
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::NotADatabase {
                    path: path.into(),
                    reason: e.to_string(),
                }
            }
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
                StoreError::Open {
                    path: path.into(),
                    reason: e.to_string(),
                }
            }
            _ => StoreError::Sql {
                path: path.into(),
                reason: e.to_string(),
            },
        }
    }
}

/// An open store.
pub struct Store {
    conn: Connection,
    path: String,
    /// A scratch copy's file, removed (with its WAL files) when the copy is dropped.
    remove_on_drop: Option<std::path::PathBuf>,
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Some(file) = self.remove_on_drop.take() {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = file.clone().into_os_string();
                name.push(suffix);
                let _ = std::fs::remove_file(std::path::PathBuf::from(name));
            }
        }
    }
}

/// Creates `file` empty and readable by its owner only (the store holds HR personal data;
/// SQLite gives its WAL files the same mode). An existing file is left as it is.
pub(crate) fn create_private_file(file: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// The current instant, as stored (RFC 3339, UTC).
pub(crate) fn now() -> String {
    jiff::Timestamp::now().to_string()
}

impl Store {
    /// Opens (creating it and its folder if needed) the store at `path`, takes the exclusive
    /// lock and migrates it to the current schema.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let name = path.display().to_string();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let mut folder = std::fs::DirBuilder::new();
            folder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                folder.mode(0o700);
            }
            folder.create(parent).map_err(|e| StoreError::Open {
                path: name.clone(),
                reason: format!("cannot create {}: {e}", parent.display()),
            })?;
        }
        create_private_file(path).map_err(|e| StoreError::Open {
            path: name.clone(),
            reason: e.to_string(),
        })?;
        let conn = Connection::open(path).map_err(|e| StoreError::from_sqlite(&name, e))?;
        Self::setup(conn, name, true)
    }

    /// A throw-away store in memory (tests, dry experiments).
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn =
            Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(":memory:", e))?;
        Self::setup(conn, ":memory:".into(), false)
    }

    fn setup(mut conn: Connection, path: String, file: bool) -> Result<Store, StoreError> {
        let err = |e| StoreError::from_sqlite(&path, e);
        if file {
            conn.busy_timeout(std::time::Duration::from_millis(500))
                .map_err(err)?;
            conn.pragma_update(None, "locking_mode", "EXCLUSIVE")
                .map_err(err)?;
            conn.pragma_update(None, "journal_mode", "WAL")
                .map_err(err)?;
            // FULL: a committed journal entry ("about to call create-user") survives a power
            // cut, not only a killed process; NORMAL could roll it back after the call ran.
            conn.pragma_update(None, "synchronous", "FULL")
                .map_err(err)?;
            // Take the write lock now: a store in use elsewhere is refused up front.
            conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")
                .map_err(err)?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        schema::migrate(&mut conn, &path)?;
        Ok(Store {
            conn,
            path,
            remove_on_drop: None,
        })
    }

    /// The file the store lives in.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The connection (for the typed queries in [`identities`] and [`audit`]).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Runs `f` in one transaction: everything or nothing reaches the file.
    pub fn transaction<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| StoreError::from_sqlite(&path, e))?;
        let out = f(&tx).map_err(|e| e.at(&path))?;
        tx.commit().map_err(|e| StoreError::from_sqlite(&path, e))?;
        Ok(out)
    }

    /// Whether each commit is flushed to disk before it returns (`synchronous=FULL`, the
    /// default) or only ordered (`NORMAL`: a power cut may lose the last commits, never
    /// corrupt the file). The import of a sync runs relaxed, since whatever a power cut loses
    /// is imported again by the next run; the action journal always runs durable.
    pub fn set_durable(&self, durable: bool) -> Result<(), StoreError> {
        self.conn
            .pragma_update(None, "synchronous", if durable { "FULL" } else { "NORMAL" })
            .map_err(|e| self.err(e))
    }

    /// A value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a value of the `meta` table.
    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute("INSERT INTO meta(key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value]).map_err(|e| self.err(e))?;
        Ok(())
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> StoreError {
        StoreError::from_sqlite(&self.path, e)
    }
}

/// Where the store lives when `--store` is not given: `$XDG_DATA_HOME/connector-host/<name>`
/// (`~/.local/share/connector-host/<name>` without it; `./<name>` without a home either).
pub fn default_path(name: &str) -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".local/share"))
        });
    match base {
        Some(b) => b.join("connector-host").join(name),
        None => PathBuf::from(name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_schema_is_refused_and_lock_is_named() {
        let dir = std::env::temp_dir().join(format!("ch-store-{}", std::process::id()));
        let path = dir.join("s.sqlite");
        let _ = std::fs::remove_file(&path);
        let store = Store::open(&path).expect("opens");
        // A second open while the first holds the lock.
        let second = Store::open(&path).expect_err("refused");
        assert!(matches!(second, StoreError::Locked { .. }), "{second}");
        assert!(second.to_string().contains("s.sqlite"));
        store
            .conn()
            .pragma_update(None, "user_version", 99)
            .expect("bump");
        drop(store);
        let too_new = Store::open(&path).expect_err("refused");
        assert!(
            too_new.to_string().contains("schema version 99"),
            "{too_new}"
        );
        std::fs::write(
            &path,
            b"this is not sqlite at all, just some text that is long enough",
        )
        .expect("write");
        let _ = std::fs::remove_file(dir.join("s.sqlite-wal"));
        let garbage = Store::open(&path).expect_err("refused");
        assert!(
            matches!(garbage, StoreError::NotADatabase { .. }),
            "{garbage}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn audit_log_is_append_only() {
        let store = Store::in_memory().expect("store");
        store
            .conn()
            .execute(
                "INSERT INTO events(at, kind, subject) VALUES ('t', 'joiner', 'x')",
                [],
            )
            .expect("insert");
        assert!(store.conn().execute("DELETE FROM events", []).is_err());
        assert!(
            store
                .conn()
                .execute("UPDATE events SET kind = 'y'", [])
                .is_err()
        );
    }
}
