//! The plan: every remote action a run will take, computed from the store after the import
//! (so a rerun recomputes the same plan from the same state): **create** platform identities
//! not yet in the source system, **update** platform-owned attributes changed on the platform
//! (write-back), **suspend** leavers whose contract end has passed.

use rusqlite::Connection;
use serde::Serialize;

use super::mapping::{Mapping, Owner};
use crate::model::{Attribute, AttributeChange, ChangeOp, Value};
use crate::store::StoreError;
use crate::store::identities;

pub use crate::store::ActionKind;

/// One planned remote action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedAction {
    pub kind: ActionKind,
    pub identity_id: i64,
    /// Who, for people reading the plan.
    pub subject: String,
    /// The account in the target system (none for a creation).
    pub remote_id: Option<String>,
    /// Why (the contract end of a leaver, the attributes of an update).
    pub reason: String,
    /// The attributes of a creation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// The changes of an update.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<AttributeChange>,
    /// The platform names of the attributes an update or creation writes.
    #[serde(skip)]
    pub platform_names: Vec<String>,
    /// The match key of a creation (finds the account again after a crash).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub match_key: Option<String>,
    /// Why the action cannot be sent yet (a referenced manager not created at the source, a
    /// creation without a match key): it is shown, not executed; a later run sends it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub held: Option<String>,
}

impl PlannedAction {
    /// Whether this run sends it.
    pub fn is_ready(&self) -> bool {
        self.held.is_none()
    }
}

/// References to platform identities (`#42`) become the source id of that identity; one not
/// created at the source yet cannot be sent: its name and reason are returned instead.
fn resolve_references(
    conn: &Connection,
    values: Vec<Value>,
) -> Result<Result<Vec<Value>, String>, StoreError> {
    let mut out = Vec::with_capacity(values.len());
    for v in values {
        match v {
            Value::Reference(r) if r.starts_with('#') => {
                let target = r[1..]
                    .parse::<i64>()
                    .ok()
                    .map(|id| identities::by_id(conn, id))
                    .transpose()?
                    .flatten();
                match target.and_then(|t| t.source_id.map(|s| (s, t.display_name))) {
                    Some((source, _)) => out.push(Value::Reference(source)),
                    None => {
                        return Ok(Err(format!(
                            "it refers to platform identity {r}, which is not created at the source yet (a later run sends it)"
                        )));
                    }
                }
            }
            other => out.push(other),
        }
    }
    Ok(Ok(out))
}

/// Builds the plan. `cutoff`: contract ends strictly before it have passed. What cannot be
/// sent yet is in the plan as held, with why: a platform-side identity without a match key
/// (after a crash between the call and its confirmation nothing could find the account again,
/// and the next run would create a second one), or a value referring to a platform identity
/// not created at the source yet.
pub fn build(
    conn: &Connection,
    mapping: &Mapping,
    cutoff: &str,
) -> Result<Vec<PlannedAction>, StoreError> {
    let mut plan = Vec::new();
    for id in identities::to_create(conn)? {
        let Some(identity) = identities::by_id(conn, id)? else {
            continue;
        };
        let mut attributes = Vec::new();
        let mut names = Vec::new();
        let mut blocked = None;
        for (name, attr) in &identity.attrs {
            if attr.value.is_empty() {
                continue;
            }
            if let Some((field, values)) = mapping.to_remote(name, &attr.value) {
                let values = match resolve_references(conn, values)? {
                    Ok(v) => v,
                    Err(why) => {
                        blocked = Some(format!("`{name}`: {why}"));
                        break;
                    }
                };
                attributes.push(Attribute {
                    name: field,
                    values,
                });
                names.push(name.clone());
            }
        }
        let match_key = mapping
            .match_on
            .as_deref()
            .and_then(|m| identity.attrs.get(m))
            .filter(|a| !a.value.is_empty())
            .map(|a| super::detect::show(&a.value));
        let held = match (blocked, &match_key) {
            (Some(why), _) => Some(format!("not created yet: {why}")),
            (None, None) => Some(format!(
                "not created: it has no {} (the mapping's match_on)",
                mapping.match_on.as_deref().unwrap_or("match_on")
            )),
            (None, Some(_)) => None,
        };
        plan.push(PlannedAction {
            kind: ActionKind::Create,
            identity_id: id,
            subject: format!("{} (platform #{id})", identity.display_name),
            remote_id: None,
            reason: format!("created on the platform; {} attribute(s)", attributes.len()),
            attributes,
            changes: Vec::new(),
            platform_names: names,
            match_key,
            held,
        });
    }
    for (id, remote, attrs) in identities::pending_writes(conn, &mapping.system)? {
        let mut changes = Vec::new();
        let mut names = Vec::new();
        let mut blocked = None;
        for (name, values) in attrs {
            // Never write back what HR owns.
            if mapping.rule(&name).is_none_or(|r| r.owner == Owner::Hr) {
                continue;
            }
            if let Some((field, values)) = mapping.to_remote(&name, &values) {
                let values = match resolve_references(conn, values)? {
                    Ok(v) => v,
                    Err(why) => {
                        blocked = Some(format!("`{name}`: {why}"));
                        break;
                    }
                };
                let op = if values.is_empty() {
                    ChangeOp::Clear
                } else {
                    ChangeOp::Set(values)
                };
                changes.push(AttributeChange { name: field, op });
                names.push(name);
            }
        }
        if changes.is_empty() && blocked.is_none() {
            continue;
        }
        let subject = identities::by_id(conn, id)?
            .map(|i| format!("{} ({remote})", i.display_name))
            .unwrap_or_else(|| remote.clone());
        plan.push(PlannedAction {
            kind: ActionKind::Update,
            identity_id: id,
            subject,
            remote_id: Some(remote),
            reason: format!("write back {}", names.join(", ")),
            attributes: Vec::new(),
            changes,
            platform_names: names,
            match_key: None,
            held: blocked.map(|why| format!("not written back yet: {why}")),
        });
    }
    for (id, remote, name, end) in identities::leaver_candidates(conn, &mapping.system, cutoff)? {
        plan.push(PlannedAction {
            kind: ActionKind::Suspend,
            identity_id: id,
            subject: format!("{name} ({remote})"),
            remote_id: Some(remote),
            reason: format!("leaver: contract ended on {end}"),
            attributes: Vec::new(),
            changes: Vec::new(),
            platform_names: Vec::new(),
            match_key: None,
            held: None,
        });
    }
    Ok(plan)
}

/// One line per action, as `--dry-run` prints it.
pub fn describe(a: &PlannedAction) -> String {
    let detail = match a.kind {
        ActionKind::Create => a
            .attributes
            .iter()
            .map(|at| format!("{}={}", at.name, super::detect::show(&at.values)))
            .collect::<Vec<_>>()
            .join(" "),
        ActionKind::Update => a
            .changes
            .iter()
            .map(|c| match &c.op {
                ChangeOp::Set(v) => format!("{}={}", c.name, super::detect::show(v)),
                ChangeOp::Clear => format!("{}=(clear)", c.name),
            })
            .collect::<Vec<_>>()
            .join(" "),
        ActionKind::Suspend | ActionKind::Resume => a.reason.clone(),
    };
    match &a.held {
        Some(why) => format!("{:<8} {}  held: {why}", a.kind.as_str(), a.subject),
        None => format!("{:<8} {}  {}", a.kind.as_str(), a.subject, detail),
    }
}
