//! The `connector-host` command line, driven in-process: the main job (`sync`) against the built-in
//! demo tenant, `inspect`, and every bad input of the walking-skeleton issue — each a one-line
//! error naming the problem, a non-zero exit code, and no secret in the output.

use std::path::{Path, PathBuf};

use connector_host::cli;
use connector_tests::simulator;

struct Run {
    code: i32,
    out: String,
    err: String,
}

fn run(args: &[&str]) -> Run {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["connector-host"];
    argv.extend_from_slice(args);
    let code = cli::run(argv, &mut out, &mut err);
    Run {
        code,
        out: String::from_utf8_lossy(&out).into_owned(),
        err: String::from_utf8_lossy(&err).into_owned(),
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("connector-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("write");
    path
}

/// Asserts a failed run: the exit code, one `error:` line containing `needle`, and no secret.
fn assert_fails(run: &Run, code: i32, needle: &str, secrets: &[&str]) {
    assert_eq!(run.code, code, "exit code; stderr: {}", run.err);
    let lines: Vec<&str> = run
        .err
        .lines()
        .filter(|l| !l.starts_with("note:"))
        .collect();
    assert_eq!(lines.len(), 1, "one error line, got: {:?}", run.err);
    assert!(lines[0].starts_with("error: "), "{}", lines[0]);
    assert!(
        lines[0].contains(needle),
        "expected {needle:?} in {:?}",
        lines[0]
    );
    // Words a person can act on: no Rust debug text.
    for debug in ["{", "::", "Payload", "Some(", "StreamError"] {
        assert!(
            !lines[0].contains(debug),
            "debug text {debug:?} in {:?}",
            lines[0]
        );
    }
    for secret in secrets {
        assert!(
            !run.err.contains(secret) && !run.out.contains(secret),
            "secret {secret:?} leaked"
        );
    }
}

#[test]
fn the_main_job_syncs_the_demo_tenant_and_prints_a_summary() {
    let dir = temp_dir("main-job");
    let store = dir.join("demo.sqlite");
    let _ = std::fs::remove_file(&store);
    let store = store.to_str().expect("utf-8 temp path");
    let args = ["sync", "--store", store, "--as-of", "2026-11-25"];
    let first = run(&args);
    assert_eq!(first.code, 0, "stderr: {}", first.err);
    assert!(
        first
            .err
            .contains("using the built-in PeopleSpheres demo tenant"),
        "{}",
        first.err
    );
    let second = run(&args);
    assert_eq!(second.code, 0, "stderr: {}", second.err);
    for r in [&first, &second] {
        assert!(!r.out.contains("demo-password") && !r.err.contains("demo-password"));
    }
    // What a user sees, with the port, the store path and the elapsed time filtered out.
    let snapshot = |out: &str| {
        out.replace(store, "STORE")
            .lines()
            .map(|l| {
                let l = match l.find("127.0.0.1:") {
                    Some(i) => {
                        let end = l[i + 10..]
                            .find(|c: char| !c.is_ascii_digit())
                            .map_or(l.len(), |e| i + 10 + e);
                        format!("{}127.0.0.1:PORT{}", &l[..i], &l[end..])
                    }
                    None => l.to_string(),
                };
                match (l.starts_with("read "), l.rfind(" in ")) {
                    (true, Some(i)) if l.ends_with(" s") => format!("{} in T s", &l[..i]),
                    _ => l,
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        snapshot(&first.out),
        "sync run #1 as of 2026-11-25 — the built-in demo tenant (http://127.0.0.1:PORT) — store STORE\n\
         read 250 users in 3 pages in T s\n\
         joiners 250   movers 0   changes 0   leavers 0 (suspended or gone at the source) + 0 (contract ended)   returners 0\n\
         to review 40   conflicts 0   drifts 0   records skipped 0\n\
         plan: 0 create, 0 update, 0 suspend\n\
         actions: 0 done, 0 failed"
    );
    assert_eq!(
        snapshot(&second.out),
        "sync run #2 as of 2026-11-25 — the built-in demo tenant (http://127.0.0.1:PORT) — store STORE\n\
         read 250 users in 3 pages in T s\n\
         joiners 0   movers 0   changes 0   leavers 0 (suspended or gone at the source) + 0 (contract ended)   returners 0\n\
         plan: 0 create, 0 update, 0 suspend\n\
         actions: 0 done, 0 failed"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn import_prints_the_demo_employees_and_fields() {
    let r = run(&["import"]);
    assert_eq!(r.code, 0, "stderr: {}", r.err);
    assert!(
        r.err
            .contains("using the built-in PeopleSpheres demo tenant"),
        "{}",
        r.err
    );
    assert!(
        r.out.contains("imported 250 employees"),
        "{}",
        &r.out[..r.out.len().min(500)]
    );
    assert!(r.out.contains("field catalogue:"));
    assert!(r.out.contains("contract.end_date"));
    assert!(!r.out.contains("demo-password") && !r.err.contains("demo-password"));
    // What a user sees first, with the port, counts that depend on the seed and timing filtered.
    let head: Vec<String> = r.out.lines().take(2).map(normalise).collect();
    assert_eq!(
        head.join("\n"),
        "connector peoplespheres 0.1.0 (contract 0.1.0) on the built-in demo tenant (http://127.0.0.1:N)\n\
         imported 250 employees (N active, N suspended) in 1 page, N ms"
    );
    let header = r.out.lines().nth(3).unwrap_or_default();
    assert!(
        header.starts_with("ID") && header.ends_with("STATUS") && header.contains("CONTRACT END"),
        "{header}"
    );
}

/// Replaces the numbers that vary between runs (ports, counts other than the total, times).
fn normalise(line: &str) -> String {
    let line = line.replace("127.0.0.1:", "LOOPBACK:");
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut number = c.to_string();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                number.push(*d);
                chars.next();
            }
            let keep = ["imported ", " in ", "contract ", "peoplespheres ", "."]
                .iter()
                .any(|p| out.ends_with(p));
            out.push_str(if keep { &number } else { "N" });
        } else {
            out.push(c);
        }
    }
    out.replace("LOOPBACK:", "127.0.0.1:")
}

#[test]
fn json_output_is_machine_readable() {
    let r = run(&["users", "list", "--limit", "5", "--json"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let users: serde_json::Value = serde_json::from_str(&r.out).expect("JSON");
    assert_eq!(users.as_array().map(Vec::len), Some(5));
    let r = run(&["fields", "--json"]);
    let fields: serde_json::Value = serde_json::from_str(&r.out).expect("JSON");
    assert!(
        fields
            .as_array()
            .is_some_and(|f| f.iter().any(|f| f["name"] == "contract.end_date"))
    );
    let r = run(&["users", "get", "1", "--json"]);
    assert_eq!(r.code, 0, "{}", r.err);
    let user: serde_json::Value = serde_json::from_str(&r.out).expect("JSON");
    assert_eq!(user["id"], "1");
}

#[test]
fn inspect_describes_the_component() {
    let r = run(&["inspect"]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(
        r.out.starts_with(
            "connector   peoplespheres 0.1.0\ncontract    provisioning:connector@0.1.0\n"
        ),
        "{}",
        r.out
    );
    assert!(
        r.out.contains(
            "operations  test-connection, get-fields, list-choices, list-users, get-user"
        ),
        "{}",
        r.out
    );
    let password_line = r
        .out
        .lines()
        .find(|l| l.starts_with("password"))
        .expect("password key listed");
    assert!(password_line.contains("secret"), "{password_line}");
    assert!(
        r.out.contains("wasi:http/outgoing-handler"),
        "imports listed"
    );
}

#[test]
fn a_missing_component_file_is_named() {
    let r = run(&["inspect", "--component", "/nonexistent/connector.wasm"]);
    assert_fails(
        &r,
        1,
        "cannot read connector component /nonexistent/connector.wasm",
        &[],
    );
}

#[test]
fn a_file_that_is_not_a_component_is_refused() {
    let dir = temp_dir("notwasm");
    let text = write(&dir, "readme.wasm", "hello, I am not wasm");
    let r = run(&["inspect", "--component", text.to_str().unwrap_or_default()]);
    assert_fails(&r, 1, "is not a WebAssembly component", &[]);
    let core = write(&dir, "core.wasm", b"\0asm\x01\0\0\0");
    let r = run(&["inspect", "--component", core.to_str().unwrap_or_default()]);
    assert_fails(&r, 1, "is a core WebAssembly module, not a component", &[]);
}

#[test]
fn a_component_of_another_contract_version_is_refused() {
    let path = connector_tests::with_contract_version(
        &connector_host::builtin::connector_component(),
        "0.9.0",
        &temp_dir("version"),
    );
    let r = run(&["inspect", "--component", path.to_str().unwrap_or_default()]);
    assert_fails(
        &r,
        1,
        "implements contract provisioning:connector/connector@0.9.0, but this host serves @0.1.0",
        &[],
    );
}

fn tenant_config(dir: &Path, url: &str, login: &str, password: &str, extra: &str) -> PathBuf {
    let secret = write(dir, "password", password);
    let text = format!(
        "[connector.settings]\nurl = \"{url}\"\nlogin = \"{login}\"\npassword_file = \"{}\"\n{extra}",
        secret.display()
    );
    write(dir, "tenant.toml", text)
}

#[test]
fn a_wrong_password_is_unauthorized_and_never_printed() {
    let sim = simulator(5);
    let dir = temp_dir("wrongpw");
    let wrong = "Wr0ng-Passw0rd-7731";
    let config = tenant_config(&dir, &sim.url(), sim.login(), wrong, "");
    let r = run(&["--config", config.to_str().unwrap_or_default(), "test"]);
    assert_fails(&r, 1, "unauthorized", &[wrong, sim.password()]);
    // The right password works, and is not printed either.
    let config = tenant_config(&dir, &sim.url(), sim.login(), sim.password(), "");
    let r = run(&[
        "--config",
        config.to_str().unwrap_or_default(),
        "users",
        "list",
        "-v",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    assert!(!r.out.contains(sim.password()) && !r.err.contains(sim.password()));
}

#[test]
fn an_unreachable_host_is_named_as_unavailable() {
    let dir = temp_dir("unreachable");
    let config = tenant_config(&dir, "http://127.0.0.1:9", "a@b.c", "pw-unreachable-1", "");
    let r = run(&["--config", config.to_str().unwrap_or_default(), "test"]);
    assert_fails(&r, 1, "unavailable", &["pw-unreachable-1"]);
}

#[test]
fn a_host_outside_the_allow_list_is_refused() {
    let sim = simulator(5);
    let dir = temp_dir("allowlist");
    let config = tenant_config(
        &dir,
        &sim.url(),
        sim.login(),
        sim.password(),
        "\n[sandbox]\nallowed_hosts = [\"rest.monportailrh.com\"]\n",
    );
    let r = run(&["--config", config.to_str().unwrap_or_default(), "test"]);
    assert_fails(&r, 1, "refused by the sandbox", &[sim.password()]);
    assert!(
        r.err.contains(&format!("127.0.0.1:{}", sim.addr().port())),
        "{}",
        r.err
    );
    assert!(sim.journal().is_empty(), "nothing reached the tenant");
}

#[test]
fn a_malformed_or_incomplete_configuration_is_named() {
    let dir = temp_dir("badconfig");
    let missing = dir.join("nope.toml");
    let r = run(&["--config", missing.to_str().unwrap_or_default(), "test"]);
    assert_fails(&r, 2, "cannot read configuration file", &[]);

    let broken = write(&dir, "broken.toml", "[connector.settings\nlogin = 1\n");
    let r = run(&["--config", broken.to_str().unwrap_or_default(), "test"]);
    assert_fails(&r, 2, "is not valid", &[]);

    let inline = write(
        &dir,
        "inline.toml",
        "[connector.settings]\nlogin = \"a@b.c\"\npassword = \"Inline-Secret-42\"\n",
    );
    let r = run(&["--config", inline.to_str().unwrap_or_default(), "test"]);
    assert_fails(&r, 2, "`password` is a secret", &["Inline-Secret-42"]);

    let secret = write(&dir, "pw", "pw-incomplete-9");
    let incomplete = write(
        &dir,
        "incomplete.toml",
        format!(
            "[connector.settings]\npassword_file = \"{}\"\n",
            secret.display()
        ),
    );
    let r = run(&["--config", incomplete.to_str().unwrap_or_default(), "test"]);
    assert_fails(&r, 2, "invalid configuration: login", &["pw-incomplete-9"]);

    let bad_env = write(
        &dir,
        "env.toml",
        format!(
            "[connector.settings]\nlogin = \"a@b.c\"\nenvironment = \"staging\"\npassword_file = \"{}\"\n",
            secret.display()
        ),
    );
    let r = run(&["--config", bad_env.to_str().unwrap_or_default(), "test"]);
    assert_fails(
        &r,
        2,
        "invalid configuration: environment",
        &["pw-incomplete-9"],
    );
}

#[test]
fn conformance_passes_on_the_demo_tenant_and_writes_junit() {
    let dir = temp_dir("conformance");
    let junit = dir.join("report.xml");
    let r = run(&["conformance", "--junit", junit.to_str().unwrap_or_default()]);
    assert_eq!(r.code, 0, "{}\n{}", r.out, r.err);
    assert!(r.out.contains("conformance of peoplespheres"), "{}", r.out);
    assert!(r.out.contains(" 0 failed"), "{}", r.out);
    let xml = std::fs::read_to_string(&junit).expect("junit written");
    assert!(
        xml.contains("<testcase classname=\"conformance\" name=\"list.get-agree\""),
        "{xml}"
    );
}

#[test]
fn conformance_fails_with_a_non_zero_exit_naming_the_broken_cases() {
    let dir = temp_dir("conformance-broken");
    let secret = write(&dir, "secret", "letmein");
    let config = write(
        &dir,
        "mock.toml",
        format!(
            "[connector.settings]\ntenant = \"t\"\nsecret_file = \"{}\"\n",
            secret.display()
        ),
    );
    let component = connector_tests::mock_component("untyped-error");
    let r = run(&[
        "--config",
        config.to_str().unwrap_or_default(),
        "conformance",
        "--component",
        component.to_str().unwrap_or_default(),
        "--read-only",
    ]);
    assert_fails(
        &r,
        1,
        "1 conformance case(s) failed: get.unknown-not-found",
        &["letmein"],
    );
    assert!(r.out.contains("(read-only cases)"), "{}", r.out);
}

#[test]
fn inspect_with_a_configuration_shows_the_hosts_the_connector_would_call() {
    let sim = simulator(5);
    let dir = temp_dir("inspect-hosts");
    let password = write(&dir, "password", sim.password());
    let config = write(
        &dir,
        "tenant.toml",
        format!(
            "[connector.settings]\nurl = \"{}\"\nlogin = \"x@example.com\"\npassword_file = \"{}\"\n",
            sim.url(),
            password.display()
        ),
    );
    let r = run(&[
        "inspect",
        "--config",
        config.to_str().unwrap_or_default(),
        "--json",
    ]);
    assert_eq!(r.code, 0, "{}", r.err);
    let doc: serde_json::Value = serde_json::from_str(&r.out).expect("JSON");
    let authority = sim.url().trim_start_matches("http://").to_string();
    assert_eq!(
        doc["capabilities"]["outbound_hosts"],
        serde_json::json!([authority]),
        "{}",
        r.out
    );
    assert_eq!(
        doc["capabilities"]["secret_keys"],
        serde_json::json!(["password"])
    );
}
