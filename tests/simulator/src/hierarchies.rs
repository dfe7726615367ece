//! Option aliases, and the large option trees `SimConfig::hierarchy_options` asks for: the
//! business units and departments grow generated branches, and a third hierarchy field,
//! `usr_cost_center`, is added, each with at least that many options. New ids come after every
//! existing field and option id, so the rest of the catalogue is unchanged.

use serde_json::json;

use crate::catalogue::{FieldCatalogue, SimField, SimOption};
use crate::seed::ascii_fold;
use crate::tenant::SimUser;

/// The hierarchy field added by `hierarchy_options`.
pub const COST_CENTER: &str = "usr_cost_center";
/// Roots and branches per root of a generated tree (leaves per branch make up the size).
const ROOTS: usize = 4;
const BRANCHES: usize = 7;

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match ascii_fold(&c.to_string()).chars().next() {
            Some(c) if c.is_ascii_alphanumeric() => out.push(c),
            _ if !out.ends_with('_') => out.push('_'),
            _ => {}
        }
    }
    out.trim_matches('_').to_string()
}

fn assign(f: &mut SimField) {
    let paths: Vec<(usize, String)> = f
        .options
        .iter()
        .enumerate()
        .map(|(i, o)| (i, f.option_path(&o.value).unwrap_or_default().join(" ")))
        .collect();
    for (i, path) in paths {
        let alias = match f.options.get(i) {
            // A value that is not the id is already an alias (`usr_active_yes`).
            Some(o) if o.value != o.id.to_string() => o.value.clone(),
            Some(_) => format!("{}_{}", f.alias, slug(&path)),
            None => continue,
        };
        if let Some(o) = f.options.get_mut(i) {
            o.alias = alias;
        }
    }
    for item in &mut f.items {
        assign(item);
    }
}

/// Gives every option of every field its alias.
pub fn assign_aliases(cat: &mut FieldCatalogue) {
    for f in &mut cat.fields {
        assign(f);
    }
}

fn max_option_id(cat: &FieldCatalogue) -> u64 {
    fn of(f: &SimField) -> u64 {
        let own = f.options.iter().map(|o| o.id).max().unwrap_or(0);
        f.items.iter().map(of).max().unwrap_or(0).max(own)
    }
    cat.fields.iter().map(of).max().unwrap_or(500)
}

/// A generated tree of at least `size` options (`{label} 1`, `{label} 1.2`, `{label} 1.2.3`),
/// new roots of `f`; ids from `next`.
fn grow(f: &mut SimField, label: &str, size: usize, next: &mut u64) {
    let inner = ROOTS + ROOTS * BRANCHES;
    let leaves = size.saturating_sub(inner).div_ceil(ROOTS * BRANCHES).max(1);
    let roots_before = f.options.iter().filter(|o| o.parent_id.is_none()).count() as u32;
    let mut push =
        |f: &mut SimField, name: String, parent: Option<u64>, position: u32, kids: bool| {
            let id = *next;
            *next += 1;
            f.options.push(SimOption {
                id,
                name,
                value: id.to_string(),
                alias: String::new(),
                parent_id: parent,
                position,
                is_active: true,
                is_selectable: !kids,
                has_children: kids,
            });
            id
        };
    for r in 1..=ROOTS {
        let root = push(
            f,
            format!("{label} {r}"),
            None,
            roots_before + r as u32,
            true,
        );
        for b in 1..=BRANCHES {
            let branch = push(f, format!("{label} {r}.{b}"), Some(root), b as u32, true);
            for l in 1..=leaves {
                push(
                    f,
                    format!("{label} {r}.{b}.{l}"),
                    Some(branch),
                    l as u32,
                    false,
                );
            }
        }
    }
}

/// Grows the business units and departments to at least `size` options and adds
/// `usr_cost_center` (a custom hierarchy) with as many; then (re)assigns option aliases.
pub fn extend(cat: &mut FieldCatalogue, size: usize) {
    let mut next = max_option_id(cat) + 1;
    for (alias, label) in [("usr_business_unit", "Agence"), ("usr_department", "Pôle")] {
        if let Some(f) = cat.fields.iter_mut().find(|f| f.alias == alias) {
            let missing = size.saturating_sub(f.options.len());
            if missing > 0 {
                grow(f, label, missing, &mut next);
            }
        }
    }
    let template = cat
        .fields
        .iter()
        .find(|f| f.alias == "usr_department")
        .cloned();
    if let Some(mut cc) = template {
        cc.id = cat
            .fields
            .iter()
            .flat_map(|f| std::iter::once(f.id).chain(f.items.iter().map(|i| i.id)))
            .max()
            .unwrap_or(100)
            + 1;
        cc.alias = COST_CENTER.into();
        cc.name = "Centre de coût".into();
        cc.category = "usr_custom".into();
        cc.removable = true;
        cc.created_at = "2023-03-02T10:15:00Z".into();
        cc.position = cat.fields.iter().map(|f| f.position).max().unwrap_or(0) + 1;
        cc.options.clear();
        grow(&mut cc, "Centre", size, &mut next);
        cat.fields.push(cc);
    }
    assign_aliases(cat);
}

/// Gives each user a cost-center leaf chosen from its id (no random draw, so every other
/// seeded value is unchanged).
pub fn seed_cost_centers(cat: &FieldCatalogue, users: &mut [SimUser]) {
    let Some(f) = cat.field("usr", COST_CENTER) else {
        return;
    };
    let leaves: Vec<&str> = f
        .options
        .iter()
        .filter(|o| o.is_selectable)
        .map(|o| o.value.as_str())
        .collect();
    if leaves.is_empty() {
        return;
    }
    for u in users {
        let i = (u.id.wrapping_mul(2_654_435_761) % leaves.len() as u64) as usize;
        if let Some(v) = leaves.get(i) {
            u.values.insert(COST_CENTER.into(), json!(v));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_trees_of_two_hundred_with_unique_aliases() {
        let mut cat = FieldCatalogue::build();
        let before = FieldCatalogue::build();
        extend(&mut cat, 200);
        for alias in ["usr_business_unit", "usr_department", COST_CENTER] {
            let f = cat.field("usr", alias).expect("field");
            assert!(f.options.len() >= 200, "{alias}: {}", f.options.len());
            let mut aliases: Vec<&str> = f.options.iter().map(|o| o.alias.as_str()).collect();
            aliases.sort_unstable();
            aliases.dedup();
            assert_eq!(aliases.len(), f.options.len(), "{alias}");
        }
        // Earlier ids and values unchanged.
        let dep = before.field("usr", "usr_department").expect("dep");
        let grown = cat.field("usr", "usr_department").expect("dep");
        assert_eq!(&grown.options[..dep.options.len()], &dep.options[..]);
        assert_eq!(slug("Pôle 1.2/Développement"), "pole_1_2_developpement");
    }
}
