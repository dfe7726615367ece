//! Write paths over the scripted transport: request sequences and bodies, duplicates found by
//! lookup, validation with no write sent, lost responses, error mapping; plus encode details.

use serde_json::json;

use crate::api::write::{Action, AnswerFieldDto};
use crate::api::{self, FieldDto};
use crate::choices::ChoiceTree;
use crate::encode;
use crate::fake::Fake;
use crate::fields::Catalogue;
use crate::fields::tests::{seeded, seeded_fields_json};
use crate::http::Method;
use crate::model::{Attribute, AttributeChange, ChangeOp, ChoiceValue, Error, Value};
use crate::session::Session;
use crate::tests::{BASE, session, token, users_answer};
use crate::validate;

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn attr(name: &str, values: Vec<Value>) -> Attribute {
    Attribute {
        name: name.into(),
        values,
    }
}

fn choice_label(l: &str) -> Value {
    Value::Choice(ChoiceValue {
        id: String::new(),
        label: l.into(),
    })
}

fn minimal() -> Vec<Attribute> {
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
            .map(|id| json!({"cursor": api::cursor_for_id(*id)}))
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

fn invalid_name(e: Error) -> String {
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

fn answers_json() -> serde_json::Value {
    json!({"data": {"id": 2, "form_id": 2, "fields": [
        {"alias": "usr_last_name", "read_only": false, "values": [{"answer_id": 7003000, "value": "Doe", "batch": null}]},
        {"alias": "manager", "read_only": false, "values": []},
        {"alias": "mentor", "read_only": false, "values": [{"answer_id": 7010000, "value": "4", "batch": null}]},
        {"alias": "professional_phone", "read_only": false, "values": []},
        {"alias": "usr_seniority", "read_only": true, "values": [{"answer_id": 7018000, "value": "3.5", "batch": null}]},
        {"alias": "usr_skills", "read_only": false, "values": [
            {"answer_id": 7023000, "value": "1100", "batch": null}, {"answer_id": 7023001, "value": "1101", "batch": null}]},
        {"alias": "usr_employment_contract", "read_only": false, "values": [], "items": [
            {"alias": "usr_employment_contract_contract_type", "values": [{"answer_id": 7161000, "value": "800", "batch": "B0"}]},
            {"alias": "usr_employment_contract_start_date", "values": [{"answer_id": 7162000, "value": "2020-01-01", "batch": "B0"}]},
            {"alias": "usr_employment_contract_end_date", "values": []}]},
        {"alias": "usr_career_history", "read_only": false, "values": [], "items": [
            {"alias": "usr_career_history_position", "values": [
                {"answer_id": 7171000, "value": "Dev", "batch": "R0"}, {"answer_id": 7171001, "value": "Lead", "batch": "R1"}]},
            {"alias": "usr_career_history_start_date", "values": [{"answer_id": 7173001, "value": "2019-01-01", "batch": "R1"}]}]}
    ]}})
}

#[test]
fn update_posts_create_update_delete_items_once() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(200, &answers_json())
        .push_json(200, &users_answer(&[6], false, 9, true)) // manager 6 exists
        .push(202, "")
        .push_json(200, &users_answer(&[7], false, 9, false));
    let ch = |n: &str, op: ChangeOp| AttributeChange { name: n.into(), op };
    let changes = vec![
        ch("last_name", ChangeOp::Set(vec![text("DURAND")])),
        ch("mentor", ChangeOp::Clear),
        ch("phone", ChangeOp::Set(vec![text("+33 1 00")])),
        ch("manager", ChangeOp::Set(vec![Value::Reference("6".into())])),
        ch("usr_skills", ChangeOp::Set(vec![choice_label("Go")])),
        ch(
            "contract.end_date",
            ChangeOp::Set(vec![Value::Date("2027-06-30".into())]),
        ),
        ch(
            "career_history.position",
            ChangeOp::Set(vec![text("Dev"), text("CTO"), text("CEO")]),
        ),
    ];
    let u = s.update_user("7", &changes).unwrap();
    assert_eq!(u.id, "7");
    let f = s.transport();
    assert_eq!(f.remaining(), 0);
    assert_eq!(
        f.request(2).url,
        format!(
            "{BASE}/psos/7/form-instances/2?include=fields,fields.type,fields.items,fields.options"
        )
    );
    assert_eq!(f.writes(), vec![format!("{BASE}/psos/7/form-instances/2")]);
    let body: serde_json::Value = serde_json::from_str(&f.body(4)).unwrap();
    let items = body["data"].as_array().unwrap();
    let find = |alias: &str, action: &str| -> Vec<&serde_json::Value> {
        items
            .iter()
            .filter(|i| i["field_alias"] == alias && i["action"] == action)
            .collect()
    };
    assert_eq!(find("usr_last_name", "update")[0]["answer_id"], 7003000);
    assert_eq!(find("mentor", "delete")[0]["answer_id"], 7010000);
    assert_eq!(find("professional_phone", "create")[0]["value"], "+33 1 00");
    assert_eq!(find("manager", "create")[0]["value"], "6");
    assert_eq!(find("usr_skills", "delete")[0]["answer_id"], 7023000);
    assert!(find("usr_skills", "create").is_empty(), "1101 is kept");
    let end = find("usr_employment_contract_end_date", "create");
    assert_eq!(end[0]["batch"], "B0");
    let pos_update = find("usr_career_history_position", "update");
    assert_eq!(
        (
            pos_update[0]["answer_id"].clone(),
            pos_update[0]["value"].clone()
        ),
        (json!(7171001), json!("CTO"))
    );
    let pos_create = find("usr_career_history_position", "create");
    assert_eq!(pos_create[0]["value"], "CEO");
    assert_eq!(pos_create[0]["batch"], encode::new_batch(2));
    assert_eq!(items.len(), 8);
}

#[test]
fn update_rejections_send_no_write() {
    let ch = |n: &str, op: ChangeOp| AttributeChange { name: n.into(), op };
    // Unknown user: the answers read 404s.
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push(404, r#"{"message":"Pso not found","status_code":404}"#);
    assert!(
        matches!(s.update_user("999", &[ch("last_name", ChangeOp::Clear)]), Err(Error::NotFound(m)) if m.contains("999"))
    );
    assert!(s.transport().writes().is_empty());
    // Malformed ids: no request at all.
    for id in ["abc", "", "0", "-1"] {
        let mut s = session();
        assert!(matches!(s.update_user(id, &[]), Err(Error::NotFound(_))));
        assert!(matches!(s.suspend_user(id), Err(Error::NotFound(_))));
        assert_eq!(s.transport().count(), 0);
    }
    // Validation runs before the answers read; read-only per the form after it.
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json());
    assert_eq!(
        invalid_name(
            s.update_user("7", &[ch("active", ChangeOp::Clear)])
                .unwrap_err()
        ),
        "active"
    );
    assert_eq!(s.transport().count(), 2);
    s.transport().push_json(200, &answers_json());
    assert_eq!(
        invalid_name(
            s.update_user(
                "7",
                &[ch(
                    "career_history.start_date",
                    ChangeOp::Set(vec![Value::Date("2021-02-30".into())])
                )]
            )
            .unwrap_err()
        ),
        "career_history.start_date"
    );
    assert!(s.transport().writes().is_empty());
}

#[test]
fn suspend_and_resume() {
    let mut s = session();
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &seeded_fields_json())
        .push_json(200, &users_answer(&[7], false, 9, true))
        .push(202, "")
        .push_json(200, &json!({"data": {"getPsoRecords": crate::tests::conn(&[7], |_| json!({"usr_first_name": "A", "usr_active": "usr_active_no"}), false, 9)}, "errors": null}));
    let u = s.suspend_user("7").unwrap();
    assert!(!u.active);
    let f = s.transport();
    assert_eq!(f.request(3).method, Method::Post);
    assert_eq!(f.request(3).url, format!("{BASE}/psos/7/status"));
    assert_eq!(f.body(3), r#"{"active":false}"#);
    // Already active: resume sends nothing.
    s.transport()
        .push_json(200, &users_answer(&[8], false, 9, false));
    assert!(s.resume_user("8").unwrap().active);
    assert_eq!(s.transport().writes().len(), 1);
    // Unknown: not-found, nothing posted.
    s.transport()
        .push_json(200, &users_answer(&[], false, 9, false));
    assert!(matches!(s.suspend_user("99"), Err(Error::NotFound(m)) if m.contains("99")));
    assert_eq!(s.transport().writes().len(), 1);
    // A 5xx on the status write is unavailable and not retried.
    s.transport()
        .push_json(200, &users_answer(&[8], false, 9, false))
        .push(503, "");
    assert!(matches!(s.suspend_user("8"), Err(Error::Unavailable(_))));
    assert_eq!(s.transport().writes().len(), 2);
}

#[test]
fn encode_rows_and_sets() {
    let cat = seeded();
    let answers: Vec<AnswerFieldDto> =
        serde_json::from_value(answers_json()["data"]["fields"].clone()).unwrap();
    let composite = answers
        .iter()
        .find(|a| a.alias == "usr_career_history")
        .unwrap();
    assert_eq!(encode::row_batches(composite), vec!["R0", "R1"]);
    let plans = validate::check_update(
        &cat,
        &[AttributeChange {
            name: "career_history.position".into(),
            op: ChangeOp::Set(vec![text("Dev")]),
        }],
    )
    .unwrap();
    let items = encode::update_items(&plans, &ChoiceTree::default(), &answers).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].action, items[0].answer_id.clone()),
        (Action::Delete, Some(json!(7171001)))
    );
    assert_eq!(encode::number_text(3.0), "3");
    assert_eq!(encode::number_text(2.5), "2.5");
    // Nothing to change: no items.
    let plans = validate::check_update(
        &cat,
        &[AttributeChange {
            name: "last_name".into(),
            op: ChangeOp::Set(vec![text("Doe")]),
        }],
    )
    .unwrap();
    assert!(
        encode::update_items(&plans, &ChoiceTree::default(), &answers)
            .unwrap()
            .is_empty()
    );
    // Positions by label path and by id.
    let edges: Vec<api::EdgeDto> = serde_json::from_value(json!([
        {"cursor": api::cursor_for_id(50), "node": {"fieldAliasAndValue": {"pos_name": "Direction"}}},
        {"cursor": api::cursor_for_id(53), "node": {"fieldAliasAndValue": {"pos_name": "CTO", "pos_parent": "50"}}}])).unwrap();
    let positions = ChoiceTree::new(crate::mapping::position_nodes(&edges));
    let plans = validate::check_update(
        &cat,
        &[AttributeChange {
            name: "position".into(),
            op: ChangeOp::Set(vec![choice_label("Direction/CTO")]),
        }],
    )
    .unwrap();
    assert_eq!(
        encode::wire_value(&plans[0], &positions, &plans[0].values[0]).unwrap(),
        "53"
    );
    let e = encode::wire_value(&plans[0], &positions, &choice_label("Direction/CFO")).unwrap_err();
    assert!(
        matches!(e, Error::InvalidInput(a) if a.name == "position" && a.reason.contains("Direction/CFO"))
    );
}

