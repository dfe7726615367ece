//! What one application target needs, from the store's people and the target's own listing:
//! accounts to **link** (already there, found by the match key: never created twice), and the
//! actions: **create** for a joiner, **update** for a mover or a changed attribute,
//! **suspend** for a leaver (contract ended, suspended or gone at the source), **resume** for a
//! returner. References (the manager) are translated to the referenced person's account id in
//! the target; one whose account does not exist yet is left for the pass after the creations.

use std::collections::{HashMap, HashSet};

use super::mapping::TargetMapping;
use crate::model::{Attribute, AttributeChange, ChangeOp, User, Value};
use crate::store::AccountStatus;
use crate::store::targets::Person;
use crate::sync::detect::show;
use crate::sync::mapping::OnGone;
use crate::sync::plan::{ActionKind, PlannedAction};

/// What the source says a person's account should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Active,
    /// A leaver, and why.
    Suspended(String),
    /// Gone from the source under `on_gone = "review"`: someone decides, nothing is sent.
    Review,
}

/// The account state the source asks for. `cutoff`: contract ends strictly before it have
/// passed.
pub fn wanted(person: &Person, on_gone: OnGone, cutoff: &str) -> Wanted {
    if person.gone_run.is_some() {
        match on_gone {
            OnGone::Deprovision => return Wanted::Suspended("gone from the source".into()),
            OnGone::Review => return Wanted::Review,
            OnGone::Ignore => {}
        }
    }
    if let Some(end) = person.contract_end.as_deref().filter(|e| *e < cutoff) {
        return Wanted::Suspended(format!("contract ended on {end}"));
    }
    if !person.active {
        return Wanted::Suspended("suspended at the source".into());
    }
    Wanted::Active
}

/// The target's accounts as listed, found by id and by match key.
pub struct Listing {
    pub by_id: HashMap<String, User>,
    by_key: HashMap<String, String>,
}

/// A match key as compared: trimmed, in lower case (a user name differing only in case is the
/// same account for every SCIM server that treats `userName` case-insensitively).
pub fn key_of(values: &[Value]) -> Option<String> {
    let k = show(values).trim().to_lowercase();
    (!k.is_empty()).then_some(k)
}

impl Listing {
    pub fn new(users: Vec<User>, match_on: &str) -> Listing {
        let mut by_key = HashMap::new();
        for u in &users {
            if let Some(k) = key_of(u.values(match_on)) {
                by_key.entry(k).or_insert_with(|| u.id.clone());
            }
        }
        Listing {
            by_id: users.into_iter().map(|u| (u.id.clone(), u)).collect(),
            by_key,
        }
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The listed account whose match key is `key`.
    pub fn find(&self, key: &str) -> Option<&User> {
        self.by_key.get(key).and_then(|id| self.by_id.get(id))
    }

    /// Replaces an account with what an action returned.
    pub fn put(&mut self, user: User, match_on: &str) {
        if let Some(k) = key_of(user.values(match_on)) {
            self.by_key.insert(k, user.id.clone());
        }
        self.by_id.insert(user.id.clone(), user);
    }
}

/// An account found by its match key for a person who has none in the store.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub identity_id: i64,
    pub subject: String,
    pub remote_id: String,
    pub active: bool,
    pub key: String,
}

/// The person's match key in this target.
fn match_key(mapping: &TargetMapping, person: &Person) -> Option<String> {
    mapping
        .desired(&person.source_id, &person.attrs)
        .into_iter()
        .find(|(f, _)| *f == mapping.match_on)
        .and_then(|(_, v)| v.ok())
        .and_then(|v| key_of(&v))
}

/// Accounts to link: people with no account (or one the target no longer lists) whose match
/// key the listing has.
/// An account already linked to someone is never linked to a second person (a rehire with
/// the same e-mail under a new HR id, two people sharing an address): they are held instead
/// ([`build`]).
pub fn links(mapping: &TargetMapping, people: &[Person], listing: &Listing) -> Vec<Link> {
    let mut used: HashSet<String> = people
        .iter()
        .filter_map(|p| p.account.as_ref().map(|(remote, _)| remote.clone()))
        .filter(|remote| listing.by_id.contains_key(remote))
        .collect();
    people
        .iter()
        .filter(|p| {
            p.account
                .as_ref()
                .is_none_or(|(remote, _)| !listing.by_id.contains_key(remote))
        })
        .filter_map(|p| {
            let key = match_key(mapping, p)?;
            let found = listing.find(&key)?;
            if !used.insert(found.id.clone()) {
                return None;
            }
            Some(Link {
                identity_id: p.identity_id,
                subject: p.display_name.clone(),
                remote_id: found.id.clone(),
                active: found.active,
                key,
            })
        })
        .collect()
}

fn same(a: &[Value], b: &[Value]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| match (x, y) {
            (Value::Choice(p), Value::Choice(q)) => {
                (!p.id.is_empty() && p.id == q.id) || (!p.label.is_empty() && p.label == q.label)
            }
            (x, y) => x == y,
        })
}

/// A person's target values: what can be sent, the fields waiting on a referenced account
/// that does not exist yet, and the first value that cannot be sent at all.
struct Resolved {
    values: Vec<(String, Vec<Value>)>,
    waiting: Vec<String>,
    problem: Option<String>,
}

