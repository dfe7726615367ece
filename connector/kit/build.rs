//! Exports the contract version written in `wit/` (`PROVISIONING_CONTRACT_VERSION`).

#[path = "../../wit/version.rs"]
mod version;

fn main() {
    let manifest = std::path::PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let root = manifest
        .parent()
        .and_then(|p| p.parent())
        .expect("connector/kit sits two levels under the workspace root");
    version::export_contract_version(root);
}
