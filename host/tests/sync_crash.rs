//! A sync killed mid-run leaves the store consistent and the next run converges with no
//! duplicate action: a real SIGKILL during the import, and an abort at the worst moment of the
//! action phase (right after a remote suspension, before its confirmation is journaled).

use connector_host::store::ActionState;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use connector_host::store::{EventFilter, Store, audit, identities};
use ps_simulator::{SimConfig, Simulator};

const PASSWORD_VAR: &str = "SYNC_CRASH_TEST_PASSWORD";

struct Tenant {
    rt: tokio::runtime::Runtime,
    sim: Simulator,
    dir: PathBuf,
}

impl Tenant {
    fn new(name: &str, users: usize) -> Tenant {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = rt
            .block_on(Simulator::start(SimConfig {
                users,
                ..SimConfig::default()
            }))
            .expect("simulator");
        let dir = std::env::temp_dir().join(format!("sync-crash-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let config = format!(
            "[connector.settings]\nurl = \"{}\"\nlogin = \"{}\"\npassword_env = \"{PASSWORD_VAR}\"\n",
            sim.url(),
            sim.login()
        );
        std::fs::write(dir.join("tenant.toml"), config).expect("config");
        Tenant { rt, sim, dir }
    }

    fn command(&self, extra_env: Option<(&str, &str)>) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_connector-host"));
        cmd.args(["sync", "--as-of", "2026-11-25", "--config"])
            .arg(self.dir.join("tenant.toml"))
            .arg("--store")
            .arg(self.store_path());
        cmd.env(PASSWORD_VAR, self.sim.password())
            .env_remove("CONNECTOR_HOST_SYNC_ABORT_AFTER")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some((k, v)) = extra_env {
            cmd.env(k, v);
        }
        cmd
    }

    fn sync(&self, extra_env: Option<(&str, &str)>) -> (bool, String) {
        let out = self
            .command(extra_env)
            .output()
            .expect("connector-host runs");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    fn store_path(&self) -> PathBuf {
        self.dir.join("store.sqlite")
    }

    fn set_end(&self, id: u64, end: &str) {
        assert!(self.sim.set_contract_end(id, end));
    }
}

impl Drop for Tenant {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        let _ = &self.rt;
    }
}

fn open(path: &Path) -> Store {
    Store::open(path).expect("the store opens after the crash")
}

#[test]
fn killed_during_the_import_the_next_run_converges() {
    let t = Tenant::new("import", 4000);
    let mut child = t.command(None).spawn().expect("spawn");
    // Kill it once some pages are committed (the store file exists and has identities).
    let started = std::time::Instant::now();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(50));
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        let journal = t.sim.journal();
        if journal
            .iter()
            .filter(|e| e.path.contains("graphql"))
            .count()
            >= 3
            || started.elapsed().as_secs() > 60
        {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let (ok, out) = t.sync(None);
    assert!(ok, "{out}");
    let store = open(&t.store_path());
    assert_eq!(identities::count(store.conn()).expect("count"), 4000);
    let joiners = audit::events(
        store.conn(),
        &EventFilter {
            kind: Some(connector_host::store::EventKind::Joiner),
            ..Default::default()
        },
    )
    .expect("events");
    assert_eq!(
        joiners.len(),
        4000,
        "each person joined exactly once across the killed run and the next"
    );
    drop(store);
    let (ok, out) = t.sync(None);
    assert!(
        ok && out.contains("joiners 0") && out.contains("plan: 0 create, 0 update, 0 suspend"),
        "{out}"
    );
}

