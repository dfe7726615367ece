use super::*;
use crate::fake::Fake;
use crate::fixtures;
use crate::model::{ChangeOp, Value};
use serde_json::json;

const BASE: &str = "https://scim.example/v2";
const TOKEN: &str = "tok-s3cret";

fn config() -> Vec<(String, String)> {
    vec![
        ("url".into(), format!("{BASE}/")),
        ("token".into(), TOKEN.into()),
    ]
}

/// A session whose discovery answers are queued (patch support and cursors as given).
fn session(patch: bool, cursor: bool) -> Session<Fake> {
    let s = Session::open(Fake::new(), &config()).unwrap();
    let f = &s.client.transport;
    f.push_json(200, &fixtures::spc(patch, cursor));
    f.push_json(200, &fixtures::resource_types());
    f.push_json(200, &fixtures::schemas());
    s
}

fn fake(s: &Session<Fake>) -> &Fake {
    &s.client.transport
}

fn url(s: &Session<Fake>, i: usize) -> String {
    fake(s).request(i).url
}

fn header(s: &Session<Fake>, i: usize, name: &str) -> Option<String> {
    fake(s)
        .request(i)
        .headers
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn body(s: &Session<Fake>, i: usize) -> Json {
    serde_json::from_str(&fake(s).body(i)).unwrap()
}

fn set(name: &str, v: Value) -> AttributeChange {
    AttributeChange {
        name: name.into(),
        op: ChangeOp::Set(vec![v]),
    }
}

fn list(resources: &[Json], total: u64, start: u64) -> Json {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": total,
        "startIndex": start, "itemsPerPage": resources.len(), "Resources": resources})
}

#[test]
fn open_validates_without_calling_out() {
    let e = Session::open(
        Fake::new(),
        &[
            ("url".into(), "ftp://x".into()),
            ("token".into(), "t".into()),
        ],
    );
    assert!(matches!(e, Err(Error::InvalidConfig(a)) if a.name == "url"));
    let e = Session::open(Fake::new(), &[("url".into(), BASE.into())]);
    assert!(matches!(e, Err(Error::InvalidConfig(a)) if a.name == "token"));
    let s = Session::open(Fake::new(), &config()).unwrap();
    assert_eq!(fake(&s).count(), 0);
}

#[test]
fn discovery_is_lazy_and_cached() {
    let mut s = session(true, false);
    let n = s.get_fields().unwrap().len();
    assert_eq!(s.get_fields().unwrap().len(), n);
    assert_eq!(fake(&s).count(), 3);
    assert_eq!(url(&s, 0), format!("{BASE}/ServiceProviderConfig"));
    assert_eq!(url(&s, 1), format!("{BASE}/ResourceTypes"));
    assert_eq!(url(&s, 2), format!("{BASE}/Schemas"));
    assert_eq!(
        header(&s, 2, "authorization").unwrap(),
        format!("Bearer {TOKEN}")
    );
    assert_eq!(header(&s, 2, "accept").unwrap(), "application/scim+json");
    assert!(matches!(
        s.list_choices("title", None),
        Err(Error::Unsupported(_))
    ));
}

#[test]
fn discovery_tolerates_missing_optional_endpoints() {
    let mut s = Session::open(Fake::new(), &config()).unwrap();
    fake(&s)
        .push(404, "")
        .push(404, "")
        .push_json(200, &json!([fixtures::core_schema()]));
    assert!(s.get_fields().unwrap().iter().any(|f| f.name == "userName"));
    let mut s = Session::open(Fake::new(), &config()).unwrap();
    fake(&s).push(200, "<html>");
    assert!(matches!(s.get_fields(), Err(Error::Protocol(_))));
}

#[test]
fn test_connection_checks_the_token() {
    let mut s = session(true, false);
    fake(&s).push_json(200, &list(&[], 0, 1));
    s.test_connection().unwrap();
    assert_eq!(url(&s, 3), format!("{BASE}/Users?startIndex=1&count=1"));
    fake(&s).push(401, "");
    let e = s.test_connection().unwrap_err();
    assert!(matches!(e, Error::Unauthorized(_)));
    assert!(!e.message().contains(TOKEN));
}

