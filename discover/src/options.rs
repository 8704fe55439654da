//! What the caller asks discovery to do (the `auditmap discover` flags, minus output).
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RetryMode {
    /// Exponential backoff with jitter for throttling, 5xx and transient errors.
    #[default]
    Standard,
    /// Standard plus client-side rate limiting when AWS throttles.
    Adaptive,
}

/// A role to assume for one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleTarget {
    pub role_arn: String,
    pub external_id: Option<String>,
}

/// Default run-wide bound: sixteen (account, region) scopes (say 4 accounts × 4
/// regions) at their full per-scope rate, and at most 256 sockets and response buffers
/// held by the client (well under the usual 1024 open files).
pub const DEFAULT_CONCURRENCY: usize = 256;
/// Default per (account, region) bound: 16 in flight (≈ 160–300 requests/s at AWS
/// latencies) spends EC2's Describe burst (a 100-token bucket) on a typical region's
/// few dozen requests; past it the SDK's retries (`--retry-mode adaptive`) pace the rest.
pub const DEFAULT_REGION_CONCURRENCY: usize = 16;

#[derive(Debug, Clone)]
pub struct DiscoverOptions {
    /// Named profile; None uses AWS_PROFILE or "default" (the standard chain).
    pub profile: Option<String>,
    /// Regions to read; empty means the configured default region (or all with `all_regions`).
    pub regions: Vec<String>,
    /// Read every region enabled for each account (DescribeRegions).
    pub all_regions: bool,
    /// Roles to assume, one account each.
    pub roles: Vec<RoleTarget>,
    /// Role name to assume in every active account of the organisation.
    pub org_role: Option<String>,
    /// Most API requests in flight at once over the whole run (all accounts and
    /// regions): caps client resources (sockets, response buffers). A chain of pages
    /// counts as one request.
    pub concurrency: usize,
    /// Most API requests in flight at once per (account, region) — AWS throttles per
    /// account and region — and per account for STS/Organizations calls.
    pub region_concurrency: usize,
    pub retry_mode: RetryMode,
    /// Attempts per request, including the first.
    pub max_attempts: u32,
    pub connect_timeout: Duration,
    /// Longest wait for response bytes once connected; one attempt (connect, head and
    /// body) is also bounded by connect_timeout + read_timeout, then retried.
    pub read_timeout: Duration,
    /// Longest one operation may take, all retries included.
    pub operation_timeout: Duration,
    /// Endpoint for every service, overriding AWS_ENDPOINT_URL (tests, emulators).
    pub endpoint_url: Option<String>,
    /// Draw a progress bar on stderr (only drawn when stderr is a terminal).
    pub progress: bool,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            profile: None,
            regions: Vec::new(),
            all_regions: false,
            roles: Vec::new(),
            org_role: None,
            concurrency: DEFAULT_CONCURRENCY,
            region_concurrency: DEFAULT_REGION_CONCURRENCY,
            retry_mode: RetryMode::Standard,
            max_attempts: 5,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(30),
            operation_timeout: Duration::from_secs(120),
            endpoint_url: None,
            progress: true,
        }
    }
}
