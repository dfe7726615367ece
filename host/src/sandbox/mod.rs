//! The sandbox a connector instance runs in: the outbound HTTP policy ([`policy`]: deny by
//! default, only the hosts derived from the connector's configuration), the wasi:http hooks
//! ([`hooks`]: timeouts, a response size cap, failures in words), the per-store memory and
//! resource limits, and the state every `Store` carries (WASI with no filesystem, no sockets,
//! no environment; the `host` log import, with secrets masked in every spelling, [`secrets`]).

mod echo;
mod hooks;
mod limits;
mod log;
mod policy;
mod secrets;
mod stdio;
#[cfg(test)]
mod tests;
mod traffic;
mod vault;

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use hooks::CallLog;
pub use hooks::SandboxHooks;
pub use limits::Limits;
pub use log::{LogLevel, LogSink, null_log_sink};
pub use policy::{OutboundPolicy, authority_key};
pub use secrets::secret_spellings;
pub use traffic::{Recorder, Replayer, Traffic, TrafficError};
pub use vault::Vault;

/// Host-side resources (wasi:http fields, requests, bodies, streams…) one instance may hold at
/// once. A connector needs a handful; a guest that creates them and never drops them gets an
/// error at this bound instead of growing the host's memory.
pub const MAX_RESOURCES: usize = 2_048;

/// Header bytes one wasi:http `fields` resource may hold. With [`MAX_RESOURCES`] this bounds
/// the header bytes an instance can pin in the host to 64 MiB, whatever it does.
pub const MAX_FIELDS_BYTES: usize = 32 * 1024;
const _: () = assert!(MAX_RESOURCES * MAX_FIELDS_BYTES <= 64 << 20);

/// Everything one connector `Store` holds.
pub struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: SandboxHooks,
    pub(crate) limits: StoreLimits,
    pub(crate) log: LogSink,
    secrets: Arc<Vec<String>>,
    /// When the running guest call must stop (set by the runtime before each call).
    call_deadline: Option<std::time::Instant>,
}

impl StoreState {
    /// A fresh state: no filesystem, sockets or environment; stdio to the log; HTTP through the
    /// policy.
    pub fn new(
        policy: OutboundPolicy,
        limits: &Limits,
        log: LogSink,
        secrets: Vec<String>,
        vault: Vault,
        traffic: Option<Arc<Traffic>>,
    ) -> Self {
        let secrets: Arc<Vec<String>> =
            Arc::new(secrets.into_iter().filter(|s| !s.is_empty()).collect());
        // No arguments, no environment variables, an empty stdin (the builder's defaults);
        // stdout and stderr go to the host log.
        let wasi = WasiCtxBuilder::new()
            .stdout(stdio::GuestOutput::new(
                stdio::GuestStream::Stdout,
                log.clone(),
                secrets.clone(),
            ))
            .stderr(stdio::GuestOutput::new(
                stdio::GuestStream::Stderr,
                log.clone(),
                secrets.clone(),
            ))
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        StoreState {
            wasi,
            table: {
                let mut table = ResourceTable::new();
                table.set_max_capacity(MAX_RESOURCES);
                table
            },
            http: {
                let mut http = WasiHttpCtx::new();
                http.set_field_size_limit(MAX_FIELDS_BYTES);
                http
            },
            hooks: SandboxHooks {
                policy,
                limits: limits.clone(),
                denied: CallLog::default(),
                failures: CallLog::default(),
                traffic,
                // Recordings hold neither the real values nor this instance's placeholders.
                redacted: Arc::new(
                    secrets
                        .iter()
                        .cloned()
                        .chain(vault.placeholders().map(str::to_string))
                        .collect(),
                ),
                vault,
            },
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .instances(64)
                .build(),
            log,
            // The runtime passes every spelling already (see `secret_spellings`).
            secrets,
            call_deadline: None,
        }
    }

    /// Starts a guest call that must end within `limit`.
    pub(crate) fn start_call(&mut self, limit: Duration) {
        self.call_deadline = Some(std::time::Instant::now() + limit);
    }

    /// Whether the running guest call has used up its time.
    pub(crate) fn past_deadline(&self) -> bool {
        self.call_deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
    }

    /// Authorities the policy refused since the last call to this method (one guest call),
    /// each once: what the caller is told after the call.
    pub fn take_denied(&self) -> Vec<String> {
        self.hooks.denied.take()
    }

    /// Requests of the running call that failed in transport, in words (`host:port: cause`),
    /// since the last call to this method.
    pub fn take_transport_failures(&self) -> Vec<String> {
        self.hooks.failures.take()
    }

    /// Forwards a connector log line, with every configured secret masked.
    pub fn log(&self, level: LogLevel, message: &str) {
        let mut line = message.to_string();
        for secret in self.secrets.iter() {
            line = line.replace(secret.as_str(), "***");
        }
        (self.log)(level, &line);
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}
