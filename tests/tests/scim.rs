//! The SCIM 2.0 connector against a SCIM server nobody here wrote (`scim2-server` from PyPI,
//! installed by `.ci/run`): the whole conformance suite (read-only and writes) passes, and a
//! full HR → SCIM sync provisions joiners, carries changes, suspends leavers and resumes
//! returners, with the manager translated. The fault cases run against the project's own SCIM
//! simulator, which misbehaves on request.

use connector_host::Connector;
use connector_host::conformance::{self, FaultInjector, Options, Outcome, Target};
use connector_host::connector::Session;
use connector_host::model::{User, Value};
use connector_host::store::{EventKind, identities};
use connector_host::sync::targets::{self, TargetMapping};
use connector_host::sync::{ActionKind, SyncOptions, SyncReport};
use connector_tests::scim2::Scim2Server;
use connector_tests::sync_env::{Env, TODAY};
use connector_tests::{runtime, scim_connector};

fn conformance_against(
    config: connector_host::model::Config,
    faults: Option<&dyn FaultInjector>,
    read_only: bool,
) -> conformance::Report {
    let connector = scim_connector();
    runtime().block_on(conformance::run(
        Target {
            connector: &connector,
            config,
            faults,
        },
        Options {
            read_only,
            ..Options::default()
        },
    ))
}

/// A few users for the listing cases.
fn seed(session: &mut dyn Session, n: usize) {
    for i in 0..n {
        let attrs = vec![
            connector_host::model::Attribute {
                name: "userName".into(),
                values: vec![Value::Text(format!("seed{i}@example.com"))],
            },
            connector_host::model::Attribute {
                name: "name.givenName".into(),
                values: vec![Value::Text(format!("Seed {i}"))],
            },
        ];
        runtime()
            .block_on(session.create_user(attrs))
            .expect("seed user created");
    }
}

#[test]
fn the_scim_connector_passes_every_case_against_scim2_server() {
    let server = Scim2Server::start();
    let mut session = runtime()
        .block_on(scim_connector().open(server.config()))
        .expect("session");
    seed(session.as_mut(), 5);
    let read_only = conformance_against(server.config(), None, true);
    assert!(read_only.passed(), "{}", read_only.to_table());
    let report = conformance_against(server.config(), None, false);
    assert!(report.passed(), "{}", report.to_table());
    for id in [
        "connection.bad-credentials",
        "list.token-resume",
        "write.create-maximal",
        "write.update-each-field",
        "write.clear-optional",
        "write.reference-assign",
        "write.suspend-resume",
        "write.invalid-input",
        "write.duplicate",
    ] {
        assert_eq!(
            report.outcome(id),
            Some(&Outcome::Passed),
            "{id} ran and passed:\n{}",
            report.to_table()
        );
    }
}

#[test]
fn the_scim_connector_passes_the_fault_cases_against_the_scim_simulator() {
    let server = runtime()
        .block_on(scim_simulator::ScimServer::start(
            scim_simulator::ScimConfig::default(),
        ))
        .expect("simulator starts");
    let config = vec![
        ("url".to_string(), server.url()),
        ("token".to_string(), server.token().to_string()),
    ];
    let mut session = runtime()
        .block_on(scim_connector().open(config.clone()))
        .expect("session");
    seed(session.as_mut(), 5);
    let faults: &dyn FaultInjector = &server;
    let report = conformance_against(config, Some(faults), false);
    assert!(report.passed(), "{}", report.to_table());
    for id in [
        "faults.rate-limited",
        "faults.transient",
        "faults.malformed",
    ] {
        assert_eq!(
            report.outcome(id),
            Some(&Outcome::Passed),
            "{id}:\n{}",
            report.to_table()
        );
    }
}

/// An HR tenant (the PeopleSpheres simulator) and scim2-server as its application target.
struct HrToScim {
    env: Env,
    server: Scim2Server,
    targets: Vec<targets::Target>,
}

impl HrToScim {
    fn new(people: usize) -> HrToScim {
        let env = Env::new(people);
        let server = Scim2Server::start();
        let session = runtime()
            .block_on(scim_connector().open(server.config()))
            .expect("scim session");
        HrToScim {
            env,
            server,
            targets: vec![targets::Target {
                name: "scim2".into(),
                mapping: TargetMapping::builtin_scim().expect("built-in mapping"),
                session,
            }],
        }
    }

    fn sync_as_of(&mut self, day: &str, dry_run: bool) -> SyncReport {
        let options = SyncOptions {
            dry_run,
            as_of: Some(connector_host::sync::policy::parse_day(day).expect("day")),
            ..SyncOptions::default()
        };
        runtime()
            .block_on(connector_host::sync::run_with_targets(
                self.env.session.as_mut(),
                &mut self.env.store,
                &self.env.mapping,
                &mut self.targets,
                &options,
                &connector_host::sync::Progress::hidden(),
            ))
            .expect("sync runs")
    }

    /// Every account scim2-server holds.
    fn accounts(&mut self) -> Vec<User> {
        let session = self.targets[0].session.as_mut();
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = runtime()
                .block_on(session.list_users(token.as_deref(), 100))
                .expect("listing");
            out.extend(page.users);
            match page.next_page_token {
                Some(t) => token = Some(t),
                None => return out,
            }
        }
    }

    /// The account of HR user `source` in scim2-server.
    fn account_of(&mut self, source: u64) -> User {
        let identity = identities::by_source(self.env.store.conn(), &source.to_string())
            .expect("query")
            .expect("identity");
        let (remote, _) = identities::account(self.env.store.conn(), identity.id, "scim2")
            .expect("query")
            .expect("an account in the target");
        self.accounts()
            .into_iter()
            .find(|u| u.id == remote)
            .expect("listed")
    }
}

