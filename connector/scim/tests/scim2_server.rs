//! The connector against a real SCIM server nobody here wrote: `scim2-server` 0.8.3 (PyPI), run
//! in memory as a child process on a free loopback port, driven over a small blocking `ureq`
//! transport (`common`). Install it with `pip install scim2-server==0.8.3`.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use common::{TOKEN, Ureq, open, start};
use scim_connector::model::{
    Attribute, AttributeChange, ChangeOp, Error, Field, FieldType, User, Value,
};
use scim_connector::session::Session;

/// What the host's conformance suite writes into a field (`n` tells users apart, `round` the
/// create from the update).
fn sample(f: &Field, n: usize, round: usize, reference: &str) -> Value {
    let lower = f.name.to_ascii_lowercase();
    match f.field_type {
        FieldType::Text if lower.contains("email") => {
            Value::Text(format!("conformance.{n}{round}@conformance.example"))
        }
        FieldType::Text if lower.contains("phone") || lower.contains("mobile") => {
            Value::Text(format!("+33 1 00 00 0{round} {n:02}"))
        }
        FieldType::Text if f.unique => Value::Text(format!("conformance-{n}-{round}")),
        FieldType::Text => Value::Text(format!("Conformance {round}")),
        FieldType::Boolean => Value::Boolean(round == 0),
        FieldType::Integer => Value::Integer(round as i64 + 7),
        FieldType::Decimal => Value::Decimal(round as f64 + 0.5),
        FieldType::Datetime => Value::Datetime(format!("2031-03-1{round}T00:00:00Z")),
        FieldType::Date => Value::Date("2031-03-10".into()),
        FieldType::Reference => Value::Reference(reference.into()),
        other => panic!("no sample for {other:?}"),
    }
}

fn values<'a>(u: &'a User, name: &str) -> &'a [Value] {
    u.attributes
        .iter()
        .find(|a| a.name == name)
        .map_or(&[], |a| a.values.as_slice())
}

fn field<'a>(fields: &'a [Field], name: &str) -> &'a Field {
    fields
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field {name}"))
}

fn user_attrs(user_name: &str) -> Vec<Attribute> {
    vec![Attribute {
        name: "userName".into(),
        values: vec![Value::Text(user_name.into())],
    }]
}

fn set(name: &str, v: Value) -> AttributeChange {
    AttributeChange {
        name: name.into(),
        op: ChangeOp::Set(vec![v]),
    }
}

fn count(s: &mut Session<Ureq>) -> u64 {
    s.list_users(None, 1).unwrap().total.unwrap()
}

#[test]
fn fields_describe_the_rfc_user() {
    let server = start();
    let mut s = open(&server, TOKEN);
    s.test_connection().unwrap();
    let fields = s.get_fields().unwrap();
    let user_name = field(&fields, "userName");
    assert!(user_name.required && user_name.unique && user_name.writable);
    assert_eq!(
        field(&fields, "name.givenName").remote_name,
        "name.givenName"
    );
    let work = field(&fields, "emails.work");
    assert_eq!(
        (work.remote_name.as_str(), work.category.as_str()),
        ("emails[type eq \"work\"].value", "contact")
    );
    assert_eq!(
        field(&fields, "phoneNumbers.mobile").field_type,
        FieldType::Text
    );
    let manager = field(&fields, "enterprise.manager");
    assert!(
        manager.field_type == FieldType::Reference
            && manager.writable
            && manager.category == "enterprise"
    );
    assert!(field(&fields, "enterprise.department").writable);
    assert!(field(&fields, "externalId").writable);
    assert!(field(&fields, "addresses.work.locality").writable);
    let groups = field(&fields, "groups");
    assert!(groups.multi_valued && !groups.writable);
    // The server refuses a profileUrl that is not a URI and re-encodes certificates: read-only.
    assert!(!field(&fields, "profileUrl").writable);
    assert!(!field(&fields, "x509Certificates.work").writable);
    for absent in ["id", "meta", "active", "password"] {
        assert!(fields.iter().all(|f| f.name != absent), "{absent}");
    }
    let names: HashSet<_> = fields.iter().map(|f| &f.name).collect();
    assert_eq!(names.len(), fields.len(), "field names are unique");
}

