//! What an IT team relies on: a dry run changes nothing a later run sees; people who vanish
//! from a complete listing are caught (and a partial listing never makes anyone vanish); a
//! mapping that skips too many records changes nothing upstream.

use super::test_harness::{Harness, set};
use crate::model::Value;

fn all_events(h: &Harness, run: i64) -> Vec<crate::store::EventRow> {
    crate::store::audit::events(
        h.store.conn(),
        &crate::store::EventFilter {
            run_id: Some(run),
            ..Default::default()
        },
    )
    .expect("events")
}

/// What a run detected (the actions a real run then takes are left out).
fn kinds(h: &Harness, run: i64) -> Vec<String> {
    let actions = ["created", "updated", "suspended", "action-failed"];
    let mut k: Vec<String> = all_events(h, run)
        .into_iter()
        .map(|e| e.kind.to_string())
        .filter(|k| !actions.contains(&k.as_str()))
        .collect();
    k.sort();
    k
}

#[test]
fn a_dry_run_changes_nothing_the_next_run_sees() {
    let mut h = Harness::new(20);
    h.sync(false, false);
    h.edit(5, |u| set(u, "manager", vec![Value::Reference("2".into())]));
    h.edit(6, |u| {
        set(
            u,
            "contract.end_date",
            vec![Value::Date("2026-11-01".into())],
        )
    });
    let dry = h.sync(true, false);
    let real = h.sync(false, false);
    assert_eq!(dry.counts, real.counts);
    assert_eq!(dry.counts.movers, 1);
    assert_eq!(
        dry.plan
            .iter()
            .map(super::plan::describe)
            .collect::<Vec<_>>(),
        real.plan
            .iter()
            .map(super::plan::describe)
            .collect::<Vec<_>>()
    );
    assert_eq!(real.planned(super::ActionKind::Suspend), 1);
    // The dry run's events are kept, and marked.
    let dry_events = all_events(&h, dry.run_id);
    assert!(!dry_events.is_empty());
    assert!(dry_events.iter().all(|e| e.dry_run));
    assert!(all_events(&h, real.run_id).iter().all(|e| !e.dry_run));
    assert_eq!(kinds(&h, dry.run_id), kinds(&h, real.run_id));
    let again = h.sync(false, false);
    assert_eq!(again.counts.movers, 0);
}

#[test]
fn people_missing_from_a_complete_listing_are_gone_and_come_back_as_returners() {
    let mut h = Harness::new(20);
    h.sync(false, false);
    h.remove(&[7, 8]);
    let r = h.sync(false, false);
    assert_eq!((r.counts.gone, r.counts.leavers), (2, 2));
    assert!(!r.gone.held);
    let gone = h.events(r.run_id, crate::store::EventKind::Gone);
    assert_eq!(gone.len(), 2);
    assert!(gone[0].subject.contains("(7)"), "{}", gone[0].subject);
    // Nothing to suspend at the source: they are not there any more.
    assert_eq!(r.planned(super::ActionKind::Suspend), 0);
    let quiet = h.sync(false, false);
    assert_eq!(quiet.counts.gone, 0, "gone once, not every run");
    h.restore(7);
    let back = h.sync(false, false);
    assert_eq!(back.counts.returners, 1);
    assert_eq!(
        h.events(back.run_id, crate::store::EventKind::Returner)
            .len(),
        1
    );
}

#[test]
fn a_listing_missing_more_than_the_share_holds_every_gone_unless_forced() {
    let mut h = Harness::new(20);
    h.sync(false, false);
    h.remove(&[3, 4, 5]);
    let held = h.sync(false, false);
    assert!(held.gone.held);
    assert_eq!((held.counts.gone, held.counts.gone_held), (0, 3));
    assert_eq!(held.status, crate::store::RunStatus::Braked);
    assert!(
        held.gone.message().contains("3 of 20"),
        "{}",
        held.gone.message()
    );
    assert!(
        h.events(held.run_id, crate::store::EventKind::Gone)
            .is_empty()
    );
    let forced = h.sync(false, true);
    assert_eq!(forced.counts.gone, 3);
}

#[test]
fn a_listing_cut_short_never_makes_anyone_gone() {
    let mut h = Harness::new(20);
    h.sync(false, false);
    h.tenant.lock().expect("lock").fail_after_first_page = true;
    assert!(h.try_sync(true).is_err());
    h.tenant.lock().expect("lock").fail_after_first_page = false;
    let r = h.sync(false, false);
    assert_eq!((r.counts.gone, r.counts.gone_held), (0, 0));
}

#[test]
fn the_review_policy_asks_for_a_review_of_each_gone_person() {
    let mut h = Harness::new(20);
    h.mapping.policy.on_gone = super::mapping::OnGone::Review;
    h.sync(false, false);
    h.remove(&[9]);
    let r = h.sync(false, false);
    assert_eq!(r.counts.gone, 1);
    assert_eq!(h.events(r.run_id, crate::store::EventKind::Review).len(), 1);
}

#[test]
fn too_many_skipped_records_change_nothing_upstream() {
    let mut h = Harness::new(20);
    h.sync(false, false);
    let bad = |u: &mut crate::model::User| {
        set(
            u,
            "contract.end_date",
            vec![Value::Date("2026-13-45".into())],
        )
    };
    h.edit(2, bad);
    h.edit(10, |u| {
        set(
            u,
            "contract.end_date",
            vec![Value::Date("2026-11-01".into())],
        )
    });
    // 1 of 20 (5%): the run goes on and suspends the ended contract.
    let ok = h.sync(false, false);
    assert!(!ok.skip_brake);
    assert_eq!(ok.done, 1);
    assert_eq!(ok.skipped_summary.len(), 1);
    assert_eq!(ok.skipped_summary[0].attribute, "contract_end");
    h.calls();
    for id in [3, 4, 5] {
        h.edit(id, bad);
    }
    h.edit(11, |u| {
        set(
            u,
            "contract.end_date",
            vec![Value::Date("2026-11-01".into())],
        )
    });
    let braked = h.sync(false, false);
    assert!(braked.skip_brake);
    assert_eq!(braked.status, crate::store::RunStatus::Braked);
    assert_eq!(braked.done, 0);
    assert!(h.calls().is_empty(), "nothing upstream");
    assert_eq!(braked.skipped_summary[0].count, 4);
    assert_eq!(braked.skipped_summary[0].examples.len(), 3);
}
