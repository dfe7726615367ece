//! What every connector component of this workspace shares, so no connector copies it: the
//! contract's generated bindings (one `wit_bindgen::generate!`; each connector exports its own
//! implementation with `bindings::export!`), the contract's types under short names ([`model`]), the
//! blocking HTTP seam the connectors' logic is generic over ([`http`]; waki over wasi:http in
//! the component, a scripted [`fake`] in native tests), and the wording of transport failures
//! ([`transport_words`]).

// Tests may unwrap: a failed unwrap is a failed test.
#![cfg_attr(test, allow(clippy::unwrap_used))]

// The generated bindings and `export!` need `unsafe` (canonical ABI glue); nothing else does.
#[allow(unsafe_code)]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
mod component;
#[cfg(any(test, feature = "fake"))]
pub mod fake;
pub mod http;
pub mod model;
pub mod transport_words;
#[cfg(target_arch = "wasm32")]
pub mod waki_transport;

/// The contract version this crate's bindings were generated from (`wit/types.wit`).
pub const CONTRACT_VERSION: &str = env!("PROVISIONING_CONTRACT_VERSION");
