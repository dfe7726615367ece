//! Target mappings: parsing, checking against a target, and the values they give.

use super::mapping::*;
use crate::model::{ChoiceValue, Field, FieldType, Value};
use crate::store::attributes::Attributes;
use crate::sync::mapping::Mapping;

#[test]
fn the_builtin_scim_mapping_parses() {
    let m = TargetMapping::builtin_scim().unwrap();
    assert_eq!(m.match_on, "userName");
    assert!(m.rule("enterprise.manager").is_some());
    assert_eq!(m.rule("externalId").unwrap().from, From::SourceId);
}

#[test]
fn bad_mappings_name_the_problem() {
    let e = TargetMapping::parse(
        "t",
        "match_on = \"x\"\n[[attribute]]\nfield = \"y\"\nfrom = \"a\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("match_on `x` is not one of the mapped fields"),
        "{e}"
    );
    let e = TargetMapping::parse(
        "t",
        "match_on = \"y\"\n[[attribute]]\nfield = \"y\"\nfrom = \"{a\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("without its `}`"), "{e}");
    let e = TargetMapping::parse(
        "t",
        "match_on = \"y\"\n[[attribute]]\nfield = \"y\"\nfrom = \"a\"\ntransforms = [\"label\"]\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("does not apply here"), "{e}");
}

#[test]
fn templates_and_conversions_give_the_target_types() {
    let mut m = TargetMapping::parse(
        "t",
        r#"match_on = "userName"
        [[attribute]]
        field = "userName"
        from = "email"
        transforms = ["lowercase"]
        [[attribute]]
        field = "displayName"
        from = "{first_name} {last_name}"
        [[attribute]]
        field = "title"
        from = "position"
        [[attribute]]
        field = "externalId"
        from = "source_id"
        "#,
    )
    .unwrap();
    for r in &mut m.rules {
        r.field_type = FieldType::Text;
    }
    let mut attrs = Attributes::new();
    let put = |attrs: &mut Attributes, n: &str, v: Value| {
        attrs.insert(
            n.into(),
            crate::store::StoredAttr {
                value: vec![v],
                source_value: None,
                pending: false,
            },
        );
    };
    put(&mut attrs, "email", Value::Text("Zoe@Example.com".into()));
    put(&mut attrs, "first_name", Value::Text("Zoé".into()));
    put(
        &mut attrs,
        "position",
        Value::Choice(ChoiceValue {
            id: "7".into(),
            label: "Sales/Manager".into(),
        }),
    );
    let d = m.desired("42", &attrs);
    let get = |f: &str| d.iter().find(|(n, _)| n == f).unwrap().1.clone().unwrap();
    assert_eq!(get("userName"), vec![Value::Text("zoe@example.com".into())]);
    assert_eq!(get("displayName"), vec![Value::Text("Zoé".into())]);
    assert_eq!(get("title"), vec![Value::Text("Sales/Manager".into())]);
    assert_eq!(get("externalId"), vec![Value::Text("42".into())]);
}

#[test]
fn the_builtin_mapping_leaves_out_what_a_server_without_the_enterprise_extension_lacks() {
    let field = |name: &str| Field {
        name: name.into(),
        label: name.into(),
        field_type: FieldType::Text,
        required: false,
        writable: true,
        multi_valued: false,
        unique: false,
        custom: false,
        hierarchical: false,
        category: String::new(),
        remote_name: name.into(),
    };
    let fields: Vec<Field> = [
        "userName",
        "externalId",
        "displayName",
        "name.givenName",
        "name.familyName",
        "emails.work",
        "title",
    ]
    .into_iter()
    .map(field)
    .collect();
    let hr = Mapping::default_peoplespheres().unwrap();
    let mut m = TargetMapping::builtin_scim().unwrap();
    m.check(&fields, &hr).unwrap();
    assert!(m.rule("enterprise.department").is_none());
    assert!(m.rule("phoneNumbers.mobile").is_none());
    assert!(m.rule("name.givenName").is_some());
    // A mapping the operator wrote is held to every field it names.
    let mut own = TargetMapping::parse("own.toml", SCIM_MAPPING).unwrap();
    let e = own.check(&fields, &hr).unwrap_err().to_string();
    assert!(e.contains("the target connector has no such field"), "{e}");
}