/// Desired values with references translated through `accounts` (HR id → account id in the
/// target).
fn resolved(
    mapping: &TargetMapping,
    person: &Person,
    accounts: &HashMap<String, String>,
) -> Resolved {
    let mut out = Vec::new();
    let mut waiting = Vec::new();
    let mut problem = None;
    for (field, values) in mapping.desired(&person.source_id, &person.attrs) {
        let values = match values {
            Ok(v) => v,
            Err(why) => {
                problem.get_or_insert(format!("`{field}`: {why}"));
                continue;
            }
        };
        let mut translated = Vec::with_capacity(values.len());
        let mut missing = false;
        for v in values {
            match v {
                Value::Reference(hr) => match accounts.get(&hr) {
                    Some(remote) => translated.push(Value::Reference(remote.clone())),
                    None => missing = true,
                },
                other => translated.push(other),
            }
        }
        if missing {
            waiting.push(field);
        } else {
            out.push((field, translated));
        }
    }
    Resolved {
        values: out,
        waiting,
        problem,
    }
}

/// For each person, the fields whose reference has no account in the target yet (with
/// `accounts` as it stands): what a second pass, once the creations are done, may set.
pub fn waiting(
    mapping: &TargetMapping,
    people: &[Person],
    accounts: &HashMap<String, String>,
) -> HashMap<i64, Vec<String>> {
    people
        .iter()
        .filter_map(|p| {
            let w = resolved(mapping, p, accounts).waiting;
            (!w.is_empty()).then_some((p.identity_id, w))
        })
        .collect()
}

/// The plan for one target. `accounts`: HR id → account id in the target, for every person
/// with a listed account (links included).
pub fn build(
    mapping: &TargetMapping,
    people: &[Person],
    listing: &Listing,
    accounts: &HashMap<String, String>,
    on_gone: OnGone,
    cutoff: &str,
) -> Vec<PlannedAction> {
    let mut plan = Vec::new();
    for p in people {
        let wanted = wanted(p, on_gone, cutoff);
        let current = p
            .account
            .as_ref()
            .and_then(|(remote, _)| listing.by_id.get(remote));
        let subject = |remote: &str| format!("{} ({remote})", p.display_name);
        let action = |kind, remote: Option<String>, reason: String| PlannedAction {
            kind,
            identity_id: p.identity_id,
            subject: remote
                .as_deref()
                .map(subject)
                .unwrap_or_else(|| format!("{} (HR {})", p.display_name, p.source_id)),
            remote_id: remote,
            reason,
            attributes: Vec::new(),
            changes: Vec::new(),
            platform_names: Vec::new(),
            match_key: None,
            held: None,
        };
        let Some(user) = current else {
            if wanted != Wanted::Active {
                continue;
            }
            let Resolved {
                values,
                waiting,
                problem,
            } = resolved(mapping, p, accounts);
            let key = values
                .iter()
                .find(|(f, _)| *f == mapping.match_on)
                .and_then(|(_, v)| key_of(v));
            let mut reason = match &p.account {
                Some((remote, _)) => format!("joiner (its account {remote} is no longer listed)"),
                None => "joiner".to_string(),
            };
            if !waiting.is_empty() {
                reason.push_str(&format!(
                    "; {} set once the referenced account exists",
                    waiting.join(", ")
                ));
            }
            let mut a = action(ActionKind::Create, None, reason);
            a.attributes = values
                .into_iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(name, values)| Attribute { name, values })
                .collect();
            let taken = key
                .as_deref()
                .and_then(|k| listing.find(k))
                .map(|u| u.id.clone());
            a.held = match (&problem, &key) {
                (Some(why), _) => Some(format!("not created: {why}")),
                (None, Some(k)) if taken.is_some() => Some(format!(
                    "not created: {} {k} is already the account {} of another person (two people share it at the source?)",
                    mapping.match_on,
                    taken.unwrap_or_default()
                )),
                (None, None) => Some(format!(
                    "not created: it has no {} (the target mapping's match_on)",
                    mapping.match_on
                )),
                (None, Some(_)) => None,
            };
            a.match_key = key;
            plan.push(a);
            continue;
        };
        let remote = user.id.clone();
        match &wanted {
            Wanted::Active => {
                let Resolved {
                    values, problem, ..
                } = resolved(mapping, p, accounts);
                let changes: Vec<AttributeChange> = values
                    .into_iter()
                    .filter(|(f, v)| !same(v, user.values(f)))
                    .map(|(name, values)| AttributeChange {
                        name,
                        op: if values.is_empty() {
                            ChangeOp::Clear
                        } else {
                            ChangeOp::Set(values)
                        },
                    })
                    .collect();
                if !changes.is_empty() || problem.is_some() {
                    let names: Vec<&str> = changes.iter().map(|c| c.name.as_str()).collect();
                    let mut a = action(
                        ActionKind::Update,
                        Some(remote.clone()),
                        format!("changed at the source: {}", names.join(", ")),
                    );
                    a.held = problem.map(|why| format!("not updated: {why}"));
                    a.changes = changes;
                    plan.push(a);
                }
                if !user.active {
                    plan.push(action(
                        ActionKind::Resume,
                        Some(remote),
                        "returner: active at the source again".into(),
                    ));
                }
            }
            Wanted::Suspended(why) if user.active => {
                plan.push(action(
                    ActionKind::Suspend,
                    Some(remote),
                    format!("leaver: {why}"),
                ));
            }
            Wanted::Review if user.active => {
                let mut a = action(
                    ActionKind::Suspend,
                    Some(remote),
                    "leaver: gone from the source".into(),
                );
                a.held =
                    Some("on_gone = review: someone decides what happens to this account".into());
                plan.push(a);
            }
            _ => {}
        }
    }
    plan
}

/// The accounts of a status the store should hold for what the target lists.
pub fn status_of(user: &User) -> AccountStatus {
    AccountStatus::from_active(user.active)
}
