//! Hot swap: under four concurrent streams of calls, twenty swaps fail no call and every call
//! is answered by exactly one version; a refused swap leaves the old version serving; rollback
//! restores the previous version.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use connector_host::registry::{Registry, RegistryError};
use connector_host::runtime::RuntimeOptions;
use connector_tests::{engine, mock_component, runtime};

fn mock_config() -> Vec<(String, String)> {
    vec![
        ("tenant".into(), "t1".into()),
        ("secret".into(), "letmein".into()),
    ]
}

fn registry() -> Arc<Registry> {
    let registry = Arc::new(Registry::new(engine(), RuntimeOptions::default()));
    runtime()
        .block_on(registry.add("mock", &mock_component("good"), mock_config()))
        .expect("mock added");
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
        let version = runtime()
            .block_on(registry.swap("mock", &mock_component(variant)))
            .expect("swap accepted");
        assert_eq!(
            version.version(),
            if variant == "v2" { "0.2.0" } else { "0.1.0" }
        );
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
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        vec!["0.1.0".to_string(), "0.2.0".to_string()],
        "calls were answered by both versions"
    );
    // Sessions handed back to a replaced version were closed: it holds no pooled instance.
    let previous = registry.previous("mock").expect("a rollback target");
    assert_eq!(previous.idle_sessions(), 0);
    assert!(
        registry.current("mock").expect("serving").idle_sessions()
            <= connector_host::registry::MAX_IDLE_SESSIONS
    );
}

#[test]
fn a_refused_swap_leaves_the_old_version_serving_and_rollback_restores_the_previous() {
    let registry = registry();
    // A version that traps fails the read-only cases: refused.
    let err = runtime()
        .block_on(registry.swap("mock", &mock_component("trap")))
        .expect_err("refused");
    assert!(matches!(err, RegistryError::Conformance { .. }), "{err}");
    assert!(err.to_string().contains("list.get-agree"), "{err}");
    // A file that is not a component: refused.
    let err = runtime()
        .block_on(registry.swap("mock", std::path::Path::new("/nonexistent.wasm")))
        .expect_err("refused");
    assert!(matches!(err, RegistryError::Load { .. }), "{err}");
    // A component of another contract version: refused.
    let dir = std::env::temp_dir().join(format!("connector-swap-{}", std::process::id()));
    let future =
        connector_tests::with_contract_version(&mock_component("v2").into(), "1.0.0", &dir);
    let err = runtime()
        .block_on(registry.swap("mock", &future))
        .expect_err("refused");
    assert!(
        err.to_string()
            .contains("implements contract provisioning:connector/connector@1.0.0"),
        "{err}"
    );
    assert_eq!(
        registry.current("mock").expect("serving").version(),
        "0.1.0"
    );
    assert!(
        registry.previous("mock").is_none(),
        "refused swaps keep no previous version"
    );

    runtime()
        .block_on(registry.swap("mock", &mock_component("v2")))
        .expect("swap");
    assert_eq!(
        registry.current("mock").expect("serving").version(),
        "0.2.0"
    );
    let back = runtime()
        .block_on(registry.rollback("mock"))
        .expect("rollback");
    assert_eq!(back.version(), "0.1.0");
    assert_eq!(
        registry.current("mock").expect("serving").version(),
        "0.1.0"
    );
    assert_eq!(
        registry
            .previous("mock")
            .map(|p| p.version().to_string())
            .as_deref(),
        Some("0.2.0")
    );
}

mod serve_api {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;

    async fn call(
        app: &axum::Router,
        method: &str,
        uri: &str,
        body: Option<serde_json::Value>,
    ) -> (StatusCode, Option<String>, serde_json::Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json")
            .body(
                body.map(|b| Body::from(b.to_string()))
                    .unwrap_or_else(Body::empty),
            )
            .expect("request");
        let response = app.clone().oneshot(request).await.expect("answer");
        let status = response.status();
        let version = response
            .headers()
            .get("x-connector-version")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        (
            status,
            version,
            serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
        )
    }

