//! `connector-host identities`: platform-side changes to identities (set attributes, create
//! people, import a file of changes, show one), kept in the store for the next sync to write
//! back.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;
use rusqlite::Connection;

use super::sync::{StoreArgs, StoreUse, open};
use super::{Failure, Global, attrs, usage};
use crate::model::{Field, Value};
use crate::store::audit::{self, NewEvent};
use crate::store::identities::{self, NewIdentity, StoredAttr};
use crate::store::{EventKind, Origin, Store, StoreError};
use crate::sync::mapping::Owner;
use crate::sync::{self, Mapping};

/// Platform-side identity changes.
#[derive(Debug, Subcommand)]
pub(super) enum IdentitiesCommand {
    /// Change attributes of an identity on the platform (`name=` clears); platform-owned ones
    /// are written back to the source by the next sync.
    Set {
        /// The platform identity id (see `events`).
        id: i64,
        /// `name=value` pairs, with platform attribute names (see the mapping).
        attributes: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Create an identity on the platform; the next sync creates it in the source system.
    Create {
        /// `name=value` pairs (the mapping's `match_on` attribute is required).
        attributes: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Apply a JSON file: an array of objects; one with an `id` changes that identity, one
    /// without creates an identity.
    Import {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show an identity as stored.
    Show {
        id: i64,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `connector-host identities …`.
pub(super) fn run(
    global: &Global,
    cmd: IdentitiesCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match cmd {
        IdentitiesCommand::Set {
            id,
            attributes,
            store,
        } => {
            let (mut store, mapping) = open(global, &store, StoreUse::Existing, err)?;
            let raw = attrs::from_pairs(&attributes).map_err(usage)?;
            let (fields, mapping) = catalogue(&store, mapping)?;
            let change = prepare(&store, &fields, &mapping, Some(id), &raw)?;
            store
                .transaction(|c| write(c, &change))
                .map_err(|e| usage(anyhow::Error::from(e)))?;
            if global.json {
                let doc = serde_json::json!({"id": id, "attributes_set": raw.len()});
                writeln!(out, "{doc}")?;
            } else {
                writeln!(
                    out,
                    "identity #{id}: {} attribute(s) set on the platform; the next sync writes platform-owned ones back",
                    raw.len()
                )?;
            }
        }
        IdentitiesCommand::Create { attributes, store } => {
            let (mut store, mapping) = open(global, &store, StoreUse::Existing, err)?;
            let raw = attrs::from_pairs(&attributes).map_err(usage)?;
            let (fields, mapping) = catalogue(&store, mapping)?;
            let change = prepare(&store, &fields, &mapping, None, &raw)?;
            let id = store
                .transaction(|c| write(c, &change))
                .map_err(|e| usage(anyhow::Error::from(e)))?;
            if global.json {
                writeln!(out, "{}", serde_json::json!({"id": id, "created": true}))?;
            } else {
                writeln!(
                    out,
                    "identity #{id} created on the platform; the next sync creates its account"
                )?;
            }
        }
        IdentitiesCommand::Import { file, store } => {
            let (mut store, mapping) = open(global, &store, StoreUse::Existing, err)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| usage(anyhow::anyhow!("cannot read {}: {e}", file.display())))?;
            let items: Vec<serde_json::Map<String, serde_json::Value>> =
                serde_json::from_str(&text).map_err(|e| {
                    usage(anyhow::anyhow!(
                        "{}: not a JSON array of objects: {e}",
                        file.display()
                    ))
                })?;
            let (fields, mapping) = catalogue(&store, mapping)?;
            // Every item is checked before any is written: a bad file changes nothing.
            let mut changes = Vec::with_capacity(items.len());
            let mut keys = std::collections::HashSet::new();
            for (i, mut item) in items.into_iter().enumerate() {
                let place = |e: anyhow::Error| {
                    usage(anyhow::anyhow!("{} item {}: {e}", file.display(), i + 1))
                };
                let id = match item.remove("id") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(v) => Some(
                        v.as_i64()
                            .ok_or_else(|| place(anyhow::anyhow!("`id` must be a number")))?,
                    ),
                };
                let raw = attrs::from_json_object(item).map_err(|e| place(e.into()))?;
                let change =
                    prepare(&store, &fields, &mapping, id, &raw).map_err(|f| place(f.error))?;
                if let Some(m) = mapping.match_on.as_deref()
                    && let Some((_, key)) =
                        change.values.iter().find(|(n, v)| n == m && !v.is_empty())
                    && !keys.insert(sync::detect::show(key))
                {
                    return Err(place(anyhow::anyhow!(
                        "{m} {} appears twice in the file",
                        sync::detect::show(key)
                    )));
                }
                changes.push(change);
            }
            store
                .transaction(|c| changes.iter().try_for_each(|ch| write(c, ch).map(drop)))
                .map_err(|e| usage(anyhow::Error::from(e)))?;
            let set = changes.iter().filter(|c| c.id.is_some()).count();
            if global.json {
                let doc = serde_json::json!({"changed": set, "created": changes.len() - set});
                writeln!(out, "{doc}")?;
                return Ok(());
            }
            let plural =
                |n: usize| format!("{n} {}", if n == 1 { "identity" } else { "identities" });
            writeln!(
                out,
                "{} changed, {} created on the platform; the next sync writes them back",
                plural(set),
                plural(changes.len() - set)
            )?;
        }
        IdentitiesCommand::Show { id, store } => {
            let (store, _) = open(global, &store, StoreUse::Existing, err)?;
            let identity = identities::by_id(store.conn(), id)
                .map_err(|e| e.at(store.path()))?
                .ok_or_else(|| usage(anyhow::anyhow!("no identity #{id} in {}", store.path())))?;
            let attrs: serde_json::Map<String, serde_json::Value> = identity
                .attrs
                .iter()
                .map(|(k, a)| (k.clone(), serde_json::json!({"value": sync::detect::show(&a.value), "pending_write_back": a.pending})))
                .collect();
            if !global.json {
                let or_dash = |v: Option<&str>| v.unwrap_or("-").to_string();
                writeln!(out, "identity      #{}", identity.id)?;
                writeln!(out, "name          {}", identity.display_name)?;
                writeln!(out, "origin        {}", identity.origin)?;
                writeln!(
                    out,
                    "source id     {}",
                    or_dash(identity.source_id.as_deref())
                )?;
                writeln!(
                    out,
                    "active        {}",
                    if identity.active { "yes" } else { "no" }
                )?;
                writeln!(
                    out,
                    "contract end  {}",
                    or_dash(identity.contract_end.as_deref())
                )?;
                writeln!(out, "attributes:")?;
                for (name, a) in &identity.attrs {
                    let pending = if a.pending {
                        "  (pending write-back)"
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "  {name:<24} {}{pending}",
                        sync::detect::show(&a.value)
                    )?;
                }
                return Ok(());
            }
            let doc = serde_json::json!({"id": identity.id, "source_id": identity.source_id, "origin": identity.origin, "display_name": identity.display_name, "active": identity.active, "contract_end": identity.contract_end, "attributes": attrs});
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
    }
    Ok(())
}

/// Platform-side values for one identity (or a new one when `id` is `None`), checked against
/// the mapping and typed with the stored field catalogue: ready to be written.
struct Change {
    id: Option<i64>,
    display_name: String,
    values: Vec<(String, Vec<Value>)>,
}

/// The field catalogue the last sync stored, and the mapping checked against it.
fn catalogue(store: &Store, mapping: Mapping) -> Result<(Vec<Field>, Mapping), Failure> {
    let fields: Vec<Field> = match store.meta("fields")? {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "store {}: the stored field catalogue is unreadable: {e}",
                store.path()
            )
        })?,
        None => {
            return Err(usage(anyhow::anyhow!(
                "store {} has never been synced; run `connector-host sync` first",
                store.path()
            )));
        }
    };
    let mut mapping = mapping;
    mapping.check(&fields).map_err(usage)?;
    Ok((fields, mapping))
}

/// Checks and types platform-side values; writes nothing.
fn prepare(
    store: &Store,
    fields: &[Field],
    mapping: &Mapping,
    id: Option<i64>,
    raw: &attrs::Raw,
) -> Result<Change, Failure> {
    let existing = match id {
        Some(id) => Some(
            identities::by_id(store.conn(), id)
                .map_err(|e| e.at(store.path()))?
                .ok_or_else(|| usage(anyhow::anyhow!("no identity #{id} in {}", store.path())))?,
        ),
        None => None,
    };
    if id.is_none() {
        let Some(m) = mapping.match_on.as_deref() else {
            return Err(usage(anyhow::anyhow!(
                "the mapping has no match_on: creating identities on the platform needs one (it finds a created account again after a crash)"
            )));
        };
        if raw.iter().all(|(n, v)| n != m || v.is_empty()) {
            return Err(usage(anyhow::anyhow!(
                "`{m}` (the mapping's match_on) is required to create an identity"
            )));
        }
    }
    if id.is_none() {
        required_on_create(fields, mapping, raw)?;
    }
    let mut values = Vec::new();
    for (name, given) in raw {
        let rule = mapping.rule(name).ok_or_else(|| {
            usage(anyhow::anyhow!(
                "`{name}` is not a mapped attribute (see the mapping)"
            ))
        })?;
        if let Some(field) = fields.iter().find(|f| f.name == rule.field)
            && !field.writable
        {
            return Err(usage(anyhow::anyhow!(
                "attribute `{name}`: the target's field `{}` is read-only, so it cannot be set on the platform",
                field.name
            )));
        }
        if rule.owner == Owner::Hr && id.is_some() {
            return Err(usage(anyhow::anyhow!(
                "attribute `{name}` is owned by HR (import only): change it in the HR system, the next sync imports it"
            )));
        }
        let change =
            attrs::changes(&vec![(rule.field.clone(), given.clone())], fields).map_err(usage)?;
        let typed = match change.into_iter().next().map(|c| c.op) {
            Some(crate::model::ChangeOp::Set(v)) => v,
            _ => Vec::new(),
        };
        let typed = mapping
            .platform_value(name, typed)
            .map_err(|e| usage(anyhow::anyhow!("attribute `{name}`: {e}")))?;
        let typed = references(store, name, typed)?;
        if mapping.match_on.as_deref() == Some(name.as_str()) {
            if typed.is_empty()
                && (id.is_none() || existing.as_ref().is_some_and(|i| i.source_id.is_none()))
            {
                return Err(usage(anyhow::anyhow!(
                    "`{name}` (the mapping's match_on) cannot be cleared on an identity whose account is not created yet"
                )));
            }
            if !typed.is_empty()
                && let Some(other) = identities::find_by_attr(store.conn(), name, &typed, id)
                    .map_err(|e| e.at(store.path()))?
            {
                return Err(usage(anyhow::anyhow!(
                    "identity #{other} already has {name} {} (the mapping's match_on must be unique)",
                    sync::detect::show(&typed)
                )));
            }
        }
        values.push((name.clone(), typed));
    }
    let display_name = match existing {
        Some(identity) => identity.display_name,
        None => {
            let get = |n: &str| {
                values
                    .iter()
                    .find(|(k, _)| k == n)
                    .map(|(_, v)| sync::detect::show(v))
                    .unwrap_or_default()
            };
            format!("{} {}", get("first_name"), get("last_name").to_uppercase())
                .trim()
                .to_string()
        }
    };
    Ok(Change {
        id,
        display_name,
        values,
    })
}

/// Every field the target requires on create is fed by a given attribute (or a default).
fn required_on_create(
    fields: &[Field],
    mapping: &Mapping,
    raw: &attrs::Raw,
) -> Result<(), Failure> {
    for field in fields.iter().filter(|f| f.required && f.writable) {
        let feeding: Vec<&str> = mapping
            .attributes
            .iter()
            .filter(|r| r.field == field.name)
            .map(|r| r.name.as_str())
            .collect();
        if feeding.is_empty() {
            return Err(usage(anyhow::anyhow!(
                "the target requires `{}` on create, and the mapping maps no attribute to it",
                field.name
            )));
        }
        let given = raw
            .iter()
            .any(|(n, v)| feeding.contains(&n.as_str()) && v.iter().any(|x| !x.is_empty()));
        let defaulted = mapping
            .attributes
            .iter()
            .any(|r| r.field == field.name && r.default.is_some());
        if !given && !defaulted {
            return Err(usage(anyhow::anyhow!(
                "`{}` is required to create an identity (the target's field `{}` is required on create); add {}=…",
                feeding[0],
                field.name,
                feeding[0]
            )));
        }
    }
    Ok(())
}

/// A reference names a person: `12` is their id at the source (a person the store imported),
/// `#42` a platform identity (sent once it exists at the source; until then the plan holds the
/// change). Anything else is refused here, not by the target at sync time.
fn references(store: &Store, name: &str, values: Vec<Value>) -> Result<Vec<Value>, Failure> {
    for v in &values {
        let Value::Reference(r) = v else { continue };
        let known = match r.strip_prefix('#') {
            Some(platform) => {
                let id: i64 = platform.parse().map_err(|_| {
                    usage(anyhow::anyhow!(
                        "attribute `{name}`: `{r}` is not a person (a source id like 12, or a platform identity like #42)"
                    ))
                })?;
                identities::by_id(store.conn(), id)
                    .map_err(|e| e.at(store.path()))?
                    .is_some()
            }
            None => identities::by_source(store.conn(), r)
                .map_err(|e| e.at(store.path()))?
                .is_some(),
        };
        if !known {
            return Err(usage(anyhow::anyhow!(
                "attribute `{name}`: no person {r} in the store {} (a source id like 12, or a platform identity like #42)",
                store.path()
            )));
        }
    }
    Ok(values)
}

/// Writes a prepared change (inside the caller's transaction); returns the identity id.
fn write(c: &Connection, change: &Change) -> Result<i64, StoreError> {
    let values = &change.values;
    let id = match change.id {
        Some(id) => {
            let identity = identities::by_id(c, id)?.ok_or_else(|| StoreError::Sql {
                path: "(store)".into(),
                reason: format!("identity #{id} disappeared during the change"),
            })?;
            for (name, value) in values {
                let old = identity.attrs.get(name).cloned().unwrap_or(StoredAttr {
                    value: Vec::new(),
                    source_value: None,
                    pending: false,
                });
                if old.value == *value {
                    continue;
                }
                identities::put_attr(
                    c,
                    id,
                    name,
                    &StoredAttr {
                        value: value.clone(),
                        source_value: old.source_value.clone().or(Some(old.value.clone())),
                        pending: true,
                    },
                )?;
                audit::append(
                    c,
                    &NewEvent {
                        identity_id: Some(id),
                        attribute: Some(name),
                        old_value: Some(sync::detect::show(&old.value)),
                        new_value: Some(sync::detect::show(value)),
                        ..NewEvent::of(None, EventKind::PlatformChange, &identity.display_name)
                    },
                )?;
            }
            id
        }
        None => {
            let name = change.display_name.as_str();
            let id = identities::insert(
                c,
                &NewIdentity {
                    source_id: None,
                    origin: Origin::Platform,
                    display_name: name,
                    active: true,
                    contract_end: None,
                    stale_end: None,
                    run_id: None,
                },
            )?;
            for (n, value) in values {
                identities::put_attr(
                    c,
                    id,
                    n,
                    &StoredAttr {
                        value: value.clone(),
                        source_value: None,
                        pending: true,
                    },
                )?;
            }
            audit::append(
                c,
                &NewEvent {
                    identity_id: Some(id),
                    ..NewEvent::of(None, EventKind::PlatformCreate, name)
                },
            )?;
            id
        }
    };
    Ok(id)
}
