//! A connector whose listing never ends (fresh users and a fresh token on every page) cannot
//! make the host grow without bound: `users list` streams and stops at `--max-users`, and a
//! sync stops as failed at its ceiling with nothing past it in the store.

use connector_tests::mock_component;

fn run(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["connector-host"];
    argv.extend_from_slice(args);
    let code = connector_host::cli::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn setup(name: &str) -> (std::path::PathBuf, String, String) {
    let (dir, config) = connector_tests::mock_tenant_config(&format!("endless-{name}"), "t");
    let component = mock_component("endless").display().to_string();
    (dir, config.display().to_string(), component)
}

#[test]
fn users_list_stops_at_its_ceiling() {
    let (_dir, config, component) = setup("list");
    let (code, out, err) = run(&[
        "users",
        "list",
        "--config",
        &config,
        "--component",
        &component,
        "--page-size",
        "10",
        "--max-users",
        "55",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the listing passed 55 users (--max-users)"),
        "{err}"
    );
    // Streamed: the pages before the ceiling were printed.
    assert!(out.lines().count() >= 50, "{out}");
}

#[test]
fn a_sync_stops_as_failed_at_its_ceiling_and_stores_nothing_past_it() {
    let (dir, config, component) = setup("sync");
    let store = dir.join("s.sqlite").display().to_string();
    let mapping = dir.join("m.toml");
    std::fs::write(
        &mapping,
        "system = \"mock\"\nmovers = []\n[[attribute]]\nname = \"email\"\nfield = \"email\"\n[[attribute]]\nname = \"contract_end\"\nfield = \"contract.end_date\"\n",
    )
    .expect("write");
    let mapping = mapping.display().to_string();
    let (code, _, err) = run(&[
        "sync",
        "--config",
        &config,
        "--component",
        &component,
        "--store",
        &store,
        "--mapping",
        &mapping,
        "--page-size",
        "10",
        "--max-users",
        "100",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("the listing passed 100 users"), "{err}");
    let store = connector_host::store::Store::open(std::path::Path::new(&store)).expect("store");
    let runs = connector_host::store::audit::runs(store.conn(), 1).expect("runs");
    assert_eq!(runs[0].status, connector_host::store::RunStatus::Failed);
    let stored: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM identities", [], |r| r.get(0))
        .expect("count");
    assert!(stored <= 100, "{stored} identities stored past the ceiling");
}

/// With no `--max-users`, the ceiling is ten times the last complete listing (at least
/// 10,000): after a complete sync of the 25-user mock, a connector that never ends its listing
/// is stopped there with the guard's typed error, the run closed as failed, nothing past the
/// ceiling stored.
#[test]
fn a_sync_past_ten_times_the_last_complete_listing_stops_typed_and_commits_nothing_past_it() {
    use connector_host::Connector;
    use connector_host::paging::ListingError;
    use connector_host::runtime::{RuntimeOptions, WasmConnector};
    use connector_host::store::{RunStatus, Store, audit};
    use connector_host::sync::{self, Mapping, Progress, SyncError, SyncOptions};
    use connector_tests::{engine, runtime};

    let config = vec![
        ("tenant".to_string(), "t".to_string()),
        ("secret".to_string(), "letmein".to_string()),
    ];
    let mapping = Mapping::parse(
        "test",
        "system = \"mock\"\nmovers = []\n[[attribute]]\nname = \"email\"\nfield = \"email\"\n[[attribute]]\nname = \"contract_end\"\nfield = \"contract.end_date\"\n",
    )
    .expect("mapping");
    let options = SyncOptions {
        dry_run: false,
        force: true,
        as_of: None,
        page_size: 50,
        max_users: None,
    };
    let mut store = Store::in_memory().expect("store");
    let sync_with = |variant: &str, store: &mut Store| {
        runtime().block_on(async {
            let connector = WasmConnector::load(
                engine(),
                &mock_component(variant),
                RuntimeOptions::default(),
            )
            .await
            .expect("loads");
            let mut session = connector.open(config.clone()).await.expect("opens");
            sync::run(
                session.as_mut(),
                store,
                &mapping,
                &options,
                &Progress::hidden(),
            )
            .await
        })
    };
    let first = sync_with("good", &mut store).expect("the complete listing syncs");
    assert_eq!(first.status, RunStatus::Completed);
    let endless = sync_with("endless", &mut store);
    match endless {
        Err(SyncError::Listing(ListingError::Ceiling { ceiling, ref why })) => {
            assert_eq!(ceiling, 10_000, "{why}");
            assert!(why.contains("ten times the 25"), "{why}");
        }
        other => panic!("expected the typed ceiling error, got {other:?}"),
    }
    let runs = audit::runs(store.conn(), 1).expect("runs");
    assert_eq!(runs[0].status, RunStatus::Failed);
    let stored: i64 = store
        .conn()
        .query_row("SELECT COUNT(*) FROM identities", [], |r| r.get(0))
        .expect("count");
    assert!(
        stored <= 10_000,
        "{stored} identities stored past the ceiling"
    );
}
