//! What every command prints, as text and as `--json`, on the built-in demo tenant: snapshots
//! (`host/tests/snapshots/outputs__*.snap`) with ports, paths, times and hashes filtered out.
//! A change to what a user reads shows up here as a diff to review (`INSTA_UPDATE=always`).

use std::path::Path;
use std::process::Command;

const USERS: &str = "12";
const AS_OF: &str = "2026-11-25";

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_connector-host"))
        .args(args)
        .env_remove("CONNECTOR_HOST_CONFIG")
        .env_remove("CONNECTOR_HOST_COMPONENT")
        .env_remove("CONNECTOR_HOST_STORE")
        .env_remove("CONNECTOR_HOST_MAPPING")
        .env_remove("CONNECTOR_HOST_SYNC_ABORT_AFTER")
        .env_remove("RUST_LOG")
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    // What a person reads on stderr is words, never Rust debug text.
    let stderr = String::from_utf8_lossy(&out.stderr);
    for debug in ["{", "::", "Payload", "Some(", "StreamError"] {
        assert!(
            !stderr.contains(debug),
            "debug text {debug:?} in {args:?}: {stderr}"
        );
    }
    let text = format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    filter(&text, dir)
}

/// Ports, the temporary folder, durations, clock times and hashes vary between runs.
fn filter(text: &str, dir: &Path) -> String {
    let mut s = text.replace(&dir.display().to_string(), "[DIR]");
    s = regex_replace(&s, "127.0.0.1:", |rest| {
        let n = rest.chars().take_while(char::is_ascii_digit).count();
        (n, "PORT".to_string())
    });
    s = replace_runs(&s, |c| c.is_ascii_hexdigit(), 64, "[HASH]");
    s = replace_times(&s);
    for key in ["\"millis\": ", "\"elapsed_ms\": "] {
        s = regex_replace(&s, key, |rest| {
            let n = rest.chars().take_while(char::is_ascii_digit).count();
            (n, "[MS]".to_string())
        });
    }
    s
}

/// Replaces what follows each `marker` as `f` says (chars consumed, replacement).
fn regex_replace(s: &str, marker: &str, f: impl Fn(&str) -> (usize, String)) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find(marker) {
        out.push_str(&rest[..at + marker.len()]);
        rest = &rest[at + marker.len()..];
        let (n, with) = f(rest);
        if n > 0 {
            out.push_str(&with);
            rest = &rest[n..];
        }
    }
    out.push_str(rest);
    out
}

