//! Compiled components kept on disk, so only the first start after a change compiles.
//!
//! An entry is named by the component's SHA-256 and a key of the engine's compilation settings
//! (`Engine::precompile_compatibility_hash`), and holds a header, the SHA-256 of the compiled
//! artifact, and the artifact. It is used only if the digest matches (a truncated or corrupt
//! file is never handed to wasmtime) and wasmtime accepts it (an artifact of another wasmtime
//! version is refused by wasmtime's own version check). Anything else is removed and the
//! component is compiled again: a bad cache costs time, never correctness, and is never fatal.
//!
//! The folder is `CONNECTOR_HOST_CACHE_DIR`, else `$XDG_CACHE_HOME/connector-host/components`,
//! else `~/.cache/connector-host/components`; `CONNECTOR_HOST_CACHE_DIR=off` turns it off. It
//! is created owner-only (0700, entries 0600) and holds at most [`MAX_DISK_ENTRIES`] entries.

use std::hash::{Hash, Hasher};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Entries kept; the oldest are removed past this.
pub const MAX_DISK_ENTRIES: usize = 32;

/// The largest entry read back (a compiled connector is a few MiB).
const MAX_ENTRY_BYTES: u64 = 512 * 1024 * 1024;

const MAGIC: &[u8; 8] = b"CHCWASM1";
const HEADER_LEN: usize = MAGIC.len() + 32;

/// The on-disk cache of one engine.
#[derive(Debug, Clone)]
pub struct DiskCache {
    dir: PathBuf,
    engine_key: String,
}

impl DiskCache {
    /// The cache in `dir` for `engine`'s compilation settings.
    pub fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        DiskCache {
            dir,
            engine_key: format!("{:016x}", hasher.finish()),
        }
    }

    /// The folder the environment names (`None`: caching on disk is off, or there is no home).
    pub fn default_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("CONNECTOR_HOST_CACHE_DIR") {
            if dir.is_empty() || dir == "off" {
                return None;
            }
            return Some(PathBuf::from(dir));
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(base.join("connector-host").join("components"))
    }

    /// Where the entry for a component with this content hash lives.
    pub fn entry_path(&self, component_hash: &[u8; 32]) -> PathBuf {
        let hex: String = component_hash.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}-{}.cwasm", self.engine_key))
    }

    /// The compiled component, if a sound entry exists; a bad entry is removed.
    pub fn load(&self, engine: &Engine, component_hash: &[u8; 32]) -> Option<Component> {
        let path = self.entry_path(component_hash);
        let bytes = read_entry(&path)?;
        let artifact = match verified(&bytes) {
            Some(a) => a,
            None => {
                let _ = std::fs::remove_file(&path);
                return None;
            }
        };
        match deserialize(engine, artifact) {
            Ok(component) => Some(component),
            Err(_) => {
                let _ = std::fs::remove_file(&path);
                None
            }
        }
    }

    /// Writes the entry (atomically: a reader sees the old entry, the new one or none). A
    /// cache that cannot be written is skipped silently; the next start compiles again.
    pub fn store(&self, component_hash: &[u8; 32], component: &Component) {
        let Ok(artifact) = component.serialize() else {
            return;
        };
        if create_private_dir(&self.dir).is_err() {
            return;
        }
        let path = self.entry_path(component_hash);
        let temp = path.with_extension(format!("tmp{}", std::process::id()));
        let digest = Sha256::digest(&artifact);
        let written = write_private(&temp, &[MAGIC, digest.as_slice(), &artifact]);
        if written.is_err() || std::fs::rename(&temp, &path).is_err() {
            let _ = std::fs::remove_file(&temp);
            return;
        }
        self.prune();
    }

    /// Removes the oldest entries past [`MAX_DISK_ENTRIES`].
    fn prune(&self) {
        // Compiled components, and the settings keys remembered beside them (`key_cache`).
        for suffix in [".cwasm", ".keys.json"] {
            keep_newest(&self.dir, suffix, MAX_DISK_ENTRIES);
        }
    }
}

/// Removes the oldest files of `dir` whose names end in `suffix`, past `max` of them.
fn keep_newest(dir: &std::path::Path, suffix: &str, max: usize) {
    let Ok(read) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<(std::time::SystemTime, PathBuf)> = read
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(suffix))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if entries.len() <= max {
        return;
    }
    entries.sort();
    let excess = entries.len() - max;
    for (_, path) in entries.into_iter().take(excess) {
        let _ = std::fs::remove_file(path);
    }
}

/// The artifact, if the header and digest hold.
fn verified(bytes: &[u8]) -> Option<&[u8]> {
    if bytes.len() <= HEADER_LEN || &bytes[..MAGIC.len()] != MAGIC {
        return None;
    }
    let (digest, artifact) = bytes[MAGIC.len()..].split_at(32);
    (Sha256::digest(artifact).as_slice() == digest).then_some(artifact)
}

#[allow(unsafe_code)]
fn deserialize(engine: &Engine, artifact: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `Component::deserialize` requires bytes produced by `Component::serialize` (they
    // are native code). These were: they come from an entry this module wrote into an
    // owner-only folder, and their SHA-256 matches the digest written with them, so they are
    // not truncated or corrupted; wasmtime itself refuses an artifact of another wasmtime
    // version or of incompatible engine settings.
    unsafe { Component::deserialize(engine, artifact) }
}

fn read_entry(path: &Path) -> Option<Vec<u8>> {
    let file = std::fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_ENTRY_BYTES {
        return None;
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_ENTRY_BYTES).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn write_private(path: &Path, parts: &[&[u8]]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    for part in parts {
        file.write_all(part)?;
    }
    file.sync_all()
}

#[cfg(test)]
mod tests;
