//! The transport seam: a tiny blocking HTTP interface the domain logic is generic over
//! (waki in the component, a scripted fake in tests), plus small encoding/JSON helpers.

use crate::model::{Error, LogLevel};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// An outgoing request. `url` is absolute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

impl HttpRequest {
    pub fn get(url: impl Into<String>) -> Self {
        HttpRequest {
            method: Method::Get,
            url: url.into(),
            headers: accept_json(),
            body: None,
        }
    }

    pub fn delete(url: impl Into<String>) -> Self {
        HttpRequest {
            method: Method::Delete,
            ..Self::get(url)
        }
    }

    pub fn post_json(url: impl Into<String>, body: &serde_json::Value) -> Self {
        Self::json(Method::Post, url, body)
    }

    /// A request of `method` carrying `body` as JSON.
    pub fn json(method: Method, url: impl Into<String>, body: &serde_json::Value) -> Self {
        let mut headers = accept_json();
        headers.push(("Content-Type".into(), "application/json".into()));
        HttpRequest {
            method,
            url: url.into(),
            headers,
            body: Some(body.to_string().into_bytes()),
        }
    }

    /// Replaces the `Content-Type` and `Accept` headers (a protocol with its own media type).
    pub fn with_media_type(mut self, media_type: &str) -> Self {
        let has_body = self.body.is_some();
        self.headers.retain(|(k, _)| {
            !k.eq_ignore_ascii_case("content-type") && !k.eq_ignore_ascii_case("accept")
        });
        self.headers.push(("Accept".into(), media_type.into()));
        if has_body {
            self.headers
                .push(("Content-Type".into(), media_type.into()));
        }
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn post_form(url: impl Into<String>, pairs: &[(&str, &str)]) -> Self {
        let mut headers = accept_json();
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
        HttpRequest {
            method: Method::Post,
            url: url.into(),
            headers,
            body: Some(form_encode(pairs).into_bytes()),
        }
    }

    pub fn with_bearer(mut self, token: &str) -> Self {
        self.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("authorization"));
        self.headers
            .push(("Authorization".into(), format!("Bearer {token}")));
        self
    }
}

fn accept_json() -> Vec<(String, String)> {
    vec![("Accept".into(), "application/json".into())]
}

/// A received response, body fully read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON, or `protocol` naming `what` (never echoing the body).
    pub fn json(&self, what: &str) -> Result<serde_json::Value, Error> {
        serde_json::from_slice(&self.body)
            .map_err(|e| Error::Protocol(format!("{what}: the answer is not valid JSON ({e})")))
    }
}

/// The longest wait a `Retry-After` can ask for (one hour); a larger value is capped.
pub const MAX_RETRY_AFTER: u32 = 3600;

/// `Retry-After` in seconds, between 1 and [`MAX_RETRY_AFTER`]: delay-seconds, or an HTTP-date
/// measured against the answer's own `Date` header, else against `now` (Unix seconds) when the
/// caller gives it. `None` when absent or unreadable (negative, fractional, a date with nothing
/// to measure it against): each connector has its own default.
pub fn retry_after_secs(resp: &HttpResponse, now: Option<u64>) -> Option<u32> {
    let value = resp.header("retry-after").map(str::trim)?;
    let secs = match value.parse::<u64>() {
        Ok(s) => s,
        Err(_) => {
            let at = http_date(value)?;
            let now = resp.header("date").and_then(http_date).or(now)?;
            at.saturating_sub(now)
        }
    };
    Some(
        u32::try_from(secs)
            .unwrap_or(u32::MAX)
            .clamp(1, MAX_RETRY_AFTER),
    )
}

/// An HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime forms recipients must
/// accept) as Unix seconds.
pub fn http_date(text: &str) -> Option<u64> {
    httpdate::parse_http_date(text.trim())
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs())
}

/// Why a request got no HTTP response at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// The host's sandbox refused the request (wasi-http `HttpRequestDenied`).
    Denied(String),
    /// Connection refused, DNS failure, timeout, reset, truncated body…
    Unavailable(String),
}

impl From<TransportError> for Error {
    fn from(e: TransportError) -> Self {
        match e {
            TransportError::Denied(m) => Error::EgressDenied(m),
            TransportError::Unavailable(m) => Error::Unavailable(m),
        }
    }
}

/// What the domain needs from its environment.
pub trait Transport {
    /// A request sent ahead of the need for its answer.
    type Ahead;
    fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Sends `req` without waiting for its answer, which [`Transport::collect`] reads; the
    /// domain goes on working meanwhile. Dropping it unread cancels the request. (A transport
    /// that cannot do this sends the request in `collect`.)
    fn send_ahead(&self, req: HttpRequest) -> Result<Self::Ahead, TransportError>;
    /// The answer of a request sent ahead.
    fn collect(&self, ahead: Self::Ahead) -> Result<HttpResponse, TransportError>;
    /// Seconds since the Unix epoch.
    fn now_unix(&self) -> u64;
    /// Emits a log line. Never called with a secret.
    fn log(&self, _level: LogLevel, _message: &str) {}
    /// Blocks for a retry backoff (`std::thread::sleep` works on wasip2).
    fn sleep_ms(&self, ms: u64) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// `application/x-www-form-urlencoded` encoding of pairs.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
}

/// A string member of a JSON object, if present and a string.
pub fn str_of<'a>(v: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(|x| x.as_str())
}

/// A JSON scalar as text: strings as is, numbers and booleans printed, others none.
pub fn scalar_text(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Cuts a server message to a displayable length.
pub fn short(s: &str) -> String {
    const MAX: usize = 200;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        s.chars().take(MAX).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding() {
        assert_eq!(
            form_encode(&[("a b", "x&y=z"), ("e", "é")]),
            "a%20b=x%26y%3Dz&e=%C3%A9"
        );
    }
}
