//! The engine's safety edges, against the fake tenant of `tests.rs`: a run `--as-of` a later day
//! does not mark newcomers as already gone (which would keep them from ever being suspended), a
//! contract end spelled other than `YYYY-MM-DD` is refused rather than compared as text, and a
//! platform identity without a match key is held instead of created.

use jiff::ToSpan;

use super::test_harness::{Harness, set, text};
use super::{ActionKind, policy};
use crate::model::Value;

#[test]
fn a_dry_run_as_of_a_later_day_does_not_keep_a_newcomer_from_being_suspended() {
    let mut h = Harness::new(20);
    // Relative to the real today, which the first-sight judgement uses.
    let today = policy::today(&h.mapping.policy, None).expect("today");
    let in_days = |n: i64| today.checked_add(n.days()).expect("a date").to_string();
    h.edit(3, |u| {
        set(u, "contract.end_date", vec![Value::Date(in_days(5))]);
    });
    // "Who has left by then?" asked before the person was ever imported.
    let preview = h.sync_as_of(true, false, &in_days(40));
    assert_eq!((preview.counts.joiners, preview.counts.reviews), (20, 0));
    let suspends = |r: &super::SyncReport| {
        r.plan
            .iter()
            .filter(|a| a.kind == ActionKind::Suspend)
            .map(|a| a.remote_id.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    assert_eq!(suspends(&preview), vec!["3".to_string()]);
    assert!(h.calls().is_empty(), "a dry run calls nothing");
    // Before the end date: nothing. After it: suspended.
    let before = h.sync_as_of(false, false, &in_days(3));
    assert!(suspends(&before).is_empty() && h.calls().is_empty());
    let after = h.sync_as_of(false, false, &in_days(10));
    assert_eq!(suspends(&after), vec!["3".to_string()]);
    assert_eq!(h.calls(), vec!["suspend 3".to_string()]);
}

#[test]
fn a_contract_end_in_another_spelling_is_refused_not_compared_as_text() {
    let mut h = Harness::new(4);
    for (id, spelling) in [
        (1, "20261120"),
        (2, "+002030-01-01"),
        (3, "2026-11-22T10:00"),
    ] {
        h.edit(id, |u| {
            set(u, "contract.end_date", vec![Value::Date(spelling.into())]);
        });
    }
    let r = h.sync(false, false);
    assert_eq!((r.counts.joiners, r.counts.skipped), (1, 3));
    assert!(
        r.skipped
            .iter()
            .all(|s| s.contains("contract_end") && s.contains("YYYY-MM-DD")),
        "{:?}",
        r.skipped
    );
    assert!(r.plan.is_empty() && h.calls().is_empty());
}

#[test]
fn a_platform_identity_without_a_match_key_is_held_not_created() {
    let mut h = Harness::new(2);
    h.sync(false, false);
    h.insert_platform_identity("No Email", &[("first_name", text("No"))]);
    let r = h.sync(false, false);
    assert!(h.calls().is_empty());
    // Held in the plan, with why; not counted as a skipped record.
    assert_eq!((r.planned(super::ActionKind::Create), r.held()), (0, 1));
    assert_eq!(r.counts.skipped, 0);
    let held = r.plan[0].held.as_deref().unwrap_or_default();
    assert!(
        r.plan[0].subject.contains("No Email") && held.contains("no email"),
        "{:?}",
        r.plan
    );
    assert!(
        super::plan::describe(&r.plan[0]).contains("held: not created"),
        "{}",
        super::plan::describe(&r.plan[0])
    );
}
