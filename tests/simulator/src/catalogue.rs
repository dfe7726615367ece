//! The field catalogue: PSO types, field categories, data types, every field of `usr` and
//! `pos` (with composite sub-fields, options and settings). Fixed, independent of the seed,
//! so field and option ids are the same in every simulated tenant.

use serde::Serialize;

/// A PSO type (`usr`, `mdl`, `pos`, `div`).
#[derive(Clone, Debug, Serialize)]
pub struct SimPsoType {
    pub id: u64,
    pub alias: &'static str,
    pub name: &'static str,
    pub is_active: bool,
    pub system_required: bool,
    pub creation_form_instance_id: u64,
    pub profile_form_instance_id: u64,
    pub created_at: &'static str,
    pub updated_at: &'static str,
}

/// The PSO types of the demo tenant, ordered by id.
pub const PSO_TYPES: &[SimPsoType] = &[
    pso_type(1, "usr", "Utilisateur", true, 1, 2),
    pso_type(2, "mdl", "Module", true, 3, 4),
    pso_type(3, "pos", "Poste", false, 5, 6),
    pso_type(4, "div", "Division", false, 7, 8),
];

const fn pso_type(
    id: u64,
    alias: &'static str,
    name: &'static str,
    sys: bool,
    cfi: u64,
    pfi: u64,
) -> SimPsoType {
    SimPsoType {
        id,
        alias,
        name,
        is_active: true,
        system_required: sys,
        creation_form_instance_id: cfi,
        profile_form_instance_id: pfi,
        created_at: "2019-01-15T08:00:00Z",
        updated_at: "2024-06-03T14:12:00Z",
    }
}

/// Look a PSO type up by alias.
pub fn pso_type_by_alias(alias: &str) -> Option<&'static SimPsoType> {
    PSO_TYPES.iter().find(|t| t.alias == alias)
}

/// `(id, alias, French name)` of each data type used by the catalogue.
pub const DATA_TYPES: &[(u64, &str, &str)] = &[
    (1, "text", "Texte"),
    (2, "string", "Chaîne"),
    (3, "list", "Liste déroulante"),
    (4, "hierarchy", "Hiérarchie"),
    (5, "checkbox", "Case à cocher"),
    (6, "multi_checkbox", "Cases à cocher multiples"),
    (7, "radio_button", "Bouton radio"),
    (8, "composite", "Composite"),
    (9, "calculated", "Calculé"),
    (10, "number", "Nombre"),
    (11, "datetime", "Date et heure"),
    (12, "date", "Date"),
    (20, "user_relation", "Relation utilisateur"),
    (21, "pso_relation", "Relation PSO"),
];

/// `(id, alias, French name, pso type)` of each field category.
pub const CATEGORIES: &[(u64, &str, &str, &str)] = &[
    (1, "usr_identity", "Identité", "usr"),
    (2, "usr_contract", "Contrat", "usr"),
    (3, "usr_organisation", "Organisation", "usr"),
    (4, "usr_contact", "Contact", "usr"),
    (5, "usr_career", "Carrière", "usr"),
    (6, "usr_status", "Statut", "usr"),
    (7, "usr_custom", "Personnalisé", "usr"),
    (8, "pos_general", "Général", "pos"),
    (9, "usr_onboarding", "Onboarding", "usr"),
    (10, "usr_offboarding", "Offboarding", "usr"),
];

/// One option of a list / hierarchy / radio / multi-checkbox field.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SimOption {
    pub id: u64,
    pub name: String,
    /// What records hold: the option id as a string (`usr_active_yes`/`_no` for `usr_active`).
    pub value: String,
    /// The option's alias: `{field alias}_{folded label path}` (`usr_active_yes`/`_no` for
    /// `usr_active`); what records hold under `ChoiceEncoding::Alias`.
    pub alias: String,
    pub parent_id: Option<u64>,
    pub position: u32,
    pub is_active: bool,
    pub is_selectable: bool,
    pub has_children: bool,
}

/// One field (or composite sub-field) of the catalogue.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SimField {
    pub id: u64,
    pub alias: String,
    pub name: String,
    pub pso_type: String,
    /// Data type alias (`text`, `composite`, …).
    pub data_type: String,
    /// Category alias.
    pub category: String,
    pub position: u32,
    pub is_active: bool,
    pub list: bool,
    pub read_only: bool,
    pub required: bool,
    pub system_required: bool,
    pub has_unique_data: bool,
    pub removable: bool,
    pub created_at: String,
    pub items: Vec<SimField>,
    pub options: Vec<SimOption>,
    pub settings: Vec<(String, String)>,
}

