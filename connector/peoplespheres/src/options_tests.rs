//! Option values and trees over the scripted transport: every record form resolves to one
//! option with its full label path, unmatched values are kept raw and logged once per field,
//! options missing from `/fields` are listed once per session (flat when the tenant answers
//! flat, level by level otherwise, paged when it pages), and a capped GraphQL `first` is learnt.

use serde_json::{Value as Json, json};

use crate::fake::Fake;
use crate::model::{ChoiceValue, User, Value};
use crate::session::Session;
use crate::tests::{BASE, conn, session, token};

/// A hierarchy field `usr_site` (id 31) and a list `usr_level` (id 32) with these options.
fn fields(site: Json, level: Json) -> Json {
    json!({"data": [
        {"id": 1, "alias": "usr_first_name", "name": "Prénom", "type": {"alias": "text"}},
        {"id": 31, "alias": "usr_site", "name": "Site", "type": {"alias": "hierarchy"}, "options": site},
        {"id": 32, "alias": "usr_level", "name": "Niveau", "type": {"alias": "list"}, "options": level},
    ]})
}

fn opt(id: u64, name: &str, parent: Option<u64>, kids: bool) -> Json {
    json!({"id": id, "name": name, "value": id.to_string(), "alias": format!("a_{}", name.to_lowercase()),
           "parent_id": parent, "has_children": kids, "is_selectable": !kids})
}

fn whole() -> Json {
    json!([
        opt(1, "Europe", None, true),
        opt(2, "France", Some(1), true),
        opt(3, "Lyon", Some(2), false),
        opt(4, "Asia", None, true),
        opt(5, "Tokyo", Some(4), false)
    ])
}

fn levels() -> Json {
    json!([opt(7, "Junior", None, false), opt(8, "Senior", None, false)])
}

fn page(values: impl Fn(u64) -> Json, ids: &[u64], has_next: bool) -> Json {
    json!({"data": {"getPsoRecords": conn(ids, values, has_next, 10)}, "errors": null})
}

fn choice(user: &User, name: &str) -> Vec<(String, String)> {
    user.attributes
        .iter()
        .filter(|a| a.name == name)
        .flat_map(|a| a.values.iter())
        .filter_map(|v| match v {
            Value::Choice(ChoiceValue { id, label }) => Some((id.clone(), label.clone())),
            _ => None,
        })
        .collect()
}

fn lyon() -> Vec<(String, String)> {
    vec![("3".into(), "Europe/France/Lyon".into())]
}

fn open(site: Json) -> Session<Fake> {
    let s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &fields(site, levels()));
    s
}

#[test]
fn every_record_form_names_the_same_option() {
    let forms = [
        json!("3"),
        json!(3),
        json!("a_lyon"),
        json!("Lyon"),
        json!("lyon"),
        json!({"id": 3, "name": "Lyon"}),
        json!({"alias": "a_lyon"}),
        json!({"name": "Lyon"}),
        json!(["3"]),
    ];
    let mut s = open(whole());
    let ids: Vec<u64> = (1..=forms.len() as u64).collect();
    let f = forms.clone();
    s.transport().push_json(
        200,
        &page(move |i| json!({"usr_site": f[i as usize - 1]}), &ids, false),
    );
    let users = s.list_users(None, 100).unwrap().users;
    for (u, raw) in users.iter().zip(forms.iter()) {
        assert_eq!(choice(u, "usr_site"), lyon(), "{raw}");
    }
    // Options were whole in /fields: no listing, no warning.
    assert_eq!(s.transport().count(), 3);
    assert!(
        !s.transport()
            .logs
            .borrow()
            .iter()
            .any(|l| l.starts_with("Warn"))
    );
}

