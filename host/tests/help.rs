//! What a person reads first: `--help` of every command, snapshot-tested so the text that
//! matches the README cannot drift; and the binary, copied away from the build tree, still
//! runs its built-in connector.

use std::path::PathBuf;
use std::process::Command;

fn host() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_connector-host"));
    // The help shows the environment's values: keep them out of the snapshots.
    for var in [
        "CONNECTOR_HOST_CONFIG",
        "CONNECTOR_HOST_COMPONENT",
        "CONNECTOR_HOST_STORE",
        "CONNECTOR_HOST_MAPPING",
        "RUST_LOG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn help(args: &[&str]) -> String {
    let out = host().args(args).arg("--help").output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn help_of_every_command() {
    let commands: &[&[&str]] = &[
        &[],
        &["sync"],
        &["import"],
        &["inspect"],
        &["test"],
        &["fields"],
        &["choices"],
        &["users"],
        &["users", "list"],
        &["users", "get"],
        &["users", "create"],
        &["users", "update"],
        &["users", "suspend"],
        &["users", "resume"],
        &["conformance"],
        &["serve"],
        &["events"],
        &["identities"],
        &["identities", "set"],
        &["identities", "create"],
        &["identities", "import"],
        &["identities", "show"],
        &["demo"],
        &["completions"],
    ];
    for args in commands {
        let name = if args.is_empty() {
            "help".to_string()
        } else {
            format!("help-{}", args.join("-"))
        };
        insta::assert_snapshot!(name, help(args));
    }
}

#[test]
fn options_appear_only_where_they_apply() {
    // The demo tenant's size means nothing to commands that read only the store, and no
    // component is loaded by them.
    for args in [&["events"][..], &["identities", "show"], &["completions"]] {
        let text = help(args);
        assert!(!text.contains("--demo-users"), "{args:?}\n{text}");
        assert!(!text.contains("--component"), "{args:?}\n{text}");
    }
    assert!(!help(&["inspect"]).contains("--demo-users"));
    // Inherited options a command has no use for are hidden from it, and refused there.
    let unused: &[(&str, &[&str])] = &[
        ("completions", &["--config <", "--json "]),
        ("demo", &["--config <"]),
        ("serve", &["--json ", "--record <"]),
    ];
    for (command, options) in unused {
        let text = help(&[command]);
        for option in *options {
            assert!(!text.contains(option), "{command} {option}\n{text}");
        }
    }
    for args in [
        &["completions", "bash", "--json"][..],
        &["completions", "bash", "--config", "x.toml"],
        &["demo", "--config", "x.toml"],
        &["serve", "--json"],
        &["serve", "--record", "x.har"],
    ] {
        let out = host().args(args).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let text = String::from_utf8_lossy(&out.stderr);
        assert!(text.contains("does nothing for"), "{args:?}: {text}");
    }
    assert!(help(&["users", "list"]).contains("--json"));
    assert!(help(&["sync"]).contains("--config"));
    assert!(help(&["sync"]).contains("--component"));
    let top = help(&[]);
    assert!(top.contains("The main job is `sync`"), "{top}");
    let misplaced = host()
        .args(["events", "--demo-users", "3"])
        .output()
        .expect("runs");
    assert_eq!(misplaced.status.code(), Some(2));
}

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _connector__host"),
        ("zsh", "#compdef connector-host"),
        ("fish", "complete -c connector-host"),
    ] {
        let out = host().args(["completions", shell]).output().expect("runs");
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(marker),
            "{shell}: {}",
            &text[..text.len().min(300)]
        );
        assert!(text.contains("identities"), "{shell}");
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ch-help-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    dir
}

