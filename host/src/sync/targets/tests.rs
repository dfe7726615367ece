//! HR-driven provisioning over in-memory connectors: the HR fake of `test_harness` as the
//! source, an application fake as the target.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::*;
use crate::error::{ConnectorError, HostError};
use crate::model::{
    Attribute, AttributeChange, ChangeOp, Choice, Field, FieldType, User, UserPage, Value,
};
use crate::store::{AccountStatus, EventKind, RunStatus};
use crate::sync::test_harness::{Harness, field};

#[derive(Default)]
struct App {
    users: Vec<User>,
    calls: Vec<String>,
    /// The application cannot be reached.
    down: bool,
}

struct AppSession(Arc<Mutex<App>>);

fn values_of(u: &User, name: &str) -> Vec<Value> {
    u.values(name).to_vec()
}

#[async_trait]
impl Session for AppSession {
    async fn test_connection(&mut self) -> Result<(), HostError> {
        Ok(())
    }
    async fn get_fields(&mut self) -> Result<Vec<Field>, HostError> {
        let mut user_name = field("userName", FieldType::Text);
        user_name.unique = true;
        user_name.required = true;
        Ok(vec![
            user_name,
            field("givenName", FieldType::Text),
            field("manager", FieldType::Reference),
            field("employeeNumber", FieldType::Text),
        ])
    }
    async fn list_choices(&mut self, _: &str, _: Option<&str>) -> Result<Vec<Choice>, HostError> {
        Ok(Vec::new())
    }
    async fn list_users(&mut self, token: Option<&str>, _: u32) -> Result<UserPage, HostError> {
        let app = self.0.lock().expect("lock");
        if app.down {
            return Err(ConnectorError::Unavailable("the application is down".into()).into());
        }
        let from: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let to = (from + 5).min(app.users.len());
        Ok(UserPage {
            users: app.users[from..to].to_vec(),
            next_page_token: (to < app.users.len()).then(|| to.to_string()),
            total: Some(app.users.len() as u64),
        })
    }
    async fn get_user(&mut self, id: &str) -> Result<User, HostError> {
        let app = self.0.lock().expect("lock");
        app.users
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .ok_or_else(|| ConnectorError::NotFound(id.into()).into())
    }
    async fn create_user(&mut self, attributes: Vec<Attribute>) -> Result<User, HostError> {
        let mut app = self.0.lock().expect("lock");
        let name = attributes
            .iter()
            .find(|a| a.name == "userName")
            .map(|a| crate::sync::detect::show(&a.values))
            .unwrap_or_default();
        if app
            .users
            .iter()
            .any(|u| crate::sync::detect::show(u.values("userName")) == name)
        {
            return Err(ConnectorError::AlreadyExists {
                name: "userName".into(),
                reason: "taken".into(),
            }
            .into());
        }
        let id = format!("app-{}", app.users.len() + 1);
        app.calls.push(format!("create {name}"));
        let u = User {
            id,
            display_name: name,
            active: true,
            attributes,
        };
        app.users.push(u.clone());
        Ok(u)
    }
    async fn update_user(
        &mut self,
        id: &str,
        changes: Vec<AttributeChange>,
    ) -> Result<User, HostError> {
        let mut app = self.0.lock().expect("lock");
        app.calls.push(format!(
            "update {id} {}",
            changes
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ));
        let u = app
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| HostError::from(ConnectorError::NotFound(id.into())))?;
        for c in changes {
            u.attributes.retain(|a| a.name != c.name);
            if let ChangeOp::Set(values) = c.op {
                u.attributes.push(Attribute {
                    name: c.name,
                    values,
                });
            }
        }
        Ok(u.clone())
    }
    async fn suspend_user(&mut self, id: &str) -> Result<User, HostError> {
        self.set_active(id, false)
    }
    async fn resume_user(&mut self, id: &str) -> Result<User, HostError> {
        self.set_active(id, true)
    }
}

impl AppSession {
    fn set_active(&mut self, id: &str, active: bool) -> Result<User, HostError> {
        let mut app = self.0.lock().expect("lock");
        app.calls.push(format!(
            "{} {id}",
            if active { "resume" } else { "suspend" }
        ));
        let u = app
            .users
            .iter_mut()
            .find(|u| u.id == id)
            .ok_or_else(|| HostError::from(ConnectorError::NotFound(id.into())))?;
        u.active = active;
        Ok(u.clone())
    }
}

const TARGET_MAPPING: &str = r#"
match_on = "userName"
[[attribute]]
field = "userName"
from = "email"
[[attribute]]
field = "givenName"
from = "first_name"
[[attribute]]
field = "manager"
from = "manager"
[[attribute]]
field = "employeeNumber"
from = "source_id"
"#;

struct Bench {
    hr: Harness,
    app: Arc<Mutex<App>>,
    targets: Vec<Target>,
}

