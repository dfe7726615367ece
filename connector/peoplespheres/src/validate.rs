//! Validation of write input before anything is sent. Pure.
//!
//! Every check here runs before the first write request, so a rejected call writes nothing:
//! unknown attribute names, composites written directly, read-only fields (`writable: false` in
//! `get-fields`, or `read_only` in the form), values of the wrong type, several values for a
//! single-valued field, dates that are not real calendar dates, malformed references, the same
//! attribute twice, and, on create, missing required attributes and fields absent from the
//! creation form. Each error is `invalid-input` naming the contract attribute.

use std::collections::HashSet;

use crate::dates::{calendar_days, normalize_datetime};
use crate::fields::{CatalogField, Catalogue, Kind};
use crate::model::{Attribute, AttributeChange, ChangeOp, Error, FieldType, Value};

/// One validated attribute write: the field, its composite (for sub-fields) and the values
/// (empty: clear).
#[derive(Clone, Debug)]
pub struct Planned {
    pub name: String,
    pub field: CatalogField,
    /// `(composite alias, list composite)` for a sub-field.
    pub parent: Option<(String, bool)>,
    pub values: Vec<Value>,
}

impl Planned {
    pub fn alias(&self) -> &str {
        &self.field.alias
    }
}

/// What a form says about its fields (aliases, sub-field aliases included).
#[derive(Clone, Debug, Default)]
pub struct FormRules {
    /// Top-level aliases the form lists.
    pub present: HashSet<String>,
    /// Aliases the form marks `read_only`.
    pub read_only: HashSet<String>,
    /// Aliases the form marks `required`.
    pub required: Vec<String>,
}

fn bad(name: &str, reason: impl Into<String>) -> Error {
    Error::invalid_input(name, reason)
}

/// One value against its field: type (an integer is accepted for a decimal field), real dates,
/// finite numbers, numeric user ids, non-empty choices.
pub fn check_value(name: &str, cf: &CatalogField, v: &Value) -> Result<(), Error> {
    let want = cf.field.field_type;
    let ok_type =
        v.field_type() == want || (want == FieldType::Decimal && matches!(v, Value::Integer(_)));
    if !ok_type {
        return Err(bad(
            name,
            format!(
                "expected a {} value, got a {}",
                want.wit_name(),
                v.field_type().wit_name()
            ),
        ));
    }
    match v {
        Value::Date(d) if calendar_days(d).is_none() => Err(bad(
            name,
            format!(
                "`{}` is not a calendar date (YYYY-MM-DD)",
                crate::http::short(d)
            ),
        )),
        Value::Datetime(d) if normalize_datetime(d).is_none() => Err(bad(
            name,
            format!("`{}` is not an RFC 3339 date-time", crate::http::short(d)),
        )),
        Value::Decimal(f) if !f.is_finite() => Err(bad(name, "not a finite number")),
        Value::Reference(id)
            if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) =>
        {
            Err(bad(
                name,
                format!("no user with id `{}`", crate::http::short(id)),
            ))
        }
        Value::Choice(c) if c.id.trim().is_empty() && c.label.trim().is_empty() => {
            Err(bad(name, "a choice needs an id or a label path"))
        }
        _ => Ok(()),
    }
}

/// Name → field, writability and values, shared by create and update.
fn plan_one(cat: &Catalogue, name: &str, values: &[Value]) -> Result<Planned, Error> {
    let (cf, parent) = cat
        .locate(name)
        .ok_or_else(|| bad(name, "unknown attribute (see get-fields)"))?;
    if cf.kind == Kind::Composite {
        return Err(bad(
            name,
            "a composite is written through its sub-fields (`<composite>.<sub-field>`)",
        ));
    }
    if !cf.field.writable {
        return Err(bad(name, "read-only field"));
    }
    if !cf.field.multi_valued && values.len() > 1 {
        return Err(bad(
            name,
            format!("single-valued field given {} values", values.len()),
        ));
    }
    for v in values {
        check_value(name, cf, v)?;
    }
    Ok(Planned {
        name: name.to_string(),
        field: cf.clone(),
        parent: parent.map(|p| (p.alias.clone(), p_list(p))),
        values: values.to_vec(),
    })
}

