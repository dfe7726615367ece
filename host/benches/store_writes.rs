//! The store alone: a simulated tenant is listed once through the real connector into memory,
//! then synced from memory (no connector, no HTTP, nothing else running) into a fresh SQLite
//! file, first as an import of joiners, then unchanged. Prints the store's time per person
//! (reading, comparing and writing, the writer thread's CPU) and the mapping's, and the store
//! file's size per person; medians of `STORE_BENCH_RUNS` runs (3).
//!
//! Run: `cargo bench -p connector-host --bench store_writes` (`STORE_BENCH_USERS`, 20,000;
//! `STORE_BENCH_PAGE_SIZE`, the connector's default when unset).

mod support;

use std::time::Duration;

use async_trait::async_trait;
use connector_host::Connector;
use connector_host::connector::Session;
use connector_host::error::{ConnectorError, HostError};
use connector_host::model::{Attribute, AttributeChange, Choice, Field, User, UserPage};
use connector_host::store::Store;
use connector_host::sync::{self, Mapping, Progress, SyncOptions};
use support::{SimProcess, median};

/// A tenant listed once, served from memory.
struct Listed {
    fields: Vec<Field>,
    pages: Vec<UserPage>,
}

fn unsupported() -> HostError {
    HostError::Connector(ConnectorError::Unsupported("the bench lists only".into()))
}

#[async_trait]
impl Session for Listed {
    async fn test_connection(&mut self) -> Result<(), HostError> {
        Ok(())
    }
    async fn get_fields(&mut self) -> Result<Vec<Field>, HostError> {
        Ok(self.fields.clone())
    }
    async fn list_choices(&mut self, _: &str, _: Option<&str>) -> Result<Vec<Choice>, HostError> {
        Err(unsupported())
    }
    async fn list_users(&mut self, token: Option<&str>, _: u32) -> Result<UserPage, HostError> {
        let i: usize = token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let mut page = self.pages.get(i).cloned().ok_or_else(unsupported)?;
        page.next_page_token = (i + 1 < self.pages.len()).then(|| (i + 1).to_string());
        Ok(page)
    }
    async fn get_user(&mut self, _: &str) -> Result<User, HostError> {
        Err(unsupported())
    }
    async fn create_user(&mut self, _: Vec<Attribute>) -> Result<User, HostError> {
        Err(unsupported())
    }
    async fn update_user(&mut self, _: &str, _: Vec<AttributeChange>) -> Result<User, HostError> {
        Err(unsupported())
    }
    async fn suspend_user(&mut self, _: &str) -> Result<User, HostError> {
        Err(unsupported())
    }
    async fn resume_user(&mut self, _: &str) -> Result<User, HostError> {
        Err(unsupported())
    }
}

fn main() -> anyhow::Result<()> {
    support::serve_if_child();
    let users: usize = support::env_number("STORE_BENCH_USERS", 20_000);
    let runs: usize = support::env_number("STORE_BENCH_RUNS", 3);
    let page_size: u32 = support::env_number("STORE_BENCH_PAGE_SIZE", 0);
    let rt = support::runtime()?;
    let mut listed = {
        let sim = SimProcess::spawn(users)?;
        let connector = support::load(&rt, None)?;
        rt.block_on(async {
            let mut session = connector.open(sim.config()).await?;
            let fields = session.get_fields().await?;
            let (mut pages, mut token) = (Vec::new(), None::<String>);
            loop {
                let page = session.list_users(token.as_deref(), page_size).await?;
                token = page.next_page_token.clone();
                pages.push(page);
                if token.is_none() {
                    return Ok::<_, anyhow::Error>(Listed { fields, pages });
                }
            }
        })?
    };
    let mapping = Mapping::default_peoplespheres()?;
    let options = SyncOptions {
        as_of: Some(sync::policy::parse_day("2026-11-25")?),
        ..SyncOptions::default()
    };
    let dir = std::env::temp_dir().join(format!("store-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (mut first, mut second, mut map_first, mut map_second, mut size) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), 0);
    let per = |d: Duration| d / users.max(1) as u32;
    for run in 0..runs {
        let file = dir.join(format!("run-{run}.sqlite"));
        let mut store = Store::open(&file)?;
        for (store_times, map_times) in
            [(&mut first, &mut map_first), (&mut second, &mut map_second)]
        {
            let report = rt.block_on(sync::run(
                &mut listed,
                &mut store,
                &mapping,
                &options,
                &Progress::hidden(),
            ))?;
            store_times.push(per(report.import_times.store));
            map_times.push(per(report.import_times.mapping));
        }
        drop(store);
        size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
    }
    let _ = std::fs::remove_dir_all(&dir);
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!("{users} people, medians of {runs} runs, per person:");
    println!(
        "  first import: store {:.1} µs, mapping {:.1} µs",
        us(median(first)),
        us(median(map_first))
    );
    println!(
        "  unchanged:    store {:.1} µs, mapping {:.1} µs",
        us(median(second)),
        us(median(map_second))
    );
    println!(
        "  store file: {} bytes per person",
        size / users.max(1) as u64
    );
    Ok(())
}
