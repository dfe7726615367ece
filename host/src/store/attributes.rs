//! How an identity's attributes are kept: one JSON object in the identity's row (column
//! `attributes`), each attribute a name and a triple `[value, source value, pending]`: the
//! platform's current values, the values last imported from the source (`null`: never; `1`:
//! the same as the current values, which is most of them), and `1` while a platform change
//! waits for write-back. One row per person, not one per attribute: a joiner is one insert.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::error::StoreError;
use crate::model::Value;

/// One stored attribute: the platform's value, the value last imported, and whether a
/// platform-side change waits to be written back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAttr {
    pub value: Vec<Value>,
    pub source_value: Option<Vec<Value>>,
    pub pending: bool,
}

/// Values as the store encodes them: a JSON array of host [`Value`]s.
pub fn encode_values(values: &[Value]) -> String {
    serde_json::to_string(values).unwrap_or_else(|_| "[]".into())
}

/// An attribute as the column stores it.
#[derive(Serialize, Deserialize)]
struct Stored(Vec<Value>, Source, u8);

/// The source values as the column stores them.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Source {
    /// `1`: the same as the current values.
    Same(u8),
    Values(Option<Vec<Value>>),
}

/// The attributes of an identity, by name.
pub type Attributes = BTreeMap<String, StoredAttr>;

fn corrupt(e: serde_json::Error, what: &str) -> StoreError {
    StoreError::Corrupt {
        path: "(store)".into(),
        reason: format!("attributes of an identity: {what}: {e}"),
    }
}

/// Reads the column.
pub fn decode(text: &str) -> Result<Attributes, StoreError> {
    let stored: BTreeMap<String, Stored> =
        serde_json::from_str(text).map_err(|e| corrupt(e, "not an attribute object"))?;
    Ok(stored
        .into_iter()
        .map(|(name, Stored(value, source, pending))| {
            let source_value = match source {
                Source::Same(_) => Some(value.clone()),
                Source::Values(v) => v,
            };
            (
                name,
                StoredAttr {
                    value,
                    source_value,
                    pending: pending != 0,
                },
            )
        })
        .collect())
}

/// Writes the column.
pub fn encode(attrs: &Attributes) -> String {
    let stored: BTreeMap<&str, Stored> = attrs
        .iter()
        .map(|(name, a)| {
            let source = match &a.source_value {
                Some(v) if *v == a.value => Source::Same(1),
                other => Source::Values(other.clone()),
            };
            (
                name.as_str(),
                Stored(a.value.clone(), source, u8::from(a.pending)),
            )
        })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "{}".into())
}

/// The column of a person just imported: each attribute's encoded values (see
/// [`encode_values`]) as both its value and its source value, none pending.
pub fn imported(attrs: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(
        2 + attrs
            .iter()
            .map(|(n, t)| n.len() + t.len() + 10)
            .sum::<usize>(),
    );
    out.push('{');
    for (i, (name, text)) in attrs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::to_string(name).unwrap_or_else(|_| "\"\"".into()));
        out.push_str(":[");
        out.push_str(text);
        out.push_str(",1,0]");
    }
    out.push('}');
    out
}

/// Whether any attribute waits for write-back.
pub fn any_pending(attrs: &Attributes) -> bool {
    attrs.values().any(|a| a.pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_reads_back_as_it_was_written() {
        let values = vec![Value::Text("Zoé \"Z\"".into())];
        let text = encode_values(&values);
        let column = imported(&[("first_name", &text), ("a.b", "[]")]);
        let attrs = decode(&column).expect("decode");
        assert_eq!(attrs["first_name"].value, values);
        assert_eq!(attrs["first_name"].source_value, Some(values.clone()));
        assert!(!attrs["first_name"].pending);
        assert_eq!(attrs["a.b"].value, Vec::<Value>::new());
        assert_eq!(decode(&encode(&attrs)).expect("again"), attrs);
    }

    #[test]
    fn source_values_that_differ_or_were_never_imported_are_kept_apart() {
        let mut attrs = Attributes::new();
        let (a, b) = (vec![Value::Text("a".into())], vec![Value::Text("b".into())]);
        attrs.insert(
            "changed".into(),
            StoredAttr {
                value: a.clone(),
                source_value: Some(b.clone()),
                pending: true,
            },
        );
        attrs.insert(
            "platform".into(),
            StoredAttr {
                value: a.clone(),
                source_value: None,
                pending: true,
            },
        );
        attrs.insert(
            "empty".into(),
            StoredAttr {
                value: Vec::new(),
                source_value: Some(Vec::new()),
                pending: false,
            },
        );
        assert_eq!(decode(&encode(&attrs)).expect("decode"), attrs);
    }

    #[test]
    fn a_column_that_is_not_an_attribute_object_is_reported_corrupt() {
        assert!(matches!(decode("[1]"), Err(StoreError::Corrupt { .. })));
    }
}
