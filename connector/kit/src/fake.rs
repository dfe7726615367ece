//! A scripted transport for tests: a queue of canned answers, a journal of requests, a
//! settable clock and captured logs.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use crate::http::{HttpRequest, HttpResponse, Transport, TransportError};
use crate::model::LogLevel;

#[derive(Default)]
pub struct Fake {
    queue: RefCell<VecDeque<Result<HttpResponse, TransportError>>>,
    pub requests: RefCell<Vec<HttpRequest>>,
    pub now: Cell<u64>,
    pub logs: RefCell<Vec<String>>,
    /// Backoffs requested (not slept).
    pub sleeps: RefCell<Vec<u64>>,
    /// Requests sent ahead (each sent for real only when its answer is collected).
    pub ahead: Cell<u64>,
    /// Requests sent ahead whose answers were collected.
    pub collected: Cell<u64>,
}

impl Fake {
    pub fn new() -> Self {
        let f = Fake::default();
        f.now.set(1_700_000_000);
        f
    }

    pub fn push(&self, status: u16, body: impl ToString) -> &Self {
        self.push_with(status, body, &[])
    }

    pub fn push_json(&self, status: u16, body: &serde_json::Value) -> &Self {
        self.push(status, body.to_string())
    }

    pub fn push_with(&self, status: u16, body: impl ToString, headers: &[(&str, &str)]) -> &Self {
        self.queue.borrow_mut().push_back(Ok(HttpResponse {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: body.to_string().into_bytes(),
        }));
        self
    }

    pub fn push_err(&self, e: TransportError) -> &Self {
        self.queue.borrow_mut().push_back(Err(e));
        self
    }

    pub fn advance(&self, secs: u64) {
        self.now.set(self.now.get() + secs);
    }

    pub fn count(&self) -> usize {
        self.requests.borrow().len()
    }

    pub fn remaining(&self) -> usize {
        self.queue.borrow().len()
    }

    pub fn request(&self, i: usize) -> HttpRequest {
        self.requests.borrow()[i].clone()
    }

    pub fn body(&self, i: usize) -> String {
        String::from_utf8_lossy(&self.request(i).body.unwrap_or_default()).into_owned()
    }

    /// Requests sent with `POST` to a path other than the token endpoint and GraphQL.
    pub fn writes(&self) -> Vec<String> {
        self.requests
            .borrow()
            .iter()
            .filter(|r| r.method == crate::http::Method::Post)
            .filter(|r| !r.url.contains("/openid-connect/token") && !r.url.ends_with("/graphql"))
            .map(|r| r.url.clone())
            .collect()
    }

    pub fn auth_header(&self, i: usize) -> Option<String> {
        self.request(i)
            .headers
            .iter()
            .find(|(k, _)| k == "Authorization")
            .map(|(_, v)| v.clone())
    }
}

impl Transport for Fake {
    /// Scripted answers come in order: a request sent ahead is sent when collected.
    type Ahead = HttpRequest;

    fn send_ahead(&self, req: HttpRequest) -> Result<HttpRequest, TransportError> {
        self.ahead.set(self.ahead.get() + 1);
        Ok(req)
    }

    fn collect(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.collected.set(self.collected.get() + 1);
        self.send(req)
    }

    fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.requests.borrow_mut().push(req);
        self.queue.borrow_mut().pop_front().unwrap_or_else(|| {
            Err(TransportError::Unavailable(
                "no scripted response left".into(),
            ))
        })
    }

    fn now_unix(&self) -> u64 {
        self.now.get()
    }

    fn sleep_ms(&self, ms: u64) {
        self.sleeps.borrow_mut().push(ms);
    }

    fn log(&self, level: LogLevel, message: &str) {
        let level = match level {
            LogLevel::Trace => "Trace",
            LogLevel::Debug => "Debug",
            LogLevel::Info => "Info",
            LogLevel::Warn => "Warn",
            LogLevel::Error => "Error",
        };
        self.logs.borrow_mut().push(format!("{level} {message}"));
    }
}
