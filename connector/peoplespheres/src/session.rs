//! The domain session: one tenant's credentials, token and caches (field catalogue,
//! positions, option trees), and the read operations of the contract. Generic over the
//! transport.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use crate::api;
use crate::api::graphql::{ConnectionDto, RecordsAnswer};
use crate::auth::Auth;
use crate::choices::ChoiceTree;
use crate::config::{CareerSource, Config};
use crate::error;
use crate::fields::{Catalogue, Kind};
use crate::http::{HttpRequest, HttpResponse, Transport};
use crate::mapping;
use crate::model::{Choice, Error, Field, LogLevel, User, UserPage};
use crate::paging;
use crate::retry;
use crate::validate::FormRules;

/// Most extra `pos` pages fetched (1000 positions each) before giving up on the rest.
const MAX_POSITION_PAGES: usize = 100;

pub struct Session<T: Transport> {
    pub(crate) t: T,
    pub(crate) cfg: Config,
    auth: Auth,
    catalogue: Option<Catalogue>,
    pub(crate) positions: Option<ChoiceTree>,
    /// Option trees listed through REST (see `options`), by field id.
    pub(crate) listed: HashMap<String, ChoiceTree>,
    /// Option levels already listed of a walk not finished yet, by (field id, parent): a walk
    /// cut by a rate limit resumes where it stopped when the call is made again.
    pub(crate) levels: HashMap<(String, Option<String>), Vec<crate::api::OptionDto>>,
    /// Fields whose unmatched option values were logged already.
    pub(crate) warned: RefCell<HashSet<String>>,
    /// The largest GraphQL `first` the tenant accepts (learnt from its refusals).
    max_first: u32,
    /// What the creation form says (read once per session).
    pub(crate) creation_form: Option<FormRules>,
    /// The next page of a listing, asked for before the current one was converted: the
    /// request (as built, before authorization) and its answer on the way.
    ahead: Option<(HttpRequest, T::Ahead)>,
}

impl<T: Transport> std::fmt::Debug for Session<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("config", &self.cfg)
            .field("auth", &self.auth)
            .finish()
    }
}

fn protocol(msg: &str) -> Error {
    Error::Protocol(msg.to_string())
}

impl<T: Transport> Session<T> {
    /// Validates the configuration; makes no outbound call.
    pub fn open(t: T, pairs: &[(String, String)]) -> Result<Self, Error> {
        let cfg = Config::parse(pairs)?;
        let auth = Auth::new(&cfg);
        Ok(Session {
            t,
            cfg,
            auth,
            catalogue: None,
            positions: None,
            listed: HashMap::new(),
            levels: HashMap::new(),
            warned: RefCell::new(HashSet::new()),
            max_first: api::graphql::MAX_FIRST,
            creation_form: None,
            ahead: None,
        })
    }

    pub fn transport(&self) -> &T {
        &self.t
    }

    /// An authorized idempotent read (GET or GraphQL query) whose non-2xx answers become
    /// contract errors; retried on 5xx, transport failures and truncated bodies (see `retry`).
    pub(crate) fn call(&mut self, req: HttpRequest, what: &str) -> Result<HttpResponse, Error> {
        self.call_accepting(req, what, &[])
    }

    /// [`Self::call`], except that an answer with one of the `accepted` statuses is returned
    /// as is (the caller gives it a meaning, e.g. a 404 that means "no history").
    pub(crate) fn call_accepting(
        &mut self,
        req: HttpRequest,
        what: &str,
        accepted: &[u16],
    ) -> Result<HttpResponse, Error> {
        self.call_with(req, what, accepted, None)
    }

