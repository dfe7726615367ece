//! The contract this host serves: its version (read from the WIT package line at build time),
//! the name of the interface a connector exports, and which versions are compatible.

/// The exported interface's name, without version.
pub const CONNECTOR_INTERFACE: &str = "provisioning:connector/connector";

/// The contract version this host serves.
pub const CONTRACT_VERSION: &str = env!("PROVISIONING_CONTRACT_VERSION");

use semver::{Comparator, Op, Prerelease, Version};

/// Semver compatibility as the component model resolves it: same major, and for 0.x the same
/// minor; an older or newer patch is fine. Pre-releases match nothing.
pub fn compatible(expected: &str, found: &str) -> bool {
    let (Ok(expected), Ok(found)) = (Version::parse(expected), Version::parse(found)) else {
        return false;
    };
    Comparator {
        op: Op::Caret,
        major: expected.major,
        minor: (expected.major == 0).then_some(expected.minor),
        patch: None,
        pre: Prerelease::EMPTY,
    }
    .matches(&found)
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
        assert!(compatible("0.1.3", "0.1.0"));
        assert!(!compatible("0.1.0", "0.1.1-rc.1"));
        assert!(!compatible("0.1.0", "0.1"));
    }
}
