//! The provisioning commands end to end on the built-in sandbox tenant: the summary, the audit
//! log as JSON, platform-side changes (an HR-owned attribute is refused), and bad input (a
//! mapping naming an undeclared field or a transform on the wrong type, a file that is not a
//! store, a bad `--as-of`), each a clear error naming the place.

use std::process::Command;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_connector-host"))
        .args(args)
        .env_remove("CONNECTOR_HOST_CONFIG")
        .env_remove("CONNECTOR_HOST_SYNC_ABORT_AFTER")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn sync_events_and_platform_changes_on_the_sandbox() {
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
        "--sandbox-users",
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
    let (code, out, err) = run(&[
        "sync",
        "--store",
        store,
        "--as-of",
        "2026-11-25",
        "--sandbox-users",
        "60",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("plan: 0 create, 1 update, 0 suspend")
            && out.contains("phone=+33 1 00 00 00 03"),
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
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{out}");
    assert_eq!(events[0]["attribute"], "phone");

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
            "--sandbox-users",
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
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("junk.sqlite") && err.contains("not a connector-host database"),
        "{err}"
    );
    let (code, _, err) = run(&["sync", "--store", store, "--as-of", "25/11/2026"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--as-of"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
