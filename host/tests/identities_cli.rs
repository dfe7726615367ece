//! `identities set / create` refuse, at the command line, what the target would refuse at the
//! next sync: a read-only field, a value of the wrong type, a choice value the target does not
//! have, a change to someone gone from the source, clearing a field a creation still needs;
//! and `identities` on a missing store is refused, naming it.

use std::path::{Path, PathBuf};

mod common;
use common::run;

fn temp(name: &str) -> PathBuf {
    common::temp("identities", name)
}

/// The default mapping and three custom fields: one read-only, a number and a yes/no the
/// platform owns, and a list the platform owns.
fn mapping(dir: &Path) -> String {
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/sync/default_mapping.toml"
    ))
    .expect("default mapping");
    let extra = r#"
[[attribute]]
name = "seniority"
field = "seniority"

[[attribute]]
name = "remote_days"
field = "usr_remote_days"
owner = "platform"

[[attribute]]
name = "company_car"
field = "usr_company_car"
owner = "platform"

[[attribute]]
name = "tshirt"
field = "usr_tshirt_size"
owner = "platform"
"#;
    let path = dir.join("mapping.toml");
    std::fs::write(&path, format!("{base}{extra}")).expect("write");
    path.display().to_string()
}

#[test]
fn identities_refuse_what_the_target_would_refuse_at_sync_time() {
    let dir = temp("refusals");
    let store = dir.join("s.sqlite").display().to_string();
    let mapping = mapping(&dir);
    let with = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(["--store", &store, "--mapping", &mapping]);
        run(&all)
    };
    let sync = |users: &str| with(&["sync", "--as-of", "2026-11-25", "--demo-users", users]);
    let (code, out, err) = sync("30");
    assert_eq!(code, 0, "{out}{err}");

    let refused = |args: &[&str], wanted: &[&str]| {
        let (code, out, err) = with(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        for w in wanted {
            assert!(err.contains(w), "{args:?}: {w:?} not in {err}");
        }
    };
    refused(
        &["identities", "set", "3", "seniority=4"],
        &["attribute `seniority`", "read-only"],
    );
    refused(
        &["identities", "set", "3", "remote_days=lots"],
        &["usr_remote_days", "\"lots\" is not a number"],
    );
    refused(
        &["identities", "set", "3", "company_car=maybe"],
        &["usr_company_car", "\"maybe\" is not a boolean"],
    );
    refused(
        &["identities", "set", "3", "tshirt=XXXL"],
        &["attribute `tshirt`", "`XXXL` is not one of the values"],
    );
    // A value the target has is accepted.
    let (code, out, err) = run(&["choices", "usr_tshirt_size", "--json", "-q"]);
    assert_eq!(code, 0, "{out}{err}");
    let choices: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let size = choices[0]["label"].as_str().expect("a size").to_string();
    let (code, out, err) = with(&["identities", "set", "3", &format!("tshirt={size}")]);
    assert_eq!(code, 0, "{out}{err}");
    let person = [
        "first_name=Zoé",
        "last_name=Nouveau",
        "email=zoe.nouveau@example.com",
        "username=zoe.nouveau",
    ];
    let mut bad_department = vec!["identities", "create"];
    bad_department.extend(person);
    bad_department.push("department=NoSuchDept");
    refused(
        &bad_department,
        &[
            "attribute `department`",
            "`NoSuchDept` is not one of the values",
        ],
    );
    // Created on the platform, not yet at the source: what its creation needs stays.
    let mut create = vec!["identities", "create", "--json"];
    create.extend(person);
    let (code, out, err) = with(&create);
    assert_eq!(code, 0, "{out}{err}");
    let created: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let zoe = created["id"].as_i64().expect("id").to_string();
    refused(
        &["identities", "set", &zoe, "username="],
        &["`username` cannot be cleared", "required on create"],
    );

    // Someone gone from the source is not changed any more.
    let (code, out, err) = sync("29");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("gone from the source 1"), "{out}");
    let (code, out, err) = with(&["events", "--kind", "gone", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let gone: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let gone = gone[0]["identity_id"]
        .as_i64()
        .expect("an identity")
        .to_string();
    refused(
        &["identities", "set", &gone, "phone=+33 1 00 00 00 00"],
        &["is gone from the source"],
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn identities_on_a_missing_store_are_refused_and_a_store_is_named() {
    let dir = temp("missing");
    let missing = dir.join("typo.sqlite").display().to_string();
    for args in [
        vec!["identities", "show", "1", "--store", &missing],
        vec!["identities", "set", "1", "phone=1", "--store", &missing],
        vec![
            "identities",
            "create",
            "email=a@example.com",
            "--store",
            &missing,
        ],
    ] {
        let (code, out, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(&format!("no store at {missing}")), "{err}");
        assert!(
            err.contains(&format!(
                "`connector-host sync --store {missing}` creates it"
            )),
            "{err}"
        );
    }
    assert!(!Path::new(&missing).exists());
    // A store whose first sync never reached the tenant: the hint syncs that very store, for
    // that very tenant.
    let secret = dir.join("password");
    std::fs::write(&secret, "x").expect("write");
    let config = dir.join("down.toml");
    std::fs::write(
        &config,
        format!(
            "[connector.settings]\nurl = \"http://127.0.0.1:9\"\nlogin = \"a@example.com\"\npassword_file = \"{}\"\n",
            secret.display()
        ),
    )
    .expect("write");
    let config = config.display().to_string();
    let unsynced = dir.join("unsynced.sqlite").display().to_string();
    let (code, out, err) = run(&["sync", "--config", &config, "--store", &unsynced]);
    assert_eq!(code, 1, "the tenant is down: {out}{err}");
    let (code, out, err) = run(&[
        "identities",
        "set",
        "1",
        "phone=1",
        "--config",
        &config,
        "--store",
        &unsynced,
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(&format!(
            "has never been synced; run `connector-host sync --config {config} --store {unsynced}` first"
        )),
        "{err}"
    );
    // A store that exists is named on stderr.
    let store = dir.join("s.sqlite").display().to_string();
    let (code, out, err) = run(&["sync", "--store", &store, "--demo-users", "3"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(&["identities", "show", "1", "--store", &store]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains(&format!("note: store {store}")), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
