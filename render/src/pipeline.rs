//! The pipeline driver: load → (redact) → topology → analysis → plan → write, in one
//! place for every command that reads a snapshot (`diagram`, `package`, `exposure`,
//! and later ones). Each stage is a type; a command goes as far as it needs:
//!
//! - `Input`: the loaded snapshot, the bytes it was read from and where it came from;
//! - `Prepared`: after redaction, if asked (the bytes are then the redacted snapshot's);
//! - `Analysed`: the snapshot with its topology-based `Analysis`, built once;
//! - `Analysed::plan`: the diagram pages; `diagram::Format` writes each page.
//!
//! The package (`Input::package`) overlaps the analysis with writing snapshot.json and
//! hands the package writer the snapshot and its analysis; it never analyses itself.
use std::borrow::Cow;
use std::path::Path;

use inventory::accept::Acceptances;
use inventory::analysis::Analysis;
use inventory::facts::Settings;
use inventory::snapshot::{to_json_bytes, SnapshotError};
use inventory::topology::Topology;
use inventory::Snapshot;

use crate::diagram::Plan;
use crate::package::{
    PackageError, PackageOptions, PackageOutcome, PackageWriter, PreparedPrevious, Previous, RedactionKey,
    RedactionStats, Reviewed,
};

/// Where the manifest says a snapshot passed to `write_package` came from.
pub const SNAPSHOT_FILE_SOURCE: &str = "snapshot file";
/// What the manifest says instead of a snapshot file's name under `--redact`.
pub const REDACTED_FILE_SOURCE: &str = "snapshot file (name redacted)";
/// What the package says instead of another file's name (`--accepted`) under `--redact`.
pub const REDACTED_NAME: &str = "(name redacted)";

/// Stage 1: a loaded (parsed, validated, normalised) snapshot.
pub struct Input<'a> {
    pub snapshot: Cow<'a, Snapshot>,
    /// The bytes as read: the package stores them verbatim as snapshot.json.
    pub bytes: Cow<'a, [u8]>,
    /// Human description of where the snapshot came from, recorded in the manifest.
    pub source: String,
    /// The description when redacting, if `source` names something redaction must hide
    /// (a snapshot file's name often holds the account id: `snap-111111111111.json`).
    pub redacted_source: Option<String>,
}

impl Input<'static> {
    /// A snapshot file (any problem with it is the caller's input error).
    pub fn file(path: &Path) -> Result<Input<'static>, SnapshotError> {
        let bytes = std::fs::read(path).map_err(|source| SnapshotError::Io { path: path.to_path_buf(), source })?;
        let snapshot = inventory::snapshot::load_bytes(path, &bytes)?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut input = Input::new(Cow::Owned(snapshot), bytes, format!("snapshot file {name}"));
        input.redacted_source = Some(REDACTED_FILE_SOURCE.to_string());
        Ok(input)
    }

    /// The bundled demo estate.
    pub fn demo() -> Result<Input<'static>, SnapshotError> {
        let snapshot = inventory::demo::demo_snapshot()?;
        Ok(Input::new(
            Cow::Owned(snapshot),
            inventory::demo::DEMO_JSON.as_bytes(),
            "embedded demo estate (examples/estates/demo.json)".to_string(),
        ))
    }

    /// A snapshot collected in this run (no file yet): its canonical bytes stand in.
    pub fn collected(snapshot: Snapshot, source: String) -> Input<'static> {
        let bytes = to_json_bytes(&snapshot);
        Input::new(Cow::Owned(snapshot), bytes, source)
    }
}

