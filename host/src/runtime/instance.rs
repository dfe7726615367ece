//! One instance of a component: its store under the sandbox, the per-call deadline (the
//! guest yields at every epoch tick and traps once its call's time is up; an async timeout
//! covers host I/O), and the sorting of a call's outcome into a typed result with secrets
//! masked.

use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::ResourceAny;
use wasmtime::{Store, UpdateDeadline};

use super::options::RuntimeOptions;
use crate::bindings::{self, wit};
use crate::engine::HostEngine;
use crate::error::{ConnectorError, HostError};
use crate::loader::LoadedComponent;
use crate::sandbox::{OutboundPolicy, StoreState, Vault};

/// Extra time the async timeout grants over the epoch deadline, so a CPU-bound guest is
/// stopped by the epoch (a clean trap) before the future is dropped.
const TIMEOUT_SLACK: Duration = Duration::from_millis(250);

/// One live instance: its store, bindings, and the open session (if any).
pub(super) struct Live {
    pub(super) store: Store<StoreState>,
    pub(super) api: Arc<bindings::ConnectorApi>,
    pub(super) session: Option<ResourceAny>,
}

/// Creates a store and instance for `component`.
pub(super) async fn instantiate(
    engine: &HostEngine,
    component: &LoadedComponent,
    options: &RuntimeOptions,
    policy: OutboundPolicy,
    secrets: Vec<String>,
    vault: Vault,
) -> Result<Live, HostError> {
    let state = StoreState::new(
        policy,
        engine.limits(),
        options.log.clone(),
        secrets,
        vault,
        options.traffic.clone(),
    );
    let mut store = Store::new(engine.engine(), state);
    store.limiter(|s| &mut s.limits);
    // At every epoch tick the guest yields to the executor (a spinning guest cannot hold a
    // worker thread, and with it every other call and the admin API), and traps once its
    // call's deadline has passed.
    store.data_mut().start_call(engine.limits().call_timeout);
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|ctx| {
        Ok(if ctx.data().past_deadline() {
            UpdateDeadline::Interrupt
        } else {
            UpdateDeadline::YieldCustom(1, Box::pin(tokio::task::yield_now()))
        })
    });
    let api = component
        .pre
        .instantiate_async(&mut store)
        .await
        .map_err(|e| HostError::Instantiate(format!("{e:#}")))?;
    Ok(Live {
        store,
        api: Arc::new(api),
        session: None,
    })
}

/// Runs one guest call under the deadline and sorts out its outcome.
pub(super) async fn run<T>(
    engine: &HostEngine,
    live: &mut Live,
    operation: &str,
    call: impl AsyncFnOnce(&mut Store<StoreState>) -> wasmtime::Result<Result<T, wit::Error>>,
) -> Result<T, HostError> {
    let limit = engine.limits().call_timeout;
    live.store.data_mut().start_call(limit);
    live.store.set_epoch_deadline(1);
    // Refusals are reported for the call that made them only.
    drop(live.store.data().take_denied());
    drop(live.store.data().take_transport_failures());
    let outcome = tokio::time::timeout(limit + TIMEOUT_SLACK, call(&mut live.store)).await;
    let denied = live.store.data().take_denied();
    let failures = live.store.data().take_transport_failures();
    match outcome {
        Err(_) => Err(HostError::Deadline {
            operation: operation.into(),
            limit_ms: limit.as_millis() as u64,
        }),
        Ok(Err(trap)) => {
            if matches!(
                trap.downcast_ref::<wasmtime::Trap>(),
                Some(wasmtime::Trap::Interrupt)
            ) {
                Err(HostError::Deadline {
                    operation: operation.into(),
                    limit_ms: limit.as_millis() as u64,
                })
            } else {
                Err(HostError::Trap {
                    operation: operation.into(),
                    reason: trap_reason(&trap),
                })
            }
        }
        Ok(Ok(Err(e))) if !denied.is_empty() => {
            // The sandbox refused a request during this call: that is the cause, whatever the
            // connector made of it.
            drop(e);
            Err(ConnectorError::EgressDenied(format!(
                "{} is not in the connector's allow list",
                denied.join(", ")
            ))
            .into())
        }
        Ok(Ok(Err(e))) => match bindings::error_from(e) {
            // The host saw why the connector's requests failed: say it in its words, with the
            // host and port, instead of whatever the connector made of it.
            ConnectorError::Unavailable(_) | ConnectorError::Protocol(_)
                if !failures.is_empty() =>
            {
                Err(ConnectorError::Unavailable(failures.join("; ")).into())
            }
            other => Err(other.into()),
        },
        Ok(Ok(Ok(v))) => Ok(v),
    }
}

/// What stopped the guest, in one line: the trap, or the host error at the root (a full
/// resource table, say), without wasmtime's multi-line backtrace.
fn trap_reason(trap: &wasmtime::Error) -> String {
    let text = match trap.downcast_ref::<wasmtime::Trap>() {
        Some(t) => t.to_string(),
        None => trap.root_cause().to_string(),
    };
    text.lines().next().unwrap_or_default().to_string()
}

/// Replaces every secret in an error's text with `***`.
pub(super) fn mask(err: HostError, secrets: &[String]) -> HostError {
    let clean = |s: String| {
        secrets
            .iter()
            .filter(|x| !x.is_empty())
            .fold(s, |acc, x| acc.replace(x.as_str(), "***"))
    };
    match err {
        HostError::Connector(e) => HostError::Connector(match e {
            ConnectorError::InvalidConfig { name, reason } => ConnectorError::InvalidConfig {
                name,
                reason: clean(reason),
            },
            ConnectorError::AlreadyExists { name, reason } => ConnectorError::AlreadyExists {
                name,
                reason: clean(reason),
            },
            ConnectorError::InvalidInput { name, reason } => ConnectorError::InvalidInput {
                name,
                reason: clean(reason),
            },
            ConnectorError::Unauthorized(s) => ConnectorError::Unauthorized(clean(s)),
            ConnectorError::Forbidden(s) => ConnectorError::Forbidden(clean(s)),
            ConnectorError::NotFound(s) => ConnectorError::NotFound(clean(s)),
            ConnectorError::Unavailable(s) => ConnectorError::Unavailable(clean(s)),
            ConnectorError::Protocol(s) => ConnectorError::Protocol(clean(s)),
            ConnectorError::EgressDenied(s) => ConnectorError::EgressDenied(clean(s)),
            ConnectorError::Unsupported(s) => ConnectorError::Unsupported(clean(s)),
            ConnectorError::Other(s) => ConnectorError::Other(clean(s)),
            other @ ConnectorError::RateLimited { .. } => other,
        }),
        HostError::Trap { operation, reason } => HostError::Trap {
            operation,
            reason: clean(reason),
        },
        other => other,
    }
}
