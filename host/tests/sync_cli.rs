//! The provisioning commands end to end on the built-in demo tenant: the summary, the audit
//! log as JSON, platform-side changes (`identities set | import | show`: an HR-owned attribute
//! is refused, a bad import file changes nothing), and bad input (a
//! mapping naming an undeclared field or a transform on the wrong type, a file that is not a
//! store, a bad `--as-of`), each a clear error naming the place.

mod common;
use common::run;

#[test]
fn sync_events_and_platform_changes_on_the_demo_tenant() {
    let dir = std::env::temp_dir().join(format!("sync-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let store = dir.join("s.sqlite");
    let store = store.to_str().expect("utf-8 path");
    let (code, out, err) = run(&[
        "sync",
        "--store",
        store,
        "--as-of",
        "2026-11-25",
        "--demo-users",
        "60",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("joiners 60") && out.contains("plan: 0 create, 0 update, 0 suspend"),
        "{out}"
    );
    let (code, out, err) = run(&[
        "identities",
        "set",
        "3",
        "last_name=Other",
        "--store",
        store,
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("`last_name` is owned by HR"), "{err}");
    let (code, out, err) = run(&[
        "identities",
        "set",
        "3",
        "phone=+33 1 00 00 00 03",
        "--store",
        store,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // An import file with one bad item changes nothing, and says which item and attribute.
    let changes = dir.join("changes.json");
    let changes = changes.to_str().expect("utf-8 path");
    std::fs::write(
        changes,
        r#"[{"id": 3, "phone": "+33 1 11 11 11 11"}, {"id": 4, "last_name": "Other"}]"#,
    )
    .expect("write");
    let (code, out, err) = run(&["identities", "import", changes, "--store", store]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("changes.json item 2") && err.contains("`last_name`"),
        "{err}"
    );
    let show = |id: &str| {
        let (code, out, err) = run(&["identities", "show", id, "--store", store, "--json"]);
        assert_eq!(code, 0, "{out}{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("JSON")
    };
    let three = show("3");
    assert_eq!(three["attributes"]["phone"]["value"], "+33 1 00 00 00 03");
    assert_eq!(three["attributes"]["phone"]["pending_write_back"], true);
    // A good file: one change and one creation (with a manager link).
    std::fs::write(
        changes,
        r#"[{"id": 5, "phone": "+33 1 00 00 00 05"},
            {"first_name": "Zoé", "last_name": "Nouveau", "email": "zoe.nouveau@example.com", "username": "zoe.nouveau", "manager": "12"}]"#,
    )
    .expect("write");
    let (code, out, err) = run(&["identities", "import", changes, "--store", store]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "1 identity changed, 1 identity created on the platform; the next sync writes them back"
    );
    // A second identity with the same match key (email) would be a second account upstream.
    let taken = three["attributes"]["email"]["value"]
        .as_str()
        .expect("an email")
        .to_string();
    let email = format!("email={taken}");
    let (code, out, err) = run(&[
        "identities",
        "create",
        "first_name=Twin",
        "last_name=Copy",
        "username=twin.copy",
        &email,
        "--store",
        store,
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("identity #3 already has email") && err.contains(&taken),
        "{err}"
    );
    let (code, out, err) = run(&["identities", "show", "999", "--store", store]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("no identity #999"), "{err}");
    let (code, out, err) = run(&[
        "sync",
        "--store",
        store,
        "--as-of",
        "2026-11-25",
        "--demo-users",
        "60",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("plan: 1 create, 2 update, 0 suspend")
            && out.contains("phone=+33 1 00 00 00 03")
            && out.contains("phone=+33 1 00 00 00 05")
            && out.contains("email=zoe.nouveau@example.com")
            && out.contains("manager=#12"),
        "{out}"
    );
    let (code, out, err) = run(&[
        "events",
        "--json",
        "--store",
        store,
        "--kind",
        "platform-change",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let events: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(events.as_array().map(Vec::len), Some(2), "{out}");
    assert!(
        events
            .as_array()
            .into_iter()
            .flatten()
            .all(|e| e["attribute"] == "phone")
    );

    // Bad input.
    let mapping = dir.join("bad.toml");
    let sync_with_mapping = |text: &str| {
        std::fs::write(&mapping, text).expect("write");
        let path = mapping.to_str().expect("utf-8");
        let (code, _, err) = run(&[
            "sync",
            "--store",
            store,
            "--mapping",
            path,
            "--demo-users",
            "5",
        ]);
        (code, err)
    };
    let (code, err) = sync_with_mapping(
        "[[attribute]]\nname = \"contract_end\"\nfield = \"contract.end_date\"\n[[attribute]]\nname = \"shoe\"\nfield = \"shoe_size\"\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("bad.toml") && err.contains("`shoe`") && err.contains("shoe_size"),
        "{err}"
    );
    let (code, err) = sync_with_mapping(
        "[[attribute]]\nname = \"contract_end\"\nfield = \"contract.end_date\"\ntransforms = [\"lowercase\"]\n",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("`contract_end`") && err.contains("lowercase") && err.contains("date"),
        "{err}"
    );
    let junk = dir.join("junk.sqlite");
    std::fs::write(&junk, vec![b'x'; 4096]).expect("write");
    let (code, _, err) = run(&["events", "--store", junk.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "a file that is not a store is bad usage: {err}");
    assert!(
        err.contains("junk.sqlite") && err.contains("not a connector-host database"),
        "{err}"
    );
    let (code, _, err) = run(&["sync", "--store", store, "--as-of", "25/11/2026"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--as-of"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
