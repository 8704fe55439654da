//! auditmap live discovery: reads an AWS estate read-only into a `Snapshot`.
//!
//! Every AWS SDK type stays inside this crate; callers get model types only.
//! The operations it may send are listed once, in [`ops::OPERATIONS`].
mod accounts;
mod chain;
mod complete;
mod errors;
mod kinds;
mod limits;
pub mod ops;
mod options;
mod progress;
mod recorder;
mod region;
mod run;
mod sdk;
mod transform;

#[cfg(test)]
mod mock_tests;
#[cfg(test)]
mod order_tests;

use std::collections::BTreeMap;
use std::time::Duration;

pub use options::{DiscoverOptions, RetryMode, RoleTarget, DEFAULT_CONCURRENCY, DEFAULT_REGION_CONCURRENCY};
pub use recorder::CallCount;
pub use run::discover;

use inventory::model::ResourceKind;
use inventory::Snapshot;

/// The result of a run: the snapshot plus what it took to get it.
#[derive(Debug, Clone)]
pub struct Discovery {
    pub snapshot: Snapshot,
    pub stats: Stats,
}

#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub accounts: usize,
    pub regions: usize,
    /// Operations sent and attempts made, per "service:Operation".
    pub calls: BTreeMap<String, CallCount>,
    pub gaps: usize,
    pub wall: Duration,
}

impl Stats {
    pub fn total_calls(&self) -> u64 {
        self.calls.values().map(|c| c.calls).sum()
    }
    pub fn total_retries(&self) -> u64 {
        self.calls.values().map(|c| c.retries()).sum()
    }
}

impl Discovery {
    /// One line for stderr: accounts, regions, resources per kind, API calls, gaps, wall time.
    pub fn summary_line(&self) -> String {
        let r = &self.snapshot.resources;
        let kinds: Vec<String> =
            ResourceKind::ALL.iter().filter(|k| r.count(**k) > 0).map(|k| format!("{} {}", r.count(*k), k)).collect();
        format!(
            "discovered {} account(s), {} region(s), {} resources ({}); {} API calls ({} retries); {} coverage gap(s); {:.1}s",
            self.stats.accounts,
            self.stats.regions,
            r.total(),
            if kinds.is_empty() { "none".to_string() } else { kinds.join(", ") },
            self.stats.total_calls(),
            self.stats.total_retries(),
            self.stats.gaps,
            self.stats.wall.as_secs_f64()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("no AWS region configured: pass --region, set AWS_REGION, or set a region in the profile")]
    NoRegion,
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Nothing could be read: no credentials, endpoint down, every account refused.
    #[error("{0}")]
    NothingRead(String),
    #[error("invalid option: {0}")]
    BadOption(String),
}

/// `discover` on a fresh multi-threaded runtime, for synchronous callers.
pub fn discover_blocking(opts: DiscoverOptions) -> Result<Discovery, DiscoverError> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(DiscoverError::Runtime)?;
    rt.block_on(discover(opts))
}
