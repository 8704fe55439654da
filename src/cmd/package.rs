//! `auditmap package`: the audit evidence package for one snapshot.
use std::path::PathBuf;

use render::package::{
    Accepted, History, PackageError, PackageOptions, Previous, RedactionKey, ScopeTag, TagKeys, DEFAULT_VALID_DAYS,
};
use render::pipeline::Input;

use crate::exit::{CliError, CmdResult, Exit};

#[derive(clap::Args)]
#[command(
    after_help = "Exit codes: 0 package written, 1 failure, 2 bad input, 3 package written but the snapshot has \
coverage gaps (denied or failed API calls; the package says so on its first page)."
)]
pub struct Args {
    /// Snapshot file (JSON) written by `auditmap discover`.
    #[arg(required_unless_present_any = ["demo", "live"], conflicts_with_all = ["demo", "live"])]
    pub snapshot: Option<PathBuf>,
    /// Use the bundled example estate instead of a snapshot file.
    #[arg(long, conflicts_with = "live")]
    pub demo: bool,
    /// Read the live AWS estate now (read-only, like `auditmap discover`) and package it.
    #[arg(long)]
    pub live: bool,
    /// Directory to write the package into; must not exist or be empty.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace account ids and public IPs with pseudonyms in every file.
    #[arg(long)]
    pub redact: bool,
    /// With --redact: file holding your secret key (at least 16 bytes; a trailing newline
    /// is ignored): pseudonyms then stay the same in every package made with it. Else
    /// AUDITMAP_REDACT_KEY (the key itself), else a random key for this package only.
    #[arg(long, value_name = "FILE", requires = "redact")]
    pub redact_key: Option<PathBuf>,
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
    /// Tag key(s) naming the environment: inventory column, diagrams, prod/non-prod segmentation [default: Environment, env, stage].
    #[arg(long = "environment-tag", value_name = "KEY")]
    pub environment_tags: Vec<String>,
    /// Tag key(s) read for the data_classification column [default: DataClassification, data-classification, classification].
    #[arg(long = "classification-tag", value_name = "KEY")]
    pub classification_tags: Vec<String>,
    /// The previous period's snapshot: the package gains changes.csv, a "Changes since"
    /// section in report.html and README.txt, and the previous snapshot's SHA-256 and
    /// collection time in manifest.json.
    #[arg(long, value_name = "OLD")]
    pub previous: Option<PathBuf>,
    /// Folder of earlier snapshots (*.json): inventory first_seen/last_seen come from
    /// the ones (collected up to this snapshot) that contain each resource; the manifest
    /// lists them.
    #[arg(long, value_name = "DIR")]
    pub history: Option<PathBuf>,
    /// Accepted exposures (TOML, as `exposure --accepted`): each finding's acceptance
    /// (accepted/expired/unaccepted, reason, approver, ticket, expiry) goes into
    /// exposures.csv, the Exposures sheet, report.html and the exposure diagram; stale
    /// entries into the report; the file's SHA-256 into manifest.json.
    #[arg(long, value_name = "FILE")]
    pub accepted: Option<PathBuf>,
    #[command(flatten)]
    pub discover: LiveArgs,
}

/// The `auditmap discover` flags that apply with `--live` (timeouts keep their defaults).
#[derive(clap::Args)]
pub struct LiveArgs {
    /// With --live: named AWS profile (default: AWS_PROFILE or "default").
    #[arg(long, value_name = "P", requires = "live")]
    pub profile: Option<String>,
    /// With --live: region to read (repeatable; default: the configured region).
    #[arg(long = "region", value_name = "R", requires = "live")]
    pub regions: Vec<String>,
    /// With --live: read every region enabled for each account.
    #[arg(long, requires = "live")]
    pub all_regions: bool,
    /// With --live: role to assume for one account (repeatable).
    #[arg(long = "role-arn", value_name = "ARN", requires = "live")]
    pub role_arns: Vec<String>,
    /// With --live: external id for the --role-arn before it (repeat once per role, in order).
    #[arg(long = "external-id", value_name = "X", requires = "live")]
    pub external_ids: Vec<String>,
    /// With --live: role name to assume in every active account of the organisation.
    #[arg(long, value_name = "ROLE_NAME", requires = "live")]
    pub org_role: Option<String>,
    /// With --live: most API requests in flight at once over the whole run (per
    /// account and region: at most 16, as `discover --region-concurrency`).
    #[arg(long, value_name = "N", default_value_t = discover::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// With --live: attempts per request, first one included.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_attempts: u32,
}

fn live_snapshot(a: &LiveArgs) -> Result<inventory::Snapshot, CliError> {
    if a.external_ids.len() > a.role_arns.len() {
        return Err(CliError::bad_input(anyhow::anyhow!(
            "--external-id given {} time(s) but --role-arn only {}",
            a.external_ids.len(),
            a.role_arns.len()
        )));
    }
    let roles = a
        .role_arns
        .iter()
        .enumerate()
        .map(|(i, arn)| discover::RoleTarget { role_arn: arn.clone(), external_id: a.external_ids.get(i).cloned() })
        .collect();
    let opts = discover::DiscoverOptions {
        profile: a.profile.clone(),
        regions: a.regions.clone(),
        all_regions: a.all_regions,
        roles,
        org_role: a.org_role.clone(),
        concurrency: a.concurrency,
        max_attempts: a.max_attempts,
        ..discover::DiscoverOptions::default()
    };
    let found = discover::discover_blocking(opts).map_err(|e| match e {
        discover::DiscoverError::BadOption(_) | discover::DiscoverError::NoRegion => CliError::bad_input(e),
        other => CliError::failure(other),
    })?;
    eprintln!("{}", found.summary_line());
    let mut snapshot = found.snapshot;
    snapshot.normalize();
    Ok(snapshot)
}