#[test]
fn aborted_right_after_a_suspension_the_next_run_does_not_suspend_twice() {
    let t = Tenant::new("actions", 200);
    let (ok, out) = t.sync(None);
    assert!(ok, "{out}");
    let leavers = t.sim.open_ended_users("2026-11-25", 8);
    for id in &leavers {
        t.set_end(*id, "2026-11-15");
    }
    t.sim.clear_journal();
    let (ok, out) = t.sync(Some(("CONNECTOR_HOST_SYNC_ABORT_AFTER", "3")));
    assert!(!ok, "the run was aborted: {out}");
    let (ok, out) = t.sync(None);
    assert!(ok, "{out}");
    let status_calls = |id: u64| {
        t.sim
            .journal()
            .iter()
            .filter(|e| e.method == "POST" && e.path.ends_with(&format!("/psos/{id}/status")))
            .count()
    };
    for id in &leavers {
        assert_eq!(status_calls(*id), 1, "user {id} suspended exactly once");
        assert!(!t.sim.user(*id).expect("user").active);
    }
    let store = open(&t.store_path());
    let runs = audit::runs(store.conn(), 10).expect("runs");
    assert!(
        runs.iter()
            .any(|r| r.status == connector_host::store::RunStatus::Interrupted),
        "{runs:?}"
    );
    // The suspension the killed run never confirmed is settled by the next import, not left open.
    let open_actions: Vec<_> = audit::action_counts(store.conn(), None)
        .expect("counts")
        .into_iter()
        .filter(|(_, state, _)| matches!(state, ActionState::Started | ActionState::Unconfirmed))
        .collect();
    assert!(open_actions.is_empty(), "{open_actions:?}");
    drop(store);
    let (ok, out) = t.sync(None);
    assert!(
        ok && out.contains("plan: 0 create, 0 update, 0 suspend"),
        "{out}"
    );
}

/// The attack run's kill loop: syncs killed with SIGKILL at spread-out moments (import, plan,
/// suspensions), again and again, then a clean run: every leaver is suspended exactly once,
/// nothing is left open, and the run after plans nothing.
#[test]
fn killed_again_and_again_the_runs_converge_with_no_action_twice() {
    let t = Tenant::new("loop", 300);
    let (ok, out) = t.sync(None);
    assert!(ok, "{out}");
    let leavers = t.sim.open_ended_users("2026-11-25", 25);
    for id in &leavers {
        t.set_end(*id, "2026-11-15");
    }
    t.sim.clear_journal();
    let calls = |what: &dyn Fn(&ps_simulator::JournalEntry) -> bool| {
        t.sim.journal().iter().filter(|e| what(e)).count()
    };
    let listing = |e: &ps_simulator::JournalEntry| e.path.contains("graphql");
    let suspension =
        |e: &ps_simulator::JournalEntry| e.method == "POST" && e.path.ends_with("/status");
    let mut killed = 0;
    for round in 0..10 {
        // Even rounds die during the import, odd ones right after a suspension went out (before
        // the run could journal that it was confirmed).
        let watch: &dyn Fn(&ps_simulator::JournalEntry) -> bool = if round % 2 == 0 {
            &listing
        } else {
            &suspension
        };
        let before = calls(watch);
        let mut child = t.command(None).spawn().expect("spawn");
        let started = std::time::Instant::now();
        while calls(watch) == before
            && matches!(child.try_wait(), Ok(None))
            && started.elapsed() < std::time::Duration::from_secs(60)
        {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        if matches!(child.try_wait(), Ok(None)) {
            killed += 1;
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    let (ok, out) = t.sync(None);
    assert!(ok, "{out}");
    let journal = t.sim.journal();
    let mut twice = 0;
    for id in &leavers {
        let calls = journal
            .iter()
            .filter(|e| e.method == "POST" && e.path.ends_with(&format!("/psos/{id}/status")))
            .count();
        if calls != 1 {
            twice += 1;
        }
        assert!(
            !t.sim.user(*id).expect("user").active,
            "user {id} suspended"
        );
    }
    let store = open(&t.store_path());
    let open_actions: Vec<_> = audit::action_counts(store.conn(), None)
        .expect("counts")
        .into_iter()
        .filter(|(_, state, _)| matches!(state, ActionState::Started | ActionState::Unconfirmed))
        .collect();
    drop(store);
    let (ok, again) = t.sync(None);
    println!(
        "kill -9: {killed} of 10 runs killed mid-run, then converged: {} leavers suspended, {twice} suspended more than once, {} actions left open",
        leavers.len(),
        open_actions.len()
    );
    assert!(
        killed >= 5,
        "most runs were killed while running ({killed})"
    );
    assert_eq!(twice, 0, "no suspension sent twice");
    assert!(open_actions.is_empty(), "{open_actions:?}");
    assert!(
        ok && again.contains("plan: 0 create, 0 update, 0 suspend"),
        "{again}"
    );
}
