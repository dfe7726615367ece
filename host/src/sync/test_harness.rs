//! The engine's test bench: an in-memory fake `Session` over a tenant of users, a test
//! mapping, and a harness that syncs it into an in-memory store and records the remote calls.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::*;
use crate::error::{ConnectorError, HostError};
use crate::model::{
    Attribute, AttributeChange, ChangeOp, Choice, Field, FieldType, User, UserPage, Value,
};

#[derive(Default)]
pub(super) struct Tenant {
    pub(super) users: Vec<User>,
    pub(super) calls: Vec<String>,
    /// Pages after the first fail (`unavailable`): a listing cut short.
    pub(super) fail_after_first_page: bool,
}

pub(super) struct Fake(Arc<Mutex<Tenant>>);

pub(super) fn field(name: &str, t: FieldType) -> Field {
    Field {
        name: name.into(),
        label: name.into(),
        field_type: t,
        required: false,
        writable: true,
        multi_valued: false,
        unique: false,
        custom: false,
        hierarchical: false,
        category: String::new(),
        remote_name: name.into(),
    }
}

pub(super) fn text(s: &str) -> Value {
    Value::Text(s.into())
}

pub(super) fn user(id: u32, end: Option<&str>) -> User {
    let mut attributes = vec![
        Attribute {
            name: "first_name".into(),
            values: vec![text(&format!("  First{id} "))],
        },
        Attribute {
            name: "email".into(),
            values: vec![text(&format!("P{id}@Example.com"))],
        },
        Attribute {
            name: "manager".into(),
            values: vec![Value::Reference("1".into())],
        },
    ];
    if let Some(e) = end {
        attributes.push(Attribute {
            name: "contract.end_date".into(),
            values: vec![Value::Date(e.into())],
        });
    }
    User {
        id: id.to_string(),
        display_name: format!("Person {id}"),
        active: true,
        attributes,
    }
}

pub(super) fn set(u: &mut User, name: &str, values: Vec<Value>) {
    u.attributes.retain(|a| a.name != name);
    u.attributes.push(Attribute {
        name: name.into(),
        values,
    });
}

#[async_trait]
impl crate::connector::Session for Fake {
    async fn test_connection(&mut self) -> Result<(), HostError> {
        Ok(())
    }
    async fn get_fields(&mut self) -> Result<Vec<Field>, HostError> {
        Ok(vec![
            field("first_name", FieldType::Text),
            field("email", FieldType::Text),
            field("manager", FieldType::Reference),
            field("contract.end_date", FieldType::Date),
            field("active", FieldType::Boolean),
        ])
    }
    async fn list_choices(&mut self, _: &str, _: Option<&str>) -> Result<Vec<Choice>, HostError> {
        Ok(Vec::new())
    }
    async fn list_users(&mut self, token: Option<&str>, _: u32) -> Result<UserPage, HostError> {
        let t = self.0.lock().expect("lock");
        if token.is_some() && t.fail_after_first_page {
            return Err(ConnectorError::Unavailable("the tenant went away".into()).into());
        }
        let from: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let to = (from + 3).min(t.users.len());
        let next = (to < t.users.len()).then(|| to.to_string());
        Ok(UserPage {
            users: t.users[from..to].to_vec(),
            next_page_token: next,
            total: Some(t.users.len() as u64),
        })
    }
    async fn get_user(&mut self, id: &str) -> Result<User, HostError> {
        let t = self.0.lock().expect("lock");
        t.users
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .ok_or_else(|| ConnectorError::NotFound(id.into()).into())
    }
    async fn create_user(&mut self, attributes: Vec<Attribute>) -> Result<User, HostError> {
        let mut t = self.0.lock().expect("lock");
        let id = (t.users.len() + 100).to_string();
        t.calls.push(format!("create {id}"));
        let u = User {
            id,
            display_name: "Created".into(),
            active: true,
            attributes,
        };
        t.users.push(u.clone());
        Ok(u)
    }
    async fn update_user(
        &mut self,
        id: &str,
        changes: Vec<AttributeChange>,
    ) -> Result<User, HostError> {
        let mut t = self.0.lock().expect("lock");
        t.calls.push(format!("update {id}"));
        let u = t
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| HostError::from(ConnectorError::NotFound(id.into())))?;
        for c in changes {
            match c.op {
                ChangeOp::Set(v) => set(u, &c.name, v),
                ChangeOp::Clear => u.attributes.retain(|a| a.name != c.name),
            }
        }
        Ok(u.clone())
    }
    async fn suspend_user(&mut self, id: &str) -> Result<User, HostError> {
        let mut t = self.0.lock().expect("lock");
        t.calls.push(format!("suspend {id}"));
        let u = t
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| HostError::from(ConnectorError::NotFound(id.into())))?;
        u.active = false;
        Ok(u.clone())
    }
    async fn resume_user(&mut self, id: &str) -> Result<User, HostError> {
        let mut t = self.0.lock().expect("lock");
        t.calls.push(format!("resume {id}"));
        let u = t
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| HostError::from(ConnectorError::NotFound(id.into())))?;
        u.active = true;
        Ok(u.clone())
    }
}

