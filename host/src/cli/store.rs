//! Which store a command reads or writes, and how it opens: `--store`, or one store per tenant
//! derived from the configuration file alone (so `sync`, `events` and `identities` given the
//! same `--config` always agree); only `sync` creates one; and the commands a hint prints name
//! the same store.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::args::Global;
use super::failure::Failure;
use super::failure::usage;
use crate::store::{self, Store, StoreError};
use crate::sync::Mapping;

/// Where the store and the mapping are.
#[derive(Debug, Args)]
pub(super) struct StoreArgs {
    /// The SQLite store (default: one per tenant, $XDG_DATA_HOME/connector-host/demo.sqlite
    /// without --config, <config file stem>-<12 hex>.sqlite with one; only `sync` creates it).
    #[arg(long, env = "CONNECTOR_HOST_STORE")]
    pub(super) store: Option<PathBuf>,
    /// The mapping (TOML); default: the embedded PeopleSpheres mapping.
    #[arg(long, env = "CONNECTOR_HOST_MAPPING")]
    pub(super) mapping: Option<PathBuf>,
}

/// Whether a command may create the store it names (only `sync` does; the others read what a
/// sync wrote, and a mistyped path must not silently give them an empty store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum StoreUse {
    Create,
    Existing,
}

/// The store a command uses: `--store`, or the one of this tenant (see [`default_store`]).
pub(super) fn store_path(global: &Global, args: &StoreArgs) -> Result<PathBuf, Failure> {
    match &args.store {
        Some(p) => Ok(p.clone()),
        None => default_store(global),
    }
}

/// One store per tenant: `demo.sqlite` for the built-in demo tenant; with a configuration
/// file, `<file stem>-<12 hex>.sqlite`, the hex a SHA-256 of what the file says about the
/// connector and the tenant: its `[connector] component` (as resolved from the file, or the
/// built-in connector) and every non-secret `[connector.settings]` key and value (all but the
/// `*_env` / `*_file` secret sources: the URL or environment, the login, …). So a production
/// and a preproduction file never share a store, and two files for the same tenant do.
/// `--component` (or `CONNECTOR_HOST_COMPONENT`) does not enter: it runs another build of the
/// connector against the same tenant and store, and every command computes the same name.
pub(super) fn default_store(global: &Global) -> Result<PathBuf, Failure> {
    use sha2::{Digest, Sha256};
    let Some(config) = &global.config else {
        let path = store::default_path("demo.sqlite");
        // The demo tenant's store had another name before (`sandbox.sqlite`): carry it over.
        let old = store::default_path("sandbox.sqlite");
        if !path.exists() && old.exists() {
            for suffix in ["", "-wal", "-shm"] {
                let from = PathBuf::from(format!("{}{suffix}", old.display()));
                if from.exists() {
                    std::fs::rename(&from, format!("{}{suffix}", path.display())).map_err(|e| {
                        anyhow::anyhow!("cannot rename {} to demo.sqlite: {e}", from.display())
                    })?;
                }
            }
        }
        return Ok(path);
    };
    let settings = crate::settings::Settings::load(config).map_err(usage)?;
    let component = settings
        .component()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "builtin:peoplespheres".into());
    let mut hasher = Sha256::new();
    hasher.update(component.as_bytes());
    for (key, value) in settings.tenant_identity() {
        hasher.update([0]);
        hasher.update(key.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
    }
    let digest: String = hasher.finalize()[..6]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let stem: String = config
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tenant".into())
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok(store::default_path(&format!("{stem}-{digest}.sqlite")))
}

/// Loads the mapping (`--mapping`, or the embedded one).
pub(super) fn mapping(args: &StoreArgs) -> Result<Mapping, Failure> {
    match &args.mapping {
        Some(p) => Mapping::load(p),
        None => Mapping::default_peoplespheres(),
    }
    .map_err(usage)
}

/// Opens the store (named on stderr) and loads the mapping. A store path that does not exist
/// is bad usage for every command but `sync`, and so is a file that is not a store.
pub(super) fn open(
    global: &Global,
    args: &StoreArgs,
    usage_of: StoreUse,
    err: &mut dyn Write,
) -> Result<(Store, Mapping), Failure> {
    let mapping = mapping(args)?;
    let path = store_path(global, args)?;
    if usage_of == StoreUse::Existing && !path.exists() {
        return Err(usage(anyhow::anyhow!(
            "no store at {}; `{}` creates it (--store names another)",
            path.display(),
            command(global, &path, "sync", &[])
        )));
    }
    if global.verbosity.notes() {
        writeln!(err, "note: store {}", path.display())?;
    }
    let store = Store::open(&path).map_err(|e| match e {
        e @ StoreError::NotADatabase { .. } => usage(e),
        e => Failure::from(e),
    })?;
    Ok((store, mapping))
}

/// A command line that reads the same store: `connector-host <command> [--config C] --store S
/// <extra>`, to print in a hint.
pub(super) fn command(global: &Global, store: &Path, command: &str, extra: &[&str]) -> String {
    let mut words = vec!["connector-host".to_string(), command.to_string()];
    words.extend(extra.iter().map(|s| quoted(s)));
    if let Some(config) = &global.config {
        words.push("--config".into());
        words.push(quoted(&config.display().to_string()));
    }
    words.push("--store".into());
    words.push(quoted(&store.display().to_string()));
    words.join(" ")
}

/// A word as a shell reads it back.
fn quoted(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:@,%".contains(c));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_store_is_the_same_whatever_component_runs() {
        let dir = std::env::temp_dir().join(format!("ch-default-store-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("tenant.toml");
        std::fs::write(
            &file,
            "[connector.settings]\nurl = \"https://rest.example.com\"\nlogin = \"a@example.com\"\n",
        )
        .expect("write");
        let events = Global {
            config: Some(file.clone()),
            ..Global::default()
        };
        let sync = Global {
            config: Some(file),
            component: Some(PathBuf::from("/opt/connectors/peoplespheres-2.wasm")),
            ..Global::default()
        };
        let (a, b) = (default_store(&events), default_store(&sync));
        let (Ok(a), Ok(b)) = (a, b) else {
            panic!("both name a store")
        };
        assert_eq!(a, b);
        assert!(
            a.display().to_string().contains("tenant-"),
            "{}",
            a.display()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_hint_names_the_configuration_and_the_store() {
        let global = Global {
            config: Some(PathBuf::from("prod tenant.toml")),
            ..Global::default()
        };
        assert_eq!(
            command(
                &global,
                Path::new("/var/lib/s.sqlite"),
                "events",
                &["--run", "3"]
            ),
            "connector-host events --run 3 --config 'prod tenant.toml' --store /var/lib/s.sqlite"
        );
    }
}
