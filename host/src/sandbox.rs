//! The sandbox a connector instance runs in: the outbound HTTP policy (deny by default, only the
//! hosts derived from the connector's configuration), HTTP timeouts and a response size cap,
//! the per-store memory limit, and the state every `Store` carries (WASI with no filesystem,
//! no sockets, no environment; wasi:http through [`SandboxHooks`]; the `host` log import).

use crate::transport_error::{Bounds, Phase, describe};
use std::collections::BTreeSet;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use wasmtime::component::ResourceTable;
use wasmtime::{StoreLimits, StoreLimitsBuilder};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{
    RequestOptions, WasiBody, WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView,
};

/// Resource limits applied to every connector instance and call.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Linear memory a connector instance may grow to.
    pub memory_bytes: usize,
    /// Wall-clock budget of one contract call (HTTP waits included).
    pub call_timeout: Duration,
    /// TCP/TLS connect timeout of an outbound request.
    pub connect_timeout: Duration,
    /// Time to the first response byte.
    pub first_byte_timeout: Duration,
    /// Time between two response chunks.
    pub between_bytes_timeout: Duration,
    /// Largest response body a connector may receive.
    pub max_response_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory_bytes: 64 << 20,
            call_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            first_byte_timeout: Duration::from_secs(30),
            between_bytes_timeout: Duration::from_secs(30),
            max_response_bytes: 32 << 20,
        }
    }
}

/// Normalises a `host[:port]` with a scheme default into `host:port`, lowercased.
pub fn authority_key(host: &str, port: Option<u16>, https: bool) -> String {
    let port = port.unwrap_or(if https { 443 } else { 80 });
    format!("{}:{port}", host.trim_end_matches('.').to_ascii_lowercase())
}

/// Parses an allow-list entry (`host:port`, `host` meaning both 80 and 443, or a URL).
fn parse_entry(entry: &str) -> Vec<String> {
    let entry = entry.trim();
    if let Ok(uri) = entry.parse::<http::Uri>()
        && let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host())
    {
        return vec![authority_key(host, uri.port_u16(), scheme == "https")];
    }
    if let Some((host, port)) = entry.rsplit_once(':')
        && let Ok(port) = port.parse::<u16>()
        && !host.is_empty()
    {
        return vec![authority_key(host, Some(port), true)];
    }
    vec![
        authority_key(entry, Some(443), true),
        authority_key(entry, Some(80), false),
    ]
}

/// Which `host:port` a connector instance may call. Empty means nothing at all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    allowed: BTreeSet<String>,
}

impl OutboundPolicy {
    /// A policy allowing exactly these entries (`host:port`, bare `host`, or URLs).
    pub fn allow<I, S>(entries: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        OutboundPolicy {
            allowed: entries
                .into_iter()
                .flat_map(|e| parse_entry(e.as_ref()))
                .collect(),
        }
    }

    /// Keeps only the entries the operator's list also allows.
    pub fn intersect(&self, operator: &OutboundPolicy) -> OutboundPolicy {
        OutboundPolicy {
            allowed: self
                .allowed
                .intersection(&operator.allowed)
                .cloned()
                .collect(),
        }
    }

    /// The allowed `host:port` entries.
    pub fn entries(&self) -> impl Iterator<Item = &str> {
        self.allowed.iter().map(String::as_str)
    }

    /// Whether a request to this URI may leave the sandbox; the error names the authority.
    /// An authority with userinfo (`x@host`) is refused whatever the host: the connection
    /// would be made to the authority as written, not to the host the list was checked for.
    pub fn check(&self, uri: &http::Uri) -> Result<(), String> {
        let Some(host) = uri.host() else {
            return Err("a request with no host".into());
        };
        let https = uri.scheme_str() == Some("https");
        let key = authority_key(host, uri.port_u16(), https);
        if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
            // The userinfo is not repeated: it may hold a credential.
            return Err(format!("{key} (an address with userinfo)"));
        }
        if self.allowed.contains(&key) {
            Ok(())
        } else {
            Err(key)
        }
    }
}

/// Log lines a connector emits through the `host` import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

