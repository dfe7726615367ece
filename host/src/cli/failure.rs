//! How a command fails: an error and its exit code.

/// Exit code of a failed command.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code of bad usage or a bad configuration.
pub const EXIT_USAGE: i32 = 2;

/// An error with its exit code.
pub(crate) struct Failure {
    pub error: anyhow::Error,
    pub code: i32,
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure {
            error: e.into(),
            code: EXIT_FAILURE,
        }
    }
}

/// A failure caused by bad usage or configuration (exit code 2).
pub(super) fn usage(e: impl Into<anyhow::Error>) -> Failure {
    Failure {
        error: e.into(),
        code: EXIT_USAGE,
    }
}
