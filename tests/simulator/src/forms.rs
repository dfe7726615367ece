//! Forms: the `usr` form instances (creation 1, profile 2, surprise report 10, exit interview
//! 11), the two read-only composite fields holding the onboarding/offboarding answers (added
//! to the catalogue, answers seeded per user), and the REST reads `GET /form-instances`,
//! `GET /form-instances/{id}`, `GET /forms/{id}`, `GET /psos/{id}/form-instances/{fi}`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::answers::form_field_json;
use crate::catalogue::{FieldCatalogue, SimField, SimOption, pso_type_by_alias};
use crate::rng::{Rng, days_from_civil, fmt_date, reference_day};
use crate::server::{Shared, lock};
use crate::tenant::{SimUser, Tenant};
use crate::validate::api_writable;
use crate::wire::{self, CREATION_FORM, EXIT_FORM, FORM_INSTANCES, PROFILE_FORM, SURPRISE_FORM};

fn mk(id: u64, alias: &str, name: &str, ty: &str, cat: &str, position: u32) -> SimField {
    SimField {
        id,
        alias: alias.into(),
        name: name.into(),
        pso_type: "usr".into(),
        data_type: ty.into(),
        category: cat.into(),
        position,
        is_active: true,
        list: false,
        read_only: true,
        required: false,
        system_required: false,
        has_unique_data: false,
        removable: true,
        created_at: "2024-09-02T09:30:00Z".into(),
        items: Vec::new(),
        options: Vec::new(),
        settings: Vec::new(),
    }
}

/// Append the onboarding / offboarding composites (ids after every existing field and option).
pub fn extend_catalogue(fields: &mut Vec<SimField>) {
    let all = || {
        fields
            .iter()
            .flat_map(|f| std::iter::once(f).chain(f.items.iter()))
    };
    let mut next_id = all().map(|f| f.id).max().unwrap_or(100) + 1;
    let mut next_opt = all()
        .flat_map(|f| f.options.iter().map(|o| o.id))
        .max()
        .unwrap_or(500)
        + 1;
    let mut pos = all().map(|f| f.position).max().unwrap_or(0);
    let mut field = |alias: &str, name: &str, ty: &str, cat: &str, labels: &[&str]| {
        pos += 1;
        let mut f = mk(next_id, alias, name, ty, cat, pos);
        next_id += 1;
        for (i, l) in labels.iter().enumerate() {
            f.options.push(SimOption {
                id: next_opt,
                name: (*l).into(),
                value: next_opt.to_string(),
                alias: String::new(),
                parent_id: None,
                position: i as u32 + 1,
                is_active: true,
                is_selectable: true,
                has_children: false,
            });
            next_opt += 1;
        }
        f
    };
    let (onb, off) = ("usr_onboarding", "usr_offboarding");
    let mut report = field(
        SURPRISE_FORM.1,
        "Rapport d'étonnement",
        "composite",
        onb,
        &[],
    );
    report.items = vec![
        field(
            "usr_surprise_report_date",
            "Date du rapport",
            "date",
            onb,
            &[],
        ),
        field(
            "usr_surprise_report_rating",
            "Ressenti",
            "list",
            onb,
            &RATINGS,
        ),
        field(
            "usr_surprise_report_comment",
            "Commentaire",
            "text",
            onb,
            &[],
        ),
    ];
    let mut exit = field(EXIT_FORM.1, "Entretien de sortie", "composite", off, &[]);
    exit.items = vec![
        field(
            "usr_exit_interview_date",
            "Date de l'entretien",
            "date",
            off,
            &[],
        ),
        field(
            "usr_exit_interview_reason",
            "Motif de départ",
            "list",
            off,
            &REASONS,
        ),
        field(
            "usr_exit_interview_would_recommend",
            "Recommanderait l'entreprise",
            "checkbox",
            off,
            &[],
        ),
        field(
            "usr_exit_interview_comment",
            "Commentaire",
            "text",
            off,
            &[],
        ),
    ];
    fields.push(report);
    fields.push(exit);
}

const RATINGS: [&str; 4] = ["Très satisfait", "Satisfait", "Mitigé", "Déçu"];
const REASONS: [&str; 5] = [
    "Démission",
    "Fin de contrat",
    "Rupture conventionnelle",
    "Licenciement",
    "Retraite",
];
const COMMENTS: [&str; 5] = [
    "Très bon accueil de l'équipe.",
    "Intégration un peu rapide, manque de documentation.",
    "Outils à améliorer.",
    "RAS",
    "Parcours d'intégration clair et utile.",
];

