//! The per-call deadline and the memory limit: a guest that spins or hoards memory is stopped
//! with a typed host error, its instance is thrown away, and the next call on the same session
//! works on a fresh instance.

use std::time::{Duration, Instant};

use connector_host::connector::Connector;
use connector_host::engine::HostEngine;
use connector_host::error::HostError;
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_host::sandbox::Limits;
use connector_tests::{mock_component, runtime};

fn connector(limits: Limits) -> WasmConnector {
    let engine = HostEngine::new(limits).expect("engine");
    runtime()
        .block_on(WasmConnector::load(
            engine,
            &mock_component("good"),
            RuntimeOptions::default(),
        ))
        .expect("mock loads")
}

fn config() -> Vec<(String, String)> {
    vec![
        ("tenant".into(), "t".into()),
        ("secret".into(), "letmein".into()),
    ]
}

#[test]
fn a_spinning_call_is_cut_at_its_deadline_and_the_session_recovers() {
    let connector = connector(Limits {
        call_timeout: Duration::from_millis(500),
        ..Limits::default()
    });
    let mut session = runtime().block_on(connector.open(config())).expect("open");
    let started = Instant::now();
    let err = runtime()
        .block_on(session.get_user("__spin"))
        .expect_err("cut off");
    assert!(matches!(err, HostError::Deadline { .. }), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopped promptly ({:?})",
        started.elapsed()
    );
    assert!(
        err.to_string().contains("ran past its 500 ms deadline"),
        "{err}"
    );
    let user = runtime()
        .block_on(session.get_user("3"))
        .expect("the next call works on a fresh instance");
    assert_eq!(user.id, "3");
}

#[test]
fn a_call_that_hoards_memory_hits_the_limit_and_the_session_recovers() {
    let connector = connector(Limits {
        memory_bytes: 16 << 20,
        ..Limits::default()
    });
    let mut session = runtime().block_on(connector.open(config())).expect("open");
    let err = runtime()
        .block_on(session.get_user("__hog"))
        .expect_err("stopped");
    assert!(matches!(err, HostError::Trap { .. }), "{err}");
    let user = runtime()
        .block_on(session.get_user("4"))
        .expect("the next call works on a fresh instance");
    assert_eq!(user.id, "4");
}

#[test]
fn identical_component_bytes_are_compiled_once() {
    let engine = HostEngine::new(Limits::default()).expect("engine");
    let good = mock_component("good");
    let first = connector_host::loader::load(&engine, &good.as_path().into()).expect("loads");
    let again = connector_host::loader::load(&engine, &good.as_path().into()).expect("loads again");
    assert_eq!(first.hash, again.hash);
    assert_eq!(engine.cached_components(), 1);
    connector_host::loader::load(&engine, &mock_component("v2").into()).expect("another component");
    assert_eq!(engine.cached_components(), 2);
}

#[test]
fn a_spinning_guest_does_not_hold_the_thread_other_calls_run_on() {
    // One thread for everything: before the guest yielded at each epoch tick, the second call
    // could only start once the spinning one had been cut at its deadline.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let connector = connector(Limits {
        call_timeout: Duration::from_secs(3),
        ..Limits::default()
    });
    rt.block_on(async {
        let mut spinning = connector.open(config()).await.expect("open");
        let mut other = connector.open(config()).await.expect("open");
        let spin = tokio::spawn(async move { spinning.get_user("__spin").await });
        tokio::task::yield_now().await;
        let user = other.get_user("3").await.expect("served meanwhile");
        assert_eq!(user.id, "3");
        assert!(
            !spin.is_finished(),
            "the other call was answered while the spinning one still ran"
        );
        let err = spin.await.expect("joined").expect_err("cut off");
        assert!(matches!(err, HostError::Deadline { .. }), "{err}");
    });
}
