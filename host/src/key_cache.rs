//! The configuration keys each component declares (its `describe`), remembered on disk next to
//! the compiled components and named by the component's SHA-256, so a mistyped
//! `[connector.settings]` key is reported before the component is compiled or instantiated
//! from the second start on. The first start with a component has nothing remembered: its keys
//! are checked right after it is loaded (still before any store or session).
//!
//! An entry is a JSON list of key names (nothing secret), in the compile cache's owner-only
//! folder ([`crate::compile_cache::DiskCache::default_dir`]; none when the cache is off). An entry
//! that cannot be read is ignored, never fatal: the check then waits for the load.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::model::Description;
use crate::source::ComponentSource;

/// Where the keys of the component with this SHA-256 are remembered, if caching is on.
fn entry(hash: &[u8]) -> Option<PathBuf> {
    let dir = crate::compile_cache::DiskCache::default_dir()?;
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    Some(dir.join(format!("{hex}.keys.json")))
}

/// The key names remembered for this component, if any.
pub fn remembered(source: &ComponentSource) -> Option<Vec<String>> {
    // The same bounded, timed read the loader makes: a stalled file fails here as it would there.
    let bytes = source.read_timed().ok()?;
    let text = std::fs::read_to_string(entry(&Sha256::digest(&bytes))?).ok()?;
    serde_json::from_str(&text).ok()
}

/// Remembers the keys a loaded component declares (best effort; only where the compile cache
/// already keeps its folder).
pub fn remember(component: &crate::loader::LoadedComponent, description: &Description) {
    let Some(path) = entry(&component.hash) else {
        return;
    };
    if !path.parent().is_some_and(std::path::Path::is_dir) {
        return;
    }
    let names: Vec<&str> = description.config.iter().map(|c| c.name.as_str()).collect();
    let Ok(text) = serde_json::to_string(&names) else {
        return;
    };
    let temp = path.with_extension(format!("tmp{}", std::process::id()));
    if std::fs::write(&temp, text).is_err() || std::fs::rename(&temp, &path).is_err() {
        let _ = std::fs::remove_file(&temp);
    }
}
