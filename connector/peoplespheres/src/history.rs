//! Career history from the field history API (configuration `career_history = history`).
//!
//! In that mode `career_history.position`, `.department` (text), `.start_date` and `.end_date`
//! (dates) are declared read-only and multi-valued, and replace the values of the tenant's
//! `usr_career_history` list composite (which is then no longer requested). They are built from
//! the history of the position (`usr_poste`) and the department (`usr_department`): two
//! `GET /history/psos/{pso}/{field}` calls per user, made alike by `list-users` and `get-user`
//! (wire details in `api::history`).
//!
//! Rows, oldest first:
//! - the changes of both fields are replayed day by day; a day whose end state (position,
//!   department) differs from the current row's starts a row carrying the position and the
//!   department in force at the end of that day (so several changes on one day make one row);
//! - a `deleted` change empties that field from that day on;
//! - a row's end date is the start date of the next row; the current row has no end date;
//! - the position is shown by its name (the `pos` record's `pos_name`), the department by its
//!   option label (not the path), like the text the `usr_career_history` rows hold.
//!
//! Row alignment: the four attributes are parallel lists, and a contract list cannot hold a
//! hole, so (as with the composite, where only the current row lacks an end date) only the
//! **last** row may lack a value: the current row has no end date, and a last row whose
//! position or department is empty simply has no value there. Rows before it are complete: a
//! period with neither a position nor a department is no row (the row before it ends on the
//! day it starts), and an earlier period missing one of the two is left out (the dates show
//! the gap). A field with no value in any row (never set, or a tenant without it) is not
//! required: the rows then carry only the other one.
//!
//! This module is the rules alone (no transport): the calls are made through the session by
//! `history::fetch`, which also says how their errors map.

mod fetch;

use crate::api::history::{self, Change};
use crate::choices::ChoiceTree;
use crate::fields::{CatalogField, Catalogue, Kind};
use crate::model::{Attribute, Field, FieldType, Value};

/// The composite's contract name and its four sub-fields.
pub const CAREER: &str = "career_history";
pub const POSITION: &str = "career_history.position";
pub const DEPARTMENT: &str = "career_history.department";
pub const START_DATE: &str = "career_history.start_date";
pub const END_DATE: &str = "career_history.end_date";

/// One career row (raw stored values: a `pos` id, a department option value).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub start: String,
    pub end: Option<String>,
    pub position: Option<String>,
    pub department: Option<String>,
}

impl Row {
    fn state(&self) -> (Option<&str>, Option<&str>) {
        (self.position.as_deref(), self.department.as_deref())
    }
}

/// The career rows implied by the two fields' changes (each oldest first), following the
/// module's rules (alignment included).
pub fn timeline(position: &[Change], department: &[Change]) -> Vec<Row> {
    // (change, is position), by instant; each list is already oldest first.
    let mut events: Vec<(&Change, bool)> = position
        .iter()
        .map(|c| (c, true))
        .chain(department.iter().map(|c| (c, false)))
        .collect();
    events.sort_by(|a, b| a.0.at.cmp(&b.0.at));
    let (mut pos, mut dep): (Option<&str>, Option<&str>) = (None, None);
    let mut rows: Vec<Row> = Vec::new();
    let mut i = 0;
    while let Some((first, _)) = events.get(i) {
        let day = first.day();
        while let Some((c, is_pos)) = events.get(i).filter(|(c, _)| c.day() == day) {
            if *is_pos {
                pos = c.value.as_deref();
            } else {
                dep = c.value.as_deref();
            }
            i += 1;
        }
        let current = rows.last().map_or((None, None), Row::state);
        if (pos, dep) != current {
            if let Some(last) = rows.last_mut() {
                last.end = Some(day.to_string());
            }
            rows.push(Row {
                start: day.to_string(),
                end: None,
                position: pos.map(str::to_string),
                department: dep.map(str::to_string),
            });
        }
    }
    rows.retain(|r| r.position.is_some() || r.department.is_some());
    // A field that never has a value (no history, or a tenant without it) is not required.
    let needs_position = rows.iter().any(|r| r.position.is_some());
    let needs_department = rows.iter().any(|r| r.department.is_some());
    let last = rows.len().saturating_sub(1);
    rows.into_iter()
        .enumerate()
        .filter(|(i, r)| {
            *i == last
                || ((r.position.is_some() || !needs_position)
                    && (r.department.is_some() || !needs_department))
        })
        .map(|(_, r)| r)
        .collect()
}

