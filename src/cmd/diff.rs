//! `auditmap diff OLD NEW`: what changed between two snapshots.
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use inventory::accept::Acceptances;
use inventory::analysis::Analysis;
use inventory::diff::{check_order, diff, Diff, Side};
use inventory::Snapshot;
use render::package::{sha256_hex, RedactionKey};
use render::pipeline::Input;

use crate::exit::{CliError, CmdResult, Exit};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// A new or widened internet exposure (not accepted, with --accepted).
    NewExposure,
}

#[derive(clap::Args)]
#[command(after_help = "Exit codes: 0 compared, 1 failure, 2 bad input (or OLD collected after NEW without --force), \
4 with --fail-on new-exposure: the internet reaches something it did not before (a new or widened exposure).")]
pub struct Args {
    /// The earlier snapshot (JSON).
    pub old: PathBuf,
    /// The later snapshot (JSON).
    pub new: PathBuf,
    /// Print the diff as JSON.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// Print one CSV row per change.
    #[arg(long)]
    pub csv: bool,
    /// Compare even when OLD was collected after NEW.
    #[arg(long)]
    pub force: bool,
    /// Exit with code 4 when the diff shows this (for CI gates).
    #[arg(long, value_enum, value_name = "WHAT")]
    pub fail_on: Option<FailOn>,
    /// Accepted exposures (TOML, as `exposure --accepted`): new and widened exposures
    /// are marked accepted/expired/unaccepted, and only unaccepted ones trip the gate.
    #[arg(long, value_name = "FILE")]
    pub accepted: Option<PathBuf>,
    /// Replace account ids and public IPs with pseudonyms (the same key on both sides,
    /// so a resource keeps its pseudonym across the diff).
    #[arg(long)]
    pub redact: bool,
    /// With --redact: file holding your key (as `package --redact-key`); else
    /// AUDITMAP_REDACT_KEY, else a random key for this run.
    #[arg(long, value_name = "FILE", requires = "redact")]
    pub redact_key: Option<PathBuf>,
}

/// One side: loaded, redacted if asked, analysed (what the diff needs); with the
/// SHA-256 of the file as read.
fn side(path: &Path, key: Option<&RedactionKey>) -> Result<(Snapshot, Analysis, String), CliError> {
    let input = Input::file(path).map_err(CliError::bad_input)?;
    let sha = sha256_hex(&input.bytes);
    let prepared = input.prepare(key).map_err(|e| CliError::failure(anyhow::anyhow!("{}: {e}", path.display())))?;
    let snapshot = prepared.snapshot.into_owned();
    let analysis = inventory::diff::analyze(&snapshot, &prepared.settings);
    Ok((snapshot, analysis, sha))
}

/// Loads and analyses both snapshots (side by side: they are independent) and diffs them.
pub fn compute(
    old: &Path,
    new: &Path,
    force: bool,
    key: Option<&RedactionKey>,
    accepted: Option<&Acceptances>,
) -> Result<Diff, CliError> {
    let parent = tracing::Span::current();
    let (a, b) = std::thread::scope(|s| {
        let other = s.spawn(|| {
            let _in = parent.enter();
            side(old, key)
        });
        let b = side(new, key);
        (other.join().unwrap_or_else(|e| std::panic::resume_unwind(e)), b)
    });
    let ((old_snap, old_an, sha_a), (new_snap, new_an, sha_b)) = (a?, b?);
    if !force {
        check_order(&old_snap, &new_snap).map_err(CliError::bad_input)?;
    }
    let mut d = diff(
        &Side { snapshot: &old_snap, analysis: &old_an, sha256: sha_a },
        &Side { snapshot: &new_snap, analysis: &new_an, sha256: sha_b },
    );
    if let Some(acc) = accepted {
        let review = inventory::accept::review(acc, &new_snap, &new_an.exposures);
        d.exposures.mark_acceptance(&old_an.exposures, &new_an.exposures, &review);
    }
    Ok(d)
}

/// Colour only for a person at a terminal (https://no-color.org).
fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub fn run(args: Args) -> CmdResult {
    let key = if args.redact {
        Some(match super::package::redact_key(args.redact_key.as_deref())? {
            Some(k) => k,
            None => RedactionKey::random().map_err(|e| CliError::failure(anyhow::anyhow!(e)))?,
        })
    } else {
        None
    };
    let accepted = match &args.accepted {
        Some(path) => Some(inventory::accept::load(path).map_err(CliError::bad_input)?),
        None => None,
    };
    let d = compute(&args.old, &args.new, args.force, key.as_ref(), accepted.as_ref())?;
    if args.json {
        let text = serde_json::to_string_pretty(&d).map_err(CliError::failure)?;
        super::emit(&(text + "\n"))?;
    } else if args.csv {
        let mut buf = Vec::new();
        render::changes::write_csv(&d, &mut buf).map_err(|e| CliError::failure(anyhow::anyhow!(e)))?;
        super::emit(&String::from_utf8_lossy(&buf))?;
    } else {
        super::emit(&render::changes::text(&d, use_color()))?;
    }
    Ok(match args.fail_on {
        Some(FailOn::NewExposure) if d.has_new_exposure() => Exit::ExposureFound,
        _ => Exit::Success,
    })
}
