//! The store's schema and its versioned migrations. The version lives in SQLite's
//! `user_version`; each migration runs in one transaction and bumps it. A database written by a
//! newer host (a version above [`LATEST`]) is refused rather than guessed at.

use rusqlite::Connection;

use super::error::StoreError;

/// The schema version this host writes.
pub const LATEST: i64 = 4;

/// Migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 0 → 1: identities, attributes, accounts, runs, the audit log and the action journal.
    r#"
    CREATE TABLE identities (
        id            INTEGER PRIMARY KEY,
        source_id     TEXT UNIQUE,            -- the HR (PeopleSpheres) user id; NULL until created there
        origin        TEXT NOT NULL,          -- 'hr' (imported) or 'platform' (created on the platform)
        display_name  TEXT NOT NULL,
        active        INTEGER NOT NULL,       -- as last seen at the source
        contract_end  TEXT,                   -- the policy's end-date attribute, ISO date
        stale_end     TEXT,                   -- an end date already passed when first seen (reported, not acted on)
        first_run     INTEGER,
        last_run      INTEGER,
        created_at    TEXT NOT NULL,
        updated_at    TEXT NOT NULL
    );
    CREATE TABLE identity_attributes (
        identity_id   INTEGER NOT NULL REFERENCES identities(id),
        name          TEXT NOT NULL,          -- platform attribute name (see the mapping)
        value         TEXT NOT NULL,          -- JSON array of values: the platform's current value
        source_value  TEXT,                   -- JSON array: the value last imported from the source
        pending       INTEGER NOT NULL DEFAULT 0, -- 1: a platform change waits for write-back
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (identity_id, name)
    ) WITHOUT ROWID;
    CREATE TABLE accounts (
        identity_id   INTEGER NOT NULL REFERENCES identities(id),
        system        TEXT NOT NULL,
        remote_id     TEXT NOT NULL,
        status        TEXT NOT NULL,          -- 'active' | 'suspended'
        updated_at    TEXT NOT NULL,
        PRIMARY KEY (identity_id, system),
        UNIQUE (system, remote_id)
    );
    CREATE INDEX accounts_status ON accounts(system, status);
    CREATE TABLE runs (
        id            INTEGER PRIMARY KEY,
        started_at    TEXT NOT NULL,
        finished_at   TEXT,
        as_of         TEXT NOT NULL,
        dry_run       INTEGER NOT NULL,
        status        TEXT NOT NULL,          -- running | completed | braked | failed | interrupted
        summary       TEXT                    -- JSON counts
    );
    CREATE TABLE events (
        id            INTEGER PRIMARY KEY,
        run_id        INTEGER,
        at            TEXT NOT NULL,
        kind          TEXT NOT NULL,          -- joiner | mover | change | leaver | returner | review | conflict | skipped | action kinds
        identity_id   INTEGER,
        subject       TEXT NOT NULL,          -- who (display name / source id)
        attribute     TEXT,
        old_value     TEXT,
        new_value     TEXT,
        detail        TEXT
    );
    CREATE INDEX events_run ON events(run_id, kind);
    -- The audit log is append-only.
    CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE actions (
        id            INTEGER PRIMARY KEY,
        run_id        INTEGER NOT NULL,
        kind          TEXT NOT NULL,          -- create | update | suspend
        identity_id   INTEGER NOT NULL,
        system        TEXT NOT NULL,
        remote_id     TEXT,
        payload       TEXT NOT NULL,          -- JSON
        state         TEXT NOT NULL,          -- started | done | failed | unconfirmed | settled | superseded
        error         TEXT,
        started_at    TEXT NOT NULL,
        finished_at   TEXT
    );
    CREATE INDEX actions_state ON actions(state);
    CREATE TABLE meta (
        key           TEXT PRIMARY KEY,
        value         TEXT NOT NULL
    );
    "#,
    // 1 → 2: people who vanished from a complete listing (deleted or hidden at the source).
    r#"
    ALTER TABLE identities ADD COLUMN gone_run INTEGER;  -- the run that found them gone; NULL: present
    "#,
    // 2 → 3: an identity's attributes move into its row (one JSON object; see
    // `store::attributes`), with a flag for pending write-backs, and a digest of what the last
    // import found, so an unchanged person is told apart without reading their attributes.
    r#"
    ALTER TABLE identities ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE identities ADD COLUMN pending_writes INTEGER NOT NULL DEFAULT 0;  -- 1: an attribute waits for write-back
    ALTER TABLE identities ADD COLUMN source_digest BLOB;  -- see sync::detect::Encoded; NULL: unknown
    UPDATE identities SET
        attributes = COALESCE((SELECT json_group_object(t.name, json_array(json(t.value), json(t.source_value), t.pending))
                               FROM identity_attributes t WHERE t.identity_id = identities.id), '{}'),
        pending_writes = EXISTS (SELECT 1 FROM identity_attributes t WHERE t.identity_id = identities.id AND t.pending = 1);
    DROP TABLE identity_attributes;
    "#,
    // 3 → 4: application targets (HR-driven provisioning): an event names the system it
    // happened in (NULL: the source, as before).
    r#"
    ALTER TABLE events ADD COLUMN system TEXT;
    "#,
];