#[test]
fn helper_composites_are_named_and_read_only_and_seniority_is_computed_without_a_tenant_field() {
    let mut data = seeded_fields_json()["data"].as_array().unwrap().clone();
    data.retain(|f| f["alias"] != "usr_seniority");
    data.push(json!({"id": 30, "alias": "usr_surprise_report", "name": "Rapport", "removable": true, "read_only": true,
        "type": {"alias": "composite"}, "category": {"alias": "usr_onboarding"},
        "items": [{"id": 301, "alias": "usr_surprise_report_date", "type": {"alias": "date"}},
                  {"id": 302, "alias": "usr_surprise_report_rating", "type": {"alias": "list"}}]}));
    let dtos: Vec<FieldDto> = serde_json::from_value(json!(data)).unwrap();
    let cat = Catalogue::from_dtos(&dtos);
    let fields = cat.fields();
    let get = |n: &str| {
        fields
            .iter()
            .find(|f| f.name == n)
            .unwrap_or_else(|| panic!("{n}"))
            .clone()
    };
    assert!(!get("surprise_report.date").writable && get("surprise_report.date").custom);
    assert_eq!(get("surprise_report.rating").category, "onboarding");
    let s = get("seniority");
    assert!(!s.writable && s.field_type == crate::model::FieldType::Decimal);
    assert!(!cat.aliases().iter().any(String::is_empty));
    let mut attrs = vec![attr(
        "contract.start_date",
        vec![Value::Date("2020-01-01".into())],
    )];
    // 2026-01-01 00:00:00 UTC.
    crate::mapping::add_computed_seniority(&cat, &mut attrs, 1_767_225_600);
    assert_eq!(attrs[1], attr("seniority", vec![Value::Decimal(6.0)]));
    let mut none: Vec<Attribute> = vec![];
    crate::mapping::add_computed_seniority(&cat, &mut none, 1_767_225_600);
    assert!(none.is_empty());
    // With the tenant's field, nothing is added.
    let mut attrs = vec![attr(
        "contract.start_date",
        vec![Value::Date("2020-01-01".into())],
    )];
    crate::mapping::add_computed_seniority(&seeded(), &mut attrs, 1_767_225_600);
    assert_eq!(attrs.len(), 1);
}

