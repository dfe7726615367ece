//! The same seeded tenant (1,000 employees, three hierarchies of 200+ options) imported through
//! the real component under every wire profile of the simulator (WIRE.md "Wire profiles"):
//! the users are identical (ids, values, label paths), and the import, in pages of 1,000 as
//! `connector-host import` asks, stays within 15 calls per 1,000 users wherever the tenant lets
//! the options be listed in one call per field. Where it lists them only one level at a time,
//! the walk costs one call per branch the tenant has, once per session: the import is held to
//! that exactly (no level twice, no more).
//!
//! Sessions wait out rate limits as the host's commands do (`rate_limit::Patient`), so the
//! `rate-limited` profile imports the same users too.
//!
//! `cargo test -p connector-tests --test wire_profiles -- --nocapture` prints the calls each
//! profile took.

use std::collections::BTreeMap;

use connector_host::connector::Connector;
use connector_host::model::{User, Value};
use connector_host::rate_limit::{Patient, WaitBudget};
use connector_host::runtime::RuntimeOptions;
use connector_tests::{config_for, connector, list_all, runtime};
use ps_simulator::{COST_CENTER, JournalEntry, SimConfig, Simulator, WireProfile};

const USERS: usize = 1000;
const CALLS_PER_THOUSAND: usize = 15;
/// What `connector-host import` asks: the largest page the connector allows.
const PAGE_SIZE: u32 = 1000;

/// The profiles under which the options cannot be listed in one call per field: only level
/// listings, so a client learns a leaf's path only by listing every level above it.
const LEVEL_WALKS: &[&str] = &["options-absent-levels", "options-roots-only-levels"];

struct Import {
    users: Vec<User>,
    journal: Vec<JournalEntry>,
    sim: Simulator,
}

fn import(name: &str, mut profile: WireProfile) -> Import {
    if name == "rate-limited" {
        // Tight enough that this import meets it (the named profile allows 60 a minute).
        profile.rate_limit = Some(ps_simulator::RateLimit {
            requests: 1,
            window: std::time::Duration::from_secs(1),
        });
    }
    let sim = runtime()
        .block_on(Simulator::start(SimConfig {
            users: USERS,
            hierarchy_options: Some(200),
            profile,
            ..SimConfig::default()
        }))
        .expect("simulator starts");
    let connector = connector(RuntimeOptions::default());
    let session = runtime()
        .block_on(connector.open(config_for(&sim)))
        .expect("open");
    let mut session = Patient::boxed(session, WaitBudget::default());
    let mut users = list_all(session.as_mut(), PAGE_SIZE, |_| {});
    users.sort_by_key(|u| u.id.parse::<u64>().unwrap_or(u64::MAX));
    Import {
        users,
        journal: sim.journal(),
        sim,
    }
}

fn choice(user: &User, name: &str) -> Option<(String, String)> {
    user.values(name).first().and_then(|v| match v {
        Value::Choice(c) => Some((c.id.clone(), c.label.clone())),
        _ => None,
    })
}

/// Every hierarchy value is a real option with the simulator's label path.
fn assert_paths(reference: &Import) {
    let cat = reference.sim.field_catalogue();
    for (name, alias) in [
        ("department", "usr_department"),
        ("business_unit", "usr_business_unit"),
        (COST_CENTER, COST_CENTER),
    ] {
        let field = cat.field("usr", alias).expect("hierarchy field");
        assert!(field.options.len() >= 200, "{alias} has 200 options");
        for u in &reference.users {
            let Some((id, label)) = choice(u, name) else {
                continue;
            };
            let opt = id
                .parse::<u64>()
                .ok()
                .and_then(|i| field.option_by_id(i))
                .unwrap_or_else(|| panic!("{name} of user {}: `{id}` is no option id", u.id));
            let path = field.option_path(&opt.value).expect("path").join("/");
            assert_eq!(label, path, "{name} of user {}", u.id);
        }
        let held = reference
            .users
            .iter()
            .filter(|u| choice(u, name).is_some())
            .count();
        assert!(held > USERS / 2, "{name} held by {held} users");
    }
}

