//! Records a run could not map, summarised: how many per attribute and cause, with a few
//! examples each, so a mapping that fails on 20,000 people says so in a few lines. The full
//! list is in the report (up to [`MAX_LISTED`]) and in the audit log (`events --kind skipped`).

use std::collections::BTreeMap;

use serde::Serialize;

use super::mapping::RecordError;

/// Examples kept per group.
pub const EXAMPLES: usize = 3;
/// Reasons kept in the report's full list.
pub const MAX_LISTED: usize = 10_000;

/// One attribute's records skipped for one cause.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SkipGroup {
    pub attribute: String,
    /// The reason with the offending value left out ("… is not a date (YYYY-MM-DD)").
    pub cause: String,
    pub count: u64,
    /// A few of the people concerned ("Jane DOE (12): \"2026-13-01\" is not a date…").
    pub examples: Vec<String>,
}

/// The skipped records of a run.
#[derive(Debug, Clone, Default)]
pub struct Skips {
    groups: BTreeMap<(String, String), SkipGroup>,
    listed: Vec<String>,
}

/// A reason without the value it quotes first, so the same cause groups together.
fn cause(reason: &str) -> String {
    if let Some(rest) = reason.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return format!("…{}", &rest[i + 1..]),
                _ => escaped = false,
            }
        }
    }
    reason.to_string()
}

impl Skips {
    /// Counts one record that could not be mapped (`who`: its display name and id).
    pub fn add(&mut self, who: &str, e: &RecordError) {
        self.count(
            e.attribute.clone(),
            cause(&e.reason),
            format!("{who} — {e}"),
        );
    }

    fn count(&mut self, attribute: String, cause: String, line: String) {
        let group = self
            .groups
            .entry((attribute.clone(), cause.clone()))
            .or_insert_with(|| SkipGroup {
                attribute,
                cause,
                count: 0,
                examples: Vec::new(),
            });
        group.count += 1;
        if group.examples.len() < EXAMPLES {
            group.examples.push(line.clone());
        }
        if self.listed.len() < MAX_LISTED {
            self.listed.push(line);
        }
    }

    /// The groups, largest first.
    pub fn summary(&self) -> Vec<SkipGroup> {
        let mut groups: Vec<SkipGroup> = self.groups.values().cloned().collect();
        groups.sort_by(|a, b| b.count.cmp(&a.count).then(a.attribute.cmp(&b.attribute)));
        groups
    }

    /// How many reasons [`Skips::listed`] holds.
    pub fn listed_len(&self) -> usize {
        self.listed.len()
    }

    /// Every reason, up to [`MAX_LISTED`].
    pub fn listed(self) -> Vec<String> {
        self.listed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(attribute: &str, reason: &str) -> RecordError {
        RecordError {
            user: "1".into(),
            attribute: attribute.into(),
            field: attribute.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn the_same_cause_with_other_values_is_one_group() {
        let mut s = Skips::default();
        for (i, v) in ["2026-13-01", "31/12/2020", "x\\\"y", "soon", "never"]
            .iter()
            .enumerate()
        {
            let reason = format!("{v:?} is not a date (YYYY-MM-DD)");
            s.add(&format!("P{i} ({i})"), &err("birth_date", &reason));
        }
        s.add(
            "Q (9)",
            &err("contract_end", "\"x\" is not a date (YYYY-MM-DD)"),
        );
        let groups = s.summary();
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].attribute, "birth_date");
        assert_eq!(groups[0].count, 5);
        assert_eq!(groups[0].cause, "… is not a date (YYYY-MM-DD)");
        assert_eq!(groups[0].examples.len(), EXAMPLES);
        assert_eq!(s.listed().len(), 6);
    }
}
