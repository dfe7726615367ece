//! End to end: the PeopleSpheres component writes to a simulated tenant through the reference
//! host. Create → get round trips for every writable field, partial updates, relationships,
//! suspend/resume, and duplicates and bad input refused with no write sent. (Faults during
//! reads and writes: `faults.rs`.)

use std::collections::BTreeSet;

use connector_host::connector::Session;
use connector_host::error::ConnectorError;
use connector_host::model::{Attribute, AttributeChange, FieldType, User, Value};
use connector_tests::writing::{
    attr, by_id, by_path, clear, count, date, invalid_name, minimal, open, set, text, typed, writes,
};
use connector_tests::{list_all, runtime, simulator};

/// The id of a choice reached by walking `list-choices` along a label path.
fn choice_id(session: &mut dyn Session, field: &str, path: &str) -> String {
    let mut parent: Option<String> = None;
    for seg in path.split('/') {
        let level = runtime()
            .block_on(session.list_choices(field, parent.as_deref()))
            .expect("choices");
        parent = Some(
            level
                .into_iter()
                .find(|c| c.label == seg)
                .unwrap_or_else(|| panic!("{field}: {seg}"))
                .id,
        );
    }
    parent.expect("a path")
}

fn choice_of(user: &User, name: &str) -> Vec<(String, String)> {
    user.values(name)
        .iter()
        .map(|v| match v {
            Value::Choice(c) => (c.id.clone(), c.label.clone()),
            other => panic!("{name} is not a choice: {other:?}"),
        })
        .collect()
}

#[test]
fn create_then_get_round_trips_every_writable_field() {
    let sim = simulator(40);
    let mut s = open(&sim);
    let fields = runtime().block_on(s.get_fields()).expect("fields");
    let dept = choice_id(s.as_mut(), "department", "Informatique/Infrastructure");
    let mut attrs = minimal("all");
    attrs.extend([
        attr("birth_date", vec![date("1992-02-29")]),
        attr("phone", vec![text("+33 1 11 22 33 44")]),
        attr("mobile", vec![text("+33 6 11 22 33 44")]),
        attr("manager", vec![Value::Reference("1".into())]),
        attr("hr_manager", vec![Value::Reference("2".into())]),
        attr("mentor", vec![Value::Reference("3".into())]),
        attr(
            "position",
            vec![by_path(
                "Directeur général/Directeur technique/Chef de projet/Développeur",
            )],
        ),
        attr("business_unit", vec![by_path("Ventes/France/Paris")]),
        attr("department", vec![by_id(&dept)]),
        attr("socio_professional_category", vec![by_path("Cadre")]),
        attr("position_start_date", vec![date("2024-03-01")]),
        attr("contract.type", vec![by_path("CDD")]),
        attr("contract.start_date", vec![date("2020-01-06")]),
        attr("contract.end_date", vec![date("2027-01-05")]),
        attr(
            "career_history.position",
            vec![text("Stagiaire"), text("Développeur")],
        ),
        attr(
            "career_history.department",
            vec![text("Informatique"), text("Informatique/Infrastructure")],
        ),
        attr(
            "career_history.start_date",
            vec![date("2019-01-07"), date("2020-01-06")],
        ),
        attr("career_history.end_date", vec![date("2019-06-28")]),
        attr("usr_badge_number", vec![text("B-ROUND-1")]),
        attr("usr_tshirt_size", vec![by_path("M")]),
        attr("usr_remote_days", vec![Value::Decimal(2.5)]),
        attr("usr_skills", vec![by_path("Rust"), by_path("Anglais")]),
        attr("usr_company_car", vec![Value::Boolean(true)]),
    ]);
    // Every writable non-composite field is covered.
    let given: BTreeSet<&str> = attrs.iter().map(|a| a.name.as_str()).collect();
    for f in fields
        .iter()
        .filter(|f| f.writable && f.field_type != FieldType::Composite)
    {
        assert!(
            given.contains(f.name.as_str()),
            "writable field {} is not exercised",
            f.name
        );
    }
    let before = sim.user_count();
    let created = runtime()
        .block_on(s.create_user(attrs.clone()))
        .expect("create");
    assert_eq!(sim.user_count(), before + 1);
    assert_eq!(count(&sim, "POST", "/psos"), 1);
    assert!(created.active);
    let got = runtime().block_on(s.get_user(&created.id)).expect("get");
    assert_eq!(got, created, "create returns the user as stored");
    for a in &attrs {
        let stored = got.values(&a.name);
        match a.values.first() {
            Some(Value::Choice(c)) if c.id.is_empty() => {
                let labels: Vec<String> = choice_of(&got, &a.name)
                    .into_iter()
                    .map(|(_, l)| l)
                    .collect();
                let mut want: Vec<String> = a
                    .values
                    .iter()
                    .map(|v| match v {
                        Value::Choice(c) => c.label.clone(),
                        _ => unreachable!(),
                    })
                    .collect();
                let mut labels_sorted = labels.clone();
                labels_sorted.sort();
                want.sort();
                assert_eq!(labels_sorted, want, "{}", a.name);
            }
            Some(Value::Choice(c)) => assert_eq!(choice_of(&got, &a.name)[0].0, c.id, "{}", a.name),
            _ => assert_eq!(stored, a.values.as_slice(), "{}", a.name),
        }
    }
    assert_eq!(
        choice_of(&got, "department")[0].1,
        "Informatique/Infrastructure"
    );
    // The simulator computes seniority from the contract.
    assert!(matches!(
        got.values("seniority").first(),
        Some(Value::Decimal(_))
    ));
    assert_eq!(got.values("active"), &[Value::Boolean(true)]);
    // Listed too, once.
    let listed = list_all(s.as_mut(), 100, |_| {});
    assert_eq!(
        listed
            .iter()
            .filter(|u| u.id == created.id)
            .collect::<Vec<_>>(),
        vec![&got]
    );
}