/// Where connector log lines go. Secrets named by the configuration are masked first.
pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// A sink that drops everything.
pub fn null_log_sink() -> LogSink {
    Arc::new(|_, _| {})
}

/// Host-side resources (wasi:http fields, requests, bodies, streams…) one instance may hold at
/// once. A connector needs a handful; a guest that creates them and never drops them gets an
/// error at this bound instead of growing the host's memory.
pub const MAX_RESOURCES: usize = 2_048;

/// Header bytes one wasi:http `fields` resource may hold. With [`MAX_RESOURCES`] this bounds
/// the header bytes an instance can pin in the host to 64 MiB, whatever it does.
pub const MAX_FIELDS_BYTES: usize = 32 * 1024;
const _: () = assert!(MAX_RESOURCES * MAX_FIELDS_BYTES <= 64 << 20);

/// Every spelling of each secret a log line or an error may carry: as is, URL-encoded (query
/// and path), form-encoded (spaces as `+`) and JSON-escaped. Longest first, so a spelling
/// that contains another is masked whole.
pub fn secret_spellings(secrets: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        let url: String = s
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let form = url.replace("%20", "+");
        let json = serde_json::to_string(s)
            .map(|q| q[1..q.len() - 1].to_string())
            .unwrap_or_else(|_| s.clone());
        for spelling in [s.clone(), lowercase_hex(&url), url, form, json] {
            if !spelling.is_empty() && !out.contains(&spelling) {
                out.push(spelling);
            }
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `%2F` → `%2f`: some encoders write lower-case hex.
fn lowercase_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}

/// Refused authorities remembered per call (a guest looping on refused requests cannot grow
/// the host's memory).
const MAX_DENIED_KEPT: usize = 16;

/// The wasi:http hooks: the allow list, capped timeouts and a response size cap.
pub struct SandboxHooks {
    policy: OutboundPolicy,
    limits: Limits,
    denied: Arc<Mutex<Vec<String>>>,
    /// Failed requests of the running call, in words (`host:port: cause`).
    failures: Failures,
}

/// Transport failures remembered per call, each once, at most [`MAX_DENIED_KEPT`].
#[derive(Clone, Default)]
struct Failures(Arc<Mutex<Vec<String>>>);

impl Failures {
    fn record(&self, line: String) {
        if let Ok(mut v) = self.0.lock()
            && !v.contains(&line)
            && v.len() < MAX_DENIED_KEPT
        {
            v.push(line);
        }
    }

    fn take(&self) -> Vec<String> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

impl WasiHttpHooks for SandboxHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        drop(fut);
        if let Err(authority) = self.policy.check(request.uri()) {
            if let Ok(mut denied) = self.denied.lock()
                && !denied.contains(&authority)
                && denied.len() < MAX_DENIED_KEPT
            {
                denied.push(authority);
            }
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        let cap =
            |asked: Option<Duration>, ours: Duration| Some(asked.map_or(ours, |a| a.min(ours)));
        let asked = options.unwrap_or_default();
        let options = RequestOptions {
            connect_timeout: cap(asked.connect_timeout, self.limits.connect_timeout),
            first_byte_timeout: cap(asked.first_byte_timeout, self.limits.first_byte_timeout),
            between_bytes_timeout: cap(
                asked.between_bytes_timeout,
                self.limits.between_bytes_timeout,
            ),
        };
        let max = self.limits.max_response_bytes;
        let bounds = Bounds {
            connect: options
                .connect_timeout
                .unwrap_or(self.limits.connect_timeout),
            first_byte: options
                .first_byte_timeout
                .unwrap_or(self.limits.first_byte_timeout),
            between_bytes: options
                .between_bytes_timeout
                .unwrap_or(self.limits.between_bytes_timeout),
            max_response_bytes: max,
        };
        let authority = authority_of(request.uri());
        let failures = self.failures.clone();
        // wasmtime bounds the TCP connect and the HTTP handshake, not a TLS handshake that
        // stalls between them: the whole exchange up to the answer's head is bounded here.
        let head_within = bounds.connect * 2 + bounds.first_byte;
        Box::new(async move {
            let sent = tokio::time::timeout(
                head_within,
                wasmtime_wasi_http::default_send_request(request, Some(options)),
            )
            .await;
            let (response, io) = match sent {
                Ok(Ok(sent)) => sent,
                Ok(Err(e)) => {
                    failures.record(describe(&authority, &e, Phase::Request, &bounds));
                    return Err(e);
                }
                Err(_) => {
                    failures.record(format!(
                        "{authority}: no connection and answer within {} s (a TLS handshake or a server that never answers)",
                        head_within.as_secs()
                    ));
                    return Err(wasmtime_wasi_http::Error::ConnectionTimeout);
                }
            };
            let response = response.map(|body| {
                CappedBody {
                    inner: body.boxed_unsync(),
                    left: max,
                    report: Some((authority, bounds, failures)),
                }
                .boxed_unsync()
            });
            Ok((response, Box::new(io) as Box<dyn Future<Output = _> + Send>))
        })
    }
}

/// A response body that fails once more than `left` bytes went through; its failure is
/// recorded in words once.
struct CappedBody {
    inner: WasiBody,
    left: u64,
    report: Option<(String, Bounds, Failures)>,
}

impl CappedBody {
    fn failed(&mut self, e: wasmtime_wasi_http::Error) -> wasmtime_wasi_http::Error {
        if let Some((authority, bounds, failures)) = self.report.take() {
            failures.record(describe(&authority, &e, Phase::Body, &bounds));
        }
        e
    }
}

/// `host:port` of a request, with the scheme's default port.
fn authority_of(uri: &http::Uri) -> String {
    let host = uri.host().unwrap_or("(no host)");
    let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

impl Body for CappedBody {
    type Data = Bytes;
    type Error = wasmtime_wasi_http::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    let len = data.len() as u64;
                    if len > self.left {
                        let e = self.failed(wasmtime_wasi_http::Error::HttpResponseBodySize(None));
                        return Poll::Ready(Some(Err(e)));
                    }
                    self.left -= len;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(self.failed(e)))),
            other => other,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Everything one connector `Store` holds.
pub struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    hooks: SandboxHooks,
    pub(crate) limits: StoreLimits,
    pub(crate) log: LogSink,
    secrets: Vec<String>,
    /// When the running guest call must stop (set by the runtime before each call).
    call_deadline: Option<std::time::Instant>,
}