/// The four attributes of `rows` (empty ones left out), labels resolved by the closures.
pub fn attributes(
    rows: &[Row],
    position_label: impl Fn(&str) -> String,
    department_label: impl Fn(&str) -> String,
) -> Vec<Attribute> {
    let col = |name: &str, values: Vec<Value>| Attribute {
        name: name.into(),
        values,
    };
    let all = [
        col(
            POSITION,
            rows.iter()
                .filter_map(|r| r.position.as_deref())
                .map(|p| Value::Text(position_label(p)))
                .collect(),
        ),
        col(
            DEPARTMENT,
            rows.iter()
                .filter_map(|r| r.department.as_deref())
                .map(|d| Value::Text(department_label(d)))
                .collect(),
        ),
        col(
            START_DATE,
            rows.iter().map(|r| Value::Date(r.start.clone())).collect(),
        ),
        col(
            END_DATE,
            rows.iter()
                .filter_map(|r| r.end.clone())
                .map(Value::Date)
                .collect(),
        ),
    ];
    all.into_iter().filter(|a| !a.values.is_empty()).collect()
}

fn computed(field: Field) -> CatalogField {
    CatalogField {
        field,
        alias: String::new(),
        id: String::new(),
        kind: Kind::Computed,
        options: ChoiceTree::default(),
        subs: Vec::new(),
    }
}

