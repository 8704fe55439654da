//! Fault drills: discovery of a seeded moto estate (3 accounts × 2 regions) through
//! the fault proxy, compared with a fault-free run of the same estate.
//! - 20 % of requests throttled or 500 → the same resources and coverage; the
//!   retries in the coverage records equal the faults the proxy injected;
//! - one API denied in one region → exactly that gap, nothing else missing;
//! - connection resets and responses that never complete (first attempts) are
//!   retried; an API that always stalls, always resets or always returns garbled XML
//!   is recorded as failed, within the configured timeouts, with a clear message.
#[path = "support/moto.rs"]
mod moto;
#[path = "support/proxy.rs"]
mod proxy;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use discover::{DiscoverOptions, Discovery, RoleTarget};
use inventory::snapshot::{CoverageRecord, CoverageStatus};
use moto::Moto;
use proxy::{Config, Fault, Proxy};
use serde_json::Value;

fn options(endpoint: &str) -> DiscoverOptions {
    DiscoverOptions {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        roles: vec![RoleTarget {
            role_arn: "arn:aws:iam::111111111111:role/audit".into(),
            external_id: Some("x-1".into()),
        }],
        org_role: Some("OrganizationAccountAccessRole".into()),
        endpoint_url: Some(endpoint.to_string()),
        progress: false,
        max_attempts: 6,
        ..DiscoverOptions::default()
    }
}

async fn run(opts: DiscoverOptions) -> Discovery {
    discover::discover(opts).await.expect("discovery completes")
}

fn proxy_for(base: &Base, policy: proxy::Policy) -> Proxy {
    let upstream = base.endpoint.trim_start_matches("http://").to_string();
    Proxy::start(Config { upstream, delay: Duration::ZERO, policy, max_results: None })
}

/// The fault-free run every drill compares with.
struct Base {
    endpoint: String,
    resources: Value,
    coverage: Vec<CoverageRecord>,
}

/// One seeded moto and its fault-free discovery, shared by the drills (seeding is
/// the slow part). Discovery only reads, so the drills can share it in parallel.
/// moto is killed at exit (statics are never dropped).
async fn baseline() -> &'static Base {
    static BASE: tokio::sync::OnceCell<Base> = tokio::sync::OnceCell::const_new();
    BASE.get_or_init(|| async {
        moto::aws_env();
        let moto = Moto::start();
        moto.seed(true);
        MOTO_PID.store(moto.pid(), Ordering::SeqCst);
        extern "C" fn kill_moto() {
            let pid = MOTO_PID.load(Ordering::SeqCst);
            if pid > 0 {
                // SAFETY: plain kill(2) on a child we started.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
            }
        }
        // SAFETY: registers a plain extern "C" fn without captures.
        unsafe { libc::atexit(kill_moto) };
        let d = run(options(&moto.endpoint)).await;
        assert!(
            d.snapshot.gaps().next().is_none(),
            "the fault-free run has gaps: {:#?}",
            d.snapshot.gaps().collect::<Vec<_>>()
        );
        let base =
            Base { endpoint: moto.endpoint.clone(), resources: resources(&d), coverage: d.snapshot.coverage.clone() };
        std::mem::forget(moto); // killed by kill_moto at exit
        base
    })
    .await
}

static MOTO_PID: AtomicU32 = AtomicU32::new(0);

fn resources(d: &Discovery) -> Value {
    serde_json::to_value(&d.snapshot.resources).expect("resources serialize")
}

/// The baseline's resources without the items of `kind` in `region`.
fn without(mut v: Value, kind: &str, region: &str) -> Value {
    if let Some(list) = v.get_mut(kind).and_then(Value::as_array_mut) {
        list.retain(|r| r["region"] != region);
    }
    v
}

/// Per kind, the ids that differ, for a readable failure.
fn diff(a: &Value, b: &Value) -> String {
    let mut out = String::new();
    for (kind, list) in a.as_object().into_iter().flatten() {
        let other = &b[kind];
        if list != other {
            let ids = |v: &Value| -> Vec<String> {
                v.as_array().into_iter().flatten().map(|r| r["id"].as_str().unwrap_or("?").to_string()).collect()
            };
            out.push_str(&format!("{kind}: expected {:?}\n      got {:?}\n", ids(list), ids(other)));
        }
    }
    out
}

/// Coverage without timings and retries: what must not change under faults.
fn coverage_shape(records: &[CoverageRecord]) -> Vec<(String, String, String, CoverageStatus, u64, u32)> {
    records
        .iter()
        .map(|c| (c.account_id.clone(), c.region.clone(), c.api.clone(), c.status, c.items, c.pages))
        .collect()
}

