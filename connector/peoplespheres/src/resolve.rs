//! What a record holds for an option field → one option. Pure.
//!
//! Tenants differ in what `fieldAliasAndValue` carries for an option: its id (a string or a
//! number), its `value`, its alias, its label, an object carrying some of these, or a list of
//! any of these. Each candidate text is matched against the id, the value and the alias exactly
//! first, then against the label (or a label path `A/B/C`) exactly, then against the label
//! ignoring case. A label shared by several options names the selectable one when only one of
//! them is; otherwise it names none (never a guess).

use serde_json::Value as Json;

use crate::choices::{ChoiceTree, Node};
use crate::http::scalar_text;
use crate::model::ChoiceValue;

/// Keys of an object value, in the order they are tried.
const OBJECT_KEYS: &[&str] = &["id", "value", "alias", "name", "label"];

/// The texts a single (non-list) raw value offers, most specific first.
pub fn candidates(raw: &Json) -> Vec<String> {
    let clean = |s: String| {
        let t = s.trim().to_string();
        (!t.is_empty()).then_some(t)
    };
    match raw {
        Json::Object(o) => OBJECT_KEYS
            .iter()
            .filter_map(|k| o.get(*k))
            .filter_map(scalar_text)
            .filter_map(clean)
            .collect(),
        other => scalar_text(other).and_then(clean).into_iter().collect(),
    }
}

fn one_of<'a>(tree: &'a ChoiceTree, hits: Option<&Vec<usize>>) -> Option<&'a Node> {
    let nodes: Vec<&Node> = hits?.iter().filter_map(|&i| tree.node_at(i)).collect();
    match nodes.as_slice() {
        [n] => Some(n),
        [] => None,
        several => {
            let selectable: Vec<&&Node> = several.iter().filter(|n| n.selectable).collect();
            match selectable.as_slice() {
                [n] => Some(**n),
                _ => None,
            }
        }
    }
}

impl ChoiceTree {
    /// The option a raw (non-list) record value designates, if exactly one.
    pub fn resolve(&self, raw: &Json) -> Option<&Node> {
        let texts = candidates(raw);
        texts
            .iter()
            .find_map(|t| {
                self.get(t)
                    .or_else(|| self.by_value(t))
                    .or_else(|| self.by_alias(t))
            })
            .or_else(|| {
                texts.iter().find_map(|t| {
                    one_of(self, self.by_label.get(t))
                        .or_else(|| t.contains('/').then(|| self.find_path(t)).flatten())
                })
            })
            .or_else(|| {
                texts
                    .iter()
                    .find_map(|t| one_of(self, self.by_label_lower.get(&t.to_lowercase())))
            })
    }

    /// A raw value as a contract choice `{id, label path}`; `None` when it names no option.
    pub fn resolve_choice(&self, raw: &Json) -> Option<ChoiceValue> {
        self.resolve(raw).map(|n| ChoiceValue {
            id: n.id.clone(),
            label: self.path(&n.id).unwrap_or_else(|| n.label.clone()),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(id: &str, label: &str, parent: Option<&str>, value: &str, alias: &str) -> Node {
        Node {
            id: id.into(),
            label: label.into(),
            parent: parent.map(Into::into),
            value: value.into(),
            alias: Some(alias.into()),
            claims_children: None,
            selectable: true,
            active: true,
            order: 0,
        }
    }

    fn tree() -> ChoiceTree {
        ChoiceTree::new(vec![
            node("10", "Sales", None, "10", "bu_sales"),
            node("11", "France", Some("10"), "11", "bu_sales_france"),
            node(
                "12",
                "Paris",
                Some("11"),
                "v-paris",
                "bu_sales_france_paris",
            ),
            node("20", "Paris", None, "20", "bu_hq_paris"),
            node("30", "Lyon", None, "30", "bu_lyon"),
            // An option whose label is another option's id: ids win.
            node("40", "12", None, "40", "bu_odd"),
        ])
    }

    fn id(t: &ChoiceTree, raw: Json) -> Option<String> {
        t.resolve(&raw).map(|n| n.id.clone())
    }

    #[test]
    fn every_form_names_the_same_option() {
        let t = tree();
        for raw in [
            json!("12"),
            json!(12),
            json!("v-paris"),
            json!("bu_sales_france_paris"),
            json!({"id": 12, "name": "Paris"}),
            json!({"value": "v-paris"}),
            json!({"alias": "bu_sales_france_paris"}),
            json!({"label": "Sales/France/Paris"}),
            json!("Sales/France/Paris"),
            json!(" 12 "),
        ] {
            assert_eq!(id(&t, raw.clone()).as_deref(), Some("12"), "{raw}");
        }
        assert_eq!(
            t.resolve_choice(&json!("bu_sales_france_paris")),
            Some(ChoiceValue {
                id: "12".into(),
                label: "Sales/France/Paris".into()
            })
        );
    }

    #[test]
    fn exact_before_label_before_case_and_ambiguity_names_nothing() {
        let t = tree();
        assert_eq!(id(&t, json!("Lyon")).as_deref(), Some("30"));
        assert_eq!(id(&t, json!("lyon")).as_deref(), Some("30"));
        assert_eq!(id(&t, json!("LYON")).as_deref(), Some("30"));
        // Two selectable "Paris": no guess.
        assert_eq!(id(&t, json!("Paris")), None);
        assert_eq!(id(&t, json!("paris")), None);
        // But the path names one.
        assert_eq!(id(&t, json!("Paris")), None);
        assert_eq!(id(&t, json!("Sales/France/Paris")).as_deref(), Some("12"));
        assert_eq!(id(&t, json!("nope")), None);
        assert_eq!(id(&t, json!(null)), None);
        assert_eq!(id(&t, json!({})), None);
        assert_eq!(id(&t, json!({"name": "France"})).as_deref(), Some("11"));
    }

    #[test]
    fn an_exact_label_wins_over_one_that_differs_only_in_case() {
        let t = ChoiceTree::new(vec![
            node("1", "Support", None, "1", "a"),
            node("2", "support", None, "2", "b"),
        ]);
        assert_eq!(id(&t, json!("Support")).as_deref(), Some("1"));
        assert_eq!(id(&t, json!("support")).as_deref(), Some("2"));
        // Only the case-insensitive match is left, and it names two: no guess.
        assert_eq!(id(&t, json!("SUPPORT")), None);
    }

    #[test]
    fn a_shared_label_names_the_only_selectable_option() {
        let mut nodes = vec![
            node("1", "Support", None, "1", "a"),
            node("2", "Support", Some("1"), "2", "b"),
        ];
        nodes[0].selectable = false;
        assert_eq!(
            id(&ChoiceTree::new(nodes), json!("support")).as_deref(),
            Some("2")
        );
    }
}