#[test]
fn index_paging() {
    let mut s = session(true, false);
    let u = |id: &str| json!({"id": id, "userName": id});
    fake(&s).push_json(200, &list(&[u("a"), u("b")], 3, 1));
    let p = s.list_users(None, 0).unwrap();
    // 0 is the default, clamped to filter.maxResults (200) — 100 is below it.
    assert_eq!(url(&s, 3), format!("{BASE}/Users?startIndex=1&count=100"));
    assert_eq!(
        (p.users.len(), p.total, p.next_page_token.as_deref()),
        (2, Some(3), Some("i:3"))
    );
    fake(&s).push_json(200, &list(&[u("c")], 3, 3));
    let p = s.list_users(Some("i:3"), 5000).unwrap();
    assert_eq!(url(&s, 4), format!("{BASE}/Users?startIndex=3&count=200"));
    assert_eq!((p.users[0].id.as_str(), p.next_page_token), ("c", None));
    assert!(
        matches!(s.list_users(Some("c"), 2), Err(Error::InvalidInput(a)) if a.name == "page-token")
    );
}

#[test]
fn cursor_paging() {
    let mut s = session(true, true);
    fake(&s).push_json(200, &json!({"totalResults": 2, "itemsPerPage": 1, "nextCursor": "VZ+1", "Resources": [{"id": "a", "userName": "a"}]}));
    let p = s.list_users(None, 1).unwrap();
    assert_eq!(url(&s, 3), format!("{BASE}/Users?cursor&count=1"));
    assert_eq!(p.next_page_token.as_deref(), Some("c:VZ+1"));
    fake(&s).push_json(
        200,
        &json!({"totalResults": 2, "Resources": [{"id": "b", "userName": "b"}]}),
    );
    let p = s.list_users(Some("c:VZ+1"), 1).unwrap();
    assert_eq!(url(&s, 4), format!("{BASE}/Users?cursor=VZ%2B1&count=1"));
    assert_eq!(p.next_page_token, None);
}

#[test]
fn get_user_reads_retries_and_maps_errors() {
    let mut s = session(true, false);
    fake(&s).push(503, "").push_json(200, &fixtures::alice());
    let u = s.get_user("a/b c").unwrap();
    assert_eq!(u.id, "2819c223");
    assert_eq!(url(&s, 4), format!("{BASE}/Users/a%2Fb%20c"));
    assert_eq!(*fake(&s).sleeps.borrow(), [200]);
    fake(&s).push_json(
        404,
        &json!({"status": "404", "detail": "User 'x' not found"}),
    );
    assert!(matches!(s.get_user("x"), Err(Error::NotFound(_))));
    fake(&s).push(403, "");
    assert!(matches!(s.get_user("x"), Err(Error::Forbidden(_))));
    fake(&s).push_with(429, "", &[("Retry-After", "12")]);
    assert_eq!(s.get_user("x").unwrap_err(), Error::RateLimited(12));
    fake(&s).push(200, "not json");
    assert!(matches!(s.get_user("x"), Err(Error::Protocol(_))));
    assert!(matches!(s.get_user(""), Err(Error::NotFound(_))));
}