impl StoreState {
    /// A fresh state: no filesystem, sockets, environment or stdio; HTTP through the policy.
    pub fn new(
        policy: OutboundPolicy,
        limits: &Limits,
        log: LogSink,
        secrets: Vec<String>,
    ) -> Self {
        let wasi = WasiCtxBuilder::new()
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        StoreState {
            wasi,
            table: {
                let mut table = ResourceTable::new();
                table.set_max_capacity(MAX_RESOURCES);
                table
            },
            http: {
                let mut http = WasiHttpCtx::new();
                http.set_field_size_limit(MAX_FIELDS_BYTES);
                http
            },
            hooks: SandboxHooks {
                policy,
                limits: limits.clone(),
                denied: Arc::default(),
                failures: Failures::default(),
            },
            limits: StoreLimitsBuilder::new()
                .memory_size(limits.memory_bytes)
                .instances(64)
                .build(),
            log,
            // The runtime passes every spelling already (see `secret_spellings`).
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
            call_deadline: None,
        }
    }

    /// Starts a guest call that must end within `limit`.
    pub(crate) fn start_call(&mut self, limit: Duration) {
        self.call_deadline = Some(std::time::Instant::now() + limit);
    }

    /// Whether the running guest call has used up its time.
    pub(crate) fn past_deadline(&self) -> bool {
        self.call_deadline
            .is_some_and(|d| std::time::Instant::now() >= d)
    }

    /// Authorities the policy refused since the last call to this method (one guest call),
    /// each once: what the caller is told after the call.
    pub fn take_denied(&self) -> Vec<String> {
        self.hooks
            .denied
            .lock()
            .map(|mut d| std::mem::take(&mut *d))
            .unwrap_or_default()
    }

