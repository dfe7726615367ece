//! The SCIM 2.0 connector (RFC 7643/7644): a `wasm32-wasip2` component implementing
//! `provisioning:connector@0.1.0` (world `http-connector`) against any SCIM service provider.
//!
//! Everything but `component` is plain Rust, generic over [`http::Transport`], and unit-tested
//! natively (`cargo test -p scim-connector`). Fields come from the server's own `/Schemas` and
//! `/ResourceTypes` (see [`naming`] for how SCIM paths become field names); `/ServiceProviderConfig`
//! chooses PATCH or PUT, index or cursor paging.

// Tests may unwrap: a failed unwrap is a failed test.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod client;
pub mod codec;
pub mod config;
pub mod dates;
pub mod describe;
pub mod discovery;
pub mod errors;
pub mod naming;
pub mod paging;
pub mod session;
pub mod writes;

pub use connector_kit::{http, model};

// `export!` needs `unsafe` (canonical ABI glue); nothing else does.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component;

#[cfg(test)]
use connector_kit::fake;
#[cfg(test)]
mod fixtures;