/// Declares the history-built career fields: replaces the `career_history` composite (keeping
/// its label and category) or adds one. All read-only; the sub-fields multi-valued.
pub fn use_history_fields(cat: &mut Catalogue) {
    let existing = cat.top.iter().position(|f| f.field.name == CAREER);
    let old = existing.and_then(|i| cat.top.get(i)).cloned();
    let label_of = |name: &str, default: &str| {
        old.as_ref()
            .and_then(|o| o.subs.iter().find(|s| s.field.name == name))
            .map_or_else(|| default.to_string(), |s| s.field.label.clone())
    };
    let category = old
        .as_ref()
        .map_or_else(|| "career".to_string(), |o| o.field.category.clone());
    let field = |name: &str, label: String, field_type, multi_valued, remote: &str| Field {
        name: name.into(),
        label,
        field_type,
        required: false,
        writable: false,
        multi_valued,
        unique: false,
        custom: false,
        hierarchical: false,
        category: category.clone(),
        remote_name: remote.into(),
    };
    let pos_remote = format!("history of {}", history::POSITION_FIELD);
    let dep_remote = format!("history of {}", history::DEPARTMENT_FIELD);
    let both = format!(
        "history of {} and {}",
        history::POSITION_FIELD,
        history::DEPARTMENT_FIELD
    );
    let mut top = computed(field(
        CAREER,
        old.as_ref()
            .map_or_else(|| "Career history".into(), |o| o.field.label.clone()),
        FieldType::Composite,
        false,
        &both,
    ));
    top.subs = vec![
        computed(field(
            POSITION,
            label_of(POSITION, "Position"),
            FieldType::Text,
            true,
            &pos_remote,
        )),
        computed(field(
            DEPARTMENT,
            label_of(DEPARTMENT, "Department"),
            FieldType::Text,
            true,
            &dep_remote,
        )),
        computed(field(
            START_DATE,
            label_of(START_DATE, "Start date"),
            FieldType::Date,
            true,
            &both,
        )),
        computed(field(
            END_DATE,
            label_of(END_DATE, "End date"),
            FieldType::Date,
            true,
            &both,
        )),
    ];
    match existing.and_then(|i| cat.top.get_mut(i)) {
        Some(slot) => *slot = top,
        None => cat.top.push(top),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(at: &str, value: Option<&str>) -> Change {
        Change {
            at: format!("{at}T09:00:00Z"),
            value: value.map(str::to_string),
        }
    }

    fn at(day: &str, hms: &str, value: Option<&str>) -> Change {
        Change {
            at: format!("{day}T{hms}Z"),
            value: value.map(str::to_string),
        }
    }

    fn row(start: &str, end: Option<&str>, p: Option<&str>, d: Option<&str>) -> Row {
        Row {
            start: start.into(),
            end: end.map(str::to_string),
            position: p.map(str::to_string),
            department: d.map(str::to_string),
        }
    }

    #[test]
    fn no_history_no_rows() {
        assert!(timeline(&[], &[]).is_empty());
        assert!(attributes(&[], |s| s.into(), |s| s.into()).is_empty());
    }

    #[test]
    fn position_only_changes() {
        let p = [ch("2020-01-01", Some("53")), ch("2022-06-01", Some("54"))];
        let d = [ch("2020-01-01", Some("600"))];
        assert_eq!(
            timeline(&p, &d),
            vec![
                row("2020-01-01", Some("2022-06-01"), Some("53"), Some("600")),
                row("2022-06-01", None, Some("54"), Some("600")),
            ]
        );
    }

    #[test]
    fn department_only_changes() {
        let p = [ch("2020-01-01", Some("53"))];
        let d = [
            ch("2020-01-01", Some("600")),
            ch("2021-03-15", Some("601")),
            ch("2023-09-01", Some("602")),
        ];
        assert_eq!(
            timeline(&p, &d),
            vec![
                row("2020-01-01", Some("2021-03-15"), Some("53"), Some("600")),
                row("2021-03-15", Some("2023-09-01"), Some("53"), Some("601")),
                row("2023-09-01", None, Some("53"), Some("602")),
            ]
        );
    }

    #[test]
    fn both_on_one_day_make_one_row_and_the_day_end_state_wins() {
        let p = [
            ch("2020-01-01", Some("53")),
            at("2024-02-01", "09:00:00", Some("54")),
            at("2024-02-01", "11:00:00", Some("55")),
        ];
        let d = [
            ch("2020-01-01", Some("600")),
            at("2024-02-01", "10:00:00", Some("601")),
        ];
        assert_eq!(
            timeline(&p, &d),
            vec![
                row("2020-01-01", Some("2024-02-01"), Some("53"), Some("600")),
                row("2024-02-01", None, Some("55"), Some("601")),
            ]
        );
        // A change undone the same day starts no row.
        let p = [
            ch("2020-01-01", Some("53")),
            at("2024-02-01", "09:00:00", Some("54")),
            at("2024-02-01", "10:00:00", Some("53")),
        ];
        assert_eq!(
            timeline(&p, &[]),
            vec![row("2020-01-01", None, Some("53"), None)]
        );
    }

    #[test]
    fn deleted_empties_the_field_from_that_day() {
        // The department is deleted: the last row has no department (left out at the end).
        let p = [ch("2020-01-01", Some("53"))];
        let d = [ch("2020-01-01", Some("600")), ch("2022-01-01", None)];
        let rows = timeline(&p, &d);
        assert_eq!(
            rows,
            vec![
                row("2020-01-01", Some("2022-01-01"), Some("53"), Some("600")),
                row("2022-01-01", None, Some("53"), None),
            ]
        );
        let attrs = attributes(&rows, |p| format!("P{p}"), |d| format!("D{d}"));
        let get = |n: &str| attrs.iter().find(|a| a.name == n).map(|a| a.values.clone());
        assert_eq!(
            get(POSITION),
            Some(vec![Value::Text("P53".into()), Value::Text("P53".into())])
        );
        assert_eq!(get(DEPARTMENT), Some(vec![Value::Text("D600".into())]));
        assert_eq!(get(END_DATE), Some(vec![Value::Date("2022-01-01".into())]));
        // Both deleted: no current row; the last row ends that day.
        let p = [ch("2020-01-01", Some("53")), ch("2023-01-01", None)];
        let d = [ch("2020-01-01", Some("600")), ch("2023-01-01", None)];
        assert_eq!(
            timeline(&p, &d),
            vec![row(
                "2020-01-01",
                Some("2023-01-01"),
                Some("53"),
                Some("600")
            )]
        );
        // A position deleted then set again: the period without a position is left out so
        // rows stay aligned; the dates show the gap.
        let p = [
            ch("2020-01-01", Some("53")),
            ch("2021-01-01", None),
            ch("2022-01-01", Some("54")),
        ];
        let d = [ch("2020-01-01", Some("600"))];
        let rows = timeline(&p, &d);
        assert_eq!(
            rows,
            vec![
                row("2020-01-01", Some("2021-01-01"), Some("53"), Some("600")),
                row("2022-01-01", None, Some("54"), Some("600")),
            ]
        );
        let attrs = attributes(&rows, |p| p.into(), |d| d.into());
        assert!(
            attrs
                .iter()
                .all(|a| a.name == END_DATE || a.values.len() == 2)
        );
    }

    #[test]
    fn a_department_before_any_position_is_no_row_unless_current() {
        let p = [ch("2021-01-01", Some("53"))];
        let d = [ch("2020-01-01", Some("600"))];
        assert_eq!(
            timeline(&p, &d),
            vec![row("2021-01-01", None, Some("53"), Some("600"))]
        );
        assert_eq!(
            timeline(&[], &d),
            vec![row("2020-01-01", None, None, Some("600"))]
        );
    }

    #[test]
    fn a_field_without_history_is_not_required() {
        let p = [ch("2020-01-01", Some("53")), ch("2022-01-01", Some("54"))];
        assert_eq!(
            timeline(&p, &[]),
            vec![
                row("2020-01-01", Some("2022-01-01"), Some("53"), None),
                row("2022-01-01", None, Some("54"), None),
            ]
        );
    }
}