impl Bench {
    fn new(people: u32) -> Bench {
        let app = Arc::new(Mutex::new(App::default()));
        let targets = vec![Target {
            name: "app".into(),
            mapping: TargetMapping::parse("test target", TARGET_MAPPING).expect("mapping"),
            session: Box::new(AppSession(app.clone())),
        }];
        Bench {
            hr: Harness::new(people),
            app,
            targets,
        }
    }
    fn sync(&mut self, dry_run: bool, day: &str) -> crate::sync::SyncReport {
        self.hr
            .sync_with_targets(&mut self.targets, dry_run, false, day)
            .expect("sync runs")
    }
    fn calls(&self) -> Vec<String> {
        std::mem::take(&mut self.app.lock().expect("lock").calls)
    }
    fn app_user(&self, user_name: &str) -> User {
        self.app
            .lock()
            .expect("lock")
            .users
            .iter()
            .find(|u| crate::sync::detect::show(u.values("userName")) == user_name)
            .cloned()
            .expect("in the app")
    }
}

const TODAY: &str = "2026-11-25";

#[test]
fn joiners_get_accounts_with_their_manager_translated_and_a_rerun_does_nothing() {
    let mut b = Bench::new(4);
    let report = b.sync(false, TODAY);
    let t = &report.targets[0];
    assert_eq!(t.planned(ActionKind::Create), 4, "{:?}", t.plan);
    assert_eq!(
        (t.done, t.failed),
        (4 + 4, 0),
        "4 creations, then the 4 managers set (person 1 is everyone's manager, their own too)"
    );
    let boss = b.app_user("p1@example.com");
    let worker = b.app_user("p3@example.com");
    assert_eq!(
        values_of(&worker, "manager"),
        vec![Value::Reference(boss.id.clone())],
        "the HR manager's id became the manager's account id in the app"
    );
    assert_eq!(
        values_of(&worker, "employeeNumber"),
        vec![Value::Text("3".into())]
    );
    b.calls();
    let again = b.sync(false, TODAY);
    assert!(
        again.targets[0].plan.is_empty(),
        "{:?}",
        again.targets[0].plan
    );
    assert!(b.calls().is_empty());
    assert_eq!(again.status, RunStatus::Completed);
}

#[test]
fn a_change_at_the_source_reaches_the_target_and_a_leaver_is_suspended_then_resumed() {
    let mut b = Bench::new(12);
    b.sync(false, TODAY);
    b.calls();
    b.hr.edit(5, |u| {
        crate::sync::test_harness::set(u, "first_name", vec![Value::Text("Renamed".into())])
    });
    b.hr.edit(7, |u| {
        crate::sync::test_harness::set(
            u,
            "contract.end_date",
            vec![Value::Date("2026-11-20".into())],
        )
    });
    let report = b.sync(false, TODAY);
    let t = &report.targets[0];
    assert_eq!(t.planned(ActionKind::Update), 1, "{:?}", t.plan);
    assert_eq!(t.planned(ActionKind::Suspend), 1, "{:?}", t.plan);
    let five = b.app_user("p5@example.com");
    assert_eq!(
        values_of(&five, "givenName"),
        vec![Value::Text("Renamed".into())]
    );
    assert!(
        !b.app_user("p7@example.com").active,
        "the leaver is suspended in the app"
    );
    let events = b.hr.events(report.run_id, EventKind::Suspended);
    assert!(
        events.iter().any(|e| e.system.as_deref() == Some("app")),
        "{events:?}"
    );
    // The contract is extended and the person active at the source again: a returner.
    b.hr.edit(7, |u| {
        crate::sync::test_harness::set(
            u,
            "contract.end_date",
            vec![Value::Date("2028-01-31".into())],
        );
        u.active = true;
    });
    b.calls();
    let back = b.sync(false, TODAY);
    assert_eq!(
        back.targets[0].planned(ActionKind::Resume),
        1,
        "{:?}",
        back.targets[0].plan
    );
    assert!(b.app_user("p7@example.com").active);
}

#[test]
fn an_account_already_in_the_target_is_linked_not_created_twice() {
    let mut b = Bench::new(3);
    b.app.lock().expect("lock").users.push(User {
        id: "pre-existing".into(),
        display_name: "P2".into(),
        active: true,
        attributes: vec![Attribute {
            name: "userName".into(),
            values: vec![Value::Text("P2@example.com".into())],
        }],
    });
    let report = b.sync(false, TODAY);
    let t = &report.targets[0];
    assert_eq!(t.linked, 1);
    assert_eq!(t.planned(ActionKind::Create), 2);
    let calls = b.calls();
    assert!(
        !calls.iter().any(|c| c == "create p2@example.com"),
        "{calls:?}"
    );
    let id = b.hr.identity_of(2);
    let account = crate::store::identities::account(b.hr.store.conn(), id, "app")
        .expect("query")
        .expect("linked");
    assert_eq!(account, ("pre-existing".into(), AccountStatus::Active));
    assert_eq!(b.hr.events(report.run_id, EventKind::Linked).len(), 1);
}

