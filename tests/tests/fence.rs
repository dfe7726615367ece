//! The fence a connector runs in when the host does not trust it: a swap candidate gets the
//! serving version's secret keys sealed (so dropping `secret` from `password` gains it
//! nothing), and the serving version's reach whatever it declares from call to call; a
//! component `conformance --component` runs is fenced to the built-in connector's hosts when
//! the operator names none. Each test has a control showing the attack works unfenced.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use connector_host::Connector;
use connector_host::registry::{Registry, RegistryError};
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_host::sandbox::LogSink;
use connector_tests::traps::{Trap, wait_for_hit};
use connector_tests::{engine, mock_component, runtime};

const PASSWORD: &str = "the-real-hunter2";

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn capturing() -> (LogSink, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let kept = lines.clone();
    let sink: LogSink = Arc::new(move |_, line: &str| {
        if let Ok(mut v) = kept.lock() {
            v.push(line.to_string());
        }
    });
    (sink, lines)
}

fn courier_config(tenant: &Trap, trap: Option<&Trap>) -> Vec<(String, String)> {
    let mut config = vec![
        ("tenant".to_string(), tenant.authority()),
        ("secret".to_string(), "letmein".to_string()),
        ("password".to_string(), PASSWORD.to_string()),
    ];
    if let Some(t) = trap {
        config.push(("trap".to_string(), t.authority()));
    }
    config
}

#[test]
fn a_swap_candidate_that_stops_declaring_the_password_secret_never_holds_it() {
    let tenant = Trap::checking(PASSWORD);
    let config = courier_config(&tenant, None);
    let (log, lines) = capturing();
    let registry = Registry::new(
        engine(),
        RuntimeOptions {
            log,
            ..RuntimeOptions::default()
        },
    );
    runtime()
        .block_on(registry.add("mock", &mock_component("courier"), config.clone()))
        .expect("the honest version serves");
    tenant.clear();
    // The candidate declares `password` plain: a shrink of its secret keys, so no growth.
    let swapped = runtime().block_on(registry.swap("mock", &mock_component("courier-drop-secret")));
    assert!(
        !matches!(swapped, Err(RegistryError::Widens { .. })),
        "{swapped:?}"
    );
    std::thread::sleep(Duration::from_millis(300));
    let seen = tenant.seen();
    assert!(
        seen.contains("/courier?hex="),
        "the candidate never ran: {seen}"
    );
    assert!(
        !seen.contains(&hex(PASSWORD)),
        "the candidate held the real password and sent it encoded: {seen}"
    );
    let logged = lines.lock().expect("lines").join("\n");
    assert!(logged.contains("courier holds"), "{logged}");
    assert!(!logged.contains(PASSWORD), "{logged}");
    // Control: the same component loaded on its own holds the real value.
    tenant.clear();
    let plain = unfenced("courier-drop-secret");
    let _ = runtime().block_on(plain.open(config));
    std::thread::sleep(Duration::from_millis(300));
    assert!(tenant.seen().contains(&hex(PASSWORD)), "{}", tenant.seen());
}

/// The mock variant loaded on its own, outside any registry's fence (the control runs).
fn unfenced(variant: &str) -> WasmConnector {
    runtime()
        .block_on(WasmConnector::load(
            engine(),
            &mock_component(variant),
            RuntimeOptions::default(),
        ))
        .expect("loads")
}

#[test]
fn a_swap_candidate_whose_hosts_change_between_calls_reaches_nothing_outside_the_fence() {
    let tenant = Trap::checking(PASSWORD);
    let trap = Trap::new();
    let config = courier_config(&tenant, Some(&trap));
    let registry = Registry::new(engine(), RuntimeOptions::default());
    runtime()
        .block_on(registry.add("mock", &mock_component("courier"), config.clone()))
        .expect("the honest version serves");
    // `courier-fickle` declares the trap one time in two: each time its declared hosts pass
    // the growth check, its conformance run (sessions asking again) goes on in the fence.
    let mut approve: Vec<String> = Vec::new();
    let (mut passed, mut tries) = (0, 0);
    while passed < 3 && tries < 40 {
        tries += 1;
        let candidate = mock_component("courier-fickle");
        match runtime().block_on(registry.swap_approving("mock", &candidate, &approve)) {
            Err(RegistryError::Widens { growth, .. }) => {
                // Imports are not what this test is about; hosts stay unapproved.
                for g in growth.iter().map(ToString::to_string) {
                    if g.starts_with("import:") && !approve.contains(&g) {
                        approve.push(g);
                    }
                }
            }
            Ok(_) => {
                passed += 1;
                runtime()
                    .block_on(registry.rollback("mock"))
                    .expect("back to the honest version");
            }
            Err(RegistryError::Conformance { .. }) => passed += 1,
            Err(other) => panic!("{other}"),
        }
    }
    assert!(
        passed >= 1,
        "no candidate passed the growth check in {tries} tries"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(trap.hits(), 0, "reached: {}", trap.seen());
    // Control: unfenced, its sessions reach the trap.
    let plain = unfenced("courier-fickle");
    for _ in 0..20 {
        let _ = runtime().block_on(plain.open(config.clone()));
        if trap.hits() > 0 {
            break;
        }
    }
    assert!(
        wait_for_hit(&trap, Duration::from_secs(2)),
        "the control run should reach the trap"
    );
}

fn cli(args: &[&str]) -> (i32, String) {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut argv = vec!["connector-host"];
    argv.extend_from_slice(args);
    let code = connector_host::cli::run(argv, &mut out, &mut err);
    (code, String::from_utf8_lossy(&err).into_owned())
}

#[test]
fn conformance_of_a_named_component_sends_the_secret_nowhere_it_declares() {
    let trap = Trap::new();
    let (dir, config) = connector_tests::mock_tenant_config("fence-cli", &trap.authority());
    let secret = dir.join("secret");
    let component = mock_component("exfiltrate");
    let (_code, err) = cli(&[
        "conformance",
        "--config",
        config.to_str().unwrap_or_default(),
        "--component",
        component.to_str().unwrap_or_default(),
        "--read-only",
    ]);
    assert!(!err.contains("letmein"), "{err}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(trap.hits(), 0, "reached: {}", trap.seen());
    // Control: the operator who lists the host lets it through.
    std::fs::write(
        &config,
        format!(
            "[connector.settings]\ntenant = \"{0}\"\nsecret_file = \"{1}\"\n[sandbox]\nallowed_hosts = [\"{0}\"]\n",
            trap.authority(),
            secret.display()
        ),
    )
    .expect("write");
    let _ = cli(&[
        "conformance",
        "--config",
        config.to_str().unwrap_or_default(),
        "--component",
        component.to_str().unwrap_or_default(),
        "--read-only",
    ]);
    assert!(
        wait_for_hit(&trap, Duration::from_secs(2)),
        "the control run should reach the trap"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
