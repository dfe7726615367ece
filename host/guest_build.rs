//! Building a guest crate for `wasm32-wasip2` from a build script. Shared by host/build.rs (the
//! PeopleSpheres connector) and tests/build.rs (test fixtures) through `#[path]`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `package` of the workspace at `root` with `features` and `profile` into `target_dir`;
/// returns the path of the `.wasm` it wrote. Panics (failing the build) with the exact
/// `rustup` command when the target is missing.
pub fn build_guest(
    root: &Path,
    package: &str,
    features: &[&str],
    profile: &str,
    target_dir: &Path,
) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "--locked",
            "-p",
            package,
            "--target",
            "wasm32-wasip2",
            "--profile",
            profile,
        ])
        .arg("--target-dir")
        .arg(target_dir);
    if !features.is_empty() {
        cmd.arg("--features").arg(features.join(","));
    }
    // The outer build's flags and wrappers are for the host, not for the guest.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "CARGO_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
        "RUSTC_WRAPPER",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("could not run cargo to build a wasm32-wasip2 component");
    if !status.success() {
        let installed = Command::new("rustup")
            .args(["target", "list", "--installed"])
            .output();
        let has_target = installed
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| l.trim() == "wasm32-wasip2")
            })
            .unwrap_or(true);
        if !has_target {
            panic!("the wasm32-wasip2 target is missing; run: rustup target add wasm32-wasip2");
        }
        panic!("building {package} for wasm32-wasip2 failed (see the cargo output above)");
    }
    let dir = if profile == "dev" { "debug" } else { profile };
    target_dir
        .join("wasm32-wasip2")
        .join(dir)
        .join(format!("{}.wasm", package.replace('-', "_")))
}

/// Tells cargo to rebuild when the guest sources or the contract change.
pub fn watch(root: &Path, paths: &[&str]) {
    for p in paths {
        println!("cargo:rerun-if-changed={}", root.join(p).display());
    }
    println!("cargo:rerun-if-changed={}", root.join("wit").display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.lock").display()
    );
    // The guest's build profile lives in the workspace manifest.
    println!(
        "cargo:rerun-if-changed={}",
        root.join("Cargo.toml").display()
    );
}
