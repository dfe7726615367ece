//! The session: configuration, lazy cached discovery, and the contract's operations over a
//! [`Transport`].

use std::collections::HashMap;
use std::rc::Rc;

use serde_json::Value as Json;

use crate::client::{Client, path_of};
use crate::discovery::{self, Capabilities, UserType};
use crate::errors;
use crate::http::{HttpResponse, Method, Transport, percent_encode};
use crate::model::{
    Attribute, AttributeChange, Choice, Error, Field, InvalidAttribute, User, UserPage,
};
use crate::naming::Spec;
use crate::paging::{self, Token};
use crate::writes::{self, Edit};
use crate::{codec, config};

/// What discovery found, fetched once per session.
#[derive(Debug)]
pub struct Discovered {
    pub caps: Capabilities,
    /// The absolute URL of the User endpoint.
    pub endpoint: String,
    pub user_type: UserType,
    pub specs: Vec<Spec>,
}

/// Versions remembered for `If-Match`, dropped past this many users.
const MAX_VERSIONS: usize = 10_000;

pub struct Session<T> {
    pub client: Client<T>,
    discovered: Option<Rc<Discovered>>,
    versions: HashMap<String, String>,
}

impl<T: Transport> Session<T> {
    /// Validates the configuration; no outbound call.
    pub fn open(transport: T, config: &[(String, String)]) -> Result<Self, Error> {
        let c = config::parse(config)?;
        Ok(Session {
            client: Client::new(transport, c.base, c.token),
            discovered: None,
            versions: HashMap::new(),
        })
    }

    fn now(&self) -> u64 {
        self.client.transport.now_unix()
    }

    /// The JSON of a 2xx answer, else the error of the answer.
    fn json_of(&self, resp: &HttpResponse, what: &str, blame: &[&Spec]) -> Result<Json, Error> {
        if !resp.is_success() {
            return Err(errors::from_response(resp, what, blame, self.now()));
        }
        resp.json(what)
    }

    /// A discovery document; `None` when the server has no such endpoint (404).
    fn optional(&self, path: &str) -> Result<Option<Json>, Error> {
        let resp = self.client.get(&self.client.url(path))?;
        if resp.status == 404 {
            return Ok(None);
        }
        self.json_of(&resp, &format!("GET {path}"), &[]).map(Some)
    }

    /// Discovery, done on first need and then cached.
    pub fn discover(&mut self) -> Result<Rc<Discovered>, Error> {
        if let Some(d) = &self.discovered {
            return Ok(d.clone());
        }
        let caps = self
            .optional("/ServiceProviderConfig")?
            .map(|spc| discovery::capabilities(&spc))
            .unwrap_or_default();
        let user_type = self
            .optional("/ResourceTypes")?
            .and_then(|rt| discovery::user_type(&discovery::list_items(&rt)))
            .unwrap_or_default();
        let resp = self.client.get(&self.client.url("/Schemas"))?;
        let schemas = discovery::list_items(&self.json_of(&resp, "GET /Schemas", &[])?);
        let specs = discovery::fields(&user_type, &schemas);
        if !specs.iter().any(|s| s.attr == "userName") {
            return Err(Error::Protocol(format!(
                "GET /Schemas: no User schema `{}` with a userName",
                user_type.schema
            )));
        }
        // The bearer token goes to the configured server only: a resource type pointing the
        // User endpoint anywhere else is not followed.
        let endpoint = self.client.url(&user_type.endpoint);
        if !endpoint.starts_with(&self.client.url("/")) {
            return Err(Error::Protocol(format!(
                "GET /ResourceTypes: the User endpoint {} is not on the configured server",
                crate::http::short(&user_type.endpoint)
            )));
        }
        let d = Rc::new(Discovered {
            caps,
            endpoint,
            user_type,
            specs,
        });
        self.discovered = Some(d.clone());
        Ok(d)
    }

