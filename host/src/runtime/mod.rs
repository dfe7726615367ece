//! Connectors backed by a WebAssembly component: [`WasmConnector`] implements the
//! [`Connector`] seam over a [`LoadedComponent`], [`WasmSession`] the [`Session`] one.
//!
//! A session lives in one instance's `Store`. Every call runs under the per-call deadline
//! (epoch interruption for guest CPU, an async timeout for everything else). A call that traps
//! or is cut off leaves the instance unusable, so it is thrown away; the next call instantiates
//! afresh and opens the session again (the connector re-authenticates), so callers see at most
//! the one error of the call that failed.

mod instance;
mod options;
mod wasm;

pub use options::RuntimeOptions;
pub use wasm::{WasmConnector, WasmSession};