fn parse_day(s: &str) -> Option<i64> {
    let mut it = s.split('-').map(str::parse::<i64>);
    let (y, m, d) = (it.next()?.ok()?, it.next()?.ok()?, it.next()?.ok()?);
    Some(days_from_civil(
        y,
        u32::try_from(m).ok()?,
        u32::try_from(d).ok()?,
    ))
}

/// Seed answers (own RNG stream, so the seeded users are unchanged otherwise): a surprise
/// report for most users hired 30–540 days ago, an exit interview for most suspended users.
pub fn seed_answers(users: &mut [SimUser], seed: u64, cat: &FieldCatalogue) {
    let mut rng = Rng::new(seed ^ 0x0FB0_A4D1_0000_0002);
    let opt = |alias: &str, label: &str| {
        cat.any_field("usr", alias)
            .and_then(|(f, _)| f.options.iter().find(|o| o.name == label))
            .map(|o| o.value.clone())
            .unwrap_or_default()
    };
    let today = reference_day();
    for u in users.iter_mut() {
        let contract = u
            .values
            .get("usr_employment_contract")
            .cloned()
            .unwrap_or(Value::Null);
        let day = |k: &str| contract.get(k).and_then(Value::as_str).and_then(parse_day);
        let start = day("usr_employment_contract_start_date");
        if let Some(s) = start.filter(|s| (30..=540).contains(&(today - s)))
            && rng.chance(75)
        {
            let rating = rng.pick(&RATINGS).copied().unwrap_or("Satisfait");
            let comment = rng.pick(&COMMENTS).copied().unwrap_or("RAS");
            let at = (s + rng.range(21, 30)).min(today);
            u.values.insert(
                SURPRISE_FORM.1.into(),
                json!({
                    "usr_surprise_report_date": fmt_date(at),
                    "usr_surprise_report_rating": opt("usr_surprise_report_rating", rating),
                    "usr_surprise_report_comment": comment,
                }),
            );
        }
        if !u.active && rng.chance(75) {
            let end = day("usr_employment_contract_end_date").unwrap_or(today - 1);
            let ctype = contract
                .get("usr_employment_contract_contract_type")
                .and_then(Value::as_str);
            let cdi = ctype == Some(opt("usr_employment_contract_contract_type", "CDI").as_str());
            let reason = if cdi {
                rng.pick(&[0, 2, 3, 4]).map_or(0, |i| *i)
            } else {
                1
            };
            let mut m = serde_json::Map::new();
            m.insert(
                "usr_exit_interview_date".into(),
                json!(fmt_date(end - rng.range(1, 10))),
            );
            m.insert(
                "usr_exit_interview_reason".into(),
                json!(opt("usr_exit_interview_reason", REASONS[reason])),
            );
            m.insert(
                "usr_exit_interview_would_recommend".into(),
                json!(if rng.chance(70) { "1" } else { "0" }),
            );
            if rng.chance(60) {
                m.insert(
                    "usr_exit_interview_comment".into(),
                    json!(rng.pick(&COMMENTS).copied().unwrap_or("RAS")),
                );
            }
            u.values.insert(EXIT_FORM.1.into(), Value::Object(m));
        }
    }
}

/// True for the composites of forms 10 / 11.
pub fn is_form_composite(alias: &str) -> bool {
    alias == SURPRISE_FORM.1 || alias == EXIT_FORM.1
}

/// The top-level fields of a form, each with its `read_only` as the form shows it.
pub fn form_fields(cat: &FieldCatalogue, form: u64) -> Vec<(&SimField, bool)> {
    let usr = || cat.of_type("usr").filter(|f| f.is_active);
    match form {
        CREATION_FORM => usr()
            .filter(|f| api_writable(f) && !is_form_composite(&f.alias))
            .map(|f| (f, false))
            .collect(),
        PROFILE_FORM => usr()
            .filter(|f| !is_form_composite(&f.alias))
            .map(|f| (f, !api_writable(f)))
            .collect(),
        x if x == SURPRISE_FORM.0 || x == EXIT_FORM.0 => {
            let alias = if x == SURPRISE_FORM.0 {
                SURPRISE_FORM.1
            } else {
                EXIT_FORM.1
            };
            usr()
                .filter(|f| f.alias == alias)
                .map(|f| (f, true))
                .collect()
        }
        _ => vec![],
    }
}

