//! Errors: the contract's error variant as the host sees it ([`ConnectorError`]), and the
//! host's own failures around it ([`HostError`]: loading, sandbox, traps, deadlines).

use serde::Serialize;

/// The contract's `error` variant (see `wit/types.wit`). The conformance harness asserts on
/// the case; messages never carry a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ConnectorError {
    #[error("invalid configuration: {name}: {reason}")]
    InvalidConfig { name: String, reason: String },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("already exists: {name}: {reason}")]
    AlreadyExists { name: String, reason: String },
    #[error("invalid input: {name}: {reason}")]
    InvalidInput { name: String, reason: String },
    #[error("rate limited: retry after {retry_after_secs} s")]
    RateLimited { retry_after_secs: u32 },
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("outbound request refused by the sandbox: {0}")]
    EgressDenied(String),
    #[error("unsupported: {0}")]
    Unsupported(String),
    #[error("{0}")]
    Other(String),
}

impl ConnectorError {
    /// The variant's name, as in the WIT (`not-found`…).
    pub fn kind(&self) -> &'static str {
        match self {
            ConnectorError::InvalidConfig { .. } => "invalid-config",
            ConnectorError::Unauthorized(_) => "unauthorized",
            ConnectorError::Forbidden(_) => "forbidden",
            ConnectorError::NotFound(_) => "not-found",
            ConnectorError::AlreadyExists { .. } => "already-exists",
            ConnectorError::InvalidInput { .. } => "invalid-input",
            ConnectorError::RateLimited { .. } => "rate-limited",
            ConnectorError::Unavailable(_) => "unavailable",
            ConnectorError::Protocol(_) => "protocol",
            ConnectorError::EgressDenied(_) => "egress-denied",
            ConnectorError::Unsupported(_) => "unsupported",
            ConnectorError::Other(_) => "other",
        }
    }
}

/// Anything a call through the host can fail with.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The connector answered with a typed error.
    #[error(transparent)]
    Connector(#[from] ConnectorError),
    /// The component could not be loaded.
    #[error(transparent)]
    Load(#[from] crate::loader::LoadError),
    /// The call ran past its deadline and was cut off; the instance was discarded.
    #[error("the connector call `{operation}` ran past its {limit_ms} ms deadline and was stopped")]
    Deadline { operation: String, limit_ms: u64 },
    /// The guest trapped (a bug in the connector, or it ran out of memory); the instance was
    /// discarded.
    #[error("the connector crashed during `{operation}`: {reason}")]
    Trap { operation: String, reason: String },
    /// The connector kept answering `rate-limited` until the run's wait budget was spent.
    #[error(
        "rate limited: waited {waited_secs} s in all and the next wait would pass the {budget_secs} s budget; stopped"
    )]
    RateLimitBudget {
        waited_secs: u64,
        budget_secs: u64,
        /// The tenant's last `retry-after`.
        retry_after_secs: u32,
    },
    /// The host could not set up an instance.
    #[error("could not start the connector: {0}")]
    Instantiate(String),
}

impl HostError {
    /// The contract error, when the connector gave one.
    pub fn as_connector(&self) -> Option<&ConnectorError> {
        match self {
            HostError::Connector(e) => Some(e),
            _ => None,
        }
    }
}
