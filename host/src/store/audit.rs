//! Sync runs, the append-only audit log (every detected event and every action taken) and the
//! action journal: an action is written `started` before its remote call and confirmed `done`
//! (or `failed`) after it, so a run killed in between leaves a trace the next run reconciles.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::error::StoreError;
use super::file::now;
use crate::store::kinds::{ActionKind, ActionState, EventKind, RunStatus};

fn sql(e: rusqlite::Error) -> StoreError {
    StoreError::from_sqlite("(store)", e)
}

/// A sync run.
#[derive(Debug, Clone, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub as_of: String,
    pub dry_run: bool,
    pub status: RunStatus,
    pub summary: Option<serde_json::Value>,
}

/// Starts a run; runs left `running` by a killed process are marked `interrupted` first.
pub fn start_run(conn: &Connection, as_of: &str, dry_run: bool) -> Result<i64, StoreError> {
    conn.execute(
        "UPDATE runs SET status = ?1 WHERE status = ?2",
        params![RunStatus::Interrupted, RunStatus::Running],
    )
    .map_err(sql)?;
    conn.execute(
        "INSERT INTO runs(started_at, as_of, dry_run, status) VALUES (?1, ?2, ?3, ?4)",
        params![now(), as_of, dry_run, RunStatus::Running],
    )
    .map_err(sql)?;
    Ok(conn.last_insert_rowid())
}

/// Ends a run with a status and a JSON summary.
pub fn finish_run(
    conn: &Connection,
    id: i64,
    status: RunStatus,
    summary: &serde_json::Value,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE runs SET status = ?2, finished_at = ?3, summary = ?4 WHERE id = ?1",
        params![id, status, now(), summary.to_string()],
    )
    .map_err(sql)?;
    Ok(())
}

/// The runs, newest first.
pub fn runs(conn: &Connection, limit: u32) -> Result<Vec<RunRow>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, started_at, finished_at, as_of, dry_run, status, summary FROM runs ORDER BY id DESC LIMIT ?1").map_err(sql)?;
    let rows = stmt
        .query_map([limit], |r| {
            let summary: Option<String> = r.get(6)?;
            Ok(RunRow {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                as_of: r.get(3)?,
                dry_run: r.get(4)?,
                status: r.get(5)?,
                summary: summary.and_then(|s| serde_json::from_str(&s).ok()),
            })
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// An event to append to the audit log.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    pub run_id: Option<i64>,
    pub kind: EventKind,
    pub identity_id: Option<i64>,
    pub subject: &'a str,
    pub attribute: Option<&'a str>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub detail: Option<String>,
    /// The application target it happened in (`None`: the source).
    pub system: Option<&'a str>,
}

impl<'a> NewEvent<'a> {
    /// An event of `kind` about `subject`, with no attribute, values or detail.
    pub fn of(run_id: Option<i64>, kind: EventKind, subject: &'a str) -> Self {
        NewEvent {
            run_id,
            kind,
            identity_id: None,
            subject,
            attribute: None,
            old_value: None,
            new_value: None,
            detail: None,
            system: None,
        }
    }
}

/// Appends one event.
pub fn append(conn: &Connection, e: &NewEvent<'_>) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO events(run_id, at, kind, identity_id, subject, attribute, old_value, new_value, detail, system) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
        .map_err(sql)?
        .execute(params![e.run_id, now(), e.kind, e.identity_id, e.subject, e.attribute, e.old_value, e.new_value, e.detail, e.system])
        .map_err(sql)?;
    Ok(())
}

/// An event as stored.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EventRow {
    pub id: i64,
    pub run_id: Option<i64>,
    pub at: String,
    pub kind: EventKind,
    pub identity_id: Option<i64>,
    pub subject: String,
    pub attribute: Option<String>,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub detail: Option<String>,
    /// The application target it happened in (`None`: the source).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    /// Recorded by a dry run: what a real run would have found, changing nothing.
    pub dry_run: bool,
}

/// Which events to list.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub run_id: Option<i64>,
    pub kind: Option<EventKind>,
    pub identity_id: Option<i64>,
    /// Only the events of this application target.
    pub system: Option<String>,
    /// At most this many (the newest); `None`: all.
    pub limit: Option<u32>,
}

