//! Session-level tests over the scripted transport: auth lifecycle, call counts, paging,
//! get-user and list-choices.

use crate::api;
use crate::fake::Fake;
use crate::fields::tests::seeded_fields_json;
use crate::http::{Method, TransportError};
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
        "pageInfo": {"startCursor": ids.first().map(|i| api::cursor_for_id(*i)),
                     "endCursor": ids.last().map(|i| api::cursor_for_id(*i)),
                     "hasNextPage": has_next, "hasPreviousPage": false},
        "edges": ids.iter().map(|i| serde_json::json!({"cursor": api::cursor_for_id(*i),
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
fn token_then_probe() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert_eq!(f.count(), 2);
    let t = f.request(0);
    assert_eq!(t.method, Method::Post);
    assert_eq!(
        t.url,
        format!("{BASE}/auth/realms/Internal-idp/protocol/openid-connect/token")
    );
    assert_eq!(
        f.body(0),
        "grant_type=password&client_id=web-app&username=jane%40corp.fr&password=S3cret-pw%21"
    );
    assert_eq!(
        f.request(1).url,
        format!("{BASE}/search?pso-type=usr&per-page=1")
    );
    assert_eq!(f.auth_header(1).as_deref(), Some("Bearer AT1"));
    // cached token
    f.push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(s.transport().count(), 3);
}

#[test]
fn refresh_before_expiry_and_relogin_after_refresh_expiry() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    s.transport().advance(230); // 70 s left: still fine
    s.transport().push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(s.transport().count(), 3);
    s.transport().advance(20); // 50 s left: refresh first
    s.transport()
        .push_json(200, &token(2))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert_eq!(
        f.body(3),
        "grant_type=refresh_token&client_id=web-app&refresh_token=RT1"
    );
    assert_eq!(f.auth_header(4).as_deref(), Some("Bearer AT2"));
    assert!(
        f.logs
            .borrow()
            .iter()
            .any(|l| l.contains("token refreshed"))
    );
    // Past the refresh token's lifetime: a password login.
    f.advance(40_000);
    f.push_json(200, &token(3)).push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert!(s.transport().body(5).starts_with("grant_type=password"));
}

#[test]
fn unauthorized_api_refreshes_once_and_retries_once() {
    let mut s = session();
    let f = s.transport();
    f.push_json(200, &token(1))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push_json(200, &token(2))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert_eq!(f.count(), 4);
    assert!(f.body(2).starts_with("grant_type=refresh_token"));
    assert_eq!(f.auth_header(3).as_deref(), Some("Bearer AT2"));

    // Twice 401: unauthorized, no third attempt.
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push_json(200, &token(2))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#);
    assert!(matches!(s.test_connection(), Err(Error::Unauthorized(_))));
    assert_eq!(s.transport().count(), 4);
}

#[test]
fn refresh_failure_falls_back_to_login() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push(
            400,
            r#"{"error":"invalid_grant","error_description":"Token is not active"}"#,
        )
        .push_json(200, &token(2))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert!(f.body(2).starts_with("grant_type=refresh_token"));
    assert!(f.body(3).starts_with("grant_type=password"));
    assert_eq!(f.auth_header(4).as_deref(), Some("Bearer AT2"));
}

#[test]
fn client_id_fallback() {
    let mut s = session();
    s.transport()
        .push(
            401,
            r#"{"error":"invalid_client","error_description":"Invalid client credentials"}"#,
        )
        .push_json(200, &token(1))
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    let f = s.transport();
    assert!(f.body(0).contains("client_id=web-app&"));
    assert!(f.body(1).contains("client_id=monportailrh-web-app&"));
    // Refreshes keep the client id that worked.
    f.advance(280);
    f.push_json(200, &token(2)).push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(
        s.transport().body(3),
        "grant_type=refresh_token&client_id=monportailrh-web-app&refresh_token=RT1"
    );
}

#[test]
fn wrong_password_is_unauthorized_without_the_password() {
    let mut s = session();
    s.transport().push(
        401,
        r#"{"error":"invalid_grant","error_description":"Invalid user credentials"}"#,
    );
    let err = s.test_connection().unwrap_err();
    assert_eq!(err, Error::Unauthorized("invalid credentials".into()));
    assert_no_secret(s.transport(), &err);
    assert!(!format!("{s:?}").contains(PASSWORD));
    // Both client ids refused: still no secret.
    let mut s = session();
    s.transport()
        .push(401, r#"{"error":"invalid_client"}"#)
        .push(401, r#"{"error":"invalid_client"}"#);
    let err = s.test_connection().unwrap_err();
    assert!(matches!(err, Error::Unauthorized(_)));
    assert_no_secret(s.transport(), &err);
}

#[test]
fn transport_failures() {
    let mut s = session();
    s.transport()
        .push_err(TransportError::Denied("HttpRequestDenied".into()));
    assert!(matches!(s.test_connection(), Err(Error::EgressDenied(_))));
    assert_eq!(s.transport().count(), 1, "egress-denied is not retried");
    // Transient failures of a read are retried twice (200 ms, 600 ms), then reported.
    for _ in 0..3 {
        s.transport()
            .push_err(TransportError::Unavailable("ConnectionRefused".into()));
    }
    assert!(matches!(s.test_connection(), Err(Error::Unavailable(_))));
    assert_eq!(*s.transport().sleeps.borrow(), vec![200, 600]);
    s.transport().push_json(200, &token(1));
    for _ in 0..3 {
        s.transport().push(503, "down");
    }
    assert!(matches!(s.test_connection(), Err(Error::Unavailable(_))));
    s.transport().push_with(
        429,
        r#"{"message":"Too Many Attempts.","status_code":429}"#,
        &[("Retry-After", "12")],
    );
    let before = s.transport().count();
    assert_eq!(s.test_connection(), Err(Error::RateLimited(12)));
    assert_eq!(s.transport().count(), before + 1, "429 is not retried");
    for _ in 0..3 {
        s.transport().push(200, "<html>");
    }
    assert!(matches!(s.test_connection(), Err(Error::Protocol(_))));
    // One failure then success: transparent.
    s.transport()
        .push(502, "")
        .push(200, r#"{"data":{"da"#)
        .push_json(200, &search_ok());
    s.test_connection().unwrap();
    assert_eq!(s.transport().remaining(), 0);
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
    assert_eq!(second["variables"]["after"], api::cursor_for_id(100));
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
    assert_eq!(body["variables"]["after"], api::cursor_for_id(41));
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
    assert_eq!(
        s.transport().request(2).url,
        format!("{BASE}/fields/31/options")
    );
    assert_eq!(
        s.transport().request(3).url,
        format!("{BASE}/fields/31/options?parent=1")
    );
}

#[test]
fn graphql_unauthenticated_answered_200_renews_the_token_too() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push(
            200,
            r#"{"data":null,"errors":[{"message":"Unauthenticated.","extensions":{"category":"authentication"}}]}"#,
        )
        .push_json(200, &token(2))
        .push_json(200, &users_answer(&[1], false, 1, true));
    assert_eq!(s.list_users(None, 10).unwrap().users.len(), 1);
    assert_eq!(s.transport().remaining(), 0);
}

#[test]
fn graphql_unauthenticated_is_retried() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push_json(200, &token(2))
        .push_json(200, &users_answer(&[1], false, 1, true));
    assert_eq!(s.list_users(None, 10).unwrap().users.len(), 1);
    assert_eq!(s.transport().remaining(), 0);
}