    /// [`Self::call_accepting`] whose first attempt may be a request already sent ahead.
    fn call_with(
        &mut self,
        req: HttpRequest,
        what: &str,
        accepted: &[u16],
        mut ahead: Option<T::Ahead>,
    ) -> Result<HttpResponse, Error> {
        let mut attempt = 0;
        loop {
            let result = match ahead.take() {
                Some(sent) => self
                    .auth
                    .collect_authorized(&self.t, &self.cfg, req.clone(), sent),
                None => self.auth.send_authorized(&self.t, &self.cfg, req.clone()),
            };
            let (failure, retryable) = match result {
                Ok(resp) if retry::is_truncated(&resp) => (
                    Error::Protocol(format!("{what}: truncated or malformed answer")),
                    true,
                ),
                Ok(resp) if resp.is_success() || accepted.contains(&resp.status) => {
                    return Ok(resp);
                }
                Ok(resp) => {
                    let e = error::from_response(what, &resp);
                    let r = retry::is_transient(&e);
                    (e, r)
                }
                Err(e) => {
                    let r = retry::is_transient(&e);
                    (e, r)
                }
            };
            match retry::backoff(attempt).filter(|_| retryable) {
                Some(ms) => {
                    self.t.log(
                        LogLevel::Info,
                        &format!("{what} failed ({failure}); retrying in {ms} ms"),
                    );
                    self.t.sleep_ms(ms);
                    attempt += 1;
                }
                None => return Err(failure),
            }
        }
    }

    /// An authorized call sent once (a write whose replay is harmless: it sets state), renewed
    /// and sent again only after a 401: the raw answer, whatever its status.
    pub(crate) fn send_once(&mut self, req: HttpRequest) -> Result<HttpResponse, Error> {
        self.auth.send_authorized(&self.t, &self.cfg, req)
    }

    /// An authorized call sent exactly once, 401 included (a write that must never be replayed
    /// blindly, such as a creation): the raw answer, whatever its status.
    pub(crate) fn send_no_replay(&mut self, req: HttpRequest) -> Result<HttpResponse, Error> {
        let token = self.auth.bearer(&self.t, &self.cfg)?;
        Ok(self.t.send(req.with_bearer(&token))?)
    }

    /// Renews the access token (after a 401 the caller decided to handle itself).
    pub(crate) fn renew_token(&mut self) -> Result<(), Error> {
        self.auth.renew(&self.t, &self.cfg).map(drop)
    }

    pub fn test_connection(&mut self) -> Result<(), Error> {
        let resp = self.call(api::probe(&self.cfg.endpoints.api), "GET /search")?;
        resp.json("GET /search")?;
        Ok(())
    }

    pub(crate) fn load_catalogue(&mut self) -> Result<(), Error> {
        if self.catalogue.is_none() {
            let resp = self.call(api::fields(&self.cfg.endpoints.api), "GET /fields")?;
            let mut cat = Catalogue::from_dtos(&api::parse_fields(&resp)?);
            if self.cfg.career_history == CareerSource::History {
                crate::history::use_history_fields(&mut cat);
            }
            self.t.log(
                LogLevel::Debug,
                &format!("field catalogue loaded: {} fields", cat.top.len()),
            );
            self.catalogue = Some(cat);
        }
        Ok(())
    }

    pub(crate) fn cat(&self) -> Result<&Catalogue, Error> {
        self.catalogue
            .as_ref()
            .ok_or_else(|| Error::Other("field catalogue not loaded".into()))
    }

    pub fn get_fields(&mut self) -> Result<Vec<Field>, Error> {
        self.load_catalogue()?;
        Ok(self.cat()?.fields())
    }

    /// Reads `pos` records from `first` on (fetching further pages if any) and caches them.
    fn absorb_positions(&mut self, first: ConnectionDto) -> Result<(), Error> {
        let mut nodes = mapping::position_nodes(&first.edges);
        let mut conn = first;
        let mut pages = 0;
        while conn.page_info.has_next_page && pages < MAX_POSITION_PAGES {
            let Some(after) = conn
                .page_info
                .end_cursor
                .clone()
                .or_else(|| conn.edges.last().map(|e| e.cursor.clone()))
            else {
                break;
            };
            if conn.edges.is_empty() {
                break;
            }
            let graphql = self.cfg.endpoints.graphql.clone();
            conn = self
                .records_call("GraphQL getPsoRecords(pos)", self.max_first, |n| {
                    api::graphql::positions_request(&graphql, n, Some(&after))
                })?
                .positions
                .ok_or_else(|| protocol("GraphQL: no `positions` in the answer"))?;
            nodes.extend(mapping::position_nodes(&conn.edges));
            pages += 1;
        }
        for (i, n) in nodes.iter_mut().enumerate() {
            n.order = i as i64;
        }
        let tree = ChoiceTree::new(nodes);
        self.t.log(
            LogLevel::Debug,
            &format!("positions loaded: {}", tree.len()),
        );
        self.positions = Some(tree);
        Ok(())
    }

