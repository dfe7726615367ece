//! Loading a connector component: bytes → "is this a component?" → compile (cached) → contract
//! version check → imports checked against the connector world ([`crate::world`]) →
//! `InstancePre`. Each failure names the file and the problem.

use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

use crate::bindings;
use crate::contract::{CONNECTOR_INTERFACE, CONTRACT_VERSION, compatible};
use crate::engine::HostEngine;
pub use crate::load_error::LoadError;
use crate::source::ComponentSource;

/// A compiled, version-checked component, ready to instantiate.
#[derive(Clone)]
pub struct LoadedComponent {
    pub source: ComponentSource,
    pub hash: [u8; 32],
    pub pre: bindings::ConnectorApiPre<crate::sandbox::StoreState>,
    /// Every import of the component (for `inspect`).
    pub imports: Vec<String>,
}

impl std::fmt::Debug for LoadedComponent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedComponent")
            .field("source", &self.source)
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

/// Reads (within the read timeout) and loads a component.
pub fn load(engine: &HostEngine, source: &ComponentSource) -> Result<LoadedComponent, LoadError> {
    let bytes = source.read_timed().map_err(|reason| LoadError::Read {
        component: source.clone(),
        reason,
    })?;
    load_bytes(engine, source, &bytes)
}

/// Loads component bytes; `source` only names them in errors.
pub fn load_bytes(
    engine: &HostEngine,
    source: &ComponentSource,
    bytes: &[u8],
) -> Result<LoadedComponent, LoadError> {
    let source = source.clone();
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(LoadError::NotWasm { component: source });
    }
    if bytes[4..8] == [1, 0, 0, 0] {
        return Err(LoadError::CoreModule { component: source });
    }
    let (component, hash) = engine.compile(bytes).map_err(|e| LoadError::Invalid {
        component: source.clone(),
        reason: format!("{e:#}"),
    })?;
    check_contract(engine, &component, &source)?;
    let imports: Vec<String> = component
        .component_type()
        .imports(engine.engine())
        .map(|(name, _)| name.to_string())
        .collect();
    crate::world::check_imports(imports.iter().map(String::as_str)).map_err(|reason| {
        LoadError::ForbiddenImport {
            component: source.clone(),
            reason,
        }
    })?;
    let instance_pre =
        engine
            .linker()
            .instantiate_pre(&component)
            .map_err(|e| LoadError::Link {
                component: source.clone(),
                reason: format!("{e:#}"),
            })?;
    let pre = bindings::ConnectorApiPre::new(instance_pre).map_err(|e| LoadError::Link {
        component: source.clone(),
        reason: format!("{e:#}"),
    })?;
    Ok(LoadedComponent {
        source,
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
    source: &ComponentSource,
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
            component: source.clone(),
            interface: CONNECTOR_INTERFACE.into(),
        });
    };
    if !compatible(CONTRACT_VERSION, &found) {
        return Err(LoadError::ContractVersion {
            component: source.clone(),
            interface: CONNECTOR_INTERFACE.into(),
            expected: CONTRACT_VERSION.into(),
            found,
        });
    }
    Ok(())
}
