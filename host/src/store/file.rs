//! The store file: opening it (exclusive lock, owner-only mode, migrations), transactions,
//! metadata, the default location, and the clock every row is stamped with.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::error::StoreError;

/// An open store.
pub struct Store {
    pub(super) conn: Connection,
    pub(super) path: String,
    /// A scratch copy's file, removed (with its WAL files) when the copy is dropped.
    pub(super) remove_on_drop: Option<std::path::PathBuf>,
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
/// SQLite gives its WAL files the same mode). An existing file, and the journal files beside
/// it, are tightened to owner-only when they are wider (a store made by an older release).
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
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = file.as_os_str().to_owned();
                name.push(suffix);
                crate::private_file::tighten(Path::new(&name))?;
            }
            Ok(())
        }
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

    /// Hands this store over (to the import's writer thread), leaving an empty in-memory
    /// placeholder with the same name in its place until it is given back by assignment.
    pub fn lend(&mut self) -> Result<Store, StoreError> {
        let conn =
            Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(&self.path, e))?;
        let placeholder = Store {
            conn,
            path: self.path.clone(),
            remove_on_drop: None,
        };
        Ok(std::mem::replace(self, placeholder))
    }

    /// A throw-away store in memory (tests, dry experiments).
    pub fn in_memory() -> Result<Store, StoreError> {
        let conn =
            Connection::open_in_memory().map_err(|e| StoreError::from_sqlite(":memory:", e))?;
        Self::setup(conn, ":memory:".into(), false)
    }

    pub(super) fn setup(
        mut conn: Connection,
        path: String,
        file: bool,
    ) -> Result<Store, StoreError> {
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
        // The store's cached statements (one per query, and one per batch length of the
        // page reads) outnumber rusqlite's default of 16.
        conn.set_prepared_statement_cache_capacity(64);
        super::schema::migrate(&mut conn, &path)?;
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

    #[cfg(unix)]
    #[test]
    fn a_store_left_world_readable_by_an_older_release_is_tightened_on_open() {
        let dir = std::env::temp_dir().join(format!("ch-store-mode-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("old.sqlite");
        let wal = dir.join("old.sqlite-wal");
        use std::os::unix::fs::PermissionsExt;
        for f in [&path, &wal] {
            std::fs::write(f, b"").expect("write");
            std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        let store = Store::open(&path).expect("opens");
        drop(store);
        for f in [&path, &wal] {
            if let Ok(meta) = std::fs::metadata(f) {
                assert_eq!(meta.permissions().mode() & 0o777, 0o600, "{}", f.display());
            }
        }
        assert_eq!(
            std::fs::metadata(&path)
                .expect("store")
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
