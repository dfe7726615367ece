//! The field catalogue: `GET /fields` DTOs → contract fields. Owns the alias ↔ contract name
//! table (WIRE.md "The seeded usr fields"), data type → field type, composite sub-fields as
//! dotted names and the option trees of list fields.

use crate::api::{self, FieldDto};
use crate::choices::ChoiceTree;
use crate::model::{Field, FieldType};

/// Standard aliases and their contract names (applied to non-removable fields only).
pub const NAME_TABLE: &[(&str, &str)] = &[
    ("username", "username"),
    ("usr_first_name", "first_name"),
    ("usr_last_name", "last_name"),
    ("professional_email", "email"),
    ("usr_birth_date", "birth_date"),
    ("professional_phone", "phone"),
    ("professional_mobile_phone", "mobile"),
    ("manager", "manager"),
    ("hr", "hr_manager"),
    ("mentor", "mentor"),
    ("usr_poste", "position"),
    ("usr_business_unit", "business_unit"),
    ("usr_department", "department"),
    (
        "usr_socio_professional_category",
        "socio_professional_category",
    ),
    ("usr_position_start_date", "position_start_date"),
    ("usr_employment_contract", "contract"),
    ("usr_career_history", "career_history"),
    ("usr_seniority", "seniority"),
    ("usr_active", "active"),
];

/// Helper-exposed composites (onboarding / offboarding forms, WIRE.md "Onboarding /
/// offboarding"). The tenant marks them `removable`, so they are named regardless of that flag.
pub const HELPER_NAME_TABLE: &[(&str, &str)] = &[
    ("usr_surprise_report", "surprise_report"),
    ("usr_exit_interview", "exit_interview"),
];

/// The contract name of seniority, and of the hire date it is computed from when the tenant
/// has no calculated seniority field.
pub const SENIORITY: &str = "seniority";
pub const HIRE_DATE: &str = "contract.start_date";

/// Sub-field names that differ from "sub alias minus the composite alias prefix".
pub const SUB_NAME_TABLE: &[(&str, &str)] = &[("usr_employment_contract_contract_type", "type")];

/// How values of a field are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Text,
    Date,
    Datetime,
    /// number, currency, coordinates, numeric calculated: decimal.
    Number,
    /// checkbox: boolean.
    Checkbox,
    /// user_relation: reference to a user id.
    UserRelation,
    /// pso_relation to `pos`: a choice labelled with the position path.
    Position,
    /// pso_relation to another type: its id as text.
    Link,
    /// list / hierarchy / radio_button / multi_checkbox: a choice among the options.
    Options,
    /// `usr_active`: boolean.
    Active,
    Composite,
    /// Computed by the connector (seniority from the hire date); no remote alias.
    Computed,
}

/// A field of the catalogue with what mapping needs.
#[derive(Clone, Debug)]
pub struct CatalogField {
    pub field: Field,
    pub alias: String,
    /// The remote field id (for `GET /fields/{id}/options`).
    pub id: String,
    pub kind: Kind,
    /// Options as returned with the field (may be empty: then listed through REST).
    pub options: ChoiceTree,
    /// Sub-fields of a composite.
    pub subs: Vec<CatalogField>,
}

/// Every field of the tenant's `usr` type.
#[derive(Clone, Debug, Default)]
pub struct Catalogue {
    pub top: Vec<CatalogField>,
}

