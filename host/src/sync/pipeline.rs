//! The import's two stages, one page apart: while a writer thread maps a page and stores it (one
//! transaction), the listing already asks the connector for the next one. Memory holds two
//! pages at most: the one being stored and the one being listed; the next page waits until the
//! writer has taken the previous one's result.
//!
//! The writer owns the store for the length of the import (it comes back however the import
//! ends, a panic of the writer included), so every page is still written through the one
//! connection, in order.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::counts::Counts;
use super::detect::{self, ImportCtx};
use super::error::SyncError;
use super::mapping::Mapping;
use super::skips::Skips;
use crate::model::User;
use crate::store::audit::{self, NewEvent};
use crate::store::{EventKind, Store, StoreError};

/// Where an import's time went (for the bench; not reported to users): CPU time of the writer
/// thread, so that the listing running beside it on the other threads does not count (wall
/// time where the system does not report a thread's CPU time).
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportTimes {
    /// Mapping the listed users onto the platform's attributes.
    pub mapping: Duration,
    /// The store's transactions: reading what is stored, comparing, writing.
    pub store: Duration,
    /// Wall time of the whole import (listing and storing every page).
    pub listing: Duration,
    /// Wall time settling the run after the import (interrupted actions, people gone).
    pub settling: Duration,
    /// Wall time building the plan.
    pub planning: Duration,
}

/// What the writer needs of the run, owned.
pub(super) struct RunCtx {
    pub mapping: Mapping,
    pub run_id: i64,
    pub cutoff: String,
    pub first_sight_cutoff: String,
}

/// What the writer hands back at the end.
pub(super) struct Written {
    pub store: Store,
    pub counts: Counts,
    pub skipped: Skips,
    pub times: ImportTimes,
}

struct Job {
    users: Vec<User>,
    done: tokio::sync::oneshot::Sender<Result<(), SyncError>>,
}

/// The writer thread of one import.
pub(super) struct PageWriter {
    jobs: Option<mpsc::SyncSender<Job>>,
    thread: Option<std::thread::JoinHandle<Written>>,
    /// The result of the page being written, if one is.
    pending: Option<tokio::sync::oneshot::Receiver<Result<(), SyncError>>>,
}

