//! End to end: `career_history = history` builds `career_history.*` from the simulator's field
//! history (`GET /history/psos/{pso}/{field}` of `usr_poste` and `usr_department`). Rows equal
//! what the history implies (and, for seeded users, the seeded career composite); a position
//! change shows up as a new current row starting today; a page costs one GraphQL call plus
//! two history calls per user; list and get agree; the fields are declared read-only and
//! writes to them are refused with nothing sent; the default (`record`) makes no history call.

use std::collections::BTreeMap;

use connector_host::conformance::{self, Options, Target};
use connector_host::connector::{Connector, Session};
use connector_host::error::ConnectorError;
use connector_host::model::{
    Attribute, AttributeChange, ChangeOp, ChoiceValue, Config, FieldType, User, Value,
};
use connector_host::runtime::RuntimeOptions;
use connector_tests::writing::{invalid_name, open_with};
use connector_tests::{config_for, connector, list_all, runtime, simulator};
use ps_simulator::{REFERENCE_DATE, Simulator};

const POSITION: &str = "career_history.position";
const DEPARTMENT: &str = "career_history.department";
const START: &str = "career_history.start_date";
const END: &str = "career_history.end_date";

fn history_config(sim: &Simulator) -> Config {
    let mut c = config_for(sim);
    c.push(("career_history".into(), "history".into()));
    c
}

fn today() -> String {
    let (y, m, d) = REFERENCE_DATE;
    format!("{y:04}-{m:02}-{d:02}")
}

/// One career row as the test compares it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    position: String,
    department: String,
    start: String,
    end: Option<String>,
}

fn strings(user: &User, name: &str) -> Vec<String> {
    user.values(name)
        .iter()
        .map(|v| match v {
            Value::Text(s) | Value::Date(s) => s.clone(),
            other => panic!("{name} holds {other:?}"),
        })
        .collect()
}

/// The connector's rows of a user (the four attributes must be aligned).
fn rows_of(user: &User) -> Vec<Row> {
    let (p, d, s, e) = (
        strings(user, POSITION),
        strings(user, DEPARTMENT),
        strings(user, START),
        strings(user, END),
    );
    assert_eq!(p.len(), s.len(), "user {}: one position per row", user.id);
    assert_eq!(d.len(), s.len(), "user {}: one department per row", user.id);
    assert!(
        e.len() == s.len() || e.len() + 1 == s.len(),
        "user {}: only the last row may lack an end date",
        user.id
    );
    (0..s.len())
        .map(|i| Row {
            position: p[i].clone(),
            department: d[i].clone(),
            start: s[i].clone(),
            end: e.get(i).cloned(),
        })
        .collect()
}

fn as_text(v: &serde_json::Value) -> Option<String> {
    v.as_str()
        .filter(|s| !s.is_empty() && *s != "null")
        .map(str::to_string)
}

/// What the simulator's history implies: the state at the end of each day with a change, a
/// row per change of state, ended by the next row; positions by name, departments by label.
fn expected_rows(sim: &Simulator, id: u64) -> Vec<Row> {
    let mut days: BTreeMap<String, Vec<(String, bool, Option<String>)>> = BTreeMap::new();
    for (alias, is_pos) in [("usr_poste", true), ("usr_department", false)] {
        for e in sim.field_history(id, alias) {
            let value = if e.action == "deleted" {
                None
            } else {
                as_text(&e.value)
            };
            days.entry(e.at[..10].to_string())
                .or_default()
                .push((e.at.clone(), is_pos, value));
        }
    }
    let names: BTreeMap<String, String> = sim
        .positions()
        .into_iter()
        .map(|p| (p.id.to_string(), p.name))
        .collect();
    let label = |v: &str| {
        sim.option_path("usr_department", v)
            .and_then(|p| p.last().cloned())
            .unwrap_or_else(|| v.into())
    };
    let (mut pos, mut dep): (Option<String>, Option<String>) = (None, None);
    let mut rows: Vec<Row> = Vec::new();
    for (day, mut changes) in days {
        changes.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, is_pos, v) in changes {
            if is_pos { pos = v } else { dep = v }
        }
        let (Some(p), Some(d)) = (&pos, &dep) else {
            panic!("user {id}: seeded history sets both fields together")
        };
        let row = Row {
            position: names.get(p).cloned().unwrap_or_else(|| p.clone()),
            department: label(d),
            start: day.clone(),
            end: None,
        };
        if rows
            .last()
            .is_some_and(|r| r.position == row.position && r.department == row.department)
        {
            continue;
        }
        if let Some(last) = rows.last_mut() {
            last.end = Some(day);
        }
        rows.push(row);
    }
    rows
}