    /// Remembers a user's version for `If-Match`: its `meta.version`, else the `ETag` of an
    /// answer about that one resource (`etag`; a list's ETag is the list's, not each user's).
    fn remember(&mut self, id: &str, resource: &Json, etag: Option<&str>) {
        let version = codec::get(resource, "meta")
            .and_then(|m| codec::get(m, "version"))
            .and_then(Json::as_str)
            .or(etag)
            .filter(|v| !v.is_empty());
        if let Some(v) = version {
            if self.versions.len() >= MAX_VERSIONS {
                self.versions.clear();
            }
            self.versions.insert(id.to_string(), v.to_string());
        }
    }

    fn user_of(
        &mut self,
        d: &Discovered,
        resource: &Json,
        resp: &HttpResponse,
    ) -> Result<User, Error> {
        let user = codec::to_user(&d.specs, resource)?;
        self.remember(&user.id, resource, resp.header("etag"));
        Ok(user)
    }

    pub fn test_connection(&mut self) -> Result<(), Error> {
        let d = self.discover()?;
        let url = format!("{}?{}", d.endpoint, Token::Index(1).query(1));
        let resp = self.client.get(&url)?;
        self.json_of(&resp, &format!("GET {}", path_of(&url)), &[])
            .map(|_| ())
    }

    pub fn get_fields(&mut self) -> Result<Vec<Field>, Error> {
        Ok(crate::naming::with_composites(
            self.discover()?.specs.iter().map(|s| s.field.clone()),
        ))
    }

    pub fn list_choices(
        &mut self,
        field: &str,
        _parent: Option<&str>,
    ) -> Result<Vec<Choice>, Error> {
        Err(Error::Unsupported(format!(
            "`{field}`: SCIM fields have no choice lists"
        )))
    }

    pub fn list_users(&mut self, token: Option<&str>, size: u32) -> Result<UserPage, Error> {
        let d = self.discover()?;
        let this = match token {
            Some(t) => Token::parse(t)?,
            None => Token::first(d.caps.cursor),
        };
        let count = paging::page_size(size, d.caps.max_results);
        let url = format!("{}?{}", d.endpoint, this.query(count));
        let resp = self.client.get(&url)?;
        let body = self.json_of(&resp, &format!("GET {}", path_of(&url)), &[])?;
        let items = discovery::list_items(&body);
        let mut users = Vec::with_capacity(items.len());
        for r in &items {
            let user = codec::to_user(&d.specs, r)?;
            self.remember(&user.id, r, None);
            users.push(user);
        }
        Ok(UserPage {
            next_page_token: paging::next(&this, &body, items.len()).map(|t| t.format()),
            total: paging::total(&body),
            users,
        })
    }

    fn user_url(d: &Discovered, id: &str) -> String {
        format!("{}/{}", d.endpoint, percent_encode(id))
    }

    /// The resource of one user, its version remembered.
    fn read(&mut self, d: &Discovered, id: &str) -> Result<Json, Error> {
        if id.is_empty() {
            return Err(Error::NotFound("a user id cannot be empty".into()));
        }
        let url = Self::user_url(d, id);
        let resp = self.client.get(&url)?;
        let body = self.json_of(&resp, &format!("GET {}", path_of(&url)), &[])?;
        self.remember(id, &body, resp.header("etag"));
        Ok(body)
    }

    pub fn get_user(&mut self, id: &str) -> Result<User, Error> {
        let d = self.discover()?;
        let body = self.read(&d, id)?;
        codec::to_user(&d.specs, &body)
    }