fn kind_of(dto: &FieldDto) -> (Kind, FieldType, bool) {
    let calculated = dto.data_type.alias == "calculated";
    let data_type = if calculated {
        dto.setting(api::SETTING_RESULT_TYPE)
            .unwrap_or_else(|| "number".into())
    } else {
        dto.data_type.alias.clone()
    };
    if dto.alias == api::ACTIVE_ALIAS {
        return (Kind::Active, FieldType::Boolean, calculated);
    }
    let (kind, ft) = match data_type.as_str() {
        "date" => (Kind::Date, FieldType::Date),
        "datetime" => (Kind::Datetime, FieldType::Datetime),
        "number" | "currency" | "latitude" | "longitude" => (Kind::Number, FieldType::Decimal),
        "checkbox" => (Kind::Checkbox, FieldType::Boolean),
        "user_relation" => (Kind::UserRelation, FieldType::Reference),
        "pso_relation" => match dto.setting(api::SETTING_TARGET_PSO_TYPE).as_deref() {
            Some(api::POSITION_PSO) => (Kind::Position, FieldType::Choice),
            None if dto.alias == "usr_poste" => (Kind::Position, FieldType::Choice),
            _ => (Kind::Link, FieldType::Text),
        },
        "list" | "hierarchy" | "radio_button" | "multi_checkbox" if !calculated => {
            (Kind::Options, FieldType::Choice)
        }
        "composite" if !calculated => (Kind::Composite, FieldType::Composite),
        _ => (Kind::Text, FieldType::Text),
    };
    (kind, ft, calculated)
}

fn category_of(dto: &FieldDto, inherited: &str) -> String {
    let alias = dto.category.alias.as_str();
    if alias.is_empty() {
        return inherited.to_string();
    }
    alias.strip_prefix("usr_").unwrap_or(alias).to_string()
}

