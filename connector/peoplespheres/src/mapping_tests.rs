//! Record values → attributes: every data type, oddities, positions, dates.

use std::collections::HashMap;

use crate::api;
use crate::api::graphql::EdgeDto;
use crate::choices::ChoiceTree;
use crate::fields::tests::seeded;
use crate::mapping::*;
use crate::model::{Attribute, Value};
use crate::model::{ChoiceValue, FieldType};

fn positions() -> ChoiceTree {
    let edges: Vec<EdgeDto> = serde_json::from_value(serde_json::json!([
        {"cursor": api::graphql::cursor_for_id(50), "node": {"fieldAliasAndValue": {"pos_name": "Direction"}}},
        {"cursor": api::graphql::cursor_for_id(53), "node": {"fieldAliasAndValue": {"pos_name": "CTO", "pos_parent": "50"}}},
        {"cursor": api::graphql::cursor_for_id(54), "node": {"fieldAliasAndValue": {"pos_name": "Dev", "pos_parent": "53"}}},
        {"cursor": api::graphql::cursor_for_id(55), "node": {"fieldAliasAndValue": {"pos_name": "Orphan", "pos_parent": "null"}}}
    ]))
    .unwrap();
    ChoiceTree::new(position_nodes(&edges))
}

fn attr<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Vec<Value>> {
    attrs.iter().find(|a| a.name == name).map(|a| &a.values)
}

fn choice(id: &str, label: &str) -> Value {
    Value::Choice(ChoiceValue {
        id: id.into(),
        label: label.into(),
    })
}

#[test]
fn every_data_type() {
    let cat = seeded();
    let rec = serde_json::json!({
        "username": "jdoe", "usr_first_name": "Jane", "usr_last_name": "Doe",
        "professional_email": "jane@corp.fr", "usr_birth_date": "1990-02-03",
        "professional_phone": "null", "professional_mobile_phone": "",
        "manager": "77", "hr": 78, "mentor": "null",
        "usr_poste": "54", "usr_business_unit": "502", "usr_department": "600",
        "usr_socio_professional_category": "701", "usr_position_start_date": "2020-01-01 00:00:00",
        "usr_employment_contract": {"usr_employment_contract_contract_type": "800",
            "usr_employment_contract_start_date": "2020-01-01", "usr_employment_contract_end_date": "null"},
        "usr_career_history": [
            {"usr_career_history_position": "Dev", "usr_career_history_start_date": "2018-01-01"},
            {"usr_career_history_position": "Lead", "usr_career_history_start_date": "2019-01-01",
             "usr_career_history_end_date": "2020-01-01"}],
        "usr_seniority": "3.5", "usr_active": "usr_active_no",
        "usr_badge_number": "B-1", "usr_tshirt_size": "1001", "usr_remote_days": "2",
        "usr_skills": ["1100", "1101"], "usr_company_car": "1", "not_in_catalogue": "x"
    });
    let (p, none) = (positions(), HashMap::new());
    let u = user(&cat, &Lookup::new(&p, &none), 6, &rec);
    let a = &u.attributes;
    assert_eq!(u.id, "6");
    assert_eq!(u.display_name, "Jane DOE");
    assert!(!u.active);
    assert_eq!(attr(a, "username"), Some(&vec![Value::Text("jdoe".into())]));
    assert_eq!(
        attr(a, "birth_date"),
        Some(&vec![Value::Date("1990-02-03".into())])
    );
    assert_eq!(attr(a, "phone"), None);
    assert_eq!(attr(a, "mobile"), None);
    assert_eq!(attr(a, "mentor"), None);
    assert_eq!(
        attr(a, "manager"),
        Some(&vec![Value::Reference("77".into())])
    );
    assert_eq!(
        attr(a, "hr_manager"),
        Some(&vec![Value::Reference("78".into())])
    );
    assert_eq!(
        attr(a, "position"),
        Some(&vec![choice("54", "Direction/CTO/Dev")])
    );
    assert_eq!(
        attr(a, "business_unit"),
        Some(&vec![choice("502", "Sales/France/Paris")])
    );
    assert_eq!(
        attr(a, "socio_professional_category"),
        Some(&vec![choice("701", "Employé")])
    );
    assert_eq!(
        attr(a, "position_start_date"),
        Some(&vec![Value::Date("2020-01-01".into())])
    );
    assert_eq!(attr(a, "contract"), None);
    assert_eq!(attr(a, "contract.type"), Some(&vec![choice("800", "CDI")]));
    assert_eq!(
        attr(a, "contract.start_date"),
        Some(&vec![Value::Date("2020-01-01".into())])
    );
    assert_eq!(attr(a, "contract.end_date"), None);
    assert_eq!(
        attr(a, "career_history.position"),
        Some(&vec![Value::Text("Dev".into()), Value::Text("Lead".into())])
    );
    assert_eq!(
        attr(a, "career_history.end_date"),
        Some(&vec![Value::Date("2020-01-01".into())])
    );
    assert_eq!(attr(a, "seniority"), Some(&vec![Value::Decimal(3.5)]));
    assert_eq!(attr(a, "active"), Some(&vec![Value::Boolean(false)]));
    assert_eq!(attr(a, "usr_tshirt_size"), Some(&vec![choice("1001", "L")]));
    assert_eq!(attr(a, "usr_remote_days"), Some(&vec![Value::Decimal(2.0)]));
    assert_eq!(
        attr(a, "usr_skills"),
        Some(&vec![choice("1100", "Rust"), choice("1101", "Go")])
    );
    assert_eq!(
        attr(a, "usr_company_car"),
        Some(&vec![Value::Boolean(true)])
    );
    assert_eq!(attr(a, "not_in_catalogue"), None);
    // Every attribute is declared, with matching types and cardinality.
    let fields = cat.fields();
    for at in a {
        let f = fields.iter().find(|f| f.name == at.name).unwrap();
        assert!(f.field_type != FieldType::Composite);
        assert!(f.multi_valued || at.values.len() == 1, "{}", at.name);
        for v in &at.values {
            assert_eq!(v.field_type(), f.field_type, "{}", at.name);
        }
    }
}