/// The seeded `usr_career_history` rows (position title, department label, start), with
/// consecutive rows of the same position and department merged.
fn seeded_career(sim: &Simulator, id: u64) -> Vec<(String, String, String)> {
    let user = sim.user(id).expect("user");
    let mut out: Vec<(String, String, String)> = Vec::new();
    for row in user
        .values
        .get("usr_career_history")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
    {
        let get = |k: &str| row.get(k).and_then(as_text).unwrap_or_default();
        let r = (
            get("usr_career_history_position"),
            get("usr_career_history_department"),
            get("usr_career_history_start_date"),
        );
        if out.last().is_some_and(|l| l.0 == r.0 && l.1 == r.1) {
            continue;
        }
        out.push(r);
    }
    out
}

fn history_calls(sim: &Simulator) -> Vec<String> {
    sim.journal()
        .into_iter()
        .filter(|e| e.path.starts_with("/history/"))
        .map(|e| e.path)
        .collect()
}

fn get(s: &mut dyn Session, id: &str) -> User {
    runtime().block_on(s.get_user(id)).expect("get")
}

#[test]
fn a_listed_page_has_the_rows_the_history_implies_for_one_graphql_and_two_history_calls_per_user() {
    let sim = simulator(12);
    let mut s = open_with(history_config(&sim));
    sim.clear_journal();
    let users = list_all(s.as_mut(), 100, |_| {});
    assert_eq!(users.len(), 12);

    // (c) One page: token + fields, one GraphQL call, two history calls per user, nothing else.
    let journal = sim.journal();
    let graphql = journal.iter().filter(|e| e.path == "/graphql").count();
    assert_eq!(graphql, 1, "one GraphQL call for the page");
    let history = history_calls(&sim);
    assert_eq!(history.len(), 2 * users.len());
    for u in &users {
        for field in ["usr_poste", "usr_department"] {
            let path = format!("/history/psos/{}/{field}", u.id);
            assert_eq!(history.iter().filter(|p| **p == path).count(), 1, "{path}");
        }
    }
    let other: Vec<&str> = journal
        .iter()
        .map(|e| e.path.as_str())
        .filter(|p| {
            *p != "/graphql"
                && !p.starts_with("/history/")
                && !p.ends_with("/openid-connect/token")
                && *p != "/fields"
        })
        .collect();
    assert!(other.is_empty(), "unexpected calls: {other:?}");
    assert!(
        journal.iter().all(|e| e.status < 300),
        "every call succeeded"
    );

    // (a) Rows equal the history, and the seeded career composite.
    let mut with_several_rows = 0;
    for u in &users {
        let id: u64 = u.id.parse().expect("numeric id");
        let rows = rows_of(u);
        assert_eq!(rows, expected_rows(&sim, id), "user {id}");
        assert!(!rows.is_empty(), "user {id} has a career");
        assert_eq!(
            rows.last().and_then(|r| r.end.clone()),
            None,
            "user {id}: the current row has no end"
        );
        let seeded: Vec<(String, String, String)> = rows
            .iter()
            .map(|r| (r.position.clone(), r.department.clone(), r.start.clone()))
            .collect();
        assert_eq!(
            seeded,
            seeded_career(&sim, id),
            "user {id}: rows follow the seeded career"
        );
        with_several_rows += usize::from(rows.len() > 1);
    }
    assert!(
        with_several_rows > 0,
        "some user changed position or department"
    );

    // (e) Every career attribute is declared, read-only, multi-valued, with its type.
    let fields = runtime().block_on(s.get_fields()).expect("fields");
    for (name, ty) in [
        (POSITION, FieldType::Text),
        (DEPARTMENT, FieldType::Text),
        (START, FieldType::Date),
        (END, FieldType::Date),
    ] {
        let f = fields
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("{name} declared"));
        assert_eq!(f.field_type, ty, "{name}");
        assert!(
            !f.writable && f.multi_valued,
            "{name} is read-only and multi-valued"
        );
    }
    for u in &users {
        for a in u
            .attributes
            .iter()
            .filter(|a| a.name.starts_with("career_history"))
        {
            let f = fields
                .iter()
                .find(|f| f.name == a.name)
                .unwrap_or_else(|| panic!("{} declared", a.name));
            assert!(
                a.values.iter().all(|v| v.field_type() == f.field_type),
                "{}",
                a.name
            );
        }
    }

    // (d) get-user gives the listed user, for two history calls each.
    for u in users.iter().take(4) {
        sim.clear_journal();
        assert_eq!(
            &get(s.as_mut(), &u.id),
            u,
            "list and get agree on user {}",
            u.id
        );
        assert_eq!(
            history_calls(&sim),
            vec![
                format!("/history/psos/{}/usr_poste", u.id),
                format!("/history/psos/{}/usr_department", u.id)
            ]
        );
    }
}