    pub(crate) fn load_positions(&mut self) -> Result<(), Error> {
        if self.positions.is_none() {
            let graphql = self.cfg.endpoints.graphql.clone();
            let conn = self
                .records_call("GraphQL getPsoRecords(pos)", self.max_first, |n| {
                    api::graphql::positions_request(&graphql, n, None)
                })?
                .positions
                .ok_or_else(|| protocol("GraphQL: no `positions` in the answer"))?;
            self.absorb_positions(conn)?;
        }
        Ok(())
    }

    /// One GraphQL call for `first` users after `after`; the first call of a session also
    /// brings the positions.
    pub(crate) fn fetch_users(
        &mut self,
        first: u32,
        after: Option<&str>,
    ) -> Result<ConnectionDto, Error> {
        self.load_catalogue()?;
        let cat = self.cat()?;
        // History mode names positions even when no field of the catalogue links to them.
        let with_positions = self.positions.is_none()
            && (cat.uses_positions() || self.cfg.career_history == CareerSource::History);
        let (graphql, aliases) = (self.cfg.endpoints.graphql.clone(), cat.aliases());
        let asked = if with_positions {
            self.max_first
        } else {
            first.min(self.max_first)
        };
        let answer = self.records_call("GraphQL getPsoRecords(usr)", asked, |cap| {
            api::graphql::users_request(
                &graphql,
                &aliases,
                first.min(cap),
                after,
                with_positions.then_some(cap),
            )
        })?;
        if with_positions {
            let pos = answer
                .positions
                .ok_or_else(|| protocol("GraphQL: no `positions` in the answer"))?;
            self.absorb_positions(pos)?;
        }
        answer
            .users
            .ok_or_else(|| protocol("GraphQL: no `getPsoRecords` in the answer"))
    }

    /// A GraphQL records call whose request `build(cap)` asks for at most `cap` records per
    /// connection; a refusal of `first` (the tenant caps it lower) is retried with the bound
    /// it names (or the fallback), which the session keeps.
    fn records_call(
        &mut self,
        what: &str,
        asked: u32,
        build: impl Fn(u32) -> HttpRequest,
    ) -> Result<RecordsAnswer, Error> {
        let mut asked = asked;
        // The first attempt's answer may be on its way already (see `list_users`); a request
        // sent ahead for anything else is dropped, which cancels it.
        let first = build(asked);
        let mut ahead = match self.ahead.take() {
            Some((sent, answer)) if sent == first => Some(answer),
            _ => None,
        };
        loop {
            let resp = self.call_with(build(asked), what, &[], ahead.take())?;
            match api::graphql::parse_records(&resp) {
                Err(Error::Protocol(msg)) => match api::graphql::smaller_first(&msg, asked) {
                    Some(n) => {
                        self.t.log(
                            LogLevel::Info,
                            &format!("{what}: `first: {asked}` refused ({msg}); asking {n}"),
                        );
                        self.max_first = n;
                        asked = n;
                    }
                    None => return Err(Error::Protocol(msg)),
                },
                other => return other,
            }
        }
    }

    fn to_user(&self, cursor: &str, values: &serde_json::Value) -> Result<User, Error> {
        let id = api::graphql::id_from_cursor(cursor)
            .ok_or_else(|| protocol("GraphQL: a record cursor is not base64 of an id"))?;
        let empty = ChoiceTree::default();
        let cat = self.cat()?;
        let lookup = mapping::Lookup::new(self.positions.as_ref().unwrap_or(&empty), &self.listed);
        let mut user = mapping::user(cat, &lookup, id, values);
        mapping::add_computed_seniority(cat, &mut user.attributes, self.t.now_unix());
        self.warn_unresolved(lookup.unresolved.into_inner());
        Ok(user)
    }

