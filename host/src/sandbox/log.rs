//! Where a connector's log lines go, and at which level.

use std::sync::Arc;

/// Log lines a connector emits through the `host` import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Where connector log lines go. Secrets named by the configuration are masked first.
pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// A sink that drops everything.
pub fn null_log_sink() -> LogSink {
    Arc::new(|_, _| {})
}