impl SimField {
    /// The option whose `value` is `value`.
    pub fn option_by_value(&self, value: &str) -> Option<&SimOption> {
        self.options.iter().find(|o| o.value == value)
    }
    /// The option with this id.
    pub fn option_by_id(&self, id: u64) -> Option<&SimOption> {
        self.options.iter().find(|o| o.id == id)
    }
    /// Labels from the root down to the option whose `value` is `value`.
    pub fn option_path(&self, value: &str) -> Option<Vec<String>> {
        let mut cur = self.option_by_value(value)?;
        let mut path = vec![cur.name.clone()];
        while let Some(p) = cur.parent_id.and_then(|p| self.option_by_id(p)) {
            path.push(p.name.clone());
            cur = p;
        }
        path.reverse();
        Some(path)
    }
    /// Options a record may hold (leaves of a hierarchy).
    pub fn selectable(&self) -> Vec<&SimOption> {
        self.options
            .iter()
            .filter(|o| o.is_selectable && o.is_active)
            .collect()
    }
    /// The value of a setting.
    pub fn setting(&self, alias: &str) -> Option<&str> {
        self.settings
            .iter()
            .find(|(a, _)| a == alias)
            .map(|(_, v)| v.as_str())
    }
}

/// Every field of every PSO type.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct FieldCatalogue {
    /// Top-level fields, in id order.
    pub fields: Vec<SimField>,
}

