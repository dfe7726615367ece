//! The README's provisioning examples run as written: every `connector-host` (and `cargo run
//! -p connector-host --`) line of the sync section's shell block is run, in order, against the
//! built-in demo tenant and a fresh store, and must succeed. Lines for a real tenant
//! (`--config`) and lines showing optional syntax (`[--kind …]`) are left out; the
//! `identities import changes.json` line's comment is the file it reads. The block ends with a
//! real sync after the `identities create … manager=12` example: it must create both people
//! at the source, with no failed action (the example once planned a create that failed).

use std::process::Command;

fn sync_section_commands(readme: &str) -> Vec<(Vec<String>, Option<String>)> {
    let section = readme
        .split("## Provisioning (sync)")
        .nth(1)
        .expect("the README has a sync section");
    let block = section
        .split("```sh")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("the sync section has a shell block");
    block
        .lines()
        .filter_map(|line| {
            let (command, comment) = match line.split_once(" # ") {
                Some((c, comment)) => (c.trim(), Some(comment.trim().to_string())),
                None => (line.trim(), None),
            };
            let args = command
                .strip_prefix("cargo run -p connector-host -- ")
                .or_else(|| command.strip_prefix("connector-host "))?;
            if args.contains("--config") || args.contains('[') {
                return None;
            }
            Some((
                args.split_whitespace().map(str::to_string).collect(),
                comment,
            ))
        })
        .collect()
}

#[test]
fn the_sync_section_examples_run_as_written() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    let commands = sync_section_commands(&readme);
    assert!(commands.len() >= 6, "{commands:?}");
    let dir = std::env::temp_dir().join(format!("ch-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let mut last_sync = None;
    for (args, comment) in &commands {
        if args.iter().any(|a| a == "changes.json") {
            let content = comment.clone().expect("the import line shows the file");
            std::fs::write(dir.join("changes.json"), content).expect("write changes.json");
        }
        let out = Command::new(env!("CARGO_BIN_EXE_connector-host"))
            .args(args)
            .current_dir(&dir)
            .env("CONNECTOR_HOST_STORE", dir.join("store.sqlite"))
            .env("XDG_DATA_HOME", dir.join("data"))
            .env_remove("CONNECTOR_HOST_CONFIG")
            .env_remove("CONNECTOR_HOST_MAPPING")
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "connector-host {}\nstdout: {}\nstderr: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if args.first().is_some_and(|a| a == "sync") && !args.iter().any(|a| a == "--dry-run") {
            last_sync = Some(String::from_utf8_lossy(&out.stdout).into_owned());
        }
    }
    let after_create = last_sync.expect("the block runs a real sync");
    assert!(
        after_create.contains("plan: 2 create")
            && after_create.contains("Zoé NOUVEAU")
            && after_create.contains(", 0 failed"),
        "the sync after `identities create`: {after_create}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// The README's table of conformance cases, as the suite's own table renders it.
fn cases_table() -> String {
    let mut table = String::from("| case | writes | requirement |\n|---|---|---|\n");
    for case in connector_host::conformance::CASES {
        table.push_str(&format!(
            "| `{}` | {} | {} |\n",
            case.id,
            if case.writes { "yes" } else { "no" },
            case.requirement
        ));
    }
    table
}

#[test]
fn the_readme_lists_the_conformance_cases_of_the_suite() {
    const BEGIN: &str = "<!-- conformance-cases:begin -->\n";
    const END: &str = "<!-- conformance-cases:end -->";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("README");
    let start = readme
        .find(BEGIN)
        .expect("the README has the case table markers")
        + BEGIN.len();
    let end = readme[start..].find(END).expect("the end marker") + start;
    let expected = cases_table();
    if readme[start..end] != expected {
        if std::env::var_os("UPDATE_README").is_some() {
            let updated = format!("{}{expected}{}", &readme[..start], &readme[end..]);
            std::fs::write(path, updated).expect("README written");
        } else {
            panic!(
                "the README's case table differs from conformance::CASES; run with UPDATE_README=1\n{expected}"
            );
        }
    }
}

/// The HR → SCIM quick start prints what the README shows: each `# ` line of its block (up to
/// an ellipsis, where the README abridges) is in the command's output. The run is pinned to the
/// demo tenant's reference day (its contract dates are fixed), so the counts hold on any day.
#[test]
fn the_readme_hr_to_scim_quick_start_prints_what_it_shows() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("README");
    let block = readme
        .split("## Provisioning applications (HR → SCIM)")
        .nth(1)
        .and_then(|s| s.split("```sh").nth(1))
        .and_then(|b| b.split("```").next())
        .expect("the section has a shell block");
    let mut lines = block.lines().filter(|l| !l.trim().is_empty());
    let command = lines.next().expect("a command");
    let args: Vec<&str> = command
        .strip_prefix("cargo run -p connector-host -- ")
        .expect("a cargo run line")
        .split_whitespace()
        .collect();
    let dir = std::env::temp_dir().join(format!("ch-readme-scim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let store = dir.join("s.sqlite");
    let out = Command::new(env!("CARGO_BIN_EXE_connector-host"))
        .args(&args)
        .args(["--as-of", "2026-11-25", "--store"])
        .arg(&store)
        .env_remove("CONNECTOR_HOST_CONFIG")
        .env_remove("CONNECTOR_HOST_STORE")
        .env_remove("CONNECTOR_HOST_MAPPING")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for line in lines {
        let shown = line.trim_start_matches('#').trim_start();
        let shown = shown.split('…').next().unwrap_or(shown).trim_end();
        if shown.is_empty() {
            continue;
        }
        assert!(
            stdout.contains(shown),
            "the README shows {shown:?}, the command printed:\n{stdout}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
