//! The admin and call API of `connector-host serve`: HTTP/JSON, behind the admin gate
//! ([`crate::admin_guard`]: a token, this server's `Host`, no other web origin).
//!
//! | method and path | what it does |
//! |---|---|
//! | `GET /connectors` | names, serving versions, component paths, rollback versions |
//! | `POST /connectors/{name}/swap` `{"path": "…"}` | prepare and swap in a new component; 409 with the reason when refused |
//! | `POST /connectors/{name}/rollback` | put the previous version back |
//! | `GET /connectors/{name}/fields` | get-fields |
//! | `GET /connectors/{name}/users?page_token=&page_size=` | one page of list-users |
//! | `GET /connectors/{name}/users/{id}` | get-user |
//!
//! Call answers carry the `x-connector-version` header: the version that answered.
//! [`watch`] swaps a connector when its component file changes.

use crate::connector::Session as _;
use crate::error::ErrorKind;
use crate::rate_limit::{Patient, WaitBudget};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::error::{ConnectorError, HostError};
use crate::registry::{Registry, Version};

/// The API over a registry behind the admin gate (token, `Host`, no other origin): what
/// `connector-host serve` answers with.
pub fn guarded(registry: Arc<Registry>, guard: crate::admin_guard::Guard) -> Router {
    router(registry).layer(axum::middleware::from_fn_with_state(
        guard,
        crate::admin_guard::gate,
    ))
}

