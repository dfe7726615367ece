//! Deterministic tenant generation: positions (`pos` records with `pos_parent`), and users
//! with French names, a manager tree, HR managers, mentors, contracts, career history,
//! seniority and custom fields. Same seed and size → same data. One pass, O(n).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::catalogue::{BUSINESS_UNITS, DEPARTMENTS, FieldCatalogue, SimField};
use crate::rng::{Rng, fmt_date, reference_day};
use crate::seed_data::{DEPT_POSITIONS, FIRST_NAMES, LAST_NAMES, POSITIONS};
use crate::tenant::{SimPosition, SimUser, Tenant};

/// Values a user record needs from the catalogue, resolved once.
struct Ctx {
    dept_values: Vec<String>,
    bu_leaves: Vec<(String, String)>,
    csp: BTreeMap<&'static str, String>,
    contract_types: BTreeMap<&'static str, String>,
    tshirt: Vec<String>,
    skills: Vec<String>,
    pos_ids: Vec<u64>,
}

fn leaf_value(f: Option<&SimField>, path: &str) -> String {
    let labels: Vec<String> = path.split('/').map(String::from).collect();
    f.and_then(|f| {
        f.options
            .iter()
            .find(|o| f.option_path(&o.value).as_deref() == Some(&labels[..]))
    })
    .map(|o| o.value.clone())
    .unwrap_or_default()
}

fn option_values(f: Option<&SimField>) -> Vec<String> {
    f.map(|f| f.options.iter().map(|o| o.value.clone()).collect())
        .unwrap_or_default()
}