    #[test]
    fn the_admin_api_serves_calls_swaps_refuses_and_rolls_back() {
        let registry = registry();
        let app = connector_host::serve::router(registry.clone());
        runtime().block_on(async {
            let (status, version, page) =
                call(&app, "GET", "/connectors/mock/users?page_size=3", None).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(version.as_deref(), Some("0.1.0"));
            assert_eq!(page["users"].as_array().map(Vec::len), Some(3));

            let v2 = mock_component("v2");
            let (status, _, body) = call(
                &app,
                "POST",
                "/connectors/mock/swap",
                Some(serde_json::json!({ "path": v2 })),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let (_, version, user) = call(&app, "GET", "/connectors/mock/users/3", None).await;
            assert_eq!(version.as_deref(), Some("0.2.0"));
            assert_eq!(user["id"], "3");

            let trap = mock_component("trap");
            let (status, _, body) = call(
                &app,
                "POST",
                "/connectors/mock/swap",
                Some(serde_json::json!({ "path": trap })),
            )
            .await;
            assert_eq!(status, StatusCode::CONFLICT);
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("old version keeps serving")),
                "{body}"
            );

            // A version that asks for more reach is refused, the growth listed, until the
            // request approves exactly that.
            let greedy = mock_component("greedy-hosts");
            let (status, _, body) = call(
                &app,
                "POST",
                "/connectors/mock/swap",
                Some(serde_json::json!({ "path": greedy })),
            )
            .await;
            assert_eq!(status, StatusCode::CONFLICT);
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("host:exfil.example:443")),
                "{body}"
            );
            let (_, _, list) = call(&app, "GET", "/connectors", None).await;
            assert_eq!(
                list[0]["capabilities"]["outbound_hosts"],
                serde_json::json!([]),
                "{list}"
            );

            let (status, _, _) = call(&app, "POST", "/connectors/mock/rollback", None).await;
            assert_eq!(status, StatusCode::OK);
            let (_, _, list) = call(&app, "GET", "/connectors", None).await;
            assert_eq!(list[0]["version"], "0.1.0");
            assert_eq!(list[0]["previous"], "0.2.0");

