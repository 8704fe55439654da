//! Deterministic synthetic estates of a requested size, for benchmarks and trials.
//!
//! `generate(n, seed)` builds a realistic multi-account estate of exactly `n` resources
//! (for `n` above the size of the smallest estate, about 70): accounts with 1-3 regions,
//! VPCs with AZ-spread public/private/data subnets, NAT and internet gateways, tiered
//! security groups (alb → web → app → db), ASG-like instance groups, managed-service ENIs
//! (ELB, RDS, Lambda, endpoints), peering, transit gateways with a VPN, and a few
//! deliberate exposures (open bastions, public test boxes) so analyses have findings.
//! Same seed, same bytes: everything comes from one SplitMix64 stream and ids from a
//! bijective mix of a counter, so ids never collide.
//!
//! Its own crate, not part of `inventory`: only the CLI's `example` command, the
//! benchmarks and tests need it, and the core crate stays model, snapshot, topology,
//! analysis.
mod rng;
mod vpc;

use std::collections::BTreeMap;

use inventory::model::*;
use inventory::snapshot::{
    CoverageRecord, CoverageStatus, Generator, Identity, Scope, Snapshot, Timestamp, SCHEMA_VERSION,
};
use rng::{mix, Rng};

/// Fixed collection time: generated files must not depend on when they were made.
pub const GENERATED_AT: &str = "2026-11-20T09:30:00Z";

/// (region, zone-id prefix, zone count, AWS S3 prefix list id).
const REGIONS: &[(&str, &str, usize, &str)] = &[
    ("us-east-1", "use1", 6, "pl-63a5400a"),
    ("eu-west-1", "euw1", 3, "pl-6da54004"),
    ("us-west-2", "usw2", 4, "pl-68a54001"),
    ("eu-central-1", "euc1", 3, "pl-6ea54007"),
    ("ap-southeast-2", "apse2", 3, "pl-6ca54005"),
    ("eu-west-2", "euw2", 3, "pl-7ca54015"),
    ("ap-northeast-1", "apne1", 4, "pl-61a54008"),
    ("ca-central-1", "cac1", 3, "pl-7da54014"),
];

const ENVS: [&str; 3] = ["prod", "staging", "dev"];
const TEAMS: &[&str] =
    &["platform", "payments", "identity", "data", "web", "mobile", "search", "risk", "logistics", "growth"];
const APPS: &[&str] = &[
    "orders",
    "payments",
    "catalog",
    "search",
    "auth",
    "billing",
    "reports",
    "inventory",
    "shipping",
    "notifications",
    "ledger",
    "profile",
    "pricing",
    "media",
    "analytics",
    "checkout",
];
/// Largest number of resources one VPC adds besides its instances (see `vpc.rs`), plus
/// the per-region hub and prefix lists a VPC may create. Used to stop adding VPCs in time.
const VPC_OVERHEAD_MAX: usize = 92;

pub(crate) struct AccountInfo {
    pub id: String,
    pub env: &'static str,
    pub team: &'static str,
    pub regions: Vec<usize>,
}

/// What later steps (peering, top-up instances) need to know about a built VPC.
pub(crate) struct VpcInfo {
    pub id: String,
    pub account: usize,
    pub region: usize,
    pub cidr: ipnet::Ipv4Net,
    pub env: &'static str,
    pub stem: String,
    pub owner: String,
    /// Indices into `resources.route_tables` of the private tables.
    pub private_rts: Vec<usize>,
    /// (subnet index in `resources.subnets`) of private subnets.
    pub private_subnets: Vec<usize>,
    pub worker_sg: String,
    pub batch_count: usize,
}

/// A region's transit gateway hub, owned by the first account seen in that region.
pub(crate) struct Hub {
    pub tgw_id: String,
    pub owner: String,
    pub rtb: usize,
}

pub(crate) struct Gen {
    pub rng: Rng,
    id_key: u64,
    id_counter: u64,
    pub r: Resources,
    pub accounts: Vec<AccountInfo>,
    pub vpcs: Vec<VpcInfo>,
    pub hubs: BTreeMap<usize, Hub>,
    /// Next free host number per subnet index (addresses .10 and up).
    pub next_host: Vec<u32>,
    /// Public addresses come from 198.18.0.0/15 (RFC 2544 benchmarking: never a real
    /// host, and large enough to stay unique at 100k resources).
    pub next_public: u32,
    /// AWS S3 prefix list created per region (it is the same list in every account).
    pub s3_lists: BTreeMap<usize, String>,
    /// Customer "office" prefix list per (account, region).
    pub office_lists: BTreeMap<(usize, usize), String>,
    pub branch_count: usize,
}

