//! Secrets stay in the host. A configuration key the connector's description marks secret
//! reaches the guest only as a placeholder: `chsecret` and 32 random hex digits, different for
//! every instance, made of characters that form, JSON and URL encoding leave as they are. The
//! outbound hook puts the real value in its place, encoded for where it stands (percent-encoded
//! in the URL, form-encoded in a form body, JSON-escaped in a JSON body, inside a `Basic`
//! credential, as is elsewhere), only in requests the allow list let through; an answer that
//! echoes the secret (in any spelling the host masks) has it put back to the placeholder before
//! the guest reads it.

use percent_encoding::utf8_percent_encode;

use super::secrets::UNRESERVED;
use crate::model::Config;

/// The secrets of one instance: placeholder → real value, and the echo spellings of each
/// (worked out once, at seal time: every answer is masked with them).
#[derive(Clone, Default)]
pub struct Vault {
    entries: Vec<(String, String)>,
    echoes: std::sync::Arc<Vec<(Vec<u8>, Vec<u8>)>>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault")
            .field("secrets", &self.entries.len())
            .finish()
    }
}

/// How a body carries values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Form,
    Json,
    Other,
}

impl BodyKind {
    /// From a `Content-Type` value.
    pub fn of(content_type: Option<&str>) -> BodyKind {
        let t = content_type.unwrap_or("").to_ascii_lowercase();
        if t.starts_with("application/x-www-form-urlencoded") {
            BodyKind::Form
        } else if t.starts_with("application/json") || t.contains("+json") {
            BodyKind::Json
        } else {
            BodyKind::Other
        }
    }
}

/// A fresh placeholder.
fn placeholder() -> String {
    let mut bytes = [0u8; 16];
    // No randomness means no secret can be sealed; a fixed value would be guessable, so fail
    // closed: the guest gets an empty value instead.
    if getrandom::getrandom(&mut bytes).is_err() {
        return String::new();
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("chsecret{hex}")
}

impl Vault {
    /// The configuration as the guest sees it (each secret key's value a placeholder), and the
    /// vault that knows the real values.
    pub fn seal<'k>(
        config: &Config,
        secret_keys: impl IntoIterator<Item = &'k str>,
    ) -> (Config, Vault) {
        let keys: Vec<&str> = secret_keys.into_iter().collect();
        let mut vault = Vault::default();
        let sealed = config
            .iter()
            .map(|(k, v)| {
                if keys.contains(&k.as_str()) && !v.is_empty() {
                    let p = placeholder();
                    if !p.is_empty() {
                        vault.entries.push((p.clone(), v.clone()));
                    }
                    (k.clone(), p)
                } else {
                    (k.clone(), v.clone())
                }
            })
            .collect();
        vault.echoes = std::sync::Arc::new(vault.spellings());
        (sealed, vault)
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The placeholders (for masking and redaction).
    pub fn placeholders(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(p, _)| p.as_str())
    }

    /// A URL with the real values in place, percent-encoded.
    pub fn unseal_url(&self, url: &str) -> String {
        self.replace(url, |real| {
            utf8_percent_encode(real, UNRESERVED).to_string()
        })
    }

    /// A header value with the real values in place (inside a `Basic` credential too).
    pub fn unseal_header(&self, value: &str) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        if let Some(credential) = value.strip_prefix("Basic ")
            && let Ok(decoded) = b64.decode(credential.trim())
            && let Ok(text) = String::from_utf8(decoded)
        {
            let unsealed = self.replace(&text, str::to_string);
            if unsealed != text {
                return format!("Basic {}", b64.encode(unsealed));
            }
        }
        self.replace(value, str::to_string)
    }

    /// A body with the real values in place, encoded as the body carries values.
    pub fn unseal_body(&self, body: &[u8], kind: BodyKind) -> Vec<u8> {
        let Ok(text) = std::str::from_utf8(body) else {
            return body.to_vec();
        };
        self.replace(text, |real| match kind {
            BodyKind::Form => super::secrets::form_encode(real),
            BodyKind::Json => serde_json::to_string(real)
                .map(|q| q[1..q.len() - 1].to_string())
                .unwrap_or_default(),
            BodyKind::Other => real.to_string(),
        })
        .into_bytes()
    }

    /// Every spelling of every real value an answer may echo, each with its placeholder,
    /// longest first.
    pub fn echoes(&self) -> &std::sync::Arc<Vec<(Vec<u8>, Vec<u8>)>> {
        &self.echoes
    }

    fn spellings(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (p, real) in &self.entries {
            for spelling in super::secrets::secret_spellings(std::slice::from_ref(real)) {
                out.push((spelling.into_bytes(), p.clone().into_bytes()));
            }
        }
        out.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        out
    }

    fn replace(&self, text: &str, encode: impl Fn(&str) -> String) -> String {
        let mut out = text.to_string();
        for (p, real) in &self.entries {
            if out.contains(p.as_str()) {
                out = out.replace(p.as_str(), &encode(real));
            }
        }
        out
    }
}

/// Replaces every `(from, to)` in `bytes`, longest `from` first.
pub fn replace_all(bytes: &[u8], pairs: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (from, to) in pairs {
        if from.is_empty() || memchr::memmem::find(&out, from).is_none() {
            continue;
        }
        let mut next = Vec::with_capacity(out.len());
        let mut rest = &out[..];
        while let Some(at) = memchr::memmem::find(rest, from) {
            next.extend_from_slice(&rest[..at]);
            next.extend_from_slice(to);
            rest = &rest[at + from.len()..];
        }
        next.extend_from_slice(rest);
        out = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault() -> (String, Vault) {
        let config = vec![
            ("login".to_string(), "a@b.c".to_string()),
            ("password".to_string(), "p@ss word&\"x".to_string()),
        ];
        let (sealed, vault) = Vault::seal(&config, ["password"]);
        assert_eq!(sealed[0].1, "a@b.c");
        let p = sealed[1].1.clone();
        assert!(p.starts_with("chsecret") && p.len() == 40, "{p}");
        (p, vault)
    }

    #[test]
    fn each_seal_is_a_new_placeholder() {
        let (a, _) = vault();
        let (b, _) = vault();
        assert_ne!(a, b);
    }

    #[test]
    fn the_real_value_goes_in_encoded_for_where_it_stands() {
        let (p, v) = vault();
        assert_eq!(
            v.unseal_body(
                format!("grant_type=password&password={p}").as_bytes(),
                BodyKind::Form
            ),
            b"grant_type=password&password=p%40ss+word%26%22x"
        );
        assert_eq!(
            v.unseal_body(
                format!(r#"{{"password":"{p}"}}"#).as_bytes(),
                BodyKind::Json
            ),
            br#"{"password":"p@ss word&\"x"}"#
        );
        assert_eq!(
            v.unseal_url(&format!("http://h/x?pw={p}")),
            "http://h/x?pw=p%40ss%20word%26%22x"
        );
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let header = format!("Basic {}", b64.encode(format!("user:{p}")));
        assert_eq!(
            v.unseal_header(&header),
            format!("Basic {}", b64.encode("user:p@ss word&\"x"))
        );
    }

    #[test]
    fn an_echo_of_the_secret_turns_back_into_the_placeholder() {
        let (p, v) = vault();
        let answer = br#"{"you_sent":"p@ss word&\"x","again":"p%40ss%20word%26%22x"}"#;
        let back = replace_all(answer, v.echoes());
        let text = String::from_utf8(back).unwrap();
        assert!(!text.contains("p@ss"), "{text}");
        assert_eq!(text.matches(p.as_str()).count(), 2, "{text}");
    }
}
