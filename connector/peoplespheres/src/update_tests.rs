//! Update, suspend and resume over the scripted transport (items posted once, rejections
//! with no write), REST-listed label paths, and encode details.

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
use crate::write_tests::{attr, choice_label, invalid_name, text};

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
    let edges: Vec<api::graphql::EdgeDto> = serde_json::from_value(json!([
        {"cursor": api::graphql::cursor_for_id(50), "node": {"fieldAliasAndValue": {"pos_name": "Direction"}}},
        {"cursor": api::graphql::cursor_for_id(53), "node": {"fieldAliasAndValue": {"pos_name": "CTO", "pos_parent": "50"}}}])).unwrap();
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
    let europe = json!({"data": [{"id": 1, "name": "Europe", "value": "eu", "alias": "site_eu", "has_children": true, "is_selectable": false}]});
    let lyon = json!({"data": [{"id": 2, "name": "Lyon", "value": "site_lyon", "alias": "site_eu_lyon", "has_children": false, "is_selectable": true}]});
    s.transport()
        .push_json(200, &token(1))
        .push_json(200, &fields)
        .push_json(200, &europe)
        .push_json(200, &lyon);
    s.load_catalogue().unwrap();
    let plan = |s: &Session<Fake>, c: Value| {
        validate::check_update(
            s.cat().unwrap(),
            &[AttributeChange {
                name: "usr_site".into(),
                op: ChangeOp::Set(vec![c]),
            }],
        )
        .unwrap()
    };
    let positions = ChoiceTree::default();
    let by_id = |id: &str| {
        Value::Choice(ChoiceValue {
            id: id.into(),
            label: String::new(),
        })
    };
    let wire = |s: &mut Session<Fake>, c: Value| {
        let mut plans = plan(s, c);
        s.prepare_choices(&mut plans).unwrap();
        encode::wire_value(&plans[0], &positions, &plans[0].values[0])
    };
    // A label path, the id, the alias, the value or the leaf label: the option's value.
    for c in [
        choice_label("Europe/Lyon"),
        by_id("2"),
        by_id("site_eu_lyon"),
        by_id("site_lyon"),
        by_id("lyon"),
    ] {
        assert_eq!(wire(&mut s, c.clone()).unwrap(), "site_lyon", "{c:?}");
    }
    let e = wire(&mut s, choice_label("Europe")).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(a) if a.name == "usr_site" && a.reason.contains("cannot be selected")),
        "{e:?}"
    );
    let e = wire(&mut s, choice_label("Asia/Tokyo")).unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(a) if a.reason.contains("unknown choice")),
        "{e:?}"
    );
    // One walk for the session: the unpaged roots, then Europe's level.
    assert_eq!(s.transport().remaining(), 0);
    assert_eq!(
        s.transport().request(2).url,
        format!("{BASE}/fields/31/options?no-pagination=1")
    );
    assert_eq!(
        s.transport().request(3).url,
        format!("{BASE}/fields/31/options?no-pagination=1&parent=1")
    );
    assert!(s.transport().writes().is_empty());
}
