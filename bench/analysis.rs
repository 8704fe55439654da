//! Topology + analysis time on generated estates (plain timing loop, no harness).
//! Run: `cargo bench -p auditmap-inventory --bench analysis [-- 1000 10000 100000]`.
//! Reports wall time and, on Linux, on-CPU time of the process (from /proc/self/stat,
//! every thread), which stays meaningful on a loaded machine.
use std::time::{Duration, Instant};

use inventory::analysis::{analyze_topology, data_flows, DATA_FLOW_HOPS};
use inventory::topology::Topology;

/// Nanoseconds this process (all threads: exposure and segmentation run side by side)
/// has spent on a CPU, user + system, if the kernel says (/proc/self/stat, 10 ms ticks).
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (u64, u64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some((utime + stime) * 10_000_000)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 10_000, 100_000] } else { sizes };
    println!(
        "{:>9} {:>9} {:>6} {:>10} {:>10} {:>10} {:>10} {:>9} {:>11} {:>10} {:>7}",
        "requested",
        "resources",
        "enis",
        "graph",
        "analyses",
        "total",
        "total cpu",
        "findings",
        "connections",
        "flows",
        "hops"
    );
    for n in sizes {
        let snap = generate::generate(n, 42);
        // Best of 5 wall times; CPU time is the least non-zero reading (the kernel
        // updates it at scheduling events, so a very short run can read 0).
        let mut best: Option<(Duration, Duration, Duration)> = None;
        let mut best_cpu: Option<Duration> = None;
        let (mut findings, mut connections) = (0, 0);
        // The data flows (a path search the package runs after the analyses), timed apart.
        let (mut best_flows, mut hops) = (None::<Duration>, 0);
        for _ in 0..5 {
            let c0 = cpu_ns();
            let t0 = Instant::now();
            let topo = Topology::build(&snap);
            let t1 = Instant::now();
            let a = analyze_topology(&topo);
            let t2 = Instant::now();
            let c1 = cpu_ns();
            if let (Some(a), Some(b)) = (c0, c1) {
                let cpu = Duration::from_nanos(b.saturating_sub(a));
                if !cpu.is_zero() && best_cpu.is_none_or(|c| cpu < c) {
                    best_cpu = Some(cpu);
                }
            }
            let t3 = Instant::now();
            let flows = data_flows(&topo, &a, DATA_FLOW_HOPS, &Default::default());
            let flows_time = t3.elapsed();
            if best_flows.is_none_or(|b| flows_time < b) {
                best_flows = Some(flows_time);
            }
            hops = flows.len();
            findings = a.exposures.len();
            connections = a.segmentation.len();
            std::hint::black_box(&a);
            if best.is_none_or(|b| t2 - t0 < b.2) {
                best = Some((t1 - t0, t2 - t1, t2 - t0));
            }
        }
        let (g, an, total) = best.unwrap_or_default();
        let cpu = best_cpu.map(|c| format!("{:.1}ms", ms(c))).unwrap_or_else(|| "-".into());
        println!(
            "{:>9} {:>9} {:>6} {:>8.1}ms {:>8.1}ms {:>8.1}ms {:>10} {:>9} {:>11} {:>8.1}ms {:>7}",
            n,
            snap.resources.total(),
            snap.resources.network_interfaces.len(),
            ms(g),
            ms(an),
            ms(total),
            cpu,
            findings,
            connections,
            ms(best_flows.unwrap_or_default()),
            hops
        );
    }
}
