//! Why a run could not proceed, and the status such a run is closed with.

use super::mapping::MappingError;
use crate::error::HostError;
use crate::store::{RunStatus, StoreError};

/// A run that could not proceed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mapping(#[from] MappingError),
    #[error("the connector failed during `{operation}`")]
    Connector {
        operation: &'static str,
        #[source]
        source: HostError,
    },
    #[error("policy: {0}")]
    Policy(String),
    /// The listing guard stopped a listing that would not end (or passed its ceiling): the
    /// run fails, with nothing past the stop stored.
    #[error("list-users: {0}")]
    Listing(#[from] crate::paging::ListingError),
    /// An application target could not proceed (the source's part of the run is stored).
    #[error("target `{name}`: {source}")]
    Target {
        name: String,
        source: Box<SyncError>,
    },
}

impl SyncError {
    /// A run cut short by something outside it that passes (the rate-limit wait budget was
    /// spent): it ends as `interrupted`, and the next run carries on from the stored state.
    pub fn is_interruption(&self) -> bool {
        matches!(
            self.root(),
            SyncError::Connector {
                source: HostError::RateLimitBudget { .. },
                ..
            }
        )
    }

    /// The error itself, out of the target it happened in.
    pub fn root(&self) -> &SyncError {
        match self {
            SyncError::Target { source, .. } => source.root(),
            other => other,
        }
    }

    /// Bad usage or configuration (a mapping, a policy): the run did not start its work.
    pub fn is_usage(&self) -> bool {
        matches!(self.root(), SyncError::Mapping(_) | SyncError::Policy(_))
    }

    /// The status a run that ended with this error is closed with.
    pub(super) fn run_status(&self) -> RunStatus {
        if self.is_interruption() {
            RunStatus::Interrupted
        } else {
            RunStatus::Failed
        }
    }
}

/// A listing that failed: the connector's error, or the listing guard's stop.
pub(super) fn listing_error(e: crate::paging::PagingError) -> SyncError {
    match e {
        crate::paging::PagingError::Connector(source) => SyncError::Connector {
            operation: "list-users",
            source,
        },
        crate::paging::PagingError::Listing(e) => SyncError::Listing(e),
    }
}

/// An error and its causes on one line (`the connector failed during `list-users`: …`).
pub fn in_words(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cause = c.source();
    }
    parts.join(": ")
}
