//! The users in memory: server-assigned ids, creation order, versions, timestamps, the
//! userName uniqueness rule and the shape every stored resource keeps.
//!
//! Input is cleaned on every write (POST, PUT, and the result of a PATCH): attribute names
//! are matched case-insensitively and rewritten to their schema spelling; unknown top-level
//! attributes and unknown Enterprise-extension attributes are **ignored** (dropped), as are
//! `id`, `meta`, `schemas` and the read-only `groups`; `null` means "unassigned".

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value, json};

use crate::clock;
use crate::wire::{ENTERPRISE_URN, ScimError, USER_URN, etag};

/// The core attributes a User keeps (RFC 7643 §4.1), plus `externalId` (§3.1).
const CORE: &[&str] = &[
    "externalId",
    "userName",
    "name",
    "displayName",
    "nickName",
    "profileUrl",
    "title",
    "userType",
    "preferredLanguage",
    "locale",
    "timezone",
    "active",
    "emails",
    "phoneNumbers",
    "addresses",
    "ims",
    "photos",
    "entitlements",
    "roles",
    "x509Certificates",
];
const ENTERPRISE: &[&str] = &[
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "manager",
];

/// One stored User.
#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    /// The attributes, cleaned; never `id`, `meta`, `schemas` or `password`.
    pub attrs: Map<String, Value>,
    password: Option<String>,
    pub version: u64,
    created: String,
    modified: String,
}

impl User {
    /// The resource as GET returns it.
    pub fn render(&self, base: &str) -> Value {
        let mut schemas = vec![json!(USER_URN)];
        if self.attrs.contains_key(ENTERPRISE_URN) {
            schemas.push(json!(ENTERPRISE_URN));
        }
        let mut out = Map::new();
        out.insert("schemas".into(), Value::Array(schemas));
        out.insert("id".into(), json!(self.id));
        out.extend(self.attrs.clone());
        out.insert(
            "meta".into(),
            json!({
                "resourceType": "User",
                "created": self.created,
                "lastModified": self.modified,
                "location": format!("{base}/Users/{}", self.id),
                "version": etag(self.version),
            }),
        );
        Value::Object(out)
    }
}

/// All users, in creation order.
#[derive(Debug, Default)]
pub struct Store {
    users: BTreeMap<u64, User>,
    by_id: HashMap<String, u64>,
    next: u64,
    /// Whether `If-Match` preconditions are honoured.
    etag: bool,
}

impl Store {
    pub fn new(etag: bool) -> Self {
        Store {
            etag,
            ..Store::default()
        }
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Users in creation order with their position key (for cursors).
    pub fn iter(&self) -> impl Iterator<Item = (u64, &User)> {
        self.users.iter().map(|(k, u)| (*k, u))
    }

    /// The creation position of the newest user ever created.
    pub fn last_seq(&self) -> u64 {
        self.next
    }

    pub fn get(&self, id: &str) -> Option<&User> {
        self.by_id.get(id).and_then(|k| self.users.get(k))
    }

    pub fn create(&mut self, input: Value) -> Result<&User, ScimError> {
        let (attrs, password) = clean(input)?;
        self.check_unique(&attrs, None)?;
        self.next += 1;
        let seq = self.next;
        let id = format!("00000000-0000-4000-8000-{seq:012x}");
        let now = clock::now();
        let user = User {
            id: id.clone(),
            attrs,
            password,
            version: 1,
            created: now.clone(),
            modified: now,
        };
        self.by_id.insert(id, seq);
        Ok(self.users.entry(seq).or_insert(user))
    }

    /// PUT: everything but `id` and `meta` is replaced (a password is kept unless given).
    pub fn replace(
        &mut self,
        id: &str,
        input: Value,
        if_match: Option<&str>,
    ) -> Result<&User, ScimError> {
        self.update(id, if_match, |_| Ok(input))
    }

    /// Applies `f` to the resource's attributes (as a JSON object) and stores the cleaned
    /// result; the version moves only when something changed.
    pub fn update(
        &mut self,
        id: &str,
        if_match: Option<&str>,
        f: impl FnOnce(Value) -> Result<Value, ScimError>,
    ) -> Result<&User, ScimError> {
        let seq = self.seq_of(id, if_match)?;
        let current = self.users.get(&seq).ok_or_else(|| not_found(id))?;
        let (attrs, password) = clean(f(Value::Object(current.attrs.clone()))?)?;
        self.check_unique(&attrs, Some(seq))?;
        let user = self.users.get_mut(&seq).ok_or_else(|| not_found(id))?;
        let pw_changed = password.is_some() && password != user.password;
        if attrs != user.attrs || pw_changed {
            user.attrs = attrs;
            if password.is_some() {
                user.password = password;
            }
            user.version += 1;
            user.modified = clock::now();
        }
        Ok(user)
    }

    pub fn delete(&mut self, id: &str, if_match: Option<&str>) -> Result<(), ScimError> {
        let seq = self.seq_of(id, if_match)?;
        self.users.remove(&seq);
        self.by_id.remove(id);
        Ok(())
    }

    /// The position of `id`, after checking an `If-Match` precondition against its version.
    fn seq_of(&self, id: &str, if_match: Option<&str>) -> Result<u64, ScimError> {
        let seq = *self.by_id.get(id).ok_or_else(|| not_found(id))?;
        let user = self.users.get(&seq).ok_or_else(|| not_found(id))?;
        if self.etag
            && let Some(tags) = if_match
            && !etag_matches(tags, user.version)
        {
            return Err(ScimError::new(
                412,
                format!(
                    "If-Match {tags} does not match the current version {}",
                    etag(user.version)
                ),
            ));
        }
        Ok(seq)
    }

    fn check_unique(
        &self,
        attrs: &Map<String, Value>,
        except: Option<u64>,
    ) -> Result<(), ScimError> {
        let name = attrs
            .get("userName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let taken = self.users.iter().any(|(k, u)| {
            Some(*k) != except
                && u.attrs
                    .get("userName")
                    .and_then(Value::as_str)
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
        });
        if taken {
            return Err(
                ScimError::new(409, format!("userName {name:?} is already taken"))
                    .with_type("uniqueness"),
            );
        }
        Ok(())
    }
}

