//! Analyses over the topology: internet exposure, egress, segmentation, SG flows.
mod types;

pub use types::*;

use crate::snapshot::Snapshot;

/// Runs every analysis on a snapshot.
/// PLACEHOLDER until the topology work lands: returns no findings.
pub fn analyze(_snapshot: &Snapshot) -> Analysis {
    Analysis::default()
}
