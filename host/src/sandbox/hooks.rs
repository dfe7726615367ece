//! The wasi:http hooks every outbound request of a guest goes through: the allow list, capped
//! timeouts (the TLS handshake included), a response size cap, and a record of what was
//! refused or failed during the call, in words.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use wasmtime_wasi_http::{RequestOptions, WasiBody, WasiHttpHooks};

use super::echo::EchoMask;
use super::limits::Limits;
use super::policy::OutboundPolicy;
use super::traffic::{self, Redactor, Traffic};
use super::vault::{BodyKind, Vault, replace_all};
use crate::transport_error::{Bounds, Phase, describe};

/// Refused authorities remembered per call (a guest looping on refused requests cannot grow
/// the host's memory).
const MAX_DENIED_KEPT: usize = 16;

/// The wasi:http hooks: the allow list, capped timeouts and a response size cap.
pub struct SandboxHooks {
    pub(super) policy: OutboundPolicy,
    pub(super) limits: Limits,
    /// Authorities the policy refused during the running call.
    pub(super) denied: CallLog,
    /// Failed requests of the running call, in words (`host:port: cause`).
    pub(super) failures: CallLog,
    /// Recording or replaying the traffic, when asked.
    pub(super) traffic: Option<Arc<Traffic>>,
    /// Every spelling of the configuration's secrets, and their placeholders (kept out of
    /// recordings).
    pub(super) redacted: Arc<Vec<String>>,
    /// The real values behind this instance's placeholders.
    pub(super) vault: Vault,
}

/// What the answer to a request is, and the future that drives its connection.
type Sent = (
    http::Response<WasiBody>,
    Box<dyn Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
);

/// Lines remembered per guest call (refused authorities, transport failures), each once, at
/// most [`MAX_DENIED_KEPT`].
#[derive(Clone, Default)]
pub(super) struct CallLog(Arc<Mutex<Vec<String>>>);

impl CallLog {
    pub(super) fn record(&self, line: String) {
        if let Ok(mut v) = self.0.lock()
            && !v.contains(&line)
            && v.len() < MAX_DENIED_KEPT
        {
            v.push(line);
        }
    }

    pub(super) fn take(&self) -> Vec<String> {
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
        let request = match self.policy.check(request.uri()) {
            // The connection goes to the authority as checked, not as the guest spelt it.
            Ok(checked) => match pin(request, &checked) {
                Some(pinned) => pinned,
                None => {
                    return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
                }
            },
            Err(authority) => {
                self.denied.record(authority);
                return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
            }
        };
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
        let vault = self.vault.clone();
        let held = HeldBody {
            max: self.limits.max_request_bytes,
            authority: authority.clone(),
            failures: failures.clone(),
        };
        let Some(traffic) = self.traffic.clone() else {
            return Box::new(async move {
                let request = unseal(request, &vault, &held).await?;
                let (response, io) = send(request, options, bounds, authority, failures).await?;
                Ok((mask_echoes(response, &vault), io))
            });
        };
        let redacted = self.redacted.clone();
        Box::new(async move {
            let redact = Redactor { secrets: &redacted };
            let (parts, body) = request.into_parts();
            let body = held.collect(body).await?;
            let (method, url, headers) = (
                parts.method.to_string(),
                parts.uri.to_string(),
                parts.headers.clone(),
            );
            match &*traffic {
                Traffic::Replay(replay) => {
                    let key = if body.is_empty() {
                        String::new()
                    } else {
                        redact.body(&body)
                    };
                    let url = redact.text(&url);
                    let Some(answer) = replay.answer(&method, &url, &key) else {
                        let why = format!(
                            "{authority}: no recorded answer for {method} {url} in the replayed file"
                        );
                        failures.record(why.clone());
                        return Err(wasmtime_wasi_http::Error::InternalError(Some(why)));
                    };
                    replayed(answer)
                }
                Traffic::Record(recorder) => {
                    let started = std::time::Instant::now();
                    let request = http::Request::from_parts(parts, full(body.clone()));
                    let request = unseal(request, &vault, &held).await?;
                    let (response, io) =
                        send(request, options, bounds, authority, failures).await?;
                    // The connection is driven while the answer is read whole.
                    let io = tokio::spawn(Box::into_pin(io));
                    let (head, answer) = response.into_parts();
                    let answer = answer.collect().await?.to_bytes();
                    recorder.add(traffic::entry(
                        &redact,
                        &method,
                        &url,
                        &headers,
                        &body,
                        head.status.as_u16(),
                        &head.headers,
                        &answer,
                        started.elapsed().as_secs_f64() * 1000.0,
                    ));
                    let io = async move { io.await.unwrap_or(Ok(())) };
                    let answer = if vault.is_empty() {
                        answer
                    } else {
                        Bytes::from(replace_all(&answer, vault.echoes()))
                    };
                    let mut head = head;
                    head.headers.remove(http::header::CONTENT_LENGTH);
                    Ok((
                        http::Response::from_parts(head, full(answer)),
                        Box::new(io) as Box<dyn Future<Output = _> + Send>,
                    ))
                }
            }
        })
    }
}