pub(super) const MAPPING: &str = r#"
match_on = "email"
movers = ["manager"]
[policy]
time_zone = "Europe/Paris"
[[attribute]]
name = "first_name"
field = "first_name"
transforms = ["trim"]
[[attribute]]
name = "email"
field = "email"
transforms = ["trim", "lowercase"]
owner = "platform"
[[attribute]]
name = "manager"
field = "manager"
[[attribute]]
name = "contract_end"
field = "contract.end_date"
"#;

pub(super) struct Harness {
    pub(super) tenant: Arc<Mutex<Tenant>>,
    session: Fake,
    pub(super) store: Store,
    pub(super) mapping: Mapping,
}

impl Harness {
    pub(super) fn new(n: u32) -> Harness {
        let tenant = Arc::new(Mutex::new(Tenant {
            users: (1..=n).map(|i| user(i, Some("2027-06-30"))).collect(),
            calls: Vec::new(),
            fail_after_first_page: false,
        }));
        Harness {
            session: Fake(tenant.clone()),
            tenant,
            store: Store::in_memory().expect("store"),
            mapping: Mapping::parse("test", MAPPING).expect("mapping"),
        }
    }
    pub(super) fn sync(&mut self, dry_run: bool, force: bool) -> SyncReport {
        self.sync_as_of(dry_run, force, "2026-11-25")
    }
    /// Runs a sync that may fail.
    pub(super) fn try_sync(&mut self, force: bool) -> Result<SyncReport, super::SyncError> {
        self.run_as_of(false, force, "2026-11-25")
    }
    /// Removes users from the tenant (deleted or hidden at the source).
    pub(super) fn remove(&self, ids: &[u32]) {
        let ids: Vec<String> = ids.iter().map(u32::to_string).collect();
        self.tenant
            .lock()
            .expect("lock")
            .users
            .retain(|u| !ids.contains(&u.id));
    }
    /// Puts a user back as first generated.
    pub(super) fn restore(&self, id: u32) {
        self.tenant
            .lock()
            .expect("lock")
            .users
            .push(user(id, Some("2027-06-30")));
    }
    pub(super) fn sync_as_of(&mut self, dry_run: bool, force: bool, day: &str) -> SyncReport {
        self.run_as_of(dry_run, force, day).expect("sync runs")
    }
    fn run_as_of(
        &mut self,
        dry_run: bool,
        force: bool,
        day: &str,
    ) -> Result<SyncReport, super::SyncError> {
        self.sync_with_targets(&mut [], dry_run, force, day)
    }
    /// Runs a sync with application targets.
    pub(super) fn sync_with_targets(
        &mut self,
        targets: &mut [super::targets::Target],
        dry_run: bool,
        force: bool,
        day: &str,
    ) -> Result<SyncReport, super::SyncError> {
        let options = SyncOptions {
            dry_run,
            force,
            as_of: Some(policy::parse_day(day).expect("day")),
            ..SyncOptions::default()
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("rt");
        rt.block_on(super::run_with_targets(
            &mut self.session,
            &mut self.store,
            &self.mapping,
            targets,
            &options,
            &Progress::hidden(),
        ))
    }
    pub(super) fn calls(&self) -> Vec<String> {
        std::mem::take(&mut self.tenant.lock().expect("lock").calls)
    }
    pub(super) fn edit(&self, id: u32, f: impl FnOnce(&mut User)) {
        let mut t = self.tenant.lock().expect("lock");
        if let Some(u) = t.users.iter_mut().find(|u| u.id == id.to_string()) {
            f(u)
        }
    }
    pub(super) fn events(
        &self,
        run: i64,
        kind: crate::store::EventKind,
    ) -> Vec<crate::store::EventRow> {
        audit::events(
            self.store.conn(),
            &crate::store::EventFilter {
                run_id: Some(run),
                kind: Some(kind),
                ..Default::default()
            },
        )
        .expect("events")
    }
    /// The platform id of the identity imported from source user `source`.
    pub(super) fn identity_of(&self, source: u32) -> i64 {
        identities::by_source(self.store.conn(), &source.to_string())
            .expect("query")
            .expect("identity")
            .id
    }
    /// Changes an attribute on the platform (pending write-back) over its last source value.
    pub(super) fn edit_on_platform(&mut self, id: i64, name: &str, value: &str, source: &str) {
        self.store
            .transaction(|c| {
                identities::put_attr(
                    c,
                    id,
                    name,
                    &crate::store::StoredAttr {
                        value: vec![text(value)],
                        source_value: Some(vec![text(source)]),
                        pending: true,
                    },
                )
            })
            .expect("edit");
    }
    /// An identity created on the platform (no account yet) with these pending attributes.
    pub(super) fn insert_platform_identity(&mut self, name: &str, attrs: &[(&str, Value)]) -> i64 {
        let change = super::platform::Change {
            id: None,
            display_name: name.to_string(),
            values: attrs
                .iter()
                .map(|(n, v)| (n.to_string(), vec![v.clone()]))
                .collect(),
        };
        self.store
            .transaction(|c| super::platform::write(c, &change))
            .expect("insert")
    }
}
