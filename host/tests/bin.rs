//! The real `connector-host` binary: exit codes and one-line errors as a shell sees them.

use std::process::Command;

fn host() -> Command {
    Command::new(env!("CARGO_BIN_EXE_connector-host"))
}

#[test]
fn a_missing_component_exits_non_zero_with_one_line() {
    let out = host()
        .args(["inspect", "--component", "/nonexistent/x.wasm"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: cannot read connector component /nonexistent/x.wasm"),
        "{err}"
    );
}

#[test]
fn bad_usage_exits_with_two() {
    let out = host().args(["users", "frobnicate"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