/// Events in order of occurrence.
pub fn events(conn: &Connection, f: &EventFilter) -> Result<Vec<EventRow>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT e.id, e.run_id, e.at, e.kind, e.identity_id, e.subject, e.attribute, e.old_value, e.new_value, e.detail,
                    COALESCE(r.dry_run, 0), e.system FROM (
               SELECT * FROM events WHERE (?1 IS NULL OR run_id = ?1) AND (?2 IS NULL OR kind = ?2) AND (?3 IS NULL OR identity_id = ?3)
                 AND (?5 IS NULL OR system = ?5)
               ORDER BY id DESC LIMIT ?4) e LEFT JOIN runs r ON r.id = e.run_id ORDER BY e.id",
        )
        .map_err(sql)?;
    let limit = f.limit.map(i64::from).unwrap_or(-1);
    let rows = stmt
        .query_map(
            params![f.run_id, f.kind, f.identity_id, limit, f.system],
            |r| {
                Ok(EventRow {
                    id: r.get(0)?,
                    run_id: r.get(1)?,
                    at: r.get(2)?,
                    kind: r.get(3)?,
                    identity_id: r.get(4)?,
                    subject: r.get(5)?,
                    attribute: r.get(6)?,
                    old_value: r.get(7)?,
                    new_value: r.get(8)?,
                    detail: r.get(9)?,
                    dry_run: r.get::<_, i64>(10)? != 0,
                    system: r.get(11)?,
                })
            },
        )
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// Counts of events per kind in one run.
pub fn event_counts(conn: &Connection, run_id: i64) -> Result<Vec<(EventKind, u64)>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT kind, COUNT(*) FROM events WHERE run_id = ?1 GROUP BY kind ORDER BY kind")
        .map_err(sql)?;
    let rows = stmt
        .query_map([run_id], |r| {
            Ok((r.get::<_, EventKind>(0)?, r.get::<_, i64>(1)?.max(0) as u64))
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// An action of the journal.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ActionRow {
    pub id: i64,
    pub run_id: i64,
    pub kind: ActionKind,
    pub identity_id: i64,
    pub system: String,
    pub remote_id: Option<String>,
    pub payload: String,
    pub state: ActionState,
    pub error: Option<String>,
}

/// Journals an action before its remote call; returns its id.
pub fn journal_start(
    conn: &Connection,
    run_id: i64,
    kind: ActionKind,
    identity_id: i64,
    system: &str,
    remote_id: Option<&str>,
    payload: &str,
) -> Result<i64, StoreError> {
    conn.execute(
        "INSERT INTO actions(run_id, kind, identity_id, system, remote_id, payload, state, started_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![run_id, kind, identity_id, system, remote_id, payload, ActionState::Started, now()],
    )
    .map_err(sql)?;
    Ok(conn.last_insert_rowid())
}

/// Confirms an action: `done` (with the remote id it produced) or `failed` with the error.
pub fn journal_finish(
    conn: &Connection,
    id: i64,
    state: ActionState,
    remote_id: Option<&str>,
    error: Option<&str>,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE actions SET state = ?2, remote_id = COALESCE(?3, remote_id), error = ?4, finished_at = ?5 WHERE id = ?1",
        params![id, state, remote_id, error, now()],
    )
    .map_err(sql)?;
    Ok(())
}

/// Marks the actions a killed run left `started` as `unconfirmed`: their outcome is read back by
/// the import of the run that starts now.
pub fn mark_unconfirmed(conn: &Connection) -> Result<u64, StoreError> {
    conn.execute(
        "UPDATE actions SET state = ?1 WHERE state = ?2",
        params![ActionState::Unconfirmed, ActionState::Started],
    )
    .map(|n| n as u64)
    .map_err(sql)
}

