//! The configuration: the SCIM base URL and the bearer token. Pure: no outbound call.

use crate::model::Error;

pub const KEY_URL: &str = "url";
pub const KEY_TOKEN: &str = "token";

/// A validated configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The base URL without a trailing slash (`https://app.example/scim/v2`).
    pub base: String,
    /// `host:port`, the port explicit.
    pub host_port: String,
    /// The bearer token, opaque (it may be a host's placeholder).
    pub token: String,
}

fn value<'a>(config: &'a [(String, String)], key: &str) -> Option<&'a str> {
    config
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

/// The base URL and its `host:port`, or `invalid-config` naming `url`.
pub fn parse_url(config: &[(String, String)]) -> Result<(String, String), Error> {
    let bad = |why: &str| Error::invalid_config(KEY_URL, why);
    let url = value(config, KEY_URL).ok_or_else(|| bad("the SCIM base URL is required"))?;
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("expected http://host[:port][/path] or https://…"))?;
    let default_port = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" => 80,
        _ => return Err(bad("the scheme must be http or https")),
    };
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    if path.contains(['?', '#']) {
        return Err(bad("the URL must not have a query or a fragment"));
    }
    if authority.contains('@') {
        return Err(bad("the URL must not carry credentials"));
    }
    let (host, port) = split_host_port(authority).ok_or_else(|| bad("the host is malformed"))?;
    let port = match port {
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
        None => default_port,
    };
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad("the host is missing"));
    }
    let base = format!(
        "{}://{}{}",
        scheme.to_ascii_lowercase(),
        authority,
        path.trim_end_matches('/')
    );
    Ok((base, format!("{}:{port}", host.to_ascii_lowercase())))
}

/// `host` and the optional port of an authority (`[::1]:8080` keeps its brackets).
fn split_host_port(authority: &str) -> Option<(&str, Option<&str>)> {
    if authority.starts_with('[') {
        let end = authority.find(']')?;
        let host = &authority[..=end];
        return match &authority[end + 1..] {
            "" => Some((host, None)),
            rest => rest.strip_prefix(':').map(|p| (host, Some(p))),
        };
    }
    match authority.split_once(':') {
        Some((h, p)) => Some((h, Some(p))),
        None => Some((authority, None)),
    }
}

/// Validates the whole configuration.
pub fn parse(config: &[(String, String)]) -> Result<Config, Error> {
    let (base, host_port) = parse_url(config)?;
    let token = value(config, KEY_TOKEN)
        .ok_or_else(|| Error::invalid_config(KEY_TOKEN, "the bearer token is required"))?;
    if token.contains(['\r', '\n']) {
        return Err(Error::invalid_config(
            KEY_TOKEN,
            "the token must be a single line",
        ));
    }
    Ok(Config {
        base,
        host_port,
        token: token.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn url_err(url: &str) -> Error {
        parse(&cfg(&[("url", url), ("token", "t")])).unwrap_err()
    }

    #[test]
    fn valid_urls() {
        let c = parse(&cfg(&[
            ("url", "https://App.example/scim/v2/"),
            ("token", "s3cret"),
        ]))
        .unwrap();
        assert_eq!(c.base, "https://App.example/scim/v2");
        assert_eq!(c.host_port, "app.example:443");
        assert_eq!(c.token, "s3cret");
        let c = parse(&cfg(&[("url", "http://127.0.0.1:8080"), ("token", "t")])).unwrap();
        assert_eq!(
            (c.base.as_str(), c.host_port.as_str()),
            ("http://127.0.0.1:8080", "127.0.0.1:8080")
        );
        let c = parse(&cfg(&[("url", "http://[::1]:81/x"), ("token", "t")])).unwrap();
        assert_eq!(c.host_port, "[::1]:81");
        let c = parse(&cfg(&[("url", "http://h"), ("token", "t")])).unwrap();
        assert_eq!(c.host_port, "h:80");
    }

    #[test]
    fn invalid_configs_name_the_key() {
        for url in [
            "ftp://h/x",
            "h/scim",
            "https://",
            "https://h:99999",
            "https://h:x",
            "https://h/?a=1",
            "https://u:p@h",
        ] {
            assert!(
                matches!(url_err(url), Error::InvalidConfig(ref a) if a.name == "url"),
                "{url}"
            );
        }
        let e = parse(&cfg(&[("token", "t")])).unwrap_err();
        assert!(matches!(e, Error::InvalidConfig(ref a) if a.name == "url"));
        let e = parse(&cfg(&[("url", "https://h")])).unwrap_err();
        assert!(matches!(e, Error::InvalidConfig(ref a) if a.name == "token"));
        let e = parse(&cfg(&[("url", "https://h"), ("token", "  ")])).unwrap_err();
        assert!(matches!(e, Error::InvalidConfig(ref a) if a.name == "token"));
    }
}
