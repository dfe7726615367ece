//! The commands under a tenant's rate limit, as a person runs them: `import` and `users list`
//! wait the tenant's `Retry-After` out and print everyone, `-v` says "rate limited: waiting N s";
//! `conformance --rate-limit-budget 0` gives up at once (the flag reaches its listing cases).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use ps_simulator::{RateLimit, SimConfig, Simulator};

const USERS: usize = 120;

struct Tenant {
    sim: Simulator,
    dir: PathBuf,
    // Serves the simulator while the commands run.
    _runtime: tokio::runtime::Runtime,
}

fn tenant(name: &str) -> Tenant {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(Simulator::start(SimConfig {
            users: USERS,
            ..SimConfig::default()
        }))
        .expect("simulator");
    let dir = std::env::temp_dir().join(format!("ch-ratelimit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let secret = dir.join("password");
    std::fs::write(&secret, sim.password()).expect("secret");
    let config = format!(
        "[connector.settings]\nurl = \"{}\"\nlogin = \"{}\"\npassword_file = \"{}\"\n",
        sim.url(),
        sim.login(),
        secret.display()
    );
    std::fs::write(dir.join("tenant.toml"), config).expect("config");
    // Two API calls a second: pages of 20 make six listing calls.
    sim.set_rate_limit(Some(RateLimit {
        requests: 2,
        window: Duration::from_secs(1),
    }));
    Tenant {
        sim,
        dir,
        _runtime: runtime,
    }
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_connector-host"))
        .args(args)
        .arg("--config")
        .arg(dir.join("tenant.toml"))
        .env_remove("RUST_LOG")
        .env_remove("CONNECTOR_HOST_RATE_LIMIT_BUDGET")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs")
}

fn limited(sim: &Simulator) -> usize {
    sim.journal().iter().filter(|e| e.status == 429).count()
}

#[test]
fn import_and_users_list_wait_the_limit_out_and_say_so() {
    let t = tenant("reads");
    for args in [
        &["import", "--page-size", "20", "--json", "-v"][..],
        &["users", "list", "--page-size", "20", "--json", "-v"],
    ] {
        let before = limited(&t.sim);
        let out = run(&t.dir, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        let ids = stdout.matches("\"id\":").count() + stdout.matches("\"id\": ").count();
        assert!(ids >= USERS, "{args:?}: every user printed ({ids})");
        assert!(limited(&t.sim) > before, "{args:?}: the limit was met");
        assert!(
            stderr.contains("rate limited: waiting "),
            "{args:?}: -v says it waits: {stderr}"
        );
    }
    std::fs::remove_dir_all(&t.dir).ok();
}

#[test]
fn conformance_takes_the_wait_budget_it_is_given() {
    let t = tenant("conformance");
    let out = run(
        &t.dir,
        &["conformance", "--read-only", "--rate-limit-budget", "0"],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(limited(&t.sim) > 0);
    assert!(
        stdout.contains("rate limit") || stdout.contains("rate-limited"),
        "a case names the rate limit it could not wait out: {stdout}"
    );
    std::fs::remove_dir_all(&t.dir).ok();
}
