//! The brakes and what follows a failure, at the command line: a listing that looks partial
//! and a mapping that skips too many records each exit 1 with a message saying why; every
//! hint printed is a command that reads the same store; `-v` and `--json` list every skipped
//! record; `events` marks a dry run's events; a mistyped settings key stops `sync` before any
//! store exists (and, once the component's keys are remembered, before it is loaded).

use std::path::{Path, PathBuf};

mod common;
use common::{run, run_with};

fn temp(name: &str) -> PathBuf {
    common::temp("brakes", name)
}

/// The hint in backquotes after `marker` in `text`.
fn hint_after<'a>(text: &'a str, marker: &str) -> &'a str {
    text.split(marker)
        .nth(1)
        .and_then(|rest| rest.split('`').nth(1))
        .unwrap_or_else(|| panic!("no hint after {marker:?} in {text}"))
}

/// Runs a hint (a `connector-host …` command line of plain words) and returns its outcome.
fn run_hint(hint: &str) -> (i32, String, String) {
    let words: Vec<&str> = hint.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"connector-host"), "{hint}");
    run(&words[1..])
}

#[test]
fn a_partial_listing_is_held_with_exit_1_and_a_hint_on_the_same_store() {
    let dir = temp("gone");
    let store = dir.join("s.sqlite").display().to_string();
    let sync = |users: &str, extra: &[&str]| {
        let mut args = vec![
            "sync",
            "--store",
            &store,
            "--as-of",
            "2026-11-25",
            "--demo-users",
            users,
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (code, out, err) = sync("30", &[]);
    assert_eq!(code, 0, "{out}{err}");
    // A dry run's events are marked, in text and in JSON.
    let (code, out, err) = sync("30", &["--dry-run", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let dry_run = report["run_id"].as_i64().expect("run id").to_string();
    let (code, out, err) = run(&["events", "--store", &store, "--run", "1", "--limit", "1"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("run 1 ") && !out.contains("(dry run)"),
        "{out}"
    );
    // A dry run that sees someone gone records it, marked.
    let (code, out, err) = sync("29", &["--dry-run", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let dry_run2 = report["run_id"].as_i64().expect("run id").to_string();
    assert_ne!(dry_run, dry_run2);
    let (code, out, err) = run(&["events", "--store", &store, "--run", &dry_run2]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("run {dry_run2} (dry run)")) && out.contains("gone"),
        "{out}"
    );
    let (code, out, err) = run(&["events", "--store", &store, "--run", &dry_run2, "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let events: Vec<serde_json::Value> = serde_json::from_str(&out).expect("JSON");
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["dry_run"] == true), "{out}");

    // 10 of 30 missing (some of them inactive): held, exit 1, and the hint reruns on this
    // store.
    let (code, out, err) = sync("20", &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("held 10 (the listing looks partial)"), "{out}");
    assert!(
        err.contains("known active people (")
            && err.contains(
                "are missing from the listing, above the 10.0% limit (policy.max_gone_share)"
            ),
        "{err}"
    );
    let hint = hint_after(&err, "--force to let it through");
    assert_eq!(
        hint,
        format!("connector-host sync --force --demo-users 20 --as-of 2026-11-25 --store {store}"),
        "{err}"
    );
    let (code, out, err) = run(&["events", "--store", &store, "--kind", "gone", "--json"]);
    assert_eq!(code, 0, "{out}{err}");
    let gone: Vec<serde_json::Value> = serde_json::from_str(&out).expect("JSON");
    assert!(
        gone.iter().all(|e| e["dry_run"] == true),
        "nobody marked gone but by the dry run: {out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn too_many_skipped_records_exit_1_and_every_one_is_listed() {
    let dir = temp("skipped");
    let store = dir.join("s.sqlite").display().to_string();
    // Birth dates are read as day/month/year: none of the tenant's parses.
    let mapping = dir.join("mapping.toml");
    std::fs::write(
        &mapping,
        "[[attribute]]\nname = \"birth_date\"\nfield = \"birth_date\"\ntransforms = [\"date:%d/%m/%Y\"]\n\
         [[attribute]]\nname = \"contract_end\"\nfield = \"contract.end_date\"\n",
    )
    .expect("write");
    let mapping = mapping.display().to_string();
    let sync = |extra: &[&str]| {
        let mut args = vec![
            "sync",
            "--store",
            &store,
            "--mapping",
            &mapping,
            "--demo-users",
            "12",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (code, out, err) = sync(&[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("records skipped, by attribute and cause:"),
        "{out}"
    );
    assert!(
        err.contains("could not be mapped") && err.contains("policy.max_skipped_share"),
        "{err}"
    );
    assert!(err.contains("nothing was changed upstream"), "{err}");
    // Both hints read this store, and list the run's skipped records.
    let from_err = hint_after(&err, "every record: ");
    let from_out = hint_after(&out, "every record: -v, --json, or ");
    assert_eq!(from_err, from_out);
    assert!(
        from_err.ends_with(&format!("--store {store}")),
        "{from_err}"
    );
    let (code, events, e) = run_hint(&format!("{from_err} --json"));
    assert_eq!(code, 0, "{events}{e}");
    let events: Vec<serde_json::Value> = serde_json::from_str(&events).expect("JSON");
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["kind"] == "skipped"));

    // `-v` lists every skipped record, `--json` too.
    let (code, out, err) = sync(&["-v"]);
    assert_eq!(code, 1, "{out}{err}");
    let listed = out.lines().filter(|l| l.starts_with("  skipped: ")).count();
    let (code, json, err) = sync(&["--json"]);
    assert_eq!(code, 1, "{json}{err}");
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let skipped = report["counts"]["skipped"].as_u64().expect("count") as usize;
    assert!(skipped > 1, "{json}");
    assert_eq!(listed, skipped, "{out}");
    assert_eq!(
        report["skipped"].as_array().map(Vec::len),
        Some(skipped),
        "{json}"
    );
    assert_eq!(report["skipped_truncated"], false);
    assert_eq!(report["skip_brake"], true);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_mistyped_settings_key_stops_sync_before_any_store_exists() {
    let dir = temp("typo");
    let config = dir.join("tenant.toml");
    std::fs::write(
        &config,
        "[connector.settings]\nurl = \"http://127.0.0.1:9\"\nlogn = \"api@example.com\"\npassword_env = \"CH_TEST_UNSET\"\n",
    )
    .expect("write");
    let config = config.display().to_string();
    let store = dir.join("s.sqlite");
    let (code, out, err) = run(&[
        "sync",
        "--config",
        &config,
        "--store",
        store.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("tenant.toml") && err.contains("no key `logn`; did you mean `login`?"),
        "{err}"
    );
    assert!(!store.exists(), "no store was created");
    assert!(!Path::new(&format!("{}-wal", store.display())).exists());
    // Once a start has loaded the component, its keys are remembered: the typo is reported
    // before the component is compiled or instantiated (nothing is loaded).
    let cache = dir.join("cache");
    let env = [("CONNECTOR_HOST_CACHE_DIR", cache.as_path())];
    let other = dir.join("demo.sqlite");
    let (code, out, err) = run_with(
        &[
            "sync",
            "--demo-users",
            "2",
            "--store",
            other.to_str().expect("utf-8"),
        ],
        &env,
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run_with(
        &[
            "sync",
            "-v",
            "--config",
            &config,
            "--store",
            store.to_str().expect("utf-8"),
        ],
        &env,
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("did you mean `login`?"), "{err}");
    assert!(!err.contains("loaded "), "nothing was loaded: {err}");
    assert!(!store.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
