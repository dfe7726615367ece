//! Session-level tests over the scripted transport (call counts, paging, get-user,
//! list-choices) and the helpers every scripted test shares (auth tests: `auth_tests`).

use crate::api;
use crate::fake::Fake;
use crate::fields::tests::seeded_fields_json;
use crate::model::{Error, FieldType, Value};
use crate::session::Session;

pub(crate) const PASSWORD: &str = "S3cret-pw!";
pub(crate) const BASE: &str = "http://sim.local:8080";

pub(crate) fn pairs() -> Vec<(String, String)> {
    vec![
        ("login".into(), "jane@corp.fr".into()),
        ("password".into(), PASSWORD.into()),
        ("url".into(), BASE.into()),
    ]
}

pub(crate) fn session() -> Session<Fake> {
    Session::open(Fake::new(), &pairs()).unwrap()
}

pub(crate) fn token(n: u32) -> serde_json::Value {
    serde_json::json!({"access_token": format!("AT{n}"), "expires_in": 300, "refresh_expires_in": 36000,
        "refresh_token": format!("RT{n}"), "token_type": "Bearer", "not-before-policy": 0,
        "session_state": "s", "scope": "profile email"})
}

pub(crate) fn search_ok() -> serde_json::Value {
    serde_json::json!({"data": {"data": [], "meta": {"pagination": {"total": 0}}}})
}

pub(crate) fn conn(
    ids: &[u64],
    values: impl Fn(u64) -> serde_json::Value,
    has_next: bool,
    total: u64,
) -> serde_json::Value {
    serde_json::json!({
        "totalCount": total,
        "pageInfo": {"startCursor": ids.first().map(|i| api::graphql::cursor_for_id(*i)),
                     "endCursor": ids.last().map(|i| api::graphql::cursor_for_id(*i)),
                     "hasNextPage": has_next, "hasPreviousPage": false},
        "edges": ids.iter().map(|i| serde_json::json!({"cursor": api::graphql::cursor_for_id(*i),
            "node": {"externalId": format!("uuid-{i}"), "createdAt": "2019-07-11T09:38:42Z", "psoAlias": "usr",
                     "fieldAliasAndValue": values(*i)}})).collect::<Vec<_>>()
    })
}

pub(crate) fn user_values(i: u64) -> serde_json::Value {
    serde_json::json!({"username": format!("u{i}"), "usr_first_name": "First", "usr_last_name": format!("last{i}"),
        "usr_poste": "53", "usr_active": "usr_active_yes", "professional_phone": "null"})
}

pub(crate) fn positions() -> serde_json::Value {
    conn(
        &[50, 53],
        |i| {
            if i == 50 {
                serde_json::json!({"pos_name": "Direction"})
            } else {
                serde_json::json!({"pos_name": "CTO", "pos_parent": "50"})
            }
        },
        false,
        2,
    )
}

pub(crate) fn users_answer(
    ids: &[u64],
    has_next: bool,
    total: u64,
    with_positions: bool,
) -> serde_json::Value {
    let mut data = serde_json::json!({"getPsoRecords": conn(ids, user_values, has_next, total)});
    if with_positions {
        data["positions"] = positions();
    }
    serde_json::json!({"data": data, "errors": null})
}

pub(crate) fn assert_no_secret(fake: &Fake, err: &Error) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(PASSWORD), "password leaked in error: {text}");
    for l in fake.logs.borrow().iter() {
        assert!(
            !l.contains(PASSWORD) && !l.contains("AT1") && !l.contains("RT1"),
            "secret in log: {l}"
        );
    }
}

#[test]
fn get_fields_is_cached() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json());
    let a = s.get_fields().unwrap();
    let b = s.get_fields().unwrap();
    assert_eq!(a, b);
    assert_eq!(s.transport().count(), 2);
    assert_eq!(
        s.transport().request(1).url,
        format!(
            "{BASE}/fields?pso-type=usr&active=1&include=type,category,items,options,settings&no-pagination=1"
        )
    );
    assert!(
        a.iter()
            .any(|f| f.name == "contract.end_date" && f.field_type == FieldType::Date)
    );
}

