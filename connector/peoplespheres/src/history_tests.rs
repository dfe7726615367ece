//! `career_history` over the scripted transport: configuration, the calls each mode makes,
//! the declared fields, 404 / retry / malformed answers, and writes refused as read-only.

use serde_json::json;

use crate::config::{CareerSource, Config};
use crate::fake::Fake;
use crate::fields::tests::seeded_fields_json;
use crate::history::{DEPARTMENT, END_DATE, POSITION, START_DATE};
use crate::model::{AttributeChange, ChangeOp, Error, FieldType, User, Value};
use crate::session::Session;
use crate::tests::{BASE, pairs, session, token, users_answer};

fn history_session() -> Session<Fake> {
    let mut p = pairs();
    p.push(("career_history".into(), "history".into()));
    Session::open(Fake::new(), &p).unwrap()
}

fn entry(action: &str, value: Option<&str>, at: &str) -> serde_json::Value {
    json!({"id": 9001, "name": "Poste", "field": "usr_poste",
           "data_type": {"id": 21, "alias": "pso_relation", "name": "Relation PSO"},
           "action_type": action, "user": {"id": 2, "first_name": "A", "last_name": "B"},
           "value": value, "old_value": null, "updated_at": at})
}

/// Newest first, as the API answers.
fn poste_history() -> serde_json::Value {
    json!({"data": [entry("updated", Some("53"), "2023-05-01 09:00:00"),
                    entry("created", Some("50"), "2020-01-01 09:00:00")]})
}

fn department_history() -> serde_json::Value {
    json!({"data": [entry("updated", Some("999"), "2021-02-01 09:00:00"),
                    entry("created", Some("600"), "2020-01-01 09:00:00")]})
}

fn values(u: &User, name: &str) -> Vec<Value> {
    u.attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.values.clone())
        .unwrap_or_default()
}

fn texts(v: &[&str]) -> Vec<Value> {
    v.iter().map(|s| Value::Text(s.to_string())).collect()
}

fn dates(v: &[&str]) -> Vec<Value> {
    v.iter().map(|s| Value::Date(s.to_string())).collect()
}

fn cfg(value: Option<&str>) -> Result<Config, Error> {
    let mut p = pairs();
    if let Some(v) = value {
        p.push(("career_history".into(), v.into()));
    }
    Config::parse(&p)
}

#[test]
fn config_values() {
    assert_eq!(cfg(None).unwrap().career_history, CareerSource::Record);
    assert_eq!(cfg(Some("")).unwrap().career_history, CareerSource::Record);
    assert_eq!(
        cfg(Some("record")).unwrap().career_history,
        CareerSource::Record
    );
    assert_eq!(
        cfg(Some(" history ")).unwrap().career_history,
        CareerSource::History
    );
    for bad in ["History", "both", "composite"] {
        match cfg(Some(bad)) {
            Err(Error::InvalidConfig(a)) => {
                assert_eq!(a.name, "career_history");
                assert!(a.reason.contains(&format!("`{bad}`")), "{}", a.reason);
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    let mut p = pairs();
    p.push(("career_history".into(), "sometimes".into()));
    assert!(matches!(
        Session::open(Fake::new(), &p),
        Err(Error::InvalidConfig(_))
    ));
}

#[test]
fn record_mode_makes_no_history_call() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(200, &users_answer(&[6, 7], false, 2, true));
    let page = s.list_users(None, 10).unwrap();
    assert_eq!(page.users.len(), 2);
    assert_eq!(s.transport().count(), 3);
    let body: serde_json::Value = serde_json::from_str(&s.transport().body(2)).unwrap();
    let fields = body["variables"]["fields"].as_array().unwrap();
    assert!(fields.iter().any(|f| f == "usr_career_history"));
    let declared = s.get_fields().unwrap();
    let pos = declared.iter().find(|f| f.name == POSITION).unwrap();
    assert!(pos.writable && pos.multi_valued);
}

#[test]
fn list_and_get_build_rows_with_two_calls_per_user() {
    let mut s = history_session();
    let f = s.transport();
    f.push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(200, &users_answer(&[6, 7], false, 2, true));
    for _ in 0..2 {
        f.push_json(200, &poste_history())
            .push_json(200, &department_history());
    }
    let page = s.list_users(None, 10).unwrap();
    let f = s.transport();
    assert_eq!(f.count(), 3 + 4);
    let urls: Vec<String> = (3..7).map(|i| f.request(i).url).collect();
    assert_eq!(
        urls,
        vec![
            format!("{BASE}/history/psos/6/usr_poste"),
            format!("{BASE}/history/psos/6/usr_department"),
            format!("{BASE}/history/psos/7/usr_poste"),
            format!("{BASE}/history/psos/7/usr_department"),
        ]
    );
    // The composite is no longer requested from GraphQL.
    let body: serde_json::Value = serde_json::from_str(&f.body(2)).unwrap();
    let fields = body["variables"]["fields"].as_array().unwrap();
    assert!(!fields.iter().any(|f| f == "usr_career_history"));
    let u = &page.users[0];
    // Positions by name (not path); departments by label, raw value when unknown.
    assert_eq!(
        values(u, POSITION),
        texts(&["Direction", "Direction", "CTO"])
    );
    assert_eq!(values(u, DEPARTMENT), texts(&["IT", "999", "999"]));
    assert_eq!(
        values(u, START_DATE),
        dates(&["2020-01-01", "2021-02-01", "2023-05-01"])
    );
    assert_eq!(values(u, END_DATE), dates(&["2021-02-01", "2023-05-01"]));
    // get-user: the same user, the same two calls.
    f.push_json(200, &users_answer(&[6], true, 2, false))
        .push_json(200, &poste_history())
        .push_json(200, &department_history());
    let got = s.get_user("6").unwrap();
    assert_eq!(&got, u);
    assert_eq!(s.transport().count(), 10);
    assert_eq!(
        s.transport().request(8).url,
        format!("{BASE}/history/psos/6/usr_poste")
    );
}

#[test]
fn declared_read_only_multi_valued_and_writes_refused() {
    let mut s = history_session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json());
    let fields = s.get_fields().unwrap();
    for (name, ty) in [
        (POSITION, FieldType::Text),
        (DEPARTMENT, FieldType::Text),
        (START_DATE, FieldType::Date),
        (END_DATE, FieldType::Date),
    ] {
        let f = fields.iter().find(|f| f.name == name).unwrap();
        assert_eq!(f.field_type, ty, "{name}");
        assert!(!f.writable && f.multi_valued, "{name}");
        assert_eq!(f.category, "identity", "the composite's category is kept");
    }
    let composite = fields.iter().find(|f| f.name == "career_history").unwrap();
    assert!(!composite.writable && composite.field_type == FieldType::Composite);
    assert_eq!(fields.iter().filter(|f| f.name == POSITION).count(), 1);
    for name in [POSITION, START_DATE, "career_history"] {
        let change = AttributeChange {
            name: name.into(),
            op: ChangeOp::Set(texts(&["Dev"])),
        };
        match s.update_user("6", &[change]) {
            Err(Error::InvalidInput(a)) => {
                assert_eq!(a.name, name);
                assert!(a.reason.contains("read-only"), "{}", a.reason);
            }
            other => panic!("{name}: {other:?}"),
        }
        let clear = AttributeChange {
            name: name.into(),
            op: ChangeOp::Clear,
        };
        assert!(matches!(
            s.update_user("6", &[clear]),
            Err(Error::InvalidInput(_))
        ));
    }
    assert_eq!(s.transport().count(), 2, "nothing sent after the catalogue");
    assert!(s.transport().writes().is_empty());
}

#[test]
fn tenant_without_the_composite_gets_the_fields() {
    let mut s = history_session();
    let mut catalogue = seeded_fields_json();
    let data = catalogue["data"].as_array_mut().unwrap();
    data.retain(|f| f["alias"] != "usr_career_history");
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &catalogue);
    let fields = s.get_fields().unwrap();
    let f = fields.iter().find(|f| f.name == END_DATE).unwrap();
    assert!(!f.writable && f.multi_valued && f.field_type == FieldType::Date);
    assert_eq!(f.category, "career");
}

