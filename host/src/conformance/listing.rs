//! The read cases over the listing: termination and uniqueness, page size, token resume,
//! declared attributes, list/get agreement, unknown ids; and the fault cases (429, 5xx,
//! malformed answers) staged through the tenant's fault injector.

use std::collections::{HashMap, HashSet};

use super::context::Ctx;
use super::report::Outcome;
use super::verdict::{fail, host_err, kind};
use crate::connector::Session;
use crate::error::{ConnectorError, ErrorKind, HostError};
use crate::model::{Field, User};
use crate::paging::{DEFAULT_CEILING, ListingGuard, Pages, PagingError};

/// The whole listing, read once per run.
pub(super) async fn listing(ctx: &mut Ctx<'_>) -> Result<Vec<User>, Outcome> {
    if let Some(l) = &ctx.listing {
        return Ok(l.clone());
    }
    let page_size = ctx.options.page_size;
    let max_pages = ctx.options.max_pages;
    let session = ctx.session().await.map_err(|e| host_err("open", &e))?;
    let users = read_listing(session.as_mut(), page_size, max_pages).await?;
    ctx.listing = Some(users.clone());
    Ok(users)
}

/// Every user of a listing, through the host's listing guard (a listing that loops, stalls
/// or passes `max_pages` fails the case).
async fn read_listing(
    session: &mut dyn Session,
    page_size: u32,
    max_pages: usize,
) -> Result<Vec<User>, Outcome> {
    let guard =
        ListingGuard::new(DEFAULT_CEILING, "the default ceiling").with_max_pages(max_pages as u64);
    let mut pages = Pages::new(session, page_size, guard);
    let mut users = Vec::new();
    loop {
        match pages.next().await {
            Ok(Some(page)) => users.extend(page.users),
            Ok(None) => return Ok(users),
            Err(PagingError::Connector(e)) => return Err(host_err("list-users", &e)),
            Err(PagingError::Listing(e)) => return Err(fail(e.to_string())),
        }
    }
}

pub(super) async fn terminates_unique(ctx: &mut Ctx<'_>) -> Outcome {
    let users = match listing(ctx).await {
        Ok(u) => u,
        Err(o) => return o,
    };
    let mut count: HashMap<&str, usize> = HashMap::new();
    for u in &users {
        *count.entry(u.id.as_str()).or_default() += 1;
    }
    let repeated: Vec<String> = count
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, n)| format!("{id} ({n} times)"))
        .take(5)
        .collect();
    if repeated.is_empty() {
        Outcome::Passed
    } else {
        fail(format!(
            "users listed more than once: {}",
            repeated.join(", ")
        ))
    }
}

pub(super) async fn page_size(ctx: &mut Ctx<'_>) -> Outcome {
    let max = ctx.target.connector.description().max_page_size;
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    for asked in [1u32, 3, max.saturating_add(1000)] {
        match session.list_users(None, asked).await {
            Ok(page) if page.users.len() as u64 > u64::from(asked.min(max)) => {
                return fail(format!(
                    "asked for {asked} users per page (max {max}), got {}",
                    page.users.len()
                ));
            }
            Ok(_) => {}
            Err(e) => return host_err("list-users", &e),
        }
    }
    Outcome::Passed
}

pub(super) async fn token_resume(ctx: &mut Ctx<'_>) -> Outcome {
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    let first = match session.list_users(None, 2).await {
        Ok(p) => p,
        Err(e) => return host_err("list-users", &e),
    };
    let Some(token) = first.next_page_token else {
        return Outcome::NotApplicable("the tenant has a single page of 2 users".into());
    };
    let second = match session.list_users(Some(&token), 2).await {
        Ok(p) => p,
        Err(e) => return host_err("list-users", &e),
    };
    let mut fresh = match ctx.open(ctx.target.config.clone()).await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    match fresh.list_users(Some(&token), 2).await {
        Ok(again)
            if again
                .users
                .iter()
                .map(|u| &u.id)
                .eq(second.users.iter().map(|u| &u.id)) =>
        {
            Outcome::Passed
        }
        Ok(_) => fail("the same token gave different users in a new session"),
        Err(e) => host_err("list-users with a token in a new session", &e),
    }
}

pub(super) async fn attributes_declared(ctx: &mut Ctx<'_>) -> Outcome {
    let fields = match ctx.fields().await {
        Ok(f) => f,
        Err(o) => return o,
    };
    let users = match listing(ctx).await {
        Ok(u) => u,
        Err(o) => return o,
    };
    let declared: HashMap<&str, &Field> = fields.iter().map(|f| (f.name.as_str(), f)).collect();
    for u in &users {
        for a in &u.attributes {
            let Some(field) = declared.get(a.name.as_str()) else {
                return fail(format!(
                    "user {} carries {}, which get-fields does not declare",
                    u.id, a.name
                ));
            };
            if !field.multi_valued && a.values.len() > 1 {
                return fail(format!(
                    "user {}: {} is single-valued but has {} values",
                    u.id,
                    a.name,
                    a.values.len()
                ));
            }
            if let Some(v) = a.values.iter().find(|v| v.field_type() != field.field_type) {
                return fail(format!(
                    "user {}: {} is declared {} but holds a {} value",
                    u.id,
                    a.name,
                    field.field_type.as_str(),
                    v.field_type().as_str()
                ));
            }
        }
    }
    Outcome::Passed
}

