//! The guard every page-by-page read goes through. A connector (buggy or hostile) must not
//! make the host read forever: a listing ends with a typed error when a page token comes back,
//! when a page token is longer than [`MAX_TOKEN_BYTES`], when a page is empty yet promises
//! another, when a page brings no user the listing has not already returned, or when the
//! listing passes a ceiling (`--max-users`, or ten times the last complete listing). Memory
//! stays bounded by the ceiling: the guard keeps one 8-byte keyed hash per page token and per
//! user id, never the tokens or ids themselves.
//!
//! [`Pages`] is the one page-by-page loop over a [`Session`]: the CLI, the sync engine and the
//! conformance suite all read listings through it, so every listing has the same guard.

use std::collections::HashSet;
use std::hash::BuildHasher;

use crate::connector::Session;
use crate::error::HostError;
use crate::model::UserPage;

/// Why a listing was stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ListingError {
    #[error("the connector returned page token {0:?} a second time: the listing loops")]
    TokenAgain(String),
    #[error(
        "the connector returned an empty page that promises another: the listing would not end"
    )]
    EmptyPage,
    #[error(
        "the connector returned a page of users it had all returned already: the listing would not end"
    )]
    RepeatedPage,
    #[error(
        "the connector returned a page token of {0} bytes (at most {MAX_TOKEN_BYTES}): the listing was stopped"
    )]
    TokenTooLong(usize),
    #[error(
        "the listing passed {ceiling} users ({why}) and was stopped; if the tenant is really that large, raise --max-users"
    )]
    Ceiling { ceiling: u64, why: String },
    #[error("the listing did not end within {0} pages")]
    TooManyPages(u64),
}

/// The users a listing may reach when nothing else is known (no complete listing yet, no
/// `--max-users`): above any tenant PeopleSpheres serves (and the 100,000 of the sync bench),
/// far below what a never-ending connector reaches before an operator notices.
pub const DEFAULT_CEILING: u64 = 250_000;

/// The longest page token a listing accepts (a cursor, an offset or a signed state is far
/// shorter); a longer one stops the listing instead of being kept.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// One listing's guard.
#[derive(Debug)]
pub struct ListingGuard {
    /// Keyed hashes of the page tokens returned so far.
    tokens: HashSet<u64>,
    /// Keyed hashes of the user ids returned so far (at most the ceiling of them).
    ids: HashSet<u64>,
    /// The key of both (random per listing, so a connector cannot aim at a collision).
    hasher: std::collections::hash_map::RandomState,
    users: u64,
    pages: u64,
    ceiling: u64,
    max_pages: Option<u64>,
    why: String,
}

impl ListingGuard {
    /// A guard stopping past `ceiling` users (`why` says where the number comes from).
    pub fn new(ceiling: u64, why: impl Into<String>) -> ListingGuard {
        ListingGuard {
            tokens: HashSet::new(),
            ids: HashSet::new(),
            hasher: std::collections::hash_map::RandomState::new(),
            users: 0,
            pages: 0,
            ceiling,
            max_pages: None,
            why: why.into(),
        }
    }

    /// Also stops a listing that has not ended after `max_pages` pages.
    pub fn with_max_pages(mut self, max_pages: u64) -> ListingGuard {
        self.max_pages = Some(max_pages);
        self
    }

    /// The ceiling of a listing whose last complete run saw `known` people: ten times that,
    /// at least `floor`; or `explicit` when the operator set one.
    pub fn for_known(known: u64, explicit: Option<u64>, floor: u64) -> ListingGuard {
        match explicit {
            Some(max) => ListingGuard::new(max, "--max-users"),
            None if known > 0 => ListingGuard::new(
                known.saturating_mul(10).max(floor),
                format!("ten times the {known} of the last complete listing"),
            ),
            None => ListingGuard::new(DEFAULT_CEILING, "the default ceiling"),
        }
    }

    /// Checks a page; `Ok(Some(token))` to go on, `Ok(None)` at the end.
    pub fn next(&mut self, page: &UserPage) -> Result<Option<String>, ListingError> {
        self.users += page.users.len() as u64;
        self.pages += 1;
        if self.users > self.ceiling {
            return Err(ListingError::Ceiling {
                ceiling: self.ceiling,
                why: self.why.clone(),
            });
        }
        let Some(next) = page.next_page_token.clone() else {
            return Ok(None);
        };
        if page.users.is_empty() {
            return Err(ListingError::EmptyPage);
        }
        if next.len() > MAX_TOKEN_BYTES {
            return Err(ListingError::TokenTooLong(next.len()));
        }
        let mut fresh = false;
        for user in &page.users {
            fresh |= self.ids.insert(self.hasher.hash_one(&user.id));
        }
        if !fresh {
            return Err(ListingError::RepeatedPage);
        }
        if !self.tokens.insert(self.hasher.hash_one(&next)) {
            return Err(ListingError::TokenAgain(next));
        }
        if let Some(max) = self.max_pages
            && self.pages >= max
        {
            return Err(ListingError::TooManyPages(max));
        }
        Ok(Some(next))
    }

    /// Users seen so far.
    pub fn users(&self) -> u64 {
        self.users
    }
}

