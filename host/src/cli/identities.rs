//! `connector-host identities`: platform-side changes to identities (set attributes, create
//! people, import a file of changes, show one), kept in the store for the next sync to write
//! back.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::args::Global;
use super::failure::Failure;
use super::failure::usage;
use super::store::{StoreArgs, StoreUse, command, open};
use crate::attrs;
use crate::store::identities;
use crate::sync::platform::{self, PlatformError};

/// Platform-side identity changes.
#[derive(Debug, Subcommand)]
pub(super) enum IdentitiesCommand {
    /// Change attributes of an identity on the platform (`name=` clears); platform-owned ones
    /// are written back to the source by the next sync.
    Set {
        /// The platform identity id (see `events`).
        id: i64,
        /// `name=value` pairs, with platform attribute names (see the mapping).
        attributes: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Create an identity on the platform; the next sync creates it in the source system.
    Create {
        /// `name=value` pairs (the mapping's `match_on` attribute is required).
        attributes: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Apply a JSON file: an array of objects; one with an `id` changes that identity, one
    /// without creates an identity.
    Import {
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Show an identity as stored.
    Show {
        id: i64,
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `connector-host identities …`.
pub(super) fn run(
    global: &Global,
    cmd: IdentitiesCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match cmd {
        IdentitiesCommand::Set {
            id,
            attributes,
            store,
        } => {
            let (mut store, mapping) = open(global, &store, StoreUse::Existing, err)?;
            let raw = attrs::from_pairs(&attributes).map_err(usage)?;
            let (target, mapping) =
                platform::catalogue(&store, mapping).map_err(|e| failure(global, e))?;
            let change = platform::prepare(&store, &target, &mapping, Some(id), &raw)
                .map_err(|e| failure(global, e))?;
            store
                .transaction(|c| platform::write(c, &change))
                .map_err(anyhow::Error::from)?;
            if global.json {
                let doc = serde_json::json!({"id": id, "attributes_set": raw.len()});
                writeln!(out, "{doc}")?;
            } else {
                writeln!(
                    out,
                    "identity #{id}: {} attribute(s) set on the platform; the next sync writes platform-owned ones back",
                    raw.len()
                )?;
            }
        }
        IdentitiesCommand::Create { attributes, store } => {
            let (mut store, mapping) = open(global, &store, StoreUse::Existing, err)?;
            let raw = attrs::from_pairs(&attributes).map_err(usage)?;
            let (target, mapping) =
                platform::catalogue(&store, mapping).map_err(|e| failure(global, e))?;
            let change = platform::prepare(&store, &target, &mapping, None, &raw)
                .map_err(|e| failure(global, e))?;
            let id = store
                .transaction(|c| platform::write(c, &change))
                .map_err(anyhow::Error::from)?;
            if global.json {
                writeln!(out, "{}", serde_json::json!({"id": id, "created": true}))?;
            } else {
                writeln!(
                    out,
                    "identity #{id} created on the platform; the next sync creates its account"
                )?;
            }
        }
        IdentitiesCommand::Import { file, store } => {
            let (mut store, mapping) = open(global, &store, StoreUse::Existing, err)?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| usage(anyhow::anyhow!("cannot read {}: {e}", file.display())))?;
            let items: Vec<serde_json::Map<String, serde_json::Value>> =
                serde_json::from_str(&text).map_err(|e| {
                    usage(anyhow::anyhow!(
                        "{}: not a JSON array of objects: {e}",
                        file.display()
                    ))
                })?;
            let (target, mapping) =
                platform::catalogue(&store, mapping).map_err(|e| failure(global, e))?;
            // Every item is checked before any is written: a bad file changes nothing.
            let mut changes = Vec::with_capacity(items.len());
            let mut keys = std::collections::HashSet::new();
            for (i, mut item) in items.into_iter().enumerate() {
                let place = |e: anyhow::Error| {
                    usage(anyhow::anyhow!("{} item {}: {e}", file.display(), i + 1))
                };
                let id = match item.remove("id") {
                    None | Some(serde_json::Value::Null) => None,
                    Some(v) => Some(
                        v.as_i64()
                            .ok_or_else(|| place(anyhow::anyhow!("`id` must be a number")))?,
                    ),
                };
                let raw = attrs::from_json_object(item).map_err(|e| place(e.into()))?;
                let change = platform::prepare(&store, &target, &mapping, id, &raw)
                    .map_err(|f| place(failure(global, f).error))?;
                if let Some(key) = platform::match_key(&mapping, &change)
                    && !keys.insert(key.clone())
                {
                    return Err(place(anyhow::anyhow!(
                        "{} {key} appears twice in the file",
                        mapping.match_on.as_deref().unwrap_or_default()
                    )));
                }
                changes.push(change);
            }
            store
                .transaction(|c| {
                    changes
                        .iter()
                        .try_for_each(|ch| platform::write(c, ch).map(drop))
                })
                .map_err(anyhow::Error::from)?;
            let set = changes.iter().filter(|c| c.id.is_some()).count();
            if global.json {
                let doc = serde_json::json!({"changed": set, "created": changes.len() - set});
                writeln!(out, "{doc}")?;
                return Ok(());
            }
            let plural =
                |n: usize| format!("{n} {}", if n == 1 { "identity" } else { "identities" });
            writeln!(
                out,
                "{} changed, {} created on the platform; the next sync writes them back",
                plural(set),
                plural(changes.len() - set)
            )?;
        }
        IdentitiesCommand::Show { id, store } => {
            let (store, _) = open(global, &store, StoreUse::Existing, err)?;
            let identity = identities::by_id(store.conn(), id)
                .map_err(|e| e.at(store.path()))?
                .ok_or_else(|| usage(anyhow::anyhow!("no identity #{id} in {}", store.path())))?;
            let attrs: serde_json::Map<String, serde_json::Value> = identity
                .attrs
                .iter()
                .map(|(k, a)| (k.clone(), serde_json::json!({"value": crate::sync::detect::show(&a.value), "pending_write_back": a.pending})))
                .collect();
            let accounts =
                identities::accounts_of(store.conn(), id).map_err(|e| e.at(store.path()))?;
            if !global.json {
                let or_dash = |v: Option<&str>| v.unwrap_or("-").to_string();
                writeln!(out, "identity      #{}", identity.id)?;
                writeln!(out, "name          {}", identity.display_name)?;
                writeln!(out, "origin        {}", identity.origin)?;
                writeln!(
                    out,
                    "source id     {}",
                    or_dash(identity.source_id.as_deref())
                )?;
                writeln!(
                    out,
                    "active        {}",
                    if identity.active { "yes" } else { "no" }
                )?;
                writeln!(
                    out,
                    "contract end  {}",
                    or_dash(identity.contract_end.as_deref())
                )?;
                writeln!(out, "attributes:")?;
                for (name, a) in &identity.attrs {
                    let pending = if a.pending {
                        "  (pending write-back)"
                    } else {
                        ""
                    };
                    writeln!(
                        out,
                        "  {name:<24} {}{pending}",
                        crate::sync::detect::show(&a.value)
                    )?;
                }
                if !accounts.is_empty() {
                    writeln!(out, "accounts:")?;
                    for (system, remote, status) in &accounts {
                        writeln!(out, "  {system:<24} {remote}  ({status})")?;
                    }
                }
                return Ok(());
            }
            let accounts: Vec<serde_json::Value> = accounts
                .iter()
                .map(|(system, remote, status)| serde_json::json!({"system": system, "remote_id": remote, "status": status}))
                .collect();
            let doc = serde_json::json!({"id": identity.id, "source_id": identity.source_id, "origin": identity.origin, "display_name": identity.display_name, "active": identity.active, "contract_end": identity.contract_end, "attributes": attrs, "accounts": accounts});
            writeln!(out, "{}", serde_json::to_string_pretty(&doc)?)?;
        }
    }
    Ok(())
}

/// A refused change is bad usage (exit 2), and so is a store never synced (with the command
/// that syncs it); anything else is a failure of the work (exit 1).
fn failure(global: &Global, e: PlatformError) -> Failure {
    match e {
        PlatformError::Refused(m) => usage(anyhow::anyhow!(m)),
        PlatformError::NeverSynced { store } => usage(anyhow::anyhow!(
            "store {store} has never been synced; run `{}` first",
            command(global, std::path::Path::new(&store), "sync", &[])
        )),
        other => Failure::from(other),
    }
}
