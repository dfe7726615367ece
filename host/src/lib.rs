//! The reference host of the provisioning connector framework: it loads connector components
//! (`provisioning:connector@0.1.0`), sandboxes them, and exposes them through the
//! [`connector::Connector`] seam that the CLI, the conformance harness and the sync engine use.

pub mod admin_guard;
pub mod attrs;
mod bindings;
pub mod builtin;
pub mod capabilities;
pub mod cli;
pub mod compile_cache;
pub mod conformance;
pub mod connector;
pub mod contract;
pub mod engine;
pub mod error;
pub mod har;
pub mod key_cache;
pub mod load_error;
pub mod loader;
pub mod model;
pub mod named_enum;
pub mod paging;
mod private_file;
pub mod rate_limit;
pub mod registry;
pub mod runtime;
pub mod sandbox;
pub mod serve;
pub mod settings;
pub mod source;
pub mod store;
pub mod sync;
pub mod transport_error;
pub mod world;

pub use connector::{Connector, Session};
pub use contract::CONTRACT_VERSION;
pub use error::{ConnectorError, HostError};
pub use source::ComponentSource;
