//! HAR 1.2 (the HTTP Archive format browsers and HTTP tools read): what `--record` writes and
//! `--replay` reads. Only the fields those commands use are modelled; the rest of the format
//! (`cookies`, `cache`, `timings`…) is written with its neutral values.

use serde::{Deserialize, Serialize};

/// A HAR file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Har {
    pub log: Log,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Log {
    pub version: String,
    pub creator: Creator,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Creator {
    pub name: String,
    pub version: String,
}

/// One request and its answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub started_date_time: String,
    /// Milliseconds from the request to the end of the answer.
    pub time: f64,
    pub request: Request,
    pub response: Response,
    #[serde(default)]
    pub cache: serde_json::Value,
    #[serde(default)]
    pub timings: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    pub url: String,
    pub http_version: String,
    pub headers: Vec<Header>,
    #[serde(default)]
    pub query_string: Vec<Header>,
    #[serde(default)]
    pub cookies: Vec<serde_json::Value>,
    pub headers_size: i64,
    pub body_size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    pub mime_type: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub status: u16,
    pub status_text: String,
    pub http_version: String,
    pub headers: Vec<Header>,
    #[serde(default)]
    pub cookies: Vec<serde_json::Value>,
    pub content: Content,
    #[serde(rename = "redirectURL", default)]
    pub redirect_url: String,
    pub headers_size: i64,
    pub body_size: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    pub size: i64,
    pub mime_type: String,
    #[serde(default)]
    pub text: String,
    /// `base64` when `text` holds a binary body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
}

/// A header or a query parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

impl Har {
    /// An empty archive written by this host.
    pub fn new() -> Har {
        Har {
            log: Log {
                version: "1.2".into(),
                creator: Creator {
                    name: "connector-host".into(),
                    version: env!("CARGO_PKG_VERSION").into(),
                },
                entries: Vec::new(),
            },
        }
    }
}

impl Default for Har {
    fn default() -> Self {
        Har::new()
    }
}

/// A body as HAR text: UTF-8 as is, anything else base64 (`encoding` says which).
pub fn body_text(bytes: &[u8]) -> (String, Option<String>) {
    use base64::Engine as _;
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), None),
        Err(_) => (
            base64::engine::general_purpose::STANDARD.encode(bytes),
            Some("base64".into()),
        ),
    }
}

/// The bytes of a HAR body.
pub fn body_bytes(text: &str, encoding: Option<&str>) -> Result<Vec<u8>, String> {
    use base64::Engine as _;
    match encoding {
        Some("base64") => base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| format!("a base64 body does not decode: {e}")),
        Some(other) => Err(format!("unknown body encoding `{other}`")),
        None => Ok(text.as_bytes().to_vec()),
    }
}