#[test]
fn thousand_users_in_twelve_calls() {
    let mut s = session();
    let f = s.transport();
    f.push_json(200, &token(1))
        .push_json(200, &seeded_fields_json());
    for p in 0..10u64 {
        let ids: Vec<u64> = (p * 100 + 1..=p * 100 + 100).collect();
        f.push_json(200, &users_answer(&ids, p < 9, 1000, p == 0));
    }
    let mut token_in: Option<String> = None;
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = s.list_users(token_in.as_deref(), 100).unwrap();
        pages += 1;
        assert_eq!(page.total, Some(1000));
        assert_eq!(page.users.len(), 100);
        seen.extend(page.users.iter().map(|u| u.id.clone()));
        match page.next_page_token {
            Some(t) => token_in = Some(t),
            None => break,
        }
    }
    assert_eq!(pages, 10);
    assert_eq!(s.transport().count(), 12);
    // Each page after the first was asked for while the previous one was converted, and that
    // request is the one the next call used.
    assert_eq!(
        (s.transport().ahead.get(), s.transport().collected.get()),
        (9, 9)
    );
    assert_eq!(seen.first().map(String::as_str), Some("1"));
    assert_eq!(seen.last().map(String::as_str), Some("1000"));
    let f = s.transport();
    let first: serde_json::Value = serde_json::from_str(&f.body(2)).unwrap();
    assert!(
        first["query"]
            .as_str()
            .unwrap()
            .contains("positions: getPsoRecords(alias: \"pos\"")
    );
    assert_eq!(first["variables"]["first"], 100);
    assert_eq!(first["variables"]["after"], serde_json::Value::Null);
    assert!(
        first["variables"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "usr_employment_contract")
    );
    let second: serde_json::Value = serde_json::from_str(&f.body(3)).unwrap();
    assert!(!second["query"].as_str().unwrap().contains("positions"));
    assert_eq!(
        second["variables"]["after"],
        api::graphql::cursor_for_id(100)
    );
    assert_eq!(f.request(3).url, format!("{BASE}/graphql"));
    assert_eq!(f.auth_header(3).as_deref(), Some("Bearer AT1"));
}

#[test]
fn users_are_mapped_with_positions() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(200, &users_answer(&[6], false, 1, true));
    let page = s.list_users(None, 0).unwrap();
    assert_eq!(page.next_page_token, None);
    let u = &page.users[0];
    assert_eq!(
        (u.id.as_str(), u.display_name.as_str(), u.active),
        ("6", "First LAST6", true)
    );
    let pos = u.attributes.iter().find(|a| a.name == "position").unwrap();
    assert_eq!(
        pos.values,
        vec![Value::Choice(crate::model::ChoiceValue {
            id: "53".into(),
            label: "Direction/CTO".into()
        })]
    );
    let body: serde_json::Value = serde_json::from_str(&s.transport().body(2)).unwrap();
    assert_eq!(body["variables"]["first"], 100);
    // Positions are cached: listing position choices costs nothing more.
    let roots = s.list_choices("position", None).unwrap();
    assert_eq!(roots.len(), 1);
    let kids = s.list_choices("position", Some("50")).unwrap();
    assert_eq!(kids[0].path, "Direction/CTO");
    assert_eq!(s.transport().count(), 3);
}

#[test]
fn a_page_sent_ahead_for_another_question_is_dropped_unused() {
    let mut s = session();
    let f = s.transport();
    f.push_json(200, &token(1))
        .push_json(200, &seeded_fields_json());
    f.push_json(200, &users_answer(&[1, 2], true, 4, true));
    let page = s.list_users(None, 2).unwrap();
    assert!(page.next_page_token.is_some());
    assert_eq!(s.transport().ahead.get(), 1);
    // The caller starts the listing again instead of going on: the request sent ahead is not
    // the one it needs.
    s.transport()
        .push_json(200, &users_answer(&[1, 2], true, 4, false));
    let again = s.list_users(None, 2).unwrap();
    assert_eq!(again.users.len(), 2);
    assert_eq!(s.transport().collected.get(), 0);
    assert_eq!(
        s.transport().count(),
        4,
        "token, fields, and two first pages"
    );
}

