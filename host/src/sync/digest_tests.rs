//! The import's digest: an unchanged person is told apart by it, and it never hides a change.

use super::test_harness::*;
use super::*;
use crate::model::Value;

/// One column of every row a query returns.
fn column<T: rusqlite::types::FromSql>(h: &Harness, sql: &str) -> Vec<T> {
    let mut stmt = h.store.conn().prepare(sql).expect("query");
    stmt.query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("values")
}

fn digests(h: &Harness) -> Vec<Option<Vec<u8>>> {
    column(h, "SELECT source_digest FROM identities ORDER BY id")
}

/// Each identity's attributes as stored, and when its row last changed.
fn updated_at(h: &Harness) -> Vec<String> {
    column(
        h,
        "SELECT attributes || ' ' || updated_at FROM identities ORDER BY id",
    )
}

#[test]
fn a_store_without_digests_is_compared_attribute_by_attribute_and_then_gets_them() {
    let mut h = Harness::new(4);
    h.sync(false, false);
    assert!(
        digests(&h).iter().all(Option::is_some),
        "a joiner's digest is stored"
    );
    // A store written before digests existed (or whose digests were cleared).
    h.store
        .conn()
        .execute("UPDATE identities SET source_digest = NULL", [])
        .expect("clear");
    let before = updated_at(&h);
    let r = h.sync(false, false);
    assert_eq!(
        (r.counts.changes, r.counts.movers, r.plan.len()),
        (0, 0, 0),
        "nothing changed"
    );
    assert_eq!(updated_at(&h), before, "no attribute was rewritten");
    assert!(
        digests(&h).iter().all(Option::is_some),
        "the digests are back"
    );
}

#[test]
fn a_change_at_the_source_is_seen_whatever_the_stored_digest() {
    let mut h = Harness::new(3);
    h.sync(false, false);
    h.edit(2, |u| set(u, "first_name", vec![text("Renamed")]));
    let r = h.sync(false, false);
    assert_eq!(r.counts.changes, 1);
    // The change was stored with a new digest: a third run finds nothing.
    let third = h.sync(false, false);
    assert_eq!((third.counts.changes, third.plan.len()), (0, 0));
    // Back to the first value: the digest it had before is not mistaken for the current one.
    h.edit(2, |u| set(u, "first_name", vec![text("  First2 ")]));
    let r = h.sync(false, false);
    assert_eq!(r.counts.changes, 1);
}

#[test]
fn a_platform_edit_clears_the_digest_so_the_next_import_weighs_it() {
    let mut h = Harness::new(2);
    h.sync(false, false);
    let id = h.identity_of(1);
    h.edit_on_platform(id, "email", "changed@example.com", "p1@example.com");
    let stored = identities::by_id(h.store.conn(), id)
        .expect("query")
        .expect("identity");
    assert_eq!(stored.source_digest, None);
    let r = h.sync(true, false);
    assert_eq!(r.planned(ActionKind::Update), 1, "the edit is written back");
}

#[test]
fn a_new_mapping_rule_reaches_people_stored_under_the_old_mapping() {
    let mut h = Harness::new(2);
    h.sync(false, false);
    let mut with_display = h.mapping.clone();
    let mut extra = with_display.attributes[0].clone();
    extra.name = "given_name".into();
    with_display.attributes.push(extra);
    h.mapping = with_display;
    h.sync(false, false);
    let stored = identities::by_source(h.store.conn(), "1")
        .expect("query")
        .expect("identity");
    assert_eq!(
        stored.attrs.get("given_name").map(|a| a.value.clone()),
        Some(vec![Value::Text("First1".into())])
    );
}