/// How a request body the host must hold whole is collected: at most `max` bytes, the
/// failure past it recorded in words.
struct HeldBody {
    max: u64,
    authority: String,
    failures: CallLog,
}

impl HeldBody {
    /// The whole body, or `HttpRequestBodySize` once it passes the cap (the rest is never
    /// read: the guest's next write fails).
    async fn collect(&self, body: WasiBody) -> Result<Bytes, wasmtime_wasi_http::Error> {
        let max = usize::try_from(self.max).unwrap_or(usize::MAX);
        match http_body_util::Limited::new(body, max).collect().await {
            Ok(collected) => Ok(collected.to_bytes()),
            Err(e) => match e.downcast::<wasmtime_wasi_http::Error>() {
                Ok(inner) => Err(*inner),
                Err(_) => {
                    self.failures.record(format!(
                        "{}: the request body was larger than {} MiB (the host holds at most that)",
                        self.authority,
                        self.max >> 20
                    ));
                    Err(wasmtime_wasi_http::Error::HttpRequestBodySize(Some(
                        self.max,
                    )))
                }
            },
        }
    }
}

/// The request with the real secret values in place of their placeholders (URL, headers,
/// body), as it goes out; the guest's own request never held them.
async fn unseal(
    request: http::Request<WasiBody>,
    vault: &Vault,
    held: &HeldBody,
) -> Result<http::Request<WasiBody>, wasmtime_wasi_http::Error> {
    if vault.is_empty() {
        return Ok(request);
    }
    let bad = |why: &str| wasmtime_wasi_http::Error::InternalError(Some(why.to_string()));
    let (mut parts, body) = request.into_parts();
    let uri = vault.unseal_url(&parts.uri.to_string());
    let unsealed: http::Uri = uri
        .parse()
        .map_err(|_| bad("a secret does not fit in the request's URL"))?;
    // A secret goes into the path or the query, never into the checked authority.
    if unsealed.authority() != parts.uri.authority() {
        return Err(wasmtime_wasi_http::Error::HttpRequestDenied);
    }
    parts.uri = unsealed;
    for value in parts.headers.values_mut() {
        if let Ok(text) = value.to_str() {
            let unsealed = vault.unseal_header(text);
            if unsealed != text {
                *value = http::HeaderValue::from_str(&unsealed)
                    .map_err(|_| bad("a secret does not fit in a request header"))?;
            }
        }
    }
    let kind = BodyKind::of(
        parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
    );
    let body = held.collect(body).await?;
    let body = Bytes::from(vault.unseal_body(&body, kind));
    if parts.headers.contains_key(http::header::CONTENT_LENGTH) {
        parts
            .headers
            .insert(http::header::CONTENT_LENGTH, body.len().into());
    }
    Ok(http::Request::from_parts(parts, full(body)))
}