    pub fn list_users(
        &mut self,
        page_token: Option<&str>,
        page_size: u32,
    ) -> Result<UserPage, Error> {
        let size = paging::clamp_page_size(page_size);
        let after = page_token.map(paging::decode).transpose()?;
        let conn = self.fetch_users(size, after.as_deref())?;
        let next_cursor = if conn.page_info.has_next_page && !conn.edges.is_empty() {
            conn.page_info
                .end_cursor
                .clone()
                .filter(|c| api::graphql::id_from_cursor(c).is_some())
                .or_else(|| conn.edges.last().map(|e| e.cursor.clone()))
        } else {
            None
        };
        if let Some(cursor) = &next_cursor {
            self.send_next_page_ahead(size, cursor);
        }
        let records: Vec<&serde_json::Value> = conn
            .edges
            .iter()
            .map(|e| &e.node.field_alias_and_value)
            .collect();
        self.list_options_for(&records)?;
        let users = conn
            .edges
            .iter()
            .map(|e| self.to_user(&e.cursor, &e.node.field_alias_and_value))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .map(|u| self.with_career(u))
            .collect::<Result<Vec<_>, _>>()?;
        let next_page_token = next_cursor.map(|c| paging::encode(&c));
        self.t.log(
            LogLevel::Debug,
            &format!("page fetched: {} users", users.len()),
        );
        Ok(UserPage {
            users,
            next_page_token,
            total: conn.total_count,
        })
    }

    /// Sends the request for the page after `cursor` now, so the tenant prepares it while this
    /// page is converted and stored; the next `list_users` collects it if it asks for exactly
    /// that. One request ahead at most; a failure to send it is left to that next call.
    fn send_next_page_ahead(&mut self, size: u32, cursor: &str) {
        let req = self.users_request(size.min(self.max_first), Some(cursor), None);
        self.ahead = self
            .auth
            .send_authorized_ahead(&self.t, &self.cfg, req.clone())
            .ok()
            .map(|sent| (req, sent));
    }

    /// The GraphQL request for `first` users after `after` (optionally with positions).
    fn users_request(
        &self,
        first: u32,
        after: Option<&str>,
        positions: Option<u32>,
    ) -> HttpRequest {
        let aliases = self
            .catalogue
            .as_ref()
            .map(Catalogue::aliases)
            .unwrap_or_default();
        api::graphql::users_request(
            &self.cfg.endpoints.graphql,
            &aliases,
            first,
            after,
            positions,
        )
    }

    pub fn get_user(&mut self, id: &str) -> Result<User, Error> {
        let not_found = || Error::NotFound(format!("no user with id `{}`", crate::http::short(id)));
        if id.is_empty() || id.len() > 19 || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(not_found());
        }
        let n: u64 = id.parse().map_err(|_| not_found())?;
        if n == 0 {
            return Err(not_found());
        }
        let conn = self.fetch_users(1, Some(&api::graphql::cursor_for_id(n - 1)))?;
        match conn.edges.first() {
            Some(e) if api::graphql::id_from_cursor(&e.cursor) == Some(n) => {
                self.list_options_for(&[&e.node.field_alias_and_value])?;
                let user = self.to_user(&e.cursor, &e.node.field_alias_and_value)?;
                self.with_career(user)
            }
            _ => Err(not_found()),
        }
    }

    pub fn list_choices(
        &mut self,
        field: &str,
        parent: Option<&str>,
    ) -> Result<Vec<Choice>, Error> {
        self.load_catalogue()?;
        let cf = self
            .cat()?
            .find(field)
            .cloned()
            .ok_or_else(|| Error::invalid_input(field, "unknown field"))?;
        let unknown_parent = || Error::invalid_input("parent", "unknown choice id");
        match cf.kind {
            Kind::Position => {
                self.load_positions()?;
                let tree = self
                    .positions
                    .as_ref()
                    .ok_or_else(|| Error::Other("positions not loaded".into()))?;
                tree.children(parent).ok_or_else(unknown_parent)
            }
            Kind::Options => self
                .complete_options(&cf)?
                .children(parent)
                .ok_or_else(unknown_parent),
            _ => Err(Error::invalid_input(field, "not a list field")),
        }
    }
}
