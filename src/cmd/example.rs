//! `auditmap example`: writes a deterministic synthetic estate (same arguments, same bytes).
use std::path::PathBuf;

use crate::exit::{CliError, CmdResult, Exit};

#[derive(clap::Args)]
pub struct Args {
    /// Total number of resources to generate (exact above ~80; smaller requests give the smallest estate).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=5_000_000))]
    pub resources: u64,
    /// Seed of the generator; the same seed always gives the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output snapshot file, or "-" for standard output.
    #[arg(long, short)]
    pub out: PathBuf,
}

pub fn run(args: Args) -> CmdResult {
    let snapshot = generate::generate(args.resources as usize, args.seed);
    let total = snapshot.resources.total();
    if args.out.as_os_str() == "-" {
        let bytes = inventory::snapshot::to_json_bytes(&snapshot);
        super::emit(&String::from_utf8_lossy(&bytes))?;
    } else {
        inventory::snapshot::write_file(&args.out, &snapshot)
            .map_err(|e| CliError::failure(anyhow::anyhow!("{}: cannot write: {e}", args.out.display())))?;
        tracing::info!("wrote {total} resources (seed {}) to {}", args.seed, args.out.display());
    }
    Ok(Exit::Success)
}
