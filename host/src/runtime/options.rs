//! How a connector component runs its instances: the operator's allow list and the log sink.

use std::sync::Arc;

use crate::sandbox::{LogSink, OutboundPolicy, Traffic};

/// How a [`WasmConnector`] runs its instances.
#[derive(Clone)]
pub struct RuntimeOptions {
    /// The operator's own allow list; when set, a connector may only reach hosts on both its
    /// declared list and this one.
    pub operator_allow: Option<OutboundPolicy>,
    /// Where connector log lines go.
    pub log: LogSink,
    /// Outbound traffic recorded to a file, or answered from one (`--record`, `--replay`).
    pub traffic: Option<Arc<Traffic>>,
    /// Configuration keys sealed (the guest gets a placeholder) and masked as secrets whatever
    /// the component declares: a swap candidate gets the serving version's secret keys, so one
    /// that stops declaring `password` secret still never holds the real password.
    pub secret_keys: Vec<String>,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            operator_allow: None,
            log: crate::sandbox::null_log_sink(),
            traffic: None,
            secret_keys: Vec::new(),
        }
    }
}

impl std::fmt::Debug for RuntimeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeOptions")
            .field("operator_allow", &self.operator_allow)
            .field("secret_keys", &self.secret_keys)
            .finish_non_exhaustive()
    }
}
