//! Record and replay of a connector's outbound traffic (`--record FILE`, `--replay FILE`).
//!
//! Recording keeps every request the sandbox let through and its answer, as HAR 1.2; secrets
//! (in every spelling the host masks), `Authorization`, `Cookie` and `Set-Cookie` values and
//! JSON token fields (`access_token`, `refresh_token`, `id_token`) are written `[redacted]`.
//! Replaying answers each request from such a file with no network: by method, URL and body
//! (redacted the same way, so a replay needs the same configuration but not the same secret),
//! each recorded answer once in order, the last one again when a request repeats more often
//! than it was recorded. A request with no recorded answer fails, naming it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::har::{self, Content, Entry, Har, Header, PostData, Request, Response};

/// What a redacted value reads as.
pub const REDACTED: &str = "[redacted]";

/// Headers whose values are never written.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];

/// JSON members whose string values are never written.
const TOKEN_FIELDS: &[&str] = &["access_token", "refresh_token", "id_token"];

/// Why a traffic file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TrafficError {
    #[error("cannot read the recording {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write the recording {path}: {reason}")]
    Write { path: PathBuf, reason: String },
}

/// Where outbound traffic goes: recorded to a file, or answered from one.
pub enum Traffic {
    Record(Recorder),
    Replay(Replayer),
}

/// Collects the exchanges of a command; [`Recorder::save`] writes them.
pub struct Recorder {
    path: PathBuf,
    har: Mutex<Har>,
}

impl Recorder {
    /// A recorder writing to `path` (checked writable now, so a typo fails before the work).
    pub fn create(path: &Path) -> Result<Recorder, TrafficError> {
        let recorder = Recorder {
            path: path.to_path_buf(),
            har: Mutex::new(Har::new()),
        };
        recorder.save()?;
        Ok(recorder)
    }

    /// Adds one exchange (already redacted).
    pub fn add(&self, entry: Entry) {
        if let Ok(mut har) = self.har.lock() {
            har.log.entries.push(entry);
        }
    }

    /// Writes the file.
    pub fn save(&self) -> Result<(), TrafficError> {
        let write = |reason: String| TrafficError::Write {
            path: self.path.clone(),
            reason,
        };
        let text = {
            let har = self.har.lock().map_err(|_| write("poisoned".into()))?;
            serde_json::to_string_pretty(&*har).map_err(|e| write(e.to_string()))?
        };
        // Owner-only: a recording holds the tenant's HR data.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        crate::private_file::tighten(&self.path).map_err(|e| write(e.to_string()))?;
        let mut file = options.open(&self.path).map_err(|e| write(e.to_string()))?;
        std::io::Write::write_all(&mut file, (text + "\n").as_bytes())
            .map_err(|e| write(e.to_string()))
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        let _ = self.save();
    }
}

/// Answers requests from a recording.
pub struct Replayer {
    entries: Vec<Entry>,
    used: Mutex<Vec<bool>>,
}

impl Replayer {
    /// Reads a HAR file.
    pub fn open(path: &Path) -> Result<Replayer, TrafficError> {
        let read = |reason: String| TrafficError::Read {
            path: path.to_path_buf(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| read(e.to_string()))?;
        let har: Har =
            serde_json::from_str(&text).map_err(|e| read(format!("not a HAR 1.2 file: {e}")))?;
        let used = Mutex::new(vec![false; har.log.entries.len()]);
        Ok(Replayer {
            entries: har.log.entries,
            used,
        })
    }

    /// The recorded answer to a (redacted) request: the first unused one that matches, else
    /// the last that matches.
    pub fn answer(&self, method: &str, url: &str, body: &str) -> Option<Response> {
        let matches = |e: &Entry| {
            e.request.method == method
                && e.request.url == url
                && e.request.post_data.as_ref().map_or("", |p| p.text.as_str()) == body
        };
        let mut used = self.used.lock().ok()?;
        let mut last = None;
        for (i, entry) in self.entries.iter().enumerate() {
            if matches(entry) {
                if !used[i] {
                    used[i] = true;
                    return Some(entry.response.clone());
                }
                last = Some(i);
            }
        }
        last.map(|i| self.entries[i].response.clone())
    }
}

/// Redacts what a recording must never hold.
pub struct Redactor<'a> {
    /// Every spelling of every secret of the configuration.
    pub secrets: &'a [String],
}

impl Redactor<'_> {
    /// Secrets in a text.
    pub fn text(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.secrets {
            out = out.replace(secret.as_str(), REDACTED);
        }
        out
    }

    /// A body: secrets, and JSON token fields.
    pub fn body(&self, body: &[u8]) -> String {
        let (text, _) = har::body_text(body);
        let text = self.text(&text);
        if let Ok(mut json) = serde_json::from_str::<serde_json::Value>(&text)
            && redact_tokens(&mut json)
        {
            json.to_string()
        } else {
            text
        }
    }

    /// Headers: secret headers entirely, secrets in the others.
    pub fn headers(&self, headers: &http::HeaderMap) -> Vec<Header> {
        headers
            .iter()
            .map(|(name, value)| Header {
                name: name.as_str().to_string(),
                value: if SECRET_HEADERS.contains(&name.as_str()) {
                    REDACTED.to_string()
                } else {
                    self.text(&String::from_utf8_lossy(value.as_bytes()))
                },
            })
            .collect()
    }
}