/// Why reading a listing stopped early.
#[derive(Debug, thiserror::Error)]
pub enum PagingError {
    /// The connector (or the host around it) failed on a page.
    #[error(transparent)]
    Connector(#[from] HostError),
    /// The guard stopped a listing that would not end.
    #[error(transparent)]
    Listing(#[from] ListingError),
}

/// A listing read page by page through its guard.
pub struct Pages<'s> {
    session: &'s mut dyn Session,
    page_size: u32,
    guard: ListingGuard,
    token: Option<String>,
    done: bool,
}

impl<'s> Pages<'s> {
    /// Reads `session`'s users in pages of `page_size` (0: the connector's default).
    pub fn new(session: &'s mut dyn Session, page_size: u32, guard: ListingGuard) -> Pages<'s> {
        Pages {
            session,
            page_size,
            guard,
            token: None,
            done: false,
        }
    }

    /// The next page, checked by the guard before it is returned; `None` after the last.
    pub async fn next(&mut self) -> Result<Option<UserPage>, PagingError> {
        if self.done {
            return Ok(None);
        }
        let page = self
            .session
            .list_users(self.token.as_deref(), self.page_size)
            .await?;
        match self.guard.next(&page)? {
            Some(token) => self.token = Some(token),
            None => self.done = true,
        }
        Ok(Some(page))
    }

    /// Pages read so far.
    pub fn pages(&self) -> u64 {
        self.guard.pages
    }

    /// Users read so far.
    pub fn users(&self) -> u64 {
        self.guard.users
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::User;

    fn page(ids: &[u32], next: Option<&str>) -> UserPage {
        UserPage {
            users: ids
                .iter()
                .map(|i| User {
                    id: i.to_string(),
                    display_name: String::new(),
                    active: true,
                    attributes: Vec::new(),
                })
                .collect(),
            next_page_token: next.map(str::to_string),
            total: None,
        }
    }

    #[test]
    fn an_endless_connector_is_stopped_whichever_trick_it_plays() {
        let mut g = ListingGuard::new(100, "test");
        assert_eq!(g.next(&page(&[1, 2], Some("a"))), Ok(Some("a".into())));
        assert_eq!(g.next(&page(&[3, 4], Some("b"))), Ok(Some("b".into())));
        assert_eq!(
            g.next(&page(&[5], Some("a"))),
            Err(ListingError::TokenAgain("a".into()))
        );
        let mut g = ListingGuard::new(100, "test");
        assert_eq!(g.next(&page(&[], Some("x"))), Err(ListingError::EmptyPage));
        let mut g = ListingGuard::new(100, "test");
        g.next(&page(&[1, 2], Some("p1"))).expect("first");
        assert_eq!(
            g.next(&page(&[1, 2], Some("p2"))),
            Err(ListingError::RepeatedPage)
        );
        // Fresh tokens and fresh ids forever: the ceiling.
        let mut g = ListingGuard::for_known(0, Some(10), 0);
        let mut outcome = Ok(None);
        for i in 0..100u32 {
            outcome = g.next(&page(
                &[i * 3, i * 3 + 1, i * 3 + 2],
                Some(&format!("t{i}")),
            ));
            if outcome.is_err() {
                break;
            }
        }
        assert!(
            matches!(outcome, Err(ListingError::Ceiling { ceiling: 10, .. })),
            "{outcome:?}"
        );
        assert!(g.next(&page(&[], None)).is_err());
    }

    #[test]
    fn pages_that_only_bring_back_users_already_listed_are_stopped() {
        // A, B, A, B… with a fresh token every time: the third page brings nobody new.
        let mut g = ListingGuard::new(1_000, "test");
        let (a, b) = ([1, 2, 3], [4, 5, 6]);
        assert!(g.next(&page(&a, Some("t0"))).is_ok());
        assert!(g.next(&page(&b, Some("t1"))).is_ok());
        assert_eq!(
            g.next(&page(&a, Some("t2"))),
            Err(ListingError::RepeatedPage)
        );
        // A page with one new user among old ones goes on.
        let mut g = ListingGuard::new(1_000, "test");
        assert!(g.next(&page(&a, Some("t0"))).is_ok());
        assert!(g.next(&page(&[3, 7], Some("t1"))).is_ok());
    }

    #[test]
    fn a_page_token_past_the_length_cap_is_refused_and_tokens_are_kept_as_hashes() {
        let mut g = ListingGuard::new(1_000, "test");
        let long = "x".repeat(MAX_TOKEN_BYTES + 1);
        assert_eq!(
            g.next(&page(&[1], Some(&long))),
            Err(ListingError::TokenTooLong(MAX_TOKEN_BYTES + 1))
        );
        let mut g = ListingGuard::new(1_000, "test");
        let at_cap = "y".repeat(MAX_TOKEN_BYTES);
        assert!(g.next(&page(&[1], Some(&at_cap))).is_ok());
        // What the guard holds is fixed-size, whatever the tokens' length.
        let kept = std::mem::size_of_val(&g.tokens.iter().next().copied().unwrap_or_default());
        assert_eq!(kept, 8);
    }

    #[test]
    fn the_ceiling_follows_the_last_complete_listing() {
        let g = ListingGuard::for_known(5_000, None, 1_000);
        assert_eq!(g.ceiling, 50_000);
        let g = ListingGuard::for_known(20, None, 1_000);
        assert_eq!(g.ceiling, 1_000);
        let g = ListingGuard::for_known(0, None, 1_000);
        assert_eq!(g.ceiling, DEFAULT_CEILING);
    }
}