/// True for a list composite (its sub-fields are multi-valued).
fn p_list(p: &CatalogField) -> bool {
    p.subs.iter().any(|s| s.field.multi_valued)
}

fn no_repeat(seen: &mut HashSet<String>, name: &str) -> Result<(), Error> {
    if seen.insert(name.to_string()) {
        Ok(())
    } else {
        Err(bad(name, "attribute given twice"))
    }
}

/// Rejects fields the form marks read-only.
pub fn check_form_read_only(plans: &[Planned], form: &FormRules) -> Result<(), Error> {
    for p in plans {
        let composite_ro = p
            .parent
            .as_ref()
            .is_some_and(|(a, _)| form.read_only.contains(a));
        if form.read_only.contains(p.alias()) || composite_ro {
            return Err(bad(&p.name, "read-only field"));
        }
    }
    Ok(())
}

/// Validates the attributes of `create-user` against the catalogue and the creation form.
/// Attributes without values are dropped.
pub fn check_create(
    cat: &Catalogue,
    form: &FormRules,
    attributes: &[Attribute],
) -> Result<Vec<Planned>, Error> {
    let mut seen = HashSet::new();
    let mut plans = Vec::new();
    for a in attributes {
        no_repeat(&mut seen, &a.name)?;
        let p = plan_one(cat, &a.name, &a.values)?;
        let top = p.parent.as_ref().map_or(p.alias(), |(a, _)| a.as_str());
        if !form.present.is_empty() && !form.present.contains(top) {
            return Err(bad(
                &a.name,
                "not on the creation form (cannot be set on create)",
            ));
        }
        if !p.values.is_empty() {
            plans.push(p);
        }
    }
    check_form_read_only(&plans, form)?;
    for alias in &form.required {
        let given = plans
            .iter()
            .any(|p| p.alias() == alias || p.parent.as_ref().is_some_and(|(c, _)| c == alias));
        if !given {
            let name = cat.name_for_key(alias).unwrap_or_else(|| alias.clone());
            return Err(bad(&name, "required on create"));
        }
    }
    Ok(plans)
}

