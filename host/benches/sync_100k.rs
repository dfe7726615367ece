//! The provisioning engine at scale: a full sync of a simulated tenant (100,000 employees by
//! default; `SYNC_BENCH_USERS` changes it) through the real connector into a fresh SQLite file,
//! then a second, idempotent sync. Prints wall times and people per second, the CPU time of
//! this process (host and connector) and of the simulator (a child process) apart, the time
//! per person spent mapping and in the store, the store file's size per person and the
//! process's peak memory (VmHWM) above its baseline.
//!
//! Run: `cargo bench -p connector-host --bench sync_100k`

mod support;

use std::time::Instant;

use connector_host::Connector;
use connector_host::store::Store;
use connector_host::sync::{self, Mapping, Progress, SyncOptions};
use support::{SimProcess, own_cpu};

fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One sync, measured.
struct Measured {
    report: sync::SyncReport,
    wall: std::time::Duration,
    host_cpu: std::time::Duration,
    sim_cpu: std::time::Duration,
}

fn main() -> anyhow::Result<()> {
    support::serve_if_child();
    let users: usize = support::env_number("SYNC_BENCH_USERS", 100_000);
    let page_size: u32 = support::env_number("SYNC_BENCH_PAGE_SIZE", 0);
    let sim = SimProcess::spawn(users)?;
    let rt = support::runtime()?;
    let connector = support::load(&rt, None)?;
    let mut session = rt.block_on(connector.open(sim.config()))?;
    let dir = std::env::temp_dir().join(format!("sync-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut store = Store::open(&dir.join("bench.sqlite"))?;
    let mapping = Mapping::default_peoplespheres()?;
    let options = SyncOptions {
        as_of: Some(sync::policy::parse_day("2026-11-25")?),
        page_size,
        ..SyncOptions::default()
    };
    let baseline = status_kib("VmRSS:");
    let mut measure = || -> anyhow::Result<Measured> {
        let (cpu, sim_cpu, t) = (own_cpu(), sim.cpu(), Instant::now());
        let report = rt.block_on(sync::run(
            session.as_mut(),
            &mut store,
            &mapping,
            &options,
            &Progress::stderr(),
        ))?;
        Ok(Measured {
            report,
            wall: t.elapsed(),
            host_cpu: own_cpu().saturating_sub(cpu),
            sim_cpu: sim.cpu().saturating_sub(sim_cpu),
        })
    };
    let first = measure()?;
    let peak_first = status_kib("VmHWM:");
    let second = measure()?;
    let peak = status_kib("VmHWM:");
    let db = std::fs::metadata(dir.join("bench.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "users: {users}, pages: {} (page size {})",
        first.report.counts.pages,
        if page_size == 0 {
            "connector default".into()
        } else {
            page_size.to_string()
        }
    );
    let line = |name: &str, m: &Measured, what: String| {
        let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / users.max(1) as f64;
        println!(
            "{name} {:.2} s, {:.0} people/s ({what}); CPU: host and connector {:.2} s, simulator {:.2} s; per person: mapping {:.1} µs, store {:.1} µs",
            m.wall.as_secs_f64(),
            users as f64 / m.wall.as_secs_f64().max(1e-9),
            m.host_cpu.as_secs_f64(),
            m.sim_cpu.as_secs_f64(),
            per(m.report.import_times.mapping),
            per(m.report.import_times.store),
        );
        let t = &m.report.import_times;
        println!(
            "             wall: import {:.2} s, settling {:.2} s, planning {:.2} s",
            t.listing.as_secs_f64(),
            t.settling.as_secs_f64(),
            t.planning.as_secs_f64()
        );
    };
    let c = &first.report.counts;
    line(
        "first sync: ",
        &first,
        format!(
            "{} joiners, {} to review, {} skipped",
            c.joiners, c.reviews, c.skipped
        ),
    );
    let c = &second.report.counts;
    line(
        "second sync:",
        &second,
        format!(
            "{} joiners, {} movers, {} planned actions",
            c.joiners,
            c.movers,
            second.report.plan.len()
        ),
    );
    println!(
        "RSS before the sync (connector loaded): {} MiB; peak (VmHWM) after the first sync {} MiB, after the second {} MiB",
        baseline / 1024,
        peak_first / 1024,
        peak / 1024
    );
    println!(
        "host growth above the baseline: {} MiB; store file {} MiB, {} bytes per person",
        peak.saturating_sub(baseline) / 1024,
        db / (1 << 20),
        db / users.max(1) as u64
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
