//! Choice trees: the options of list/hierarchy/radio fields and the `pos` records, with label
//! paths from the root (`Sales/France/Paris`) and one-level listing. Pure. Matching a record's
//! raw value to a node is in `resolve`.

use std::collections::HashMap;

use crate::api::OptionDto;
use crate::model::{Choice, ChoiceValue};

/// Deepest hierarchy walked; deeper (or cyclic) parent chains are cut.
const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub label: String,
    pub parent: Option<String>,
    /// What records hold for this choice (by default; see `resolve` for the other forms).
    pub value: String,
    /// The option's alias, when the tenant gives one.
    pub alias: Option<String>,
    /// What the option itself says about children (believed even when they are not loaded).
    pub claims_children: Option<bool>,
    pub selectable: bool,
    pub active: bool,
    pub order: i64,
}

/// A flat list of nodes with parent links.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChoiceTree {
    nodes: Vec<Node>,
    by_id: HashMap<String, usize>,
    by_value: HashMap<String, usize>,
    pub(crate) by_alias: HashMap<String, usize>,
    /// Label → nodes with it (exact), and lower-cased label → nodes.
    pub(crate) by_label: HashMap<String, Vec<usize>>,
    pub(crate) by_label_lower: HashMap<String, Vec<usize>>,
}