fn first_difference(a: &[User], b: &[User]) -> String {
    if a.len() != b.len() {
        return format!("{} users vs {}", a.len(), b.len());
    }
    for (x, y) in a.iter().zip(b) {
        if x == y {
            continue;
        }
        let attrs = |u: &User| -> BTreeMap<String, Vec<Value>> {
            u.attributes
                .iter()
                .map(|a| (a.name.clone(), a.values.clone()))
                .collect()
        };
        let (ax, ay) = (attrs(x), attrs(y));
        for k in ax.keys().chain(ay.keys()) {
            if ax.get(k) != ay.get(k) {
                return format!(
                    "user {}: `{k}` is {:?} by default, {:?} here",
                    x.id,
                    ax.get(k),
                    ay.get(k)
                );
            }
        }
        return format!("user {}: {x:?} vs {y:?}", x.id);
    }
    String::new()
}

/// How many levels the tenant's option fields have: the roots of each, and one per option with
/// children.
fn hierarchy_levels(sim: &Simulator) -> usize {
    let cat = sim.field_catalogue();
    cat.of_type("usr")
        .flat_map(|f| std::iter::once(f).chain(&f.items))
        .filter(|f| !f.options.is_empty())
        .map(|f| 1 + f.options.iter().filter(|o| o.has_children).count())
        .sum()
}

