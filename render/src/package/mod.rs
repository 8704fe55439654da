//! The audit package: every evidence file for one snapshot, in one directory, with a
//! manifest and SHA256SUMS. Deterministic: the same snapshot and options give the
//! same bytes (times come from the snapshot unless the caller passes `generated_at`).
//!
//! Written into a staging directory and moved into `out` at the end (`staging`), so a
//! failed run never leaves a half package that looks complete. Errors name the file
//! under `out`, never the staging path.
//!
//! The package takes a snapshot and its analysis (`PackageWriter`); loading,
//! redaction and the analysis itself are the pipeline driver's (`crate::pipeline`).
mod controls;
mod csv;
mod diagrams;
mod fsio;
mod history;
mod html;
mod inventory_table;
mod manifest;
mod readme;
mod staging;
mod sums;
mod tables;
mod xlsx;
mod zip_parts;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use inventory::accept::{Acceptance, Acceptances, Review, Status};
use inventory::analysis::{Analysis, DataFlow};
use inventory::snapshot::Timestamp;
use inventory::topology::Topology;
use inventory::Snapshot;

pub use controls::{describe, FileRole, CONTROLS};
pub use csv::{cell as spreadsheet_cell, record as spreadsheet_record};
pub use fsio::faults;
pub use history::{History, HistorySnapshot};
pub use inventory::redact::{account_pseudonym, estate_public_ips, redact, RedactionKey, RedactionStats};
pub use inventory_table::{build_rows, port_label, InventoryRow, ScopeTag, TagKeys, HEADERS as INVENTORY_HEADERS};
pub use manifest::{AcceptedInfo, FileEntry, Manifest, PreviousInfo};
pub use staging::abort_all;
pub use sums::sha256_hex;
pub use tables::{evidence_chain, ACCEPTANCE_COLUMNS};

use crate::diagram::{self, DiagramError};

/// Files larger than this are flagged: many evidence portals cap one upload at 20 MB.
pub const UPLOAD_LIMIT_BYTES: u64 = 20_000_000;
pub const DEFAULT_VALID_DAYS: i64 = 90;

#[derive(Debug, Clone)]
pub struct PackageOptions {
    pub redact: bool,
    /// The user's key for `redact` (stable pseudonyms across packages); None: a random
    /// key per package (output then differs between runs).
    pub redact_key: Option<RedactionKey>,
    pub scope_tags: Vec<ScopeTag>,
    pub valid_days: i64,
    /// None: the snapshot's collected_at (deterministic output).
    pub generated_at: Option<Timestamp>,
    pub tag_keys: TagKeys,
    /// Render diagrams (always, from the CLI). False only to time the other writers
    /// in isolation; the package then says the diagrams were skipped.
    pub diagrams: bool,
    /// `--previous OLD`: the earlier snapshot this package records its changes against.
    pub previous: Option<Previous>,
    /// `--history DIR`: earlier snapshots that give first_seen/last_seen.
    pub history: Option<History>,
    /// `--accepted FILE`: each finding's acceptance is carried into the package.
    pub accepted: Option<Accepted>,
}

/// The accepted-exposures file of `package --accepted`, as read.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub acceptances: Acceptances,
    /// SHA-256 of the file's bytes as read: which review of the findings this was.
    pub sha256: String,
}

/// `Accepted` judged against the package's findings, once, by the pipeline
/// (`inventory::accept::review`); every writer reads this, none reviews again.
#[derive(Debug, Clone)]
pub struct Reviewed {
    /// Redacted like the snapshot when the package is (a reason may name an account).
    pub acceptances: Acceptances,
    /// One verdict per finding, in the analysis's order, and the stale entries.
    pub review: Review,
    pub sha256: String,
}

impl Reviewed {
    /// The file as the package names it: the path given ("(name redacted)" under
    /// --redact, as snapshot file names).
    pub fn file(&self) -> String {
        self.acceptances.path.display().to_string()
    }

    /// Finding `i`'s status and the entry that decided it.
    pub fn of(&self, i: usize) -> (Status, Option<&Acceptance>) {
        self.review.of(&self.acceptances, i)
    }

    /// "4 accepted, 1 expired, 7 unaccepted; 2 stale entries (…)": the counts every artifact repeats.
    pub fn counts_text(&self) -> String {
        format!(
            "{} accepted, {} expired, {} unaccepted; {} stale entr{} (matching no finding)",
            self.review.count(Status::Accepted),
            self.review.count(Status::Expired),
            self.review.count(Status::Unaccepted),
            self.review.stale.len(),
            if self.review.stale.len() == 1 { "y" } else { "ies" }
        )
    }
}