/// Actions a killed run left `started`: their outcome is unknown until the next import shows it.
pub fn unconfirmed(conn: &Connection) -> Result<Vec<ActionRow>, StoreError> {
    let mut stmt = conn.prepare("SELECT id, run_id, kind, identity_id, system, remote_id, payload, state, error FROM actions WHERE state = ?1 ORDER BY id").map_err(sql)?;
    let rows = stmt
        .query_map([ActionState::Started], |r| {
            Ok(ActionRow {
                id: r.get(0)?,
                run_id: r.get(1)?,
                kind: r.get(2)?,
                identity_id: r.get(3)?,
                system: r.get(4)?,
                remote_id: r.get(5)?,
                payload: r.get(6)?,
                state: r.get(7)?,
                error: r.get(8)?,
            })
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// Counts of actions per kind and state (all runs, or one).
pub fn action_counts(
    conn: &Connection,
    run_id: Option<i64>,
) -> Result<Vec<(ActionKind, ActionState, u64)>, StoreError> {
    let mut stmt = conn.prepare("SELECT kind, state, COUNT(*) FROM actions WHERE (?1 IS NULL OR run_id = ?1) GROUP BY kind, state ORDER BY kind, state").map_err(sql)?;
    let rows = stmt
        .query_map([run_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)?.max(0) as u64))
        })
        .map_err(sql)?;
    rows.collect::<Result<_, _>>().map_err(sql)
}

/// The platform identity a pending `create` action was for, if one is unconfirmed for `key`
/// (the JSON payload's `match` value).
pub fn unconfirmed_create_for(
    conn: &Connection,
    match_key: &str,
) -> Result<Option<(i64, i64)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT a.id, a.identity_id FROM actions a JOIN identities i ON i.id = a.identity_id
         WHERE a.kind = ?2 AND a.state IN (?3, ?4, ?5) AND i.source_id IS NULL
           AND json_extract(a.payload, '$.match') = ?1
         ORDER BY a.id DESC LIMIT 1",
        )
        .map_err(sql)?;
    stmt.query_row(
        params![
            match_key,
            ActionKind::Create,
            ActionState::Started,
            ActionState::Unconfirmed,
            ActionState::Failed
        ],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .optional()
    .map_err(sql)
}

/// Whether any creation may wait for its confirmation ([`unconfirmed_create_for`] can find
/// something): most imports have none, and skip the per-person look-up.
pub fn any_unconfirmed_create(conn: &Connection) -> Result<bool, StoreError> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM actions WHERE state IN (?2, ?3, ?4) AND kind = ?1)",
    )
    .map_err(sql)?
    .query_row(
        params![
            ActionKind::Create,
            ActionState::Started,
            ActionState::Unconfirmed,
            ActionState::Failed
        ],
        |r| r.get(0),
    )
    .map_err(sql)
}

/// Closes the update and suspend entries a killed run left unconfirmed, once the import of
/// `run_id` has read their outcome back (`settled`): the plan is computed from that state, so
/// whatever did not land is planned again and whatever did is not. (Unconfirmed creates stay
/// open: they are closed when the import finds the person by the match key.)
pub fn settle_unconfirmed(conn: &Connection, run_id: i64) -> Result<u64, StoreError> {
    let n = conn
        .execute(
            "UPDATE actions SET state = ?3, finished_at = ?2,
                    error = COALESCE(error, 'outcome read back by the import of run ' || ?1)
             WHERE state = ?4 AND kind IN (?5, ?6)",
            params![
                run_id,
                now(),
                ActionState::Settled,
                ActionState::Unconfirmed,
                ActionKind::Update,
                ActionKind::Suspend
            ],
        )
        .map_err(sql)?;
    Ok(n as u64)
}

/// Closes the other create entries of an identity once one is confirmed (`superseded`), so an
/// old interrupted or failed attempt can never link the identity to another person later.
pub fn supersede_creates(
    conn: &Connection,
    identity_id: i64,
    confirmed: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE actions SET state = ?4, finished_at = ?3
         WHERE kind = ?5 AND identity_id = ?1 AND id <> ?2 AND state IN (?6, ?7, ?8)",
        params![
            identity_id,
            confirmed,
            now(),
            ActionState::Superseded,
            ActionKind::Create,
            ActionState::Started,
            ActionState::Unconfirmed,
            ActionState::Failed
        ],
    )
    .map_err(sql)?;
    Ok(())
}
