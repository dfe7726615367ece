//! The shared state behind the handle and the axum router: routes, the outer gate (journal,
//! scripted faults) and the inner gate (Bearer token check, `X-Application-Version`).

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::auth::{TOKEN_PATH, TokenStore};
use crate::faults::{Decision, FaultQueue};
use crate::graphql::{self, SimSchema};
use crate::journal::{GraphqlRoots, JournalEntry, WriteAliases, redact_query};
use crate::profile::RateLimit;
use crate::tenant::Tenant;
use crate::wire::{default_fault_message, rest_error, unauthenticated};
use crate::{forms, history, rest, writes};

/// Everything the handlers and the handle share. Mutexes are never held across an await.
pub struct Shared {
    pub tenant: Mutex<Tenant>,
    pub tokens: Mutex<TokenStore>,
    pub faults: Mutex<FaultQueue>,
    pub journal: Mutex<Vec<JournalEntry>>,
    /// The current window of the profile's rate limit.
    pub rate: Mutex<RateWindow>,
    pub login: String,
    pub password: String,
    /// `http://127.0.0.1:PORT`, used in pagination links.
    pub base_url: String,
    pub schema: SimSchema,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("base_url", &self.base_url)
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

/// A fixed window of API requests for `WireProfile::rate_limit`.
#[derive(Debug, Default)]
pub struct RateWindow {
    start: Option<Instant>,
    count: u32,
}

impl RateWindow {
    /// Counts a request at `now`; `Some(Retry-After seconds)` when it is over the limit.
    pub fn admit(&mut self, limit: RateLimit, now: Instant) -> Option<u32> {
        let start = match self.start {
            Some(s) if now.duration_since(s) < limit.window => s,
            _ => {
                self.start = Some(now);
                self.count = 0;
                now
            }
        };
        if self.count < limit.requests {
            self.count += 1;
            return None;
        }
        let left = limit.window.saturating_sub(now.duration_since(start));
        Some(u32::try_from(left.as_millis().div_ceil(1000).max(1)).unwrap_or(u32::MAX))
    }
}

/// Lock, ignoring poisoning (a panicking test must not wedge the server).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The bearer token of a request, if any.
pub fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// The whole API on one router.
pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(TOKEN_PATH, post(crate::auth::token))
        .route("/search", get(rest::search))
        .route("/psos", post(writes::create))
        .route("/psos/{id}", get(rest::pso))
        .route("/psos/{id}/fields", get(rest::pso_fields))
        .route("/psos/{id}/status", post(writes::status))
        .route(
            "/psos/{id}/form-instances/{fi}",
            get(forms::get_pso_form).post(writes::update),
        )
        .route("/form-instances", get(forms::list_instances))
        .route("/form-instances/{id}", get(forms::get_instance))
        .route("/forms/{id}", get(forms::get_form))
        .route("/history/psos/{pso}/{field}", get(history::handler))
        .route("/resources/history-actions", get(history::actions))
        .route("/fields", get(rest::fields))
        .route("/fields/{id}", get(rest::field))
        .route("/fields/{id}/options", get(rest::field_options))
        .route("/graphql", post(graphql::handler))
        .route_layer(from_fn_with_state(shared.clone(), require_token))
        .fallback(|| async { rest_error(StatusCode::NOT_FOUND, "404 Not Found") })
        .method_not_allowed_fallback(|| async {
            rest_error(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed")
        })
        .layer(from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// Largest request body the simulator reads.
const MAX_REQUEST_BYTES: usize = 16 << 20;

/// Inner gate (matched routes only): a live Bearer token, and no outdated mobile client.
async fn require_token(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    if req.uri().path() == TOKEN_PATH {
        return next.run(req).await;
    }
    let ok = bearer(&req).is_some_and(|t| lock(&s.tokens).is_valid(t));
    if !ok {
        let envelope =
            lock(&s.tenant).profile.graphql_auth == crate::profile::GraphqlAuth::Envelope;
        if envelope && req.uri().path() == "/graphql" {
            return (
                StatusCode::OK,
                axum::Json(serde_json::json!({
                    "data": null,
                    "errors": [{"message": "Unauthenticated."}]
                })),
            )
                .into_response();
        }
        return unauthenticated();
    }
    if let Some(v) = req
        .headers()
        .get("x-application-version")
        .and_then(|v| v.to_str().ok())
        && outdated_mobile(v)
    {
        return rest_error(StatusCode::NOT_ACCEPTABLE, "Please update the application.");
    }
    next.run(req).await
}

/// `ios|android/<semver>` with a major version below 2 is "too old"; anything else passes.
fn outdated_mobile(v: &str) -> bool {
    let Some((platform, version)) = v.split_once('/') else {
        return false;
    };
    let major: Option<u32> = version
        .split('.')
        .next()
        .and_then(|m| m.trim().parse().ok());
    matches!(
        platform.trim().to_ascii_lowercase().as_str(),
        "ios" | "android"
    ) && major.is_some_and(|m| m < 2)
}

/// Outer gate (every request): scripted faults, then the journal entry.
async fn gate(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    // Read the whole request body before anything can answer early (401, scripted faults), as
    // a real server does: answering mid-upload resets the connection under the client.
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REQUEST_BYTES).await else {
        return rest_error(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large.");
    };
    let req = Request::from_parts(parts, Body::from(bytes));
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let query = redact_query(req.uri().query().unwrap_or(""));
    let authorized = bearer(&req).is_some_and(|t| lock(&s.tokens).is_valid(t));
    let limit = lock(&s.tenant)
        .profile
        .rate_limit
        .filter(|_| path != TOKEN_PATH);
    let limited = limit.and_then(|l| lock(&s.rate).admit(l, Instant::now()));
    let decision = match limited {
        // Over the rate limit: answered 429 before any fault or handler.
        Some(secs) => Decision {
            status: Some((429, None, Some(secs))),
            ..Decision::default()
        },
        None => lock(&s.faults).decide(&method, &path),
    };
    if decision.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.delay_ms)).await;
    }
    if decision.insert_users > 0 {
        let mut t = lock(&s.tenant);
        for _ in 0..decision.insert_users {
            t.insert_generated_user();
        }
    }
    let mut resp = if let Some((status, body, retry_after)) = decision.status {
        let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut r = match body {
            Some(b) => (code, [(header::CONTENT_TYPE, "application/json")], b).into_response(),
            None => rest_error(code, default_fault_message(status)),
        };
        if let Some(secs) = retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    } else {
        let handled = next.run(req).await;
        match decision.after {
            None => handled,
            Some((status, body)) => {
                let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
                let mut r = match body {
                    Some(b) => {
                        (code, [(header::CONTENT_TYPE, "application/json")], b).into_response()
                    }
                    None => rest_error(code, default_fault_message(status)),
                };
                if let Some(w) = handled.extensions().get::<WriteAliases>() {
                    r.extensions_mut().insert(w.clone());
                }
                r
            }
        }
    };
    if decision.malformed {
        let (mut parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        let cut = bytes.slice(..bytes.len() / 2);
        parts.status = StatusCode::OK;
        parts.headers.remove(header::CONTENT_LENGTH);
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp = Response::from_parts(parts, Body::from(cut));
    }
    let graphql_roots = resp
        .extensions()
        .get::<GraphqlRoots>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let write_aliases = resp
        .extensions()
        .get::<WriteAliases>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    lock(&s.journal).push(JournalEntry {
        method,
        path,
        query,
        status: resp.status().as_u16(),
        authorized,
        graphql_roots,
        write_aliases,
    });
    resp
}

#[cfg(test)]
mod tests {
    #[test]
    fn mobile_versions() {
        assert!(super::outdated_mobile("ios/1.9.0"));
        assert!(!super::outdated_mobile("android/2.0.1"));
        assert!(!super::outdated_mobile("web/1.0.0"));
    }
}
