//! Platform-side changes to identities (`identities set / create / import`): values checked
//! against the mapping (ownership, writability, required-on-create, `match_on` uniqueness,
//! references to known people) and typed with the field catalogue the last sync stored (types,
//! choice values), then written with their audit events. An identity gone from the source is
//! not changed, and one not created at the source yet keeps every field its creation needs.
//! The CLI parses and renders; the tests call the same code.

use rusqlite::Connection;

use super::choices;
use super::detect;
use super::mapping::{Mapping, Owner};
use crate::attrs::{self, Raw};
use crate::model::{Field, Value};
use crate::store::audit::{self, NewEvent};
use crate::store::identities::{self, NewIdentity, StoredAttr};
use crate::store::{EventKind, Origin, Store, StoreError};

/// Why a platform-side change was not made. Nothing is written in either case.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    /// The change breaks a rule of the mapping or the catalogue (bad input).
    #[error("{0}")]
    Refused(String),
    /// The store holds something unreadable.
    #[error("{0}")]
    Unreadable(String),
    /// The store has no field catalogue: no sync has run on it.
    #[error("store {store} has never been synced")]
    NeverSynced { store: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn refused(e: impl std::fmt::Display) -> PlatformError {
    PlatformError::Refused(e.to_string())
}

/// The name a new platform identity is shown by until the source has it: the first name, then
/// the last name in capitals (how the default mapping's source, PeopleSpheres, shows people).
fn display_name(values: &[(String, Vec<Value>)]) -> String {
    let get = |n: &str| {
        values
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| detect::show(v))
            .unwrap_or_default()
    };
    format!("{} {}", get("first_name"), get("last_name").to_uppercase())
        .trim()
        .to_string()
}

/// The `match_on` value a change sets, if any (two changes of one batch must not share one).
pub fn match_key(mapping: &Mapping, change: &Change) -> Option<String> {
    let m = mapping.match_on.as_deref()?;
    change
        .values
        .iter()
        .find(|(n, v)| n == m && !v.is_empty())
        .map(|(_, v)| detect::show(v))
}

/// Platform-side values for one identity (or a new one when `id` is `None`), checked against
/// the mapping and typed with the stored field catalogue: ready to be written.
pub struct Change {
    pub id: Option<i64>,
    pub display_name: String,
    pub values: Vec<(String, Vec<Value>)>,
}

/// What the last sync stored of the target: its fields and the allowed values of its mapped
/// list fields.
pub struct Target {
    pub fields: Vec<Field>,
    pub choices: choices::Catalogue,
}

/// The field catalogue the last sync stored, and the mapping checked against it.
pub fn catalogue(store: &Store, mapping: Mapping) -> Result<(Target, Mapping), PlatformError> {
    let fields: Vec<Field> = match store.meta("fields")? {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            PlatformError::Unreadable(format!(
                "store {}: the stored field catalogue is unreadable: {e}",
                store.path()
            ))
        })?,
        None => {
            return Err(PlatformError::NeverSynced {
                store: store.path().to_string(),
            });
        }
    };
    let choices: choices::Catalogue = match store.meta(choices::META_KEY)? {
        Some(text) => serde_json::from_str(&text).map_err(|e| {
            PlatformError::Unreadable(format!(
                "store {}: the stored choice values are unreadable: {e}",
                store.path()
            ))
        })?,
        None => choices::Catalogue::new(),
    };
    let mut mapping = mapping;
    mapping.check(&fields).map_err(refused)?;
    Ok((Target { fields, choices }, mapping))
}

