//! What the CLI prints on stderr besides its errors: log levels (`-q` errors only, the default
//! warnings, `-v` info, `-vv` debug, `-vvv` trace; `RUST_LOG` chooses instead when set) through
//! `tracing`, with the connector's own log lines under the target `connector`. Colour only on a
//! terminal, and never with `NO_COLOR` set.

use std::io::IsTerminal;
use std::sync::Arc;

use tracing_subscriber::EnvFilter;

use crate::sandbox::{LogLevel, LogSink};

/// How much the CLI says on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub(crate) enum Verbosity {
    /// Errors only: no notes, warnings or progress bar.
    Quiet,
    /// Notes, warnings and the progress bar.
    #[default]
    Normal,
    /// Also info lines (the connector's and the host's).
    Verbose,
    /// Also debug lines.
    Debug,
    /// Everything.
    Trace,
}

impl Verbosity {
    pub fn from_flags(quiet: bool, verbose: u8) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, 0) => Verbosity::Normal,
            (false, 1) => Verbosity::Verbose,
            (false, 2) => Verbosity::Debug,
            (false, _) => Verbosity::Trace,
        }
    }

    /// Whether notes ("using the built-in demo tenant", hints) and progress bars are shown.
    pub fn notes(self) -> bool {
        self >= Verbosity::Normal
    }

    /// The host's and the connector's lines at this level; the libraries' (wasmtime, hyper)
    /// only when they are errors, since their warnings are Rust debug text that the host
    /// already reports in words (up to `-vv`, where they are wanted).
    fn directive(self) -> &'static str {
        match self {
            Verbosity::Quiet => "error",
            Verbosity::Normal => "error,connector_host=warn,connector=warn",
            Verbosity::Verbose => "error,connector_host=info,connector=info",
            Verbosity::Debug => "warn,connector_host=debug,connector=debug",
            Verbosity::Trace => "trace",
        }
    }
}

/// Whether stderr gets colour: a terminal, and `NO_COLOR` unset or empty (no-color.org).
pub(crate) fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Installs the stderr logger for this process (the first call wins; later ones, as in tests
/// that run several commands in one process, keep it).
pub(crate) fn init(verbosity: Verbosity) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| EnvFilter::try_new(s).ok())
        .unwrap_or_else(|| EnvFilter::new(verbosity.directive()));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(colour())
        .without_time()
        .try_init();
}

/// The connector's log lines, as `tracing` events of the target `connector`.
pub(crate) fn connector_log_sink() -> LogSink {
    Arc::new(|level: LogLevel, line: &str| match level {
        LogLevel::Error => tracing::error!(target: "connector", "{line}"),
        LogLevel::Warn => tracing::warn!(target: "connector", "{line}"),
        LogLevel::Info => tracing::info!(target: "connector", "{line}"),
        LogLevel::Debug => tracing::debug!(target: "connector", "{line}"),
        LogLevel::Trace => tracing::trace!(target: "connector", "{line}"),
    })
}

#[cfg(test)]
mod tests {
    use super::Verbosity;

    #[test]
    fn flags_map_to_levels() {
        assert_eq!(Verbosity::from_flags(false, 0), Verbosity::Normal);
        assert_eq!(Verbosity::from_flags(true, 0), Verbosity::Quiet);
        assert_eq!(Verbosity::from_flags(false, 2), Verbosity::Debug);
        assert_eq!(Verbosity::from_flags(false, 7), Verbosity::Trace);
        assert!(!Verbosity::Quiet.notes());
        assert!(Verbosity::Verbose.notes());
    }
}