    /// Requests of the running call that failed in transport, in words (`host:port: cause`),
    /// since the last call to this method.
    pub fn take_transport_failures(&self) -> Vec<String> {
        self.hooks.failures.take()
    }

    /// Forwards a connector log line, with every configured secret masked.
    pub fn log(&self, level: LogLevel, message: &str) {
        let mut line = message.to_string();
        for secret in &self.secrets {
            line = line.replace(secret.as_str(), "***");
        }
        (self.log)(level, &line);
    }
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_authority_with_userinfo_is_refused_even_for_an_allowed_host() {
        let p = OutboundPolicy::allow(["127.0.0.1:8080"]);
        assert!(
            p.check(&"http://127.0.0.1:8080/x".parse().expect("uri"))
                .is_ok()
        );
        for uri in [
            "http://x@127.0.0.1:8080/x",
            "http://user:secret@127.0.0.1:8080/",
        ] {
            let err = p.check(&uri.parse().expect("uri")).expect_err(uri);
            assert!(
                err.contains("127.0.0.1:8080 (an address with userinfo)"),
                "{err}"
            );
            assert!(!err.contains("secret"), "{err}");
        }
    }

    #[test]
    fn secrets_are_masked_in_their_encoded_spellings_too() {
        let spellings = secret_spellings(&["p@ss w/rd\"quote".into()]);
        for s in [
            "p@ss w/rd\"quote",
            "p%40ss%20w%2Frd%22quote",
            "p%40ss+w%2Frd%22quote",
            "p%40ss%20w%2frd%22quote",
            "p@ss w/rd\\\"quote",
        ] {
            assert!(spellings.iter().any(|x| x == s), "{s} in {spellings:?}");
        }
        assert!(spellings.windows(2).all(|w| w[0].len() >= w[1].len()));
    }

    #[test]
    fn host_resources_of_an_instance_are_bounded() {
        let mut state = StoreState::new(
            OutboundPolicy::default(),
            &Limits::default(),
            null_log_sink(),
            Vec::new(),
        );
        assert_eq!(state.table.max_capacity(), MAX_RESOURCES);
        // Past the bound a guest's new resource is an error, not host memory.
        let mut pushed = 0;
        while state.table.push(0u8).is_ok() {
            pushed += 1;
            assert!(pushed <= MAX_RESOURCES, "the table grew past its bound");
        }
        assert_eq!(pushed, MAX_RESOURCES);
    }

    #[test]
    fn default_ports_are_normalised() {
        let p = OutboundPolicy::allow(["rest.monportailrh.com:443", "127.0.0.1:8080"]);
        assert!(
            p.check(&"https://rest.monportailrh.com/search".parse().unwrap())
                .is_ok()
        );
        assert!(
            p.check(&"https://REST.monportailrh.com:443/x".parse().unwrap())
                .is_ok()
        );
        assert!(
            p.check(&"http://rest.monportailrh.com/x".parse().unwrap())
                .is_err()
        );
        assert!(p.check(&"http://127.0.0.1:8080/x".parse().unwrap()).is_ok());
        assert_eq!(
            p.check(&"http://127.0.0.2:8080/x".parse().unwrap()),
            Err("127.0.0.2:8080".into())
        );
    }

    #[test]
    fn urls_and_bare_hosts_are_accepted_entries() {
        let p = OutboundPolicy::allow(["https://sso.monportailrh.com", "example.org"]);
        assert!(
            p.check(&"https://sso.monportailrh.com/auth".parse().unwrap())
                .is_ok()
        );
        assert!(p.check(&"http://example.org/".parse().unwrap()).is_ok());
        assert!(p.check(&"https://example.org/".parse().unwrap()).is_ok());
        assert!(
            p.check(&"https://example.org:8443/".parse().unwrap())
                .is_err()
        );
    }

    #[test]
    fn intersection_keeps_common_entries_only() {
        let connector = OutboundPolicy::allow(["a.example:443", "b.example:443"]);
        let operator = OutboundPolicy::allow(["b.example:443"]);
        let both = connector.intersect(&operator);
        assert_eq!(both.entries().collect::<Vec<_>>(), vec!["b.example:443"]);
    }
}
