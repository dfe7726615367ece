use super::*;
use crate::fixtures;
use crate::naming;
use serde_json::json;

const ENT: &str = crate::discovery::ENTERPRISE_USER;

fn specs() -> Vec<Spec> {
    fixtures::specs()
}

fn spec<'a>(specs: &'a [Spec], name: &str) -> &'a Spec {
    naming::find(specs, name).unwrap()
}

fn attr<'a>(u: &'a User, name: &str) -> Option<&'a [Value]> {
    u.attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.values.as_slice())
}

#[test]
fn resource_to_user() {
    let s = specs();
    let u = to_user(&s, &fixtures::alice()).unwrap();
    assert_eq!(u.id, "2819c223");
    assert_eq!(u.display_name, "Alice Martin");
    assert!(!u.active);
    let t = |x: &str| vec![Value::Text(x.into())];
    assert_eq!(attr(&u, "userName"), Some(t("alice").as_slice()));
    assert_eq!(attr(&u, "externalId"), Some(t("ext-1").as_slice()));
    assert_eq!(attr(&u, "name.givenName"), Some(t("Alice").as_slice()));
    assert_eq!(
        attr(&u, "emails.work"),
        Some(t("alice@work.example").as_slice())
    );
    // Types match case-insensitively; an untyped entry reads as work.
    assert_eq!(
        attr(&u, "emails.home"),
        Some(t("alice@home.example").as_slice())
    );
    assert_eq!(
        attr(&u, "phoneNumbers.work"),
        Some(t("+33 1 00 00 00 01").as_slice())
    );
    assert_eq!(
        attr(&u, "addresses.work.locality"),
        Some(t("Paris").as_slice())
    );
    assert_eq!(
        attr(&u, "groups"),
        Some([t("Admins"), t("g2")].concat().as_slice())
    );
    assert_eq!(attr(&u, "enterprise.department"), Some(t("R&D").as_slice()));
    assert_eq!(
        attr(&u, "enterprise.manager"),
        Some([Value::Reference("boss-1".into())].as_slice())
    );
    assert_eq!(
        attr(&u, "hired"),
        Some([Value::Datetime("2031-03-10T09:00:00Z".into())].as_slice())
    );
    assert_eq!(
        attr(&u, "employeeCount"),
        Some([Value::Integer(3)].as_slice())
    );
    assert_eq!(attr(&u, "emails.other"), None);
    assert_eq!(attr(&u, "title"), Some(t("Engineer").as_slice()));
    assert!(u.attributes.iter().all(|a| !a.values.is_empty()));
}

#[test]
fn display_names_and_defaults() {
    assert_eq!(
        display_name(&json!({"displayName": "D", "userName": "u"})),
        "D"
    );
    assert_eq!(
        display_name(&json!({"name": {"formatted": "F", "givenName": "G"}})),
        "F"
    );
    assert_eq!(
        display_name(&json!({"name": {"familyName": "Fam"}, "userName": "u"})),
        "Fam"
    );
    assert_eq!(display_name(&json!({"userName": "u"})), "u");
    let u = to_user(&specs(), &json!({"id": "1", "userName": "u"})).unwrap();
    assert!(u.active, "absent active is true");
    assert!(matches!(
        to_user(&specs(), &json!({"userName": "u"})),
        Err(Error::Protocol(_))
    ));
}

#[test]
fn encoding_checks_values() {
    let s = specs();
    let e = |n: &str, v: Vec<Value>| encode(spec(&s, n), &v);
    assert_eq!(
        e("title", vec![Value::Text("x".into())]).unwrap(),
        Some(json!("x"))
    );
    assert_eq!(e("title", vec![]).unwrap(), None);
    assert_eq!(
        e(
            "nicknames",
            vec![Value::Text("a".into()), Value::Text("b".into())]
        )
        .unwrap(),
        Some(json!(["a", "b"]))
    );
    assert_eq!(
        e(
            "hired",
            vec![Value::Datetime("2031-03-10T02:00:00+02:00".into())]
        )
        .unwrap(),
        Some(json!("2031-03-10T00:00:00Z"))
    );
    let name = |r: Result<Option<Json>, Error>| match r {
        Err(Error::InvalidInput(a)) => a.name,
        other => panic!("{other:?}"),
    };
    assert_eq!(name(e("title", vec![Value::Integer(1)])), "title");
    assert_eq!(
        name(e(
            "title",
            vec![Value::Text("a".into()), Value::Text("b".into())]
        )),
        "title"
    );
    assert_eq!(
        name(e(
            "hired",
            vec![Value::Datetime("2031-02-30T00:00:00Z".into())]
        )),
        "hired"
    );
    assert_eq!(
        name(e("enterprise.manager", vec![Value::Text("boss".into())])),
        "enterprise.manager"
    );
    assert_eq!(name(e("groups", vec![Value::Text("g".into())])), "groups");
    assert_eq!(name(e("score", vec![Value::Decimal(f64::NAN)])), "score");
}

#[test]
fn apply_nests_and_prunes() {
    let s = specs();
    let mut r = json!({});
    apply(&mut r, spec(&s, "name.givenName"), Some(json!("A")));
    apply(&mut r, spec(&s, "emails.work"), Some(json!("w@x")));
    apply(&mut r, spec(&s, "emails.home"), Some(json!("h@x")));
    apply(
        &mut r,
        spec(&s, "addresses.home.country"),
        Some(json!("FR")),
    );
    apply(&mut r, spec(&s, "enterprise.manager"), Some(json!("b1")));
    apply(&mut r, spec(&s, "enterprise.department"), Some(json!("D")));
    assert_eq!(
        r,
        json!({
            "name": {"givenName": "A"},
            "emails": [{"value": "w@x", "type": "work", "primary": true}, {"value": "h@x", "type": "home"}],
            "addresses": [{"country": "FR", "type": "home", "primary": true}],
            ENT: {"manager": {"value": "b1"}, "department": "D"},
        })
    );
    // Replacing keeps the entry; clearing drops what became empty.
    apply(&mut r, spec(&s, "emails.work"), Some(json!("w2@x")));
    assert_eq!(
        r["emails"][0],
        json!({"value": "w2@x", "type": "work", "primary": true})
    );
    for n in [
        "name.givenName",
        "emails.work",
        "emails.home",
        "addresses.home.country",
        "enterprise.manager",
        "enterprise.department",
        "title",
    ] {
        apply(&mut r, spec(&s, n), None);
    }
    assert_eq!(r, json!({}));
    // An untyped entry is the work entry.
    let mut r = json!({"phoneNumbers": [{"value": "1"}]});
    apply(&mut r, spec(&s, "phoneNumbers.work"), Some(json!("2")));
    assert_eq!(r, json!({"phoneNumbers": [{"value": "2"}]}));
}

#[test]
fn schemas_list_present_extensions() {
    let mut r = json!({"userName": "u"});
    set_schemas(&mut r, "core", &[ENT.to_string()]);
    assert_eq!(r["schemas"], json!(["core"]));
    r[ENT] = json!({"department": "D"});
    set_schemas(&mut r, "core", &[ENT.to_string()]);
    assert_eq!(r["schemas"], json!(["core", ENT]));
}
