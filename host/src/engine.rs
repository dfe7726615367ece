//! One wasmtime [`Engine`] for the whole process (component model, async, epoch interruption,
//! pooling allocator), one [`Linker`] (WASI p2 without filesystem or sockets, wasi:http through
//! the sandbox hooks, the `host` import), and compiled components cached by content hash: in
//! memory, and on disk across processes ([`crate::compile_cache`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::compile_cache::DiskCache;
use crate::sandbox::{Limits, StoreState};

/// How often the epoch advances; deadlines are counted in these ticks.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Compiled components kept for reuse by identical bytes.
pub const MAX_CACHED_COMPONENTS: usize = 16;

/// The shared engine, linker and compile cache.
pub struct HostEngine {
    engine: Engine,
    linker: Linker<StoreState>,
    cache: Mutex<HashMap<[u8; 32], Component>>,
    disk: Option<DiskCache>,
    limits: Limits,
}

impl std::fmt::Debug for HostEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostEngine")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// Engine set-up failures.
#[derive(Debug, thiserror::Error)]
#[error("could not set up the WebAssembly engine: {0}")]
pub struct EngineError(String);

impl HostEngine {
    /// Builds the engine with these per-instance limits and starts its epoch ticker; compiled
    /// components are cached on disk in [`DiskCache::default_dir`].
    pub fn new(limits: Limits) -> Result<Arc<HostEngine>, EngineError> {
        Self::with_cache_dir(limits, DiskCache::default_dir())
    }

    /// As [`HostEngine::new`], with compiled components cached in `cache_dir` (none: memory only).
    pub fn with_cache_dir(
        limits: Limits,
        cache_dir: Option<std::path::PathBuf>,
    ) -> Result<Arc<HostEngine>, EngineError> {
        let mut pool = PoolingAllocationConfig::new();
        pool.total_component_instances(64)
            .total_core_instances(256)
            .total_memories(128)
            .total_tables(256)
            .total_stacks(64)
            .max_memory_size(limits.memory_bytes);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // `perf` names the connector's functions (JIT code) when asked to.
        if std::env::var_os("CONNECTOR_HOST_PERFMAP").is_some() {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&config).map_err(|e| EngineError(format!("{e:#}")))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| EngineError(format!("{e:#}")))?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)
            .map_err(|e| EngineError(format!("{e:#}")))?;
        crate::bindings::add_host_to_linker(&mut linker)
            .map_err(|e| EngineError(format!("{e:#}")))?;
        let disk = cache_dir.map(|dir| DiskCache::new(dir, &engine));
        let host = Arc::new(HostEngine {
            engine,
            linker,
            cache: Mutex::default(),
            disk,
            limits,
        });
        spawn_ticker(Arc::downgrade(&host));
        Ok(host)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn linker(&self) -> &Linker<StoreState> {
        &self.linker
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Compiles `bytes`, or returns the component already compiled from identical bytes (in
    /// this process, or in an earlier one through the disk cache).
    pub fn compile(&self, bytes: &[u8]) -> wasmtime::Result<(Component, [u8; 32])> {
        let hash: [u8; 32] = Sha256::digest(bytes).into();
        if let Some(hit) = self.cache.lock().ok().and_then(|c| c.get(&hash).cloned()) {
            return Ok((hit, hash));
        }
        let from_disk = self.disk.as_ref().and_then(|d| d.load(&self.engine, &hash));
        let component = match from_disk {
            Some(component) => {
                tracing::debug!("component read back from the compile cache");
                component
            }
            None => {
                let started = std::time::Instant::now();
                let component = Component::new(&self.engine, bytes)?;
                tracing::info!(
                    "compiled the component ({} KiB) in {} ms",
                    bytes.len() / 1024,
                    started.elapsed().as_millis()
                );
                if let Some(disk) = &self.disk {
                    disk.store(&hash, &component);
                }
                component
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            // Bounded: a long-running `serve` that is swapped again and again must not keep
            // every component it ever compiled. A component in use lives on in its version;
            // only the dedupe of a later identical load is lost.
            if cache.len() >= MAX_CACHED_COMPONENTS {
                cache.clear();
            }
            cache.insert(hash, component.clone());
        }
        Ok((component, hash))
    }

    /// How many distinct components are compiled and cached.
    pub fn cached_components(&self) -> usize {
        self.cache.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Number of epoch ticks in a duration (at least one).
    pub fn ticks(duration: Duration) -> u64 {
        (duration.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}

/// Advances the engine's epoch until the engine is dropped.
fn spawn_ticker(engine: Weak<HostEngine>) {
    let spawned = std::thread::Builder::new()
        .name("wasm-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                match engine.upgrade() {
                    Some(e) => e.engine.increment_epoch(),
                    None => return,
                }
            }
        });
    // Without a ticker no deadline fires; a host that cannot start a thread is unusable anyway,
    // and deadlines are also enforced by the async timeout around each call.
    drop(spawned);
}
