//! The axum router under `/scim/v2`: the outer gate (request journal, scripted faults), the
//! bearer-token check, and the handlers of the discovery documents and of `/Users`.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::ScimConfig;
use crate::faults::Faults;
use crate::listing::{self, Query};
use crate::store::{Store, User, not_found};
use crate::wire::{ENTERPRISE_URN, ScimError, USER_URN, etag, scim_json};
use crate::{patch, schemas};

/// The path every route lives under.
pub const BASE_PATH: &str = "/scim/v2";

/// What the handlers and the handle share. Mutexes are never held across an await.
pub struct Shared {
    pub cfg: ScimConfig,
    /// The SCIM base URL, used in `meta.location`.
    pub base: String,
    pub store: Mutex<Store>,
    pub faults: Mutex<Faults>,
    pub journal: Mutex<Vec<(String, String)>>,
}

/// Lock, ignoring poisoning (a panicking test must not wedge the server).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

type St = State<Arc<Shared>>;

pub fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{id}", get(resource_type))
        .route("/Schemas", get(schema_list))
        .route("/Schemas/{id}", get(schema_one))
        .route("/Users", get(list_users).post(create_user))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(put_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .fallback(unknown_route)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(shared.clone(), authenticate));
    Router::new()
        .nest(BASE_PATH, api)
        .fallback(unknown_route)
        .layer(from_fn_with_state(shared.clone(), gate))
        .with_state(shared)
}

/// Journals every request, then lets a scripted fault answer instead of the server.
async fn gate(State(s): St, req: Request, next: Next) -> Response {
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_string(), ToString::to_string);
    lock(&s.journal).push((req.method().to_string(), target));
    let fault = lock(&s.faults).check(Instant::now());
    match fault {
        Some(res) => res,
        None => next.run(req).await,
    }
}

async fn authenticate(State(s): St, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let detail = match given {
        Some(t) if t == s.cfg.token => return next.run(req).await,
        Some(_) => "the bearer token is not valid",
        None => "an Authorization: Bearer token is required",
    };
    let mut res = ScimError::new(401, detail).into_response();
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"scim\""),
    );
    res
}

async fn unknown_route() -> ScimError {
    ScimError::new(404, "no such endpoint")
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(405, "method not allowed on this endpoint")
}

async fn service_provider_config(State(s): St) -> Response {
    scim_json(
        StatusCode::OK,
        &schemas::service_provider_config(&s.cfg, &s.base),
    )
}

async fn resource_types(State(s): St) -> Response {
    scim_json(
        StatusCode::OK,
        &schemas::list(vec![schemas::user_resource_type(&s.base)]),
    )
}

async fn resource_type(State(s): St, Path(id): Path<String>) -> Result<Response, ScimError> {
    if id != "User" {
        return Err(ScimError::new(404, format!("ResourceType {id} not found")));
    }
    Ok(scim_json(
        StatusCode::OK,
        &schemas::user_resource_type(&s.base),
    ))
}

async fn schema_list(State(s): St) -> Response {
    scim_json(StatusCode::OK, &schemas::list(schemas::schemas(&s.base)))
}

async fn schema_one(State(s): St, Path(id): Path<String>) -> Result<Response, ScimError> {
    if id != USER_URN && id != ENTERPRISE_URN {
        return Err(ScimError::new(404, format!("Schema {id} not found")));
    }
    let schema = schemas::schemas(&s.base)
        .into_iter()
        .find(|doc| doc["id"] == id.as_str())
        .ok_or_else(|| ScimError::new(404, format!("Schema {id} not found")))?;
    Ok(scim_json(StatusCode::OK, &schema))
}

/// The query pairs of a request, percent-decoded.
fn query_pairs(raw: Option<String>) -> Result<Vec<(String, String)>, ScimError> {
    let raw = raw.unwrap_or_default();
    axum::extract::Query::<Vec<(String, String)>>::try_from_uri(
        &format!("/?{raw}")
            .parse()
            .map_err(|_| ScimError::bad("invalidSyntax", "bad query string"))?,
    )
    .map(|q| q.0)
    .map_err(|_| ScimError::bad("invalidSyntax", "bad query string"))
}

async fn list_users(State(s): St, RawQuery(raw): RawQuery) -> Result<Response, ScimError> {
    let q = Query::new(query_pairs(raw)?);
    let body = listing::list(&s.cfg, &s.base, &lock(&s.store), &q)?;
    Ok(scim_json(StatusCode::OK, &body))
}

/// A request body as JSON: `application/scim+json`, `application/json` or no content type.
fn json_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, ScimError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default().to_ascii_lowercase();
        let mime = ct.split(';').next().unwrap_or_default().trim();
        if mime != "application/json" && mime != "application/scim+json" {
            return Err(ScimError::new(
                415,
                format!("content type {mime:?} is not application/scim+json"),
            ));
        }
    }
    serde_json::from_slice(body)
        .map_err(|e| ScimError::bad("invalidSyntax", format!("the body is not JSON: {e}")))
}

fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A single User answer, with `ETag` (when enabled) and, for a creation, `Location`.
fn user_answer(s: &Shared, status: StatusCode, user: &User) -> Response {
    let body = user.render(&s.base);
    let mut res = scim_json(status, &body);
    let h = res.headers_mut();
    if s.cfg.etag
        && let Ok(v) = HeaderValue::from_str(&etag(user.version))
    {
        h.insert(header::ETAG, v);
    }
    if status == StatusCode::CREATED
        && let Some(Ok(v)) = body["meta"]["location"].as_str().map(HeaderValue::from_str)
    {
        h.insert(header::LOCATION, v);
    }
    res
}

async fn create_user(State(s): St, headers: HeaderMap, body: Bytes) -> Result<Response, ScimError> {
    let input = json_body(&headers, &body)?;
    let mut store = lock(&s.store);
    let user = store.create(input)?;
    Ok(user_answer(&s, StatusCode::CREATED, user))
}

async fn get_user(
    State(s): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ScimError> {
    let store = lock(&s.store);
    let user = store.get(&id).ok_or_else(|| not_found(&id))?;
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| s.cfg.etag && tags.split(',').any(|t| t.trim() == etag(user.version)));
    if unchanged {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&etag(user.version)) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return Ok(res);
    }
    Ok(user_answer(&s, StatusCode::OK, user))
}

async fn put_user(
    State(s): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimError> {
    let input = json_body(&headers, &body)?;
    let mut store = lock(&s.store);
    let user = store.replace(&id, input, if_match(&headers).as_deref())?;
    Ok(user_answer(&s, StatusCode::OK, user))
}

async fn patch_user(
    State(s): St,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ScimError> {
    if !s.cfg.patch {
        return Err(ScimError::new(501, "PATCH is not supported by this server"));
    }
    let ops = json_body(&headers, &body)?;
    let mut store = lock(&s.store);
    let user = store.update(&id, if_match(&headers).as_deref(), |current| {
        patch::apply(current, &ops)
    })?;
    Ok(user_answer(&s, StatusCode::OK, user))
}

async fn delete_user(
    State(s): St,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ScimError> {
    lock(&s.store).delete(&id, if_match(&headers).as_deref())?;
    Ok(StatusCode::NO_CONTENT)
}
