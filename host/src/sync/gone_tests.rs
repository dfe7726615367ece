//! What `on_gone` does, each value observably apart; what a gone account no longer gets (a
//! write-back); and the two shares set to other values than their defaults.

use super::mapping::OnGone;
use super::test_harness::{Harness, set};
use crate::model::Value;
use crate::store::{AccountStatus, EventKind, identities};

/// A harness whose person 9 also has an active account in another system, then is gone.
fn gone_with(on_gone: OnGone) -> (Harness, super::SyncReport, i64) {
    let mut h = Harness::new(20);
    h.mapping.policy.on_gone = on_gone;
    h.sync(false, false);
    let id = h.identity_of(9);
    h.store
        .transaction(|c| identities::put_account(c, id, "scim-app", "u-9", AccountStatus::Active))
        .expect("account elsewhere");
    h.remove(&[9]);
    let r = h.sync(false, false);
    (h, r, id)
}

fn status_elsewhere(h: &Harness, id: i64) -> AccountStatus {
    h.store
        .conn()
        .query_row(
            "SELECT status FROM accounts WHERE identity_id = ?1 AND system = 'scim-app'",
            [id],
            |r| r.get(0),
        )
        .expect("account")
}

fn active(h: &Harness, id: i64) -> bool {
    identities::by_id(h.store.conn(), id)
        .expect("query")
        .expect("identity")
        .active
}

#[test]
fn deprovision_makes_a_leaver_and_marks_the_accounts_elsewhere() {
    let (h, r, id) = gone_with(OnGone::Deprovision);
    assert_eq!(
        (r.counts.gone, r.counts.leavers, r.counts.reviews),
        (1, 1, 0)
    );
    assert_eq!((r.gone.leavers, r.gone.other_accounts), (1, 1));
    assert!(!active(&h, id));
    assert_eq!(status_elsewhere(&h, id), AccountStatus::Deprovision);
    let leaver = h.events(r.run_id, EventKind::Leaver);
    assert_eq!(leaver.len(), 1);
    assert!(
        leaver[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("1 account(s) in other systems to deprovision")),
        "{:?}",
        leaver[0].detail
    );
}

#[test]
fn review_makes_a_leaver_and_asks_for_a_review_touching_nothing_elsewhere() {
    let (h, r, id) = gone_with(OnGone::Review);
    assert_eq!(
        (r.counts.gone, r.counts.leavers, r.counts.reviews),
        (1, 1, 1)
    );
    assert_eq!((r.gone.leavers, r.gone.other_accounts), (1, 1));
    assert!(!active(&h, id));
    assert_eq!(status_elsewhere(&h, id), AccountStatus::Active);
    assert_eq!(h.events(r.run_id, EventKind::Review).len(), 1);
    assert!(h.events(r.run_id, EventKind::Leaver).is_empty());
}

#[test]
fn ignore_records_the_gone_event_only() {
    let (h, r, id) = gone_with(OnGone::Ignore);
    assert_eq!(
        (r.counts.gone, r.counts.leavers, r.counts.reviews),
        (1, 0, 0)
    );
    assert_eq!((r.gone.leavers, r.gone.other_accounts), (0, 0));
    assert!(active(&h, id), "not made a leaver");
    assert_eq!(status_elsewhere(&h, id), AccountStatus::Active);
    assert_eq!(h.events(r.run_id, EventKind::Gone).len(), 1);
    assert!(h.events(r.run_id, EventKind::Review).is_empty());
    assert!(h.events(r.run_id, EventKind::Leaver).is_empty());
}

#[test]
fn a_write_back_is_not_planned_for_an_account_gone_from_the_source() {
    let mut h = Harness::new(20);
    h.sync(false, false);
    let id = h.identity_of(4);
    h.edit_on_platform(id, "email", "new4@example.com", "p4@example.com");
    h.remove(&[4]);
    let r = h.sync(false, false);
    assert_eq!(r.counts.gone, 1);
    assert_eq!(r.planned(super::ActionKind::Update), 0, "{:?}", r.plan);
    assert_eq!((r.done, r.failed), (0, 0));
    assert!(h.calls().is_empty());
}

#[test]
fn the_gone_share_can_be_set() {
    // 3 of 20 missing (15%) is held under the default 10%, let through under 20%.
    let mut h = Harness::new(20);
    h.mapping.policy.max_gone_share = 0.20;
    h.sync(false, false);
    h.remove(&[3, 4, 5]);
    let r = h.sync(false, false);
    assert!(!r.gone.held, "{:?}", r.gone);
    assert_eq!(r.counts.gone, 3);
    // 2 of 20 (10%) is held under 5%.
    let mut h2 = Harness::new(20);
    h2.mapping.policy.max_gone_share = 0.05;
    h2.sync(false, false);
    h2.remove(&[3, 4]);
    let r = h2.sync(false, false);
    assert!(r.gone.held);
    assert!(
        r.gone.message().contains("above the 5.0% limit"),
        "{}",
        r.gone.message()
    );
}

#[test]
fn the_skipped_share_can_be_set() {
    let mut h = Harness::new(20);
    h.mapping.policy.max_skipped_share = 0.01;
    h.sync(false, false);
    // 1 of 20 (5%): under the default it goes on; under 1% nothing changes upstream.
    h.edit(2, |u| {
        set(
            u,
            "contract.end_date",
            vec![Value::Date("2026-13-45".into())],
        )
    });
    let r = h.sync(false, false);
    assert!(r.skip_brake);
    assert_eq!(r.status, crate::store::RunStatus::Braked);
}

#[test]
fn every_share_is_a_number_between_0_and_1() {
    let base = "[[attribute]]\nname = \"contract_end\"\nfield = \"contract.end_date\"\n";
    for key in ["max_suspend_share", "max_gone_share", "max_skipped_share"] {
        let text = format!("[policy]\n{key} = 1.5\n{base}");
        let e = super::Mapping::parse("m.toml", &text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("m.toml") && e.contains(&format!("policy.{key} = 1.5")),
            "{key}: {e}"
        );
    }
}
