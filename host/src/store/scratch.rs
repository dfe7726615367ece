//! Dry runs on a scratch copy: a dry run reads the stored state and the listing and computes
//! the plan and the events, but nothing it does may become a later run's baseline. It runs on
//! a copy of the store (`VACUUM INTO`, owner-only, removed afterwards); only its run row and
//! its events come back to the real store, marked by the run's `dry_run` flag, so `events`
//! can show them (events about people the real store does not know keep no identity id).

use std::path::PathBuf;

use rusqlite::Connection;

use super::error::StoreError;
use super::file::Store;

impl Store {
    /// A copy of this store in a temporary file beside it, deleted when the copy is dropped.
    pub fn scratch_copy(&self) -> Result<Store, StoreError> {
        let base = if self.path == ":memory:" {
            std::env::temp_dir().join("connector-host-store")
        } else {
            PathBuf::from(&self.path)
        };
        let file = base.with_extension(format!(
            "dry-run-{}-{}.sqlite",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        let target = file.display().to_string();
        super::file::create_private_file(&file).map_err(|e| StoreError::Open {
            path: target.clone(),
            reason: e.to_string(),
        })?;
        // VACUUM INTO wants a file that does not exist or is empty: it is empty.
        self.conn
            .execute("VACUUM INTO ?1", [&target])
            .map_err(|e| self.err(e))?;
        let conn = Connection::open(&file).map_err(|e| StoreError::from_sqlite(&target, e))?;
        // Not locked exclusively (this store attaches it to take its events back), and never
        // flushed: it is thrown away.
        conn.pragma_update(None, "synchronous", "OFF")
            .map_err(|e| StoreError::from_sqlite(&target, e))?;
        let mut copy = Store::setup(conn, target, false)?;
        copy.remove_on_drop = Some(file);
        Ok(copy)
    }

    /// Brings the dry runs of a scratch copy that this store does not have (their run rows and
    /// events) into this store.
    pub fn adopt_dry_runs(&mut self, scratch: &Store) -> Result<(), StoreError> {
        let dry = scratch.path.clone();
        self.conn
            .execute("ATTACH DATABASE ?1 AS dry", [&dry])
            .map_err(|e| self.err(e))?;
        let copied = self.transaction(|c| {
            let sql = |e| StoreError::from_sqlite("(store)", e);
            c.execute(
                "CREATE TEMP TABLE adopted AS SELECT id FROM dry.runs WHERE dry_run = 1 AND id NOT IN (SELECT id FROM main.runs)",
                [],
            )
            .map_err(sql)?;
            c.execute(
                "INSERT INTO main.runs SELECT * FROM dry.runs WHERE id IN (SELECT id FROM adopted)",
                [],
            )
            .map_err(sql)?;
            c.execute(
                "INSERT INTO main.events(run_id, at, kind, identity_id, subject, attribute, old_value, new_value, detail)
                 SELECT run_id, at, kind,
                        CASE WHEN identity_id IN (SELECT id FROM main.identities) THEN identity_id END,
                        subject, attribute, old_value, new_value, detail
                 FROM dry.events WHERE run_id IN (SELECT id FROM adopted) ORDER BY id",
                [],
            )
            .map_err(sql)?;
            c.execute("DROP TABLE adopted", []).map_err(sql)?;
            Ok(())
        });
        let detached = self
            .conn
            .execute("DETACH DATABASE dry", [])
            .map_err(|e| self.err(e));
        copied.and(detached.map(drop))
    }
}
