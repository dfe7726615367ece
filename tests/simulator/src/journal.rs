//! The request journal: one entry per request (method, path, redacted query, status, whether
//! a valid Bearer token was sent, GraphQL root fields, aliases a write named). It never holds the password, tokens
//! or the Authorization header.

use serde::Serialize;

/// One served request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct JournalEntry {
    pub method: String,
    pub path: String,
    /// The raw query string, with the value of any `*password*` / `*token*` / `*secret*` key
    /// replaced by `***`.
    pub query: String,
    pub status: u16,
    /// A live access token was presented.
    pub authorized: bool,
    /// Root field names of a GraphQL call (`["getPsoRecords", "getPsoRecords"]`), in order.
    pub graphql_roots: Vec<String>,
    /// Field aliases a write request named (`data[].field_alias`, or the alias of `field_id`;
    /// `usr_active` for `/status`), in order, without repeats. Never values. Empty for reads.
    pub write_aliases: Vec<String>,
}

/// Response extension through which the GraphQL handler reports its root fields.
#[derive(Clone, Debug)]
pub struct GraphqlRoots(pub Vec<String>);

/// Response extension through which the write handlers report the aliases a body named.
#[derive(Clone, Debug)]
pub struct WriteAliases(pub Vec<String>);

/// Redact secret-looking parameters of a query string.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            let k = key.to_ascii_lowercase();
            if pair.contains('=')
                && (k.contains("password") || k.contains("token") || k.contains("secret"))
            {
                format!("{key}=***")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts() {
        assert_eq!(
            super::redact_query("a=1&access_token=xyz&Password=p&page=2"),
            "a=1&access_token=***&Password=***&page=2"
        );
        assert_eq!(super::redact_query(""), "");
    }
}
