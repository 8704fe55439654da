//! auditmap inventory: the asset model, the snapshot file format, the example
//! estates, and (later stages) the topology graph and its analyses.
pub mod analysis;
pub mod demo;
pub mod facts;
pub mod generate;
pub mod model;
pub mod redact;
pub mod snapshot;
pub mod summary;
pub mod topology;

pub use snapshot::{Snapshot, SnapshotError};
