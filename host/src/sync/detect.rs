//! Detection: one source user against its stored identity. A new person is a **joiner**; a
//! changed attribute is a **mover** event (for the mapping's mover attributes: position,
//! manager…) or a plain **change**, each with old → new; a person suspended at the source is a
//! **leaver**. Ownership decides what an incoming value does to a platform-owned attribute.
//! Everything here writes through one `&Connection`, inside the caller's per-page transaction.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::counts::Counts;
use super::mapping::{Mapped, Mapping};
use super::ownership::{self, Finding};
use crate::model::{User, Value};
use crate::store::audit::{self, NewEvent};
use crate::store::identities::{self, NewIdentity, StoredAttr, StoredIdentity};
use crate::store::{AccountStatus, ActionState, EventKind, Origin, StoreError};

/// What the import of one page needs.
pub struct ImportCtx<'a> {
    pub mapping: &'a Mapping,
    pub run_id: i64,
    /// Contract ends strictly before this ISO date have passed (policy cutoff).
    pub cutoff: &'a str,
    /// The cutoff by which a newcomer's contract end counts as already passed when first seen:
    /// the policy cutoff of the earlier of the run's day and the real today.
    pub first_sight_cutoff: &'a str,
}

/// Values as one line for the audit log.
pub fn show(values: &[Value]) -> String {
    values
        .iter()
        .map(Value::display)
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_date(mapped: &Mapped, name: &str) -> Option<String> {
    mapped
        .get(name)
        .and_then(|v| v.first())
        .and_then(|v| match v {
            Value::Date(d) => Some(d.clone()),
            _ => None,
        })
}

fn match_key(mapping: &Mapping, mapped: &Mapped) -> Option<String> {
    let name = mapping.match_on.as_deref()?;
    mapped.get(name).filter(|v| !v.is_empty()).map(|v| show(v))
}

fn status(active: bool) -> AccountStatus {
    AccountStatus::from_active(active)
}

/// What the store held for a page's people before the page was imported: identity rows by
/// source id (without their attributes: the digest tells whether those changed). A source id
/// listed twice in the page is left out (its second occurrence must see what the first wrote).
#[derive(Default)]
pub struct Known {
    rows: HashMap<String, StoredIdentity>,
    twice: HashSet<String>,
    /// Whether any creation is waiting for its confirmation (after a killed run).
    open_creates: bool,
}

impl Known {
    /// Reads it for these source ids.
    pub fn read(conn: &Connection, source_ids: &[&str]) -> Result<Known, StoreError> {
        let mut seen = HashSet::new();
        let twice: HashSet<String> = source_ids
            .iter()
            .copied()
            .filter(|id| !seen.insert(*id))
            .map(str::to_string)
            .collect();
        let mut rows = identities::rows_by_sources(conn, source_ids)?;
        rows.retain(|id, _| !twice.contains(id.as_str()));
        Ok(Known {
            rows,
            twice,
            open_creates: audit::any_unconfirmed_create(conn)?,
        })
    }

    /// Whether the identity of `source_id` was read ahead.
    #[cfg(test)]
    pub(super) fn read_ahead(&self, source_id: &str) -> bool {
        self.rows.contains_key(source_id)
    }

    /// Whether the store certainly has no identity for `source_id`.
    fn absent(&self, source_id: &str) -> bool {
        !self.rows.contains_key(source_id) && !self.twice.contains(source_id)
    }
}

/// A person's mapped attributes encoded as the store keeps them (each once), by mapping rule,
/// with their digest: the rules' names with their encoded values, hashed (SHA-256, first 16
/// bytes). Equal digests mean the same attributes with the same values under the same mapping.
pub struct Encoded<'m> {
    /// Per rule of the mapping: its name and encoded values (`None`: nothing mapped).
    values: Vec<(&'m str, Option<String>)>,
    digest: [u8; 16],
}

impl<'m> Encoded<'m> {
    pub fn of(mapping: &'m Mapping, mapped: &Mapped) -> Encoded<'m> {
        use sha2::Digest as _;
        let values: Vec<(&str, Option<String>)> = mapping
            .attributes
            .iter()
            .map(|rule| {
                let name = rule.name.as_str();
                (name, mapped.get(name).map(|v| identities::encode(v)))
            })
            .collect();
        let mut hash = sha2::Sha256::new();
        for (name, text) in &values {
            hash.update(name.as_bytes());
            hash.update([0]);
            hash.update(text.as_deref().unwrap_or(EMPTY).as_bytes());
            hash.update([0]);
        }
        let full = hash.finalize();
        let mut digest = [0u8; 16];
        digest.copy_from_slice(&full[..16]);
        Encoded { values, digest }
    }

    pub fn digest(&self) -> &[u8; 16] {
        &self.digest
    }

    /// The attributes column of a person imported with these values.
    pub fn column(&self) -> String {
        let attrs: Vec<(&str, &str)> = self
            .values
            .iter()
            .filter_map(|(name, text)| Some((*name, text.as_deref()?)))
            .collect();
        crate::store::attributes::imported(&attrs)
    }
}

/// No values, encoded.
const EMPTY: &str = "[]";

/// Imports one mapped user.
pub fn import_user(
    conn: &Connection,
    ctx: &ImportCtx<'_>,
    user: &User,
    mapped: &Mapped,
    known: &Known,
    counts: &mut Counts,
) -> Result<(), StoreError> {
    let mapping = ctx.mapping;
    let system = mapping.system.as_str();
    let contract_end = first_date(mapped, &mapping.policy.end_date);
    let encoded = Encoded::of(mapping, mapped);
    let digest = *encoded.digest();
    // Most people of a re-sync changed nothing: tell that from the stored digest, without
    // reading their attributes. (Without a digest, `diff` compares them and records one.)
    if let Some(row) = known.rows.get(&user.id)
        && unchanged(user, &encoded, contract_end.as_deref(), row)
    {
        return Ok(());
    }
    let stored = if known.absent(&user.id) {
        None
    } else {
        identities::by_source(conn, &user.id)?
    };
    let mut stored = match stored {
        Some(s) => s,
        None => match match_key(mapping, mapped)
            .filter(|_| known.open_creates)
            .map(|k| audit::unconfirmed_create_for(conn, &k))
            .transpose()?
            .flatten()
        {
            // A creation whose confirmation a killed run never wrote: the person is there, link them.
            Some((action_id, identity_id)) => {
                identities::link_source(conn, identity_id, &user.id)?;
                identities::put_account(conn, identity_id, system, &user.id, status(user.active))?;
                audit::journal_finish(conn, action_id, ActionState::Done, Some(&user.id), None)?;
                audit::supersede_creates(conn, identity_id, action_id)?;
                let subject = format!("{} ({})", user.display_name, user.id);
                audit::append(
                    conn,
                    &NewEvent {
                        identity_id: Some(identity_id),
                        detail: Some("confirmed by the import after an interrupted run".into()),
                        ..NewEvent::of(Some(ctx.run_id), EventKind::Created, &subject)
                    },
                )?;
                match identities::by_id(conn, identity_id)? {
                    Some(s) => s,
                    None => return Ok(()),
                }
            }
            None => {
                return joiner(conn, ctx, user, &encoded, contract_end.as_deref(), counts);
            }
        },
    };
    if stored.gone_run.is_some() {
        returned(conn, ctx, user, &stored, counts)?;
        // Their state is as listed now; `diff` must not report it a second time.
        stored.active = user.active;
    }
    diff(
        conn,
        ctx,
        user,
        mapped,
        contract_end.as_deref(),
        &digest,
        stored,
        counts,
    )
}

/// Whether importing `user` would change nothing of `row`: the identity's row is equal and the
/// stored digest is this import's (every mapped attribute stored as it came, none waiting for
/// write-back), exactly when `diff` would write and report nothing.
fn unchanged(
    user: &User,
    encoded: &Encoded<'_>,
    contract_end: Option<&str>,
    row: &StoredIdentity,
) -> bool {
    row.gone_run.is_none()
        && row.active == user.active
        && row.display_name == user.display_name
        && row.contract_end.as_deref() == contract_end
        && row.source_digest.as_deref() == Some(encoded.digest().as_slice())
}

/// Someone marked gone is listed again: a returner (undeleted or visible again at the source).
/// Their account is theirs again; `diff` then reports any change of their state.
fn returned(
    conn: &Connection,
    ctx: &ImportCtx<'_>,
    user: &User,
    stored: &identities::StoredIdentity,
    counts: &mut Counts,
) -> Result<(), StoreError> {
    crate::store::presence::back(conn, stored.id)?;
    identities::set_active(conn, stored.id, user.active)?;
    identities::put_account(
        conn,
        stored.id,
        &ctx.mapping.system,
        &user.id,
        status(user.active),
    )?;
    let subject = format!("{} ({})", user.display_name, user.id);
    audit::append(
        conn,
        &NewEvent {
            identity_id: Some(stored.id),
            detail: Some("listed again after being gone from the source".into()),
            ..NewEvent::of(Some(ctx.run_id), EventKind::Returner, &subject)
        },
    )?;
    counts.returners += 1;
    Ok(())
}

fn joiner(
    conn: &Connection,
    ctx: &ImportCtx<'_>,
    user: &User,
    encoded: &Encoded<'_>,
    contract_end: Option<&str>,
    counts: &mut Counts,
) -> Result<(), StoreError> {
    let policy = &ctx.mapping.policy;
    let stale = contract_end.filter(|end| {
        user.active && *end < ctx.first_sight_cutoff && !policy.suspend_on_first_sight
    });
    let id = identities::insert(
        conn,
        &NewIdentity {
            source_id: Some(&user.id),
            origin: Origin::Hr,
            display_name: &user.display_name,
            active: user.active,
            contract_end,
            stale_end: stale,
            run_id: Some(ctx.run_id),
            source_digest: Some(encoded.digest()),
            attributes: Some(&encoded.column()),
        },
    )?;
    identities::put_account(conn, id, &ctx.mapping.system, &user.id, status(user.active))?;
    let subject = format!("{} ({})", user.display_name, user.id);
    audit::append(
        conn,
        &NewEvent {
            identity_id: Some(id),
            new_value: Some(status(user.active).to_string()),
            ..NewEvent::of(Some(ctx.run_id), EventKind::Joiner, &subject)
        },
    )?;
    counts.joiners += 1;
    if let Some(end) = stale {
        let detail = format!(
            "contract ended on {end}, before the person was first imported; not suspended automatically (review it, or set policy.suspend_on_first_sight)"
        );
        audit::append(
            conn,
            &NewEvent {
                identity_id: Some(id),
                attribute: Some(&policy.end_date),
                detail: Some(detail),
                ..NewEvent::of(Some(ctx.run_id), EventKind::Review, &subject)
            },
        )?;
        counts.reviews += 1;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn event(
    conn: &Connection,
    ctx: &ImportCtx<'_>,
    kind: EventKind,
    id: i64,
    subject: &str,
    name: &str,
    old: &[Value],
    new: &[Value],
    detail: Option<String>,
) -> Result<(), StoreError> {
    audit::append(
        conn,
        &NewEvent {
            run_id: Some(ctx.run_id),
            kind,
            identity_id: Some(id),
            subject,
            attribute: Some(name),
            old_value: Some(show(old)),
            new_value: Some(show(new)),
            detail,
            system: None,
        },
    )
}

#[allow(clippy::too_many_arguments)]
fn diff(
    conn: &Connection,
    ctx: &ImportCtx<'_>,
    user: &User,
    mapped: &Mapped,
    contract_end: Option<&str>,
    digest: &[u8; 16],
    stored: StoredIdentity,
    counts: &mut Counts,
) -> Result<(), StoreError> {
    let subject = format!("{} ({})", user.display_name, user.id);
    let id = stored.id;
    let empty: Vec<Value> = Vec::new();
    let mut moved = false;
    // Whether every attribute ends up stored as it came (then `digest` describes them).
    let mut as_imported = true;
    for rule in &ctx.mapping.attributes {
        let new = mapped.get(&rule.name).unwrap_or(&empty);
        let old = stored.attrs.get(&rule.name).cloned().unwrap_or(StoredAttr {
            value: Vec::new(),
            source_value: Some(Vec::new()),
            pending: false,
        });
        let decision = ownership::decide(rule.owner, rule.rule, &old, new);
        as_imported &= match &decision.store {
            Some((value, pending)) => !*pending && value == new,
            None => !old.pending && old.value == *new && old.source_value.as_ref() == Some(new),
        };
        if let Some((value, pending)) = &decision.store {
            identities::put_attr(
                conn,
                id,
                &rule.name,
                &StoredAttr {
                    value: value.clone(),
                    source_value: Some(new.clone()),
                    pending: *pending,
                },
            )?;
        }
        let Some((finding, from, to)) = decision.finding else {
            continue;
        };
        let (kind, detail) = match finding {
            Finding::Changed if ctx.mapping.movers.contains(&rule.name) => {
                moved = true;
                (EventKind::Mover, None)
            }
            Finding::Changed => {
                counts.changes += 1;
                (EventKind::Change, None)
            }
            Finding::Conflict { platform_wins } => {
                counts.conflicts += 1;
                let detail = if platform_wins {
                    "changed on both sides; platform-wins: the platform value will be written back"
                } else {
                    "changed on both sides; hr-wins: the source value is kept, the platform change dropped"
                };
                (EventKind::Conflict, Some(detail.to_string()))
            }
            Finding::Drift => {
                counts.drifts += 1;
                (
                    EventKind::Drift,
                    Some(
                        "platform-owned attribute changed at the source; the platform value will be written back"
                            .to_string(),
                    ),
                )
            }
        };
        event(
            conn, ctx, kind, id, &subject, &rule.name, &from, &to, detail,
        )?;
    }
    if moved {
        counts.movers += 1;
    }
    if stored.active != user.active {
        identities::put_account(conn, id, &ctx.mapping.system, &user.id, status(user.active))?;
        let (kind, detail) = if user.active {
            (EventKind::Returner, "reactivated at the source")
        } else {
            (EventKind::Leaver, "suspended at the source")
        };
        audit::append(
            conn,
            &NewEvent {
                run_id: Some(ctx.run_id),
                kind,
                identity_id: Some(id),
                subject: &subject,
                attribute: Some("active"),
                old_value: Some(stored.active.to_string()),
                new_value: Some(user.active.to_string()),
                detail: Some(detail.into()),
                system: None,
            },
        )?;
        if user.active {
            counts.returners += 1
        } else {
            counts.leavers += 1
        }
    }
    if stored.active != user.active
        || stored.display_name != user.display_name
        || stored.contract_end.as_deref() != contract_end
    {
        identities::update_row(
            conn,
            id,
            &user.display_name,
            user.active,
            contract_end,
            ctx.run_id,
        )?;
    }
    identities::set_digest(conn, id, as_imported.then_some(digest.as_slice()))
}
