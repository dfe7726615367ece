use super::*;
use crate::fixtures;
use serde_json::json;

fn by_name(specs: &[Spec], name: &str) -> Field {
    specs
        .iter()
        .find(|s| s.field.name == name)
        .unwrap_or_else(|| panic!("no field {name}"))
        .field
        .clone()
}

#[test]
fn schema_attributes_become_fields() {
    let specs = fixtures::specs();
    let f = |n: &str| by_name(&specs, n);
    let u = f("userName");
    assert!(u.required && u.unique && u.writable && !u.multi_valued);
    assert_eq!(
        (u.category.as_str(), u.remote_name.as_str()),
        ("identity", "userName")
    );
    assert_eq!(
        u.label,
        "Unique identifier for the User, typically used by the user"
    );
    assert_eq!(f("name.givenName").remote_name, "name.givenName");
    assert!(f("name.givenName").writable && !f("name.givenName").required);
    assert_eq!(f("externalId").field_type, FieldType::Text);
    assert!(f("externalId").writable);
    // Types.
    assert_eq!(f("employeeCount").field_type, FieldType::Integer);
    assert_eq!(f("score").field_type, FieldType::Decimal);
    assert_eq!(f("hired").field_type, FieldType::Datetime);
    assert_eq!(f("vip").field_type, FieldType::Boolean);
    assert!(f("nicknames").multi_valued && f("nicknames").writable);
    // References and binaries are text, read-only.
    assert!(!f("profileUrl").writable && f("profileUrl").field_type == FieldType::Text);
    assert!(!f("photos.photo").writable);
    assert!(!f("x509Certificates.work").writable);
    // Typed entries: canonical values, else RFC 7643's, else work/home/other.
    let work = f("emails.work");
    assert_eq!(work.remote_name, "emails[type eq \"work\"].value");
    assert_eq!(
        (work.category.as_str(), work.label.as_str()),
        ("contact", "The emails of the User (work)")
    );
    for n in [
        "emails.home",
        "emails.other",
        "phoneNumbers.mobile",
        "phoneNumbers.pager",
        "photos.thumbnail",
        "entitlements.work",
        "entitlements.other",
    ] {
        f(n);
    }
    assert!(specs.iter().all(|s| s.field.name != "emails.mobile"));
    // Addresses: type × sub-attribute.
    let loc = f("addresses.home.locality");
    assert_eq!(loc.remote_name, "addresses[type eq \"home\"].locality");
    assert!(loc.writable && loc.category == "contact");
    assert!(
        specs
            .iter()
            .all(|s| !s.field.name.starts_with("addresses.other"))
    );
    assert!(specs.iter().all(|s| !s.field.name.ends_with(".primary")));
    // Groups.
    let g = f("groups");
    assert!(g.multi_valued && !g.writable && g.field_type == FieldType::Text);
    // The enterprise extension.
    let m = f("enterprise.manager");
    assert_eq!(m.field_type, FieldType::Reference);
    assert!(m.writable && m.category == "enterprise" && !m.custom);
    assert_eq!(m.remote_name, format!("{ENTERPRISE_USER}:manager"));
    assert_eq!(
        f("enterprise.department").remote_name,
        format!("{ENTERPRISE_USER}:department")
    );
    assert!(
        specs
            .iter()
            .all(|s| !s.field.name.starts_with("enterprise.manager."))
    );
    // Never fields.
    for n in ["id", "meta", "active", "password", "schemas"] {
        assert!(specs.iter().all(|s| s.field.name != n), "{n}");
    }
}

#[test]
fn capabilities_and_resource_types() {
    let c = capabilities(&fixtures::spc(true, true));
    assert_eq!(
        c,
        Capabilities {
            patch: true,
            etag: true,
            max_results: Some(200),
            cursor: true
        }
    );
    assert_eq!(capabilities(&json!({})), Capabilities::default());
    let ut = user_type(&list_items(&fixtures::resource_types())).unwrap();
    assert_eq!(ut.endpoint, "/Users");
    assert_eq!(ut.extensions, [ENTERPRISE_USER]);
    // A bare array is a list too.
    let bare = json!([{"name": "User", "endpoint": "/people", "schema": CORE_USER}]);
    let ut = user_type(&list_items(&bare)).unwrap();
    assert_eq!((ut.endpoint.as_str(), ut.extensions.len()), ("/people", 0));
    assert!(user_type(&[]).is_none());
}

#[test]
fn custom_extensions_use_their_short_name() {
    let urn = "urn:acme:params:scim:schemas:extension:acme:1.0:User";
    let ut = UserType {
        endpoint: "/Users".into(),
        schema: CORE_USER.into(),
        extensions: vec![urn.into(), "urn:missing".into()],
    };
    let ext = json!({"id": urn, "attributes": [
        {"name": "badge", "type": "integer", "mutability": "immutable", "uniqueness": "global"},
        {"name": "secret", "type": "string", "mutability": "writeOnly"},
        {"name": "computed", "type": "string", "mutability": "readOnly"},
    ]});
    let specs = fields(&ut, &[fixtures::core_schema(), ext]);
    let badge = by_name(&specs, "acme.badge");
    assert!(badge.writable && badge.unique && badge.custom && badge.category == "acme");
    assert!(!by_name(&specs, "acme.computed").writable);
    assert!(specs.iter().all(|s| s.field.name != "acme.secret"));
}

#[test]
fn every_dotted_name_has_its_groups_declared_as_composites_first() {
    let f = |name: &str| crate::model::Field {
        name: name.into(),
        label: name.into(),
        field_type: crate::model::FieldType::Text,
        required: false,
        writable: true,
        multi_valued: false,
        unique: false,
        custom: false,
        hierarchical: false,
        category: "identity".into(),
        remote_name: name.into(),
    };
    let out = crate::naming::with_composites(vec![
        f("userName"),
        f("name.givenName"),
        f("name.familyName"),
        f("addresses.work.locality"),
    ]);
    let names: Vec<(&str, crate::model::FieldType)> = out
        .iter()
        .map(|f| (f.name.as_str(), f.field_type))
        .collect();
    use crate::model::FieldType::{Composite, Text};
    assert_eq!(
        names,
        vec![
            ("userName", Text),
            ("name", Composite),
            ("name.givenName", Text),
            ("name.familyName", Text),
            ("addresses", Composite),
            ("addresses.work", Composite),
            ("addresses.work.locality", Text),
        ]
    );
    assert!(
        out.iter()
            .filter(|f| f.field_type == Composite)
            .all(|f| !f.writable)
    );
}