impl PageWriter {
    /// Starts the writer with the store, the run and the tallies so far.
    pub fn start(ctx: RunCtx, state: Written) -> Result<PageWriter, SyncError> {
        let (jobs, inbox) = mpsc::sync_channel::<Job>(0);
        let thread = std::thread::Builder::new()
            .name("sync-writer".into())
            .spawn(move || write_pages(ctx, state, inbox))
            .map_err(|e| StoreError::Open {
                path: "(store)".into(),
                reason: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(PageWriter {
            jobs: Some(jobs),
            thread: Some(thread),
            pending: None,
        })
    }

    /// Waits for the page being written, if any.
    pub async fn settle(&mut self) -> Result<(), SyncError> {
        match self.pending.take() {
            Some(done) => done.await.unwrap_or_else(|_| Err(writer_gone())),
            None => Ok(()),
        }
    }

    /// Hands a page to the writer once the previous one is written; returns at once after.
    pub async fn write(&mut self, users: Vec<User>) -> Result<(), SyncError> {
        self.settle().await?;
        let (done, result) = tokio::sync::oneshot::channel();
        let jobs = self.jobs.as_ref().ok_or_else(writer_gone)?;
        jobs.send(Job { users, done }).map_err(|_| writer_gone())?;
        self.pending = Some(result);
        Ok(())
    }

    /// Lets the page being written finish, stops the writer and takes the store back. `None`
    /// only if the writer thread could not be joined.
    pub fn finish(mut self) -> Option<Written> {
        drop(self.jobs.take());
        self.thread.take().and_then(|t| t.join().ok())
    }
}

/// The calling thread's CPU clock (Linux: `/proc/thread-self/schedstat`), or the wall clock.
enum ThreadClock {
    Cpu(Duration),
    Wall(Instant),
}

impl ThreadClock {
    fn cpu() -> Option<Duration> {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
        Some(Duration::from_nanos(ns))
    }

    fn now() -> ThreadClock {
        match Self::cpu() {
            Some(d) => ThreadClock::Cpu(d),
            None => ThreadClock::Wall(Instant::now()),
        }
    }

    fn elapsed(&self) -> Duration {
        match self {
            ThreadClock::Cpu(start) => Self::cpu().unwrap_or(*start).saturating_sub(*start),
            ThreadClock::Wall(start) => start.elapsed(),
        }
    }
}

fn writer_gone() -> SyncError {
    SyncError::Store(StoreError::Open {
        path: "(store)".into(),
        reason: "the store's writer stopped".into(),
    })
}

fn write_pages(ctx: RunCtx, mut state: Written, inbox: mpsc::Receiver<Job>) -> Written {
    for job in inbox {
        // A panic while writing a page rolls its transaction back and ends the import; the
        // store still goes back to the caller.
        let result = std::panic::catch_unwind(AssertUnwindSafe(|| {
            write_page(&ctx, &mut state, &job.users)
        }))
        .unwrap_or_else(|_| Err(writer_gone()));
        let failed = result.is_err();
        let _ = job.done.send(result);
        if failed {
            break;
        }
    }
    state
}

/// Maps one page and stores it in one transaction.
fn write_page(ctx: &RunCtx, state: &mut Written, users: &[User]) -> Result<(), SyncError> {
    let import = ImportCtx {
        mapping: &ctx.mapping,
        run_id: ctx.run_id,
        cutoff: &ctx.cutoff,
        first_sight_cutoff: &ctx.first_sight_cutoff,
    };
    let started = ThreadClock::now();
    let mapped: Vec<_> = users.iter().map(|u| ctx.mapping.apply(u)).collect();
    state.times.mapping += started.elapsed();
    let writing = ThreadClock::now();
    let Written {
        store,
        counts,
        skipped,
        ..
    } = state;
    counts.pages += 1;
    store.transaction(|c| {
        let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
        crate::store::presence::saw_all(c, &ids)?;
        // What the store holds for the page's people, read in two queries.
        let known = detect::Known::read(c, &ids)?;
        for (user, mapped) in users.iter().zip(&mapped) {
            counts.users += 1;
            match mapped {
                Ok(mapped) => detect::import_user(c, &import, user, mapped, &known, counts)?,
                Err(e) => {
                    counts.skipped += 1;
                    let subject = format!("{} ({})", user.display_name, user.id);
                    audit::append(
                        c,
                        &NewEvent {
                            attribute: Some(&e.attribute),
                            detail: Some(e.to_string()),
                            ..NewEvent::of(Some(ctx.run_id), EventKind::Skipped, &subject)
                        },
                    )?;
                    skipped.add(&subject, e);
                }
            }
        }
        Ok(())
    })?;
    state.times.store += writing.elapsed();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::test_harness::{MAPPING, user};

    fn writer(store: Store) -> PageWriter {
        let ctx = RunCtx {
            mapping: Mapping::parse("test", MAPPING).expect("mapping"),
            run_id: 1,
            cutoff: "2026-11-25".into(),
            first_sight_cutoff: "2026-11-25".into(),
        };
        let mut store = store;
        store
            .transaction(crate::store::presence::start)
            .expect("seen table");
        let state = Written {
            store,
            counts: Counts::default(),
            skipped: Skips::default(),
            times: ImportTimes::default(),
        };
        PageWriter::start(ctx, state).expect("writer")
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime")
    }

    #[test]
    fn pages_are_stored_in_order_and_the_store_comes_back() {
        let mut w = writer(Store::in_memory().expect("store"));
        runtime()
            .block_on(async {
                w.write((1..=3).map(|i| user(i, None)).collect()).await?;
                w.write((4..=5).map(|i| user(i, None)).collect()).await?;
                w.settle().await
            })
            .expect("written");
        let written = w.finish().expect("store back");
        assert_eq!((written.counts.pages, written.counts.joiners), (2, 5));
        assert_eq!(
            crate::store::identities::count(written.store.conn()).expect("count"),
            5
        );
    }

    #[test]
    fn a_page_that_cannot_be_stored_stops_the_next_one_and_the_store_still_comes_back() {
        let store = Store::in_memory().expect("store");
        store
            .conn()
            .execute_batch("DROP TABLE accounts")
            .expect("break the store");
        let mut w = writer(store);
        let result = runtime().block_on(async {
            w.write(vec![user(1, None)]).await?;
            // The first page's failure comes back when the second is handed over.
            w.write(vec![user(2, None)]).await
        });
        let err = result.expect_err("the first page failed");
        assert!(err.to_string().contains("accounts"), "{err}");
        let written = w.finish().expect("store back");
        assert_eq!(
            crate::store::identities::count(written.store.conn()).expect("count"),
            0,
            "the failed page was rolled back"
        );
        assert_eq!(written.counts.pages, 1, "the second page was never written");
    }
}
