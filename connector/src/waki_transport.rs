//! The transport of the component: blocking wasi:http through waki.
//!
//! waki 0.5.1 exposes only the connect timeout of wasi:http `request-options`; first-byte and
//! between-bytes timeouts are the host's (its outbound hook caps all three).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use waki::header::{HeaderName, HeaderValue};
use waki::{Client, ErrorCode};

use crate::component::host_log;
use crate::http::{HttpRequest, HttpResponse, Method, Transport, TransportError, short};
use crate::model::LogLevel;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Default)]
pub struct WakiTransport;

/// A refused request (wasi-http `HttpRequestDenied`) is `egress-denied`; anything else that
/// left no response (DNS, connection refused, timeouts, resets, truncated bodies) is transient.
/// `code` is the wasi-http error when waki's (anyhow) error wraps one; `text` its rendering.
fn classify(code: Option<&ErrorCode>, text: String) -> TransportError {
    let denied =
        matches!(code, Some(ErrorCode::HttpRequestDenied)) || text.contains("HttpRequestDenied");
    if denied {
        TransportError::Denied("the host refused the outbound request (host not allowed)".into())
    } else {
        TransportError::Unavailable(format!("HTTP request failed: {}", short(&text)))
    }
}

impl Transport for WakiTransport {
    fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let client = Client::new();
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
            .map_err(|e| classify(e.downcast_ref::<ErrorCode>(), format!("{e:#}")))?;
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
            .map_err(|e| classify(e.downcast_ref::<ErrorCode>(), format!("{e:#}")))?;
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

    fn log(&self, level: LogLevel, message: &str) {
        host_log(level, message);
    }
}
