//! `connector-host users …`: read, create, change, suspend and resume users in the tenant,
//! and the page-by-page read that `import` shares.

use std::io::Write;
use std::path::PathBuf;

use clap::Subcommand;

use super::args::Global;
use super::context::Context;
use super::failure::Failure;
use super::failure::usage;
use super::render;
use crate::attrs;
use crate::paging::{ListingGuard, Pages};

#[derive(Debug, Subcommand)]
pub(super) enum UsersCommand {
    /// List users, page by page (printed as they arrive).
    List {
        /// Page size asked of the connector (0 = its default).
        #[arg(long, default_value_t = 0)]
        page_size: u32,
        /// Stop after this many users.
        #[arg(long)]
        limit: Option<usize>,
        /// Fail past this many users (a connector whose listing never ends).
        #[arg(long, default_value_t = crate::paging::DEFAULT_CEILING)]
        max_users: u64,
    },
    /// Show one user.
    Get {
        /// The user's id.
        id: String,
    },
    /// Create a user from `name=value` pairs (or a JSON file) and print it as stored.
    Create {
        /// Attributes: `first_name=Jane`, `department=Ventes/France/Paris` (label path) or
        /// `department=#504` (choice id), `manager=12` (user id); repeat a name for several values.
        attributes: Vec<String>,
        /// A JSON object of attributes (`{"first_name": "Jane", "skills": ["a", "b"]}`).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Change some attributes of a user (`name=` clears one) and print it as stored.
    Update {
        /// The user's id.
        id: String,
        /// Changes, as for `create`; `name=` clears the attribute.
        attributes: Vec<String>,
        /// A JSON object of changes (`null` clears).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Suspend a user's account.
    Suspend {
        /// The user's id.
        id: String,
    },
    /// Reactivate a suspended account.
    Resume {
        /// The user's id.
        id: String,
    },
}

/// `connector-host users …`.
pub(super) async fn run(
    global: &Global,
    command: UsersCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        UsersCommand::List {
            page_size,
            limit,
            max_users,
        } => {
            let mut ctx = Context::with_session(global, err).await?;
            let mut stream = render::UserStream::new(global.json);
            let guard = ListingGuard::new(max_users, "--max-users");
            let mut pages = Pages::new(ctx.session(), page_size, guard);
            let mut left = limit.unwrap_or(usize::MAX);
            while left > 0
                && let Some(mut page) = pages.next().await?
            {
                page.users.truncate(left);
                left -= page.users.len();
                stream.page(out, &page.users)?;
            }
            stream.finish(out)?;
        }
        UsersCommand::Get { id } => {
            let mut ctx = Context::with_session(global, err).await?;
            let user = ctx.session().get_user(&id).await?;
            render::user(out, &user, global.json)?;
        }
        UsersCommand::Create { attributes, file } => {
            let raw = raw_attributes(&attributes, file.as_deref())?;
            let mut ctx = Context::with_session(global, err).await?;
            let fields = ctx.session().get_fields().await?;
            let attributes = attrs::attributes(&raw, &fields).map_err(usage)?;
            let user = ctx.session().create_user(attributes).await?;
            render::user(out, &user, global.json)?;
        }
        UsersCommand::Update {
            id,
            attributes,
            file,
        } => {
            let raw = raw_attributes(&attributes, file.as_deref())?;
            let mut ctx = Context::with_session(global, err).await?;
            let fields = ctx.session().get_fields().await?;
            let changes = attrs::changes(&raw, &fields).map_err(usage)?;
            let user = ctx.session().update_user(&id, changes).await?;
            render::user(out, &user, global.json)?;
        }
        UsersCommand::Suspend { id } => {
            let mut ctx = Context::with_session(global, err).await?;
            let user = ctx.session().suspend_user(&id).await?;
            render::user(out, &user, global.json)?;
        }
        UsersCommand::Resume { id } => {
            let mut ctx = Context::with_session(global, err).await?;
            let user = ctx.session().resume_user(&id).await?;
            render::user(out, &user, global.json)?;
        }
    }
    Ok(())
}

/// Attributes from pairs and/or a JSON file (pairs win on the same name).
fn raw_attributes(pairs: &[String], file: Option<&std::path::Path>) -> Result<attrs::Raw, Failure> {
    let mut raw = match file {
        Some(path) => attrs::from_json_file(path).map_err(usage)?,
        None => attrs::Raw::new(),
    };
    for (name, values) in attrs::from_pairs(pairs).map_err(usage)? {
        raw.retain(|(n, _)| *n != name);
        raw.push((name, values));
    }
    if raw.is_empty() {
        return Err(usage(anyhow::anyhow!(
            "no attributes given (name=value pairs or --file)"
        )));
    }
    Ok(raw)
}

/// Reads every page (or up to `limit` users); returns the users and the number of pages.
pub(super) async fn read_all(
    ctx: &mut Context,
    page_size: u32,
    limit: Option<usize>,
) -> Result<(Vec<crate::model::User>, usize), Failure> {
    let mut users = Vec::new();
    let guard = ListingGuard::new(crate::paging::DEFAULT_CEILING, "the default ceiling");
    let mut pages = Pages::new(ctx.session(), page_size, guard);
    while let Some(page) = pages.next().await? {
        users.extend(page.users);
        if let Some(limit) = limit
            && users.len() >= limit
        {
            users.truncate(limit);
            break;
        }
    }
    Ok((users, pages.pages() as usize))
}