/// The earlier snapshot of `package --previous`, as read.
#[derive(Debug, Clone)]
pub struct Previous {
    pub snapshot: Snapshot,
    /// SHA-256 of the file's bytes as read: the manifest's link in the chain of evidence.
    pub sha256: String,
    /// Where it came from ("snapshot file q3.json"); hidden under redaction.
    pub source: String,
}

/// `Previous` ready to compare: redacted like the package (same key), and analysed.
pub struct PreparedPrevious {
    pub snapshot: Snapshot,
    pub analysis: Analysis,
    pub sha256: String,
    pub source: String,
}

impl Default for PackageOptions {
    fn default() -> PackageOptions {
        PackageOptions {
            redact: false,
            redact_key: None,
            scope_tags: Vec::new(),
            valid_days: DEFAULT_VALID_DAYS,
            generated_at: None,
            tag_keys: TagKeys::default(),
            diagrams: true,
            previous: None,
            history: None,
            accepted: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The caller's request cannot be met (exit 2).
    #[error("{0}")]
    BadInput(String),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Diagram(#[from] DiagramError),
    #[error("writing {file}: {message}")]
    Write { file: String, message: String },
    /// Another run is writing, or has written, the same `out` (exit 1).
    #[error("{0}")]
    Conflict(String),
}

/// What was written, for the command line to report.
#[derive(Debug, Clone)]
pub struct PackageOutcome {
    pub dir: PathBuf,
    pub manifest: Manifest,
    /// Denied or failed API calls: the package says so on its first page; exit 3.
    pub has_gaps: bool,
    pub warnings: Vec<String>,
    /// Seconds since the start at the end of each stage (for `-v` and benchmarks).
    pub timings: Vec<(String, f64)>,
}

/// Files written so far, with their hashes.
struct Out {
    /// Where they are written (the staging directory).
    dir: PathBuf,
    /// What errors call that directory: the caller's `out`.
    shown: PathBuf,
    files: Vec<manifest::FileEntry>,
}

impl Out {
    fn new(dir: &Path, shown: &Path) -> Out {
        Out { dir: dir.to_path_buf(), shown: shown.to_path_buf(), files: Vec::new() }
    }

    /// An I/O error on `path` (relative to the package), named under `out`.
    fn io_err(&self, path: &str) -> impl FnOnce(std::io::Error) -> PackageError {
        let path = self.shown.join(path);
        move |source| PackageError::Io { path, source }
    }

    /// `path`'s parent directory in the staging directory, created if needed.
    fn parent_dir(&self, path: &str) -> Result<PathBuf, PackageError> {
        let full = self.dir.join(path);
        if let Some((parent, _)) = path.rsplit_once('/') {
            std::fs::create_dir_all(self.dir.join(parent)).map_err(self.io_err(parent))?;
        }
        Ok(full)
    }

    fn put(&mut self, path: &str, bytes: &[u8], role: FileRole) -> Result<(), PackageError> {
        self.put_hashed(path, bytes, sums::sha256_hex(bytes), role)
    }

    /// `put` for bytes whose SHA-256 is already known (the 100 MB+ input snapshot).
    fn put_hashed(&mut self, path: &str, bytes: &[u8], sha256: String, role: FileRole) -> Result<(), PackageError> {
        let full = self.parent_dir(path)?;
        fsio::write(&full, bytes).map_err(self.io_err(path))?;
        self.files.push(manifest::FileEntry {
            path: path.to_string(),
            bytes: bytes.len() as u64,
            sha256,
            description: describe(path),
            controls: role.controls().to_vec(),
            over_upload_limit: bytes.len() as u64 > UPLOAD_LIMIT_BYTES,
        });
        Ok(())
    }

    /// Like `put`, but `write` streams the content to disk through a buffered writer
    /// that hashes and counts on the way, so big files are never held whole in memory.
    fn put_stream(
        &mut self,
        path: &str,
        role: FileRole,
        write: impl FnOnce(&mut dyn std::io::Write) -> Result<(), String>,
    ) -> Result<(), PackageError> {
        let full = self.parent_dir(path)?;
        let file = fsio::create(&full).map_err(self.io_err(path))?;
        // Buffered before hashing: serde_json and csv write a few bytes at a time, and
        // hashing each piece on its own cost more than the hashing itself.
        let mut w = std::io::BufWriter::with_capacity(1 << 20, sums::HashingWriter::new(file));
        if let Err(message) = write(&mut w) {
            // The file's own I/O error when there was one (its text is in `message`
            // too, but an io::Error keeps its kind for the caller).
            return Err(match w.get_mut().take_error() {
                Some(source) => self.io_err(path)(source),
                None => write_err(&self.shown.join(path).display().to_string())(message),
            });
        }
        let hashing = w.into_inner().map_err(|e| self.io_err(path)(e.into_error()))?;
        let (_file, bytes, sha256) = hashing.finish();
        self.files.push(manifest::FileEntry {
            path: path.to_string(),
            bytes,
            sha256,
            description: describe(path),
            controls: role.controls().to_vec(),
            over_upload_limit: bytes > UPLOAD_LIMIT_BYTES,
        });
        Ok(())
    }
}

fn write_err(file: &str) -> impl Fn(String) -> PackageError + '_ {
    move |message| PackageError::Write { file: file.to_string(), message }
}

/// A package being written: the checked output directory, its staging directory,
/// the files so far and the stage clock. The pipeline driver (`crate::pipeline`)
/// calls its steps in order: `begin`, `write_snapshot` (while the analysis runs),
/// `finish` with the snapshot and its analysis. Dropped before `finish` succeeds, it
/// removes the staging directory, so a failed run never leaves a half package that
/// looks complete.
pub struct PackageWriter<'o> {
    opts: &'o PackageOptions,
    out: PathBuf,
    staging: staging::Staging,
    staged: Out,
    clock: std::time::Instant,
    timings: Vec<(String, f64)>,
    /// SHA-256 of snapshot.json and of the bytes the snapshot was read from.
    hashes: Option<(String, String)>,
    /// Warnings from the stages before `finish` (the pipeline's), for the manifest.
    early_warnings: Vec<String>,
}

impl<'o> PackageWriter<'o> {
    /// Checks the options and `out` (absent or empty) and creates the staging directory.
    pub fn begin(opts: &'o PackageOptions, out: &Path) -> Result<PackageWriter<'o>, PackageError> {
        if opts.valid_days < 1 {
            return Err(PackageError::BadInput(format!("--valid-days must be at least 1 (got {})", opts.valid_days)));
        }
        let staging = staging::Staging::create(out)?;
        Ok(PackageWriter {
            opts,
            out: out.to_path_buf(),
            staged: Out::new(&staging.dir, out),
            staging,
            // Started before redaction so the first lap includes it.
            clock: std::time::Instant::now(),
            timings: Vec::new(),
            hashes: None,
            early_warnings: Vec::new(),
        })
    }

    /// A warning from a stage before `finish`: listed in the manifest and on stderr.
    pub fn warn(&mut self, warning: String) {
        self.early_warnings.push(warning);
    }

    /// Ends a stage: logged with `-v`, returned in `PackageOutcome::timings`.
    pub fn lap(&mut self, stage: &str) {
        let t = self.clock.elapsed().as_secs_f64();
        tracing::info!("package: {stage} done at {t:.2}s");
        self.timings.push((stage.to_string(), (t * 100.0).round() / 100.0));
    }

    /// snapshot.json: `json` verbatim. `read` is what the snapshot was read from when
    /// that differs (redacted): the manifest records its hash as the source's.
    pub fn write_snapshot(&mut self, json: &[u8], read: Option<&[u8]>) -> Result<(), PackageError> {
        let json_sha = sums::sha256_hex(json);
        let source_sha = read.map(sums::sha256_hex).unwrap_or_else(|| json_sha.clone());
        self.staged.put_hashed("snapshot.json", json, json_sha.clone(), FileRole::Snapshot)?;
        self.hashes = Some((json_sha, source_sha));
        Ok(())
    }

    /// Every other file, from the snapshot snapshot.json holds and its analysis, then
    /// the package moved into place. `source` says where the snapshot came from.
    /// `analysis` as `inventory::analysis::analyze_topology_with` makes it from
    /// `topology`: the data flows are computed here from the same topology, beside the
    /// tables, and the topology is freed once they are.
    #[allow(clippy::too_many_arguments)]
    pub fn finish(
        mut self,
        snapshot: &Snapshot,
        topology: Topology<'_>,
        analysis: &Analysis,
        redaction: Option<&RedactionStats>,
        source: &str,
        previous: Option<&PreparedPrevious>,
        accepted: Option<&Reviewed>,
    ) -> Result<PackageOutcome, PackageError> {
        let (snapshot_sha, source_sha) = self.hashes.clone().ok_or_else(|| PackageError::Write {
            file: "snapshot.json".into(),
            message: "written before the other files".into(),
        })?;
        let opts = self.opts;
        let changes = previous.map(|p| changes_since(p, snapshot, analysis, &source_sha, accepted)).transpose()?;
        let mut ctx = ReportContext::new(opts, snapshot, &snapshot_sha, source, redaction);
        ctx.changes = changes.as_ref();
        ctx.accepted = accepted;
        let (mut tables, diagrams, flows) = write_tables_and_diagrams(&ctx, topology, analysis, opts, &self.staged)?;
        self.lap("tables and diagrams");
        self.staged.files.append(&mut tables.files);
        self.staged.files.extend(diagrams.files);
        let change_pages = match previous.zip(changes.as_ref()).filter(|_| opts.diagrams) {
            Some((p, d)) => {
                let pages = diagram::ChangePages::with_sha(d, &p.snapshot, snapshot, analysis, &snapshot_sha);
                let w = tracing::info_span!("change_pages")
                    .in_scope(|| diagrams::write_change_pages(&pages, &self.staged.dir, &self.staged.shown))?;
                self.staged.files.extend(w.files);
                w.pages
            }
            None => Vec::new(),
        };
        if let Some(d) = &changes {
            self.staged.put_stream("changes.csv", FileRole::Changes, |w| crate::changes::write_csv(d, w))?;
            tables.row_counts.insert("changes.csv".into(), crate::changes::rows(d).len());
        }

        tracing::info_span!("report").in_scope(|| {
            write_report(
                &mut self.staged,
                &ctx,
                analysis,
                &flows,
                &tables.rows,
                &tables.row_counts,
                (&diagrams.pages, &change_pages),
            )
        })?;
        self.lap("readme, report");

        let mut warnings = std::mem::take(&mut self.early_warnings);
        warnings.extend(self::warnings(&self.staged.files, opts, &diagrams.pages));
        warnings.extend(scope_warning(&ctx, &tables.rows));
        let manifest = ManifestFacts {
            ctx: &ctx,
            source_sha,
            row_counts: tables.row_counts,
            exposure_findings: analysis.exposures.len(),
            redaction,
            warnings: &warnings,
            previous: previous.zip(changes.as_ref()).map(|(p, d)| manifest::PreviousInfo {
                snapshot_sha256: p.sha256.clone(),
                collected_at: p.snapshot.collected_at.to_string(),
                source: if redaction.is_some() {
                    crate::pipeline::REDACTED_FILE_SOURCE.to_string()
                } else {
                    p.source.clone()
                },
                changes: crate::changes::rows(d).len(),
            }),
        }
        .manifest(&self.staged.files);
        write_manifest(&mut self.staged, &manifest)?;
        write_sums(&self.staged)?;
        self.lap("manifest, SHA256SUMS");

        self.staging.commit()?;
        crate::exit::release((tables.rows, flows, diagrams.pages, change_pages, changes));
        Ok(PackageOutcome {
            dir: self.out.clone(),
            manifest,
            has_gaps: snapshot.has_gaps(),
            warnings,
            timings: std::mem::take(&mut self.timings),
        })
    }
}

/// The diff from the previous snapshot to this one; OLD collected after this snapshot
/// is the caller's mistake (bad input).
fn changes_since(
    p: &PreparedPrevious,
    snapshot: &Snapshot,
    analysis: &Analysis,
    source_sha: &str,
    accepted: Option<&Reviewed>,
) -> Result<inventory::diff::Diff, PackageError> {
    use inventory::diff::{check_order, diff, Side};
    check_order(&p.snapshot, snapshot).map_err(|e| PackageError::BadInput(format!("--previous: {e}")))?;
    let old = Side { snapshot: &p.snapshot, analysis: &p.analysis, sha256: p.sha256.clone() };
    let new = Side { snapshot, analysis, sha256: source_sha.to_string() };
    let mut d = tracing::info_span!("changes").in_scope(|| diff(&old, &new));
    // The review of this snapshot's findings, already made: new and widened
    // exposures say whether they were accepted (changes.csv detail, as `diff --accepted`).
    if let Some(a) = accepted {
        d.exposures.mark_acceptance(&p.analysis.exposures, &analysis.exposures, &a.review);
    }
    Ok(d)
}

/// The tables (CSV/JSON/XLSX) and the diagrams share nothing but read-only inputs:
/// they are written side by side, the diagram workers taking the remaining cores.
/// The data flows (a path search the tables do not need, 1.4 s at 100k resources)
/// are computed first on this thread, from the analysis's `topology` (freed then),
/// while the tables' thread writes; the diagrams and the report get them (returned).
fn write_tables_and_diagrams(
    ctx: &ReportContext<'_>,
    topology: Topology<'_>,
    analysis: &Analysis,
    opts: &PackageOptions,
    staged: &Out,
) -> Result<(TablesOut, diagrams::Written, Vec<DataFlow>), PackageError> {
    let (dir, shown) = (&staged.dir, &staged.shown);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let parent = tracing::Span::current();
    let (tables, diagrams, flows) = std::thread::scope(|s| {
        let tables = s.spawn(|| {
            let _in = parent.enter();
            tracing::info_span!("tables").in_scope(|| write_tables(ctx, analysis, dir, shown))
        });
        let flows = inventory::analysis::data_flows_of(&topology, analysis, &opts.tag_keys);
        drop(topology);
        let diagrams = if opts.diagrams {
            tracing::info_span!("diagrams").in_scope(|| {
                let plan = tracing::info_span!("layout").in_scope(|| {
                    diagram::Plan::with_sha(ctx.snapshot, analysis, ctx.snapshot_sha)
                        .with_acceptance(ctx.accepted.map(|a| (&a.acceptances, &a.review)))
                        .with_data_flows(&flows)
                });
                diagrams::write_pages(&plan, dir, shown, cores)
            })
        } else {
            Ok(diagrams::Written { files: Vec::new(), pages: Vec::new() })
        };
        let tables = tables.join().unwrap_or_else(|_| {
            Err(PackageError::Write {
                file: format!("the tables in {}", shown.display()),
                message: "the writer thread failed".into(),
            })
        });
        (tables, diagrams, flows)
    });
    Ok((tables?, diagrams?, flows))
}

/// README.txt and report.html, which list the files written so far.
fn write_report(
    out: &mut Out,
    ctx: &ReportContext<'_>,
    analysis: &Analysis,
    data_flows: &[DataFlow],
    rows: &[InventoryRow],
    row_counts: &BTreeMap<String, usize>,
    (pages, change_pages): (&[diagrams::PageSummary], &[diagrams::PageSummary]),
) -> Result<(), PackageError> {
    let diagram_files: Vec<String> =
        out.files.iter().filter(|f| f.path.starts_with("diagrams/")).map(|f| f.path.clone()).collect();
    let readme = readme::render(ctx, &out.files, &diagram_files, row_counts, analysis.exposures.len());
    out.put("README.txt", readme.as_bytes(), FileRole::Readme)?;
    let coverage = tables::coverage(ctx.snapshot);
    let report = html::render(&html::Report {
        ctx,
        rows,
        analysis,
        data_flows,
        coverage: &coverage,
        pages,
        change_pages,
        files: &out.files,
        row_counts,
    });
    out.put("report.html", report.as_bytes(), FileRole::Report)
}

/// What the command line warns about: files over the upload limit, missing diagrams.
fn warnings(files: &[manifest::FileEntry], opts: &PackageOptions, pages: &[diagrams::PageSummary]) -> Vec<String> {
    let mut warnings = Vec::new();
    for f in files.iter().filter(|f| f.over_upload_limit) {
        warnings.push(format!(
            "{} is {} bytes, over the {} MB many evidence portals accept in one upload; compress or split it before uploading",
            f.path,
            f.bytes,
            UPLOAD_LIMIT_BYTES / 1_000_000
        ));
    }
    if !opts.diagrams {
        warnings.push("diagrams were skipped (measurement run): this package is incomplete".into());
    } else if pages.is_empty() {
        warnings.push("no diagram pages were produced for this snapshot".into());
    }
    warnings
}

/// With --scope-tag, when no resource matched: the package is then an empty scope,
/// which is almost always a mistyped key or value.
fn scope_warning(ctx: &ReportContext<'_>, rows: &[InventoryRow]) -> Option<String> {
    if ctx.scope_tags.is_empty() || rows.iter().any(|r| r.in_scope) {
        return None;
    }
    Some(format!(
        "--scope-tag {} matched no resource: 0 of {} resources in scope (tags match exactly, case-sensitive)",
        ctx.scope_tags_text(),
        rows.len()
    ))
}

/// The manifest's facts that are not in the report context.
struct ManifestFacts<'a> {
    ctx: &'a ReportContext<'a>,
    source_sha: String,
    row_counts: BTreeMap<String, usize>,
    exposure_findings: usize,
    redaction: Option<&'a RedactionStats>,
    warnings: &'a [String],
    previous: Option<manifest::PreviousInfo>,
}

impl ManifestFacts<'_> {
    fn manifest(self, files: &[manifest::FileEntry]) -> Manifest {
        let ctx = self.ctx;
        let snapshot = ctx.snapshot;
        Manifest {
            format: manifest::FORMAT,
            auditmap_version: ctx.version.to_string(),
            generated_at: ctx.generated.to_string(),
            collected_at: ctx.collected.to_string(),
            valid_until: ctx.valid_until.to_string(),
            valid_days: ctx.valid_days,
            snapshot_sha256: ctx.snapshot_sha.to_string(),
            source_snapshot_sha256: self.source_sha,
            source: ctx.source.to_string(),
            snapshot_generator: format!("{} {}", snapshot.generator.name, snapshot.generator.version),
            snapshot_schema_version: snapshot.schema_version,
            scope: manifest::ScopeInfo {
                accounts: snapshot.scope.accounts.clone(),
                regions_requested: snapshot.scope.regions_requested.clone(),
                regions_discovered: snapshot.scope.regions_discovered.clone(),
                scope_tags: ctx.scope_tags.to_vec(),
                in_scope_rule: readme::SCOPE_RULE.into(),
            },
            caller_identities: snapshot.identity.clone(),
            coverage: manifest::CoverageSummary::of(snapshot),
            row_counts: self.row_counts,
            exposure_findings: self.exposure_findings,
            redaction: manifest::Redaction::of(self.redaction),
            tag_keys: ctx.tag_keys.clone(),
            warnings: self.warnings.to_vec(),
            files: files.to_vec(),
            controls: manifest::control_catalogue(),
            previous: self.previous,
            // File names may hold account ids: hidden under redaction, like the source's.
            history: ctx.history.map(|h| {
                h.snapshots
                    .iter()
                    .map(|x| HistorySnapshot {
                        file: if ctx.redacted { "(name redacted)".into() } else { x.file.clone() },
                        ..x.clone()
                    })
                    .collect()
            }),
            accepted: ctx.accepted.map(manifest::AcceptedInfo::of),
        }
    }
}

