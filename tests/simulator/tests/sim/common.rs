//! Helpers: drive the router with `oneshot`, log in, GET with a token, POST GraphQL.

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use ps_simulator::{SimConfig, Simulator, TOKEN_PATH};
use serde_json::Value;
use tower::ServiceExt as _;

pub async fn sim() -> Simulator {
    Simulator::start(SimConfig::default())
        .await
        .expect("simulator starts")
}

pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes).unwrap_or_else(|e| {
            panic!(
                "invalid JSON ({e}): {}",
                String::from_utf8_lossy(&self.bytes)
            )
        })
    }
}

pub async fn send(sim: &Simulator, req: Request<Body>) -> Reply {
    let resp = sim.router().oneshot(req).await.expect("infallible");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .expect("body")
        .to_vec();
    Reply {
        status,
        headers,
        bytes,
    }
}

pub async fn token_form(sim: &Simulator, form: &str) -> Reply {
    let req = Request::post(TOKEN_PATH)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(Body::from(form.to_string()))
        .expect("request");
    send(sim, req).await
}

pub fn password_form(sim: &Simulator, client: &str) -> String {
    serde_urlencoded::to_string([
        ("grant_type", "password"),
        ("client_id", client),
        ("username", sim.login()),
        ("password", sim.password()),
    ])
    .expect("form")
}

/// Log in; `(access, refresh)`.
pub async fn login(sim: &Simulator) -> (String, String) {
    let r = token_form(sim, &password_form(sim, "web-app")).await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.bytes));
    let v = r.json();
    (
        v["access_token"].as_str().expect("access").to_string(),
        v["refresh_token"].as_str().expect("refresh").to_string(),
    )
}

pub async fn get(sim: &Simulator, uri: &str, token: Option<&str>) -> Reply {
    let mut b = Request::get(uri).header("accept", "application/json");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    send(sim, b.body(Body::empty()).expect("request")).await
}

pub async fn gql(sim: &Simulator, token: &str, query: &str, variables: Value) -> Reply {
    let body = serde_json::json!({ "query": query, "variables": variables, "operationName": null });
    let req = Request::post("/graphql")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    send(sim, req).await
}

pub async fn post_json(sim: &Simulator, uri: &str, token: &str, body: &Value) -> Reply {
    let req = Request::post(uri)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .body(Body::from(body.to_string()))
        .expect("request");
    send(sim, req).await
}
