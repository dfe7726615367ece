//! What the benches share: the simulator in a child process (so the CPU it spends is measured
//! apart from the client's), CPU time of a process, and medians.
//!
//! A bench binary serves as its own simulator: [`serve_if_child`] at the top of `main` turns a
//! process started by [`SimProcess::spawn`] into the simulator, which prints its URL and serves
//! until its stdin closes.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

const CHILD_ENV: &str = "CONNECTOR_BENCH_SIMULATOR_USERS";

/// The simulator, in a child process of this bench.
pub struct SimProcess {
    child: Child,
    pub url: String,
}

impl SimProcess {
    /// Starts this bench binary again as a simulator seeded with `users` people.
    pub fn spawn(users: usize) -> anyhow::Result<SimProcess> {
        let mut child = Command::new(std::env::current_exe()?)
            .env(CHILD_ENV, users.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow::anyhow!("no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        let url = line.trim().to_string();
        anyhow::ensure!(url.starts_with("http://"), "the simulator said {line:?}");
        Ok(SimProcess { child, url })
    }

    /// CPU time the simulator process has used so far.
    pub fn cpu(&self) -> Duration {
        process_cpu(&self.child.id().to_string())
    }

    /// The configuration a connector opens a session on the simulator with.
    pub fn config(&self) -> Vec<(String, String)> {
        vec![
            ("url".into(), self.url.clone()),
            ("login".into(), ps_simulator::DEFAULT_LOGIN.into()),
            ("password".into(), ps_simulator::DEFAULT_PASSWORD.into()),
        ]
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        // Closing stdin ends the child; kill it if it does not go.
        drop(self.child.stdin.take());
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// In a process started by [`SimProcess::spawn`], serves the simulator until stdin closes,
/// then exits. Elsewhere it returns at once.
pub fn serve_if_child() {
    let Some(users) = std::env::var(CHILD_ENV)
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    else {
        return;
    };
    let code = match serve(users) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("simulator: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

fn serve(users: usize) -> anyhow::Result<()> {
    let rt = runtime()?;
    let sim = rt.block_on(ps_simulator::Simulator::start(ps_simulator::SimConfig {
        users,
        ..ps_simulator::SimConfig::default()
    }))?;
    let mut out = std::io::stdout();
    writeln!(out, "{}", sim.url())?;
    out.flush()?;
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    rt.block_on(sim.shutdown());
    Ok(())
}

/// The host's runtime in a bench: two workers, as many as this machine has cores.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Loads a connector (`None`: the built-in one) into a new engine with the default limits.
pub fn load(
    rt: &tokio::runtime::Runtime,
    component: Option<std::path::PathBuf>,
) -> anyhow::Result<connector_host::runtime::WasmConnector> {
    use connector_host::source::ComponentSource;
    let engine =
        connector_host::engine::HostEngine::new(connector_host::sandbox::Limits::default())?;
    let source = match component {
        Some(path) => ComponentSource::File(path),
        None => connector_host::builtin::connector_component(),
    };
    Ok(rt.block_on(connector_host::runtime::WasmConnector::load(
        Arc::clone(&engine),
        &source,
        connector_host::runtime::RuntimeOptions::default(),
    ))?)
}

/// CPU time (user + system) of process `pid` ("self" for this one), from `/proc`.
pub fn process_cpu(pid: &str) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis
    // start at field 3, so utime and stime (fields 14 and 15) are the 12th and 13th there.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let ticks: u64 = after
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|v| v.parse::<u64>().ok())
        .sum();
    // Linux reports these in USER_HZ, 100 per second on every architecture it supports.
    Duration::from_millis(ticks * 10)
}

/// This process's CPU time so far.
pub fn own_cpu() -> Duration {
    process_cpu("self")
}

/// The median of some durations (the middle one, or the mean of the two middle ones).
pub fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    match xs.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => xs[n / 2],
        n => (xs[n / 2 - 1] + xs[n / 2]) / 2,
    }
}

/// A number of the environment, or `default`.
pub fn env_number<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
