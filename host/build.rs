//! Builds the built-in connector components (PeopleSpheres, SCIM) for `wasm32-wasip2` so the
//! host embeds them (`connector_host::source::BuiltinConnector`). The guest gets its own target dir
//! under `OUT_DIR`, so this nested cargo never waits on the outer build's lock.

#[path = "guest_build.rs"]
mod guest_build;
#[path = "../wit/version.rs"]
mod version;

use std::path::PathBuf;

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.parent().expect("host/ has a parent").to_path_buf();
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    version::export_contract_version(&root);
    guest_build::watch(&root, &["connector", "wit"]);
    println!("cargo:rerun-if-changed=guest_build.rs");
    // CONNECTOR_HOST_SKIP_GUEST_BUILD=1 keeps the component from the previous build (for quick
    // `cargo check` loops while the connector is mid-edit).
    println!("cargo:rerun-if-env-changed=CONNECTOR_HOST_SKIP_GUEST_BUILD");
    let target = out.join("guest-target");
    // Each built-in connector: its package and the variable `source.rs` embeds it from.
    for (package, var) in [
        (
            "peoplespheres-connector",
            "CONNECTOR_HOST_BUILTIN_COMPONENT",
        ),
        ("scim-connector", "CONNECTOR_HOST_BUILTIN_SCIM"),
    ] {
        let wasm = if std::env::var_os("CONNECTOR_HOST_SKIP_GUEST_BUILD").is_some() {
            target
                .join("wasm32-wasip2/guest")
                .join(format!("{}.wasm", package.replace('-', "_")))
        } else {
            guest_build::build_guest(&root, package, &[], "guest", &target)
        };
        println!("cargo:rustc-env={var}={}", wasm.display());
    }
}
