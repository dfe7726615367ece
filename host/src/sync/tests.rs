//! Engine tests against the fake tenant of `test_harness`: joiners and idempotence, movers,
//! the leaver policy with dry run and brake, write-back, bad records, mapping errors, and the
//! reconciliation of a creation whose confirmation was lost.

use super::test_harness::{Harness, field, set, text};
use super::*;
use crate::model::{Attribute, AttributeChange, ChangeOp, FieldType, User, Value};

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
    let movers = h.events(r.run_id, crate::store::EventKind::Mover);
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
    let id = h.identity_of(2);
    h.edit_on_platform(id, "email", "new@example.com", "p2@example.com");
    // HR-owned value changed on the platform by hand: the import puts HR's value back, nothing is pushed.
    h.edit_on_platform(id, "first_name", "Hacked", "First2");
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
    let id = h.insert_platform_identity("New", &[("email", text("new@example.com"))]);
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
                crate::store::ActionKind::Create,
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