impl Ctx {
    fn new(cat: &FieldCatalogue, pos_ids: Vec<u64>) -> Ctx {
        let dep = cat.field("usr", "usr_department");
        let bu = cat.field("usr", "usr_business_unit");
        let csp_f = cat.field("usr", "usr_socio_professional_category");
        let ct_f = cat
            .any_field("usr", "usr_employment_contract_contract_type")
            .map(|x| x.0);
        Ctx {
            dept_values: DEPARTMENTS.iter().map(|p| leaf_value(dep, p)).collect(),
            bu_leaves: BUSINESS_UNITS
                .iter()
                .map(|p| (p.to_string(), leaf_value(bu, p)))
                .collect(),
            csp: ["Cadre", "ETAM", "Ouvrier", "Apprenti"]
                .into_iter()
                .map(|l| (l, leaf_value(csp_f, l)))
                .collect(),
            contract_types: ["CDI", "CDD", "Stage", "Alternance"]
                .into_iter()
                .map(|l| (l, leaf_value(ct_f, l)))
                .collect(),
            tshirt: option_values(cat.field("usr", "usr_tshirt_size")),
            skills: option_values(cat.field("usr", "usr_skills")),
            pos_ids,
        }
    }
    fn bu_for(&self, rng: &mut Rng, dept: &str) -> String {
        let prefix = if dept.starts_with("Production") {
            "Industrie"
        } else if dept.starts_with("Commercial") {
            "Ventes"
        } else if rng.chance(60) || dept.starts_with("Direction") || dept.starts_with("Ressources")
        {
            "Siège"
        } else {
            "Services"
        };
        let leaves: Vec<&(String, String)> = self
            .bu_leaves
            .iter()
            .filter(|(p, _)| p.starts_with(prefix))
            .collect();
        rng.pick(&leaves)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// Lowercase ASCII for logins: accents folded, spaces dropped.
pub fn ascii_fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().flat_map(char::to_lowercase) {
        match c {
            'à' | 'â' | 'ä' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' => out.push('e'),
            'î' | 'ï' => out.push('i'),
            'ô' | 'ö' => out.push('o'),
            'ù' | 'û' | 'ü' => out.push('u'),
            'ç' => out.push('c'),
            ' ' | '\'' => {}
            c if c.is_ascii_alphanumeric() || c == '-' => out.push(c),
            _ => {}
        }
    }
    out
}

/// Who a new user reports to, etc.
struct Links {
    manager: Option<u64>,
    hr: Option<u64>,
    mentor: Option<u64>,
}

/// Generate `n` users (ids `1..=n`) and the positions (ids `n+1..`).
pub fn generate(seed: u64, n: usize, cat: &FieldCatalogue) -> (Vec<SimUser>, Vec<SimPosition>) {
    let mut rng = Rng::new(seed);
    let first_pos = n as u64 + 1;
    let positions: Vec<SimPosition> = POSITIONS
        .iter()
        .enumerate()
        .map(|(i, (name, parent))| SimPosition {
            id: first_pos + i as u64,
            external_id: rng.uuid(),
            created_at: "2019-01-15T08:00:00Z".to_string(),
            name: (*name).to_string(),
            parent: parent.map(|p| first_pos + p as u64),
        })
        .collect();
    let ctx = Ctx::new(cat, positions.iter().map(|p| p.id).collect());
    let hr_people: Vec<u64> = (2..=n.min(6) as u64).collect();
    let mut managers: Vec<u64> = vec![1];
    let mut users = Vec::with_capacity(n);
    for id in 1..=n as u64 {
        let (dept_idx, pos_idx) = match id {
            1 => (0, 0),
            2 => (2, 3),
            3..=6 => (
                if id % 2 == 1 { 1 } else { 2 },
                if id % 2 == 1 { 10 } else { 11 },
            ),
            _ => {
                let d = rng.below(DEPARTMENTS.len() as u64) as usize;
                let p = DEPT_POSITIONS
                    .get(d)
                    .and_then(|ps| rng.pick(ps))
                    .copied()
                    .unwrap_or(6);
                (d, p)
            }
        };
        let links = Links {
            manager: match id {
                1 => None,
                2 => Some(1),
                3..=6 => Some(2),
                _ => rng.pick(&managers).copied(),
            },
            hr: {
                let others: Vec<u64> = hr_people.iter().copied().filter(|h| *h != id).collect();
                if id == 2 {
                    Some(1)
                } else {
                    rng.pick(&others).copied()
                }
            },
            mentor: if id > 1 && rng.chance(30) {
                Some(rng.range(1, id as i64 - 1) as u64)
            } else {
                None
            },
        };
        users.push(make_user(&mut rng, &ctx, id, dept_idx, pos_idx, links));
        if id == 2 || (id > 6 && rng.chance(10)) {
            managers.push(id);
        }
    }
    (users, positions)
}

/// A realistic user for `id`, inserted after seeding (manager among existing users).
pub fn extra_user(t: &mut Tenant, id: u64) -> SimUser {
    let pos_ids: Vec<u64> = t.positions.iter().map(|p| p.id).collect();
    let ctx = Ctx::new(&t.catalogue, pos_ids);
    let existing = t.users.len() as u64;
    let mut rng = Rng::new(t.rng.next_u64());
    let pick_user = |rng: &mut Rng| t.users.get(rng.below(existing) as usize).map(|u| u.id);
    let links = Links {
        manager: pick_user(&mut rng),
        hr: pick_user(&mut rng),
        mentor: None,
    };
    let d = rng.below(DEPARTMENTS.len() as u64) as usize;
    let p = DEPT_POSITIONS
        .get(d)
        .and_then(|ps| rng.pick(ps))
        .copied()
        .unwrap_or(6);
    make_user(&mut rng, &ctx, id, d, p, links)
}

fn phone(rng: &mut Rng, prefix: &str, present: u64, null_text: u64) -> Option<Value> {
    let r = rng.below(100);
    if r < present {
        let n = rng.below(100_000_000);
        Some(Value::String(format!(
            "{prefix} {:02} {:02} {:02} {:02}",
            n / 1_000_000,
            (n / 10_000) % 100,
            (n / 100) % 100,
            n % 100
        )))
    } else if r < present + null_text {
        Some(Value::String("null".into()))
    } else {
        None
    }
}

fn make_user(
    rng: &mut Rng,
    ctx: &Ctx,
    id: u64,
    dept_idx: usize,
    pos_idx: usize,
    links: Links,
) -> SimUser {
    let today = reference_day();
    let first = rng.pick(FIRST_NAMES).copied().unwrap_or("Jean");
    let last = rng.pick(LAST_NAMES).copied().unwrap_or("Martin");
    let login = format!("{}.{}.{id}", ascii_fold(first), ascii_fold(last));
    let mut v: BTreeMap<String, Value> = BTreeMap::new();
    let mut put = |k: &str, val: Value| {
        v.insert(k.to_string(), val);
    };
    put("username", json!(login));
    put("usr_first_name", json!(first));
    put("usr_last_name", json!(last));
    put("professional_email", json!(format!("{login}@demo.example")));

    // Contract.
    let ctype = match (id, rng.below(100)) {
        (1..=6, _) => "CDI",
        (_, 0..75) => "CDI",
        (_, 75..87) => "CDD",
        (_, 87..92) => "Stage",
        _ => "Alternance",
    };
    let active = id <= 6 || !rng.chance(5);
    let (start, mut end) = match ctype {
        "CDI" if id == 1 => (today - 5_929, None),
        "CDI" => (rng.range(today - 7_995, today - 55), None),
        "CDD" => {
            let s = rng.range(today - 900, today - 55);
            (s, Some(s + rng.range(90, 540)))
        }
        "Stage" => {
            let s = rng.range(today - 450, today - 55);
            (s, Some(s + rng.range(120, 180)))
        }
        _ => {
            let s = rng.range(today - 800, today - 85);
            (s, Some(s + rng.range(365, 730)))
        }
    };
    if !active && end.is_none_or(|e| e > today) {
        end = Some(rng.range(start + 30, today - 1).max(start));
    }
    let young = matches!(ctype, "Stage" | "Alternance");
    let birth = if young {
        rng.range(-(30 * 365), -(20 * 365)) + today
    } else {
        rng.range(-(64 * 365), -(24 * 365)) + today
    };
    put("usr_birth_date", json!(fmt_date(birth)));
    if let Some(p) = phone(rng, "+33 1", 80, 5) {
        put("professional_phone", p);
    }
    if let Some(p) = phone(rng, "+33 6", 70, 3) {
        put("professional_mobile_phone", p);
    }
    if let Some(m) = links.manager {
        put("manager", json!(m.to_string()));
    }
    if let Some(h) = links.hr {
        put("hr", json!(h.to_string()));
    }
    if let Some(m) = links.mentor {
        put("mentor", json!(m.to_string()));
    }
    let pos_id = ctx.pos_ids.get(pos_idx).copied().unwrap_or(0);
    put("usr_poste", json!(pos_id.to_string()));
    let dept = DEPARTMENTS
        .get(dept_idx)
        .copied()
        .unwrap_or("Direction Générale");
    put(
        "usr_department",
        json!(ctx.dept_values.get(dept_idx).cloned().unwrap_or_default()),
    );
    put(
        "usr_business_unit",
        json!(if id == 1 {
            ctx.bu_leaves[0].1.clone()
        } else {
            ctx.bu_for(rng, dept)
        }),
    );
    let csp = if ctype == "Alternance" {
        "Apprenti"
    } else if pos_idx == 17 {
        "Ouvrier"
    } else if pos_idx <= 5 || pos_idx == 16 || rng.chance(45) {
        "Cadre"
    } else {
        "ETAM"
    };
    put(
        "usr_socio_professional_category",
        json!(ctx.csp.get(csp).cloned().unwrap_or_default()),
    );
    let mut contract = serde_json::Map::new();
    contract.insert(
        "usr_employment_contract_contract_type".into(),
        json!(ctx.contract_types.get(ctype).cloned().unwrap_or_default()),
    );
    contract.insert(
        "usr_employment_contract_start_date".into(),
        json!(fmt_date(start)),
    );
    if let Some(e) = end {
        contract.insert(
            "usr_employment_contract_end_date".into(),
            json!(fmt_date(e)),
        );
    }
    put("usr_employment_contract", Value::Object(contract));

    // Career: 1–3 rows between contract start and today (or the end date).
    let last_day = end.map_or(today, |e| e.min(today));
    let rows = 1 + rng.below(3) as i64;
    let span = (last_day - start).max(rows);
    let mut history = Vec::new();
    let mut row_start = start;
    for r in 0..rows {
        let is_last = r == rows - 1;
        let row_end = if is_last {
            end.filter(|e| *e <= today)
        } else {
            Some(start + span * (r + 1) / rows - 1)
        };
        let title = if is_last {
            POSITIONS.get(pos_idx).map_or("", |p| p.0)
        } else {
            rng.pick(&POSITIONS[5..]).map_or("", |p| p.0)
        };
        let dept_label = if is_last {
            dept
        } else {
            rng.pick(DEPARTMENTS).copied().unwrap_or(dept)
        };
        let mut row = serde_json::Map::new();
        row.insert("usr_career_history_position".into(), json!(title));
        row.insert(
            "usr_career_history_department".into(),
            json!(dept_label.rsplit('/').next().unwrap_or(dept_label)),
        );
        row.insert(
            "usr_career_history_start_date".into(),
            json!(fmt_date(row_start)),
        );
        if let Some(e) = row_end {
            row.insert(
                "usr_career_history_end_date".into(),
                json!(fmt_date(e.max(row_start))),
            );
            row_start = e.max(row_start) + 1;
        }
        history.push(Value::Object(row));
    }
    put(
        "usr_position_start_date",
        json!(fmt_date(row_start.min(last_day).max(start))),
    );
    put("usr_career_history", Value::Array(history));
    let years = (last_day.max(start) - start) as f64 / 365.25;
    put("usr_seniority", json!(format!("{years:.1}")));
    put(
        "usr_active",
        json!(if active {
            "usr_active_yes"
        } else {
            "usr_active_no"
        }),
    );

    // Custom fields.
    if rng.chance(60) {
        put("usr_badge_number", json!(format!("B{id:06}")));
    }
    if rng.chance(40)
        && let Some(t) = rng.pick(&ctx.tshirt)
    {
        put("usr_tshirt_size", json!(t));
    }
    if rng.chance(50) {
        put("usr_remote_days", json!(rng.below(4).to_string()));
    }
    if rng.chance(35) {
        let mut picked: Vec<String> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            if let Some(s) = rng.pick(&ctx.skills)
                && !picked.contains(s)
            {
                picked.push(s.clone());
            }
        }
        put("usr_skills", json!(picked));
    }
    match rng.below(10) {
        0 | 1 if csp == "Cadre" => put("usr_company_car", json!("1")),
        2 => put("usr_company_car", json!("0")),
        _ => {}
    }
    let created = (start - 14).min(today - 1);
    SimUser {
        id,
        external_id: rng.uuid(),
        created_at: format!(
            "{}T{:02}:{:02}:{:02}Z",
            fmt_date(created),
            8 + id % 10,
            id % 60,
            (id * 7) % 60
        ),
        active,
        values: v,
    }
}