/// The API over a registry, ungated (for embedding behind a gate of one's own, and tests).
pub fn router(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/connectors", get(list))
        .route("/connectors/{name}/swap", post(swap))
        .route("/connectors/{name}/rollback", post(rollback))
        .route("/connectors/{name}/fields", get(fields))
        .route("/connectors/{name}/users", get(users))
        .route("/connectors/{name}/users/{id}", get(user))
        .with_state(registry)
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

/// A failed call as an HTTP answer: the connector's typed errors keep their meaning (404, 400,
/// 409, 429 with `Retry-After`), a call cut at its deadline is 504, an instance the host could
/// not start (pool full) 503, and anything else from upstream 502.
fn host_error(e: &HostError) -> Response {
    let status = match e {
        HostError::Deadline { .. } => StatusCode::GATEWAY_TIMEOUT,
        HostError::Instantiate(_) => StatusCode::SERVICE_UNAVAILABLE,
        HostError::RateLimitBudget { .. } => StatusCode::TOO_MANY_REQUESTS,
        _ => match e.kind() {
            Some(ErrorKind::NotFound) => StatusCode::NOT_FOUND,
            Some(ErrorKind::InvalidInput) => StatusCode::BAD_REQUEST,
            Some(ErrorKind::AlreadyExists) => StatusCode::CONFLICT,
            Some(ErrorKind::RateLimited) => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_GATEWAY,
        },
    };
    let mut answer = (
        status,
        Json(json!({ "error": e.to_string(), "kind": e.kind() })),
    )
        .into_response();
    if let HostError::Connector(ConnectorError::RateLimited { retry_after_secs })
    | HostError::RateLimitBudget {
        retry_after_secs, ..
    } = e
    {
        answer
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
    }
    answer
}

fn answered(version: &Version, body: serde_json::Value) -> Response {
    let mut response = Json(body).into_response();
    if let Ok(v) = HeaderValue::from_str(version.version()) {
        response.headers_mut().insert("x-connector-version", v);
    }
    response
}

async fn list(State(registry): State<Arc<Registry>>) -> Response {
    let rows: Vec<serde_json::Value> = registry
        .names()
        .into_iter()
        .filter_map(|name| {
            let current = registry.current(&name).ok()?;
            let previous = registry.previous(&name).map(|p| p.version().to_string());
            Some(json!({ "name": name, "version": current.version(), "path": current.source, "previous": previous, "capabilities": current.capabilities }))
        })
        .collect();
    Json(rows).into_response()
}

#[derive(Deserialize)]
struct SwapBody {
    path: std::path::PathBuf,
    /// Growth of the capability set approved for this swap (`host:…`, `import:…`, `secret:…`).
    #[serde(default)]
    approve: Vec<String>,
}

async fn swap(
    State(registry): State<Arc<Registry>>,
    Path(name): Path<String>,
    Json(body): Json<SwapBody>,
) -> Response {
    match registry
        .swap_approving(
            &name,
            &crate::source::ComponentSource::File(body.path),
            &body.approve,
        )
        .await
    {
        Ok(v) => Json(json!({ "name": name, "version": v.version() })).into_response(),
        Err(crate::registry::RegistryError::Unknown(n)) => {
            error(StatusCode::NOT_FOUND, format!("no connector named {n}"))
        }
        Err(e) => error(StatusCode::CONFLICT, e),
    }
}

async fn rollback(State(registry): State<Arc<Registry>>, Path(name): Path<String>) -> Response {
    match registry.rollback(&name).await {
        Ok(v) => Json(json!({ "name": name, "version": v.version() })).into_response(),
        Err(crate::registry::RegistryError::Unknown(n)) => {
            error(StatusCode::NOT_FOUND, format!("no connector named {n}"))
        }
        Err(e) => error(StatusCode::CONFLICT, e),
    }
}

/// The serving version of `name` and a session of it, or the error answer.
async fn lease(registry: &Registry, name: &str) -> Result<(Arc<Version>, Patient), Response> {
    let version = registry
        .current(name)
        .map_err(|e| error(StatusCode::NOT_FOUND, e))?;
    let config = registry
        .config(name)
        .map_err(|e| error(StatusCode::NOT_FOUND, e))?;
    // One budget for the read, logging in included.
    let budget = WaitBudget::new(registry.read_wait());
    let session = crate::rate_limit::again_when_limited(&budget, || version.take_session(&config))
        .await
        .map_err(|e| host_error(&e))?;
    Ok((version, Patient::new(session, budget)))
}

/// Answers a call's outcome; a healthy session goes back to its version's pool.
fn finish<T: serde::Serialize>(
    version: &Version,
    session: Patient,
    outcome: Result<T, HostError>,
) -> Response {
    let session = session.into_inner();
    match outcome {
        Ok(value) => {
            version.give_back(session);
            answered(version, json!(value))
        }
        // A typed answer leaves the session healthy; a trap or a deadline already discarded
        // its instance, so that session is closed.
        Err(e @ HostError::Connector(_)) => {
            version.give_back(session);
            host_error(&e)
        }
        Err(e) => host_error(&e),
    }
}

async fn fields(State(registry): State<Arc<Registry>>, Path(name): Path<String>) -> Response {
    let (version, mut session) = match lease(&registry, &name).await {
        Ok(x) => x,
        Err(response) => return response,
    };
    let outcome = session.get_fields().await;
    finish(&version, session, outcome)
}

async fn users(
    State(registry): State<Arc<Registry>>,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let size: u32 = match q.get("page_size").map(|s| s.parse()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return error(StatusCode::BAD_REQUEST, "page_size must be a whole number"),
    };
    let (version, mut session) = match lease(&registry, &name).await {
        Ok(x) => x,
        Err(response) => return response,
    };
    let outcome = session
        .list_users(q.get("page_token").map(String::as_str), size)
        .await;
    finish(&version, session, outcome)
}

async fn user(
    State(registry): State<Arc<Registry>>,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    let (version, mut session) = match lease(&registry, &name).await {
        Ok(x) => x,
        Err(response) => return response,
    };
    let outcome = session.get_user(&id).await;
    finish(&version, session, outcome)
}

/// What the watcher sees of a file: its modification time and size.
type Stamp = Option<(SystemTime, u64)>;

fn stamp(path: &std::path::Path) -> Stamp {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// The SHA-256 of a file, as the loader names components (read like a swap reads it: bounded
/// in size and time).
fn file_hash(path: &std::path::Path) -> Option<String> {
    use sha2::{Digest, Sha256};
    let bytes = crate::source::ComponentSource::file(path)
        .read_timed()
        .ok()?;
    Some(
        Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
    )
}

/// Polls each connector's component file and swaps it in when it changes; `report` hears
/// each outcome. Runs until the task is dropped.
///
/// A change is acted on once the file has stopped changing for one poll (a file copied in
/// place is not read half-written; an atomic rename is still the way to deploy), and only if
/// its bytes differ from the serving version's (a `touch` or a redeploy of the same file does
/// nothing). Files are tracked per (connector, path), so a swap through the API to another
/// file is not repeated by the watcher.
pub async fn watch(
    registry: Arc<Registry>,
    every: Duration,
    report: impl Fn(&str, Result<&str, String>) + Send + Sync,
) {
    let mut seen: HashMap<(String, std::path::PathBuf), Stamp> = HashMap::new();
    let mut settling: HashMap<(String, std::path::PathBuf), Stamp> = HashMap::new();
    loop {
        for name in registry.names() {
            let Ok(current) = registry.current(&name) else {
                continue;
            };
            // The built-in connector has no file to watch.
            let Some(path) = current.source.path().map(std::path::Path::to_path_buf) else {
                continue;
            };
            let key = (name.clone(), path.clone());
            let now = stamp(&path);
            let before = *seen.entry(key.clone()).or_insert(now);
            if now == before {
                settling.remove(&key);
                continue;
            }
            if settling.get(&key) != Some(&now) {
                settling.insert(key, now);
                continue;
            }
            settling.remove(&key);
            seen.insert(key, now);
            // Off the async workers: the read may wait for its timeout.
            let hashing = path.clone();
            let hash = tokio::task::spawn_blocking(move || file_hash(&hashing))
                .await
                .ok()
                .flatten();
            if hash.as_deref() == Some(current.connector.component().hash_hex().as_str()) {
                continue;
            }
            match registry.swap(&name, &current.source).await {
                Ok(v) => report(&name, Ok(v.version())),
                Err(e) => report(&name, Err(e.to_string())),
            }
        }
        tokio::time::sleep(every).await;
    }
}
