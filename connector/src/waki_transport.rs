//! The transport of the component: wasi:http through waki's bindings of it. A request is sent
//! with `outgoing-handler.handle` and its answer collected later ([`Transport::send_ahead`]):
//! the listing asks for its next page before it works on the current one. Only the connect
//! timeout is set here; first-byte and between-bytes timeouts are the host's (its outbound
//! hook caps all three).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use waki::bindings::wasi::http::outgoing_handler;
use waki::bindings::wasi::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, IncomingBody, Method as WasiMethod, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme,
};
use waki::bindings::wasi::io::streams::StreamError;

use crate::bindings::provisioning::connector::host;
use crate::http::{HttpRequest, HttpResponse, Method, Transport, TransportError, short};
use crate::model::LogLevel;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct WakiTransport;

/// A request on its way: its answer is read by `collect`; dropping it cancels the request.
pub struct Ahead {
    url: String,
    response: FutureIncomingResponse,
}

/// `(scheme, authority, path with query)` of an absolute URL (the fragment dropped).
fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let rest = rest.split('#').next().unwrap_or(rest);
    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(cut);
    if authority.is_empty() {
        return None;
    }
    Some((scheme, authority, if path.is_empty() { "/" } else { path }))
}

/// Writes a request body and finishes it.
fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), ()> {
    {
        let stream = body.write()?;
        for chunk in bytes.chunks(4096) {
            stream.blocking_write_and_flush(chunk).map_err(|_| ())?;
        }
    }
    OutgoingBody::finish(body, None).map_err(|_| ())
}

/// Reads an answer's body to its end; a failure carries the wasi-http cause when there is one.
fn read_body(body: &IncomingBody) -> Result<Vec<u8>, Option<ErrorCode>> {
    let stream = body.stream().map_err(|()| None)?;
    let mut out = Vec::new();
    loop {
        match stream.blocking_read(1 << 20) {
            Ok(chunk) => out.extend_from_slice(&chunk),
            Err(StreamError::Closed) => return Ok(out),
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(waki::bindings::wasi::http::types::http_error_code(&e));
            }
        }
    }
}

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
    type Ahead = Ahead;

    fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let ahead = self.send_ahead(req)?;
        self.collect(ahead)
    }

    fn send_ahead(&self, req: HttpRequest) -> Result<Ahead, TransportError> {
        let url = req.url.clone();
        let fail = |code: Option<&ErrorCode>, text: &str| classify(&url, code, text.to_string());
        let (scheme, authority, path) =
            split_url(&req.url).ok_or_else(|| fail(None, "the URL is not absolute"))?;
        let entries: Vec<(String, Vec<u8>)> = req
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.as_bytes().to_vec()))
            .collect();
        let headers = Fields::from_list(&entries).map_err(|_| {
            TransportError::Unavailable("a request header is not valid HTTP".into())
        })?;
        let outgoing = OutgoingRequest::new(headers);
        let method = match req.method {
            Method::Get => WasiMethod::Get,
            Method::Post => WasiMethod::Post,
        };
        let scheme = if scheme.eq_ignore_ascii_case("http") {
            Scheme::Http
        } else if scheme.eq_ignore_ascii_case("https") {
            Scheme::Https
        } else {
            Scheme::Other(scheme.to_string())
        };
        outgoing
            .set_method(&method)
            .and_then(|()| outgoing.set_scheme(Some(&scheme)))
            .and_then(|()| outgoing.set_authority(Some(authority)))
            .and_then(|()| outgoing.set_path_with_query(Some(path)))
            .map_err(|()| fail(None, "the URL cannot be sent"))?;
        let body = outgoing
            .body()
            .map_err(|()| fail(None, "no request body"))?;
        let options = RequestOptions::new();
        // Hosts that do not support the option keep their own timeout.
        let _ = options.set_connect_timeout(Some(CONNECT_TIMEOUT.as_nanos() as u64));
        let response = outgoing_handler::handle(outgoing, Some(options))
            .map_err(|code| fail(Some(&code), ""))?;
        // A body that cannot be written (the connection failed) leaves the cause to the
        // response, which `collect` reads.
        let _ = write_body(body, req.body.as_deref().unwrap_or_default());
        Ok(Ahead { url, response })
    }

    fn collect(&self, ahead: Ahead) -> Result<HttpResponse, TransportError> {
        let Ahead { url, response } = ahead;
        let fail = |code: Option<&ErrorCode>, text: &str| classify(&url, code, text.to_string());
        response.subscribe().block();
        let incoming = match response.get() {
            Some(Ok(Ok(incoming))) => incoming,
            Some(Ok(Err(code))) => return Err(fail(Some(&code), "")),
            Some(Err(())) | None => return Err(fail(None, "no answer")),
        };
        let status = incoming.status();
        let headers = incoming
            .headers()
            .entries()
            .into_iter()
            .filter_map(|(k, v)| Some((k, String::from_utf8(v).ok()?)))
            .collect();
        let body = incoming
            .consume()
            .map_err(|()| fail(None, "the answer has no body"))?;
        let bytes = read_body(&body).map_err(|code| fail(code.as_ref(), ""))?;
        drop(body);
        Ok(HttpResponse {
            status,
            headers,
            body: bytes,
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
