//! `auditmap package`: the audit evidence package for one snapshot.
use std::path::PathBuf;

use render::package::{write_package, PackageError, PackageOptions, ScopeTag, TagKeys, DEFAULT_VALID_DAYS};

use crate::exit::{CliError, CmdResult, Exit};

#[derive(clap::Args)]
#[command(
    after_help = "Exit codes: 0 package written, 1 failure, 2 bad input, 3 package written but the snapshot has \
coverage gaps (denied or failed API calls; the package says so on its first page)."
)]
pub struct Args {
    /// Snapshot file (JSON) written by `auditmap discover`.
    #[arg(required_unless_present = "demo", conflicts_with = "demo")]
    pub snapshot: Option<PathBuf>,
    /// Use the bundled example estate instead of a snapshot file.
    #[arg(long)]
    pub demo: bool,
    /// Directory to write the package into; must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace account ids and public IPs with stable pseudonyms in every file.
    #[arg(long)]
    pub redact: bool,
    /// Mark in scope only resources with this tag, plus the network of their VPCs (repeatable).
    #[arg(long = "scope-tag", value_name = "KEY=VALUE")]
    pub scope_tags: Vec<String>,
    /// Days after collection the evidence is valid for (manifest valid_until).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_VALID_DAYS, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub valid_days: i64,
    /// Stamp the package with the current time instead of the snapshot's collection time
    /// (output is then no longer byte-identical across runs).
    #[arg(long)]
    pub now: bool,
    /// Tag key(s) read for the owner column, case-insensitive [default: Owner, owner, team].
    #[arg(long = "owner-tag", value_name = "KEY")]
    pub owner_tags: Vec<String>,
    /// Tag key(s) read for the environment column [default: Environment, env, stage].
    #[arg(long = "environment-tag", value_name = "KEY")]
    pub environment_tags: Vec<String>,
    /// Tag key(s) read for the data_classification column [default: DataClassification, data-classification, classification].
    #[arg(long = "classification-tag", value_name = "KEY")]
    pub classification_tags: Vec<String>,
}

pub fn run(args: Args) -> CmdResult {
    let (snapshot, bytes, source) = if args.demo {
        let snapshot = inventory::demo::demo_snapshot().map_err(CliError::failure)?;
        (
            snapshot,
            inventory::demo::DEMO_JSON.as_bytes().to_vec(),
            "embedded demo estate (examples/estates/demo.json)".to_string(),
        )
    } else {
        let path = args
            .snapshot
            .clone()
            .ok_or_else(|| CliError::bad_input(anyhow::anyhow!("give a SNAPSHOT file or --demo")))?;
        let bytes = std::fs::read(&path)
            .map_err(|e| CliError::bad_input(anyhow::anyhow!("{}: cannot read: {e}", path.display())))?;
        let snapshot = inventory::snapshot::load_bytes(&path, &bytes).map_err(CliError::bad_input)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        (snapshot, bytes, format!("snapshot file {name}"))
    };
    let scope_tags = args
        .scope_tags
        .iter()
        .map(|s| ScopeTag::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| CliError::bad_input(anyhow::anyhow!("--scope-tag: {e}")))?;
    let mut tag_keys = TagKeys::default();
    for (given, slot) in [
        (&args.owner_tags, &mut tag_keys.owner),
        (&args.environment_tags, &mut tag_keys.environment),
        (&args.classification_tags, &mut tag_keys.data_classification),
    ] {
        if !given.is_empty() {
            *slot = given.clone();
        }
    }
    let opts = PackageOptions {
        redact: args.redact,
        scope_tags,
        valid_days: args.valid_days,
        generated_at: args.now.then(inventory::snapshot::Timestamp::now),
        tag_keys,
        source,
    };
    let outcome = write_package(&snapshot, &bytes, &opts, &args.out).map_err(|e| match e {
        PackageError::BadInput(_) => CliError::bad_input(e),
        other => CliError::failure(other),
    })?;
    for w in &outcome.warnings {
        eprintln!("warning: {w}");
    }
    let m = &outcome.manifest;
    let total: u64 = m.files.iter().map(|f| f.bytes).sum();
    println!(
        "wrote {} ({} files + SHA256SUMS, {} bytes): {} resources, {} exposure findings, {} diagram files",
        outcome.dir.display(),
        m.files.len(),
        total,
        m.row_counts.get("inventory.csv").copied().unwrap_or(0),
        m.exposure_findings,
        m.files.iter().filter(|f| f.path.starts_with("diagrams/")).count()
    );
    println!("verify: (cd {} && sha256sum -c SHA256SUMS)", outcome.dir.display());
    if outcome.has_gaps {
        eprintln!(
            "coverage gaps: {} API call(s) denied or failed; resources may be missing (stated in report.html and README.txt)",
            m.coverage.gaps.len()
        );
        return Ok(Exit::CoverageGaps);
    }
    Ok(Exit::Success)
}
