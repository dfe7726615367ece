//! How a case says what it found: a failure in words, a failed call, an error's kind by name.

use super::report::Outcome;
use crate::error::{ErrorKind, HostError};

pub(super) fn fail(msg: impl Into<String>) -> Outcome {
    Outcome::Failed(msg.into())
}

pub(super) fn host_err(op: &str, e: &HostError) -> Outcome {
    fail(format!("{op} failed: {e}"))
}

/// The error's kind by name, for messages (`host-error` when the host, not the connector,
/// failed).
pub(super) fn kind(e: &HostError) -> &'static str {
    e.kind().map_or("host-error", ErrorKind::as_str)
}