#[test]
fn create_looks_for_a_duplicate_first() {
    let mut s = session(true, false);
    let attrs = [Attribute {
        name: "userName".into(),
        values: vec![Value::Text("al\"ice".into())],
    }];
    let mut namesake = fixtures::alice();
    namesake["userName"] = json!("AL\"ICE");
    fake(&s).push_json(200, &list(&[namesake], 1, 1));
    let e = s.create_user(&attrs).unwrap_err();
    assert!(
        matches!(e, Error::AlreadyExists(ref a) if a.name == "userName"),
        "{e:?}"
    );
    assert_eq!(
        url(&s, 3),
        format!("{BASE}/Users?filter=userName%20eq%20%22al%5C%22ice%22")
    );
    assert_eq!(fake(&s).writes().len(), 0, "nothing was written");
    // A server that ignores the filter answers with other users: not a duplicate.
    fake(&s)
        .push_json(200, &list(&[fixtures::alice()], 1, 1))
        .push_json(201, &fixtures::alice());
    s.create_user(&attrs).unwrap();
    let shift = 2;
    // No duplicate: POST, the answer is the user.
    fake(&s)
        .push_json(200, &list(&[], 0, 1))
        .push_json(201, &fixtures::alice());
    let u = s.create_user(&attrs).unwrap();
    assert_eq!(u.id, "2819c223");
    assert_eq!(url(&s, 5 + shift), format!("{BASE}/Users"));
    assert_eq!(
        header(&s, 5 + shift, "content-type").unwrap(),
        "application/scim+json"
    );
    assert_eq!(
        body(&s, 5 + shift),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "al\"ice", "active": true})
    );
    // A race lost on the server: 409 uniqueness.
    fake(&s).push_json(200, &list(&[], 0, 1)).push_json(
        409,
        &json!({"status": "409", "scimType": "uniqueness", "detail": "taken"}),
    );
    assert!(matches!(s.create_user(&attrs), Err(Error::AlreadyExists(a)) if a.name == "userName"));
    // A 400 names the field the detail names.
    let attrs2 = [
        attrs[0].clone(),
        Attribute {
            name: "title".into(),
            values: vec![Value::Text("x".into())],
        },
    ];
    fake(&s).push_json(200, &list(&[], 0, 1)).push_json(
        400,
        &json!({"status": "400", "scimType": "invalidValue", "detail": "bad title"}),
    );
    assert!(matches!(s.create_user(&attrs2), Err(Error::InvalidInput(a)) if a.name == "title"));
    // A server that cannot filter: the POST decides.
    fake(&s)
        .push_json(400, &json!({"status": "400", "scimType": "invalidFilter"}))
        .push_json(201, &fixtures::alice());
    assert_eq!(s.create_user(&attrs).unwrap().id, "2819c223");
    // Writes are not retried.
    fake(&s).push_json(200, &list(&[], 0, 1)).push(503, "");
    assert!(matches!(s.create_user(&attrs), Err(Error::Unavailable(_))));
    assert_eq!(fake(&s).remaining(), 0);
}

#[test]
fn patch_sends_if_match_and_rereads_after_204() {
    let mut s = session(true, false);
    fake(&s).push_json(200, &fixtures::alice());
    s.get_user("2819c223").unwrap();
    fake(&s).push(204, "").push_json(200, &fixtures::alice());
    let u = s
        .update_user("2819c223", &[set("title", Value::Text("CTO".into()))])
        .unwrap();
    assert_eq!(u.id, "2819c223");
    assert_eq!(fake(&s).request(4).method, Method::Patch);
    assert_eq!(header(&s, 4, "if-match").as_deref(), Some("W/\"3\""));
    assert_eq!(
        body(&s, 4)["Operations"],
        json!([{"op": "replace", "path": "title", "value": "CTO"}])
    );
    assert_eq!(fake(&s).request(5).method, Method::Get);
}

#[test]
fn a_412_rereads_and_retries_once() {
    let mut s = session(true, false);
    let mut newer = fixtures::alice();
    newer["meta"]["version"] = json!("W/\"4\"");
    fake(&s).push_json(200, &fixtures::alice());
    s.get_user("2819c223").unwrap();
    fake(&s)
        .push(412, "")
        .push_json(200, &newer)
        .push_json(200, &newer);
    s.suspend_user("2819c223").unwrap();
    assert_eq!(header(&s, 4, "if-match").as_deref(), Some("W/\"3\""));
    assert_eq!(fake(&s).request(5).method, Method::Get);
    assert_eq!(header(&s, 6, "if-match").as_deref(), Some("W/\"4\""));
    assert_eq!(
        body(&s, 6)["Operations"],
        json!([{"op": "replace", "path": "active", "value": false}])
    );
    // Twice changed: unavailable.
    fake(&s).push(412, "").push_json(200, &newer).push(412, "");
    let e = s.resume_user("2819c223").unwrap_err();
    assert!(
        matches!(e, Error::Unavailable(ref m) if m.contains("concurrently")),
        "{e:?}"
    );
}

