//! The ownership rules of one attribute at import, as a pure decision: given who owns it, the
//! conflict rule, what the store holds (the value, the last source value, whether a platform
//! change waits for write-back) and what the source now says, what to store and what to report.
//! `detect` applies the decision (writes and events); the rules live only here.

use super::mapping::{Owner, Rule};
use crate::model::Value;
use crate::store::StoredAttr;

/// What the import of one attribute finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finding {
    /// The source changed an attribute it owns (a mover or a change, by the mapping).
    Changed,
    /// Both sides changed it; `platform_wins` says which value is kept.
    Conflict { platform_wins: bool },
    /// The source changed a platform-owned attribute; the platform value is written back.
    Drift,
}

/// What to do with one attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Store this value (`pending`: it waits for write-back to the source); `None`: leave the
    /// stored attribute as it is.
    pub store: Option<(Vec<Value>, bool)>,
    /// Report this, the old and the new value as the event shows them.
    pub finding: Option<(Finding, Vec<Value>, Vec<Value>)>,
}

/// Decides the import of one attribute.
pub fn decide(owner: Owner, rule: Option<Rule>, old: &StoredAttr, new: &[Value]) -> Decision {
    let prev_source = old.source_value.as_deref().unwrap_or(&old.value);
    let keep = |value: &[Value], pending: bool| Some((value.to_vec(), pending));
    let report = |f: Finding, from: &[Value], to: &[Value]| Some((f, from.to_vec(), to.to_vec()));
    let nothing = Decision {
        store: None,
        finding: None,
    };
    match (owner, old.pending) {
        (Owner::Hr, _) | (Owner::Both, false) => Decision {
            store: (old.value != new || old.pending || prev_source != new)
                .then(|| (new.to_vec(), false)),
            finding: (old.value != new)
                .then(|| (Finding::Changed, old.value.clone(), new.to_vec())),
        },
        (Owner::Platform | Owner::Both, true) if old.value == new => Decision {
            store: keep(new, false),
            finding: None,
        },
        (Owner::Both, true) if prev_source != new => match rule {
            Some(Rule::HrWins) | None => Decision {
                store: keep(new, false),
                finding: report(
                    Finding::Conflict {
                        platform_wins: false,
                    },
                    &old.value,
                    new,
                ),
            },
            Some(Rule::PlatformWins) => Decision {
                store: keep(&old.value, true),
                finding: report(
                    Finding::Conflict {
                        platform_wins: true,
                    },
                    new,
                    &old.value,
                ),
            },
        },
        (Owner::Platform, true) | (Owner::Both, true) => {
            if prev_source != new {
                Decision {
                    store: keep(&old.value, true),
                    finding: None,
                }
            } else {
                nothing
            }
        }
        (Owner::Platform, false) => {
            if old.value != new {
                Decision {
                    store: keep(&old.value, true),
                    finding: report(Finding::Drift, &old.value, new),
                }
            } else if prev_source != new {
                Decision {
                    store: keep(new, false),
                    finding: None,
                }
            } else {
                nothing
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Vec<Value> {
        vec![Value::Text(s.into())]
    }

    fn stored(value: &str, source: &str, pending: bool) -> StoredAttr {
        StoredAttr {
            value: text(value),
            source_value: Some(text(source)),
            pending,
        }
    }

    #[test]
    fn hr_owned_attributes_follow_the_source_and_report_the_change() {
        let d = decide(Owner::Hr, None, &stored("a", "a", false), &text("b"));
        assert_eq!(d.store, Some((text("b"), false)));
        assert_eq!(d.finding, Some((Finding::Changed, text("a"), text("b"))));
        let same = decide(Owner::Hr, None, &stored("a", "a", false), &text("a"));
        assert_eq!(
            same,
            Decision {
                store: None,
                finding: None
            }
        );
    }

    #[test]
    fn a_change_on_both_sides_is_settled_by_the_rule() {
        let old = stored("platform", "a", true);
        let hr = decide(Owner::Both, Some(Rule::HrWins), &old, &text("source"));
        assert_eq!(hr.store, Some((text("source"), false)));
        assert!(matches!(
            hr.finding,
            Some((
                Finding::Conflict {
                    platform_wins: false
                },
                _,
                _
            ))
        ));
        let platform = decide(Owner::Both, Some(Rule::PlatformWins), &old, &text("source"));
        assert_eq!(platform.store, Some((text("platform"), true)));
        assert_eq!(
            platform.finding,
            Some((
                Finding::Conflict {
                    platform_wins: true
                },
                text("source"),
                text("platform")
            ))
        );
    }

    #[test]
    fn the_source_changing_a_platform_owned_attribute_is_a_drift_written_back() {
        let d = decide(Owner::Platform, None, &stored("p", "p", false), &text("s"));
        assert_eq!(d.store, Some((text("p"), true)));
        assert_eq!(d.finding, Some((Finding::Drift, text("p"), text("s"))));
        // A pending platform value the source now holds is confirmed.
        let d = decide(Owner::Platform, None, &stored("p", "x", true), &text("p"));
        assert_eq!(d.store, Some((text("p"), false)));
        assert_eq!(d.finding, None);
    }
}
