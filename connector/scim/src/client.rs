//! Requests as SCIM wants them (bearer token, `application/scim+json`), and the retry policy:
//! reads (GET) are retried twice, after 200 ms then 600 ms, on a 5xx answer or a transport
//! failure; writes are never retried (they may have been applied).

use serde_json::Value as Json;

use crate::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use crate::model::{Error, LogLevel};

pub const MEDIA_TYPE: &str = "application/scim+json";
/// The waits before the extra attempts of a read, in milliseconds.
pub const BACKOFF_MS: [u64; 2] = [200, 600];

pub struct Client<T> {
    pub transport: T,
    base: String,
    token: String,
}

impl<T: Transport> Client<T> {
    pub fn new(transport: T, base: String, token: String) -> Self {
        Client {
            transport,
            base,
            token,
        }
    }

    /// An absolute URL: `path` is relative to the base URL unless it is absolute itself.
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_string()
        } else if path.starts_with('/') {
            format!("{}{path}", self.base)
        } else {
            format!("{}/{path}", self.base)
        }
    }

    fn prepare(&self, req: HttpRequest) -> HttpRequest {
        req.with_media_type(MEDIA_TYPE).with_bearer(&self.token)
    }

    /// A GET, retried on 5xx and transport failures; the last answer whatever its status.
    pub fn get(&self, url: &str) -> Result<HttpResponse, Error> {
        let mut attempt = 0;
        loop {
            let result = self.transport.send(self.prepare(HttpRequest::get(url)));
            let transient = match &result {
                Ok(r) => r.status >= 500,
                Err(TransportError::Unavailable(_)) => true,
                Err(TransportError::Denied(_)) => false,
            };
            match BACKOFF_MS.get(attempt) {
                Some(ms) if transient => {
                    self.transport.log(
                        LogLevel::Warn,
                        &format!("GET {} failed, retrying in {ms} ms", path_of(url)),
                    );
                    self.transport.sleep_ms(*ms);
                    attempt += 1;
                }
                _ => return result.map_err(Error::from),
            }
        }
    }

    /// One write (never retried), with `If-Match` when a version is known.
    pub fn write(
        &self,
        method: Method,
        url: &str,
        body: &Json,
        if_match: Option<&str>,
    ) -> Result<HttpResponse, Error> {
        let mut req = self.prepare(HttpRequest::json(method, url, body));
        if let Some(v) = if_match {
            req = req.with_header("If-Match", v);
        }
        self.transport.send(req).map_err(Error::from)
    }
}

/// The path of a URL, for log lines and messages (no query: a filter may hold a user's data).
pub fn path_of(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split('?').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::Fake;

    fn client() -> Client<Fake> {
        Client::new(
            Fake::new(),
            "https://h.example/scim/v2".into(),
            "tok".into(),
        )
    }

    #[test]
    fn headers_and_urls() {
        let c = client();
        let f = &c.transport;
        f.push(200, "{}").push(204, "");
        assert_eq!(c.url("/Users"), "https://h.example/scim/v2/Users");
        assert_eq!(c.url("Users"), "https://h.example/scim/v2/Users");
        assert_eq!(c.url("https://o.example/U"), "https://o.example/U");
        c.get(&c.url("/Users")).unwrap();
        c.write(
            Method::Patch,
            &c.url("/Users/1"),
            &serde_json::json!({}),
            Some("W/\"3\""),
        )
        .unwrap();
        let h = |i: usize, k: &str| {
            f.request(i)
                .headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        assert_eq!(h(0, "authorization").as_deref(), Some("Bearer tok"));
        assert_eq!(h(0, "accept").as_deref(), Some(MEDIA_TYPE));
        assert_eq!(h(0, "content-type"), None);
        assert_eq!(h(1, "content-type").as_deref(), Some(MEDIA_TYPE));
        assert_eq!(h(1, "if-match").as_deref(), Some("W/\"3\""));
        assert_eq!(path_of("https://h/scim/Users?filter=x"), "/scim/Users");
    }

    #[test]
    fn reads_retry_writes_do_not() {
        let c = client();
        let f = &c.transport;
        f.push(503, "")
            .push_err(TransportError::Unavailable("reset".into()))
            .push(200, "{}");
        assert_eq!(c.get("https://h.example/x").unwrap().status, 200);
        assert_eq!(*f.sleeps.borrow(), [200, 600]);
        f.push(500, "").push(500, "").push(500, "");
        assert_eq!(c.get("https://h.example/x").unwrap().status, 500);
        assert_eq!(f.count(), 6);
        f.push(503, "");
        let r = c
            .write(
                Method::Post,
                "https://h.example/x",
                &serde_json::json!({}),
                None,
            )
            .unwrap();
        assert_eq!((r.status, f.count(), f.remaining()), (503, 7, 0));
        f.push_err(TransportError::Denied("no".into()));
        assert!(matches!(
            c.get("https://h.example/x"),
            Err(Error::EgressDenied(_))
        ));
    }
}