#[test]
fn every_wire_profile_imports_the_same_users_within_the_call_budget() {
    let reference = import("default", WireProfile::default());
    assert_eq!(reference.users.len(), USERS);
    assert_paths(&reference);
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for (name, profile) in WireProfile::all() {
        let got = if name == "default" {
            None
        } else {
            Some(import(name, profile))
        };
        let run = got.as_ref().unwrap_or(&reference);
        // A call answered 429 did nothing; it is reported apart.
        let limited = run.journal.iter().filter(|e| e.status == 429).count();
        let calls = run.journal.len() - limited;
        let per_thousand = calls * 1000 / USERS;
        report.push(format!(
            "{name:26} {calls:4} calls ({per_thousand} per 1,000 users){}",
            if limited > 0 {
                format!(", and {limited} answered 429 and made again")
            } else {
                String::new()
            }
        ));
        if name == "rate-limited" && limited == 0 {
            failures.push(format!("{name}: the rate limit was never met"));
        }
        if run.users != reference.users {
            failures.push(format!(
                "{name}: users differ: {}",
                first_difference(&reference.users, &run.users)
            ));
        }
        if LEVEL_WALKS.contains(&name) {
            let mut listings: Vec<String> = run
                .journal
                .iter()
                .filter(|e| e.path.ends_with("/options"))
                .map(|e| format!("{}?{}", e.path, e.query))
                .collect();
            let n = listings.len();
            listings.sort();
            listings.dedup();
            if listings.len() != n {
                failures.push(format!("{name}: a level was listed twice"));
            }
            // At most one listing per level the tenant has: the roots of each option field
            // and every option with children.
            let levels = hierarchy_levels(&run.sim);
            if n > levels {
                failures.push(format!(
                    "{name}: {n} level listings, the tenant has {levels}"
                ));
            }
            report.push(format!(
                "{:26} {n} of them list one level of the tenant's {levels}",
                ""
            ));
            let rest = calls - n;
            if rest * 1000 / USERS > CALLS_PER_THOUSAND {
                failures.push(format!("{name}: {rest} calls besides the level walk"));
            }
        } else if per_thousand > CALLS_PER_THOUSAND {
            failures.push(format!(
                "{name}: {calls} calls for {USERS} users: {:?}",
                run.journal
                    .iter()
                    .map(|e| format!("{} {}?{} {}", e.method, e.path, e.query, e.status))
                    .collect::<Vec<_>>()
            ));
        }
        if let Some(run) = got {
            runtime().block_on(run.sim.shutdown());
        }
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Writes take a choice by alias, label or label path under profiles where `/fields` does not
/// carry the options and records hold aliases or labels; they store the option's value, read
/// back with the full path, and a branch is refused before any write.
#[test]
fn writes_take_any_form_of_a_choice_under_every_options_shape() {
    use connector_tests::writing::{by_id, by_path, invalid_name, open, set, typed, writes};
    for name in [
        "choice-alias",
        "options-absent",
        "options-roots-only",
        "choice-label",
    ] {
        let profile = WireProfile::named(name).expect("profile");
        let sim = runtime()
            .block_on(Simulator::start(SimConfig {
                users: 30,
                hierarchy_options: Some(200),
                profile,
                ..SimConfig::default()
            }))
            .expect("simulator starts");
        let cat = sim.field_catalogue();
        let dep = cat.field("usr", "usr_department").expect("department");
        let leaves: Vec<_> = dep.options.iter().filter(|o| o.is_selectable).collect();
        let branch = dep
            .options
            .iter()
            .find(|o| o.has_children && o.parent_id.is_some())
            .expect("an inner branch");
        let mut session = open(&sim);
        for (i, given) in [
            by_id(&leaves[3].alias),
            by_id(&leaves[4].name),
            by_path(&dep.option_path(&leaves[5].value).expect("path").join("/")),
            by_id(&leaves[6].id.to_string()),
        ]
        .into_iter()
        .enumerate()
        {
            let want = leaves[3 + i];
            let user = runtime()
                .block_on(session.update_user("7", vec![set("department", vec![given.clone()])]))
                .unwrap_or_else(|e| panic!("{name}: update with {given:?}: {e}"));
            let path = dep.option_path(&want.value).expect("path").join("/");
            assert_eq!(
                choice(&user, "department"),
                Some((want.id.to_string(), path)),
                "{name}: {given:?}"
            );
            assert_eq!(
                sim.user(7)
                    .and_then(|u| u.values.get("usr_department").cloned()),
                Some(serde_json::json!(want.value)),
                "{name}: the tenant stores the option's value"
            );
        }
        let before = writes(&sim).len();
        let path = dep.option_path(&branch.value).expect("path").join("/");
        let e = typed(
            runtime()
                .block_on(session.update_user("7", vec![set("department", vec![by_path(&path)])])),
        );
        assert_eq!(invalid_name(&e), "department", "{name}");
        assert_eq!(
            writes(&sim).len(),
            before,
            "{name}: nothing written for a branch"
        );
        runtime().block_on(sim.shutdown());
    }
}

/// The read-only conformance cases (choice values held are list-choices' ids with their paths,
/// has-children honest, the listing under a tight rate limit) pass under every wire profile:
/// the cases that would have caught a tenant's aliases passed through as raw tokens.
#[test]
fn read_only_conformance_passes_under_every_wire_profile() {
    let mut failures = Vec::new();
    for (name, profile) in WireProfile::all() {
        let demo = connector_host::builtin::DemoTenant {
            simulator: runtime()
                .block_on(Simulator::start(SimConfig {
                    users: 120,
                    profile,
                    ..SimConfig::default()
                }))
                .expect("simulator starts"),
        };
        let connector = connector(RuntimeOptions::default());
        let target = connector_host::conformance::Target {
            connector: &connector,
            config: config_for(&demo.simulator),
            faults: Some(&demo),
        };
        let report = runtime().block_on(connector_host::conformance::run(
            target,
            connector_host::conformance::Options {
                read_only: true,
                ..Default::default()
            },
        ));
        if !report.passed() {
            failures.push(format!("{name}:\n{}", report.to_table()));
        }
        runtime().block_on(demo.simulator.shutdown());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