fn write_manifest(out: &mut Out, manifest: &Manifest) -> Result<(), PackageError> {
    let mut bytes = serde_json::to_vec_pretty(manifest)
        .map_err(|e| PackageError::Write { file: "manifest.json".into(), message: e.to_string() })?;
    bytes.push(b'\n');
    out.put("manifest.json", &bytes, FileRole::Manifest)
}

/// SHA256SUMS over every file but itself (`sha256sum -c` format).
fn write_sums(out: &Out) -> Result<(), PackageError> {
    let list: Vec<(String, String)> = out.files.iter().map(|f| (f.path.clone(), f.sha256.clone())).collect();
    fsio::write(&out.dir.join("SHA256SUMS"), sums::sha256sums(&list).as_bytes()).map_err(out.io_err("SHA256SUMS"))
}

/// What the table writers hand back: their files, row counts, and the inventory
/// rows the report shows.
struct TablesOut {
    files: Vec<manifest::FileEntry>,
    row_counts: BTreeMap<String, usize>,
    rows: Vec<InventoryRow>,
}

/// inventory.csv/.json/.xlsx, exposures.csv, coverage.csv.
fn write_tables(
    ctx: &ReportContext<'_>,
    analysis: &Analysis,
    dir: &Path,
    shown: &Path,
) -> Result<TablesOut, PackageError> {
    let snapshot = ctx.snapshot;
    let mut out = Out::new(dir, shown);
    let mut row_counts: BTreeMap<String, usize> = BTreeMap::new();
    let span = tracing::info_span!("rows").entered();
    let mut rows = build_rows(snapshot, analysis);
    if let Some(h) = ctx.history {
        h.apply(&mut rows, snapshot.collected_at);
    }
    let exposures = tables::exposures(analysis, ctx.accepted);
    let load_balancers = tables::load_balancers(snapshot, analysis);
    let lb_targets = tables::load_balancer_targets(analysis);
    let coverage = tables::coverage(snapshot);
    drop(span);

    let span = tracing::info_span!("csv_json").entered();
    out.put_stream("inventory.csv", FileRole::Inventory, |w| csv::inventory_csv(&rows, w))?;
    row_counts.insert("inventory.csv".into(), rows.len());
    out.put_stream("inventory.json", FileRole::Inventory, |w| inventory_json(ctx, &rows, w))?;
    row_counts.insert("inventory.json".into(), rows.len());
    out.put_stream("exposures.csv", FileRole::Exposures, |w| csv::table_csv(&exposures, w))?;
    row_counts.insert("exposures.csv".into(), exposures.rows.len());
    out.put_stream("load_balancers.csv", FileRole::Inventory, |w| csv::table_csv(&load_balancers, w))?;
    row_counts.insert("load_balancers.csv".into(), load_balancers.rows.len());
    out.put_stream("load_balancer_targets.csv", FileRole::Exposures, |w| csv::table_csv(&lb_targets, w))?;
    row_counts.insert("load_balancer_targets.csv".into(), lb_targets.rows.len());
    if let Some(crossings) = tables::scope_crossings(snapshot, analysis) {
        out.put_stream("scope-crossings.csv", FileRole::ScopeCrossings, |w| csv::table_csv(&crossings, w))?;
        row_counts.insert("scope-crossings.csv".into(), crossings.rows.len());
    }
    out.put_stream("coverage.csv", FileRole::Coverage, |w| csv::table_csv(&coverage, w))?;
    row_counts.insert("coverage.csv".into(), coverage.rows.len());
    drop(span);

    let span = tracing::info_span!("xlsx").entered();
    let (sg_rules, nacl_rules, routes) =
        (tables::sg_rules(snapshot), tables::nacl_rules(snapshot), tables::routes(snapshot));
    let metadata = ctx.metadata();
    let connectivity = crate::diagram::views::matrix::matrix(snapshot, analysis);
    let sheets = xlsx::Sheets {
        assets: &rows,
        exposures: &exposures,
        load_balancers: &load_balancers,
        lb_targets: &lb_targets,
        sg_rules: &sg_rules,
        nacl_rules: &nacl_rules,
        routes: &routes,
        coverage: &coverage,
        connectivity: &connectivity,
        metadata: &metadata,
        created: ctx.generated.to_string(),
    };
    let book = xlsx::write(&sheets).map_err(out.io_err("inventory.xlsx"))?;
    for (sheet, n) in xlsx::sheet_rows(&sheets) {
        row_counts.insert(format!("inventory.xlsx#{sheet}"), n);
    }
    drop((sg_rules, nacl_rules, routes, exposures, coverage, load_balancers, lb_targets, connectivity));
    out.put("inventory.xlsx", &book, FileRole::Inventory)?;
    drop(span);
    Ok(TablesOut { files: out.files, row_counts, rows })
}

