//! PeopleSpheres record JSON (`fieldAliasAndValue`) → typed contract attributes. Pure.
//!
//! Every attribute produced is declared by the catalogue with a matching type: values that do
//! not fit their field's type are dropped, single-valued fields keep their first value, and
//! `"null"` strings count as empty. Option values are matched by `resolve`; one that names
//! no option is kept raw (its text as both id and label) and reported in
//! [`Lookup::unresolved`], so the session can log it.

use std::cell::RefCell;
use std::collections::HashMap;

use serde_json::Value as Json;

use crate::api::{self, EdgeDto};
use crate::choices::{ChoiceTree, Node};
use crate::fields::{CatalogField, Catalogue, Kind};
use crate::http::scalar_text;
use crate::model::{Attribute, ChoiceValue, User, Value};

fn is_empty(v: &Json) -> bool {
    match v {
        Json::Null => true,
        Json::String(s) => s.trim().is_empty() || s.trim() == api::NULL_STRING,
        Json::Array(a) => a.iter().all(is_empty),
        Json::Object(o) => o.values().all(is_empty),
        _ => false,
    }
}

fn text(v: &Json) -> Option<String> {
    if is_empty(v) {
        return None;
    }
    scalar_text(v)
        .or_else(|| crate::resolve::candidates(v).into_iter().next())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// `YYYY-MM-DD` from a date or the date part of a timestamp.
pub fn normalize_date(s: &str) -> Option<String> {
    let d = s.get(..10)?;
    let b = d.as_bytes();
    let dg = |r: std::ops::Range<usize>| b.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let ok = b.len() == 10 && dg(0..4) && b[4] == b'-' && dg(5..7) && b[7] == b'-' && dg(8..10);
    let rest_ok = s.len() == 10 || matches!(s.as_bytes().get(10), Some(b'T' | b' '));
    (ok && rest_ok).then(|| d.to_string())
}

/// RFC 3339 UTC from an ISO `…Z` instant or a REST `YYYY-MM-DD HH:mm:ss` (UTC) timestamp.
pub fn normalize_datetime(s: &str) -> Option<String> {
    let date = normalize_date(s)?;
    if s.len() == 10 {
        return Some(format!("{date}T00:00:00Z"));
    }
    let time = s.get(11..)?;
    let (hms, zone) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => (time, "Z"),
    };
    let h = hms.as_bytes();
    let d = |r: std::ops::Range<usize>| h.get(r).is_some_and(|x| x.iter().all(u8::is_ascii_digit));
    let hms_ok = h.len() >= 8 && d(0..2) && h[2] == b':' && d(3..5) && h[5] == b':' && d(6..8);
    if !hms_ok {
        return None;
    }
    let zone = if zone.eq_ignore_ascii_case("z") || zone == "+00:00" {
        "Z"
    } else {
        zone
    };
    Some(format!("{date}T{hms}{zone}"))
}

fn boolean(raw: &str) -> Option<bool> {
    match raw.to_ascii_lowercase().as_str() {
        api::CHECKBOX_TRUE | "true" | "yes" => Some(true),
        api::CHECKBOX_FALSE | "false" | "no" => Some(false),
        _ => None,
    }
}

/// The choice trees a mapping reads, and what it could not resolve.
pub struct Lookup<'a> {
    pub positions: &'a ChoiceTree,
    /// Option trees listed through REST, by field id; they replace the field's own options.
    pub listed: &'a HashMap<String, ChoiceTree>,
    /// `(field name, raw text)` of option values that name no option.
    pub unresolved: RefCell<Vec<(String, String)>>,
}

impl<'a> Lookup<'a> {
    pub fn new(positions: &'a ChoiceTree, listed: &'a HashMap<String, ChoiceTree>) -> Self {
        Lookup {
            positions,
            listed,
            unresolved: RefCell::new(Vec::new()),
        }
    }

    /// The options of a field: listed through REST if they were, else those of `/fields`.
    pub fn tree<'b>(&'b self, cf: &'b CatalogField) -> &'b ChoiceTree {
        self.listed.get(&cf.id).unwrap_or(&cf.options)
    }
}