pub(super) async fn get_agree(ctx: &mut Ctx<'_>) -> Outcome {
    let users = match listing(ctx).await {
        Ok(u) => u,
        Err(o) => return o,
    };
    if users.is_empty() {
        return Outcome::NotApplicable("the tenant has no user".into());
    }
    let step = (users.len() / ctx.options.sample.max(1)).max(1);
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    for listed in users.iter().step_by(step) {
        match session.get_user(&listed.id).await {
            Ok(got) if &got == listed => {}
            Ok(got) => {
                let differing: Vec<&str> = listed
                    .attributes
                    .iter()
                    .filter(|a| got.values(&a.name) != a.values.as_slice())
                    .map(|a| a.name.as_str())
                    .take(5)
                    .collect();
                return fail(format!(
                    "get-user({}) differs from the listing (attributes: {})",
                    listed.id,
                    differing.join(", ")
                ));
            }
            Err(e) => return host_err(&format!("get-user({})", listed.id), &e),
        }
    }
    Outcome::Passed
}

pub(super) async fn unknown_not_found(ctx: &mut Ctx<'_>) -> Outcome {
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    match session.get_user("999999999").await {
        Err(e) if e.kind() == Some(ErrorKind::NotFound) => Outcome::Passed,
        Err(e) => fail(format!("expected not-found, got {}: {e}", kind(&e))),
        Ok(u) => fail(format!("an unknown id returned user {}", u.id)),
    }
}

pub(super) enum Fault {
    RateLimit,
    Transient,
    Malformed,
}

/// Under a tight rate limit, a fresh full listing (waiting out every `rate-limited`) ends
/// with every user exactly once, the same users as the unlimited listing.
async fn rate_limited_listing(
    ctx: &mut Ctx<'_>,
    injector: &dyn super::context::FaultInjector,
) -> Outcome {
    let before = match listing(ctx).await {
        Ok(u) => u,
        Err(o) => return o,
    };
    let page_size = 25
        .min(ctx.target.connector.description().max_page_size)
        .max(1);
    let max_pages = ctx.options.max_pages;
    // The run's session: what it learnt of the tenant (its option trees) is not the subject.
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    // 4 calls a second, pages of 25: a 250-user tenant waits a few times.
    injector.rate_limit(4, 1);
    let listed = read_listing(session.as_mut(), page_size, max_pages).await;
    injector.clear();
    let ids: Vec<String> = match listed {
        Ok(users) => users.into_iter().map(|u| u.id).collect(),
        Err(Outcome::Failed(m)) => return fail(format!("under a rate limit: {m}")),
        Err(other) => return other,
    };
    let unique: HashSet<&String> = ids.iter().collect();
    if unique.len() != ids.len() {
        return fail(format!(
            "{} users listed more than once under the rate limit",
            ids.len() - unique.len()
        ));
    }
    // The write cases may have created users since the first listing: every user of that
    // listing must be there, once.
    let missing = before.iter().filter(|u| !unique.contains(&u.id)).count();
    if missing > 0 {
        return fail(format!(
            "{missing} users of the unlimited listing are missing from the rate-limited one"
        ));
    }
    Outcome::Passed
}

pub(super) async fn fault_case(ctx: &mut Ctx<'_>, fault: Fault) -> Outcome {
    let Some(injector) = ctx.target.faults else {
        return Outcome::NotApplicable(
            "the tenant cannot stage faults (run against the demo tenant)".into(),
        );
    };
    if let Fault::RateLimit = fault {
        return rate_limited_listing(ctx, injector).await;
    }
    // Warm the session so the fault hits a data call, not the login.
    let session = match ctx.session().await {
        Ok(s) => s,
        Err(e) => return host_err("open", &e),
    };
    if let Err(e) = session.list_users(None, 1).await {
        return host_err("list-users", &e);
    }
    let expected = match fault {
        Fault::RateLimit => ErrorKind::RateLimited,
        Fault::Transient => {
            injector.fail_with(503, 1);
            ErrorKind::Unavailable
        }
        Fault::Malformed => {
            injector.malformed(1);
            ErrorKind::Protocol
        }
    };
    match session.list_users(None, 1).await {
        Ok(_) => Outcome::Passed,
        Err(HostError::Connector(ConnectorError::RateLimited { retry_after_secs }))
            if expected == ErrorKind::RateLimited =>
        {
            if retry_after_secs >= 1 {
                Outcome::Passed
            } else {
                fail("rate-limited without the server's delay")
            }
        }
        Err(e) if e.kind() == Some(expected) => Outcome::Passed,
        Err(e) => fail(format!(
            "expected a retry or {expected}, got {}: {e}",
            kind(&e)
        )),
    }
}
