//! Listeners for the hostile-connector tests: a trap that counts every connection made to it
//! (and keeps what each sent), answering with a fixed response, on IPv4 or IPv6 loopback.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A listening trap: how many connections reached it, and what they sent.
#[derive(Clone)]
pub struct Trap {
    pub port: u16,
    hits: Arc<AtomicUsize>,
    seen: Arc<Mutex<String>>,
}

impl Trap {
    /// A trap on 127.0.0.1 answering `200 OK`.
    pub fn new() -> Trap {
        Trap::on(
            "127.0.0.1:0",
            "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok",
        )
        .expect("bind")
    }

    /// A trap on 127.0.0.1 answering a redirect to `location`.
    pub fn redirecting(location: &str) -> Trap {
        let answer =
            format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n");
        Trap::on("127.0.0.1:0", &answer).expect("bind")
    }

    /// A trap on 127.0.0.1 answering `200 OK` to a request that carries `needle` and `401` to
    /// any other: a tenant that checks a credential.
    pub fn checking(needle: &str) -> Trap {
        let needle = needle.to_string();
        Trap::answering("127.0.0.1:0", move |request| {
            if request.contains(&needle) {
                "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok".to_string()
            } else {
                "HTTP/1.1 401 Unauthorized\r\ncontent-length: 0\r\n\r\n".to_string()
            }
        })
        .expect("bind")
    }

    /// A trap on `addr` answering `answer` to each connection; `None` when the
    /// address cannot be bound (no IPv6 here, say).
    pub fn on(addr: &str, answer: &str) -> Option<Trap> {
        let answer = answer.to_string();
        Trap::answering(addr, move |_| answer.clone())
    }

    /// A trap on `addr` answering what `answer` makes of each request.
    pub fn answering(addr: &str, answer: impl Fn(&str) -> String + Send + 'static) -> Option<Trap> {
        let l = TcpListener::bind(addr).ok()?;
        let port = l.local_addr().ok()?.port();
        l.set_nonblocking(true).ok()?;
        let hits = Arc::new(AtomicUsize::new(0));
        let seen = Arc::new(Mutex::new(String::new()));
        let (h, s) = (hits.clone(), seen.clone());
        // It listens for as long as the test process runs (a deadline would let a slow run on a
        // busy machine meet a closed port and read that as a refusal).
        std::thread::spawn(move || {
            loop {
                match l.accept() {
                    Ok((mut stream, _)) => {
                        h.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
                        let mut buf = [0u8; 4096];
                        let n = stream.read(&mut buf).unwrap_or(0);
                        let request = String::from_utf8_lossy(&buf[..n]).into_owned();
                        if let Ok(mut text) = s.lock() {
                            text.push_str(&request);
                        }
                        let _ = stream.write_all(answer(&request).as_bytes());
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Some(Trap { port, hits, seen })
    }

    /// `127.0.0.1:port`.
    pub fn authority(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Connections so far.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// What the connections sent so far.
    pub fn seen(&self) -> String {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Forgets what was sent so far.
    pub fn clear(&self) {
        if let Ok(mut s) = self.seen.lock() {
            s.clear();
        }
    }
}

impl Default for Trap {
    fn default() -> Self {
        Trap::new()
    }
}

/// Waits up to `within` for `trap` to be hit at least once.
pub fn wait_for_hit(trap: &Trap, within: Duration) -> bool {
    let deadline = std::time::Instant::now() + within;
    while trap.hits() == 0 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    trap.hits() > 0
}