fn assert_same_resources(expected: &Value, got: &Discovery) {
    let got = resources(got);
    assert!(expected == &got, "resources differ from the fault-free run:\n{}", diff(expected, &got));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_500s_on_a_fifth_of_requests_lose_nothing() {
    let base = baseline().await;
    let p = proxy_for(base, proxy::flaky(20));
    let d = run(options(&p.endpoint)).await;
    let stats = p.stats();

    assert_same_resources(&base.resources, &d);
    assert_eq!(coverage_shape(&d.snapshot.coverage), coverage_shape(&base.coverage));
    assert!(d.snapshot.gaps().next().is_none());

    // Enough faults to mean something, of both kinds.
    let share = stats.total_faults() as f64 / stats.requests as f64;
    assert!((0.12..0.35).contains(&share), "fault share {share:.2} ({} of {})", stats.total_faults(), stats.requests);
    assert!(
        stats.faults.keys().any(|k| k.2 == Fault::Throttle) && stats.faults.keys().any(|k| k.2 == Fault::ServerError)
    );

    // Every injected EC2 or ELB fault is one retry in the coverage record of that API
    // (ELB v2 and Classic both send DescribeLoadBalancers: summed by action name).
    let mut injected: BTreeMap<String, u64> = BTreeMap::new();
    for ((_, action, _), n) in &stats.faults {
        *injected.entry(action.clone()).or_default() += n;
    }
    let mut recorded: BTreeMap<String, u64> = BTreeMap::new();
    for c in &d.snapshot.coverage {
        let action = c.api.strip_prefix("ec2:").or_else(|| c.api.strip_prefix("elasticloadbalancing:"));
        if let Some(action) = action.map(|a| a.trim_end_matches(" (classic)")) {
            *recorded.entry(action.to_string()).or_default() += c.retries as u64;
        }
    }
    recorded.retain(|_, n| *n > 0);
    let injected_ec2: BTreeMap<String, u64> = injected
        .iter()
        .filter(|(a, _)| {
            recorded.contains_key(*a) || a.starts_with("Describe") || a.starts_with("Get") || a.starts_with("Search")
        })
        .filter(|(a, _)| *a != "GetCallerIdentity")
        .map(|(a, n)| (a.clone(), *n))
        .collect();
    assert_eq!(recorded, injected_ec2, "retries in coverage vs faults injected, per EC2 and ELB API");
    eprintln!(
        "flaky drill: {} requests, {} faults injected, {} retries recorded by discovery",
        stats.requests,
        stats.total_faults(),
        d.stats.total_retries()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_denied_api_is_exactly_one_gap_per_account() {
    let base = baseline().await;
    let policy: proxy::Policy =
        Arc::new(
            |r: &proxy::Request| {
                if r.region == "eu-west-1" && r.action == "DescribeSubnets" {
                    Fault::Deny
                } else {
                    Fault::Forward
                }
            },
        );
    let p = proxy_for(base, policy);
    let d = run(options(&p.endpoint)).await;

    let gaps: Vec<&CoverageRecord> = d.snapshot.gaps().collect();
    assert_eq!(gaps.len(), 3, "one denied record per account: {gaps:#?}");
    for g in &gaps {
        assert_eq!(
            (g.region.as_str(), g.api.as_str(), g.status),
            ("eu-west-1", "ec2:DescribeSubnets", CoverageStatus::Denied)
        );
        assert_eq!(g.error_code.as_deref(), Some("UnauthorizedOperation"));
        assert_eq!(g.retries, 0, "a denial is not retried");
    }
    // Every other record as in the fault-free run.
    let strip = |c: &[CoverageRecord]| {
        let mut v = coverage_shape(c);
        v.retain(|c| !(c.1 == "eu-west-1" && c.2 == "ec2:DescribeSubnets"));
        v
    };
    assert_eq!(strip(&d.snapshot.coverage), strip(&base.coverage));
    assert_same_resources(&without(base.resources.clone(), "subnets", "eu-west-1"), &d);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resets_stalls_and_garbled_xml_are_retried_or_recorded_without_hanging() {
    let base = baseline().await;
    // First attempts: a third reset mid-response, a tenth stalled (the read timeout
    // must end them). Three EC2 APIs in eu-west-1 fail on every attempt, one way each.
    let policy: proxy::Policy = Arc::new(|r: &proxy::Request| {
        if r.region == "eu-west-1" {
            match r.action.as_str() {
                "DescribeVpnGateways" => return Fault::Stall,
                "DescribeCustomerGateways" => return Fault::Reset,
                "DescribeRouteTables" => return Fault::Garble,
                _ => {}
            }
        }
        match (r.attempt, r.key % 10) {
            (1, 0..=2) => Fault::Reset,
            (1, 3) => Fault::Stall,
            _ => Fault::Forward,
        }
    });
    let p = proxy_for(base, policy);
    let opts = DiscoverOptions {
        max_attempts: 3,
        // An attempt is bounded by connect + read timeout (5 s here): tight enough that
        // stalls end quickly, loose enough for moto on a loaded machine (with a 2 s read
        // timeout, a busy 2-core machine once timed out nine healthy APIs). The operation
        // timeout leaves room for one stalled attempt and two slow ones.
        connect_timeout: Duration::from_secs(1),
        read_timeout: Duration::from_secs(4),
        operation_timeout: Duration::from_secs(20),
        ..options(&p.endpoint)
    };
    let started = Instant::now();
    let d = tokio::time::timeout(Duration::from_secs(90), run(opts)).await.expect("discovery hung");
    let took = started.elapsed();
    let stats = p.stats();
    assert!(stats.faults.keys().any(|k| k.2 == Fault::Reset && k.1 != "DescribeCustomerGateways"), "{stats:?}");
    assert!(stats.faults.keys().any(|k| k.2 == Fault::Stall && k.1 != "DescribeVpnGateways"), "{stats:?}");

    let failed: BTreeMap<&str, Vec<&CoverageRecord>> = d.snapshot.gaps().fold(BTreeMap::new(), |mut m, g| {
        m.entry(g.api.as_str()).or_insert_with(Vec::new).push(g);
        m
    });
    assert_eq!(
        failed.keys().copied().collect::<Vec<_>>(),
        vec!["ec2:DescribeCustomerGateways", "ec2:DescribeRouteTables", "ec2:DescribeVpnGateways"],
        "{failed:#?}"
    );
    for (api, records) in &failed {
        assert_eq!(records.len(), 3, "{api}: one record per account");
        for g in records {
            assert_eq!((g.region.as_str(), g.status), ("eu-west-1", CoverageStatus::Failed), "{g:?}");
            let msg = format!("{} {}", g.error_code.as_deref().unwrap_or(""), g.error_message.as_deref().unwrap_or(""));
            let lower = msg.to_lowercase();
            let clear = match *api {
                "ec2:DescribeVpnGateways" => lower.contains("timeout") || lower.contains("timed out"),
                "ec2:DescribeCustomerGateways" => {
                    lower.contains("reset")
                        || lower.contains("closed")
                        || lower.contains("dispatch")
                        || lower.contains("io")
                }
                _ => lower.contains("truncated response"),
            };
            assert!(clear, "{api}: unclear message: {msg}");
            assert!(msg.len() < 700, "{api}: message not capped: {msg}");
        }
    }
    // Everything else exactly as without faults.
    let mut expected = base.resources.clone();
    for kind in ["vpn_gateways", "customer_gateways", "route_tables"] {
        expected = without(expected, kind, "eu-west-1");
    }
    assert_same_resources(&expected, &d);
    // Within the configured timeouts: the stalled API ends by its read timeouts.
    assert!(took < Duration::from_secs(60), "took {took:?}");
    eprintln!("reset/stall/garble drill: {} requests, {:?} faults, {took:.1?}", stats.requests, stats.total_faults());
}

/// Regression: a body cut right after a complete `</item>` used to deserialize as a
/// successful, shorter page (no gap, security groups silently missing). It must be a
/// failed API with a message saying the response was truncated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xml_cut_after_a_complete_item_is_a_failure_not_a_short_page() {
    let base = baseline().await;
    let policy: proxy::Policy = Arc::new(|r: &proxy::Request| {
        if r.region == "us-east-1" && r.action == "DescribeSecurityGroups" {
            Fault::CutAtItem
        } else {
            Fault::Forward
        }
    });
    let p = proxy_for(base, policy);
    let d = run(options(&p.endpoint)).await;
    let gaps: Vec<&CoverageRecord> = d.snapshot.gaps().collect();
    assert_eq!(gaps.len(), 3, "one failed record per account: {gaps:#?}");
    for g in &gaps {
        assert_eq!(
            (g.region.as_str(), g.api.as_str(), g.status),
            ("us-east-1", "ec2:DescribeSecurityGroups", CoverageStatus::Failed)
        );
        let msg = g.error_message.as_deref().unwrap_or("");
        assert!(msg.contains("truncated response"), "{msg}");
    }
    // The other records and resources are as without the fault.
    let strip = |c: &[CoverageRecord]| {
        let mut v = coverage_shape(c);
        v.retain(|c| !(c.1 == "us-east-1" && c.2 == "ec2:DescribeSecurityGroups"));
        v
    };
    assert_eq!(strip(&d.snapshot.coverage), strip(&base.coverage));
    assert_same_resources(&without(base.resources.clone(), "security_groups", "us-east-1"), &d);
}
