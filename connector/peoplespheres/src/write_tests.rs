//! Create over the scripted transport: request sequences and bodies, duplicates found by
//! lookup, validation with no write sent, lost responses, 401s, error mapping. The helpers
//! here serve `update_tests` too.

use serde_json::json;

use crate::api;
use crate::fake::Fake;
use crate::fields::tests::seeded_fields_json;
use crate::model::{Attribute, ChoiceValue, Error, Value};
use crate::session::Session;
use crate::tests::{BASE, session, token, users_answer};

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.into())
}

pub(crate) fn attr(name: &str, values: Vec<Value>) -> Attribute {
    Attribute {
        name: name.into(),
        values,
    }
}

pub(crate) fn choice_label(l: &str) -> Value {
    Value::Choice(ChoiceValue {
        id: String::new(),
        label: l.into(),
    })
}

pub(crate) fn minimal() -> Vec<Attribute> {
    vec![
        attr("username", vec![text("jane.doe")]),
        attr("first_name", vec![text("Jane")]),
        attr("last_name", vec![text("Doe")]),
        attr("email", vec![text("jane.doe@corp.fr")]),
    ]
}

/// The creation form: every writable field, the four identity fields required.
fn creation_form() -> serde_json::Value {
    let mut fields: Vec<serde_json::Value> = seeded_fields_json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["alias"] != "usr_seniority" && f["alias"] != "usr_active")
        .cloned()
        .collect();
    for f in &mut fields {
        let req = [
            "username",
            "usr_first_name",
            "usr_last_name",
            "professional_email",
        ]
        .contains(&f["alias"].as_str().unwrap());
        f["required"] = json!(req);
    }
    json!({"data": {"id": 1, "name": "Création utilisateur", "fields": fields}})
}

fn lookup_answer(hits: &[Option<u64>]) -> serde_json::Value {
    let mut data = serde_json::Map::new();
    for (i, h) in hits.iter().enumerate() {
        let edges: Vec<_> = h
            .iter()
            .map(|id| json!({"cursor": api::graphql::cursor_for_id(*id)}))
            .collect();
        data.insert(format!("u{i}"), json!({"edges": edges}));
    }
    json!({"data": data, "errors": null})
}

/// Token, fields, form instance, form.
fn create_prelude(s: &Session<Fake>) {
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(
            200,
            &json!({"data": {"id": 1, "form_id": 1, "name": "Création utilisateur"}}),
        )
        .push_json(200, &creation_form());
}

pub(crate) fn invalid_name(e: Error) -> String {
    match e {
        Error::InvalidInput(a) => a.name,
        other => panic!("expected invalid-input, got {other:?}"),
    }
}

