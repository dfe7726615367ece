//! What a failed request says to a person: `host:port` and the cause in words, never Rust
//! debug text. Plain Rust (the wasi-http error codes are mapped onto [`Cause`] by the
//! component's transport), so the wording is tested natively.

use std::time::Duration;

use crate::http::short;

/// Why a request left no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Refused,
    NameNotFound,
    DnsTimeout,
    /// No connection within the connector's connect timeout.
    ConnectTimeout(Duration),
    /// No answer within the host's first-byte or between-bytes timeout.
    AnswerTimeout,
    TooLarge,
    Tls,
    ClosedEarly,
    Unreachable,
    /// The connection failed before the request's body was written (waki reports no cause).
    ClosedBeforeSent,
    Other,
}

impl Cause {
    /// The cause in words.
    pub fn words(self) -> String {
        match self {
            Cause::Refused => "connection refused".into(),
            Cause::NameNotFound => "name not found (DNS could not resolve the host)".into(),
            Cause::DnsTimeout => "the DNS lookup timed out".into(),
            Cause::ConnectTimeout(after) => {
                format!("no connection within {} s", after.as_secs().max(1))
            }
            Cause::AnswerTimeout => "no answer within the host's timeout".into(),
            Cause::TooLarge => "the answer was too large".into(),
            Cause::Tls => "the TLS handshake failed".into(),
            Cause::ClosedEarly => "the connection closed before a complete answer arrived".into(),
            Cause::Unreachable => "the address cannot be reached".into(),
            Cause::ClosedBeforeSent => {
                "the connection closed before the request was sent (refused, reset or unreachable)"
                    .into()
            }
            Cause::Other => "the HTTP request failed".into(),
        }
    }
}

/// `host:port` of a URL, with the scheme's default port; userinfo is left out.
pub fn authority(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let hostport = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let hostport = hostport.rsplit('@').next().unwrap_or(hostport);
    let has_port = hostport
        .rsplit_once(':')
        .is_some_and(|(_, p)| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if has_port {
        short(hostport)
    } else {
        let port = if scheme.eq_ignore_ascii_case("http") {
            80
        } else {
            443
        };
        format!("{}:{port}", short(hostport))
    }
}

/// The message of a request to `url` that failed for `cause`.
pub fn unavailable(url: &str, cause: Cause) -> String {
    format!("{}: {}", authority(url), cause.words())
}

/// The message of a request to `url` that the host refused.
pub fn denied(url: &str) -> String {
    format!(
        "the host refused the outbound request to {} (host not allowed)",
        authority(url)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_authority_has_a_port_and_no_userinfo() {
        assert_eq!(authority("https://t.example/api/x?q=1"), "t.example:443");
        assert_eq!(authority("http://t.example"), "t.example:80");
        assert_eq!(authority("http://127.0.0.1:8080/graphql"), "127.0.0.1:8080");
        assert_eq!(authority("https://u:p@t.example:8443/"), "t.example:8443");
        assert_eq!(authority("http://[::1]:9000/x"), "[::1]:9000");
    }

    #[test]
    fn every_cause_is_words_with_the_host_and_port() {
        let causes = [
            Cause::Refused,
            Cause::NameNotFound,
            Cause::DnsTimeout,
            Cause::ConnectTimeout(Duration::from_secs(10)),
            Cause::AnswerTimeout,
            Cause::TooLarge,
            Cause::Tls,
            Cause::ClosedEarly,
            Cause::Unreachable,
            Cause::ClosedBeforeSent,
            Cause::Other,
        ];
        for cause in causes {
            let text = unavailable("https://tenant.example/api", cause);
            assert!(text.starts_with("tenant.example:443: "), "{text}");
            for debug in ["{", "::", "Payload", "Some(", "Error"] {
                assert!(!text.contains(debug), "{debug} in {text}");
            }
        }
        assert_eq!(
            unavailable(
                "http://h:1/",
                Cause::ConnectTimeout(Duration::from_secs(10))
            ),
            "h:1: no connection within 10 s"
        );
        assert_eq!(
            denied("https://evil.example/x"),
            "the host refused the outbound request to evil.example:443 (host not allowed)"
        );
    }
}
