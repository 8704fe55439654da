//! Topology + analysis time on generated estates (plain timing loop, no harness).
//! Run: `cargo bench -p auditmap-inventory --bench analysis [-- 1000 10000 100000]`.
use std::time::{Duration, Instant};

use inventory::analysis::analyze_topology;
use inventory::topology::Topology;

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000, 100_000] } else { sizes };
    println!(
        "{:>9} {:>9} {:>6} {:>12} {:>12} {:>12} {:>9}",
        "requested", "resources", "enis", "graph", "analyses", "total", "findings"
    );
    for n in sizes {
        let snap = inventory::generate::generate(n, 42);
        let mut best = (Duration::MAX, Duration::MAX, Duration::MAX);
        let mut findings = 0;
        for _ in 0..3 {
            let t0 = Instant::now();
            let topo = Topology::build(&snap);
            let t1 = Instant::now();
            let a = analyze_topology(&topo);
            let t2 = Instant::now();
            findings = a.exposures.len();
            std::hint::black_box(&a);
            if t2 - t0 < best.2 {
                best = (t1 - t0, t2 - t1, t2 - t0);
            }
        }
        println!(
            "{:>9} {:>9} {:>6} {:>10.1}ms {:>10.1}ms {:>10.1}ms {:>9}",
            n,
            snap.resources.total(),
            snap.resources.network_interfaces.len(),
            best.0.as_secs_f64() * 1e3,
            best.1.as_secs_f64() * 1e3,
            best.2.as_secs_f64() * 1e3,
            findings
        );
    }
}
