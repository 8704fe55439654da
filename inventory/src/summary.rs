//! What `auditmap validate` prints: counts per kind, per account/region, and gaps.
use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::model::ResourceKind;
use crate::snapshot::{CoverageRecord, CoverageStatus, Problem, Snapshot};

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub schema_version: u32,
    pub collected_at: String,
    pub generator: String,
    pub total_resources: usize,
    pub per_kind: BTreeMap<ResourceKind, usize>,
    /// (account, region) → resource count; account-level records use region "global".
    pub per_account_region: BTreeMap<(String, String), usize>,
    pub coverage_by_status: BTreeMap<CoverageStatus, usize>,
    pub gaps: Vec<CoverageRecord>,
    pub warnings: Vec<Problem>,
}

impl Summary {
    pub fn of(s: &Snapshot) -> Summary {
        let mut per_kind = BTreeMap::new();
        for k in ResourceKind::ALL {
            per_kind.insert(k, s.resources.count(k));
        }
        let mut per_account_region: BTreeMap<(String, String), usize> = BTreeMap::new();
        for r in s.resources.iter() {
            let region = if r.region.is_empty() { "global" } else { r.region };
            *per_account_region.entry((r.account_id.to_string(), region.to_string())).or_default() += 1;
        }
        let mut coverage_by_status = BTreeMap::new();
        for c in &s.coverage {
            *coverage_by_status.entry(c.status).or_default() += 1;
        }
        Summary {
            schema_version: s.schema_version,
            collected_at: s.collected_at.to_string(),
            generator: format!("{} {}", s.generator.name, s.generator.version),
            total_resources: s.resources.total(),
            per_kind,
            per_account_region,
            coverage_by_status,
            gaps: s.gaps().cloned().collect(),
            warnings: crate::snapshot::validate(s),
        }
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "snapshot: schema v{}, collected {} by {}",
            self.schema_version, self.collected_at, self.generator
        )?;
        writeln!(f, "resources: {}", self.total_resources)?;
        for (kind, n) in &self.per_kind {
            if *n > 0 {
                writeln!(f, "  {:<30} {n:>8}", kind.as_str())?;
            }
        }
        writeln!(f, "per account / region:")?;
        for ((acct, region), n) in &self.per_account_region {
            writeln!(f, "  {acct:<14} {region:<16} {n:>8}")?;
        }
        let cov: Vec<String> = self.coverage_by_status.iter().map(|(s, n)| format!("{} {n}", s.as_str())).collect();
        writeln!(
            f,
            "coverage: {} API records ({})",
            self.coverage_by_status.values().sum::<usize>(),
            if cov.is_empty() { "none".into() } else { cov.join(", ") }
        )?;
        if self.gaps.is_empty() {
            writeln!(f, "gaps: none")?;
        } else {
            writeln!(f, "gaps: {} — resources may be missing:", self.gaps.len())?;
            for g in &self.gaps {
                writeln!(
                    f,
                    "  {} {} {} {}: {} {}",
                    g.account_id,
                    g.region,
                    g.api,
                    g.status.as_str(),
                    g.error_code.as_deref().unwrap_or("-"),
                    g.error_message.as_deref().unwrap_or("")
                )?;
            }
        }
        if !self.warnings.is_empty() {
            writeln!(f, "warnings: {}", self.warnings.len())?;
            for w in &self.warnings {
                writeln!(f, "  {w}")?;
            }
        }
        Ok(())
    }
}
