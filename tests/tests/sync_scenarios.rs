//! The provisioning engine against the PeopleSpheres simulator, through the real connector
//! component: joiners and idempotence, movers, deprovisioning on contract end (with dry run
//! and the safety brake), write-back and platform-side creation. Scenarios that need the
//! connector's write operations (suspend, update, create) assert on what the simulator shows.

use connector_host::model::Value;
use connector_host::store::EventKind;
use connector_host::store::audit;
use connector_host::store::identities::{self, StoredAttr};
use connector_host::sync::{ActionKind, Mapping, platform};
use connector_tests::sync_env::Env;
use serde_json::json;

#[test]
fn first_sync_of_1000_is_1000_joiners_and_a_second_sync_does_nothing() {
    let mut env = Env::new(1000);
    let first = env.sync();
    assert_eq!(first.counts.joiners, 1000);
    assert_eq!(first.counts.skipped, 0, "{:?}", first.skipped);
    env.sim.clear_journal();
    let second = env.sync();
    assert_eq!(
        audit::event_counts(env.store.conn(), second.run_id).expect("counts"),
        Vec::new(),
        "no events the second time"
    );
    assert!(second.plan.is_empty(), "{:?}", second.plan);
    assert_eq!(
        env.writes(),
        Vec::<String>::new(),
        "no writes the second time"
    );
}

#[test]
fn ten_position_or_manager_changes_are_exactly_ten_movers_with_old_and_new_values() {
    let mut env = Env::new(300);
    env.sync();
    let positions: Vec<u64> = env.sim.positions().iter().map(|p| p.id).collect();
    let people = env.open_ended(10);
    for (i, id) in people.iter().enumerate() {
        let u = env.sim.user(*id).expect("user");
        if i % 2 == 0 {
            let current = u
                .values
                .get("usr_poste")
                .and_then(|v| v.as_str())
                .and_then(|s| s.parse::<u64>().ok());
            let other = positions
                .iter()
                .find(|p| Some(**p) != current)
                .expect("another position");
            assert!(
                env.sim
                    .set_value(*id, "usr_poste", Some(json!(other.to_string())))
            );
        } else {
            let current = u
                .values
                .get("manager")
                .and_then(|v| v.as_str())
                .map(String::from);
            let other = if current.as_deref() == Some("2") {
                "3"
            } else {
                "2"
            };
            assert!(env.sim.set_value(*id, "manager", Some(json!(other))));
        }
    }
    let run = env.sync();
    let movers = env.events(run.run_id, EventKind::Mover);
    assert_eq!(run.counts.movers, 10);
    assert_eq!(movers.len(), 10, "{movers:#?}");
    let mut who: Vec<String> = movers
        .iter()
        .map(|e| {
            e.subject
                .rsplit('(')
                .next()
                .unwrap_or("")
                .trim_end_matches(')')
                .to_string()
        })
        .collect();
    who.sort();
    let mut expected: Vec<String> = people.iter().map(u64::to_string).collect();
    expected.sort();
    assert_eq!(who, expected);
    for e in &movers {
        assert!(
            e.old_value.is_some() && e.new_value.is_some() && e.old_value != e.new_value,
            "{e:?}"
        );
        assert!(
            matches!(e.attribute.as_deref(), Some("position" | "manager")),
            "{e:?}"
        );
    }
    assert_eq!(run.counts.changes, 0);
}

#[test]
fn five_ended_contracts_are_suspended_and_tomorrow_is_untouched_with_a_dry_run_first() {
    let mut env = Env::new(300);
    env.sync();
    let people = env.open_ended(6);
    for id in &people[..5] {
        env.set_end(*id, "2026-11-20");
    }
    env.set_end(people[5], "2026-11-26");
    env.sim.clear_journal();
    let dry = env.sync_with(true, false);
    let mut planned: Vec<String> = dry
        .plan
        .iter()
        .filter(|a| a.kind == ActionKind::Suspend)
        .filter_map(|a| a.remote_id.clone())
        .collect();
    planned.sort();
    let mut expected: Vec<String> = people[..5].iter().map(u64::to_string).collect();
    expected.sort();
    assert_eq!(planned, expected, "the dry run lists the same five");
    assert_eq!(
        env.writes(),
        Vec::<String>::new(),
        "the dry run writes nothing upstream"
    );
    let run = env.sync();
    assert_eq!(
        (run.done, run.failed),
        (5, 0),
        "{:?}",
        env.events(run.run_id, EventKind::ActionFailed)
    );
    for id in &people[..5] {
        assert!(
            !env.sim.user(*id).expect("user").active,
            "user {id} is suspended in PeopleSpheres"
        );
    }
    assert!(
        env.sim.user(people[5]).expect("user").active,
        "an end date of tomorrow is untouched"
    );
    let again = env.sync();
    assert!(again.plan.is_empty(), "{:?}", again.plan);
}