impl Gen {
    /// A fresh AWS-looking id: prefix, "-0", 16 hex digits. Distinct for every call.
    pub fn id(&mut self, prefix: &str) -> String {
        self.id_counter += 1;
        format!("{prefix}-0{:016x}", mix(self.id_key ^ self.id_counter))
    }

    /// 16 hex digits, for ELB names and the like.
    pub fn hex(&mut self) -> String {
        format!("{:016x}", self.rng.next_u64())
    }

    pub fn public_ip(&mut self) -> std::net::Ipv4Addr {
        let base = u32::from(std::net::Ipv4Addr::new(198, 18, 0, 0));
        // Skip .0 and .255 so every address looks like a host.
        let mut n = self.next_public;
        while matches!(n % 256, 0 | 255) {
            n += 1;
        }
        self.next_public = (n + 1) % (1 << 17);
        std::net::Ipv4Addr::from(base + n)
    }

    /// Next private address in a subnet (a /24 from .10 up).
    pub fn host(&mut self, subnet_idx: usize) -> std::net::Ipv4Addr {
        let n = self.next_host[subnet_idx];
        self.next_host[subnet_idx] = n + 1;
        let net = self.r.subnets[subnet_idx].cidr_block.map(|c| u32::from(c.network())).unwrap_or(0);
        // A /24 has 251 usable hosts; wrap rather than leave the subnet (never reached
        // with the per-VPC instance caps, kept so the address stays in range).
        std::net::Ipv4Addr::from(net + 10 + (n % 240))
    }
}

pub(crate) fn arn(kind: &str, region: &str, account: &str, id: &str) -> Option<String> {
    Some(format!("arn:aws:ec2:{region}:{account}:{kind}/{id}"))
}

pub(crate) fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn collected_at() -> Timestamp {
    Timestamp::parse(GENERATED_AT).expect("GENERATED_AT is a valid RFC 3339 constant")
}

/// A deterministic, realistic estate of `resources` resources (exactly, unless that is
/// below the smallest estate the generator builds).
pub fn generate(resources: usize, seed: u64) -> Snapshot {
    let mut g = Gen {
        rng: Rng::new(seed),
        id_key: mix(seed ^ 0x05EE_D1D5),
        id_counter: 0,
        r: Resources::default(),
        accounts: Vec::new(),
        vpcs: Vec::new(),
        hubs: BTreeMap::new(),
        next_host: Vec::new(),
        next_public: 1,
        s3_lists: BTreeMap::new(),
        office_lists: BTreeMap::new(),
        branch_count: 0,
    };
    accounts(&mut g, resources);
    let slots: Vec<(usize, usize)> =
        g.accounts.iter().enumerate().flat_map(|(a, acc)| acc.regions.iter().map(move |r| (a, *r))).collect();

    // VPCs round-robin over account×region until only room for a top-up is left.
    loop {
        let remaining = resources.saturating_sub(g.r.total());
        if !g.vpcs.is_empty() && remaining < VPC_OVERHEAD_MAX + 20 {
            break;
        }
        let (account, region) = slots[g.vpcs.len() % slots.len()];
        // Instances per VPC: a realistic spread, capped by what is left.
        let want = g.rng.range(6, 60);
        let cap = remaining.saturating_sub(VPC_OVERHEAD_MAX) / 2;
        vpc::build(&mut g, account, region, want.min(cap).max(2));
        // The second VPC always peers with the first, so even small estates have peering.
        if g.vpcs.len() == 2 || (g.vpcs.len() > 2 && g.rng.chance(20)) {
            let n = g.vpcs.len();
            vpc::peer(&mut g, n - 1, n - 2);
        }
    }
    // Top up with batch workers (instance + ENI), then one spare EIP if the count is odd.
    let mut v = 0;
    while g.r.total() + 2 <= resources {
        let n = g.vpcs.len();
        vpc::batch_worker(&mut g, v % n);
        v += 1;
    }
    if g.r.total() < resources {
        let n = g.vpcs.len();
        vpc::spare_eip(&mut g, v % n);
    }
    vpc::finish_subnets(&mut g);
    snapshot(g)
}