/// Facts every artifact repeats: when, from what, by which version.
pub(crate) struct ReportContext<'a> {
    pub version: &'static str,
    pub generated: Timestamp,
    pub collected: Timestamp,
    pub valid_until: Timestamp,
    pub valid_days: i64,
    pub source: &'a str,
    pub snapshot: &'a Snapshot,
    pub snapshot_sha: &'a str,
    pub redacted: bool,
    /// Redacted under the user's key (pseudonyms comparable across packages).
    pub redact_user_key: bool,
    pub scope_tags: &'a [ScopeTag],
    pub tag_keys: &'a TagKeys,
    /// With `--previous`: what changed since that snapshot.
    pub changes: Option<&'a inventory::diff::Diff>,
    /// With `--history`: the earlier snapshots first_seen/last_seen come from.
    pub history: Option<&'a History>,
    /// With `--accepted`: each finding's acceptance and the stale entries.
    pub accepted: Option<&'a Reviewed>,
}

impl<'a> ReportContext<'a> {
    fn new(
        opts: &'a PackageOptions,
        snapshot: &'a Snapshot,
        snapshot_sha: &'a str,
        source: &'a str,
        redaction: Option<&RedactionStats>,
    ) -> ReportContext<'a> {
        let collected = snapshot.collected_at;
        ReportContext {
            version: env!("CARGO_PKG_VERSION"),
            generated: opts.generated_at.unwrap_or(collected),
            collected,
            valid_until: collected.plus_days(opts.valid_days),
            valid_days: opts.valid_days,
            source,
            snapshot,
            snapshot_sha,
            redacted: redaction.is_some(),
            redact_user_key: redaction.is_some_and(|r| r.user_key),
            scope_tags: &opts.scope_tags,
            tag_keys: &opts.tag_keys,
            changes: None,
            history: opts.history.as_ref(),
            accepted: None,
        }
    }

    pub fn accounts(&self) -> String {
        join_or_none(&self.snapshot.scope.accounts)
    }
    pub fn regions(&self) -> String {
        join_or_none(&self.snapshot.scope.regions_discovered)
    }
    pub fn scope_tags_text(&self) -> String {
        if self.scope_tags.is_empty() {
            "none (every resource in scope)".into()
        } else {
            self.scope_tags.iter().map(|t| format!("{}={}", t.key, t.value)).collect::<Vec<_>>().join(", ")
        }
    }
    /// Key/value facts for the Metadata sheet.
    fn metadata(&self) -> Vec<(String, String)> {
        let s = self.snapshot;
        let cov = manifest::CoverageSummary::of(s);
        let kv = |k: &str, v: String| (k.to_string(), v);
        let mut facts = vec![
            kv("auditmap_version", self.version.to_string()),
            kv("generated_at_utc", self.generated.to_string()),
            kv("collected_at_utc", self.collected.to_string()),
            kv("valid_until_utc", format!("{} ({} days after collection)", self.valid_until, self.valid_days)),
            kv("source", self.source.to_string()),
            kv("snapshot_sha256", self.snapshot_sha.to_string()),
            kv("accounts", self.accounts()),
            kv("regions_discovered", self.regions()),
            kv("regions_requested", join_or_none(&s.scope.regions_requested)),
            kv("caller_identities", s.identity.iter().map(|i| i.caller_arn.clone()).collect::<Vec<_>>().join(" ")),
            kv("scope_tags", self.scope_tags_text()),
            kv("redaction_applied", self.redacted.to_string()),
            kv("resources", s.resources.total().to_string()),
            kv(
                "coverage",
                format!(
                    "{} API calls: {} ok, {} denied, {} failed, {} skipped",
                    cov.records, cov.ok, cov.denied, cov.failed, cov.skipped
                ),
            ),
            kv(
                "coverage_complete",
                if cov.complete {
                    "yes".into()
                } else {
                    format!("NO: {} gap(s), resources may be missing; see Coverage sheet", cov.gaps.len())
                },
            ),
            kv(
                "first_seen / last_seen",
                match self.history {
                    Some(h) => format!(
                        "collected_at of the first and last of {} earlier snapshot(s) (--history, listed in manifest.json) and this one that contain the resource",
                        h.snapshots.len()
                    ),
                    None => "collected_at of this single snapshot (no history is kept)".into(),
                },
            ),
            kv(
                "accepted_exposures",
                match self.accepted {
                    Some(a) => format!("{} (SHA-256 {}): {}", a.file(), a.sha256, a.counts_text()),
                    None => "not reviewed (no --accepted file): the Exposures acceptance columns are empty".into(),
                },
            ),
        ];
        if self.redacted {
            let key = if self.redact_user_key {
                "HMAC-SHA256, user key: comparable with other packages made with the same key"
            } else {
                "HMAC-SHA256, random per-package key: not comparable across packages"
            };
            facts.insert(12, kv("redaction_pseudonyms", key.into()));
        }
        facts
    }
}

