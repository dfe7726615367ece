//! The contract is a standard: every component this workspace builds targets the connector
//! world (`wit/worlds.wit`, `http-connector`) by the check `wasm-tools component targets` makes,
//! the host's load-time import list is that world, and the host refuses, enforces and routes
//! what the world says.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use connector_host::connector::Connector;
use connector_host::loader::{self, LoadError};
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_host::sandbox::LogSink;
use connector_tests::{engine, list_all, mock_component, runtime};
use wit_parser::{Resolve, WorldId, WorldItem};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The world `world` of the WIT package in `dir`.
fn world(dir: &Path, world: &str) -> (Resolve, WorldId) {
    let mut resolve = Resolve::new();
    let (package, _) = resolve
        .push_dir(dir)
        .unwrap_or_else(|e| panic!("{} parses: {e:#}", dir.display()));
    let id = resolve
        .select_world(&[package], Some(world))
        .expect("the world exists");
    (resolve, id)
}

/// Every mock variant tests/build.rs writes, except the ones built to break the world.
fn mock_variants() -> Vec<String> {
    let dir = Path::new(env!("MOCK_COMPONENTS_DIR"));
    let mut variants: Vec<String> = std::fs::read_dir(dir)
        .expect("mock components")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            Some(
                name.strip_prefix("mock-")?
                    .strip_suffix(".wasm")?
                    .to_string(),
            )
        })
        .collect();
    variants.sort();
    assert!(variants.len() >= 10, "mock variants found: {variants:?}");
    variants
}

#[test]
fn every_component_the_workspace_builds_targets_the_connector_world() {
    let (resolve, id) = world(&root().join("wit"), "http-connector");
    let mut checked = 0;
    for builtin in connector_host::source::BuiltinConnector::ALL {
        let bytes = connector_host::source::ComponentSource::Builtin(*builtin)
            .read()
            .expect("the built-in component")
            .into_owned();
        wit_component::targets(&resolve, id, &bytes).unwrap_or_else(|e| {
            panic!(
                "the built-in {} connector targets http-connector: {e:#}",
                builtin.name()
            )
        });
        checked += 1;
    }
    for variant in mock_variants() {
        if variant == "filesystem" || variant == "next-patch" {
            continue;
        }
        let bytes = std::fs::read(mock_component(&variant)).expect("mock bytes");
        wit_component::targets(&resolve, id, &bytes)
            .unwrap_or_else(|e| panic!("mock `{variant}` targets http-connector: {e:#}"));
        checked += 1;
    }
    assert!(checked >= 11);

    // The mock built against the next patch release targets that release's world.
    let (next, next_id) = world(
        &root().join("tests/fixtures/mock-connector/wit-next"),
        "http-connector-next",
    );
    let bytes = std::fs::read(mock_component("next-patch")).expect("mock bytes");
    wit_component::targets(&next, next_id, &bytes)
        .unwrap_or_else(|e| panic!("mock `next-patch` targets http-connector-next: {e:#}"));

    // The check is real: a component reaching for the filesystem does not target the world.
    let bytes = std::fs::read(mock_component("filesystem")).expect("mock bytes");
    let e = wit_component::targets(&resolve, id, &bytes)
        .expect_err("a filesystem import is outside the world");
    assert!(format!("{e:#}").contains("wasi:filesystem/"), "{e:#}");
}

#[test]
fn the_hosts_import_list_is_the_connector_world() {
    let (resolve, id) = world(&root().join("wit"), "http-connector");
    let mut wasi = BTreeSet::new();
    let mut contract = BTreeSet::new();
    for (key, item) in &resolve.worlds[id].imports {
        let WorldItem::Interface { id: iface, .. } = item else {
            panic!(
                "the world imports only interfaces, not {}",
                resolve.name_world_key(key)
            );
        };
        let name = resolve.id_of(*iface).expect("a named interface");
        let (interface, version) = name.split_once('@').expect("a versioned interface");
        if interface.starts_with("wasi:") {
            assert_eq!(
                version,
                connector_host::world::WASI_VERSION,
                "{name}: one WASI release in the world"
            );
            wasi.insert(interface.to_string());
        } else {
            assert_eq!(version, connector_host::CONTRACT_VERSION, "{name}");
            contract.insert(interface.to_string());
        }
    }
    let host_wasi: BTreeSet<String> = connector_host::world::WASI_IMPORTS
        .iter()
        .map(|s| s.to_string())
        .collect();
    let host_contract: BTreeSet<String> = connector_host::world::CONTRACT_IMPORTS
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(wasi, host_wasi, "the host's WASI list is the world's");
    assert_eq!(
        contract, host_contract,
        "the host's contract imports are the world's"
    );
    assert!(
        !wasi
            .iter()
            .any(|i| i.starts_with("wasi:filesystem") || i.starts_with("wasi:sockets")),
        "no filesystem, no sockets: {wasi:?}"
    );
}

#[test]
fn a_component_importing_outside_the_world_is_refused_at_load_naming_the_import() {
    let source = mock_component("filesystem").into();
    let e = loader::load(&engine(), &source).expect_err("refused");
    assert!(matches!(e, LoadError::ForbiddenImport { .. }), "{e}");
    let message = e.to_string();
    assert!(message.contains("mock-filesystem.wasm"), "{message}");
    assert!(
        message.contains("imports wasi:filesystem/"),
        "the import is named: {message}"
    );
    assert!(message.contains("no filesystem, no sockets"), "{message}");
}

#[test]
fn the_guest_sees_no_environment_and_no_stdin_and_its_output_reaches_the_host_log() {
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = lines.clone();
    let log: LogSink = Arc::new(move |level, line: &str| {
        if let Ok(mut l) = sink.lock() {
            l.push(format!("{level:?} {line}"));
        }
    });
    let connector = runtime()
        .block_on(WasmConnector::load(
            engine(),
            mock_component("stdio"),
            RuntimeOptions {
                log,
                ..RuntimeOptions::default()
            },
        ))
        .expect("the stdio mock loads");
    assert_eq!(connector.description().name, "mock env=0 stdin=0");
    let lines = lines.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(
        lines.contains(&"Info stdout: hello from the guest's stdout".to_string()),
        "{lines:?}"
    );
    assert!(
        lines.contains(&"Warn stderr: a warning on the guest's stderr".to_string()),
        "{lines:?}"
    );
}

#[test]
fn a_component_built_against_a_newer_compatible_release_of_the_contract_runs() {
    let connector = runtime()
        .block_on(WasmConnector::load(
            engine(),
            mock_component("next-patch"),
            RuntimeOptions::default(),
        ))
        .expect("a 0.1.1 component loads in a 0.1.0 host");
    assert_eq!(connector.description().contract_version, "0.1.1");
    let mut session = runtime()
        .block_on(connector.open(vec![
            ("tenant".into(), "t".into()),
            ("secret".into(), "s".into()),
        ]))
        .expect("open");
    let users = list_all(session.as_mut(), 10, |_| {});
    assert_eq!(users.len(), 25);
}