impl FieldCatalogue {
    /// Top-level fields of one PSO type.
    pub fn of_type<'a, 'b>(
        &'a self,
        pso: &'b str,
    ) -> impl Iterator<Item = &'a SimField> + use<'a, 'b> {
        self.fields.iter().filter(move |f| f.pso_type == pso)
    }
    /// A top-level field by alias.
    pub fn field(&self, pso: &str, alias: &str) -> Option<&SimField> {
        self.of_type(pso).find(|f| f.alias == alias)
    }
    /// A top-level field or a sub-field by alias, with its composite parent if any.
    pub fn any_field(&self, pso: &str, alias: &str) -> Option<(&SimField, Option<&SimField>)> {
        for f in self.of_type(pso) {
            if f.alias == alias {
                return Some((f, None));
            }
            if let Some(i) = f.items.iter().find(|i| i.alias == alias) {
                return Some((i, Some(f)));
            }
        }
        None
    }
    /// Any field or sub-field by id.
    pub fn by_id(&self, id: u64) -> Option<&SimField> {
        self.fields.iter().find_map(|f| {
            if f.id == id {
                Some(f)
            } else {
                f.items.iter().find(|i| i.id == id)
            }
        })
    }
    /// Label path of an option value of a `usr` field or sub-field (e.g. `["Ventes","France","Paris"]`).
    pub fn option_path(&self, alias: &str, value: &str) -> Option<Vec<String>> {
        self.any_field("usr", alias)?.0.option_path(value)
    }

    /// Build the fixed catalogue.
    pub fn build() -> FieldCatalogue {
        let mut b = Builder {
            next_field: 101,
            next_option: 501,
            position: 0,
        };
        let mut fields = Vec::new();
        let base = "2019-01-15T08:00:00Z";
        let custom = "2023-03-02T10:15:00Z";
        let f = |b: &mut Builder, alias: &str, name: &str, ty: &str, cat: &str| {
            b.field("usr", alias, name, ty, cat, base)
        };

        let mut username = f(&mut b, "username", "Identifiant", "string", "usr_identity");
        username.required = true;
        username.system_required = true;
        username.has_unique_data = true;
        fields.push(username);
        for (alias, name) in [("usr_first_name", "Prénom"), ("usr_last_name", "Nom")] {
            let mut x = f(&mut b, alias, name, "text", "usr_identity");
            x.required = true;
            x.system_required = true;
            fields.push(x);
        }
        fields.push(f(
            &mut b,
            "usr_birth_date",
            "Date de naissance",
            "date",
            "usr_identity",
        ));
        let mut email = f(
            &mut b,
            "professional_email",
            "E-mail professionnel",
            "string",
            "usr_contact",
        );
        email.required = true;
        email.system_required = true;
        email.has_unique_data = true;
        fields.push(email);
        fields.push(f(
            &mut b,
            "professional_phone",
            "Téléphone professionnel",
            "string",
            "usr_contact",
        ));
        fields.push(f(
            &mut b,
            "professional_mobile_phone",
            "Mobile professionnel",
            "string",
            "usr_contact",
        ));
        let mut fax = f(&mut b, "usr_fax", "Fax", "string", "usr_contact");
        fax.is_active = false;
        fields.push(fax);
        for (alias, name) in [
            ("manager", "Responsable"),
            ("hr", "Responsable RH"),
            ("mentor", "Parrain"),
        ] {
            fields.push(f(&mut b, alias, name, "user_relation", "usr_organisation"));
        }
        let mut poste = f(
            &mut b,
            "usr_poste",
            "Poste",
            "pso_relation",
            "usr_organisation",
        );
        poste
            .settings
            .push(("target_pso_type".into(), "pos".into()));
        fields.push(poste);
        let mut bu = f(
            &mut b,
            "usr_business_unit",
            "Entité",
            "hierarchy",
            "usr_organisation",
        );
        bu.options = b.options_from_paths(BUSINESS_UNITS);
        fields.push(bu);
        let mut dep = f(
            &mut b,
            "usr_department",
            "Service",
            "hierarchy",
            "usr_organisation",
        );
        dep.options = b.options_from_paths(DEPARTMENTS);
        fields.push(dep);
        let mut csp = f(
            &mut b,
            "usr_socio_professional_category",
            "Catégorie socio-professionnelle",
            "list",
            "usr_organisation",
        );
        csp.options = b.options_from_paths(&["Cadre", "ETAM", "Ouvrier", "Apprenti"]);
        fields.push(csp);

        let mut contract = f(
            &mut b,
            "usr_employment_contract",
            "Contrat de travail",
            "composite",
            "usr_contract",
        );
        let mut ctype = f(
            &mut b,
            "usr_employment_contract_contract_type",
            "Type de contrat",
            "list",
            "usr_contract",
        );
        ctype.options = b.options_from_paths(&["CDI", "CDD", "Stage", "Alternance"]);
        contract.items = vec![
            ctype,
            f(
                &mut b,
                "usr_employment_contract_start_date",
                "Date de début",
                "date",
                "usr_contract",
            ),
            f(
                &mut b,
                "usr_employment_contract_end_date",
                "Date de fin",
                "date",
                "usr_contract",
            ),
        ];
        fields.push(contract);

        fields.push(f(
            &mut b,
            "usr_position_start_date",
            "Date de prise de poste",
            "date",
            "usr_career",
        ));
        let mut history = f(
            &mut b,
            "usr_career_history",
            "Historique de carrière",
            "composite",
            "usr_career",
        );
        history.list = true;
        history.items = vec![
            f(
                &mut b,
                "usr_career_history_position",
                "Poste occupé",
                "text",
                "usr_career",
            ),
            f(
                &mut b,
                "usr_career_history_department",
                "Service",
                "text",
                "usr_career",
            ),
            f(
                &mut b,
                "usr_career_history_start_date",
                "Date de début",
                "date",
                "usr_career",
            ),
            f(
                &mut b,
                "usr_career_history_end_date",
                "Date de fin",
                "date",
                "usr_career",
            ),
        ];
        fields.push(history);
        let mut seniority = f(
            &mut b,
            "usr_seniority",
            "Ancienneté (années)",
            "calculated",
            "usr_career",
        );
        seniority.read_only = true;
        seniority
            .settings
            .push(("result_type".into(), "number".into()));
        fields.push(seniority);

        let mut active = f(&mut b, "usr_active", "Actif", "radio_button", "usr_status");
        active.system_required = true;
        active.options = b.options_from_paths(&["Oui", "Non"]);
        active.options[0].value = "usr_active_yes".into();
        active.options[1].value = "usr_active_no".into();
        fields.push(active);

        let c = |b: &mut Builder, alias: &str, name: &str, ty: &str| {
            let mut x = b.field("usr", alias, name, ty, "usr_custom", custom);
            x.removable = true;
            x
        };
        let mut badge = c(&mut b, "usr_badge_number", "Numéro de badge", "string");
        badge.has_unique_data = true;
        fields.push(badge);
        let mut tshirt = c(&mut b, "usr_tshirt_size", "Taille de t-shirt", "list");
        tshirt.options = b.options_from_paths(&["XS", "S", "M", "L", "XL"]);
        fields.push(tshirt);
        fields.push(c(
            &mut b,
            "usr_remote_days",
            "Jours de télétravail",
            "number",
        ));
        let mut skills = c(&mut b, "usr_skills", "Compétences", "multi_checkbox");
        skills.list = true;
        skills.options = b.options_from_paths(SKILLS);
        fields.push(skills);
        fields.push(c(
            &mut b,
            "usr_company_car",
            "Véhicule de fonction",
            "checkbox",
        ));

        let mut pos_name = b.field(
            "pos",
            "pos_name",
            "Intitulé du poste",
            "text",
            "pos_general",
            base,
        );
        pos_name.required = true;
        fields.push(pos_name);
        let mut pos_parent = b.field(
            "pos",
            "pos_parent",
            "Poste parent",
            "pso_relation",
            "pos_general",
            base,
        );
        pos_parent
            .settings
            .push(("target_pso_type".into(), "pos".into()));
        fields.push(pos_parent);
        crate::forms::extend_catalogue(&mut fields);
        let mut cat = FieldCatalogue { fields };
        crate::hierarchies::assign_aliases(&mut cat);
        cat
    }
}

