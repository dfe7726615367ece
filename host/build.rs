//! Builds the PeopleSpheres connector component for `wasm32-wasip2` so the host can default to
//! it (`connector_host::builtin::CONNECTOR_COMPONENT`). The guest gets its own target dir under
//! `OUT_DIR`, so this nested cargo never waits on the outer build's lock.

use std::env;
use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.parent().expect("host/ has a parent").to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target_dir = out.join("guest-target");

    for watched in ["connector/src", "connector/Cargo.toml", "wit", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=CONNECTOR_HOST_SKIP_GUEST_BUILD");

    let wasm = target_dir.join("wasm32-wasip2/guest/peoplespheres_connector.wasm");
    if env::var_os("CONNECTOR_HOST_SKIP_GUEST_BUILD").is_none() {
        let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(&root)
            .args(["build", "--locked", "-p", "peoplespheres-connector", "--target", "wasm32-wasip2", "--profile", "guest"])
            .arg("--target-dir")
            .arg(&target_dir);
        // The outer build's flags and wrappers are for the host, not for the guest.
        for var in [
            "CARGO_ENCODED_RUSTFLAGS", "RUSTFLAGS", "CARGO_BUILD_TARGET", "CARGO_TARGET_DIR",
            "RUSTC_WORKSPACE_WRAPPER", "RUSTC_WRAPPER", "CARGO_BUILD_RUSTFLAGS", "CARGO_PROFILE_RELEASE_LTO",
        ] {
            cmd.env_remove(var);
        }
        let status = cmd.status().expect("could not run cargo to build the connector component");
        if !status.success() {
            let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
            let has_target = installed
                .map(|o| String::from_utf8_lossy(&o.stdout).lines().any(|l| l.trim() == "wasm32-wasip2"))
                .unwrap_or(true);
            if !has_target {
                panic!("the wasm32-wasip2 target is missing; run: rustup target add wasm32-wasip2");
            }
            panic!("building the connector component failed (see the cargo output above)");
        }
    }
    println!("cargo:rustc-env=CONNECTOR_HOST_BUILTIN_COMPONENT={}", wasm.display());
}