/// Whether a raw (non-list) value of an option or active field names something in `tree`.
pub fn resolves(cf: &CatalogField, tree: &ChoiceTree, v: &Json) -> bool {
    is_empty(v)
        || tree.resolve(v).is_some()
        || (cf.kind == Kind::Active && text(v).as_deref().and_then(active_literal).is_some())
}

/// One JSON value of a (non-composite) field → a contract value of the field's type.
fn convert(cf: &CatalogField, lk: &Lookup<'_>, v: &Json) -> Option<Value> {
    let raw = text(v)?;
    Some(match cf.kind {
        Kind::Text | Kind::Link => Value::Text(raw),
        Kind::Date => Value::Date(normalize_date(&raw)?),
        Kind::Datetime => Value::Datetime(normalize_datetime(&raw)?),
        Kind::Number => Value::Decimal(raw.parse::<f64>().ok().filter(|f| f.is_finite())?),
        Kind::Checkbox => Value::Boolean(boolean(&raw)?),
        Kind::UserRelation => Value::Reference(raw),
        Kind::Position => Value::Choice(lk.positions.choice_for_value(&raw)),
        Kind::Options => Value::Choice(lk.tree(cf).resolve_choice(v).unwrap_or_else(|| {
            lk.unresolved
                .borrow_mut()
                .push((cf.field.name.clone(), raw.clone()));
            ChoiceValue {
                id: raw.clone(),
                label: raw,
            }
        })),
        Kind::Active => Value::Boolean(active_value(lk.tree(cf), v, &raw)?),
        Kind::Composite | Kind::Computed => return None,
    })
}

fn active_literal(raw: &str) -> Option<bool> {
    match raw {
        api::ACTIVE_YES => Some(true),
        api::ACTIVE_NO => Some(false),
        other => boolean(other),
    }
}

/// The active flag a raw value designates: the option it names (by its value or alias), or
/// the raw text itself (`usr_active_yes`, `1`, `true`…).
fn active_value(tree: &ChoiceTree, v: &Json, raw: &str) -> Option<bool> {
    match tree.resolve(v) {
        Some(n) => active_literal(&n.value)
            .or_else(|| n.alias.as_deref().and_then(active_literal))
            .or_else(|| active_literal(raw)),
        None => active_literal(raw),
    }
}

/// A JSON value as the list of its items (an array's elements, or itself).
pub(crate) fn items(v: &Json) -> Vec<&Json> {
    match v {
        Json::Array(a) => a.iter().collect(),
        other => vec![other],
    }
}

fn values_of(cf: &CatalogField, lk: &Lookup<'_>, v: &Json) -> Vec<Value> {
    let mut out: Vec<Value> = items(v)
        .into_iter()
        .filter_map(|x| convert(cf, lk, x))
        .collect();
    if !cf.field.multi_valued {
        out.truncate(1);
    }
    out
}

/// Maps one record's `fieldAliasAndValue` to the attributes of a user, in catalogue order.
pub fn attributes(cat: &Catalogue, lk: &Lookup<'_>, record: &Json) -> Vec<Attribute> {
    let mut out = Vec::new();
    let Some(map) = record.as_object() else {
        return out;
    };
    for cf in &cat.top {
        let Some(raw) = map.get(&cf.alias) else {
            continue;
        };
        if is_empty(raw) {
            continue;
        }
        if cf.kind == Kind::Composite {
            let rows: Vec<&serde_json::Map<String, Json>> =
                items(raw).into_iter().filter_map(Json::as_object).collect();
            for sub in &cf.subs {
                let mut values = Vec::new();
                for row in &rows {
                    if let Some(v) = row.get(&sub.alias) {
                        values.extend(values_of(sub, lk, v));
                    }
                }
                if !sub.field.multi_valued {
                    values.truncate(1);
                }
                if !values.is_empty() {
                    out.push(Attribute {
                        name: sub.field.name.clone(),
                        values,
                    });
                }
            }
        } else {
            let values = values_of(cf, lk, raw);
            if !values.is_empty() {
                out.push(Attribute {
                    name: cf.field.name.clone(),
                    values,
                });
            }
        }
    }
    out
}

