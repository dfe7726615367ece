//! Field history (`GET /history/psos/{pso}/{field}`): an append-only log of value changes per
//! record and top-level field, fed by every write (API and test helpers) and seeded with each
//! user's career (`usr_poste`, `usr_department`) from its `usr_career_history` rows.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::server::{Shared, lock};
use crate::tenant::Tenant;
use crate::wire;

/// One change of one field of one record.
#[derive(Clone, Debug, PartialEq)]
pub struct HistoryEntry {
    pub id: u64,
    pub pso: u64,
    /// Top-level field id.
    pub field_id: u64,
    /// `created`, `updated` or `deleted`.
    pub action: &'static str,
    /// REST id of the author; 0 = the API account.
    pub author: u64,
    /// New value (`fieldAliasAndValue` encoding), null when deleted.
    pub value: Value,
    /// Previous value, null when created.
    pub old_value: Value,
    /// `YYYY-MM-DD HH:mm:ss`.
    pub at: String,
}

/// The log.
#[derive(Clone, Debug, Default)]
pub struct History {
    entries: Vec<HistoryEntry>,
}

impl History {
    /// Append a change (nothing when `old == new`).
    pub fn record(
        &mut self,
        pso: u64,
        field_id: u64,
        old: Option<&Value>,
        new: Option<&Value>,
        author: u64,
        at: &str,
    ) {
        let action = match (old, new) {
            (None, None) => return,
            (Some(o), Some(n)) if o == n => return,
            (None, Some(_)) => "created",
            (Some(_), Some(_)) => "updated",
            (Some(_), None) => "deleted",
        };
        let id = 9001 + self.entries.len() as u64;
        self.entries.push(HistoryEntry {
            id,
            pso,
            field_id,
            action,
            author,
            value: new.cloned().unwrap_or(Value::Null),
            old_value: old.cloned().unwrap_or(Value::Null),
            at: at.to_string(),
        });
    }

    /// Entries of one record and field, newest first.
    pub fn of(&self, pso: u64, field_id: u64) -> Vec<&HistoryEntry> {
        let mut v: Vec<&HistoryEntry> = self
            .entries
            .iter()
            .filter(|e| e.pso == pso && e.field_id == field_id)
            .collect();
        v.sort_by(|a, b| b.at.cmp(&a.at).then(b.id.cmp(&a.id)));
        v
    }
}

/// Seed each user's career: one `usr_poste` and one `usr_department` entry per career row
/// (when the value changes), dated at the row start, authored by the HR director (user 2).
pub fn seed(t: &mut Tenant) {
    let Some(poste) = t.catalogue.field("usr", "usr_poste").map(|f| f.id) else {
        return;
    };
    let Some(dep) = t.catalogue.field("usr", "usr_department").cloned() else {
        return;
    };
    let author = if t.user(2).is_some() { 2 } else { 0 };
    let mut log = std::mem::take(&mut t.history);
    for u in &t.users {
        let Some(Value::Array(rows)) = u.values.get("usr_career_history") else {
            continue;
        };
        let (mut last_pos, mut last_dep): (Option<Value>, Option<Value>) = (None, None);
        for row in rows {
            let start = row
                .get("usr_career_history_start_date")
                .and_then(Value::as_str)
                .unwrap_or("2019-01-15");
            let at = format!("{start} 09:00:00");
            let title = row
                .get("usr_career_history_position")
                .and_then(Value::as_str);
            let pos = title
                .and_then(|n| t.positions.iter().find(|p| p.name == n))
                .map(|p| Value::String(p.id.to_string()));
            if pos.is_some() && pos != last_pos {
                log.record(u.id, poste, last_pos.as_ref(), pos.as_ref(), author, &at);
                last_pos = pos;
            }
            let label = row
                .get("usr_career_history_department")
                .and_then(Value::as_str);
            let d = label
                .and_then(|l| dep.options.iter().find(|o| o.name == l && o.is_selectable))
                .map(|o| Value::String(o.value.clone()));
            if d.is_some() && d != last_dep {
                log.record(u.id, dep.id, last_dep.as_ref(), d.as_ref(), author, &at);
                last_dep = d;
            }
        }
    }
    t.history = log;
}

/// `GET /history/psos/{pso}/{field}` (field alias or id; a sub-field gives its composite).
pub async fn handler(
    State(s): State<Arc<Shared>>,
    Path((pso, field)): Path<(String, String)>,
) -> Response {
    let t = lock(&s.tenant);
    let id: Option<u64> = pso.parse().ok();
    let pso_alias = match id {
        Some(i) if t.user(i).is_some() => "usr",
        Some(i) if t.position(i).is_some() => "pos",
        _ => return wire::rest_error(StatusCode::NOT_FOUND, "Pso not found"),
    };
    let top = t.catalogue.of_type(pso_alias).find(|f| {
        f.alias == field
            || f.id.to_string() == field
            || f.items
                .iter()
                .any(|i| i.alias == field || i.id.to_string() == field)
    });
    let Some(f) = top else {
        return wire::rest_error(StatusCode::NOT_FOUND, "Field not found");
    };
    let data: Vec<Value> = t
        .history
        .of(id.unwrap_or(0), f.id)
        .into_iter()
        .map(|e| wire::history_entry_json(&t, f, e))
        .collect();
    Json(json!({ "data": data })).into_response()
}

/// `GET /resources/history-actions`.
pub async fn actions() -> Response {
    let data: Vec<Value> = wire::HISTORY_ACTIONS
        .iter()
        .map(|(id, alias, name)| json!({ "id": id, "alias": alias, "name": name }))
        .collect();
    Json(json!({ "data": data })).into_response()
}
