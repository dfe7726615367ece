//! Where a connector component comes from: the PeopleSpheres connector embedded in this binary
//! at build time, or a file the operator names. Reading a file is bounded: only a regular file,
//! at most [`MAX_COMPONENT_BYTES`], so a path such as `/dev/zero` or a FIFO cannot make the host
//! read forever.

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest component file the host reads.
pub const MAX_COMPONENT_BYTES: u64 = 64 * 1024 * 1024;

/// The PeopleSpheres connector component, built by host/build.rs and embedded in the binary, so
/// the default commands work after `cargo install`, a copy to another machine or `cargo clean`.
static BUILTIN: &[u8] = include_bytes!(env!("CONNECTOR_HOST_BUILTIN_COMPONENT"));

/// A connector component's origin.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ComponentSource {
    /// The PeopleSpheres connector embedded in this binary.
    Builtin,
    /// A component file.
    File(PathBuf),
}

/// Why a component's bytes could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{0}")]
    Io(String),
    #[error("it is not a regular file")]
    NotAFile,
    #[error("it is larger than {} MiB", MAX_COMPONENT_BYTES / (1024 * 1024))]
    TooLarge,
    #[error("it could not be read within {} s", READ_TIMEOUT.as_secs())]
    TimedOut,
}

/// How long reading a component file may take (a file on a stalled network share).
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl ComponentSource {
    /// A file source.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        ComponentSource::File(path.into())
    }

    /// The file behind this source, if any (the built-in connector has none to watch).
    pub fn path(&self) -> Option<&Path> {
        match self {
            ComponentSource::Builtin => None,
            ComponentSource::File(p) => Some(p),
        }
    }

    /// The component's bytes.
    pub fn read(&self) -> Result<Cow<'static, [u8]>, ReadError> {
        match self {
            ComponentSource::Builtin => Ok(Cow::Borrowed(BUILTIN)),
            ComponentSource::File(path) => read_bounded(path).map(Cow::Owned),
        }
    }
}

impl From<PathBuf> for ComponentSource {
    fn from(path: PathBuf) -> Self {
        ComponentSource::File(path)
    }
}

impl From<&Path> for ComponentSource {
    fn from(path: &Path) -> Self {
        ComponentSource::File(path.to_path_buf())
    }
}

impl From<&PathBuf> for ComponentSource {
    fn from(path: &PathBuf) -> Self {
        ComponentSource::File(path.clone())
    }
}

impl From<&ComponentSource> for ComponentSource {
    fn from(source: &ComponentSource) -> Self {
        source.clone()
    }
}

impl fmt::Display for ComponentSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ComponentSource::Builtin => f.write_str("the built-in PeopleSpheres connector"),
            ComponentSource::File(p) => write!(f, "{}", p.display()),
        }
    }
}

impl serde::Serialize for ComponentSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ComponentSource::Builtin => s.serialize_str("(built-in)"),
            ComponentSource::File(p) => s.serialize_str(&p.to_string_lossy()),
        }
    }
}

/// Reads a regular file of at most [`MAX_COMPONENT_BYTES`]. The file is opened without
/// blocking (a FIFO with no writer would otherwise hold the thread forever) and checked on the
/// opened handle, so it cannot be swapped for something else between the check and the read.
fn read_bounded(path: &Path) -> Result<Vec<u8>, ReadError> {
    let file = open_nonblocking(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| ReadError::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    if meta.len() > MAX_COMPONENT_BYTES {
        return Err(ReadError::TooLarge);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_COMPONENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > MAX_COMPONENT_BYTES {
        return Err(ReadError::TooLarge);
    }
    Ok(bytes)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_connector_is_embedded() {
        let bytes = ComponentSource::Builtin.read().expect("embedded");
        assert_eq!(&bytes[..4], b"\0asm");
    }

    #[test]
    fn device_files_and_folders_are_refused_without_reading_them() {
        let zero = ComponentSource::file("/dev/zero").read();
        assert!(matches!(zero, Err(ReadError::NotAFile)), "{zero:?}");
        let dir = ComponentSource::file(std::env::temp_dir()).read();
        assert!(matches!(dir, Err(ReadError::NotAFile)), "{dir:?}");
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_with_no_writer_is_refused_at_once() {
        let dir = std::env::temp_dir().join(format!("ch-fifo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let fifo = dir.join("c.wasm");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let read = ComponentSource::file(&fifo).read();
        assert!(matches!(read, Err(ReadError::NotAFile)), "{read:?}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
