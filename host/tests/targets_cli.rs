//! HR → application provisioning as a person runs it: `sync --demo-scim` provisions the demo
//! SCIM application in one command; a configuration's `[[target]]` provisions a SCIM server,
//! and a second run has nothing to do; a target's bad settings or mapping are refused naming
//! the target and the problem (exit 2), before anything is written.

mod common;

use std::path::{Path, PathBuf};

use common::{run, run_with, temp};
use ps_simulator::{SimConfig, Simulator};
use scim_simulator::{ScimConfig, ScimServer};

/// An HR tenant and a SCIM application on loopback, served while the commands run.
struct Pair {
    hr: Simulator,
    app: ScimServer,
    dir: PathBuf,
    _runtime: tokio::runtime::Runtime,
}

fn pair(name: &str, target_extra: &str) -> Pair {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let hr = runtime
        .block_on(Simulator::start(SimConfig {
            users: 40,
            ..SimConfig::default()
        }))
        .expect("hr simulator");
    let app = runtime
        .block_on(ScimServer::start(ScimConfig::default()))
        .expect("scim simulator");
    let dir = temp("targets", name);
    std::fs::write(dir.join("hr-password"), hr.password()).expect("secret");
    std::fs::write(dir.join("app-token"), app.token()).expect("secret");
    let config = format!(
        "[connector.settings]\nurl = \"{}\"\nlogin = \"{}\"\npassword_file = \"{}\"\n\n\
         [[target]]\nname = \"crm\"\ncomponent = \"scim\"\n{target_extra}\
         [target.settings]\nurl = \"{}\"\ntoken_file = \"{}\"\n",
        hr.url(),
        hr.login(),
        dir.join("hr-password").display(),
        app.url(),
        dir.join("app-token").display(),
    );
    std::fs::write(dir.join("tenant.toml"), config).expect("config");
    Pair {
        hr,
        app,
        dir,
        _runtime: runtime,
    }
}