fn instance(id: u64) -> Option<&'static (u64, u64, &'static str, &'static str)> {
    FORM_INSTANCES.iter().find(|f| f.0 == id)
}

fn not_found(what: &str) -> Response {
    wire::rest_error(StatusCode::NOT_FOUND, what)
}

/// `GET /form-instances?assignment-type=&pso-type=&name=&active=`.
pub async fn list_instances(RawQuery(rq): RawQuery) -> Response {
    let q: Vec<(String, String)> =
        serde_urlencoded::from_str(rq.as_deref().unwrap_or("")).unwrap_or_default();
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let pso = match get("pso-type") {
        None => None,
        Some(p) => match pso_type_by_alias(p) {
            Some(t) => Some(t.alias),
            None => return wire::validation_error("pso-type", "The selected pso-type is invalid."),
        },
    };
    let Some(usr) = pso_type_by_alias("usr") else {
        return not_found("404 Not Found");
    };
    let name = get("name").unwrap_or("").to_lowercase();
    let data: Vec<Value> = FORM_INSTANCES
        .iter()
        .filter(|fi| {
            pso.is_none_or(|p| p == "usr")
                && get("assignment-type").is_none_or(|a| a == fi.3)
                && !matches!(get("active"), Some("0" | "false"))
                && fi.2.to_lowercase().contains(&name)
        })
        .map(|fi| wire::form_instance_json(fi, usr))
        .collect();
    Json(json!({ "data": data })).into_response()
}

/// `GET /form-instances/{id}`.
pub async fn get_instance(Path(raw): Path<String>) -> Response {
    match (
        raw.parse().ok().and_then(instance),
        pso_type_by_alias("usr"),
    ) {
        (Some(fi), Some(usr)) => {
            Json(json!({ "data": wire::form_instance_json(fi, usr) })).into_response()
        }
        _ => not_found("Form instance not found"),
    }
}

/// `GET /forms/{id}` (fields always included).
pub async fn get_form(State(s): State<Arc<Shared>>, Path(raw): Path<String>) -> Response {
    let Some(fi) = FORM_INSTANCES.iter().find(|f| raw.parse() == Ok(f.1)) else {
        return not_found("Form not found");
    };
    let t = lock(&s.tenant);
    let fields: Vec<Value> = form_fields(&t.catalogue, fi.1)
        .into_iter()
        .map(|(f, ro)| {
            let mut j = wire::field_json(f, &t.profile);
            j["read_only"] = json!(ro);
            j
        })
        .collect();
    Json(json!({ "data": { "id": fi.1, "name": fi.2, "description": "", "fields": fields } }))
        .into_response()
}

/// The form-instance read of one user (forms 2, 10, 11).
pub fn pso_form_json(t: &Tenant, user: &SimUser, fi: u64) -> Option<Value> {
    let inst = instance(fi).filter(|i| i.0 != CREATION_FORM)?;
    let fields: Vec<Value> = form_fields(&t.catalogue, fi)
        .into_iter()
        .map(|(f, ro)| form_field_json(t, user.id, f, user.values.get(&f.alias), ro))
        .collect();
    Some(json!({ "data": {
        "id": inst.0, "name": inst.2, "form_id": inst.1, "is_active": true, "can_edit": fi == PROFILE_FORM,
        "effective_date": "2019-01-15 08:00:00", "fields": fields,
        "workflow_actions": { "submit": true, "deny": false, "revert": false, "save": true },
    } }))
}

/// `GET /psos/{id}/form-instances/{fi}`.
pub async fn get_pso_form(
    State(s): State<Arc<Shared>>,
    Path((id, fi)): Path<(String, String)>,
) -> Response {
    let t = lock(&s.tenant);
    let Some(u) = id.parse().ok().and_then(|i| t.user(i)) else {
        return not_found("Pso not found");
    };
    match fi.parse().ok().and_then(|fi| pso_form_json(&t, u, fi)) {
        Some(body) => Json(body).into_response(),
        None => not_found("Form instance not found"),
    }
}
