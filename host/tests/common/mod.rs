//! What the command-line tests share: the binary run with the variables that would change its
//! defaults removed (so a developer's environment cannot leak in), and a fresh folder per test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `connector-host args…` with `env` set on top; (exit code, stdout, stderr).
pub fn run_with(args: &[&str], env: &[(&str, &Path)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_connector-host"))
        .args(args)
        .env_remove("CONNECTOR_HOST_CONFIG")
        .env_remove("CONNECTOR_HOST_STORE")
        .env_remove("CONNECTOR_HOST_MAPPING")
        .env_remove("CONNECTOR_HOST_SYNC_ABORT_AFTER")
        .envs(env.iter().copied())
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `connector-host args…`; (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    run_with(args, &[])
}

/// A fresh, empty folder for one test (`ch-{suite}-{name}-{pid}` in the temporary folder).
pub fn temp(suite: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ch-{suite}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}
