//! Start-up time of the `connector-host` binary: `inspect` of the built-in connector, cold (an
//! empty compile cache: the component is compiled) and warm (the cache filled by the previous
//! run), medians of several runs measured side by side in one process.
//!
//! `cargo bench -p connector-host --bench startup` measures the release binary cargo built for
//! the bench; `STARTUP_BENCH_BINARIES=target/debug/connector-host,…` measures others too
//! (the debug build, say; relative paths are the workspace's). `STARTUP_BENCH_RUNS` sets the number of warm runs (default 15).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn inspect(binary: &Path, cache: &Path) -> Duration {
    let started = Instant::now();
    let out = Command::new(binary)
        .arg("inspect")
        .env("CONNECTOR_HOST_CACHE_DIR", cache)
        .output()
        .expect("the binary runs");
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "{}: {}",
        binary.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn main() {
    let mut binaries = vec![PathBuf::from(env!("CARGO_BIN_EXE_connector-host"))];
    if let Ok(more) = std::env::var("STARTUP_BENCH_BINARIES") {
        // cargo runs a bench in the package's folder: a relative path is the workspace's.
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("host/ has a parent");
        binaries.extend(
            more.split(',')
                .filter(|s| !s.is_empty())
                .map(|s| root.join(s)),
        );
    }
    let runs: usize = std::env::var("STARTUP_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let root = std::env::temp_dir().join(format!("ch-startup-bench-{}", std::process::id()));
    for binary in &binaries {
        let mut cold = Vec::new();
        let mut warm = Vec::new();
        // Cold and warm runs interleaved, so both see the same machine load.
        for i in 0..runs {
            let cache = root.join(format!("run-{i}"));
            let _ = std::fs::remove_dir_all(&cache);
            if i < 5 {
                cold.push(inspect(binary, &cache));
            } else {
                inspect(binary, &cache);
            }
            warm.push(inspect(binary, &cache));
            let _ = std::fs::remove_dir_all(&cache);
        }
        println!(
            "{}: inspect cold (compiles) median {:.0} ms of {}; warm (compile cache) median {:.1} ms of {}",
            binary.display(),
            median(cold.clone()).as_secs_f64() * 1000.0,
            cold.len(),
            median(warm.clone()).as_secs_f64() * 1000.0,
            warm.len(),
        );
    }
    let _ = std::fs::remove_dir_all(&root);
}
