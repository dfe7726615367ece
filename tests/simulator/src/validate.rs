//! Validation of write items (`data[]` of `POST /psos` and form-instance posts): which field
//! an item names, whether the API may write it, and whether its value fits the data type.

use serde_json::Value;

use crate::catalogue::{FieldCatalogue, SimField};
use crate::forms::is_form_composite;
use crate::rng::days_from_civil;
use crate::tenant::Tenant;

/// Whether the API may write this top-level field (inactive, read-only, calculated fields,
/// `usr_active` and the form composites may not).
pub fn api_writable(f: &SimField) -> bool {
    f.is_active
        && !f.read_only
        && f.data_type != "calculated"
        && f.alias != "usr_active"
        && !is_form_composite(&f.alias)
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        s.get(r)
            .filter(|x| x.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|x| x.parse::<u32>().ok())
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    if !(1..=12).contains(&m) || d == 0 {
        return false;
    }
    let (ny, nm) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    let days_in_month = days_from_civil(i64::from(ny), nm, 1) - days_from_civil(i64::from(y), m, 1);
    i64::from(d) <= days_in_month
}

/// Why a non-empty `value` does not fit field `f`, if it does not.
pub fn check_value(t: &Tenant, f: &SimField, v: &str) -> Result<(), String> {
    let ok = match f.data_type.as_str() {
        "date" => is_date(v),
        "number" => v.trim().parse::<f64>().is_ok_and(f64::is_finite),
        "checkbox" => v == "1" || v == "0",
        "list" | "hierarchy" | "radio_button" | "multi_checkbox" => {
            return match f.option_by_value(v) {
                None => Err("The selected value is invalid.".into()),
                Some(o) if !o.is_active || !o.is_selectable => {
                    Err("The selected option is not selectable.".into())
                }
                Some(_) => Ok(()),
            };
        }
        "user_relation" => {
            return match v.parse::<u64>().ok().and_then(|id| t.user(id)) {
                Some(_) => Ok(()),
                None => Err(format!("The selected user {v} does not exist.")),
            };
        }
        "pso_relation" => {
            return match v.parse::<u64>().ok().and_then(|id| t.position(id)) {
                Some(_) => Ok(()),
                None => Err(format!("The selected pso {v} does not exist.")),
            };
        }
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(match f.data_type.as_str() {
            "date" => "The value must be a valid date (YYYY-MM-DD).".into(),
            "number" => "The value must be a number.".into(),
            _ => "The value must be 1 or 0.".into(),
        })
    }
}

/// What an item writes: a plain top-level field, or a sub-field of a composite.
#[derive(Clone, Copy, Debug)]
pub enum Target<'a> {
    Plain(&'a SimField),
    Sub(&'a SimField, &'a SimField),
}

impl<'a> Target<'a> {
    /// The top-level field (the composite for a sub-field).
    pub fn top(&self) -> &'a SimField {
        match self {
            Target::Plain(f) | Target::Sub(f, _) => f,
        }
    }
    /// The field whose value the item carries.
    pub fn leaf(&self) -> &'a SimField {
        match self {
            Target::Plain(f) | Target::Sub(_, f) => f,
        }
    }
}

/// One parsed `data[]` item.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    /// The error key: the alias (sub-field alias) as resolved.
    pub key: String,
    pub target: Target<'a>,
    pub value: String,
    pub action: String,
    pub answer_id: Option<u64>,
    pub batch: Option<String>,
}

/// The alias an item names, for the journal (`None` when it names nothing usable).
pub fn named_alias(cat: &FieldCatalogue, raw: &Value) -> Option<String> {
    if let Some(a) = raw.get("field_alias").and_then(Value::as_str) {
        return Some(a.to_string());
    }
    let id = raw.get("field_id").and_then(Value::as_u64)?;
    cat.by_id(id).map(|f| f.alias.clone())
}

/// Parse item `i`: `Err((key, reason))` for an unknown, inactive or read-only field, a bad
/// action, a non-string value, or a malformed `answer_id` / `batch`.
pub fn parse_item<'a>(
    cat: &'a FieldCatalogue,
    i: usize,
    raw: &Value,
) -> Result<Item<'a>, (String, String)> {
    let err = |k: &str, m: &str| Err((k.to_string(), m.to_string()));
    let Some(obj) = raw.as_object() else {
        return err(&format!("data.{i}"), "Each item must be an object.");
    };
    let alias = obj.get("field_alias").and_then(Value::as_str);
    let id = obj.get("field_id").and_then(|v| {
        v.as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    });
    let found = match (alias, id) {
        (Some(a), _) => cat.any_field("usr", a).ok_or_else(|| a.to_string()),
        (None, Some(id)) => cat
            .by_id(id)
            .filter(|f| f.pso_type == "usr")
            .and_then(|f| cat.any_field("usr", &f.alias))
            .ok_or_else(|| id.to_string()),
        (None, None) => {
            return err(
                &format!("data.{i}"),
                "The field_alias or field_id is required.",
            );
        }
    };
    let (field, parent) = match found {
        Ok(x) => x,
        Err(key) => return err(&key, "Unknown field for this pso type."),
    };
    let key = field.alias.clone();
    let target = match parent {
        Some(p) => Target::Sub(p, field),
        None => Target::Plain(field),
    };
    let top = target.top();
    if !top.is_active {
        return err(&key, "The field is not part of this form.");
    }
    if top.alias == "usr_active" {
        return err(&key, "The field is read-only; use POST /psos/{id}/status.");
    }
    if !api_writable(top) || field.read_only {
        return err(&key, "The field is read-only.");
    }
    if parent.is_none() && field.data_type == "composite" {
        return err(&key, "Write the sub-fields of a composite field.");
    }
    let action = obj.get("action").and_then(Value::as_str).unwrap_or("");
    if !matches!(action, "create" | "update" | "delete") {
        return err(&key, "The action must be one of create, update, delete.");
    }
    let value = match obj.get("value") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(_) => return err(&key, "The value must be a string."),
    };
    let answer_id = match obj.get("answer_id") {
        None | Some(Value::Null) => None,
        Some(v) => match v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        {
            Some(a) => Some(a),
            None => return err(&key, "The answer_id must be an integer."),
        },
    };
    let batch = match obj.get("batch") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => return err(&key, "The batch must be a non-empty string."),
    };
    Ok(Item {
        key,
        target,
        value,
        action: action.to_string(),
        answer_id,
        batch,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert!(super::is_date("2024-02-29"));
        assert!(!super::is_date("2023-02-29"));
        assert!(!super::is_date("2024-13-01"));
        assert!(!super::is_date("2024-04-31"));
        assert!(!super::is_date("24-04-01"));
        assert!(!super::is_date("2024-04-01 10:00:00"));
        assert!(super::is_date("2024-12-31"));
    }
}
