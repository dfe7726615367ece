//! The write operations of the contract: `create-user`, `update-user`, `suspend-user`,
//! `resume-user`. Each validates everything it can before its single write request (see
//! `validate`; unknown users, managers and positions are looked up first), sends that write
//! once (never retried, see `retry`), and returns the user re-read through `get-user`.
//!
//! - create: creation form (`GET /form-instances/1`, `GET /forms/{form_id}`, once per session)
//!   → validation → choices and references resolved → one GraphQL lookup by every unique value
//!   given (email, username, badge…): a hit is `already-exists` and nothing is posted →
//!   `POST /psos`. A 5xx / transport failure / unreadable answer on that POST is checked by a
//!   second lookup: the user is returned if it now exists, else `unavailable`.
//! - update: validation → current answers (`GET /psos/{id}/form-instances/2`, `not-found` for
//!   an unknown user) → one `POST /psos/{id}/form-instances/2` with create/update/delete items
//!   (none sent when nothing changes).
//! - suspend / resume: `get-user` (`not-found` first) → `POST /psos/{id}/status` unless the
//!   user already has that state.

use std::collections::HashMap;

use crate::api::FieldDto;
use crate::api::write::{self, AnswerFieldDto, CREATION_FORM_INSTANCE, PROFILE_FORM_INSTANCE};
use crate::choices::ChoiceTree;
use crate::encode;
use crate::error;
use crate::fields::Kind;
use crate::http::{HttpResponse, Transport, short};
use crate::model::{Attribute, AttributeChange, Error, LogLevel, User, Value};
use crate::retry;
use crate::session::Session;
use crate::validate::{self, FormRules, Planned};

/// A user id as the REST id it is; `not-found` naming it otherwise.
pub fn user_id(id: &str) -> Result<u64, Error> {
    let not_found = || Error::NotFound(format!("no user with id `{}`", short(id)));
    if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_found());
    }
    id.parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(not_found)
}

/// Form fields → rules (top-level aliases present; read-only and required aliases).
pub fn rules_from_form(fields: &[FieldDto]) -> FormRules {
    let mut rules = FormRules::default();
    for f in fields {
        rules.present.insert(f.alias.clone());
        if f.read_only {
            rules.read_only.insert(f.alias.clone());
        } else if f.required {
            rules.required.push(f.alias.clone());
        }
        for i in f.items.iter().filter(|i| i.read_only) {
            rules.read_only.insert(i.alias.clone());
        }
    }
    rules
}

/// Read-only aliases of an answers read.
fn rules_from_answers(fields: &[AnswerFieldDto]) -> FormRules {
    let mut rules = FormRules::default();
    for f in fields {
        rules.present.insert(f.alias.clone());
        for a in std::iter::once(f).chain(f.items.iter()) {
            if a.read_only {
                rules.read_only.insert(a.alias.clone());
            }
        }
    }
    rules
}

impl<T: Transport> Session<T> {
    fn write_error(&self, what: &str, resp: &HttpResponse) -> Error {
        let cat = self.cat().ok();
        error::from_write_response(
            what,
            resp,
            |k| cat.and_then(|c| c.name_for_key(k)),
            |k| {
                cat.and_then(|c| c.find_alias(k))
                    .is_some_and(|f| f.field.unique)
            },
        )
    }

    fn creation_rules(&mut self) -> Result<FormRules, Error> {
        if let Some(r) = &self.creation_form {
            return Ok(r.clone());
        }
        let api = self.cfg.endpoints.api.clone();
        let resp = self.call(
            write::form_instance(&api, CREATION_FORM_INSTANCE),
            "GET /form-instances/{id}",
        )?;
        let form_id = write::parse_form_instance(&resp)?;
        let resp = self.call(write::form(&api, &form_id), "GET /forms/{id}")?;
        let rules = rules_from_form(&write::parse_form(&resp)?);
        self.creation_form = Some(rules.clone());
        Ok(rules)
    }

    /// Gives every planned option field its whole option tree (listed through REST once per
    /// session when `/fields` did not carry it all), so that encoding resolves ids, values,
    /// aliases, labels and label paths alike and refuses branches locally.
    pub(crate) fn prepare_choices(&mut self, plans: &mut [Planned]) -> Result<(), Error> {
        for p in plans.iter_mut().filter(|p| p.field.kind == Kind::Options) {
            let tree = self.complete_options(&p.field)?.clone();
            p.field.options = tree;
        }
        Ok(())
    }

