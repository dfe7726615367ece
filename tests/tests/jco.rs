//! A second host: the PeopleSpheres component transpiled by jco and run by Node on jco's
//! preview2 shim (`tests/jco/`), against the simulator. Describe, outbound hosts, open,
//! test-connection, get-fields and every page of list-users must give what the wasmtime host
//! gives. In CI (`CI` set) a missing Node.js fails the test; elsewhere it is skipped with a note.

use std::path::{Path, PathBuf};
use std::process::Command;

use connector_host::connector::Connector;
use connector_host::runtime::RuntimeOptions;
use connector_tests::{config_for, connector, list_all, runtime, simulator};
use serde_json::{Map, Value as Json, json};

const PAGE_SIZE: u32 = 40;

fn jco_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("jco")
}

/// `true` when Node and the pinned packages are there; installs the packages from the lockfile
/// when they are not yet.
fn node_ready() -> bool {
    let in_ci = std::env::var_os("CI").is_some();
    if Command::new("node").arg("--version").output().is_err() {
        assert!(
            !in_ci,
            "Node.js is required in CI for the second-host test (tests/jco)"
        );
        eprintln!("note: Node.js not found; the jco second-host test is skipped outside CI");
        return false;
    }
    if !jco_dir()
        .join("node_modules/@bytecodealliance/jco-transpile")
        .is_dir()
    {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(jco_dir())
            .status()
            .expect("npm runs (it comes with Node.js)");
        assert!(status.success(), "npm ci in tests/jco failed");
    }
    true
}

/// jco's JSON (camelCase keys, `{tag, val}` variants, 64-bit integers as strings, whole
/// decimals as integers) in the
/// host's serde shape (snake_case keys, `{type, value}` values).
fn normalise(v: Json) -> Json {
    match v {
        Json::Array(items) => Json::Array(items.into_iter().map(normalise).collect()),
        Json::Object(map) => {
            if let (Some(Json::String(tag)), Some(val), 2) =
                (map.get("tag").cloned(), map.get("val").cloned(), map.len())
            {
                let value = match (tag.as_str(), val) {
                    ("integer", Json::String(s)) => json!(s.parse::<i64>().expect("an s64")),
                    // JSON has one number type: `3.0` arrives as `3`.
                    ("decimal", Json::Number(n)) => json!(n.as_f64().expect("an f64")),
                    (_, val) => normalise(val),
                };
                return json!({ "type": tag, "value": value });
            }
            let mut out = Map::new();
            for (k, v) in map {
                let v = match (k.as_str(), v) {
                    ("total", Json::String(s)) => json!(s.parse::<u64>().expect("a u64")),
                    (_, v) => normalise(v),
                };
                out.insert(snake(&k), v);
            }
            Json::Object(out)
        }
        other => other,
    }
}

fn snake(camel: &str) -> String {
    let mut out = String::new();
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn node_with_jco_returns_what_the_wasmtime_host_returns() {
    if !node_ready() {
        return;
    }
    let sim = simulator(130);
    let config = config_for(&sim);

    // The wasmtime host.
    let host = connector(RuntimeOptions::default());
    let mut session = runtime().block_on(host.open(config.clone())).expect("open");
    runtime()
        .block_on(session.test_connection())
        .expect("test-connection");
    let fields = runtime().block_on(session.get_fields()).expect("fields");
    let users = list_all(session.as_mut(), PAGE_SIZE, |_| {});
    assert_eq!(users.len(), 130);
    let hosts = runtime()
        .block_on(host.policy_for(&config))
        .expect("outbound hosts");

    // Node.
    let dir = std::env::temp_dir().join(format!("connector-jco-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let wasm = dir.join("peoplespheres_connector.wasm");
    let bytes = connector_host::builtin::connector_component()
        .read()
        .expect("the built-in component")
        .into_owned();
    std::fs::write(&wasm, bytes).expect("write the component");
    let pairs: Vec<[&str; 2]> = config
        .iter()
        .map(|(k, v)| [k.as_str(), v.as_str()])
        .collect();
    let out = Command::new("node")
        .arg(jco_dir().join("run.mjs"))
        .arg(&wasm)
        .env(
            "CONNECTOR_CONFIG",
            serde_json::to_string(&pairs).expect("json"),
        )
        .env("PAGE_SIZE", PAGE_SIZE.to_string())
        .current_dir(jco_dir())
        .output()
        .expect("node runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "node failed: {stderr}");
    assert!(
        !stderr.contains(sim.password()),
        "the guest's log under Node holds the password"
    );
    let report: Json = serde_json::from_slice(&out.stdout).expect("node printed JSON");
    let report = normalise(report);

    assert_eq!(
        report["description"],
        serde_json::to_value(host.description()).expect("json"),
        "describe"
    );
    let declared: Vec<String> = report["outbound_hosts"]["ok"]
        .as_array()
        .expect("outbound hosts")
        .iter()
        .map(|h| h.as_str().expect("a host").to_string())
        .collect();
    let mut allowed: Vec<String> = hosts.entries().map(str::to_string).collect();
    let mut declared = declared;
    allowed.sort();
    declared.sort();
    assert_eq!(declared, allowed, "outbound-hosts");
    assert_eq!(
        report["test_connection"],
        json!({ "ok": null }),
        "test-connection"
    );
    assert_eq!(
        report["fields"]["ok"],
        serde_json::to_value(&fields).expect("json"),
        "get-fields"
    );
    let pages = report["pages"].as_array().expect("pages");
    assert_eq!(pages.len(), 130usize.div_ceil(PAGE_SIZE as usize), "pages");
    let node_users: Vec<Json> = pages
        .iter()
        .flat_map(|p| p["users"].as_array().expect("users").clone())
        .collect();
    let host_users = serde_json::to_value(&users).expect("json");
    let host_users = host_users.as_array().expect("users");
    assert_eq!(
        node_users.len(),
        host_users.len(),
        "list-users: as many users"
    );
    for (node, host) in node_users.iter().zip(host_users) {
        assert_eq!(node["id"], host["id"], "list-users: the same order");
        for key in ["display_name", "active"] {
            assert_eq!(node[key], host[key], "user {}: {key}", host["id"]);
        }
        let (node_attrs, host_attrs) = (&node["attributes"], &host["attributes"]);
        let empty = Vec::new();
        let node_attrs = node_attrs.as_array().unwrap_or(&empty);
        let host_attrs = host_attrs.as_array().unwrap_or(&empty);
        for (n, h) in node_attrs.iter().zip(host_attrs) {
            assert_eq!(n, h, "user {}: an attribute", host["id"]);
        }
        assert_eq!(
            node_attrs.len(),
            host_attrs.len(),
            "user {}: attributes",
            host["id"]
        );
    }
}