#[test]
fn the_brake_stops_a_run_suspending_30_percent_and_force_lets_it_through() {
    let mut env = Env::new(400);
    env.sync();
    let active = env.sim.users().iter().filter(|u| u.active).count();
    let people = env.open_ended(active * 3 / 10);
    for id in &people {
        env.set_end(*id, "2026-10-31");
    }
    env.sim.clear_journal();
    let braked = env.sync();
    assert!(braked.brake.engaged, "{:?}", braked.brake);
    assert!(braked.brake.share >= 0.29, "{:?}", braked.brake);
    assert_eq!(braked.done, 0);
    assert_eq!(env.writes(), Vec::<String>::new(), "nothing suspended");
    let forced = env.sync_with(false, true);
    assert!(!forced.brake.engaged);
    assert_eq!((forced.done, forced.failed), (people.len() as u64, 0));
    assert!(
        people
            .iter()
            .all(|id| !env.sim.user(*id).expect("user").active)
    );
}

#[test]
fn a_platform_owned_change_reaches_peoplespheres_and_an_hr_owned_one_does_not() {
    let mut env = Env::new(50);
    env.sync();
    let target = env.open_ended(1)[0];
    let identity = identities::by_source(env.store.conn(), &target.to_string())
        .expect("query")
        .expect("imported");
    let first_name = env
        .sim
        .user(target)
        .and_then(|u| u.text("usr_first_name").map(String::from));
    env.store
        .transaction(|c| {
            identities::put_attr(
                c,
                identity.id,
                "phone",
                &StoredAttr {
                    value: vec![Value::Text("+33 1 99 88 77 66".into())],
                    source_value: None,
                    pending: true,
                },
            )?;
            // first_name is HR-owned: a platform-side value never goes upstream.
            identities::put_attr(
                c,
                identity.id,
                "first_name",
                &StoredAttr {
                    value: vec![Value::Text("Platformname".into())],
                    source_value: None,
                    pending: true,
                },
            )
        })
        .expect("platform change");
    let run = env.sync();
    assert_eq!(run.planned(ActionKind::Update), 1, "{:?}", run.plan);
    assert_eq!(
        (run.done, run.failed),
        (1, 0),
        "{:?}",
        env.events(run.run_id, EventKind::ActionFailed)
    );
    let user = env.sim.user(target).expect("user");
    assert_eq!(user.text("professional_phone"), Some("+33 1 99 88 77 66"));
    assert_eq!(
        user.text("usr_first_name").map(String::from),
        first_name,
        "HR's value is not overwritten"
    );
    let again = env.sync();
    assert!(
        again.plan.is_empty() && again.counts.drifts == 0,
        "{:?}",
        again.plan
    );
}

#[test]
fn an_identity_created_on_the_platform_is_created_in_peoplespheres_with_its_links() {
    let mut env = Env::new(30);
    env.sync();
    let before = env.sim.user_count();
    // Through the platform-side operation `identities create` runs: checked and typed.
    let mapping = Mapping::default_peoplespheres().expect("default mapping");
    let (fields, mapping) = platform::catalogue(&env.store, mapping).expect("catalogue");
    let raw: Vec<(String, Vec<String>)> = [
        ("first_name", "Zoé"),
        ("last_name", "Nouveau"),
        ("email", "zoe.nouveau@demo.example"),
        ("username", "zoe.nouveau"),
        ("manager", "2"),
        ("hr_manager", "3"),
        ("mentor", "4"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
    .collect();
    let change = platform::prepare(&env.store, &fields, &mapping, None, &raw).expect("valid");
    env.store
        .transaction(|c| platform::write(c, &change))
        .expect("platform identity");
    let run = env.sync();
    assert_eq!(run.planned(ActionKind::Create), 1);
    assert_eq!(
        (run.done, run.failed),
        (1, 0),
        "{:?}",
        env.events(run.run_id, EventKind::ActionFailed)
    );
    assert_eq!(env.sim.user_count(), before + 1);
    let created = env
        .sim
        .users()
        .into_iter()
        .find(|u| u.text("professional_email") == Some("zoe.nouveau@demo.example"))
        .expect("created");
    assert_eq!(
        (
            created.text("manager"),
            created.text("hr"),
            created.text("mentor")
        ),
        (Some("2"), Some("3"), Some("4"))
    );
    let again = env.sync();
    assert!(
        again.plan.is_empty() && again.counts.joiners == 0,
        "no duplicate creation: {:?}",
        again.plan
    );
}