pub fn not_found(id: &str) -> ScimError {
    ScimError::new(404, format!("User {id} not found"))
}

/// Whether an `If-Match` list (`*`, `W/"3"`, `"3"`, comma-separated) names `version`.
fn etag_matches(tags: &str, version: u64) -> bool {
    let want = version.to_string();
    tags.split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.trim_start_matches("W/").trim_matches('"') == want)
}

/// The schema spelling of `key` among `known`, matched case-insensitively.
fn canonical(key: &str, known: &[&'static str]) -> Option<&'static str> {
    known.iter().copied().find(|k| k.eq_ignore_ascii_case(key))
}

/// The cleaned attributes and the password of a User body (see the module comment).
fn clean(input: Value) -> Result<(Map<String, Value>, Option<String>), ScimError> {
    let Value::Object(input) = input else {
        return Err(ScimError::bad(
            "invalidSyntax",
            "a User must be a JSON object",
        ));
    };
    let mut attrs = Map::new();
    let mut password = None;
    for (key, value) in input {
        if value.is_null() {
            continue;
        }
        if key.eq_ignore_ascii_case("password") {
            match value {
                Value::String(p) => password = Some(p),
                _ => return Err(ScimError::bad("invalidValue", "password must be a string")),
            }
        } else if key.eq_ignore_ascii_case(ENTERPRISE_URN) {
            let ext = clean_enterprise(value)?;
            if !ext.is_empty() {
                attrs.insert(ENTERPRISE_URN.into(), Value::Object(ext));
            }
        } else if let Some(name) = canonical(&key, CORE) {
            attrs.insert(name.into(), value);
        }
    }
    match attrs.get("userName") {
        Some(Value::String(s)) if !s.trim().is_empty() => {}
        _ => return Err(ScimError::bad("invalidValue", "userName is required")),
    }
    let active = match attrs.get("active") {
        None => true,
        Some(Value::Bool(b)) => *b,
        // Some clients send booleans as strings ("True").
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(ScimError::bad("invalidValue", "active must be a boolean")),
    };
    attrs.insert("active".into(), Value::Bool(active));
    Ok((attrs, password))
}

fn clean_enterprise(value: Value) -> Result<Map<String, Value>, ScimError> {
    let Value::Object(ext) = value else {
        return Err(ScimError::bad(
            "invalidValue",
            "the enterprise extension must be a JSON object",
        ));
    };
    let mut out = Map::new();
    for (key, value) in ext {
        let Some(name) = canonical(&key, ENTERPRISE) else {
            continue;
        };
        let value = match (name, value) {
            (_, Value::Null) => continue,
            // A manager given as its id alone.
            ("manager", Value::String(id)) => json!({ "value": id }),
            ("manager", Value::Object(m)) if m.values().all(Value::is_null) => continue,
            (_, v) => v,
        };
        out.insert(name.into(), value);
    }
    Ok(out)
}
