//! The spellings of a secret that masking must catch (as is, URL-, form- and JSON-encoded).

/// Everything but RFC 3986's unreserved characters is percent-encoded.
pub(super) const UNRESERVED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `application/x-www-form-urlencoded`: unreserved and `*` stay, space is `+` (`~` is
/// encoded). The vault writes secrets into form bodies with it, so masking looks for it too.
pub(super) const FORM: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'*')
    .remove(b' ');

/// `value` as a form body carries it.
pub(super) fn form_encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, FORM)
        .to_string()
        .replace(' ', "+")
}

/// Every spelling of each secret a log line or an error may carry: as is, URL-encoded (query
/// and path), form-encoded (spaces as `+`) and JSON-escaped. Longest first, so a spelling
/// that contains another is masked whole.
pub fn secret_spellings(secrets: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        let url = percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string();
        let form = form_encode(s);
        let json = serde_json::to_string(s)
            .map(|q| q[1..q.len() - 1].to_string())
            .unwrap_or_else(|_| s.clone());
        for spelling in [
            s.clone(),
            lowercase_hex(&url),
            url,
            lowercase_hex(&form),
            form,
            json,
        ] {
            if !spelling.is_empty() && !out.contains(&spelling) {
                out.push(spelling);
            }
        }
    }
    out.sort_by_key(|s| std::cmp::Reverse(s.len()));
    out
}

/// `%2F` → `%2f`: some encoders write lower-case hex.
fn lowercase_hex(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut chars = encoded.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c == '%' {
            out.extend(chars.by_ref().take(2).map(|h| h.to_ascii_lowercase()));
        }
    }
    out
}