#[test]
fn a_position_change_starts_a_new_row_today_and_a_deleted_department_empties_it() {
    let sim = simulator(12);
    let mut s = open_with(history_config(&sim));
    let today = today();
    let users = list_all(s.as_mut(), 100, |_| {});
    let mut candidates = users
        .iter()
        .filter(|u| rows_of(u).last().is_some_and(|r| r.start < today));
    let mover = candidates
        .next()
        .expect("a user whose current row started before today")
        .clone();
    let leaver = candidates.next().expect("another one").clone();

    // (b) A new position through the connector's update-user of `position`.
    let before = rows_of(&mover);
    let current = sim
        .user(mover.id.parse().expect("id"))
        .and_then(|u| u.values.get("usr_poste").and_then(as_text));
    let target = sim
        .positions()
        .into_iter()
        .find(|p| Some(p.id.to_string()) != current)
        .expect("another position");
    let change = AttributeChange {
        name: "position".into(),
        op: ChangeOp::Set(vec![Value::Choice(ChoiceValue {
            id: target.id.to_string(),
            label: String::new(),
        })]),
    };
    let updated = runtime()
        .block_on(s.update_user(&mover.id, vec![change]))
        .expect("update position");
    let after = rows_of(&get(s.as_mut(), &mover.id));
    assert_eq!(
        rows_of(&updated),
        after,
        "update returns the user as stored"
    );
    assert_eq!(after.len(), before.len() + 1, "one new row");
    assert_eq!(
        after[..before.len() - 1],
        before[..before.len() - 1],
        "earlier rows unchanged"
    );
    let previous = &after[before.len() - 1];
    assert_eq!(
        previous.end.as_deref(),
        Some(today.as_str()),
        "the previous row ends today"
    );
    assert_eq!(
        (&previous.position, &previous.start),
        (
            &before[before.len() - 1].position,
            &before[before.len() - 1].start
        )
    );
    let last = after.last().expect("a row");
    assert_eq!(
        last,
        &Row {
            position: target.name.clone(),
            department: previous.department.clone(),
            start: today.clone(),
            end: None
        }
    );

    // A deleted department (through the simulator): a new current row without a department.
    let id: u64 = leaver.id.parse().expect("id");
    let before = rows_of(&leaver);
    assert!(sim.set_value(id, "usr_department", None));
    let got = get(s.as_mut(), &leaver.id);
    let starts = strings(&got, START);
    assert_eq!(starts.len(), before.len() + 1);
    assert_eq!(starts.last(), Some(&today));
    assert_eq!(
        strings(&got, POSITION).len(),
        before.len() + 1,
        "the position is still in force"
    );
    assert_eq!(
        strings(&got, DEPARTMENT).len(),
        before.len(),
        "no department in the current row"
    );
    assert_eq!(
        strings(&got, END).last(),
        Some(&today),
        "the previous row ends today"
    );
}