            let (status, _, _) = call(&app, "GET", "/connectors/nope/users", None).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
            let (status, _, body) = call(&app, "GET", "/connectors/mock/users/999", None).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        });
    }

    #[test]
    fn a_call_cut_at_its_deadline_is_504_and_the_next_call_is_served() {
        let engine = connector_host::engine::HostEngine::new(connector_host::sandbox::Limits {
            call_timeout: std::time::Duration::from_millis(400),
            ..connector_host::sandbox::Limits::default()
        })
        .expect("engine");
        let registry = Arc::new(Registry::new(engine, RuntimeOptions::default()));
        runtime()
            .block_on(registry.add("mock", &mock_component("good"), mock_config()))
            .expect("mock added");
        let app = connector_host::serve::router(registry);
        runtime().block_on(async {
            let (status, _, body) = call(&app, "GET", "/connectors/mock/users/__spin", None).await;
            assert_eq!(status, StatusCode::GATEWAY_TIMEOUT, "{body}");
            assert!(
                body["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("deadline")),
                "{body}"
            );
            let (status, _, body) = call(&app, "GET", "/connectors/mock/users/3", None).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        });
    }

    #[test]
    fn a_changed_component_file_is_swapped_in_by_the_watcher() {
        let dir = std::env::temp_dir().join(format!("connector-watch-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("mock.wasm");
        std::fs::copy(mock_component("good"), &path).expect("copy");
        let registry = Arc::new(Registry::new(engine(), RuntimeOptions::default()));
        runtime()
            .block_on(registry.add("mock", &path, mock_config()))
            .expect("added");
        let (tx, rx) = std::sync::mpsc::channel::<String>();
        let watcher = runtime().spawn(connector_host::serve::watch(
            registry.clone(),
            std::time::Duration::from_millis(100),
            move |_, outcome| {
                let _ = tx.send(match outcome {
                    Ok(v) => v.to_string(),
                    Err(e) => format!("refused: {e}"),
                });
            },
        ));
        std::thread::sleep(std::time::Duration::from_millis(300));
        // Replace the file (new inode and mtime), as a deployment would.
        let staged = dir.join("mock.wasm.new");
        std::fs::copy(mock_component("v2"), &staged).expect("copy");
        std::fs::rename(&staged, &path).expect("rename");
        let outcome = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the watcher reacted");
        assert_eq!(outcome, "0.2.0");
        assert_eq!(
            registry.current("mock").expect("serving").version(),
            "0.2.0"
        );
        // The same bytes deployed again (a new mtime): nothing to swap.
        std::fs::copy(mock_component("v2"), &staged).expect("copy");
        std::fs::rename(&staged, &path).expect("rename");
        // A swap through the API to another file is not repeated by the watcher, so the
        // one-step rollback still leads to 0.2.0.
        let other = dir.join("other.wasm");
        std::fs::copy(mock_component("good"), &other).expect("copy");
        runtime()
            .block_on(registry.swap("mock", &other))
            .expect("API swap");
        let quiet = rx.recv_timeout(std::time::Duration::from_millis(1500));
        watcher.abort();
        assert!(quiet.is_err(), "the watcher swapped again: {quiet:?}");
        assert_eq!(
            registry.current("mock").expect("serving").version(),
            "0.1.0"
        );
        let previous = registry.previous("mock").expect("a rollback target");
        assert_eq!(previous.version(), "0.2.0");
        assert_eq!(
            previous.idle_sessions(),
            0,
            "a replaced version keeps no instance"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// A swap candidate whose capability set grows (new hosts) is refused, the growth listed,
/// until the operator approves exactly that growth; approved, it runs (its conformance cases
/// included, and after it serves) within the serving version's hosts plus the approved ones.
#[test]
fn a_swap_candidate_cannot_widen_the_connectors_reach() {
    let registry = registry();
    let config = mock_config();
    let serving = registry.current("mock").expect("serving");
    let before = runtime()
        .block_on(serving.connector.policy_for(&config))
        .expect("policy");
    assert_eq!(before.entries().count(), 0);
    let refused = runtime().block_on(registry.swap("mock", &mock_component("greedy-hosts")));
    let Err(e @ RegistryError::Widens { .. }) = refused else {
        panic!("a wider candidate was not refused: {refused:?}");
    };
    let message = e.to_string();
    assert!(
        message.contains("host:127.0.0.1:9") && message.contains("host:exfil.example:443"),
        "{message}"
    );
    assert_eq!(
        registry.current("mock").expect("serving").version(),
        serving.version(),
        "the old version keeps serving"
    );
    // Half the growth approved is not enough.
    let half = runtime().block_on(registry.swap_approving(
        "mock",
        &mock_component("greedy-hosts"),
        &["host:127.0.0.1:9".into()],
    ));
    assert!(
        matches!(&half, Err(RegistryError::Widens { growth, .. }) if growth.len() == 1),
        "{half:?}"
    );
    runtime()
        .block_on(registry.swap_approving(
            "mock",
            &mock_component("greedy-hosts"),
            &["host:127.0.0.1:9".into(), "host:exfil.example:443".into()],
        ))
        .expect("approved, the candidate passes its cases");
    let greedy = registry.current("mock").expect("serving");
    let declared = runtime()
        .block_on(connector_host::Connector::outbound_hosts(
            &greedy.connector,
            &config,
        ))
        .expect("declared");
    assert_eq!(declared.len(), 2, "{declared:?}");
    let reach = runtime()
        .block_on(greedy.connector.policy_for(&config))
        .expect("policy");
    let mut reach: Vec<&str> = reach.entries().collect();
    reach.sort();
    assert_eq!(
        reach,
        ["127.0.0.1:9", "exfil.example:443"],
        "the approved hosts, no more"
    );
}

/// With component folders set, a swap to a file outside them is refused before it is read,
/// and so is a link inside them that points outside.
#[test]
fn a_swap_from_outside_the_component_folders_is_refused() {
    let good = mock_component("good");
    let folder = good.parent().expect("mock folder").to_path_buf();
    let registry = Arc::new(
        Registry::new(engine(), RuntimeOptions::default())
            .with_component_folders(vec![folder.clone()]),
    );
    runtime()
        .block_on(registry.add("mock", &good, mock_config()))
        .expect("added");
    let elsewhere = std::env::temp_dir().join(format!("ch-outside-{}", std::process::id()));
    std::fs::create_dir_all(&elsewhere).expect("dir");
    let copy = elsewhere.join("v2.wasm");
    std::fs::copy(mock_component("v2"), &copy).expect("copy");
    let refused = runtime().block_on(registry.swap("mock", &copy));
    assert!(
        matches!(refused, Err(RegistryError::OutsideFolders { .. })),
        "{refused:?}"
    );
    #[cfg(unix)]
    {
        let link = folder.join(format!("link-{}.wasm", std::process::id()));
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&copy, &link).expect("link");
        let refused = runtime().block_on(registry.swap("mock", &link));
        let _ = std::fs::remove_file(&link);
        assert!(
            matches!(refused, Err(RegistryError::OutsideFolders { .. })),
            "{refused:?}"
        );
    }
    runtime()
        .block_on(registry.swap("mock", &mock_component("v2")))
        .expect("a component inside the folder swaps in");
    std::fs::remove_dir_all(&elsewhere).ok();
}
