//! manifest.json: what the package is, where it came from, how complete it is, and
//! every file with its size, SHA-256 and the controls it evidences. (It cannot list
//! its own hash; SHA256SUMS covers it.)
use std::collections::BTreeMap;

use inventory::snapshot::{CoverageRecord, CoverageStatus, Identity};
use inventory::Snapshot;
use serde::Serialize;

use super::controls::CONTROLS;
use super::inventory_table::{ScopeTag, TagKeys};
use inventory::redact::RedactionStats;

pub const FORMAT: &str = "auditmap-package/1";

#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub format: &'static str,
    pub auditmap_version: String,
    /// When the package was generated: the snapshot's collected_at unless `--now` was given.
    pub generated_at: String,
    pub collected_at: String,
    pub valid_until: String,
    pub valid_days: i64,
    /// SHA-256 of snapshot.json in this package.
    pub snapshot_sha256: String,
    /// SHA-256 of the input snapshot bytes (differs from snapshot_sha256 only when redacted).
    pub source_snapshot_sha256: String,
    /// Where the snapshot came from: "file <name>", "embedded demo estate", "live discovery".
    pub source: String,
    pub snapshot_generator: String,
    pub snapshot_schema_version: u32,
    pub scope: ScopeInfo,
    pub caller_identities: Vec<Identity>,
    pub coverage: CoverageSummary,
    /// Data rows (header excluded) per file, and per sheet as "inventory.xlsx#Sheet".
    pub row_counts: BTreeMap<String, usize>,
    pub exposure_findings: usize,
    pub redaction: Redaction,
    pub tag_keys: TagKeys,
    pub warnings: Vec<String>,
    pub files: Vec<FileEntry>,
    pub controls: Vec<ControlInfo>,
    /// With `package --previous`: the earlier snapshot, a link in the chain of evidence
    /// from one period's package to the next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<PreviousInfo>,
    /// With `package --history`: the earlier snapshots first_seen/last_seen come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<super::HistorySnapshot>>,
    /// With `package --accepted`: the accepted-exposures file and what it decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<AcceptedInfo>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AcceptedInfo {
    /// The path as given (account ids in it pseudonymised under --redact).
    pub file: String,
    /// SHA-256 of the file's bytes as read.
    pub sha256: String,
    pub entries: usize,
    /// Findings per status, judged at the snapshot's collection date.
    pub accepted: usize,
    pub expired: usize,
    pub unaccepted: usize,
    /// Entries matching no finding.
    pub stale: usize,
}

impl AcceptedInfo {
    pub fn of(a: &super::Reviewed) -> AcceptedInfo {
        use inventory::accept::Status;
        AcceptedInfo {
            file: a.file(),
            sha256: a.sha256.clone(),
            entries: a.acceptances.entries.len(),
            accepted: a.review.count(Status::Accepted),
            expired: a.review.count(Status::Expired),
            unaccepted: a.review.count(Status::Unaccepted),
            stale: a.review.stale.len(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PreviousInfo {
    /// SHA-256 of the previous snapshot file's bytes as read.
    pub snapshot_sha256: String,
    pub collected_at: String,
    pub source: String,
    /// Rows of changes.csv.
    pub changes: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeInfo {
    pub accounts: Vec<String>,
    pub regions_requested: Vec<String>,
    pub regions_discovered: Vec<String>,
    pub scope_tags: Vec<ScopeTag>,
    pub in_scope_rule: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CoverageSummary {
    pub records: usize,
    pub ok: usize,
    pub denied: usize,
    pub failed: usize,
    pub skipped: usize,
    /// False when any call was denied or failed: resources may be missing.
    pub complete: bool,
    pub gaps: Vec<CoverageRecord>,
}

impl CoverageSummary {
    pub fn of(s: &Snapshot) -> CoverageSummary {
        let count = |st: CoverageStatus| s.coverage.iter().filter(|c| c.status == st).count();
        CoverageSummary {
            records: s.coverage.len(),
            ok: count(CoverageStatus::Ok),
            denied: count(CoverageStatus::Denied),
            failed: count(CoverageStatus::Failed),
            skipped: count(CoverageStatus::Skipped),
            complete: !s.has_gaps(),
            gaps: s.gaps().cloned().collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Redaction {
    pub applied: bool,
    pub method: Option<String>,
    pub account_ids_replaced: Option<usize>,
    pub public_ips_replaced: Option<usize>,
    pub ipv6_blocks_replaced: Option<usize>,
}

impl Redaction {
    pub fn of(stats: Option<&RedactionStats>) -> Redaction {
        match stats {
            None => Redaction {
                applied: false,
                method: None,
                account_ids_replaced: None,
                public_ips_replaced: None,
                ipv6_blocks_replaced: None,
            },
            Some(s) => Redaction {
                applied: true,
                method: Some(s.method()),
                account_ids_replaced: Some(s.account_ids),
                public_ips_replaced: Some(s.public_ips),
                ipv6_blocks_replaced: Some(s.ipv6_blocks),
            },
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
    pub description: String,
    pub controls: Vec<&'static str>,
    /// Larger than the 20 MB many evidence portals accept in one upload.
    pub over_upload_limit: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlInfo {
    pub framework: &'static str,
    pub id: &'static str,
    pub title: &'static str,
}

pub fn control_catalogue() -> Vec<ControlInfo> {
    CONTROLS.iter().map(|c| ControlInfo { framework: c.framework, id: c.id, title: c.title }).collect()
}

/// "SOC 2 CC6.1, ISO 27001 A.5.9, PCI DSS 12.5.1" for a list of control ids.
pub fn control_names(ids: &[&str]) -> String {
    ids.iter()
        .map(|id| match CONTROLS.iter().find(|c| c.id == *id) {
            Some(c) => format!("{} {}", c.framework, c.id),
            None => id.to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