/// Business units, as label paths (leaves are selectable).
pub const BUSINESS_UNITS: &[&str] = &[
    "Siège/La Défense",
    "Ventes/France/Paris",
    "Ventes/France/Lyon",
    "Ventes/France/Bordeaux",
    "Ventes/International/Bruxelles",
    "Ventes/International/Genève",
    "Industrie/Usine de Lyon",
    "Industrie/Entrepôt de Lille",
    "Services/Conseil",
    "Services/Formation",
];

/// Departments, as label paths (leaves are selectable).
pub const DEPARTMENTS: &[&str] = &[
    "Direction Générale",
    "Ressources Humaines/Recrutement",
    "Ressources Humaines/Paie et administration",
    "Informatique/Développement/Backend",
    "Informatique/Développement/Frontend",
    "Informatique/Infrastructure",
    "Informatique/Support",
    "Finance/Comptabilité",
    "Finance/Contrôle de gestion",
    "Commercial/Grands comptes",
    "Commercial/PME et ETI",
    "Marketing/Communication",
    "Production/Atelier",
    "Production/Logistique",
];

const SKILLS: &[&str] = &[
    "Anglais",
    "Excel",
    "Management",
    "Rust",
    "Comptabilité",
    "Négociation",
    "Sécurité",
];

struct Builder {
    next_field: u64,
    next_option: u64,
    position: u32,
}

impl Builder {
    fn field(
        &mut self,
        pso: &str,
        alias: &str,
        name: &str,
        ty: &str,
        cat: &str,
        created: &str,
    ) -> SimField {
        let id = self.next_field;
        self.next_field += 1;
        self.position += 1;
        SimField {
            id,
            alias: alias.into(),
            name: name.into(),
            pso_type: pso.into(),
            data_type: ty.into(),
            category: cat.into(),
            position: self.position,
            is_active: true,
            list: false,
            read_only: false,
            required: false,
            system_required: false,
            has_unique_data: false,
            removable: false,
            created_at: created.into(),
            items: Vec::new(),
            options: Vec::new(),
            settings: Vec::new(),
        }
    }

    /// Flat options from label paths such as `"Ventes/France/Paris"`; shared prefixes are one node.
    fn options_from_paths(&mut self, paths: &[&str]) -> Vec<SimOption> {
        let mut out: Vec<SimOption> = Vec::new();
        for path in paths {
            let mut parent: Option<u64> = None;
            for label in path.split('/') {
                let existing = out
                    .iter()
                    .position(|o| o.parent_id == parent && o.name == label);
                let idx = match existing {
                    Some(i) => i,
                    None => {
                        let id = self.next_option;
                        self.next_option += 1;
                        let position =
                            out.iter().filter(|o| o.parent_id == parent).count() as u32 + 1;
                        out.push(SimOption {
                            id,
                            name: label.into(),
                            value: id.to_string(),
                            alias: String::new(),
                            parent_id: parent,
                            position,
                            is_active: true,
                            is_selectable: true,
                            has_children: false,
                        });
                        out.len() - 1
                    }
                };
                if let Some(p) = parent
                    && let Some(po) = out.iter_mut().find(|o| o.id == p)
                {
                    po.has_children = true;
                    po.is_selectable = false;
                }
                parent = Some(out[idx].id);
            }
        }
        out
    }
}
