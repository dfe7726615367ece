//! The real server as a child process, and a blocking `ureq` transport to reach it.

#![allow(clippy::unwrap_used, dead_code)]

use std::io::ErrorKind;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use scim_connector::http::{HttpRequest, HttpResponse, Method, Transport, TransportError};
use scim_connector::session::Session;

pub const TOKEN: &str = "integration-token";

/// The server process, killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn spawn(port: u16) -> std::io::Result<std::process::Child> {
    Command::new("scim2-server")
        .args([
            "--hostname",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--bearer-token",
            TOKEN,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
}

/// Starts scim2-server, installing the pinned version first when the machine lacks it (as
/// `.ci/run` does), so the README's test command works on a fresh machine with Python.
pub fn start() -> Server {
    let port = free_port();
    let child = match spawn(port) {
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let pip = Command::new("python3")
                .args([
                    "-m",
                    "pip",
                    "install",
                    "--quiet",
                    "--disable-pip-version-check",
                ])
                .arg("scim2-server==0.8.3")
                .status();
            assert!(
                pip.is_ok_and(|s| s.success()),
                "scim2-server is not installed and `python3 -m pip install scim2-server==0.8.3` failed"
            );
            spawn(port)
        }
        other => other,
    };
    let child = match child {
        Ok(c) => c,
        Err(e) => panic!("cannot start scim2-server: {e}"),
    };
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    let probe = Ureq::new();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            let req = HttpRequest::get(format!("{}/ServiceProviderConfig", server.url))
                .with_bearer(TOKEN);
            if probe.send(req).is_ok_and(|r| r.status == 200) {
                return server;
            }
        }
        assert!(
            Instant::now() < deadline,
            "scim2-server did not answer on port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A blocking transport over `ureq`, every status an answer.
pub struct Ureq(ureq::Agent);

impl Ureq {
    pub fn new() -> Self {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build();
        Ureq(ureq::Agent::new_with_config(config))
    }
}

impl Transport for Ureq {
    type Ahead = HttpRequest;

    fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match req.method {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        };
        let mut b = ureq::http::Request::builder().method(method).uri(&req.url);
        for (k, v) in &req.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let fail = |e: &dyn std::fmt::Display| TransportError::Unavailable(e.to_string());
        let result = match req.body {
            Some(body) => self.0.run(b.body(body).map_err(|e| fail(&e))?),
            None => self.0.run(b.body(()).map_err(|e| fail(&e))?),
        };
        let mut resp = result.map_err(|e| fail(&e))?;
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp.body_mut().read_to_vec().map_err(|e| fail(&e))?;
        Ok(HttpResponse {
            status: resp.status().as_u16(),
            headers,
            body,
        })
    }

    fn send_ahead(&self, req: HttpRequest) -> Result<HttpRequest, TransportError> {
        Ok(req)
    }

    fn collect(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.send(req)
    }

    fn now_unix(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }
}

pub fn open(server: &Server, token: &str) -> Session<Ureq> {
    let config = vec![
        ("url".to_string(), format!("{}/", server.url)),
        ("token".to_string(), token.to_string()),
    ];
    Session::open(Ureq::new(), &config).unwrap()
}