#[test]
fn update_sets_and_clears_each_kind_of_attribute() {
    let sim = simulator(40);
    let mut s = open(&sim);
    let id = "20";
    let before = runtime().block_on(s.get_user(id)).expect("get");
    let bu = choice_id(s.as_mut(), "business_unit", "Services/Conseil");
    sim.clear_journal();
    let changes = vec![
        set("last_name", vec![text("Durand")]),
        set("birth_date", vec![date("1988-12-31")]),
        clear("phone"),
        set("mobile", vec![text("+33 6 00 00 00 01")]),
        set(
            "position",
            vec![by_path(
                "Directeur général/Directeur administratif et financier/Comptable",
            )],
        ),
        set("business_unit", vec![by_id(&bu)]),
        set("department", vec![by_path("Finance/Comptabilité")]),
        set("socio_professional_category", vec![by_path("ETAM")]),
        set("position_start_date", vec![date("2025-02-03")]),
        set("contract.end_date", vec![date("2028-02-29")]),
        set("career_history.position", vec![text("Comptable")]),
        set("usr_badge_number", vec![text("B-UPD-20")]),
        set("usr_tshirt_size", vec![by_path("XL")]),
        set("usr_remote_days", vec![Value::Decimal(1.0)]),
        set(
            "usr_skills",
            vec![by_path("Excel"), by_path("Comptabilité")],
        ),
        set("usr_company_car", vec![Value::Boolean(false)]),
    ];
    let after = runtime()
        .block_on(s.update_user(id, changes))
        .expect("update");
    assert_eq!(
        writes(&sim),
        vec![format!("/psos/{id}/form-instances/2")],
        "one write"
    );
    assert_eq!(after, runtime().block_on(s.get_user(id)).expect("get"));
    assert_eq!(after.values("last_name"), &[text("Durand")]);
    assert_eq!(after.values("birth_date"), &[date("1988-12-31")]);
    assert!(after.values("phone").is_empty());
    assert_eq!(after.values("mobile"), &[text("+33 6 00 00 00 01")]);
    assert_eq!(
        choice_of(&after, "position")[0].1,
        "Directeur général/Directeur administratif et financier/Comptable"
    );
    assert_eq!(
        choice_of(&after, "business_unit")[0],
        (bu.clone(), "Services/Conseil".into())
    );
    assert_eq!(choice_of(&after, "department")[0].1, "Finance/Comptabilité");
    assert_eq!(
        choice_of(&after, "socio_professional_category")[0].1,
        "ETAM"
    );
    assert_eq!(after.values("position_start_date"), &[date("2025-02-03")]);
    assert_eq!(after.values("contract.end_date"), &[date("2028-02-29")]);
    assert_eq!(
        after.values("contract.start_date"),
        before.values("contract.start_date"),
        "other sub-fields kept"
    );
    assert_eq!(
        after.values("career_history.position"),
        &[text("Comptable")]
    );
    assert_eq!(after.values("usr_badge_number"), &[text("B-UPD-20")]);
    assert_eq!(choice_of(&after, "usr_tshirt_size")[0].1, "XL");
    assert_eq!(after.values("usr_remote_days"), &[Value::Decimal(1.0)]);
    let mut skills: Vec<String> = choice_of(&after, "usr_skills")
        .into_iter()
        .map(|c| c.1)
        .collect();
    skills.sort();
    assert_eq!(skills, vec!["Comptabilité", "Excel"]);
    assert_eq!(after.values("usr_company_car"), &[Value::Boolean(false)]);
    assert_eq!(
        after.values("first_name"),
        before.values("first_name"),
        "unnamed attributes untouched"
    );
    // Clear a composite sub-field, a custom field and a multi-valued field; re-setting a value it
    // already has writes nothing more than needed.
    let cleared = runtime()
        .block_on(s.update_user(
            id,
            vec![
                clear("contract.end_date"),
                clear("usr_badge_number"),
                set("usr_skills", vec![]),
                set("last_name", vec![text("Durand")]),
            ],
        ))
        .expect("clear");
    assert!(cleared.values("contract.end_date").is_empty());
    assert!(cleared.values("usr_badge_number").is_empty());
    assert!(cleared.values("usr_skills").is_empty());
    assert_eq!(
        cleared.values("contract.start_date"),
        before.values("contract.start_date")
    );
    // Nothing to change: no write at all.
    sim.clear_journal();
    runtime()
        .block_on(s.update_user(id, vec![set("last_name", vec![text("Durand")])]))
        .expect("no-op");
    assert!(writes(&sim).is_empty());
}

