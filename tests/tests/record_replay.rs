//! A session recorded once replays offline: `import --record FILE` against the simulator writes
//! a HAR 1.2 file with no secret, token or cookie in it; with the simulator gone, `import
//! --replay FILE` prints the same thing; a request the recording lacks fails, naming it.

use std::path::{Path, PathBuf};

use connector_host::cli;
use connector_tests::{runtime, simulator};

fn run(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["connector-host"];
    argv.extend_from_slice(args);
    let code = cli::run(argv, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("record-replay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The summary line's duration varies between runs.
fn without_duration(out: &str) -> String {
    out.lines()
        .map(|l| match l.rfind(" pages, ") {
            Some(at) => &l[..at],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn an_import_recorded_once_replays_offline_with_the_same_output() {
    let dir = temp_dir("import");
    let sim = simulator(30);
    let password = dir.join("password");
    std::fs::write(&password, sim.password()).expect("write");
    let config = dir.join("tenant.toml");
    std::fs::write(
        &config,
        format!(
            "[connector.settings]\nurl = \"{}\"\nlogin = \"{}\"\npassword_file = \"{}\"\n",
            sim.url(),
            sim.login(),
            password.display()
        ),
    )
    .expect("write");
    let har = dir.join("import.har");

    let (code, recorded, err) = run(&[
        "import",
        "--config",
        path(&config),
        "--page-size",
        "10",
        "--record",
        path(&har),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&har).expect("the recording");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(doc["log"]["version"], "1.2");
    let entries = doc["log"]["entries"].as_array().expect("entries");
    assert!(
        entries.len() >= 4,
        "token, fields and 3 pages: {}",
        entries.len()
    );
    assert!(
        !text.contains(sim.password()),
        "the password is in the recording"
    );
    let tokens: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["response"]["content"]["text"].as_str())
        .filter(|t| t.contains("access_token"))
        .collect();
    assert!(!tokens.is_empty(), "the token answer is recorded");
    assert!(
        tokens
            .iter()
            .all(|t| t.contains("\"access_token\":\"[redacted]\"")),
        "the token is redacted: {tokens:?}"
    );
    assert!(
        !text.to_ascii_lowercase().contains("bearer ey"),
        "a bearer token is in the recording"
    );

    // No tenant any more: every answer comes from the file.
    runtime().block_on(sim.shutdown());
    let (code, replayed, err) = run(&[
        "import",
        "--config",
        path(&config),
        "--page-size",
        "10",
        "--replay",
        path(&har),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(without_duration(&replayed), without_duration(&recorded));

    // Pages of another size were never recorded.
    let (code, _, err) = run(&[
        "import",
        "--config",
        path(&config),
        "--page-size",
        "7",
        "--replay",
        path(&har),
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no recorded answer for POST"), "{err}");
    assert!(err.contains("/graphql"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_recording_that_cannot_be_read_is_a_usage_error() {
    let dir = temp_dir("bad");
    let bad = dir.join("not.har");
    std::fs::write(&bad, "{}").expect("write");
    let (code, _, err) = run(&["test", "--replay", path(&bad)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a HAR 1.2 file"), "{err}");
    let (code, _, err) = run(&["test", "--record", "/nonexistent/dir/x.har"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot write the recording"), "{err}");
}

#[test]
fn serve_refuses_to_record_without_end() {
    let (code, _, err) = run(&["serve", "--record", "/tmp/never.har"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--record does nothing for `serve`"), "{err}");
}
