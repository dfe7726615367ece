//! The transport of the component: blocking wasi:http through waki.
//!
//! waki 0.5.1 exposes only the connect timeout of wasi:http `request-options`; first-byte and
//! between-bytes timeouts are the host's (its outbound hook caps all three).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use waki::header::{HeaderName, HeaderValue};
use waki::{Client, ErrorCode};

use crate::bindings::provisioning::connector::host;
use crate::http::{HttpRequest, HttpResponse, Method, Transport, TransportError, short};
use crate::model::LogLevel;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct WakiTransport;

/// A refused request (wasi-http `HttpRequestDenied`) is `egress-denied`; anything else that
/// left no response (DNS, connection refused, timeouts, resets, truncated bodies) is transient.
/// `code` is the wasi-http error when waki's (anyhow) error wraps one; `text` its rendering.
/// The message names `host:port` and the cause in words, never Rust debug text.
fn classify(url: &str, code: Option<&ErrorCode>, text: String) -> TransportError {
    let denied =
        matches!(code, Some(ErrorCode::HttpRequestDenied)) || text.contains("HttpRequestDenied");
    let authority = authority(url);
    if denied {
        return TransportError::Denied(format!(
            "the host refused the outbound request to {authority} (host not allowed)"
        ));
    }
    TransportError::Unavailable(format!("{authority}: {}", cause(code, &text)))
}

/// `host:port` of a URL, with the scheme's default port.
fn authority(url: &str) -> String {
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

/// The failure in words.
fn cause(code: Option<&ErrorCode>, text: &str) -> String {
    match code {
        Some(ErrorCode::ConnectionRefused) => "connection refused".into(),
        Some(ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound) => {
            "name not found (DNS could not resolve the host)".into()
        }
        Some(ErrorCode::DnsTimeout) => "the DNS lookup timed out".into(),
        Some(ErrorCode::ConnectionTimeout) => "no connection before the timeout".into(),
        Some(ErrorCode::HttpResponseTimeout | ErrorCode::ConnectionReadTimeout) => {
            "no answer before the timeout".into()
        }
        Some(ErrorCode::HttpResponseBodySize(_)) => "the answer was too large".into(),
        Some(
            ErrorCode::TlsProtocolError
            | ErrorCode::TlsCertificateError
            | ErrorCode::TlsAlertReceived(_),
        ) => "the TLS handshake failed".into(),
        Some(ErrorCode::ConnectionTerminated | ErrorCode::HttpResponseIncomplete) => {
            "the connection closed before a complete answer arrived".into()
        }
        Some(ErrorCode::DestinationUnavailable | ErrorCode::DestinationIpUnroutable) => {
            "the address cannot be reached".into()
        }
        // waki reports a request whose connection failed before its body was written as a
        // closed stream, without the cause.
        _ if text.contains("Closed") => {
            "the connection closed before the request was sent (refused, reset or unreachable)"
                .into()
        }
        _ => "the HTTP request failed".into(),
    }
}

impl Transport for WakiTransport {
    fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let client = Client::new();
        let url = req.url.clone();
        let mut builder = match req.method {
            Method::Get => client.get(&req.url),
            Method::Post => client.post(&req.url),
        };
        for (k, v) in &req.headers {
            let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                TransportError::Unavailable(format!("invalid header name `{}`", short(k)))
            })?;
            let value = HeaderValue::from_str(v).map_err(|_| {
                TransportError::Unavailable(format!("invalid value for header `{}`", short(k)))
            })?;
            builder = builder.header(name, value);
        }
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        let resp = builder
            .connect_timeout(CONNECT_TIMEOUT)
            .send()
            .map_err(|e| classify(&url, e.downcast_ref::<ErrorCode>(), format!("{e:#}")))?;
        let status = resp.status_code();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_string(), v.to_string()))
            })
            .collect();
        let body = resp
            .body()
            .map_err(|e| classify(&url, e.downcast_ref::<ErrorCode>(), format!("{e:#}")))?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    fn now_unix(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// To the host's `log` import.
    fn log(&self, level: LogLevel, message: &str) {
        host::log(level, message);
    }
}