#[test]
fn every_writable_field_reads_back_as_written() {
    let server = start();
    let mut s = open(&server, TOKEN);
    let fields = s.get_fields().unwrap();
    let boss = s.create_user(&user_attrs("boss")).unwrap();
    let other_boss = s.create_user(&user_attrs("other-boss")).unwrap();
    let writable: Vec<&Field> = fields
        .iter()
        .filter(|f| f.writable && f.field_type != FieldType::Composite)
        .collect();
    let attrs: Vec<Attribute> = writable
        .iter()
        .map(|f| Attribute {
            name: f.name.clone(),
            values: vec![sample(f, 1, 0, &boss.id)],
        })
        .collect();
    let created = s.create_user(&attrs).unwrap();
    assert!(created.active);
    let read = s.get_user(&created.id).unwrap();
    for a in &attrs {
        assert_eq!(
            values(&created, &a.name),
            a.values.as_slice(),
            "{} after create",
            a.name
        );
        assert_eq!(
            values(&read, &a.name),
            a.values.as_slice(),
            "{} after get",
            a.name
        );
    }
    // Update each writable field, one change at a time.
    for f in &writable {
        let v = sample(f, 1, 1, &other_boss.id);
        let updated = s
            .update_user(&created.id, &[set(&f.name, v.clone())])
            .unwrap();
        assert_eq!(
            values(&updated, &f.name),
            std::slice::from_ref(&v),
            "{} after update",
            f.name
        );
        assert_eq!(
            values(&s.get_user(&created.id).unwrap(), &f.name),
            [v],
            "{} after get",
            f.name
        );
    }
    // Clear every optional writable field.
    for f in writable.iter().filter(|f| !f.required) {
        let cleared = s
            .update_user(
                &created.id,
                &[AttributeChange {
                    name: f.name.clone(),
                    op: ChangeOp::Clear,
                }],
            )
            .unwrap();
        assert!(
            values(&cleared, &f.name).is_empty(),
            "{} after clear",
            f.name
        );
    }
    let read = s.get_user(&created.id).unwrap();
    assert_eq!(
        read.attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        ["userName"]
    );
    // A manager set on a user that had none, then a typed entry added to an empty list.
    let u = s
        .update_user(
            &created.id,
            &[
                set("enterprise.manager", Value::Reference(boss.id.clone())),
                set("emails.home", Value::Text("h@x.example".into())),
            ],
        )
        .unwrap();
    assert_eq!(
        values(&u, "enterprise.manager"),
        [Value::Reference(boss.id.clone())]
    );
    assert_eq!(
        values(&u, "emails.home"),
        [Value::Text("h@x.example".into())]
    );
    // Suspend, then resume.
    let suspended = s.suspend_user(&created.id).unwrap();
    assert!(!suspended.active && !s.get_user(&created.id).unwrap().active);
    let resumed = s.resume_user(&created.id).unwrap();
    assert!(resumed.active && s.get_user(&created.id).unwrap().active);
}

#[test]
fn refusals() {
    let server = start();
    let mut s = open(&server, TOKEN);
    s.create_user(&user_attrs("jane")).unwrap();
    let before = count(&mut s);
    for dup in ["jane", "JANE"] {
        match s.create_user(&user_attrs(dup)) {
            Err(Error::AlreadyExists(a)) => assert_eq!(a.name, "userName"),
            other => panic!("{dup}: {other:?}"),
        }
    }
    assert_eq!(count(&mut s), before, "nothing was created");
    let mut attrs = user_attrs("john");
    attrs.push(Attribute {
        name: "favouriteColour".into(),
        values: vec![Value::Text("x".into())],
    });
    match s.create_user(&attrs) {
        Err(Error::InvalidInput(a)) => assert_eq!(a.name, "favouriteColour"),
        other => panic!("{other:?}"),
    }
    match s.update_user("nope", &[set("shoeSize", Value::Integer(4))]) {
        Err(Error::InvalidInput(a)) => assert_eq!(a.name, "shoeSize"),
        other => panic!("{other:?}"),
    }
    match s.create_user(&[Attribute {
        name: "userName".into(),
        values: vec![Value::Integer(3)],
    }]) {
        Err(Error::InvalidInput(a)) => assert_eq!(a.name, "userName"),
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&mut s), before);
    assert!(matches!(s.get_user("no-such-id"), Err(Error::NotFound(_))));
    assert!(matches!(
        s.update_user("no-such-id", &[set("title", Value::Text("x".into()))]),
        Err(Error::NotFound(_))
    ));
    let mut bad = open(&server, "wrong-token");
    assert!(matches!(bad.test_connection(), Err(Error::Unauthorized(_))));
    assert!(matches!(bad.get_user("x"), Err(Error::Unauthorized(_))));
    // A quote and a backslash in a userName survive the duplicate lookup's filter.
    let odd = "o\"dd\\name";
    let created = s.create_user(&user_attrs(odd)).unwrap();
    assert_eq!(values(&created, "userName"), [Value::Text(odd.into())]);
    assert!(matches!(
        s.create_user(&user_attrs(odd)),
        Err(Error::AlreadyExists(_))
    ));
}

#[test]
fn pages_of_two_list_everyone_once() {
    let server = start();
    let mut s = open(&server, TOKEN);
    let mut ids = HashSet::new();
    for i in 0..5 {
        ids.insert(
            s.create_user(&user_attrs(&format!("pager-{i}")))
                .unwrap()
                .id,
        );
    }
    let mut seen = Vec::new();
    let mut token = None;
    loop {
        let page = s.list_users(token.as_deref(), 2).unwrap();
        assert!(page.users.len() <= 2);
        assert_eq!(page.total, Some(5));
        seen.extend(page.users.into_iter().map(|u| u.id));
        match page.next_page_token {
            Some(t) => token = Some(t),
            None => break,
        }
    }
    assert_eq!(seen.len(), 5);
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), ids);
    assert!(
        matches!(s.list_users(Some("garbage"), 2), Err(Error::InvalidInput(a)) if a.name == "page-token")
    );
}

#[test]
fn a_concurrent_change_is_retried_with_the_new_version() {
    let server = start();
    let mut a = open(&server, TOKEN);
    let mut b = open(&server, TOKEN);
    let u = a.create_user(&user_attrs("shared")).unwrap();
    // `b` reads the user, `a` changes it: `b`'s version is stale, its PATCH gets a 412, then
    // `b` reads again and applies its change on top.
    b.get_user(&u.id).unwrap();
    a.update_user(&u.id, &[set("title", Value::Text("Conformance 0".into()))])
        .unwrap();
    let after = b
        .update_user(
            &u.id,
            &[set("nickName", Value::Text("Conformance 1".into()))],
        )
        .unwrap();
    assert_eq!(
        values(&after, "title"),
        [Value::Text("Conformance 0".into())]
    );
    assert_eq!(
        values(&after, "nickName"),
        [Value::Text("Conformance 1".into())]
    );
}
