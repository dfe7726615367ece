use super::*;
use crate::fixtures;
use crate::model::Value;

const ENT: &str = crate::discovery::ENTERPRISE_USER;

fn a(name: &str, v: Value) -> Attribute {
    Attribute {
        name: name.into(),
        values: vec![v],
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

fn set(name: &str, v: Value) -> AttributeChange {
    AttributeChange {
        name: name.into(),
        op: ChangeOp::Set(vec![v]),
    }
}

fn clear(name: &str) -> AttributeChange {
    AttributeChange {
        name: name.into(),
        op: ChangeOp::Clear,
    }
}

fn invalid(r: Result<Vec<Edit>, Error>) -> String {
    match r {
        Err(Error::InvalidInput(a)) => a.name,
        other => panic!("{other:?}"),
    }
}

#[test]
fn create_bodies_are_nested() {
    let specs = fixtures::specs();
    let attrs = [
        a("userName", text("alice")),
        a("name.givenName", text("Alice")),
        a("emails.work", text("a@w")),
        a("enterprise.manager", Value::Reference("b1".into())),
        a("enterprise.department", text("D")),
    ];
    let edits = checked_attributes(&specs, &attrs).unwrap();
    let body = create_body("urn:core", &[ENT.into()], &edits);
    assert_eq!(
        body,
        json!({
            "schemas": ["urn:core", ENT],
            "userName": "alice",
            "name": {"givenName": "Alice"},
            "emails": [{"value": "a@w", "type": "work", "primary": true}],
            ENT: {"manager": {"value": "b1"}, "department": "D"},
            "active": true,
        })
    );
    let body = create_body(
        "urn:core",
        &[ENT.into()],
        &checked_attributes(&specs, &attrs[..1]).unwrap(),
    );
    assert_eq!(body["schemas"], json!(["urn:core"]));
}

#[test]
fn checks() {
    let specs = fixtures::specs();
    assert_eq!(
        invalid(checked_attributes(
            &specs,
            &[a("userName", text("u")), a("shoeSize", text("9"))]
        )),
        "shoeSize"
    );
    assert_eq!(
        invalid(checked_attributes(&specs, &[a("title", text("t"))])),
        "userName"
    );
    assert_eq!(
        invalid(checked_attributes(
            &specs,
            &[a("userName", Value::Integer(1))]
        )),
        "userName"
    );
    assert_eq!(
        invalid(checked_changes(&specs, &[set("groups", text("g"))])),
        "groups"
    );
    assert_eq!(
        invalid(checked_changes(&specs, &[clear("userName")])),
        "userName"
    );
    assert_eq!(
        invalid(checked_changes(&specs, &[set("nope", text("x"))])),
        "nope"
    );
    assert!(checked_changes(&specs, &[clear("title")]).is_ok());
}

#[test]
fn patch_operations() {
    let specs = fixtures::specs();
    let changes = [
        set("name.givenName", text("G")),
        clear("title"),
        set("enterprise.department", text("D")),
        set("enterprise.manager", Value::Reference("m2".into())),
        clear("enterprise.employeeNumber"),
    ];
    let edits = checked_changes(&specs, &changes).unwrap();
    assert!(!needs_current(&edits));
    assert_eq!(
        patch_body(patch_ops(&edits, &Json::Null)),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "replace", "path": "name.givenName", "value": "G"},
                {"op": "remove", "path": "title"},
                {"op": "replace", "path": format!("{ENT}:department"), "value": "D"},
                {"op": "replace", "path": format!("{ENT}:manager"), "value": {"value": "m2"}},
                {"op": "remove", "path": format!("{ENT}:employeeNumber")},
            ],
        })
    );
    assert_eq!(
        patch_ops(&[Edit::Active(false)], &Json::Null),
        [json!({"op": "replace", "path": "active", "value": false})]
    );
}

#[test]
fn typed_entries_replace_the_merged_list() {
    let specs = fixtures::specs();
    let current = fixtures::alice();
    let edits = checked_changes(
        &specs,
        &[
            set("emails.other", text("o@x")),
            clear("emails.home"),
            set("emails.work", text("w@x")),
        ],
    )
    .unwrap();
    assert!(needs_current(&edits));
    assert_eq!(
        patch_ops(&edits, &current),
        [json!({"op": "replace", "path": "emails", "value": [
            {"value": "w@x", "type": "work", "primary": true},
            {"value": "o@x", "type": "other"},
        ]})]
    );
    // The last entry cleared removes the attribute; clearing what is absent sends nothing.
    let edits = checked_changes(
        &specs,
        &[clear("addresses.work.locality"), clear("emails.other")],
    )
    .unwrap();
    assert_eq!(
        patch_ops(&edits, &current),
        [json!({"op": "remove", "path": "addresses"})]
    );
}

#[test]
fn put_merges_into_the_current_resource() {
    let specs = fixtures::specs();
    let edits = checked_changes(
        &specs,
        &[
            set("title", text("CTO")),
            clear("enterprise.department"),
            clear("enterprise.manager"),
        ],
    )
    .unwrap();
    let body = put_body(
        &fixtures::alice(),
        "urn:ietf:params:scim:schemas:core:2.0:User",
        &[ENT.into()],
        &edits,
    );
    assert_eq!(body["title"], "CTO");
    assert!(body.get("meta").is_none());
    assert!(body.get(ENT).is_none());
    assert_eq!(
        body["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:User"])
    );
    assert_eq!(body["userName"], "alice");
    let mut merged = fixtures::alice();
    merge(&mut merged, &[Edit::Active(true)]);
    assert_eq!(merged["active"], true);
}

#[test]
fn filters_escape_quotes_and_backslashes() {
    assert_eq!(filter_eq("userName", "bjensen"), "userName eq \"bjensen\"");
    assert_eq!(
        filter_eq("userName", "a\"b\\c"),
        "userName eq \"a\\\"b\\\\c\""
    );
}
