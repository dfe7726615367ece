//! Keycloak password grant and token lifecycle: refresh when less than 60 s remain, on a 401
//! renew once (refresh, else log in again) and retry once; the client ids of the configuration
//! tried in order, the next only when the SSO refuses the previous one. No secret (password,
//! access or refresh token) ever reaches an error, a log line or a `Debug` output.

use std::fmt;

use crate::api;
use crate::config::Config;
use crate::error;
use crate::http::{HttpRequest, HttpResponse, Transport};
use crate::model::{Error, LogLevel};

/// Renew when fewer seconds than this remain (or half the lifetime, for very short tokens).
pub const REFRESH_MARGIN: u64 = 60;

struct Token {
    access: String,
    expires_at: u64,
    margin: u64,
    refresh: Option<String>,
    refresh_expires_at: Option<u64>,
}

/// Token state of one session.
pub struct Auth {
    token: Option<Token>,
    /// The client id that worked; `None` until a login succeeded.
    client_id: Option<String>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("has_token", &self.token.is_some())
            .field("client_id", &self.client_id)
            .finish()
    }
}

fn is_client_refusal(resp: &HttpResponse) -> bool {
    matches!(
        error::keycloak_error(resp).as_deref(),
        Some("invalid_client" | "unauthorized_client")
    )
}

impl Auth {
    pub fn new(cfg: &Config) -> Self {
        Auth {
            token: None,
            client_id: cfg.client_id.clone(),
        }
    }

    /// The client id in use (the configured or first candidate before any login).
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// A valid access token: the cached one, or a refreshed one, or a fresh login.
    pub fn bearer<T: Transport>(&mut self, t: &T, cfg: &Config) -> Result<String, Error> {
        let now = t.now_unix();
        if let Some(tok) = &self.token
            && tok.expires_at > now.saturating_add(tok.margin)
        {
            return Ok(tok.access.clone());
        }
        self.renew(t, cfg)
    }

    /// Drops the access token and gets another: refresh if a refresh token is usable, else (or if
    /// the refresh is refused) log in again with the password.
    pub fn renew<T: Transport>(&mut self, t: &T, cfg: &Config) -> Result<String, Error> {
        let now = t.now_unix();
        let refresh =
            self.token
                .take()
                .and_then(|tok| match (tok.refresh, tok.refresh_expires_at) {
                    (Some(r), Some(exp)) if exp > now => Some(r),
                    (Some(r), None) => Some(r),
                    _ => None,
                });
        if let Some((refresh, client_id)) = refresh.zip(self.client_id.clone()) {
            let resp = t.send(api::refresh_grant(&cfg.endpoints.sso, &client_id, &refresh))?;
            if resp.is_success() {
                self.store(t, &resp)?;
                t.log(LogLevel::Debug, "token refreshed");
                return self.current();
            }
            let err = error::from_token_response(&resp);
            match err {
                Error::Unavailable(_) | Error::RateLimited(_) => return Err(err),
                _ => t.log(LogLevel::Info, "token refresh refused; logging in again"),
            }
        }
        self.login(t, cfg)
    }

    fn login<T: Transport>(&mut self, t: &T, cfg: &Config) -> Result<String, Error> {
        let sso = &cfg.endpoints.sso;
        // The client id that worked before first, then the configured candidates in order.
        let mut candidates: Vec<String> = self.client_id.iter().cloned().collect();
        for c in cfg.client_ids() {
            if !candidates.iter().any(|x| x == c) {
                candidates.push(c.to_string());
            }
        }
        let mut last = None;
        for (i, client_id) in candidates.iter().enumerate() {
            if i > 0 {
                t.log(
                    LogLevel::Warn,
                    &format!(
                        "client id `{}` refused by the SSO; trying `{client_id}`",
                        candidates[i - 1]
                    ),
                );
            }
            let resp = t.send(api::password_grant(
                sso,
                client_id,
                &cfg.login,
                &cfg.password,
            ))?;
            if resp.is_success() {
                self.store(t, &resp)?;
                self.client_id = Some(client_id.clone());
                t.log(LogLevel::Debug, "logged in");
                return self.current();
            }
            let refused = is_client_refusal(&resp);
            last = Some(resp);
            if !refused {
                break;
            }
        }
        Err(match last {
            Some(resp) => error::from_token_response(&resp),
            None => Error::invalid_config(crate::config::KEY_CLIENT_ID, "no client id to try"),
        })
    }

    fn store<T: Transport>(&mut self, t: &T, resp: &HttpResponse) -> Result<(), Error> {
        let dto = api::parse_token(resp)?;
        let now = t.now_unix();
        let lifetime = dto.expires_in.unwrap_or(api::DEFAULT_EXPIRES_IN);
        self.token = Some(Token {
            access: dto.access_token,
            expires_at: now.saturating_add(lifetime),
            margin: REFRESH_MARGIN.min(lifetime / 2),
            refresh: dto.refresh_token.filter(|r| !r.is_empty()),
            refresh_expires_at: dto
                .refresh_expires_in
                .filter(|s| *s > 0)
                .map(|s| now.saturating_add(s)),
        });
        Ok(())
    }

    fn current(&self) -> Result<String, Error> {
        self.token
            .as_ref()
            .map(|t| t.access.clone())
            .ok_or_else(|| Error::Other("no token after login".into()))
    }

    /// Sends `req` with a bearer token; on a 401 (or a GraphQL "Unauthenticated" answered
    /// 200), renews the token once and retries once.
    /// Returns the final response whatever its status.
    pub fn send_authorized<T: Transport>(
        &mut self,
        t: &T,
        cfg: &Config,
        req: HttpRequest,
    ) -> Result<HttpResponse, Error> {
        let token = self.bearer(t, cfg)?;
        let resp = t.send(req.clone().with_bearer(&token))?;
        self.retry_unauthorized(t, cfg, req, resp)
    }

    /// Sends `req` with a bearer token without waiting for the answer; see
    /// [`Self::collect_authorized`].
    pub fn send_authorized_ahead<T: Transport>(
        &mut self,
        t: &T,
        cfg: &Config,
        req: HttpRequest,
    ) -> Result<T::Ahead, Error> {
        let token = self.bearer(t, cfg)?;
        Ok(t.send_ahead(req.with_bearer(&token))?)
    }

    /// The answer of `req` sent ahead, with the same renewal as [`Self::send_authorized`].
    pub fn collect_authorized<T: Transport>(
        &mut self,
        t: &T,
        cfg: &Config,
        req: HttpRequest,
        ahead: T::Ahead,
    ) -> Result<HttpResponse, Error> {
        let resp = t.collect(ahead)?;
        self.retry_unauthorized(t, cfg, req, resp)
    }

    /// `resp` to `req`, or, when it says the token was refused, the answer to `req` sent again
    /// with a renewed one.
    fn retry_unauthorized<T: Transport>(
        &mut self,
        t: &T,
        cfg: &Config,
        req: HttpRequest,
        resp: HttpResponse,
    ) -> Result<HttpResponse, Error> {
        if resp.status != 401 && !api::graphql::graphql_unauthenticated(&resp) {
            return Ok(resp);
        }
        t.log(
            LogLevel::Info,
            "API answered 401; renewing the token and retrying once",
        );
        let token = self.renew(t, cfg)?;
        Ok(t.send(req.with_bearer(&token))?)
    }
}