#[test]
fn the_binary_runs_its_built_in_connector_away_from_the_build_tree() {
    let dir = temp_dir("standalone");
    let binary = dir.join("connector-host");
    std::fs::copy(env!("CARGO_BIN_EXE_connector-host"), &binary).expect("copy the binary");
    let cache = dir.join("cache");
    let run = || {
        // Another test thread forking while the copy was open for writing can hold it for an
        // instant ("text file busy"): retry briefly.
        for _ in 0..50 {
            match Command::new(&binary)
                .args(["inspect", "-v"])
                .current_dir(&dir)
                .env("CONNECTOR_HOST_CACHE_DIR", &cache)
                .env("HOME", &dir)
                .output()
            {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                other => return other.expect("runs"),
            }
        }
        panic!("the copied binary stayed busy");
    };
    let cold = run();
    assert_eq!(
        cold.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&cold.stderr)
    );
    let text = String::from_utf8_lossy(&cold.stdout);
    assert!(text.contains("connector   peoplespheres"), "{text}");
    assert!(
        text.contains("component   the built-in PeopleSpheres connector"),
        "{text}"
    );
    // The connector ran from the binary's own bytes, not from a file of the build tree.
    let component = std::fs::read(env!("CONNECTOR_HOST_BUILTIN_COMPONENT")).expect("component");
    let image = std::fs::read(&binary).expect("binary");
    let probe = &component[component.len() / 2..component.len() / 2 + 4096];
    assert!(
        image.windows(probe.len()).any(|w| w == probe),
        "the binary does not hold the component's bytes"
    );
    let compiled = |out: &std::process::Output| {
        String::from_utf8_lossy(&out.stderr).contains("compiled the component")
    };
    // The first start compiled and cached the component; the next one reads it back.
    assert!(compiled(&cold), "{}", String::from_utf8_lossy(&cold.stderr));
    let entries = std::fs::read_dir(&cache).expect("cache written").count();
    assert_eq!(entries, 1);
    let warm = run();
    assert_eq!(warm.status.code(), Some(0));
    assert_eq!(warm.stdout, cold.stdout);
    assert!(
        !compiled(&warm),
        "{}",
        String::from_utf8_lossy(&warm.stderr)
    );
    // A corrupt cache entry is not fatal: it is compiled again.
    for entry in std::fs::read_dir(&cache).expect("cache").flatten() {
        std::fs::write(entry.path(), b"garbage").expect("corrupt");
    }
    let repaired = run();
    assert_eq!(repaired.status.code(), Some(0));
    assert_eq!(repaired.stdout, cold.stdout);
    assert!(compiled(&repaired));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn quiet_says_nothing_on_stderr_and_each_v_says_more() {
    let stderr = |flag: &str| {
        let out = host()
            .args(["test", "--demo-users", "3", flag])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert_eq!(stderr("-q"), "");
    let verbose = stderr("-v");
    assert!(verbose.contains("loaded peoplespheres"), "{verbose}");
    assert!(!verbose.contains("logged in"), "{verbose}");
    let debug = stderr("-vv");
    assert!(debug.contains("connector: logged in"), "{debug}");
}

#[test]
fn rust_log_chooses_the_lines_when_set() {
    let out = host()
        .args(["test", "--demo-users", "3"])
        .env("RUST_LOG", "warn,connector=debug")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("connector: logged in"), "{text}");
    let silenced = host()
        .args(["test", "--demo-users", "3", "-vv"])
        .env("RUST_LOG", "off")
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&silenced.stderr);
    assert!(!text.contains("logged in"), "{text}");
}

/// Runs the binary on a pseudo-terminal (util-linux `script`), where colour would be on.
fn on_a_terminal(args: &str, no_color: bool) -> Option<String> {
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_connector-host"));
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"]);
    cmd.env_remove("RUST_LOG")
        .env_remove("CONNECTOR_HOST_CONFIG");
    if no_color {
        cmd.env("NO_COLOR", "1");
    } else {
        cmd.env_remove("NO_COLOR");
    }
    let out = cmd.output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn no_color_turns_colour_off_on_a_terminal() {
    let Some(coloured) = on_a_terminal("test --demo-users 3 -vv", false) else {
        panic!("util-linux `script` is needed to give the binary a terminal");
    };
    assert!(coloured.contains("logged in"), "{coloured}");
    assert!(
        coloured.contains('\u{1b}'),
        "a terminal gets colour: {coloured}"
    );
    let plain = on_a_terminal("test --demo-users 3 -vv", true).expect("runs");
    assert!(plain.contains("logged in"), "{plain}");
    assert!(!plain.contains('\u{1b}'), "NO_COLOR: {plain}");
}