#[test]
fn career_history_writes_are_refused_in_history_mode_with_nothing_sent() {
    let sim = simulator(8);
    let mut s = open_with(history_config(&sim));
    runtime().block_on(s.get_fields()).expect("fields");
    sim.clear_journal();
    for name in [POSITION, DEPARTMENT, START, END] {
        let value = if name.ends_with("_date") {
            Value::Date("2026-01-05".into())
        } else {
            Value::Text("Comptable".into())
        };
        let change = AttributeChange {
            name: name.into(),
            op: ChangeOp::Set(vec![value.clone()]),
        };
        let e = runtime()
            .block_on(s.update_user("5", vec![change]))
            .expect_err("refused");
        assert_eq!(invalid_name(e.as_connector().expect("typed")), name);
        let mut attrs = vec![
            Attribute {
                name: "username".into(),
                values: vec![Value::Text("new.ch".into())],
            },
            Attribute {
                name: "first_name".into(),
                values: vec![Value::Text("Nouvelle".into())],
            },
            Attribute {
                name: "last_name".into(),
                values: vec![Value::Text("Recrue".into())],
            },
            Attribute {
                name: "email".into(),
                values: vec![Value::Text("new.ch@corp.example".into())],
            },
        ];
        attrs.push(Attribute {
            name: name.into(),
            values: vec![value],
        });
        let e = runtime()
            .block_on(s.create_user(attrs))
            .expect_err("refused");
        assert_eq!(invalid_name(e.as_connector().expect("typed")), name);
    }
    let writes: Vec<String> = sim
        .journal()
        .into_iter()
        .filter(|e| e.method == "POST" && e.path.starts_with("/psos"))
        .map(|e| e.path)
        .collect();
    assert!(writes.is_empty(), "nothing written: {writes:?}");
}

#[test]
fn record_mode_is_the_default_and_makes_no_history_call() {
    let sim = simulator(12);
    let mut s = open_with(config_for(&sim));
    sim.clear_journal();
    let users = list_all(s.as_mut(), 100, |_| {});
    get(s.as_mut(), &users[0].id);
    assert!(history_calls(&sim).is_empty());
    // The values are the composite's, row for row, and stay writable.
    let fields = runtime().block_on(s.get_fields()).expect("fields");
    assert!(fields.iter().any(|f| f.name == POSITION && f.writable));
    for u in &users {
        let user = sim.user(u.id.parse().expect("id")).expect("user");
        let titles: Vec<String> = user.values["usr_career_history"]
            .as_array()
            .expect("rows")
            .iter()
            .filter_map(|r| r.get("usr_career_history_position").and_then(as_text))
            .collect();
        assert!(!titles.is_empty(), "every seeded user has a career");
        assert_eq!(strings(u, POSITION), titles, "user {}", u.id);
    }
    // `record` spelled out is accepted; another value is refused naming the key and the value.
    drop(open_with({
        let mut c = config_for(&sim);
        c.push(("career_history".into(), "record".into()));
        c
    }));
    let e = runtime().block_on(connector(RuntimeOptions::default()).open({
        let mut c = config_for(&sim);
        c.push(("career_history".into(), "timeline".into()));
        c
    }));
    match e.map(|_| ()).expect_err("refused").as_connector() {
        Some(ConnectorError::InvalidConfig { name, reason }) => {
            assert_eq!(name, "career_history");
            assert!(reason.contains("timeline"), "{reason}");
        }
        other => panic!("expected invalid-config, got {other:?}"),
    }
}

#[test]
fn the_conformance_harness_passes_in_history_mode() {
    let sim = simulator(30);
    let connector = connector(RuntimeOptions::default());
    let target = Target {
        connector: &connector,
        config: history_config(&sim),
        faults: None,
    };
    let report = runtime().block_on(conformance::run(
        target,
        Options {
            sample: 10,
            ..Options::default()
        },
    ));
    assert!(report.passed(), "{}", report.to_table());
}
