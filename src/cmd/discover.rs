//! `auditmap discover`: read a live AWS estate (read-only) into a snapshot file.
use std::path::PathBuf;
use std::time::Duration;

use discover::{DiscoverError, DiscoverOptions, RetryMode, RoleTarget};

use crate::exit::{CliError, CmdResult, Exit};

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RetryModeArg {
    Standard,
    Adaptive,
}

#[derive(clap::Args)]
#[command(after_help = "\
Credentials and endpoints follow the AWS conventions: AWS_PROFILE, AWS_REGION, SSO profiles,
web identity, instance roles, AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_EC2. Only Describe/Get/List/
Search calls (plus sts:AssumeRole) are made; docs/iam-policy.json is the policy it needs.
Exit 3 when any API call was denied or failed (the snapshot lists every gap).")]
pub struct Args {
    /// Snapshot file to write.
    #[arg(long, value_name = "SNAPSHOT")]
    pub out: PathBuf,
    /// Named AWS profile (default: AWS_PROFILE or "default").
    #[arg(long, value_name = "P")]
    pub profile: Option<String>,
    /// Region to read (repeatable; default: the configured region).
    #[arg(long = "region", value_name = "R")]
    pub regions: Vec<String>,
    /// Read every region enabled for each account; skipped regions are recorded.
    #[arg(long)]
    pub all_regions: bool,
    /// Role to assume for one account (repeatable).
    #[arg(long = "role-arn", value_name = "ARN")]
    pub role_arns: Vec<String>,
    /// External id for the --role-arn before it (repeat once per role, in order).
    #[arg(long = "external-id", value_name = "X")]
    pub external_ids: Vec<String>,
    /// Role name to assume in every active account of the organisation.
    #[arg(long, value_name = "ROLE_NAME")]
    pub org_role: Option<String>,
    /// Most API requests in flight at once over the whole run, all accounts and
    /// regions together (client sockets and buffers). 1 reads one call at a time.
    #[arg(long, value_name = "N", default_value_t = discover::DEFAULT_CONCURRENCY)]
    pub concurrency: usize,
    /// Most API requests in flight at once per account and region (AWS throttles per
    /// account and region); per account for STS and Organizations.
    #[arg(long, value_name = "N", default_value_t = discover::DEFAULT_REGION_CONCURRENCY)]
    pub region_concurrency: usize,
    /// SDK retry mode for throttling and 5xx errors.
    #[arg(long, value_enum, default_value = "standard")]
    pub retry_mode: RetryModeArg,
    /// Attempts per request, first one included.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub max_attempts: u32,
    /// Seconds to wait for a TCP/TLS connection.
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// Seconds to wait for response data once connected.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    pub read_timeout: f64,
    /// Seconds one operation may take, retries included.
    #[arg(long, value_name = "SECS", default_value_t = 120.0)]
    pub operation_timeout: f64,
}

fn secs(flag: &str, v: f64) -> Result<Duration, CliError> {
    if !(v.is_finite() && v > 0.0 && v <= 86_400.0) {
        return Err(CliError::bad_input(anyhow::anyhow!(
            "--{flag} must be a number of seconds between 0 and 86400, got {v}"
        )));
    }
    Ok(Duration::from_secs_f64(v))
}

fn options(args: &Args) -> Result<DiscoverOptions, CliError> {
    if args.external_ids.len() > args.role_arns.len() {
        return Err(CliError::bad_input(anyhow::anyhow!(
            "--external-id given {} time(s) but --role-arn only {}",
            args.external_ids.len(),
            args.role_arns.len()
        )));
    }
    let roles = args
        .role_arns
        .iter()
        .enumerate()
        .map(|(i, arn)| RoleTarget { role_arn: arn.clone(), external_id: args.external_ids.get(i).cloned() })
        .collect();
    Ok(DiscoverOptions {
        profile: args.profile.clone(),
        regions: args.regions.clone(),
        all_regions: args.all_regions,
        roles,
        org_role: args.org_role.clone(),
        concurrency: args.concurrency,
        region_concurrency: args.region_concurrency,
        retry_mode: match args.retry_mode {
            RetryModeArg::Standard => RetryMode::Standard,
            RetryModeArg::Adaptive => RetryMode::Adaptive,
        },
        max_attempts: args.max_attempts,
        connect_timeout: secs("connect-timeout", args.connect_timeout)?,
        read_timeout: secs("read-timeout", args.read_timeout)?,
        operation_timeout: secs("operation-timeout", args.operation_timeout)?,
        endpoint_url: None,
        progress: true,
    })
}

pub fn run(args: Args) -> CmdResult {
    let opts = options(&args)?;
    let discovery = discover::discover_blocking(opts).map_err(|e| match e {
        DiscoverError::BadOption(_) | DiscoverError::NoRegion => CliError::bad_input(e),
        _ => CliError::failure(e),
    })?;
    inventory::snapshot::write_file(&args.out, &discovery.snapshot)
        .map_err(|e| CliError::failure(anyhow::anyhow!("{}: cannot write snapshot: {e}", args.out.display())))?;
    eprintln!("{}", discovery.summary_line());
    // The snapshot lists every gap; stderr shows the first few so a bad run stays readable.
    const SHOWN: usize = 20;
    let gaps: Vec<_> = discovery.snapshot.gaps().collect();
    for gap in gaps.iter().take(SHOWN) {
        eprintln!(
            "  gap: {} {} {}: {:?} {}{}",
            gap.account_id,
            gap.region,
            gap.api,
            gap.status,
            gap.error_code.as_deref().map(|c| format!("{c}: ")).unwrap_or_default(),
            gap.error_message.as_deref().unwrap_or("")
        );
    }
    if gaps.len() > SHOWN {
        eprintln!(
            "  … and {} more gap(s); `auditmap validate {}` lists them all",
            gaps.len() - SHOWN,
            args.out.display()
        );
    }
    eprintln!("wrote {}", args.out.display());
    Ok(if discovery.snapshot.has_gaps() { Exit::CoverageGaps } else { Exit::Success })
}
