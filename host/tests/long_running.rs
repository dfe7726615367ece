//! The commands that run until stopped: `serve` compiles the component it serves once (the
//! registry reuses the engine that loaded it for the first session, whatever the disk cache
//! holds); `demo --json` prints where its tenant listens as one JSON line.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

#[test]
fn serve_compiles_its_component_once() {
    let dir = std::env::temp_dir().join(format!("ch-serve-compile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_connector-host"))
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--demo-users",
            "3",
            "-v",
        ])
        .args(["--token-file", &dir.join("token").display().to_string()])
        .env_remove("CONNECTOR_HOST_CONFIG")
        .env_remove("CONNECTOR_HOST_COMPONENT")
        .env_remove("RUST_LOG")
        // No disk cache: every compilation shows in the log.
        .env("CONNECTOR_HOST_CACHE_DIR", "off")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout);
    let mut first = String::new();
    // The token file's line comes first, then the serving line once the API listens.
    while lines.read_line(&mut first).expect("a line") > 0 && !first.contains("serving ") {}
    let _ = child.kill();
    let _ = child.wait();
    let mut log = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut log)
        .expect("stderr read");
    std::fs::remove_dir_all(&dir).ok();
    assert!(first.contains("serving peoplespheres"), "{first}\n{log}");
    assert_eq!(
        log.matches("compiled the component").count(),
        1,
        "one compilation: {log}"
    );
}

#[test]
fn demo_json_prints_its_address_as_one_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_connector-host"))
        .args(["demo", "--json", "--demo-users", "3"])
        .env_remove("CONNECTOR_HOST_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("a line");
    let _ = child.kill();
    let _ = child.wait();
    let doc: serde_json::Value = serde_json::from_str(&line).expect("one JSON line");
    assert!(
        doc["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("http://127.0.0.1:")),
        "{line}"
    );
    assert_eq!(doc["employees"], 3);
    assert!(doc["login"].is_string(), "{line}");
}
