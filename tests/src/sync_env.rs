//! The sync engine against the simulator through the real connector component: a simulated
//! tenant, a session, an in-memory store and the default mapping, with helpers to run syncs
//! and read what they recorded (shared by the sync scenario test files).

use connector_host::Connector;
use connector_host::connector::Session;
use connector_host::runtime::RuntimeOptions;
use connector_host::store::{EventFilter, Store, audit};
use connector_host::sync::{self, Mapping, Progress, SyncOptions, SyncReport};
use ps_simulator::Simulator;

use crate::{config_for, connector, runtime, simulator};

pub const TODAY: &str = "2026-11-25";

pub struct Env {
    pub sim: Simulator,
    pub session: Box<dyn Session>,
    pub store: Store,
    pub mapping: Mapping,
}

impl Env {
    pub fn new(users: usize) -> Env {
        let sim = simulator(users);
        let session = runtime()
            .block_on(connector(RuntimeOptions::default()).open(config_for(&sim)))
            .expect("session");
        Env {
            sim,
            session,
            store: Store::in_memory().expect("store"),
            mapping: Mapping::default_peoplespheres().expect("default mapping"),
        }
    }

    pub fn sync_with(&mut self, dry_run: bool, force: bool) -> SyncReport {
        let options = SyncOptions {
            dry_run,
            force,
            as_of: Some(sync::policy::parse_day(TODAY).expect("day")),
            page_size: 0,
            max_users: None,
        };
        runtime()
            .block_on(sync::run(
                self.session.as_mut(),
                &mut self.store,
                &self.mapping,
                &options,
                &Progress::hidden(),
            ))
            .expect("sync runs")
    }

    pub fn sync(&mut self) -> SyncReport {
        self.sync_with(false, false)
    }

    pub fn events(
        &self,
        run: i64,
        kind: connector_host::store::EventKind,
    ) -> Vec<connector_host::store::EventRow> {
        audit::events(
            self.store.conn(),
            &EventFilter {
                run_id: Some(run),
                kind: Some(kind),
                ..Default::default()
            },
        )
        .expect("events")
    }

    /// Calls that change the tenant (REST writes; GraphQL and the token endpoint only read).
    pub fn writes(&self) -> Vec<String> {
        self.sim
            .journal()
            .into_iter()
            .filter(|e| {
                e.method != "GET"
                    && !e.path.contains("graphql")
                    && !e.path.contains("openid-connect")
            })
            .map(|e| format!("{} {}", e.method, e.path))
            .collect()
    }

    /// Active users whose contract has no end date or ends after `TODAY`.
    pub fn open_ended(&self, n: usize) -> Vec<u64> {
        self.sim.open_ended_users(TODAY, n)
    }

    pub fn set_end(&self, id: u64, end: &str) {
        assert!(self.sim.set_contract_end(id, end));
    }
}