/// Replaces every run of exactly `len` chars matching `class` (bounded by non-matching chars).
fn replace_runs(s: &str, class: impl Fn(char) -> bool, len: usize, with: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if class(chars[i]) {
            let start = i;
            while i < chars.len() && class(chars[i]) {
                i += 1;
            }
            if i - start == len {
                out.push_str(with);
            } else {
                out.extend(&chars[start..i]);
            }
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Durations (`12 ms`, `0.4 s`, `1.25s`) and RFC 3339 times.
fn replace_times(s: &str) -> String {
    let mut out = Vec::new();
    for line in s.split_inclusive('\n') {
        let mut l = line.to_string();
        // 2026-12-01T12:51:58Z / 2026-12-01 12:51:58 / with fractions and offsets.
        l = datetime(&l);
        for unit in [" ms", "ms", " s", "s", " µs", "µs"] {
            l = duration(&l, unit);
        }
        out.push(l);
    }
    out.concat()
}

fn datetime(l: &str) -> String {
    let b: Vec<char> = l.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let digit = |i: usize| b.get(i).is_some_and(char::is_ascii_digit);
    while i < b.len() {
        let is_dt = (0..4).all(|k| digit(i + k))
            && b.get(i + 4) == Some(&'-')
            && digit(i + 5)
            && digit(i + 6)
            && b.get(i + 7) == Some(&'-')
            && digit(i + 8)
            && digit(i + 9)
            && matches!(b.get(i + 10), Some('T') | Some(' '))
            && digit(i + 11)
            && digit(i + 12)
            && b.get(i + 13) == Some(&':');
        if is_dt {
            let mut j = i + 14;
            while j < b.len() && (b[j].is_ascii_digit() || matches!(b[j], ':' | '.' | 'Z' | '+')) {
                j += 1;
            }
            out.push_str("[TIME]");
            i = j;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn duration(l: &str, unit: &str) -> String {
    let mut out = String::new();
    let mut rest = l;
    while let Some(at) = rest.find(unit) {
        let before = &rest[..at];
        let after = &rest[at + unit.len()..];
        let boundary = after.chars().next().is_none_or(|c| !c.is_alphanumeric());
        let num_len = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .count();
        let starts_clean = before[..before.len() - num_len]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric());
        if boundary && num_len > 0 && starts_clean {
            out.push_str(&before[..before.len() - num_len]);
            out.push_str("[DUR]");
        } else {
            out.push_str(before);
            out.push_str(&rest[at..at + unit.len()]);
            rest = after;
            continue;
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

#[test]
fn what_every_command_prints() {
    let dir = std::env::temp_dir().join(format!("outputs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let store_path = dir.join("s.sqlite");
    let store = store_path.to_str().expect("utf-8 path");
    let changes = dir.join("changes.json");
    std::fs::write(&changes, r#"[{"id": 3, "phone": "+33 1 11 11 11 11"}]"#).expect("write");
    let changes = changes.to_str().expect("utf-8 path");
    let demo = ["--demo-users", USERS];

    let commands: Vec<(&str, Vec<&str>)> = vec![
        ("inspect", vec!["inspect"]),
        ("test", [&["test"][..], &demo].concat()),
        ("fields", [&["fields"][..], &demo].concat()),
        ("choices", [&["choices", "department"][..], &demo].concat()),
        (
            "choices-parent",
            [&["choices", "department", "--parent", "518"][..], &demo].concat(),
        ),
        (
            "users-list",
            [&["users", "list", "--page-size", "5"][..], &demo].concat(),
        ),
        ("users-get", [&["users", "get", "3"][..], &demo].concat()),
        (
            "users-get-missing",
            [&["users", "get", "9999"][..], &demo].concat(),
        ),
        (
            "users-create",
            [
                &[
                    "users",
                    "create",
                    "first_name=Zoé",
                    "last_name=Nouveau",
                    "email=zoe.nouveau@example.com",
                    "username=zoe.nouveau",
                ][..],
                &demo,
            ]
            .concat(),
        ),
        (
            "users-update",
            [
                &["users", "update", "3", "phone=+33 1 22 22 22 22"][..],
                &demo,
            ]
            .concat(),
        ),
        (
            "users-suspend",
            [&["users", "suspend", "4"][..], &demo].concat(),
        ),
        (
            "users-resume",
            [&["users", "resume", "4"][..], &demo].concat(),
        ),
        (
            "conformance-read-only",
            [&["conformance", "--read-only"][..], &demo].concat(),
        ),
        (
            "import",
            [&["import", "--page-size", "5"][..], &demo].concat(),
        ),
        (
            "sync-dry-run",
            [
                &["sync", "--dry-run", "--store", store, "--as-of", AS_OF][..],
                &demo,
            ]
            .concat(),
        ),
        (
            "sync",
            [&["sync", "--store", store, "--as-of", AS_OF][..], &demo].concat(),
        ),
        ("events", vec!["events", "--store", store, "--limit", "5"]),
        (
            "events-kind",
            vec![
                "events", "--store", store, "--kind", "joiner", "--limit", "3",
            ],
        ),
        (
            "events-bad-kind",
            vec!["events", "--store", store, "--kind", "joinr"],
        ),
        (
            "identities-show",
            vec!["identities", "show", "3", "--store", store],
        ),
        (
            "identities-set",
            vec![
                "identities",
                "set",
                "3",
                "phone=+33 1 00 00 00 03",
                "--store",
                store,
            ],
        ),
        (
            "identities-set-hr-owned",
            vec![
                "identities",
                "set",
                "3",
                "last_name=Other",
                "--store",
                store,
            ],
        ),
        (
            "identities-import",
            vec!["identities", "import", changes, "--store", store],
        ),
        (
            "identities-create",
            vec![
                "identities",
                "create",
                "first_name=Zoé",
                "last_name=Nouveau",
                "email=zoe.nouveau@example.com",
                "username=zoe.nouveau",
                "--store",
                store,
            ],
        ),
        (
            "sync-again",
            [&["sync", "--store", store, "--as-of", AS_OF][..], &demo].concat(),
        ),
    ];
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(true);
    settings.set_snapshot_suffix("");
    let _guard = settings.bind_to_scope();
    for json in [false, true] {
        let data = dir.join("data");
        let _ = std::fs::remove_dir_all(&data);
        let _ = std::fs::remove_file(&store_path);
        let _ = std::fs::remove_file(dir.join("s.sqlite-wal"));
        let _ = std::fs::remove_file(dir.join("s.sqlite-shm"));
        for (name, args) in &commands {
            let mut args = args.clone();
            if json {
                args.push("--json");
            }
            let output = run(&dir, &args);
            let name = if json {
                format!("{name}-json")
            } else {
                name.to_string()
            };
            insta::assert_snapshot!(name, output);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
