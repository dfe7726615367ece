//! The tenant's state: users and `pos` records (each a `Vec` sorted by REST id, looked up by
//! binary search), the field catalogue, and the mutations tests perform through the handle.
//! Values are stored exactly in the GraphQL `fieldAliasAndValue` encoding (see `wire.rs`).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::catalogue::FieldCatalogue;
use crate::history::History;
use crate::profile::WireProfile;
use crate::rng::{Rng, fmt_date, reference_day};
use crate::{forms, history, seed};

/// A user (`usr` record).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SimUser {
    /// Numeric REST id (PSO id).
    pub id: u64,
    /// GraphQL `externalId` (UUID).
    pub external_id: String,
    /// GraphQL `createdAt` (ISO `…Z`).
    pub created_at: String,
    /// Mirrors `usr_active` (`usr_active_yes` / `usr_active_no`).
    pub active: bool,
    /// Field alias → value, exactly the `fieldAliasAndValue` encoding; empty fields are absent.
    pub values: BTreeMap<String, Value>,
}

impl SimUser {
    /// A text value, if present and a string.
    pub fn text(&self, alias: &str) -> Option<&str> {
        self.values.get(alias).and_then(Value::as_str)
    }
    /// `"First LAST"`, as the REST `display_value` shows it.
    pub fn display_name(&self) -> String {
        let first = self.text("usr_first_name").unwrap_or("");
        let last = self.text("usr_last_name").unwrap_or("").to_uppercase();
        format!("{first} {last}").trim().to_string()
    }
}

/// A `pos` record (a position), hierarchical through `pos_parent`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SimPosition {
    pub id: u64,
    pub external_id: String,
    pub created_at: String,
    /// `pos_name`.
    pub name: String,
    /// `pos_parent` (REST id of another `pos` record).
    pub parent: Option<u64>,
}

impl SimPosition {
    /// The `fieldAliasAndValue` map of the record.
    pub fn values(&self) -> BTreeMap<String, Value> {
        let mut m = BTreeMap::new();
        m.insert("pos_name".to_string(), Value::String(self.name.clone()));
        if let Some(p) = self.parent {
            m.insert("pos_parent".to_string(), Value::String(p.to_string()));
        }
        m
    }
}

/// The whole simulated tenant.
#[derive(Debug)]
pub struct Tenant {
    pub catalogue: FieldCatalogue,
    /// How the tenant is encoded on the wire (never changes what is stored).
    pub profile: WireProfile,
    /// Sorted by id.
    pub users: Vec<SimUser>,
    /// Sorted by id.
    pub positions: Vec<SimPosition>,
    /// Next REST id to hand out (ids are shared by every PSO type).
    pub next_id: u64,
    /// Randomness for users inserted after seeding (deterministic too).
    pub rng: Rng,
    /// Field history of every record.
    pub history: History,
    /// Presence `status` set through `POST /psos/{id}/status` (absent = `default`).
    pub presence: BTreeMap<u64, String>,
    /// Simulated clock: seconds since the reference day's 09:00:00, one tick per write.
    pub clock: u64,
}

impl Tenant {
    /// Seed a tenant of `users` users; with `hierarchy_options`, three option trees of at
    /// least that many options (see `hierarchies`).
    pub fn seeded(
        users: usize,
        seed_value: u64,
        hierarchy_options: Option<usize>,
        profile: WireProfile,
    ) -> Tenant {
        let mut catalogue = FieldCatalogue::build();
        if let Some(n) = hierarchy_options {
            crate::hierarchies::extend(&mut catalogue, n);
        }
        let (mut users, positions) = seed::generate(seed_value, users, &catalogue);
        forms::seed_answers(&mut users, seed_value, &catalogue);
        crate::hierarchies::seed_cost_centers(&catalogue, &mut users);
        let next_id = users
            .iter()
            .map(|u| u.id)
            .chain(positions.iter().map(|p| p.id))
            .max()
            .unwrap_or(0)
            + 1;
        let mut t = Tenant {
            catalogue,
            profile,
            users,
            positions,
            next_id,
            rng: Rng::new(seed_value ^ 0x5EED_1A5E_0000_0001),
            history: History::default(),
            presence: BTreeMap::new(),
            clock: 0,
        };
        history::seed(&mut t);
        t
    }

