//! End to end: the PeopleSpheres component, loaded and sandboxed by the reference host, reads a
//! simulated tenant. Listing returns exactly the simulator's users, costs one call per page,
//! declares every attribute it returns, and survives a token expiring mid-listing.

use connector_host::error::ErrorKind;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use connector_host::connector::Connector;
use connector_host::model::{FieldType, User, Value};
use connector_host::runtime::RuntimeOptions;
use connector_host::sandbox::LogSink;
use connector_tests::{config_for, connector, list_all, runtime, simulator};

fn text(user: &User, name: &str) -> Option<String> {
    user.values(name).first().map(|v| match v {
        Value::Text(s) | Value::Date(s) | Value::Reference(s) => s.clone(),
        Value::Choice(c) => c.id.clone(),
        other => other.display(),
    })
}

fn sim_text(values: &BTreeMap<String, serde_json::Value>, alias: &str) -> Option<String> {
    match values.get(alias) {
        Some(serde_json::Value::String(s)) if s != "null" && !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

#[test]
fn a_thousand_employees_listed_through_the_component_equal_the_simulator() {
    let sim = simulator(1000);
    let connector = connector(RuntimeOptions::default());
    let mut session = runtime()
        .block_on(connector.open(config_for(&sim)))
        .expect("open");
    sim.clear_journal();

    let users = list_all(session.as_mut(), 100, |_| {});

    let calls = sim.journal().len();
    assert!(
        calls <= 1000usize.div_ceil(100) + 2,
        "listing 1000 users with page size 100 took {calls} API calls"
    );

    let expected = sim.users();
    assert_eq!(users.len(), expected.len());
    let by_id: HashMap<String, &User> = users.iter().map(|u| (u.id.clone(), u)).collect();
    assert_eq!(by_id.len(), users.len(), "no user listed twice");
    for want in &expected {
        let got = by_id
            .get(&want.id.to_string())
            .unwrap_or_else(|| panic!("user {} missing", want.id));
        assert_eq!(got.active, want.active, "active flag of {}", want.id);
        for (name, alias) in [
            ("first_name", "usr_first_name"),
            ("last_name", "usr_last_name"),
            ("email", "professional_email"),
            ("username", "username"),
            ("birth_date", "usr_birth_date"),
            ("phone", "professional_phone"),
            ("manager", "manager"),
            ("hr_manager", "hr"),
            ("mentor", "mentor"),
            ("position", "usr_poste"),
            ("department", "usr_department"),
            ("business_unit", "usr_business_unit"),
        ] {
            assert_eq!(
                text(got, name),
                sim_text(&want.values, alias),
                "{name} of user {}",
                want.id
            );
        }
        let contract_end = want
            .values
            .get("usr_employment_contract")
            .and_then(|c| c.get("usr_employment_contract_end_date"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        assert_eq!(
            text(got, "contract.end_date"),
            contract_end,
            "contract.end_date of user {}",
            want.id
        );
    }
}

#[test]
fn every_listed_attribute_is_declared_with_a_matching_type() {
    let sim = simulator(300);
    let connector = connector(RuntimeOptions::default());
    let mut session = runtime()
        .block_on(connector.open(config_for(&sim)))
        .expect("open");
    let fields = runtime().block_on(session.get_fields()).expect("fields");
    let declared: HashMap<&str, (FieldType, bool)> = fields
        .iter()
        .map(|f| (f.name.as_str(), (f.field_type, f.multi_valued)))
        .collect();
    for wanted in [
        "first_name",
        "email",
        "manager",
        "hr_manager",
        "mentor",
        "position",
        "department",
        "business_unit",
        "contract.end_date",
        "contract.start_date",
        "contract.type",
        "seniority",
        "active",
    ] {
        assert!(
            declared.contains_key(wanted),
            "get-fields declares {wanted}"
        );
    }
    assert!(
        fields.iter().any(|f| f.custom),
        "custom fields are declared"
    );
    assert!(
        fields
            .iter()
            .any(|f| f.name == "contract" && f.field_type == FieldType::Composite)
    );

    let users = list_all(session.as_mut(), 250, |_| {});
    let mut seen = 0;
    for user in &users {
        for attribute in &user.attributes {
            let (field_type, multi) = declared
                .get(attribute.name.as_str())
                .copied()
                .unwrap_or_else(|| panic!("{} is not declared", attribute.name));
            assert!(
                multi || attribute.values.len() <= 1,
                "{} is single-valued but has {} values",
                attribute.name,
                attribute.values.len()
            );
            for value in &attribute.values {
                assert_eq!(
                    value.field_type(),
                    field_type,
                    "type of {} on user {}",
                    attribute.name,
                    user.id
                );
                seen += 1;
            }
        }
    }
    assert!(seen > users.len() * 10, "users carry attributes");
}

#[test]
fn a_token_expiring_mid_listing_is_refreshed_without_the_caller_noticing() {
    let sim = simulator(500);
    let logs: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = logs.clone();
    let log: LogSink = Arc::new(move |level, line: &str| {
        if let Ok(mut l) = sink.lock() {
            l.push(format!("{level:?} {line}"));
        }
    });
    let connector = connector(RuntimeOptions {
        log,
        ..RuntimeOptions::default()
    });
    let mut session = runtime()
        .block_on(connector.open(config_for(&sim)))
        .expect("open");
    let users = list_all(session.as_mut(), 100, |page| {
        if page == 2 {
            sim.expire_tokens();
        }
    });
    assert_eq!(users.len(), 500);
    let token_calls = sim
        .journal()
        .iter()
        .filter(|e| e.path.ends_with("/openid-connect/token"))
        .count();
    assert!(
        token_calls >= 2,
        "the connector fetched a new token ({token_calls} token calls)"
    );
    // Nothing the connector logged, and nothing the simulator journaled, holds the password.
    let logs = logs.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(!logs.is_empty(), "the connector logs through the host");
    assert!(
        logs.iter().all(|l| !l.contains(sim.password())),
        "a log line leaked the password"
    );
    let journal = format!("{:?}", sim.journal());
    assert!(!journal.contains(sim.password()));
    // A failing call's error does not carry it either.
    let mut bad = config_for(&sim);
    bad.retain(|(k, _)| k != "login");
    let err = runtime()
        .block_on(connector.open(bad))
        .err()
        .map(|e| format!("{e} {e:?}"))
        .unwrap_or_default();
    assert!(
        err.contains("login") && !err.contains(sim.password()),
        "{err}"
    );
}

#[test]
fn get_user_agrees_with_list_and_unknown_ids_are_not_found() {
    let sim = simulator(50);
    let connector = connector(RuntimeOptions::default());
    let mut session = runtime()
        .block_on(connector.open(config_for(&sim)))
        .expect("open");
    let users = list_all(session.as_mut(), 20, |_| {});
    for listed in users.iter().step_by(7) {
        let got = runtime()
            .block_on(session.get_user(&listed.id))
            .expect("get");
        assert_eq!(&got, listed);
    }
    for bad in ["999999", "abc", ""] {
        let err = runtime()
            .block_on(session.get_user(bad))
            .expect_err("unknown id");
        assert_eq!(
            err.as_connector().map(|e| e.kind()),
            Some(ErrorKind::NotFound),
            "get-user({bad:?}) gave {err}"
        );
    }
}

#[test]
fn the_next_page_is_asked_for_before_the_host_asks_and_serves_it() {
    let sim = simulator(250);
    let connector = connector(RuntimeOptions::default());
    let rt = runtime();
    let mut session = rt.block_on(connector.open(config_for(&sim))).expect("open");
    let graphql = || {
        sim.journal()
            .iter()
            .filter(|e| e.path == "/graphql")
            .count()
    };
    let first = rt
        .block_on(session.list_users(None, 100))
        .expect("first page");
    // The request for the second page left while the first was converted: it reaches the
    // tenant without the host asking for anything.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while graphql() < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(graphql(), 2, "page 1, and page 2 asked ahead");
    let second = rt
        .block_on(session.list_users(first.next_page_token.as_deref(), 100))
        .expect("second page");
    let third = rt
        .block_on(session.list_users(second.next_page_token.as_deref(), 100))
        .expect("third page");
    assert_eq!(third.next_page_token, None);
    let ids: Vec<String> = [&first, &second, &third]
        .iter()
        .flat_map(|p| p.users.iter().map(|u| u.id.clone()))
        .collect();
    let expected: Vec<String> = sim.users().iter().map(|u| u.id.to_string()).collect();
    assert_eq!(ids, expected, "every user once, in order");
    // Pages 2 and 3 came from the requests sent ahead; nothing is asked after the last page.
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(graphql(), 3);
}

/// A tenant whose GraphQL answers an expired token with HTTP 200 and an "Unauthenticated."
/// error (the notes leave it open, WIRE.md profile `graphql-auth-envelope`): the connector
/// logs in again and the listing goes on, as it does after a 401.
#[test]
fn an_expired_token_answered_in_the_graphql_envelope_is_refreshed_too() {
    let sim = simulator(300);
    sim.set_profile(ps_simulator::WireProfile::named("graphql-auth-envelope").expect("profile"));
    let mut session = runtime()
        .block_on(connector(RuntimeOptions::default()).open(config_for(&sim)))
        .expect("open");
    let users = list_all(session.as_mut(), 100, |page| {
        if page == 1 {
            sim.expire_tokens();
        }
    });
    assert_eq!(users.len(), 300);
    let journal = sim.journal();
    let refused = journal
        .iter()
        .filter(|e| e.path == "/graphql" && !e.authorized && e.status == 200)
        .count();
    assert_eq!(refused, 1, "one GraphQL call met the expired token");
    let logins = journal
        .iter()
        .filter(|e| e.path.ends_with("/openid-connect/token"))
        .count();
    assert!(logins >= 2, "logged in again ({logins} token calls)");
}
