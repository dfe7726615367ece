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
    let dir = std::env::temp_dir().join(format!("ch-endless-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let secret = dir.join("secret");
    std::fs::write(&secret, "letmein").expect("write");
    let config = dir.join("mock.toml");
    std::fs::write(
        &config,
        format!(
            "[connector.settings]\ntenant = \"t\"\nsecret_file = \"{}\"\n",
            secret.display()
        ),
    )
    .expect("write");
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
