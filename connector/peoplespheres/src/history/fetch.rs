//! Career history read through the session (configuration `career_history = history`): the
//! two field-history calls per user that `list-users` and `get-user` make, their changes
//! replayed into career rows by the rules of the parent module, and the position and
//! department labels resolved from the session's caches.
//!
//! Errors: a 404 (`Field not found`: the tenant lacks the field; `Pso not found`) is no history
//! for that field; other answers map as every read (retried on 5xx); a body of another shape
//! is `protocol`.

use super::{attributes, timeline};
use crate::api::history::{self, Change};
use crate::config::CareerSource;
use crate::http::Transport;
use crate::model::{Attribute, Error, LogLevel, User};
use crate::session::Session;

impl<T: Transport> Session<T> {
    /// The changes of one field of one user, oldest first; a 404 is no history.
    fn field_changes(&mut self, id: u64, alias: &str) -> Result<Vec<Change>, Error> {
        let req = history::request(&self.cfg.endpoints.api, id, alias);
        let resp = self.call_accepting(req, history::WHAT, &[404])?;
        if resp.status == 404 {
            let msg = history::not_found_message(&resp);
            self.t.log(
                LogLevel::Debug,
                &format!("no history of `{alias}` for user {id} ({msg})"),
            );
            return Ok(Vec::new());
        }
        history::parse(&resp)
    }

    /// The career attributes of user `id` from its position and department history.
    pub(crate) fn career_attributes(&mut self, id: u64) -> Result<Vec<Attribute>, Error> {
        let position = self.field_changes(id, history::POSITION_FIELD)?;
        let department = self.field_changes(id, history::DEPARTMENT_FIELD)?;
        let rows = timeline(&position, &department);
        let positions = self.positions.as_ref();
        let departments = self
            .cat()?
            .by_alias(history::DEPARTMENT_FIELD)
            .map(|f| self.options_of(f));
        Ok(attributes(
            &rows,
            |raw| {
                positions
                    .and_then(|t| t.label_for_value(raw))
                    .unwrap_or(raw)
                    .to_string()
            },
            |raw| {
                departments
                    .and_then(|t| t.resolve(&serde_json::Value::String(raw.to_string())))
                    .map(|n| n.label.as_str())
                    .unwrap_or(raw)
                    .to_string()
            },
        ))
    }

    /// Adds the history-built career to a user read from GraphQL (history mode only).
    pub(crate) fn with_career(&mut self, mut user: User) -> Result<User, Error> {
        if self.cfg.career_history != CareerSource::History {
            return Ok(user);
        }
        let id: u64 = user
            .id
            .parse()
            .map_err(|_| Error::Other(format!("user id `{}` is not numeric", user.id)))?;
        user.attributes.extend(self.career_attributes(id)?);
        Ok(user)
    }
}