impl ChoiceTree {
    pub fn new(nodes: Vec<Node>) -> Self {
        let mut by_id = HashMap::new();
        let mut by_value = HashMap::new();
        let mut by_alias = HashMap::new();
        let mut by_label: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_label_lower: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, n) in nodes.iter().enumerate() {
            by_id.entry(n.id.clone()).or_insert(i);
            by_value.entry(n.value.clone()).or_insert(i);
            if let Some(a) = n.alias.as_ref().filter(|a| !a.is_empty()) {
                by_alias.entry(a.clone()).or_insert(i);
            }
            by_label
                .entry(n.label.trim().to_string())
                .or_default()
                .push(i);
            by_label_lower
                .entry(n.label.trim().to_lowercase())
                .or_default()
                .push(i);
        }
        ChoiceTree {
            nodes,
            by_id,
            by_value,
            by_alias,
            by_label,
            by_label_lower,
        }
    }

    pub(crate) fn node_at(&self, i: usize) -> Option<&Node> {
        self.nodes.get(i)
    }

    pub(crate) fn by_value(&self, value: &str) -> Option<&Node> {
        self.by_value.get(value).and_then(|&i| self.nodes.get(i))
    }

    pub(crate) fn by_alias(&self, alias: &str) -> Option<&Node> {
        self.by_alias.get(alias).and_then(|&i| self.nodes.get(i))
    }

    /// True when every option that says it has children has some loaded (and there is at
    /// least one option): nothing is left to list through REST.
    pub fn is_complete(&self) -> bool {
        !self.nodes.is_empty()
            && self
                .nodes
                .iter()
                .filter(|n| n.claims_children == Some(true))
                .all(|n| self.has_children(&n.id))
    }

    /// From a field's flat options (`value` defaults to the id).
    pub fn from_options(options: &[OptionDto]) -> Self {
        ChoiceTree::new(
            options
                .iter()
                .filter(|o| !o.id.is_empty())
                .enumerate()
                .map(|(i, o)| Node {
                    id: o.id.clone(),
                    label: o.name.clone(),
                    parent: o.parent_id.clone(),
                    value: o.value.clone().unwrap_or_else(|| o.id.clone()),
                    alias: o.alias.clone(),
                    claims_children: o.has_children,
                    selectable: o.is_selectable.unwrap_or(true),
                    active: o.is_active.unwrap_or(true),
                    order: o.position.unwrap_or(i as i64),
                })
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn get(&self, id: &str) -> Option<&Node> {
        self.by_id.get(id).and_then(|&i| self.nodes.get(i))
    }

    /// True when some node has a parent that exists in the tree.
    pub fn has_levels(&self) -> bool {
        // An option that says it has children counts even when they did not come with it
        // (roots only in `/fields`).
        self.nodes.iter().any(|n| {
            n.claims_children == Some(true)
                || n.parent
                    .as_deref()
                    .is_some_and(|p| self.by_id.contains_key(p))
        })
    }

    /// The label path from the root to `id`, joined with `/`.
    pub fn path(&self, id: &str) -> Option<String> {
        let mut node = self.get(id)?;
        let mut labels = vec![node.label.as_str()];
        let mut seen = vec![node.id.as_str()];
        while let Some(parent) = node.parent.as_deref() {
            if seen.len() >= MAX_DEPTH || seen.contains(&parent) {
                break;
            }
            match self.get(parent) {
                Some(p) => {
                    labels.push(p.label.as_str());
                    seen.push(p.id.as_str());
                    node = p;
                }
                None => break,
            }
        }
        labels.reverse();
        Some(labels.join("/"))
    }

    /// A stored value (or, failing that, an id) as a choice `{id, label path}`; unknown values
    /// keep the raw value as both id and label.
    pub fn choice_for_value(&self, raw: &str) -> ChoiceValue {
        let node = self
            .by_value
            .get(raw)
            .and_then(|&i| self.nodes.get(i))
            .or_else(|| self.get(raw));
        match node {
            Some(n) => ChoiceValue {
                id: n.id.clone(),
                label: self.path(&n.id).unwrap_or_else(|| n.label.clone()),
            },
            None => ChoiceValue {
                id: raw.to_string(),
                label: raw.to_string(),
            },
        }
    }

    /// The label (not the path) of the node holding a stored value (or, failing that, an id).
    pub fn label_for_value(&self, raw: &str) -> Option<&str> {
        self.by_value
            .get(raw)
            .and_then(|&i| self.nodes.get(i))
            .or_else(|| self.get(raw))
            .map(|n| n.label.as_str())
    }

    /// The node at a label path (`Sales/France/Paris`, labels compared exactly after trimming
    /// each segment), walking from the roots; inactive nodes are skipped.
    pub fn find_path(&self, path: &str) -> Option<&Node> {
        let mut current: Option<&Node> = None;
        for seg in path.split('/').map(str::trim) {
            if seg.is_empty() {
                return None;
            }
            current = Some(self.nodes.iter().find(|n| {
                n.active
                    && n.label.trim() == seg
                    && match current {
                        None => self.is_root(n),
                        Some(p) => n.parent.as_deref() == Some(p.id.as_str()) && n.id != p.id,
                    }
            })?);
        }
        current
    }

    /// True when an active node has `id` as parent.
    pub fn is_branch(&self, id: &str) -> bool {
        self.has_children(id)
            || self
                .get(id)
                .is_some_and(|n| n.claims_children == Some(true))
    }

    fn is_root(&self, n: &Node) -> bool {
        match n.parent.as_deref() {
            None => true,
            Some(p) => p == n.id || !self.by_id.contains_key(p),
        }
    }

    fn has_children(&self, id: &str) -> bool {
        self.nodes
            .iter()
            .any(|c| c.active && c.id != id && c.parent.as_deref() == Some(id))
    }

    /// The active children of `parent` (the roots for none), in display order; none when the
    /// parent is unknown.
    pub fn children(&self, parent: Option<&str>) -> Option<Vec<Choice>> {
        if let Some(p) = parent
            && self.get(p).is_none()
        {
            return None;
        }
        let mut level: Vec<&Node> = self
            .nodes
            .iter()
            .filter(|n| n.active)
            .filter(|n| match parent {
                None => self.is_root(n),
                Some(p) => n.parent.as_deref() == Some(p) && n.id != p,
            })
            .collect();
        level.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.label.cmp(&b.label)));
        Some(
            level
                .into_iter()
                .map(|n| Choice {
                    id: n.id.clone(),
                    label: n.label.clone(),
                    path: self.path(&n.id).unwrap_or_else(|| n.label.clone()),
                    parent: n.parent.clone().filter(|_| !self.is_root(n)),
                    selectable: n.selectable,
                    has_children: self.has_children(&n.id) || n.claims_children == Some(true),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, label: &str, parent: Option<&str>) -> Node {
        Node {
            id: id.into(),
            label: label.into(),
            parent: parent.map(Into::into),
            value: id.into(),
            alias: None,
            claims_children: None,
            selectable: parent.is_some(),
            active: true,
            order: 0,
        }
    }

    #[test]
    fn roots_that_say_they_have_children_make_a_hierarchy() {
        let flat = ChoiceTree::new(vec![node("1", "M", None), node("2", "L", None)]);
        assert!(!flat.has_levels());
        let mut roots = vec![node("1", "Sales", None), node("2", "HQ", None)];
        roots[0].claims_children = Some(true);
        assert!(
            ChoiceTree::new(roots).has_levels(),
            "a list field sent roots only"
        );
    }

    #[test]
    fn paths_and_levels() {
        let t = ChoiceTree::new(vec![
            node("1", "Sales", None),
            node("2", "France", Some("1")),
            node("3", "Paris", Some("2")),
            node("4", "Loop", Some("5")),
            node("5", "Pool", Some("4")),
        ]);
        assert_eq!(t.path("3").as_deref(), Some("Sales/France/Paris"));
        assert_eq!(t.path("4").as_deref(), Some("Pool/Loop"));
        let roots = t.children(None).unwrap();
        assert_eq!(
            roots.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            vec!["1"]
        );
        assert!(roots[0].has_children && roots[0].parent.is_none());
        let kids = t.children(Some("2")).unwrap();
        assert_eq!(kids[0].path, "Sales/France/Paris");
        assert_eq!(kids[0].parent.as_deref(), Some("2"));
        assert!(!kids[0].has_children);
        assert!(t.children(Some("99")).is_none());
        assert_eq!(
            t.find_path("Sales/France/Paris").map(|n| n.id.as_str()),
            Some("3")
        );
        assert_eq!(
            t.find_path(" Sales / France ").map(|n| n.id.as_str()),
            Some("2")
        );
        assert!(t.find_path("France/Paris").is_none());
        assert!(t.find_path("Sales//Paris").is_none());
        assert!(t.is_branch("2") && !t.is_branch("3"));
        assert_eq!(
            t.choice_for_value("3"),
            ChoiceValue {
                id: "3".into(),
                label: "Sales/France/Paris".into()
            }
        );
        assert_eq!(
            t.choice_for_value("77"),
            ChoiceValue {
                id: "77".into(),
                label: "77".into()
            }
        );
    }
}
