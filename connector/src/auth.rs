//! Keycloak password grant and token lifecycle: refresh when less than 60 s remain, on a 401
//! renew once (refresh, else log in again) and retry once, `client_id` fallback. No secret (password,
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
    /// The client id that works (the configured one until the SSO refuses it).
    client_id: String,
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

    /// The client id in use.
    pub fn client_id(&self) -> &str {
        &self.client_id
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
        if let Some(refresh) = refresh {
            let resp = t.send(api::refresh_grant(
                &cfg.endpoints.sso,
                &self.client_id,
                &refresh,
            ))?;
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
        let mut resp = t.send(api::password_grant(
            sso,
            &self.client_id,
            &cfg.login,
            &cfg.password,
        ))?;
        if !resp.is_success()
            && is_client_refusal(&resp)
            && self.client_id != api::FALLBACK_CLIENT_ID
        {
            t.log(
                LogLevel::Warn,
                &format!(
                    "client id `{}` refused by the SSO; trying `{}`",
                    self.client_id,
                    api::FALLBACK_CLIENT_ID
                ),
            );
            resp = t.send(api::password_grant(
                sso,
                api::FALLBACK_CLIENT_ID,
                &cfg.login,
                &cfg.password,
            ))?;
            if resp.is_success() {
                self.client_id = api::FALLBACK_CLIENT_ID.to_string();
            }
        }
        if !resp.is_success() {
            return Err(error::from_token_response(&resp));
        }
        self.store(t, &resp)?;
        t.log(LogLevel::Debug, "logged in");
        self.current()
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
        if resp.status != 401 && !api::graphql_unauthenticated(&resp) {
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