    fn user_exists(&mut self, n: u64) -> Result<bool, Error> {
        let conn = self.fetch_users(1, Some(&crate::api::graphql::cursor_for_id(n - 1)))?;
        Ok(conn
            .edges
            .first()
            .is_some_and(|e| crate::api::graphql::id_from_cursor(&e.cursor) == Some(n)))
    }

    /// Loads positions when a position is written, and checks that every referenced user
    /// exists (`invalid-input` naming the attribute and the id otherwise).
    fn check_targets(&mut self, plans: &[Planned]) -> Result<(), Error> {
        if plans.iter().any(|p| p.field.kind == Kind::Position) {
            self.load_positions()?;
        }
        let mut known: HashMap<String, bool> = HashMap::new();
        for p in plans.iter().filter(|p| p.field.kind == Kind::UserRelation) {
            for v in &p.values {
                let Value::Reference(id) = v else { continue };
                let exists = match known.get(id) {
                    Some(e) => *e,
                    None => {
                        let e = match user_id(id) {
                            Ok(n) => self.user_exists(n)?,
                            Err(_) => false,
                        };
                        known.insert(id.clone(), e);
                        e
                    }
                };
                if !exists {
                    return Err(Error::invalid_input(
                        &p.name,
                        format!("no user with id `{}`", short(id)),
                    ));
                }
            }
        }
        Ok(())
    }

    /// `(name, alias, wire value)` of every unique top-level value of a create.
    fn unique_values(&self, plans: &[Planned]) -> Result<Vec<(String, String, String)>, Error> {
        let empty = ChoiceTree::default();
        let positions = self.positions.as_ref().unwrap_or(&empty);
        let mut out = Vec::new();
        for p in plans
            .iter()
            .filter(|p| p.field.field.unique && p.parent.is_none())
        {
            if let Some(v) = p.values.first() {
                out.push((
                    p.name.clone(),
                    p.alias().to_string(),
                    encode::wire_value(p, positions, v)?,
                ));
            }
        }
        Ok(out)
    }

    /// The first `(name, user id)` holding one of these values.
    fn lookup(
        &mut self,
        uniques: &[(String, String, String)],
    ) -> Result<Option<(String, u64)>, Error> {
        if uniques.is_empty() {
            return Ok(None);
        }
        // The GraphQL filter matches exactly, while uniqueness upstream may ignore case
        // (`Jane@Corp.fr` vs `jane@corp.fr`): a value with capitals is also looked up in
        // lower case, in the same request.
        let mut probes: Vec<(&str, String, String)> = Vec::new();
        for (name, alias, value) in uniques {
            probes.push((name, alias.clone(), value.clone()));
            let lower = value.to_lowercase();
            if lower != *value {
                probes.push((name, alias.clone(), lower));
            }
        }
        let filters: Vec<(String, String)> = probes
            .iter()
            .map(|(_, a, v)| (a.clone(), v.clone()))
            .collect();
        let req = write::lookup_request(&self.cfg.endpoints.graphql, &filters);
        let resp = self.call(req, "GraphQL getPsoRecords(filter)")?;
        let found = write::parse_lookup(&resp, filters.len())?;
        Ok(probes
            .iter()
            .zip(found)
            .find_map(|((name, _, _), id)| id.map(|id| (name.to_string(), id))))
    }

    pub fn create_user(&mut self, attributes: &[Attribute]) -> Result<User, Error> {
        self.load_catalogue()?;
        let rules = self.creation_rules()?;
        let mut plans = validate::check_create(self.cat()?, &rules, attributes)?;
        self.prepare_choices(&mut plans)?;
        self.check_targets(&plans)?;
        let empty = ChoiceTree::default();
        let items = encode::create_items(&plans, self.positions.as_ref().unwrap_or(&empty))?;
        let uniques = self.unique_values(&plans)?;
        if let Some((name, id)) = self.lookup(&uniques)? {
            return Err(Error::AlreadyExists(crate::model::InvalidAttribute {
                name,
                reason: format!("already taken by user {id}"),
            }));
        }
        let req = write::create(&self.cfg.endpoints.api, &items);
        // Never replayed blindly: after a 401 the token is renewed and the user looked up
        // again first (a gateway may answer 401 after the create went through).
        let mut answer = self.send_no_replay(req.clone());
        if matches!(&answer, Ok(r) if r.status == 401) {
            self.t.log(
                LogLevel::Info,
                "POST /psos answered 401; renewing the token and checking the user is still absent",
            );
            self.renew_token()?;
            if let Some((_, id)) = self.lookup(&uniques)? {
                return self.reread_created(id, attributes);
            }
            answer = self.send_no_replay(req);
        }
        let lost = match answer {
            Ok(r) if r.is_success() => match write::parse_created(&r) {
                Ok(id) => return self.reread_created(id, attributes),
                Err(e) => e,
            },
            Ok(r) if r.status >= 500 => self.write_error("POST /psos", &r),
            Ok(r) => return Err(self.write_error("POST /psos", &r)),
            Err(e) if retry::is_transient(&e) => e,
            Err(e) => return Err(e),
        };
        // The create may have been applied (lost response): look the user up before failing.
        self.t.log(
            LogLevel::Warn,
            &format!("POST /psos failed ({lost}); checking whether the user was created"),
        );
        match self.lookup(&uniques) {
            Ok(Some((_, id))) => {
                self.t
                    .log(LogLevel::Info, &format!("the user was created (id {id})"));
                self.reread_created(id, attributes)
            }
            Ok(None) => Err(match lost {
                Error::Protocol(m) => Error::Protocol(m),
                other => Error::Unavailable(format!(
                    "the create was not confirmed and the user was not found afterwards: {other}"
                )),
            }),
            Err(check) => Err(Error::Unavailable(format!(
                "the create was not confirmed ({lost}) and checking whether it was applied failed \
                 ({check}); the user may exist: a retry looks it up before creating"
            ))),
        }
    }