/// Environment variable holding the redaction key itself (when no --redact-key FILE).
pub const REDACT_KEY_ENV: &str = "AUDITMAP_REDACT_KEY";

/// The user's redaction key: --redact-key FILE, else AUDITMAP_REDACT_KEY, else None
/// (a random per-package key). The key never appears in a message.
pub(crate) fn redact_key(file: Option<&std::path::Path>) -> Result<Option<RedactionKey>, CliError> {
    let (bytes, from) = if let Some(path) = file {
        let mut b = std::fs::read(path)
            .map_err(|e| CliError::bad_input(anyhow::anyhow!("--redact-key {}: {e}", path.display())))?;
        // `echo secret > key` adds a newline the same key in AUDITMAP_REDACT_KEY lacks.
        while b.last().is_some_and(|c| matches!(c, b'\n' | b'\r')) {
            b.pop();
        }
        (b, format!("--redact-key {}", path.display()))
    } else {
        #[cfg(unix)]
        let env = std::env::var_os(REDACT_KEY_ENV).map(std::os::unix::ffi::OsStringExt::into_vec);
        #[cfg(not(unix))]
        let env = std::env::var_os(REDACT_KEY_ENV).map(|v| v.to_string_lossy().into_owned().into_bytes());
        match env {
            Some(b) => (b, REDACT_KEY_ENV.to_string()),
            None => return Ok(None),
        }
    };
    RedactionKey::user(bytes).map(Some).map_err(|e| CliError::bad_input(anyhow::anyhow!("{from}: {e}")))
}

pub fn run(args: Args) -> CmdResult {
    let d = &args.discover;
    let live_only = d.profile.is_some()
        || !d.regions.is_empty()
        || d.all_regions
        || !d.role_arns.is_empty()
        || d.org_role.is_some();
    if live_only && !args.live {
        return Err(CliError::bad_input(anyhow::anyhow!(
            "--profile/--region/--all-regions/--role-arn/--org-role only apply with --live"
        )));
    }
    let input = if args.live {
        // snapshot.json holds the canonical bytes of what was just collected.
        Input::collected(live_snapshot(&args.discover)?, "live discovery (auditmap package --live)".to_string())
    } else if args.demo {
        Input::demo().map_err(CliError::failure)?
    } else {
        let path = args
            .snapshot
            .as_deref()
            .ok_or_else(|| CliError::bad_input(anyhow::anyhow!("give a SNAPSHOT file or --demo")))?;
        Input::file(path).map_err(CliError::bad_input)?
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
    let redact_key = if args.redact { redact_key(args.redact_key.as_deref())? } else { None };
    let previous = match &args.previous {
        Some(path) => {
            let old = Input::file(path).map_err(CliError::bad_input)?;
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Some(Previous {
                sha256: render::package::sha256_hex(&old.bytes),
                snapshot: old.snapshot.into_owned(),
                source: format!("snapshot file {name}"),
            })
        }
        None => None,
    };
    let history = match &args.history {
        Some(dir) => Some(history(dir, input.snapshot.collected_at)?),
        None => None,
    };
    let accepted = match &args.accepted {
        Some(path) => Some(accepted(path)?),
        None => None,
    };
    let opts = PackageOptions {
        redact: args.redact,
        redact_key,
        scope_tags,
        valid_days: args.valid_days,
        generated_at: args.now.then(inventory::snapshot::Timestamp::now),
        tag_keys,
        diagrams: true,
        previous,
        history,
        accepted,
    };
    remove_partial_package_on_signal();
    let outcome = input.package(&opts, &args.out).map_err(|e| match e {
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

/// The accepted-exposures file, parsed (a problem is exit 2 with file:line: field) and
/// hashed from the same bytes, so the manifest's hash is of what was judged.
fn accepted(path: &std::path::Path) -> Result<Accepted, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::bad_input(anyhow::anyhow!("{}:0: cannot read: {e}", path.display())))?;
    let text = String::from_utf8(bytes.clone())
        .map_err(|e| CliError::bad_input(anyhow::anyhow!("{}:0: not UTF-8 text: {e}", path.display())))?;
    let acceptances = inventory::accept::parse(path, &text).map_err(CliError::bad_input)?;
    Ok(Accepted { acceptances, sha256: render::package::sha256_hex(&bytes) })
}

/// The snapshots of `dir` collected up to `until`; any .json file there that is not a
/// valid snapshot is bad input (a history silently missing a quarter would mislead).
fn history(dir: &std::path::Path, until: inventory::snapshot::Timestamp) -> Result<History, CliError> {
    let files = inventory::history::snapshot_files(dir)
        .map_err(|e| CliError::bad_input(anyhow::anyhow!("--history {}: {e}", dir.display())))?;
    let mut h = History::default();
    for path in files {
        let input = Input::file(&path).map_err(|e| CliError::bad_input(anyhow::anyhow!("--history: {e}")))?;
        if input.snapshot.collected_at > until {
            continue;
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        h.add(name, render::package::sha256_hex(&input.bytes), &input.snapshot);
    }
    Ok(h)
}

/// SIGINT, SIGTERM, SIGHUP: remove the package being written (its staging directory)
/// and exit 130, instead of dying with it left behind. kill -9 cannot be caught: the
/// next run into the same place removes what it left.
fn remove_partial_package_on_signal() {
    let installed = ctrlc::set_handler(|| {
        for out in render::package::abort_all() {
            eprintln!("interrupted: {} was not written (the partial package was removed)", out.display());
        }
        std::process::exit(130);
    });
    if let Err(e) = installed {
        tracing::debug!("no signal handler: {e}");
    }
}
