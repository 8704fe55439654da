//! `auditmap history DIR`: the snapshots in a folder by quarter, with counts, and the
//! quarters that have none.
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use inventory::history::{by_quarter, Entry, Quarter};

use crate::exit::{CliError, CmdResult, Exit};

#[derive(clap::Args)]
#[command(after_help = "Exit codes: 0 listed, 2 DIR unreadable, or a .json file in it is not a valid snapshot \
(listed under \"not snapshots\", the others still shown).")]
pub struct Args {
    /// Folder of snapshot files (*.json; other files are ignored).
    pub dir: PathBuf,
    /// Print the quarters as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Loads and analyses one snapshot file (exposure findings need the analysis).
fn entry(path: &Path) -> Result<Entry, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let snapshot = inventory::snapshot::load_bytes(path, &bytes).map_err(|e| e.to_string())?;
    let analysis = inventory::diff::analyze(&snapshot, &Default::default());
    Ok(Entry {
        file: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        collected_at: snapshot.collected_at,
        sha256: render::package::sha256_hex(&bytes),
        resources: snapshot.resources.total(),
        findings: analysis.exposures.len(),
        gaps: snapshot.gaps().count(),
    })
}

pub fn run(args: Args) -> CmdResult {
    let files = inventory::history::snapshot_files(&args.dir)
        .map_err(|e| CliError::bad_input(anyhow::anyhow!("{}: {e}", args.dir.display())))?;
    let (mut entries, mut bad) = (Vec::new(), Vec::new());
    for f in &files {
        match entry(f) {
            Ok(e) => entries.push(e),
            Err(message) => bad.push(message),
        }
    }
    let quarters = by_quarter(entries);
    if args.json {
        let doc = serde_json::json!({ "quarters": quarters, "not_snapshots": bad });
        let text = serde_json::to_string_pretty(&doc).map_err(CliError::failure)?;
        super::emit(&(text + "\n"))?;
    } else {
        super::emit(&text(&args.dir, &quarters, &bad))?;
    }
    Ok(if bad.is_empty() { Exit::Success } else { Exit::BadInput })
}

/// Terminal-safe file names and messages (a file name can hold anything).
fn safe(s: &str) -> String {
    render::text::strip_bidi(s).chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

fn text(dir: &Path, quarters: &[Quarter], bad: &[String]) -> String {
    let mut out = String::new();
    let count: usize = quarters.iter().map(|q| q.snapshots.len()).sum();
    let missing: Vec<&str> = quarters.iter().filter(|q| q.snapshots.is_empty()).map(|q| q.quarter.as_str()).collect();
    let _ = writeln!(out, "Snapshots in {}: {count}", safe(&dir.display().to_string()));
    let _ = writeln!(
        out,
        "{:<8}  {:<20}  {:>9}  {:>8}  {:>4}  {:<12}  FILE",
        "QUARTER", "COLLECTED (UTC)", "RESOURCES", "FINDINGS", "GAPS", "SHA-256"
    );
    for q in quarters {
        if q.snapshots.is_empty() {
            let _ = writeln!(out, "{:<8}  (no snapshot)", q.quarter);
        }
        for e in &q.snapshots {
            let _ = writeln!(
                out,
                "{:<8}  {:<20}  {:>9}  {:>8}  {:>4}  {:<12}  {}",
                q.quarter,
                e.collected_at.to_string(),
                e.resources,
                e.findings,
                e.gaps,
                e.sha256.get(..12).unwrap_or(&e.sha256),
                safe(&e.file)
            );
        }
    }
    if !missing.is_empty() {
        let _ = writeln!(out, "Quarters without a snapshot: {}", missing.join(", "));
    }
    if !bad.is_empty() {
        let _ = writeln!(out, "Not snapshots ({}):", bad.len());
        for b in bad {
            let _ = writeln!(out, "  {}", safe(b));
        }
    }
    out
}