    pub fn create_user(&mut self, attributes: &[Attribute]) -> Result<User, Error> {
        let d = self.discover()?;
        let edits = writes::checked_attributes(&d.specs, attributes)?;
        let user_name = edits.iter().find_map(|e| match e {
            Edit::Field(s, Some(Json::String(v))) if s.schema.is_none() && s.attr == "userName" => {
                Some(v.clone())
            }
            _ => None,
        });
        if let Some(name) = user_name {
            let filter = writes::filter_eq("userName", &name);
            let url = format!("{}?filter={}", d.endpoint, percent_encode(&filter));
            let resp = self.client.get(&url)?;
            // A server that cannot filter (400 invalidFilter, 501) still refuses a duplicate
            // with a 409 on the POST.
            let unfiltered = matches!(resp.status, 400 | 501);
            // A hit is a user with this very userName (case-insensitively, as servers compare
            // it): a server that ignores the filter and answers everyone finds nobody here.
            let found = !unfiltered
                && discovery::list_items(&self.json_of(
                    &resp,
                    "GET /Users?filter=userName eq …",
                    &[],
                )?)
                .iter()
                .any(|u| {
                    codec::get(u, "userName")
                        .and_then(Json::as_str)
                        .is_some_and(|n| n.to_lowercase() == name.to_lowercase())
                });
            if found {
                return Err(Error::AlreadyExists(InvalidAttribute {
                    name: "userName".into(),
                    reason: "a user with this userName already exists; nothing was written".into(),
                }));
            }
        }
        let body = writes::create_body(&d.user_type.schema, &d.user_type.extensions, &edits);
        let resp = self.client.write(Method::Post, &d.endpoint, &body, None)?;
        let blame: Vec<&Spec> = edits.iter().filter_map(Edit::spec).collect();
        let created = self.json_of(&resp, &format!("POST {}", path_of(&d.endpoint)), &blame)?;
        self.user_of(&d, &created, &resp)
    }

    pub fn update_user(&mut self, id: &str, changes: &[AttributeChange]) -> Result<User, Error> {
        let d = self.discover()?;
        let edits = writes::checked_changes(&d.specs, changes)?;
        self.edit(&d, id, &edits)
    }

    pub fn suspend_user(&mut self, id: &str) -> Result<User, Error> {
        let d = self.discover()?;
        self.edit(&d, id, &[Edit::Active(false)])
    }

    pub fn resume_user(&mut self, id: &str) -> Result<User, Error> {
        let d = self.discover()?;
        self.edit(&d, id, &[Edit::Active(true)])
    }

    /// PATCH (or GET + PUT without PATCH support) with `If-Match` when the user's version is
    /// known; a 412 re-reads and retries once. The answer, or a fresh read after a 204.
    fn edit(&mut self, d: &Discovered, id: &str, edits: &[Edit]) -> Result<User, Error> {
        if id.is_empty() {
            return Err(Error::NotFound("a user id cannot be empty".into()));
        }
        let url = Self::user_url(d, id);
        let what = |m: &str| format!("{m} {}", path_of(&url));
        let blame: Vec<&Spec> = edits.iter().filter_map(Edit::spec).collect();
        for attempt in 0..2 {
            let fresh = !d.caps.patch || writes::needs_current(edits) || attempt > 0;
            let current = if fresh { Some(self.read(d, id)?) } else { None };
            let (method, body) = match &current {
                Some(cur) if !d.caps.patch => {
                    let ut = &d.user_type;
                    (
                        Method::Put,
                        writes::put_body(cur, &ut.schema, &ut.extensions, edits),
                    )
                }
                cur => {
                    let ops = writes::patch_ops(edits, cur.as_ref().unwrap_or(&Json::Null));
                    if ops.is_empty() {
                        return match current {
                            Some(cur) => codec::to_user(&d.specs, &cur),
                            None => self.get_user(id),
                        };
                    }
                    (Method::Patch, writes::patch_body(ops))
                }
            };
            let if_match = self.versions.get(id).cloned();
            let resp = self
                .client
                .write(method, &url, &body, if_match.as_deref())?;
            let verb = if method == Method::Put {
                "PUT"
            } else {
                "PATCH"
            };
            if resp.status == 412 {
                self.versions.remove(id);
                if attempt == 0 {
                    continue;
                }
                return Err(errors::from_response(
                    &resp,
                    &what(verb),
                    &blame,
                    self.now(),
                ));
            }
            if resp.is_success()
                && (resp.status == 204 || resp.body.iter().all(u8::is_ascii_whitespace))
            {
                return self.get_user(id);
            }
            let stored = self.json_of(&resp, &what(verb), &blame)?;
            return self.user_of(d, &stored, &resp);
        }
        Err(Error::Unavailable(format!(
            "{}: the user changed concurrently",
            what("PATCH")
        )))
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
