//! Loading a connector component: bytes → "is this a component?" → compile (cached) → contract
//! version check → `InstancePre`. Each failure names the file and the problem.

use std::path::{Path, PathBuf};

use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

use crate::bindings::{self, CONNECTOR_INTERFACE, CONTRACT_VERSION};
use crate::engine::HostEngine;

/// Why a component could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read connector component {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{path} is not a WebAssembly component (it does not start with the wasm magic bytes)")]
    NotWasm { path: PathBuf },
    #[error(
        "{path} is a core WebAssembly module, not a component; build the connector for wasm32-wasip2"
    )]
    CoreModule { path: PathBuf },
    #[error("{path} is not a valid WebAssembly component: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("{path} does not export {interface}; it is not a provisioning connector")]
    NotAConnector { path: PathBuf, interface: String },
    #[error("{path} implements contract {interface}@{found}, but this host serves @{expected}")]
    ContractVersion {
        path: PathBuf,
        interface: String,
        expected: String,
        found: String,
    },
    #[error("{path} cannot be linked: {reason}")]
    Link { path: PathBuf, reason: String },
}

/// A compiled, version-checked component, ready to instantiate.
#[derive(Clone)]
pub struct LoadedComponent {
    pub path: PathBuf,
    pub hash: [u8; 32],
    pub pre: bindings::ConnectorApiPre<crate::sandbox::StoreState>,
    /// Every import of the component (for `inspect`).
    pub imports: Vec<String>,
}

impl std::fmt::Debug for LoadedComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedComponent")
            .field("path", &self.path)
            .field("imports", &self.imports)
            .finish_non_exhaustive()
    }
}

impl LoadedComponent {
    /// The content hash as hex.
    pub fn hash_hex(&self) -> String {
        self.hash.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Reads and loads a component file.
pub fn load_file(engine: &HostEngine, path: &Path) -> Result<LoadedComponent, LoadError> {
    let bytes = std::fs::read(path).map_err(|e| LoadError::Read {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    load_bytes(engine, path, &bytes)
}

/// Loads component bytes; `path` only names them in errors.
pub fn load_bytes(
    engine: &HostEngine,
    path: &Path,
    bytes: &[u8],
) -> Result<LoadedComponent, LoadError> {
    let path = path.to_path_buf();
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm { path });
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(LoadError::CoreModule { path });
    }
    let (component, hash) = engine.compile(bytes).map_err(|e| LoadError::Invalid {
        path: path.clone(),
        reason: format!("{e:#}"),
    })?;
    check_contract(engine, &component, &path)?;
    let imports = component
        .component_type()
        .imports(engine.engine())
        .map(|(name, _)| name.to_string())
        .collect();
    let instance_pre =
        engine
            .linker()
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Link {
                path: path.clone(),
                reason: format!("{e:#}"),
            })?;
    let pre = bindings::ConnectorApiPre::new(instance_pre).map_err(|e| LoadError::Link {
        path: path.clone(),
        reason: format!("{e:#}"),
    })?;
    Ok(LoadedComponent {
        path,
        hash,
        pre,
        imports,
    })
}

/// Checks the component exports the connector interface at a version this host serves
/// (same major; for 0.x, same minor).
fn check_contract(
    engine: &HostEngine,
    component: &Component,
    path: &Path,
) -> Result<(), LoadError> {
    let ty = component.component_type();
    let prefix = format!("{CONNECTOR_INTERFACE}@");
    let found = ty
        .exports(engine.engine())
        .find_map(|(name, item)| match item.ty {
            ComponentItem::ComponentInstance(_) => name.strip_prefix(&prefix).map(str::to_string),
            _ => None,
        });
    let Some(found) = found else {
        return Err(LoadError::NotAConnector {
            path: path.to_path_buf(),
            interface: CONNECTOR_INTERFACE.into(),
        });
    };
    if !compatible(CONTRACT_VERSION, &found) {
        return Err(LoadError::ContractVersion {
            path: path.to_path_buf(),
            interface: CONNECTOR_INTERFACE.into(),
            expected: CONTRACT_VERSION.into(),
            found,
        });
    }
    Ok(())
}

/// Semver compatibility as the component model resolves it: same major, and for 0.x the same
/// minor; a newer patch is fine either way.
pub fn compatible(expected: &str, found: &str) -> bool {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.split('.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match (parse(expected), parse(found)) {
        (Some((0, a)), Some((0, b))) => a == b,
        (Some((a, _)), Some((b, _))) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn semver_rules() {
        assert!(compatible("0.1.0", "0.1.0"));
        assert!(compatible("0.1.0", "0.1.3"));
        assert!(!compatible("0.1.0", "0.2.0"));
        assert!(compatible("1.0.0", "1.4.0"));
        assert!(!compatible("1.0.0", "2.0.0"));
        assert!(!compatible("0.1.0", "garbage"));
    }
}
