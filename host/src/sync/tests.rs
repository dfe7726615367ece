//! Engine tests against an in-memory fake `Session`: joiners and idempotence, movers, the
//! leaver policy with dry run and brake, write-back, bad records, mapping errors, and the
//! reconciliation of a creation whose confirmation was lost.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::*;
use crate::error::ConnectorError;
use crate::model::{
    Attribute, AttributeChange, ChangeOp, Choice, Field, FieldType, User, UserPage, Value,
};

#[derive(Default)]
struct Tenant {
    users: Vec<User>,
    calls: Vec<String>,
}

struct Fake(Arc<Mutex<Tenant>>);

fn field(name: &str, t: FieldType) -> Field {
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

fn user(id: u32, end: Option<&str>) -> User {
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
        Err(ConnectorError::Unsupported(id.into()).into())
    }
}

const MAPPING: &str = r#"
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
    tenant: Arc<Mutex<Tenant>>,
    session: Fake,
    pub(super) store: Store,
    pub(super) mapping: Mapping,
}

impl Harness {
    pub(super) fn new(n: u32) -> Harness {
        let tenant = Arc::new(Mutex::new(Tenant {
            users: (1..=n).map(|i| user(i, Some("2027-06-30"))).collect(),
            calls: Vec::new(),
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
    pub(super) fn sync_as_of(&mut self, dry_run: bool, force: bool, day: &str) -> SyncReport {
        let options = SyncOptions {
            dry_run,
            force,
            as_of: Some(policy::parse_day(day).expect("day")),
            page_size: 0,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("rt");
        rt.block_on(run(
            &mut self.session,
            &mut self.store,
            &self.mapping,
            &options,
            &Progress::hidden(),
        ))
        .expect("sync runs")
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
    fn events(&self, run: i64, kind: &str) -> Vec<crate::store::EventRow> {
        audit::events(
            self.store.conn(),
            &crate::store::EventFilter {
                run_id: Some(run),
                kind: Some(kind.into()),
                ..Default::default()
            },
        )
        .expect("events")
    }
}

#[test]
fn joiners_then_nothing_the_second_time() {
    let mut h = Harness::new(10);
    let r = h.sync(false, false);
    assert_eq!(r.counts.joiners, 10);
    assert!(r.plan.is_empty());
    let stored = identities::by_source(h.store.conn(), "3")
        .expect("query")
        .expect("stored");
    assert_eq!(
        stored.attrs["first_name"].value,
        vec![text("First3")],
        "trimmed"
    );
    assert_eq!(
        stored.attrs["email"].value,
        vec![text("p3@example.com")],
        "lowercased"
    );
    let r2 = h.sync(false, false);
    assert_eq!(
        audit::event_counts(h.store.conn(), r2.run_id).expect("counts"),
        Vec::new()
    );
    assert!(r2.plan.is_empty() && h.calls().is_empty());
}

#[test]
fn movers_carry_old_and_new_values() {
    let mut h = Harness::new(6);
    h.sync(false, false);
    h.edit(2, |u| set(u, "manager", vec![Value::Reference("5".into())]));
    h.edit(4, |u| set(u, "first_name", vec![text("Renamed")]));
    let r = h.sync(false, false);
    assert_eq!((r.counts.movers, r.counts.changes), (1, 1));
    let movers = h.events(r.run_id, "mover");
    assert_eq!(
        (
            movers[0].old_value.as_deref(),
            movers[0].new_value.as_deref()
        ),
        (Some("#1"), Some("#5"))
    );
}

#[test]
fn ended_contracts_are_suspended_not_early_with_dry_run_and_brake() {
    let mut h = Harness::new(30);
    h.sync(false, false);
    for id in [1, 2] {
        h.edit(id, |u| {
            set(
                u,
                "contract.end_date",
                vec![Value::Date("2026-11-24".into())],
            )
        });
    }
    h.edit(3, |u| {
        set(
            u,
            "contract.end_date",
            vec![Value::Date("2026-11-25".into())],
        )
    }); // last day: today
    let dry = h.sync(true, false);
    assert_eq!(dry.planned(ActionKind::Suspend), 2);
    assert!(h.calls().is_empty(), "a dry run writes nothing upstream");
    let r = h.sync(false, false);
    assert_eq!(r.done, 2);
    assert_eq!(h.calls(), vec!["suspend 1", "suspend 2"]);
    let again = h.sync(false, false);
    assert!(
        again.plan.is_empty() && h.calls().is_empty(),
        "no duplicate suspension"
    );
    // 10 of 28 active accounts: above 10%.
    for id in 10..20 {
        h.edit(id, |u| {
            set(
                u,
                "contract.end_date",
                vec![Value::Date("2026-01-01".into())],
            )
        });
    }
    let braked = h.sync(false, false);
    assert!(braked.brake.engaged && braked.done == 0 && h.calls().is_empty());
    let forced = h.sync(false, true);
    assert_eq!(forced.done, 10);
}

#[test]
fn people_already_gone_when_first_seen_are_reported_not_suspended() {
    let mut h = Harness::new(5);
    h.edit(5, |u| {
        set(
            u,
            "contract.end_date",
            vec![Value::Date("2020-01-01".into())],
        )
    });
    let r = h.sync(false, false);
    assert_eq!((r.counts.reviews, r.planned(ActionKind::Suspend)), (1, 0));
}

#[test]
fn platform_owned_values_are_written_back_and_hr_values_win_their_own() {
    let mut h = Harness::new(3);
    h.sync(false, false);
    let id = identities::by_source(h.store.conn(), "2")
        .expect("q")
        .expect("id")
        .id;
    h.store
        .transaction(|c| {
            identities::put_attr(
                c,
                id,
                "email",
                &crate::store::StoredAttr {
                    value: vec![text("new@example.com")],
                    source_value: Some(vec![text("p2@example.com")]),
                    pending: true,
                },
            )
        })
        .expect("set");
    // HR-owned value changed on the platform by hand: the import puts HR's value back, nothing is pushed.
    h.store
        .transaction(|c| {
            identities::put_attr(
                c,
                id,
                "first_name",
                &crate::store::StoredAttr {
                    value: vec![text("Hacked")],
                    source_value: Some(vec![text("First2")]),
                    pending: true,
                },
            )
        })
        .expect("set");
    let r = h.sync(false, false);
    assert_eq!(r.planned(ActionKind::Update), 1);
    assert_eq!(
        r.plan[0].changes,
        vec![AttributeChange {
            name: "email".into(),
            op: ChangeOp::Set(vec![text("new@example.com")])
        }]
    );
    assert_eq!(h.calls(), vec!["update 2"]);
    let stored = identities::by_id(h.store.conn(), id)
        .expect("q")
        .expect("id");
    assert_eq!(stored.attrs["first_name"].value, vec![text("First2")]);
    let again = h.sync(false, false);
    assert!(again.plan.is_empty() && h.calls().is_empty());
}

#[test]
fn a_bad_date_skips_the_record_and_the_run_goes_on() {
    let mut h = Harness::new(4);
    h.edit(2, |u| {
        set(
            u,
            "contract.end_date",
            vec![Value::Date("2026-13-45".into())],
        )
    });
    let r = h.sync(false, false);
    assert_eq!((r.counts.joiners, r.counts.skipped), (3, 1));
    assert!(
        r.skipped[0].contains("user 2")
            && r.skipped[0].contains("contract_end")
            && r.skipped[0].contains("2026-13-45"),
        "{}",
        r.skipped[0]
    );
}

#[test]
fn mapping_errors_name_the_attribute() {
    let fields = vec![
        field("first_name", FieldType::Text),
        field("hired", FieldType::Date),
        field("contract.end_date", FieldType::Date),
    ];
    let base = "[[attribute]]\nname = \"contract_end\"\nfield = \"contract.end_date\"\n";
    let mut m = Mapping::parse(
        "m.toml",
        &format!("{base}[[attribute]]\nname = \"x\"\nfield = \"nope\"\n"),
    )
    .expect("parses");
    let e = m.check(&fields).expect_err("refused").to_string();
    assert!(
        e.contains("m.toml") && e.contains("`x`") && e.contains("`nope`"),
        "{e}"
    );
    let mut m = Mapping::parse(
        "m.toml",
        &format!(
            "{base}[[attribute]]\nname = \"h\"\nfield = \"hired\"\ntransforms = [\"lowercase\"]\n"
        ),
    )
    .expect("parses");
    let e = m.check(&fields).expect_err("refused").to_string();
    assert!(
        e.contains("`h`") && e.contains("lowercase") && e.contains("date"),
        "{e}"
    );
    assert!(
        Mapping::parse(
            "m.toml",
            &format!("{base}[[attribute]]\nname = \"h\"\nfield = \"hired\"\nowner = \"both\"\n")
        )
        .is_err()
    );
    assert!(Mapping::default_peoplespheres().is_ok());
}

#[test]
fn a_creation_whose_confirmation_was_lost_is_found_again() {
    let mut h = Harness::new(2);
    h.sync(false, false);
    let id = h
        .store
        .transaction(|c| {
            let id = identities::insert(
                c,
                &identities::NewIdentity {
                    source_id: None,
                    origin: "platform",
                    display_name: "New",
                    active: true,
                    contract_end: None,
                    stale_end: None,
                    run_id: None,
                },
            )?;
            identities::put_attr(
                c,
                id,
                "email",
                &crate::store::StoredAttr {
                    value: vec![text("new@example.com")],
                    source_value: None,
                    pending: true,
                },
            )?;
            Ok(id)
        })
        .expect("insert");
    // A previous run created the account, then died before confirming.
    h.tenant.lock().expect("lock").users.push(User {
        id: "77".into(),
        display_name: "New".into(),
        active: true,
        attributes: vec![Attribute {
            name: "email".into(),
            values: vec![text("new@example.com")],
        }],
    });
    h.store
        .transaction(|c| {
            audit::journal_start(
                c,
                1,
                "create",
                id,
                "peoplespheres",
                None,
                r#"{"match":"new@example.com"}"#,
            )
            .map(|_| ())
        })
        .expect("journal");
    let r = h.sync(false, false);
    assert!(r.plan.is_empty(), "{:?}", r.plan);
    assert!(h.calls().is_empty(), "no duplicate creation");
    assert_eq!(
        identities::by_id(h.store.conn(), id)
            .expect("q")
            .expect("id")
            .source_id
            .as_deref(),
        Some("77")
    );
}
