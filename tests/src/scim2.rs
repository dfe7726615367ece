//! A SCIM 2.0 server nobody here wrote: `scim2-server` from PyPI (`.ci/run` installs the
//! pinned version; a test run on a machine without it installs it the same way, once), started
//! on a free loopback port with a bearer token, stopped on drop.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The version `.ci/run` installs.
pub const VERSION: &str = "0.8.3";

/// A running `scim2-server`.
pub struct Scim2Server {
    child: Child,
    port: u16,
    token: String,
}

impl std::fmt::Debug for Scim2Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scim2Server")
            .field("port", &self.port)
            .finish()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The status of `GET path` with the bearer token, if the server answers.
fn status(port: u16, path: &str, token: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// Makes sure the pinned `scim2-server` is installed (once per test binary).
fn installed() {
    static INSTALLED: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(|| {
        let present = Command::new("scim2-server")
            .arg("--help")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if present {
            return;
        }
        let pip = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .arg(format!("scim2-server=={VERSION}"))
            .status();
        assert!(
            pip.is_ok_and(|s| s.success()),
            "scim2-server is not installed and `python3 -m pip install scim2-server=={VERSION}` failed"
        );
    });
}

impl Scim2Server {
    /// Starts one; fails the test, saying how to install it, when it cannot be started.
    pub fn start() -> Scim2Server {
        installed();
        let port = free_port();
        let token = format!("scim2-token-{}", std::process::id());
        let child = Command::new("scim2-server")
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
            .args(["--bearer-token", &token])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start scim2-server ({e}); install it with `pip install scim2-server=={VERSION}` (.ci/run does)"
                )
            });
        let mut server = Scim2Server { child, port, token };
        let started = Instant::now();
        while status(port, "/ServiceProviderConfig", &server.token) != Some(200) {
            if let Ok(Some(exit)) = server.child.try_wait() {
                panic!("scim2-server exited at start: {exit}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "scim2-server did not answer on 127.0.0.1:{port} within 30 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The bearer token it accepts.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The SCIM connector's configuration reaching it.
    pub fn config(&self) -> connector_host::model::Config {
        vec![
            ("url".into(), self.url()),
            ("token".into(), self.token.clone()),
        ]
    }
}

impl Drop for Scim2Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
