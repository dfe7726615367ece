//! The Keycloak token endpoint (password and refresh_token grants, stock Keycloak error
//! bodies) and the token store that the API gate checks Bearer tokens against.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::json;

use crate::rng::Rng;
use crate::server::Shared;
use crate::wire::keycloak_error;

/// Path of the token endpoint.
pub const TOKEN_PATH: &str = "/auth/realms/Internal-idp/protocol/openid-connect/token";
/// Client ids Keycloak accepts.
pub const CLIENT_IDS: &[&str] = &["web-app", "monportailrh-web-app"];
/// Lifetime of refresh tokens, seconds.
pub const REFRESH_TTL_SECS: u64 = 36_000;

struct RefreshInfo {
    expires: Instant,
    client: String,
}

/// Issued tokens.
pub struct TokenStore {
    rng: Rng,
    ttl: u64,
    access: HashMap<String, Instant>,
    refresh: HashMap<String, RefreshInfo>,
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStore")
            .field("ttl", &self.ttl)
            .field("access", &self.access.len())
            .finish_non_exhaustive()
    }
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl TokenStore {
    pub fn new(ttl: u64) -> TokenStore {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        TokenStore {
            rng: Rng::new(h.finish()),
            ttl,
            access: HashMap::new(),
            refresh: HashMap::new(),
        }
    }

    pub fn set_ttl(&mut self, secs: u64) {
        self.ttl = secs;
    }

    /// Every access token issued so far is expired from now on.
    pub fn expire_all(&mut self) {
        let now = Instant::now();
        for exp in self.access.values_mut() {
            *exp = now;
        }
    }

    /// Is this a live access token?
    pub fn is_valid(&self, token: &str) -> bool {
        self.access
            .get(token)
            .is_some_and(|exp| Instant::now() < *exp)
    }

    /// A JWT-looking opaque token: header, payload with `exp`/`typ`/`azp`, random signature.
    fn mint(&mut self, typ: &str, client: &str, ttl: u64) -> String {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let header = b64url(br#"{"alg":"RS256","typ":"JWT","kid":"ps-simulator"}"#);
        let payload = json!({
            "exp": now + ttl, "iat": now, "jti": self.rng.uuid(), "typ": typ, "azp": client,
            "iss": "/auth/realms/Internal-idp",
        });
        let mut sig = [0u8; 32];
        for chunk in sig.chunks_mut(8) {
            chunk.copy_from_slice(&self.rng.next_u64().to_le_bytes());
        }
        format!(
            "{header}.{}.{}",
            b64url(payload.to_string().as_bytes()),
            b64url(&sig)
        )
    }

    /// Issue an access + refresh token pair; the Keycloak success body.
    pub fn issue(&mut self, client: &str) -> serde_json::Value {
        let now = Instant::now();
        let access = self.mint("Bearer", client, self.ttl);
        let refresh = self.mint("Refresh", client, REFRESH_TTL_SECS);
        self.access.retain(|_, exp| *exp > now);
        self.access
            .insert(access.clone(), now + Duration::from_secs(self.ttl));
        self.refresh.retain(|_, r| r.expires > now);
        self.refresh.insert(
            refresh.clone(),
            RefreshInfo {
                expires: now + Duration::from_secs(REFRESH_TTL_SECS),
                client: client.to_string(),
            },
        );
        json!({
            "access_token": access, "expires_in": self.ttl, "refresh_expires_in": REFRESH_TTL_SECS,
            "refresh_token": refresh, "token_type": "Bearer", "not-before-policy": 0,
            "session_state": self.rng.uuid(), "scope": "profile email",
        })
    }

    /// Is this refresh token live and issued to `client`?
    fn refresh_ok(&self, token: &str, client: &str) -> bool {
        self.refresh
            .get(token)
            .is_some_and(|r| Instant::now() < r.expires && r.client == client)
    }
}

/// `POST /auth/realms/Internal-idp/protocol/openid-connect/token`.
pub async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let Some(grant) = get("grant_type") else {
        return keycloak_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing form parameter: grant_type",
        );
    };
    if grant != "password" && grant != "refresh_token" {
        return keycloak_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Unsupported grant_type",
        );
    }
    let client = match get("client_id") {
        Some(c) if CLIENT_IDS.contains(&c) => c,
        _ => {
            return keycloak_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "Invalid client credentials",
            );
        }
    };
    let mut store = crate::server::lock(&shared.tokens);
    if grant == "password" {
        let ok = get("username") == Some(shared.login.as_str())
            && get("password") == Some(shared.password.as_str());
        if !ok {
            return keycloak_error(
                StatusCode::UNAUTHORIZED,
                "invalid_grant",
                "Invalid user credentials",
            );
        }
    } else {
        let ok = get("refresh_token").is_some_and(|t| store.refresh_ok(t, client));
        if !ok {
            return keycloak_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "Invalid refresh token",
            );
        }
    }
    (StatusCode::OK, axum::Json(store.issue(client))).into_response()
}
