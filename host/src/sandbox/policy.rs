//! The outbound allow list: which `host:port` a connector instance may call, from its
//! declared hosts and the operator's list, normalised the same way for entries and requests.

use std::collections::BTreeSet;

/// Normalises a `host[:port]` with a scheme default into `host:port`, lowercased.
pub fn authority_key(host: &str, port: Option<u16>, https: bool) -> String {
    let port = port.unwrap_or(if https { 443 } else { 80 });
    format!("{}:{port}", host.trim_end_matches('.').to_ascii_lowercase())
}

/// Parses an allow-list entry (`host:port`, `host` meaning both 80 and 443, or a URL).
fn parse_entry(entry: &str) -> Vec<String> {
    let entry = entry.trim();
    if let Ok(uri) = entry.parse::<http::Uri>()
        && let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host())
    {
        return vec![authority_key(host, uri.port_u16(), scheme == "https")];
    }
    if let Some((host, port)) = entry.rsplit_once(':')
        && let Ok(port) = port.parse::<u16>()
        && !host.is_empty()
    {
        return vec![authority_key(host, Some(port), true)];
    }
    vec![
        authority_key(entry, Some(443), true),
        authority_key(entry, Some(80), false),
    ]
}

/// Which `host:port` a connector instance may call. Empty means nothing at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    allowed: BTreeSet<String>,
}

impl OutboundPolicy {
    /// A policy allowing exactly these entries (`host:port`, bare `host`, or URLs).
    pub fn allow<I, S>(entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        OutboundPolicy {
            allowed: entries
                .into_iter()
                .flat_map(|e| parse_entry(e.as_ref()))
                .collect(),
        }
    }

    /// Keeps only the entries the operator's list also allows.
    pub fn intersect(&self, operator: &OutboundPolicy) -> OutboundPolicy {
        OutboundPolicy {
            allowed: self
                .allowed
                .intersection(&operator.allowed)
                .cloned()
                .collect(),
        }
    }

    /// The allowed `host:port` entries.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.allowed.iter().map(String::as_str)
    }

    /// Whether a request to this URI may leave the sandbox: the normalised `host:port` it was
    /// allowed as (the connection is made to that, see `hooks::pin`), or the error naming it.
    /// An authority with userinfo (`x@host`) is refused whatever the host: the connection
    /// would be made to the authority as written, not to the host the list was checked for.
    pub fn check(&self, uri: &http::Uri) -> Result<String, String> {
        let Some(host) = uri.host() else {
            return Err("a request with no host".into());
        };
        let https = uri.scheme_str() == Some("https");
        let key = authority_key(host, uri.port_u16(), https);
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            // The userinfo is not repeated: it may hold a credential.
            return Err(format!("{key} (an address with userinfo)"));
        }
        if self.allowed.contains(&key) {
            Ok(key)
        } else {
            Err(key)
        }
    }
}