/// Validates the changes of `update-user` (`clear` and `set([])` both clear).
pub fn check_update(cat: &Catalogue, changes: &[AttributeChange]) -> Result<Vec<Planned>, Error> {
    let mut seen = HashSet::new();
    changes
        .iter()
        .map(|c| {
            no_repeat(&mut seen, &c.name)?;
            let values: &[Value] = match &c.op {
                ChangeOp::Set(v) => v,
                ChangeOp::Clear => &[],
            };
            plan_one(cat, &c.name, values)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::tests::seeded;
    use crate::model::ChoiceValue;

    fn attr(name: &str, v: Value) -> Attribute {
        Attribute {
            name: name.into(),
            values: vec![v],
        }
    }

    fn text(s: &str) -> Value {
        Value::Text(s.into())
    }

    fn rules() -> FormRules {
        FormRules {
            present: HashSet::new(),
            read_only: HashSet::new(),
            required: vec![
                "username".into(),
                "usr_first_name".into(),
                "usr_last_name".into(),
                "professional_email".into(),
            ],
        }
    }

    fn minimal() -> Vec<Attribute> {
        vec![
            attr("username", text("j")),
            attr("first_name", text("J")),
            attr("last_name", text("D")),
            attr("email", text("j@x.fr")),
        ]
    }

    fn name_of(e: Error) -> String {
        match e {
            Error::InvalidInput(a) => a.name,
            other => panic!("not invalid-input: {other:?}"),
        }
    }

    #[test]
    fn create_checks() {
        let cat = seeded();
        let plans = check_create(&cat, &rules(), &minimal()).unwrap();
        assert_eq!(plans.len(), 4);
        let mut missing = minimal();
        missing.remove(3);
        assert_eq!(
            name_of(check_create(&cat, &rules(), &missing).unwrap_err()),
            "email"
        );
        let cases: Vec<(Attribute, &str)> = vec![
            (attr("nope", text("x")), "nope"),
            (
                attr("birth_date", Value::Date("2023-02-30".into())),
                "birth_date",
            ),
            (attr("birth_date", text("2023-02-01")), "birth_date"),
            (attr("seniority", Value::Decimal(1.0)), "seniority"),
            (attr("active", Value::Boolean(true)), "active"),
            (attr("contract", text("x")), "contract"),
            (attr("manager", Value::Reference("abc".into())), "manager"),
            (attr("usr_company_car", text("yes")), "usr_company_car"),
            (
                Attribute {
                    name: "phone".into(),
                    values: vec![text("1"), text("2")],
                },
                "phone",
            ),
            (attr("first_name", text("again")), "first_name"),
        ];
        for (a, want) in cases {
            let mut attrs = minimal();
            attrs.push(a);
            assert_eq!(
                name_of(check_create(&cat, &rules(), &attrs).unwrap_err()),
                want
            );
        }
        let mut ok = minimal();
        ok.push(attr("usr_remote_days", Value::Integer(2)));
        ok.push(Attribute {
            name: "usr_skills".into(),
            values: vec![
                Value::Choice(ChoiceValue {
                    id: "1100".into(),
                    label: String::new(),
                }),
                Value::Choice(ChoiceValue {
                    id: String::new(),
                    label: "Go".into(),
                }),
            ],
        });
        ok.push(attr("contract.end_date", Value::Date("2027-01-31".into())));
        ok.push(Attribute {
            name: "mentor".into(),
            values: vec![],
        });
        let plans = check_create(&cat, &rules(), &ok).unwrap();
        assert_eq!(plans.len(), 7);
        let end = plans
            .iter()
            .find(|p| p.name == "contract.end_date")
            .unwrap();
        assert_eq!(end.parent, Some(("usr_employment_contract".into(), false)));
        let mut form = rules();
        form.present.insert("username".into());
        assert_eq!(
            name_of(check_create(&cat, &form, &minimal()).unwrap_err()),
            "first_name"
        );
        let mut form = rules();
        form.read_only.insert("usr_employment_contract".into());
        let mut attrs = minimal();
        attrs.push(attr("contract.end_date", Value::Date("2027-01-31".into())));
        assert_eq!(
            name_of(check_create(&cat, &form, &attrs).unwrap_err()),
            "contract.end_date"
        );
    }

    #[test]
    fn update_checks() {
        let cat = seeded();
        let ch = |name: &str, op: ChangeOp| AttributeChange {
            name: name.into(),
            op,
        };
        let plans = check_update(
            &cat,
            &[
                ch("mentor", ChangeOp::Clear),
                ch(
                    "career_history.position",
                    ChangeOp::Set(vec![text("a"), text("b")]),
                ),
            ],
        )
        .unwrap();
        assert!(plans[0].values.is_empty());
        assert_eq!(plans[1].parent, Some(("usr_career_history".into(), true)));
        assert_eq!(
            name_of(check_update(&cat, &[ch("seniority", ChangeOp::Clear)]).unwrap_err()),
            "seniority"
        );
        assert_eq!(
            name_of(check_update(&cat, &[ch("x.y", ChangeOp::Clear)]).unwrap_err()),
            "x.y"
        );
        assert_eq!(
            name_of(
                check_update(
                    &cat,
                    &[ch("phone", ChangeOp::Clear), ch("phone", ChangeOp::Clear)]
                )
                .unwrap_err()
            ),
            "phone"
        );
        assert_eq!(
            name_of(
                check_update(
                    &cat,
                    &[ch(
                        "contract.start_date",
                        ChangeOp::Set(vec![Value::Date("2026-02-29".into())])
                    )]
                )
                .unwrap_err()
            ),
            "contract.start_date"
        );
    }
}
