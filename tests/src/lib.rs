//! Shared helpers for the integration tests: one engine and one compiled PeopleSpheres
//! connector per test binary (compiling a component in a debug host takes seconds), a
//! simulator on its own runtime, and a runtime to drive the host's async API from plain tests.

pub mod scim2;
pub mod sync_env;
pub mod traps;
pub mod writing;

use std::sync::{Arc, OnceLock};

use connector_host::connector::Session;
use connector_host::engine::HostEngine;
use connector_host::loader::{self, LoadedComponent};
use connector_host::model::{Config, User};
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_host::sandbox::Limits;
use ps_simulator::{SimConfig, Simulator};

/// A multi-thread runtime that lives for the whole test binary.
pub fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// The engine shared by a test binary.
pub fn engine() -> Arc<HostEngine> {
    static ENGINE: OnceLock<Arc<HostEngine>> = OnceLock::new();
    ENGINE
        .get_or_init(|| HostEngine::new(Limits::default()).expect("engine"))
        .clone()
}

/// The PeopleSpheres component, compiled once per test binary.
pub fn component() -> LoadedComponent {
    static COMPONENT: OnceLock<LoadedComponent> = OnceLock::new();
    COMPONENT
        .get_or_init(|| {
            loader::load(&engine(), &connector_host::builtin::connector_component())
                .expect("the built-in connector loads")
        })
        .clone()
}

/// The built-in SCIM connector, compiled once per test binary.
pub fn scim_component() -> LoadedComponent {
    static COMPONENT: OnceLock<LoadedComponent> = OnceLock::new();
    COMPONENT
        .get_or_init(|| {
            loader::load(
                &engine(),
                &connector_host::source::ComponentSource::Builtin(
                    connector_host::source::BuiltinConnector::Scim,
                ),
            )
            .expect("the built-in SCIM connector loads")
        })
        .clone()
}

/// The SCIM connector with default runtime options.
pub fn scim_connector() -> WasmConnector {
    runtime()
        .block_on(WasmConnector::from_component(
            engine(),
            scim_component(),
            RuntimeOptions::default(),
        ))
        .expect("the SCIM connector describes itself")
}

/// The PeopleSpheres connector with these runtime options.
pub fn connector(options: RuntimeOptions) -> WasmConnector {
    runtime()
        .block_on(WasmConnector::from_component(
            engine(),
            component(),
            options,
        ))
        .expect("connector describes itself")
}

/// Starts a simulator with `users` employees.
pub fn simulator(users: usize) -> Simulator {
    runtime()
        .block_on(Simulator::start(SimConfig {
            users,
            ..SimConfig::default()
        }))
        .expect("simulator starts")
}

/// The connector configuration reaching a simulator.
pub fn config_for(sim: &Simulator) -> Config {
    vec![
        ("url".into(), sim.url()),
        ("login".into(), sim.login().into()),
        ("password".into(), sim.password().into()),
    ]
}

/// A mock connector component built by tests/build.rs (`good`, `v2`, `repeat-user`,
/// `ignore-page-size`, `undeclared-attribute`, `untyped-error`, `trap`, `raw-choice`,
/// `hidden-level`, `wrong-path`, `empty-branch`, and the hostile ones: see tests/build.rs).
pub fn mock_component(variant: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("MOCK_COMPONENTS_DIR")).join(format!("mock-{variant}.wasm"))
}

/// A copy of `component` whose export claims contract `version` (same length as `0.1.0`),
/// written into `dir`.
pub fn with_contract_version(
    component: &connector_host::ComponentSource,
    version: &str,
    dir: &std::path::Path,
) -> std::path::PathBuf {
    let bytes = component.read().expect("component readable").into_owned();
    let from = b"provisioning:connector/connector@0.1.0";
    let to = format!("provisioning:connector/connector@{version}");
    assert_eq!(
        to.len(),
        from.len(),
        "the version must keep the name's length"
    );
    let mut patched = bytes;
    let mut i = 0;
    let mut replaced = 0;
    while i + from.len() <= patched.len() {
        if &patched[i..i + from.len()] == from {
            patched[i..i + from.len()].copy_from_slice(to.as_bytes());
            replaced += 1;
        }
        i += 1;
    }
    assert!(replaced > 0, "the export name is in the component");
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join(format!("contract-{version}.wasm"));
    std::fs::write(&path, patched).expect("write");
    path
}

/// Lists every user page by page, asserting each page honours `page_size`; `between_pages` runs
/// after each page with the number of pages read so far (to change the tenant mid-listing).
pub fn list_all(
    session: &mut dyn Session,
    page_size: u32,
    mut between_pages: impl FnMut(usize),
) -> Vec<User> {
    runtime().block_on(async {
        let mut users = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = session
                .list_users(token.as_deref(), page_size)
                .await
                .expect("page");
            assert!(page.users.len() <= page_size as usize, "page size honoured");
            users.extend(page.users);
            pages += 1;
            between_pages(pages);
            match page.next_page_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        users
    })
}

/// A fresh folder `ch-{name}-{pid}` with a configuration for the mock connector (`tenant`, and
/// the secret `letmein` in a file beside it); returns the folder and the configuration's path.
pub fn mock_tenant_config(name: &str, tenant: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("ch-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let secret = dir.join("secret");
    std::fs::write(&secret, "letmein").expect("write");
    let config = dir.join("mock.toml");
    std::fs::write(
        &config,
        format!(
            "[connector.settings]\ntenant = \"{tenant}\"\nsecret_file = \"{}\"\n",
            secret.display()
        ),
    )
    .expect("write");
    (dir, config)
}
