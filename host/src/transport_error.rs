//! Outbound HTTP failures in words a person can act on: which `host:port`, and what went wrong
//! (connection refused, name not found, TLS, no answer within N s, answer too large), never
//! Rust debug text. The sandbox's hooks record one line per failed request of a guest call,
//! and the runtime puts them in place of whatever the connector made of the failure.

use std::time::Duration;

use wasmtime_wasi_http::Error as HttpError;

/// When in a request the failure happened (which timeout applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Connecting and waiting for the answer's head.
    Request,
    /// Reading the answer's body.
    Body,
}

/// The timeouts and the size cap, for the words ("within 10 s", "larger than 32 MiB").
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    pub connect: Duration,
    pub first_byte: Duration,
    pub between_bytes: Duration,
    pub max_response_bytes: u64,
}

/// `host:port: cause`.
pub fn describe(authority: &str, error: &HttpError, phase: Phase, bounds: &Bounds) -> String {
    format!("{authority}: {}", cause(error, phase, bounds))
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

fn size(bytes: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= 1024 {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// An `io::Error` without the " (os error N)" tail.
fn io_words(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn cause(error: &HttpError, phase: Phase, bounds: &Bounds) -> String {
    use std::io::ErrorKind;
    match error {
        HttpError::Connect(e) => match e.kind() {
            ErrorKind::ConnectionRefused => "connection refused (nothing listens there)".into(),
            ErrorKind::TimedOut => format!("no connection within {}", secs(bounds.connect)),
            ErrorKind::ConnectionReset => "the connection was reset".into(),
            ErrorKind::AddrNotAvailable | ErrorKind::NetworkUnreachable => {
                "the address cannot be reached from this machine".into()
            }
            _ if e.to_string().contains("lookup address") => {
                "name not found (DNS could not resolve the host)".into()
            }
            _ => format!("cannot connect: {}", io_words(e)),
        },
        HttpError::DnsTimeout => "the DNS lookup timed out".into(),
        HttpError::DnsError { .. } | HttpError::DestinationNotFound => {
            "name not found (DNS could not resolve the host)".into()
        }
        HttpError::ConnectionRefused => "connection refused (nothing listens there)".into(),
        HttpError::ConnectionTimeout => format!("no connection within {}", secs(bounds.connect)),
        HttpError::Tls(e) => format!("the TLS handshake failed: {}", io_words(e)),
        HttpError::InvalidDnsNameError(_) => "not a valid name for a TLS certificate".into(),
        HttpError::TlsProtocolError | HttpError::TlsAlertReceived { .. } => {
            "the TLS handshake failed".into()
        }
        HttpError::TlsCertificateError => "the server's TLS certificate was refused".into(),
        HttpError::HttpResponseTimeout | HttpError::ConnectionReadTimeout => match phase {
            Phase::Request => format!("no answer within {}", secs(bounds.first_byte)),
            Phase::Body => format!(
                "the answer stopped arriving (nothing for {})",
                secs(bounds.between_bytes)
            ),
        },
        HttpError::HttpResponseBodySize(_) => format!(
            "the answer was larger than {}",
            size(bounds.max_response_bytes)
        ),
        HttpError::Hyper(e) if e.is_incomplete_message() => {
            "the connection closed before a complete answer arrived".into()
        }
        HttpError::Hyper(e) if e.is_timeout() => match phase {
            Phase::Request => format!("no answer within {}", secs(bounds.first_byte)),
            Phase::Body => format!(
                "the answer stopped arriving (nothing for {})",
                secs(bounds.between_bytes)
            ),
        },
        HttpError::Hyper(e) => format!("the HTTP exchange failed: {e}"),
        HttpError::HttpResponseIncomplete | HttpError::ConnectionTerminated => {
            "the connection closed before a complete answer arrived".into()
        }
        HttpError::HttpRequestDenied => "refused by the sandbox (host not allowed)".into(),
        // wasmtime's own Display is words for every other case.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> Bounds {
        Bounds {
            connect: Duration::from_secs(10),
            first_byte: Duration::from_secs(30),
            between_bytes: Duration::from_millis(2500),
            max_response_bytes: 32 * 1024 * 1024,
        }
    }

    fn words(e: HttpError, phase: Phase) -> String {
        describe("rest.example.com:443", &e, phase, &bounds())
    }

    #[test]
    fn every_cause_is_in_words_and_names_the_host() {
        let cases = [
            (
                HttpError::Connect(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
                "connection refused",
            ),
            (
                HttpError::Connect(std::io::Error::other(
                    "failed to lookup address information: Name or service not known",
                )),
                "name not found",
            ),
            (
                HttpError::DnsError {
                    rcode: Some("address not available".into()),
                    info_code: Some(0),
                },
                "name not found",
            ),
            (HttpError::ConnectionTimeout, "no connection within 10 s"),
            (HttpError::HttpResponseTimeout, "no answer within 30 s"),
            (HttpError::HttpResponseBodySize(None), "larger than 32 MiB"),
            (
                HttpError::Tls(std::io::Error::other("invalid peer certificate")),
                "TLS handshake failed: invalid peer certificate",
            ),
            (HttpError::TlsCertificateError, "TLS certificate"),
        ];
        for (error, expected) in cases {
            let text = words(error, Phase::Request);
            assert!(text.starts_with("rest.example.com:443: "), "{text}");
            assert!(text.contains(expected), "{text}");
            for debug in ["{", "::", "Payload", "Some(", "os error"] {
                assert!(!text.contains(debug), "debug text in {text:?}");
            }
        }
        let body = words(HttpError::HttpResponseTimeout, Phase::Body);
        assert!(body.contains("nothing for 2.5 s"), "{body}");
    }
}
