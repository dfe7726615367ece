//! The provisioning engine's embedded store: one SQLite file (through `rusqlite`, bundled)
//! holding identities and their attribute values, the accounts in each connected system with
//! their remote ids, sync runs, the append-only audit log and the action journal. Schema
//! migrations are versioned ([`schema`]); queries are typed ([`identities`], [`audit`]).
//!
//! A store is opened in SQLite's exclusive locking mode, so two runs never interleave on one
//! file: the second is refused with [`StoreError::Locked`] naming the file.

pub mod attributes;
pub mod audit;
mod error;
mod file;
pub mod identities;
pub mod kinds;
pub mod presence;
pub mod schema;
mod scratch;
pub mod targets;

pub use audit::{ActionRow, EventFilter, EventRow, NewEvent, RunRow};
pub use error::StoreError;
pub use file::{Store, default_path};
pub use identities::{StoredAttr, StoredIdentity};
pub use kinds::{
    AccountStatus, ActionKind, ActionState, EventKind, Origin, RunStatus, UnknownName,
};

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