#[test]
fn rest_listed_label_paths_resolve_to_the_stored_value_and_refuse_branches() {
    let mut s = session();
    let fields = json!({"data": [
        {"id": 31, "alias": "usr_site", "name": "Site", "type": {"alias": "hierarchy"}, "options": []}]});
    let europe = json!({"data": [{"id": 1, "name": "Europe", "value": "eu", "has_children": true, "is_selectable": false}]});
    let lyon = json!({"data": [{"id": 2, "name": "Lyon", "value": "site_lyon", "has_children": false, "is_selectable": true}]});
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &fields)
        .push_json(200, &europe)
        .push_json(200, &lyon)
        .push_json(200, &europe);
    s.load_catalogue().unwrap();
    let plan = |s: &Session<Fake>, label: &str| {
        validate::check_update(
            s.cat().unwrap(),
            &[AttributeChange {
                name: "usr_site".into(),
                op: ChangeOp::Set(vec![choice_label(label)]),
            }],
        )
        .unwrap()
    };
    let mut plans = plan(&s, "Europe/Lyon");
    s.resolve_rest_labels(&mut plans).unwrap();
    assert_eq!(
        plans[0].values,
        vec![Value::Choice(ChoiceValue {
            id: "site_lyon".into(),
            label: "Europe/Lyon".into()
        })],
        "the option's value, not its id"
    );
    let mut plans = plan(&s, "Europe");
    let e = s.resolve_rest_labels(&mut plans).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(a) if a.name == "usr_site" && a.reason.contains("cannot be selected")),
        "{e:?}"
    );
    assert_eq!(s.transport().remaining(), 0);
    assert!(s.transport().writes().is_empty());
}