fn sync(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let config = dir.join("tenant.toml");
    let store = dir.join("store.sqlite");
    let mut args = vec![
        "sync",
        "--config",
        config.to_str().expect("utf-8"),
        "--store",
        store.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

#[test]
fn a_scim_target_is_provisioned_and_a_second_run_has_nothing_to_do() {
    let p = pair("provision", "");
    let (code, out, err) = sync(&p.dir, &["--dry-run"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("target crm: 0 accounts listed"), "{out}");
    assert_eq!(p.app.user_count(), 0, "a dry run sends nothing");
    let (code, out, err) = sync(&p.dir, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let created = p.app.user_count();
    assert!(created > 20, "{created} accounts\n{out}");
    // The creations, then (second pass) the managers of those whose manager was created too.
    assert!(out.contains(&format!("plan: {created} create, ")), "{out}");
    assert!(
        out.contains("actions: ") && out.contains(" done, 0 failed"),
        "{out}"
    );
    let (code, out, err) = sync(&p.dir, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(&format!(
            "target crm: {created} accounts listed, 0 linked by the match key\n  plan: 0 create, 0 update, 0 suspend, 0 resume"
        )),
        "{out}"
    );
    // The audit log shows the target's events, and only them with --system.
    let store = p.dir.join("store.sqlite");
    let (code, events, _) = run(&[
        "events",
        "--store",
        store.to_str().expect("utf-8"),
        "--system",
        "crm",
        "--kind",
        "created",
        "--limit",
        "1000",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        events.lines().filter(|l| l.contains("[crm]")).count(),
        created,
        "{events}"
    );
    // A leaver at the source is suspended in the application.
    let someone =
        p.hr.users()
            .into_iter()
            .find(|u| {
                p.app
                    .users()
                    .iter()
                    .any(|a| a["externalId"].as_str() == Some(u.id.to_string().as_str()))
            })
            .expect("a provisioned person");
    assert!(p.hr.set_contract_end(someone.id, "2020-01-31"));
    let (code, out, err) = sync(&p.dir, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("0 update, 1 suspend, 0 resume"), "{out}");
    let account = p
        .app
        .users()
        .into_iter()
        .find(|a| a["externalId"].as_str() == Some(someone.id.to_string().as_str()))
        .expect("still there");
    assert_eq!(account["active"], false, "{account}");
}

#[test]
fn a_target_with_a_mistyped_key_or_an_unknown_field_is_refused_naming_it() {
    let p = pair("typo", "");
    let config = std::fs::read_to_string(p.dir.join("tenant.toml")).expect("config");
    std::fs::write(
        p.dir.join("tenant.toml"),
        config.replace("token_file", "tokn_file"),
    )
    .expect("config");
    let (code, _, err) = sync(&p.dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "[target.settings] of target `crm` has no key `tokn_file`; did you mean `token_file`?"
        ),
        "{err}"
    );
    assert_eq!(p.app.user_count(), 0);

    let mapping = p.dir.join("crm.toml");
    std::fs::write(
        &mapping,
        "match_on = \"userName\"\n[[attribute]]\nfield = \"userName\"\nfrom = \"email\"\n[[attribute]]\nfield = \"shoeSize\"\nfrom = \"email\"\n",
    )
    .expect("mapping");
    let q = pair("field", &format!("mapping = \"{}\"\n", mapping.display()));
    let (code, _, err) = sync(&q.dir, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("attribute `shoeSize`: the target connector has no such field"),
        "{err}"
    );
    assert_eq!(q.app.user_count(), 0, "nothing was written");
}

#[test]
fn sync_with_the_demo_scim_application_provisions_it_in_one_command() {
    let dir = temp("targets", "demo");
    let store = dir.join("store.sqlite");
    let (code, out, err) = run_with(
        &[
            "sync",
            "--demo-scim",
            "--demo-users",
            "30",
            "--store",
            store.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains("note: provisioning the built-in demo SCIM application at http://127.0.0.1:"),
        "{err}"
    );
    assert!(out.contains("target demo-app: 0 accounts listed"), "{out}");
    assert!(
        out.contains("the demo SCIM application (http://127.0.0.1:"),
        "{out}"
    );
    assert!(out.contains(" done, 0 failed"), "{out}");
}

#[test]
fn a_sync_killed_right_after_a_creation_in_the_target_creates_nobody_twice() {
    let p = pair("crash", "");
    let config = p.dir.join("tenant.toml");
    let store = p.dir.join("store.sqlite");
    let args = [
        "sync",
        "--config",
        config.to_str().expect("utf-8"),
        "--store",
        store.to_str().expect("utf-8"),
    ];
    // The 3rd remote action returns, then the process aborts before it is journaled done.
    let aborted = std::process::Command::new(env!("CARGO_BIN_EXE_connector-host"))
        .args(args)
        .env("CONNECTOR_HOST_SYNC_ABORT_AFTER", "3")
        .output()
        .expect("runs");
    assert!(!aborted.status.success(), "the run was aborted");
    assert_eq!(
        p.app.user_count(),
        3,
        "three accounts made it before the abort"
    );
    let (code, out, err) = sync(&p.dir, &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    // The account whose creation was not confirmed is found by its userName and linked.
    assert!(
        out.contains("linked by the match key") && !out.contains(" 0 linked by the match key"),
        "{out}"
    );
    let names: Vec<String> = p
        .app
        .users()
        .iter()
        .map(|u| u["userName"].as_str().unwrap_or_default().to_lowercase())
        .collect();
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        names.len(),
        "nobody has two accounts: {names:?}"
    );
    let (code, out, _) = sync(&p.dir, &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("plan: 0 create, 0 update, 0 suspend, 0 resume"),
        "{out}"
    );
}

#[test]
fn a_target_that_cannot_be_reached_fails_its_part_only() {
    let p = pair("unreachable", "");
    let config = std::fs::read_to_string(p.dir.join("tenant.toml")).expect("config");
    // Nothing listens on port 9 of loopback.
    let moved = config.replace(&p.app.url(), "http://127.0.0.1:9/scim/v2");
    std::fs::write(p.dir.join("tenant.toml"), moved).expect("config");
    let (code, out, err) = sync(&p.dir, &[]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("read 40 users"),
        "the source was synced: {out}"
    );
    assert!(
        out.contains("target crm: not provisioned this run: "),
        "{out}"
    );
    assert!(
        err.contains("target `crm` was not provisioned: ")
            && err.contains("127.0.0.1:9")
            && err.contains("the next sync carries on"),
        "{err}"
    );
}