#[test]
fn unmatched_values_stay_raw_and_are_logged_once_per_field() {
    let mut s = open(whole());
    s.transport().push_json(
        200,
        &page(
            |i| json!({"usr_site": format!("ghost-{i}"), "usr_level": "Senior"}),
            &[1, 2, 3],
            false,
        ),
    );
    // The unmatched value makes the connector list the field once: still nothing.
    s.transport().push_json(200, &json!({"data": whole()}));
    let users = s.list_users(None, 100).unwrap().users;
    assert_eq!(
        choice(&users[1], "usr_site"),
        vec![("ghost-2".to_string(), "ghost-2".to_string())]
    );
    assert_eq!(
        choice(&users[0], "usr_level"),
        vec![("8".into(), "Senior".into())]
    );
    let warns: Vec<String> = s
        .transport()
        .logs
        .borrow()
        .iter()
        .filter(|l| l.starts_with("Warn"))
        .cloned()
        .collect();
    assert_eq!(warns.len(), 1, "{warns:?}");
    assert!(warns[0].contains("usr_site") && warns[0].contains("ghost-1"));
    // A second page with more unknown values: no new listing, no new warning.
    s.transport()
        .push_json(200, &page(|_| json!({"usr_site": "ghost-x"}), &[4], false));
    s.list_users(None, 100).unwrap();
    assert_eq!(s.transport().count(), 5);
    assert_eq!(
        s.transport()
            .logs
            .borrow()
            .iter()
            .filter(|l| l.starts_with("Warn"))
            .count(),
        1
    );
}

#[test]
fn roots_only_and_a_flat_answer_cost_one_call_per_field_per_session() {
    let roots = json!([opt(1, "Europe", None, true), opt(4, "Asia", None, true)]);
    let mut s = open(roots);
    let f = s.transport();
    f.push_json(200, &page(|_| json!({"usr_site": "3"}), &[1, 2], true));
    f.push_json(200, &json!({"data": whole()}));
    f.push_json(200, &page(|_| json!({"usr_site": "5"}), &[3], false));
    let first = s.list_users(None, 2).unwrap();
    assert_eq!(choice(&first.users[0], "usr_site"), lyon());
    let next = s.list_users(first.next_page_token.as_deref(), 2).unwrap();
    assert_eq!(
        choice(&next.users[0], "usr_site"),
        vec![("5".into(), "Asia/Tokyo".into())]
    );
    let f = s.transport();
    assert_eq!(f.count(), 5);
    assert_eq!(
        f.request(3).url,
        format!("{BASE}/fields/31/options?no-pagination=1")
    );
    // list-choices reads the same tree: children believed and present, no call.
    let europe = s.list_choices("usr_site", None).unwrap();
    assert!(europe.iter().all(|c| c.has_children));
    let france = s.list_choices("usr_site", Some("2")).unwrap();
    assert_eq!(france[0].path, "Europe/France/Lyon");
    assert_eq!(s.transport().count(), 5);
}

/// The answers to the level listings under Europe (1), Asia (4) and France (2), in walk order.
fn push_branch_levels(f: &Fake) {
    let lvl = |items: Json| json!({"data": items});
    f.push_json(
        200,
        &lvl(json!([{"id": 2, "name": "France", "has_children": true}])),
    );
    f.push_json(
        200,
        &lvl(json!([{"id": 5, "name": "Tokyo", "has_children": false}])),
    );
    f.push_json(
        200,
        &lvl(json!([{"id": 3, "name": "Lyon", "alias": "a_lyon", "has_children": false}])),
    );
}

#[test]
fn options_absent_and_listed_by_level_are_walked_once() {
    let mut s = open(json!([]));
    let f = s.transport();
    f.push_json(200, &page(|_| json!({"usr_site": "a_lyon"}), &[1], false));
    // Roots, then each branch once (no parent_id in level answers).
    let lvl = |items: Json| json!({"data": items});
    f.push_json(200, &lvl(json!([{"id": 1, "name": "Europe", "has_children": true}, {"id": 4, "name": "Asia", "has_children": true}])));
    push_branch_levels(f);
    let users = s.list_users(None, 100).unwrap().users;
    assert_eq!(choice(&users[0], "usr_site"), lyon());
    let f = s.transport();
    assert_eq!(f.remaining(), 0);
    assert_eq!(
        f.request(4).url,
        format!("{BASE}/fields/31/options?no-pagination=1&parent=1")
    );
    assert_eq!(
        f.request(5).url,
        format!("{BASE}/fields/31/options?no-pagination=1&parent=4")
    );
    assert_eq!(
        f.request(6).url,
        format!("{BASE}/fields/31/options?no-pagination=1&parent=2")
    );
}