#[test]
fn a_dry_run_plans_the_target_and_sends_nothing() {
    let mut b = Bench::new(3);
    let dry = b.sync(true, TODAY);
    assert_eq!(dry.targets[0].planned(ActionKind::Create), 3);
    assert!(b.calls().is_empty(), "a dry run sends nothing");
    let real = b.sync(false, TODAY);
    assert_eq!(
        real.targets[0].planned(ActionKind::Create),
        3,
        "the dry run changed nothing"
    );
}

#[test]
fn people_gone_from_the_source_are_suspended_in_the_target() {
    let mut b = Bench::new(12);
    b.sync(false, TODAY);
    b.calls();
    b.hr.remove(&[9]);
    let report = b.sync(false, TODAY);
    assert_eq!(report.targets[0].planned(ActionKind::Suspend), 1);
    assert!(!b.app_user("p9@example.com").active);
}

#[test]
fn the_target_brake_holds_mass_suspensions() {
    let mut b = Bench::new(10);
    b.sync(false, TODAY);
    b.calls();
    // Every contract has ended by then: far more than 10% of the app's accounts.
    let report =
        b.hr.sync_with_targets(&mut b.targets, false, true, "2027-07-15")
            .expect("sync");
    assert!(!report.targets[0].brake.engaged, "--force lets it through");
    let mut b = Bench::new(10);
    b.sync(false, TODAY);
    b.calls();
    let report = b.sync(false, "2027-07-15");
    let t = &report.targets[0];
    assert!(t.brake.engaged, "{:?}", t.brake);
    assert_eq!(report.status, RunStatus::Braked);
    assert!(
        !b.calls().iter().any(|c| c.starts_with("suspend")),
        "nothing suspended in the app"
    );
}

#[test]
fn a_target_named_like_the_source_is_refused() {
    let mut b = Bench::new(1);
    b.targets[0].name = b.hr.mapping.system.clone();
    let e =
        b.hr.sync_with_targets(&mut b.targets, false, false, TODAY)
            .unwrap_err();
    assert!(e.is_usage(), "{e}");
    assert!(
        e.to_string()
            .contains("has the name of the source's system"),
        "{e}"
    );
}

#[test]
fn a_target_that_cannot_be_reached_fails_its_part_and_the_others_go_on() {
    let mut b = Bench::new(3);
    let down = Arc::new(Mutex::new(App {
        down: true,
        ..App::default()
    }));
    b.targets.insert(
        0,
        Target {
            name: "down".into(),
            mapping: TargetMapping::parse("test target", TARGET_MAPPING).expect("mapping"),
            session: Box::new(AppSession(down)),
        },
    );
    let report = b.sync(false, TODAY);
    assert_eq!(report.status, RunStatus::Failed);
    let failed = &report.targets[0];
    assert!(
        failed
            .error
            .as_deref()
            .is_some_and(|e| e.contains("the application is down")),
        "{failed:?}"
    );
    assert_eq!(
        report.targets[1].planned(ActionKind::Create),
        3,
        "the other target went on"
    );
    assert_eq!(b.app.lock().expect("lock").users.len(), 3);
}

#[test]
fn a_bad_target_mapping_stops_the_run_before_anything_is_read_or_written() {
    let mut b = Bench::new(3);
    b.targets[0].mapping = TargetMapping::parse(
        "bad",
        "match_on = \"userName\"\n[[attribute]]\nfield = \"userName\"\nfrom = \"email\"\n[[attribute]]\nfield = \"shoeSize\"\nfrom = \"email\"\n",
    )
    .expect("parses");
    let e =
        b.hr.sync_with_targets(&mut b.targets, false, false, TODAY)
            .unwrap_err();
    assert!(e.is_usage(), "{e}");
    assert!(e.to_string().contains("shoeSize"), "{e}");
    assert_eq!(
        crate::store::identities::count(b.hr.store.conn()).expect("count"),
        0,
        "the source was not imported"
    );
    assert!(b.calls().is_empty());
}

#[test]
fn two_people_with_one_match_key_never_share_an_account() {
    let mut b = Bench::new(4);
    // Person 3 has person 2's e-mail (a rehire under a new HR id, a shared address).
    b.hr.edit(3, |u| {
        crate::sync::test_harness::set(u, "email", vec![Value::Text("P2@Example.com".into())])
    });
    let first = b.sync(false, TODAY);
    assert_eq!(
        first.targets[0].failed, 1,
        "the second creation is refused by the app"
    );
    let again = b.sync(false, TODAY);
    let t = &again.targets[0];
    assert_eq!(t.linked, 0, "the account stays person 2's: {:?}", t.plan);
    let held: Vec<&str> = t.plan.iter().filter_map(|a| a.held.as_deref()).collect();
    assert!(
        held.iter()
            .any(|h| h.contains("userName p2@example.com is already the account")),
        "{held:?}"
    );
    let again = b.sync(false, TODAY);
    assert!(
        again.targets[0].plan.iter().all(|a| !a.is_ready()),
        "it converges: nothing sent, nothing flips: {:?}",
        again.targets[0].plan
    );
}
