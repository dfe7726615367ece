//! A base URL (REST, SSO or GraphQL): an absolute `http(s)` URL as a configuration key gives
//! it, checked and normalized, that requests are built on by appending a path.

use std::fmt;

/// An absolute `http(s)` URL without query, fragment or user info; path without trailing `/`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    pub scheme: String,
    /// Host name, or a bracketed IPv6 literal.
    pub host: String,
    pub port: u16,
    explicit_port: bool,
    pub path: String,
}

impl BaseUrl {
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (scheme, rest) = s
            .split_once("://")
            .ok_or("not an absolute URL (scheme://host)")?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return Err("the scheme must be http or https".into()),
        };
        if rest.contains(['?', '#']) || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("a base URL takes no query, fragment or spaces".into());
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err("credentials do not belong in the URL".into());
        }
        let (host, port) = if let Some(after) = authority.strip_prefix('[') {
            let (v6, tail) = after.split_once(']').ok_or("unclosed IPv6 literal")?;
            if v6.is_empty()
                || !v6
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
            {
                return Err("malformed IPv6 literal".into());
            }
            let port = match tail {
                "" => None,
                t => Some(t.strip_prefix(':').ok_or("malformed port")?),
            };
            (format!("[{}]", v6.to_ascii_lowercase()), port)
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_ascii_lowercase(), Some(p)),
                None => (authority.to_ascii_lowercase(), None),
            }
        };
        if host.is_empty()
            || !(host.starts_with('[')
                || host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.'))
        {
            return Err("missing or malformed host".into());
        }
        let (port, explicit_port) = match port {
            None => (default_port, false),
            Some(p) => (
                p.parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or("malformed port")?,
                true,
            ),
        };
        let path = path.trim_end_matches('/').to_string();
        Ok(BaseUrl {
            scheme,
            host,
            port,
            explicit_port,
            path,
        })
    }

    /// `host:port`, the port always explicit.
    pub fn host_port(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    /// This URL with `suffix` (starting with `/`) appended to its path.
    pub fn join(&self, suffix: &str) -> String {
        format!("{self}{suffix}")
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.explicit_port {
            write!(
                f,
                "{}://{}:{}{}",
                self.scheme, self.host, self.port, self.path
            )
        } else {
            write!(f, "{}://{}{}", self.scheme, self.host, self.path)
        }
    }
}