fn raw_text(record: &Json, alias: &str) -> Option<String> {
    record
        .get(alias)
        .and_then(|v| items(v).into_iter().find_map(text))
}

/// A user from its REST id and record values. `active` defaults to true when absent.
pub fn user(cat: &Catalogue, lk: &Lookup<'_>, id: u64, record: &Json) -> User {
    let attributes = attributes(cat, lk, record);
    let active = cat
        .top
        .iter()
        .find(|f| f.kind == Kind::Active)
        .and_then(|f| attributes.iter().find(|a| a.name == f.field.name))
        .and_then(|a| match a.values.first() {
            Some(Value::Boolean(b)) => Some(*b),
            _ => None,
        })
        .or_else(|| raw_text(record, api::ACTIVE_ALIAS).and_then(|r| active_literal(&r)))
        .unwrap_or(true);
    User {
        id: id.to_string(),
        display_name: display_name(record, id),
        active,
        attributes,
    }
}

/// Adds `seniority` (years since the hire date, one decimal) when the catalogue computes it
/// (tenants without a calculated seniority field) and the user has a valid hire date.
pub fn add_computed_seniority(cat: &Catalogue, attrs: &mut Vec<Attribute>, now_unix: u64) {
    let computed = cat
        .top
        .iter()
        .any(|f| f.kind == Kind::Computed && f.field.name == crate::fields::SENIORITY);
    if !computed {
        return;
    }
    let start = attrs
        .iter()
        .find(|a| a.name == crate::fields::HIRE_DATE)
        .and_then(|a| match a.values.first() {
            Some(Value::Date(d)) => crate::validate::calendar_days(d),
            _ => None,
        });
    if let Some(start) = start {
        let today = i64::try_from(now_unix / 86_400).unwrap_or(i64::MAX);
        let years = (today - start).max(0) as f64 / 365.25;
        let rounded = (years * 10.0).round() / 10.0;
        attrs.push(Attribute {
            name: crate::fields::SENIORITY.into(),
            values: vec![Value::Decimal(rounded)],
        });
    }
}

/// "First LAST", else the username, the email, or the id.
pub fn display_name(record: &Json, id: u64) -> String {
    let first = raw_text(record, "usr_first_name").unwrap_or_default();
    let last = raw_text(record, "usr_last_name")
        .unwrap_or_default()
        .to_uppercase();
    let name = format!("{first} {last}").trim().to_string();
    if !name.is_empty() {
        return name;
    }
    raw_text(record, "username")
        .or_else(|| raw_text(record, "professional_email"))
        .unwrap_or_else(|| id.to_string())
}