#[test]
fn create_reads_the_form_looks_up_then_posts_once() {
    let mut s = session();
    create_prelude(&s);
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(201, r#"{"data":{"id":251,"external_id":"u-251"}}"#)
        .push_json(200, &users_answer(&[251], false, 251, true));
    let mut attrs = minimal();
    attrs.push(attr(
        "business_unit",
        vec![choice_label("Sales/France/Paris")],
    ));
    attrs.push(attr(
        "usr_skills",
        vec![
            choice_label("Rust"),
            Value::Choice(ChoiceValue {
                id: "1101".into(),
                label: String::new(),
            }),
        ],
    ));
    attrs.push(attr(
        "career_history.position",
        vec![text("Dev"), text("Lead")],
    ));
    attrs.push(attr(
        "career_history.start_date",
        vec![Value::Date("2020-01-01".into())],
    ));
    attrs.push(attr(
        "contract.end_date",
        vec![Value::Date("2027-02-28".into())],
    ));
    attrs.push(attr("usr_remote_days", vec![Value::Decimal(2.5)]));
    attrs.push(attr("usr_company_car", vec![Value::Boolean(true)]));
    let u = s.create_user(&attrs).unwrap();
    assert_eq!(u.id, "251");
    let f = s.transport();
    assert_eq!(f.remaining(), 0);
    assert_eq!(f.request(2).url, format!("{BASE}/form-instances/1"));
    assert_eq!(
        f.request(3).url,
        format!("{BASE}/forms/1?include=fields,fields.type,fields.items,fields.options")
    );
    let lookup: serde_json::Value = serde_json::from_str(&f.body(4)).unwrap();
    assert_eq!(lookup["variables"]["f0"], json!({"username": "jane.doe"}));
    assert_eq!(
        lookup["variables"]["f1"],
        json!({"professional_email": "jane.doe@corp.fr"})
    );
    assert_eq!(f.writes(), vec![format!("{BASE}/psos")]);
    let body: serde_json::Value = serde_json::from_str(&f.body(5)).unwrap();
    assert_eq!(body["pso_type"], "usr");
    assert_eq!(body["form_instance"], 1);
    let items = body["data"].as_array().unwrap();
    assert!(
        items
            .iter()
            .all(|i| i["action"] == "create" && i.get("answer_id").is_none())
    );
    let has = |alias: &str, value: &str| {
        items
            .iter()
            .any(|i| i["field_alias"] == alias && i["value"] == value)
    };
    assert!(
        has("usr_business_unit", "502") && has("usr_skills", "1100") && has("usr_skills", "1101")
    );
    assert!(has("usr_remote_days", "2.5") && has("usr_company_car", "1"));
    assert!(has("usr_employment_contract_end_date", "2027-02-28"));
    let rows: Vec<_> = items
        .iter()
        .filter(|i| {
            i["field_alias"]
                .as_str()
                .unwrap()
                .starts_with("usr_career_history")
        })
        .collect();
    assert_eq!(rows.len(), 3);
    assert_eq!(
        rows[0]["batch"], rows[2]["batch"],
        "position 0 and start date 0 share a row"
    );
    assert_ne!(rows[0]["batch"], rows[1]["batch"]);
    // The form is read once per session.
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(201, r#"{"data":{"id":252}}"#)
        .push_json(200, &users_answer(&[252], false, 252, false));
    let mut other = minimal();
    other[0].values = vec![text("x")];
    other[3].values = vec![text("x@corp.fr")];
    assert_eq!(s.create_user(&other).unwrap().id, "252");
    assert_eq!(s.transport().remaining(), 0);
}

#[test]
fn a_duplicate_found_by_lookup_posts_nothing() {
    let mut s = session();
    create_prelude(&s);
    s.transport()
        .push_json(200, &lookup_answer(&[None, Some(17)]));
    match s.create_user(&minimal()) {
        Err(Error::AlreadyExists(a)) => assert_eq!(a.name, "email"),
        other => panic!("{other:?}"),
    }
    assert!(s.transport().writes().is_empty());
}

#[test]
fn bad_input_is_rejected_before_any_write() {
    let cases: Vec<(Attribute, &str)> = vec![
        (attr("nickname", vec![text("x")]), "nickname"),
        (
            attr("birth_date", vec![Value::Date("2023-02-29".into())]),
            "birth_date",
        ),
        (attr("birth_date", vec![text("1990-01-01")]), "birth_date"),
        (attr("seniority", vec![Value::Decimal(3.0)]), "seniority"),
        (
            attr("business_unit", vec![choice_label("Sales/Nowhere")]),
            "business_unit",
        ),
        (
            attr("business_unit", vec![choice_label("Sales")]),
            "business_unit",
        ),
        (
            attr(
                "usr_tshirt_size",
                vec![Value::Choice(ChoiceValue {
                    id: "999".into(),
                    label: String::new(),
                })],
            ),
            "usr_tshirt_size",
        ),
    ];
    for (a, want) in cases {
        let mut s = session();
        create_prelude(&s);
        let mut attrs = minimal();
        attrs.push(a);
        assert_eq!(invalid_name(s.create_user(&attrs).unwrap_err()), want);
        assert!(s.transport().writes().is_empty(), "{want}");
        assert!(
            s.transport()
                .requests
                .borrow()
                .iter()
                .all(|r| !r.url.ends_with("/graphql")),
            "{want}: no lookup either"
        );
    }
    // Missing required attribute.
    let mut s = session();
    create_prelude(&s);
    let mut attrs = minimal();
    attrs.remove(1);
    assert_eq!(
        invalid_name(s.create_user(&attrs).unwrap_err()),
        "first_name"
    );
    assert!(s.transport().writes().is_empty());
}

#[test]
fn an_unknown_manager_is_invalid_input_with_no_write() {
    let mut s = session();
    create_prelude(&s);
    // user_exists(999): the next record after 998 is 1000.
    s.transport()
        .push_json(200, &users_answer(&[1000], false, 1000, true));
    let mut attrs = minimal();
    attrs.push(attr("manager", vec![Value::Reference("999".into())]));
    match s.create_user(&attrs) {
        Err(Error::InvalidInput(a)) => {
            assert_eq!(a.name, "manager");
            assert!(a.reason.contains("999"));
        }
        other => panic!("{other:?}"),
    }
    assert!(s.transport().writes().is_empty());
}

#[test]
fn a_lost_create_response_returns_the_created_user() {
    let mut s = session();
    create_prelude(&s);
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(502, r#"{"message":"Bad Gateway","status_code":502}"#)
        .push_json(200, &lookup_answer(&[Some(251), Some(251)]))
        .push_json(200, &users_answer(&[251], false, 251, true));
    assert_eq!(s.create_user(&minimal()).unwrap().id, "251");
    assert_eq!(
        s.transport().writes().len(),
        1,
        "the create is never re-sent"
    );
    // Not applied: unavailable, still one POST.
    let mut s = session();
    create_prelude(&s);
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(503, "")
        .push_json(200, &lookup_answer(&[None, None]));
    assert!(matches!(
        s.create_user(&minimal()),
        Err(Error::Unavailable(_))
    ));
    assert_eq!(s.transport().writes().len(), 1);
    assert!(
        s.transport().sleeps.borrow().is_empty(),
        "writes are not retried"
    );
}

#[test]
fn a_create_answered_401_is_looked_up_again_before_it_is_resent() {
    let created = json!({"data": {"id": 251, "external_id": "e-251"}});
    // The 401 came after the create went through: found by the second lookup, not re-sent.
    let mut s = session();
    create_prelude(&s);
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push_json(200, &token(2))
        .push_json(200, &lookup_answer(&[Some(251), None]))
        .push_json(200, &users_answer(&[251], false, 251, true));
    assert_eq!(s.create_user(&minimal()).unwrap().id, "251");
    assert_eq!(s.transport().writes(), vec![format!("{BASE}/psos")]);
    // The 401 came before: still absent, sent once more with the new token.
    let mut s = session();
    create_prelude(&s);
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(401, r#"{"message":"Unauthenticated.","status_code":401}"#)
        .push_json(200, &token(2))
        .push_json(200, &lookup_answer(&[None, None]))
        .push_json(201, &created)
        .push_json(200, &users_answer(&[251], false, 251, true));
    assert_eq!(s.create_user(&minimal()).unwrap().id, "251");
    assert_eq!(s.transport().writes().len(), 2);
}

#[test]
fn a_create_that_cannot_be_read_back_still_succeeds_with_its_id() {
    let mut s = session();
    create_prelude(&s);
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push_json(201, &json!({"data": {"id": 251, "external_id": "e-251"}}))
        .push(503, "")
        .push(503, "")
        .push(503, "");
    let user = s.create_user(&minimal()).unwrap();
    assert_eq!(
        (user.id.as_str(), user.display_name.as_str()),
        ("251", "Jane Doe")
    );
    assert_eq!(user.attributes, minimal());
    assert_eq!(s.transport().writes().len(), 1);
}

#[test]
fn create_errors_name_the_contract_attribute() {
    let mut s = session();
    create_prelude(&s);
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(400, r#"{"message":"400 Bad Request","errors":{"usr_employment_contract_end_date":["bad"]},"status_code":400}"#);
    let mut attrs = minimal();
    attrs.push(attr(
        "contract.end_date",
        vec![Value::Date("2027-02-28".into())],
    ));
    assert_eq!(
        invalid_name(s.create_user(&attrs).unwrap_err()),
        "contract.end_date"
    );
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(422, r#"{"message":"The username has already been taken.","errors":{"username":["has already been taken"]},"status_code":422}"#);
    assert!(
        matches!(s.create_user(&minimal()), Err(Error::AlreadyExists(a)) if a.name == "username")
    );
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push_with(429, "", &[("Retry-After", "9")]);
    assert_eq!(s.create_user(&minimal()), Err(Error::RateLimited(9)));
    s.transport()
        .push_json(200, &lookup_answer(&[None, None]))
        .push(403, r#"{"message":"no","status_code":403}"#);
    assert!(matches!(
        s.create_user(&minimal()),
        Err(Error::Forbidden(_))
    ));
}
