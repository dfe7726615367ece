//! The mapping's value transforms (`trim`, `lowercase`, `uppercase`, `label`, `date:FORMAT`),
//! typed defaults, and the ISO date check shared with the policy.

use crate::model::{ChoiceValue, FieldType, Value};

/// One transform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transform {
    Trim,
    Lowercase,
    Uppercase,
    /// A list value becomes its label path (text).
    Label,
    /// A text date in this `strftime` format becomes a date.
    Date(String),
}

pub(super) fn parse_transform(t: &str) -> Result<Transform, String> {
    Ok(match t {
        "trim" => Transform::Trim,
        "lowercase" => Transform::Lowercase,
        "uppercase" => Transform::Uppercase,
        "label" => Transform::Label,
        _ => match t.strip_prefix("date:") {
            Some(fmt) if !fmt.is_empty() => Transform::Date(fmt.into()),
            _ => {
                return Err(format!(
                    "unknown transform `{t}` (trim, lowercase, uppercase, label, date:FORMAT)"
                ));
            }
        },
    })
}

pub(super) fn transform_name(t: &Transform) -> String {
    match t {
        Transform::Trim => "trim".into(),
        Transform::Lowercase => "lowercase".into(),
        Transform::Uppercase => "uppercase".into(),
        Transform::Label => "label".into(),
        Transform::Date(f) => format!("date:{f}"),
    }
}

pub(super) fn transform(t: &Transform, v: Value) -> Result<Value, String> {
    Ok(match (t, v) {
        (Transform::Trim, Value::Text(s)) => Value::Text(s.trim().to_string()),
        (Transform::Lowercase, Value::Text(s)) => Value::Text(s.to_lowercase()),
        (Transform::Uppercase, Value::Text(s)) => Value::Text(s.to_uppercase()),
        (Transform::Label, Value::Choice(c)) => {
            Value::Text(if c.label.is_empty() { c.id } else { c.label })
        }
        (Transform::Date(fmt), Value::Text(s) | Value::Date(s)) => {
            let d = jiff::civil::Date::strptime(fmt.as_str(), s.trim())
                .map_err(|_| format!("{s:?} is not a date in the format {fmt:?}"))?;
            Value::Date(d.to_string())
        }
        (t, v) => {
            return Err(format!(
                "transform `{}` got a {} value",
                transform_name(t),
                v.field_type().as_str()
            ));
        }
    })
}

/// Checks a date is exactly ISO `YYYY-MM-DD` and exists. The store compares contract ends as
/// text, which orders correctly only in this one form, so no other spelling of a date
/// (`20261120`, `+002030-01-01`, a datetime) is let through.
pub fn check_date(d: &str) -> Result<(), String> {
    let bad = || format!("{d:?} is not a date (YYYY-MM-DD)");
    let shape = d.len() == 10
        && d.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shape {
        return Err(bad());
    }
    d.parse::<jiff::civil::Date>()
        .map(|_| ())
        .map_err(|_| bad())
}

pub(super) fn typed_default(ty: FieldType, d: &str) -> Result<Value, String> {
    Ok(match ty {
        FieldType::Text => Value::Text(d.into()),
        FieldType::Date => {
            check_date(d).map_err(|e| format!("default: {e}"))?;
            Value::Date(d.into())
        }
        FieldType::Boolean => Value::Boolean(
            d.parse()
                .map_err(|_| format!("default {d:?} is not true/false"))?,
        ),
        FieldType::Integer => Value::Integer(
            d.parse()
                .map_err(|_| format!("default {d:?} is not a whole number"))?,
        ),
        FieldType::Decimal => Value::Decimal(
            d.parse()
                .map_err(|_| format!("default {d:?} is not a number"))?,
        ),
        FieldType::Choice => Value::Choice(ChoiceValue {
            id: String::new(),
            label: d.into(),
        }),
        FieldType::Reference => Value::Reference(d.into()),
        FieldType::Datetime => Value::Datetime(d.into()),
        FieldType::Composite => return Err("a composite has no default".into()),
    })
}

#[cfg(test)]
mod tests {
    use super::check_date;

    #[test]
    fn only_iso_calendar_dates_pass() {
        assert!(check_date("2026-11-25").is_ok());
        assert!(check_date("2024-02-29").is_ok());
        for bad in [
            "20261120",
            "+002030-01-01",
            "2026-11-22T10:00",
            "2026-11-22[Europe/Paris]",
            "2026-02-30",
            "25/11/2026",
            "",
        ] {
            assert!(check_date(bad).is_err(), "{bad}");
        }
    }
}