fn accounts(g: &mut Gen, target: usize) {
    let n = match target {
        0..=299 => 1,
        300..=2999 => 3,
        _ => (target / 2500).clamp(4, 500),
    };
    for i in 0..n {
        let env = ENVS[i % 3];
        let team = TEAMS[i % TEAMS.len()];
        // 12-digit ids that look assigned rather than sequential (and stay distinct).
        let mut salt = 0u64;
        let id = loop {
            let id = format!("{:012}", 100_000_000_000 + mix(g.id_key ^ ((i as u64) << 32) ^ salt) % 899_999_999_999);
            if !g.accounts.iter().any(|a| a.id == id) {
                break id;
            }
            salt += 1;
        };
        let home = if i == 0 { 0 } else { g.rng.below(REGIONS.len().min(4)) };
        let mut regions = vec![home];
        for _ in 0..g.rng.below(3) {
            let r = g.rng.below(REGIONS.len());
            if !regions.contains(&r) {
                regions.push(r);
            }
        }
        regions.sort();
        for &ri in &regions {
            let (region, _, zones, _) = REGIONS[ri];
            g.r.regions.push(Region {
                id: format!("{id}/{region}"),
                account_id: id.clone(),
                region: region.into(),
                arn: None,
                opt_in_status: Some("opt-in-not-required".into()),
                tags: Tags::new(),
            });
            for z in 0..zones {
                let letter = (b'a' + z as u8) as char;
                g.r.availability_zones.push(AvailabilityZone {
                    id: format!("{id}/{region}{letter}"),
                    account_id: id.clone(),
                    region: region.into(),
                    arn: None,
                    zone_name: format!("{region}{letter}"),
                    zone_id: Some(zone_id(i, ri, z)),
                    state: Some("available".into()),
                    tags: Tags::new(),
                });
            }
        }
        g.r.accounts.push(Account {
            id: id.clone(),
            account_id: id.clone(),
            region: String::new(),
            arn: None,
            alias: Some(format!("acme-{env}-{team}")),
            org_name: Some(format!("Acme {env} {team}")),
            tags: tags(&[("Environment", env), ("Owner", &format!("{team}@acme.example"))]),
        });
        g.accounts.push(AccountInfo { id, env, team, regions });
    }
}

/// Every regional kind's listing API (the model's kind table), in API-name order:
/// one coverage record each per account and region.
fn api_kinds() -> Vec<(&'static str, ResourceKind)> {
    let mut v: Vec<(&str, ResourceKind)> =
        ResourceKind::ALL.iter().filter_map(|k| k.listing_api().map(|api| (api, *k))).collect();
    v.sort();
    v
}

fn snapshot(mut g: Gen) -> Snapshot {
    let mut items: BTreeMap<(&str, &str, ResourceKind), u64> = BTreeMap::new();
    for r in g.r.iter() {
        *items.entry((r.account_id, r.region, r.kind)).or_default() += 1;
    }
    let mut coverage = Vec::new();
    let apis = api_kinds();
    let mut regions_discovered = Vec::new();
    for a in &g.accounts {
        coverage.push(record(&a.id, "global", "sts:GetCallerIdentity", 1, &mut g.rng));
        for &ri in &a.regions {
            let region = REGIONS[ri].0;
            regions_discovered.push(region.to_string());
            for (api, kind) in &apis {
                let n = items.get(&(a.id.as_str(), region, *kind)).copied().unwrap_or(0);
                coverage.push(record(&a.id, region, api, n, &mut g.rng));
            }
        }
    }
    let identity = g
        .accounts
        .iter()
        .map(|a| Identity {
            account_id: a.id.clone(),
            caller_arn: format!("arn:aws:sts::{}:assumed-role/AuditMapReadOnly/auditmap", a.id),
            assumed_role_arn: Some(format!("arn:aws:iam::{}:role/AuditMapReadOnly", a.id)),
        })
        .collect();
    let mut s = Snapshot {
        schema_version: SCHEMA_VERSION,
        generator: Generator::this_build(),
        collected_at: collected_at(),
        scope: Scope {
            accounts: g.accounts.iter().map(|a| a.id.clone()).collect(),
            regions_requested: Vec::new(),
            regions_discovered,
        },
        identity,
        coverage,
        resources: std::mem::take(&mut g.r),
    };
    s.normalize();
    s
}

fn record(account: &str, region: &str, api: &str, items: u64, rng: &mut Rng) -> CoverageRecord {
    let pages = (items / 1000 + 1) as u32;
    CoverageRecord {
        account_id: account.into(),
        region: region.into(),
        api: api.into(),
        status: CoverageStatus::Ok,
        items,
        pages,
        retries: 0,
        duration_ms: 40 + rng.below(300) as u64 + items / 4,
        error_code: None,
        error_message: None,
    }
}

pub(crate) fn region_name(ri: usize) -> &'static str {
    REGIONS[ri].0
}
pub(crate) fn region_zones(ri: usize) -> usize {
    REGIONS[ri].2
}
/// Zone id of the `z`-th zone for an account: the name→id mapping differs per account.
pub(crate) fn zone_id(account: usize, ri: usize, z: usize) -> String {
    let (_, prefix, zones, _) = REGIONS[ri];
    format!("{prefix}-az{}", (z + account % zones) % zones + 1)
}
pub(crate) fn s3_list_id(ri: usize) -> &'static str {
    REGIONS[ri].3
}
pub(crate) fn pick_app(rng: &mut Rng) -> &'static str {
    rng.pick::<&str>(APPS)
}