/// Position nodes from `pos` record edges (ids from cursors, `pos_name`, `pos_parent`).
pub fn position_nodes(edges: &[EdgeDto]) -> Vec<Node> {
    edges
        .iter()
        .filter_map(|e| {
            let id = api::id_from_cursor(&e.cursor)?.to_string();
            let values = &e.node.field_alias_and_value;
            let label = raw_text(values, api::POS_NAME).unwrap_or_else(|| id.clone());
            let parent = raw_text(values, api::POS_PARENT).filter(|p| *p != id);
            Some(Node {
                value: id.clone(),
                alias: None,
                claims_children: None,
                id,
                label,
                parent,
                selectable: true,
                active: true,
                order: 0,
            })
        })
        .enumerate()
        .map(|(i, mut n)| {
            n.order = i as i64;
            n
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::tests::seeded;
    use crate::model::{ChoiceValue, FieldType};

    fn positions() -> ChoiceTree {
        let edges: Vec<EdgeDto> = serde_json::from_value(serde_json::json!([
            {"cursor": api::cursor_for_id(50), "node": {"fieldAliasAndValue": {"pos_name": "Direction"}}},
            {"cursor": api::cursor_for_id(53), "node": {"fieldAliasAndValue": {"pos_name": "CTO", "pos_parent": "50"}}},
            {"cursor": api::cursor_for_id(54), "node": {"fieldAliasAndValue": {"pos_name": "Dev", "pos_parent": "53"}}},
            {"cursor": api::cursor_for_id(55), "node": {"fieldAliasAndValue": {"pos_name": "Orphan", "pos_parent": "null"}}}
        ]))
        .unwrap();
        ChoiceTree::new(position_nodes(&edges))
    }

    fn attr<'a>(attrs: &'a [Attribute], name: &str) -> Option<&'a Vec<Value>> {
        attrs.iter().find(|a| a.name == name).map(|a| &a.values)
    }

    fn choice(id: &str, label: &str) -> Value {
        Value::Choice(ChoiceValue {
            id: id.into(),
            label: label.into(),
        })
    }

    #[test]
    fn every_data_type() {
        let cat = seeded();
        let rec = serde_json::json!({
            "username": "jdoe", "usr_first_name": "Jane", "usr_last_name": "Doe",
            "professional_email": "jane@corp.fr", "usr_birth_date": "1990-02-03",
            "professional_phone": "null", "professional_mobile_phone": "",
            "manager": "77", "hr": 78, "mentor": "null",
            "usr_poste": "54", "usr_business_unit": "502", "usr_department": "600",
            "usr_socio_professional_category": "701", "usr_position_start_date": "2020-01-01 00:00:00",
            "usr_employment_contract": {"usr_employment_contract_contract_type": "800",
                "usr_employment_contract_start_date": "2020-01-01", "usr_employment_contract_end_date": "null"},
            "usr_career_history": [
                {"usr_career_history_position": "Dev", "usr_career_history_start_date": "2018-01-01"},
                {"usr_career_history_position": "Lead", "usr_career_history_start_date": "2019-01-01",
                 "usr_career_history_end_date": "2020-01-01"}],
            "usr_seniority": "3.5", "usr_active": "usr_active_no",
            "usr_badge_number": "B-1", "usr_tshirt_size": "1001", "usr_remote_days": "2",
            "usr_skills": ["1100", "1101"], "usr_company_car": "1", "not_in_catalogue": "x"
        });
        let (p, none) = (positions(), HashMap::new());
        let u = user(&cat, &Lookup::new(&p, &none), 6, &rec);
        let a = &u.attributes;
        assert_eq!(u.id, "6");
        assert_eq!(u.display_name, "Jane DOE");
        assert!(!u.active);
        assert_eq!(attr(a, "username"), Some(&vec![Value::Text("jdoe".into())]));
        assert_eq!(
            attr(a, "birth_date"),
            Some(&vec![Value::Date("1990-02-03".into())])
        );
        assert_eq!(attr(a, "phone"), None);
        assert_eq!(attr(a, "mobile"), None);
        assert_eq!(attr(a, "mentor"), None);
        assert_eq!(
            attr(a, "manager"),
            Some(&vec![Value::Reference("77".into())])
        );
        assert_eq!(
            attr(a, "hr_manager"),
            Some(&vec![Value::Reference("78".into())])
        );
        assert_eq!(
            attr(a, "position"),
            Some(&vec![choice("54", "Direction/CTO/Dev")])
        );
        assert_eq!(
            attr(a, "business_unit"),
            Some(&vec![choice("502", "Sales/France/Paris")])
        );
        assert_eq!(
            attr(a, "socio_professional_category"),
            Some(&vec![choice("701", "Employé")])
        );
        assert_eq!(
            attr(a, "position_start_date"),
            Some(&vec![Value::Date("2020-01-01".into())])
        );
        assert_eq!(attr(a, "contract"), None);
        assert_eq!(attr(a, "contract.type"), Some(&vec![choice("800", "CDI")]));
        assert_eq!(
            attr(a, "contract.start_date"),
            Some(&vec![Value::Date("2020-01-01".into())])
        );
        assert_eq!(attr(a, "contract.end_date"), None);
        assert_eq!(
            attr(a, "career_history.position"),
            Some(&vec![Value::Text("Dev".into()), Value::Text("Lead".into())])
        );
        assert_eq!(
            attr(a, "career_history.end_date"),
            Some(&vec![Value::Date("2020-01-01".into())])
        );
        assert_eq!(attr(a, "seniority"), Some(&vec![Value::Decimal(3.5)]));
        assert_eq!(attr(a, "active"), Some(&vec![Value::Boolean(false)]));
        assert_eq!(attr(a, "usr_tshirt_size"), Some(&vec![choice("1001", "L")]));
        assert_eq!(attr(a, "usr_remote_days"), Some(&vec![Value::Decimal(2.0)]));
        assert_eq!(
            attr(a, "usr_skills"),
            Some(&vec![choice("1100", "Rust"), choice("1101", "Go")])
        );
        assert_eq!(
            attr(a, "usr_company_car"),
            Some(&vec![Value::Boolean(true)])
        );
        assert_eq!(attr(a, "not_in_catalogue"), None);
        // Every attribute is declared, with matching types and cardinality.
        let fields = cat.fields();
        for at in a {
            let f = fields.iter().find(|f| f.name == at.name).unwrap();
            assert!(f.field_type != FieldType::Composite);
            assert!(f.multi_valued || at.values.len() == 1, "{}", at.name);
            for v in &at.values {
                assert_eq!(v.field_type(), f.field_type, "{}", at.name);
            }
        }
    }

    #[test]
    fn defaults_and_oddities() {
        let cat = seeded();
        let (empty, none) = (ChoiceTree::default(), HashMap::new());
        let lk = Lookup::new(&empty, &none);
        let u = user(
            &cat,
            &lk,
            9,
            &serde_json::json!({
                "username": "solo", "usr_birth_date": "not a date", "usr_remote_days": "many",
                "usr_company_car": "maybe", "usr_poste": "53", "usr_first_name": ["A", "B"],
                "usr_active": "usr_active_yes"
            }),
        );
        assert_eq!(u.display_name, "A");
        assert!(u.active);
        assert_eq!(attr(&u.attributes, "birth_date"), None);
        assert_eq!(attr(&u.attributes, "usr_remote_days"), None);
        assert_eq!(attr(&u.attributes, "usr_company_car"), None);
        assert_eq!(
            attr(&u.attributes, "position"),
            Some(&vec![choice("53", "53")])
        );
        assert_eq!(
            attr(&u.attributes, "first_name"),
            Some(&vec![Value::Text("A".into())])
        );
        let u = user(&cat, &lk, 10, &serde_json::json!({}));
        assert!(u.active && u.attributes.is_empty());
        assert_eq!(u.display_name, "10");
        assert_eq!(
            user(&cat, &lk, 1, &serde_json::json!(null)).attributes,
            vec![]
        );
    }

    #[test]
    fn positions_tree() {
        let p = positions();
        let roots = p.children(None).unwrap();
        assert_eq!(
            roots.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
            vec!["Direction", "Orphan"]
        );
        assert!(roots[0].has_children);
        assert_eq!(p.children(Some("53")).unwrap()[0].path, "Direction/CTO/Dev");
    }

    #[test]
    fn dates() {
        assert_eq!(normalize_date("2020-01-02").as_deref(), Some("2020-01-02"));
        assert_eq!(
            normalize_date("2020-01-02T10:00:00Z").as_deref(),
            Some("2020-01-02")
        );
        assert_eq!(normalize_date("2020-1-2"), None);
        assert_eq!(normalize_date("2020-01-02x"), None);
        assert_eq!(
            normalize_datetime("2019-07-11T09:38:42Z").as_deref(),
            Some("2019-07-11T09:38:42Z")
        );
        assert_eq!(
            normalize_datetime("2019-07-11 09:38:42").as_deref(),
            Some("2019-07-11T09:38:42Z")
        );
        assert_eq!(
            normalize_datetime("2019-07-11").as_deref(),
            Some("2019-07-11T00:00:00Z")
        );
        assert_eq!(normalize_datetime("2019-07-11Tnope"), None);
    }
}
