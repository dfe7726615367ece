//! Hot swap: under four concurrent streams of calls, twenty swaps fail no call and every call
//! is answered by exactly one version; a refused swap leaves the old version serving; rollback
//! restores the previous version.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use connector_host::registry::{Registry, RegistryError};
use connector_host::runtime::RuntimeOptions;
use connector_tests::{engine, mock_component, runtime};

fn mock_config() -> Vec<(String, String)> {
    vec![("tenant".into(), "t1".into()), ("secret".into(), "letmein".into())]
}

fn registry() -> Arc<Registry> {
    let registry = Arc::new(Registry::new(engine(), RuntimeOptions::default()));
    runtime().block_on(registry.add("mock", &mock_component("good"), mock_config())).expect("mock added");
    registry
}

#[test]
fn twenty_swaps_under_four_streams_fail_no_call() {
    let registry = registry();
    let stop = Arc::new(AtomicBool::new(false));
    let config = mock_config();
    let streams: Vec<_> = (0..4)
        .map(|_| {
            let registry = registry.clone();
            let stop = stop.clone();
            let config = config.clone();
            runtime().spawn(async move {
                let mut answered: Vec<String> = Vec::new();
                let mut failures: Vec<String> = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let version = match registry.current("mock") {
                        Ok(v) => v,
                        Err(e) => {
                            failures.push(e.to_string());
                            continue;
                        }
                    };
                    let mut session = match version.take_session(&config).await {
                        Ok(s) => s,
                        Err(e) => {
                            failures.push(e.to_string());
                            continue;
                        }
                    };
                    match session.list_users(None, 5).await {
                        Ok(page) if page.users.len() == 5 => {
                            answered.push(version.version().to_string());
                            version.give_back(session);
                        }
                        Ok(page) => failures.push(format!("short page of {}", page.users.len())),
                        Err(e) => failures.push(e.to_string()),
                    }
                    tokio::task::yield_now().await;
                }
                (answered, failures)
            })
        })
        .collect();

    for i in 0..20 {
        let variant = if i % 2 == 0 { "v2" } else { "good" };
        let version = runtime().block_on(registry.swap("mock", &mock_component(variant))).expect("swap accepted");
        assert_eq!(version.version(), if variant == "v2" { "0.2.0" } else { "0.1.0" });
    }
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    let mut seen = std::collections::BTreeSet::new();
    for stream in streams {
        let (answered, failures) = runtime().block_on(stream).expect("stream task");
        assert!(failures.is_empty(), "failed calls: {failures:?}");
        total += answered.len();
        seen.extend(answered);
    }
    assert!(total >= 40, "the streams kept calling ({total} calls)");
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec!["0.1.0".to_string(), "0.2.0".to_string()], "calls were answered by both versions");
}

#[test]
fn a_refused_swap_leaves_the_old_version_serving_and_rollback_restores_the_previous() {
    let registry = registry();
    // A version that traps fails the read-only cases: refused.
    let err = runtime().block_on(registry.swap("mock", &mock_component("trap"))).expect_err("refused");
    assert!(matches!(err, RegistryError::Conformance { .. }), "{err}");
    assert!(err.to_string().contains("list.get-agree"), "{err}");
    // A file that is not a component: refused.
    let err = runtime().block_on(registry.swap("mock", std::path::Path::new("/nonexistent.wasm"))).expect_err("refused");
    assert!(matches!(err, RegistryError::Load { .. }), "{err}");
    assert_eq!(registry.current("mock").expect("serving").version(), "0.1.0");
    assert!(registry.previous("mock").is_none(), "refused swaps keep no previous version");

    runtime().block_on(registry.swap("mock", &mock_component("v2"))).expect("swap");
    assert_eq!(registry.current("mock").expect("serving").version(), "0.2.0");
    let back = runtime().block_on(registry.rollback("mock")).expect("rollback");
    assert_eq!(back.version(), "0.1.0");
    assert_eq!(registry.current("mock").expect("serving").version(), "0.1.0");
    assert_eq!(registry.previous("mock").map(|p| p.version().to_string()).as_deref(), Some("0.2.0"));
}