/// The answer as the guest reads it: every echo of a secret back to its placeholder (the
/// length may change, so the answer carries none).
fn mask_echoes(response: http::Response<WasiBody>, vault: &Vault) -> http::Response<WasiBody> {
    if vault.is_empty() {
        return response;
    }
    let (mut head, body) = response.into_parts();
    head.headers.remove(http::header::CONTENT_LENGTH);
    let body = EchoMask::new(body, vault.echoes().clone()).boxed_unsync();
    http::Response::from_parts(head, body)
}

/// A body of these bytes.
fn full(bytes: Bytes) -> WasiBody {
    http_body_util::Full::new(bytes)
        .map_err(|never: std::convert::Infallible| match never {})
        .boxed_unsync()
}

/// The recorded answer, as a response (its length is the recorded body's).
fn replayed(answer: crate::har::Response) -> Result<Sent, wasmtime_wasi_http::Error> {
    let bad = |why: String| wasmtime_wasi_http::Error::InternalError(Some(why));
    let body = crate::har::body_bytes(&answer.content.text, answer.content.encoding.as_deref())
        .map_err(bad)?;
    let mut response = http::Response::builder().status(answer.status);
    for h in &answer.headers {
        let name = h.name.to_ascii_lowercase();
        if name == "content-length" || name == "transfer-encoding" {
            continue;
        }
        response = response.header(h.name.as_str(), h.value.as_str());
    }
    let response = response
        .body(full(Bytes::from(body)))
        .map_err(|e| bad(format!("a recorded answer is not a valid response: {e}")))?;
    Ok((
        response,
        Box::new(async { Ok(()) }) as Box<dyn Future<Output = _> + Send>,
    ))
}

/// Sends a request under the sandbox's bounds; the answer's body is capped.
async fn send(
    request: http::Request<WasiBody>,
    options: RequestOptions,
    bounds: Bounds,
    authority: String,
    failures: CallLog,
) -> Result<Sent, wasmtime_wasi_http::Error> {
    // wasmtime bounds the TCP connect and the HTTP handshake, not a TLS handshake that stalls
    // between them: the whole exchange up to the answer's head is bounded here.
    let head_within = bounds.connect * 2 + bounds.first_byte;
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
    let max = bounds.max_response_bytes;
    let response = response.map(|body| {
        CappedBody {
            inner: body.boxed_unsync(),
            left: max,
            report: Some((authority, bounds, failures)),
        }
        .boxed_unsync()
    });
    Ok((response, Box::new(io) as Box<dyn Future<Output = _> + Send>))
}

/// A response body that fails once more than `left` bytes went through; its failure is
/// recorded in words once.
struct CappedBody {
    inner: WasiBody,
    left: u64,
    report: Option<(String, Bounds, CallLog)>,
}

impl CappedBody {
    fn failed(&mut self, e: wasmtime_wasi_http::Error) -> wasmtime_wasi_http::Error {
        if let Some((authority, bounds, failures)) = self.report.take() {
            failures.record(describe(&authority, &e, Phase::Body, &bounds));
        }
        e
    }
}

/// The request with its URI's authority replaced by the `host:port` the allow list checked
/// (lower case, no trailing dot; the port written only when it is not the scheme's default, so
/// recorded URLs read as the guest meant them), so the connection and the check agree.
pub(super) fn pin<B>(request: http::Request<B>, checked: &str) -> Option<http::Request<B>> {
    let (mut parts, body) = request.into_parts();
    let default = if parts.uri.scheme() == Some(&http::uri::Scheme::HTTPS) {
        ":443"
    } else {
        ":80"
    };
    let authority = checked.strip_suffix(default).unwrap_or(checked);
    let mut uri = parts.uri.into_parts();
    uri.authority = Some(authority.parse().ok()?);
    parts.uri = http::Uri::from_parts(uri).ok()?;
    Some(http::Request::from_parts(parts, body))
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
