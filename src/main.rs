//! auditmap command line: argument parsing and wiring only; the work lives in the
//! inventory, discover and render crates.
mod cmd;
mod exit;
mod timings;

use clap::{Parser, Subcommand};

use exit::Exit;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const EXAMPLES: &str = "\
Examples:
  auditmap package --demo --out evidence/          # the whole job on the bundled demo estate
  auditmap discover --out snap.json --all-regions  # read a live AWS estate (read-only)
  auditmap package snap.json --out evidence/       # audit package from a saved snapshot
  auditmap validate snap.json                      # check a snapshot and summarise it
  auditmap exposure snap.json                      # internet-exposure findings with evidence
  auditmap paths snap.json --from internet --to data-stores   # attack paths, hop by hop
  auditmap diff q3.json q4.json --fail-on new-exposure   # what changed; fail on a new hole
  auditmap example --resources 10000 --out big.json

Exit codes: 0 success, 1 failure, 2 bad input or usage, 3 completed with coverage gaps,
4 exposure found (with --fail-on-exposure, or diff --fail-on new-exposure).";

#[derive(Parser)]
#[command(name = "auditmap", version, about = "Audit-grade AWS network diagrams, inventory and exposure evidence", after_help = EXAMPLES)]
struct Cli {
    /// More log output on stderr (repeat for more).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    /// Only errors on stderr.
    #[arg(short, long, global = true)]
    quiet: bool,
    /// Print the wall time of each stage (load, topology, analyze, ...) on stderr at exit.
    #[arg(long, global = true)]
    timings: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a snapshot file and print a summary (counts per kind, account/region, coverage gaps).
    Validate(cmd::validate::Args),
    /// Write a deterministic synthetic estate of a requested size (for benchmarks and trials).
    Example(cmd::example::Args),
    /// Read a live AWS estate (read-only) into a snapshot file.
    Discover(cmd::discover::Args),
    /// List internet-exposure findings with their evidence chain.
    Exposure(cmd::exposure::Args),
    /// Every path (up to N hops) from FROM to TO, with each hop's route, NACL and SG evidence.
    Paths(cmd::paths::Args),
    /// Write network diagrams (SVG/PNG/PDF/draw.io/DOT) for a snapshot.
    Diagram(cmd::diagram::Args),
    /// Write the audit evidence package (diagrams, inventory, exposures, report, manifest).
    Package(cmd::package::Args),
    /// What changed between two snapshots: resources, exposures, segmentation, coverage.
    Diff(cmd::diff::Args),
    /// The snapshots in a folder by quarter, with counts, and the quarters without one.
    History(cmd::history::Args),
    /// Print the snapshot JSON Schema.
    Schema,
}

fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { Exit::BadInput } else { Exit::Success };
            let _ = e.print();
            return code.into();
        }
    };
    let timings = init_logging(cli.verbose, cli.quiet, cli.timings);
    let command_span = command_span(&cli.command).entered();
    // Every command's results die with the process: not freed one by one.
    render::exit::process_ends_after_command();
    let result = match cli.command {
        Command::Validate(a) => cmd::validate::run(a),
        Command::Example(a) => cmd::example::run(a),
        Command::Discover(a) => cmd::discover::run(a),
        Command::Exposure(a) => cmd::exposure::run(a),
        Command::Paths(a) => cmd::paths::run(a),
        Command::Diagram(a) => cmd::diagram::run(a),
        Command::Package(a) => cmd::package::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::History(a) => cmd::history::run(a),
        Command::Schema => {
            print!("{}", inventory::Snapshot::json_schema());
            Ok(Exit::Success)
        }
    };
    drop(command_span);
    if let Some(t) = timings {
        eprint!("{}", t.report());
    }
    match result {
        Ok(code) => code.into(),
        Err(e) => {
            eprintln!("error: {}", error_text(&e.error));
            e.code.into()
        }
    }
}

/// The error and its causes, `: `-separated like `{:#}`, but a cause whose text the
/// message before it already holds is left out: errors such as "{path}: {source}"
/// repeat their source, which then printed twice ("...: Permission denied (os error
/// 13): Permission denied (os error 13)").
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let cause = cause.to_string();
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

/// The root span of `--timings` (span names are static, hence one arm per command).
fn command_span(c: &Command) -> tracing::Span {
    match c {
        Command::Validate(_) => tracing::info_span!("validate"),
        Command::Example(_) => tracing::info_span!("example"),
        Command::Discover(_) => tracing::info_span!("discover"),
        Command::Exposure(_) => tracing::info_span!("exposure"),
        Command::Paths(_) => tracing::info_span!("paths"),
        Command::Diagram(_) => tracing::info_span!("diagram"),
        Command::Package(_) => tracing::info_span!("package"),
        Command::Diff(_) => tracing::info_span!("diff"),
        Command::History(_) => tracing::info_span!("history"),
        Command::Schema => tracing::info_span!("schema"),
    }
}

/// Logging per -v/-q (or AUDITMAP_LOG); with --timings also a layer that records
/// auditmap's own stage spans (never the SDK's), whatever the log level.
fn init_logging(verbose: u8, quiet: bool, timings: bool) -> Option<timings::Timings> {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("AUDITMAP_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(false).with_filter(filter);
    let recorder = timings.then(timings::Timings::default);
    let ours = tracing_subscriber::filter::Targets::new()
        .with_target("auditmap", tracing::Level::INFO)
        .with_target("inventory", tracing::Level::INFO)
        .with_target("render", tracing::Level::INFO)
        .with_target("discover", tracing::Level::INFO);
    let layer = recorder.clone().map(|t| t.with_filter(ours));
    let _ = tracing_subscriber::registry().with(fmt).with(layer).try_init();
    recorder
}