/// Checks and types platform-side values; writes nothing.
pub fn prepare(
    store: &Store,
    target: &Target,
    mapping: &Mapping,
    id: Option<i64>,
    raw: &Raw,
) -> Result<Change, PlatformError> {
    let fields = target.fields.as_slice();
    let existing = match id {
        Some(id) => Some(
            identities::by_id(store.conn(), id)
                .map_err(|e| e.at(store.path()))?
                .ok_or_else(|| {
                    PlatformError::Refused(format!("no identity #{id} in {}", store.path()))
                })?,
        ),
        None => None,
    };
    if let Some(identity) = &existing
        && identity.gone_run.is_some()
    {
        return Err(PlatformError::Refused(format!(
            "identity #{} ({}) is gone from the source: its account there no longer exists, so nothing can be written back to it",
            identity.id, identity.display_name
        )));
    }
    // Not created at the source yet: its creation still needs every field required on create.
    let not_created = existing.as_ref().is_some_and(|i| i.source_id.is_none());
    if id.is_none() {
        let Some(m) = mapping.match_on.as_deref() else {
            return Err(PlatformError::Refused(
                "the mapping has no match_on: creating identities on the platform needs one (it finds a created account again after a crash)".into(),
            ));
        };
        if raw.iter().all(|(n, v)| n != m || v.is_empty()) {
            return Err(PlatformError::Refused(format!(
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
            PlatformError::Refused(format!(
                "`{name}` is not a mapped attribute (see the mapping)"
            ))
        })?;
        if let Some(field) = fields.iter().find(|f| f.name == rule.field)
            && !field.writable
        {
            return Err(PlatformError::Refused(format!(
                "attribute `{name}`: the target's field `{}` is read-only, so it cannot be set on the platform",
                field.name
            )));
        }
        if rule.owner == Owner::Hr && id.is_some() {
            return Err(PlatformError::Refused(format!(
                "attribute `{name}` is owned by HR (import only): change it in the HR system, the next sync imports it"
            )));
        }
        let change =
            attrs::changes(&vec![(rule.field.clone(), given.clone())], fields).map_err(refused)?;
        let typed = match change.into_iter().next().map(|c| c.op) {
            Some(crate::model::ChangeOp::Set(v)) => v,
            _ => Vec::new(),
        };
        let typed = mapping
            .platform_value(name, typed)
            .map_err(|e| PlatformError::Refused(format!("attribute `{name}`: {e}")))?;
        let typed = references(store, name, typed)?;
        for v in &typed {
            choices::check(&target.choices, &rule.field, v)
                .map_err(|why| PlatformError::Refused(format!("attribute `{name}`: {why}")))?;
        }
        if typed.is_empty() && not_created {
            cleared_on_create(fields, mapping, name)?;
        }
        if mapping.match_on.as_deref() == Some(name.as_str()) {
            if typed.is_empty()
                && (id.is_none() || existing.as_ref().is_some_and(|i| i.source_id.is_none()))
            {
                return Err(PlatformError::Refused(format!(
                    "`{name}` (the mapping's match_on) cannot be cleared on an identity whose account is not created yet"
                )));
            }
            if !typed.is_empty()
                && let Some(other) = identities::find_by_attr(store.conn(), name, &typed, id)
                    .map_err(|e| e.at(store.path()))?
            {
                return Err(PlatformError::Refused(format!(
                    "identity #{other} already has {name} {} (the mapping's match_on must be unique)",
                    detect::show(&typed)
                )));
            }
        }
        values.push((name.clone(), typed));
    }
    let display_name = match existing {
        Some(identity) => identity.display_name,
        None => display_name(&values),
    };
    Ok(Change {
        id,
        display_name,
        values,
    })
}

/// Clearing `name` on an identity not created at the source yet is refused when its field is
/// required on create (and has no default): the creation would fail at the next sync.
fn cleared_on_create(fields: &[Field], mapping: &Mapping, name: &str) -> Result<(), PlatformError> {
    let Some(rule) = mapping.rule(name) else {
        return Ok(());
    };
    let required = fields
        .iter()
        .any(|f| f.name == rule.field && f.required && f.writable);
    if required && rule.default.is_none() {
        return Err(PlatformError::Refused(format!(
            "`{name}` cannot be cleared: the identity is not created at the source yet, and the target's field `{}` is required on create",
            rule.field
        )));
    }
    Ok(())
}

/// Every field the target requires on create is fed by a given attribute (or a default).
fn required_on_create(fields: &[Field], mapping: &Mapping, raw: &Raw) -> Result<(), PlatformError> {
    for field in fields.iter().filter(|f| f.required && f.writable) {
        let feeding: Vec<&str> = mapping
            .attributes
            .iter()
            .filter(|r| r.field == field.name)
            .map(|r| r.name.as_str())
            .collect();
        if feeding.is_empty() {
            return Err(PlatformError::Refused(format!(
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
            return Err(PlatformError::Refused(format!(
                "`{}` is required to create an identity (the target's field `{}` is required on create); add {}=…",
                feeding[0], field.name, feeding[0]
            )));
        }
    }
    Ok(())
}

/// A reference names a person: `12` is their id at the source (a person the store imported),
/// `#42` a platform identity (sent once it exists at the source; until then the plan holds the
/// change). Anything else is refused here, not by the target at sync time.
fn references(store: &Store, name: &str, values: Vec<Value>) -> Result<Vec<Value>, PlatformError> {
    for v in &values {
        let Value::Reference(r) = v else { continue };
        let known = match r.strip_prefix('#') {
            Some(platform) => {
                let id: i64 = platform.parse().map_err(|_| {
                    PlatformError::Refused(format!(
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
            return Err(PlatformError::Refused(format!(
                "attribute `{name}`: no person {r} in the store {} (a source id like 12, or a platform identity like #42)",
                store.path()
            )));
        }
    }
    Ok(values)
}

/// Writes a prepared change (inside the caller's transaction); returns the identity id.
pub fn write(c: &Connection, change: &Change) -> Result<i64, StoreError> {
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
                        old_value: Some(detect::show(&old.value)),
                        new_value: Some(detect::show(value)),
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
                    source_digest: None,
                    attributes: None,
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
