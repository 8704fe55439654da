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
    /// Also write, into DIR: the VPC pages in which anything changed (SVG + PNG, drawn
    /// from NEW with what was added, removed, changed or not collected marked),
    /// changes.csv (as --csv) and diff.json (as --json).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Both snapshots as compared, their analyses, and the diff.
pub struct Compared {
    pub diff: Diff,
    pub old: Snapshot,
    pub new: Snapshot,
    pub new_analysis: Analysis,
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
) -> Result<Compared, CliError> {
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
    Ok(Compared { diff: d, old: old_snap, new: new_snap, new_analysis: new_an })
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
    let compared = compute(&args.old, &args.new, args.force, key.as_ref(), accepted.as_ref())?;
    let d = &compared.diff;
    if let Some(dir) = &args.out {
        write_out(dir, &compared)?;
    }
    if args.json {
        super::emit(&diff_json(d)?)?;
    } else if args.csv {
        super::emit(&String::from_utf8_lossy(&diff_csv(d)?))?;
    } else {
        super::emit(&render::changes::text(d, use_color()))?;
    }
    Ok(match args.fail_on {
        Some(FailOn::NewExposure) if d.has_new_exposure() => Exit::ExposureFound,
        _ => Exit::Success,
    })
}

fn diff_json(d: &Diff) -> Result<String, CliError> {
    Ok(serde_json::to_string_pretty(d).map_err(CliError::failure)? + "\n")
}

fn diff_csv(d: &Diff) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    render::changes::write_csv(d, &mut buf).map_err(|e| CliError::failure(anyhow::anyhow!(e)))?;
    Ok(buf)
}

/// `--out DIR`: diff.json, changes.csv and the change pages (SVG + PNG, as `auditmap
/// diagram` writes). What was written goes to stderr: stdout is the diff itself.
fn write_out(dir: &Path, c: &Compared) -> Result<(), CliError> {
    use anyhow::Context;
    let put = |name: &str, bytes: &[u8]| -> Result<(), CliError> {
        let path = dir.join(name);
        std::fs::write(&path, bytes)
            .with_context(|| format!("{}: cannot write", path.display()))
            .map_err(CliError::failure)
    };
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create directory", dir.display()))
        .map_err(CliError::failure)?;
    put("diff.json", diff_json(&c.diff)?.as_bytes())?;
    put("changes.csv", &diff_csv(&c.diff)?)?;
    let pages = render::diagram::ChangePages::new(&c.diff, &c.old, &c.new, &c.new_analysis);
    let png_scale = render::diagram::png_scale(pages.len());
    let mut stems = Vec::new();
    for page in pages.pages() {
        for f in [render::diagram::Format::Svg, render::diagram::Format::Png] {
            let Some(bytes) = f.write(&page, png_scale).map_err(CliError::failure)? else { continue };
            put(&format!("{}.{}", page.file_stem, f.extension()), &bytes)?;
        }
        stems.push(page.file_stem);
    }
    if stems.is_empty() {
        eprintln!(
            "{}: no VPC page changed, so no change pages were written (diff.json and changes.csv were)",
            dir.display()
        );
    } else {
        eprintln!(
            "{}: {} change page(s) written (.svg, .png): {}; and diff.json, changes.csv",
            dir.display(),
            stems.len(),
            stems.join(", ")
        );
    }
    if pages.outside() > 0 {
        eprintln!("{} resource change(s) are in no VPC of the new snapshot: see changes.csv", pages.outside());
    }
    Ok(())
}
