//! The provisioning engine at scale: a full sync of a simulated tenant (100,000 employees by
//! default; `SYNC_BENCH_USERS` changes it) through the real connector into a fresh SQLite file,
//! then a second, idempotent sync. Prints wall times, the time per person spent writing the
//! listing into the store, the store file's size per person and the process's peak memory
//! (VmHWM).
//! The simulator runs in this process too, so its own memory (measured before the sync starts)
//! is reported separately: the host's share is the growth above it.
//!
//! Run: `cargo bench -p connector-host --bench sync_100k`

use std::sync::Arc;
use std::time::Instant;

use connector_host::Connector;
use connector_host::engine::HostEngine;
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_host::sandbox::Limits;
use connector_host::store::Store;
use connector_host::sync::{self, Mapping, Progress, SyncOptions};
use ps_simulator::{SimConfig, Simulator};

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

fn main() -> anyhow::Result<()> {
    let users: usize = std::env::var("SYNC_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let page_size: u32 = std::env::var("SYNC_BENCH_PAGE_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let sim = rt.block_on(Simulator::start(SimConfig {
        users,
        ..SimConfig::default()
    }))?;
    let engine = HostEngine::new(Limits::default())?;
    let connector = rt.block_on(WasmConnector::load(
        Arc::clone(&engine),
        &connector_host::builtin::connector_component(),
        RuntimeOptions::default(),
    ))?;
    let config = vec![
        ("url".into(), sim.url()),
        ("login".into(), sim.login().to_string()),
        ("password".into(), sim.password().to_string()),
    ];
    let mut session = rt.block_on(connector.open(config))?;
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
    let t = Instant::now();
    let first = rt.block_on(sync::run(
        session.as_mut(),
        &mut store,
        &mapping,
        &options,
        &Progress::stderr(),
    ))?;
    let first_time = t.elapsed();
    let peak_first = status_kib("VmHWM:");
    let t = Instant::now();
    let second = rt.block_on(sync::run(
        session.as_mut(),
        &mut store,
        &mapping,
        &options,
        &Progress::stderr(),
    ))?;
    let second_time = t.elapsed();
    let peak = status_kib("VmHWM:");
    let db = std::fs::metadata(dir.join("bench.sqlite"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!(
        "users: {users}, pages: {} (page size {})",
        first.counts.pages,
        if page_size == 0 {
            "connector default".into()
        } else {
            page_size.to_string()
        }
    );
    println!(
        "first sync:  {:.1} s, {} joiners, {} to review, {} skipped",
        first_time.as_secs_f64(),
        first.counts.joiners,
        first.counts.reviews,
        first.counts.skipped
    );
    println!(
        "second sync: {:.1} s, {} joiners, {} movers, {} planned actions",
        second_time.as_secs_f64(),
        second.counts.joiners,
        second.counts.movers,
        second.plan.len()
    );
    println!(
        "RSS before the sync (simulator seeded, connector loaded): {} MiB",
        baseline / 1024
    );
    println!(
        "peak RSS (VmHWM) after the first sync: {} MiB, after the second: {} MiB",
        peak_first / 1024,
        peak / 1024
    );
    println!(
        "host growth above the baseline: {} MiB; store file {} MiB",
        peak.saturating_sub(baseline) / 1024,
        db / (1 << 20)
    );
    let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / users.max(1) as f64;
    println!(
        "store writes per person: first sync {:.1} µs, second {:.1} µs; store file {} bytes per person",
        per(first.store_time),
        per(second.store_time),
        db / users.max(1) as u64
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
