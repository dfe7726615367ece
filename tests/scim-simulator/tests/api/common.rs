//! Starting a server and sending it one request.

use axum::body::{Body, to_bytes};
use axum::http::{HeaderMap, Request};
use scim_simulator::{ScimConfig, ScimServer};
use serde_json::{Value, json};
use tower::ServiceExt;

pub async fn start(cfg: ScimConfig) -> ScimServer {
    ScimServer::start(cfg).await.expect("server starts")
}

pub async fn server() -> ScimServer {
    start(ScimConfig::default()).await
}

#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a SCIM error answer and returns its `scimType`.
    pub fn scim_error(&self, status: u16) -> Option<String> {
        assert_eq!(self.status, status, "{}", self.text);
        assert_eq!(self.json["schemas"], json!([scim_simulator::ERROR_URN]));
        assert_eq!(self.json["status"], json!(status.to_string()));
        assert!(self.json["detail"].is_string());
        self.json["scimType"].as_str().map(str::to_string)
    }
}

/// `path` is relative to `/scim/v2`; the server's token is sent unless `headers` has
/// an Authorization header.
pub async fn call_with(
    s: &ScimServer,
    method: &str,
    path: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> Answer {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("/scim/v2{path}"));
    if !headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
    {
        req = req.header("authorization", format!("Bearer {}", s.token()));
    }
    if body.is_some()
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        req = req.header("content-type", "application/scim+json");
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    let res = s
        .router()
        .oneshot(req.body(body).expect("request"))
        .await
        .expect("infallible");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let bytes = to_bytes(res.into_body(), usize::MAX).await.expect("body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

pub async fn call(s: &ScimServer, method: &str, path: &str, body: Option<Value>) -> Answer {
    call_with(s, method, path, body, &[]).await
}

/// Creates a user and returns its id.
pub async fn create(s: &ScimServer, body: Value) -> String {
    let a = call(s, "POST", "/Users", Some(body)).await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json["id"].as_str().expect("id").to_string()
}

pub fn ada() -> Value {
    json!({
        "schemas": [scim_simulator::USER_URN, scim_simulator::ENTERPRISE_URN],
        "userName": "ada@example.org",
        "externalId": "hr-1",
        "name": {"givenName": "Ada", "familyName": "Lovelace"},
        "displayName": "Ada Lovelace",
        "emails": [{"type": "work", "value": "ada@example.org", "primary": true}],
        scim_simulator::ENTERPRISE_URN: {"department": "Analytics", "employeeNumber": "1"},
    })
}