fn build(dto: &FieldDto, name: String, parent: Option<(&CatalogField, &FieldDto)>) -> CatalogField {
    let (kind, field_type, calculated) = kind_of(dto);
    let options = ChoiceTree::from_options(&dto.options);
    let hierarchical = match kind {
        Kind::Position => true,
        Kind::Options => dto.data_type.alias == "hierarchy" || options.has_levels(),
        _ => false,
    };
    let in_list_composite = parent.is_some_and(|(_, p)| p.list);
    let inherited = parent
        .map(|(p, _)| p.field.category.clone())
        .unwrap_or_else(|| "other".into());
    let field = Field {
        name,
        label: if dto.name.is_empty() {
            dto.alias.clone()
        } else {
            dto.name.clone()
        },
        field_type,
        required: dto.required,
        writable: !dto.read_only
            && !calculated
            && kind != Kind::Active
            && parent.is_none_or(|(p, _)| p.field.writable),
        multi_valued: field_type != FieldType::Composite
            && (dto.list || dto.data_type.alias == "multi_checkbox" || in_list_composite),
        unique: dto.has_unique_data,
        custom: dto.removable || parent.is_some_and(|(p, _)| p.field.custom),
        hierarchical,
        category: category_of(dto, &inherited),
        remote_name: dto.alias.clone(),
    };
    let mut cf = CatalogField {
        field,
        alias: dto.alias.clone(),
        id: dto.id.clone(),
        kind,
        options,
        subs: Vec::new(),
    };
    if cf.kind == Kind::Composite {
        let mut subs = Vec::new();
        for item in dto
            .items
            .iter()
            .filter(|i| !i.alias.is_empty() && i.is_active != Some(false))
        {
            let sub = SUB_NAME_TABLE
                .iter()
                .find(|(a, _)| *a == item.alias)
                .map(|(_, n)| n.to_string())
                .or_else(|| {
                    item.alias
                        .strip_prefix(&format!("{}_", dto.alias))
                        .map(str::to_string)
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| item.alias.clone());
            let name = format!("{}.{}", cf.field.name, sub);
            if subs.iter().any(|s: &CatalogField| s.field.name == name) {
                continue;
            }
            subs.push(build(item, name, Some((&cf, dto))));
        }
        cf.subs = subs;
    }
    cf
}

impl Catalogue {
    pub fn from_dtos(dtos: &[FieldDto]) -> Self {
        let mut top: Vec<CatalogField> = Vec::new();
        for dto in dtos
            .iter()
            .filter(|d| !d.alias.is_empty() && d.is_active != Some(false))
        {
            let standard = if dto.removable {
                None
            } else {
                NAME_TABLE.iter().find(|(a, _)| *a == dto.alias)
            }
            .or_else(|| HELPER_NAME_TABLE.iter().find(|(a, _)| *a == dto.alias))
            .map(|(_, n)| n.to_string());
            let taken = |n: &str| top.iter().any(|f| f.field.name == n);
            let name = match standard {
                Some(n) if !taken(&n) => n,
                _ if !taken(&dto.alias) => dto.alias.clone(),
                _ => continue,
            };
            top.push(build(dto, name, None));
        }
        let has_hire_date = top
            .iter()
            .any(|f| f.subs.iter().any(|s| s.field.name == HIRE_DATE));
        if has_hire_date && !top.iter().any(|f| f.field.name == SENIORITY) {
            top.push(computed_seniority());
        }
        Catalogue { top }
    }

    /// Every field, each composite followed by its sub-fields.
    pub fn fields(&self) -> Vec<Field> {
        let mut out = Vec::new();
        for f in &self.top {
            out.push(f.field.clone());
            out.extend(f.subs.iter().map(|s| s.field.clone()));
        }
        out
    }

    /// A field by its contract name (dotted for sub-fields).
    pub fn find(&self, name: &str) -> Option<&CatalogField> {
        self.top.iter().find_map(|f| {
            if f.field.name == name {
                Some(f)
            } else {
                f.subs.iter().find(|s| s.field.name == name)
            }
        })
    }

    pub fn by_alias(&self, alias: &str) -> Option<&CatalogField> {
        self.top.iter().find(|f| f.alias == alias)
    }

    /// A field by contract name, with its composite when it is a sub-field.
    pub fn locate(&self, name: &str) -> Option<(&CatalogField, Option<&CatalogField>)> {
        self.top.iter().find_map(|f| {
            if f.field.name == name {
                Some((f, None))
            } else {
                f.subs
                    .iter()
                    .find(|s| s.field.name == name)
                    .map(|s| (s, Some(f)))
            }
        })
    }

    /// The contract name of a remote key of a write error (`errors{}`): an alias, a sub-field
    /// alias or a field id.
    pub fn name_for_key(&self, key: &str) -> Option<String> {
        self.top
            .iter()
            .flat_map(|f| std::iter::once(f).chain(f.subs.iter()))
            .filter(|f| f.kind != Kind::Computed)
            .find(|f| f.alias == key || f.id == key)
            .map(|f| f.field.name.clone())
    }

    /// A field or sub-field by remote alias.
    pub fn find_alias(&self, alias: &str) -> Option<&CatalogField> {
        self.top
            .iter()
            .flat_map(|f| std::iter::once(f).chain(f.subs.iter()))
            .find(|f| f.kind != Kind::Computed && f.alias == alias)
    }

    /// The top-level aliases to request from GraphQL.
    pub fn aliases(&self) -> Vec<String> {
        self.top
            .iter()
            .filter(|f| f.kind != Kind::Computed)
            .map(|f| f.alias.clone())
            .collect()
    }

    /// True when some field (or sub-field) links to positions.
    pub fn uses_positions(&self) -> bool {
        self.top
            .iter()
            .any(|f| f.kind == Kind::Position || f.subs.iter().any(|s| s.kind == Kind::Position))
    }

    pub fn alias_for_name(&self, name: &str) -> Option<&str> {
        self.find(name).map(|f| f.alias.as_str())
    }
}

/// Seniority computed from the hire date (tenants without a calculated `usr_seniority`).
fn computed_seniority() -> CatalogField {
    CatalogField {
        field: Field {
            name: SENIORITY.into(),
            label: "Seniority (years, from the hire date)".into(),
            field_type: FieldType::Decimal,
            required: false,
            writable: false,
            multi_valued: false,
            unique: false,
            custom: false,
            hierarchical: false,
            category: "contract".into(),
            remote_name: HIRE_DATE.into(),
        },
        alias: String::new(),
        id: String::new(),
        kind: Kind::Computed,
        options: ChoiceTree::default(),
        subs: Vec::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The seeded catalogue of WIRE.md, as `GET /fields` returns it.
    pub fn seeded_fields_json() -> serde_json::Value {
        let f = |id: u32, alias: &str, ty: &str, extra: serde_json::Value| {
            let mut v = serde_json::json!({
                "id": id, "alias": alias, "name": format!("Label {alias}"), "position": id, "is_active": true,
                "list": false, "read_only": false, "required": false, "system_required": false,
                "has_unique_data": false, "has_value": true, "removable": false,
                "type": {"id": 1, "alias": ty, "name": ty},
                "category": {"id": 1, "alias": "usr_identity", "name": "Identité"},
                "items": [], "options": [], "settings": []
            });
            if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
                for (k, x) in e {
                    o.insert(k.clone(), x.clone());
                }
            }
            v
        };
        let opt = |id: u32, name: &str, parent: Option<u32>| {
            serde_json::json!({"id": id, "name": name, "value": id.to_string(), "parent_id": parent,
                "position": id, "is_active": true, "is_selectable": true, "has_children": false})
        };
        serde_json::json!({"data": [
            f(1, "username", "string", serde_json::json!({"has_unique_data": true, "required": true})),
            f(2, "usr_first_name", "text", serde_json::json!({"required": true})),
            f(3, "usr_last_name", "text", serde_json::json!({"required": true})),
            f(4, "professional_email", "string", serde_json::json!({"has_unique_data": true, "required": true})),
            f(5, "usr_birth_date", "date", serde_json::json!({})),
            f(6, "professional_phone", "string", serde_json::json!({})),
            f(7, "professional_mobile_phone", "string", serde_json::json!({})),
            f(8, "manager", "user_relation", serde_json::json!({})),
            f(9, "hr", "user_relation", serde_json::json!({})),
            f(10, "mentor", "user_relation", serde_json::json!({})),
            f(11, "usr_poste", "pso_relation", serde_json::json!({"settings": [{"alias": "target_pso_type", "value": "pos"}]})),
            f(12, "usr_business_unit", "hierarchy", serde_json::json!({"options": [opt(500, "Sales", None), opt(501, "France", Some(500)), opt(502, "Paris", Some(501))]})),
            f(13, "usr_department", "hierarchy", serde_json::json!({"options": [opt(600, "IT", None)]})),
            f(14, "usr_socio_professional_category", "list", serde_json::json!({"options": [opt(700, "Cadre", None), opt(701, "Employé", None)]})),
            f(15, "usr_position_start_date", "date", serde_json::json!({})),
            f(16, "usr_employment_contract", "composite", serde_json::json!({
                "category": {"id": 2, "alias": "usr_contract", "name": "Contrat"},
                "items": [
                    f(161, "usr_employment_contract_contract_type", "list", serde_json::json!({"category": null, "options": [opt(800, "CDI", None), opt(801, "CDD", None)]})),
                    f(162, "usr_employment_contract_start_date", "date", serde_json::json!({"category": null})),
                    f(163, "usr_employment_contract_end_date", "date", serde_json::json!({"category": null})),
                ]})),
            f(17, "usr_career_history", "composite", serde_json::json!({"list": true, "items": [
                    f(171, "usr_career_history_position", "text", serde_json::json!({})),
                    f(172, "usr_career_history_department", "text", serde_json::json!({})),
                    f(173, "usr_career_history_start_date", "date", serde_json::json!({})),
                    f(174, "usr_career_history_end_date", "date", serde_json::json!({})),
                ]})),
            f(18, "usr_seniority", "calculated", serde_json::json!({"read_only": true, "settings": [{"alias": "result_type", "value": "number"}]})),
            f(19, "usr_active", "radio_button", serde_json::json!({"options": [
                {"id": 900, "name": "Oui", "value": "usr_active_yes", "parent_id": null},
                {"id": 901, "name": "Non", "value": "usr_active_no", "parent_id": null}]})),
            f(20, "usr_badge_number", "string", serde_json::json!({"removable": true, "has_unique_data": true})),
            f(21, "usr_tshirt_size", "list", serde_json::json!({"removable": true, "options": [opt(1000, "M", None), opt(1001, "L", None)]})),
            f(22, "usr_remote_days", "number", serde_json::json!({"removable": true})),
            f(23, "usr_skills", "multi_checkbox", serde_json::json!({"removable": true, "list": true, "options": [opt(1100, "Rust", None), opt(1101, "Go", None)]})),
            f(24, "usr_company_car", "checkbox", serde_json::json!({"removable": true})),
        ]})
    }

    pub fn seeded() -> Catalogue {
        let dtos: Vec<FieldDto> =
            serde_json::from_value(seeded_fields_json()["data"].clone()).unwrap();
        Catalogue::from_dtos(&dtos)
    }

    #[test]
    fn names_types_and_flags() {
        let c = seeded();
        let fields = c.fields();
        let get = |n: &str| {
            fields
                .iter()
                .find(|f| f.name == n)
                .unwrap_or_else(|| panic!("missing {n}"))
                .clone()
        };
        for (alias, name) in NAME_TABLE {
            assert_eq!(get(name).remote_name, *alias);
        }
        assert_eq!(get("email").field_type, FieldType::Text);
        assert!(get("email").unique && get("email").required && !get("email").custom);
        assert_eq!(get("birth_date").field_type, FieldType::Date);
        assert_eq!(get("manager").field_type, FieldType::Reference);
        assert_eq!(get("hr_manager").field_type, FieldType::Reference);
        let pos = get("position");
        assert!(pos.field_type == FieldType::Choice && pos.hierarchical);
        assert!(get("business_unit").hierarchical);
        assert!(!get("socio_professional_category").hierarchical);
        assert_eq!(get("contract").field_type, FieldType::Composite);
        assert_eq!(get("contract").category, "contract");
        assert_eq!(get("contract.type").field_type, FieldType::Choice);
        assert_eq!(get("contract.end_date").field_type, FieldType::Date);
        assert_eq!(get("contract.end_date").category, "contract");
        assert!(!get("contract.end_date").multi_valued);
        assert!(get("career_history.position").multi_valued);
        assert!(get("career_history.end_date").multi_valued);
        assert!(!get("career_history").multi_valued);
        let s = get("seniority");
        assert!(s.field_type == FieldType::Decimal && !s.writable);
        let a = get("active");
        assert!(a.field_type == FieldType::Boolean && !a.writable);
        assert!(get("usr_badge_number").custom && get("usr_badge_number").unique);
        assert!(
            get("usr_skills").multi_valued && get("usr_skills").field_type == FieldType::Choice
        );
        assert_eq!(get("usr_company_car").field_type, FieldType::Boolean);
        assert_eq!(get("usr_remote_days").field_type, FieldType::Decimal);
        assert_eq!(get("first_name").category, "identity");
        assert!(get("first_name").writable);
        // unique names
        let mut names: Vec<_> = fields.iter().map(|f| f.name.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), fields.len());
        assert_eq!(fields.len(), 24 + 3 + 4);
        assert!(c.uses_positions());
    }

    #[test]
    fn unknown_standard_and_removable_keep_alias() {
        let dtos: Vec<FieldDto> = serde_json::from_value(serde_json::json!([
            {"id": 1, "alias": "usr_legal_entity", "name": "Entité", "type": {"alias": "text"}},
            {"id": 2, "alias": "usr_first_name", "name": "Custom first", "removable": true, "type": {"alias": "text"}},
            {"id": 3, "alias": "usr_site", "type": {"alias": "pso_relation"}, "settings": [{"alias": "target_pso_type", "value": "div"}]},
            {"id": 4, "alias": "old", "is_active": false, "type": {"alias": "text"}}
        ]))
        .unwrap();
        let c = Catalogue::from_dtos(&dtos);
        let names: Vec<_> = c
            .fields()
            .into_iter()
            .map(|f| (f.name, f.custom, f.field_type))
            .collect();
        assert_eq!(
            names,
            vec![
                ("usr_legal_entity".into(), false, FieldType::Text),
                ("usr_first_name".into(), true, FieldType::Text),
                ("usr_site".into(), false, FieldType::Text),
            ]
        );
    }
}
