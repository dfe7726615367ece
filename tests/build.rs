//! Builds the test fixtures: the mock connector component once per variant (the good one, one
//! per broken rule, and a second version for swap tests), copied to `OUT_DIR/mock-<variant>.wasm`.

#[path = "../host/guest_build.rs"]
mod guest_build;

use std::path::PathBuf;

/// Variant name → the mock's features.
const VARIANTS: &[(&str, &[&str])] = &[
    ("good", &[]),
    ("v2", &["v2"]),
    ("repeat-user", &["repeat-user"]),
    ("ignore-page-size", &["ignore-page-size"]),
    ("undeclared-attribute", &["undeclared-attribute"]),
    ("untyped-error", &["untyped-error"]),
    ("trap", &["trap"]),
    ("raw-choice", &["raw-choice"]),
    ("hidden-level", &["hidden-level"]),
    ("wrong-path", &["wrong-path"]),
    ("empty-branch", &["empty-branch"]),
    ("endless", &["endless"]),
    ("greedy-hosts", &["greedy-hosts"]),
    ("exfiltrate", &["exfiltrate"]),
    ("hoard-fields", &["hoard-fields"]),
    ("secret-probe", &["secret-probe"]),
    ("stdio", &["stdio"]),
    ("filesystem", &["filesystem"]),
    ("next-patch", &["next-patch"]),
    ("courier", &["courier"]),
    ("courier-drop-secret", &["courier", "drop-secret"]),
    ("courier-fickle", &["courier", "fickle"]),
];

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    guest_build::watch(
        &root,
        &[
            "tests/fixtures/mock-connector/src",
            "tests/fixtures/mock-connector/Cargo.toml",
            "tests/fixtures/mock-connector/wit-next",
            "host/guest_build.rs",
        ],
    );
    let target = out.join("fixtures-target");
    for (name, features) in VARIANTS {
        let built = guest_build::build_guest(&root, "mock-connector", features, "dev", &target);
        let dest = out.join(format!("mock-{name}.wasm"));
        std::fs::copy(&built, &dest)
            .unwrap_or_else(|e| panic!("copy {} to {}: {e}", built.display(), dest.display()));
    }
    println!("cargo:rustc-env=MOCK_COMPONENTS_DIR={}", out.display());
}
