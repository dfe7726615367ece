//! A field's options through `GET /fields/{id}/options`, once per session and field. Generic
//! over the transport.
//!
//! `/fields` may carry a field's options whole (flat, with `parent_id`), its roots only, or
//! none. When that is not enough (a record holds a value none of them names, or `list-choices`
//! / a write needs a tree in which an option says it has children that are not there), the
//! field is listed: first one unpaged call without `parent` (`no-pagination=1`; pages are
//! followed if the tenant pages anyway); if that answer is the whole flat list, that is all;
//! otherwise each option that says it has children (`has_children`, or `is_selectable: false`
//! when it says nothing) and has none in the answer is listed with `parent=`, level by level.
//! The tree replaces the field's `/fields` options for the rest of the session.

use std::collections::{HashSet, VecDeque};

use serde_json::Value as Json;

use crate::api::{self, OptionDto};
use crate::choices::ChoiceTree;
use crate::fields::{CatalogField, Kind};
use crate::http::Transport;
use crate::mapping;
use crate::model::{Error, LogLevel};
use crate::session::Session;

/// Most pages followed for one listing.
const MAX_PAGES: usize = 500;
/// Most `parent=` listings of one field (a tree with more branches is cut, with a warning).
const MAX_LEVEL_CALLS: usize = 2000;

fn claims_children(o: &OptionDto) -> bool {
    o.has_children == Some(true) || (o.has_children.is_none() && o.is_selectable == Some(false))
}

/// The raw items a record holds for field `cf` (a sub-field of `top` when they differ).
fn raw_items<'a>(record: &'a Json, top: &CatalogField, cf: &CatalogField) -> Vec<&'a Json> {
    let Some(v) = record.get(&top.alias) else {
        return Vec::new();
    };
    let values: Vec<&Json> = if top.alias == cf.alias {
        vec![v]
    } else {
        mapping::items(v)
            .into_iter()
            .filter_map(|row| row.get(&cf.alias))
            .collect()
    };
    values.into_iter().flat_map(mapping::items).collect()
}

impl<T: Transport> Session<T> {
    /// The options of a field: those listed through REST this session, else those of `/fields`.
    pub(crate) fn options_of<'a>(&'a self, cf: &'a CatalogField) -> &'a ChoiceTree {
        self.listed.get(&cf.id).unwrap_or(&cf.options)
    }

    /// The whole option tree of a field, listing it when `/fields` did not give it all.
    pub(crate) fn complete_options<'a>(
        &'a mut self,
        cf: &'a CatalogField,
    ) -> Result<&'a ChoiceTree, Error> {
        if !cf.options.is_complete() {
            self.list_options(cf)?;
        }
        Ok(self.options_of(cf))
    }

    /// Lists the options of every option field that some of these records hold a value of
    /// that its current options do not name (each field at most once per session).
    pub(crate) fn list_options_for(&mut self, records: &[&Json]) -> Result<(), Error> {
        let mut wanted: Vec<CatalogField> = Vec::new();
        for top in &self.cat()?.top {
            for cf in std::iter::once(top).chain(top.subs.iter()) {
                if !matches!(cf.kind, Kind::Options | Kind::Active)
                    || cf.id.is_empty()
                    || self.listed.contains_key(&cf.id)
                {
                    continue;
                }
                let tree = &cf.options;
                let unnamed = records.iter().any(|r| {
                    raw_items(r, top, cf)
                        .into_iter()
                        .any(|v| !mapping::resolves(cf, tree, v))
                });
                if unnamed {
                    wanted.push(cf.clone());
                }
            }
        }
        for cf in &wanted {
            self.list_options(cf)?;
        }
        Ok(())
    }

    /// Lists a field's options through REST, once per session.
    pub(crate) fn list_options(&mut self, cf: &CatalogField) -> Result<(), Error> {
        if cf.id.is_empty() || self.listed.contains_key(&cf.id) {
            return Ok(());
        }
        let (dtos, calls) = self.walk_options(&cf.id)?;
        let mut tree = ChoiceTree::from_options(&dtos);
        if tree.is_empty() && !cf.options.is_empty() {
            tree = cf.options.clone();
        }
        self.t.log(
            LogLevel::Debug,
            &format!(
                "options of `{}` listed: {} in {calls} calls",
                cf.field.name,
                tree.len()
            ),
        );
        self.listed.insert(cf.id.clone(), tree);
        // The walk is done: its levels are in the tree.
        self.levels.retain(|(field, _), _| *field != cf.id);
        Ok(())
    }

    /// Every option of field `id` and the number of calls it took.
    fn walk_options(&mut self, id: &str) -> Result<(Vec<OptionDto>, usize), Error> {
        let (mut dtos, mut calls) = self.options_listing(id, None)?;
        let mut seen: HashSet<String> = dtos.iter().map(|o| o.id.clone()).collect();
        let has_kids =
            |dtos: &[OptionDto], id: &str| dtos.iter().any(|o| o.parent_id.as_deref() == Some(id));
        let mut queue: VecDeque<String> = dtos
            .iter()
            .filter(|o| claims_children(o) && !has_kids(&dtos, &o.id))
            .map(|o| o.id.clone())
            .collect();
        let mut levels = 0;
        while let Some(parent) = queue.pop_front() {
            if levels >= MAX_LEVEL_CALLS {
                self.t.log(
                    LogLevel::Warn,
                    &format!("options of field {id}: more than {MAX_LEVEL_CALLS} branches; the rest is not listed"),
                );
                break;
            }
            levels += 1;
            let (kids, n) = self.options_listing(id, Some(&parent))?;
            calls += n;
            for mut k in kids {
                if k.id.is_empty() || k.id == parent || !seen.insert(k.id.clone()) {
                    continue;
                }
                if k.parent_id.is_none() {
                    k.parent_id = Some(parent.clone());
                }
                if claims_children(&k) {
                    queue.push_back(k.id.clone());
                }
                dtos.push(k);
            }
        }
        Ok((dtos, calls))
    }

    /// One listing (all its pages) and the number of calls it took.
    fn options_listing(
        &mut self,
        id: &str,
        parent: Option<&str>,
    ) -> Result<(Vec<OptionDto>, usize), Error> {
        let key = (id.to_string(), parent.map(str::to_string));
        if let Some(done) = self.levels.get(&key) {
            return Ok((done.clone(), 0));
        }
        let mut out = Vec::new();
        let mut page = None;
        let mut calls = 0;
        while calls < MAX_PAGES {
            let req = api::field_options(&self.cfg.endpoints.api, id, parent, page);
            let resp = self.call(req, "GET /fields/{id}/options")?;
            calls += 1;
            let answer = api::parse_options_page(&resp)?;
            let empty = answer.options.is_empty();
            out.extend(answer.options);
            match answer.next {
                Some(next) if !empty => page = Some(next),
                _ => break,
            }
        }
        self.levels.insert(key, out.clone());
        Ok((out, calls))
    }

    /// Logs, once per field, an option value that names no option (kept raw).
    pub(crate) fn warn_unresolved(&self, unresolved: Vec<(String, String)>) {
        for (name, raw) in unresolved {
            if self.warned.borrow_mut().insert(name.clone()) {
                self.t.log(
                    LogLevel::Warn,
                    &format!(
                        "`{name}`: the value `{}` names none of the field's options; kept as is \
                         (other such values of `{name}` are not logged)",
                        crate::http::short(&raw)
                    ),
                );
            }
        }
    }
}
