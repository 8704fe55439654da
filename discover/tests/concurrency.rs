//! The concurrency bounds, seen from the wire: a fault proxy in front of moto counts
//! the requests in flight per (service, region) and can make one region slow.
//! - the per-(account, region) bound holds, is reached, and regions overlap;
//! - a region at its bound with slow answers does not hold back another region,
//!   while one run-wide bound of the same size would (the control).
#[path = "support/moto.rs"]
mod moto;
#[path = "support/proxy.rs"]
mod proxy;

use std::time::Duration;

use discover::{DiscoverOptions, Discovery};
use moto::Moto;
use proxy::{Config, Proxy, ScopeStats};

const SLOW: &str = "us-east-1";
const FAST: &str = "eu-west-1";

fn proxy(moto: &Moto, delay: Duration) -> Proxy {
    let upstream = moto.endpoint.trim_start_matches("http://").to_string();
    Proxy::start(Config::new(upstream, delay))
}

async fn run(p: &Proxy, regions: &[&str], concurrency: usize, region_concurrency: usize) -> Discovery {
    let opts = DiscoverOptions {
        regions: regions.iter().map(|r| r.to_string()).collect(),
        endpoint_url: Some(p.endpoint.clone()),
        progress: false,
        concurrency,
        region_concurrency,
        ..DiscoverOptions::default()
    };
    let d = tokio::time::timeout(Duration::from_secs(120), discover::discover(opts))
        .await
        .expect("discovery hung")
        .expect("discovery runs");
    assert!(!d.snapshot.has_gaps(), "{:#?}", d.snapshot.gaps().collect::<Vec<_>>());
    d
}

fn ec2(p: &Proxy, region: &str) -> ScopeStats {
    p.stats().by_scope.get(&("ec2".to_string(), region.to_string())).cloned().unwrap_or_default()
}

/// From the region's first request to its last response.
fn busy(s: &ScopeStats) -> Duration {
    match (s.first_start, s.last_end) {
        (Some(a), Some(b)) => b.duration_since(a),
        _ => Duration::ZERO,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_region_bound_holds_is_reached_and_regions_overlap() {
    moto::aws_env();
    let moto = Moto::start();
    let p = proxy(&moto, Duration::from_millis(40));
    let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"];
    run(&p, &regions, 64, 3).await;
    let stats = p.stats();
    eprintln!("max in flight {}; per scope {:?}", stats.max_in_flight, stats.by_scope);
    for r in regions {
        let s = ec2(&p, r);
        assert!(s.requests >= 20, "{r}: {} requests", s.requests);
        assert!(s.max_in_flight <= 3, "{r}: {} in flight, bound is 3", s.max_in_flight);
        assert_eq!(s.max_in_flight, 3, "{r}: the bound should be reached (a region has ~25 requests)");
    }
    // Regions run side by side, not one after another.
    assert!(stats.max_in_flight >= 6, "at most {} requests in flight over 3 regions", stats.max_in_flight);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saturated_slow_region_does_not_hold_back_another() {
    moto::aws_env();
    let moto = Moto::start();
    let p = proxy(&moto, Duration::from_millis(10));
    p.set_region_delay(SLOW, Duration::from_millis(400));

    // Per-region bound 2, run-wide bound 64: the fast region finishes long before the slow one.
    run(&p, &[SLOW, FAST], 64, 2).await;
    let (slow, fast) = (ec2(&p, SLOW), ec2(&p, FAST));
    eprintln!("split bounds: slow {:?} ({slow:?}), fast {:?} ({fast:?})", busy(&slow), busy(&fast));
    assert_eq!(slow.max_in_flight, 2, "the slow region is saturated");
    // ~30 requests, 2 at a time: ~6 s at 400 ms, ~0.3 s at 10 ms (plus moto's own time).
    assert!(busy(&slow) > Duration::from_secs(4), "slow region took {:?}", busy(&slow));
    // Relative to the slow region: a loaded machine slows moto (the slow region once took
    // 11 s, the fast one 2.7 s), but a fast region held back would take about as long.
    assert!(
        busy(&fast) * 3 < busy(&slow),
        "fast region took {:?} next to a slow one of {:?}",
        busy(&fast),
        busy(&slow)
    );
    assert!(fast.last_end < slow.last_end);

    // Control: the same 2 as one run-wide bound queues the fast region behind the slow one.
    p.reset();
    run(&p, &[SLOW, FAST], 2, 2).await;
    let fast = ec2(&p, FAST);
    eprintln!("one shared bound: fast {:?} ({fast:?})", busy(&fast));
    assert!(
        busy(&fast) > Duration::from_millis(2500),
        "with one shared bound the fast region should wait for the slow one, took {:?}",
        busy(&fast)
    );
}