#[test]
fn a_tenant_that_pages_anyway_is_followed() {
    let mut s = open(json!([]));
    let f = s.transport();
    f.push_json(200, &page(|_| json!({"usr_site": "Lyon"}), &[1], false));
    let items = whole();
    let meta = |p: u64| json!({"pagination": {"total": 5, "count": 3, "per_page": 3, "current_page": p, "total_pages": 2}});
    f.push_json(
        200,
        &json!({"data": items.as_array().unwrap()[..3], "meta": meta(1)}),
    );
    f.push_json(
        200,
        &json!({"data": items.as_array().unwrap()[3..], "meta": meta(2)}),
    );
    let users = s.list_users(None, 100).unwrap().users;
    assert_eq!(choice(&users[0], "usr_site"), lyon());
    assert_eq!(
        s.transport().request(4).url,
        format!("{BASE}/fields/31/options?page=2&per-page=3")
    );
    assert_eq!(s.transport().remaining(), 0);
}

#[test]
fn a_capped_first_is_learnt_from_the_refusal() {
    let mut s = open(whole());
    let f = s.transport();
    f.push_json(
        200,
        &json!({"data": null, "errors": [{"message": "Argument \"first\" must be between 0 and 100, got 500."}]}),
    );
    f.push_json(200, &page(|_| json!({}), &[1, 2], true));
    f.push_json(200, &page(|_| json!({}), &[3], false));
    let first = s.list_users(None, 500).unwrap();
    assert_eq!(first.users.len(), 2);
    s.list_users(first.next_page_token.as_deref(), 500).unwrap();
    let f = s.transport();
    let body = |i| serde_json::from_str::<Json>(&f.body(i)).unwrap();
    assert_eq!(body(2)["variables"]["first"], 500);
    assert_eq!(body(3)["variables"]["first"], 100);
    assert_eq!(body(4)["variables"]["first"], 100, "the cap is kept");
    assert!(crate::api::graphql::smaller_first("syntax error", 500).is_none());
    assert_eq!(
        crate::api::graphql::smaller_first("first: too large", 500),
        Some(100)
    );
    assert_eq!(
        crate::api::graphql::smaller_first("first: too large", 50),
        None
    );
}

#[test]
fn a_level_walk_cut_by_a_rate_limit_resumes_where_it_stopped() {
    let mut s = open(json!([]));
    let lvl = |items: Json| json!({"data": items});
    let f = s.transport();
    f.push_json(200, &page(|_| json!({"usr_site": "a_lyon"}), &[1], false));
    f.push_json(200, &lvl(json!([{"id": 1, "name": "Europe", "has_children": true}, {"id": 4, "name": "Asia", "has_children": true}])));
    f.push_with(
        429,
        "{\"message\":\"Too Many Attempts.\"}",
        &[("retry-after", "2")],
    );
    let err = s.list_users(None, 100).unwrap_err();
    assert!(
        matches!(err, crate::model::Error::RateLimited(_)),
        "{err:?}"
    );
    // The same call again: the roots are not listed a second time.
    let f = s.transport();
    let before = f.count();
    f.push_json(200, &page(|_| json!({"usr_site": "a_lyon"}), &[1], false));
    push_branch_levels(f);
    let users = s.list_users(None, 100).unwrap().users;
    assert_eq!(choice(&users[0], "usr_site"), lyon());
    let f = s.transport();
    assert_eq!(f.remaining(), 0);
    assert_eq!(
        f.request(before + 1).url,
        format!("{BASE}/fields/31/options?no-pagination=1&parent=1")
    );
}
