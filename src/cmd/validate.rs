use std::path::PathBuf;

use crate::exit::{CmdResult, Exit};

#[derive(clap::Args)]
pub struct Args {
    /// Snapshot file (JSON).
    pub snapshot: PathBuf,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: Args) -> CmdResult {
    let snapshot = super::load_snapshot(&args.snapshot)?;
    let summary = inventory::summary::Summary::of(&snapshot);
    if args.json {
        let json = serde_json::to_string_pretty(&summary_json(&summary)).map_err(crate::exit::CliError::failure)?;
        super::emit(&(json + "\n"))?;
    } else {
        super::emit(&summary.to_string())?;
    }
    Ok(if snapshot.has_gaps() { Exit::CoverageGaps } else { Exit::Success })
}

/// JSON objects need string keys; flatten the (account, region) tuple keys.
fn summary_json(s: &inventory::summary::Summary) -> serde_json::Value {
    let per_account_region: Vec<serde_json::Value> = s
        .per_account_region
        .iter()
        .map(|((a, r), n)| serde_json::json!({"account_id": a, "region": r, "resources": n}))
        .collect();
    serde_json::json!({
        "schema_version": s.schema_version,
        "collected_at": s.collected_at,
        "generator": s.generator,
        "total_resources": s.total_resources,
        "per_kind": s.per_kind,
        "per_account_region": per_account_region,
        "coverage_by_status": s.coverage_by_status,
        "gaps": s.gaps,
        "warnings": s.warnings,
    })
}