#[test]
fn defaults_and_oddities() {
    let cat = seeded();
    let (empty, none) = (ChoiceTree::default(), HashMap::new());
    let lk = Lookup::new(&empty, &none);
    let u = user(
        &cat,
        &lk,
        9,
        &serde_json::json!({
            "username": "solo", "usr_birth_date": "not a date", "usr_remote_days": "many",
            "usr_company_car": "maybe", "usr_poste": "53", "usr_first_name": ["A", "B"],
            "usr_active": "usr_active_yes"
        }),
    );
    assert_eq!(u.display_name, "A");
    assert!(u.active);
    assert_eq!(attr(&u.attributes, "birth_date"), None);
    assert_eq!(attr(&u.attributes, "usr_remote_days"), None);
    assert_eq!(attr(&u.attributes, "usr_company_car"), None);
    assert_eq!(
        attr(&u.attributes, "position"),
        Some(&vec![choice("53", "53")])
    );
    assert_eq!(
        attr(&u.attributes, "first_name"),
        Some(&vec![Value::Text("A".into())])
    );
    let u = user(&cat, &lk, 10, &serde_json::json!({}));
    assert!(u.active && u.attributes.is_empty());
    assert_eq!(u.display_name, "10");
    assert_eq!(
        user(&cat, &lk, 1, &serde_json::json!(null)).attributes,
        vec![]
    );
}

#[test]
fn positions_tree() {
    let p = positions();
    let roots = p.children(None).unwrap();
    assert_eq!(
        roots.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
        vec!["Direction", "Orphan"]
    );
    assert!(roots[0].has_children);
    assert_eq!(p.children(Some("53")).unwrap()[0].path, "Direction/CTO/Dev");
}
