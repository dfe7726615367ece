//! The PeopleSpheres connector: a `wasm32-wasip2` component implementing
//! `provisioning:connector@0.1.0` (world `http-connector`).
//!
//! Everything but `component` is plain Rust, generic over [`http::Transport`], and unit-tested
//! natively (`cargo test -p peoplespheres-connector`). The contract's types, the transport seam
//! and its component side come from `connector-kit`, shared with the other connectors.
//!
//! Career history has two sources, chosen by the configuration key `career_history`:
//! - `record` (the default): `career_history.position`, `.department`, `.start_date` and
//!   `.end_date` are the rows of the tenant's `usr_career_history` list composite, read within
//!   the one GraphQL call per page, and writable like any composite;
//! - `history`: the same four names, declared read-only, are built from the field history of
//!   the position (`usr_poste`) and the department (`usr_department`), at a cost of 2 REST
//!   calls per user listed or read; they replace the composite's values. See [`history`] for
//!   the row rules and [`api::history`] for the wire details.

// Tests may unwrap: a failed unwrap is a failed test.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod api;
pub mod auth;
pub mod base_url;
pub mod choices;
pub mod config;
pub mod dates;
pub mod describe;
pub mod encode;
pub mod error;
pub mod fields;
pub mod history;
pub mod mapping;
pub mod options;
pub mod paging;
pub mod resolve;
pub mod retry;
pub mod session;
pub mod validate;
pub mod writes;

pub use connector_kit::{http, model, transport_words};

// `export!` needs `unsafe` (canonical ABI glue); nothing else does.
#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)]
mod component;

#[cfg(test)]
mod auth_tests;
#[cfg(test)]
use connector_kit::fake;
#[cfg(test)]
mod history_tests;
#[cfg(test)]
mod mapping_tests;
#[cfg(test)]
mod options_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod update_tests;
#[cfg(test)]
mod write_tests;
