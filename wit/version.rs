//! The contract's version, read from the WIT package line by the build scripts of the connector
//! and the host (`#[path]`-included), so no Rust code writes it by hand.

use std::path::Path;

/// Reads `package provisioning:connector@X.Y.Z;` from `wit/types.wit` under `root`, tells cargo
/// to rebuild when it changes, and exports it as `PROVISIONING_CONTRACT_VERSION`.
pub fn export_contract_version(root: &Path) {
    let path = root.join("wit/types.wit");
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let version = text
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("package provisioning:connector@")?
                .strip_suffix(';')
        })
        .unwrap_or_else(|| {
            panic!(
                "{} has no `package provisioning:connector@…;` line",
                path.display()
            )
        });
    println!("cargo:rustc-env=PROVISIONING_CONTRACT_VERSION={version}");
}
