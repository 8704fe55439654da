//! auditmap inventory: the asset model, the snapshot file format, the embedded demo
//! estate, the topology graph and its analyses. Synthetic estates of any size come
//! from the `auditmap-generate` crate.
pub mod accept;
pub mod analysis;
pub mod demo;
pub mod diff;
pub mod facts;
pub mod history;
pub mod model;
pub mod redact;
pub mod snapshot;
pub mod summary;
pub mod topology;

pub use snapshot::{Snapshot, SnapshotError};