/// Replaces the string values of token members, anywhere in the document; whether any was.
fn redact_tokens(v: &mut serde_json::Value) -> bool {
    match v {
        serde_json::Value::Object(map) => {
            let mut any = false;
            for (k, v) in map.iter_mut() {
                if TOKEN_FIELDS.contains(&k.as_str()) && v.is_string() {
                    *v = serde_json::Value::String(REDACTED.into());
                    any = true;
                } else {
                    any |= redact_tokens(v);
                }
            }
            any
        }
        serde_json::Value::Array(items) => {
            let mut any = false;
            for item in items {
                any |= redact_tokens(item);
            }
            any
        }
        _ => false,
    }
}

/// A recorded exchange.
#[allow(clippy::too_many_arguments)]
pub fn entry(
    redact: &Redactor<'_>,
    method: &str,
    url: &str,
    request_headers: &http::HeaderMap,
    request_body: &[u8],
    status: u16,
    response_headers: &http::HeaderMap,
    response_body: &[u8],
    millis: f64,
) -> Entry {
    let mime = |h: &http::HeaderMap| {
        h.get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (text, encoding) = har::body_text(response_body);
    let text = if encoding.is_none() {
        redact.body(text.as_bytes())
    } else {
        text
    };
    Entry {
        started_date_time: jiff::Timestamp::now().to_string(),
        time: millis,
        request: Request {
            method: method.to_string(),
            url: redact.text(url),
            http_version: "HTTP/1.1".into(),
            headers: redact.headers(request_headers),
            query_string: Vec::new(),
            cookies: Vec::new(),
            headers_size: -1,
            body_size: request_body.len() as i64,
            post_data: (!request_body.is_empty()).then(|| PostData {
                mime_type: mime(request_headers),
                text: redact.body(request_body),
            }),
        },
        response: Response {
            status,
            status_text: String::new(),
            http_version: "HTTP/1.1".into(),
            headers: redact.headers(response_headers),
            cookies: Vec::new(),
            content: Content {
                size: response_body.len() as i64,
                mime_type: mime(response_headers),
                text,
                encoding,
            },
            redirect_url: String::new(),
            headers_size: -1,
            body_size: response_body.len() as i64,
        },
        cache: serde_json::json!({}),
        timings: serde_json::json!({ "send": 0, "wait": millis, "receive": 0 }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_recording_is_owner_only_even_over_a_wider_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("ch-har-mode-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let fresh = dir.join("fresh.har");
        let old = dir.join("old.har");
        std::fs::write(&old, b"{}").expect("write");
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        for path in [&fresh, &old] {
            Recorder::create(path).expect("records");
            let mode = std::fs::metadata(path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}", path.display());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn secrets_tokens_and_credentials_headers_are_redacted() {
        let secrets = vec!["hunter2".to_string(), "hunter%32".to_string()];
        let r = Redactor { secrets: &secrets };
        assert_eq!(
            r.body(b"grant_type=password&password=hunter2"),
            "grant_type=password&password=[redacted]"
        );
        assert_eq!(
            r.body(br#"{"access_token":"eyJ","nested":{"refresh_token":"r"},"n":1}"#),
            r#"{"access_token":"[redacted]","n":1,"nested":{"refresh_token":"[redacted]"}}"#
        );
        let mut h = http::HeaderMap::new();
        h.insert("authorization", "Bearer eyJ".parse().unwrap());
        h.insert("x-echo", "hunter2".parse().unwrap());
        let headers = r.headers(&h);
        assert!(headers.iter().all(|h| h.value == REDACTED), "{headers:?}");
    }

    #[test]
    fn answers_are_replayed_in_order_then_the_last_again() {
        let secrets = Vec::new();
        let r = Redactor { secrets: &secrets };
        let h = http::HeaderMap::new();
        let mut har = Har::new();
        for body in ["one", "two"] {
            har.log.entries.push(entry(
                &r,
                "GET",
                "http://t/x",
                &h,
                b"",
                200,
                &h,
                body.as_bytes(),
                1.0,
            ));
        }
        let replay = Replayer {
            used: Mutex::new(vec![false; 2]),
            entries: har.log.entries,
        };
        let text = |r: Option<Response>| r.map(|r| r.content.text);
        assert_eq!(
            text(replay.answer("GET", "http://t/x", "")),
            Some("one".into())
        );
        assert_eq!(
            text(replay.answer("GET", "http://t/x", "")),
            Some("two".into())
        );
        assert_eq!(
            text(replay.answer("GET", "http://t/x", "")),
            Some("two".into())
        );
        assert_eq!(text(replay.answer("POST", "http://t/x", "")), None);
    }
}
