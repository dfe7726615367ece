//! A store failure, naming the database file.

use rusqlite::ErrorCode;

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
