//! What a connector may import: the world `http-connector` of `wit/worlds.wit`, enforced when a
//! component is loaded. A component importing anything else (a filesystem, sockets, an
//! interface this host does not know, a newer WASI than it implements) is refused before it is
//! instantiated, with the import named. `tests/tests/world.rs` checks this list against the WIT.

use crate::contract::CONTRACT_VERSION;

/// The WASI release this host implements and the world names (`wit/deps`).
pub const WASI_VERSION: &str = "0.2.12";

/// The contract's own interfaces a connector imports.
pub const CONTRACT_IMPORTS: &[&str] = &[
    "provisioning:connector/host",
    "provisioning:connector/types",
];

/// The WASI interfaces a connector may import, without versions: the world's own imports and
/// the `wasi:io` interfaces they use.
pub const WASI_IMPORTS: &[&str] = &[
    "wasi:http/outgoing-handler",
    "wasi:http/types",
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:random/random",
    "wasi:random/insecure-seed",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/stdin",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
];

/// Why one import is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportRefused {
    #[error(
        "it imports {import}, which the connector world does not allow (a connector may import \
         the contract's host interface, wasi:http/outgoing-handler, wasi:clocks, wasi:random and \
         the wasi:cli environment, exit, stdio and terminal interfaces; no filesystem, no sockets)"
    )]
    NotInWorld { import: String },
    #[error(
        "it imports {import}, a newer release than the {implemented} this host implements; \
         upgrade the host or rebuild the connector against wasi {implemented}"
    )]
    TooNew { import: String, implemented: String },
    #[error(
        "it imports {import}, which no release of this host's contract ({CONTRACT_VERSION}) \
         serves"
    )]
    Contract { import: String },
}

/// Checks every import name of a component against the world.
pub fn check_imports<'a>(imports: impl IntoIterator<Item = &'a str>) -> Result<(), ImportRefused> {
    imports.into_iter().try_for_each(check_import)
}

fn check_import(import: &str) -> Result<(), ImportRefused> {
    let (interface, version) = match import.split_once('@') {
        Some((i, v)) => (i, Some(v)),
        None => (import, None),
    };
    let refuse = || ImportRefused::NotInWorld {
        import: import.to_string(),
    };
    if CONTRACT_IMPORTS.contains(&interface) {
        return match version {
            Some(v) if crate::contract::compatible(CONTRACT_VERSION, v) => Ok(()),
            _ => Err(ImportRefused::Contract {
                import: import.to_string(),
            }),
        };
    }
    if !WASI_IMPORTS.contains(&interface) {
        return Err(refuse());
    }
    let version = version.ok_or_else(refuse)?;
    let (Some(found), Some(implemented)) = (release(version), release(WASI_VERSION)) else {
        return Err(refuse());
    };
    if found.major != implemented.major || found.minor != implemented.minor {
        return Err(refuse());
    }
    if found > implemented {
        return Err(ImportRefused::TooNew {
            import: import.to_string(),
            implemented: WASI_VERSION.to_string(),
        });
    }
    Ok(())
}

/// A release version (`major.minor.patch`, no pre-release or build tag).
fn release(v: &str) -> Option<semver::Version> {
    semver::Version::parse(v)
        .ok()
        .filter(|v| v.pre.is_empty() && v.build.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_world_and_older_releases_of_it_pass() {
        assert_eq!(
            check_imports([
                "wasi:cli/environment@0.2.12",
                "wasi:io/poll@0.2.0",
                "wasi:http/outgoing-handler@0.2.4",
                &format!("provisioning:connector/host@{CONTRACT_VERSION}"),
            ]),
            Ok(())
        );
    }

    #[test]
    fn everything_else_is_refused_by_name() {
        for import in [
            "wasi:filesystem/preopens@0.2.12",
            "wasi:sockets/tcp@0.2.12",
            "wasi:cli/environment",
            "wasi:cli/environment@0.3.0",
            "wasi:cli/environment@0.2.12-rc1",
            "wasi:http/incoming-handler@0.2.12",
            "evil:backdoor/open@1.0.0",
        ] {
            let e = check_imports([import]).unwrap_err();
            assert_eq!(
                e,
                ImportRefused::NotInWorld {
                    import: import.into()
                }
            );
            assert!(e.to_string().contains(import), "{e}");
        }
        assert!(matches!(
            check_imports(["wasi:io/poll@0.2.13"]),
            Err(ImportRefused::TooNew { .. })
        ));
        // The next breaking release of the contract (0.x: the minor; from 1.0: the major).
        let (major, minor) = {
            let mut parts = CONTRACT_VERSION
                .split('.')
                .map(|p| p.parse::<u64>().unwrap());
            (parts.next().unwrap(), parts.next().unwrap())
        };
        let breaking = if major == 0 {
            format!("0.{}.0", minor + 1)
        } else {
            format!("{}.0.0", major + 1)
        };
        let import = format!("provisioning:connector/host@{breaking}");
        assert!(matches!(
            check_imports([import.as_str()]),
            Err(ImportRefused::Contract { .. })
        ));
    }
}
