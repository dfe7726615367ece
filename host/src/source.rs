//! Where a connector component comes from: the PeopleSpheres connector embedded in this binary
//! at build time, or a file the operator names. Reading a file is bounded: only a regular file,
//! at most [`MAX_COMPONENT_BYTES`], so a path such as `/dev/zero` or a FIFO cannot make the host
//! read forever; and every read of a file is bounded in time ([`READ_TIMEOUT`]).

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The largest component file the host reads.
pub const MAX_COMPONENT_BYTES: u64 = 64 * 1024 * 1024;

/// The connector components built by host/build.rs and embedded in the binary, so the default
/// commands work after `cargo install`, a copy to another machine or `cargo clean`.
static PEOPLESPHERES: &[u8] = include_bytes!(env!("CONNECTOR_HOST_BUILTIN_COMPONENT"));
static SCIM: &[u8] = include_bytes!(env!("CONNECTOR_HOST_BUILTIN_SCIM"));

/// A connector embedded in this binary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinConnector {
    /// The PeopleSpheres connector (the HR source the host defaults to).
    PeopleSpheres,
    /// The SCIM 2.0 connector (an application target).
    Scim,
}

impl BuiltinConnector {
    pub const ALL: &'static [BuiltinConnector] =
        &[BuiltinConnector::PeopleSpheres, BuiltinConnector::Scim];

    /// The name that picks it where a component path is expected (`--component scim`).
    pub fn name(self) -> &'static str {
        match self {
            BuiltinConnector::PeopleSpheres => "peoplespheres",
            BuiltinConnector::Scim => "scim",
        }
    }

    /// The built-in connector called `name`, if one is.
    pub fn named(name: &str) -> Option<BuiltinConnector> {
        Self::ALL.iter().copied().find(|b| b.name() == name)
    }

    fn bytes(self) -> &'static [u8] {
        match self {
            BuiltinConnector::PeopleSpheres => PEOPLESPHERES,
            BuiltinConnector::Scim => SCIM,
        }
    }
}

/// A connector component's origin.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ComponentSource {
    /// A connector embedded in this binary.
    Builtin(BuiltinConnector),
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
    #[error("it could not be read within {0:?}")]
    TimedOut(std::time::Duration),
}

/// How long reading a component file may take (a file on a stalled network share).
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

impl ComponentSource {
    /// A file source.
    pub fn file(path: impl Into<PathBuf>) -> Self {
        ComponentSource::File(path.into())
    }

    /// The PeopleSpheres connector embedded in this binary (the default).
    pub const PEOPLESPHERES: ComponentSource =
        ComponentSource::Builtin(BuiltinConnector::PeopleSpheres);

    /// What `--component VALUE` names: a built-in connector by its name (`peoplespheres`,
    /// `scim`), else a file.
    pub fn named(value: &Path) -> Self {
        match value.to_str().and_then(BuiltinConnector::named) {
            Some(b) => ComponentSource::Builtin(b),
            None => ComponentSource::File(value.to_path_buf()),
        }
    }

    /// Whether this is a connector embedded in the binary.
    pub fn is_builtin(&self) -> bool {
        matches!(self, ComponentSource::Builtin(_))
    }

    /// The file behind this source, if any (the built-in connector has none to watch).
    pub fn path(&self) -> Option<&Path> {
        match self {
            ComponentSource::Builtin(_) => None,
            ComponentSource::File(p) => Some(p),
        }
    }