    /// Advance the clock; `(REST "YYYY-MM-DD HH:mm:ss", ISO "…Z")` of the new instant.
    pub fn tick(&mut self) -> (String, String) {
        self.clock += 1;
        let secs = 9 * 3600 + self.clock;
        let day = fmt_date(reference_day() + (secs / 86_400) as i64);
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        (
            format!("{day} {h:02}:{m:02}:{s:02}"),
            format!("{day}T{h:02}:{m:02}:{s:02}Z"),
        )
    }

    /// Append history for a top-level field of a user (unknown alias: nothing), authored by the API.
    pub fn record_change(
        &mut self,
        id: u64,
        alias: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        let Some(fid) = self.catalogue.field("usr", alias).map(|f| f.id) else {
            return;
        };
        if old == new {
            return;
        }
        let (at, _) = self.tick();
        self.history.record(id, fid, old, new, 0, &at);
    }

    /// A user by REST id.
    pub fn user(&self, id: u64) -> Option<&SimUser> {
        self.users
            .binary_search_by_key(&id, |u| u.id)
            .ok()
            .and_then(|i| self.users.get(i))
    }
    /// Mutable user by REST id.
    pub fn user_mut(&mut self, id: u64) -> Option<&mut SimUser> {
        let i = self.users.binary_search_by_key(&id, |u| u.id).ok()?;
        self.users.get_mut(i)
    }
    /// A position by REST id.
    pub fn position(&self, id: u64) -> Option<&SimPosition> {
        self.positions
            .binary_search_by_key(&id, |p| p.id)
            .ok()
            .and_then(|i| self.positions.get(i))
    }

    /// Index of the first user whose id is greater than `after`.
    pub fn users_after(&self, after: u64) -> usize {
        self.users.partition_point(|u| u.id <= after)
    }

    /// Insert a user with exactly these values (plus `usr_active_yes` when `usr_active` is absent).
    pub fn insert_user(&mut self, mut values: BTreeMap<String, Value>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        values
            .entry("usr_active".to_string())
            .or_insert_with(|| Value::String("usr_active_yes".into()));
        let active = values.get("usr_active").and_then(Value::as_str) != Some("usr_active_no");
        let user = SimUser {
            id,
            external_id: self.rng.uuid(),
            created_at: "2026-11-25T10:00:00Z".to_string(),
            active,
            values,
        };
        self.users.push(user);
        id
    }

    /// Insert one generated (realistic) user, as if created by HR while someone pages.
    pub fn insert_generated_user(&mut self) -> u64 {
        let id = self.next_id;
        let user = seed::extra_user(self, id);
        self.next_id += 1;
        self.users.push(user);
        id
    }

    /// Suspend or resume; false for an unknown id.
    pub fn set_active(&mut self, id: u64, active: bool) -> bool {
        let old = self
            .user(id)
            .and_then(|u| u.values.get("usr_active").cloned());
        let Some(u) = self.user_mut(id) else {
            return false;
        };
        u.active = active;
        let v = if active {
            "usr_active_yes"
        } else {
            "usr_active_no"
        };
        u.values
            .insert("usr_active".to_string(), Value::String(v.to_string()));
        let new = Some(Value::String(v.to_string()));
        self.record_change(id, "usr_active", old.as_ref(), new.as_ref());
        true
    }

    /// Set (`Some`) or clear (`None`) a value; false for an unknown id.
    pub fn set_value(&mut self, id: u64, alias: &str, value: Option<Value>) -> bool {
        let old = self.user(id).and_then(|u| u.values.get(alias).cloned());
        let new = value.clone();
        let Some(u) = self.user_mut(id) else {
            return false;
        };
        match value {
            Some(v) => {
                u.values.insert(alias.to_string(), v);
            }
            None => {
                u.values.remove(alias);
            }
        }
        if alias == "usr_active" {
            u.active = u.values.get("usr_active").and_then(Value::as_str) != Some("usr_active_no");
        }
        self.record_change(id, alias, old.as_ref(), new.as_ref());
        true
    }
}