#[test]
fn an_hr_sync_provisions_scim2_server_and_keeps_it_in_step() {
    let mut t = HrToScim::new(30);
    let _ = &t.server;
    let dry = t.sync_as_of(TODAY, true);
    let planned = dry.targets[0].planned(ActionKind::Create);
    assert!(planned > 0, "{:?}", dry.targets[0].plan);
    assert!(t.accounts().is_empty(), "a dry run sends nothing");

    let first = t.sync_as_of(TODAY, false);
    let report = &first.targets[0];
    assert_eq!(report.failed, 0, "{:?}", report.plan);
    assert_eq!(
        report.planned(ActionKind::Create),
        planned,
        "the dry run changed nothing"
    );
    let accounts = t.accounts();
    assert_eq!(accounts.len(), planned);
    // Every active person with a manager has the manager's SCIM id as their manager.
    let users = t.env.sim.users();
    let mut checked = 0;
    for u in users.iter().take(30) {
        let Some(manager) = t.env.sim.user(u.id).and_then(|_| {
            let identity = identities::by_source(t.env.store.conn(), &u.id.to_string()).ok()??;
            identity
                .attrs
                .get("manager")
                .and_then(|a| a.value.first().cloned())
        }) else {
            continue;
        };
        let Value::Reference(manager_hr) = manager else {
            continue;
        };
        let Ok(manager_hr) = manager_hr.parse::<u64>() else {
            continue;
        };
        let identity = identities::by_source(t.env.store.conn(), &u.id.to_string())
            .expect("query")
            .expect("identity");
        let Some(_) = identities::account(t.env.store.conn(), identity.id, "scim2").expect("q")
        else {
            continue;
        };
        let Some(boss_identity) =
            identities::by_source(t.env.store.conn(), &manager_hr.to_string()).expect("q")
        else {
            continue;
        };
        let Some((boss_remote, _)) =
            identities::account(t.env.store.conn(), boss_identity.id, "scim2").expect("q")
        else {
            continue;
        };
        let account = t.account_of(u.id);
        assert_eq!(
            account.values("enterprise.manager"),
            &[Value::Reference(boss_remote)],
            "{}'s manager",
            account.display_name
        );
        checked += 1;
    }
    assert!(
        checked > 0,
        "some provisioned person has a provisioned manager"
    );

    // Nothing changed: nothing to do.
    let again = t.sync_as_of(TODAY, false);
    assert!(
        again.targets[0].plan.is_empty(),
        "{:?}",
        again.targets[0].plan
    );

    // A leaver: the contract ends, the account is suspended in the application.
    let leaver = t
        .accounts()
        .first()
        .and_then(|a| {
            a.values("externalId")
                .first()
                .map(connector_host::model::Value::display)
        })
        .and_then(|id| id.parse::<u64>().ok())
        .expect("an account with its HR id");
    assert!(t.env.sim.set_contract_end(leaver, "2026-11-20"));
    let left = t.sync_as_of(TODAY, false);
    assert_eq!(
        left.targets[0].planned(ActionKind::Suspend),
        1,
        "{:?}",
        left.targets[0].plan
    );
    assert!(!t.account_of(leaver).active, "suspended in scim2-server");
    let suspended = t.env.events(left.run_id, EventKind::Suspended);
    assert!(
        suspended
            .iter()
            .any(|e| e.system.as_deref() == Some("scim2")),
        "{suspended:?}"
    );

    // A returner: the contract is extended and the person is active at the source again.
    assert!(t.env.sim.set_contract_end(leaver, "2029-01-31"));
    t.env.sim.set_active(leaver, true);
    let back = t.sync_as_of(TODAY, false);
    assert_eq!(
        back.targets[0].planned(ActionKind::Resume),
        1,
        "{:?}",
        back.targets[0].plan
    );
    assert!(t.account_of(leaver).active, "resumed in scim2-server");
}

/// A server without PATCH or ETags that pages with RFC 9865 cursors: the connector falls back
/// on PUT of the merged resource and follows the cursors, and every case still passes.
#[test]
fn the_scim_connector_passes_against_a_server_without_patch_or_etags_that_pages_by_cursor() {
    for (patch, etag, cursor) in [
        (false, false, true),
        (true, true, true),
        (false, true, false),
    ] {
        let server = runtime()
            .block_on(scim_simulator::ScimServer::start(
                scim_simulator::ScimConfig {
                    patch,
                    etag,
                    cursor,
                    ..scim_simulator::ScimConfig::default()
                },
            ))
            .expect("simulator starts");
        let config = vec![
            ("url".to_string(), server.url()),
            ("token".to_string(), server.token().to_string()),
        ];
        let mut session = runtime()
            .block_on(scim_connector().open(config.clone()))
            .expect("session");
        seed(session.as_mut(), 5);
        let faults: &dyn FaultInjector = &server;
        let report = conformance_against(config, Some(faults), false);
        assert!(
            report.passed(),
            "patch {patch}, etag {etag}, cursor {cursor}:\n{}",
            report.to_table()
        );
        let requests = server.requests();
        assert_eq!(
            requests.iter().any(|(m, _)| m == "PATCH"),
            patch,
            "PATCH used exactly when offered"
        );
        if !patch {
            assert!(requests.iter().any(|(m, _)| m == "PUT"), "PUT instead");
        }
        assert_eq!(
            requests.iter().any(|(_, q)| q.contains("cursor")),
            cursor,
            "cursors followed exactly when offered"
        );
    }
}