fn join_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "(none recorded)".into()
    } else {
        v.join(", ")
    }
}

fn inventory_json(ctx: &ReportContext<'_>, rows: &[InventoryRow], out: &mut dyn std::io::Write) -> Result<(), String> {
    #[derive(serde::Serialize)]
    struct Head<'a> {
        auditmap_version: &'a str,
        generated_at: String,
        collected_at: String,
        accounts: &'a [String],
        regions: &'a [String],
        snapshot_sha256: &'a str,
        redaction_applied: bool,
        columns: &'a [&'a str],
    }
    let head = Head {
        auditmap_version: ctx.version,
        generated_at: ctx.generated.to_string(),
        collected_at: ctx.collected.to_string(),
        accounts: &ctx.snapshot.scope.accounts,
        regions: &ctx.snapshot.scope.regions_discovered,
        snapshot_sha256: ctx.snapshot_sha,
        redaction_applied: ctx.redacted,
        columns: &inventory_table::HEADERS,
    };
    // Compact: pretty-printing doubles the size on large estates; any JSON tool re-indents.
    // The document is `head` with one more member, "resources": the rows, each
    // serialised into a local buffer (serde_json's many small writes then go to a
    // `Vec`, not through `out`'s dynamic dispatch: 82 MB at 100k resources).
    let mut buf = serde_json::to_vec(&head).map_err(|e| e.to_string())?;
    buf.pop(); // the closing brace
    buf.extend_from_slice(b",\"resources\":[");
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        serde_json::to_writer(&mut buf, row).map_err(|e| e.to_string())?;
        if buf.len() >= 1 << 16 {
            out.write_all(&buf).map_err(|e| e.to_string())?;
            buf.clear();
        }
    }
    buf.extend_from_slice(b"]}");
    out.write_all(&buf).map_err(|e| e.to_string())?;
    out.write_all(b"\n").map_err(|e| e.to_string())
}