    /// The component's bytes, read within [`READ_TIMEOUT`]: every reader of a component file
    /// (the loader, a swap, the watcher's hash) goes through this.
    pub fn read_timed(&self) -> Result<Cow<'static, [u8]>, ReadError> {
        self.read_within(READ_TIMEOUT)
    }

    /// [`ComponentSource::read_timed`] with another bound.
    pub fn read_within(
        &self,
        timeout: std::time::Duration,
    ) -> Result<Cow<'static, [u8]>, ReadError> {
        match self {
            ComponentSource::Builtin(b) => Ok(Cow::Borrowed(b.bytes())),
            ComponentSource::File(path) => {
                let path = path.clone();
                within(timeout, move || read_bounded(&path)).map(Cow::Owned)
            }
        }
    }

    /// The component's bytes, with no time bound (prefer [`ComponentSource::read_timed`]).
    pub fn read(&self) -> Result<Cow<'static, [u8]>, ReadError> {
        match self {
            ComponentSource::Builtin(b) => Ok(Cow::Borrowed(b.bytes())),
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
            ComponentSource::Builtin(BuiltinConnector::PeopleSpheres) => {
                f.write_str("the built-in PeopleSpheres connector")
            }
            ComponentSource::Builtin(BuiltinConnector::Scim) => {
                f.write_str("the built-in SCIM connector")
            }
            ComponentSource::File(p) => write!(f, "{}", p.display()),
        }
    }
}

impl serde::Serialize for ComponentSource {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ComponentSource::Builtin(BuiltinConnector::PeopleSpheres) => {
                s.serialize_str("(built-in)")
            }
            ComponentSource::Builtin(b) => s.serialize_str(&format!("(built-in {})", b.name())),
            ComponentSource::File(p) => s.serialize_str(&p.to_string_lossy()),
        }
    }
}

/// Runs `read` on a thread of its own and waits at most `timeout` for it: a read stalled in
/// the kernel (a hung network share) fails typed instead of holding its caller; the stalled
/// thread is left to finish on its own.
fn within<T: Send + 'static>(
    timeout: std::time::Duration,
    read: impl FnOnce() -> Result<T, ReadError> + Send + 'static,
) -> Result<T, ReadError> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("component-read".into())
        .spawn(move || {
            let _ = tx.send(read());
        })
        .map_err(|e| ReadError::Io(e.to_string()))?;
    rx.recv_timeout(timeout)
        .unwrap_or(Err(ReadError::TimedOut(timeout)))
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
    fn the_builtin_connectors_are_embedded_and_named() {
        for b in BuiltinConnector::ALL {
            let bytes = ComponentSource::Builtin(*b).read().expect("embedded");
            assert_eq!(&bytes[..4], b"\0asm");
            assert_eq!(
                ComponentSource::named(Path::new(b.name())),
                ComponentSource::Builtin(*b)
            );
        }
        assert_eq!(
            ComponentSource::named(Path::new("./scim")),
            ComponentSource::file("./scim")
        );
    }

    #[test]
    fn device_files_and_folders_are_refused_without_reading_them() {
        let zero = ComponentSource::file("/dev/zero").read();
        assert!(matches!(zero, Err(ReadError::NotAFile)), "{zero:?}");
        let dir = ComponentSource::file(std::env::temp_dir()).read();
        assert!(matches!(dir, Err(ReadError::NotAFile)), "{dir:?}");
    }

    #[test]
    fn a_read_that_stalls_fails_at_its_timeout() {
        let started = std::time::Instant::now();
        let t = std::time::Duration::from_millis(20);
        let stalled = within(t, || {
            std::thread::sleep(std::time::Duration::from_millis(500));
            Ok(())
        });
        assert!(
            matches!(stalled, Err(ReadError::TimedOut(d)) if d == t),
            "{stalled:?}"
        );
        assert!(started.elapsed() < std::time::Duration::from_millis(400));
        let quick = within(t, || Ok(7));
        assert!(matches!(quick, Ok(7)));
        // A file goes through the same bound.
        let file = std::env::temp_dir().join(format!("ch-timed-{}", std::process::id()));
        std::fs::write(&file, b"\0asm").expect("write");
        let read = ComponentSource::file(&file).read_within(std::time::Duration::from_secs(5));
        assert_eq!(read.expect("read").as_ref(), b"\0asm");
        let _ = std::fs::remove_file(&file);
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
