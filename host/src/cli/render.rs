//! What the CLI prints: aligned tables for people, JSON for scripts. Nothing here ever prints
//! a configuration value, so no secret can reach the terminal through it.

use std::io::{self, Write};
use std::time::Duration;

use serde_json::json;

use super::context::Context;
use crate::connector::Connector;
use crate::model::{Choice, Field, User};
use crate::runtime::WasmConnector;

/// Writes rows as a left-aligned table with a header.
fn widths(header: &[&str], rows: &[Vec<String>]) -> Vec<usize> {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    widths
}

fn line(widths: &[usize], cells: &[String]) -> String {
    let last = cells.len().saturating_sub(1);
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == last {
                c.clone()
            } else {
                format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0))
            }
        })
        .collect::<Vec<_>>()
        .join("  ")
        .trim_end()
        .to_string()
}

fn table(out: &mut dyn Write, header: &[&str], rows: &[Vec<String>]) -> io::Result<()> {
    let widths = widths(header, rows);
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    writeln!(out, "{}", line(&widths, &header))?;
    for row in rows {
        writeln!(out, "{}", line(&widths, row))?;
    }
    Ok(())
}

/// Users printed page by page as they arrive (`users list`): nothing but the current page is
/// held. The table's columns are sized by the first page; JSON is one array, written as it goes.
#[derive(Debug, Default)]
pub struct UserStream {
    json: bool,
    widths: Option<Vec<usize>>,
    count: u64,
}

impl UserStream {
    pub fn new(json: bool) -> UserStream {
        UserStream {
            json,
            ..UserStream::default()
        }
    }

    pub fn page(&mut self, out: &mut dyn Write, users: &[User]) -> anyhow::Result<()> {
        if self.json {
            for u in users {
                let sep = if self.count == 0 { "[\n  " } else { ",\n  " };
                write!(out, "{sep}{}", serde_json::to_string(u)?)?;
                self.count += 1;
            }
            return Ok(());
        }
        let rows = user_rows(users);
        if self.widths.is_none() {
            let w = widths(&USER_HEADER, &rows);
            let header: Vec<String> = USER_HEADER.iter().map(|h| h.to_string()).collect();
            writeln!(out, "{}", line(&w, &header))?;
            self.widths = Some(w);
        }
        let w = self.widths.clone().unwrap_or_default();
        for row in &rows {
            writeln!(out, "{}", line(&w, row))?;
        }
        self.count += users.len() as u64;
        Ok(())
    }

    pub fn finish(self, out: &mut dyn Write) -> anyhow::Result<()> {
        if self.json {
            writeln!(out, "{}", if self.count == 0 { "[]" } else { "\n]" })?;
        } else {
            if self.widths.is_none() {
                table(out, &USER_HEADER, &[])?;
            }
            writeln!(out, "{} users", self.count)?;
        }
        Ok(())
    }
}

fn first(user: &User, name: &str) -> String {
    user.values(name)
        .iter()
        .map(|v| v.display())
        .collect::<Vec<_>>()
        .join(", ")
}

fn user_rows(users: &[User]) -> Vec<Vec<String>> {
    users
        .iter()
        .map(|u| {
            vec![
                u.id.clone(),
                u.display_name.clone(),
                first(u, "email"),
                first(u, "position"),
                first(u, "department"),
                first(u, "manager"),
                first(u, "contract.end_date"),
                if u.active {
                    "active".into()
                } else {
                    "suspended".into()
                },
            ]
        })
        .collect()
}

const USER_HEADER: [&str; 8] = [
    "ID",
    "NAME",
    "EMAIL",
    "POSITION",
    "DEPARTMENT",
    "MANAGER",
    "CONTRACT END",
    "STATUS",
];

pub fn user(out: &mut dyn Write, user: &User, json: bool) -> anyhow::Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(user)?)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} (id {}, {})",
        user.display_name,
        user.id,
        if user.active { "active" } else { "suspended" }
    )?;
    let rows: Vec<Vec<String>> = user
        .attributes
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                a.values
                    .iter()
                    .map(|v| v.display())
                    .collect::<Vec<_>>()
                    .join(" | "),
            ]
        })
        .collect();
    table(out, &["ATTRIBUTE", "VALUE"], &rows)?;
    Ok(())
}

fn flags(f: &Field) -> String {
    [
        (f.required, 'R'),
        (f.writable, 'W'),
        (f.multi_valued, 'M'),
        (f.unique, 'U'),
        (f.custom, 'C'),
        (f.hierarchical, 'H'),
    ]
    .iter()
    .map(|&(on, c)| if on { c } else { '-' })
    .collect()
}

pub fn fields(out: &mut dyn Write, fields: &[Field], json: bool) -> anyhow::Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(fields)?)?;
        return Ok(());
    }
    field_table(out, fields)?;
    Ok(())
}

