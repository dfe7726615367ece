//! The contract version is written once, in the WIT package line; every other mention (the
//! host's constant, what the components report, the docs and manifests) must agree with it.

use std::path::{Path, PathBuf};

use connector_host::connector::Connector;
use connector_host::runtime::{RuntimeOptions, WasmConnector};
use connector_tests::{connector, engine, mock_component, runtime};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// The version of the package line of a WIT file.
fn package_version(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("wit readable");
    text.lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("package provisioning:connector@")?
                .strip_suffix(';')
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("{} has a package line", path.display()))
}

fn wit_version() -> String {
    package_version(&root().join("wit/types.wit"))
}

#[test]
fn every_wit_file_declares_the_same_version() {
    let version = wit_version();
    for entry in std::fs::read_dir(root().join("wit")).expect("wit/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "wit") {
            assert_eq!(package_version(&path), version, "{}", path.display());
        }
    }
}

#[test]
fn the_host_and_the_components_report_the_wit_version() {
    let version = wit_version();
    assert_eq!(
        connector_host::CONTRACT_VERSION,
        version,
        "the host's constant"
    );
    let peoplespheres = connector(RuntimeOptions::default());
    assert_eq!(
        peoplespheres.description().contract_version,
        version,
        "the PeopleSpheres component"
    );
    let mock = runtime()
        .block_on(WasmConnector::load(
            engine(),
            mock_component("good"),
            RuntimeOptions::default(),
        ))
        .expect("mock loads");
    assert_eq!(mock.description().contract_version, version, "the mock");
}

/// Every `provisioning:connector[/interface]@X.Y.Z` in the docs, manifests and product code.
#[test]
fn every_mention_in_docs_manifests_and_code_is_the_wit_version() {
    let version = wit_version();
    let root = root();
    let mut files = vec![
        root.join("README.md"),
        root.join("wit/README.md"),
        root.join("connector/kit/Cargo.toml"),
        root.join("connector/peoplespheres/Cargo.toml"),
        root.join("connector/scim/Cargo.toml"),
        root.join("host/Cargo.toml"),
        root.join("tests/jco/run.mjs"),
    ];
    for dir in ["connector", "host/src", "wit"] {
        collect(&root.join(dir), &mut files);
    }
    let mut checked = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        let mut rest = text.as_str();
        while let Some(at) = rest.find("provisioning:connector") {
            rest = &rest[at + "provisioning:connector".len()..];
            let name_end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '/'))
                .unwrap_or(rest.len());
            let Some(tail) = rest[name_end..].strip_prefix('@') else {
                continue;
            };
            let found: String = tail
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            let found = found.trim_end_matches('.');
            if found.is_empty() {
                // `@{CONTRACT_VERSION}` and the like: the version is filled in, not written.
                continue;
            }
            assert_eq!(
                found,
                version,
                "{} mentions provisioning:connector{}@{found}",
                file.display(),
                &rest[..name_end]
            );
            checked += 1;
        }
    }
    assert!(checked >= 8, "mentions found: {checked}");
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "deps") {
                collect(&path, files);
            }
        } else if path
            .extension()
            .is_some_and(|e| e == "rs" || e == "wit" || e == "md")
        {
            files.push(path);
        }
    }
}
