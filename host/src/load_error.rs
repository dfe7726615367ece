//! Why a component could not be loaded; each case names the component and the problem.

use crate::source::ComponentSource;

/// Why a component could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read connector component {component}: {reason}")]
    Read {
        component: ComponentSource,
        reason: crate::source::ReadError,
    },
    #[error(
        "{component} is not a WebAssembly component (it does not start with the wasm magic bytes)"
    )]
    NotWasm { component: ComponentSource },
    #[error(
        "{component} is a core WebAssembly module, not a component; build the connector for wasm32-wasip2"
    )]
    CoreModule { component: ComponentSource },
    #[error("{component} is not a valid WebAssembly component: {reason}")]
    Invalid {
        component: ComponentSource,
        reason: String,
    },
    #[error("{component} does not export {interface}; it is not a provisioning connector")]
    NotAConnector {
        component: ComponentSource,
        interface: String,
    },
    #[error(
        "{component} implements contract {interface}@{found}, but this host serves @{expected}"
    )]
    ContractVersion {
        component: ComponentSource,
        interface: String,
        expected: String,
        found: String,
    },
    #[error("{component} is refused: {reason}")]
    ForbiddenImport {
        component: ComponentSource,
        reason: crate::world::ImportRefused,
    },
    #[error("{component} cannot be linked: {reason}")]
    Link {
        component: ComponentSource,
        reason: String,
    },
}
