//! The contract this host serves: its version (read from the WIT package line at build time),
//! the name of the interface a connector exports, and which versions are compatible.

/// The exported interface's name, without version.
pub const CONNECTOR_INTERFACE: &str = "provisioning:connector/connector";

/// The contract version this host serves.
pub const CONTRACT_VERSION: &str = env!("PROVISIONING_CONTRACT_VERSION");

/// Semver compatibility as the component model resolves it: same major, and for 0.x the same
/// minor; a newer patch is fine either way.
pub fn compatible(expected: &str, found: &str) -> bool {
    let parse = |v: &str| -> Option<(u64, u64)> {
        let mut parts = v.split('.');
        Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
    };
    match (parse(expected), parse(found)) {
        (Some((0, a)), Some((0, b))) => a == b,
        (Some((a, _)), Some((b, _))) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn semver_rules() {
        assert!(compatible("0.1.0", "0.1.0"));
        assert!(compatible("0.1.0", "0.1.3"));
        assert!(!compatible("0.1.0", "0.2.0"));
        assert!(compatible("1.0.0", "1.4.0"));
        assert!(!compatible("1.0.0", "2.0.0"));
        assert!(!compatible("0.1.0", "garbage"));
    }
}