#[test]
fn managers_hr_and_mentors_are_assigned_and_removed() {
    let sim = simulator(30);
    let mut s = open(&sim);
    let id = "12";
    let u = runtime()
        .block_on(s.update_user(
            id,
            vec![
                set("manager", vec![Value::Reference("5".into())]),
                set("hr_manager", vec![Value::Reference("3".into())]),
                set("mentor", vec![Value::Reference("4".into())]),
            ],
        ))
        .expect("assign");
    for (name, want) in [("manager", "5"), ("hr_manager", "3"), ("mentor", "4")] {
        assert_eq!(u.values(name), &[Value::Reference(want.into())], "{name}");
    }
    let listed = list_all(s.as_mut(), 10, |_| {});
    assert_eq!(
        listed.iter().find(|x| x.id == id),
        Some(&u),
        "list agrees with get"
    );
    let u = runtime()
        .block_on(s.update_user(
            id,
            vec![clear("manager"), clear("hr_manager"), set("mentor", vec![])],
        ))
        .expect("remove");
    for name in ["manager", "hr_manager", "mentor"] {
        assert!(u.values(name).is_empty(), "{name} removed");
    }
    let listed = list_all(s.as_mut(), 10, |_| {});
    assert_eq!(listed.iter().find(|x| x.id == id), Some(&u));
    assert_eq!(runtime().block_on(s.get_user(id)).expect("get"), u);
    // Unknown manager: typed error naming attribute and id, nothing written.
    sim.clear_journal();
    let e = typed(runtime().block_on(s.update_user(
        id,
        vec![set("manager", vec![Value::Reference("9999".into())])],
    )));
    match &e {
        ConnectorError::InvalidInput { name, reason } => {
            assert!(name == "manager" && reason.contains("9999"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(writes(&sim).is_empty());
}

#[test]
fn suspend_and_resume_show_in_get_and_list() {
    let sim = simulator(30);
    let mut s = open(&sim);
    let id = sim
        .users()
        .into_iter()
        .find(|u| u.id > 6 && u.active)
        .expect("an active user")
        .id;
    let ids = id.to_string();
    let u = runtime().block_on(s.suspend_user(&ids)).expect("suspend");
    assert!(!u.active);
    assert_eq!(u.values("active"), &[Value::Boolean(false)]);
    assert!(!sim.user(id).expect("user").active);
    let listed = list_all(s.as_mut(), 7, |_| {});
    assert!(!listed.iter().find(|x| x.id == ids).expect("listed").active);
    let u = runtime().block_on(s.resume_user(&ids)).expect("resume");
    assert!(u.active);
    let listed = list_all(s.as_mut(), 7, |_| {});
    assert!(listed.iter().find(|x| x.id == ids).expect("listed").active);
    assert_eq!(count(&sim, "POST", &format!("/psos/{id}/status")), 2);
    // Resuming an active user writes nothing.
    runtime()
        .block_on(s.resume_user(&ids))
        .expect("resume again");
    assert_eq!(count(&sim, "POST", &format!("/psos/{id}/status")), 2);
}

#[test]
fn duplicates_are_already_exists_and_send_no_create() {
    let sim = simulator(30);
    let mut s = open(&sim);
    let existing = sim.user(8).expect("user 8");
    let email = existing
        .text("professional_email")
        .expect("email")
        .to_string();
    let username = existing.text("username").expect("username").to_string();
    sim.clear_journal();
    let mut attrs = minimal("dup1");
    attrs[3] = attr("email", vec![text(&email)]);
    match typed(runtime().block_on(s.create_user(attrs))) {
        ConnectorError::AlreadyExists { name, .. } => assert_eq!(name, "email"),
        other => panic!("{other:?}"),
    }
    let mut attrs = minimal("dup2");
    attrs[0] = attr("username", vec![text(&username)]);
    match typed(runtime().block_on(s.create_user(attrs))) {
        ConnectorError::AlreadyExists { name, .. } => assert_eq!(name, "username"),
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&sim, "POST", "/psos"), 0, "no create sent");
    // A custom unique field too.
    let mut first = minimal("badge1");
    first.push(attr("usr_badge_number", vec![text("B-DUP")]));
    runtime().block_on(s.create_user(first)).expect("first");
    let mut second = minimal("badge2");
    second.push(attr("usr_badge_number", vec![text("B-DUP")]));
    match typed(runtime().block_on(s.create_user(second))) {
        ConnectorError::AlreadyExists { name, .. } => assert_eq!(name, "usr_badge_number"),
        other => panic!("{other:?}"),
    }
    assert_eq!(count(&sim, "POST", "/psos"), 1);
    // Uniqueness is case-insensitive upstream: the lookup also tries the lower-case spelling,
    // so no create is sent.
    let mut attrs = minimal("dup3");
    attrs[3] = attr("email", vec![text(&email.to_uppercase())]);
    match typed(runtime().block_on(s.create_user(attrs))) {
        ConnectorError::AlreadyExists { name, .. } => assert_eq!(name, "email"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        count(&sim, "POST", "/psos"),
        1,
        "still only the badge1 create"
    );
    assert_eq!(sim.user_count(), 31);
}

#[test]
fn bad_input_is_a_typed_error_and_writes_nothing() {
    let sim = simulator(20);
    let mut s = open(&sim);
    let users_before = sim.users();
    sim.clear_journal();
    let create_cases: Vec<(Attribute, &str)> = vec![
        (attr("nickname", vec![text("x")]), "nickname"),
        (attr("birth_date", vec![text("1990-01-01")]), "birth_date"),
        (
            attr("usr_company_car", vec![text("yes")]),
            "usr_company_car",
        ),
        (attr("birth_date", vec![date("2023-02-29")]), "birth_date"),
        (
            attr("contract.end_date", vec![date("2026-13-01")]),
            "contract.end_date",
        ),
        (attr("seniority", vec![Value::Decimal(4.0)]), "seniority"),
        (attr("active", vec![Value::Boolean(false)]), "active"),
        (
            attr("surprise_report.comment", vec![text("x")]),
            "surprise_report.comment",
        ),
        (attr("contract", vec![text("x")]), "contract"),
        (
            attr("business_unit", vec![by_path("Ventes/Atlantis")]),
            "business_unit",
        ),
        (attr("position", vec![by_path("Astronaute")]), "position"),
        (
            attr("usr_tshirt_size", vec![by_id("123456")]),
            "usr_tshirt_size",
        ),
        (attr("phone", vec![text("1"), text("2")]), "phone"),
        (
            attr("manager", vec![Value::Reference("9999".into())]),
            "manager",
        ),
    ];
    for (a, want) in create_cases {
        let shown = format!("{a:?}");
        let mut attrs = minimal("bad");
        attrs.push(a);
        let e = typed(runtime().block_on(s.create_user(attrs)));
        assert_eq!(invalid_name(&e), want, "{shown}: {e}");
        if want == "business_unit" {
            assert!(e.to_string().contains("Ventes/Atlantis"), "{e}");
        }
    }
    let mut missing = minimal("bad");
    missing.remove(2);
    assert_eq!(
        invalid_name(&typed(runtime().block_on(s.create_user(missing)))),
        "last_name"
    );
    let update_cases: Vec<(AttributeChange, &str)> = vec![
        (set("nickname", vec![text("x")]), "nickname"),
        (
            set("position_start_date", vec![date("2025-02-30")]),
            "position_start_date",
        ),
        (set("usr_remote_days", vec![text("two")]), "usr_remote_days"),
        (clear("seniority"), "seniority"),
        (
            set("mentor", vec![Value::Reference("4242".into())]),
            "mentor",
        ),
        (
            set("department", vec![by_path("Informatique")]),
            "department",
        ),
    ];
    for (c, want) in update_cases {
        assert_eq!(
            invalid_name(&typed(runtime().block_on(s.update_user("7", vec![c])))),
            want
        );
    }
    for e in [
        typed(runtime().block_on(s.update_user("9999", vec![set("last_name", vec![text("X")])]))),
        typed(runtime().block_on(s.suspend_user("9999"))),
        typed(runtime().block_on(s.resume_user("9999"))),
    ] {
        assert!(
            matches!(&e, ConnectorError::NotFound(m) if m.contains("9999")),
            "{e}"
        );
    }
    assert!(
        writes(&sim).is_empty(),
        "no write request: {:?}",
        writes(&sim)
    );
    assert_eq!(sim.users(), users_before);
}