fn field_table(out: &mut dyn Write, fields: &[Field]) -> io::Result<()> {
    let rows: Vec<Vec<String>> = fields
        .iter()
        .map(|f| {
            vec![
                f.name.clone(),
                f.field_type.as_str().into(),
                flags(f),
                f.category.clone(),
                f.label.clone(),
            ]
        })
        .collect();
    table(out, &["FIELD", "TYPE", "FLAGS", "CATEGORY", "LABEL"], &rows)?;
    writeln!(
        out,
        "{} fields (flags: R required, W writable, M multi-valued, U unique, C custom, H hierarchical)",
        fields.len()
    )
}

pub fn choices(out: &mut dyn Write, choices: &[Choice], json: bool) -> anyhow::Result<()> {
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(choices)?)?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = choices
        .iter()
        .map(|c| {
            vec![
                c.id.clone(),
                c.path.clone(),
                if c.has_children {
                    "yes".into()
                } else {
                    "no".into()
                },
                if c.selectable {
                    "yes".into()
                } else {
                    "no".into()
                },
            ]
        })
        .collect();
    table(out, &["ID", "PATH", "CHILDREN", "SELECTABLE"], &rows)?;
    Ok(())
}

/// `inspect`: what a component is and can do; `capabilities` holds the outbound hosts when a
/// configuration was given.
pub fn inspect(
    out: &mut dyn Write,
    connector: &WasmConnector,
    capabilities: &crate::capabilities::Capabilities,
    configured: bool,
    json: bool,
) -> anyhow::Result<()> {
    let d = connector.description();
    let c = connector.component();
    if json {
        let mut caps = serde_json::to_value(capabilities)?;
        if !configured {
            caps["outbound_hosts"] = serde_json::Value::Null;
        }
        let value = json!({
            "path": c.source,
            "sha256": c.hash_hex(),
            "description": d,
            "imports": c.imports,
            "capabilities": caps,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    writeln!(out, "connector   {} {}", d.name, d.version)?;
    writeln!(
        out,
        "contract    provisioning:connector@{}",
        d.contract_version
    )?;
    writeln!(out, "component   {}", c.source)?;
    writeln!(out, "sha256      {}", c.hash_hex())?;
    writeln!(
        out,
        "operations  {}",
        d.operations
            .iter()
            .map(|o| o.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(
        out,
        "paging      {}, default page {}, max page {}",
        d.paging, d.default_page_size, d.max_page_size
    )?;
    writeln!(out, "\nconfiguration keys:")?;
    let rows: Vec<Vec<String>> = d
        .config
        .iter()
        .map(|k| {
            let mut notes = Vec::new();
            if k.required {
                notes.push("required".to_string());
            }
            if k.secret {
                notes.push("secret".to_string());
            }
            if let Some(def) = &k.default_value {
                notes.push(format!("default {def}"));
            }
            if !k.allowed_values.is_empty() {
                notes.push(format!("one of {}", k.allowed_values.join("|")));
            }
            vec![
                k.name.clone(),
                k.key_type.to_string(),
                notes.join(", "),
                k.description.clone(),
            ]
        })
        .collect();
    table(out, &["KEY", "TYPE", "NOTES", "DESCRIPTION"], &rows)?;
    writeln!(out, "\nimports:")?;
    for import in &c.imports {
        writeln!(out, "  {import}")?;
    }
    let list = |set: &std::collections::BTreeSet<String>| {
        if set.is_empty() {
            "none".to_string()
        } else {
            set.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    writeln!(
        out,
        "\ncapabilities (a swap that grows them needs `serve --approve`):"
    )?;
    writeln!(out, "  secret keys     {}", list(&capabilities.secret_keys))?;
    if configured {
        writeln!(
            out,
            "  outbound hosts  {}",
            list(&capabilities.outbound_hosts)
        )?;
    } else {
        writeln!(
            out,
            "  outbound hosts  declared per configuration (give --config to see the tenant's)"
        )?;
    }
    Ok(())
}

pub fn import(
    out: &mut dyn Write,
    ctx: &Context,
    users: &[User],
    pages: usize,
    elapsed: Duration,
    fields: &[Field],
    json: bool,
) -> anyhow::Result<()> {
    let d = ctx.connector.description();
    if json {
        let value = json!({ "connector": { "name": d.name, "version": d.version, "contract": d.contract_version }, "users": users, "fields": fields });
        writeln!(out, "{}", serde_json::to_string_pretty(&value)?)?;
        return Ok(());
    }
    let active = users.iter().filter(|u| u.active).count();
    writeln!(
        out,
        "connector {} {} (contract {}) on {}",
        d.name,
        d.version,
        d.contract_version,
        ctx.tenant_label()
    )?;
    writeln!(
        out,
        "imported {} employees ({} active, {} suspended) in {pages} page{}, {} ms\n",
        users.len(),
        active,
        users.len() - active,
        if pages == 1 { "" } else { "s" },
        elapsed.as_millis()
    )?;
    table(out, &USER_HEADER, &user_rows(users))?;
    writeln!(out, "\nfield catalogue:")?;
    field_table(out, fields)?;
    Ok(())
}
