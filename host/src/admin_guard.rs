//! The admin API's gate: every request must carry the API token (`Authorization: Bearer …`),
//! name this server in `Host` (the listen address or a loopback name with its port, so a DNS
//! rebinding page cannot reach it through another name), and come from no other web origin
//! (`Origin` / `Sec-Fetch-Site`, so a page in a browser cannot post a swap or a rollback).
//! The token is the operator's (`CONNECTOR_HOST_ADMIN_TOKEN`) or made at start from the
//! operating system's random source and written to a file only its owner can read.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What the gate lets through.
#[derive(Clone)]
pub struct Guard {
    token: Arc<str>,
    hosts: Arc<Vec<String>>,
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("token", &"[redacted]")
            .field("hosts", &self.hosts)
            .finish()
    }
}

/// Why the token could not be made or kept.
#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("cannot make an admin API token: {0}")]
    Random(String),
    #[error("cannot write the admin API token to {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("CONNECTOR_HOST_ADMIN_TOKEN is shorter than 16 characters")]
    Weak,
    #[error(
        "--listen {0}: the admin API answers plain HTTP; a non-loopback address needs --allow-remote and CONNECTOR_HOST_ADMIN_TOKEN (and a TLS proxy in front)"
    )]
    Remote(SocketAddr),
}

/// Whether the admin API may listen on `listen`: a loopback address always; any other only
/// with the operator's explicit `--allow-remote` and the operator's own token (a token made at
/// start would sit in a file on this machine, useless to a remote caller and a guess away).
pub fn check_listen(
    listen: SocketAddr,
    allow_remote: bool,
    operator_token: Option<&str>,
) -> Result<(), GuardError> {
    if listen.ip().is_loopback() || (allow_remote && operator_token.is_some_and(|t| !t.is_empty()))
    {
        Ok(())
    } else {
        Err(GuardError::Remote(listen))
    }
}

impl Guard {
    /// A gate for a server listening on `listen`, with this token.
    pub fn new(listen: SocketAddr, token: &str) -> Result<Guard, GuardError> {
        if token.len() < 16 {
            return Err(GuardError::Weak);
        }
        let port = listen.port();
        let mut hosts = vec![
            listen.to_string(),
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ];
        hosts.dedup();
        Ok(Guard {
            token: token.into(),
            hosts: Arc::new(hosts),
        })
    }

    /// A fresh random token (32 bytes, hex).
    pub fn random_token() -> Result<String, GuardError> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|e| GuardError::Random(e.to_string()))?;
        Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Writes the token to `path`, readable by its owner only (replacing an older one).
    pub fn write_token(path: &Path, token: &str) -> Result<(), GuardError> {
        let fail = |e: std::io::Error| GuardError::Write {
            path: path.to_path_buf(),
            reason: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::DirBuilderExt;
                builder.mode(0o700);
            }
            builder.create(dir).map_err(fail)?;
        }
        let _ = std::fs::remove_file(path);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path).map_err(fail)?;
        std::io::Write::write_all(&mut file, token.as_bytes()).map_err(fail)
    }

    /// The default token file: `$XDG_RUNTIME_DIR/connector-host/admin-<port>.token`, else
    /// `~/.local/state/connector-host/admin-<port>.token`.
    pub fn default_token_file(port: u16) -> PathBuf {
        let base = std::env::var_os("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local").join("state"))
            })
            .unwrap_or_else(std::env::temp_dir);
        base.join("connector-host")
            .join(format!("admin-{port}.token"))
    }

    fn refuse(&self, request: &Request) -> Option<(StatusCode, &'static str)> {
        let headers = request.headers();
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_ascii_lowercase);
        if !host.as_ref().is_some_and(|h| self.hosts.contains(h)) {
            return Some((
                StatusCode::MISDIRECTED_REQUEST,
                "the Host header does not name this server",
            ));
        }
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v != "same-origin" && v != "none");
        let foreign_origin = headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .is_some_and(|o| {
                !self
                    .hosts
                    .iter()
                    .any(|h| o.eq_ignore_ascii_case(&format!("http://{h}")))
            });
        if cross_site || foreign_origin {
            return Some((StatusCode::FORBIDDEN, "cross-origin requests are refused"));
        }
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        if !constant_time_eq(given.as_bytes(), self.token.as_bytes()) {
            return Some((
                StatusCode::UNAUTHORIZED,
                "the admin API token is missing or wrong (Authorization: Bearer …)",
            ));
        }
        None
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The axum middleware (`middleware::from_fn_with_state(guard, gate)`).
pub async fn gate(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    match guard.refuse(&request) {
        Some((status, why)) => {
            (status, axum::Json(serde_json::json!({ "error": why }))).into_response()
        }
        None => next.run(request).await,
    }
}
