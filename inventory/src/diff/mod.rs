//! Change between two snapshots (`auditmap diff`): resources added, removed and changed
//! with field-level changes, exposures new/closed/widened/narrowed on the engine's exact
//! address and port sets, segmentation connections, and coverage. Pure functions over
//! two snapshots and their analyses; the output is plain serde data in a stable order.
mod coverage;
mod exposure;
mod fields;
mod resources;
mod segmentation;

pub use coverage::{CoverageChange, CoverageChanges};
pub use exposure::{exposure_changes, reach, ExposureChange, ExposureChanges, PortSources};
pub use fields::{nacl_entry_text, ChangeOp, FieldChange};
pub use resources::{ChangedResource, ResourceChanges, ResourceRef};
pub use segmentation::{ConnectionChange, SegmentationChanges};

use serde::{Deserialize, Serialize};

use crate::analysis::Analysis;
use crate::snapshot::{Snapshot, Timestamp};

/// One side of a diff: the snapshot, its analysis, and the SHA-256 of the file's bytes
/// as read (the chain of evidence names the exact file).
pub struct Side<'a> {
    pub snapshot: &'a Snapshot,
    pub analysis: &'a Analysis,
    pub sha256: String,
}

/// What the diff says about each snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    pub collected_at: Timestamp,
    pub generator: String,
    pub sha256: String,
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub resources: usize,
    pub findings: usize,
    pub gaps: usize,
}

impl SnapshotMeta {
    pub fn of(side: &Side<'_>) -> SnapshotMeta {
        let s = side.snapshot;
        SnapshotMeta {
            collected_at: s.collected_at,
            generator: format!("{} {}", s.generator.name, s.generator.version),
            sha256: side.sha256.clone(),
            accounts: s.scope.accounts.clone(),
            regions: s.scope.regions_discovered.clone(),
            resources: s.resources.total(),
            findings: side.analysis.exposures.len(),
            gaps: s.gaps().count(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diff {
    pub old: SnapshotMeta,
    pub new: SnapshotMeta,
    pub resources: ResourceChanges,
    pub exposures: ExposureChanges,
    pub segmentation: SegmentationChanges,
    pub coverage: CoverageChanges,
}

impl Diff {
    /// Nothing changed that the diff reports.
    pub fn is_empty(&self) -> bool {
        self.resources.is_empty()
            && self.exposures.is_empty()
            && self.segmentation.is_empty()
            && self.coverage.is_empty()
    }

    /// The internet reaches something it did not reach before: a new or widened
    /// exposure, not accepted (see `ExposureChanges::mark_acceptance`).
    pub fn has_new_exposure(&self) -> bool {
        self.exposures.unaccepted_openings() > 0
    }
}

/// OLD was collected after NEW: almost always the arguments the wrong way round.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "OLD was collected at {old}, after NEW ({new}): the arguments look swapped (auditmap diff OLD NEW); \
     use --force to compare them anyway"
)]
pub struct OutOfOrder {
    pub old: Timestamp,
    pub new: Timestamp,
}

/// Checks that OLD is not newer than NEW.
pub fn check_order(old: &Snapshot, new: &Snapshot) -> Result<(), OutOfOrder> {
    if old.collected_at > new.collected_at {
        return Err(OutOfOrder { old: old.collected_at, new: new.collected_at });
    }
    Ok(())
}

/// The analysis a diff needs: exposures and segmentation, not the internet → data-store
/// flows (a path search that would dominate the time of a diff at 100k resources).
pub fn analyze(snapshot: &Snapshot, settings: &crate::facts::Settings) -> Analysis {
    crate::analysis::analyze_topology_with(&crate::topology::Topology::build(snapshot), settings)
}

/// Everything that changed from `old` to `new`.
pub fn diff(old: &Side<'_>, new: &Side<'_>) -> Diff {
    let _span = tracing::info_span!("diff").entered();
    Diff {
        old: SnapshotMeta::of(old),
        new: SnapshotMeta::of(new),
        resources: resources::resource_changes(old.snapshot, new.snapshot),
        exposures: exposure::exposure_changes(&old.analysis.exposures, &new.analysis.exposures, new.snapshot),
        segmentation: segmentation::segmentation_changes(&old.analysis.segmentation, &new.analysis.segmentation),
        coverage: coverage::coverage_changes(old.snapshot, new.snapshot),
    }
}
