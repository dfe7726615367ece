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
use crate::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use crate::model::LogLevel;
use crate::transport_words::{self as words, Cause};

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
fn classify(url: &str, code: Option<&ErrorCode>, text: String) -> TransportError {
    let denied =
        matches!(code, Some(ErrorCode::HttpRequestDenied)) || text.contains("HttpRequestDenied");
    if denied {
        return TransportError::Denied(words::denied(url));
    }
    TransportError::Unavailable(words::unavailable(url, cause(code, &text)))
}

/// The wasi-http error as a [`Cause`].
fn cause(code: Option<&ErrorCode>, text: &str) -> Cause {
    match code {
        Some(ErrorCode::ConnectionRefused) => Cause::Refused,
        Some(ErrorCode::DnsError(_) | ErrorCode::DestinationNotFound) => Cause::NameNotFound,
        Some(ErrorCode::DnsTimeout) => Cause::DnsTimeout,
        Some(ErrorCode::ConnectionTimeout) => Cause::ConnectTimeout(CONNECT_TIMEOUT),
        Some(ErrorCode::HttpResponseTimeout | ErrorCode::ConnectionReadTimeout) => {
            Cause::AnswerTimeout
        }
        Some(ErrorCode::HttpResponseBodySize(_)) => Cause::TooLarge,
        Some(
            ErrorCode::TlsProtocolError
            | ErrorCode::TlsCertificateError
            | ErrorCode::TlsAlertReceived(_),
        ) => Cause::Tls,
        Some(ErrorCode::ConnectionTerminated | ErrorCode::HttpResponseIncomplete) => {
            Cause::ClosedEarly
        }
        Some(ErrorCode::DestinationUnavailable | ErrorCode::DestinationIpUnroutable) => {
            Cause::Unreachable
        }
        _ if text.contains("Closed") => Cause::ClosedBeforeSent,
        _ => Cause::Other,
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
            Method::Put => WasiMethod::Put,
            Method::Patch => WasiMethod::Patch,
            Method::Delete => WasiMethod::Delete,
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