#[test]
fn page_size_is_clamped_and_tokens_checked() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(200, &users_answer(&[], false, 0, true));
    let page = s.list_users(None, 5000).unwrap();
    assert!(page.users.is_empty() && page.next_page_token.is_none());
    let body: serde_json::Value = serde_json::from_str(&s.transport().body(2)).unwrap();
    assert_eq!(body["variables"]["first"], 1000);
    let before = s.transport().count();
    match s.list_users(Some("v1.@@@"), 10) {
        Err(Error::InvalidInput(a)) => assert_eq!(a.name, "page-token"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.transport().count(), before);
}

#[test]
fn get_user_paths() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(200, &users_answer(&[42], true, 100, true));
    let u = s.get_user("42").unwrap();
    assert_eq!(u.id, "42");
    let body: serde_json::Value = serde_json::from_str(&s.transport().body(2)).unwrap();
    assert_eq!(body["variables"]["first"], 1);
    assert_eq!(body["variables"]["after"], api::graphql::cursor_for_id(41));
    // The next record is another one: not found.
    s.transport()
        .push_json(200, &users_answer(&[44], true, 100, false));
    assert!(matches!(s.get_user("43"), Err(Error::NotFound(_))));
    // Nothing after: not found.
    s.transport()
        .push_json(200, &users_answer(&[], false, 100, false));
    assert!(matches!(s.get_user("4000"), Err(Error::NotFound(_))));
    // Non-numeric ids never reach the network.
    let before = s.transport().count();
    for id in ["", "abc", "-1", "0", "1.5", "99999999999999999999999"] {
        assert!(matches!(s.get_user(id), Err(Error::NotFound(_))), "{id}");
    }
    assert_eq!(s.transport().count(), before);
}

#[test]
fn list_choices_cases() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json());
    let roots = s.list_choices("business_unit", None).unwrap();
    assert_eq!(roots.len(), 1);
    assert!(roots[0].has_children);
    let paris = s.list_choices("business_unit", Some("501")).unwrap();
    assert_eq!(
        (paris[0].id.as_str(), paris[0].path.as_str()),
        ("502", "Sales/France/Paris")
    );
    assert_eq!(s.list_choices("contract.type", None).unwrap().len(), 2);
    match s.list_choices("nope", None) {
        Err(Error::InvalidInput(a)) => assert_eq!(a.name, "nope"),
        other => panic!("{other:?}"),
    }
    match s.list_choices("first_name", None) {
        Err(Error::InvalidInput(a)) => assert_eq!(a.name, "first_name"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.list_choices("active", None),
        Err(Error::InvalidInput(_))
    ));
    match s.list_choices("business_unit", Some("9999")) {
        Err(Error::InvalidInput(a)) => assert_eq!(a.name, "parent"),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.transport().count(), 2);
    // Positions not cached yet: one GraphQL call for them.
    s.transport().push_json(
        200,
        &serde_json::json!({"data": {"positions": positions()}, "errors": null}),
    );
    assert_eq!(
        s.list_choices("position", None).unwrap()[0].label,
        "Direction"
    );
    let body: serde_json::Value = serde_json::from_str(&s.transport().body(2)).unwrap();
    assert!(body["query"].as_str().unwrap().contains("alias: \"pos\""));
}

#[test]
fn options_through_rest_when_not_included() {
    let mut s = session();
    let fields = serde_json::json!({"data": [
        {"id": 31, "alias": "usr_site", "name": "Site", "type": {"alias": "hierarchy"}, "options": []}]});
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &fields)
        .push_json(200, &serde_json::json!({"data": [{"id": 1, "name": "Europe", "value": "1", "has_children": true, "is_selectable": false}]}))
        .push_json(200, &serde_json::json!({"data": [{"id": 2, "name": "Lyon", "value": "2", "has_children": false, "is_selectable": true}]}));
    let roots = s.list_choices("usr_site", None).unwrap();
    assert!(roots[0].has_children && !roots[0].selectable);
    let kids = s.list_choices("usr_site", Some("1")).unwrap();
    assert_eq!(kids[0].path, "Europe/Lyon");
    assert_eq!(kids[0].parent.as_deref(), Some("1"));
    // One walk, when the roots were first listed: unpaged roots, then Europe's level.
    assert_eq!(s.transport().count(), 4);
    assert_eq!(
        s.transport().request(2).url,
        format!("{BASE}/fields/31/options?no-pagination=1")
    );
    assert_eq!(
        s.transport().request(3).url,
        format!("{BASE}/fields/31/options?no-pagination=1&parent=1")
    );
}
