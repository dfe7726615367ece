//! Why a configuration file cannot be used, naming the file and the key.

use std::path::PathBuf;

/// A configuration problem, naming the file and the key.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read configuration file {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("configuration file {path} is not valid: {reason}")]
    Parse { path: PathBuf, reason: String },
    #[error(
        "configuration file {path}: `{key}` is a secret; give `{key}_env` (an environment variable) or `{key}_file` instead of the value"
    )]
    InlineSecret { path: PathBuf, key: String },
    #[error(
        "configuration file {path}: `{key}_env` names the environment variable {var}, which is not set"
    )]
    MissingEnv {
        path: PathBuf,
        key: String,
        var: String,
    },
    #[error("configuration file {path}: cannot read `{key}_file` {file}: {reason}")]
    SecretFile {
        path: PathBuf,
        key: String,
        file: PathBuf,
        reason: String,
    },
    #[error("configuration file {path}: {reason}")]
    Target { path: PathBuf, reason: String },
    #[error("configuration file {path}: `{key}` must be a string, number or boolean")]
    BadValue { path: PathBuf, key: String },
    #[error(
        "configuration file {path}: {section} has no key `{key}`{hint}; the connector's keys are {known}"
    )]
    UnknownKey {
        path: PathBuf,
        /// `[connector.settings]`, or the `[[target]]` it is in.
        section: String,
        key: String,
        /// "; did you mean `password`?" when one is close.
        hint: String,
        known: String,
    },
}
