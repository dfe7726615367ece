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

crate::named_enum::named_enum! {
    /// Which case of the contract's `error` variant an error is, by its WIT name.
    ErrorKind ("error kind") {
        InvalidConfig = "invalid-config",
        Unauthorized = "unauthorized",
        Forbidden = "forbidden",
        NotFound = "not-found",
        AlreadyExists = "already-exists",
        InvalidInput = "invalid-input",
        RateLimited = "rate-limited",
        Unavailable = "unavailable",
        Protocol = "protocol",
        EgressDenied = "egress-denied",
        Unsupported = "unsupported",
        Other = "other",
    }
}

impl ConnectorError {
    /// Which case of the variant this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ConnectorError::InvalidConfig { .. } => ErrorKind::InvalidConfig,
            ConnectorError::Unauthorized(_) => ErrorKind::Unauthorized,
            ConnectorError::Forbidden(_) => ErrorKind::Forbidden,
            ConnectorError::NotFound(_) => ErrorKind::NotFound,
            ConnectorError::AlreadyExists { .. } => ErrorKind::AlreadyExists,
            ConnectorError::InvalidInput { .. } => ErrorKind::InvalidInput,
            ConnectorError::RateLimited { .. } => ErrorKind::RateLimited,
            ConnectorError::Unavailable(_) => ErrorKind::Unavailable,
            ConnectorError::Protocol(_) => ErrorKind::Protocol,
            ConnectorError::EgressDenied(_) => ErrorKind::EgressDenied,
            ConnectorError::Unsupported(_) => ErrorKind::Unsupported,
            ConnectorError::Other(_) => ErrorKind::Other,
        }
    }
}

impl HostError {
    /// The contract error kind, when the connector answered with one.
    pub fn kind(&self) -> Option<ErrorKind> {
        self.as_connector().map(ConnectorError::kind)
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
    Load(#[from] crate::load_error::LoadError),
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