    /// The user a create made, read back; if that read fails, the create still succeeded, so
    /// the answer is the user as given, with its new id (a later get shows the rest).
    fn reread_created(&mut self, id: u64, given: &[Attribute]) -> Result<User, Error> {
        match self.reread(id) {
            Ok(user) => Ok(user),
            Err(e) => {
                self.t.log(
                    LogLevel::Warn,
                    &format!(
                        "user {id} was created but could not be read back ({}); answering with \
                         the attributes given",
                        e.message()
                    ),
                );
                let text = |name: &str| {
                    given
                        .iter()
                        .find(|a| a.name == name)
                        .and_then(|a| a.values.first())
                        .and_then(|v| match v {
                            Value::Text(t) => Some(t.clone()),
                            _ => None,
                        })
                        .unwrap_or_default()
                };
                let display_name = format!("{} {}", text("first_name"), text("last_name"))
                    .trim()
                    .to_string();
                Ok(User {
                    id: id.to_string(),
                    display_name,
                    active: true,
                    attributes: given.to_vec(),
                })
            }
        }
    }

    fn reread(&mut self, id: u64) -> Result<User, Error> {
        self.get_user(&id.to_string()).map_err(|e| match e {
            Error::NotFound(_) => {
                Error::Protocol(format!("user {id} not readable after the write"))
            }
            other => other,
        })
    }

    pub fn update_user(&mut self, id: &str, changes: &[AttributeChange]) -> Result<User, Error> {
        let n = user_id(id)?;
        self.load_catalogue()?;
        let mut plans = validate::check_update(self.cat()?, changes)?;
        let api = self.cfg.endpoints.api.clone();
        let resp = self
            .call(
                write::answers(&api, n, PROFILE_FORM_INSTANCE),
                "GET /psos/{id}/form-instances/2",
            )
            .map_err(|e| match e {
                Error::NotFound(_) => Error::NotFound(format!("no user with id `{n}`")),
                other => other,
            })?;
        let answers = write::parse_answers(&resp)?;
        validate::check_form_read_only(&plans, &rules_from_answers(&answers))?;
        self.prepare_choices(&mut plans)?;
        self.check_targets(&plans)?;
        let empty = ChoiceTree::default();
        let items =
            encode::update_items(&plans, self.positions.as_ref().unwrap_or(&empty), &answers)?;
        if !items.is_empty() {
            let resp =
                self.send_once(write::post_answers(&api, n, PROFILE_FORM_INSTANCE, &items))?;
            if !resp.is_success() {
                return Err(self.write_error("POST /psos/{id}/form-instances/2", &resp));
            }
        }
        self.reread(n)
    }

    fn set_active(&mut self, id: &str, active: bool) -> Result<User, Error> {
        let n = user_id(id)?;
        let user = self.get_user(id)?;
        if user.active == active {
            return Ok(user);
        }
        let resp = self.send_once(write::status(&self.cfg.endpoints.api, n, active))?;
        if !resp.is_success() {
            return Err(self.write_error("POST /psos/{id}/status", &resp));
        }
        self.reread(n)
    }

    pub fn suspend_user(&mut self, id: &str) -> Result<User, Error> {
        self.set_active(id, false)
    }

    pub fn resume_user(&mut self, id: &str) -> Result<User, Error> {
        self.set_active(id, true)
    }
}