impl<'a> Input<'a> {
    pub fn new(snapshot: Cow<'a, Snapshot>, bytes: impl Into<Cow<'a, [u8]>>, source: String) -> Input<'a> {
        Input { snapshot, bytes: bytes.into(), source, redacted_source: None }
    }

    /// Stage 2: redacts when `redact` is given (account ids and public IPs become
    /// pseudonyms under that key; the input bytes are kept for their hash only, and a
    /// file's name leaves the source description), else passes through.
    pub fn prepare(self, redact: Option<&RedactionKey>) -> Result<Prepared<'a>, String> {
        self.prepare_with(redact, None).map(|(p, _)| p)
    }

    /// `prepare`, and the accepted-exposures file redacted alongside (same
    /// pseudonyms, and its name hidden like a snapshot file's) when redacting.
    pub fn prepare_with(
        self,
        redact: Option<&RedactionKey>,
        accepted: Option<&Acceptances>,
    ) -> Result<(Prepared<'a>, Option<Acceptances>), String> {
        let Input { snapshot, bytes, source, redacted_source } = self;
        let settings = Settings::default();
        let Some(key) = redact else {
            let prepared = Prepared { snapshot, bytes, read_bytes: None, redaction: None, source, settings };
            return Ok((prepared, accepted.cloned()));
        };
        let source = redacted_source.unwrap_or(source);
        let (redacted, stats, accepted) = inventory::redact::redact_with(&snapshot, key, &bytes, &accepted.cloned())?;
        let accepted = accepted.map(|a| Acceptances { path: REDACTED_NAME.into(), ..a });
        // The original is no longer needed: free it before the analysis.
        drop(snapshot);
        let json = to_json_bytes(&redacted);
        let prepared = Prepared {
            snapshot: Cow::Owned(redacted),
            bytes: Cow::Owned(json),
            read_bytes: Some(bytes),
            redaction: Some(stats),
            source,
            settings,
        };
        Ok((prepared, accepted))
    }

    /// Stages 3–4 without redaction, for commands that need no bytes.
    pub fn analyze(self) -> Analysed<'a> {
        let Input { snapshot, bytes, source, .. } = self;
        drop(bytes);
        Analysed::of(snapshot, None, source, &Settings::default())
    }

    /// `auditmap package`: every stage into `out` (absent or empty). The analysis runs
    /// while snapshot.json is hashed and written; the bytes are freed right after.
    pub fn package(self, opts: &PackageOptions, out: &Path) -> Result<PackageOutcome, PackageError> {
        let mut writer = PackageWriter::begin(opts, out)?;
        let settings = Settings { tag_keys: opts.tag_keys.clone(), scope_tags: opts.scope_tags.clone() };
        // No key of the user's: a random one, so pseudonyms cannot be recomputed by
        // anyone (at the price of differing from every other package's).
        let key = match (opts.redact, &opts.redact_key) {
            (false, _) => None,
            (true, Some(k)) => Some(k.clone()),
            (true, None) => Some(
                RedactionKey::random()
                    .map_err(|message| PackageError::Write { file: "snapshot.json".into(), message })?,
            ),
        };
        let previous = opts
            .previous
            .as_ref()
            .map(|p| prepare_previous(p, key.as_ref(), &settings))
            .transpose()
            .map_err(|message| PackageError::Write { file: "changes.csv".into(), message })?;
        if key.is_some() {
            if let Some(a) = &opts.accepted {
                for w in redacted_source_warnings(&self.snapshot, &a.acceptances) {
                    writer.warn(w);
                }
            }
        }
        let (prepared, acceptances) =
            self.prepare_with(key.as_ref(), opts.accepted.as_ref().map(|a| &a.acceptances))
                .map_err(|message| PackageError::Write { file: "snapshot.json".into(), message })?;
        let prepared = prepared.with_settings(settings);
        writer.lap("redaction");
        let finished = prepared.analyze_alongside(
            |json, read| {
                let written = writer.write_snapshot(json, read);
                (writer, written)
            },
            |analysed, (mut writer, written)| -> Result<PackageOutcome, PackageError> {
                written?;
                let Analysing { snapshot, topology, analysis, redaction, source } = analysed;
                // Each finding judged once, here; the writers only read the verdicts.
                let reviewed = opts.accepted.as_ref().zip(acceptances).map(|(a, acceptances)| Reviewed {
                    review: inventory::accept::review(&acceptances, snapshot, &analysis.exposures),
                    acceptances,
                    sha256: a.sha256.clone(),
                });
                writer.lap("analysis, snapshot.json");
                let outcome = writer.finish(
                    snapshot,
                    topology,
                    &analysis,
                    redaction.as_ref(),
                    &source,
                    previous.as_ref(),
                    reviewed.as_ref(),
                );
                crate::exit::release((analysis, previous, reviewed));
                outcome
            },
        );
        finished.map_err(|_| PackageError::Write {
            file: "analysis".into(),
            message: "the analysis thread failed".into(),
        })?
    }
}

/// Under --redact the estate's public IPv4 addresses become pseudonyms before the
/// findings are judged. An entry whose `source` is one such address is redacted with
/// it and still matches; a range holding one (but not the pseudonym range) no longer
/// covers findings from that address, which then read unaccepted. Said, not hidden.
fn redacted_source_warnings(snapshot: &Snapshot, acc: &Acceptances) -> Vec<String> {
    let estate = inventory::redact::estate_public_ips(snapshot);
    let pseudonyms: Option<ipnet::IpNet> = inventory::redact::IPV4_PSEUDONYM_NET.parse().ok();
    acc.entries
        .iter()
        .filter_map(|e| match e.source {
            Some(ipnet::IpNet::V4(net)) if net.prefix_len() < 32 => Some((e, net)),
            _ => None,
        })
        .filter(|(_, net)| estate.iter().any(|ip| net.contains(ip)))
        .filter(|(_, net)| !pseudonyms.is_some_and(|p| ipnet::IpNet::V4(*net).contains(&p)))
        .map(|(e, net)| {
            format!(
                "--accepted line {}: source {net} holds public addresses of the estate, which --redact replaces before findings are judged: findings from them show unaccepted in this package (give the exact address as source, or package without --redact)",
                e.line
            )
        })
        .collect()
}