#[test]
fn typed_changes_read_the_user_first() {
    let mut s = session(true, false);
    fake(&s)
        .push_json(200, &fixtures::alice())
        .push_json(200, &fixtures::alice());
    s.update_user(
        "2819c223",
        &[set("emails.other", Value::Text("o@x".into()))],
    )
    .unwrap();
    assert_eq!(fake(&s).request(3).method, Method::Get);
    let ops = &body(&s, 4)["Operations"];
    assert_eq!(ops[0]["path"], "emails");
    assert_eq!(ops[0]["value"].as_array().unwrap().len(), 3);
    assert_eq!(header(&s, 4, "if-match").as_deref(), Some("W/\"3\""));
}

#[test]
fn without_patch_the_merged_resource_is_put() {
    let mut s = session(false, false);
    let mut stored = fixtures::alice();
    stored["title"] = json!("CTO");
    fake(&s)
        .push_json(200, &fixtures::alice())
        .push_json(200, &stored);
    let u = s
        .update_user("2819c223", &[set("title", Value::Text("CTO".into()))])
        .unwrap();
    assert!(
        u.attributes
            .iter()
            .any(|a| a.name == "title" && a.values == [Value::Text("CTO".into())])
    );
    assert_eq!(fake(&s).request(4).method, Method::Put);
    assert_eq!(header(&s, 4, "if-match").as_deref(), Some("W/\"3\""));
    let b = body(&s, 4);
    assert_eq!(
        (b["title"].as_str(), b["userName"].as_str()),
        (Some("CTO"), Some("alice"))
    );
    assert!(b.get("meta").is_none());
    fake(&s).push_json(200, &stored).push_json(200, &stored);
    s.suspend_user("2819c223").unwrap();
    assert_eq!(body(&s, 6)["active"], false);
}

#[test]
fn update_errors_name_the_field() {
    let mut s = session(true, false);
    fake(&s).push_json(
        400,
        &json!({"status": "400", "scimType": "mutability", "detail": "cannot change it"}),
    );
    let e = s
        .update_user(
            "x",
            &[set("enterprise.department", Value::Text("D".into()))],
        )
        .unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(ref a) if a.name == "enterprise.department"),
        "{e:?}"
    );
    assert!(
        matches!(s.update_user("x", &[set("nope", Value::Text("D".into()))]), Err(Error::InvalidInput(a)) if a.name == "nope")
    );
    fake(&s).push_json(404, &json!({"status": "404"}));
    assert!(matches!(
        s.update_user("x", &[set("title", Value::Text("D".into()))]),
        Err(Error::NotFound(_))
    ));
    for l in fake(&s).logs.borrow().iter() {
        assert!(!l.contains(TOKEN));
    }
}

#[test]
fn a_user_endpoint_on_another_server_is_not_followed() {
    let mut s = Session::open(Fake::new(), &config()).unwrap();
    fake(&s)
        .push_json(200, &fixtures::spc(true, false))
        .push_json(
            200,
            &json!({"Resources": [{"id": "User", "name": "User", "endpoint": "https://elsewhere.example/Users",
                "schema": "urn:ietf:params:scim:schemas:core:2.0:User"}]}),
        )
        .push_json(200, &fixtures::schemas());
    match s.get_fields() {
        Err(Error::Protocol(m)) => assert!(m.contains("not on the configured server"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(
        (0..fake(&s).count()).all(|i| !url(&s, i).contains("elsewhere")),
        "the token never went there"
    );
}