#[test]
fn not_found_is_no_history_and_errors_map() {
    let mut s = history_session();
    let f = s.transport();
    f.push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(200, &users_answer(&[6], false, 1, true))
        .push(404, r#"{"message":"Field not found","status_code":404}"#)
        .push_json(200, &json!({"data": []}));
    let u = &s.list_users(None, 10).unwrap().users[0];
    assert!(
        u.attributes
            .iter()
            .all(|a| !a.name.starts_with("career_history"))
    );
    assert!(
        s.transport()
            .logs
            .borrow()
            .iter()
            .any(|l| l.contains("Field not found"))
    );
    // A 5xx is retried like every read; a missing user (404 Pso not found) has no history.
    s.transport()
        .push_json(200, &users_answer(&[6], false, 1, false))
        .push(503, "")
        .push_json(200, &poste_history())
        .push(404, r#"{"message":"Pso not found","status_code":404}"#);
    let u = s.get_user("6").unwrap();
    assert_eq!(values(&u, POSITION), texts(&["Direction", "CTO"]));
    assert!(values(&u, DEPARTMENT).is_empty());
    assert_eq!(*s.transport().sleeps.borrow(), vec![200]);
    // Errors other than 404 fail the read.
    s.transport()
        .push_json(200, &users_answer(&[6], false, 1, false))
        .push(
            403,
            r#"{"message":"This action is unauthorized.","status_code":403}"#,
        );
    assert!(matches!(s.get_user("6"), Err(Error::Forbidden(_))));
    s.transport()
        .push_json(200, &users_answer(&[6], false, 1, false))
        .push_with(429, "{}", &[("Retry-After", "7")]);
    assert_eq!(s.get_user("6"), Err(Error::RateLimited(7)));
    // A malformed body is a protocol error.
    s.transport()
        .push_json(200, &users_answer(&[6], false, 1, false))
        .push_json(
            200,
            &json!({"data": [{"action_type": "updated", "value": "53"}]}),
        );
    assert!(matches!(s.get_user("6"), Err(Error::Protocol(_))));
    s.transport()
        .push_json(200, &users_answer(&[6], false, 1, false))
        .push_json(200, &json!({"items": []}));
    assert!(matches!(s.get_user("6"), Err(Error::Protocol(_))));
    assert_eq!(s.transport().remaining(), 0);
}