/// Brings the database to [`LATEST`], or refuses a newer one.
pub fn migrate(conn: &mut Connection, path: &str) -> Result<(), StoreError> {
    let current: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| StoreError::from_sqlite(path, e))?;
    if current > LATEST {
        return Err(StoreError::TooNew {
            path: path.into(),
            found: current,
            supported: LATEST,
        });
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(current.max(0) as usize) {
        let tx = conn
            .transaction()
            .map_err(|e| StoreError::from_sqlite(path, e))?;
        tx.execute_batch(sql).map_err(|e| StoreError::Migration {
            path: path.into(),
            version: version as i64 + 1,
            reason: e.to_string(),
        })?;
        tx.pragma_update(None, "user_version", version as i64 + 1)
            .map_err(|e| StoreError::from_sqlite(path, e))?;
        tx.commit().map_err(|e| StoreError::from_sqlite(path, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Value;

    #[test]
    fn a_store_of_schema_2_keeps_every_attribute_when_it_moves_into_the_rows() {
        let mut conn = Connection::open_in_memory().expect("db");
        for sql in &MIGRATIONS[..2] {
            conn.execute_batch(sql).expect("old schema");
        }
        conn.pragma_update(None, "user_version", 2)
            .expect("version");
        conn.execute_batch(
            r#"
            INSERT INTO identities(id, source_id, origin, display_name, active, created_at, updated_at)
                VALUES (1, '7', 'hr', 'Zoé', 1, 't', 't'), (2, '8', 'hr', 'Ana', 1, 't', 't');
            INSERT INTO identity_attributes(identity_id, name, value, source_value, pending, updated_at) VALUES
                (1, 'email', '[{"type":"text","value":"z@example.com"}]', '[{"type":"text","value":"old@example.com"}]', 1, 't'),
                (1, 'career_history.position', '[{"type":"text","value":"A"},{"type":"text","value":"B"}]', NULL, 0, 't');
            "#,
        )
        .expect("old rows");
        migrate(&mut conn, ":memory:").expect("migrate");
        let zoe = crate::store::identities::by_id(&conn, 1)
            .expect("read")
            .expect("identity");
        let email = &zoe.attrs["email"];
        assert_eq!(email.value, vec![Value::Text("z@example.com".into())]);
        assert_eq!(
            email.source_value,
            Some(vec![Value::Text("old@example.com".into())])
        );
        assert!(email.pending);
        let career = &zoe.attrs["career_history.position"];
        assert_eq!(career.value.len(), 2);
        assert_eq!(career.source_value, None);
        let ana = crate::store::identities::by_id(&conn, 2)
            .expect("read")
            .expect("identity");
        assert!(ana.attrs.is_empty());
        let flags: Vec<bool> = conn
            .prepare("SELECT pending_writes FROM identities ORDER BY id")
            .expect("query")
            .query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("flags");
        assert_eq!(flags, vec![true, false]);
    }
}