/// The previous snapshot redacted under the package's key (so both sides carry the same
/// pseudonyms) and analysed as a diff needs.
fn prepare_previous(p: &Previous, key: Option<&RedactionKey>, settings: &Settings) -> Result<PreparedPrevious, String> {
    let snapshot = match key {
        Some(k) => inventory::redact::redact(&p.snapshot, k, &to_json_bytes(&p.snapshot))?.0,
        None => p.snapshot.clone(),
    };
    let analysis = tracing::info_span!("previous").in_scope(|| inventory::diff::analyze(&snapshot, settings));
    Ok(PreparedPrevious { snapshot, analysis, sha256: p.sha256.clone(), source: p.source.clone() })
}

/// Stage 2 done: the snapshot every later stage sees.
pub struct Prepared<'a> {
    pub snapshot: Cow<'a, Snapshot>,
    /// What snapshot.json holds: the bytes as read, or the redacted snapshot's.
    pub bytes: Cow<'a, [u8]>,
    /// The bytes as read, when redaction replaced `bytes`.
    pub read_bytes: Option<Cow<'a, [u8]>>,
    pub redaction: Option<RedactionStats>,
    pub source: String,
    /// Tag keys and audit scope the derived facts (`inventory::facts`) follow.
    pub settings: Settings,
}

/// The analysis thread panicked.
#[derive(Debug)]
pub struct AnalysisFailed;

impl<'a> Prepared<'a> {
    /// Tag keys and scope for the analysis (`package --environment-tag/--scope-tag`).
    pub fn with_settings(self, settings: Settings) -> Prepared<'a> {
        Prepared { settings, ..self }
    }

    /// Stages 3–4: topology and analyses (inventory's).
    pub fn analyze(self) -> Analysed<'a> {
        let Prepared { snapshot, bytes, read_bytes, redaction, source, settings } = self;
        drop((bytes, read_bytes));
        Analysed::of(snapshot, redaction, source, &settings)
    }

    /// The topology and the analysis on a worker thread while `alongside` gets the
    /// bytes (snapshot.json's, and the ones read when they differ) on this one; the
    /// bytes are freed after. Without the data flows (`Analysis::data_flows` stays
    /// empty): the package computes them from the same topology beside its tables
    /// (`package::write_tables_and_diagrams`), and the topology borrows the snapshot,
    /// which is why this runs inside `with`, on a borrow of it.
    pub fn analyze_alongside<R, T>(
        self,
        alongside: impl FnOnce(&[u8], Option<&[u8]>) -> R,
        with: impl FnOnce(Analysing<'_>, R) -> T,
    ) -> Result<T, AnalysisFailed> {
        let Prepared { snapshot, bytes, read_bytes, redaction, source, settings } = self;
        // Worker threads do not inherit the current span: enter it so `--timings`
        // shows the analysis under the command.
        let parent = tracing::Span::current();
        let (done, side) = std::thread::scope(|s| {
            let analysis = s.spawn(|| {
                let _in = parent.enter();
                let topology = Topology::build(&snapshot);
                let analysis = inventory::analysis::analyze_topology_with(&topology, &settings);
                (topology, analysis)
            });
            let side = alongside(&bytes, read_bytes.as_deref());
            (analysis.join(), side)
        });
        drop((bytes, read_bytes));
        let (topology, analysis) = done.map_err(|_| AnalysisFailed)?;
        let analysing = Analysing { snapshot: &snapshot, topology, analysis, redaction, source };
        let out = with(analysing, side);
        crate::exit::release(snapshot);
        Ok(out)
    }
}

/// `Prepared::analyze_alongside`'s result: the snapshot, its topology (kept for the
/// data flows) and its analysis.
pub struct Analysing<'s> {
    pub snapshot: &'s Snapshot,
    pub topology: Topology<'s>,
    pub analysis: Analysis,
    pub redaction: Option<RedactionStats>,
    pub source: String,
}

/// Stages 3–4 done: the snapshot and its analysis, computed once.
pub struct Analysed<'a> {
    pub snapshot: Cow<'a, Snapshot>,
    pub analysis: Analysis,
    pub redaction: Option<RedactionStats>,
    pub source: String,
}

impl<'a> Analysed<'a> {
    fn of(
        snapshot: Cow<'a, Snapshot>,
        redaction: Option<RedactionStats>,
        source: String,
        settings: &Settings,
    ) -> Analysed<'a> {
        let analysis = inventory::analysis::analyze_with(&snapshot, settings);
        Analysed { snapshot, analysis, redaction, source }
    }

    /// Stage 5: the diagram pages, title blocks showing the hash of the snapshot's
    /// canonical bytes (the package passes snapshot.json's to `Plan::with_sha`).
    pub fn plan(&self) -> Plan<'_> {
        tracing::info_span!("layout").in_scope(|| Plan::new(&self.snapshot, &self.analysis))
    }
}

/// The package of an already loaded snapshot read from `bytes` (tests, benchmarks).
pub fn write_package<'a>(
    snapshot: &'a Snapshot,
    bytes: impl Into<Cow<'a, [u8]>>,
    opts: &PackageOptions,
    out: &Path,
) -> Result<PackageOutcome, PackageError> {
    Input::new(Cow::Borrowed(snapshot), bytes, SNAPSHOT_FILE_SOURCE.to_string()).package(opts, out)
}
